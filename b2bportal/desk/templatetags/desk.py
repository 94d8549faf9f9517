"""The desk's parts of a document's page: notes and assignment, readable sections, the
version diff in words, findings. Each is an inclusion tag, so any family's page shows
them with one line: `{% document_desk invoice %}`, `{% readable_sections version %}`,
`{% diff_in_words old new %}`, `{% findings_list document version %}`."""

from django import template
from django.contrib.contenttypes.models import ContentType

from b2bportal.desk import diff, readable, services
from b2bportal.desk.families import family_of
from b2bportal.desk.models import NOTE_MAX_LENGTH, Assignment, Note

register = template.Library()


@register.inclusion_tag("desk/partials/notes.html", takes_context=True)
def document_desk(context, document):
    """Who has the document, the hand-over history, the notes, and the forms to add them."""
    user = context["request"].user
    link = {
        "document_type": ContentType.objects.get_for_model(type(document)),
        "document_id": document.pk,
    }
    assignments = list(
        Assignment.objects.filter(**link)
        .select_related("assignee", "assigned_by")
        .order_by("assigned_at", "id")
    )
    can_assign = user.has_perm(services.ASSIGN)
    can_read = user.has_perm(services.READ_NOTES)
    return {
        "csrf_token": context.get("csrf_token"),
        "family": family_of(type(document)),
        "document": document,
        "notes": Note.objects.filter(**link).select_related("author").order_by("created_at", "id")
        if can_read
        else [],
        "can_read": can_read,
        "assignments": assignments,
        "current": assignments[-1] if assignments else None,
        "can_note": user.has_perm(services.ADD_NOTE),
        "can_assign": can_assign,
        "reviewers": services.assignable_reviewers(document) if can_assign else [],
        "note_max_length": NOTE_MAX_LENGTH,
        "user": user,
    }


@register.inclusion_tag("desk/partials/sections.html")
def readable_sections(version):
    """The version's less-used blocks as labelled fields."""
    return {"blocks": readable.sections(version.sections or {})}


@register.inclusion_tag("desk/partials/diff.html")
def diff_in_words(old, new):
    """What changed from `old` to `new`, one sentence per change."""
    return {"old": old, "new": new, "changes": diff.changes(old, new)}


@register.inclusion_tag("desk/partials/findings.html")
def findings_list(document, version):
    """The version's findings, amounts and dates formatted, documents linked; and an
    honest word on what could not be checked."""
    if version is None:  # a document made before versions were kept: nothing to list
        return {"findings": [], "unchecked": []}
    return {
        "findings": [readable.finding(document, f) for f in version.findings.all()],
        "unchecked": readable.unchecked(version),
    }

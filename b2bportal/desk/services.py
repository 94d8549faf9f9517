"""Notes and assignments: the one way each is written, whatever the document's family."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, Subquery
from django.db.models.lookups import Exact

from b2bportal.numbers import whole_number

from .families import among, family_of
from .models import NOTE_MAX_LENGTH, Assignment, Note

READ_NOTES = "desk.view_note"
ADD_NOTE = "desk.add_note"
ASSIGN = "desk.add_assignment"


class NotRecorded(Exception):
    """Input the desk refuses: `field` names what was wrong, `detail` says why."""

    def __init__(self, field: str, detail: str):
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def _link(document) -> dict:
    return {
        "document_type": ContentType.objects.get_for_model(type(document)),
        "document_id": document.pk,
    }


def add_note(document, author, text: str) -> Note:
    """Leave an internal note on `document`, signed by `author` and timed now."""
    text = (text or "").strip()
    if not text:
        raise NotRecorded("text", "A note needs some text.")
    if len(text) > NOTE_MAX_LENGTH:
        raise NotRecorded(
            "text", f"A note holds at most {NOTE_MAX_LENGTH} characters (this has {len(text)})."
        )
    return Note.objects.create(author=author, text=text, **_link(document))


def may_be_assigned(user, document) -> bool:
    """Only active staff who can decide on the document's family review it."""
    decide = family_of(type(document)).permission("decide")
    return user.is_active and user.is_staff and user.has_perm(decide)


def assignable_reviewers(document) -> list:
    """The people `document` may be given to, by name (one query however many staff)."""
    app_label, codename = family_of(type(document)).permission("decide").split(".")
    granted = {"content_type__app_label": app_label, "codename": codename}
    holds = (
        Q(is_superuser=True)
        | Q(user_permissions__in=Permission.objects.filter(**granted))
        | Q(groups__permissions__in=Permission.objects.filter(**granted))
    )
    users = get_user_model().objects.filter(holds, is_active=True, is_staff=True)
    return list(users.distinct().order_by("username"))


def assign(document, assignee_id, assigned_by) -> Assignment:
    """Give `document` to the reviewer with `assignee_id`; none (blank) releases it.

    A new row each time, so who held it before, and who handed it over, is kept.
    """
    assignee = None
    if assignee_id not in (None, ""):
        number = whole_number(str(assignee_id))
        assignee = get_user_model().objects.filter(pk=number).first() if number else None
        if assignee is None or not may_be_assigned(assignee, document):
            raise NotRecorded("assignee", f"{assignee_id} is not a reviewer of these documents.")
    current = current_assignment(document)
    if current is not None and current.assignee_id == (assignee.pk if assignee else None):
        raise NotRecorded("assignee", "The document is already with them.")
    if current is None and assignee is None:
        raise NotRecorded("assignee", "The document is not assigned to anyone.")
    return Assignment.objects.create(assignee=assignee, assigned_by=assigned_by, **_link(document))


def current_assignment(document) -> Assignment | None:
    """The latest hand-over of `document`, or None if it was never assigned."""
    return (
        Assignment.objects.filter(**_link(document))
        .select_related("assignee", "assigned_by")
        .order_by("-assigned_at", "-id")
        .first()
    )


def current_assignee_id(model):
    """An expression: the id of the reviewer a row of `model` is currently assigned to."""
    latest = Assignment.objects.filter(
        document_type=ContentType.objects.get_for_model(model), document_id=OuterRef("pk")
    ).order_by("-assigned_at", "-id")
    return Subquery(latest.values("assignee_id")[:1])


def assigned_to(model, user_id) -> Q:
    """The rows of `model` assigned to `user_id` now: among the few ever assigned to them
    (their keys read first, `families.among`), those whose latest assignment is theirs.
    Tested on every row instead, the latest assignment is a subquery per document (at a
    million documents, most of a second)."""
    ever = Assignment.objects.filter(
        document_type=ContentType.objects.get_for_model(model), assignee_id=user_id
    ).values("document_id")
    return among(ever) & Q(Exact(current_assignee_id(model), user_id))

"""Internal notes and assignment on a document: who may write them, what the page shows,
the "assigned to me" filter and home figure, and refusals that change nothing."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2bportal.desk import services
from b2bportal.desk.models import Assignment, Note
from b2bportal.network.models import OutboundMessage
from tests.desk.conftest import csrf_of
from tests.invoices.conftest import detail

pytestmark = pytest.mark.django_db


def _post(client, invoice, what: str, data: dict):
    page = client.get(detail(invoice))
    url = f"/documents/invoices/{invoice.pk}/{what}/"
    return client.post(url, {**data, "csrfmiddlewaretoken": csrf_of(page)})


def test_reviewer_adds_a_note_shown_with_author_and_ist_time(received, login, staff):
    reviewer = login("reviewer")
    response = _post(reviewer, received, "notes", {"text": "  Rate differs from PO; ask Pune.  "})
    assert response.status_code == 302
    assert response["Location"] == detail(received)
    note = Note.objects.get()
    assert (note.document, note.author, note.text) == (
        received,
        staff["reviewer"],
        "Rate differs from PO; ask Pune.",
    )
    Note.objects.filter(pk=note.pk).update(created_at=datetime(2026, 11, 18, 6, 0, tzinfo=UTC))
    html = reviewer.get(detail(received)).content.decode()
    assert "18/11/2026 11:30 IST" in html
    assert "Rate differs from PO; ask Pune." in html
    assert OutboundMessage.objects.count() == 0  # internal: nothing goes to the network


def test_notes_are_append_only(received, staff):
    note = services.add_note(received, staff["reviewer"], "First look done")
    with pytest.raises(ValueError):
        note.save()
    with pytest.raises(ValueError):
        note.delete()
    assert Note.objects.get().text == "First look done"


@pytest.mark.parametrize(
    ("text", "detail_text"),
    [("   ", "A note needs some text."), ("x" * 2001, "at most 2000 characters")],
)
def test_a_blank_or_long_note_is_refused_naming_the_field(received, login, text, detail_text):
    response = _post(login("reviewer"), received, "notes", {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<strong>text</strong>" in html and detail_text in html
    assert Note.objects.count() == 0


def test_auditor_reads_notes_but_may_not_write(received, login, staff):
    services.add_note(received, staff["reviewer"], "Checked GRN 4471")
    auditor = login("auditor")
    html = auditor.get(detail(received)).content.decode()
    assert "Checked GRN 4471" in html
    assert 'id="note-form"' not in html and 'id="assign-form"' not in html
    page = login("reviewer").get(detail(received))
    for what, data in [("notes", {"text": "mine"}), ("assign", {"assignee": staff["auditor"].pk})]:
        response = auditor.post(
            f"/documents/invoices/{received.pk}/{what}/",
            {**data, "csrfmiddlewaretoken": csrf_of(page)},
        )
        assert response.status_code == 403
    assert Note.objects.count() == 1 and Assignment.objects.count() == 0


def test_posts_need_csrf_post_and_a_real_document(received, login, staff):
    reviewer = login("reviewer")
    assert (
        reviewer.post(f"/documents/invoices/{received.pk}/notes/", {"text": "x"}).status_code == 403
    )
    assert reviewer.get(f"/documents/invoices/{received.pk}/notes/").status_code == 405
    page = reviewer.get(detail(received))
    token = {"csrfmiddlewaretoken": csrf_of(page), "text": "x"}
    assert reviewer.post("/documents/invoices/999999/notes/", token).status_code == 404
    assert reviewer.post("/documents/invoices/abc/notes/", token).status_code == 404
    assert reviewer.post(f"/documents/nope/{received.pk}/notes/", token).status_code == 404
    assert Note.objects.count() == 0


def test_assign_keeps_history_and_shows_who_has_it(received, login, staff):
    reviewer = login("reviewer")
    admin = login("admin")
    assert _post(admin, received, "assign", {"assignee": staff["reviewer"].pk}).status_code == 302
    assert _post(reviewer, received, "assign", {"assignee": staff["admin"].pk}).status_code == 302
    assert _post(admin, received, "assign", {"assignee": ""}).status_code == 302
    rows = list(
        Assignment.objects.order_by("id").values_list("assignee__username", "assigned_by__username")
    )
    assert rows == [("reviewer", "admin"), ("admin", "reviewer"), (None, "admin")]
    html = reviewer.get(detail(received)).content.decode()
    assert "Not assigned to anyone." in html
    assert "Assignment history (3)" in html
    assert (
        _post(reviewer, received, "assign", {"assignee": staff["reviewer"].pk}).status_code == 302
    )
    html = reviewer.get(detail(received)).content.decode()
    assert "Assigned to <strong>reviewer</strong> (you) by reviewer" in html


@pytest.mark.parametrize("assignee", ["auditor", "nobody-id", "999999", "99999999999999999999999"])
def test_assigning_to_someone_who_cannot_review_is_refused(received, login, staff, assignee):
    value = staff["auditor"].pk if assignee == "auditor" else assignee
    response = _post(login("reviewer"), received, "assign", {"assignee": value})
    assert response.status_code == 400
    assert "<strong>assignee</strong>" in response.content.decode()
    assert Assignment.objects.count() == 0


def test_assigning_to_the_current_holder_again_is_refused(received, login, staff):
    services.assign(received, staff["reviewer"].pk, staff["admin"])
    response = _post(login("admin"), received, "assign", {"assignee": staff["reviewer"].pk})
    assert response.status_code == 400
    assert "already with them" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_assigned_to_me_filter_and_home_figure(make_invoice, login, staff):
    mine, theirs, released, free, moved = (make_invoice() for _ in range(5))
    services.assign(mine, staff["reviewer"].pk, staff["admin"])
    services.assign(theirs, staff["admin"].pk, staff["admin"])
    services.assign(released, staff["reviewer"].pk, staff["admin"])
    services.assign(released, None, staff["admin"])
    services.assign(moved, staff["reviewer"].pk, staff["admin"])  # then given to another
    services.assign(moved, staff["admin"].pk, staff["admin"])
    reviewer = login("reviewer")
    listed = reviewer.get("/admin/invoices/invoice/", {"assigned": "me"}).content.decode()
    assert mine.supplier_invoice_number in listed
    for other in (theirs, released, free, moved):
        assert other.supplier_invoice_number not in listed
    nobody = reviewer.get("/admin/invoices/invoice/", {"assigned": "nobody"}).content.decode()
    assert [i.supplier_invoice_number in nobody for i in (mine, theirs, released, free)] == [
        False,
        False,
        True,
        True,
    ]
    home = reviewer.get("/").content.decode()
    assert (
        '<a href="/admin/invoices/invoice/?assigned=me" data-figure="invoices-assigned-to-you">'
        '<span class="desk-count">1</span> <span class="desk-label">assigned to you</span></a>'
    ) in home


def test_auditor_home_has_no_assigned_figure(make_invoice, login, staff):
    services.assign(make_invoice(), staff["reviewer"].pk, staff["admin"])
    assert "assigned to you" not in login("auditor").get("/").content.decode()


def test_reviewers_offered_are_those_who_can_decide(received, staff):
    names = [user.username for user in services.assignable_reviewers(received)]
    assert names == ["admin", "reviewer"]
    inactive = get_user_model().objects.get(username="reviewer")
    inactive.is_active = False
    inactive.save()
    assert [u.username for u in services.assignable_reviewers(received)] == ["admin"]


def test_the_panel_costs_the_same_queries_however_many_reviewers(received, login, staff):
    reviewer = login("reviewer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reviewer.get(detail(received)).status_code == 200
        return len(captured)

    before = queries()
    group = Group.objects.get(name="Reviewer")
    for n in range(5):
        user = get_user_model().objects.create_user(f"reviewer{n}", is_staff=True)
        user.groups.add(group)
    assert queries() == before
    html = reviewer.get(detail(received)).content.decode()
    form = html[html.index('id="assign-form"') :]
    form = form[: form.index("</form>")]
    assert form.count('<option value="') == 8  # nobody, admin, reviewer, reviewer0..4

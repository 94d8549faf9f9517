"""Hostile input in the invoices admin: refused cleanly, never a 500."""

import re

import pytest

from b2bportal.network.models import OutboundMessage
from tests.invoices.conftest import csrf_of, decision_state

LIST = "/admin/invoices/invoice/"


@pytest.mark.parametrize("object_id", ["abc", "²", "1.0", "99999999999999999999999"])
def test_an_invoice_page_for_an_id_that_is_not_one_is_a_404(received, login, object_id):
    response = login("auditor").get(f"{LIST}{object_id}/change/")
    assert response.status_code == 404


@pytest.mark.parametrize("selected", ["abc", "²", "99999999999999999999999"])
def test_a_bulk_decision_naming_no_invoice_sends_nothing(received, login, selected):
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    before = decision_state(received)
    page = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "accept_selected",
            "apply": "1",
            "_selected_action": [selected],
            "remarks": "Checked",
        },
        follow=True,
    )
    assert page.status_code == 200
    if selected.isascii() and selected.isdigit():  # an id, of no invoice: nothing to decide
        assert "Items must be selected" not in page.content.decode()
    else:
        assert "Nothing was done: the selection is not a list of ids." in page.content.decode()
    assert decision_state(received) == before
    assert not OutboundMessage.objects.exists()


def test_no_admin_page_crashes_on_an_id_that_is_not_one(staff, login):
    from django.contrib import admin

    superuser = login("admin")
    superuser.raise_request_exception = False
    answers = {}
    for model in admin.site._registry:
        opts = model._meta
        for view in ("change", "history", "delete"):
            url = f"/admin/{opts.app_label}/{opts.model_name}/abc/{view}/"
            answers[url] = superuser.get(url).status_code
    assert {url: code for url, code in answers.items() if code not in (302, 403, 404)} == {}


def test_no_admin_action_crashes_on_a_selection_that_is_not_ids(staff, login):
    from django.contrib import admin

    superuser = login("admin")
    superuser.raise_request_exception = False
    answers = {}
    for model in admin.site._registry:
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        page = superuser.get(changelist)
        if page.status_code != 200:
            continue
        for action in re.findall(r'<option value="(\w+)"', page.content.decode()):
            response = superuser.post(
                changelist,
                {
                    "csrfmiddlewaretoken": csrf_of(page),
                    "action": action,
                    "_selected_action": ["abc"],
                },
            )
            answers[f"{changelist} {action}"] = response.status_code
    assert answers
    assert {name: code for name, code in answers.items() if code >= 500} == {}

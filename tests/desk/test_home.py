"""The home page: where login lands, what each role sees, numbers that match their lists."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.desk.conftest import csrf_of

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login_and_back():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/"


def test_login_without_next_lands_on_home(staff, password):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/",
        {"username": "reviewer", "password": password, "csrfmiddlewaretoken": csrf_of(page)},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_admin_links_home_and_return_to_site_works(login):
    client = login("reviewer")
    index = client.get("/admin/").content.decode()
    assert 'href="/" id="desk-home-link"' in index
    assert client.get("/").status_code == 200


@pytest.fixture
def desk_day(make_invoice, decision):
    """Invoices in every state the page counts; returns them by name."""
    made = {
        "clean": make_invoice(total="1234567.50"),
        "failed": make_invoice(outbound_state="failed", total="25000", supplier=1),
        "refused": make_invoice(error_code="INVALID_STATE", total="1000", supplier=1),
        "overdue": make_invoice(
            outbound_state="sent", outbound_age=timedelta(hours=2), total="999999", supplier=2
        ),
        "pending": make_invoice(outbound_state="sent", total="5000"),
        "conflict": make_invoice(conflict=True, age_days=40, total="45000000"),
        "due_soon": make_invoice(age_days=10, due_in_days=3, total="78000"),
        "accepted": make_invoice(age_days=20, status="ACCEPTED", due_in_days=-5, total="150000"),
        "paid": make_invoice(age_days=2, status="FULLY_PAID", due_in_days=1, total="7"),
        "ours": make_invoice(role="supplier", age_days=3, total="560000"),
    }
    decision(made["accepted"], "ACCEPTED")
    decision(made["accepted"], "REJECTED", days_ago=2)
    decision(made["accepted"], "UNDER_REVIEW", days_ago=9)  # last week: not counted
    return made


def figures_by_label(figures):
    return {figure.label: figure for figure in figures}


def listed(client, url) -> set[str]:
    """The supplier invoice numbers the admin list at `url` shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return {obj.supplier_invoice_number for obj in response.context["cl"].result_list}


def invoice_desk(response):
    """The invoices' part of the home page (purchase orders have theirs beside it)."""
    return next(desk for desk in response.context["desks"] if desk.family.key == "invoices")


def numbers(made, *names) -> set[str]:
    return {made[name].supplier_invoice_number for name in names}


def test_reviewer_sees_each_count_and_its_link_lists_exactly_those(login, desk_day):
    client = login("reviewer")
    response = client.get("/")
    desk = invoice_desk(response)
    attention = figures_by_label(desk.attention)
    waiting = figures_by_label(desk.waiting)

    expected = [
        (attention["Failed or refused"], ("failed", "refused")),
        (attention["Overdue at the network"], ("overdue",)),
        (attention["Version conflicts"], ("conflict",)),
        (waiting["To review"], ("clean", "failed", "refused", "conflict", "due_soon")),
        (waiting["Pending at the network"], ("overdue", "pending")),
        (waiting["Due this week"], ("due_soon",)),
    ]
    for figure, names in expected:
        assert figure.count == len(names), figure.label
        assert listed(client, figure.url) == numbers(desk_day, *names), figure.label
    assert desk.attention_total == 4
    assert str(waiting["To review"].value) == "46338567.50"
    assert str(waiting["Due this week"].value) == "78000.00"
    assert waiting["Due this week"].hint.startswith("outstanding, due ")

    payables = figures_by_label(desk.ageing["Payables (we buy)"])
    assert [(f.label, f.count, str(f.value)) for f in payables.values()] == [
        ("0-7 days", 5, "2265566.50"),
        ("8-15 days", 1, "78000.00"),
        ("16-30 days", 1, "150000.00"),
        ("30+ days", 1, "45000000.00"),
    ]
    assert listed(client, payables["0-7 days"].url) == numbers(
        desk_day, "clean", "failed", "refused", "overdue", "pending"
    )
    assert listed(client, payables["30+ days"].url) == numbers(desk_day, "conflict")
    receivables = desk.ageing["Receivables (we supply)"]
    assert [f.count for f in receivables] == [1, 0, 0, 0]
    assert listed(client, receivables[0].url) == numbers(desk_day, "ours")

    top = desk.counterparties
    assert [(f.label, f.count, str(f.value)) for f in top] == [
        ("Shree Ganesh Steel", 6, "47027567.50"),
        ("Deccan Chemicals", 1, "999999.00"),
        ("Mysore Packaging", 2, "26000.00"),
    ]
    assert listed(client, top[1].url) == numbers(desk_day, "overdue")

    decisions = [(f.label, f.count) for f in desk.decisions]
    assert decisions == [("Accepted", 1), ("Rejected", 1), ("Under review (returned)", 0)]
    history = client.get(desk.decisions[0].url)
    assert [row.to_status for row in history.context["cl"].result_list] == ["ACCEPTED"]

    page = response.content.decode()
    assert page.index("Needs attention") < page.index("Work waiting for you")
    assert "₹4,63,38,567.50" in page
    assert "Export" not in page  # a reviewer decides; exports are the auditor's


def test_auditor_sees_the_numbers_and_the_exports_not_the_work(login, desk_day):
    page = login("auditor").get("/").content.decode()
    assert "Export invoices (CSV, XLSX)" in page
    assert "Work waiting for you" not in page
    assert "Work waiting" in page
    assert "Our calls failed" not in page


def test_admin_also_sees_the_network_failures(login, desk_day):
    response = login("admin").get("/")
    network = figures_by_label(response.context["network"])
    assert network["Our calls failed"].count == 1
    assert urlsplit(network["Our calls failed"].url).query == "state__exact=failed"
    assert network["Webhooks failed"].count == 0
    assert "Work waiting for you" in response.content.decode()


def test_staff_without_a_role_sees_no_family(db, settings):
    from django.contrib.auth import get_user_model

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.context["desks"] == []
    assert "ask an administrator" in response.content.decode()


def test_the_page_costs_the_same_queries_whatever_the_data(login, make_invoice, decision):
    client = login("admin")
    make_invoice()
    client.get("/")  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    for age in range(0, 60, 3):
        invoice = make_invoice(age_days=age, supplier=age % 3, outbound_state="failed")
        make_invoice(age_days=age, outbound_state="sent", conflict=True, due_in_days=2)
        decision(invoice, "ACCEPTED")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few)


def test_overdue_at_the_network_follows_the_setting(login, make_invoice, settings):
    waiting = make_invoice(outbound_state="sent", outbound_age=timedelta(minutes=2))
    make_invoice(outbound_state="sent", outbound_age=timedelta(seconds=5))
    client = login("reviewer")

    def overdue():
        desk = invoice_desk(client.get("/"))
        return figures_by_label(desk.attention)["Overdue at the network"]

    if hasattr(settings, "ENKASH_RESULT_OVERDUE_SECONDS"):
        del settings.ENKASH_RESULT_OVERDUE_SECONDS
    assert overdue().count == 0  # the default: an hour
    settings.ENKASH_RESULT_OVERDUE_SECONDS = 60
    figure = overdue()
    assert figure.count == 1
    assert listed(client, figure.url) == {waiting.supplier_invoice_number}
    assert listed(client, "/admin/invoices/invoice/?attention=any") == {
        waiting.supplier_invoice_number
    }


def test_the_invoice_list_says_why_each_row_needs_attention(login, desk_day):
    from django.contrib import admin

    from invoices.models import Invoice

    response = login("reviewer").get("/admin/invoices/invoice/")
    column = admin.site._registry[Invoice].attention_column
    shown = {obj.pk: column(obj) for obj in response.context["cl"].result_list}
    by_name = {name: shown[invoice.pk] for name, invoice in desk_day.items()}
    assert by_name == {
        "clean": "-",
        "failed": "Failed or refused",
        "refused": "Failed or refused",
        "overdue": "Overdue at the network",
        "pending": "-",
        "conflict": "Version conflict",
        "due_soon": "-",
        "accepted": "-",
        "paid": "-",
        "ours": "-",
    }
    assert "Version conflict" in response.content.decode()

# ruff: noqa: F401, F811  (fixtures from .surface)
"""Who may do what with purchase orders: auditors export the orders' status history;
the Buyer role (procurement) places our orders and decides nothing it receives."""

import csv
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from b2bportal.network.models import OutboundMessage
from purchase_orders.models import PurchaseOrder
from tests.desk.test_exports import export

from .surface import api, business, csrf_of, login, new_order_data, password, receive, received

HISTORY_EXPORT = "/admin/purchase_orders/purchaseorderstatuschange/export/"


def test_an_auditor_exports_the_purchase_orders_status_history(received, login):
    response = export(login("auditor"), HISTORY_EXPORT, "csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["objectId"], r["PO number"], r["to_status"]) for r in rows] == [
        (received.object_id, received.po_number, "SENT_TO_SUPPLIER")
    ]


def test_a_reviewer_cannot_export_it(received, login):
    assert login("reviewer").get(HISTORY_EXPORT).status_code == 403


def test_the_buyer_role_places_orders_and_decides_none(received, staff, api):
    buyer = get_user_model().objects.create_user("procurement", is_staff=True)
    buyer.groups.set([Group.objects.get(name="Buyer")])
    assert buyer.has_perm("purchase_orders.manage_purchaseorder")
    assert not buyer.has_perm("purchase_orders.decide_purchaseorder")
    staff["procurement"] = buyer
    client = api("procurement")
    created = client.post("/api/purchase-orders/", new_order_data(), format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["role"]) == ("CREATED", "buyer")
    refused = client.post(
        f"/api/purchase-orders/{received.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "Fine", "version": 1},
        format="json",
    )
    assert refused.status_code == 403
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == ("SENT_TO_SUPPLIER", None)
    assert not OutboundMessage.objects.exists()
    assert PurchaseOrder.objects.count() == 2

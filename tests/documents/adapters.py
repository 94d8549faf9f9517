"""How the contract suite builds each family's messages: one adapter per family.

The suite reads everything else from the family's spec (`documents.registry`): the
paths come from the network's catalogue, the blocks and statuses from the spec. A new
family is tested by adding its adapter here.
"""

from dataclasses import dataclass

import pytest
from django.urls import resolve

from b2bportal.api_errors import unknown_api_path
from invoices import services as invoice_services
from invoices.spec import SPEC as INVOICE_SPEC
from purchase_orders import services as po_services
from purchase_orders.spec import SPEC as PO_SPEC
from tests.fixtures import invoices as invoice_data
from tests.purchase_orders import data as po_data


@dataclass(frozen=True)
class InvoiceAdapter:
    """Invoices: a supplier sends us one (we are the buyer), cancels it, we accept it."""

    spec = INVOICE_SPEC
    object_id = invoice_data.OBJECT_ID
    received_status = "SENT_TO_BUYER"
    received_action_status = "CANCELLED"
    decided_status = "ACCEPTED"

    def version(self, made_from: int, number: int, *, price: float = 68.40) -> dict:
        """The body of a version the counterparty sends: `number`, made from `made_from`."""
        return invoice_data.edit_of(
            invoice_data.network_invoice(), version=(made_from, number), price=price
        )

    def received_action(self, version: int) -> tuple[str, dict]:
        """(message type, body) of the counterparty's action on the version it names."""
        return "invoice.status_change", invoice_data.status_change(version=version)

    def decide(self, document, actor):
        """Our decision on a received document, through the family's service."""
        return invoice_services.confirm(document, "ACCEPT", "Goods received", actor=actor)

    def decide_over_api(self, client, document):
        """The same decision through the REST API."""
        return client.post(
            f"/api/invoices/{document.pk}/confirm/",
            {"response": "ACCEPT", "remarks": "Goods received", "version": document.version},
            format="json",
        )

    def result(self, outbound, *, ok: bool) -> dict:
        """The network's result of our request: SUCCESS, or a FAILURE with an error."""
        return invoice_data.result(outbound.req_msg_id, ok=ok)


@dataclass(frozen=True)
class PurchaseOrderAdapter:
    """Purchase orders: a buyer sends us one (we are the supplier), cancels it, we accept it."""

    spec = PO_SPEC
    object_id = po_data.OBJECT_ID
    received_status = "SENT_TO_SUPPLIER"
    received_action_status = "CANCELLED"
    decided_status = "ACCEPTED"

    def version(self, made_from: int, number: int, *, price: float = 1850.00) -> dict:
        """The body of a version the buyer sends: `number`, made from `made_from`."""
        return po_data.edit_of(po_data.purchase_order(), version=(made_from, number), price=price)

    def received_action(self, version: int) -> tuple[str, dict]:
        """(message type, body) of the buyer's cancellation of the version it names."""
        return "purchase_order.status_change", po_data.status_change(version=version)

    def decide(self, document, actor):
        """Our acceptance of a received order, through the family's service."""
        return po_services.confirm(document, "ACCEPT", "Can deliver by the date asked",
                                   actor=actor)  # fmt: skip

    def decide_over_api(self, client, document):
        """The same decision through the REST API (skipped where the API is not installed)."""
        path = f"/api/purchase-orders/{document.pk}/confirm/"
        if resolve(path).func is unknown_api_path:
            pytest.skip("The purchase-order API is not installed in this build")
        return client.post(
            path,
            {"response": "ACCEPT", "remarks": "Can deliver", "version": document.version},
            format="json",
        )

    def result(self, outbound, *, ok: bool) -> dict:
        """The network's result of our request: SUCCESS, or a FAILURE with an error."""
        return po_data.result(
            outbound.req_msg_id,
            ok=ok,
            error=("INVALID_GSTIN", "Buyer GSTIN not registered", "buyerDetails.gstin"),
        )


ADAPTERS = {"invoice": InvoiceAdapter(), "purchase_order": PurchaseOrderAdapter()}

"""How the contract suite builds each family's messages: one adapter per family.

The suite reads everything else from the family's spec (`documents.registry`): the
paths come from the network's catalogue, the blocks and statuses from the spec. A new
family is tested by adding its adapter here.
"""

from dataclasses import dataclass

from invoices import services as invoice_services
from invoices.spec import SPEC as INVOICE_SPEC
from tests.fixtures import invoices as invoice_data


@dataclass(frozen=True)
class InvoiceAdapter:
    """Invoices: a supplier sends us one (we are the buyer), cancels it, we accept it."""

    spec = INVOICE_SPEC
    object_id = invoice_data.OBJECT_ID
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


ADAPTERS = {"invoice": InvoiceAdapter()}

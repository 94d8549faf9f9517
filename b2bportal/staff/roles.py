"""Staff roles as Django groups: the one table of who may see and do what.

Each role lists permissions as "app_label.codename". `setup_roles` makes the groups
match this table; a permission an app has not defined yet is skipped with a warning.
"""

ROLES: dict[str, list[str]] = {
    # Reads everything and exports; changes nothing.
    "Auditor": [
        "network.view_inboundmessage",
        "network.view_inboundrejection",
        "network.view_outboundmessage",
        "network.view_deliveryattempt",
        "parties.view_business",
        "parties.view_counterparty",
        "invoices.view_invoice",
        "invoices.view_invoiceversion",
        "invoices.view_statuschange",
        "invoices.export_invoice",
        "invoices.export_statuschange",
        "purchase_orders.view_purchaseorder",
        "purchase_orders.view_purchaseorderversion",
        "purchase_orders.view_purchaseorderstatuschange",
        "purchase_orders.export_purchaseorder",
        "purchase_orders.export_purchaseorderstatuschange",
        "desk.view_note",
        "desk.view_assignment",
    ],
    # Reviews invoices and buyers' purchase orders and decides them (accept, reject, return).
    "Reviewer": [
        "network.view_inboundmessage",
        "network.view_outboundmessage",
        "network.view_deliveryattempt",
        "parties.view_business",
        "parties.view_counterparty",
        "invoices.view_invoice",
        "invoices.view_invoiceversion",
        "invoices.view_statuschange",
        "invoices.decide_invoice",
        "purchase_orders.view_purchaseorder",
        "purchase_orders.view_purchaseorderversion",
        "purchase_orders.view_purchaseorderstatuschange",
        "purchase_orders.decide_purchaseorder",
        "desk.view_note",
        "desk.view_assignment",
        "desk.add_note",
        "desk.add_assignment",
    ],
    # Procurement: places our purchase orders (create, send, edit, cancel, close) and
    # follows what was invoiced against them; decides nothing it receives.
    "Buyer": [
        "network.view_outboundmessage",
        "network.view_deliveryattempt",
        "parties.view_business",
        "parties.view_counterparty",
        "invoices.view_invoice",
        "invoices.view_invoiceversion",
        "purchase_orders.view_purchaseorder",
        "purchase_orders.view_purchaseorderversion",
        "purchase_orders.view_purchaseorderstatuschange",
        "purchase_orders.manage_purchaseorder",
        "desk.view_note",
        "desk.add_note",
    ],
}

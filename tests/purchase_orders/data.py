"""Purchase-order payloads filled with realistic Indian data.

A buyer (Ananth Motors, Chennai, Tamil Nadu) orders from our business (Kaveri
Engineering, Bengaluru, Karnataka): inter-state, so IGST. `purchase_order()` is the
`req-send` body; `edit_of()` another version of it; `confirmation()` and
`status_change()` the action bodies; `result()` a `resp-*` answering one of ours.
"""

import copy

from b2bportal.parties.gstin import make_gstin
from b2bportal.sandbox import payloads
from tests.fixtures import invoices as invoice_data

OUR_B2B_ID = invoice_data.BUYER_B2B_ID  # Kaveri Engineering: the supplier of received POs
OUR_GSTIN = invoice_data.BUYER_GSTIN
BUYER_B2B_ID = "ANANTHMOTORS.B2B.0031"
BUYER_GSTIN = make_gstin("33", "AABCA9876K")  # Tamil Nadu
OBJECT_ID = "POR" + "4HZK8W2QM7TD5XV1RB9NC3JF6YLPGE0A"

ADDRESS_CHENNAI = {
    "type": "REGISTERED",
    "addressLine1": "No. 7, SIDCO Industrial Estate",
    "addressLine2": "Ambattur",
    "city": "Chennai",
    "state": "Tamil Nadu",
    "country": "IN",
    "pincode": "600098",
}


def _lines(price: float) -> list[dict]:
    """Two lines at 18% IGST: 40 flanges at `price` and a machining service."""
    lines = []
    for serial, (description, hsn, service, qty, unit, unit_price) in enumerate(
        [
            ("Forged flange 150NB ASTM A105", "73079190", "N", 40, "NOS", price),
            ("CNC machining of flange faces", "998873", "Y", 1, "NOS", 6000.00),
        ],
        start=1,
    ):
        amount = round(qty * unit_price, 2)
        tax = round(amount * 0.18, 2)
        lines.append(
            {
                "serialno": str(serial),
                "productDescription": description,
                "isService": service,
                "hsnCode": hsn,
                "quantity": qty,
                "unit": unit,
                "unitPrice": unit_price,
                "totalAmt": amount,
                "assessmentAmount": amount,
                "gstRate": 18,
                "totalItemValue": round(amount + tax, 2),
                "itemValueDetails": [{"type": "IGST", "value": tax}],
                "rates": [{"type": "IGST", "value": 18}],
            }
        )
    return lines


def purchase_order(
    *,
    object_id=OBJECT_ID,
    number="AM/PO/26-27/0311",
    version=(0, 1),
    status=("CREATED", "SENT_TO_SUPPLIER"),
    price=1850.00,
) -> dict:
    """A `purchase-order/req-send` body from Ananth Motors to us."""
    lines = _lines(price)
    assessable = round(sum(line["assessmentAmount"] for line in lines), 2)
    igst = round(sum(line["itemValueDetails"][0]["value"] for line in lines), 2)
    return {
        "device": {"tag": {"name": "GEOCODE", "value": "13.1143,80.1548"}},
        "b2bIds": {"buyerB2BId": BUYER_B2B_ID, "supplierB2BId": OUR_B2B_ID},
        "purchaseOrder": {
            "objectId": object_id,
            "buyerPONumber": number,
            "ts": "2026-11-20T09:30:00+05:30",
            "orderDate": "2026-11-20",
            "deliveryDate": "2026-12-15",
            "subject": "Flanges for the compressor line, December batch",
            "objectVersion": {"currentVersion": version[0], "newVersion": version[1]},
            "poStatusTransition": {"currentStatus": status[0], "newStatus": status[1]},
            "supplierDetails": {
                "b2bId": OUR_B2B_ID,
                "gstin": OUR_GSTIN,
                "legalName": invoice_data.BUYER["legal_name"],
                "tradeName": invoice_data.BUYER["trade_name"],
                "stateCode": "29",
                "address": invoice_data.ADDRESS_BENGALURU,
            },
            "buyerDetails": {
                "b2bId": BUYER_B2B_ID,
                "gstin": BUYER_GSTIN,
                "legalName": "Ananth Motors Private Limited",
                "tradeName": "Ananth Motors",
                "stateCode": "33",
                "placeOfSupply": "33",
                "address": ADDRESS_CHENNAI,
                "contactNumber": {
                    "type": "WORK",
                    "countryCode": "+91",
                    "phoneNumber": "4426581200",
                },
                "email": "purchase@ananthmotors.in",
            },
            "itemLists": lines,
            "poValueDetails": {
                "assessmentValue": assessable,
                "totalPOValue": round(assessable + igst, 2),
                "otherValues": [{"type": "IGST", "value": igst}],
            },
            "paymentTerms": {"creditDays": 45, "mode": "NEFT"},
        },
        "additionalInfos": [{"name": "channel", "value": "ERP"}],
    }


def edit_of(body: dict, *, version: tuple[int, int], price: float | None = None) -> dict:
    """A `req-edit` body: the same order at another version (a new price on line 1)."""
    body = copy.deepcopy(body)
    if price is not None:
        fresh = purchase_order(price=price)["purchaseOrder"]
        body["purchaseOrder"]["itemLists"] = fresh["itemLists"]
        body["purchaseOrder"]["poValueDetails"] = fresh["poValueDetails"]
    body["purchaseOrder"]["objectVersion"] = {
        "currentVersion": version[0],
        "newVersion": version[1],
    }
    return body


def status_change(
    action="CANCEL",
    *,
    object_id=OBJECT_ID,
    version=1,
    status=("SENT_TO_SUPPLIER", "CANCELLED"),
    remarks="Requirement dropped by the plant",
) -> dict:
    """A `purchase-order/req-status-change` body from the buyer of an order sent to us."""
    return {
        "b2bIds": {"buyerB2BId": BUYER_B2B_ID, "supplierB2BId": OUR_B2B_ID},
        "poStatus": {
            "objectId": object_id,
            "buyerPONumber": "AM/PO/26-27/0311",
            "objectVersion": {"currentVersion": version, "newVersion": version},
            "buyerAction": action,
            "buyerRemarks": remarks,
            "poStatusTransition": {"currentStatus": status[0], "newStatus": status[1]},
        },
    }


def confirmation(
    purchase_order_row,
    response="ACCEPT",
    *,
    version=None,
    remarks="Can deliver by the date asked",
    status=None,
) -> dict:
    """A `purchase-order/req-confirm` body from the supplier of one of our orders."""
    block = {
        "objectId": purchase_order_row.object_id,
        "buyerPONumber": purchase_order_row.po_number,
        "objectVersion": {
            "currentVersion": purchase_order_row.version if version is None else version,
            "newVersion": purchase_order_row.version if version is None else version,
        },
        "supplierResponse": response,
        "supplierRemarks": remarks,
    }
    if status is not None:
        block["poStatusTransition"] = {"currentStatus": status[0], "newStatus": status[1]}
    return {
        "b2bIds": {
            "buyerB2BId": purchase_order_row.buyer_b2b_id,
            "supplierB2BId": purchase_order_row.supplier_b2b_id,
        },
        "poConfirmation": block,
    }


def result(
    req_msg_id: str,
    block_name: str | None = None,
    block: dict | None = None,
    *,
    ok=True,
    error=("INVALID_GSTIN", "Supplier GSTIN not registered", "supplierDetails.gstin"),
) -> dict:
    """A `resp-*` body answering our request `req_msg_id`."""
    body = {"resp": payloads.resp_block(req_msg_id, error=None if ok else error)}
    if block_name:
        body[block_name] = block or {}
    return body


SUPPLIER = {
    "b2b_id": "VELTOOLS.B2B.0019",
    "gstin": make_gstin("29", "AAFCV2345D"),  # Karnataka: intra-state, CGST + SGST
    "legal_name": "Vel Tools and Dies Private Limited",
    "trade_name": "Vel Tools",
    "state_code": "29",
    "address": {"city": "Hosur Road, Bengaluru", "pincode": "560068"},
}


def order_data(**changes) -> dict:
    """What staff write to create one of our purchase orders (as buyer)."""
    data = {
        "supplier": SUPPLIER,
        "po_number": "KEW/PO/26-27/0087",
        "order_date": "2026-11-21",
        "delivery_date": "2026-12-05",
        "subject": "Press tools for the bracket line",
        "items": [
            {"description": "Blanking die, bracket B-14", "hsn_code": "82073000",
             "quantity": "2", "unit": "NOS", "unit_price": "48500.00", "gst_rate": "18"},
            {"description": "Die trial and tuning", "hsn_code": "998873", "is_service": True,
             "quantity": "1", "unit": "NOS", "unit_price": "7500.00", "gst_rate": "18"},
        ],
    }  # fmt: skip
    return data | changes

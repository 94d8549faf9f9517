"""Values as an Indian accounts team reads them: ₹ in lakh and crore groups, DD/MM/YYYY
dates, times in IST with the label, GST state names beside their codes.

Plain functions, so views, admin columns and templates (the `indian` template library
in `b2bportal.desk`) format the same way. Dates and times shown by Django itself follow
the same conventions through the `en_IN` format module in `b2bportal/formats/`.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")

# GST state codes (the first two digits of a GSTIN, and `placeOfSupply`), per the
# GST council's list.
GST_STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
    "99": "Centre Jurisdiction",
}

DATE_FORMAT = "%d/%m/%Y"


def inr(value) -> str:
    """An amount grouped the Indian way with two decimals (12,34,567.89); blank for none."""
    return _grouped(value, Decimal("0.01"))


def unit_price(value) -> str:
    """A price or rate grouped the Indian way with two decimals, or up to four where it
    has them (68.40, 1,250.00, 12.3456); blank for none."""
    return _grouped(value, Decimal("0.0001"))


def _grouped(value, step: Decimal) -> str:
    """`value` rounded half up to `step`, in lakh and crore groups, its trailing zeros
    dropped down to two decimals."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, fraction = f"{abs(amount):f}".split(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    head, last3 = whole[:-3], whole[-3:]
    pairs = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([*pairs, last3]) + "." + fraction


def rupees(value) -> str:
    """`inr` with the rupee sign: ₹12,34,567.89 (a negative amount: -₹500.00)."""
    grouped = inr(value)
    if not grouped or grouped[0] not in "-0123456789":
        return grouped
    return f"-₹{grouped[1:]}" if grouped.startswith("-") else f"₹{grouped}"


def rupees_short(value) -> str:
    """A rounded amount for a glance: ₹1.25 Cr, ₹3.40 L, ₹12,500 below a lakh."""
    try:
        amount = Decimal(value or 0)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if amount >= 10_000_000:
        return f"{sign}₹{amount / 10_000_000:.2f} Cr"
    if amount >= 100_000:
        return f"{sign}₹{amount / 100_000:.2f} L"
    return f"{sign}₹{inr(amount)[:-3]}"


def dmy(value) -> str:
    """A date as DD/MM/YYYY (a datetime is first turned into its IST day); blank for none."""
    if isinstance(value, datetime):
        value = value.astimezone(IST).date() if value.tzinfo else value.date()
    return value.strftime(DATE_FORMAT) if isinstance(value, date) else ""


def ist(value) -> str:
    """A moment as DD/MM/YYYY HH:MM IST, whatever zone it was stored in; blank for none."""
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo:
        value = value.astimezone(IST)
    return value.strftime(f"{DATE_FORMAT} %H:%M") + " IST"


def state_name(code) -> str:
    """A GST state code with its name ("27 - Maharashtra"); an unknown code as given."""
    code = str(code or "").strip()
    if not code:
        return ""
    name = GST_STATES.get(code.zfill(2)) if code.isdigit() else None
    return f"{code.zfill(2)} - {name}" if name else code

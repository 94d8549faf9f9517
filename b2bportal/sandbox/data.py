"""Realistic Indian businesses, goods and services for the sandbox's traffic.

Everything here is invented but shaped like the real thing: GSTINs carry a valid
check character (built with `parties.gstin.make_gstin` from a PAN whose fourth
letter says the entity is a company or a firm), state codes are the GST state
codes, HSN/SAC codes are real headings with the GST rate that applies to them.
"""

from dataclasses import dataclass
from decimal import Decimal

from b2bportal.parties.gstin import make_gstin

# GST state codes (the first two digits of a GSTIN) and their names.
STATES: dict[str, str] = {
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "19": "West Bengal",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "27": "Maharashtra",
    "29": "Karnataka",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "36": "Telangana",
}

GST_RATES = (Decimal("5"), Decimal("12"), Decimal("18"), Decimal("28"))


@dataclass(frozen=True)
class Address:
    """A postal address as the network's party blocks carry it."""

    line1: str
    line2: str
    city: str
    state_code: str
    pincode: str

    @property
    def state(self) -> str:
        return STATES[self.state_code]


@dataclass(frozen=True)
class Business:
    """One business on the network: its B2B ID, GSTIN, names, address and bank."""

    b2b_id: str
    pan: str
    legal_name: str
    trade_name: str
    address: Address
    phone: str
    email: str
    bank_account: str
    ifsc: str
    vpa: str

    @property
    def state_code(self) -> str:
        return self.address.state_code

    @property
    def gstin(self) -> str:
        return make_gstin(self.state_code, self.pan)

    @property
    def masked_account(self) -> str:
        return "X" * (len(self.bank_account) - 4) + self.bank_account[-4:]


@dataclass(frozen=True)
class Product:
    """A line a supplier sells: HSN (goods) or SAC (services) code, unit, price, GST rate."""

    description: str
    hsn_code: str
    unit: str
    unit_price: Decimal
    gst_rate: Decimal
    is_service: bool = False


# Our own businesses: one group with three registrations (B2B ID per GSTIN),
# in Maharashtra, Karnataka and Tamil Nadu. Scenarios register these with our app.
OUR_BUSINESSES: tuple[Business, ...] = (
    Business(
        b2b_id="B2B27SARASWATI01",
        pan="AABCS4821K",
        legal_name="Saraswati Engineering Works Private Limited",
        trade_name="Saraswati Engineering",
        address=Address("Plot 14, MIDC Industrial Area", "Bhosari", "Pune", "27", "411026"),
        phone="2027125540",
        email="accounts@saraswati-eng.in",
        bank_account="50200012345678",
        ifsc="HDFC0000123",
        vpa="saraswati@hdfcbank",
    ),
    Business(
        b2b_id="B2B29SARASWATI02",
        pan="AABCS4821K",
        legal_name="Saraswati Engineering Works Private Limited",
        trade_name="Saraswati Engineering Bengaluru",
        address=Address(
            "No. 42, 2nd Phase, Peenya Industrial Area", "Peenya", "Bengaluru", "29", "560058"
        ),
        phone="8028394410",
        email="blr.accounts@saraswati-eng.in",
        bank_account="50200012349012",
        ifsc="HDFC0000456",
        vpa="saraswatiblr@hdfcbank",
    ),
    Business(
        b2b_id="B2B33SARASWATI03",
        pan="AABCS4821K",
        legal_name="Saraswati Engineering Works Private Limited",
        trade_name="Saraswati Engineering Chennai",
        address=Address(
            "B-7, SIPCOT Industrial Park", "Irungattukottai", "Sriperumbudur", "33", "602117"
        ),
        phone="4427162230",
        email="chennai.accounts@saraswati-eng.in",
        bank_account="50200012347788",
        ifsc="HDFC0000789",
        vpa="saraswatichn@hdfcbank",
    ),
)

# Counterparties: suppliers who invoice us and buyers we invoice.
COUNTERPARTIES: tuple[Business, ...] = (
    Business(
        "B2B27KALYANI001", "AADCK7310M", "Kalyani Steel Traders Private Limited",
        "Kalyani Steel", Address("Gala 5, Steel Market", "Kalamboli", "Navi Mumbai", "27",
                                 "410218"),
        "2227423310", "billing@kalyanisteel.in", "912020045678123", "UTIB0000567",
        "kalyanisteel@axisbank",
    ),
    Business(
        "B2B24NARMADA002", "AAFFN2094Q", "Narmada Polymers LLP", "Narmada Polymers",
        Address("Survey 118, GIDC Estate", "Vatva", "Ahmedabad", "24", "382445"),
        "7925834471", "accounts@narmadapolymers.in", "33450100087654", "BARB0VATVAX",
        "narmadapoly@barodampay",
    ),
    Business(
        "B2B29DECCAN0003", "AAGCD5512H", "Deccan Electricals Private Limited",
        "Deccan Electricals", Address("No. 9, KIADB Industrial Area", "Bommasandra",
                                      "Bengaluru", "29", "560099"),
        "8027832219", "finance@deccanelectricals.in", "0456102000034567", "ICIC0000456",
        "deccanelec@icici",
    ),
    Business(
        "B2B33KAVERI0004", "AAECK9903L", "Kaveri Logistics Private Limited",
        "Kaveri Logistics", Address("12, GST Road", "Guindy", "Chennai", "33", "600032"),
        "4422345678", "ar@kaverilogistics.in", "6011234500012", "IOBA0000123",
        "kaverilog@iob",
    ),
    Business(
        "B2B07INDRAPR005", "AAHCI6620P", "Indraprastha IT Services Private Limited",
        "Indraprastha IT", Address("B-41, Okhla Industrial Area Phase II", "Okhla",
                                   "New Delhi", "07", "110020"),
        "1141326650", "invoices@indraprasthait.in", "1234567890123", "SBIN0001707",
        "indraprasthait@sbi",
    ),
    Business(
        "B2B09GANGA00006", "AAKFG3318B", "Ganga Packaging Industries", "Ganga Packaging",
        Address("C-22, Site IV, UPSIDC", "Sahibabad", "Ghaziabad", "09", "201010"),
        "1204156789", "accounts@gangapack.in", "401102000012345", "PUNB0401100",
        "gangapack@pnb",
    ),
    Business(
        "B2B36GOLCONDA07", "AAJCG1475D", "Golconda Pharma Distributors Private Limited",
        "Golconda Pharma", Address("8-2-293, Road No. 14", "Banjara Hills", "Hyderabad",
                                   "36", "500034"),
        "4023547890", "billing@golcondapharma.in", "920020012345678", "UTIB0000009",
        "golcondapharma@axisbank",
    ),
    Business(
        "B2B19HOOGHLY008", "AACCH8841R", "Hooghly Jute Mills Limited", "Hooghly Jute",
        Address("45, Grand Trunk Road", "Bally", "Howrah", "19", "711201"),
        "3326541234", "accounts@hooghlyjute.in", "10234567890", "SBIN0000030",
        "hooghlyjute@sbi",
    ),
)  # fmt: skip

PRODUCTS: tuple[Product, ...] = (
    Product("Mild steel angle 50x50x6 mm", "7216", "KGS", Decimal("62.50"), Decimal("18")),
    Product("Stainless steel sheet 304, 2 mm", "7219", "KGS", Decimal("245.00"), Decimal("18")),
    Product("HDPE granules, injection grade", "3901", "KGS", Decimal("118.40"), Decimal("18")),
    Product("Three-phase induction motor 7.5 kW", "8501", "NOS", Decimal("28450.00"),
            Decimal("18")),
    Product("Copper winding wire 1.2 mm", "8544", "KGS", Decimal("905.00"), Decimal("18")),
    Product("Corrugated cartons, 5 ply", "4819", "NOS", Decimal("38.75"), Decimal("12")),
    Product("Jute sacking bags 50 kg", "6305", "NOS", Decimal("54.00"), Decimal("5")),
    Product("Paracetamol tablets IP 500 mg (strip of 10)", "3004", "BOX", Decimal("11.20"),
            Decimal("12")),
    Product("Portland cement OPC 53 grade", "2523", "BAG", Decimal("385.00"), Decimal("28")),
    Product("Truck tyre 10.00-20, 16 ply", "4011", "NOS", Decimal("18750.00"), Decimal("28")),
    Product("Road freight, Chennai to Sriperumbudur", "9965", "TRP", Decimal("6500.00"),
            Decimal("12"), is_service=True),
    Product("Annual maintenance of ERP servers", "9987", "MON", Decimal("42000.00"),
            Decimal("18"), is_service=True),
    Product("Cloud hosting, 8 vCPU instance", "9983", "MON", Decimal("18600.00"),
            Decimal("18"), is_service=True),
    Product("Basmati rice, 25 kg bag", "1006", "BAG", Decimal("2150.00"), Decimal("5")),
)  # fmt: skip

# What each supplier sells (indexes into PRODUCTS), so invoices look coherent.
CATALOGUE: dict[str, tuple[int, ...]] = {
    "B2B27KALYANI001": (0, 1),
    "B2B24NARMADA002": (2, 5),
    "B2B29DECCAN0003": (3, 4),
    "B2B33KAVERI0004": (10, 9),
    "B2B07INDRAPR005": (11, 12),
    "B2B09GANGA00006": (5, 6),
    "B2B36GOLCONDA07": (7,),
    "B2B19HOOGHLY008": (6, 13),
    # Our own units sell too: the orders buyers place with them are for these.
    "B2B27SARASWATI01": (0, 3),
    "B2B29SARASWATI02": (3, 4),
    "B2B33SARASWATI03": (1, 3),
}


def products_of(supplier: Business) -> tuple[Product, ...]:
    """The products a supplier sells."""
    return tuple(PRODUCTS[index] for index in CATALOGUE.get(supplier.b2b_id, (0,)))


def business_by_b2b_id(b2b_id: str) -> Business | None:
    """The sandbox's business (ours or a counterparty) with `b2b_id`, or None."""
    return next((b for b in OUR_BUSINESSES + COUNTERPARTIES if b.b2b_id == b2b_id), None)

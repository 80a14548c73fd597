"""What `loader demo-data` plants: the problem kinds, their shares and the words it writes.

Everything here is plain data; `loader.demo_data_sql` turns it into rows. Shares are in
parts per million of the requested customer count, so counts are exact integers.
"""

from dataclasses import dataclass

LEGAL_COMPANIES = ("US01", "DE01", "GB01")
UNKNOWN_COMPANY = "ZZ99"
# Companies whose account numbers hold letters: only they can differ by case alone.
LETTER_COMPANIES = ("US01", "GB01")
# Below this many customers there is no room for every kind: the extracts are clean.
MIN_CUSTOMERS_FOR_PROBLEMS = 100

# The head offices that already exist in F&O (target_customers.csv) per legal entity.
TARGET_ENTITIES = {"US01": "USMF", "DE01": "DEMF", "GB01": "GBSI"}
TARGET_ACCOUNTS = ("HQ0001", "HQ0002", "HQ0003")


@dataclass(frozen=True)
class ProblemKind:
    """One kind of planted problem.

    `source` says where the records come from: `added` records are new; `copied` adds a
    copy of the last of its picked members (both count towards the requested customers);
    `picked` alters `members` ordinary customers of one company; `orphan` rows are
    dimension rows of customers that do not exist.
    """

    name: str
    file: str
    per_million: int
    source: str
    rule: str
    description: str
    members: int = 1
    companies: tuple[str, ...] = LEGAL_COMPANIES
    minimum: int = 1

    def count(self, customers: int) -> int:
        """Instances to plant: the share of `customers`, at least the minimum, none for tiny runs."""
        if customers < MIN_CUSTOMERS_FOR_PROBLEMS:
            return 0
        return max(self.minimum, customers * self.per_million // 1_000_000)


CUSTOMERS = "customers.csv"
DIMENSIONS = "customer_dimensions.csv"
TARGETS = "target_customers.csv"

PROBLEM_KINDS: tuple[ProblemKind, ...] = (
    ProblemKind(
        "unknown_company", CUSTOMERS, 2000, "added", "UNKNOWN_LEGAL_ENTITY",
        "customer of company ZZ99, which no legal entity maps", companies=(UNKNOWN_COMPANY,),
    ),
    ProblemKind(
        "blank_account", CUSTOMERS, 500, "added", "BLANK_ACCOUNT",
        "customer number empty (even instances) or only spaces (odd ones)", minimum=2,
    ),
    ProblemKind(
        "account_too_long", CUSTOMERS, 500, "added", "ACCOUNT_TOO_LONG",
        "customer number longer than 20 characters",
    ),
    ProblemKind(
        "duplicate_case", CUSTOMERS, 1000, "copied", "DUPLICATE_ACCOUNT",
        "second record whose number differs from another's only by case",
        companies=LETTER_COMPANIES,
    ),
    ProblemKind(
        "duplicate_spaces", CUSTOMERS, 1000, "copied", "DUPLICATE_ACCOUNT",
        "second record whose number differs from another's only by surrounding spaces",
    ),
    ProblemKind(
        "bill_to_not_found", CUSTOMERS, 1000, "picked", "INVOICE_ACCOUNT_NOT_FOUND",
        "bill-to customer that exists nowhere",
    ),
    ProblemKind(
        "bill_to_other_company", CUSTOMERS, 1000, "picked", "INVOICE_ACCOUNT_NOT_FOUND",
        "bill-to customer that exists only in another company",
    ),
    ProblemKind(
        "bill_to_rejected", CUSTOMERS, 500, "copied", "INVOICE_ACCOUNT_REJECTED",
        "bill-to customer that is rejected for its account: it has a copy with a trailing"
        " space (the copy counts as duplicate_spaces)",
        members=2,
    ),
    ProblemKind(
        "invoice_cycle", CUSTOMERS, 500, "picked", "INVOICE_ACCOUNT_CYCLE",
        "two customers invoicing to each other (A to B, B to A)", members=2,
    ),
    ProblemKind(
        "self_invoice", CUSTOMERS, 500, "picked", "warning",
        "customer invoicing to itself",
    ),
    ProblemKind(
        "invoice_chain", CUSTOMERS, 1000, "picked", "warning",
        "customer invoicing to a customer that invoices to a third (A to B to C)", members=2,
    ),
    ProblemKind(
        "multiline_name", CUSTOMERS, 200, "picked", "none",
        "customer name with an embedded line break",
    ),
    ProblemKind(
        "unknown_dimension", DIMENSIONS, 1000, "picked", "UNKNOWN_DIMENSION",
        "dimension that is not in the dimension format (Region, SalesChannel)",
    ),
    ProblemKind(
        "unknown_dimension_value", DIMENSIONS, 1000, "picked", "UNKNOWN_DIMENSION_VALUE",
        "value that is neither an F&O value nor a mapped legacy value",
    ),
    ProblemKind(
        "conflicting_dimension_values", DIMENSIONS, 1000, "picked",
        "CONFLICTING_DIMENSION_VALUES",
        "same customer and dimension twice, with different values",
    ),
    ProblemKind(
        "value_with_delimiter", DIMENSIONS, 500, "picked", "INVALID_DIMENSION_VALUE",
        "value holding the segment delimiter -",
    ),
    ProblemKind(
        "value_with_nbsp", DIMENSIONS, 500, "picked", "INVALID_DIMENSION_VALUE",
        "value holding a non-breaking space U+00A0",
    ),
    ProblemKind(
        "value_with_zero_width", DIMENSIONS, 500, "picked", "INVALID_DIMENSION_VALUE",
        "value holding a zero-width space U+200B",
    ),
    ProblemKind(
        "value_too_long", DIMENSIONS, 500, "picked", "INVALID_DIMENSION_VALUE",
        "value longer than 30 characters",
    ),
    ProblemKind(
        "orphan_dimension", DIMENSIONS, 1000, "orphan", "ORPHAN_DIMENSION",
        "dimension row of a customer that is not in customers.csv",
    ),
    # Customer definitions: each instance writes one variant of CUSTOMER_VARIANTS over an
    # ordinary customer's own values. Appended last, so that the kinds above pick the
    # same customers as before and their columns keep their values for a seed.
    ProblemKind(
        "blank_name", CUSTOMERS, 1000, "picked", "BLANK_NAME",
        "customer name empty or only spaces",
    ),
    ProblemKind(
        "name_too_long", CUSTOMERS, 1000, "picked", "NAME_TOO_LONG",
        "customer name over 100 UTF-16 code units (one is 100 characters but 101 units)",
    ),
    ProblemKind(
        "unknown_party_type", CUSTOMERS, 1000, "picked", "UNKNOWN_PARTY_TYPE",
        "party type that is neither organization nor person",
    ),
    ProblemKind(
        "person_without_name", CUSTOMERS, 1000, "picked", "PERSON_WITHOUT_NAME",
        "person with no first, middle or last name",
    ),
    ProblemKind(
        "unknown_customer_group", CUSTOMERS, 2000, "picked", "UNKNOWN_CUSTOMER_GROUP",
        "customer group that is neither mapped nor an F&O group of the legal entity",
        companies=("DE01", "GB01"),
    ),
    ProblemKind(
        "customer_group_too_long", CUSTOMERS, 1000, "picked", "CUSTOMER_GROUP_TOO_LONG",
        "unmapped customer group longer than 10 characters",
    ),
    ProblemKind(
        "unknown_currency", CUSTOMERS, 2000, "picked", "UNKNOWN_CURRENCY",
        "currency code the legal entity does not have",
    ),
    ProblemKind(
        "currency_too_long", CUSTOMERS, 1000, "picked", "CURRENCY_TOO_LONG",
        "currency longer than 3 characters",
    ),
    ProblemKind(
        "address_without_country", CUSTOMERS, 2000, "picked", "ADDRESS_WITHOUT_COUNTRY",
        "address without a country",
    ),
    ProblemKind(
        "unknown_country", CUSTOMERS, 2000, "picked", "UNKNOWN_COUNTRY",
        "country that country_map does not map and that is no F&O country",
    ),
    ProblemKind(
        "invalid_email", CUSTOMERS, 3000, "picked", "INVALID_EMAIL",
        "email that is not an address",
    ),
    ProblemKind(
        "field_too_long", CUSTOMERS, 2000, "picked", "FIELD_TOO_LONG",
        "another field longer than its length in field_lengths",
    ),
    ProblemKind(
        "uncarriable_character", CUSTOMERS, 1000, "picked", "UNCARRIABLE_CHARACTER",
        "text field holding a control character or U+FFFE/U+FFFF, which XML cannot carry",
    ),
)  # fmt: skip

# Dimension kinds: each instance takes one (dimension, value, second value) variant in turn.
# A planted row replaces the customer's ordinary row for that dimension; the second value,
# when there is one, is a second row for the same dimension.
DIMENSION_VARIANTS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "unknown_dimension": (
        ("Region", "EMEA", None),
        ("SalesChannel", "RETAIL", None),
        ("Region", "NORTH", None),
    ),
    "unknown_dimension_value": (
        ("BusinessUnit", "999", None),
        ("Department", "MKTG", None),
        ("CostCenter", "0199", None),
    ),
    "conflicting_dimension_values": (
        ("BusinessUnit", "001", "003"),
        ("CostCenter", "0102", "0107"),
        ("Department", "SALES", "FIN"),
    ),
    "value_with_delimiter": (
        ("CostCenter", "0101-02", None),
        ("Department", "SALES-EU", None),
        ("BusinessUnit", "001-A", None),
    ),
    "value_with_nbsp": (
        ("Department", "SALES\u00a0", None),
        ("BusinessUnit", "002\u00a0", None),
        ("CostCenter", "01\u00a004", None),
    ),
    "value_with_zero_width": (
        ("CostCenter", "\u200b0104", None),
        ("Department", "FIN\u200b", None),
        ("BusinessUnit", "00\u200b3", None),
    ),
    "value_too_long": (
        ("Department", "Sales and Marketing North America East", None),
        ("CostCenter", "Shared Services Centre Manchester North", None),
    ),
}


@dataclass(frozen=True)
class Variant:
    """Values one planted instance writes over a customer's own; None is an empty field."""

    values: dict[str, str | None]
    companies: tuple[str, ...] = LEGAL_COMPANIES


_UTF16_EDGE_NAME = (
    # 100 characters, 101 UTF-16 code units: the first is outside the Basic Multilingual Plane.
    "\U00020bb7田精密工業株式会社 (Yoshida Precision Industries Co., Ltd.) North American Sales"
    " & Service Division, Chicago"
)
_NO_NAME = {"first_name": None, "middle_name": None, "last_name": None}

# Customer definitions kinds: instance n of a company takes variant n % (the company's
# variants). Each variant breaks its kind's rule and no other, except that a group or
# currency too long is also not in the seed of groups or currencies.
CUSTOMER_VARIANTS: dict[str, tuple[Variant, ...]] = {
    "blank_name": (Variant({"customer_name": None}), Variant({"customer_name": "   "})),
    "name_too_long": (
        Variant({"customer_name": "Smith & Johnson Building Products Inc. \u2013 Northwest Regional"
                 " Distribution Center, Attn: Accounts Payable Department"}),
        Variant({"customer_name": "Müller & Schäfer Großhandel GmbH & Co. KG \u2013 Niederlassung"
                 " Süd, z. Hd. Buchhaltung, Rechnungsprüfung und Zahlungsverkehr"}),
        Variant({"customer_name": _UTF16_EDGE_NAME}),
        Variant({"customer_name": 'Taylor, Brown & Whitfield Builders Merchants Limited'
                 ' (formerly "Taylor & Brown Joinery and Timber Supplies" Ltd)'}),
    ),
    "unknown_party_type": (
        Variant({"party_type": "Company"}),
        Variant({"party_type": "Individual"}),
        Variant({"party_type": "P"}),
        Variant({"party_type": "Org."}),
    ),
    "person_without_name": (
        Variant({"party_type": "Person", **_NO_NAME}),
        Variant({"party_type": "person", **_NO_NAME, "first_name": "", "last_name": "  "}),
    ),
    # INTERCO is mapped in USMF only; GOVERNMENT is exactly 10 characters long.
    "unknown_customer_group": (
        Variant({"customer_group": "INTERCO"}),
        Variant({"customer_group": "EXPORT"}),
        Variant({"customer_group": "GOVERNMENT"}),
        Variant({"customer_group": "40"}),
    ),
    "customer_group_too_long": (
        Variant({"customer_group": "DISTRIBUTOR"}),
        Variant({"customer_group": "WHOLESALE-EU"}),
        Variant({"customer_group": "KEY ACCOUNTS"}),
    ),
    # CHF exists in DEMF only, CAD in USMF only; DEM and STG are legacy codes.
    "unknown_currency": (
        Variant({"currency": "JPY"}, ("US01",)),
        Variant({"currency": "CHF"}, ("US01", "GB01")),
        Variant({"currency": "US$"}, ("US01",)),
        Variant({"currency": "DEM"}, ("DE01",)),
        Variant({"currency": "CAD"}, ("DE01", "GB01")),
        Variant({"currency": "SEK"}, ("DE01",)),
        Variant({"currency": "STG"}, ("GB01",)),
    ),
    "currency_too_long": (
        Variant({"currency": "EURO"}),
        Variant({"currency": "DOLLAR"}),
        Variant({"currency": "STERLING"}),
    ),
    "address_without_country": (
        Variant({"country": None}),
        Variant({"country": "   "}),
        Variant({"street": None, "city": None, "state": None, "county": None, "country": None}),
    ),
    "unknown_country": (
        Variant({"country": "U.S.A."}, ("US01",)),
        Variant({"country": "America"}, ("US01",)),
        Variant({"country": "BRD"}, ("DE01",)),
        Variant({"country": "Germnay"}, ("DE01",)),
        Variant({"country": "England"}, ("GB01",)),
        Variant({"country": "Scotland"}, ("GB01",)),
    ),
    "invalid_email": (
        Variant({"email": "info@mueller-logistik"}),
        Variant({"email": "sales.example.com"}),
        Variant({"email": "ap@@example.com"}),
        Variant({"email": "@example.com"}),
        Variant({"email": "john smith@example.com"}),
        Variant({"email": "info@example.com; ap@example.com"}),
        Variant({"email": "n/a"}),
    ),
    "field_too_long": (
        Variant({"search_name": "SMITH JOHNSON BUILDING PROD"}, ("US01",)),
        Variant({"state": "Massachusetts"}, ("US01",)),
        Variant({"language": "English (US)"}, ("US01",)),
        Variant({"state": "Nordrhein-Westfalen"}, ("DE01",)),
        Variant({"zip_code": "80331 München"}, ("DE01",)),
        Variant(
            {"party_type": "Person", "first_name": "Maximilian-Alexander-Friedrich",
             "middle_name": None, "last_name": "Schmidt"},
            ("DE01",),
        ),
        Variant({"county": "West Yorkshire"}, ("GB01",)),
        Variant({"search_name": "WHITFIELD BUILDERS MERCHANTS"}, ("GB01",)),
        Variant(
            {"city": "Newcastle upon Tyne, Tyne and Wear, North East England, United Kingdom"},
            ("GB01",),
        ),
    ),
    # No U+0000: a NUL byte makes `loader land` refuse the whole file as damaged.
    "uncarriable_character": (
        Variant({"street": "Hauptstraße 5\x0bHinterhaus"}),
        Variant({"customer_name": "Köhler Bäckerei GmbH\x1a"}),
        Variant({"city": "Leeds\x0c"}),
        Variant({"phone": "\x1b[0m+1 206-555-0143"}),
        Variant({"search_name": "SAKURA\uffff"}),
        Variant({"customer_name": "Weiß\ufffeHandel GmbH"}),
    ),
}  # fmt: skip

# Ordinary dimensions: (position, dimension, percent of customers that have it).
DIMENSIONS_PRESENT = ((1, "BusinessUnit", 95), (2, "CostCenter", 85), (3, "Department", 75))
DEPARTMENT_LEGACY_CODES = ("SALES", "FIN", "OPS", "IT", "HR")


@dataclass(frozen=True)
class Vocabulary:
    """Words for one company's customer names."""

    surnames: tuple[str, ...]
    trades: tuple[str, ...]
    legal_forms: tuple[str, ...]
    partners: str
    attention: str


_US_SURNAMES = (
    "Smith", "Johnson", "Baker", "Carter", "Miller", "Davis", "García", "Martínez", "O'Brien",
    "Nguyen", "Peña", "Walsh", "Brooks", "Coleman", "Reyes", "Fontaine", "Hayes", "Kowalski",
)  # fmt: skip
_US_TRADES = (
    "Logistics", "Engineering", "Foods", "Supplies", "Trading", "Consulting", "Textiles",
    "Motors", "Pharma", "Hardware", "Plastics", "Café & Bakery", "Building Products",
)  # fmt: skip
_DE_SURNAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Groß", "Köhler", "Becker",
    "Hoffmann", "Schröder", "Krüger", "Wagner", "Bäumer", "Lößl", "Jäger",
)  # fmt: skip
_DE_TRADES = (
    "Logistik", "Maschinenbau", "Handel", "Bäckerei", "Elektrotechnik", "Holzbau",
    "Getränke", "Stahlbau", "Medizintechnik", "Gebäudereinigung", "Großhandel",
)  # fmt: skip
_GB_SURNAMES = (
    "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Hughes", "Davies",
    "O'Neill", "MacDonald", "Ó Briain", "Patel", "Clarke", "Whitfield",
)  # fmt: skip
_GB_TRADES = (
    "Haulage", "Engineering", "Foods", "Builders Merchants", "Trading", "Consultancy",
    "Textiles", "Motor Factors", "Pharmaceuticals", "Joinery", "Brewery",
)  # fmt: skip

VOCABULARIES: dict[str, Vocabulary] = {
    "US01": Vocabulary(
        _US_SURNAMES, _US_TRADES, ("Inc.", "LLC", "Corp.", "Co."), "Partners",
        "Attn: Accounts Payable",
    ),
    "DE01": Vocabulary(
        _DE_SURNAMES, _DE_TRADES, ("GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."), "Partner",
        "z. Hd. Buchhaltung",
    ),
    "GB01": Vocabulary(
        _GB_SURNAMES, _GB_TRADES, ("Ltd", "PLC", "LLP", "Limited"), "Partners",
        "FAO Accounts Payable",
    ),
    UNKNOWN_COMPANY: Vocabulary(
        _US_SURNAMES, _US_TRADES, ("Inc.", "LLC"), "Partners", "Attn: Accounts Payable",
    ),
}  # fmt: skip


def planned_counts(customers: int) -> dict[str, int]:
    """Instances of every problem kind for a run of `customers` records."""
    return {kind.name: kind.count(customers) for kind in PROBLEM_KINDS}


def added_rows(customers: int) -> int:
    """Customer records the `added` and `copied` kinds take out of the requested count."""
    return sum(
        kind.count(customers) for kind in PROBLEM_KINDS if kind.source in ("added", "copied")
    )

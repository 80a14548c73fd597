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

"""The raw extract contract: which files a legacy extract folder holds, and their columns."""

import csv
import io
from dataclasses import dataclass

from loader.errors import LoaderError, UsageError

LINEAGE_COLUMNS = ("_source_file", "_source_line", "_load_id", "_loaded_at")
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


@dataclass(frozen=True)
class ExtractSpec:
    """One extract file and the raw table it lands in."""

    table: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    file_required: bool = True

    @property
    def file_name(self) -> str:
        return f"{self.table}.csv"

    @property
    def contract_columns(self) -> tuple[str, ...]:
        return self.required + self.optional


EXTRACTS: tuple[ExtractSpec, ...] = (
    ExtractSpec(
        "customers",
        ("company", "customer_number", "bill_to_customer_number"),
        # What Customer definitions needs; an extract without them still lands (all NULL), and
        # the models fall back to the legal entity's defaults (seed legal_entity_defaults).
        (
            "customer_name",
            "customer_group",
            "currency",
            "party_type",
            "first_name",
            "middle_name",
            "last_name",
            "search_name",
            "street",
            "city",
            "zip_code",
            "state",
            "county",
            "country",
            "email",
            "phone",
            "language",
        ),
    ),
    ExtractSpec("customer_dimensions", ("company", "customer_number", "dimension", "value")),
    ExtractSpec("target_customers", ("data_area_id", "customer_account"), file_required=False),
)


@dataclass(frozen=True)
class Header:
    """The header record of a file: its normalised column names and how many lines it spans."""

    columns: tuple[str, ...]
    lines: int
    delimiter: str


def resolve_delimiter(option: str | None, head: str) -> str:
    """`--delimiter` if given, else whichever of , ; tab or | the first line holds most of
    (a tie goes to the first of them)."""
    if option is not None:
        if option not in DELIMITERS:
            raise UsageError(f"unsupported --delimiter {option!r}: use ',', ';', 'tab' or '|'")
        return DELIMITERS[option]
    first_line = head.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_header(spec: ExtractSpec, file_name: str, head: str, delimiter: str) -> Header:
    """Parse the header record and check it against the contract."""
    if not head.strip():
        raise LoaderError(
            f"{file_name}: the file is empty; expected a header line with {', '.join(spec.required)}"
        )
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter, strict=True)
    try:
        raw_names = next(reader)
    except csv.Error as exc:
        raise LoaderError(
            f"{file_name}: line 1: the header cannot be read as CSV ({exc})"
        ) from None
    names = tuple(name.strip().lower() for name in raw_names)
    if len(names) <= 1 and not "".join(names):  # csv reads a blank line as no fields
        raise LoaderError(
            f"{file_name}: line 1 is blank: the header must be the first line; "
            "remove the blank lines before it"
        )
    _check_delimiter(spec, file_name, names, delimiter)
    _check_names(spec, file_name, names)
    return Header(columns=names, lines=reader.line_num, delimiter=delimiter)


def _check_delimiter(
    spec: ExtractSpec, file_name: str, names: tuple[str, ...], delimiter: str
) -> None:
    """A header read as one column that holds another delimiter: --delimiter is wrong."""
    if len(names) != 1 or names[0] in spec.required:
        return
    others = [d for d in dict.fromkeys(DELIMITERS.values()) if d != delimiter and d in names[0]]
    if others:
        shown = {"\t": "tab"}.get(others[0], others[0])
        raise LoaderError(
            f"{file_name}: line 1: the header is one column with the delimiter {delimiter!r}, "
            f"but it holds {shown!r}: give --delimiter {shown!r}, or leave it out to detect it"
        )


def _check_names(spec: ExtractSpec, file_name: str, names: tuple[str, ...]) -> None:
    for position, name in enumerate(names, start=1):
        if not name:
            raise LoaderError(
                f"{file_name}: line 1: column {position} of the header has no name; name every column"
            )
        if name in LINEAGE_COLUMNS:
            raise LoaderError(
                f"{file_name}: line 1: column {name!r} is reserved for lineage; rename it"
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise LoaderError(
                f"{file_name}: line 1: column {name!r} appears twice (names match case-insensitively); rename one"
            )
        seen.add(name)
    for required in spec.required:
        if required not in seen:
            raise LoaderError(
                f"{file_name}: required column {required!r} is missing from the header "
                f"(found: {', '.join(names) or 'none'})"
            )

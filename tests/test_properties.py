"""Property-based tests: what the exporter accepts survives, what it refuses F&O cannot take,
and keys compare as F&O compares them, on arbitrary Unicode.

- Export round trip: rows of arbitrary strings go through the package writer (the exporter's
  own code path below the mart query); every row the exporter accepts comes back out of the
  zip identical, and `loader verify` passes the package.
- Refusal: the exporter refuses a value exactly when it holds a character the reference
  (shared/reference/dmf-package-format.md) says a CSV-Unicode package cannot carry: the
  delimiter `,`, the text qualifier `"`, CR, LF, or an XML 1.0-illegal character (C0 controls
  but tab, U+FFFE, U+FFFF; lone surrogates cannot even be encoded).
- Keys: the `normalized_key` macro, compiled by dbt and run in DuckDB, against
  loader.collation.normalized_key, the one `loader verify` compares keys with: both must give
  the same key for every string.

The key (F&O's SQL_Latin1_General_CP1_CI_AS on Unicode text, as far as one character
maps to one character): trim U+0020 at both ends (the staging models trim both; SQL Server
ignores trailing spaces), fold width and kana (full-width and half-width forms to their
ordinary ones, hiragana to katakana: the collation is width- and kana-insensitive), NFC (SQL
Server compares canonically equivalent strings as equal), then upper-case each character by
Unicode's simple (1:1) case mapping and trim again (a folded ideographic space). Corner cases this
fixes on purpose, documented in docs/rules.md (Known limits):
- `ß` upper-cases to `ẞ` (DuckDB), not `SS` (full mapping) and not SQL Server's `ß` = `ss`;
  letters whose full upper case is several characters (`ŉ`, `ǰ`, `ﬁ`) stay as they are; the
  Greek letters with ypogegrammeni (`ᾳ`) take their titlecase form (`ᾼ`), as in UnicodeData.
- U+017F (long s) and U+0131 (dotless i) upper-case to `S` and `I`, so they equal `s` and
  `i`; sigma and final sigma (U+03C3, U+03C2) both give U+03A3; the Kelvin sign U+212A is
  `K` after NFC.
- Only U+0020 is trimmed: a no-break space or a tab is part of the key (and INVALID_ACCOUNT).
- A key holding NUL (which `loader land` refuses) is not NFC-normalised: DuckDB's NFC cuts at it.
"""

import json
import string
import unicodedata
import zipfile
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loader.collation import normalized_key, normalized_key_sql, normalized_keys, simple_upper
from loader.line_sql import line_sql
from loader.package.csv_unicode import CSV_UNICODE, FORBIDDEN_RE2, first_forbidden
from loader.package.entities import ACCOUNT_FIELDS, CUSTOMER_DEFINITIONS, CUSTOMER_DETAILS_V2
from loader.package.lines import Lines
from loader.package.verify import verify_package
from loader.package.writer import Content, PackageWriter, SplitLimits
from loader.package.xml_attribute import XML_ATTRIBUTE
from tests.conftest import Workspace

# What the reference says a CSV-Unicode data file cannot carry.
XML_ILLEGAL = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {"\ufffe", "\uffff"}
REFERENCE_FORBIDDEN = frozenset({",", '"', "\r", "\n"} | XML_ILLEGAL)

FIELDS = CUSTOMER_DETAILS_V2.field_names
NO_LENGTH_LIMIT = dict.fromkeys(ACCOUNT_FIELDS, 10**9)

# Arbitrary Unicode (no lone surrogates: no file or database can hold them), with the
# characters that matter here drawn often enough to be met.
INTERESTING = sorted(REFERENCE_FORBIDDEN) + list(
    " \t\u00a0\u00df\u1e9e\u017f\u0131\u0130\u03c3\u03c2\u212a\u1f80\u1fb3\u0149\u01f0\ufb01"
    "\u0301\u0308\u0323\u00fc\u00e9\u00c5\u212b\u1e69\ufeff\u2028"
    # width and kana: full-width A, a, 1, the ideographic space, hiragana and half-width
    # katakana with their voiced marks
    "\uff21\uff41\uff11\u3000\u304b\u3099\u30ac\uff76\uff9e\uff8a\uff9f"
)
CHARACTERS = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from(INTERESTING),
)
TEXT = st.text(CHARACTERS, max_size=24)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def accepted(value: str) -> bool:
    return not (set(value) & REFERENCE_FORBIDDEN)


# -- the exporter: refusal is exactly the reference's set ------------------------------------


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as con:
        yield con


@SETTINGS
@given(TEXT)
def test_the_exporter_refuses_exactly_what_the_reference_forbids(
    duck: duckdb.DuckDBPyConnection, value: str
) -> None:
    expected = accepted(value)
    # The check on every batch of CSV lines (a one-column line), ...
    assert CSV_UNICODE.holds_forbidden(Lines(pa.array([value + "\r\n"])), 1) is not expected
    # ... the message naming the value, ...
    assert (first_forbidden(value) is None) is expected
    # ... and the DuckDB pattern that finds the row to name.
    ((found,),) = duck.execute("SELECT regexp_matches(?, ?)", [value, FORBIDDEN_RE2]).fetchall()
    assert found is not expected


# -- the exporter: what it accepts survives ------------------------------------------------


ROWS = st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8)


@SETTINGS
@given(ROWS)
def test_accepted_values_survive_the_package_and_verify(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str]]
) -> None:
    # The key is made unique and non-empty (verify reports duplicate and empty keys); the rest
    # of it, and the other two fields, are the arbitrary strings.
    values = [(f"K{i:03d}{a}", b, c) for i, (a, b, c) in enumerate(rows)]
    lines = [",".join(row) + "\r\n" for row in values]
    batch = Lines(pa.array(lines))
    if not all(accepted(v) for row in values for v in row):
        assert CSV_UNICODE.holds_forbidden(batch, len(FIELDS))
        return
    assert not CSV_UNICODE.holds_forbidden(batch, len(FIELDS))

    folder = tmp_path_factory.mktemp("package")
    content = Content(CUSTOMER_DETAILS_V2, FIELDS)
    writer = PackageWriter(folder, "CustomerDetailsV2", "USMF", [content], SplitLimits())
    writer.start(content)
    writer.write(batch)
    (written,) = writer.close()
    package = folder / written.name

    report = verify_package(package, NO_LENGTH_LIMIT, known=[CUSTOMER_DETAILS_V2])
    assert report.ok, report.lines()
    assert report.rows == len(values)
    with zipfile.ZipFile(package) as archive:
        data = archive.read(CUSTOMER_DETAILS_V2.data_file_name)
    assert data[:2] == b"\xff\xfe"
    text = data[2:].decode("utf-16-le")
    assert text.endswith("\r\n")
    header, *back = text.removesuffix("\r\n").split("\r\n")
    assert header.split(",") == list(FIELDS)
    assert [tuple(line.split(",")) for line in back] == values


# -- keys: the normalized_key macro against loader.collation ------------------------------


def full_width(value: str) -> str:
    """The full-width form of every printable ASCII character (U+FF01-FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


@pytest.fixture(scope="module")
def key_sql(module_workspace: Workspace) -> str:
    """The macro compiled by dbt for DuckDB, as a query over a table `t(v)`."""
    proc = module_workspace.dbt(
        "compile",
        "--inline",
        "select {{ normalized_key('v') }} as k from t order by i",
        "--output",
        "json",
        "--quiet",
        check=True,
    )
    compiled = json.loads(proc.stdout[proc.stdout.index("{") :])["compiled"]
    assert "nfc_normalize" in compiled and "chr(0)" in compiled, compiled
    return str(compiled)


def keys(con: duckdb.DuckDBPyConnection, sql: str, values: list[str | None]) -> list[str | None]:
    table = pa.table(
        {"i": pa.array(range(len(values)), pa.int64()), "v": pa.array(values, pa.string())}
    )
    con.register("t", table)
    try:
        return [row[0] for row in con.execute(sql).fetchall()]
    finally:
        con.unregister("t")


def test_the_case_map_is_duckdbs_upper_for_every_code_point(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    """Exhaustive, one character at a time: loader.collation's case map is DuckDB's upper()."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    table = pa.table({"c": pa.array(chars), "o": pa.array([simple_upper(c) for c in chars])})
    duck.register("every_char", table)
    try:
        ((mismatches,),) = duck.execute(
            "SELECT count(*) FROM every_char WHERE upper(c) <> o"
        ).fetchall()
    finally:
        duck.unregister("every_char")
    assert mismatches == 0


@SETTINGS
@given(st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=20))
def test_the_macro_and_loader_verify_give_the_same_keys(
    duck: duckdb.DuckDBPyConnection, key_sql: str, values: list[str | None]
) -> None:
    expected = [normalized_key(v) for v in values]
    assert keys(duck, key_sql, values) == expected
    # verify's Arrow path (ASCII values in Arrow, the others one by one) gives the same keys.
    assert normalized_keys(pa.array(values, pa.string())).to_pylist() == expected
    # So does the macro's DuckDB form that the cycle state folds the rejects' keys with.
    assert keys(duck, f"select {normalized_key_sql('v')} from t order by i", values) == expected


def katakana(value: str) -> str:
    """Every hiragana (U+3041-3096, U+309D-309E) as the katakana of the same sound."""
    return "".join(
        chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" or c in "\u309d\u309e" else c for c in value
    )


def spellings(value: str) -> list[str]:
    """Spellings F&O treats as the same key: case, NFC/NFD, spaces around it, width, kana."""
    swapped = "".join(c.lower() if c.isupper() else c.upper() for c in value)
    return [
        value,
        unicodedata.normalize("NFD", value),
        unicodedata.normalize("NFC", value),
        "  " + value + "   ",
        unicodedata.normalize("NFD", value.upper() if len(value.upper()) == len(value) else value),
        swapped if all(len(c.upper()) == 1 and len(c.lower()) == 1 for c in value) else value,
        full_width(value),
        katakana(value),
    ]


@SETTINGS
@given(TEXT)
def test_spellings_f_and_o_equates_share_one_key(
    duck: duckdb.DuckDBPyConnection, key_sql: str, value: str
) -> None:
    variants = spellings(value)
    got = keys(duck, key_sql, list(variants))
    assert got == [normalized_key(v) for v in variants]
    assert normalized_keys(pa.array(variants)).to_pylist() == got
    # The same string, NFD, NFC, with spaces around it, in full width, in katakana: one key
    # (but for a NUL, which land refuses and DuckDB's NFC cannot pass).
    if "\x00" not in value:
        assert len(set([*got[:4], got[6], got[7]])) == 1


MARKS = ["\u0300", "\u0301", "\u0308", "\u030a", "\u0323", "\u0327"]


@SETTINGS
@given(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=12),
    st.data(),
)
def test_accents_count(
    duck: duckdb.DuckDBPyConnection, key_sql: str, plain: str, data: st.DataObject
) -> None:
    """A combining accent after a letter makes another key, composed (NFC) or not."""
    at = data.draw(st.integers(1, len(plain)))
    mark = data.draw(st.sampled_from(MARKS))
    accented = plain[:at] + mark + plain[at:]
    plain_key, accented_key, composed_key = keys(
        duck, key_sql, [plain, accented, unicodedata.normalize("NFC", accented)]
    )
    assert plain_key != accented_key
    assert accented_key == composed_key == normalized_key(accented)


def test_named_corner_cases(duck: duckdb.DuckDBPyConnection, key_sql: str) -> None:
    cases = {
        "M\u00fcller": "M\u00dcLLER",
        "Mu\u0308ller ": "M\u00dcLLER",  # NFD, trailing space
        "Muller": "MULLER",  # accents count
        "stra\u00dfe": "STRA\u1e9eE",  # ß -> ẞ, not SS
        "\u017fun": "SUN",  # long s
        "\u03c3\u03c2": "\u03a3\u03a3",  # both sigmas
        "\u0131\u0130i": "I\u0130I",  # dotless i is I; a dotted capital I stays itself
        "\u212a1": "K1",  # Kelvin sign is K after NFC
        "\u00a0C1": "\u00a0C1",  # a no-break space is not trimmed
        "   ": None,
        "\uff23\uff10\uff10\uff10\uff11": "C0001",  # full width
        "\u3000c1\u3000": "C1",  # ideographic spaces are spaces
        "\u304b\u3099": "\u30ac",  # hiragana ka + voiced mark: katakana ga
        "\uff76\uff9e1": "\u30ac1",  # half-width ka + half-width voiced mark: katakana ga
        "\U0001d400": "\U0001d400",  # outside the BMP: kept
    }
    assert keys(duck, key_sql, list(cases)) == list(cases.values())
    assert [normalized_key(v) for v in cases] == list(cases.values())
    assert normalized_keys(pa.array(list(cases))).to_pylist() == list(cases.values())


# -- Customer definitions: free text through XML-Attribute ----------------------------------


XML_FIELDS = ("CUSTOMERACCOUNT", "NAME", "ADDRESSSTREET")


@SETTINGS
@given(TEXT, TEXT)
def test_xml_attribute_carries_any_legal_text_exactly(
    duck: duckdb.DuckDBPyConnection, name: str, street: str
) -> None:
    """DuckDB's line (the export's query) equals the Python reference, an XML parser reads the
    values back exactly, and the writer refuses exactly what XML 1.0 cannot hold."""
    values = {"CUSTOMERACCOUNT": "K001", "NAME": name, "ADDRESSSTREET": street}
    sql = line_sql(CUSTOMER_DEFINITIONS, XML_FIELDS)
    ((line,),) = duck.execute(
        f"SELECT {sql} FROM (SELECT ? AS CUSTOMERACCOUNT, ? AS NAME, ? AS ADDRESSSTREET)",
        list(values.values()),
    ).fetchall()
    assert line == XML_ATTRIBUTE.line(CUSTOMER_DEFINITIONS, values)
    carriable = not (set(name + street) & XML_ILLEGAL)
    assert XML_ATTRIBUTE.holds_forbidden(Lines(pa.array([line])), len(XML_FIELDS)) is not carriable
    if carriable:
        (record,) = fromstring(f"<Document>{line}</Document>")
        assert record.attrib == values

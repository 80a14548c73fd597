"""The floor: the least work that turns the extracts into equivalent data files of both entities.

Customer details V2: one DuckDB query reads customers.csv and customer_dimensions.csv, maps
the company to its legal entity, looks up the invoice account in the same legal entity and
joins the dimension values in format order with `-`; DuckDB writes the rows as UTF-8 CSV
with CRLF, and one streaming pass re-encodes them to UTF-16 LE with a BOM into a deflated
zip entry (DuckDB cannot write UTF-16).
Customer definitions: one DuckDB query maps group, currency and country by the seeds (the
legal entity's default when blank) and builds each record's XML element, escaped, as the
export does; the lines go into a second zip entry between the declaration and the root.
No validation, no rejects, no dbt, no row order.

Run by the benchmark as its own process; prints {"rows": N, "zip_bytes": N} on stdout.
Usage: python benchmarks/floor.py EXTRACTS_DIR SEEDS_DIR OUT.zip
"""

import codecs
import csv
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import duckdb

# The XML the export writes: the same declaration and escapes (nothing else of the loader).
from loader.package.xml_attribute import ATTRIBUTE_ESCAPES, DECLARATION

ENTRY_NAME = "Customer details V2.csv"
DEFINITIONS_ENTRY_NAME = "CUSTCUSTOMERBASEENTITY.xml"
XML_HEAD = DECLARATION + "<Document>\r\n"
XML_TAIL = "</Document>\r\n"
QUOTE = '"'
CHUNK_BYTES = 1 << 20
COMPRESS_LEVEL = 1  # the export's default (loader.package.writer): same file, least work


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_seed(seeds: Path, name: str) -> list[dict[str, str]]:
    with (seeds / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def case(expression: str, pairs: list[tuple[str, str]], otherwise: str = "null") -> str:
    """A seed lookup as a CASE expression: cheaper per row than a join to a tiny table."""
    whens = " ".join(f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in pairs)
    return f"case {expression} {whens} else {otherwise} end"


def header(path: Path) -> list[str]:
    """The column names of an extract's header line (customers.csv has optional columns)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def extract(extracts: Path, name: str) -> str:
    """An extract as text columns, named by its header line, so nothing is sniffed."""
    struct = ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in header(extracts / name))
    return (
        f"read_csv({sql_literal(str(extracts / name))}, header=true, auto_detect=false, "
        f"quote='\"', escape='\"', columns={{{struct}}})"
    )


def display_value(seeds: Path) -> str:
    """The dimension values in format order joined with `-`, trailing empty segments left off."""
    value_map = read_seed(seeds, "dimension_value_map.csv")
    segments = []
    for row in sorted(read_seed(seeds, "dimension_format.csv"), key=lambda r: int(r["position"])):
        pairs = [
            (m["legacy_value"], m["value"]) for m in value_map if m["dimension"] == row["dimension"]
        ]
        value = case("value", pairs, otherwise="value") if pairs else "value"
        segments.append(
            f"coalesce(max({value}) filter (where dimension = {sql_literal(row['dimension'])}), '')"
        )
    return f"rtrim(concat_ws('-', {', '.join(segments)}), '-')"


def customer_rows_query(extracts: Path, seeds: Path) -> str:
    """DATAAREAID, CUSTOMERACCOUNT, INVOICEACCOUNT, DEFAULTDIMENSIONDISPLAYVALUE per customer.

    Keys are compared as extracted: normalising them is validation work the floor skips.
    """
    customers = extract(extracts, "customers.csv")
    dimensions = extract(extracts, "customer_dimensions.csv")
    targets = extract(extracts, "target_customers.csv")
    entities = [
        (e["legacy_company"], e["data_area_id"]) for e in read_seed(seeds, "legal_entities.csv")
    ]
    data_area = case("c.company", entities)
    company_of = case("data_area_id", [(area, company) for company, area in entities])
    return f"""
    with
    customers as materialized (
        select company, customer_number, bill_to_customer_number as bill_to
        from {customers} where customer_number is not null
    ),
    -- Only referenced accounts go into the lookup's hash table.
    accounts as (
        select company, customer_number from customers
        where (company, customer_number) in
              (select company, bill_to from customers where bill_to is not null)
        union
        select {company_of}, customer_account from {targets}
    ),
    dimension_strings as (
        select company, customer_number, {display_value(seeds)} as display_value
        from {dimensions} group by company, customer_number
    )
    select {data_area} as DATAAREAID,
           c.customer_number as CUSTOMERACCOUNT,
           a.customer_number as INVOICEACCOUNT,
           nullif(d.display_value, '') as DEFAULTDIMENSIONDISPLAYVALUE
    from customers as c
    left join accounts as a on a.company = c.company and a.customer_number = c.bill_to
    left join dimension_strings as d
      on d.company = c.company and d.customer_number = c.customer_number
    where {data_area} is not null
    """


def xml_escaped(expression: str) -> str:
    """The value XML-escaped; only values holding a character to escape are copied."""
    value = f"coalesce({expression}, '')"
    escaped = value
    for char, reference in ATTRIBUTE_ESCAPES:
        escaped = f"replace({escaped}, {sql_literal(char)}, {sql_literal(reference)})"
    return f"case when regexp_matches({value}, '[&<>\"\\t\\n\\r]') then {escaped} else {value} end"


def definitions_lines_query(extracts: Path, seeds: Path) -> str:
    """One XML element per customer: the Customer definitions record, as one text column.

    Codes are looked up as extracted (no key folding); no rule is checked.
    """
    customers = extract(extracts, "customers.csv")
    names = header(extracts / "customers.csv")
    entities = [
        (e["legacy_company"], e["data_area_id"]) for e in read_seed(seeds, "legal_entities.csv")
    ]
    defaults = {d["data_area_id"]: d for d in read_seed(seeds, "legal_entity_defaults.csv")}
    groups = [
        (f"{g['data_area_id']}|{g['legacy_customer_group']}", g["customer_group_id"])
        for g in read_seed(seeds, "customer_group_map.csv")
    ]
    countries = [
        (c["legacy_country"], c["country_region_id"]) for c in read_seed(seeds, "country_map.csv")
    ]

    def column(name: str) -> str:  # old extracts lack the optional columns
        return name if name in names else "null"

    def default(field: str) -> str:
        return case("data_area_id", [(area, d[field]) for area, d in defaults.items()])

    group_key = f"data_area_id || '|' || {column('customer_group')}"
    is_person = f"upper({column('party_type')}) = 'PERSON'"
    person_name = (
        f"concat_ws(' ', {column('first_name')}, {column('middle_name')}, {column('last_name')})"
    )
    country_id = case(column("country"), countries, otherwise=column("country"))
    fields = {
        "DATAAREAID": "data_area_id",
        "CUSTOMERACCOUNT": "customer_number",
        "NAME": f"coalesce({column('customer_name')}, {person_name})",
        "CUSTOMERGROUPID": (
            f"coalesce({case(group_key, groups)}, "
            f"{column('customer_group')}, {default('customer_group_id')})"
        ),
        "SALESCURRENCYCODE": f"coalesce({column('currency')}, {default('currency_code')})",
        "PARTYTYPE": f"case when {is_person} then 'Person' else 'Organization' end",
        "PERSONFIRSTNAME": f"case when {is_person} then {column('first_name')} end",
        "PERSONMIDDLENAME": f"case when {is_person} then {column('middle_name')} end",
        "PERSONLASTNAME": f"case when {is_person} then {column('last_name')} end",
        "NAMEALIAS": column("search_name"),
        # 'Business': the dbt var customer_address_description
        "ADDRESSDESCRIPTION": f"case when {column('country')} is not null then 'Business' end",
        "ADDRESSSTREET": column("street"),
        "ADDRESSCITY": column("city"),
        "ADDRESSZIPCODE": column("zip_code"),
        "ADDRESSSTATE": column("state"),
        "ADDRESSCOUNTY": column("county"),
        "ADDRESSCOUNTRYREGIONID": country_id,
        "PRIMARYCONTACTEMAIL": column("email"),
        "PRIMARYCONTACTPHONE": column("phone"),
        "LANGUAGEID": f"coalesce({column('language')}, {default('language_id')})",
    }
    attributes = ", ".join(
        f"{sql_literal(f' {name}=' + QUOTE)}, {xml_escaped(expression)}, {sql_literal(QUOTE)}"
        for name, expression in fields.items()
    )
    return f"""
    with customers as (
        select *, {case("company", entities)} as data_area_id
        from {customers} where customer_number is not null
    )
    select concat('  <CUSTCUSTOMERBASEENTITY', {attributes}, ' />') as line
    from customers
    where data_area_id is not null
    """


def write_files(extracts: Path, seeds: Path, details: Path, definitions: Path) -> int:
    """Both entities' rows as UTF-8 files; the number of customer rows."""
    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = false")  # the floor promises no order
        row = con.execute(
            f"copy ({customer_rows_query(extracts, seeds)}) to {sql_literal(str(details))} "
            "(format csv, header true, delimiter ',', new_line '\\r\\n')"
        ).fetchone()
        # The lines are escaped XML: written as they are, never quoted.
        con.execute(
            f"copy ({definitions_lines_query(extracts, seeds)}) to {sql_literal(str(definitions))} "
            "(format csv, header false, quote '', escape '', delimiter '\x01', new_line '\\r\\n')"
        )
    return int(row[0]) if row else 0


def add_as_utf16(archive: zipfile.ZipFile, source: Path) -> None:
    """Stream the UTF-8 file into one deflated zip entry as UTF-16 LE with a BOM."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    # UTF-16 never takes more than twice the UTF-8 bytes; zip64 is needed past 2 GiB.
    large = 2 * source.stat().st_size + 2 > zipfile.ZIP64_LIMIT
    with archive.open(ENTRY_NAME, "w", force_zip64=large) as entry, source.open("rb") as handle:
        entry.write(codecs.BOM_UTF16_LE)
        while chunk := handle.read(CHUNK_BYTES):
            entry.write(decoder.decode(chunk).encode("utf-16-le"))
        entry.write(decoder.decode(b"", final=True).encode("utf-16-le"))


def add_as_xml(archive: zipfile.ZipFile, source: Path) -> None:
    """Stream the element lines into one deflated zip entry inside the XML document."""
    large = source.stat().st_size + 1024 > zipfile.ZIP64_LIMIT
    with (
        archive.open(DEFINITIONS_ENTRY_NAME, "w", force_zip64=large) as entry,
        source.open("rb") as handle,
    ):
        entry.write(XML_HEAD.encode())
        while chunk := handle.read(CHUNK_BYTES):
            entry.write(chunk)
        entry.write(XML_TAIL.encode())


def main(argv: list[str]) -> None:
    extracts, seeds, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    with tempfile.TemporaryDirectory(dir=out.parent, prefix="floor-") as temp:
        details, definitions = Path(temp) / "details.csv", Path(temp) / "definitions.xml"
        rows = write_files(extracts, seeds, details, definitions)
        with zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as archive:
            add_as_xml(archive, definitions)
            add_as_utf16(archive, details)
    print(json.dumps({"rows": rows, "zip_bytes": out.stat().st_size}))


if __name__ == "__main__":
    main(sys.argv[1:])

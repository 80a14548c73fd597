"""What the marts hold now, in the shape the cycle history keeps: per entity, each exported
customer's legal entity, folded account key and a hash of its exported fields; each reject
with its legal entity, key and the value at fault; the reconciliation's counts.

Keys are compared as F&O compares them, folded in DuckDB by `loader.collation.normalized_key_sql`
(the `normalized_key` macro's DuckDB form): an exported customer's account gives the key the
models stored (`int_customers.customer_key`), a reject's customer number its key (the rejects
marts carry none); the fields are hashed in DuckDB.

The exported customers (twenty million rows at 10M customers, both entities) and the rejects
(1.6 million) stay queries that DuckDB runs where they are needed, within its memory cap, never
a copy in Python that the export would hold while it writes the packages.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from loader import registry
from loader.collation import normalized_key, normalized_key_sql
from loader.database import quote_ident, sql_literal, table_columns
from loader.gate import latest_build
from loader.registry import RegisteredEntity
from loader.rules import GRAIN_TABLES, rules

# The counts of main.migration_reconciliation each cycle keeps, per entity, legal entity and
# file; a column an older build lacks is kept empty.
_OUTCOMES = {
    "entity": "VARCHAR",
    "data_area_id": "VARCHAR",
    "source_file": "VARCHAR",
    **dict.fromkeys(("extracted", "exported", "rejected", "skipped"), "BIGINT"),
}
_NO_REJECTS = (
    "SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS company, NULL::VARCHAR AS "
    "customer_number, NULL::VARCHAR AS source_file, NULL::BIGINT AS source_line, NULL::VARCHAR "
    "AS rule, NULL::VARCHAR AS detail WHERE false"
)
# The columns of a reject, in the order of cycles.rejects, that come before its value.
_REJECT_FIELDS = "r.entity, r.company, r.customer_number, r.source_file, r.source_line, r.rule"


# cycles.customers keeps account_key only where folding changed the account, NULL otherwise
# (nearly every row): at 10M customers a quarter less to store, and the keep 11-12 s, not 15-17.
# A reader of the history takes the key back with KEPT_ACCOUNT_KEY.format(<alias>).
KEPT_ACCOUNT_KEY = "coalesce({0}.account_key, {0}.customer_account)"


@dataclass(frozen=True)
class CycleState:
    customers: str  # a query: entity, data_area_id, account_key, customer_account, row_hash
    rejects: str  # a query: the columns of cycles.rejects but cycle_id
    outcomes: pa.Table
    # When dbt last built the marts the queries read: the queries run when the cycle is kept,
    # which a dbt build in between would change.
    built_at: datetime | None = None

    def tables(self) -> dict[str, pa.Table | str]:
        """Per table of the history, what it keeps of this state."""
        kept_customers = (
            "SELECT entity, data_area_id, nullif(account_key, customer_account) AS account_key, "
            f"customer_account, row_hash FROM ({self.customers})"
        )
        return {"customers": kept_customers, "rejects": self.rejects, "outcomes": self.outcomes}


def collect(con: duckdb.DuckDBPyConnection, exported: Mapping[str, Sequence[str]]) -> CycleState:
    """The state of the marts as an export of EXPORTED (entity -> the fields it writes)
    leaves F&O: the customers of those entities, hashed over those fields (an entity or a
    field an export leaves out is not in F&O for a later --changed-since to skip); every
    reject and count. A rejects mart, the reconciliation or the seed legal_entities that is
    absent (a build of the marts alone) counts as empty."""
    tables = set(
        con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    )
    entities = registry.entities()
    customers = " UNION ALL ".join(
        _customers(entry, exported[entry.name]) for entry in entities if entry.name in exported
    )
    con.execute(f"DESCRIBE {customers}")  # an absent mart or model fails here, not later
    with_rejects = tuple(e for e in entities if (e.schema, e.rejects) in tables)
    rejects = _rejects(con, with_rejects, ("main", "legal_entities") in tables)
    con.execute(f"DESCRIBE {rejects}")
    return CycleState(customers, rejects, _outcomes(con), latest_build(con))


def _outcomes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    present = table_columns(con, "main", "migration_reconciliation")
    columns = ", ".join(c if c in present else f"NULL::{t} AS {c}" for c, t in _OUTCOMES.items())
    source = "main.migration_reconciliation" if present else "(SELECT 1) AS absent WHERE false"
    return _arrow(con, f"SELECT {columns} FROM {source}")


def _arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    table = con.sql(sql).to_arrow_table()
    assert table is not None  # a query's result, possibly empty, never None
    return table


def _customers(entry: RegisteredEntity, fields: Sequence[str]) -> str:
    # DuckDB's 64-bit hash: twenty times faster than md5 over a million rows. A DuckDB release
    # that changed it would make one --changed-since export whole, never miss a change. The
    # field names are hashed too: a cycle exported with other --fields never sent these, so
    # every customer differs (equal values under other names, NAME and NAMEALIAS, did not).
    names = sql_literal(",".join(fields))
    hashed = ", ".join([names, *(f"mart.{quote_ident(f)}" for f in fields)])
    le = quote_ident(entry.legal_entity_column)
    account = f"mart.{quote_ident(entry.description.key_fields[0])}"
    # The account is the customer number int_customers keyed with the same macro, so folding
    # it here gives the key the models stored without joining back to int_customers on text
    # (twice 10 million rows at 10M customers: most of this query's time).
    return (
        f"SELECT {sql_literal(entry.name)} AS entity, mart.{le} AS data_area_id, "
        f"{normalized_key_sql(account)} AS account_key, {account} AS customer_account, "
        f"hash({hashed}) AS row_hash "
        f"FROM {quote_ident(entry.schema)}.{quote_ident(entry.name)} AS mart"
    )


def _rejects(
    con: duckdb.DuckDBPyConnection, entities: tuple[RegisteredEntity, ...], mapped: bool
) -> str:
    """Every reject row of every entity, with its legal entity (the company as the seed
    legal_entities maps it, compared as F&O compares keys) and the value at fault: a query."""
    marts = " UNION ALL ".join(
        f"SELECT {sql_literal(e.name)} AS entity, company, customer_number, source_file, "
        f"source_line, rule, detail FROM {quote_ident(e.schema)}.{quote_ident(e.rejects)}"
        for e in entities
    )
    valued = " UNION ALL ".join(_valued(_raw_columns(con)))
    # The few distinct companies are folded and mapped, not the company of every reject.
    companies = (
        "SELECT companies.company, seed.data_area_id FROM (SELECT DISTINCT company FROM r) "
        f"AS companies LEFT JOIN ({_legal_entities(con, mapped)}) AS seed "
        f"ON seed.company_key IS NOT DISTINCT FROM {normalized_key_sql('companies.company')}"
    )
    # Not materialized: scanning the small rejects marts again is cheaper than copying them.
    return (
        f"WITH r AS NOT MATERIALIZED ({marts or _NO_REJECTS}) "
        f"SELECT v.*, mapped.data_area_id, "
        f"{normalized_key_sql('CAST(v.customer_number AS VARCHAR)')} AS account_key "
        f"FROM ({valued}) AS v "
        f"LEFT JOIN ({companies}) AS mapped ON mapped.company IS NOT DISTINCT FROM v.company"
    )


def _legal_entities(con: duckdb.DuckDBPyConnection, mapped: bool) -> str:
    """The seed as a query of one row per folded company (the last row of a company wins)."""
    seed = "SELECT legacy_company, data_area_id FROM main.legal_entities"
    by_key = {
        normalized_key(company): data_area_id
        for company, data_area_id in (con.execute(seed).fetchall() if mapped else [])
    }
    rows = ", ".join(f"({_literal(key)}, {_literal(area)})" for key, area in by_key.items())
    if not rows:
        return "SELECT NULL::VARCHAR AS company_key, NULL::VARCHAR AS data_area_id WHERE false"
    return f"SELECT * FROM (VALUES {rows}) AS seed(company_key, data_area_id)"


def _literal(text: str | None) -> str:
    return "NULL::VARCHAR" if text is None else sql_literal(text)


def _raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'raw'"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    return columns


def _valued(raw_columns: dict[str, set[str]]) -> list[str]:
    """The rejects `r` with the value at fault (the column of the rejected record that the seed
    names per rule): each raw table is joined once, by (file, line), to the rejects of the rules
    that read it; the other rejects have none. At 10M customers that is one scan of the
    10 million customers and 25 million dimension rows, not one per rejects mart and raw table.
    """
    parts: list[str] = []
    named: list[str] = []
    for grain, table in GRAIN_TABLES.items():
        fields = {
            rule.rule: rule.value_field
            for rule in rules().values()
            if rule.grain == grain and rule.value_field in raw_columns.get(table, ())
        }
        if not fields:
            continue
        named.extend(fields)
        cases = " ".join(
            f"WHEN r.rule = {sql_literal(rule)} THEN record.{quote_ident(field)}"
            for rule, field in fields.items()
        )
        parts.append(
            f"SELECT {_REJECT_FIELDS}, CAST(CASE {cases} END AS VARCHAR) AS value, r.detail "
            f"FROM r LEFT JOIN raw.{quote_ident(table)} AS record "
            "ON record._source_file = r.source_file AND record._source_line = r.source_line "
            f"WHERE r.rule IN ({_in_list(fields)})"
        )
    others = f"WHERE r.rule IS NULL OR r.rule NOT IN ({_in_list(named)})" if named else ""
    parts.append(f"SELECT {_REJECT_FIELDS}, NULL::VARCHAR AS value, r.detail FROM r {others}")
    return parts


def _in_list(names: Iterable[str]) -> str:
    return ", ".join(map(sql_literal, names))

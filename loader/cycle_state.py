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

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from loader import registry
from loader.collation import normalized_key, normalized_key_sql
from loader.database import quote_ident, table_columns
from loader.parquet import sql_literal
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
    "AS rule, NULL::VARCHAR AS value, NULL::VARCHAR AS detail WHERE false"
)


@dataclass(frozen=True)
class CycleState:
    customers: str  # a query: entity, data_area_id, account_key, customer_account, row_hash
    rejects: str  # a query: the columns of cycles.rejects but cycle_id
    outcomes: pa.Table

    def tables(self) -> dict[str, pa.Table | str]:
        return {"customers": self.customers, "rejects": self.rejects, "outcomes": self.outcomes}


def collect(con: duckdb.DuckDBPyConnection) -> CycleState:
    """The state of the marts; a rejects mart, the reconciliation or the seed legal_entities
    that is absent (a build of the marts alone) counts as empty."""
    tables = set(
        con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    )
    entities = registry.entities()
    customers = " UNION ALL ".join(_customers(entry) for entry in entities)
    con.execute(f"DESCRIBE {customers}")  # an absent mart or model fails here, not later
    with_rejects = tuple(e for e in entities if (e.schema, e.rejects) in tables)
    rejects = _rejects(con, with_rejects, ("main", "legal_entities") in tables)
    con.execute(f"DESCRIBE {rejects}")
    return CycleState(customers=customers, rejects=rejects, outcomes=_outcomes(con))


def _outcomes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    present = table_columns(con, "main", "migration_reconciliation")
    columns = ", ".join(c if c in present else f"NULL::{t} AS {c}" for c, t in _OUTCOMES.items())
    source = "main.migration_reconciliation" if present else "(SELECT 1) AS absent WHERE false"
    return _arrow(con, f"SELECT {columns} FROM {source}")


def _arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    table = con.sql(sql).to_arrow_table()
    assert table is not None  # a query's result, possibly empty, never None
    return table


def _customers(entry: RegisteredEntity) -> str:
    # DuckDB's 64-bit hash: twenty times faster than md5 over a million rows. A DuckDB release
    # that changed it would make one --changed-since export whole, never miss a change.
    hashed = ", ".join(f"mart.{quote_ident(f)}" for f in entry.description.field_names)
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
    raw_columns = _raw_columns(con)
    value = _value_case(raw_columns)
    joins = " ".join(
        f"LEFT JOIN raw.{quote_ident(table)} AS {quote_ident(grain)} "
        f"ON {quote_ident(grain)}._source_file = r.source_file "
        f"AND {quote_ident(grain)}._source_line = r.source_line"
        for grain, table in GRAIN_TABLES.items()
        if table in raw_columns
    )
    selects = " UNION ALL ".join(
        f"SELECT {sql_literal(e.name)} AS entity, r.company, r.customer_number, r.source_file, "
        f"r.source_line, r.rule, CAST({value} AS VARCHAR) AS value, r.detail "
        f"FROM {quote_ident(e.schema)}.{quote_ident(e.rejects)} AS r {joins}"
        for e in entities
    )
    return (
        f"SELECT r.*, seed.data_area_id, "
        f"{normalized_key_sql('CAST(r.customer_number AS VARCHAR)')} AS account_key "
        f"FROM ({selects or _NO_REJECTS}) AS r "
        f"LEFT JOIN ({_legal_entities(con, mapped)}) AS seed "
        f"ON seed.company_key IS NOT DISTINCT FROM {normalized_key_sql('r.company')}"
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


def _value_case(raw_columns: dict[str, set[str]]) -> str:
    """The value at fault: the column of the rejected record that the seed names per rule."""
    cases = [
        f"WHEN r.rule = {sql_literal(rule.rule)} THEN "
        f"{quote_ident(rule.grain)}.{quote_ident(rule.value_field)}"
        for rule in rules().values()
        if rule.value_field and rule.value_field in raw_columns.get(GRAIN_TABLES[rule.grain], ())
    ]
    return f"CASE {' '.join(cases)} END" if cases else "NULL"

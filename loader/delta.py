"""`loader export --changed-since CYCLE`: the customers new or changed since an exported cycle.

The export reads each entity from a view of its mart (in a scratch in-memory database
attached to the export's read-only connection) holding only the rows whose
legal entity and folded account were not exported by that cycle, or whose exported fields
hash differently. Customers that cycle exported and the marts no longer hold are listed in
the summary (now rejected, or gone from the extract): a package never deletes.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from loader import registry
from loader.cycle_state import KEPT_ACCOUNT_KEY, CycleState, collect
from loader.cycles import SCHEMA, Cycle, resolve, upcoming
from loader.database import dicts, quote_ident, sql_literal, table_columns, table_exists
from loader.errors import LoaderError, UsageError
from loader.failures import first_line

SCRATCH = "cycle_delta"  # the attached in-memory database holding the delta views
LISTED = 50  # customers no longer exported named on the console; the summary has them all


@dataclass
class Delta:
    since: Cycle
    relations: dict[str, str]  # entity -> the temporary view export reads instead of the mart
    gone: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed_since": {"cycle_id": self.since.cycle_id, "label": self.since.label},
            "no_longer_exported": self.gone,
            "no_longer_exported_count": len(self.gone),
        }

    def lines(self) -> list[str]:
        counts = {reason: sum(1 for g in self.gone if g["reason"] == reason) for reason in _SAID}
        lines = [
            f"Delta since {self.since.name}: only customers new or changed since then; "
            f"{len(self.gone)} customer rows of that cycle are no longer exported "
            f"({counts['rejected']} rejected now, {counts[NOTHING_TO_UPDATE]} with nothing to "
            f"update now, {counts[NOT_IN_THE_EXTRACT]} gone from the extract) "
            "and are not deleted or cleared by these packages"
        ]
        lines.extend(
            f"  {g['entity']} {g['data_area_id']} {g['customer_account']}: "
            + _SAID[g["reason"]].format(rules=g["rules"])
            for g in self.gone[:LISTED]
        )
        if len(self.gone) > LISTED:
            lines.append(f"  … and {len(self.gone) - LISTED} more (export-summary.json lists all)")
        return lines


def for_export(
    con: duckdb.DuckDBPyConnection,
    keeps_cycles: bool,
    label: str | None,
    changed_since: str | None,
    exported: Mapping[str, Sequence[str]],
    warn: Callable[[str], None],
) -> tuple[CycleState | None, Cycle | None, Delta | None]:
    """For an export of EXPORTED (entity -> the fields it writes): what the marts hold now
    (kept as its cycle once the packages are written), that cycle, and with CHANGED_SINCE the
    delta views. KEEPS_CYCLES is false for a Parquet source (a Spark build), which has no cycle
    history."""
    if not keeps_cycles:
        return None, None, None
    since = resolve(con, changed_since, "--changed-since") if changed_since is not None else None
    absent = [e for e in registry.entities() if not table_columns(con, e.schema, e.name)]
    if any(e.name in exported for e in absent):
        return None, None, None  # the export stops on it next, with its own line
    try:
        if absent:
            raise duckdb.CatalogException(f"{', '.join(e.display for e in absent)} is absent")
        state = collect(con, exported)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        if since is not None:
            raise LoaderError(
                f"--changed-since: the marts cannot be compared ({first_line(exc)}): run `dbt build`"
            ) from exc
        warn(f"this export is not kept as a cycle ({first_line(exc)}): run `dbt build` first")
        return None, None, None
    cycle = upcoming(con, label)
    if since is not None and since.cycle_id == cycle.cycle_id:
        raise UsageError(
            f"--changed-since {changed_since!r}: {since.name} is the cycle this export belongs "
            "to, and exporting it again would replace what it recorded; name an earlier cycle, "
            "or land the next extracts first"
        )
    changes = prepare(con, since, state, list(exported)) if since is not None else None
    return state, cycle, changes


def prepare(
    con: duckdb.DuckDBPyConnection, since: Cycle, state: CycleState, entities: Sequence[str]
) -> Delta:
    """Views of the ENTITIES' changed rows, in a scratch in-memory database attached to CON:
    the export reads the migration database read-only, and its readers (cursors) see attached
    databases, not temporary objects."""
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH} (READ_WRITE)")
    ((catalog,),) = con.execute("SELECT current_database()").fetchall()
    relations = {}
    for entry in registry.entities():
        if entry.name not in entities:
            continue
        changed = quote_ident(f"changed_{entry.name}")
        le, account = entry.legal_entity_column, entry.description.key_fields[0]
        con.execute(
            f"CREATE OR REPLACE TABLE {SCRATCH}.{changed} AS "
            f"{_changed(state.customers, entry.name, since.cycle_id)}"
        )
        view = f"{SCRATCH}.{quote_ident(entry.name)}"
        con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT mart.* FROM "
            f"{quote_ident(catalog)}.{quote_ident(entry.schema)}.{quote_ident(entry.name)} AS mart "
            f"SEMI JOIN {SCRATCH}.{changed} AS changed "
            f"ON mart.{quote_ident(le)} = changed.data_area_id "
            f"AND mart.{quote_ident(account)} = changed.customer_account"
        )
        relations[entry.name] = view
    gone = _gone(con, state.customers, state.rejects, since.cycle_id, entities)
    return Delta(since=since, relations=relations, gone=gone)


# Why a customer a cycle exported is not exported now, as export-summary.json says it, and
# the line the summary prints for it.
NOTHING_TO_UPDATE = "nothing to update"
NOT_IN_THE_EXTRACT = "not in the extract"
_SAID = {
    "rejected": "rejected now ({rules})",
    NOTHING_TO_UPDATE: (
        "in the extract with nothing to update now (its fields are empty): F&O keeps the "
        "values it has"
    ),
    NOT_IN_THE_EXTRACT: "not in the extract",
}


def _changed(customers: str, entity: str, cycle_id: int) -> str:
    return (
        f"SELECT now.data_area_id, now.customer_account FROM ({customers}) AS now "
        f"LEFT JOIN {SCHEMA}.customers AS before ON before.cycle_id = {int(cycle_id)} "
        "AND before.entity = now.entity AND before.data_area_id = now.data_area_id "
        f"AND {KEPT_ACCOUNT_KEY.format('before')} = now.account_key "
        f"WHERE now.entity = {sql_literal(entity)} "
        # As text: a history kept with another hash type compares as changed, never fails.
        "AND (before.row_hash IS NULL OR before.row_hash::VARCHAR <> now.row_hash::VARCHAR)"
    )


def _present(con: duckdb.DuckDBPyConnection) -> str:
    """The keys of every customer record landed now, whatever became of it: a query (a key
    twice for a duplicate record)."""
    if not table_exists(con, "main", "int_customers"):
        return "SELECT NULL::VARCHAR AS data_area_id, NULL::VARCHAR AS customer_key WHERE false"
    # Not DISTINCT: the gone customers are few, and the join is built on them (at 10M
    # customers 0.4 s, against 2.2 s for a DISTINCT over every record).
    return "SELECT data_area_id, customer_key FROM main.int_customers"


def _gone(
    con: duckdb.DuckDBPyConnection,
    customers: str,
    rejects: str,
    cycle_id: int,
    entities: Sequence[str],
) -> list[dict[str, Any]]:
    """Customers of ENTITIES that cycle exported and this export does not hold."""
    before_key = KEPT_ACCOUNT_KEY.format("before")
    return dicts(
        con,
        "SELECT before.entity, before.data_area_id, before.customer_account, "
        "CASE WHEN count(r.rule) > 0 THEN 'rejected' "
        f"WHEN bool_or(present.customer_key IS NOT NULL) THEN '{NOTHING_TO_UPDATE}' "
        f"ELSE '{NOT_IN_THE_EXTRACT}' END AS reason, "
        "string_agg(DISTINCT r.rule, ', ' ORDER BY r.rule) AS rules "
        f"FROM {SCHEMA}.customers AS before "
        f"ANTI JOIN ({customers}) AS now ON now.entity = before.entity "
        f"AND now.data_area_id = before.data_area_id AND now.account_key = {before_key} "
        f"LEFT JOIN ({rejects}) AS r ON r.entity = before.entity "
        f"AND r.data_area_id = before.data_area_id AND r.account_key = {before_key} "
        f"LEFT JOIN ({_present(con)}) AS present ON present.data_area_id = before.data_area_id "
        f"AND present.customer_key = {before_key} "
        "WHERE before.cycle_id = ? AND list_contains(?, before.entity) "
        "GROUP BY ALL ORDER BY 2, 1, 3",
        [cycle_id, list(entities)],
    )

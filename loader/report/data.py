"""What the cycle report shows, read from the cycle history (loader.cycles) in a few queries.

A reject is compared between cycles as an issue: its entity, legal entity, folded account
key and rule; never its file line, which moves when records are added or removed. Rejects
without an account (a blank customer number) are matched by their order within the same
entity, legal entity and rule, so two blank accounts in both cycles are two issues still open.
"""

from dataclasses import dataclass
from typing import Any

import duckdb

from loader.cycles import SCHEMA, Cycle, exported_cycles
from loader.database import dicts
from loader.errors import LoaderError

NO_LEGAL_ENTITY = "no legal entity"
COUNTS = ("extracted", "exported", "rejected", "skipped")
CHANGES = ("fixed", "new", "still_open")


@dataclass(frozen=True)
class ReportData:
    cycles: list[Cycle]  # exported, oldest first
    outcomes: list[dict[str, Any]]  # per cycle, legal entity and entity: COUNTS
    rule_counts: list[dict[str, Any]]  # per cycle and rule: rejected records
    changes: list[dict[str, Any]]  # per legal entity and entity: CHANGES since the cycle before
    # The last cycle's rejects, each record and rule once (an account rule rejects the record
    # in every entity: the rule says so, the workbook's summary too).
    rejects: list[dict[str, Any]]

    @property
    def last(self) -> Cycle:
        return self.cycles[-1]

    @property
    def previous(self) -> Cycle | None:
        return self.cycles[-2] if len(self.cycles) > 1 else None

    def change_totals(self) -> dict[str, int]:
        return {name: sum(int(row[name]) for row in self.changes) for name in CHANGES}

    def legal_entities(self) -> list[str]:
        """The legal entities of the last cycle's rejects: one workbook each."""
        return sorted({row["legal_entity"] for row in self.rejects})

    def every_legal_entity(self) -> set[str]:
        """Every legal entity of every exported cycle: the ones an earlier report may have
        written a workbook for."""
        return {row["legal_entity"] for row in self.outcomes} | set(self.legal_entities())


def load(con: duckdb.DuckDBPyConnection) -> ReportData:
    cycles = exported_cycles(con)
    if not cycles:
        raise LoaderError(
            "no exported cycle in the database yet: run `loader run EXTRACTS_DIR --out DIR` "
            "(or `loader export`), then `loader report` again"
        )
    last = cycles[-1].cycle_id
    previous = cycles[-2].cycle_id if len(cycles) > 1 else None
    return ReportData(
        cycles=cycles,
        outcomes=dicts(con, _OUTCOMES),
        rule_counts=dicts(con, _RULE_COUNTS),
        changes=dicts(con, _CHANGES, [previous, last]),
        rejects=dicts(con, _REJECTS, [last]),
    )


_LEGAL_ENTITY = f"coalesce(data_area_id, '{NO_LEGAL_ENTITY}')"

_OUTCOMES = f"""
SELECT cycle_id, {_LEGAL_ENTITY} AS legal_entity, entity,
    {", ".join(f"sum({c})::BIGINT AS {c}" for c in COUNTS)}
FROM {SCHEMA}.outcomes
GROUP BY ALL ORDER BY legal_entity, entity, cycle_id
"""

# A record rejected for one rule in both entities (an account rule) counts once.
_RULE_COUNTS = f"""
SELECT cycle_id, rule, count(DISTINCT (source_file, source_line)) AS records
FROM {SCHEMA}.rejects
GROUP BY ALL ORDER BY cycle_id, rule
"""

_CHANGES = f"""
WITH rejects AS (
    SELECT * FROM {SCHEMA}.rejects WHERE cycle_id IN ($1, $2)
),
issues AS (
    SELECT DISTINCT cycle_id, entity, {_LEGAL_ENTITY} AS legal_entity, rule,
        coalesce(account_key, company || '#' || row_number() OVER (
            PARTITION BY cycle_id, entity, data_area_id, company, rule, account_key IS NULL
            ORDER BY source_file, source_line)) AS issue_key
    FROM rejects
),
compared AS (
    SELECT entity, legal_entity, rule, issue_key,
        coalesce(bool_or(cycle_id = $1), false) AS before,
        coalesce(bool_or(cycle_id = $2), false) AS now
    FROM issues GROUP BY ALL
),
final AS (
    SELECT legal_entity, entity,
        count(*) FILTER (WHERE before AND NOT now) AS fixed,
        count(*) FILTER (WHERE now AND NOT before) AS new,
        count(*) FILTER (WHERE before AND now) AS still_open
    FROM compared GROUP BY ALL
)
SELECT * FROM final ORDER BY legal_entity, entity
"""

_REJECTS = f"""
SELECT {_LEGAL_ENTITY} AS legal_entity, rule, company, customer_number, source_file,
    source_line, value, detail
FROM {SCHEMA}.rejects
WHERE cycle_id = $1
GROUP BY ALL
ORDER BY legal_entity, rule, source_file, source_line
"""

"""The work `loader export` adds to keep a migration cycle, measured alone: read what the
marts and the rejects hold (legal entity, folded key, hash of the exported fields, the
rejects with their value at fault) and append it to the schema `cycles` in one transaction.

    python -m benchmarks.keep_cycle   # against $MIGRATION_DB, after `loader export`
"""

from pathlib import Path

from loader import registry
from loader.cycle_state import collect
from loader.cycles import keep, upcoming
from loader.database import connect


def main() -> None:
    # What a full export of every entity keeps: each entity hashed over all its fields.
    exported = {e.name: e.description.field_names for e in registry.entities()}
    with connect(read_only=True) as con:
        state = collect(con, exported)
        cycle = upcoming(con, None)
    if problem := keep(cycle, state.tables(), Path(), None, 0, state.built_at):
        raise SystemExit(problem)


if __name__ == "__main__":
    main()

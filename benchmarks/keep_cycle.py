"""The work `loader export` adds to keep a migration cycle, measured alone: read what the
marts and the rejects hold (legal entity, folded key, hash of the exported fields, the
rejects with their value at fault) and append it to the schema `cycles` in one transaction.

    python -m benchmarks.keep_cycle   # against $MIGRATION_DB, after `loader export`
"""

from pathlib import Path

from loader.cycle_state import collect
from loader.cycles import keep, upcoming
from loader.database import connect


def main() -> None:
    with connect(read_only=True) as con:
        state = collect(con)
        cycle = upcoming(con, None)
    if problem := keep(cycle, state.tables(), Path(), None, 0):
        raise SystemExit(problem)


if __name__ == "__main__":
    main()

"""The reject rules as the seed `rules` lists them: the one list the models and the report read."""

import csv
from dataclasses import dataclass
from functools import cache

from loader.errors import LoaderError
from loader.settings import PROJECT_DIR

RULES_SEED = PROJECT_DIR / "seeds" / "rules.csv"
# The raw table whose records each grain's rules reject (the extract the owner fixes).
GRAIN_TABLES = {"customer": "customers", "dimension_row": "customer_dimensions"}


@dataclass(frozen=True)
class Rule:
    rule: str
    grain: str
    entity: str
    meaning: str
    what_to_do: str
    value_field: str  # the extract column holding the value at fault; '' when the detail says


@cache
def rules() -> dict[str, Rule]:
    """Every rule by code, in the seed's order."""
    try:
        with RULES_SEED.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as exc:
        raise LoaderError(f"cannot read the rule list {RULES_SEED}: {exc.strerror or exc}") from exc
    return {
        row["rule"]: Rule(
            rule=row["rule"],
            grain=row["grain"],
            entity=row["entity"],
            meaning=row["meaning"],
            what_to_do=row["what_to_do"],
            value_field=row.get("value_field") or "",
        )
        for row in rows
    }


def what_to_do(code: str) -> str:
    rule = rules().get(code)
    return rule.what_to_do if rule else "Not in seeds/rules.csv: ask the migration team."

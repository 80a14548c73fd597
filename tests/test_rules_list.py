"""The rule list exists once: seeds/rules.csv. The README's and docs/rules.md's rule tables
name exactly its rules, and say what the seed says to do."""

import csv
import re

import yaml

from tests.conftest import PROJECT_DIR

RULES_SEED = PROJECT_DIR / "seeds" / "rules.csv"


def seeded_rules() -> dict[str, dict[str, str]]:
    with RULES_SEED.open(encoding="utf-8", newline="") as handle:
        return {row["rule"]: row for row in csv.DictReader(handle)}


def table_rules(path: str) -> dict[str, str]:
    """Rule code -> the rest of its table row, for every table row that starts with a code."""
    rows = {}
    for line in (PROJECT_DIR / path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([A-Z][A-Z_]+)`\s*\|(.*)\|\s*$", line)
        if match:
            assert match.group(1) not in rows, f"{path}: {match.group(1)} listed twice"
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_seed_is_complete() -> None:
    rules = seeded_rules()
    assert rules
    for code, row in rules.items():
        assert row["grain"] in {"customer", "dimension_row"}, code
        assert row["entity"] in {"all", "customer_definitions", "customer_details_v2"}, code
        # An account rule rejects a record for both entities, before anything else.
        assert row["entity"] != "all" or row["precedence"] == "1", code
        assert int(row["precedence"]) >= 1, code
        assert (PROJECT_DIR / "models" / "intermediate" / f"{row['decided_in']}.sql").exists(), code
        assert row["meaning"].strip() and row["what_to_do"].strip(), code
        # dbt-spark cannot load a seed value holding a single quote.
        assert "'" not in "".join(row.values()), code
    dimension_precedences = [
        r["precedence"] for r in rules.values() if r["grain"] == "dimension_row"
    ]
    assert len(dimension_precedences) == len(set(dimension_precedences))


def test_each_rule_is_a_documented_column_of_the_model_the_seed_names() -> None:
    # One hop from a code to where it is decided: the model's `breaks_<code>` column.
    properties = yaml.safe_load(
        (PROJECT_DIR / "models" / "intermediate" / "_int__models.yml").read_text(encoding="utf-8")
    )
    columns = {
        model["name"]: {column["name"] for column in model.get("columns", [])}
        for model in properties["models"]
    }
    for code, row in seeded_rules().items():
        # DIMENSION_REJECTED is the customer side of a dimension row's own rule.
        flag = "holds_back_customer" if code == "DIMENSION_REJECTED" else f"breaks_{code.lower()}"
        assert flag in columns[row["decided_in"]], (code, row["decided_in"])


def test_the_models_rule_lists_are_the_seed_in_precedence_order() -> None:
    # macros/rules.sql holds the codes the SQL needs when it compiles.
    macros = (PROJECT_DIR / "macros" / "rules.sql").read_text(encoding="utf-8")

    def listed(macro: str) -> list[str]:
        body = macros.split(f"{{% macro {macro}() -%}}", 1)[1].split("{%- endmacro %}", 1)[0]
        return re.findall(r"'([A-Z_]+)'", body)

    rules = seeded_rules()
    by_grain = {
        grain: [
            code for code in rules if rules[code]["grain"] == grain and code != "DIMENSION_REJECTED"
        ]
        for grain in ("customer", "dimension_row")
    }
    assert (
        listed("account_rule_codes") + listed("definition_rule_codes") + listed("detail_rule_codes")
        == by_grain["customer"]
    )
    for macro, entity in (
        ("account_rule_codes", "all"),
        ("definition_rule_codes", "customer_definitions"),
        ("detail_rule_codes", "customer_details_v2"),
    ):
        assert {rules[code]["entity"] for code in listed(macro)} == {entity}, macro
    assert (
        listed("dimension_row_rule_codes") + listed("dimension_row_own_rule_codes")
        == (by_grain["dimension_row"])
    )


def test_readme_rule_table_is_the_seed() -> None:
    rules = seeded_rules()
    readme = table_rules("README.md")
    assert set(readme) == set(rules)
    for code, rest in readme.items():
        assert rules[code]["what_to_do"] in rest, code


def test_docs_rule_tables_are_the_seed() -> None:
    rules = seeded_rules()
    documented = table_rules("docs/rules.md")
    assert set(documented) == set(rules)
    for code, rest in documented.items():
        assert rules[code]["meaning"] in rest, code
        assert rules[code]["what_to_do"] in rest, code


# Upper-case names on these pages that are not rules: environment variables and placeholders.
NOT_RULES = {
    "EXTRACTS_DIR",
    "LOADER_DEBUG",
    "MIGRATION_DB",
    "MIGRATION_DB_MEMORY_LIMIT",
    "NO_COLOR",
}
NOT_RULES |= {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}  # `loader import`'s


def test_no_page_names_a_rule_the_seed_does_not_have() -> None:
    rules = set(seeded_rules())
    for path in ("README.md", "docs/rules.md"):
        text = (PROJECT_DIR / path).read_text(encoding="utf-8")
        named = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text))
        assert named - rules - NOT_RULES == set(), path


def warn_test_descriptions() -> dict[tuple[str, str], str]:
    """(test, model.column) -> description, for every warn-severity test on a column."""
    found = {}
    for path in sorted((PROJECT_DIR / "models").rglob("_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    if not isinstance(test, dict):
                        continue
                    ((name, spec),) = test.items()
                    if (spec.get("config") or {}).get("severity") == "warn":
                        where = f"{model['name']}.{column['name']}"
                        found[name, where] = " ".join(str(spec.get("description", "")).split())
    return found


def test_each_warning_says_what_it_means_once() -> None:
    """loader run prints a warning test's description: docs/rules.md's table is that text."""
    documented = {}
    for line in (PROJECT_DIR / "docs" / "rules.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([a-z_]+)`\s*\|\s*`([\w.]+)`\s*\|(.*)\|\s*$", line)
        if match:
            documented[match.group(1), match.group(2)] = match.group(3).strip()
    described = warn_test_descriptions()
    assert described and all(described.values()), described
    assert documented == described

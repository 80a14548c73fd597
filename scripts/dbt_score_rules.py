"""The project's own dbt-score rules (`make lint` runs them with dbt-score's generic ones).

dbt-score loads this module through `rule_namespaces` in pyproject.toml `[tool.dbt-score]`
(run from the project root); it imports nothing from `loader`. Each rule is CRITICAL: one
violation scores its item 0, below any threshold.
"""

from dbt_score import Exposure, Model, RuleViolation, Severity, rule

# Test types that state a model's primary key: dbt's `unique` on the key column, or a
# uniqueness test over the key columns (this project's generic tests, or dbt_utils').
PRIMARY_KEY_TESTS = frozenset(
    {
        "unique",
        "primary_key",
        "unique_combination",
        "unique_key",
        "unique_combination_of_columns",
    }
)


@rule(severity=Severity.CRITICAL)
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """A model tests its primary key, or names the model whose key test proves its grain.

    Each grain is proved unique once: a staging view or an ephemeral step with one row per
    record of a table downstream says so with `meta: {grain_proved_by: <model>}` (a duplicate
    here would duplicate that model's key; tests/test_dbt_rules.py checks the named model).
    """
    column_tests = [test for column in model.columns for test in column.tests]
    if any(test.type in PRIMARY_KEY_TESTS for test in [*model.tests, *column_tests]):
        return None
    if model.meta.get("grain_proved_by"):
        return None
    return RuleViolation(
        "No primary-key test: add `unique` to the key column or `unique_combination` "
        "over the key columns, or name the model that proves the grain (meta grain_proved_by)."
    )


@rule(severity=Severity.CRITICAL)
def exposure_depends_on_public_contracted_models(exposure: Exposure) -> RuleViolation | None:
    """An exposure depends only on models that are public and have an enforced contract.

    What leaves the project (a data package, a report) reads a model whose columns and types
    dbt checks on every build, and that other projects may reference.
    """
    problems = [
        f"{parent.name} ({', '.join(_public_contract_gaps(parent))})"
        for parent in exposure.parents
        if _public_contract_gaps(parent)
    ]
    if not exposure.parents:
        problems.append("it depends on no model")
    if problems:
        return RuleViolation(f"Not a public, contracted model: {'; '.join(problems)}.")
    return None


def _public_contract_gaps(parent: object) -> list[str]:
    """What a parent of an exposure lacks to be a public model with an enforced contract."""
    if not isinstance(parent, Model):
        return ["not a model"]
    gaps = []
    if parent.access != "public":
        gaps.append(f"access is {parent.access}")
    contract = parent.config.get("contract") or {}
    if not contract.get("enforced"):
        gaps.append("contract not enforced")
    return gaps

"""The benchmark's settings, all from environment variables so `make bench` can pass them."""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
DOC_PATH = PROJECT_DIR / "docs" / "benchmarks.md"
CHART_PATH = RESULTS_DIR / "time-vs-scale.png"

DEFAULT_CUSTOMERS = 1_000_000
DEFAULT_REPEAT = 3


@dataclass(frozen=True)
class Config:
    customers: int
    repeat: int
    seed: int
    work_dir: Path  # extracts, the database, packages and logs of the run; removed at the end
    bin_dir: Path  # where `loader` and `dbt` are installed
    extracts: Path | None  # reuse these extracts instead of generating them
    keep_work: bool
    skip: frozenset[str]

    @property
    def scale(self) -> str:
        return scale_label(self.customers)


def scale_label(customers: int) -> str:
    """100000 -> 100k, 1000000 -> 1M, 2500000 -> 2.5M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if customers >= size:
            return f"{customers / size:g}{suffix}"
    return str(customers)


def _int(name: str, default: int) -> int:
    value = int(os.environ.get(name, default))
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


def from_environment() -> Config:
    extracts = os.environ.get("BENCH_EXTRACTS")
    skip = os.environ.get("BENCH_SKIP", "")
    return Config(
        customers=_int("BENCH_CUSTOMERS", DEFAULT_CUSTOMERS),
        repeat=_int("BENCH_REPEAT", DEFAULT_REPEAT),
        seed=int(os.environ.get("BENCH_SEED", "42")),
        work_dir=Path(os.environ.get("BENCH_WORK", PROJECT_DIR / "build" / "bench")).resolve(),
        bin_dir=Path(os.environ.get("BENCH_BIN", PROJECT_DIR / ".venv" / "bin")).resolve(),
        extracts=Path(extracts).resolve() if extracts else None,
        keep_work=os.environ.get("BENCH_KEEP", "") not in ("", "0"),
        skip=frozenset(s.strip() for s in skip.split(",") if s.strip()),
    )

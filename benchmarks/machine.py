"""What the figures were measured on: cores, memory, CPU model and the software versions."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

# Run with the project's Python, so the versions are the ones `loader` and dbt use.
_VERSIONS_SCRIPT = """
import json, sys
from importlib.metadata import PackageNotFoundError, version
found = {"python": sys.version.split()[0]}
for name in ("duckdb", "dbt-core", "dbt-duckdb", "pyarrow", "pandas"):
    try:
        found[name] = version(name)
    except PackageNotFoundError:
        found[name] = None
print(json.dumps(found))
"""


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _versions(python: Path) -> dict[str, str | None]:
    proc = subprocess.run(  # noqa: S603 - the project's own interpreter
        [str(python), "-c", _VERSIONS_SCRIPT], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {}
    versions: dict[str, str | None] = json.loads(proc.stdout)
    return versions


def describe(bin_dir: Path) -> dict[str, object]:
    """The machine, the project's versions and those of the Python running floor and naive."""
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "cpu_model": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": _versions(bin_dir / "python"),
        "reference_versions": _versions(Path(sys.executable)),
        # The machine is shared: a load above nproc during the run means noisy figures.
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }

"""Run one child process and take its cost from the kernel's accounting of that child.

`os.wait4` returns the resource usage of exactly the child it reaps (including the
grandchildren that child waited for). `getrusage(RUSAGE_CHILDREN)` deltas would do for
CPU time, but its `ru_maxrss` is the largest child so far, not this child's peak.
"""

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# ru_maxrss is in KiB on Linux and in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Run:
    """One measured execution of a child process."""

    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run_measured(
    cmd: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path
) -> tuple[Run, str]:
    """Run `cmd` with output to `log`; return its measurement and its stdout text."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path = log.with_suffix(".stdout")
    with log.open("wb") as err, out_path.open("wb") as out:
        start = time.perf_counter()
        # The benchmark runs the project's own commands, never user input.
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    run = Run(
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=usage.ru_maxrss * _MAXRSS_UNIT,
    )
    return run, out_path.read_text(encoding="utf-8", errors="replace")


def log_tail(log: Path, lines: int = 5) -> str:
    """The last lines of a child's stderr (or stdout, where dbt writes), to say why it failed."""
    for path in (log, log.with_suffix(".stdout")):
        if path.exists() and (text := path.read_text(encoding="utf-8", errors="replace").strip()):
            return "\n".join(_ANSI.sub("", text).splitlines()[-lines:])
    return ""


@dataclass(frozen=True)
class Summary:
    """The median of repeated runs of one phase (each figure's own median)."""

    wall_s: float
    cpu_s: float
    peak_rss_bytes: int
    rows: int
    repeats: int
    wall_runs_s: list[float]

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s > 0 else 0.0

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "rows_per_s": self.rows_per_s}


def summarise(runs: Sequence[Run], rows: int) -> Summary:
    return Summary(
        wall_s=statistics.median(r.wall_s for r in runs),
        cpu_s=statistics.median(r.cpu_s for r in runs),
        # Peak memory barely varies between repeats; the largest is the honest figure.
        peak_rss_bytes=max(r.peak_rss_bytes for r in runs),
        rows=rows,
        repeats=len(runs),
        wall_runs_s=[round(r.wall_s, 3) for r in runs],
    )

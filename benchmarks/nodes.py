"""Where `dbt build`'s time goes: its slowest nodes, read from the run's run_results.json.

dbt writes `run_results.json` to its target folder at the end of every invocation: one entry
per node (model, test, seed, unit test) with its execution time, and the run's own
`elapsed_time` (the node run, without Python start-up, parsing and writing artifacts).
"""

import json
from pathlib import Path
from typing import Any

SLOWEST = 10


def node_type(unique_id: str) -> str:
    """model.project.name -> model; unit_test.project.model.test -> unit_test."""
    return unique_id.split(".", 1)[0]


def short_name(unique_id: str) -> str:
    """The unique_id without its type and project: test.project.not_null_x.ab12 -> not_null_x.ab12."""
    parts = unique_id.split(".")
    return ".".join(parts[2:]) or unique_id


def read(run_results: Path, wall_s: float, repeat: int) -> dict[str, Any] | None:
    """The slowest nodes of one `dbt build`, or None when dbt wrote no readable run_results."""
    try:
        data = json.loads(run_results.read_text(encoding="utf-8"))
        results = data["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    nodes: list[dict[str, Any]] = [
        {
            "unique_id": str(r["unique_id"]),
            "type": node_type(str(r["unique_id"])),
            "status": str(r.get("status", "")),
            "execution_time_s": round(float(r.get("execution_time") or 0.0), 3),
        }
        for r in results
        if isinstance(r, dict) and "unique_id" in r
    ]
    nodes.sort(key=lambda n: n["execution_time_s"], reverse=True)
    elapsed = data.get("elapsed_time")
    return {
        "repeat": repeat,
        "wall_s": round(wall_s, 3),
        "elapsed_s": round(float(elapsed), 3) if elapsed is not None else None,
        "node_count": len(nodes),
        "node_time_s": round(sum(n["execution_time_s"] for n in nodes), 3),
        "slowest": nodes[:SLOWEST],
    }


def median_repeat(repeats: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The repeat whose dbt build wall time is the median (the lower one of an even count)."""
    if not repeats:
        return None
    ordered = sorted(repeats, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]

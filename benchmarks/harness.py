"""`make bench`: generate extracts, measure every phase BENCH_REPEAT times, write the results.

Repeats interleave floor, pipeline and naive reference, so a noisy minute on the shared
machine hurts one repeat of each rather than every repeat of one.
"""

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import machine, nodes, report
from benchmarks.config import PROJECT_DIR, RESULTS_DIR, Config, from_environment
from benchmarks.measure import Run, log_tail, run_measured, summarise
from benchmarks.phases import (
    DBT_FLOOR,
    END_TO_END,
    LABELS,
    MARKER,
    PIPELINE,
    REFERENCES,
    ROW_UNITS,
    PhaseState,
    Workspace,
    blocking_phase,
    command,
    pipeline_rows,
    prepare_output,
    unavailable_reason,
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_work_dir(ws: Workspace) -> None:
    root = ws.root
    if root in (PROJECT_DIR, *PROJECT_DIR.parents):
        raise SystemExit(f"BENCH_WORK={root} would hold the project: choose a folder of its own")
    if root.exists() and any(root.iterdir()) and not (root / MARKER).exists():
        raise SystemExit(f"BENCH_WORK={root} is not empty and not a benchmark work folder")
    remove_work_dir(ws)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).touch()


def remove_work_dir(ws: Workspace) -> None:
    if (ws.root / MARKER).exists():
        shutil.rmtree(ws.root)


def generate_extracts(ws: Workspace) -> dict[str, object]:
    """Write the demo extracts (unless BENCH_EXTRACTS names existing ones) and describe them."""
    cfg = ws.config
    if cfg.extracts is None:
        say(f"Generating {cfg.customers:,} customers with `loader demo-data`")
        cmd = [ws.tool("loader"), "demo-data", "--out", str(ws.extracts)]
        cmd += ["--customers", str(cfg.customers), "--seed", str(cfg.seed)]
        run, _ = run_measured(cmd, env=ws.env, cwd=PROJECT_DIR, log=ws.logs / "demo-data.log")
        if not run.ok:
            raise SystemExit(f"loader demo-data failed:\n{log_tail(ws.logs / 'demo-data.log')}")
    files = {p.name: p.stat().st_size for p in sorted(ws.extracts.glob("*.csv"))}
    return {"generated_by": "loader demo-data" if cfg.extracts is None else str(cfg.extracts),
            "file_bytes": files}  # fmt: skip


def initial_states(ws: Workspace) -> dict[str, PhaseState]:
    names = (*REFERENCES, *PIPELINE, DBT_FLOOR)
    states = {name: PhaseState(name) for name in names}
    for name in names:
        state = states[name]
        if name in ws.config.skip:
            state.stop("skipped", "BENCH_SKIP")
        elif reason := unavailable_reason(ws, name):
            state.stop("not available", reason)
        elif blocker := blocking_phase(name, states):
            state.stop("blocked", f"needs {LABELS[blocker]}")
    return states


def run_phase(ws: Workspace, state: PhaseState, repeat: int) -> Run | None:
    prepare_output(ws, state.name)
    log = ws.logs / f"{state.name}-{repeat}.log"
    env = ws.phase_env(state.name)
    run, stdout = run_measured(command(ws, state.name), env=env, cwd=PROJECT_DIR, log=log)
    if not run.ok:
        state.stop("failed", f"exit {run.exit_code}: {log_tail(log)}")
        return None
    state.runs.append(run)
    if state.name == "dbt_build":
        found = nodes.read(ws.dbt_target / "run_results.json", run.wall_s, repeat)
        if found:
            state.details.append(found)
    if not state.rows:
        state.rows = _rows(ws, state.name, stdout)
    say(f"  {LABELS[state.name]:<28} {run.wall_s:8.2f} s  {run.peak_rss_bytes / 2**20:8.0f} MiB")
    return run


def _rows(ws: Workspace, name: str, stdout: str) -> int:
    if name in REFERENCES:
        return int(json.loads(stdout.strip().splitlines()[-1])["rows"])
    return pipeline_rows(ws, name)


def run_pipeline(ws: Workspace, states: dict[str, PhaseState], repeat: int) -> None:
    ws.reset_database()
    for position, name in enumerate(PIPELINE):
        state = states[name]
        if not state.runnable:
            continue
        if run_phase(ws, state, repeat) is None:
            for later in PIPELINE[position + 1 :]:
                if states[later].runnable and blocking_phase(later, states):
                    states[later].stop("blocked", f"{LABELS[name]} failed")


def run_repeats(ws: Workspace, states: dict[str, PhaseState], inputs: dict[str, object]) -> None:
    for repeat in range(1, ws.config.repeat + 1):
        say(f"[{ws.config.scale}] repeat {repeat}/{ws.config.repeat}")
        for name in ("floor", "pipeline", DBT_FLOOR, "naive"):
            if name == "pipeline":
                run_pipeline(ws, states, repeat)
            elif blocker := blocking_phase(name, states):
                if states[name].runnable:
                    states[name].stop("blocked", f"{LABELS[blocker]} failed")
            elif states[name].runnable:
                run_phase(ws, states[name], repeat)
        # Saved after every repeat: a 10M run takes long, and an interrupted one keeps its figures.
        save(build_result(ws, states, inputs, repeats_done=repeat))


def save(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{result['scale']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path


def phase_result(state: PhaseState) -> dict[str, Any]:
    result: dict[str, Any] = {"label": LABELS[state.name], "status": state.status}
    if state.reason:
        result["reason"] = state.reason
    if state.status == "ok" and state.runs:
        result.update(summarise(state.runs, state.rows).to_json())
        result["rows_unit"] = ROW_UNITS[state.name]
    return result


def end_to_end(phases: dict[str, dict[str, Any]], customers: int) -> dict[str, Any]:
    """Land + build + export: the same job as the floor, complete only when all three ran."""
    done = [phases[n] for n in END_TO_END if phases[n]["status"] == "ok"]
    wall = sum(p["wall_s"] for p in done)
    return {
        "status": "ok" if len(done) == len(END_TO_END) else "incomplete",
        "missing": [n for n in END_TO_END if phases[n]["status"] != "ok"],
        "wall_s": wall,
        "cpu_s": sum(p["cpu_s"] for p in done),
        "peak_rss_bytes": max((p["peak_rss_bytes"] for p in done), default=0),
        "customer_records_per_s": customers / wall if wall else 0.0,
    }


def ratios(phases: dict[str, dict[str, Any]], e2e: dict[str, Any]) -> dict[str, float]:
    """Each phase's median wall time over the floor's (not dbt's floor: a yardstick for the
    dbt build alone, not the same job)."""
    if phases["floor"]["status"] != "ok":
        return {}
    base = phases["floor"]["wall_s"]
    found = {
        n: p["wall_s"] / base for n, p in phases.items() if p["status"] == "ok" and n != DBT_FLOOR
    }
    if e2e["status"] == "ok":
        found["end_to_end"] = e2e["wall_s"] / base
    return found


def build_result(
    ws: Workspace, states: dict[str, PhaseState], inputs: dict[str, object], repeats_done: int
) -> dict[str, Any]:
    phases = {name: phase_result(state) for name, state in states.items()}
    customers = phases["dbt_build"].get("rows") or ws.config.customers
    e2e = end_to_end(phases, customers)
    return {
        "scale": ws.config.scale,
        "customers": ws.config.customers,
        "seed": ws.config.seed,
        "repeat": repeats_done,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine.describe(ws.config.bin_dir),
        "inputs": inputs,
        "phases": phases,
        "end_to_end": e2e,
        "ratio_to_floor": ratios(phases, e2e),
        # Per repeat: the ten slowest dbt nodes, the node count and the node times against the
        # dbt build wall time (docs/benchmarks.md renders the median repeat's).
        "dbt_slowest_nodes": states["dbt_build"].details,
    }


def print_summary(result: dict[str, Any]) -> None:
    ratio = result["ratio_to_floor"]
    say(f"\n{result['scale']} customers, median of {result['repeat']}:")
    for name, phase in result["phases"].items():
        if phase["status"] != "ok":
            say(f"  {phase['label']:<28} {phase['status']}: {phase.get('reason', '')}")
            continue
        times = f"{phase['wall_s']:8.2f} s wall {phase['cpu_s']:8.2f} s CPU"
        memory = f"{phase['peak_rss_bytes'] / 2**20:7.0f} MiB"
        against = f"  {ratio[name]:5.2f}x floor" if name in ratio else ""
        say(f"  {phase['label']:<28} {times} {memory}{against}")
    e2e = result["end_to_end"]
    note = "" if e2e["status"] == "ok" else f" (incomplete: no {', '.join(e2e['missing'])})"
    say(
        f"  {'end to end':<28} {e2e['wall_s']:8.2f} s  {ratio.get('end_to_end', 0):5.2f}x floor{note}"
    )


def main() -> None:
    if "--report-only" in sys.argv[1:]:
        report.regenerate()
        return
    config: Config = from_environment()
    ws = Workspace(config)
    prepare_work_dir(ws)
    try:
        inputs = generate_extracts(ws)
        states = initial_states(ws)
        run_repeats(ws, states, inputs)
        result = build_result(ws, states, inputs, repeats_done=config.repeat)
    finally:
        if not config.keep_work:
            remove_work_dir(ws)
    path = save(result)
    print_summary(result)
    report.regenerate()
    say(f"\nwrote {path.relative_to(PROJECT_DIR)} and docs/benchmarks.md")

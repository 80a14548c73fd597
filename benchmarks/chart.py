"""The time-against-scale chart (PNG), drawn with matplotlib from the `bench` extra."""

from pathlib import Path
from typing import Any

SERIES = (
    ("floor", "floor (one DuckDB script)", "black", "--"),
    ("end_to_end", "ours end to end (land + build + export)", "tab:red", "-"),
    ("land", "loader land", "tab:blue", ":"),
    ("dbt_build", "dbt build", "tab:green", ":"),
    ("export", "loader export", "tab:orange", ":"),
    ("naive", "naive (pandas)", "tab:gray", "-."),
)


def _wall(result: dict[str, Any], name: str) -> float | None:
    if name == "end_to_end":
        e2e = result["end_to_end"]
        return float(e2e["wall_s"]) if e2e["status"] == "ok" else None
    phase = result["phases"].get(name, {})
    return float(phase["wall_s"]) if phase.get("status") == "ok" else None


def draw(results: list[dict[str, Any]], path: Path) -> bool:
    """Write the chart; False when matplotlib is missing or there is nothing to draw."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: write the file only
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    drawn = False
    for name, label, colour, style in SERIES:
        points = [(r["customers"], _wall(r, name)) for r in results]
        points = [(x, y) for x, y in points if y is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, style, marker="o", color=colour, label=label)
            drawn = True
    if not drawn:
        plt.close(figure)
        return False
    axes.set(xscale="log", yscale="log", xlabel="customers", ylabel="wall time, median (s)")
    axes.set_title("Time against scale")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True

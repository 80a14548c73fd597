"""The dbt docs site a reviewer opens from disk, checked in a real headless Chromium.

The docs are generated once for the module in a private workspace: the demo sample is landed
and the seeds loaded (a data test reads the `dimension_format` seed while dbt compiles), then
`dbt docs generate --static` writes one HTML file with the manifest and the catalog inlined.
The file is copied alone into an empty folder and opened as a file:// URL by an offline
Chromium, so it passes only if it needs nothing beside it and nothing from the network.

Chromium is Debian's (`make browser`); without it these tests fail, they are not skipped.
"""

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.chromium import chromium_context
from tests.conftest import PROJECT_DIR, Workspace

PROJECT = "d365_customer_migration"
MART = f"model.{PROJECT}.customer_details_v2"
# The raw tables `loader land` writes (docs/architecture.md), as dbt sources.
RAW_SOURCES = {
    f"source.{PROJECT}.legacy.customers",
    f"source.{PROJECT}.legacy.customer_dimensions",
    f"source.{PROJECT}.fo.target_customers",
}
# The lineage screenshot, kept after the run for a person to look at.
ARTIFACTS = PROJECT_DIR / "build" / "test-artifacts"
LINEAGE_SCREENSHOT = ARTIFACTS / "docs-lineage.png"

# The docs app draws the lineage with cytoscape in a canvas; cytoscape registers its instance on
# the container element. Returns the visible nodes, each with its label and whether it is drawn
# inside the canvas, or null before there is a graph.
READ_GRAPH_JS = """() => {
    const container = document.getElementById('cy');
    const cy = container && container._cyreg && container._cyreg.cy;
    if (!cy) return null;
    const {width, height} = container.getBoundingClientRect();
    return cy.nodes(':visible').map(n => {
        const b = n.renderedBoundingBox();
        const inside = b.x1 >= 0 && b.y1 >= 0 && b.x2 <= width && b.y2 <= height;
        return {id: n.id(), label: n.data('label'), inside: inside};
    });
}"""
# True once every expected node is shown inside the canvas (the layout is done).
GRAPH_SHOWS_JS = f"""ids => {{
    const nodes = ({READ_GRAPH_JS})();
    return !!nodes && ids.every(id => nodes.some(n => n.id === id && n.inside));
}}"""


@pytest.fixture(scope="module")
def docs_site(module_workspace: Workspace) -> Path:
    """The static docs of the demo sample, alone in a folder: the file `make docs` publishes."""
    ws = module_workspace
    extracts = ws.root / "extracts"
    ws.loader("demo-data", "--out", str(extracts), "--customers", "500", "--seed", "1", check=True)
    ws.loader("land", str(extracts), check=True)
    ws.dbt("seed", check=True)
    ws.dbt("docs", "generate", "--static", check=True)
    site = ws.root / "site"
    site.mkdir()
    return Path(shutil.copy(ws.target_dir / "static_index.html", site / "index.html"))


@pytest.fixture(scope="module")
def manifest(docs_site: Path, module_workspace: Workspace) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(
        (module_workspace.target_dir / "manifest.json").read_text()
    )
    return manifest


@dataclass
class Browser:
    """A page of a fresh, offline headless Chromium, and every URL it requested."""

    page: Page
    requests: list[str] = field(default_factory=list)

    def assert_nothing_fetched(self) -> None:
        fetched = [u for u in self.requests if not u.startswith(("file:", "data:", "blob:"))]
        assert not fetched, f"the docs site asked the network for {fetched}"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with chromium_context(tmp_path / "chromium-profile") as context:
        page = context.new_page()
        page.set_default_timeout(30_000)
        browser = Browser(page)
        page.on("request", lambda request: browser.requests.append(request.url))
        yield browser


def upstream_and_exposures(manifest: dict[str, Any], node: str) -> set[str]:
    """Every source and model NODE is built from, and every exposure that uses NODE."""
    parent_map: dict[str, list[str]] = manifest["parent_map"]
    seen: set[str] = set()
    todo = [node]
    while todo:
        for parent in parent_map[todo.pop()]:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    upstream = {n for n in seen if n.startswith(("source.", "model."))}
    exposures = {n for n in manifest["child_map"][node] if n.startswith("exposure.")}
    return upstream | exposures


def test_lineage_of_customer_details_v2_shows_sources_to_exposure(
    docs_site: Path, manifest: dict[str, Any], browser: Browser
) -> None:
    expected = upstream_and_exposures(manifest, MART) | {MART}
    # What the lineage must show, whatever the models in between are called.
    assert expected >= RAW_SOURCES, f"customer_details_v2 is not built from {RAW_SOURCES}"
    for layer in (f"model.{PROJECT}.stg_", f"model.{PROJECT}.int_", f"exposure.{PROJECT}."):
        assert any(n.startswith(layer) for n in expected), f"no {layer}* in the lineage"

    page = browser.page
    page.goto(docs_site.as_uri())
    page.get_by_placeholder("Search for models...").fill("customer_details_v2")
    result = page.locator(f'.search-result[href="#!/model/{MART}"]')
    expect(result).to_be_visible()
    expect(result.locator("h4")).to_have_text("customer_details_v2 model")
    result.locator("h4").click()
    expect(page).to_have_url(f"{docs_site.as_uri()}#!/model/{MART}")
    expect(page.get_by_role("heading", name=re.compile(r"^customer_details_v2\b"))).to_be_visible()

    # The lineage opens beside the model (parents and children); fullscreen shows all of it.
    page.get_by_title("View Lineage Graph").click()
    page.get_by_title("View Fullscreen").filter(visible=True).click()
    expect(
        page.locator(".launcher input[ng-model='selectorService.selection.dirty.include']")
    ).to_have_value("+customer_details_v2+")
    with suppress(PlaywrightTimeout):  # the assertions below say what is shown instead
        page.wait_for_function(GRAPH_SHOWS_JS, arg=sorted(expected))
    page.mouse.move(0, 0)  # no tooltip over the graph
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=LINEAGE_SCREENSHOT)

    nodes = page.evaluate(READ_GRAPH_JS)
    assert nodes is not None, "no cytoscape graph in the lineage view"
    shown = {node["id"] for node in nodes}
    missing = expected - shown
    assert not missing, f"the lineage does not show {sorted(missing)}; it shows {sorted(shown)}"
    off_canvas = sorted(n["id"] for n in nodes if n["id"] in expected and not n["inside"])
    assert not off_canvas, f"drawn outside the visible canvas: {off_canvas}"
    labels = {node["id"]: node["label"] for node in nodes}
    assert labels[MART] == "customer_details_v2"
    browser.assert_nothing_fetched()


def test_source_page_shows_the_landed_column_types(docs_site: Path, browser: Browser) -> None:
    """Column types come only from the catalog, i.e. from the landed database."""
    page = browser.page
    page.goto(f"{docs_site.as_uri()}#!/source/source.{PROJECT}.legacy.customers")
    rows = page.locator("tr.column-row")
    expect(rows.first).to_be_visible()
    types = {
        row.locator("td").nth(0).inner_text().strip(): row.locator("td").nth(1).inner_text().strip()
        for row in rows.all()
    }
    # Every data column lands as text; the lineage columns have their own types.
    assert types.get("customer_number") == "VARCHAR", types
    assert types.get("bill_to_customer_number") == "VARCHAR", types
    assert types.get("_loaded_at") == "TIMESTAMP", types
    assert all(types.values()), f"columns without a type (not in the catalog): {types}"
    browser.assert_nothing_fetched()

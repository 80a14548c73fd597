"""`loader report`: the workbooks and the page of the last exported cycle, written into a
temporary folder inside OUT and moved into place at the end (the page last), as the export
writes its packages: an interrupted report leaves the previous one."""

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from loader.cycles import Cycle, cycle_name
from loader.database import connect
from loader.output import WordTable
from loader.package.staging import staged_folder
from loader.report import data as report_data
from loader.report.page import render
from loader.report.workbook import write_workbook

PAGE = "cycle-report.html"


def workbook_name(legal_entity: str) -> str:
    return "rejects-" + re.sub(r"[^A-Za-z0-9_-]+", "-", legal_entity).strip("-") + ".xlsx"


def _workbooks_of(legal_entities: set[str]) -> re.Pattern[str]:
    """The names an earlier report gave its workbooks: a legal entity's workbook that this
    one does not write (no rejects left) is removed, a file the user put there (a reviewed
    copy, rejects-USMF-anna.xlsx) is not."""
    names = sorted(map(workbook_name, legal_entities))  # none: matches no file
    return re.compile("|".join(map(re.escape, names)))


@dataclass
class ReportSummary:
    out_dir: Path
    cycle: dict[str, Any]
    changes: dict[str, int]
    workbooks: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "page": PAGE,
            "cycle": self.cycle,
            "since_previous_cycle": self.changes,
            "workbooks": self.workbooks,
        }

    def renderable(self) -> RenderableType:
        workbooks: RenderableType = WordTable(
            f"Cycle report in {self.out_dir}",
            ("workbook", "legal entity", "rejected records"),
            [(b["file"], b["legal_entity"], f"{b['records']:,}") for b in self.workbooks],
            numeric={"rejected records"},
        )
        if not self.workbooks:  # not an empty table, which reads as a report that went wrong
            workbooks = Text(f"No rejects in this cycle: no workbook in {self.out_dir}")
        changes = ", ".join(f"{n.replace('_', ' ')} {v:,}" for n, v in self.changes.items())
        cycle = cycle_name(self.cycle["cycle_id"], self.cycle["label"])
        return Group(
            workbooks,
            Text(f"Page: {self.out_dir / PAGE}"),
            Text(f"{cycle.capitalize()}; since the cycle before: {changes}"),
        )


def write_report(out_dir: Path) -> ReportSummary:
    with connect(read_only=True) as con:
        data = report_data.load(con)
    summary = ReportSummary(
        out_dir=out_dir.resolve(), cycle=data.last.to_dict(), changes=data.change_totals()
    )
    with staged_folder(out_dir, "the report") as staged:
        books = []
        for legal_entity in data.legal_entities():
            rows = [r for r in data.rejects if r["legal_entity"] == legal_entity]
            name = workbook_name(legal_entity)
            books.append((staged.path / name, legal_entity, data.last, rows))
            summary.workbooks.append(
                {"file": name, "legal_entity": legal_entity, "records": len(rows)}
            )
        _write_workbooks(books)
        staged.write_bytes(PAGE, render(data).encode("utf-8"))
        names = [b["file"] for b in summary.workbooks]
        staged.commit(names, PAGE, staged.stale(names, _workbooks_of(data.every_legal_entity())))
    return summary


def _write_workbooks(books: list[tuple[Path, str, Cycle, list[dict[str, Any]]]]) -> None:
    """Each workbook in a process of its own, as many at once as there are cores: XlsxWriter
    is pure Python, and a million customers' rejects are a few hundred thousand rows."""
    workers = min(len(books), os.cpu_count() or 1)
    if workers <= 1:
        for book in books:
            write_workbook(*book)
        return
    # fork: the workers need nothing but the rows; the database is closed by now.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for done in [pool.submit(write_workbook, *book) for book in books]:
            done.result()

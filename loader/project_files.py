"""Which of the dbt project's files changed after dbt built from them.

A mapping seed corrected, a model fixed or a var changed in dbt_project.yml, without a `dbt
build` since: the marts still hold what the old files made, although every result is fresh
against the land. The manifest names each node's files (its SQL or CSV, the YAML that
configures and tests it, the macros it calls); a file modified after the result it went into
started is a change dbt has not built. A file that is only touched counts too: a rebuild is
cheap next to a package built from files nobody checked. A file dated in the future (a clock
behind, a copy that kept another machine's times) is told apart: no build can be newer.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from loader.database import as_utc

PROJECT_FILE = "dbt_project.yml"  # vars and configs: every node reads it
_CLOCK_SLACK = timedelta(minutes=1)  # a file saved "in the future" by less is a clock's jitter


@dataclass
class Changes:
    """Project files modified after the builds they went into; those dated in the future."""

    changed: list[str] = field(default_factory=list)
    in_the_future: list[str] = field(default_factory=list)


def changed_after_build(
    manifest: Mapping[str, Any],
    roots: Iterable[str],
    started: Callable[[str], datetime | None],
    project_dir: Path,
    now: datetime | None = None,
) -> Changes:
    """The project's files (relative to PROJECT_DIR) that ROOTS and the nodes they read were
    built from, modified (or deleted) after the result they went into STARTED; sorted.

    STARTED: when dbt started the node's latest result, None when it has none (an ephemeral
    model, which is built into the nodes that read it). A node's files: its SQL or CSV, its
    YAML, the YAML of the sources it reads. The project's own files (dbt_project.yml and every
    macro: dbt dispatches to a project's macro without naming it in the manifest) are dated
    against the earliest build; they are known only from a manifest that names its project."""
    nodes = manifest.get("nodes") or {}
    sources = manifest.get("sources") or {}
    project = (manifest.get("metadata") or {}).get("project_name")
    built = _built_at(nodes, _closure(nodes, roots), started)
    dated = [(path, when) for uid, when in built.items() for path in _files_of(uid, nodes, sources)]
    if built and project:
        earliest = min(built.values())
        dated += [(path, earliest) for path in _project_wide(manifest.get("macros") or {}, project)]
    now = now or datetime.now(UTC)
    changes = Changes()
    for path, when in dated:
        modified = _modified(project_dir / path)
        if modified is not None and modified > now + _CLOCK_SLACK:
            changes.in_the_future.append(path)
        elif modified is None or modified > as_utc(when):
            changes.changed.append(path)
    changes.changed = sorted(set(changes.changed))
    changes.in_the_future = sorted(set(changes.in_the_future))
    return changes


def _closure(nodes: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """ROOTS and every node of the manifest they read, directly or not."""
    seen: set[str] = set()
    todo = [uid for uid in roots if uid in nodes]
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        parents = ((nodes[uid] or {}).get("depends_on") or {}).get("nodes") or []
        todo.extend(p for p in parents if p in nodes)
    return seen


def _built_at(
    nodes: Mapping[str, Any], closure: Collection[str], started: Callable[[str], datetime | None]
) -> dict[str, datetime]:
    """When each node of CLOSURE went into a stored result: its own start, or for a node
    without a result the earliest start of the nodes that read it (dropped when none did)."""
    readers: dict[str, list[str]] = {uid: [] for uid in closure}
    for uid in closure:
        for parent in ((nodes[uid] or {}).get("depends_on") or {}).get("nodes") or []:
            if parent in readers:
                readers[parent].append(uid)
    known: dict[str, datetime | None] = {}

    def when(uid: str) -> datetime | None:
        if uid not in known:
            known[uid] = None  # a cycle (dbt refuses them) would end here
            own = started(uid)
            later = [w for r in readers[uid] if (w := when(r)) is not None]
            known[uid] = own if own is not None else min(later, default=None)
        return known[uid]

    return {uid: moment for uid in closure if (moment := when(uid)) is not None}


def _files_of(uid: str, nodes: Mapping[str, Any], sources: Mapping[str, Any]) -> set[str]:
    """The files node UID is made from: its own, its YAML, the YAML of the sources it reads."""
    parents = ((nodes[uid] or {}).get("depends_on") or {}).get("nodes") or []
    items = [nodes[uid] or {}, *(sources[p] or {} for p in parents if p in sources)]
    return {path for item in items for path in _paths(item)}


def _project_wide(macros: Mapping[str, Any], project: str) -> set[str]:
    """dbt_project.yml and the project's macros (not dbt's own: part of the installed dbt)."""
    own = (m or {} for m in macros.values())
    return {PROJECT_FILE, *(p for m in own if m.get("package_name") == project for p in _paths(m))}


def _paths(item: Mapping[str, Any]) -> set[str]:
    paths = set()
    if path := item.get("original_file_path"):
        paths.add(str(path))
    if patch := item.get("patch_path"):
        paths.add(str(patch).split("://", 1)[-1])
    return paths


def _modified(path: Path) -> datetime | None:
    """When PATH was last modified; None when it is gone (dbt built from a file since
    deleted); the epoch when it cannot be read here (dbt's own run will say so)."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None
    except OSError:
        return datetime.fromtimestamp(0, UTC)

"""Which of the dbt project's files changed after dbt built from them.

A mapping seed corrected, a model fixed or a var changed in dbt_project.yml, without a `dbt
build` since: the marts still hold what the old files made, although every result is fresh
against the land. The manifest names each node's files (its SQL or CSV, the YAML that
configures and tests it, the macros it calls); a file modified after the result it went into
started is a change dbt has not built. A file that is only touched counts too: a rebuild is
cheap next to a package built from files nobody checked.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_FILE = "dbt_project.yml"  # vars and configs: every node reads it


def changed_after_build(
    manifest: Mapping[str, Any],
    roots: Iterable[str],
    started: Callable[[str], datetime | None],
    project_dir: Path,
) -> list[str]:
    """The project's files (relative to PROJECT_DIR) that ROOTS and the nodes they read were
    built from, modified (or deleted) after the result they went into STARTED; sorted.

    STARTED: when dbt started the node's latest result, None when it has none (an ephemeral
    model, which is built into the nodes that read it)."""
    nodes = manifest.get("nodes") or {}
    project = (manifest.get("metadata") or {}).get("project_name")
    built = _built_at(nodes, _closure(nodes, roots), started)
    changed = {
        path
        for uid, when in built.items()
        for path in _files_of(nodes[uid], manifest.get("macros") or {}, project)
        if _modified_after(project_dir / path, when)
    }
    if built and _modified_after(project_dir / PROJECT_FILE, min(built.values())):
        changed.add(PROJECT_FILE)
    return sorted(changed)


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


def _files_of(node: Mapping[str, Any], macros: Mapping[str, Any], project: str | None) -> set[str]:
    """The project's files NODE is made from: its own, its YAML, the macros it calls."""
    files = set()
    for item in [node, *_macros_of(node, macros)]:
        if project is not None and item.get("package_name") not in (None, project):
            continue  # dbt's own macros: part of the installed dbt, not of the project
        if path := item.get("original_file_path"):
            files.add(str(path))
        if patch := item.get("patch_path"):
            files.add(str(patch).split("://", 1)[-1])
    return files


def _macros_of(node: Mapping[str, Any], macros: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every macro NODE calls, directly or through other macros."""
    seen: dict[str, Mapping[str, Any]] = {}
    todo = list((node.get("depends_on") or {}).get("macros") or [])
    while todo:
        uid = todo.pop()
        if uid in seen or uid not in macros:
            continue
        seen[uid] = macros[uid] or {}
        todo.extend((seen[uid].get("depends_on") or {}).get("macros") or [])
    return list(seen.values())


def _modified_after(path: Path, moment: datetime) -> bool:
    try:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return True  # deleted since: dbt built from a file that is gone
    except OSError:
        return False  # unreadable here: dbt's own run will say so
    return modified > (moment if moment.tzinfo else moment.replace(tzinfo=UTC))

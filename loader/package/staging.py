"""Write a set of files into a folder so that it either appears whole or not at all.

Files are written into a hidden temporary folder beside the final ones (same file system,
so moving is a rename). Nothing gets a final name until every new file is complete. Then:
the old summary is removed (a folder without a summary is an incomplete export), new files
are renamed into place, files of an earlier export that the new one does not have (stale
parts) are removed, and the new summary is renamed in last. A run killed before that leaves
the earlier export untouched; its temporary folder is removed by the next run.
"""

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from loader.failures import os_error

_TEMP_PREFIX = ".loader-export-"
_TEMP_NAME = re.compile(re.escape(_TEMP_PREFIX) + r"(\d+)-\w+")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_abandoned(out_dir: Path) -> None:
    """Remove temporary folders that killed exports left behind (their process is gone)."""
    for path in out_dir.glob(_TEMP_PREFIX + "*"):
        match = _TEMP_NAME.fullmatch(path.name)
        if match and path.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)


class StagedFolder:
    """A temporary folder inside OUT_DIR whose files are moved into OUT_DIR on commit."""

    def __init__(self, out_dir: Path) -> None:
        self.created = not out_dir.exists()  # removed again when nothing comes of it
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out_dir)
        self.out_dir = out_dir
        self.path = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-", dir=out_dir))

    def write_bytes(self, name: str, data: bytes) -> None:
        with (self.path / name).open("xb") as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())

    def stale(self, names: Iterable[str], pattern: re.Pattern[str]) -> list[str]:
        """Files in OUT_DIR matching PATTERN (an earlier export's) that NAMES will not replace."""
        keep = set(names)
        return sorted(
            p.name
            for p in self.out_dir.iterdir()
            if p.is_file() and pattern.fullmatch(p.name) and p.name not in keep
        )

    def commit(self, names: Iterable[str], summary: str, stale: Iterable[str]) -> None:
        """Move NAMES into place, remove STALE files, then move SUMMARY into place."""
        (self.out_dir / summary).unlink(missing_ok=True)
        for name in names:
            (self.path / name).replace(self.out_dir / name)
        for name in stale:
            (self.out_dir / name).unlink(missing_ok=True)
        (self.path / summary).replace(self.out_dir / summary)
        _fsync_dir(self.out_dir)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def abandon(self) -> None:
        """Discard the staged files; OUT_DIR too when this made it and it is still empty."""
        self.discard()
        if self.created:
            with contextlib.suppress(OSError):
                self.out_dir.rmdir()


@contextmanager
def staged_folder(out_dir: Path, what: str) -> Iterator[StagedFolder]:
    """A StagedFolder in OUT_DIR, discarded when the body fails (the caller commits it);
    a file system error becomes loader's one line, naming WHAT was being written."""
    try:
        staged = StagedFolder(out_dir)
    except OSError as exc:
        raise os_error(exc, f"cannot write into {out_dir}") from exc
    try:
        yield staged
    except OSError as exc:
        staged.abandon()
        raise os_error(exc, f"cannot write {what} into {out_dir}") from exc
    except BaseException:
        staged.abandon()
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

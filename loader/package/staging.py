"""Write a set of files into a folder so that it either appears whole or not at all.

Files are written into a hidden temporary folder beside the final ones (same file system,
so moving is a rename). Nothing gets a final name until every new file is complete. Then every
final name is checked (a folder in the way is refused before anything moves); the old summary
(first: a folder without a summary is an incomplete export), the files the new ones replace
and those of an earlier export the new one does not have (stale parts) are moved aside into
the temporary folder; the new files are renamed into place, the new summary last. When a
rename fails, what was moved is moved back: the earlier export is as it was. A run killed
before the commit leaves the earlier export untouched; its temporary folder is removed by the
next run.
"""

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from loader.errors import CannotRunError
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
        """Move NAMES into place, remove STALE files, then move SUMMARY into place: all of it,
        or (on an error) none of it."""
        new = [*names, summary]
        for name in new:
            self._refuse_in_the_way(name)
        self.swap(new, [summary, *(n for n in new if n != summary), *stale])
        _fsync_dir(self.out_dir)
        self.discard()

    def _refuse_in_the_way(self, name: str) -> None:
        """A folder (or a device, a socket) where NAME goes: a rename would fail on it half-way
        through the commit, so it is one line before anything moves."""
        try:
            mode = (self.out_dir / name).lstat().st_mode
        except FileNotFoundError:
            return
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise CannotRunError(
                f"{self.out_dir / name} is not a file, and {name} is to be written there: "
                f"move it out of {self.out_dir}, then run again (nothing in it was changed)"
            )

    def swap(self, new: list[str], old: list[str]) -> None:
        """Move the files OLD names out of OUT_DIR into this folder, then NEW (staged here) in,
        in these orders; on any error move back what was moved, and raise it."""
        aside = self.path / ".replaced"
        aside.mkdir()
        moved: list[str] = []
        placed: list[str] = []
        try:
            for name in dict.fromkeys(old):
                if os.path.lexists(self.out_dir / name):
                    (self.out_dir / name).replace(aside / name)
                    moved.append(name)
            for name in new:
                (self.path / name).replace(self.out_dir / name)
                placed.append(name)
        except BaseException:
            # Best effort, newest first: each step undone that can be.
            for name in reversed(placed):
                with contextlib.suppress(OSError):
                    (self.out_dir / name).unlink()
            for name in reversed(moved):
                with contextlib.suppress(OSError):
                    (aside / name).replace(self.out_dir / name)
            raise

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

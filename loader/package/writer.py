"""Write one entity's rows for one legal entity as one or more complete packages.

Each part is a complete package (manifest, header, data file) and is closed before it would
pass the size limit (measured on the zip) or the row limit. Parts are written into a folder
the caller chooses (a temporary one) under their final file names.
"""

import bisect
import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from loader.errors import LoaderError, UsageError
from loader.package import manifest
from loader.package.csv_unicode import Lines, header_bytes
from loader.package.entity import EntityDescription
from loader.package.zipstream import ZIP32_LIMIT, ZipStreamWriter, deflate_bound

# Documented limit of the package API is 256 MB; stay well below it.
DEFAULT_MAX_BYTES = 200_000_000
# zlib level 1: measured on UTF-16 CSV it is 2x faster than level 3 and 6-7x faster than
# level 6, for packages 15-20% larger; the size limit, not the ratio, decides the part count.
DEFAULT_LEVEL = 1
# Bytes after the last data write: the final deflate block (2 bytes after a sync flush).
_FINISH_RESERVE = 16
_LEGAL_ENTITY = re.compile(r"[A-Za-z0-9_-]{1,16}")
_THREADS = os.cpu_count() or 1


@dataclass(frozen=True)
class SplitLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.max_bytes <= ZIP32_LIMIT:
            raise UsageError(
                f"the size limit must be between 1 byte and 4 GiB, not {self.max_bytes}"
            )
        if self.max_rows is not None and self.max_rows < 1:
            raise UsageError(f"--max-rows must be at least 1, not {self.max_rows}")


@dataclass(frozen=True)
class PackageFile:
    """One written package file."""

    name: str
    legal_entity: str
    part: int
    rows: int
    bytes: int
    sha256: str


def package_name(entity: EntityDescription, legal_entity: str, part: int) -> str:
    return f"{entity.file_stem}_{legal_entity}_part{part:03d}.zip"


def package_name_pattern(entity: EntityDescription) -> re.Pattern[str]:
    """Matches the file names `package_name` gives for ENTITY (any legal entity and part)."""
    return re.compile(rf"{re.escape(entity.file_stem)}_[A-Za-z0-9_-]+_part\d{{3,}}\.zip")


class _Part:
    """One package being written: XML entries done, data entry open."""

    def __init__(self, path: Path, level: int, pool: ThreadPoolExecutor) -> None:
        self.path = path
        self._fp: BinaryIO = path.open("xb")
        self.zip = ZipStreamWriter(self._fp, level, pool, _THREADS)
        self.rows = 0

    def close(self) -> int:
        self.zip.finish_entry()
        self.zip.close()
        self._fp.flush()
        os.fsync(self._fp.fileno())  # complete on disk before anyone renames it into place
        self._fp.close()
        return self.zip.size

    def abort(self) -> None:
        self._fp.close()


class PackageWriter:
    """Streams rows of ENTITY for one legal entity into parts in FOLDER."""

    def __init__(
        self,
        folder: Path,
        entity: EntityDescription,
        fields: tuple[str, ...],
        legal_entity: str,
        limits: SplitLimits,
        level: int = DEFAULT_LEVEL,
    ) -> None:
        if not _LEGAL_ENTITY.fullmatch(legal_entity):
            raise LoaderError(
                f"legal entity {legal_entity!r} cannot name a package file: "
                "a DATAAREAID is letters and digits (at most 4 in F&O); fix the mart"
            )
        self._folder = folder
        self._entity = entity
        self._fields = fields
        self._legal_entity = legal_entity
        self._limits = limits
        self._level = level
        self._part: _Part | None = None
        self._header = header_bytes(fields)
        self._pool = ThreadPoolExecutor(_THREADS, thread_name_prefix="deflate")
        self.files: list[PackageFile] = []

    def write(self, lines: Lines) -> None:
        """Append LINES (CSV lines ending in CRLF, in final order) to the packages."""
        start = 0
        while start < lines.rows:
            part = self._part or self._open_part()
            stop = self._rows_that_fit(part, lines, start)
            if stop == start:
                if part.rows == 0:
                    raise LoaderError(
                        f"{self._entity.label}, legal entity {self._legal_entity}: one row does "
                        f"not fit in a package of {self._limits.max_bytes} bytes: raise the size limit"
                    )
                self._close_part()
                continue
            part.zip.write(lines.utf16(start, stop))
            part.rows += stop - start
            start = stop

    def close(self) -> list[PackageFile]:
        """Finish the open part; returns every part written (none if no row came)."""
        if self._part is not None:
            self._close_part()
        self._pool.shutdown()
        return self.files

    def abort(self) -> None:
        if self._part is not None:
            self._part.abort()
            self._part = None
        self._pool.shutdown()

    def _open_part(self) -> _Part:
        number = len(self.files) + 1
        name = package_name(self._entity, self._legal_entity, number)
        part = _Part(self._folder / name, self._level, self._pool)
        label = f"{self._entity.label}, legal entity {self._legal_entity}, part {number}"
        part.zip.add_entry(
            manifest.MANIFEST_FILE,
            manifest.manifest(name.removesuffix(".zip"), label, [(self._entity, self._fields)]),
        )
        part.zip.add_entry(manifest.HEADER_FILE, manifest.package_header(label))
        part.zip.start_entry(self._entity.data_file_name)
        part.zip.write(self._header)
        self._part = part
        return part

    def _rows_that_fit(self, part: _Part, lines: Lines, start: int) -> int:
        """The end of the longest run of rows from START that keeps the part within limits."""
        stop = lines.rows
        if self._limits.max_rows is not None:
            stop = min(stop, start + self._limits.max_rows - part.rows)
        budget = (
            self._limits.max_bytes
            - part.zip.size
            - part.zip.central_directory_size()
            - _FINISH_RESERVE
        )
        room = ZIP32_LIMIT - part.zip.entry_size  # no zip64: the data entry stays below 4 GiB

        def fits(end: int) -> bool:
            size = lines.utf16_bound(start, end)
            return deflate_bound(size) <= budget and size <= room

        if fits(stop):
            return stop
        # Near the limit: the largest prefix that still fits (bounds are monotonic in rows).
        return start + bisect.bisect_right(
            range(start + 1, stop + 1), False, key=lambda e: not fits(e)
        )

    def _close_part(self) -> None:
        assert self._part is not None
        part, self._part = self._part, None
        size = part.close()
        self.files.append(
            PackageFile(
                name=part.path.name,
                legal_entity=self._legal_entity,
                part=len(self.files) + 1,
                rows=part.rows,
                bytes=size,
                sha256=_sha256(part.path),
            )
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

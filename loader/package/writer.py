"""Write the rows of one or more entities for one legal entity as complete packages.

Each part is a complete package (a data file per entity it holds, manifest, header) and is
closed before it would pass the size limit (measured on the zip) or the row limit. Entities
are written one after another in the order given (import order): a part holds the tail of
one entity and the head of the next only where they meet, and there the manifest's levels
run the earlier one first. Parts are written into a folder the caller chooses (a temporary
one) under their final file names.

The manifest is the last entry of each part: which entities a part holds is known only when
it is closed. Its size is reserved from the start, so the limit still holds.
"""

import bisect
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from loader.errors import LoaderError, UsageError
from loader.package import manifest
from loader.package.entity import EntityDescription
from loader.package.lines import Lines
from loader.package.zipstream import ZIP32_LIMIT, ZipStreamWriter, deflate_bound, entry_overhead

# Documented limit of the package API is 256 MB; stay well below it.
DEFAULT_MAX_BYTES = 200_000_000
# zlib level 1: measured on UTF-16 CSV it is 2x faster than level 3 and 6-7x faster than
# level 6, for packages 15-20% larger; the size limit, not the ratio, decides the part count.
DEFAULT_LEVEL = 1
# Bytes after the last data write of an entry: the final deflate block (2 after a sync flush).
_FINISH_RESERVE = 16
# The longest part number a package name and description are reserved for.
_LONGEST_PART = 999_999
_LEGAL_ENTITY = re.compile(r"[A-Za-z0-9_-]{1,16}")
_THREADS = os.cpu_count() or 1


@dataclass(frozen=True)
class SplitLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.max_bytes <= ZIP32_LIMIT:  # a zip without ZIP64 holds at most 4 GiB
            limit = f"{ZIP32_LIMIT / 1_000_000:,.3f}"
            raise UsageError(
                f"--max-mb must be above 0 and at most {limit} (MB: 4 GiB), "
                f"not {self.max_bytes / 1_000_000:,g}: give a size such as the default 200"
            )
        if self.max_rows is not None and self.max_rows < 1:
            raise UsageError(f"--max-rows must be at least 1, not {self.max_rows}")


@dataclass(frozen=True)
class Content:
    """One entity's data file in a package, and the fields (columns) it holds."""

    entity: EntityDescription
    fields: tuple[str, ...]


@dataclass(frozen=True)
class EntityRows:
    label: str
    rows: int


@dataclass(frozen=True)
class PackageFile:
    """One written package file."""

    name: str
    legal_entity: str
    part: int
    rows: int
    bytes: int
    sha256: str
    entities: tuple[EntityRows, ...] = ()


class UncarriableValueError(LoaderError):
    """A value in a batch holds a character the entity's data file cannot carry."""

    def __init__(self, content: Content, legal_entity: str) -> None:
        super().__init__(
            f"{content.entity.label}, legal entity {legal_entity}: a value holds a character "
            f"that {content.entity.data_format.source_format} cannot carry"
        )
        self.content = content


def package_name(stem: str, legal_entity: str, part: int) -> str:
    return f"{stem}_{legal_entity}_part{part:03d}.zip"


def package_name_pattern(stems: Iterable[str]) -> re.Pattern[str]:
    """Matches the file names `package_name` gives for any of STEMS (any legal entity, part)."""
    alternatives = "|".join(re.escape(s) for s in sorted(stems))
    return re.compile(rf"(?:{alternatives})_[A-Za-z0-9_-]+_part\d{{3,}}\.zip")


def part_description(contents: Sequence[Content], legal_entity: str, part: int) -> str:
    labels = " and ".join(c.entity.label for c in contents)
    return f"{labels}, legal entity {legal_entity}, part {part}"


class _Part:
    """One package being written: data entries first, the XML entries when it closes."""

    def __init__(self, path: Path, number: int, level: int, pool: ThreadPoolExecutor) -> None:
        self.path = path
        self.number = number
        self._fp: BinaryIO = path.open("xb")
        self.zip = ZipStreamWriter(self._fp, level, pool, _THREADS)
        self.rows = 0
        self.contents: list[Content] = []  # in the order written
        self.entity_rows: list[int] = []
        self.entry_open = False

    def close(self) -> int:
        self.zip.close()
        self._fp.flush()
        os.fsync(self._fp.fileno())  # complete on disk before anyone renames it into place
        self._fp.close()
        return self.zip.size

    def abort(self) -> None:
        self._fp.close()


class PackageWriter:
    """Streams rows of CONTENTS for one legal entity into parts in FOLDER, named after STEM.

    Call `start(content)` before the rows of each entity (in CONTENTS order), then `write`.
    """

    def __init__(
        self,
        folder: Path,
        stem: str,
        legal_entity: str,
        contents: Sequence[Content],
        limits: SplitLimits,
        level: int = DEFAULT_LEVEL,
    ) -> None:
        if not _LEGAL_ENTITY.fullmatch(legal_entity):
            raise LoaderError(
                f"legal entity {legal_entity!r} cannot name a package file: "
                "a DATAAREAID is letters and digits (at most 4 in F&O); fix the mart"
            )
        if not contents:
            raise ValueError("a package holds at least one entity")
        self._folder = folder
        self._stem = stem
        self._legal_entity = legal_entity
        self._contents = tuple(contents)
        self._limits = limits
        self._level = level
        self._part: _Part | None = None
        self._current: Content | None = None
        self._xml_reserve = self._xml_entries_bound()
        self._pool = ThreadPoolExecutor(_THREADS, thread_name_prefix="deflate")
        self.files: list[PackageFile] = []

    def start(self, content: Content) -> None:
        """The rows that follow are CONTENT's (one of the writer's contents, in their order)."""
        if content not in self._contents:
            raise ValueError(f"{content.entity.label} is not among the writer's contents")
        if self._part is not None and self._part.entry_open:
            self._finish_entry(self._part)
        self._current = content

    def write(self, lines: Lines) -> None:
        """Append LINES (lines of the current entity, in final order) to the packages.

        Raises UncarriableValueError, writing nothing of LINES, when a value holds a character
        the entity's data format cannot carry.
        """
        content = self._current
        if content is None:
            raise ValueError("start an entity before writing its rows")
        data_format = content.entity.data_format
        if data_format.holds_forbidden(lines, len(content.fields)):
            raise UncarriableValueError(content, self._legal_entity)
        start = 0
        while start < lines.rows:
            part = self._part or self._open_part()
            stop = self._rows_that_fit(part, content, lines, start)
            if stop == start:
                if part.rows == 0:
                    # Only a size limit far below any real package gets here: the option.
                    raise UsageError(
                        f"{content.entity.label}, legal entity {self._legal_entity}: one row "
                        f"does not fit in a package of {self._limits.max_bytes} bytes: raise "
                        "the size limit (`loader export --max-mb`)"
                    )
                self._close_part()
                continue
            if not part.entry_open:
                self._open_entry(part, content)
            part.zip.write(data_format.encode(lines, start, stop))
            part.rows += stop - start
            part.entity_rows[-1] += stop - start
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
        name = package_name(self._stem, self._legal_entity, number)
        self._part = _Part(self._folder / name, number, self._level, self._pool)
        return self._part

    def _open_entry(self, part: _Part, content: Content) -> None:
        entity = content.entity
        part.zip.start_entry(entity.data_file_name)
        part.zip.write(entity.data_format.header(entity, content.fields))
        part.contents.append(content)
        part.entity_rows.append(0)
        part.entry_open = True

    def _finish_entry(self, part: _Part) -> None:
        entity = part.contents[-1].entity
        footer = entity.data_format.footer(entity)
        if footer:
            part.zip.write(footer)
        part.zip.finish_entry()
        part.entry_open = False

    def _xml_entries(self, contents: Sequence[Content], number: int) -> list[tuple[str, bytes]]:
        name = package_name(self._stem, self._legal_entity, number).removesuffix(".zip")
        description = part_description(contents, self._legal_entity, number)
        entities = [(c.entity, c.fields) for c in contents]
        return [
            (manifest.MANIFEST_FILE, manifest.manifest(name, description, entities)),
            (manifest.HEADER_FILE, manifest.package_header(description)),
        ]

    def _xml_entries_bound(self) -> int:
        """The most bytes the manifest and header of any part can take (all entities in it)."""
        return sum(
            entry_overhead(name) + deflate_bound(len(data)) + _FINISH_RESERVE
            for name, data in self._xml_entries(self._contents, _LONGEST_PART)
        )

    def _rows_that_fit(self, part: _Part, content: Content, lines: Lines, start: int) -> int:
        """The end of the longest run of rows from START that keeps the part within limits."""
        stop = lines.rows
        if self._limits.max_rows is not None:
            stop = min(stop, start + self._limits.max_rows - part.rows)
        entity = content.entity
        data_format = entity.data_format
        # Still to come besides the rows: the entry's start (unless open), its end, the XML.
        to_come = (
            self._xml_reserve
            + deflate_bound(len(data_format.footer(entity)))
            + _FINISH_RESERVE
            + (
                0
                if part.entry_open
                else entry_overhead(entity.data_file_name)
                + deflate_bound(len(data_format.header(entity, content.fields)))
            )
        )
        budget = self._limits.max_bytes - part.zip.size - part.zip.central_directory_size()
        budget -= to_come
        room = ZIP32_LIMIT - part.zip.entry_size  # no zip64: the data entry stays below 4 GiB

        def fits(end: int) -> bool:
            size = data_format.expansion * lines.utf8_size(start, end)
            return deflate_bound(size) <= budget and size <= room

        if fits(stop):
            return stop
        # Near the limit: the largest prefix that still fits (bounds are monotonic in rows).
        return start + bisect.bisect_right(
            range(start + 1, stop + 1), False, key=lambda e: not fits(e)
        )

    def _close_part(self) -> None:
        part = self._part
        assert part is not None
        if part.entry_open:
            self._finish_entry(part)
        for name, data in self._xml_entries(part.contents, part.number):
            part.zip.add_entry(name, data)
        size = part.close()
        # Only now: a part whose closing failed stays with the writer, for abort() to close.
        self._part = None
        self.files.append(
            PackageFile(
                name=part.path.name,
                legal_entity=self._legal_entity,
                part=part.number,
                rows=part.rows,
                bytes=size,
                sha256=_sha256(part.path),
                entities=tuple(
                    EntityRows(c.entity.label, n)
                    for c, n in zip(part.contents, part.entity_rows, strict=True)
                ),
            )
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

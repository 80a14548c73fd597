"""Check any data package, ours or not, without extracting it to disk.

The zip is treated as hostile: entry names are only looked at (never used as paths),
declared sizes and compression ratios are capped before anything is decompressed, every
read has a hard byte limit, and XML with a DTD or entities is refused, never expanded.
"""

import codecs
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring, iterparse  # type: ignore[import-untyped]

from loader.collation import normalized_keys, utf16_length
from loader.failures import os_error
from loader.package import manifest
from loader.package.csv_unicode import (
    CRLF,
    CSV_UNICODE,
    DELIMITER,
    FORBIDDEN_IN_FILE,
    describe_char,
)
from loader.package.entity import EntityDescription
from loader.package.xml_attribute import ROOT, XML_ATTRIBUTE, record_element
from loader.package.zipstream import ZIP32_LIMIT

_NS = "{" + manifest.NAMESPACE + "}"
_READ_CHUNK = 1 << 20
_MAX_PROBLEMS = 50  # per package: past this the rest is counted, not listed
_MAX_DUPLICATES_LISTED = 10
# A damaged zip is most often an interrupted copy or download; the mart still holds the data.
_COPY_AGAIN = "copy the package again, or export it again"
_MAX_XML_DEPTH = 32  # a package's XML is five levels deep
# PackageHeader.xml values F&O imports; older F&O exports say PackageVersion 1 and are checked
# the same way in everything else.
_HEADER_VALUES = {
    **{element: (value,) for element, value in manifest.HEADER_CONSTANTS.items()},
    "PackageVersion": (manifest.HEADER_CONSTANTS["PackageVersion"], "1"),
}
_XML_BATCH = 1 << 16  # records of an XML-Attribute data file checked together
_REFUSED_XML = {
    "DTDForbidden": "a DTD (<!DOCTYPE>)",
    "EntitiesForbidden": "an entity declaration (<!ENTITY>)",
    "ExternalReferenceForbidden": "an external reference",
    "NotSupportedError": "an XML feature a package never uses",
}


@dataclass(frozen=True)
class VerifyLimits:
    """Caps that keep a hostile zip from exhausting memory or time."""

    max_entries: int = 100
    max_xml_bytes: int = 16 << 20
    max_data_bytes: int = ZIP32_LIMIT  # what our writer can produce without zip64
    max_ratio: int = 200  # UTF-16 CSV deflates 5-20:1; a zip bomb 1000:1
    ratio_floor: int = 1 << 20  # small entries may compress any amount


@dataclass(frozen=True)
class Problem:
    where: str
    what: str


@dataclass
class Report:
    """The outcome of checking one package."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    entities: list[str] = field(default_factory=list)
    entity_rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    hidden: int = 0
    # Why the file could not be read at all (missing, a folder, no permission): nothing was
    # checked, so this is no verdict on the package.
    unreadable: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.hidden and self.unreadable is None

    def add(self, where: str, what: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(where, what))
        else:
            self.hidden += 1

    def add_unlisted(self, count: int) -> None:
        """Count COUNT more problems without describing them (past what a report lists)."""
        self.hidden += count

    def to_dict(self) -> dict[str, object]:
        return {
            "package": str(self.path),
            "ok": self.ok,
            "entities": self.entities,
            "rows": self.rows,
            "entity_rows": self.entity_rows,
            "problems": [{"where": p.where, "what": p.what} for p in self.problems],
            "problems_not_listed": self.hidden,
            "unreadable": self.unreadable,
        }

    def lines(self) -> list[str]:
        if self.ok:
            extra = f"; {'; '.join(self.notes)}" if self.notes else ""
            held = ", ".join(f"{label}: {rows:,} rows" for label, rows in self.entity_rows.items())
            return [f"{self.path}: OK ({held}{extra})"]
        out = [f"{self.path}: {p.where}: {p.what}" for p in self.problems]
        if self.hidden:
            out.append(f"{self.path}: package: {self.hidden} more problems not listed")
        return out


def verify_package(
    path: Path,
    max_lengths: Mapping[str, int] | None = None,
    limits: VerifyLimits | None = None,
    known: Sequence[EntityDescription] = (),
) -> Report:
    """Check PATH; MAX_LENGTHS overrides the field lengths of the entity descriptions.

    KNOWN describes the entities whose keys, lengths and import order are checked; any
    other entity gets every check but those.
    """
    report = Report(path)
    limits = limits or VerifyLimits()
    if path.is_dir():  # a folder stands for its zip files (cli), and this one has none
        report.unreadable = (
            f"{path}: no .zip file in this folder: name the packages, or the folder "
            "`loader export` wrote them to"
        )
        return report
    if path.exists() and not path.is_file():  # /dev/zero never ends; a FIFO blocks the read
        report.unreadable = f"{path}: not a regular file: name the package zip files"
        return report
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        report.add("file", f"not a zip file (or a damaged one): {exc}: {_COPY_AGAIN}")
        return report
    except OSError as exc:
        report.unreadable = str(os_error(exc, str(path)))
        return report
    with archive:
        _Checker(archive, report, limits, dict(max_lengths or {}), known).run()
    return report


class _Checker:
    def __init__(
        self,
        archive: zipfile.ZipFile,
        report: Report,
        limits: VerifyLimits,
        max_lengths: dict[str, int],
        known: Sequence[EntityDescription],
    ) -> None:
        self.zip = archive
        self.report = report
        self.limits = limits
        self.max_lengths = max_lengths
        self.known = {e.label.lower(): e for e in known}
        self.readable: dict[str, zipfile.ZipInfo] = {}
        # Per entity label: (ExecutionUnit, LevelInExecutionUnit) as the manifest says.
        self.placement: dict[str, tuple[str | None, int | None]] = {}
        self.unreadable_levels: set[str] = set()  # labels (lower case) whose level is no number

    def run(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_entries:
            self.report.add("zip", f"{len(infos)} entries: more than {self.limits.max_entries}")
            return
        for info in infos:
            self._check_entry(info)
        header = self._xml(manifest.HEADER_FILE, "DataManagementPackageHeader")
        if header is not None:
            self._check_header(header)
        root = self._xml(manifest.MANIFEST_FILE, "DataManagementPackageManifest")
        named = {manifest.HEADER_FILE, manifest.MANIFEST_FILE}
        if root is not None:
            named |= self._check_manifest(root)
        for name in sorted(set(self.readable) - named):
            self.report.add(name, "not named by Manifest.xml: F&O would not import it")

    # -- the zip ---------------------------------------------------------------------------

    def _check_entry(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            self.report.add(f"entry {name!r}", "unsafe path (absolute or '..'): not followed")
            return
        if info.is_dir() or len(parts) > 1:
            self.report.add(
                f"entry {name!r}",
                "inside a folder: F&O imports a flat zip only (files at the root)",
            )
            return
        if name in self.readable:
            self.report.add(f"entry {name!r}", "appears twice in the zip")
            return
        if info.flag_bits & 0x1:
            self.report.add(name, "encrypted: F&O cannot read it")
            return
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            self.report.add(name, f"compression method {info.compress_type}: use deflate")
            return
        package_xml = name in (manifest.HEADER_FILE, manifest.MANIFEST_FILE)
        cap = self.limits.max_xml_bytes if package_xml else self.limits.max_data_bytes
        if info.file_size > cap:
            self.report.add(name, f"declares {info.file_size:,} bytes, over {cap:,}: not read")
            return
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > self.limits.ratio_floor and ratio > self.limits.max_ratio:
            self.report.add(
                name,
                f"compression ratio {ratio:,.0f}:1 (over {self.limits.max_ratio}:1) looks like "
                "a zip bomb: not read",
            )
            return
        self.readable[name] = info

    def _chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes, never more than it declares; raises _UnreadableError when damaged."""
        info = self.readable[name]
        left = info.file_size
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(min(_READ_CHUNK, left + 1)):
                    left -= len(chunk)
                    if left < 0:
                        raise _UnreadableError(
                            "holds more bytes than it declares: not a package F&O or `loader "
                            "export` wrote; do not import it"
                        )
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            # Damage, most often (a method zipfile cannot read is refused before reading).
            raise _UnreadableError(f"cannot be read: {exc}: {_COPY_AGAIN}") from exc

    # -- the XML files ---------------------------------------------------------------------

    def _xml(self, name: str, root_name: str) -> Element | None:
        if name not in self.readable:
            if not any(
                p.where == f"entry {name!r}" or p.where == name for p in self.report.problems
            ):
                self.report.add(name, "missing: F&O cannot import a package without it")
            return None
        try:
            data = b"".join(self._chunks(name))
        except _UnreadableError as exc:
            self.report.add(name, str(exc))
            return None
        encoding = _bom_problem(data)
        if encoding:
            self.report.add(name, f"{encoding}: F&O writes UTF-16 LE with a byte-order mark")
        try:
            root: Element = fromstring(
                data, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
        except DefusedXmlException as exc:
            what = _REFUSED_XML.get(type(exc).__name__, "a construct defusedxml refuses")
            self.report.add(name, f"holds {what}: refused, not expanded or followed")
            return None
        except (ParseError, ValueError) as exc:
            self.report.add(name, f"not well-formed XML: {exc}")
            return None
        if root.tag != _NS + root_name:
            self.report.add(
                name, f"root element is {root.tag}, expected {root_name} in {manifest.NAMESPACE}"
            )
            return None
        self._check_order(name, root, root_name)
        return root

    def _check_order(self, name: str, root: Element, root_path: str) -> None:
        """Children in ordinal order at every level: F&O skips a member out of order, silently.

        Walked with a stack, not recursion, and only so deep: a hostile file may nest
        elements 100,000 levels deep, where a package's XML has five.
        """
        stack = [(root, root_path, 1)]
        while stack:
            element, path, depth = stack.pop()
            if depth > _MAX_XML_DEPTH and len(element):
                self.report.add(
                    name,
                    f"{root_path}: elements nested deeper than {_MAX_XML_DEPTH} levels: not read",
                )
                return
            previous = ""
            reported = False
            children = []
            for child in element:
                if not child.tag.startswith(_NS):
                    self.report.add(
                        name, f"{path}: element {child.tag} is not in {manifest.NAMESPACE}"
                    )
                    continue
                local = child.tag[len(_NS) :]
                if local < previous and not reported:
                    self.report.add(
                        name,
                        f"{path}: {local} comes after {previous}: elements must be in alphabetical "
                        "order or F&O silently ignores them",
                    )
                    reported = True
                previous = max(previous, local)
                children.append((child, f"{path}/{local}", depth + 1))
            stack.extend(reversed(children))  # depth first, in document order

    def _check_header(self, root: Element) -> None:
        values = {child.tag[len(_NS) :]: (child.text or "") for child in root}
        for element, accepted in _HEADER_VALUES.items():
            if element not in values:
                self.report.add(manifest.HEADER_FILE, f"missing element {element}")
            elif values[element].strip() not in accepted:
                expected = " or ".join(repr(value) for value in accepted)
                self.report.add(
                    manifest.HEADER_FILE, f"{element} is {values[element]!r}, expected {expected}"
                )
        version = values.get("PackageVersion", "").strip()
        if version != manifest.HEADER_CONSTANTS["PackageVersion"] and version in accepted:
            self.report.notes.append(f"PackageVersion {version}, an older F&O export")

    def _check_manifest(self, root: Element) -> set[str]:
        """Check each entity of the manifest; returns the data files it names."""
        where = manifest.MANIFEST_FILE
        entity_list = root.find(_NS + "PackageEntityList")
        entities = list(entity_list) if entity_list is not None else []
        if not entities:
            self.report.add(where, "no entity in PackageEntityList: nothing would be imported")
        named = set()
        for number, entity in enumerate(entities, 1):
            data_file = self._check_entity(number, entity)
            if data_file:
                named.add(data_file)
        self._check_import_order()
        return named

    def _check_import_order(self) -> None:
        """An entity that must wait for another in the package (details for definitions) must
        be in the same execution unit at a higher level: units run in parallel, a level
        runs only after the lower ones finished."""
        for label, (unit, level) in self.placement.items():
            description = self.known.get(label.lower())
            for first in description.import_after if description else ():
                found = next(
                    (v for k, v in self.placement.items() if k.lower() == first.lower()), None
                )
                if found is None:
                    continue
                first_unit, first_level = found
                if first_unit != unit:
                    self.report.add(
                        manifest.MANIFEST_FILE,
                        f"{label} is in ExecutionUnit {unit} and {first} in {first_unit}: units "
                        f"run in parallel, so {label} may run before {first} created its records",
                    )
                elif {label.lower(), first.lower()} & self.unreadable_levels:
                    continue  # a level that is not a number is its own problem
                elif level is None or first_level is None or level <= first_level:
                    self.report.add(
                        manifest.MANIFEST_FILE,
                        f"{label} is at LevelInExecutionUnit {level} and {first} at "
                        f"{first_level}: {label} must be at a higher level to run after {first}",
                    )

    def _check_entity(self, number: int, entity: Element) -> str | None:
        where = f"{manifest.MANIFEST_FILE} entity {number}"

        def text(tag: str) -> str | None:
            child = entity.find(_NS + tag)
            return None if child is None else (child.text or "").strip()

        label = text("EntityName")
        data_file = text("InputFilePath")
        for tag, value in (("EntityName", label), ("InputFilePath", data_file)):
            if not value:
                self.report.add(where, f"no {tag}")
        if not label or not data_file:
            return data_file
        where = f"{manifest.MANIFEST_FILE} {label}"
        description = self.known.get(label.lower())
        target = text("TargetEntity")
        if description is None and (named := self._known_target(target)) is not None:
            self.report.add(
                where,
                f"EntityName is {label!r}, not {named.label!r}, the name Data management shows "
                f"for {target}: F&O answers that the entity does not exist",
            )
            description, label = named, named.label  # checked as the entity it is
        disable = text("Disable")
        if disable is not None and disable.lower() != "false":
            self.report.add(where, f"Disable is {disable!r}: F&O skips a disabled entity")
        if description and target != description.target_entity:
            self.report.add(
                where, f"TargetEntity is {target!r}, expected {description.target_entity!r}"
            )
        level = text("LevelInExecutionUnit")
        if level and not level.isdigit():
            self.report.add(where, f"LevelInExecutionUnit is {level!r}, not a whole number")
            self.unreadable_levels.add(label.lower())
        self.placement[label] = (
            text("ExecutionUnit"),
            int(level) if level and level.isdigit() else None,
        )
        source_format = text("SourceFormat")
        if description and source_format != description.data_format.source_format:
            self.report.add(
                where,
                f"SourceFormat is {source_format!r}, expected "
                f"{description.data_format.source_format!r}",
            )
        checker = _DATA_FILE_CHECKERS.get(source_format or "")
        if checker is None:
            self.report.add(
                where,
                f"SourceFormat is {source_format!r}: only "
                f"{' and '.join(_DATA_FILE_CHECKERS)} data files are checked",
            )
            return data_file
        field_maps = self._field_maps(where, entity)
        if data_file not in self.readable:
            if not any(
                p.where == f"entry {data_file!r}" or p.where == data_file
                for p in self.report.problems
            ):
                self.report.add(
                    data_file, "named by Manifest.xml (InputFilePath) but not in the zip"
                )
            return data_file
        self.report.entities.append(label)
        keys: tuple[str, ...] = ()
        required: tuple[str, ...] = ()
        lengths = dict(self.max_lengths)
        if description:
            keys = description.key_fields
            # A package of chosen fields (`--fields`) leaves the others untouched in F&O.
            required = tuple(
                f.name for f in description.fields if f.required and f.name in field_maps
            )
            lengths = {f.name: f.max_length for f in description.fields if f.max_length}
            lengths.update({k: v for k, v in self.max_lengths.items() if k in lengths})
        else:
            self.report.notes.append(f"keys of {label} not checked: unknown entity")
        before = self.report.rows
        checks = _RowChecks(keys, lengths, required)
        try:
            checker(self, data_file, field_maps, description, checks).check()
        except _UnreadableError as exc:
            self.report.add(data_file, str(exc))
        self.report.entity_rows[label] = self.report.rows - before
        return data_file

    def _known_target(self, target: str | None) -> EntityDescription | None:
        """The known entity whose AOT name TARGET is (case-insensitively), if any."""
        return next(
            (
                e
                for e in self.known.values()
                if target and e.target_entity.lower() == target.lower()
            ),
            None,
        )

    def _field_maps(self, where: str, entity: Element) -> list[str]:
        map_list = entity.find(_NS + "EntityMapList")
        maps = list(map_list) if map_list is not None else []
        if not maps:
            self.report.add(
                where, "no field maps (EntityMapList): F&O would import nothing and report success"
            )
        fields = []
        for entity_map in maps:
            xml_field = (entity_map.findtext(_NS + "XMLField") or "").strip()
            entity_field = (entity_map.findtext(_NS + "EntityField") or "").strip()
            if not xml_field or not entity_field:
                self.report.add(where, "a field map without XMLField or EntityField")
                continue
            fields.append(xml_field)
        return fields


class _UnreadableError(Exception):
    """An entry that cannot be decompressed as declared."""


def _bom_problem(data: bytes) -> str | None:
    if data.startswith(b"\xff\xfe"):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        return "encoded UTF-8 (with BOM)"
    if data.startswith(b"\xfe\xff"):
        return "encoded UTF-16 big-endian"
    return "no UTF-16 LE byte-order mark"


class _RowChecks:
    """Lengths (UTF-16 code units), required values and unique keys of a data file's rows, a
    batch at a time."""

    def __init__(
        self, keys: tuple[str, ...], lengths: dict[str, int], required: tuple[str, ...] = ()
    ) -> None:
        self.keys = keys
        self.lengths = lengths
        self.required = required
        self.key_values: list[pa.Array] = []
        self.key_rows: list[pa.Array] = []

    def batch(
        self,
        column: Callable[[str], pa.Array | None],
        first: int,
        count: int,
        report: "_RowReport",
    ) -> None:
        """Check COUNT rows numbered from FIRST; COLUMN gives a field's values (None: absent).
        Every row that breaks a check is a problem of its own, reported in row order."""
        self._lengths(column, first, report)
        self._required(column, first, count, report)
        key_columns = [column(k) for k in self.keys]
        if self.keys and all(c is not None for c in key_columns):
            self._keys([c for c in key_columns if c is not None], first, count, report)
        report.flush()

    def _lengths(
        self, column: Callable[[str], pa.Array | None], first: int, report: "_RowReport"
    ) -> None:
        for name, limit in self.lengths.items():
            values = column(name)
            if values is None:
                continue
            lengths = utf16_length(values)  # as SQL Server stores nvarchar
            for index in report.each(pc.greater(lengths, limit)):
                report.add(
                    f"{name} {values[index].as_py()!r} is {lengths[index].as_py()} characters, "
                    f"over {limit}",
                    first + index,
                )

    def _required(
        self,
        column: Callable[[str], pa.Array | None],
        first: int,
        count: int,
        report: "_RowReport",
    ) -> None:
        for name in self.required:
            values = column(name)
            empty = (
                pa.array([True] * count)  # no row holds the field
                if values is None
                else pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True)
            )
            for index in report.each(empty):
                report.add(f"{name} is empty: F&O requires it", first + index)

    def _keys(
        self, key_columns: list[pa.Array], first: int, count: int, report: "_RowReport"
    ) -> None:
        # As F&O compares keys, and as the dbt models do (loader.collation): case-, width-
        # and kana-insensitive, spaces around ignored, canonically equivalent spellings
        # (NFC `Müller`, NFD `Mu\u0308ller`) equal. A blank key is null.
        normalized = [normalized_keys(c) for c in key_columns]
        key = (
            normalized[0]
            if len(normalized) == 1
            else pc.binary_join_element_wise(*normalized, "\x1f")
        )
        for index in report.each(pc.is_null(key)):
            report.add(f"empty key ({', '.join(self.keys)})", first + index)
        self.key_values.append(key)
        self.key_rows.append(pa.array(range(first, first + count), pa.int64()))

    def finish(self, add: Callable[[str, int | None], None], unit: str) -> None:
        """Report keys that appear more than once; UNIT names a row ("lines", "records")."""
        if not self.key_values:
            return
        keys = pa.chunked_array(self.key_values)
        counts = pc.value_counts(keys)
        repeated = counts.filter(
            pc.and_(pc.greater(counts.field("counts"), 1), pc.is_valid(counts.field("values")))
        ).field("values")
        if not len(repeated):
            return
        rows = pa.chunked_array(self.key_rows)
        for value in sorted(repeated.to_pylist())[:_MAX_DUPLICATES_LISTED]:
            found = rows.filter(pc.equal(keys, value)).to_pylist()
            shown = ", ".join(str(n) for n in found[:5])
            add(
                f"key {', '.join(self.keys)} {value!r} appears {len(found)} times (F&O compares "
                "keys case-insensitively, ignoring trailing spaces and Unicode normalisation): "
                f"{unit} {shown}",
                None,
            )
        if len(repeated) > _MAX_DUPLICATES_LISTED:
            add(f"{len(repeated) - _MAX_DUPLICATES_LISTED:,} more keys appear more than once", None)


class _RowReport:
    """Where _RowChecks reports the rows of a data file that break a check: kept until the
    batch is checked, then passed on in row order (a user fixes a file top to bottom)."""

    def __init__(self, add: Callable[[str, int | None], None], report: Report) -> None:
        self._add = add
        self.report = report
        self.found: list[tuple[int, str]] = []

    def add(self, what: str, row: int) -> None:
        self.found.append((row, what))

    def flush(self) -> None:
        for row, what in sorted(self.found, key=lambda found: found[0]):
            self._add(what, row)
        self.found.clear()

    def each(self, broken: pa.Array) -> list[int]:
        """The indexes of BROKEN's true values a report lists; the rest are only counted."""
        indexes = pc.indices_nonzero(broken)
        listed = indexes[:_MAX_PROBLEMS].to_pylist()
        self.report.add_unlisted(len(indexes) - len(listed))
        return [int(index) for index in listed]


class _DataFileChecker:
    """Checks one data file named by the manifest; UNIT names where a row is ("line" ...)."""

    unit = "row"

    def __init__(
        self,
        checker: _Checker,
        name: str,
        field_maps: list[str],
        description: EntityDescription | None,
        rows: _RowChecks,
    ) -> None:
        self.checker = checker
        self.name = name
        self.field_maps = field_maps
        self.description = description
        self.rows = rows

    def add(self, what: str, row: int | None = None) -> None:
        where = self.name if row is None else f"{self.name} {self.unit} {row}"
        self.checker.report.add(where, what)

    @property
    def row_report(self) -> _RowReport:
        return _RowReport(self.add, self.checker.report)

    def check(self) -> None:
        raise NotImplementedError


class _DataFile(_DataFileChecker):
    """Streams one CSV-Unicode data file: encoding, line ends, header, rows, keys, lengths."""

    unit = "line"
    header: list[str] | None = None
    line = 0  # lines seen so far (the header is line 1)

    def check(self) -> None:
        chunks = self.checker._chunks(self.name)
        first = next(chunks, b"")
        if len(first) < 2 or not first.startswith(b"\xff\xfe"):
            encoding = _bom_problem(first) if first else "empty file"
            self.add(f"{encoding}: CSV-Unicode needs UTF-16 LE with a byte-order mark")
            for _ in chunks:  # still read to the end: a damaged entry is reported too
                pass
            return
        decoder = codecs.getincrementaldecoder("utf-16-le")("strict")
        carry: str | None = ""
        offset = 0
        try:
            for chunk in _prepend(first[2:], chunks):
                text = (carry or "") + decoder.decode(chunk)
                offset += len(chunk)
                carry = self._lines(text)
                if carry is None:
                    for _ in chunks:
                        pass
                    return
            text = (carry or "") + decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            self.add(f"not valid UTF-16 LE near byte {offset + exc.start + 2:,}")
            return
        if text:
            self._lines(text + CRLF)  # a last line without CRLF is still a row
        self._finish()

    def _lines(self, text: str) -> str | None:
        """Check the complete lines in TEXT; returns the incomplete rest, None to stop."""
        end = text.rfind(CRLF)
        if end < 0:
            if "\n" in text or len(text) > _READ_CHUNK:
                self.add("lines do not end in CRLF (LF only?): F&O reports a wrong mapping")
                return None
            return text
        body, rest = text[:end], text[end + 2 :]
        if body.count("\n") != body.count(CRLF) or body.count("\r") != body.count(CRLF):
            position = re.search(r"\r(?!\n)|(?<!\r)\n", body)
            assert position is not None
            line = self.line + body.count(CRLF, 0, position.start()) + 1
            char = "an LF without CR" if position.group() == "\n" else "a CR without LF"
            self.add(f"{char}: lines must end in CRLF and values hold no line break", line)
            return None
        lines = body.split(CRLF)
        if self.header is None:
            self._check_header(lines[0])
            self.line = 1
            lines = lines[1:]
        self._check_rows(lines)
        return rest

    def _check_header(self, line: str) -> None:
        self.header = line.split(DELIMITER)
        lower = [f for f in self.header if f != f.upper()]
        if lower:
            self.add(f"header field {lower[0]!r} is not upper-case", 1)
        if len(set(self.header)) != len(self.header):
            self.add("header names a field twice", 1)
        missing = [f for f in self.field_maps if f not in self.header]
        unmapped = [f for f in self.header if f not in self.field_maps]
        if missing:
            self.add(f"header lacks {', '.join(missing)}, which Manifest.xml maps", 1)
        if unmapped:
            self.add(f"{', '.join(unmapped)} in the header but no field map in Manifest.xml", 1)

    def _check_rows(self, lines: list[str]) -> None:
        header = self.header
        assert header is not None
        first = self.line + 1
        self.line += len(lines)
        if not lines:
            return
        report = self.row_report
        if FORBIDDEN_IN_FILE.search(CRLF.join(lines)):  # then, and only then, line by line
            found = {
                n: hit for n, line in enumerate(lines) if (hit := FORBIDDEN_IN_FILE.search(line))
            }
            for index in report.each(pa.array([n in found for n in range(len(lines))])):
                char = describe_char(found[index].group())
                report.add(f"holds {char}, which a package cannot carry", first + index)
        rows = pa.array(lines, pa.string())
        cells = pc.split_pattern(rows, DELIMITER)
        counts = pc.list_value_length(cells)
        wrong = pc.not_equal(counts, len(header))
        if pc.any(wrong).as_py():  # the fields cannot be told apart: no further checks
            for index in report.each(wrong):
                report.add(
                    f"{counts[index].as_py()} fields where the header has {len(header)} "
                    "(a value holding the delimiter?)",
                    first + index,
                )
            report.flush()
            return

        def column(name: str) -> pa.Array | None:
            return pc.list_element(cells, header.index(name)) if name in header else None

        self.rows.batch(column, first, len(lines), report)

    def _finish(self) -> None:
        if self.header is None:
            self.add("empty data file: F&O needs a header and at least one row")
            return
        rows = self.line - 1
        if rows == 0:
            self.add("no data rows: an empty data file breaks the field mapping in F&O")
        self.checker.report.rows += rows
        self.rows.finish(self.add, "lines")


class _ChunkReader(io.RawIOBase):
    """A file object over an entry's chunks, for the XML parser."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._held = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        while not self._held:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._held = chunk
        size = min(len(buffer), len(self._held))
        buffer[:size] = self._held[:size]
        self._held = self._held[size:]
        return size


class _XmlDataFile(_DataFileChecker):
    """Streams one XML-Attribute data file: well-formed, root `Document`, one empty element
    per record named after the entity, attributes the field maps name, keys, lengths."""

    unit = "record"
    records = 0

    def check(self) -> None:
        self.mapped = set(self.field_maps)
        self.element = record_element(self.description) if self.description else None
        self.batch: list[dict[str, str]] = []
        self.reported: set[str] = set()
        self._parse()

    def _once(self, kind: str, what: str, record: int | None) -> None:
        if kind not in self.reported:
            self.reported.add(kind)
            self.add(what, record)

    def _parse(self) -> None:
        reader = io.BufferedReader(_ChunkReader(self.checker._chunks(self.name)), _READ_CHUNK)
        depth = 0
        root: Element | None = None
        try:
            for event, element in iterparse(
                reader,
                events=("start", "end"),
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=True,
            ):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        if element.tag != ROOT:
                            self.add(f"root element is {element.tag}, expected {ROOT}")
                            return
                    elif depth > 2:
                        self._once(
                            "nested",
                            f"element {element.tag} inside a record: records are empty elements",
                            self.records + 1,
                        )
                        if depth > _MAX_XML_DEPTH:
                            self.add(f"elements nested deeper than {_MAX_XML_DEPTH} levels")
                            return
                    continue
                depth -= 1
                if depth == 1:
                    self._record(element)
                    assert root is not None
                    root.clear()  # keep memory flat: the record is checked
        except DefusedXmlException as exc:
            what = _REFUSED_XML.get(type(exc).__name__, "a construct defusedxml refuses")
            self.add(f"holds {what}: refused, not expanded or followed")
            return
        except ParseError as exc:
            self.add(f"not well-formed XML (a control character XML forbids?): {exc}")
            return
        self._flush()
        if root is None:
            self.add("empty data file: F&O needs a Document with at least one record")
            return
        if self.records == 0:
            self.add("no records: an empty data file breaks the field mapping in F&O")
        self.checker.report.rows += self.records
        self.rows.finish(self.add, "records")

    def _record(self, element: Element) -> None:
        self.records += 1
        if self.element and element.tag != self.element:
            self._once(
                "element",
                f"record element {element.tag}, expected {self.element}",
                self.records,
            )
        unmapped = sorted(set(element.attrib) - self.mapped)
        if unmapped:
            self._once(
                "unmapped",
                f"attribute {', '.join(unmapped)} has no field map in Manifest.xml",
                self.records,
            )
        self.batch.append(dict(element.attrib))
        if len(self.batch) >= _XML_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        first = self.records - len(batch) + 1

        def column(name: str) -> pa.Array | None:
            if name not in self.mapped:
                return None
            return pa.array([r.get(name, "") for r in batch], pa.string())

        self.rows.batch(column, first, len(batch), self.row_report)


_DATA_FILE_CHECKERS: dict[str, type[_DataFileChecker]] = {
    CSV_UNICODE.source_format: _DataFile,
    XML_ATTRIBUTE.source_format: _XmlDataFile,
}


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest

"""One streaming pass over an extract: hash it, check it decodes, and make it UTF-8 for DuckDB.

DuckDB's CSV reader wants UTF-8. Files with a UTF-8 BOM or none are read in
place after this pass has proved they decode; UTF-16 (detected by its BOM) and
legacy code pages (`--encoding`) are transcoded to a temporary UTF-8 file.
Transcoding keeps every line break, so line numbers in the copy are the file's.
"""

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loader.errors import LoaderError

CHUNK_BYTES = 1 << 20
HEAD_CHARS = 1 << 20  # enough text to hold the header record

_ENCODING_NAMES = {
    "utf-8-sig": "utf-8 (BOM)",
    "utf-16-le": "utf-16 (LE)",
    "utf-16-be": "utf-16 (BE)",
}
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class ScannedSource:
    """What the scan learned about one extract file."""

    path: Path
    readable_path: Path  # the file itself, or its UTF-8 copy
    encoding: str
    sha256: str
    head: str  # the first HEAD_CHARS characters of text, BOM removed
    physical_lines: int  # lines in the file, not counting blank lines at its end


def _encoding_from_bom(first_bytes: bytes) -> tuple[str | None, int]:
    for bom, name in _BOMS:
        if first_bytes.startswith(bom):
            return name, len(bom)
    return None, 0


def _check_codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise LoaderError(
            f"unknown encoding {name!r}: use a Python codec name such as cp1252, latin-1 or utf-8"
        ) from None


# Files that users save by mistake under a .csv name, recognised by their first bytes.
_NOT_CSV: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"%PDF", "a PDF document"),
)


def choose_encoding(path: Path, requested: str | None) -> tuple[str, int]:
    """The file's encoding and BOM length: a BOM wins, then --encoding, then UTF-8."""
    with path.open("rb") as handle:
        first = handle.read(8)
    for signature, kind in _NOT_CSV:
        if first.startswith(signature):
            raise LoaderError(
                f"{path.name}: the file is {kind}, not CSV text; save it as CSV (UTF-8) and land again"
            )
    bom_encoding, bom_length = _encoding_from_bom(first)
    if bom_encoding:
        return bom_encoding, bom_length
    return _check_codec(requested or "utf-8"), 0


def _decode_error(
    path: Path, encoding: str, exc: UnicodeDecodeError, lines_before: int, chunk: bytes
) -> LoaderError:
    line = lines_before + chunk[: exc.start].count(b"\n") + 1
    bad = chunk[exc.start : exc.end].hex(" ")
    return LoaderError(
        f"{path.name}: line {line}: bytes {bad} are not valid {encoding}; "
        "pass the file's real encoding with --encoding (e.g. cp1252)"
    )


def _nul_error(path: Path, text: str, lines_before: int) -> LoaderError:
    position = text.index("\x00")
    line = lines_before + text.count("\n", 0, position) + 1
    if lines_before == 0 and text.count("\x00") * 3 > len(text):
        return LoaderError(
            f"{path.name}: the file looks like UTF-16 without a byte-order mark; "
            "pass --encoding utf-16-le (or utf-16-be)"
        )
    return LoaderError(
        f"{path.name}: line {line}: a NUL byte; the extract is damaged, export it again"
    )


def scan(
    path: Path,
    *,
    requested_encoding: str | None,
    temp_dir: Path,
    advance: Callable[[int], None] = lambda _n: None,
) -> ScannedSource:
    """Hash and decode the whole file once; transcode it to UTF-8 when DuckDB cannot read it as is."""
    encoding, bom_length = choose_encoding(path, requested_encoding)
    in_place = encoding in ("utf-8", "utf-8-sig")
    copy_path = temp_dir / f"{path.name}.utf8"
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    newlines = 0
    crlfs = 0  # CRLF pairs; fewer than the newlines means some lines end in LF alone
    previous_cr = False
    head_parts: list[str] = []
    head_size = 0
    tail = ""
    with (
        path.open("rb") as source,
        (
            copy_path.open("w", encoding="utf-8", newline="") if not in_place else _NullWriter()
        ) as copy,
    ):
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, encoding, exc, newlines, chunk) from None
            if "\x00" in text:
                raise _nul_error(path, text, newlines)
            newlines += text.count("\n")
            crlfs += text.count("\r\n") + (previous_cr and text.startswith("\n"))
            previous_cr = text.endswith("\r")
            if head_size < HEAD_CHARS:
                head_parts.append(text[: HEAD_CHARS - head_size])
                head_size += len(head_parts[-1])
            tail = (tail + text)[-4096:]
            copy.write(text)
            advance(len(chunk))
        try:
            copy.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc, newlines, b"") from None
    head = "".join(head_parts).removeprefix("\ufeff") if bom_length else "".join(head_parts)
    readable_path = path if in_place else copy_path
    if crlfs and newlines > crlfs:
        # Mixed CRLF and LF line ends: DuckDB's strict reader stops at the first change of
        # line end, so the records are given one line end in a copy (values stay as they are).
        unified = temp_dir / f"{path.name}.lf"
        _unify_line_ends(readable_path, unified)
        readable_path = unified
    return ScannedSource(
        path=path,
        readable_path=readable_path,
        encoding=_ENCODING_NAMES.get(encoding, encoding),
        sha256=digest.hexdigest(),
        head=head,
        physical_lines=_physical_lines(newlines, tail),
    )


def _physical_lines(newlines: int, tail: str) -> int:
    """The number of the last line with content: blank lines at the end of a file hold no record."""
    content = tail.rstrip("\r\n")
    if not content:
        return 0
    return newlines - tail[len(content) :].count("\n") + 1


def _unify_line_ends(source: Path, target: Path) -> None:
    """Copy SOURCE (UTF-8) with every CRLF outside quoted fields turned into LF.

    A quote toggles between inside and outside a quoted field (an escaped `""` toggles twice),
    so line breaks inside values are kept byte for byte; a CR without LF stays for the reader
    to report. The number of lines does not change, so line numbers hold for the copy.
    """
    inside = False
    carry = b""
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            data, carry = carry + chunk, b""
            if data.endswith(b"\r"):  # its LF may start the next chunk
                data, carry = data[:-1], b"\r"
            parts = data.split(b'"')
            for index, part in enumerate(parts):
                if index:
                    inside = not inside
                if not inside:
                    parts[index] = part.replace(b"\r\n", b"\n")
            dst.write(b'"'.join(parts))
        dst.write(carry)


class _NullWriter:
    """Stands in for the UTF-8 copy when the file is read in place."""

    def write(self, _text: str) -> int:
        return 0

    def __enter__(self) -> "_NullWriter":
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

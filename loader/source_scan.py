"""One streaming pass over an extract: hash it, count its lines, and make it UTF-8 for DuckDB.

DuckDB's CSV reader wants UTF-8. Files with a UTF-8 BOM or none are read in
place: this pass works on their bytes, and DuckDB's strict reader refuses any
invalid UTF-8 (`find_invalid_utf8` then names the bytes and their line). UTF-16
and UTF-32 (detected by their BOM) and legacy code pages (`--encoding`) are decoded here and
transcoded to a temporary UTF-8 file.
Transcoding keeps every line break, so line numbers in the copy are the file's.
"""

import codecs
import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loader.errors import LoaderError, UsageError

CHUNK_BYTES = 4 << 20  # large reads: hashing and counting run at memory speed
HEAD_CHARS = 1 << 20  # enough text to hold the header record
HEAD_BYTES = 4 * HEAD_CHARS + 3  # as many UTF-8 bytes as HEAD_CHARS characters can take, and a BOM

_ENCODING_NAMES = {
    "utf-8-sig": "utf-8 (BOM)",
    "utf-16-le": "utf-16 (LE)",
    "utf-16-be": "utf-16 (BE)",
    "utf-32-le": "utf-32 (LE)",
    "utf-32-be": "utf-32 (BE)",
}
# The UTF-32 LE mark (FF FE 00 00) starts with the UTF-16 LE one (FF FE): UTF-32 comes first.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
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
    decoded: bool  # every byte was decoded here; else DuckDB's reader checks the UTF-8
    quoted: bool  # the file holds a quote: a value may hold a line break
    physical_lines: int  # lines in the file, not counting blank lines at its end
    # Read in another encoding although every byte is UTF-8, some of them beyond ASCII: most
    # likely a UTF-8 file beside files in that encoding (--encoding applies to every file
    # it does not name).
    utf8_read_as_other: bool = False


_BYTE_ORDER_FROM_BOM = {"utf-16", "utf-32"}
# What any extract holds (letters, digits, the delimiters, quotes, CR and LF), long enough
# for an encoding of host names (idna: at most 63 characters a label) to refuse it.
_SAMPLE_TEXT = 'company,customer_number;"Name"|x\ty_z-0123456789 ABCXYZ\r\nUS01,000123,,"A, B"\n'


def _encoding_from_bom(first_bytes: bytes) -> tuple[str | None, int]:
    for bom, name in _BOMS:
        if first_bytes.startswith(bom):
            return name, len(bom)
    return None, 0


def _check_codec(name: str) -> str:
    try:
        codec = codecs.lookup(name)
    except LookupError:
        codec = None
    if codec is None or not getattr(codec, "_is_text_encoding", True):  # rot13, base64, zlib
        raise UsageError(
            f"unknown encoding {name!r}: use a Python codec name such as cp1252, latin-1 or utf-8"
        )
    if codec.name in _BYTE_ORDER_FROM_BOM:
        # Python takes the byte order from a byte-order mark, and a file with one needs no
        # --encoding: this is asked for files without one, which it cannot read.
        raise UsageError(
            f"encoding {name!r} does not say the byte order of a file without a byte-order mark: "
            f"use {codec.name}-le (most likely) or {codec.name}-be"
        )
    if not _reads_text_in_pieces(codec.name):  # punycode, idna: not encodings of a file
        raise UsageError(
            f"encoding {name!r} is not an encoding of text files: use a Python codec name "
            "such as cp1252, latin-1 or utf-8"
        )
    return codec.name


def _reads_text_in_pieces(encoding: str) -> bool:
    """Whether ENCODING gives back a sample of CSV text when fed a byte at a time, as a
    file is read in chunks."""
    try:
        data = _SAMPLE_TEXT.encode(encoding)
        decoder = codecs.getincrementaldecoder(encoding)()
        pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
        pieces.append(decoder.decode(b"", final=True))
    except (UnicodeError, ValueError, TypeError):
        return False
    return "".join(pieces) == _SAMPLE_TEXT


@dataclass(frozen=True)
class Encodings:
    """What --encoding asks for files without a byte-order mark: one encoding for every file
    (`cp1252`), and one for a named file (`target_customers.csv=utf-8`); else UTF-8."""

    default: str | None = None
    per_file: Mapping[str, str] = field(default_factory=dict)  # file name -> codec name

    @classmethod
    def parse(cls, values: Sequence[str], file_names: Collection[str]) -> "Encodings":
        """VALUES as given to --encoding; FILE_NAMES are the files a FILE= may name."""
        default: str | None = None
        per_file: dict[str, str] = {}
        given: dict[str, str] = {}  # what was typed, for the message about a second one
        for value in values:
            name, equals, encoding = value.partition("=")
            if not equals:
                name, encoding = "", value
            elif not name.strip() or not encoding.strip():
                raise UsageError(
                    f"--encoding {value}: give FILE=ENCODING, e.g. customers.csv=cp1252"
                )
            key = name.strip().lower()  # as extracts are found: case-insensitively
            if key in given:
                remedy = (
                    f"both name {key}: give one"
                    if key
                    else "give one encoding for every file, and FILE=ENCODING for a file "
                    "that differs"
                )
                raise UsageError(f"--encoding {given[key]} and --encoding {value}: {remedy}")
            if key and key not in file_names:
                raise UsageError(
                    f"--encoding {value}: {name.strip()!r} is not an extract; name one of "
                    f"{', '.join(sorted(file_names))}"
                )
            given[key] = value
            if key:
                per_file[key] = _check_codec(encoding.strip())
            else:
                default = _check_codec(encoding.strip())
        return cls(default, per_file)

    def for_file(self, file_name: str) -> str | None:
        return self.per_file.get(file_name, self.default)

    def names_file(self, file_name: str) -> bool:
        return file_name in self.per_file


# Files that users save by mistake under a .csv name, recognised by their first bytes.
_NOT_CSV: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"%PDF", "a PDF document"),
)


def choose_encoding(path: Path, requested: str | None, named: bool = False) -> tuple[str, int]:
    """The file's encoding and BOM length: a BOM wins, then --encoding, then UTF-8. Only an
    --encoding that NAMED the file wins over a UTF-8 BOM: a tool may add the mark to cp1252
    bytes, and the user who names the file has looked at it."""
    with path.open("rb") as handle:
        first = handle.read(8)
    for signature, kind in _NOT_CSV:
        if first.startswith(signature):
            raise LoaderError(
                f"{path.name}: the file is {kind}, not CSV text; save it as CSV (UTF-8) and land again"
            )
    bom_encoding, bom_length = _encoding_from_bom(first)
    if bom_encoding == "utf-8-sig" and named and requested:
        encoding = _check_codec(requested)
        if codecs.lookup(encoding).name != "utf-8":
            return encoding, bom_length  # the mark is skipped, the rest read in ENCODING
    if bom_encoding:
        return bom_encoding, bom_length
    return _check_codec(requested or "utf-8"), 0


def _decode_error(
    path: Path, encoding: str, exc: UnicodeDecodeError, lines_before: int, chunk: bytes
) -> LoaderError:
    line = lines_before + chunk[: exc.start].count(b"\n") + 1
    bad = chunk[exc.start : exc.end].hex(" ")
    where = f"{path.name}: line {line}: bytes {bad} are not valid {encoding}"
    if codecs.lookup(encoding).name == "utf-8" and _starts_with_utf8_bom(path):
        return LoaderError(
            f"{where}, though the file starts with a UTF-8 byte-order mark: if it is cp1252, "
            f"pass --encoding {path.name}=cp1252 (a file named so is read in it, the mark "
            "dropped), or save it again as UTF-8"
        )
    if codecs.lookup(encoding).name == "utf-8":
        return LoaderError(
            f"{where}; pass its real encoding, e.g. --encoding {path.name}=cp1252 (or "
            "--encoding cp1252 for every file)"
        )
    if _reads_as_utf8(chunk):  # an --encoding meant for the other files
        return LoaderError(f"{where}, but they are UTF-8: pass --encoding {path.name}=utf-8")
    return LoaderError(f"{where}: pass its real encoding, --encoding {path.name}=ENCODING")


def _starts_with_utf8_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def _reads_as_utf8(chunk: bytes) -> bool:
    try:  # not final: the chunk may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


def _nul_error(path: Path, text: str, lines_before: int) -> LoaderError:
    position = text.index("\x00")
    line = lines_before + text.count("\n", 0, position) + 1
    if lines_before == 0 and text.count("\x00") * 3 > len(text):
        return LoaderError(
            f"{path.name}: the file looks like UTF-16 without a byte-order mark; "
            f"pass --encoding {path.name}=utf-16-le (or utf-16-be)"
        )
    return LoaderError(
        f"{path.name}: line {line}: a NUL byte; the extract is damaged, export it again"
    )


def display_name(encoding: str) -> str:
    """How an encoding is reported: `utf-8 (BOM)`, `utf-16 (LE)`, `cp1252`."""
    return _ENCODING_NAMES.get(encoding, encoding)


def in_place(encoding: str) -> bool:
    """Whether DuckDB reads a file of ENCODING as it is (UTF-8, with or without BOM)."""
    return encoding in ("utf-8", "utf-8-sig")


def read_head(path: Path, bom_length: int) -> tuple[str, bool]:
    """The head of a UTF-8 file as text (BOM removed), and whether it holds a quote.

    Checked as the full scan checks it, so a damaged head is named before its header is read.
    """
    with path.open("rb") as source:
        head = source.read(HEAD_BYTES)
    if b"\x00" in head:
        raise _nul_error(path, head.decode("utf-8", "replace"), 0)
    try:
        text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, "utf-8", exc, 0, head) from None
    if bom_length:
        text = text.removeprefix("\ufeff")
    return text[:HEAD_CHARS], b'"' in head


def scan(
    path: Path,
    *,
    requested_encoding: str | None,
    temp_dir: Path,
    advance: Callable[[int], None] = lambda _n: None,
    named: bool = False,
) -> ScannedSource:
    """Hash and decode the whole file once; transcode it to UTF-8 when DuckDB cannot read it as
    is (NAMED: --encoding named the file, choose_encoding)."""
    encoding, bom_length = choose_encoding(path, requested_encoding, named)
    if in_place(encoding):
        lines, head, digest = _scan_utf8(path, bom_length, advance)
        readable_path, decoded, looks_utf8 = path, False, False
    else:
        copy_path = temp_dir / f"{path.name}.utf8"
        lines, head, digest, looks_utf8 = _transcode(
            path, encoding, copy_path, advance, skip=bom_length
        )
        readable_path, decoded = copy_path, True
    if lines.crlfs and lines.newlines > lines.crlfs:
        # Mixed CRLF and LF line ends: DuckDB's strict reader stops at the first change of
        # line end, so the records are given one line end in a copy (values stay as they are).
        unified = temp_dir / f"{path.name}.lf"
        _unify_line_ends(readable_path, unified)
        readable_path = unified
    return ScannedSource(
        path=path,
        readable_path=readable_path,
        encoding=display_name(encoding),
        sha256=digest,
        head=head,
        decoded=decoded,
        quoted=lines.quoted,
        physical_lines=lines.physical_lines(),
        utf8_read_as_other=looks_utf8,
    )


@dataclass
class _LineCount:
    """Line ends of a UTF-8 byte stream, counted chunk by chunk."""

    newlines: int = 0
    crlfs: int = 0  # CRLF pairs; fewer than the newlines means some lines end in LF alone
    previous_cr: bool = False
    tail: bytes = b""
    quoted: bool = False

    def add(self, data: bytes) -> None:
        self.newlines += data.count(b"\n")
        if b"\r" in data:  # most files hold no CR at all: skip the slower pair count
            self.crlfs += data.count(b"\r\n")
        if self.previous_cr and data.startswith(b"\n"):
            self.crlfs += 1
        self.previous_cr = data.endswith(b"\r")
        self.quoted = self.quoted or b'"' in data
        self.tail = data[-4096:] if len(data) >= 4096 else (self.tail + data)[-4096:]

    def physical_lines(self) -> int:
        """The number of the last line with content: blank lines at the end hold no record."""
        content = self.tail.rstrip(b"\r\n")
        if not content:
            return 0
        return self.newlines - self.tail[len(content) :].count(b"\n") + 1


def _scan_utf8(
    path: Path, bom_length: int, advance: Callable[[int], None]
) -> tuple[_LineCount, str, str]:
    """Hash, check and count a UTF-8 file in bytes, without decoding it.

    Line ends and NUL are single bytes in UTF-8. Only the head is decoded here: DuckDB's
    reader rejects any invalid UTF-8 in the records, and `find_invalid_utf8` then names it.
    """
    digest = hashlib.sha256()
    lines = _LineCount()
    head = b""
    with path.open("rb", buffering=0) as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            if b"\x00" in chunk:
                raise _nul_error(path, chunk.decode("utf-8", "replace"), lines.newlines)
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            lines.add(chunk)
            advance(len(chunk))
    try:
        head_text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, "utf-8", exc, 0, head) from None
    if bom_length:
        head_text = head_text.removeprefix("\ufeff")
    return lines, head_text[:HEAD_CHARS], digest.hexdigest()


def find_invalid_utf8(path: Path) -> LoaderError | None:
    """The first bytes of PATH that are not UTF-8, named with their line, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    newlines = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _decode_error(path, "utf-8", exc, newlines, chunk)
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _decode_error(path, "utf-8", exc, newlines, b"")
    return None


def _transcode(
    path: Path, encoding: str, copy_path: Path, advance: Callable[[int], None], skip: int = 0
) -> tuple[_LineCount, str, str, bool]:
    """Hash and decode a file that is not UTF-8 (after its first SKIP bytes: a byte-order
    mark), writing its UTF-8 copy for DuckDB; and whether its bytes are UTF-8 all the same,
    some beyond ASCII."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    utf8 = _Utf8Check()
    lines = _LineCount()
    head_parts: list[str] = []
    head_size = 0
    with path.open("rb") as source, copy_path.open("wb") as copy:
        digest.update(mark := source.read(skip))
        advance(len(mark))
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            utf8.add(chunk)
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, encoding, exc, lines.newlines, chunk) from None
            if "\x00" in text:
                raise _nul_error(path, text, lines.newlines)
            if head_size < HEAD_CHARS:
                head_parts.append(text[: HEAD_CHARS - head_size])
                head_size += len(head_parts[-1])
            data = text.encode("utf-8")
            lines.add(data)
            copy.write(data)
            advance(len(chunk))
        try:
            copy.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc, lines.newlines, b"") from None
    head = "".join(head_parts).removeprefix("\ufeff")
    return lines, head, digest.hexdigest(), utf8.looks_utf8()


class _Utf8Check:
    """Whether a byte stream, fed chunk by chunk, is UTF-8 with some bytes beyond ASCII."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._valid = True
        self._beyond_ascii = False

    def add(self, chunk: bytes) -> None:
        # ASCII chunks need no decoding until the first byte beyond it (which may be cut)
        if not self._valid or (not self._beyond_ascii and chunk.isascii()):
            return
        self._beyond_ascii = True
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self._valid = False

    def looks_utf8(self) -> bool:
        if not (self._valid and self._beyond_ascii):
            return False
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


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

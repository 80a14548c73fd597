"""A minimal deterministic zip writer that streams deflated entries and knows its exact size.

Why not `zipfile`: the package writer must know, before each write, how large the zip can
become, so it can close a part below the size limit; it also pins every attribute (time,
host, permissions) so the same data gives the same bytes on any machine. No zip64: an
entry and the archive stay below 4 GiB.

Deflate runs on several threads, as pigz does: each write is cut into pieces, each piece
is deflated on its own, primed with the 32 KiB before it (so the ratio is that of one
stream) and ended with a sync flush (so the pieces join into one valid stream and the file
position is the exact compressed size so far). zlib releases the GIL while it works.
"""

import struct
import zlib
from concurrent.futures import Executor
from typing import BinaryIO

ZIP32_LIMIT = 0xFFFFFFFF
# 1980-01-01 00:00:00, the earliest DOS timestamp: fixed so output does not depend on the clock.
_DOS_TIME = 0
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_VERSION = 20  # 2.0: deflate; host 0 (MS-DOS), so no Unix permission bits are written
_DEFLATED = 8
_UTF8_NAME = 0x800
_WINDOW = 32 * 1024
_MIN_PIECE = 1 << 20  # smaller pieces cost more in flush markers than threads win

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_LOCAL_SIGNATURE = 0x04034B50
_CENTRAL_SIGNATURE = 0x02014B50
_END_SIGNATURE = 0x06054B50


def deflate_bound(n: int) -> int:
    """Most bytes one write of N bytes can deflate to: stored blocks plus flush markers."""
    return n + (n >> 10) + 1024


def entry_overhead(name: str) -> int:
    """Bytes an entry named NAME takes besides its data: local header and central record."""
    return _LOCAL.size + _CENTRAL.size + 2 * len(_name_bytes(name)[0])


def _deflate(piece: memoryview, history: bytes, level: int) -> bytes:
    if history:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=history)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _name_bytes(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME


class _Entry:
    def __init__(self, name: str, offset: int) -> None:
        self.name, self.flags = _name_bytes(name)
        self.offset = offset
        self.crc = 0
        self.compressed = 0
        self.size = 0
        self.history = b""  # the last 32 KiB written, to prime the next piece


class ZipStreamWriter:
    """Write entries one after another; `size` is always the exact number of bytes written."""

    def __init__(self, fp: BinaryIO, level: int, pool: Executor | None = None, threads: int = 1):
        self._fp = fp
        self._level = level
        self._pool = pool
        self._threads = max(1, threads) if pool else 1
        self._done: list[_Entry] = []
        self._open: _Entry | None = None
        self.size = 0

    def central_directory_size(self) -> int:
        """Bytes the central directory and end record will take for the entries so far."""
        entries = [*self._done, *([self._open] if self._open else [])]
        return sum(_CENTRAL.size + len(e.name) for e in entries) + _END.size

    @property
    def entry_size(self) -> int:
        """Uncompressed bytes written to the open entry."""
        return self._open.size if self._open else 0

    def start_entry(self, name: str) -> None:
        assert self._open is None, "finish the open entry first"
        entry = _Entry(name, self.size)
        # CRC and sizes are patched in when the entry is finished (the file is seekable).
        self._write(
            _LOCAL.pack(
                _LOCAL_SIGNATURE,
                _VERSION,
                entry.flags,
                _DEFLATED,
                _DOS_TIME,
                _DOS_DATE,
                0,
                0,
                0,
                len(entry.name),
                0,
            )
            + entry.name
        )
        self._open = entry

    def write(self, data: bytes | memoryview) -> None:
        """Deflate DATA into the open entry; afterwards `size` is exact."""
        entry = self._open
        assert entry is not None, "start an entry first"
        if entry.size + len(data) > ZIP32_LIMIT:
            raise ValueError("a zip entry must stay below 4 GiB")
        view = memoryview(data)
        pieces = max(1, min(self._threads, len(data) // _MIN_PIECE))
        bounds = [len(data) * i // pieces for i in range(pieces + 1)]
        histories = [entry.history] + [
            bytes(view[max(0, lo - _WINDOW) : lo]) for lo in bounds[1:-1]
        ]
        jobs = list(zip(bounds, bounds[1:], histories, strict=False))
        if self._pool is None or pieces == 1:
            outputs = [_deflate(view[lo:hi], h, self._level) for lo, hi, h in jobs]
        else:
            futures = [
                self._pool.submit(_deflate, view[lo:hi], h, self._level) for lo, hi, h in jobs
            ]
            outputs = [f.result() for f in futures]
        entry.crc = zlib.crc32(data, entry.crc)
        entry.size += len(data)
        entry.history = (entry.history + bytes(view[-_WINDOW:]))[-_WINDOW:]
        for out in outputs:
            entry.compressed += len(out)
            self._write(out)

    def finish_entry(self) -> None:
        entry = self._open
        assert entry is not None
        final = zlib.compressobj(self._level, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
        entry.compressed += len(final)  # an empty final block ends the deflate stream
        self._write(final)
        end = self._fp.tell()
        self._fp.seek(entry.offset + 14)
        self._fp.write(struct.pack("<III", entry.crc, entry.compressed, entry.size))
        self._fp.seek(end)
        self._done.append(entry)
        self._open = None

    def add_entry(self, name: str, data: bytes) -> None:
        self.start_entry(name)
        self.write(data)
        self.finish_entry()

    def close(self) -> None:
        """Write the central directory and the end record."""
        assert self._open is None, "finish the open entry first"
        start = self.size
        for e in self._done:
            self._write(
                _CENTRAL.pack(
                    _CENTRAL_SIGNATURE,
                    _VERSION,
                    _VERSION,
                    e.flags,
                    _DEFLATED,
                    _DOS_TIME,
                    _DOS_DATE,
                    e.crc,
                    e.compressed,
                    e.size,
                    len(e.name),
                    0,  # extra field length
                    0,  # comment length
                    0,  # disk number
                    0,  # internal attributes
                    0,  # external attributes
                    e.offset,
                )
                + e.name
            )
        count = len(self._done)
        self._write(_END.pack(_END_SIGNATURE, 0, 0, count, count, self.size - start, start, 0))
        if self.size > ZIP32_LIMIT:
            raise ValueError("a zip must stay below 4 GiB")

    def _write(self, data: bytes) -> None:
        self._fp.write(data)
        self.size += len(data)

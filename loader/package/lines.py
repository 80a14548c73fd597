"""A batch of data-file lines as one Arrow string array, sliced without a Python object per row."""

import pyarrow as pa

# Unicode noncharacters XML 1.0 forbids, as UTF-8.
NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())
_NONCHARACTER_LEAD = b"\xef"
# Lines checked per copy: a few MB, so the check never holds a second copy of a batch.
_CHECKED_ROWS = 8192


class Lines:
    """Rows, each one line of UTF-8 text ending in CRLF, built by the export's query.

    Rows are sliced straight from the array's buffers: one decode/encode per slice at most.
    """

    def __init__(self, array: pa.Array) -> None:
        if pa.types.is_string_view(array.type):
            array = array.cast(pa.large_string())
        if array.null_count:
            raise ValueError("a line is NULL")
        _, offsets, data = array.buffers()
        raw = memoryview(offsets).cast("B")
        wide = pa.types.is_large_string(array.type)
        self._offsets = (raw.cast("q") if wide else raw.cast("i"))[
            array.offset : array.offset + len(array) + 1
        ]
        self._data = memoryview(data) if data is not None else memoryview(b"")
        self.rows = len(array)

    def utf8_size(self, start: int, stop: int) -> int:
        """UTF-8 bytes of rows START..STOP."""
        return self._offsets[stop] - self._offsets[start]

    def utf8(self, start: int, stop: int) -> memoryview:
        return self._data[self._offsets[start] : self._offsets[stop]]

    def utf16(self, start: int, stop: int) -> bytes:
        return str(self.utf8(start, stop), "utf-8").encode("utf-16-le")

    def holds_other_than(self, allowed: bytes, structure: bytes) -> bool:
        """Whether the batch holds bytes besides ALLOWED (a `bytes.translate` delete table)
        other than STRUCTURE on every line, or a noncharacter XML forbids. One pass, a few
        thousand lines at a time: no copy of the whole batch."""
        # The noncharacters are EF BF BE and EF BF BF: a slice without the byte EF (the lead
        # byte of U+F000-U+FFFF, rare in names and addresses) needs no search for them, so
        # nearly every slice costs one translate (searching every slice took twice as long).
        screen = allowed.translate(None, _NONCHARACTER_LEAD)
        for start in range(0, self.rows, _CHECKED_ROWS):
            stop = min(start + _CHECKED_ROWS, self.rows)
            data = bytes(self.utf8(start, stop))
            expected = structure * (stop - start)
            if data.translate(None, screen) == expected:
                continue
            if data.translate(None, allowed) != expected:
                return True
            # Cut between lines, never inside a character: a noncharacter is whole in a slice.
            if any(n in data for n in NONCHARACTERS):
                return True
        return False

"""F&O's key collation and length rule in Python, as macros/collation.sql has them for dbt.

SQL_Latin1_General_CP1_CI_AS compares Unicode text case-, width- and kana-insensitively;
lengths are UTF-16 code units (nvarchar). `loader verify` compares a package's keys and
lengths the same way the dbt models do: tests/test_collation.py checks the macro's fold
strings against this module, tests/test_properties.py its keys against the macro's.
"""

import unicodedata

import pyarrow as pa
import pyarrow.compute as pc

from loader.database import sql_literal


def _width_kana_fold() -> dict[int, str]:
    """Full- and half-width forms (U+FF01-FFEE, U+3000) to their NFKC character, hiragana to
    katakana: one character to one character."""
    fold = {}
    for code_point in [*range(0xFF01, 0xFFEF), 0x3000]:
        char = chr(code_point)
        if unicodedata.name(char, None) is None:
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded != char:
            fold[code_point] = folded
    for code_point in [*range(0x3041, 0x3097), 0x309D, 0x309E]:
        fold[code_point] = chr(code_point + 0x60)
    return fold


WIDTH_KANA_FOLD = _width_kana_fold()


def simple_upper(char: str) -> str:
    """Unicode's simple (one character to one character) upper case, as DuckDB's upper():
    a letter whose full upper case is several characters (`ŉ`, `ﬁ`) stays, but for `ß`, which
    DuckDB maps to `ẞ`, and the Greek letters with ypogegrammeni, which take their titlecase."""
    if char == "\u00df":
        return "\u1e9e"
    upper = char.upper()
    if len(upper) == 1:
        return upper
    title = char.title()
    return title if len(title) == 1 else char


class _UpperCase(dict[int, str]):
    """str.translate's table for simple_upper, filled as characters are met."""

    def __missing__(self, code_point: int) -> str:
        upper = self[code_point] = simple_upper(chr(code_point))
        return upper


_UPPER_CASE = _UpperCase()


def normalized_key(value: str | None) -> str | None:
    """The key of VALUE as F&O compares it, exactly as the `normalized_key` macro computes it:
    spaces trimmed, width and kana folded, NFC, upper-cased (simple case mapping: long s and
    dotless i give S and I, both sigmas give Σ), spaces trimmed again; blank is None.

    As in the macro, a value holding NUL is only upper-cased (DuckDB's NFC cuts at a NUL).
    tests/test_properties.py checks this function against the macro run in DuckDB.
    """
    if value is None:
        return None
    trimmed = value.strip(" ")
    if trimmed.isascii():
        return trimmed.upper() or None
    if "\x00" in trimmed:
        return trimmed.translate(_UPPER_CASE)
    folded = unicodedata.normalize("NFC", trimmed.translate(WIDTH_KANA_FOLD))
    return folded.translate(_UPPER_CASE).strip(" ") or None


def normalized_keys(values: pa.Array) -> pa.Array:
    """normalized_key of every value; ASCII values (nearly all keys) stay in Arrow."""
    trimmed = pc.utf8_trim(values, " ")
    upper = pc.ascii_upper(trimmed)
    keys = pc.if_else(pc.equal(upper, ""), pa.scalar(None, pa.string()), upper)
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if not pc.any(non_ascii).as_py():
        return keys
    others = [normalized_key(v) for v in pc.filter(values, non_ascii).to_pylist()]
    return pc.replace_with_mask(keys, non_ascii, pa.array(others, pa.string()))


def normalized_key_sql(expression: str) -> str:
    """normalized_key as a DuckDB expression: the `normalized_key` macro's DuckDB form, for
    queries loader runs itself (tests/test_properties.py holds it equal to normalized_key)."""
    # Trimmed only where there is a space: trim() copies every string (macros/text_cleaning.sql).
    trimmed = (
        f"(CASE WHEN starts_with({expression}, ' ') OR ends_with({expression}, ' ') "
        f"THEN trim({expression}, ' ') ELSE {expression} END)"
    )
    fold_from = sql_literal("".join(map(chr, WIDTH_KANA_FOLD)))
    fold_to = sql_literal("".join(WIDTH_KANA_FOLD.values()))
    return (
        f"nullif(CASE WHEN strlen({trimmed}) = length({trimmed}) "
        f"OR contains({trimmed}, chr(0)) THEN upper({trimmed}) "
        f"ELSE trim(upper(nfc_normalize(translate({trimmed}, {fold_from}, {fold_to}))), ' ') "
        "END, '')"
    )


def utf16_length(values: pa.Array) -> pa.Array:
    """Length in UTF-16 code units: a character outside the Basic Multilingual Plane counts 2."""
    supplementary = pc.count_substring_regex(values, "[\\x{10000}-\\x{10FFFF}]")
    return pc.add(pc.utf8_length(values), supplementary)

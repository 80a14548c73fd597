"""F&O's key collation and length rule in Python, as macros/collation.sql has them for dbt.

SQL_Latin1_General_CP1_CI_AS compares Unicode text width- and kana-insensitively; lengths are
UTF-16 code units (nvarchar). `loader verify` compares a package's keys and lengths the same
way the dbt models do; tests/test_collation.py checks the macro's fold strings against this.
"""

import unicodedata

import pyarrow as pa
import pyarrow.compute as pc


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


def fold_width_and_kana(values: pa.Array) -> pa.Array:
    """The values with width and kana folded; ASCII values (nearly all keys) pass untouched."""
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if not pc.any(non_ascii).as_py():
        return values
    folded = [
        value.translate(WIDTH_KANA_FOLD) if value is not None and flag else value
        for value, flag in zip(values.to_pylist(), non_ascii.to_pylist(), strict=True)
    ]
    return pa.array(folded, pa.string())


def utf16_length(values: pa.Array) -> pa.Array:
    """Length in UTF-16 code units: a character outside the Basic Multilingual Plane counts 2."""
    supplementary = pc.count_substring_regex(values, "[\\x{10000}-\\x{10FFFF}]")
    return pc.add(pc.utf8_length(values), supplementary)

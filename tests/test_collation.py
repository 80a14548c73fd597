"""The width and kana folding of `normalized_key` (macros/collation.sql) is Unicode's own.

The macro holds the fold as two strings, character for character; here they are checked
against Python's unicodedata: each folded form is the character's NFKC form (one character),
and hiragana become the katakana of the same sound.
"""

import re
import unicodedata

from loader.collation import WIDTH_KANA_FOLD
from tests.conftest import PROJECT_DIR

MACROS = (PROJECT_DIR / "macros" / "collation.sql").read_text(encoding="utf-8")


def fold_string(name: str) -> str:
    match = re.search(r"\{% macro " + name + r"\(\) -%\}\n(.*?)\n\{%- endmacro %\}", MACROS, re.S)
    assert match, name
    return match.group(1)


def expected_fold() -> dict[str, str]:
    """The fold from Unicode's own data, written out independently of loader.collation."""
    fold = {}
    for code_point in [*range(0xFF01, 0xFFEF), 0x3000]:
        char = chr(code_point)
        if unicodedata.name(char, None) is None:
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded != char:
            fold[char] = folded
    for code_point in [*range(0x3041, 0x3097), 0x309D, 0x309E]:
        hiragana = chr(code_point)
        katakana = chr(code_point + 0x60)
        assert unicodedata.name(katakana).replace("KATAKANA", "HIRAGANA") == unicodedata.name(
            hiragana
        )
        fold[hiragana] = katakana
    return fold


def test_loader_verify_folds_as_the_models_do() -> None:
    # loader verify compares package keys with the same fold as the dbt macro.
    assert {chr(k): v for k, v in WIDTH_KANA_FOLD.items()} == expected_fold()


def test_the_fold_is_nfkc_for_width_and_hiragana_to_katakana() -> None:
    source, target = fold_string("width_kana_fold_from"), fold_string("width_kana_fold_to")
    assert len(source) == len(target)
    assert dict(zip(source, target, strict=True)) == expected_fold()


def test_the_fold_covers_what_docs_promise() -> None:
    fold = dict(
        zip(fold_string("width_kana_fold_from"), fold_string("width_kana_fold_to"), strict=True)
    )
    assert "".join(fold.get(c, c) for c in "\uff21\uff22\uff23\uff11") == "ABC1"  # full-width
    assert "".join(fold.get(c, c) for c in "\uff71\u3042") == "\u30a2\u30a2"  # ｱあ = アア
    assert fold["\u3000"] == " "
    # A half-width voiced mark becomes the combining mark, which NFC composes with its letter.
    voiced = "".join(fold.get(c, c) for c in "\uff76\uff9e")  # half-width ka + voiced mark
    assert unicodedata.normalize("NFC", voiced) == "\u30ac"  # full-width ga

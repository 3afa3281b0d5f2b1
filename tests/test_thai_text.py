"""Thai spelling variants (hub/rules/thai_text.py) and the hostile-input rules (hub/rules/input_rules.py)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.rules.input_rules import json_too_deep, text_problem
from hub.rules.thai_text import collation_key, nfc, search_key

PAKNAM = "\u0e1b\u0e32\u0e01\u0e19\u0e49\u0e33"  # ปากน้ำ, the usual spelling
NAM_VARIANTS = [
    "\u0e19\u0e4d\u0e49\u0e32",  # น ํ ้ า : nikhahit, tone, sara aa ("ปากนํ้า" in the issue)
    "\u0e19\u0e49\u0e4d\u0e32",  # น ้ ํ า : tone, nikhahit, sara aa
    "\u0e19\u0e49\u0e33",  # น ้ ำ : the usual spelling
]


@pytest.mark.parametrize("nam", NAM_VARIANTS)
def test_sara_am_typed_as_nikhahit_and_sara_aa_is_the_usual_sara_am(nam):
    assert search_key("\u0e1b\u0e32\u0e01" + nam) == PAKNAM


@pytest.mark.parametrize("tone", "\u0e48\u0e49\u0e4a\u0e4b")
def test_every_tone_mark_moves_before_sara_am(tone):
    for typed in (f"\u0e01\u0e4d{tone}\u0e32", f"\u0e01{tone}\u0e4d\u0e32"):
        assert search_key(typed) == f"\u0e01{tone}\u0e33"
    assert search_key("\u0e01\u0e4d\u0e32") == "\u0e01\u0e33"  # no tone mark: กำ


def test_nfc_alone_does_not_compose_sara_am():
    """Why the module exists: NFC keeps the typed pair apart from SARA AM."""
    decomposed = "\u0e19\u0e4d\u0e49\u0e32"
    assert unicodedata.normalize("NFC", decomposed) != "\u0e19\u0e49\u0e33"
    assert nfc(decomposed) == unicodedata.normalize("NFC", decomposed)


def test_a_mark_typed_before_its_vowel_is_put_after_it():
    assert search_key("\u0e01\u0e48\u0e34") == "\u0e01\u0e34\u0e48"  # ก ่ ิ → กิ่
    assert search_key("\u0e17\u0e4c\u0e34") == "\u0e17\u0e34\u0e4c"  # thanthakhat after sara i
    assert search_key("\u0e01\u0e49\u0e38") == "\u0e01\u0e38\u0e49"  # below vowel: NFC does it


def test_text_without_thai_marks_is_only_nfc():
    assert search_key("Pak Nam") == "Pak Nam"
    assert search_key("e\u0301") == "\u00e9"
    text = "เทศบาลเมือง"
    assert nfc(text) is text  # already NFC: the same object, no copy


THAI = st.text(
    alphabet=st.sampled_from(
        "\u0e01\u0e19\u0e1b\u0e32\u0e33\u0e31\u0e34\u0e35\u0e38\u0e39\u0e47"
        "\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d a\u0301"
    ),
    max_size=30,
)


@given(THAI)
def test_search_key_is_idempotent_and_nfc(text):
    key = search_key(text)
    assert search_key(key) == key
    assert unicodedata.is_normalized("NFC", key)


@given(THAI, THAI)
def test_variants_match_inside_longer_text(prefix, suffix):
    """A search for any spelling of น้ำ finds a name holding the usual one, whatever surrounds
    it (the key of a part is a part of the key)."""
    name = search_key(prefix) + PAKNAM + search_key(suffix)
    for nam in NAM_VARIANTS:
        assert search_key("\u0e1b\u0e32\u0e01" + nam) in name


# --- hub/rules/input_rules.py ------------------------------------------------------------------------


def test_thai_words_sort_in_dictionary_order():
    # A leading vowel sorts after its consonant; tone marks only break ties; clusters first.
    dictionary = ["กก", "กลาง", "กา", "ก่า", "กาก", "เกาะ", "แก้ว", "โกง", "ใกล้", "ไก่", "ข", "ฮ"]
    shuffled = dictionary[::-1]
    assert sorted(shuffled, key=collation_key) == dictionary
    # LAO names, as a province's list shows them.
    names = ["สำโรงเหนือ", "บางพลี", "เทพารักษ์", "ปากน้ำ", "บางเมือง", "แพรกษา"]
    assert sorted(names, key=collation_key) == [
        "เทพารักษ์", "บางพลี", "บางเมือง", "ปากน้ำ", "แพรกษา", "สำโรงเหนือ",
    ]  # fmt: skip


def test_collation_puts_spelling_variants_together_and_reads_thai_digits():
    variants = ["\u0e1b\u0e32\u0e01" + nam for nam in NAM_VARIANTS]
    assert len({collation_key(v)[:2] for v in variants}) == 1
    assert sorted(["หมู่ ๑๐", "หมู่ 2", "หมู่ ๑"], key=collation_key) == ["หมู่ ๑", "หมู่ ๑๐", "หมู่ 2"]
    assert sorted(["b", "A", "a"], key=collation_key) == ["A", "a", "b"]


@given(st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)))
def test_collation_key_is_a_total_order_on_the_text(text):
    assert collation_key(text) == collation_key(search_key(text))
    assert collation_key(text)[2] == search_key(text)


def test_json_depth_counts_structure_not_text():
    assert not json_too_deep(b'{"a": [1, {"b": [2]}]}', 4)
    assert json_too_deep(b'{"a": [1, {"b": [[2]]}]}', 4)
    assert not json_too_deep(json.dumps({"q": "[" * 500 + '\\"{' * 100}).encode(), 3)
    assert json_too_deep(b"[" * 970 + b"]" * 970, 64)
    assert json_too_deep(b"[" * 65, 64)  # malformed, but deep: refused before any parser
    assert not json_too_deep(b"[" * 64 + b"]" * 64, 64)
    assert not json_too_deep("", 64)


def test_text_problems():
    assert text_problem("ปากน้ำ") is None
    assert text_problem("a\x00b").code == "NUL_CHARACTER"
    assert text_problem("\ud800").code == "LONE_SURROGATE"
    assert text_problem("a\udfffb").code == "LONE_SURROGATE"
    assert text_problem("\U0001f600") is None  # a real pair decoded by the JSON parser

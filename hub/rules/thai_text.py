"""Thai text as people type it: one form for storing, one spelling for searching.

Pure functions, no I/O.

* `nfc(text)`: Unicode NFC, the form every string the hub accepts is stored in.
* `search_key(text)`: NFC plus the usual spelling of the variants Thai keyboards and OCR
  produce, which look the same on screen but differ in code points, so that a search for
  "ปากนํ้า" finds "ปากน้ำ".
* `collation_key(text)`: a sort key in Thai dictionary order, for lists people read.

NFC is not enough for Thai. SARA AM (ำ, U+0E33) has only a *compatibility* decomposition
into NIKHAHIT + SARA AA (ํ + า, U+0E4D U+0E32), so NFC keeps the typed pair apart from the
usual single character; and NIKHAHIT's combining class is 0, so NFC does not reorder it
around a tone mark either: "นํ้า" (U+0E19 U+0E4D U+0E49 U+0E32), "น้ํา" (U+0E19 U+0E49
U+0E4D U+0E32) and "น้ำ" (U+0E19 U+0E49 U+0E33) are three NFC strings. The usual spelling
puts the tone mark first and SARA AM after it. Likewise the upper vowels (ั ิ ี ึ ื) have
combining class 0, so a tone mark or THANTHAKHAT typed before the vowel it sits on ("ก่ิ")
stays there under NFC; the usual spelling has the vowel first ("กิ่"). NFC itself already
orders the below vowels (ุ ู, class 103) before the tone marks (class 107).
"""

from __future__ import annotations

import re
import unicodedata

NIKHAHIT = "\u0e4d"
SARA_AA = "\u0e32"
SARA_AM = "\u0e33"
TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"  # mai ek, mai tho, mai tri, mai chattawa
THANTHAKHAT = "\u0e4c"
UPPER_VOWELS = "\u0e31\u0e34\u0e35\u0e36\u0e37"  # mai han-akat, sara i, ii, ue, uee
BELOW_VOWELS = "\u0e38\u0e39\u0e3a"  # sara u, uu, phinthu
MAITAIKHU = "\u0e47"

# NIKHAHIT, an optional tone mark, SARA AA  →  the tone mark, SARA AM.
_DECOMPOSED_SARA_AM = re.compile(f"{NIKHAHIT}([{TONE_MARKS}]?){SARA_AA}")
# Two or more marks on one consonant: vowels (and NIKHAHIT) go before tone marks.
_MARK_RUN = re.compile(
    f"[{UPPER_VOWELS}{BELOW_VOWELS}{MAITAIKHU}{NIKHAHIT}{TONE_MARKS}{THANTHAKHAT}]{{2,}}"
)
_TONE_RANK = frozenset(TONE_MARKS + THANTHAKHAT)
_THAI_MARKS = frozenset(NIKHAHIT + TONE_MARKS + THANTHAKHAT)
# A leading vowel (เ แ โ ใ ไ) written before the consonant it is pronounced after.
_LEADING_VOWEL = re.compile("([\u0e40-\u0e44])([\u0e01-\u0e2e])")
# Marks a dictionary ignores until two words are otherwise equal: tone marks, THANTHAKHAT,
# MAITAIKHU, NIKHAHIT, YAMAKKAN, and the repetition and abbreviation signs ๆ ฯ.
_SECONDARY = str.maketrans("", "", "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e\u0e46\u0e2f")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def nfc(text: str) -> str:
    """`text` in Unicode NFC (the same object when it already is, which is the usual case)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def search_key(text: str) -> str:
    """`text` in the spelling names are stored in: NFC, SARA AM composed, vowel before mark.

    Idempotent; a string without Thai marks comes back as its NFC form.
    """
    text = nfc(text)
    if _THAI_MARKS.isdisjoint(text):
        return text
    text = _compose_sara_am(text)
    # A stable sort within each run of marks: linear in the text (runs are short), unlike
    # repeated pairwise swaps, and the result is the same whatever order the marks came in.
    text = _MARK_RUN.sub(lambda m: "".join(sorted(m.group(), key=_TONE_RANK.__contains__)), text)
    return _compose_sara_am(text)


def _compose_sara_am(text: str) -> str:
    return _DECOMPOSED_SARA_AM.sub(lambda m: m.group(1) + SARA_AM, text)


def collation_key(text: str) -> tuple[str, str, str]:
    """A key sorting Thai text in dictionary order (the Royal Institute's), for lists.

    Code point order is almost Thai order: the consonants ก–ฮ, then the vowels ะ ั า ำ ิ ี ึ ื ุ ู
    and เ แ โ ใ ไ, come in their dictionary sequence. Two things differ, and the key fixes
    them: a leading vowel is written before the consonant but sorted after it ("ไก่" after
    "กา", both under ก), and tone marks and the like only break ties ("กา" < "ก่า" < "กาก").
    Thai digits sort as digits; Latin letters regardless of case. Spelling variants sort
    together (`search_key` first). The last element, the text itself, keeps the order total.
    """
    usual = search_key(text)
    swapped = _LEADING_VOWEL.sub(r"\2\1", usual).translate(_THAI_DIGITS)
    return (swapped.translate(_SECONDARY).casefold(), swapped, usual)

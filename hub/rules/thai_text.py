"""Thai text as people type it: one form for storing, one spelling for searching.

Pure functions, no I/O.

* `nfc(text)`: Unicode NFC, the form every string the hub accepts is stored in.
* `search_key(text)`: NFC plus the usual spelling of the variants Thai keyboards and OCR
  produce, which look the same on screen but differ in code points, so that a search for
  "ปากนํ้า" finds "ปากน้ำ".

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

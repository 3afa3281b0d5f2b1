"""Rules for hostile input, checked before anything else reads it. Pure functions, no I/O.

* `json_too_deep(data, max_depth)`: whether JSON text nests arrays/objects deeper than
  `max_depth`. Python's `json` parser recurses once per level and raises RecursionError
  (a 500) at ~1,000 levels; a body or a token segment is checked with this first. The
  check is a scan of the bytes, not a parse, so it cannot recurse either.
* `text_problem(value)`: why a string can never be stored or compared: a NUL character
  (PostgreSQL text cannot hold one) or a lone surrogate (not Unicode text: no UTF-8
  encoding exists, so neither database driver can send it).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# A JSON string literal, escapes included: its brackets are text, not structure.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_too_deep(data: bytes | str, max_depth: int) -> bool:
    """Whether arrays and objects in `data` nest more than `max_depth` levels.

    Malformed JSON is not this function's concern (the parser refuses it); whatever the
    input, the answer comes from one linear pass.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # Fewer brackets than the limit cannot nest deeper than it: the usual case, at C speed.
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", raw))
    return max(itertools.accumulate(_STEP[b] for b in brackets), default=0) > max_depth


@dataclass(frozen=True)
class TextProblem:
    """What is wrong with a string, for the caller: a code and messages in English and Thai."""

    code: str
    message: str
    message_th: str


NUL_CHARACTER = TextProblem(
    "NUL_CHARACTER",
    "contains a NUL character (U+0000), which text cannot hold",
    "มีอักขระ NUL (U+0000) ซึ่งไม่อนุญาตในข้อความ",
)
LONE_SURROGATE = TextProblem(
    "LONE_SURROGATE",
    "contains an unpaired surrogate (U+D800–U+DFFF), which is not valid Unicode text",
    "มีอักขระ surrogate ที่ไม่มีคู่ (U+D800–U+DFFF) ซึ่งไม่ใช่ข้อความยูนิโค้ดที่ถูกต้อง",
)


def text_problem(value: str) -> TextProblem | None:
    """Why `value` cannot be accepted as text, or None when it can."""
    if "\x00" in value:
        return NUL_CHARACTER
    if not value.isascii() and _LONE_SURROGATE.search(value):
        return LONE_SURROGATE
    return None


TOO_LONG = "TOO_LONG"


def too_long(length: int, max_length: int) -> TextProblem:
    return TextProblem(
        TOO_LONG,
        f"is {length:,} characters long; at most {max_length:,} are accepted",
        f"ยาว {length:,} ตัวอักษร เกินกว่าที่รับได้ ({max_length:,} ตัวอักษร)",
    )

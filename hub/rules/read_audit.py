"""The read audit (PDPA): what a caller declares about a read of personal data.

A caller may say why it reads (`X-Purpose`) and for which officer (`X-Calling-Officer`, or the
REST face's GDX header `X-Officer-Id` when that is absent, as DGA's GDX gateway asks every call
to name the officer it is made for). Both are recorded with
the read, as the caller gave them, never checked: they are the caller's word, kept so an
LAO can ask who read its people and why. A header is kept within its column (longer text is
cut, marked with "…") and without control characters (PostgreSQL cannot store a NUL, and a
line break would let a caller forge the look of another entry when the log is printed).

Who may read an LAO's audit is `hub.rules.permissions.can_read_personal_reads`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PURPOSE_HEADER = "x-purpose"
OFFICER_HEADER = "x-calling-officer"
GDX_OFFICER_HEADER = "x-officer-id"  # hub.rules.declared_caller.OFFICER_HEADER, lower-case
MAX_PURPOSE = 500
MAX_OFFICER = 255


@dataclass(frozen=True)
class Declared:
    """What the caller declared about its reads: why, and for whom."""

    purpose: str | None = None
    calling_officer: str | None = None


NOTHING_DECLARED = Declared()


def clean(value: str | None, limit: int) -> str | None:
    """A declared header as it is kept: control characters become spaces, surrounding
    space goes, at most `limit` characters (the last one "…" when cut); empty is None."""
    if value is None:
        return None
    text = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value).strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def declared(headers: Mapping[str, str]) -> Declared:
    """What a request's headers (lower-case names) declare."""
    return Declared(
        purpose=clean(headers.get(PURPOSE_HEADER), MAX_PURPOSE),
        calling_officer=clean(
            headers.get(OFFICER_HEADER) or headers.get(GDX_OFFICER_HEADER), MAX_OFFICER
        ),
    )

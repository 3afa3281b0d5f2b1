"""The LAO registry as dated history: what an LAO was on a day, and which changes DLA may record.

Pure rules, no I/O (`hub.services.lao_registry` reads and writes; `schema.lao` reads).

An LAO's code, type and name are each a list of half-open periods `[valid_from, valid_to)`
(DOMAIN.md "Geography and organisations": SAOs are upgraded and re-coded, so type and code
are dated data). A change DLA records closes the attribute's open period on the change's
effective date and opens the new one there. History is only ever *extended*: a change must
take effect after the attribute's last change (an earlier date would rewrite what readers
already saw as of that day, and could not be told apart from a correction), and no later
than today (the current columns `laos.code/type/name_th` must hold today's values, which
they could not for a change still ahead). A merger ends every period of the absorbed LAO on
its date; the absorbed LAO stays readable, as merged into its successor, and records no
further change.

Which refusals: only DLA administrators keep the registry (`keeper_refusal`); an unknown
LAO is `NotFound` (the service's); bad input is `InvalidInput` naming the argument (a code
not of 7 digits, a type not above the current one, a date ahead); a change that contradicts
the history is `RegistryConflict` whose one error names the argument and the reason:
`DATE_CONFLICT`, `CODE_TAKEN`, `MERGED`, `UNCHANGED`, `SAME_LAO`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from hub.rules import permissions
from hub.rules.enums import LaoType
from hub.rules.identity import Identity
from hub.rules.problems import Forbidden, InvalidInput, RegistryConflict, invalid
from hub.rules.thai_text import search_key
from hub.rules.validation import FieldError

T = TypeVar("T")

# The start of an LAO whose history carries no date at all (an LAO loaded without periods).
SINCE_ALWAYS = dt.date(1900, 1, 1)
NAME_LIMIT = 200  # characters of `laos.name_th` / `name_en`

# The municipal ladder an LAO climbs (an SAO may skip a rung: a large one becomes a town
# municipality directly). PAOs, Bangkok and Pattaya are fixed by their own acts.
LADDER: tuple[LaoType, ...] = (
    LaoType.SAO,
    LaoType.SUBDISTRICT_MUNICIPALITY,
    LaoType.TOWN_MUNICIPALITY,
    LaoType.CITY_MUNICIPALITY,
)


@dataclass(frozen=True)
class Period(Generic[T]):
    """One value of an attribute and when it held: `[valid_from, valid_to)`."""

    value: T
    valid_from: dt.date
    valid_to: dt.date | None  # exclusive; None while current


def value_as_of(periods: Sequence[Period[T]], on: dt.date) -> T | None:
    """The value as it stood on `on`: the latest period begun by then (None before the first).

    After a merger the last period has ended; the absorbed LAO still reads as what it last
    was (with its merger beside it), so an ended period keeps answering."""
    found: T | None = None
    for period in sorted(periods, key=lambda p: p.valid_from):
        if period.valid_from <= on:
            found = period.value
    return found


def history_start(*histories: Sequence[Period[Any]]) -> dt.date | None:
    """The first day of an LAO's known history (its earliest period of any attribute)."""
    return min((p.valid_from for h in histories for p in h), default=None)


def names_or_current(
    periods: Sequence[Period[T]], current: T, start: dt.date | None
) -> list[Period[T]]:
    """An LAO's name periods; without any (names were not dated before the registry kept
    them), its current name over its whole known history (from `start`, else always)."""
    if periods:
        return list(periods)
    return [Period(current, start or SINCE_ALWAYS, None)]


def latest_start(periods: Sequence[Period[T]]) -> dt.date | None:
    """The day the attribute last changed (the open period's start), None without history."""
    return max((p.valid_from for p in periods), default=None)


def keeper_refusal(identity: Identity) -> Forbidden | None:
    """Recording an LAO's type, code, name or merger: DLA administrators only
    (`hub.rules.permissions.can_keep_registry`)."""
    if permissions.can_keep_registry(identity):
        return None
    return Forbidden(
        "Only DLA administrators record changes to the LAO registry.",
        "เฉพาะผู้ดูแลระบบ สถ. เท่านั้นที่บันทึกการเปลี่ยนแปลงทะเบียน อปท. ได้",
    )


def conflict(field: str, reason: str, message_en: str, message_th: str) -> RegistryConflict:
    """A `RegistryConflict` about one argument, `reason` one of the module docstring's."""
    return RegistryConflict(
        f"{field}: {message_en}",
        f"{field}: {message_th}",
        errors=[FieldError(field, reason, message_en, message_th)],
    )


def effective_date_problem(
    effective_on: dt.date, last_change: dt.date | None, today: dt.date
) -> InvalidInput | RegistryConflict | None:
    """`effectiveOn` must be no later than today and after the attribute's last change."""
    if effective_on > today:
        return invalid(
            "effectiveOn",
            "IN_THE_FUTURE",
            f"{effective_on.isoformat()} is after today ({today.isoformat()}): record a change "
            "once it has taken effect",
            f"วันที่ {effective_on.isoformat()} ยังมาไม่ถึง (วันนี้ {today.isoformat()}) ให้บันทึกเมื่อมีผลแล้ว",
        )
    if last_change is not None and effective_on <= last_change:
        return conflict(
            "effectiveOn",
            "DATE_CONFLICT",
            f"must be after the LAO's last recorded change of it ({last_change.isoformat()})",
            f"ต้องเป็นวันหลังการเปลี่ยนแปลงครั้งล่าสุดที่บันทึกไว้ ({last_change.isoformat()})",
        )
    return None


def merged_problem(merged_on: dt.date | None, field: str = "laoCode") -> RegistryConflict | None:
    """An LAO merged into another records no further change."""
    if merged_on is None:
        return None
    return conflict(
        field,
        "MERGED",
        f"the LAO was merged into another on {merged_on.isoformat()}",
        f"อปท. นี้ถูกรวมเข้ากับ อปท. อื่นแล้วเมื่อ {merged_on.isoformat()}",
    )


def type_change_problem(current: LaoType, new: LaoType) -> InvalidInput | RegistryConflict | None:
    """A type change climbs the municipal ladder: SAO → subdistrict → town → city municipality."""
    if new is current:
        return conflict(
            "newType",
            "UNCHANGED",
            f"the LAO already is a {new.label_en}",
            f"อปท. เป็น{new.label_th}อยู่แล้ว",
        )
    if current not in LADDER or new not in LADDER or LADDER.index(new) < LADDER.index(current):
        return invalid(
            "newType",
            "NOT_AN_UPGRADE",
            f"a {current.label_en} cannot become a {new.label_en}: types only climb SAO → "
            "subdistrict → town → city municipality",
            f"{current.label_th}เปลี่ยนเป็น{new.label_th}ไม่ได้ ประเภทเปลี่ยนได้เฉพาะ อบต. → "
            "เทศบาลตำบล → เทศบาลเมือง → เทศบาลนคร",
        )
    return None


def code_problem(
    code: str, lao_type: LaoType, province_code: str, field: str
) -> InvalidInput | None:
    """DLA's code: 7 digits, the first the type's, the next two the province's (DOMAIN.md)."""
    if not re.fullmatch(r"\d{7}", code):
        return invalid(field, "INVALID", "a DLA code is 7 digits", "รหัส อปท. ต้องเป็นตัวเลข 7 หลัก")
    digit = lao_type.code_digit
    if digit is not None and code[0] != digit:
        return invalid(
            field,
            "WRONG_TYPE_DIGIT",
            f"a {lao_type.label_en}'s code starts with {digit}",
            f"รหัสของ{lao_type.label_th}ขึ้นต้นด้วย {digit}",
        )
    if code[1:3] != province_code:
        return invalid(
            field,
            "WRONG_PROVINCE",
            f"digits 2–3 must be the province's code, {province_code}",
            f"หลักที่ 2–3 ต้องเป็นรหัสจังหวัด {province_code}",
        )
    return None


def clean_name(raw: str | None, field: str) -> tuple[str | None, InvalidInput | None]:
    """A name in the spelling names are stored and searched in (`search_key`), or the
    problem with it; None stays None (no English name)."""
    if raw is None:
        return None, None
    name = search_key(" ".join(raw.split()))
    if not name:
        return None, invalid(field, "REQUIRED", "a name is required", "ต้องระบุชื่อ")
    if len(name) > NAME_LIMIT:
        return None, invalid(
            field,
            "TOO_LONG",
            f"at most {NAME_LIMIT} characters",
            f"ไม่เกิน {NAME_LIMIT} ตัวอักษร",
        )
    return name, None

"""Transferred missions (INFO phase 2, seed 004): what a record and a catalogue entry may hold,
when DLA may change or retire a catalogue mission, and what the budget roll-ups count.

* A record's figures: budget and the value of the assets in baht (not negative), staff
  transferred (0–100,000), the date received (a past date after 1990), free text of at most
  2,000 characters.
* DLA's catalogue: a code (≤ 20 characters) and a Thai name (≤ 300) are required, an English
  name is at most 300. A retired mission stays in the catalogue as it was when retired: it is
  neither edited nor recorded by an LAO again (the records an LAO already holds stay, with
  their history); retiring needs a reason and a date not in the future.
* Roll-ups for budget allocation (seed 004:26, "ประกอบการพิจารณาจัดสรรงบประมาณ") count the
  missions LAOs hold: records ACTIVE or CHANGED, not CANCELLED (unless asked to include
  them). Per group: the records, the distinct LAOs and missions, the sums of budget, staff
  and asset value, and how many records state each (an unknown figure is not a zero).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hub.rules.enums import MissionStatus
from hub.rules.problems import InvalidState, ReasonRequired, Refusal, invalid
from hub.rules.validation import FieldError

TEXT_MAX_LENGTH = 2000
STAFF_MAX = 100_000
EARLIEST_RECEIVED = dt.date(1990, 1, 1)
CODE_MAX_LENGTH = 20
NAME_MAX_LENGTH = 300
# Records counted by the roll-ups: the missions LAOs hold now.
HELD_STATUSES = (MissionStatus.ACTIVE, MissionStatus.CHANGED)


def record_problems(values: Mapping[str, Any], today: dt.date) -> list[FieldError]:
    """Every invalid figure of a mission record's `values` (by column name), by API path."""
    errors = []
    for column, api, label_th in (
        ("budget_baht", "budgetBaht", "งบประมาณ"),
        ("asset_value_baht", "assetValueBaht", "มูลค่าทรัพย์สิน"),
    ):
        amount = values.get(column)
        if amount is not None and amount < 0:
            errors.append(
                FieldError(
                    f"mission.{api}",
                    "OUT_OF_RANGE",
                    f"{api}: cannot be negative",
                    f"{label_th}: ต้องไม่ติดลบ",
                )
            )
    staff = values.get("staff_transferred")
    if staff is not None and not 0 <= staff <= STAFF_MAX:
        errors.append(
            FieldError(
                "mission.staffTransferred",
                "OUT_OF_RANGE",
                "Staff transferred: must be 0–100,000",
                "บุคลากร: ต้องอยู่ระหว่าง 0 ถึง 100,000",
            )
        )
    received = values.get("received_on")
    if received is not None and not EARLIEST_RECEIVED <= received <= today:
        errors.append(
            FieldError(
                "mission.receivedOn",
                "OUT_OF_RANGE",
                "Received on: must be a past date after 1990",
                "วันที่รับถ่ายโอน: ต้องเป็นวันที่ที่ผ่านมาแล้วหลังปี 2533",
            )
        )
    for name in ("assets", "note"):
        if values.get(name) is not None and len(values[name]) > TEXT_MAX_LENGTH:
            errors.append(
                FieldError(
                    f"mission.{name}",
                    "TOO_LONG",
                    f"{name}: at most 2,000 characters",
                    f"{name}: ไม่เกิน 2,000 ตัวอักษร",
                )
            )
    return errors


def catalogue_problems(values: Mapping[str, Any], *, code: str | None = None) -> list[FieldError]:
    """Every invalid field of a catalogue entry: `code` when adding, and the given `name_th`
    (required when present) and `name_en`."""
    errors = []
    if code is not None and (not code.strip() or len(code.strip()) > CODE_MAX_LENGTH):
        errors.append(
            FieldError(
                "mission.code",
                "REQUIRED",
                f"Code: 1–{CODE_MAX_LENGTH} characters required",
                f"รหัสภารกิจ: ต้องระบุ 1–{CODE_MAX_LENGTH} ตัวอักษร",
            )
        )
    if "name_th" in values:
        name = values["name_th"]
        if not name or len(name) > NAME_MAX_LENGTH:
            errors.append(
                FieldError(
                    "mission.nameTh",
                    "REQUIRED",
                    f"Thai name: 1–{NAME_MAX_LENGTH} characters required",
                    f"ชื่อภารกิจ: ต้องระบุ 1–{NAME_MAX_LENGTH} ตัวอักษร",
                )
            )
    name_en = values.get("name_en")
    if name_en is not None and len(name_en) > NAME_MAX_LENGTH:
        errors.append(
            FieldError(
                "mission.nameEn",
                "TOO_LONG",
                f"English name: at most {NAME_MAX_LENGTH} characters",
                f"ชื่อภาษาอังกฤษ: ไม่เกิน {NAME_MAX_LENGTH} ตัวอักษร",
            )
        )
    return errors


def retired_refusal(code: str, retired_on: dt.date | None, doing_en: str) -> Refusal | None:
    """A retired catalogue mission is kept as it was: `doing_en` ("edited", "recorded",
    "retired again") is refused."""
    if retired_on is None:
        return None
    return InvalidState(
        f"Mission {code} was retired from the catalogue on {retired_on}: it cannot be {doing_en}.",
        f"ภารกิจ {code} ถูกยกเลิกจากบัญชีเมื่อวันที่ {retired_on} แล้ว",
    )


def retirement_refusal(reason: str | None, retired_on: dt.date, today: dt.date) -> Refusal | None:
    """Why a catalogue mission cannot be retired with this reason on this date, or None."""
    if reason is None or not reason.strip():
        return ReasonRequired(
            "A reason is required to retire a catalogue mission.",
            "ต้องระบุเหตุผลการยกเลิกภารกิจจากบัญชี",
        )
    if len(reason) > TEXT_MAX_LENGTH:
        return invalid("reason", "TOO_LONG", "at most 2,000 characters", "ไม่เกิน 2,000 ตัวอักษร")
    if not EARLIEST_RECEIVED <= retired_on <= today:
        return invalid(
            "retiredOn",
            "OUT_OF_RANGE",
            "must be a date after 1990 and not in the future",
            "ต้องเป็นวันที่หลังปี 2533 และไม่เกินวันนี้",
        )
    return None

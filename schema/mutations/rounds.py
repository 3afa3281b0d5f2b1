"""Rounds: DLA opens KPI-16 and missions rounds, changes any round's dates and gives a
province its own deadlines; an LAO's staff confirm their missions checked in a missions
round (`hub.services.rounds`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from hub.rules import rounds as rules
from hub.rules.enums import RoundKind as RoundKindEnum
from hub.services import rounds
from schema.context import Info
from schema.enums import RoundKind
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    NotFound,
    RoundNotOpen,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)
from schema.rounds import Round


@strawberry.input(
    description="กำหนดการของรอบ — a round's dates: opening ≤ deadline ≤ district's ≤ "
    "province's ≤ closing (the optional ones where given)."
)
class RoundDatesInput:
    opens_on: dt.date = strawberry.field(description="วันเปิดรอบ.")
    deadline: dt.date = strawberry.field(description="กำหนดส่งของ อปท.")
    district_deadline: dt.date | None = strawberry.field(
        default=None, description="กำหนดส่งของอำเภอ (KPI 16)."
    )
    province_deadline: dt.date | None = strawberry.field(
        default=None, description="กำหนดของจังหวัด (INFO: province certification; KPI 16: report)."
    )
    closes_on: dt.date | None = strawberry.field(
        default=None,
        description="วันปิดรอบ; an INFO round closes with its fiscal year (closeFiscalYear).",
    )

    def dates(self) -> rules.RoundDates:
        return rules.RoundDates(
            self.opens_on,
            self.deadline,
            self.district_deadline,
            self.province_deadline,
            self.closes_on,
        )


@strawberry.input(
    description="กำหนดของจังหวัด — a province's own deadlines; null keeps the round's, all null "
    "removes the province's own."
)
class ProvinceDeadlinesInput:
    deadline: dt.date | None = None
    district_deadline: dt.date | None = None
    province_deadline: dt.date | None = None


@strawberry.type(description="บันทึกรอบแล้ว — the round as it now stands.")
class RoundSaved:
    round: Round


@strawberry.type(
    description="ยืนยันการตรวจสอบภารกิจแล้ว — the LAO's missions are checked in the round."
)
class MissionsChecked:
    round_id: int
    lao_code: str
    at: dt.datetime = strawberry.field(description="ยืนยันเมื่อ — when it was (first) confirmed.")
    already_confirmed: bool = strawberry.field(
        description="ยืนยันไว้ก่อนแล้ว — true when it had been confirmed before (nothing changed)."
    )


RoundResult = Annotated[
    RoundSaved | Forbidden | NotFound | VersionConflict | ValidationFailed | FiscalYearClosed,
    strawberry.union("RoundResult"),
]
MissionsCheckResult = Annotated[
    MissionsChecked | Forbidden | NotFound | ValidationFailed | RoundNotOpen,
    strawberry.union("MissionsCheckResult"),
]


@strawberry.mutation(
    description="เปิดรอบ — DLA opens a KPI-16 or transferred-missions round (an INFO round opens "
    "with its fiscal year). The fiscal year defaults to the one the opening falls in, the "
    "number to the next of that year."
)
@answers_refusals
async def open_round(
    info: Info,
    kind: RoundKind,
    dates: RoundDatesInput,
    fiscal_year: int | None = None,
    number: int | None = None,
    letter_reference: str | None = None,
) -> RoundResult:
    opened = await rounds.open_round(
        info.context.write_engine,
        info.context.identity,
        kind=RoundKindEnum[kind.value],
        dates=dates.dates(),
        fiscal_year=fiscal_year,
        number=number,
        letter_reference=letter_reference,
    )
    return RoundSaved(round=Round.of(opened))


@strawberry.mutation(
    description="แก้ไขกำหนดการของรอบ — DLA gives a round new dates, with the version loaded "
    "(an INFO round's are copied to its fiscal year; its closing stays the year's)."
)
@answers_refusals
async def update_round(
    info: Info,
    id: int,
    version: int,
    dates: RoundDatesInput,
    letter_reference: Annotated[
        str | None,
        strawberry.argument(description="เลขที่หนังสือ; omitted keeps it, null clears it."),
    ] = UNSET,
) -> RoundResult:
    updated = await rounds.update_round(
        info.context.write_engine,
        info.context.identity,
        round_id=id,
        expected_version=version,
        dates=dates.dates(),
        letter_reference=rounds.KEEP if letter_reference is UNSET else letter_reference,
    )
    return RoundSaved(round=Round.of(updated))


@strawberry.mutation(
    description="กำหนดของจังหวัด — DLA gives one province its own deadlines in a round (e.g. "
    "more time), with the round's version; all null removes them."
)
@answers_refusals
async def set_round_province_deadlines(
    info: Info,
    round_id: int,
    version: int,
    province_code: str,
    deadlines: ProvinceDeadlinesInput,
    reason: str | None = None,
) -> RoundResult:
    updated = await rounds.set_province_deadlines(
        info.context.write_engine,
        info.context.identity,
        round_id=round_id,
        expected_version=version,
        province_code=province_code,
        deadlines=rules.ProvinceDeadlines(
            deadlines.deadline, deadlines.district_deadline, deadlines.province_deadline
        ),
        reason=reason,
    )
    return RoundSaved(round=Round.of(updated))


@strawberry.mutation(
    description="ยืนยันตรวจสอบภารกิจถ่ายโอนแล้ว — the LAO's staff confirm, in an open missions "
    "round, that its mission records are checked and current (when nothing needed changing; "
    "recording, updating or cancelling a record in the round counts as checked too)."
)
@answers_refusals
async def confirm_missions_checked(info: Info, round_id: int, lao_code: str) -> MissionsCheckResult:
    done = await rounds.confirm_missions_checked(
        info.context.write_engine, info.context.identity, round_id=round_id, lao_code=lao_code
    )
    return MissionsChecked(
        round_id=done.round_id,
        lao_code=done.lao_code,
        at=done.at,
        already_confirmed=done.already,
    )

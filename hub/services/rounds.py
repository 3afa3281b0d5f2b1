"""Rounds: DLA sets their dates and provinces' own deadlines; an LAO's staff confirm their
mission records checked in a missions round; the reminder lists (read alike by GraphQL and
the CSV export, `hub.web.exports`).

Each write is one transaction, checked by `hub.rules.rounds` before it writes, carries the
round's version (a concurrent edit is refused with the current version, never lost) and is
in the change log. A round's dates are kept in `rounds` only; when an INFO or KPI-16 round's
dates change, the older columns holding copies of them (`hub.db.models.rounds`) are
written in the same transaction. INFO rounds are opened with their fiscal year
(`hub.services.fiscal_years` calls `add_info_round`) and closed with it
(`close_info_round`): its closing is the year's; KPI-16 rounds may also come into being by
an import of DLA's reference list (`hub.services.kpi16_import` calls `kpi16_round_imported`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import kpi16_counts
from hub.db import rounds as db
from hub.db.models import (
    District,
    FiscalYear,
    Kpi16Round,
    Lao,
    Province,
    Round,
    RoundCheck,
    RoundProvinceDeadline,
)
from hub.db.rounds import Contact, ReminderRow, RoundInfo
from hub.db.visibility import covered_laos_clause
from hub.rules import permissions
from hub.rules import rounds as rules
from hub.rules.enums import ReminderStage, Role, RoundKind, RoundPhase
from hub.rules.identity import LAO_STAFF_ROLES, Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import (
    Forbidden,
    RoundNotOpen,
    VersionConflict,
    YearClosed,
    invalid,
    not_found,
)
from hub.rules.webhooks import EventType
from hub.services import audit, webhooks
from hub.services.audit import now


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # an update's "leave it as it is" (None clears)
ADMINISTRATORS = (Role.DLA_ADMIN,)
MAX_LETTER_REFERENCE = 100
MAX_REASON = 2000


def _forbidden() -> Forbidden:
    return Forbidden(
        "Only DLA administrators set rounds and their deadlines.",
        "เฉพาะผู้ดูแลระบบของ สถ. เท่านั้นที่กำหนดรอบและวันกำหนดส่งได้",
    )


def _text(value: str | None, path: str, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > limit:
        raise invalid(path, "TOO_LONG", f"at most {limit:,} characters", f"ไม่เกิน {limit:,} ตัวอักษร")
    return value


def _dates_row(dates: rules.RoundDates) -> dict[str, dt.date | None]:
    return {
        "opens_on": dates.opens_on,
        "deadline": dates.deadline,
        "district_deadline": dates.district_deadline,
        "province_deadline": dates.province_deadline,
        "closes_on": dates.closes_on,
    }


async def _round(conn: AsyncConnection, round_id: int) -> RoundInfo:
    found = await db.load_round(conn, round_id)
    if found is None:
        raise not_found(f"Round {round_id}", f"รอบที่ {round_id}")
    return found


def _year_closed(round_: RoundInfo) -> YearClosed:
    return YearClosed(
        f"Fiscal year {round_.fiscal_year} is closed: its INFO round's dates stay as they were.",
        f"ปีงบประมาณ {round_.fiscal_year} ปิดแล้ว จึงแก้ไขกำหนดของรอบไม่ได้",
        fiscal_year=round_.fiscal_year,
    )


def _check_version(round_: RoundInfo, expected_version: int) -> None:
    if round_.version != expected_version:
        raise VersionConflict(
            f"Round {round_.id} changed since you loaded it (version {expected_version}, "
            f"now {round_.version}).",
            f"รอบนี้ถูกแก้ไขไปแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {round_.version})",
            current_version=round_.version,
        )


async def _bump(conn: AsyncConnection, round_: RoundInfo, **values: Any) -> None:
    """Write the round's new values and version, refusing if another edit came first."""
    result = await conn.execute(
        update(Round)
        .where(Round.id == round_.id, Round.version == round_.version)
        .values(version=round_.version + 1, updated_at=now(), **values)
    )
    if result.rowcount != 1:
        raise VersionConflict(
            "The round changed at the same moment.",
            "รอบถูกแก้ไขพร้อมกัน",
            current_version=round_.version + 1,
        )


async def _copy_dates(conn: AsyncConnection, kind: RoundKind, year: int, number: int) -> None:
    """Write the round's dates into the older columns holding copies of them."""
    row = (
        await conn.execute(
            select(Round.__table__).where(
                Round.kind == kind, Round.fiscal_year == year, Round.number == number
            )
        )
    ).one()
    if kind is RoundKind.INFO:
        await conn.execute(
            update(FiscalYear)
            .where(FiscalYear.year_be == year)
            .values(record_deadline=row.deadline, province_deadline=row.province_deadline)
        )
    elif kind is RoundKind.KPI16:
        await conn.execute(
            update(Kpi16Round)
            .where(Kpi16Round.fiscal_year == year, Kpi16Round.round_no == number)
            .values(
                opened_on=row.opens_on,
                district_report_deadline=row.district_deadline,
                province_report_deadline=row.province_deadline or row.deadline,
            )
        )
        # "Checked" counts checks since the round opened: a moved opening moves the matches.
        moved = select(Kpi16Round.id).where(
            Kpi16Round.fiscal_year == year, Kpi16Round.round_no == number
        )
        await kpi16_counts.rebuild(conn, (await conn.execute(moved)).scalars())


def _log(identity: Identity) -> audit.Actor:
    return audit.actor_of(identity, ADMINISTRATORS)


# --- DLA: rounds and their dates -----------------------------------------------------------


async def open_round(
    writer: AsyncEngine,
    identity: Identity,
    *,
    kind: RoundKind,
    dates: rules.RoundDates,
    fiscal_year: int | None = None,
    number: int | None = None,
    letter_reference: str | None = None,
) -> RoundInfo:
    """Open a KPI-16 or missions round (INFO rounds open with their fiscal year). The
    fiscal year defaults to the one the opening falls in, the number to the next free."""
    if not permissions.can_set_rounds(identity):
        raise _forbidden()
    if kind is RoundKind.INFO:
        raise invalid(
            "kind",
            "OPENED_WITH_FISCAL_YEAR",
            "an INFO round is opened with its fiscal year (openFiscalYear)",
            "รอบข้อมูล INFO เปิดพร้อมปีงบประมาณ (openFiscalYear)",
        )
    year = fiscal_year if fiscal_year is not None else rules.fiscal_year_of(dates.opens_on)
    if problem := rules.dates_problem(kind, year, dates):
        raise problem
    if number is not None and not 1 <= number <= 99:
        raise invalid("number", "OUT_OF_RANGE", "must be 1–99", "ต้องอยู่ระหว่าง 1 ถึง 99")
    reference = _text(letter_reference, "letterReference", MAX_LETTER_REFERENCE)
    async with writer.begin() as conn:
        taken = set(
            (
                await conn.execute(
                    select(Round.number).where(Round.kind == kind, Round.fiscal_year == year)
                )
            ).scalars()
        )
        if number is None:
            number = max(taken, default=0) + 1
        elif number in taken:
            raise invalid(
                "number",
                "TAKEN",
                f"round {number} of fiscal year {year} exists already: update it instead",
                f"มีรอบที่ {number} ของปีงบประมาณ {year} แล้ว ให้แก้ไขรอบเดิมแทน",
            )
        round_id = (
            await conn.execute(
                insert(Round)
                .values(
                    kind=kind,
                    fiscal_year=year,
                    number=number,
                    letter_reference=reference,
                    version=1,
                    updated_at=now(),
                    **_dates_row(dates),
                )
                .returning(Round.id)
            )
        ).scalar_one()
        await _copy_dates(conn, kind, year, number)
        await _announce_opened(conn, round_id, kind, year, number, dates.opens_on, dates.deadline)
        await audit.append(
            conn,
            _log(identity),
            entity="rounds",
            entity_id=round_id,
            action="open",
            changes={
                "kind": (None, kind.name),
                "fiscal_year": (None, year),
                "number": (None, number),
                **{k: (None, v) for k, v in _dates_row(dates).items()},
            },
        )
        return await _round(conn, round_id)


async def update_round(
    writer: AsyncEngine,
    identity: Identity,
    *,
    round_id: int,
    expected_version: int,
    dates: rules.RoundDates,
    letter_reference: str | _Keep | None = KEEP,
) -> RoundInfo:
    """Give a round new dates (and letter reference, unless `KEEP`). An INFO round's
    closing stays the year's (closeFiscalYear); every province's own deadlines must stay in
    order with the new dates."""
    if not permissions.can_set_rounds(identity):
        raise _forbidden()
    async with writer.begin() as conn:
        round_ = await _round(conn, round_id)
        reference = (
            round_.letter_reference
            if letter_reference is KEEP
            else _text(letter_reference, "letterReference", MAX_LETTER_REFERENCE)
        )
        if problem := rules.closing_input_problem(round_.kind, dates.closes_on):
            raise problem
        if round_.kind is RoundKind.INFO:
            if round_.year_closed:
                raise _year_closed(round_)
            dates = rules.RoundDates(
                dates.opens_on,
                dates.deadline,
                dates.district_deadline,
                dates.province_deadline,
                round_.dates.closes_on,
            )
        _check_version(round_, expected_version)
        if problem := rules.dates_problem(round_.kind, round_.fiscal_year, dates):
            raise problem
        codes = await _province_codes(conn, list(round_.provinces))
        for province_id, override in round_.provinces.items():
            if rules.override_problem(dates, override):
                raise invalid(
                    "dates",
                    "CONFLICTS_WITH_PROVINCE",
                    f"province {codes[province_id]} has its own deadlines, which would be out "
                    "of order with these dates: change or remove them first",
                    f"จังหวัด {codes[province_id]} มีกำหนดของตนเองซึ่งจะขัดกับวันที่ใหม่ ให้แก้ไขหรือลบก่อน",
                )
        before = {**_dates_row(round_.dates), "letter_reference": round_.letter_reference}
        after = {**_dates_row(dates), "letter_reference": reference}
        await _bump(conn, round_, **after)
        await _copy_dates(conn, round_.kind, round_.fiscal_year, round_.number)
        await audit.append(
            conn,
            _log(identity),
            entity="rounds",
            entity_id=round_.id,
            action="update",
            changes={k: (before[k], v) for k, v in after.items() if before[k] != v},
        )
        return await _round(conn, round_.id)


async def _province_codes(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await conn.execute(select(Province.id, Province.code).where(Province.id.in_(ids)))
    return {r.id: r.code for r in rows}


async def set_province_deadlines(
    writer: AsyncEngine,
    identity: Identity,
    *,
    round_id: int,
    expected_version: int,
    province_code: str,
    deadlines: rules.ProvinceDeadlines,
    reason: str | None = None,
) -> RoundInfo:
    """Give one province its own deadlines in a round; no deadline at all removes them (the
    province follows the round's)."""
    if not permissions.can_set_rounds(identity):
        raise _forbidden()
    why = _text(reason, "reason", MAX_REASON)
    async with writer.begin() as conn:
        round_ = await _round(conn, round_id)
        if round_.kind is RoundKind.INFO and round_.year_closed:
            raise _year_closed(round_)
        _check_version(round_, expected_version)
        province_id = (
            await conn.execute(select(Province.id).where(Province.code == province_code))
        ).scalar_one_or_none()
        if province_id is None:
            raise not_found(f"Province {province_code}", f"จังหวัดรหัส {province_code}")
        old = round_.provinces.get(province_id)
        if deadlines.empty:
            await conn.execute(
                delete(RoundProvinceDeadline).where(
                    RoundProvinceDeadline.round_id == round_.id,
                    RoundProvinceDeadline.province_id == province_id,
                )
            )
        else:
            if problem := rules.override_problem(round_.dates, deadlines):
                raise problem
            values = {
                "deadline": deadlines.deadline,
                "district_deadline": deadlines.district_deadline,
                "province_deadline": deadlines.province_deadline,
                "reason": why,
                "updated_at": now(),
            }
            if old is None:
                await conn.execute(
                    insert(RoundProvinceDeadline).values(
                        round_id=round_.id, province_id=province_id, **values
                    )
                )
            else:
                await conn.execute(
                    update(RoundProvinceDeadline)
                    .where(
                        RoundProvinceDeadline.round_id == round_.id,
                        RoundProvinceDeadline.province_id == province_id,
                    )
                    .values(**values)
                )
        await _bump(conn, round_)
        before = old or rules.ProvinceDeadlines()
        await audit.append(
            conn,
            _log(identity),
            entity="rounds",
            entity_id=round_.id,
            action="province_deadlines",
            changes={
                f"{province_code}.{name}": (getattr(before, name), getattr(deadlines, name))
                for name in ("deadline", "district_deadline", "province_deadline")
                if getattr(before, name) != getattr(deadlines, name)
            },
            reason=why,
        )
        return await _round(conn, round_.id)


# --- the INFO round of a fiscal year, a KPI-16 round from an import --------------------------


async def add_info_round(
    conn: AsyncConnection,
    year_be: int,
    opened_at: dt.datetime,
    deadline: dt.date,
    province_deadline: dt.date | None,
) -> None:
    """The INFO round of a fiscal year being opened (in the opening's transaction)."""
    opens_on = min(rules.thai_date(opened_at), deadline)
    round_id = (
        await conn.execute(
            insert(Round)
            .values(
                kind=RoundKind.INFO,
                fiscal_year=year_be,
                number=1,
                opens_on=opens_on,
                deadline=deadline,
                province_deadline=province_deadline,
                version=1,
                updated_at=opened_at,
            )
            .returning(Round.id)
        )
    ).scalar_one()
    await _announce_opened(conn, round_id, RoundKind.INFO, year_be, 1, opens_on, deadline)


async def _announce_opened(
    conn: AsyncConnection,
    round_id: int,
    kind: RoundKind,
    year: int,
    number: int,
    opens_on: dt.date,
    deadline: dt.date,
) -> None:
    """The `round.opened` webhook event, in the opening's transaction."""
    await webhooks.emit(
        conn,
        EventType.ROUND_OPENED,
        {
            "roundId": round_id,
            "kind": kind.name,
            "fiscalYear": year,
            "number": number,
            "opensOn": opens_on.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )


async def close_info_round(conn: AsyncConnection, year_be: int, closed_at: dt.datetime) -> None:
    """A fiscal year being closed closes its INFO round that day (in the same transaction)."""
    await conn.execute(
        update(Round)
        .where(Round.kind == RoundKind.INFO, Round.fiscal_year == year_be)
        .values(closes_on=rules.thai_date(closed_at), version=Round.version + 1, updated_at=now())
    )


async def kpi16_round_imported(
    conn: AsyncConnection,
    fiscal_year: int,
    round_no: int,
    *,
    district_deadline: dt.date | None = None,
    province_deadline: dt.date | None = None,
) -> None:
    """A KPI-16 round an import has just made or updated: the round DLA opened for it gives
    it its dates, except the report deadlines the import sets (which become the round's);
    without a round, the import's dates make the round."""
    exists = (
        await conn.execute(
            select(Round.id).where(
                Round.kind == RoundKind.KPI16,
                Round.fiscal_year == fiscal_year,
                Round.number == round_no,
            )
        )
    ).first()
    if exists is None:
        kpi = (
            await conn.execute(
                select(Kpi16Round.__table__).where(
                    Kpi16Round.fiscal_year == fiscal_year, Kpi16Round.round_no == round_no
                )
            )
        ).one()
        await conn.execute(
            insert(Round).values(
                kind=RoundKind.KPI16,
                fiscal_year=fiscal_year,
                number=round_no,
                opens_on=kpi.opened_on,
                deadline=kpi.district_report_deadline or kpi.province_report_deadline,
                district_deadline=kpi.district_report_deadline,
                province_deadline=kpi.province_report_deadline,
                version=1,
                updated_at=now(),
            )
        )
    else:
        given = {
            name: value
            for name, value in (
                ("district_deadline", district_deadline),
                ("province_deadline", province_deadline),
            )
            if value is not None
        }
        if given:
            await conn.execute(
                update(Round)
                .where(Round.id == exists.id)
                .values(**given, version=Round.version + 1, updated_at=now())
            )
    await _copy_dates(conn, RoundKind.KPI16, fiscal_year, round_no)


# --- an LAO's staff: missions checked in a round ----------------------------------------------


@dataclass(frozen=True)
class MissionsChecked:
    round_id: int
    lao_code: str
    at: dt.datetime
    already: bool  # confirmed before: the first confirmation stands


async def confirm_missions_checked(
    writer: AsyncEngine, identity: Identity, *, round_id: int, lao_code: str
) -> MissionsChecked:
    """The LAO's staff confirm its mission records are checked and current in a missions
    round (seed 004 item 2), when nothing needed changing. Once per round: confirming
    again answers the first confirmation."""
    async with writer.begin() as conn:
        lao = (
            await conn.execute(
                select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(
                    Lao.code == lao_code
                )
            )
        ).first()
        if lao is None:
            raise not_found(f"LAO {lao_code}", f" อปท. รหัส {lao_code}")
        if lao.id not in identity.staff_lao_ids():
            raise Forbidden(
                "Only the LAO's own staff confirm its transferred missions checked.",
                "เฉพาะเจ้าหน้าที่ของ อปท. นี้เท่านั้นที่ยืนยันการตรวจสอบภารกิจถ่ายโอนได้",
            )
        round_ = await _round(conn, round_id)
        if round_.kind is not RoundKind.MISSIONS:
            raise invalid(
                "roundId",
                "NOT_A_MISSIONS_ROUND",
                f"round {round_id} is not a transferred-missions round",
                f"รอบที่ {round_id} ไม่ใช่รอบภารกิจถ่ายโอน",
            )
        stamp = now()
        today = rules.thai_date(stamp)
        phase = round_.phase(today, lao.province_id)
        if phase in (RoundPhase.UPCOMING, RoundPhase.CLOSED):
            raise RoundNotOpen(
                f"Round {round_id} is {phase.label_en.lower()} ({round_.dates.opens_on} to "
                f"{round_.dates.closes_on or '…'}): nothing is confirmed for it today.",
                f"รอบที่ {round_id} {phase.label_th} จึงยืนยันไม่ได้ในวันนี้",
            )
        earlier = (
            await conn.execute(
                select(RoundCheck.at).where(
                    RoundCheck.round_id == round_id, RoundCheck.lao_id == lao.id
                )
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return MissionsChecked(round_id, lao_code, earlier, True)
        place = LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
        actor = audit.actor_of(identity, LAO_STAFF_ROLES, place)
        await conn.execute(
            insert(RoundCheck).values(
                round_id=round_id,
                lao_id=lao.id,
                at=stamp,
                actor_user_id=actor.user_id,
                actor_role=actor.role,
            )
        )
        await audit.append(
            conn,
            actor,
            entity="round_checks",
            entity_id=f"{round_id}:{lao.id}",
            action="confirm_missions_checked",
            changes={"checked_at": (None, stamp)},
            lao_id=lao.id,
            at=stamp,
        )
        return MissionsChecked(round_id, lao_code, stamp, False)


# --- reminders: read by GraphQL and the CSV export ------------------------------------------


@dataclass(frozen=True)
class Reminders:
    round: RoundInfo
    rows: list[ReminderRow]
    contacts: dict[int, list[Contact]]  # by LAO id, when asked for


async def _area(
    conn: AsyncConnection, province_code: str | None, district_code: str | None
) -> list[ColumnElement[bool]]:
    """Clauses over `laos` for a province and/or district given by code (NotFound if not)."""
    clauses: list[ColumnElement[bool]] = []
    if province_code is not None:
        province_id = (
            await conn.execute(select(Province.id).where(Province.code == province_code))
        ).scalar_one_or_none()
        if province_id is None:
            raise not_found(f"Province {province_code}", f"จังหวัดรหัส {province_code}")
        clauses.append(Lao.province_id == province_id)
    if district_code is not None:
        district_id = (
            await conn.execute(select(District.id).where(District.code == district_code))
        ).scalar_one_or_none()
        if district_id is None:
            raise not_found(f"District {district_code}", f"อำเภอรหัส {district_code}")
        clauses.append(Lao.district_id == district_id)
    return clauses


async def reminders(
    engine: AsyncEngine,
    identity: Identity,
    *,
    round_id: int,
    province_code: str | None = None,
    district_code: str | None = None,
    stages: Sequence[ReminderStage] | None = None,
    as_of: dt.datetime | None = None,
    with_contacts: bool = False,
) -> Reminders:
    """The LAOs the caller covers (in the province and/or district) whose reminder stage is
    one of `stages` (default: the LAO's own work, `hub.rules.rounds.LAO_TASKS`), by LAO id;
    with their people's contacts if asked. Officers and DLA only."""
    if not permissions.can_read_reminders(identity):
        raise Forbidden(
            "Reminder lists are for provincial and district offices and DLA administrators.",
            "รายชื่อ อปท. ที่ต้องติดตามใช้ได้เฉพาะสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด อำเภอ และ สถ.",
        )
    async with engine.connect() as conn:
        round_ = await _round(conn, round_id)
        if round_.kind is RoundKind.KPI16:
            raise db.not_supported(round_)
        where = [covered_laos_clause(identity), *await _area(conn, province_code, district_code)]
        rows = await db.reminder_rows(
            conn,
            round_,
            as_of or dt.datetime.now(dt.UTC),
            tuple(stages or rules.LAO_TASKS),
            *where,
        )
        contacts = await db.contacts_of(conn, [r.lao_id for r in rows]) if with_contacts else {}
    return Reminders(round_, rows, contacts)

"""Rounds in SQL: rounds with their provinces' deadlines, and each LAO's standing in a round
from the history, for any list of LAOs in one statement.

`load_rounds` reads rounds and their per-province deadlines (two statements, however many
rounds). `standings` judges every LAO of a list (an area, the caller's row filter) against
its province's deadline, with `hub.rules.rounds`: for an INFO round from the LAO-years'
certification events, for a missions round from the LAOs' mission history and
confirmations; one SQL statement per list, never one per LAO. `by_area` adds standings up
per nation, province or district (counts and the series by day); `reminder_rows` lists the
LAOs with something still to do. Portable SQLAlchemy Core: SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.completeness import recorded_clause
from hub.db.models import (
    CertificationEvent,
    District,
    FiscalYear,
    Lao,
    LaoContact,
    LaoMission,
    LaoMissionEvent,
    LaoYear,
    Province,
    Round,
    RoundCheck,
    RoundProvinceDeadline,
)
from hub.rules import rounds as rules
from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import (
    Breakdown,
    CertificationState,
    ContactKind,
    LaoType,
    MissionRoundStatus,
    Punctuality,
    ReminderStage,
    RoundKind,
    RoundPhase,
)
from hub.rules.lpa import utc
from hub.rules.problems import invalid

IN_CHUNK = 5000  # largest IN (...) list sent in one statement


@dataclass(frozen=True)
class RoundInfo:
    """A round as the rules see it, with every province's own deadlines."""

    id: int
    kind: RoundKind
    fiscal_year: int
    number: int
    dates: rules.RoundDates
    letter_reference: str | None
    version: int
    updated_at: dt.datetime
    year_closed: bool  # an INFO round whose fiscal year DLA has closed
    provinces: Mapping[int, rules.ProvinceDeadlines] = field(default_factory=dict)
    reasons: Mapping[int, str | None] = field(default_factory=dict)

    def dates_for(self, province_id: int | None) -> rules.RoundDates:
        """The round's dates for a province (None: the round's own)."""
        if province_id is None:
            return self.dates
        return rules.effective(self.dates, self.provinces.get(province_id))

    def phase(self, today: dt.date, province_id: int | None = None) -> RoundPhase:
        return rules.phase(self.dates_for(province_id), today, year_closed=self.year_closed)

    @property
    def title(self) -> tuple[str, str]:
        return rules.title(self.kind, self.fiscal_year, self.number)


def round_dates(row: Any) -> rules.RoundDates:
    return rules.RoundDates(
        opens_on=row.opens_on,
        deadline=row.deadline,
        district_deadline=row.district_deadline,
        province_deadline=row.province_deadline,
        closes_on=row.closes_on,
    )


async def load_rounds(
    conn: AsyncConnection, *where: ColumnElement[bool], order_by: Sequence[Any] = ()
) -> list[RoundInfo]:
    """The rounds matching `where` (every round without it), with their provinces'
    deadlines: two statements."""
    statement = (
        select(*Round.__table__.c, FiscalYear.closed_at.label("year_closed_at"))
        .outerjoin(
            FiscalYear,
            and_(Round.kind == RoundKind.INFO, FiscalYear.year_be == Round.fiscal_year),
        )
        .where(*where)
        .order_by(*(order_by or (Round.fiscal_year.desc(), Round.kind, Round.number)))
    )
    rows = (await conn.execute(statement)).all()
    provinces: dict[int, dict[int, rules.ProvinceDeadlines]] = {}
    reasons: dict[int, dict[int, str | None]] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), IN_CHUNK):
        overrides = await conn.execute(
            select(RoundProvinceDeadline.__table__).where(
                RoundProvinceDeadline.round_id.in_(ids[start : start + IN_CHUNK])
            )
        )
        for o in overrides:
            provinces.setdefault(o.round_id, {})[o.province_id] = rules.ProvinceDeadlines(
                o.deadline, o.district_deadline, o.province_deadline
            )
            reasons.setdefault(o.round_id, {})[o.province_id] = o.reason
    return [
        RoundInfo(
            id=r.id,
            kind=r.kind,
            fiscal_year=r.fiscal_year,
            number=r.number,
            dates=round_dates(r),
            letter_reference=r.letter_reference,
            version=r.version,
            updated_at=r.updated_at,
            year_closed=r.year_closed_at is not None,
            provinces=provinces.get(r.id, {}),
            reasons=reasons.get(r.id, {}),
        )
        for r in rows
    ]


async def load_round(conn: AsyncConnection, round_id: int) -> RoundInfo | None:
    found = await load_rounds(conn, Round.id == round_id)
    return found[0] if found else None


# --- standings: each LAO of a list judged against its province's deadline --------------------


@dataclass(frozen=True)
class Standing:
    """One LAO in a round: its step judged, the province's (INFO), its missions status
    (missions rounds) and the changes it made to the area's counts, by Thai day."""

    lao_id: int
    province_id: int
    district_id: int
    dates: rules.RoundDates  # the round's dates for the LAO's province
    done: rules.Judgement  # INFO: the LAO's certification; missions: checked in the round
    province: rules.Judgement | None  # INFO: the province's certification, if it has a deadline
    mission_status: MissionRoundStatus | None
    changes: tuple[tuple[dt.date, int, int], ...]


def not_supported(round_: RoundInfo) -> Exception:
    """KPI-16 rounds are judged per reference system, not per LAO (KPI-16 coverage)."""
    return invalid(
        "round",
        "NOT_SUPPORTED",
        f"round {round_.id} is a KPI-16 round: its figures are the KPI-16 coverage "
        "(stats { kpi16 }), per reference system rather than per LAO",
        f"รอบ {round_.id} เป็นรอบตัวชี้วัดที่ 16 ซึ่งนับตามระบบประปาในฐานข้อมูลอ้างอิง ไม่ใช่ราย อปท.",
    )


async def standings(
    conn: AsyncConnection, round_: RoundInfo, as_of: dt.datetime, *where: ColumnElement[bool]
) -> list[Standing]:
    """Every LAO matching `where` in the round as of `as_of` (a closed round: as it stood
    when it closed, `hub.rules.rounds.until_closed`), by LAO id: one SQL statement.
    `where` is over `laos`; for an INFO round it may also read the LAO-year of the round's
    fiscal year (`lao_years`, outer-joined: the caller's row filter)."""
    if round_.kind is RoundKind.INFO:
        return await _info_standings(conn, round_, as_of, where)
    if round_.kind is RoundKind.MISSIONS:
        return await _mission_standings(conn, round_, as_of, where)
    raise not_supported(round_)


async def _info_standings(
    conn: AsyncConnection,
    round_: RoundInfo,
    as_of: dt.datetime,
    where: Sequence[ColumnElement[bool]],
) -> list[Standing]:
    as_of = rules.until_closed(round_.dates, as_of)
    events = CertificationEvent.__table__
    statement = (
        select(
            Lao.id,
            Lao.province_id,
            Lao.district_id,
            events.c.at,
            events.c.from_state,
            events.c.to_state,
        )
        .select_from(
            Lao.__table__.outerjoin(
                LaoYear.__table__,
                and_(LaoYear.lao_id == Lao.id, LaoYear.fiscal_year == round_.fiscal_year),
            ).outerjoin(
                events,
                and_(events.c.lao_year_id == LaoYear.id, events.c.at <= utc(as_of)),
            )
        )
        .where(*where)
        .order_by(Lao.id, events.c.at, events.c.id)
    )
    histories: dict[int, tuple[int, int, list[rules.Transition]]] = {}
    for row in await conn.execute(statement):
        _, _, history = histories.setdefault(row.id, (row.province_id, row.district_id, []))
        if row.at is not None:
            history.append((row.at, row.from_state, row.to_state))
    result = []
    for lao_id, (province_id, district_id, history) in histories.items():
        dates = round_.dates_for(province_id)
        done = rules.lao_certification(history, dates.deadline, as_of)
        assert done is not None  # a round always has a deadline
        result.append(
            Standing(
                lao_id=lao_id,
                province_id=province_id,
                district_id=district_id,
                dates=dates,
                done=done,
                province=rules.province_certification(history, dates.province_deadline, as_of),
                mission_status=None,
                changes=tuple(
                    (rules.thai_date(at), *rules.certified_deltas(before, after))
                    for at, before, after in history
                ),
            )
        )
    return result


async def _mission_standings(
    conn: AsyncConnection,
    round_: RoundInfo,
    as_of: dt.datetime,
    where: Sequence[ColumnElement[bool]],
) -> list[Standing]:
    # Provinces may have their own deadlines, never their own opening or closing: one
    # window for every LAO.
    as_of = rules.until_closed(round_.dates, as_of)
    start, end = rules.window(round_.dates, as_of)
    records = LaoMission.__table__
    events = LaoMissionEvent.__table__
    first_event = (
        select(func.min(events.c.at))
        .select_from(events.join(records, records.c.id == events.c.lao_mission_id))
        .where(records.c.lao_id == Lao.id, events.c.at >= start, events.c.at <= end)
        .correlate(Lao.__table__)
        .scalar_subquery()
    )
    confirmed = (
        select(RoundCheck.at)
        .where(
            RoundCheck.round_id == round_.id,
            RoundCheck.lao_id == Lao.id,
            RoundCheck.at >= start,
            RoundCheck.at <= end,
        )
        .correlate(Lao.__table__)
        .scalar_subquery()
    )
    statement = (
        select(
            Lao.id,
            Lao.province_id,
            Lao.district_id,
            exists().where(records.c.lao_id == Lao.id).label("has_records"),
            first_event.label("first_event"),
            confirmed.label("confirmed"),
        )
        .where(*where)
        .order_by(Lao.id)
    )
    result = []
    for row in await conn.execute(statement):
        dates = round_.dates_for(row.province_id)
        moments = [m for m in (row.first_event, row.confirmed) if m is not None]
        checked_at = rules.first_in_round(moments, round_.dates, as_of)
        done = rules.judge(checked_at, dates.deadline, as_of)
        assert done is not None
        result.append(
            Standing(
                lao_id=row.id,
                province_id=row.province_id,
                district_id=row.district_id,
                dates=dates,
                done=done,
                province=None,
                mission_status=rules.mission_status(bool(row.has_records), checked_at),
                changes=((rules.thai_date(checked_at), 1, 0),) if checked_at else (),
            )
        )
    return result


@dataclass
class AreaTimeliness:
    """An area's LAOs in a round: how many did the step on time, late, or not yet."""

    deadline: dt.date  # the area's deadline (the nation: the round's own)
    province_deadline: dt.date | None
    total: int = 0
    done: Counter[Punctuality] = field(default_factory=Counter)
    province: Counter[Punctuality] = field(default_factory=Counter)
    mission_statuses: Counter[MissionRoundStatus] = field(default_factory=Counter)
    changes: list[tuple[dt.date, int, int]] = field(default_factory=list)

    @property
    def series(self) -> list[rules.DayCount]:
        return rules.daily_counts(self.changes)


def area_key(standing: Standing, by: Breakdown) -> int | None:
    if by == "nation":
        return None
    return standing.province_id if by == "province" else standing.district_id


def by_area(
    round_: RoundInfo, rows: Sequence[Standing], by: Breakdown
) -> dict[int | None, AreaTimeliness]:
    """The standings added up per area of `by` (keys as in `hub.db.rollups`): every area
    with an LAO in `rows`."""
    areas: dict[int | None, AreaTimeliness] = {}
    for s in rows:
        key = area_key(s, by)
        if key not in areas:
            dates = round_.dates if by == "nation" else s.dates
            areas[key] = AreaTimeliness(dates.deadline, dates.province_deadline)
        area = areas[key]
        area.total += 1
        area.done[s.done.punctuality] += 1
        if s.province is not None:
            area.province[s.province.punctuality] += 1
        if s.mission_status is not None:
            area.mission_statuses[s.mission_status] += 1
        area.changes.extend(s.changes)
    return areas


# --- reminders: the LAOs with something still to do --------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    lao_id: int
    lao_code: str | None
    lao_name_th: str
    lao_type: LaoType
    office_phone: str | None
    province_id: int
    province_code: str
    province_name_th: str
    district_id: int
    district_code: str
    district_name_th: str
    stage: ReminderStage
    complete_domains: int  # INFO: how many of the 8 domains are complete
    done: rules.Judgement  # the LAO's step against its province's deadline


async def reminder_rows(
    conn: AsyncConnection,
    round_: RoundInfo,
    as_of: dt.datetime,
    stages: Sequence[ReminderStage],
    *where: ColumnElement[bool],
) -> list[ReminderRow]:
    """The LAOs matching `where` whose reminder stage is one of `stages`, by LAO id: two
    statements (the standings and the LAOs' state and places)."""
    standing = {s.lao_id: s for s in await standings(conn, round_, as_of, *where)}
    statement = (
        select(
            Lao.id,
            Lao.code,
            Lao.name_th,
            Lao.type,
            Lao.phone,
            Lao.province_id,
            Province.code.label("province_code"),
            Province.name_th.label("province_name_th"),
            Lao.district_id,
            District.code.label("district_code"),
            District.name_th.label("district_name_th"),
            LaoYear.state,
            LaoYear.complete_domains,
            (
                recorded_clause(LaoYear.__table__.c.id) if round_.kind is RoundKind.INFO else true()
            ).label("recorded"),
        )
        .select_from(
            Lao.__table__.join(Province, Province.id == Lao.province_id)
            .join(District, District.id == Lao.district_id)
            .outerjoin(
                LaoYear,
                and_(LaoYear.lao_id == Lao.id, LaoYear.fiscal_year == round_.fiscal_year),
            )
        )
        .where(*where)
        .order_by(Lao.id)
    )
    if round_.kind is RoundKind.INFO:
        statement = statement.where(
            or_(LaoYear.id.is_(None), LaoYear.state != CertificationState.PROVINCE_CERTIFIED)
        )
    result = []
    for row in await conn.execute(statement):
        s = standing.get(row.id)
        if s is None:
            continue
        mask = row.complete_domains or 0
        if round_.kind is RoundKind.INFO:
            stage = rules.reminder_stage(
                row.state or CertificationState.DRAFT,
                mask == ALL_DOMAINS_MASK,
                mask != 0 or bool(row.recorded),
            )
        else:
            assert s.mission_status is not None
            stage = rules.mission_reminder_stage(s.mission_status)
        if stage is None or stage not in stages:
            continue
        result.append(
            ReminderRow(
                lao_id=row.id,
                lao_code=row.code,
                lao_name_th=row.name_th,
                lao_type=row.type,
                office_phone=row.phone,
                province_id=row.province_id,
                province_code=row.province_code,
                province_name_th=row.province_name_th,
                district_id=row.district_id,
                district_code=row.district_code,
                district_name_th=row.district_name_th,
                stage=stage,
                complete_domains=bin(mask).count("1"),
                done=s.done,
            )
        )
    return result


@dataclass(frozen=True)
class Contact:
    kind: ContactKind
    slot: int
    name: str
    position: str | None
    phone: str | None
    email: str | None


async def contacts_of(conn: AsyncConnection, lao_ids: Sequence[int]) -> dict[int, list[Contact]]:
    """The LAOs' recorders and INFO administrators (personal data), one statement per
    `IN_CHUNK` LAOs."""
    result: dict[int, list[Contact]] = {}
    ids = sorted(set(lao_ids))
    for start in range(0, len(ids), IN_CHUNK):
        rows = await conn.execute(
            select(LaoContact.__table__)
            .where(LaoContact.lao_id.in_(ids[start : start + IN_CHUNK]))
            .order_by(LaoContact.lao_id, LaoContact.kind, LaoContact.slot)
        )
        for r in rows:
            result.setdefault(r.lao_id, []).append(
                Contact(r.kind, r.slot, r.name, r.position, r.phone, r.email)
            )
    return result

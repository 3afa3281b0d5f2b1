"""KPI 16 in SQL: `hub.rules.kpi16`'s matching rule over a whole round at once, the reference
list with each system's match, and the reports up the chain.

`coverage_from_records` is one statement per call, grouped by the breakdown asked for (the
nation, provinces or districts), matching the whole round at once (`matched_codes`, a hash
join) — what `hub.db.kpi16_counts` keeps current, for the reads;
the rate and whether the target is met are `hub.rules.kpi16`'s. `references` lists a round's
references (the caller's, `hub.db.visibility`) with their match, the same rule per reference
(`live_record`, through the code's index: a page or an area costs only its own references),
so a list filtered to MISSING holds exactly what the coverage counts as not recorded (tests
hold the two forms and `hub.rules.kpi16.explain_match` to agree); `candidates` loads the
records carrying a page's codes, for the explanation. `report_deadlines` is the one place the round's
report deadlines are read (per level, and per province should a round ever set them per
province); `report_board` lists the areas expected to report with their report, if any.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import (
    RECORD_TABLES,
    District,
    Kpi16Reference,
    Kpi16Report,
    Kpi16Round,
    Lao,
    LaoYear,
    Province,
    User,
)
from hub.db.visibility import (
    kpi16_references_clause,
    kpi16_report_areas_clause,
    visible_lao_years_clause,
)
from hub.rules.enums import Breakdown, Kpi16Match, Kpi16ReportLevel
from hub.rules.identity import Identity
from hub.rules.kpi16 import Candidate, Coverage

_rounds = Kpi16Round.__table__
_refs = Kpi16Reference.__table__
_laos = Lao.__table__
_lao_years = LaoYear.__table__
_water = RECORD_TABLES["water_supply_systems"]
_reports = Kpi16Report.__table__


def matched_codes(round_id: int) -> Subquery:
    """The round's live water-supply records, one row per reference code: (`code`,
    `checked` = 1 when any of them was checked since the round opened, else 0)."""
    matched_round = _rounds.alias("matched_round")
    statement = (
        select(
            _water.c.dla_reference_code.label("code"),
            func.max(
                case((_water.c.last_checked_on >= matched_round.c.opened_on, 1), else_=0)
            ).label("checked"),
        )
        .select_from(
            _water.join(_lao_years, _lao_years.c.id == _water.c.lao_year_id).join(
                matched_round, matched_round.c.fiscal_year == _lao_years.c.fiscal_year
            )
        )
        .where(
            matched_round.c.id == round_id,
            _water.c.retired_on.is_(None),
            _water.c.dla_reference_code.is_not(None),
        )
        .group_by(_water.c.dla_reference_code)
    )
    return statement.subquery("matched")


async def coverage_from_records(
    conn: AsyncConnection,
    round_id: int,
    by: Breakdown = "nation",
    province_id: int | None = None,
) -> dict[int | None, Coverage]:
    """KPI-16 coverage of a round matched afresh from its records, keyed by None (nation),
    province id or district id. Reads answer from the maintained counts instead
    (`hub.db.kpi16_counts.coverage`); this is what `hub.db.kpi16_counts.verify` holds them to.

    `province_id` restricts any breakdown to one province. Keys are those with reference
    systems; the nation key is present whenever the round exists (with zeros when its list
    is empty). An unknown round gives {}. One SQL statement.
    """
    rounds, refs, laos = _rounds, _refs, _laos
    # Joined to the references by code (a hash join over the whole round).
    matched = matched_codes(round_id)

    on_reference = refs.c.round_id == rounds.c.id
    if province_id is not None:
        on_reference = and_(on_reference, refs.c.province_id == province_id)
    keys: list[ColumnElement[Any]]
    source: Any
    if by == "nation":  # outer join: an empty list still gives the nation row
        keys, source = [], rounds.outerjoin(refs, on_reference)
    elif by == "province":
        keys, source = [refs.c.province_id], rounds.join(refs, on_reference)
    elif by == "district":
        keys = [laos.c.district_id]
        source = rounds.join(refs, on_reference).join(laos, laos.c.id == refs.c.lao_id)
    else:
        raise ValueError(f"coverage by {by!r}: expected nation, province or district")

    statement = (
        select(
            *(k.label("key") for k in keys),
            func.count(refs.c.id).label("reference_systems"),
            func.count(matched.c.code).label("recorded"),
            func.count(case((matched.c.checked == 1, 1))).label("checked"),
            func.max(rounds.c.target_percent).label("target_percent"),
        )
        .select_from(source.outerjoin(matched, matched.c.code == refs.c.reference_code))
        .where(rounds.c.id == round_id)
        .group_by(*keys)
    )
    return coverages(await conn.execute(statement), keyed=bool(keys))


def coverages(result: Any, *, keyed: bool) -> dict[int | None, Coverage]:
    """A coverage statement's rows (`key` when `keyed`, `reference_systems`, `recorded`,
    `checked`, `target_percent`) as coverages by key (None: the nation)."""
    found: dict[int | None, Coverage] = {}
    for row in result.mappings():
        if row["target_percent"] is None:  # the nation row of an unknown round
            continue
        found[int(row["key"]) if keyed else None] = Coverage.of(
            int(row["reference_systems"]),
            int(row["recorded"]),
            int(row["checked"]),
            float(row["target_percent"]),
        )
    return found


# --- the reference list, with each system's match --------------------------------------------


def live_record(
    round_id: int | ColumnElement[int], code: Any, *, checked: bool
) -> ColumnElement[bool]:
    """Whether a live record of the round's fiscal year carries `code` (and, with `checked`,
    was checked since the round opened): `matched_codes`' rule for one reference, as an
    EXISTS found through the code's index, so a page or a small area costs only its own
    references. The coverage's grouped form and this one are tested to agree."""
    live_round = _rounds.alias("live_round")
    conditions = [
        _water.c.dla_reference_code == code,
        _water.c.retired_on.is_(None),
        _lao_years.c.fiscal_year == live_round.c.fiscal_year,
        live_round.c.id == round_id,
    ]
    if checked:
        conditions.append(_water.c.last_checked_on >= live_round.c.opened_on)
    return exists(
        select(literal(1))
        .select_from(_water.join(_lao_years, _lao_years.c.id == _water.c.lao_year_id), live_round)
        .where(*conditions)
    )


def match_column(round_id: int, code: Any) -> ColumnElement[str]:
    """A reference's `Kpi16Match` name."""
    return case(
        (live_record(round_id, code, checked=True), literal(Kpi16Match.CHECKED.name)),
        (live_record(round_id, code, checked=False), literal(Kpi16Match.RECORDED.name)),
        else_=literal(Kpi16Match.MISSING.name),
    )


def _id_of(table: Any, code: str) -> Any:
    return select(table.id).where(table.code == code).scalar_subquery()


def references(
    round_id: int,
    identity: Identity,
    *,
    province_code: str | None = None,
    district_code: str | None = None,
    lao_code: str | None = None,
    match: Kpi16Match | None = None,
) -> Select[Any]:
    """The round's references the caller works from (narrowed by the area codes given), each
    with `match` (a `Kpi16Match` name) and its LAO's `district_id`; order and page it."""
    where: list[ColumnElement[bool]] = [
        _refs.c.round_id == round_id,
        kpi16_references_clause(identity),
    ]
    if province_code is not None:
        where.append(_refs.c.province_id == _id_of(Province, province_code))
    if district_code is not None:
        where.append(_laos.c.district_id == _id_of(District, district_code))
    if lao_code is not None:
        where.append(_laos.c.code == lao_code)
    code = _refs.c.reference_code
    if match is Kpi16Match.MISSING:
        where.append(~live_record(round_id, code, checked=False))
    elif match is Kpi16Match.CHECKED:
        where.append(live_record(round_id, code, checked=True))
    elif match is Kpi16Match.RECORDED:
        where += [
            live_record(round_id, code, checked=False),
            ~live_record(round_id, code, checked=True),
        ]
    return (
        select(*_refs.c, _laos.c.district_id, match_column(round_id, code).label("match"))
        .select_from(_refs.outerjoin(_laos, _laos.c.id == _refs.c.lao_id))
        .where(*where)
    )


@dataclass(frozen=True)
class CandidateRecord:
    """A water-supply record carrying a reference's code, and whether the caller may see
    the LAO-year it belongs to (its name and key are shown only then)."""

    candidate: Candidate
    code: str
    record_key: str
    name: str | None
    visible: bool


async def candidates(
    conn: AsyncConnection, codes: list[str], identity: Identity
) -> dict[str, list[CandidateRecord]]:
    """Every record (any LAO-year, retired ones too) carrying one of `codes`. One statement."""
    found: dict[str, list[CandidateRecord]] = defaultdict(list)
    if not codes:
        return found
    visible = visible_lao_years_clause(identity)
    statement = (
        select(
            _water.c.id,
            _water.c.dla_reference_code,
            _water.c.record_key,
            _water.c.name,
            _water.c.retired_on,
            _water.c.last_checked_on,
            _lao_years.c.fiscal_year,
            _lao_years.c.lao_id,
            case((visible, 1), else_=0).label("visible"),
        )
        .select_from(
            _water.join(_lao_years, _lao_years.c.id == _water.c.lao_year_id).join(
                _laos, _laos.c.id == _lao_years.c.lao_id
            )
        )
        .where(_water.c.dla_reference_code.in_(codes))
        .order_by(_water.c.id)
    )
    for row in (await conn.execute(statement)).all():
        found[row.dla_reference_code].append(
            CandidateRecord(
                Candidate(row.id, row.lao_id, row.fiscal_year, row.retired_on, row.last_checked_on),
                row.dla_reference_code,
                row.record_key,
                row.name,
                bool(row.visible),
            )
        )
    return found


# --- reports up the chain --------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineBook:
    """A round's report deadlines: per level, the same for every province unless a province
    has its own (`by_province`)."""

    district: dt.date | None
    province: dt.date | None
    by_province: dict[int, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)

    def of(self, level: Kpi16ReportLevel, province_id: int) -> dt.date | None:
        district, province = self.by_province.get(province_id, (self.district, self.province))
        return district if level is Kpi16ReportLevel.DISTRICT else province


async def report_deadlines(conn: AsyncConnection, round_id: int) -> DeadlineBook | None:
    """The round's report deadlines (None: no such round). The one place they are read: the
    round row holds them today; a per-province deadline, when rounds have them, goes here."""
    row = (
        await conn.execute(
            select(_rounds.c.district_report_deadline, _rounds.c.province_report_deadline).where(
                _rounds.c.id == round_id
            )
        )
    ).first()
    if row is None:
        return None
    return DeadlineBook(row.district_report_deadline, row.province_report_deadline)


@dataclass(frozen=True)
class BoardRow:
    """An area expected to report (DLA's list has systems in it), and its report if any."""

    level: Kpi16ReportLevel
    province_id: int
    district_id: int | None
    reference_systems: int
    report: Any  # the `kpi16_reports` row, with `submitted_by_name`; None: not submitted


def expected_areas(round_id: int, level: Kpi16ReportLevel) -> Subquery:
    """The areas of `level` with references in the round: (`area_id`, `province_id`,
    `district_id`, `reference_systems`). A district's references are its LAOs'."""
    if level is Kpi16ReportLevel.DISTRICT:
        statement = (
            select(
                _laos.c.district_id.label("area_id"),
                _laos.c.province_id.label("province_id"),
                _laos.c.district_id.label("district_id"),
                func.count(_refs.c.id).label("reference_systems"),
            )
            .select_from(_refs.join(_laos, _laos.c.id == _refs.c.lao_id))
            .where(_refs.c.round_id == round_id)
            .group_by(_laos.c.district_id, _laos.c.province_id)
        )
    else:
        statement = (
            select(
                _refs.c.province_id.label("area_id"),
                _refs.c.province_id.label("province_id"),
                cast(literal(None), Integer).label("district_id"),
                func.count(_refs.c.id).label("reference_systems"),
            )
            .where(_refs.c.round_id == round_id)
            .group_by(_refs.c.province_id)
        )
    return statement.subquery("expected")


async def report_board(
    conn: AsyncConnection,
    round_id: int,
    level: Kpi16ReportLevel,
    identity: Identity | None,
    *,
    province_id: int | None = None,
    province_code: str | None = None,
    district_code: str | None = None,
) -> list[BoardRow]:
    """The areas of `level` expected to report in the round (those the caller may see; every
    one for `identity` None; narrowed to a province, by id or code, or a district's report by
    code), ordered by code, each with its report. One statement."""
    expected = expected_areas(round_id, level)
    order = District.code if level is Kpi16ReportLevel.DISTRICT else Province.code
    source = (
        expected.join(Province, Province.id == expected.c.province_id)
        .outerjoin(District, District.id == expected.c.district_id)
        .outerjoin(
            _reports,
            and_(
                _reports.c.round_id == round_id,
                _reports.c.level == level,
                _reports.c.area_id == expected.c.area_id,
            ),
        )
        .outerjoin(User, User.id == _reports.c.submitted_by_user_id)
    )
    where: list[ColumnElement[bool]] = []
    if identity is not None:
        where.append(
            kpi16_report_areas_clause(
                identity, level, expected.c.province_id, expected.c.district_id
            )
        )
    if province_id is not None:
        where.append(expected.c.province_id == province_id)
    if province_code is not None:
        where.append(expected.c.province_id == _id_of(Province, province_code))
    if district_code is not None:
        where.append(
            expected.c.district_id == _id_of(District, district_code)
            if level is Kpi16ReportLevel.DISTRICT
            else false()
        )
    statement = (
        select(
            expected.c.province_id.label("area_province_id"),
            expected.c.district_id.label("area_district_id"),
            expected.c.reference_systems.label("area_reference_systems"),
            *_reports.c,
            User.display_name.label("submitted_by_name"),
        )
        .select_from(source)
        .where(*where)
        .order_by(order)
    )
    return [
        BoardRow(
            level,
            int(row.area_province_id),
            int(row.area_district_id) if row.area_district_id is not None else None,
            int(row.area_reference_systems),
            row if row.id is not None else None,
        )
        for row in (await conn.execute(statement)).all()
    ]


async def report_row(conn: AsyncConnection, report_id: int) -> Any:
    """One `kpi16_reports` row with `submitted_by_name` (None: no such report)."""
    statement = (
        select(*_reports.c, User.display_name.label("submitted_by_name"))
        .select_from(_reports.outerjoin(User, User.id == _reports.c.submitted_by_user_id))
        .where(_reports.c.id == report_id)
    )
    return (await conn.execute(statement)).first()

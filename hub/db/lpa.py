"""LPA indicator 7 in SQL: each LAO's provisional rule, final score and timeliness as of a date.

`lpa_figures` counts them per area (nation, province, district) in one grouped statement for
every area of the level at once; `lpa_list` is the statement listing them LAO by LAO (the
caller pages it: one statement a page, however many LAOs). Neither runs a statement per LAO.
Per LAO, as of `as_of`:

* `rule`: `hub.db.rollups.rule_as_of` (the provisional score's rule; the rubric in force
  gives its score),
* `final_id`: the latest revision of its final score recorded at or before `as_of` (NULL:
  none yet), joined for the final score itself,
* `timeliness`: `hub.rules.lpa.timeliness_as_of` against its deadline
  (`certification_deadlines`), and `late_at`, the LAO's first certification after a missed
  deadline.

Every LAO counts, with or without a LAO-year row (without: nothing recorded, not certified).
Which rubric and which deadline apply are read here too (`stored_rubrics`,
`certification_deadlines`), so every reader takes them from one place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import (
    CertificationEvent,
    FiscalYear,
    Lao,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    LpaRubric,
)
from hub.db.models.base import UtcDateTime
from hub.db.rollups import key_columns, laos_with_year, rule_as_of, state_as_of
from hub.db.visibility import visible_lao_years_clause
from hub.rules import lpa
from hub.rules.enums import Breakdown, CertificationState, Timeliness
from hub.rules.identity import Identity

_laos = Lao.__table__
_lao_years = LaoYear.__table__
_events = CertificationEvent.__table__
_assessments = LpaAssessment.__table__
_revisions = LpaAssessmentRevision.__table__
CERTIFIED = (CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED)


async def certification_deadlines(
    conn: AsyncConnection, fiscal_years: Iterable[int]
) -> dict[int, lpa.Deadlines]:
    """The deadline LAO certification of each fiscal year is judged against for timeliness.

    The one place that says where it comes from: today the year's `record_deadline`, the same
    for every province (DOMAIN.md "Fiscal years, deadlines and closing"). When rounds carry
    their own deadlines (optionally per province), point this at them; `Deadlines` takes a
    deadline per province, and every reader, in SQL and Python, follows. A year the hub does
    not know has no deadline.
    """
    years = sorted(set(fiscal_years))
    rows = (
        await conn.execute(
            select(FiscalYear.year_be, FiscalYear.record_deadline).where(
                FiscalYear.year_be.in_(years)
            )
        )
    ).all()
    found = {row.year_be: lpa.Deadlines(row.record_deadline) for row in rows}
    return {year: found.get(year, lpa.Deadlines(None)) for year in years}


async def stored_rubrics(conn: AsyncConnection) -> dict[int, lpa.Rubric]:
    """The rubric versions published in the database, by LPA year (`hub.rules.lpa` adds the
    built-in 2564 form and picks the one in force)."""
    rows = (await conn.execute(select(LpaRubric.lpa_year_be, LpaRubric.levels_json))).all()
    return {row.lpa_year_be: lpa.rubric_from_json(row.levels_json) for row in rows}


def _at(moment: dt.datetime) -> ColumnElement[Any]:
    return literal(moment, UtcDateTime())


def _per_deadline(
    deadlines: lpa.Deadlines, build: Callable[[dt.date | None], ColumnElement[Any]]
) -> ColumnElement[Any]:
    """`build(deadline)` for each LAO's deadline: one CASE over the provinces that have a
    deadline of their own, the year's for the rest."""
    groups: dict[dt.date, list[int]] = {}
    for province_id, deadline in deadlines.by_province.items():
        groups.setdefault(deadline, []).append(province_id)
    default = build(deadlines.default)
    if not groups:
        return default
    return case(
        *[(_laos.c.province_id.in_(ids), build(day)) for day, ids in sorted(groups.items())],
        else_=default,
    )


def _late_at(end: dt.datetime, limit: dt.datetime) -> ColumnElement[Any]:
    """When the LAO first certified after the deadline's `end`, at or before `limit`."""
    return (
        select(func.min(_events.c.at))
        .where(
            _events.c.lao_year_id == _lao_years.c.id,
            _events.c.to_state == CertificationState.LAO_CERTIFIED,
            _events.c.at > _at(end),
            _events.c.at <= _at(limit),
        )
        .correlate(_lao_years)
        .scalar_subquery()
    )


def _timeliness(deadline: dt.date | None, as_of: dt.datetime) -> ColumnElement[Any]:
    """`hub.rules.lpa.timeliness_as_of`'s status, for LAOs of one deadline."""
    if deadline is None:
        return null()
    limit, end = lpa.utc(as_of), lpa.end_of_day(deadline)
    certified = state_as_of(min(end, limit)).in_(CERTIFIED)
    if limit <= end:
        return case((certified, Timeliness.ON_TIME.name), else_=Timeliness.NOT_DUE.name)
    return case(
        (certified, Timeliness.ON_TIME.name),
        (_late_at(end, limit).is_not(None), Timeliness.LATE.name),
        else_=Timeliness.OVERDUE.name,
    )


def _late(deadline: dt.date | None, as_of: dt.datetime) -> ColumnElement[Any]:
    """`_late_at` for LAOs of one deadline that missed it (NULL for the others)."""
    if deadline is None or lpa.utc(as_of) <= lpa.end_of_day(deadline):
        return null()
    end = lpa.end_of_day(deadline)
    return case((state_as_of(end).in_(CERTIFIED), null()), else_=_late_at(end, lpa.utc(as_of)))


def _final_id(lpa_year: int, as_of: dt.datetime) -> ColumnElement[Any]:
    """The id of the LAO-year's final-score revision in force at `as_of` (NULL: none)."""
    return (
        select(_revisions.c.id)
        .join(_assessments, _assessments.c.id == _revisions.c.assessment_id)
        .where(
            _assessments.c.lao_year_id == _lao_years.c.id,
            _assessments.c.lpa_year_be == lpa_year,
            _revisions.c.assessed_at <= lpa.utc(as_of),
        )
        .order_by(_revisions.c.assessed_at.desc(), _revisions.c.id.desc())
        .limit(1)
        .correlate(_lao_years)
        .scalar_subquery()
    )


def _per_lao(
    lpa_year: int,
    as_of: dt.datetime,
    deadlines: lpa.Deadlines,
    *columns: Any,
    province_id: int | None = None,
) -> Select[Any]:
    """Per LAO (of the province): `columns`, then `rule`, `timeliness`, `final_id`."""
    return laos_with_year(
        lpa.fiscal_year_assessed(lpa_year),
        province_id,
        *columns,
        rule_as_of(as_of).label("rule"),
        _per_deadline(deadlines, lambda d: _timeliness(d, as_of)).label("timeliness"),
        _final_id(lpa_year, as_of).label("final_id"),
    )


@dataclass
class LpaCounts:
    """One area's LAOs as of a date: per provisional rule, final score, timeliness."""

    laos: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    finals: Counter[int] = field(default_factory=Counter)  # LAOs with a final score, by score
    timeliness: Counter[Timeliness | None] = field(default_factory=Counter)

    @property
    def final_recorded(self) -> int:
        return sum(self.finals.values())


async def lpa_figures(
    conn: AsyncConnection,
    lpa_year: int,
    as_of: dt.datetime,
    deadlines: lpa.Deadlines,
    by: Breakdown = "province",
    province_id: int | None = None,
) -> dict[int | None, LpaCounts]:
    """Every area of the level (`by`) that has LAOs: its counts as of `as_of`, one statement.
    Keys as in `hub.db.rollups` (None for the nation)."""
    keys = key_columns(by)
    per_lao = _per_lao(lpa_year, as_of, deadlines, *keys, province_id=province_id).subquery(
        "per_lao"
    )
    outer_keys = [per_lao.c.key] if keys else []
    groups = [*outer_keys, per_lao.c.rule, per_lao.c.timeliness, _revisions.c.score]
    statement = (
        select(*groups, func.count().label("n"))
        .select_from(per_lao.outerjoin(_revisions, _revisions.c.id == per_lao.c.final_id))
        .group_by(*groups)
    )
    result: dict[int | None, LpaCounts] = {}
    for row in (await conn.execute(statement)).mappings():
        counts = result.setdefault(int(row["key"]) if keys else None, LpaCounts())
        n = int(row["n"])
        counts.laos += n
        counts.rules[str(row["rule"])] += n
        if row["score"] is not None:
            counts.finals[int(row["score"])] += n
        status = row["timeliness"]
        counts.timeliness[Timeliness[status] if status else None] += n
    return result


@dataclass(frozen=True)
class ListFilter:
    """Which LAOs `lpa_list` keeps (every given condition must hold)."""

    rules: Sequence[str] | None = None  # provisional rule among these
    final_score: int | None = None
    final_recorded: bool | None = None
    timeliness: Timeliness | None = None
    district_id: int | None = None


def lpa_list(
    identity: Identity,
    lpa_year: int,
    as_of: dt.datetime,
    deadlines: lpa.Deadlines,
    *,
    province_id: int | None = None,
    where: ListFilter = ListFilter(),
) -> tuple[Select[Any], ColumnElement[Any]]:
    """The statement listing LAOs (of the province) with their LPA columns as of `as_of`, and
    its key (the LAO's id) to page it by. Only the LAO-years the caller may read are listed
    (`visible_lao_years_clause`). Columns: the LAO's, `lao_year_id`, `state_as_of`, `rule`,
    `timeliness`, `late_at`, `final_id`, and the final revision's as `final_*`."""
    late = _per_deadline(deadlines, lambda d: _late(d, as_of)).label("late_at")
    inner = _per_lao(
        lpa_year,
        as_of,
        deadlines,
        *_laos.c,
        _lao_years.c.id.label("lao_year_id"),
        state_as_of(as_of).label("state_as_of"),
        late,
        province_id=province_id,
    ).where(visible_lao_years_clause(identity))
    if where.district_id is not None:
        inner = inner.where(_laos.c.district_id == where.district_id)
    per_lao = inner.subquery("per_lao")
    final = [
        _revisions.c[name].label(f"final_{name}")
        for name in (
            "version",
            "score",
            "rubric_year_be",
            "reason",
            "evidence",
            "inspected_on",
            "assessor_name",
            "assessed_at",
        )
    ]
    statement = select(*per_lao.c, *final).select_from(
        per_lao.outerjoin(_revisions, _revisions.c.id == per_lao.c.final_id)
    )
    if where.rules is not None:
        statement = statement.where(per_lao.c.rule.in_(list(where.rules)))
    if where.final_score is not None:
        statement = statement.where(_revisions.c.score == where.final_score)
    if where.final_recorded is not None:
        recorded = per_lao.c.final_id.is_not(None)
        statement = statement.where(recorded if where.final_recorded else ~recorded)
    if where.timeliness is not None:
        statement = statement.where(per_lao.c.timeliness == where.timeliness.name)
    return statement, per_lao.c.id

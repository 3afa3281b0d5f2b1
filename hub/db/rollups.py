"""Per-fiscal-year roll-ups for the nation, provinces and districts: one SQL statement each.

Every LAO counts, whether or not it has a `lao_years` row for the year: an LAO without one
has not certified (DRAFT) and recorded nothing (LPA score 0). Keys are None for the nation,
the province id or the district id of the LAO; every key that has LAOs is present, with
zeros for the states or scores nobody is in. Portable SQLAlchemy Core: SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import certification_counts, lpa_tallies
from hub.db.models import CertificationEvent, CompletenessChange, Lao, LaoYear
from hub.rules import lpa
from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import Breakdown, CertificationState

_laos = Lao.__table__
_lao_years = LaoYear.__table__
_events = CertificationEvent.__table__
_history = CompletenessChange.__table__


def key_columns(by: Breakdown) -> list[ColumnElement[Any]]:
    """The grouping key of a breakdown over `laos`, labelled `key` (none for the nation)."""
    if by == "nation":
        return []
    if by == "province":
        return [_laos.c.province_id.label("key")]
    if by == "district":
        return [_laos.c.district_id.label("key")]
    raise ValueError(f"roll-up by {by!r}: expected nation, province or district")


def laos_with_year(fiscal_year: int, province_id: int | None, *columns: Any) -> Select[Any]:
    """`columns` over every LAO (of the province) left-joined to its LAO-year of the year."""
    statement = select(*columns).select_from(
        _laos.outerjoin(
            _lao_years,
            and_(_lao_years.c.lao_id == _laos.c.id, _lao_years.c.fiscal_year == fiscal_year),
        )
    )
    if province_id is not None:
        statement = statement.where(_laos.c.province_id == province_id)
    return statement


async def certification_progress(
    conn: AsyncConnection,
    fiscal_year: int,
    by: Breakdown = "province",
    province_id: int | None = None,
) -> dict[int | None, dict[CertificationState, int]]:
    """How many LAOs are in each certification state now, per key, from the maintained
    counts (`hub.db.certification_counts`); `certification_progress_from_rows` gives the
    same figures from every LAO and its LAO-year."""
    return await certification_counts.progress(conn, fiscal_year, by, province_id)


async def certification_progress_from_rows(
    conn: AsyncConnection,
    fiscal_year: int,
    by: Breakdown = "province",
    province_id: int | None = None,
) -> dict[int | None, dict[CertificationState, int]]:
    """How many LAOs are in each certification state now, per key, grouped from `laos`
    left-joined to their LAO-years."""
    keys = key_columns(by)
    counts = [
        func.count(
            case(
                (
                    or_(_lao_years.c.state == state, _lao_years.c.id.is_(None))
                    if state is CertificationState.DRAFT
                    else _lao_years.c.state == state,
                    1,
                )
            )
        ).label(state.name)
        for state in CertificationState
    ]
    statement = laos_with_year(fiscal_year, province_id, *keys, *counts)
    if keys:
        statement = statement.group_by(keys[0])
    result: dict[int | None, dict[CertificationState, int]] = {}
    for row in (await conn.execute(statement)).mappings():
        if not keys and not any(row[s.name] for s in CertificationState):
            continue  # the nation row when there is no LAO at all
        key = int(row["key"]) if keys else None
        result[key] = {s: int(row[s.name]) for s in CertificationState}
    return result


def state_as_of(as_of: dt.datetime) -> ColumnElement[Any]:
    """The to_state of the LAO-year's latest event at or before `as_of` (NULL: none)."""
    return (
        select(_events.c.to_state)
        .where(_events.c.lao_year_id == _lao_years.c.id, _events.c.at <= lpa.utc(as_of))
        .order_by(_events.c.at.desc(), _events.c.id.desc())
        .limit(1)
        .correlate(_lao_years)
        .scalar_subquery()
    )


def _completeness_as_of(column: Any, as_of: dt.datetime) -> ColumnElement[Any]:
    """`column` of the LAO-year's latest completeness entry at or before `as_of` (NULL: none)."""
    return (
        select(column)
        .where(_history.c.lao_year_id == _lao_years.c.id, _history.c.at <= lpa.utc(as_of))
        .order_by(_history.c.at.desc(), _history.c.id.desc())
        .limit(1)
        .correlate(_lao_years)
        .scalar_subquery()
    )


def rule_as_of(as_of: dt.datetime) -> ColumnElement[Any]:
    """The LPA rule code (`hub.rules.lpa.rule_for`) of the LAO-year as of `as_of`, in SQL over
    `laos` left-joined to `lao_years` (an LAO without a LAO-year: NOTHING_RECORDED).

    Over the history up to the date only: the state is the to_state of the latest certification
    event at or before it (ties: the later id; DRAFT when none), and the completeness is the
    latest entry of `completeness_history` at or before it (ties: the later id; nothing
    recorded when none): complete = its mask is 255; recorded = its `anything_recorded`, or
    its mask ≠ 0. It agrees with `hub.rules.lpa.provisional_score`.
    """
    state = state_as_of(as_of)
    mask = func.coalesce(_completeness_as_of(_history.c.complete_domains, as_of), 0)
    recorded = _completeness_as_of(_history.c.anything_recorded, as_of)
    complete = mask == ALL_DOMAINS_MASK
    return case(
        (
            and_(complete, state == CertificationState.PROVINCE_CERTIFIED),
            lpa.COMPLETE_LAO_AND_PROVINCE_CERTIFIED,
        ),
        (and_(complete, state == CertificationState.LAO_CERTIFIED), lpa.COMPLETE_LAO_CERTIFIED),
        (complete, lpa.COMPLETE_NOT_CERTIFIED),
        (or_(mask != 0, recorded == True), lpa.RECORDED_NOT_CERTIFIED),  # noqa: E712
        else_=lpa.NOTHING_RECORDED,
    )


async def lpa_distribution(
    conn: AsyncConnection,
    fiscal_year: int,
    as_of: dt.datetime,
    by: Breakdown = "province",
    province_id: int | None = None,
    rubric: lpa.Rubric = lpa.DEFAULT_RUBRIC_2564,
) -> dict[int | None, dict[int, int]]:
    """How many LAOs have each provisional LPA indicator-7 score as of `as_of`, per key: the
    LAOs per rule from the maintained tallies (`hub.db.lpa_tallies`, a probe per area and
    rule), each rule counted at its score in `rubric`. `lpa_distribution_from_history` gives
    the same figures from every LAO's history."""
    result: dict[int | None, dict[int, int]] = {}
    per_rule = await lpa_tallies.distribution(conn, fiscal_year, as_of, by, province_id)
    for key, rules in per_rule.items():
        counts = result.setdefault(key, dict.fromkeys(rubric.scores, 0))
        for rule, n in rules.items():
            counts[rubric.score(rule)] += n
    return result


async def lpa_distribution_from_history(
    conn: AsyncConnection,
    fiscal_year: int,
    as_of: dt.datetime,
    by: Breakdown = "province",
    province_id: int | None = None,
    rubric: lpa.Rubric = lpa.DEFAULT_RUBRIC_2564,
) -> dict[int | None, dict[int, int]]:
    """`lpa_distribution` matched afresh from every LAO's history: the LAOs per rule
    (`rule_as_of`), each rule counted at its score in `rubric`."""
    keys = key_columns(by)
    per_lao = laos_with_year(fiscal_year, province_id, *keys, rule_as_of(as_of).label("rule"))
    scored = per_lao.subquery("per_lao")
    outer_keys = [scored.c.key] if keys else []
    statement = select(*outer_keys, scored.c.rule, func.count().label("n")).group_by(
        *outer_keys, scored.c.rule
    )
    result: dict[int | None, dict[int, int]] = {}
    for row in (await conn.execute(statement)).mappings():
        key = int(row["key"]) if keys else None
        counts = result.setdefault(key, dict.fromkeys(rubric.scores, 0))
        counts[rubric.score(str(row["rule"]))] += int(row["n"])
    return result

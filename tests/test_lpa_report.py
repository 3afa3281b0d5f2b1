"""LPA indicator 7 per area in SQL (`hub.db.lpa`): one statement counts every area of a level
and one lists the LAOs, and both agree, LAO by LAO and moment by moment, with the rules in
Python (`hub.rules.lpa`: the provisional rule, timeliness) and with the final score in force."""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import insert, select

from hub.db.engine import create_engine
from hub.db.lpa import ListFilter, certification_deadlines, lpa_figures, lpa_list, stored_rubrics
from hub.db.models import (
    CertificationEvent,
    CompletenessChange,
    Lao,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    LpaRubric,
)
from hub.rules import lpa
from hub.rules.enums import Role, Timeliness
from hub.rules.identity import PUBLIC, RoleGrant, user
from tests.small_world import BAN_TAK, LAMPANG, MUEANG_TAK, TAK, counting_statements
from tests.test_rollups import march, seed

UTC = dt.UTC
DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
# FY 2569's deadline in the small world is 15 June 2026; these tests move it into March.
MARCH_15 = dt.date(2026, 3, 15)


async def _final(conn, lao_year_id, versions):
    """A final score of LPA 2569 with `versions` [(score, recorded at)]."""
    assessment_id = (
        await conn.execute(
            insert(LpaAssessment)
            .values(
                lao_year_id=lao_year_id,
                lpa_year_be=2569,
                inspected_on=dt.date(2026, 3, 3),
                score=versions[-1][0],
                reason="r",
                evidence="e",
                version=len(versions),
                assessed_at=versions[-1][1],
            )
            .returning(LpaAssessment.id)
        )
    ).scalar_one()
    for n, (score, at) in enumerate(versions, start=1):
        await conn.execute(
            insert(LpaAssessmentRevision).values(
                assessment_id=assessment_id,
                version=n,
                score=score,
                rubric_year_be=2564,
                reason=f"reason {n}",
                evidence="e",
                inspected_on=dt.date(2026, 3, 3),
                assessor_name="ผู้ตรวจ",
                assessed_at=at,
            )
        )


@pytest.fixture
async def engine(migrated_database_url):
    """The roll-ups' small world (see tests/test_rollups.py `seed`), with final scores:
    LAO 1: 3 on 5 March, revised to 5 on 12 March; LAO 3: 1 on 6 March."""
    engine = create_engine(migrated_database_url)
    async with engine.begin() as conn:
        await seed(conn)
        await _final(conn, 1, [(3, march(5)), (5, march(12))])
        await _final(conn, 3, [(1, march(6))])
    yield engine
    await engine.dispose()


MOMENTS = [march(1) - dt.timedelta(days=30)] + [
    march(d, h) for d in range(1, 32, 2) for h in (0, 12)
]
DEADLINES = {
    "the year's": lpa.Deadlines(MARCH_15),
    "Lampang's own": lpa.Deadlines(MARCH_15, {LAMPANG: dt.date(2026, 3, 4)}),
    "none": lpa.Deadlines(None),
}


async def _expected(conn, as_of, deadlines):
    """Per LAO, from Python: (province, district, rule, timeliness status, final score)."""
    laos = (await conn.execute(select(Lao.id, Lao.province_id, Lao.district_id))).all()
    years = dict(
        (
            await conn.execute(
                select(LaoYear.lao_id, LaoYear.id).where(LaoYear.fiscal_year == 2569)
            )
        ).all()
    )
    events = (
        await conn.execute(
            select(
                CertificationEvent.lao_year_id, CertificationEvent.at, CertificationEvent.to_state
            ).order_by(CertificationEvent.id)
        )
    ).all()
    history = (
        await conn.execute(
            select(
                CompletenessChange.lao_year_id,
                CompletenessChange.at,
                CompletenessChange.complete_domains,
                CompletenessChange.anything_recorded,
            ).order_by(CompletenessChange.id)
        )
    ).all()
    finals = (
        await conn.execute(
            select(
                LpaAssessment.lao_year_id,
                LpaAssessmentRevision.score,
                LpaAssessmentRevision.assessed_at,
            )
            .join(LpaAssessment, LpaAssessment.id == LpaAssessmentRevision.assessment_id)
            .order_by(LpaAssessmentRevision.assessed_at)
        )
    ).all()
    result = {}
    for lao_id, province_id, district_id in laos:
        ly = years.get(lao_id)
        mine = [(at, to) for y, at, to in events if y == ly]
        score = lpa.provisional_score(
            mine, as_of, [(at, m, r) for y, at, m, r in history if y == ly]
        )
        deadline = deadlines.for_province(province_id)
        timely = lpa.timeliness_as_of(mine, deadline, as_of) if deadline else None
        final = [s for y, s, at in finals if y == ly and lpa.utc(at) <= as_of]
        result[lao_id] = (
            province_id,
            district_id,
            score.rule,
            timely.status if timely else None,
            final[-1] if final else None,
            timely.certified_late_at if timely else None,
        )
    return result


@pytest.mark.parametrize("deadlines", sorted(DEADLINES))
async def test_sql_and_python_agree_on_every_lao_at_every_moment(engine, deadlines):
    chosen = DEADLINES[deadlines]
    async with engine.connect() as conn:
        for as_of in MOMENTS:
            expected = await _expected(conn, as_of, chosen)
            for by, index in (("nation", None), ("province", 0), ("district", 1)):
                want: dict = {}
                for lao in expected.values():
                    key = None if index is None else lao[index]
                    counts = want.setdefault(key, (Counter(), Counter(), Counter()))
                    counts[0][lao[2]] += 1
                    counts[1][lao[3]] += 1
                    if lao[4] is not None:
                        counts[2][lao[4]] += 1
                got = await lpa_figures(conn, 2569, as_of, chosen, by=by)
                assert {k: (+v.rules, +v.timeliness, +v.finals) for k, v in got.items()} == {
                    k: (+a, +b, +c) for k, (a, b, c) in want.items()
                }, (by, as_of)
                assert all(v.laos == sum(v.rules.values()) for v in got.values())

            statement, key = lpa_list(DLA, 2569, as_of, chosen)
            rows = (await conn.execute(statement.order_by(key))).all()
            listed = {
                r.id: (
                    r.province_id,
                    r.district_id,
                    r.rule,
                    Timeliness[r.timeliness] if r.timeliness else None,
                    r.final_score,
                    r.late_at,
                )
                for r in rows
            }
            assert listed == expected, as_of


async def test_one_statement_per_level_and_per_page(engine):
    deadlines = DEADLINES["Lampang's own"]
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            by_province = await lpa_figures(conn, 2569, march(20), deadlines, by="province")
            statement, key = lpa_list(DLA, 2569, march(20), deadlines)
            rows = (await conn.execute(statement.order_by(key).limit(100))).all()
        assert len(statements) == 2
    assert set(by_province) == {TAK, LAMPANG} and len(rows) == 6


async def test_days_late_and_the_late_certification_come_with_the_list(engine):
    # LAO 2 certified on 2 March, cancelled on 5 March, certified again on 20 March: with a
    # deadline of 4 March it was on time; with 10 March, late by 10 days (20 March Bangkok).
    async with engine.connect() as conn:
        for deadline, status, late_at in [
            (dt.date(2026, 3, 4), "ON_TIME", None),
            (dt.date(2026, 3, 10), "LATE", march(20)),
        ]:
            statement, key = lpa_list(DLA, 2569, march(25), lpa.Deadlines(deadline))
            row = (await conn.execute(statement.where(key == 2))).one()
            assert (row.timeliness, row.late_at) == (status, late_at)
            t = lpa.timeliness_of(Timeliness[row.timeliness], deadline, march(25), row.late_at)
            assert t.days_late == (10 if status == "LATE" else None)


async def test_the_list_keeps_what_the_caller_may_read_and_filters_in_sql(engine):
    deadlines = DEADLINES["the year's"]
    async with engine.connect() as conn:

        async def ids(identity, **where):
            statement, key = lpa_list(
                identity, 2569, march(31), deadlines, where=ListFilter(**where)
            )
            return [r.id for r in (await conn.execute(statement.order_by(key))).all()]

        assert await ids(DLA) == [1, 2, 3, 4, 5, 6]
        assert await ids(PUBLIC) == [1, 2]  # certified now
        tak_assessor = user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=TAK))
        assert await ids(tak_assessor) == [1, 2, 3, 4]  # and the drafts of its province
        assert await ids(DLA, rules=lpa.DEFAULT_RUBRIC_2564.rules_scoring(1)) == [3, 6]
        assert await ids(DLA, final_recorded=True) == [1, 3]
        assert await ids(DLA, final_recorded=False) == [2, 4, 5, 6]
        assert await ids(DLA, final_score=5) == [1]
        assert await ids(DLA, timeliness=Timeliness.LATE) == [2]
        assert await ids(DLA, district_id=BAN_TAK) == [3, 4]
        statement, key = lpa_list(DLA, 2569, march(31), deadlines, province_id=TAK)
        assert [r.id for r in (await conn.execute(statement.order_by(key))).all()] == [1, 2, 3, 4]
        assert MUEANG_TAK  # (districts of the small world: see tests/small_world.py)


async def test_the_deadline_and_the_rubrics_come_from_one_place_each(engine):
    async with engine.begin() as conn:
        deadlines = await certification_deadlines(conn, [2569, 2568, 2600])
        assert deadlines == {
            2568: lpa.Deadlines(dt.date(2025, 6, 15)),
            2569: lpa.Deadlines(dt.date(2026, 6, 15)),
            2600: lpa.Deadlines(None),  # a year the hub does not know
        }
        assert await stored_rubrics(conn) == {}
        await conn.execute(
            insert(LpaRubric).values(
                lpa_year_be=2568, levels_json=lpa.rubric_to_json(lpa.DEFAULT_RUBRIC_2564)
            )
        )
        stored = await stored_rubrics(conn)
    assert lpa.rubric_in_force(stored, 2569) == (2568, lpa.DEFAULT_RUBRIC_2564)

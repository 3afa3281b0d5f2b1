"""Roll-ups per fiscal year: certification progress and the LPA indicator-7 distribution."""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import insert, select, update

from hub.db import certification_counts, completeness, lpa_tallies
from hub.db.engine import create_engine
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    CertificationEvent,
    CompletenessChange,
    Lao,
    LaoYear,
)
from hub.db.rollups import (
    certification_progress,
    certification_progress_from_rows,
    lpa_distribution,
    lpa_distribution_from_history,
)
from hub.rules import lpa
from hub.rules.catalogue import DOMAINS, Kind
from hub.rules.enums import CertificationState
from tests.small_world import (
    BAN_TAK,
    LAMPANG,
    MUEANG_LAMPANG,
    MUEANG_TAK,
    TAK,
    counting_statements,
    seed_places_and_years,
)

DRAFT = CertificationState.DRAFT
LAO = CertificationState.LAO_CERTIFIED
PROVINCE = CertificationState.PROVINCE_CERTIFIED
UTC = dt.UTC


def march(day, hour=0):
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


SAMPLE = {Kind.INT: 1, Kind.DECIMAL: 2.5, Kind.BOOL: True}


def filled(d):
    return {
        f.column: f.choice_codes[0] if f.kind is Kind.CHOICE else SAMPLE[f.kind] for f in d.fields
    }


async def record_everything(conn, lao_year_id):
    """All 8 sections filled, one water system, "no tourist site in this area"."""
    for d in DOMAINS:
        await conn.execute(
            insert(SECTION_TABLES[d.number]).values(lao_year_id=lao_year_id, **filled(d))
        )
    await conn.execute(
        update(SECTION_TABLES[8]).where(SECTION_TABLES[8].c.lao_year_id == lao_year_id),
        {"tourist_sites_none": True},
    )
    await conn.execute(
        insert(RECORD_TABLES["water_supply_systems"]).values(
            lao_year_id=lao_year_id, record_key=f"w{lao_year_id}"
        )
    )


async def seed(conn):
    """Tak (2 districts, LAOs 1-4) and Lampang (LAOs 5-6), FY 2568 and 2569.

    FY 2569, LAO by LAO (LAO-year id = LAO id):
    1  complete; LAO-certified 1 Mar, province-certified 10 Mar
    2  complete; LAO-certified 2 Mar, cancelled 5 Mar, certified again 20 Mar
    3  domain 1 recorded only, on 4 March (nothing before)
    4  only a value pulled from another DLA system (the LAO recorded nothing)
    5  no LAO-year row at all
    6  complete, never certified (the rubric's gap)
    FY 2568: LAO 1 only (id 101), province-certified.
    """
    districts = {
        1: MUEANG_TAK,
        2: MUEANG_TAK,
        3: BAN_TAK,
        4: BAN_TAK,
        5: MUEANG_LAMPANG,
        6: MUEANG_LAMPANG,
    }
    await seed_places_and_years(conn, districts)
    await conn.execute(
        insert(LaoYear.__table__),
        [{"id": lao, "lao_id": lao, "fiscal_year": 2569} for lao in (1, 2, 3, 4, 6)]
        + [{"id": 101, "lao_id": 1, "fiscal_year": 2568}],
    )
    for lao_year in (1, 2, 6, 101):
        await record_everything(conn, lao_year)
    await conn.execute(insert(SECTION_TABLES[1]).values(lao_year_id=3, **filled(DOMAINS[0])))
    await conn.execute(insert(SECTION_TABLES[6]).values(lao_year_id=4, staff=25))

    # complete_domains as the application keeps it: recomputed from the rows.
    masks = await completeness.recompute(conn, [1, 2, 3, 4, 6, 101])
    assert masks == {1: 255, 2: 255, 3: 1, 4: 0, 6: 255, 101: 255}
    for lao_year, value in masks.items():
        await conn.execute(
            update(LaoYear.__table__).where(LaoYear.id == lao_year).values(complete_domains=value)
        )
    # Their completeness history: as it stands since 1 February (LAO 3: since 4 March).
    recorded = await completeness.load(conn, list(masks))
    await conn.execute(
        insert(CompletenessChange.__table__),
        [
            {
                "lao_year_id": lao_year,
                "at": march(4) if lao_year == 3 else dt.datetime(2025, 2, 1, tzinfo=UTC),
                "complete_domains": value,
                "anything_recorded": recorded[lao_year].anything_recorded,
            }
            for lao_year, value in masks.items()
            if value or recorded[lao_year].anything_recorded
        ],
    )

    history = [
        (1, march(1), DRAFT, LAO),
        (1, march(10), LAO, PROVINCE),
        (2, march(2), DRAFT, LAO),
        (2, march(5), LAO, DRAFT),
        (2, march(20), DRAFT, LAO),
        (101, dt.datetime(2025, 5, 1, tzinfo=UTC), DRAFT, LAO),
        (101, dt.datetime(2025, 5, 2, tzinfo=UTC), LAO, PROVINCE),
    ]
    await conn.execute(
        insert(CertificationEvent.__table__),
        [{"lao_year_id": ly, "at": at, "from_state": f, "to_state": t} for ly, at, f, t in history],
    )
    for lao_year, state in {1: PROVINCE, 2: LAO, 101: PROVINCE}.items():
        await conn.execute(
            update(LaoYear.__table__).where(LaoYear.id == lao_year).values(state=state)
        )


@pytest.fixture
async def engine(migrated_database_url):
    engine = create_engine(migrated_database_url)
    async with engine.begin() as conn:
        await seed(conn)
        # Seeded in bulk, as the demo loads: the maintained roll-ups are counted once.
        await lpa_tallies.rebuild(conn, [2568, 2569])
        await certification_counts.rebuild(conn, [2568, 2569])
    yield engine
    await engine.dispose()


# Reads answer from the maintained tallies; every LAO's history gives the same figures.
DISTRIBUTIONS = {"maintained": lpa_distribution, "from_history": lpa_distribution_from_history}


PROGRESSES = {"maintained": certification_progress, "from_rows": certification_progress_from_rows}


@pytest.fixture(params=list(PROGRESSES))
def progress(request):
    return PROGRESSES[request.param]


@pytest.fixture(params=list(DISTRIBUTIONS))
def distribution(request):
    return DISTRIBUTIONS[request.param]


def states(draft, lao, province):
    return {DRAFT: draft, LAO: lao, PROVINCE: province}


def scores(five, three, one, zero):
    return {5: five, 3: three, 1: one, 0: zero}


# --- certification progress ----------------------------------------------------------------------


async def test_certification_progress_counts_every_lao_of_each_key(engine, progress):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            by_province = await progress(conn, 2569, "province")
        by_district = await progress(conn, 2569, "district", province_id=TAK)
        nation = await progress(conn, 2569, "nation")
        last_year = await progress(conn, 2568, "province")
    assert len(statements) == 1
    # LAO 5 has no LAO-year for 2569: it counts as not yet certified.
    assert by_province == {TAK: states(2, 1, 1), LAMPANG: states(2, 0, 0)}
    assert by_district == {MUEANG_TAK: states(0, 1, 1), BAN_TAK: states(2, 0, 0)}
    assert nation == {None: states(4, 1, 1)}
    assert last_year == {TAK: states(3, 0, 1), LAMPANG: states(2, 0, 0)}


# --- LPA distribution ----------------------------------------------------------------------------


async def test_lpa_distribution_as_of_the_inspection_date(engine, distribution):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            on_6_march = await distribution(conn, 2569, march(6), "province")
        assert len(statements) == 1
        # LAO 1 awaits its province: 3; LAO 2 cancelled on 5 Mar, so complete but draft: 1;
        # LAO 3: 1; LAO 4 (a pulled value only): 0; LAO 5 (no LAO-year): 0; LAO 6 (complete,
        # never certified): 1.
        assert on_6_march == {TAK: scores(0, 1, 2, 1), LAMPANG: scores(0, 0, 1, 1)}
        assert await distribution(conn, 2569, march(31), "province") == {
            TAK: scores(1, 1, 1, 1),
            LAMPANG: scores(0, 0, 1, 1),
        }
        assert await distribution(conn, 2569, march(31), "district", province_id=TAK) == {
            MUEANG_TAK: scores(1, 1, 0, 0),
            BAN_TAK: scores(0, 0, 1, 1),
        }
        # Midday on 1 March LAO 1 is LAO-certified and nobody else yet; LAO 3 has recorded
        # nothing yet (its domain 1 came on 4 March).
        assert await distribution(conn, 2569, march(1, 12), "nation") == {None: scores(0, 1, 2, 3)}


async def test_an_event_at_the_inspection_moment_counts(engine, distribution):
    async with engine.connect() as conn:
        before = await distribution(conn, 2569, march(10) - dt.timedelta(seconds=1), "nation")
        at_the_moment = await distribution(conn, 2569, march(10), "nation")
        in_bangkok = await distribution(
            conn, 2569, dt.datetime(2026, 3, 10, 7, tzinfo=lpa.BANGKOK), "nation"
        )
    assert before == {None: scores(0, 1, 3, 2)}
    assert at_the_moment == in_bangkok == {None: scores(1, 0, 3, 2)}


async def test_sql_and_python_agree_on_every_lao(engine, distribution):
    """`lpa_distribution` is `hub.rules.lpa.provisional_score` summed, whatever the date."""
    events = CertificationEvent.__table__
    async with engine.connect() as conn:
        laos = (await conn.execute(select(Lao.id, Lao.province_id, Lao.district_id))).all()
        years = dict(
            (
                await conn.execute(
                    select(LaoYear.lao_id, LaoYear.id).where(LaoYear.fiscal_year == 2569)
                )
            ).all()
        )
        completeness_history = (
            await conn.execute(
                select(
                    CompletenessChange.lao_year_id,
                    CompletenessChange.at,
                    CompletenessChange.complete_domains,
                    CompletenessChange.anything_recorded,
                ).order_by(CompletenessChange.id)
            )
        ).all()
        history = (
            await conn.execute(
                select(events.c.lao_year_id, events.c.at, events.c.to_state).order_by(events.c.id)
            )
        ).all()

        moments = [march(1) - dt.timedelta(days=30)] + [
            march(d, h) for d in range(1, 32) for h in (0, 12)
        ]
        for as_of in moments:
            expected = {"nation": Counter(), "province": Counter(), "district": Counter()}
            for lao_id, province_id, district_id in laos:
                lao_year = years.get(lao_id)
                score = lpa.provisional_score(
                    [(at, to) for ly, at, to in history if ly == lao_year],
                    as_of,
                    [(at, m, r) for ly, at, m, r in completeness_history if ly == lao_year],
                ).score
                expected["nation"][(None, score)] += 1
                expected["province"][(province_id, score)] += 1
                expected["district"][(district_id, score)] += 1
            for by, counts in expected.items():
                actual = await distribution(conn, 2569, as_of, by)
                assert {
                    (k, s): n for k, per in actual.items() for s, n in per.items() if n
                } == counts, (by, as_of)

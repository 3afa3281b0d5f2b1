"""KPI 16: recorded village water-supply systems against DLA's reference list."""

import datetime as dt

import pytest
from sqlalchemy import insert

from hub.db.engine import create_engine
from hub.db.kpi16 import coverage
from hub.db.models import RECORD_TABLES, Kpi16Reference, Kpi16Round, LaoYear
from hub.rules.kpi16 import Coverage, recording_rate, target_met
from tests.small_world import (
    BAN_TAK,
    LAMPANG,
    MUEANG_LAMPANG,
    MUEANG_TAK,
    TAK,
    counting_statements,
    seed_places_and_years,
)

ROUND, EMPTY_ROUND = 1, 2


# --- pure helpers --------------------------------------------------------------------------------


def test_the_recording_rate_is_recorded_over_reference():
    assert recording_rate(3, 4) == 0.75
    assert recording_rate(0, 4) == 0.0
    assert recording_rate(0, 0) is None


def test_the_target_compares_exactly_in_percent():
    assert target_met(2, 3, 66.66) is True
    assert target_met(2, 3, 66.67) is False
    assert target_met(4, 5, 80) is True
    assert target_met(0, 0, 80) is None


# --- from the database ---------------------------------------------------------------------------


async def seed(conn):
    """Tak: two districts, four LAOs; Lampang: one district, one LAO. FY 2568 and 2569."""
    laos = {1: MUEANG_TAK, 2: MUEANG_TAK, 3: BAN_TAK, 4: BAN_TAK, 5: MUEANG_LAMPANG}
    await seed_places_and_years(conn, laos)
    # LAO-year ids: LAO n in 2569 is n, in 2568 is 100 + n.
    await conn.execute(
        insert(LaoYear.__table__),
        [{"id": lao, "lao_id": lao, "fiscal_year": 2569} for lao in laos]
        + [{"id": 100 + lao, "lao_id": lao, "fiscal_year": 2568} for lao in laos],
    )
    # Round 1 of FY 2569 opened on 26 Jan 2569 (2026) with a target of 80 %; round 2 is empty.
    await conn.execute(
        insert(Kpi16Round.__table__),
        [
            {
                "id": ROUND,
                "fiscal_year": 2569,
                "round_no": 1,
                "opened_on": dt.date(2026, 1, 26),
                "province_report_deadline": dt.date(2026, 3, 20),
                "target_percent": 80,
            },
            {
                "id": EMPTY_ROUND,
                "fiscal_year": 2569,
                "round_no": 2,
                "opened_on": dt.date(2026, 6, 1),
                "province_report_deadline": dt.date(2026, 8, 1),
                "target_percent": 90,
            },
        ],
    )
    # DLA's list: code → (province, LAO); R6 has no LAO.
    references = {
        "R1": (TAK, 1),
        "R2": (TAK, 1),
        "R3": (TAK, 2),
        "R4": (TAK, 3),
        "R5": (TAK, 3),
        "R6": (TAK, None),
        "R7": (LAMPANG, 5),
    }
    await conn.execute(
        insert(Kpi16Reference.__table__),
        [
            {"round_id": ROUND, "reference_code": code, "province_id": p, "lao_id": lao}
            | {"name": f"ประปา {code}"}
            for code, (p, lao) in references.items()
        ],
    )
    checked, stale = dt.date(2026, 2, 1), dt.date(2025, 12, 1)
    systems = [
        (1, "R1", checked, None),  # recorded and checked since the round opened
        (1, "R2", stale, None),  # recorded, last checked before the round
        (2, "R3", None, None),  # recorded twice: counted once,
        (2, "R3", dt.date(2026, 1, 26), None),  # checked on the opening day
        (3, "R4", checked, dt.date(2026, 2, 2)),  # retired: not recorded
        (103, "R5", checked, None),  # recorded in FY 2568 only: not recorded
        (4, "R6", None, None),  # recorded by another LAO of the province
        (5, "R7", checked, None),
        (5, "R99", checked, None),  # not on DLA's list
        (5, None, checked, None),  # no reference code
    ]
    await conn.execute(
        insert(RECORD_TABLES["water_supply_systems"]),
        [
            {
                "lao_year_id": lao_year,
                "record_key": f"w{i}",
                "dla_reference_code": code,
                "last_checked_on": last_checked,
                "retired_on": retired,
            }
            for i, (lao_year, code, last_checked, retired) in enumerate(systems)
        ],
    )


@pytest.fixture
async def engine(migrated_database_url):
    engine = create_engine(migrated_database_url)
    async with engine.begin() as conn:
        await seed(conn)
    yield engine
    await engine.dispose()


async def test_national_coverage_of_a_round(engine):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            result = await coverage(conn, ROUND, "nation")
    assert len(statements) == 1
    assert result == {
        None: Coverage.of(reference_systems=7, recorded=5, checked=3, target_percent=80)
    }
    assert result[None].rate == pytest.approx(5 / 7)
    assert result[None].met is False


async def test_coverage_per_province(engine):
    async with engine.connect() as conn:
        result = await coverage(conn, ROUND, "province")
        only_tak = await coverage(conn, ROUND, "province", province_id=TAK)
    assert result == {
        TAK: Coverage(7 - 1, 4, 2, rate=4 / 6, target_percent=80.0, met=False),
        LAMPANG: Coverage(1, 1, 1, rate=1.0, target_percent=80.0, met=True),
    }
    assert only_tak == {TAK: result[TAK]}


async def test_coverage_per_district_leaves_out_references_without_an_lao(engine):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            in_tak = await coverage(conn, ROUND, "district", province_id=TAK)
        everywhere = await coverage(conn, ROUND, "district")
    assert len(statements) == 1
    assert in_tak == {
        MUEANG_TAK: Coverage(3, 3, 2, rate=1.0, target_percent=80.0, met=True),
        BAN_TAK: Coverage(2, 0, 0, rate=0.0, target_percent=80.0, met=False),
    }  # R6 (no LAO) counts for Tak and the nation only
    assert everywhere == in_tak | {MUEANG_LAMPANG: Coverage(1, 1, 1, 1.0, 80.0, True)}


async def test_a_round_without_references_and_an_unknown_round(engine):
    async with engine.connect() as conn:
        assert await coverage(conn, EMPTY_ROUND, "nation") == {
            None: Coverage(0, 0, 0, rate=None, target_percent=90.0, met=None)
        }
        assert await coverage(conn, EMPTY_ROUND, "province") == {}
        assert await coverage(conn, ROUND, "nation", province_id=999) == {
            None: Coverage(0, 0, 0, rate=None, target_percent=80.0, met=None)
        }
        assert await coverage(conn, 404, "nation") == {}
        with pytest.raises(ValueError, match="coverage by 'village'"):
            await coverage(conn, ROUND, "village")  # type: ignore[arg-type]

"""Historical years in the pre-2020 shape: `hub history import`, read back through the API
marked as historical, refused whole when any line is wrong, logged in the change log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.cli.main import main
from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, HistoricalSection
from hub.rules.history_file import read
from hub.settings import Settings
from tests.conftest import graphql, serve
from tests.test_catalogue_years import CODE, _world

GOOD = """lao_code,fiscal_year,domain,field,value
6399001,2558,1,population,5210
6399001,2558,1,households,1480
6399001,2558,7,has_wastewater_treatment,ไม่มี
6399001,2558,8,revenue_baht,"25,400,000.50"
"""

BAD = """lao_code,fiscal_year,domain,field,value
6399001,2558,1,population,-3
6399001,2570,1,population,5
6399001,2558,9,population,5
6399001,2558,5,fire_trucks,2
"""


def test_a_history_file_is_checked_line_by_line():
    checked, errors = read(GOOD.encode())
    assert errors == []
    assert checked.values[(CODE, 2558)] == {
        1: {"population": 5210, "households": 1480},
        7: {"has_wastewater_treatment": False},
        8: {"revenue_baht": 25_400_000.5},
    }
    _, errors = read(BAD.encode())
    assert [(e.line, e.column, e.code) for e in errors] == [
        (2, "value", "OUT_OF_RANGE"),
        (3, "fiscal_year", "OUT_OF_RANGE"),  # 2570 is in the current shape
        (4, "domain", "NOT_A_CHOICE"),
        (5, "field", "UNKNOWN_FIELD"),  # fire trucks are domain 6 in the old shape
    ]
    _, errors = read(b"code,year\n1,2\n")
    assert errors[0].column == "header"


HISTORICAL = """query($year: Int!) { lao(code: "6399001") { year(fiscalYear: $year) {
  fiscalYear state catalogueShape historical completeness { domain }
  healthEnvironment { villageHealthVolunteers }
  historicalSections { domain key labelTh values { name labelEn unit number flag } } } } }"""


@pytest.fixture
def world(migrated_database_url, monkeypatch):
    import asyncio

    asyncio.run(_world(migrated_database_url))
    monkeypatch.setenv("HUB_DATABASE_URL", migrated_database_url)
    return migrated_database_url


async def _count(url: str, *tables) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [
                (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in tables
            ]
    finally:
        await engine.dispose()


def test_the_import_command_stores_a_historical_year_read_in_its_own_shape(world, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["history", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err and "line 5" in err
    import asyncio

    assert asyncio.run(_count(world, HistoricalSection.__table__)) == [0]

    good = tmp_path / "info-2558.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["history", "import", str(good)]) == 0
    out = capsys.readouterr().out
    assert "imported 4 values of 1 LAO-years (3 domain sections)" in out and "2558" in out
    sections, logged = asyncio.run(
        _count(world, HistoricalSection.__table__, ChangeLogEntry.__table__)
    )
    assert sections == 3 and logged == 3  # one entry per LAO-year and domain

    async def read_back(planner: bool = True) -> dict:
        settings = Settings(database_url=world, environment="test", planner=planner)
        async with serve(settings) as client:  # the public: the year is published
            return (await graphql(client, HISTORICAL, year=2558))["lao"]["year"]

    year = asyncio.run(read_back())
    assert asyncio.run(read_back(planner=False)) == year  # the planned read, the resolvers' one
    assert year["catalogueShape"] == "PRE_2020" and year["historical"] is True
    # The historical LAO-year arrives certified by its province: counted where it stands.
    assert main(["rollups", "verify"]) == 0
    assert "Certification counts: agree with the LAO-years" in capsys.readouterr().out
    assert year["completeness"] == [] and year["healthEnvironment"] is None
    assert [s["domain"] for s in year["historicalSections"]] == [1, 7, 8]
    general = year["historicalSections"][0]
    assert general["key"] == "general" and general["labelTh"] == "ข้อมูลสภาพทั่วไป"
    assert general["values"] == [
        {
            "name": "population",
            "labelEn": "Population",
            "unit": "people",
            "number": 5210.0,
            "flag": None,
        },
        {
            "name": "households",
            "labelEn": "Households",
            "unit": "households",
            "number": 1480.0,
            "flag": None,
        },
    ]
    assert year["historicalSections"][1]["values"][0]["flag"] is False

"""The completeness rule of the 8 domains: pure, then read from SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import insert, select

from hub.db import completeness as stored
from hub.db.engine import create_engine
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    District,
    FiscalYear,
    Lao,
    LaoYear,
    Province,
    Subdistrict,
)
from hub.rules import completeness
from hub.rules.catalogue import DOMAINS, Kind, domain
from hub.rules.completeness import (
    ALL_DOMAINS_MASK,
    anything_recorded,
    domains_in,
    is_complete,
    mask,
    missing_by_domain,
    missing_fields,
)
from hub.rules.enums import LaoSize, LaoType
from tests.small_world import counting_statements

SAMPLE = {Kind.INT: 1, Kind.DECIMAL: 2.5, Kind.BOOL: True}


def filled(number, **overrides):
    """A section row of domain `number` with every field filled (overrides win)."""
    row = {}
    for f in domain(number).fields:
        row[f.column] = f.choice_codes[0] if f.kind is Kind.CHOICE else SAMPLE[f.kind]
    for t in domain(number).record_tables:
        row[t.none_flag] = False
    row.update(overrides)
    return row


ALL_FILLED = {d.number: filled(d.number) for d in DOMAINS}
FY = 2570  # the rule is judged by the catalogue of a fiscal year (test_catalogue_years.py)
RECORDS = {"water_supply_systems": 2, "tourist_sites": 1}


# --- the rule, pure ---------------------------------------------------------------------------


def test_a_domain_with_every_required_field_is_complete():
    assert missing_fields(1, filled(1), {}, FY) == []
    assert is_complete(1, filled(1), {}, FY)


def test_each_missing_required_field_is_named():
    section = filled(1, village_health_volunteers=None, has_wastewater_treatment=None)
    assert missing_fields(1, section, {}, FY) == [
        "village_health_volunteers",
        "has_wastewater_treatment",
    ]
    assert not is_complete(1, section, {}, FY)


def test_zero_and_false_are_filled_values():
    assert is_complete(3, filled(3, fire_trucks=0, has_disaster_plan=False), {}, FY)


def test_an_optional_field_may_stay_empty():
    assert is_complete(8, filled(8, tourists_per_year=None), {"tourist_sites": 1}, FY)


def test_a_pulled_field_counts_as_filled_when_it_has_a_value():
    assert domain(6).field("staff").source is not None
    assert is_complete(6, filled(6, staff=42), {}, FY)
    assert missing_fields(6, filled(6, staff=None), {}, FY) == ["staff"]


def test_a_record_table_needs_a_live_row_or_the_none_in_this_area_flag():
    assert missing_fields(5, filled(5), {}, FY) == ["water_supply_systems"]
    assert missing_fields(5, filled(5), {"water_supply_systems": 0}, FY) == ["water_supply_systems"]
    assert is_complete(5, filled(5), {"water_supply_systems": 1}, FY)
    assert is_complete(5, filled(5, water_supply_systems_none=True), {}, FY)


def test_without_a_section_row_everything_required_is_missing():
    assert missing_fields(8, None, {}, FY) == [
        "markets",
        "otop_products",
        "community_enterprises",
        "tourist_sites",
    ]
    assert missing_fields(8, None, {"tourist_sites": 3}, FY) == [
        "markets",
        "otop_products",
        "community_enterprises",
    ]


def test_missing_by_domain_lists_only_the_incomplete_domains():
    sections = dict(ALL_FILLED)
    assert missing_by_domain(sections, RECORDS, FY) == {}
    sections[2] = filled(2, teachers=None)
    del sections[7]
    assert missing_by_domain(sections, {"water_supply_systems": 1}, FY) == {
        2: ["teachers"],
        7: [f.name for f in domain(7).fields if f.required],
        8: ["tourist_sites"],
    }


def test_masks_have_bit_n_minus_1_for_domain_n():
    assert ALL_DOMAINS_MASK == 255
    assert mask([]) == 0
    assert mask([1]) == 1
    assert mask([1, 3, 8]) == 0b10000101
    assert mask(range(1, 9)) == 255
    assert domains_in(0b10000101) == [1, 3, 8]
    assert domains_in(255) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert completeness.complete_mask(ALL_FILLED, RECORDS, FY) == 255
    with pytest.raises(KeyError):
        mask([9])
    with pytest.raises(ValueError):
        domains_in(256)


def test_anything_recorded_ignores_values_pulled_from_other_systems():
    assert not anything_recorded({}, {})
    assert not anything_recorded({6: {"staff": 30}}, {})  # pulled from the LHR system
    assert not anything_recorded({1: filled(1, **dict.fromkeys(filled(1)))}, {})  # all null
    assert anything_recorded({8: {"tourists_per_year": 100}}, {})  # an optional field
    assert anything_recorded({8: {"tourist_sites_none": True}}, {})
    assert anything_recorded({}, {"water_supply_systems": 1})
    assert not anything_recorded({}, {"water_supply_systems": 0})


# --- reading from the database ---------------------------------------------------------------


async def seed(conn):
    """One LAO with five LAO-years (2565-2569), each in a different state of completeness."""
    await conn.execute(insert(Province.__table__).values(id=1, code="63", name_th="ตาก"))
    await conn.execute(
        insert(District.__table__).values(id=1, code="6301", province_id=1, name_th="เมืองตาก")
    )
    await conn.execute(
        insert(Subdistrict.__table__).values(
            id=1, code="630101", district_id=1, name_th="ระแหง", postcode="63000"
        )
    )
    await conn.execute(
        insert(Lao.__table__).values(
            id=1,
            type=LaoType.SAO,
            name_th="อบต.ตัวอย่าง",
            size=LaoSize.S,
            province_id=1,
            district_id=1,
            subdistrict_id=1,
            postcode="63000",
        )
    )
    for year in range(2565, 2570):
        start = dt.date(year - 544, 10, 1)
        await conn.execute(
            insert(FiscalYear.__table__).values(
                year_be=year,
                starts_on=start,
                ends_on=dt.date(year - 543, 9, 30),
                record_deadline=dt.date(year - 543, 6, 15),
            )
        )
        await conn.execute(insert(LaoYear.__table__).values(id=year, lao_id=1, fiscal_year=year))

    async def section(lao_year_id, number, row):
        await conn.execute(insert(SECTION_TABLES[number]).values(lao_year_id=lao_year_id, **row))

    async def record(table, lao_year_id, key, **values):
        await conn.execute(
            insert(RECORD_TABLES[table]).values(lao_year_id=lao_year_id, record_key=key, **values)
        )

    # 2565: all 8 domains complete (a water system, and "no tourist site in this area").
    for d in DOMAINS:
        await section(2565, d.number, filled(d.number))
    await conn.execute(
        SECTION_TABLES[8].update().where(SECTION_TABLES[8].c.lao_year_id == 2565),
        {"tourist_sites_none": True},
    )
    await record("water_supply_systems", 2565, "w1", name="ประปาหมู่ 1")
    # 2566: the same, but the only water system was retired and the tourist site is live.
    for d in DOMAINS:
        await section(2566, d.number, filled(d.number))
    await record("water_supply_systems", 2566, "w1", retired_on=dt.date(2023, 1, 5))
    await record("tourist_sites", 2566, "t1", name="น้ำตก")
    # 2567: domains 1 and 3 only, with one value missing in domain 3.
    await section(2567, 1, filled(1))
    await section(2567, 3, filled(3, rescue_vehicles=None))
    # 2568: nothing but a value pulled from another DLA system.  2569: no rows at all.
    await section(2568, 6, {"staff": 12})


@pytest.fixture
async def engine(migrated_database_url):
    engine = create_engine(migrated_database_url)
    async with engine.begin() as conn:
        await seed(conn)
    yield engine
    await engine.dispose()


async def test_recompute_derives_the_masks_from_the_rows(engine):
    async with engine.connect() as conn:
        masks = await stored.recompute(conn, [2565, 2566, 2567, 2568, 2569])
    assert masks == {
        2565: 255,
        2566: 255 & ~(1 << 4),  # domain 5 lost its only live water system
        2567: 0b1,
        2568: 0,
        2569: 0,
    }
    assert domains_in(masks[2566]) == [1, 2, 3, 4, 6, 7, 8]


async def test_recompute_uses_one_statement_per_chunk(engine, monkeypatch):
    # The LAO-years (whose fiscal year's catalogue judges each), their section rows and
    # their live record counts in one statement: a save recomputes one LAO-year's
    # completeness, and a dozen statements made it twice as slow.
    tables = 1
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            await stored.recompute(conn, [2565, 2566, 2567, 2568, 2569])
        assert len(statements) == tables
        monkeypatch.setattr(stored, "IN_CHUNK", 2)
        with counting_statements(engine) as statements:
            assert await stored.recompute(conn, [2569, 2565, 2565, 2567]) == {
                2569: 0,
                2565: 255,
                2567: 1,
            }
        assert len(statements) == 2 * tables  # ids 2565, 2567 | 2569
        with counting_statements(engine) as statements:
            assert await stored.recompute(conn, []) == {}
        assert statements == []


async def test_missing_for_names_what_blocks_certification(engine):
    async with engine.connect() as conn:
        assert await stored.missing_for(conn, 2565) == {}
        assert await stored.missing_for(conn, 2566) == {5: ["water_supply_systems"]}
        missing = await stored.missing_for(conn, 2567)
        loaded = await stored.load(conn, [2567, 2568])
    assert sorted(missing) == [2, 3, 4, 5, 6, 7, 8]
    assert missing[3] == ["rescue_vehicles"]
    assert missing[5] == [
        "water_sources",
        "irrigated_area_rai",
        "households_with_tap_water",
        "water_supply_systems",
    ]
    assert loaded[2567].anything_recorded
    assert not loaded[2568].anything_recorded  # only the pulled staff count


async def test_the_sql_recorded_clause_is_anything_recorded(engine):
    """`recorded_clause` (used by the LPA roll-ups) agrees with `anything_recorded`."""
    only = {
        2570: ("section", 8, {"tourists_per_year": 5000}),  # an optional field
        2571: ("section", 8, {"tourist_sites_none": True}),  # "none in this area"
        2572: ("section", 8, {"tourist_sites_none": False}),  # an empty row
        2573: ("record", "tourist_sites", {}),  # a live record
        2574: ("record", "tourist_sites", {"retired_on": dt.date(2030, 1, 1)}),  # retired
    }
    async with engine.begin() as conn:
        for year, (kind, target, values) in only.items():
            await conn.execute(
                insert(FiscalYear.__table__).values(
                    year_be=year,
                    starts_on=dt.date(year - 544, 10, 1),
                    ends_on=dt.date(year - 543, 9, 30),
                    record_deadline=dt.date(year - 543, 6, 15),
                )
            )
            await conn.execute(
                insert(LaoYear.__table__).values(id=year, lao_id=1, fiscal_year=year)
            )
            if kind == "section":
                table = SECTION_TABLES[target]
                await conn.execute(insert(table).values(lao_year_id=year, **values))
            else:
                await conn.execute(
                    insert(RECORD_TABLES[target]).values(lao_year_id=year, record_key="r", **values)
                )
        ids = list(range(2565, 2575))
        in_python = {
            i: data.anything_recorded for i, data in (await stored.load(conn, ids)).items()
        }
        lao_years = LaoYear.__table__
        in_sql = {
            i: bool(recorded)
            for i, recorded in await conn.execute(
                select(lao_years.c.id, stored.recorded_clause(lao_years.c.id))
            )
        }
    assert (
        in_sql
        == in_python
        == {
            2565: True,
            2566: True,
            2567: True,
            2568: False,  # a pulled value only
            2569: False,  # no rows
            2570: True,
            2571: True,
            2572: False,
            2573: True,
            2574: False,
        }
    )

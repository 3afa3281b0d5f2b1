"""The catalogue per fiscal year (issue 14 §1) and per-section versions (§5).

Rules first (pure), then the API over real HTTP on SQLite and PostgreSQL: a field added for
FY 2571 is on 2571's form and in its completeness only, saving it into 2570 is a typed error
naming it, `catalogue(fiscalYear:)` and `catalogueDiff` answer what changed, and two recorders
saving two domains of one LAO-year at the same moment both succeed while two saving the same
domain still conflict, nothing lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert, select

from hub.db.engine import create_engine
from hub.db.models import SECTION_TABLES, District, FiscalYear, Lao, LaoYear, Province, Subdistrict
from hub.rules.catalogue import DOMAINS, Field, Kind, RecordTable, domain
from hub.rules.catalogue_years import (
    CatalogueShape,
    ChangeKind,
    catalogue_of,
    diff,
    domain_for,
    domains_for,
    not_in_year,
    shape_of,
)
from hub.rules.completeness import missing_fields
from hub.rules.enums import LaoSize, LaoType, Role
from hub.rules.identity import RoleGrant, user
from hub.settings import Settings
from tests.conftest import graphql, serve

NEW_FIELD = "households_sorting_waste"  # on the form from FY 2571


# --- the rules --------------------------------------------------------------------------------


def test_a_field_belongs_to_the_years_between_its_introduction_and_retirement():
    f = Field("x", Kind.INT, "x", "x", introduced_in=2569, retired_in=2571, required_from=2570)
    assert [f.in_year(y) for y in (2568, 2569, 2570, 2571)] == [False, True, True, False]
    assert [f.required_in(y) for y in (2568, 2569, 2570, 2571)] == [False, False, True, False]
    optional = Field("y", Kind.INT, "y", "y", required=False, required_from=2560)
    assert not optional.required_in(2570)  # required_from does not make an optional field needed
    table = RecordTable("things", "t", "t", (f,), introduced_in=2570)
    assert not table.in_year(2569) and table.required_in(2570)


def test_a_field_added_for_the_next_year_is_on_that_years_form_only():
    assert domain(1).field(NEW_FIELD).introduced_in == 2571
    names_2570 = [f.name for f in domain_for(1, 2570).fields]
    names_2571 = [f.name for f in domain_for(1, 2571).fields]
    assert NEW_FIELD not in names_2570 and NEW_FIELD in names_2571
    assert names_2571 == [f.name for f in domain(1).fields]  # in catalogue order
    assert domains_for(2570) is domains_for(2570)  # computed once


def test_completeness_uses_the_catalogue_of_the_lao_years_own_fiscal_year():
    d = domain(1)
    row = {f.column: 1 for f in d.fields if f.kind is Kind.INT}
    row |= {"solid_waste_tonnes_per_day": 2.5, "waste_disposal_method": "INCINERATION"}
    row |= {"has_wastewater_treatment": True, NEW_FIELD: None}
    assert missing_fields(1, row, {}, 2570) == []
    assert missing_fields(1, row, {}, 2571) == [NEW_FIELD]
    # tourists per year: optional until FY 2570, required from FY 2571
    economy = {"markets": 1, "otop_products": 1, "community_enterprises": 1}
    assert missing_fields(8, economy, {"tourist_sites": 1}, 2570) == []
    assert missing_fields(8, economy, {"tourist_sites": 1}, 2571) == ["tourists_per_year"]


def test_saving_a_field_the_year_does_not_ask_is_a_typed_error_naming_it():
    errors = not_in_year(domain(1).fields, {NEW_FIELD: 5, "bridges": 1}, 2570, prefix="x")
    assert [(e.path, e.code) for e in errors] == [("x.householdsSortingWaste", "NOT_IN_YEAR")]
    assert "2570" in errors[0].message_en and "asked from FY 2571" in errors[0].message_en
    assert "ครัวเรือนที่คัดแยกขยะต้นทาง" in errors[0].message_th
    assert not_in_year(domain(1).fields, {NEW_FIELD: 5}, 2571, prefix="x") == []


def test_the_diff_between_two_years_names_added_retired_and_requirement_changes():
    changes = {(c.domain, c.kind, c.name) for c in diff(2570, 2571)}
    assert changes == {
        (1, ChangeKind.ADDED, NEW_FIELD),
        (8, ChangeKind.NOW_REQUIRED, "tourists_per_year"),
    }
    back = {(c.domain, c.kind, c.name) for c in diff(2571, 2570)}
    assert back == {
        (1, ChangeKind.RETIRED, NEW_FIELD),
        (8, ChangeKind.NO_LONGER_REQUIRED, "tourists_per_year"),
    }
    assert diff(2569, 2570) == []


def test_a_year_before_2563_is_in_the_pre_2020_shape():
    assert shape_of(2562) is CatalogueShape.PRE_2020 and shape_of(2563) is CatalogueShape.CURRENT
    shape, domains = catalogue_of(2558)
    assert shape is CatalogueShape.PRE_2020
    assert [d.label_th for d in domains][:2] == [
        "ข้อมูลสภาพทั่วไป",
        "ข้อมูลโครงสร้างพื้นฐานและสาธารณูปโภค",
    ]
    assert catalogue_of(2570)[1] == domains_for(2570)


# --- over HTTP, on both databases ---------------------------------------------------------------

CODE, LAO_ID, PROVINCE_ID = "6399001", 99001, 63


async def _world(url: str) -> None:
    """One SAO with a DRAFT in FY 2570 and FY 2571 (both open)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Province).values(id=PROVINCE_ID, code="63", name_th="ตาก"))
            await conn.execute(
                insert(District).values(
                    id=6301, code="6301", province_id=PROVINCE_ID, name_th="เมืองตาก"
                )
            )
            await conn.execute(
                insert(Subdistrict).values(
                    id=630101, code="630101", district_id=6301, name_th="ระแหง", postcode="63000"
                )
            )
            await conn.execute(
                insert(Lao).values(
                    id=LAO_ID,
                    code=CODE,
                    type=LaoType.SAO,
                    name_th="อบต.ทดสอบ",
                    size=LaoSize.S,
                    province_id=PROVINCE_ID,
                    district_id=6301,
                    subdistrict_id=630101,
                    postcode="63000",
                )
            )
            for year in (2570, 2571):
                await conn.execute(
                    insert(FiscalYear).values(
                        year_be=year,
                        starts_on=dt.date(year - 544, 10, 1),
                        ends_on=dt.date(year - 543, 9, 30),
                        record_deadline=dt.date(year - 543, 6, 15),
                    )
                )
                await conn.execute(insert(LaoYear).values(lao_id=LAO_ID, fiscal_year=year))
    finally:
        await engine.dispose()


@pytest.fixture
async def hub(migrated_database_url):
    await _world(migrated_database_url)
    settings = Settings(database_url=migrated_database_url, environment="test")
    recorder = user("recorder", RoleGrant(Role.LAO_RECORDER, lao_id=LAO_ID))
    async with serve(settings, recorder) as client:
        yield client


SAVE_RESULT = """__typename
  ... on SectionSaved { version sectionVersion completeDomains }
  ... on VersionConflict { currentVersion message }
  ... on ValidationFailed { errors { path code message messageTh } }"""


def save(section: str, *, section_version: bool = True) -> str:
    version = "sectionVersion: $v" if section_version else "version: $v"
    return f"""mutation($year: Int!, $v: Int!, $data: {section}Input!) {{
      result: save{section}(laoCode: "{CODE}", fiscalYear: $year, {version}, data: $data) {{
        {SAVE_RESULT} }} }}"""


YEAR = """query($year: Int!) { lao(code: "6399001") { year(fiscalYear: $year) {
  version catalogueShape historical sectionVersions { domain version }
  completeness { domain missingFields }
  healthEnvironment { householdsSortingWaste villageHealthVolunteers version }
  infrastructure { bridges version } } } }"""


async def _year(client, year: int) -> dict:
    return (await graphql(client, YEAR, year=year))["lao"]["year"]


async def test_a_new_field_is_in_its_years_completeness_and_refused_by_name_before(hub):
    y2570, y2571 = await _year(hub, 2570), await _year(hub, 2571)
    missing = {c["domain"]: c["missingFields"] for c in y2570["completeness"]}
    assert "householdsSortingWaste" not in missing[1]
    missing = {c["domain"]: c["missingFields"] for c in y2571["completeness"]}
    assert "householdsSortingWaste" in missing[1] and "touristsPerYear" in missing[8]
    assert y2570["catalogueShape"] == "CURRENT" and y2570["historical"] is False

    refused = (
        await graphql(
            hub,
            save("HealthEnvironment"),
            year=2570,
            v=0,
            data={"householdsSortingWaste": 40, "villageHealthVolunteers": 12},
        )
    )["result"]
    assert refused["__typename"] == "ValidationFailed"
    assert [(e["path"], e["code"]) for e in refused["errors"]] == [
        ("healthEnvironment.householdsSortingWaste", "NOT_IN_YEAR")
    ]
    assert (await _year(hub, 2570))["healthEnvironment"] is None  # nothing saved

    saved = (
        await graphql(
            hub, save("HealthEnvironment"), year=2571, v=0, data={"householdsSortingWaste": 40}
        )
    )["result"]
    assert saved["__typename"] == "SectionSaved" and saved["sectionVersion"] == 1
    y2571 = await _year(hub, 2571)
    assert y2571["healthEnvironment"]["householdsSortingWaste"] == 40
    assert {"domain": 1, "version": 1} in y2571["sectionVersions"]
    missing = {c["domain"]: c["missingFields"] for c in y2571["completeness"]}
    assert "householdsSortingWaste" not in missing[1]


CATALOGUE = """query($year: Int!) { catalogue(fiscalYear: $year) { fiscalYear shape domains {
  number labelTh sectionField saveMutation
  fields { name kind labelTh labelEn unit unitTh minimum maximum required source readOnly
           sensitivity scope introducedIn requiredFrom }
  recordTables { name required noneFlag fields { name required } } } } }"""

DIFF = """query { catalogueDiff(from: 2570, to: 2571) { fromYear toYear
  added { domain name labelEn } retired { name }
  requirementChanged { domain kind name labelTh } } }"""


async def test_the_catalogue_of_a_year_and_the_diff_between_two(hub):
    c2570 = (await graphql(hub, CATALOGUE, year=2570))["catalogue"]
    c2571 = (await graphql(hub, CATALOGUE, year=2571))["catalogue"]
    assert c2570["shape"] == "CURRENT" and len(c2570["domains"]) == len(DOMAINS)
    d1_2570 = {f["name"]: f for f in c2570["domains"][0]["fields"]}
    d1_2571 = {f["name"]: f for f in c2571["domains"][0]["fields"]}
    assert "householdsSortingWaste" not in d1_2570
    assert d1_2571["householdsSortingWaste"] | {} == {
        "name": "householdsSortingWaste",
        "kind": "INT",
        "labelTh": "ครัวเรือนที่คัดแยกขยะต้นทาง",
        "labelEn": "Households sorting waste at source",
        "unit": "households",
        "unitTh": "ครัวเรือน",
        "minimum": 0.0,
        "maximum": 5_000_000.0,
        "required": True,
        "source": None,
        "readOnly": False,
        "sensitivity": "DOMAIN_DATA",
        "scope": "domain:1",
        "introducedIn": 2571,
        "requiredFrom": None,
    }
    staff = next(f for f in c2570["domains"][5]["fields"] if f["name"] == "staff")
    assert staff["readOnly"] and "LHR" in staff["source"]
    tourists = {
        y: next(f for f in c["domains"][7]["fields"] if f["name"] == "touristsPerYear")
        for y, c in ((2570, c2570), (2571, c2571))
    }
    assert not tourists[2570]["required"] and tourists[2571]["required"]
    water = c2570["domains"][4]["recordTables"][0]
    assert water["name"] == "waterSupplySystems" and water["noneFlag"] == "waterSupplySystemsNone"
    assert c2570["domains"][0]["saveMutation"] == "saveHealthEnvironment"

    d = (await graphql(hub, DIFF))["catalogueDiff"]
    assert d["added"] == [
        {
            "domain": 1,
            "name": "householdsSortingWaste",
            "labelEn": "Households sorting waste at source",
        }
    ]
    assert d["retired"] == []
    assert d["requirementChanged"] == [
        {"domain": 8, "kind": "NOW_REQUIRED", "name": "touristsPerYear", "labelTh": "นักท่องเที่ยวต่อปี"}
    ]

    old = (await graphql(hub, CATALOGUE, year=2557))["catalogue"]
    assert old["shape"] == "PRE_2020" and old["domains"][7]["labelTh"] == "ข้อมูลด้านการเงินการคลัง"
    assert old["domains"][0]["saveMutation"] is None


async def test_two_recorders_save_two_domains_of_one_lao_year_at_once_without_a_conflict(hub):
    loaded = await _year(hub, 2570)
    assert loaded["sectionVersions"] == [{"domain": n, "version": 0} for n in range(1, 9)]

    async def first_save(section: str, data: dict) -> dict:
        return (await graphql(hub, save(section), year=2570, v=0, data=data))["result"]

    health, roads = await asyncio.gather(
        first_save("HealthEnvironment", {"villageHealthVolunteers": 12}),
        first_save("Infrastructure", {"bridges": 3}),
    )
    assert health["__typename"] == roads["__typename"] == "SectionSaved", (health, roads)
    assert health["sectionVersion"] == roads["sectionVersion"] == 1
    assert {health["version"], roads["version"]} == {loaded["version"] + 1, loaded["version"] + 2}
    year = await _year(hub, 2570)
    assert year["healthEnvironment"]["villageHealthVolunteers"] == 12
    assert year["infrastructure"]["bridges"] == 3

    # The same domain saved by both at once (each loaded version 1): one wins, the other is
    # told the section's current version, and the winner's value is what is stored.
    a, b = await asyncio.gather(
        graphql(hub, save("Infrastructure"), year=2570, v=1, data={"bridges": 4}),
        graphql(hub, save("Infrastructure"), year=2570, v=1, data={"bridges": 5}),
    )
    results = sorted([a["result"], b["result"]], key=lambda r: r["__typename"])
    assert [r["__typename"] for r in results] == ["SectionSaved", "VersionConflict"]
    assert results[1]["currentVersion"] == 2 and "Domain 4" in results[1]["message"]
    stored = (await _year(hub, 2570))["infrastructure"]
    assert stored["version"] == 2 and stored["bridges"] in (4, 5)

    # The loser reloads the section's version and saves: nothing is lost, nothing overwritten
    # without the reload.
    again = (await graphql(hub, save("Infrastructure"), year=2570, v=2, data={"bridges": 9}))[
        "result"
    ]
    assert again["__typename"] == "SectionSaved" and again["sectionVersion"] == 3

    # The LAO-year's version still means "anything changed since": a save checked against it
    # conflicts with the other domain's change.
    stale = (
        await graphql(
            hub,
            save("HealthEnvironment", section_version=False),
            year=2570,
            v=loaded["version"],
            data={"villageHealthVolunteers": 13},
        )
    )["result"]
    assert stale["__typename"] == "VersionConflict"


async def test_a_record_advances_its_sections_version(hub, migrated_database_url):
    add = """mutation($v: Int!) { result: addTouristSite(laoCode: "6399001", fiscalYear: 2570,
      sectionVersion: $v, data: {name: "น้ำตก", siteType: NATURAL, visitorsPerYear: 100,
      latitude: 16.8, longitude: 99.1}) { __typename ... on RecordSaved { sectionVersion }
      ... on VersionConflict { currentVersion } } }"""
    assert (await graphql(hub, add, v=0))["result"] == {
        "__typename": "RecordSaved",
        "sectionVersion": 1,
    }
    assert (await graphql(hub, add, v=0))["result"] == {
        "__typename": "VersionConflict",
        "currentVersion": 1,
    }
    engine = create_engine(migrated_database_url)
    try:
        async with engine.connect() as conn:
            table = SECTION_TABLES[8]
            version = (await conn.execute(select(table.c.version))).scalar_one()
    finally:
        await engine.dispose()
    assert version == 1


async def test_a_save_names_a_version(hub):
    query = f"""mutation {{ result: saveInfrastructure(laoCode: "{CODE}", fiscalYear: 2570,
      data: {{bridges: 1}}) {{ {SAVE_RESULT} }} }}"""
    result = (await graphql(hub, query))["result"]
    assert result["__typename"] == "ValidationFailed"
    assert result["errors"][0]["path"] == "sectionVersion"

"""Importing a file of records over real HTTP (`importWaterSupplySystems`,
`importTouristSites`): a preview that writes nothing, all or nothing, every error with its
line and column, a record changed since the export never overwritten, every refusal typed,
and one change-log entry per record."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from hub.db.engine import create_engine
from hub.db.models import RECORD_TABLES, ChangeLogEntry, FiscalYear, Lao, LaoYear
from hub.rules.catalogue import TOURIST_SITES, WATER_SUPPLY_SYSTEMS
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.record_files import FileFormat, write
from hub.services import audit
from hub.settings import Settings
from tests.conftest import graphql, serve

IMPORT = """mutation($code: String!, $year: Int!, $version: Int!, $file: String!,
                     $format: RecordFileFormat!, $dry: Boolean!) {
  result: import%s(laoCode: $code, fiscalYear: $year, version: $version, file: $file,
                   format: $format, dryRun: $dry) {
    __typename
    ... on MutationError { message messageTh }
    ... on RecordsImported { dryRun lines added updated unchanged version completeDomains
        changedLines { line action recordId name changes { field before after } } }
    ... on ValidationFailed { errors { path code message messageTh line column } }
    ... on VersionConflict { currentVersion }
    ... on InvalidState { currentState }
    ... on FiscalYearClosed { fiscalYear } } }"""

RECORDS = """query($code: String!, $year: Int!) {
  lao(code: $code) { year(fiscalYear: $year) { version state } }
  waterSupplySystems(filter: {laoCode: $code, fiscalYear: $year}, first: 1000) {
    totalCount edges { node { id version name householdsServed yearBuiltBe status
      village { number } latitude longitude capacityM3PerHour systemType waterSource
      waterQuality owner acquisition transferredFrom lastCheckedOn dlaReferenceCode } } } }"""

NEW_SYSTEM = {
    "name": "ประปาหมู่บ้าน ทดสอบนำเข้า",
    "villageNumber": 1,
    "latitude": 13.6,
    "longitude": 100.6,
    "householdsServed": 80,
    "capacityM3PerHour": 4.5,
    "yearBuiltBe": 2560,
    "systemType": "GROUNDWATER",
    "waterSource": "WELL",
    "status": "USABLE",
    "waterQuality": "MEETS_STANDARD",
    "owner": "VILLAGE",
    "acquisition": "BUILT",
}


@dataclass
class Place:
    code: str
    id: int
    district_id: int
    province_id: int
    year: int


async def _lao(url: str, state: CertificationState = CertificationState.DRAFT) -> Place:
    """An SAO with water-supply systems whose open year is in `state`."""
    engine = create_engine(url)
    water = RECORD_TABLES["water_supply_systems"]
    try:
        async with engine.connect() as conn:
            year = (
                await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
            ).scalar_one()
            row = (
                await conn.execute(
                    select(Lao.code, Lao.id, Lao.district_id, Lao.province_id)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.fiscal_year == year,
                        LaoYear.state == state,
                        Lao.type == LaoType.SAO,
                        select(func.count())
                        .select_from(water)
                        .where(water.c.lao_year_id == LaoYear.id)
                        .scalar_subquery()
                        >= 3,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return Place(row.code, row.id, row.district_id, row.province_id, year)


def recorder(place: Place, role: Role = Role.LAO_RECORDER):
    return user(f"clerk-{place.code}", RoleGrant(role, lao_id=place.id))


def settings(url: str, **overrides) -> Settings:
    return dataclasses.replace(Settings(database_url=url, environment="test"), **overrides)


def export(edges: list[dict]) -> list[dict]:
    """Records as an export lists them (a village by its number)."""
    rows = []
    for edge in edges:
        node = dict(edge["node"])
        village = node.pop("village")
        rows.append({**node, "villageNumber": village["number"] if village else None})
    return rows


def as_file(records: list[dict], fmt: FileFormat = FileFormat.CSV, table=WATER_SUPPLY_SYSTEMS):
    data = write(table, records, fmt)
    if fmt is FileFormat.CSV:
        return {"file": data.decode("utf-8-sig"), "format": "CSV"}
    return {"file": base64.b64encode(data).decode(), "format": "XLSX"}


async def run_import(
    c, place: Place, version: int, file: dict, dry: bool, table="WaterSupplySystems"
):
    return (
        await graphql(
            c, IMPORT % table, code=place.code, year=place.year, version=version, dry=dry, **file
        )
    )["result"]


async def state_of(url: str, place: Place) -> tuple[int, int, int]:
    """(live water systems, LAO-year version, change-log entries) of the LAO-year."""
    engine = create_engine(url)
    water = RECORD_TABLES["water_supply_systems"]
    try:
        async with engine.connect() as conn:
            ly = (
                await conn.execute(
                    select(LaoYear.id, LaoYear.version).where(
                        LaoYear.lao_id == place.id, LaoYear.fiscal_year == place.year
                    )
                )
            ).one()
            live = (
                await conn.execute(
                    select(func.count())
                    .select_from(water)
                    .where(water.c.lao_year_id == ly.id, water.c.retired_on.is_(None))
                )
            ).scalar_one()
            logged = (
                await conn.execute(select(func.count()).select_from(ChangeLogEntry))
            ).scalar_one()
    finally:
        await engine.dispose()
    return live, ly.version, logged


async def test_a_corrected_export_is_previewed_then_imported_in_one_go(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        data = await graphql(c, RECORDS, code=place.code, year=place.year)
        version = data["lao"]["year"]["version"]
        records = export(data["waterSupplySystems"]["edges"])
        records[0]["householdsServed"] = records[0]["householdsServed"] + 7
        records[1]["status"] = "UNUSABLE" if records[1]["status"] == "USABLE" else "USABLE"
        file = as_file([*records, NEW_SYSTEM, {**NEW_SYSTEM, "name": "ประปา ที่สอง"}])
        before = await state_of(fresh_demo_url, place)

        preview = await run_import(c, place, version, file, dry=True)
        assert preview["__typename"] == "RecordsImported" and preview["dryRun"], preview
        assert (preview["added"], preview["updated"]) == (2, 2)
        assert preview["unchanged"] == len(records) - 2
        assert preview["version"] == version
        first = preview["changedLines"][0]
        assert first == {
            "line": 2,
            "action": "UPDATE",
            "recordId": records[0]["id"],
            "name": records[0]["name"],
            "changes": [
                {
                    "field": "householdsServed",
                    "before": str(records[0]["householdsServed"] - 7),
                    "after": str(records[0]["householdsServed"]),
                }
            ],
        }
        added = preview["changedLines"][2]
        assert added["action"] == "ADD" and added["recordId"] is None
        assert {"field": "villageNumber", "before": None, "after": "1"} in added["changes"]
        assert await state_of(fresh_demo_url, place) == before  # a preview writes nothing

        done = await run_import(c, place, version, file, dry=False)
        assert done["__typename"] == "RecordsImported" and not done["dryRun"]
        assert (done["added"], done["updated"]) == (2, 2) and done["version"] == version + 1
        assert all(line["recordId"] for line in done["changedLines"])
        after = await graphql(c, RECORDS, code=place.code, year=place.year)
    live, new_version, logged = await state_of(fresh_demo_url, place)
    assert (live, new_version, logged) == (before[0] + 2, version + 1, before[2] + 4)
    nodes = {e["node"]["id"]: e["node"] for e in after["waterSupplySystems"]["edges"]}
    assert nodes[records[0]["id"]]["householdsServed"] == records[0]["householdsServed"]
    assert nodes[records[0]["id"]]["version"] == records[0]["version"] + 1
    assert nodes[records[2]["id"]]["version"] == records[2]["version"]  # unchanged: untouched
    engine = create_engine(fresh_demo_url)
    try:
        assert (await audit.verify(engine)).ok
        async with engine.connect() as conn:
            entries = (
                await conn.execute(
                    select(ChangeLogEntry.action, ChangeLogEntry.entity, ChangeLogEntry.reason)
                    .order_by(ChangeLogEntry.id.desc())
                    .limit(4)
                )
            ).all()
    finally:
        await engine.dispose()
    assert sorted(e.action for e in entries) == ["add", "add", "update", "update"]
    assert all(e.entity == "water_supply_systems" for e in entries)
    assert {e.reason for e in entries} >= {"นำเข้าจากไฟล์ บรรทัดที่ 2 / bulk import, line 2"}


async def test_one_bad_line_refuses_the_whole_file_with_each_error_placed(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        data = await graphql(c, RECORDS, code=place.code, year=place.year)
        version = data["lao"]["year"]["version"]
        records = export(data["waterSupplySystems"]["edges"])
        records[0]["name"] = "แก้ชื่อแล้ว"
        bad = {**NEW_SYSTEM, "yearBuiltBe": 2020, "villageNumber": 99, "status": "พัง"}
        before = await state_of(fresh_demo_url, place)
        for dry in (True, False):
            refused = await run_import(c, place, version, as_file([*records, NEW_SYSTEM, bad]), dry)
            assert refused["__typename"] == "ValidationFailed"
            line = len(records) + 3
            placed = {(e["line"], e["column"], e["code"]) for e in refused["errors"]}
            assert placed == {
                (line, "ปีที่ก่อสร้าง (พ.ศ.) [yearBuiltBe]", "OUT_OF_RANGE"),
                (line, "สถานะการใช้งาน [status]", "NOT_A_CHOICE"),
                (line, "หมู่บ้านที่ตั้ง [villageNumber]", "NOT_A_CHOICE"),
            }
            assert "nothing was imported" in refused["message"]
            assert "ยังไม่มีการนำเข้า" in refused["messageTh"]
            village = next(e for e in refused["errors"] if "village" in e["path"].lower())
            assert "99" in village["message"] and "หมู่ที่ 99" in village["messageTh"]
    assert await state_of(fresh_demo_url, place) == before


async def test_a_record_changed_since_the_export_is_never_overwritten(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        data = await graphql(c, RECORDS, code=place.code, year=place.year)
        records = export(data["waterSupplySystems"]["edges"])
        version = data["lao"]["year"]["version"]
        # The other recorder changes record 0 after the export ...
        changed = await graphql(
            c,
            """mutation($code: String!, $year: Int!, $version: Int!, $id: Int!, $rv: Int!) {
              r: updateWaterSupplySystem(laoCode: $code, fiscalYear: $year, version: $version,
                recordId: $id, recordVersion: $rv, data: {householdsServed: 999}) {
                ... on RecordSaved { version } } }""",
            code=place.code,
            year=place.year,
            version=version,
            id=records[0]["id"],
            rv=records[0]["version"],
        )
        version = changed["r"]["version"]
        # ... and the clerk's corrected export carries the old record version.
        records[0]["name"] = "ชื่อที่แก้ในไฟล์"
        refused = await run_import(c, place, version, as_file(records), dry=False)
        assert refused["__typename"] == "ValidationFailed"
        [error] = refused["errors"]
        assert (error["line"], error["code"]) == (2, "VERSION_CONFLICT")
        assert "export the records again" in error["message"]
        # Without a version column the file is taken as it is (a hand-made file).
        for r in records:
            r.pop("version")
        done = await run_import(c, place, version, as_file(records), dry=False)
        assert done["updated"] == 1  # the name, and householdsServed back from 999
        changed = {ch["field"] for ch in done["changedLines"][0]["changes"]}
        assert changed == {"name", "householdsServed"}


async def test_a_stale_lao_year_version_is_refused_with_the_current_one(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        version = (await graphql(c, RECORDS, code=place.code, year=place.year))["lao"]["year"][
            "version"
        ]
        for dry in (True, False):
            refused = await run_import(c, place, version - 1, as_file([NEW_SYSTEM]), dry)
            assert refused["__typename"] == "VersionConflict"
            assert refused["currentVersion"] == version


async def test_ids_that_are_not_this_lao_year_s_live_records_are_refused(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    other = await _lao(fresh_demo_url, CertificationState.LAO_CERTIFIED)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        data = await graphql(c, RECORDS, code=place.code, year=place.year)
        version = data["lao"]["year"]["version"]
        mine = export(data["waterSupplySystems"]["edges"])
    async with serve(settings(fresh_demo_url), recorder(other)) as c:
        theirs = export(
            (await graphql(c, RECORDS, code=other.code, year=other.year))["waterSupplySystems"][
                "edges"
            ]
        )
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        refused = await run_import(
            c, place, version, as_file([mine[0], mine[0], theirs[0]]), dry=True
        )
    assert refused["__typename"] == "ValidationFailed"
    heading = "เลขที่รายการ (ว่างไว้ = เพิ่มใหม่) [id]"
    assert [(e["line"], e["column"], e["code"]) for e in refused["errors"]] == [
        (3, heading, "DUPLICATE"),
        (4, heading, "NOT_FOUND"),
    ]
    assert "line 2" in refused["errors"][0]["message"]


async def test_an_xlsx_workbook_and_tourist_sites_import_too(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        version = (await graphql(c, RECORDS, code=place.code, year=place.year))["lao"]["year"][
            "version"
        ]
        done = await run_import(
            c, place, version, as_file([NEW_SYSTEM], FileFormat.XLSX), dry=False
        )
        assert done["__typename"] == "RecordsImported" and done["added"] == 1
        site = {
            "name": "น้ำตกทดสอบ",
            "siteType": "NATURAL",
            "visitorsPerYear": 1200,
            "latitude": 13.7,
            "longitude": 100.5,
        }
        sites = await run_import(
            c,
            place,
            done["version"],
            as_file([site, site], FileFormat.XLSX, TOURIST_SITES),
            dry=False,
            table="TouristSites",
        )
        assert sites["added"] == 2 and 8 in sites["completeDomains"]
        listed = await graphql(
            c,
            """query($code: String!) { touristSites(filter: {laoCode: $code}) {
                 totalCount edges { node { id name } } } }""",
            code=place.code,
        )
        assert listed["touristSites"]["totalCount"] >= 2
        one = listed["touristSites"]["edges"][0]["node"]["id"]
        by_id = await graphql(
            c,
            """query($code: String!, $id: Int!) { touristSites(filter: {laoCode: $code, id: $id}) {
                 totalCount } }""",
            code=place.code,
            id=one,
        )
        assert by_id["touristSites"]["totalCount"] == 1
        garbage = await run_import(
            c, place, sites["version"], {"file": "not base64!", "format": "XLSX"}, dry=True
        )
        assert garbage["__typename"] == "ValidationFailed"
        assert garbage["errors"][0]["line"] == 1 and "XLSX" in garbage["message"]


async def test_a_file_over_the_line_limit_is_refused_as_a_whole(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url, import_max_lines=3), recorder(place)) as c:
        version = (await graphql(c, RECORDS, code=place.code, year=place.year))["lao"]["year"][
            "version"
        ]
        refused = await run_import(c, place, version, as_file([NEW_SYSTEM] * 4), dry=True)
        assert refused["__typename"] == "ValidationFailed"
        assert refused["errors"][0]["code"] == "TOO_MANY_LINES"
        assert "3" in refused["message"] and "แบ่งไฟล์" in refused["messageTh"]
        fits = await run_import(c, place, version, as_file([NEW_SYSTEM] * 3), dry=True)
        assert fits["added"] == 3


async def test_only_the_lao_s_recorders_and_verifiers_import_into_a_draft_of_an_open_year(
    fresh_demo_url,
):
    place = await _lao(fresh_demo_url)
    certified = await _lao(fresh_demo_url, CertificationState.LAO_CERTIFIED)
    file = as_file([NEW_SYSTEM])
    before = await state_of(fresh_demo_url, place)
    refused_callers = {
        "public": PUBLIC,
        "agency": client("demo-all", "domain:5"),
        "another LAO's recorder": recorder(certified),
        "the LAO's INFO administrator": recorder(place, Role.LAO_ADMIN),
        "district officer": user(
            "d", RoleGrant(Role.DISTRICT_OFFICER, district_id=place.district_id)
        ),
        "province officer": user(
            "p", RoleGrant(Role.PROVINCE_OFFICER, province_id=place.province_id)
        ),
        "DLA": user("dla", RoleGrant(Role.DLA_ADMIN)),
    }
    for who, identity in refused_callers.items():
        async with serve(settings(fresh_demo_url), identity) as c:
            for dry in (True, False):
                answer = await run_import(c, place, 1, file, dry)
                assert answer["__typename"] == "Forbidden", who
                assert "recorders and verifiers" in answer["message"], who
    # A forbidden caller's broken file is still just forbidden.
    async with serve(settings(fresh_demo_url), recorder(certified)) as c:
        answer = await run_import(c, place, 1, {"file": "x", "format": "CSV"}, dry=True)
        assert answer["__typename"] == "Forbidden"
    assert await state_of(fresh_demo_url, place) == before
    for role in (Role.LAO_RECORDER, Role.LAO_VERIFIER):
        async with serve(settings(fresh_demo_url), recorder(place, role)) as c:
            version = (await graphql(c, RECORDS, code=place.code, year=place.year))["lao"]["year"][
                "version"
            ]
            assert (await run_import(c, place, version, file, True))["added"] == 1
    # The LAO's certified year is not editable: InvalidState, nothing read from the file.
    async with serve(settings(fresh_demo_url), recorder(certified)) as c:
        version = (await graphql(c, RECORDS, code=certified.code, year=certified.year))["lao"][
            "year"
        ]["version"]
        answer = await run_import(c, certified, version, file, dry=True)
        assert answer["__typename"] == "InvalidState"
        assert answer["currentState"] == "LAO_CERTIFIED"


async def test_a_closed_year_refuses_imports(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(FiscalYear)
                .where(FiscalYear.year_be == place.year)
                .values(closed_at=dt.datetime.now(dt.UTC))
            )
    finally:
        await engine.dispose()
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        answer = await run_import(c, place, 1, as_file([NEW_SYSTEM]), dry=True)
    assert answer["__typename"] == "FiscalYearClosed" and answer["fiscalYear"] == place.year


async def test_a_file_is_written_in_batches_not_a_statement_per_line(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    from tests.test_costs import sql_statements

    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        counted = []
        for lines in (1, 3, 300):  # the first starts the change log's chain: not counted
            data = await graphql(c, RECORDS, code=place.code, year=place.year)
            version = data["lao"]["year"]["version"]
            records = export(data["waterSupplySystems"]["edges"])[:2]
            for r in records:
                r["householdsServed"] += 1
            added = [{**NEW_SYSTEM, "name": f"ประปา {lines}-{n}"} for n in range(lines)]
            with sql_statements(c) as statements:
                done = await run_import(c, place, version, as_file([*records, *added]), dry=False)
            assert (done["added"], done["updated"]) == (lines, 2)
            counted.append(len(statements))
    assert counted[1] == counted[2]

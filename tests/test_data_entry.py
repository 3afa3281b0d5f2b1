"""Data entry and certification over real HTTP, as clerks and officers do it."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from hub.db.engine import create_engine
from hub.db.models import CertificationEvent, ChangeLogEntry, FiscalYear, Lao, LaoYear
from hub.rules.catalogue import DOMAINS, Field, Kind
from hub.rules.catalogue_years import domains_for
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import RoleGrant, user
from hub.rules.validation import camel
from hub.services import audit
from hub.settings import Settings
from tests.conftest import graphql, serve

FRAGMENTS = {
    "SectionSaved": "... on SectionSaved { version completeDomains }",
    "RecordSaved": "... on RecordSaved { recordId recordVersion version completeDomains }",
    "StateChanged": "... on StateChanged { fromState state version at }",
    "VersionConflict": "... on VersionConflict { currentVersion }",
    "InvalidState": "... on InvalidState { currentState }",
    "IncompleteDomains": "... on IncompleteDomains { domains { domain missingFields } }",
    "FiscalYearClosed": "... on FiscalYearClosed { fiscalYear }",
    "ValidationFailed": "... on ValidationFailed { errors { path code message messageTh } }",
}


def fragments(*names: str) -> str:
    return "__typename ... on MutationError { message messageTh } " + " ".join(
        FRAGMENTS[n] for n in names
    )


ERRORS = ("VersionConflict", "InvalidState", "FiscalYearClosed")
SECTION_RESULT = fragments("SectionSaved", "ValidationFailed", *ERRORS)
RECORD_RESULT = fragments("RecordSaved", "ValidationFailed", *ERRORS)
RESULT = fragments("StateChanged", "IncompleteDomains", *ERRORS)


def save_mutation(domain) -> str:
    name = domain.type_name.removesuffix("Section")
    return f"""mutation($code: String!, $year: Int!, $version: Int!, $data: {name}Input!) {{
      result: save{name}(laoCode: $code, fiscalYear: $year, version: $version, data: $data) {{ {SECTION_RESULT} }} }}"""


ADD_WATER = f"""mutation($code: String!, $year: Int!, $version: Int!, $data: WaterSupplySystemInput!) {{
  result: addWaterSupplySystem(laoCode: $code, fiscalYear: $year, version: $version, data: $data) {{ {RECORD_RESULT} }} }}"""
CERTIFY_LAO = f"""mutation($code: String!, $year: Int!) {{ result: certifyLao(laoCode: $code, fiscalYear: $year) {{ {RESULT} }} }}"""
CANCEL_LAO = f"""mutation($code: String!, $year: Int!, $reason: String!) {{
  result: cancelLaoCertification(laoCode: $code, fiscalYear: $year, reason: $reason) {{ {RESULT} }} }}"""
CERTIFY_PROVINCE = f"""mutation($items: [LaoYearRef!]!) {{
  certifyProvince(items: $items) {{ laoCode result {{ {RESULT} }} }} }}"""
CANCEL_PROVINCE = f"""mutation($code: String!, $year: Int!, $reason: String!) {{
  result: cancelProvinceCertification(laoCode: $code, fiscalYear: $year, reason: $reason) {{ {RESULT} }} }}"""
STATUS = """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
  state version allDomainsComplete completeness { domain complete missingFields }
  certificationHistory { fromState toState actorRole reason } } } }"""


def sample(f: Field) -> object:
    match f.kind:
        case Kind.INT:
            return int(min(f.maximum or 10, 10))
        case Kind.DECIMAL:
            return 2.5
        case Kind.BOOL:
            return True
        case Kind.TEXT:
            return "ทดสอบ"
        case Kind.CHOICE:
            return f.choices[0].code
        case Kind.YEAR_BE:
            return 2560
        case Kind.LATITUDE:
            return 13.6
        case Kind.LONGITUDE:
            return 100.6
        case Kind.DATE:
            return dt.date.today().isoformat()
        case Kind.VILLAGE:
            return 1
    raise AssertionError(f.kind)


def full_input(domain) -> dict:
    data = {
        camel("village_number" if f.kind is Kind.VILLAGE else f.name): sample(f)
        for f in domain.fields
        if not f.read_only
    }
    for t in domain.record_tables:
        data[camel(t.none_flag)] = (
            t.name == "tourist_sites"
        )  # water systems are added as records below
    return data


@dataclass
class Lao_:
    code: str
    id: int
    province_id: int
    year: int


async def _draft_lao(url: str, incomplete: bool = True) -> Lao_:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            year = (
                await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
            ).scalar_one()
            row = (
                await conn.execute(
                    select(Lao.code, Lao.id, Lao.province_id)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.fiscal_year == year,
                        LaoYear.state == CertificationState.DRAFT,
                        Lao.type == LaoType.SAO,
                        LaoYear.complete_domains != 255
                        if incomplete
                        else LaoYear.complete_domains == 255,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return Lao_(row.code, row.id, row.province_id, year)


def clerk(lao: Lao_, role: Role = Role.LAO_VERIFIER):
    return user(f"clerk-{role.name.lower()}", RoleGrant(role, lao_id=lao.id))


def officer(province_id: int):
    return user(f"officer-{province_id}", RoleGrant(Role.PROVINCE_OFFICER, province_id=province_id))


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def status(c, lao: Lao_) -> dict:
    return (await graphql(c, STATUS, code=lao.code, year=lao.year))["lao"]["year"]


async def test_a_clerk_fills_all_eight_domains_certifies_cancels_edits_and_certifies_again(
    fresh_demo_url,
):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        for d in domains_for(lao.year):  # the fields of the year's form
            result = (
                await graphql(
                    c,
                    save_mutation(d),
                    code=lao.code,
                    year=lao.year,
                    version=version,
                    data=full_input(d),
                )
            )["result"]
            assert result["__typename"] == "SectionSaved", result
            version = result["version"]
        water = {
            camel("village_number" if f.kind is Kind.VILLAGE else f.name): sample(f)
            for f in next(
                t for d in DOMAINS for t in d.record_tables if t.name == "water_supply_systems"
            ).fields
        }
        added = (
            await graphql(c, ADD_WATER, code=lao.code, year=lao.year, version=version, data=water)
        )["result"]
        assert added["__typename"] == "RecordSaved", added
        assert added["completeDomains"] == list(range(1, 9))

        certified = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        assert certified["__typename"] == "StateChanged"
        assert (certified["fromState"], certified["state"]) == ("DRAFT", "LAO_CERTIFIED")

        # Certified data cannot be edited…
        refused = (
            await graphql(
                c,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=certified["version"],
                data={"healthServiceUnits": 3},
            )
        )["result"]
        assert (
            refused["__typename"] == "InvalidState" and refused["currentState"] == "LAO_CERTIFIED"
        )
        assert "ยกเลิกการรับรอง" in refused["messageTh"]

        # …until the LAO cancels its certification, with a reason.
        cancelled = (
            await graphql(c, CANCEL_LAO, code=lao.code, year=lao.year, reason="แก้ไขจำนวน อสม.")
        )["result"]
        assert cancelled["state"] == "DRAFT"
        edited = (
            await graphql(
                c,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=cancelled["version"],
                data={"villageHealthVolunteers": 120},
            )
        )["result"]
        assert edited["__typename"] == "SectionSaved"
        again = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        assert again["state"] == "LAO_CERTIFIED"

        year = await status(c, lao)
    assert [(e["fromState"], e["toState"]) for e in year["certificationHistory"]][-3:] == [
        ("DRAFT", "LAO_CERTIFIED"),
        ("LAO_CERTIFIED", "DRAFT"),
        ("DRAFT", "LAO_CERTIFIED"),
    ]
    assert year["certificationHistory"][-2]["reason"] == "แก้ไขจำนวน อสม."
    assert year["certificationHistory"][-1]["actorRole"] == "LAO_VERIFIER"


async def test_certifying_an_incomplete_year_lists_what_is_missing(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        before = await status(c, lao)
        result = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        after = await status(c, lao)
    assert result["__typename"] == "IncompleteDomains"
    incomplete = [d["domain"] for d in before["completeness"] if not d["complete"]]
    assert [d["domain"] for d in result["domains"]] == incomplete
    assert all(d["missingFields"] for d in result["domains"])
    assert after["state"] == "DRAFT" and after["version"] == before["version"]


async def test_a_recorder_saves_but_cannot_certify(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url, incomplete=False)
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_RECORDER)) as c:
        result = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
    assert result["__typename"] == "Forbidden"
    assert "verifier" in result["message"] and "ผู้ตรวจสอบข้อมูล" in result["messageTh"]


async def test_a_stale_version_is_refused_with_the_current_one_and_nothing_is_lost(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_RECORDER)) as c:
        version = (await status(c, lao))["version"]
        mutation = save_mutation(DOMAINS[0])
        first = (
            await graphql(
                c,
                mutation,
                code=lao.code,
                year=lao.year,
                version=version,
                data={"healthServiceUnits": 4},
            )
        )["result"]
        second = (
            await graphql(
                c,
                mutation,
                code=lao.code,
                year=lao.year,
                version=version,
                data={"healthServiceUnits": 9},
            )
        )["result"]
        value = await graphql(
            c,
            """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
            healthEnvironment { healthServiceUnits } } } }""",
            code=lao.code,
            year=lao.year,
        )
    assert first["__typename"] == "SectionSaved" and first["version"] == version + 1
    assert second["__typename"] == "VersionConflict" and second["currentVersion"] == version + 1
    assert value["lao"]["year"]["healthEnvironment"]["healthServiceUnits"] == 4


async def test_bad_input_names_each_field_in_english_and_thai_and_changes_nothing(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        before = await status(c, lao)
        result = (
            await graphql(
                c,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=before["version"],
                data={
                    "healthServiceUnits": -1,
                    "villageHealthVolunteers": 20001,
                    "solidWasteTonnesPerDay": 1.5,
                },
            )
        )["result"]
        water = {
            "name": "ประปา" * 100,
            "villageNumber": 999,
            "latitude": 1.0,
            "longitude": 100.5,
            "yearBuiltBe": 2020,
            "householdsServed": 10,
            "capacityM3PerHour": 2.0,
            "systemType": "SURFACE",
            "waterSource": "RIVER",
            "status": "USABLE",
            "waterQuality": "NOT_TESTED",
            "owner": "LAO",
            "acquisition": "BUILT",
        }
        record = (
            await graphql(
                c, ADD_WATER, code=lao.code, year=lao.year, version=before["version"], data=water
            )
        )["result"]
        after = await status(c, lao)
    assert result["__typename"] == "ValidationFailed"
    by_path = {e["path"]: e for e in result["errors"]}
    assert set(by_path) == {
        "healthEnvironment.healthServiceUnits",
        "healthEnvironment.villageHealthVolunteers",
    }
    assert by_path["healthEnvironment.healthServiceUnits"]["code"] == "OUT_OF_RANGE"
    assert "cannot be negative" in by_path["healthEnvironment.healthServiceUnits"]["message"]
    assert "ต้องไม่ติดลบ" in by_path["healthEnvironment.healthServiceUnits"]["messageTh"]
    assert record["__typename"] == "ValidationFailed"
    codes = {e["path"]: e["code"] for e in record["errors"]}
    assert codes == {
        "waterSupplySystem.name": "TOO_LONG",
        "waterSupplySystem.latitude": "OUT_OF_RANGE",
        "waterSupplySystem.yearBuiltBe": "OUT_OF_RANGE",
        "waterSupplySystem.villageNumber": "NOT_A_CHOICE",
    }
    assert "Buddhist-Era" in next(
        e["message"] for e in record["errors"] if e["path"].endswith("yearBuiltBe")
    )
    assert after["version"] == before["version"]


async def test_read_only_fields_pulled_from_other_systems_cannot_be_set(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        response = await c.post(
            "/graphql",
            json={
                "query": save_mutation(DOMAINS[5]),
                "variables": {
                    "code": lao.code,
                    "year": lao.year,
                    "version": 1,
                    "data": {"staff": 12},
                },
            },
        )
    [error] = response.json()["errors"]
    assert "staff" in error["message"]


async def test_thai_text_is_stored_nfc_normalised(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    decomposed = "ประปาหมู่บ้าน e\u0301"  # e + combining acute accent
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        water = {
            camel("village_number" if f.kind is Kind.VILLAGE else f.name): sample(f)
            for f in next(
                t for d in DOMAINS for t in d.record_tables if t.name == "water_supply_systems"
            ).fields
        }
        water["name"] = decomposed + "  "
        added = (
            await graphql(c, ADD_WATER, code=lao.code, year=lao.year, version=version, data=water)
        )["result"]
        systems = await graphql(
            c,
            """query($code: String!, $year: Int!) { waterSupplySystems(filter: {laoCode: $code, fiscalYear: $year}, first: 1000) {
            edges { node { id name } } } }""",
            code=lao.code,
            year=lao.year,
        )
    names = {e["node"]["id"]: e["node"]["name"] for e in systems["waterSupplySystems"]["edges"]}
    assert names[added["recordId"]] == "ประปาหมู่บ้าน \u00e9"


async def _certified_laos(
    url: str, province_id: int, year: int, state: CertificationState, limit: int
) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list(
                (
                    await conn.execute(
                        select(Lao.code)
                        .join(LaoYear, LaoYear.lao_id == Lao.id)
                        .where(
                            Lao.province_id == province_id,
                            LaoYear.fiscal_year == year,
                            LaoYear.state == state,
                        )
                        .order_by(Lao.id)
                        .limit(limit)
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()


async def test_an_officer_certifies_a_batch_and_each_item_stands_alone(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    ready = await _certified_laos(
        fresh_demo_url, lao.province_id, lao.year, CertificationState.LAO_CERTIFIED, 500
    )
    assert ready
    items = [{"laoCode": code, "fiscalYear": lao.year} for code in ready] + [
        {"laoCode": lao.code, "fiscalYear": lao.year},  # a DRAFT: refused
        {"laoCode": "0000000", "fiscalYear": lao.year},  # no such LAO
    ]
    async with serve(settings(fresh_demo_url), officer(lao.province_id)) as c:
        results = (await graphql(c, CERTIFY_PROVINCE, items=items))["certifyProvince"]
        again = (await graphql(c, CERTIFY_PROVINCE, items=items[:1]))["certifyProvince"]
    kinds = [r["result"]["__typename"] for r in results]
    assert kinds == ["StateChanged"] * len(ready) + ["InvalidState", "NotFound"]
    assert again[0]["result"]["__typename"] == "InvalidState"
    assert again[0]["result"]["currentState"] == "PROVINCE_CERTIFIED"


async def test_only_the_lao_s_own_province_certifies_and_the_lao_cannot_cancel_over_it(
    fresh_demo_url,
):
    lao = await _draft_lao(fresh_demo_url)
    [code] = await _certified_laos(
        fresh_demo_url, lao.province_id, lao.year, CertificationState.LAO_CERTIFIED, 1
    )
    async with serve(settings(fresh_demo_url), officer(lao.province_id + 1)) as c:
        foreign = (
            await graphql(c, CERTIFY_PROVINCE, items=[{"laoCode": code, "fiscalYear": lao.year}])
        )["certifyProvince"]
    assert foreign[0]["result"]["__typename"] == "Forbidden"
    async with serve(settings(fresh_demo_url), officer(lao.province_id)) as c:
        await graphql(c, CERTIFY_PROVINCE, items=[{"laoCode": code, "fiscalYear": lao.year}])
    target = await _lao(fresh_demo_url, code, lao.year)
    async with serve(settings(fresh_demo_url), clerk(target)) as c:
        refused = (await graphql(c, CANCEL_LAO, code=code, year=lao.year, reason="ต้องการแก้ไข"))[
            "result"
        ]
    assert (
        refused["__typename"] == "InvalidState" and refused["currentState"] == "PROVINCE_CERTIFIED"
    )
    async with serve(settings(fresh_demo_url), officer(lao.province_id)) as c:
        back = (await graphql(c, CANCEL_PROVINCE, code=code, year=lao.year, reason="อปท. ขอแก้ไข"))[
            "result"
        ]
    assert back["state"] == "LAO_CERTIFIED"
    async with serve(settings(fresh_demo_url), clerk(target)) as c:
        assert (await graphql(c, CANCEL_LAO, code=code, year=lao.year, reason="ต้องการแก้ไข"))[
            "result"
        ]["state"] == "DRAFT"


async def _lao(url: str, code: str, year: int) -> Lao_:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(select(Lao.id, Lao.province_id).where(Lao.code == code))
            ).one()
    finally:
        await engine.dispose()
    return Lao_(code, row.id, row.province_id, year)


async def test_two_officers_certifying_at_once_make_exactly_one_transition(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    [code] = await _certified_laos(
        fresh_demo_url, lao.province_id, lao.year, CertificationState.LAO_CERTIFIED, 1
    )
    async with serve(settings(fresh_demo_url), officer(lao.province_id)) as c:
        results = await asyncio.gather(
            *[
                graphql(c, CERTIFY_PROVINCE, items=[{"laoCode": code, "fiscalYear": lao.year}])
                for _ in range(4)
            ]
        )
    kinds = sorted(r["certifyProvince"][0]["result"]["__typename"] for r in results)
    assert kinds == ["InvalidState", "InvalidState", "InvalidState", "StateChanged"]
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            events = (
                await conn.execute(
                    select(func.count())
                    .select_from(CertificationEvent)
                    .join(LaoYear, LaoYear.id == CertificationEvent.lao_year_id)
                    .join(Lao, Lao.id == LaoYear.lao_id)
                    .where(
                        Lao.code == code,
                        LaoYear.fiscal_year == lao.year,
                        CertificationEvent.to_state == CertificationState.PROVINCE_CERTIFIED,
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert events == 1


async def test_a_closed_year_is_read_only_for_everyone(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(FiscalYear)
                .where(FiscalYear.year_be == lao.year)
                .values(closed_at=dt.datetime.now(dt.UTC))
            )
    finally:
        await engine.dispose()
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        result = (
            await graphql(
                c,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=1,
                data={"healthServiceUnits": 1},
            )
        )["result"]
    assert result["__typename"] == "FiscalYearClosed" and result["fiscalYear"] == lao.year
    assert "ปิดแล้ว" in result["messageTh"]


async def test_every_change_is_logged_and_the_chain_verifies_until_tampered_with(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        loaded = (await audit.verify(engine)).entries  # the demo load's provenance entries
    finally:
        await engine.dispose()
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        for units in (1, 2, 3):
            result = (
                await graphql(
                    c,
                    save_mutation(DOMAINS[0]),
                    code=lao.code,
                    year=lao.year,
                    version=version,
                    data={"healthServiceUnits": units},
                )
            )["result"]
            version = result["version"]
    engine = create_engine(fresh_demo_url)
    try:
        verified = await audit.verify(engine)
        assert verified.ok and verified.entries == loaded + 3
        async with engine.begin() as conn:
            await conn.execute(
                update(ChangeLogEntry)
                .where(ChangeLogEntry.id == loaded + 2)
                .values(changes_json='{"x":[1,2]}')
            )
        broken = await audit.verify(engine)
    finally:
        await engine.dispose()
    assert not broken.ok and broken.broken_at == loaded + 2 and "edited" in broken.problem

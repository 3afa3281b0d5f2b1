"""A caller's own mistakes get typed answers naming the field, never INTERNAL; and what callers
see uses the API's names and zone-aware times (real HTTP, both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import CertificationEvent, FiscalYear, LaoContact, LaoYear
from hub.rules.catalogue import DOMAINS
from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from tests.conftest import graphql, serve
from tests.test_data_entry import (
    CERTIFY_LAO,
    CERTIFY_PROVINCE,
    _draft_lao,
    clerk,
    officer,
    save_mutation,
    settings,
    status,
)

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
MUTATION_ERROR = "__typename ... on MutationError { message messageTh } "
VALIDATION = "... on ValidationFailed { errors { path code message messageTh } }"


def no_internal(body: dict) -> None:
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert "INTERNAL" not in codes, body


async def _count(url: str, statement) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).scalar_one()
    finally:
        await engine.dispose()


# --- defect 2: fiscalYears with a year present --------------------------------------------------


async def test_fiscal_years_lists_the_years_there_are(fresh_demo_url):
    years = await _count(fresh_demo_url, select(func.count()).select_from(FiscalYear))
    assert years > 0
    async with serve(settings(fresh_demo_url)) as c:
        response = await c.post(
            "/graphql",
            json={"query": "{ fiscalYears { yearBe startsOn endsOn recordDeadline isOpen } }"},
        )
    body = response.json()
    assert "errors" not in body, body
    listed = body["data"]["fiscalYears"]
    assert len(listed) == years
    assert [y["yearBe"] for y in listed] == sorted((y["yearBe"] for y in listed), reverse=True)
    newest = listed[0]
    assert newest["isOpen"] is True
    assert newest["startsOn"] == f"{newest['yearBe'] - 544}-10-01"
    assert newest["endsOn"] == f"{newest['yearBe'] - 543}-09-30"


# --- defect 7: bad input is the caller's, typed and named ----------------------------------------


async def test_null_clears_a_none_in_this_area_flag(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    water, economy = DOMAINS[4], DOMAINS[7]
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        results = {}
        for domain, flag in ((water, "waterSupplySystemsNone"), (economy, "touristSitesNone")):
            marked = (
                await graphql(
                    c,
                    save_mutation(domain),
                    code=lao.code,
                    year=lao.year,
                    version=version,
                    data={flag: True},
                )
            )["result"]
            assert marked["__typename"] == "SectionSaved", marked
            response = await c.post(
                "/graphql",
                json={
                    "query": save_mutation(domain),
                    "variables": {
                        "code": lao.code,
                        "year": lao.year,
                        "version": marked["version"],
                        "data": {flag: None},
                    },
                },
            )
            body = response.json()
            no_internal(body)
            results[flag] = body["data"]["result"]
            version = results[flag]["version"]
        read = await graphql(
            c,
            """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
            waterManagement { waterSupplySystemsNone } economyTourism { touristSitesNone } } } }""",
            code=lao.code,
            year=lao.year,
        )
    assert all(r["__typename"] == "SectionSaved" for r in results.values()), results
    year = read["lao"]["year"]
    assert year["waterManagement"]["waterSupplySystemsNone"] is False
    assert year["economyTourism"]["touristSitesNone"] is False


async def test_opening_an_impossible_year_is_refused_naming_year_be(fresh_demo_url):
    mutation = f"""mutation($y: Int!) {{ r: openFiscalYear(yearBe: $y, recordDeadline: "2026-06-15") {{
        {MUTATION_ERROR} {VALIDATION} }} }}"""
    before = await _count(fresh_demo_url, select(func.count()).select_from(FiscalYear))
    async with serve(settings(fresh_demo_url), DLA) as c:
        for year in (-544, 0, 99_999_999):
            response = await c.post("/graphql", json={"query": mutation, "variables": {"y": year}})
            body = response.json()
            no_internal(body)
            result = body["data"]["r"]
            assert result["__typename"] == "ValidationFailed", result
            assert [e["path"] for e in result["errors"]] == ["yearBe"]
            assert result["errors"][0]["code"] == "OUT_OF_RANGE"
            assert result["messageTh"]
    assert await _count(fresh_demo_url, select(func.count()).select_from(FiscalYear)) == before


async def test_a_deadline_outside_the_year_names_record_deadline(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    mutation = f"""mutation($y: Int!, $d: Date!) {{ r: openFiscalYear(yearBe: $y, recordDeadline: $d) {{
        {MUTATION_ERROR} {VALIDATION} }} }}"""
    async with serve(settings(fresh_demo_url), DLA) as c:
        result = (await graphql(c, mutation, y=lao.year + 1, d="1999-01-01"))["r"]
    assert result["__typename"] == "ValidationFailed"
    assert [e["path"] for e in result["errors"]] == ["recordDeadline"]


async def test_a_batch_over_the_limit_is_bad_user_input_before_any_transaction(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    items = [{"laoCode": lao.code, "fiscalYear": lao.year}] * 1001
    events = select(func.count()).select_from(CertificationEvent)
    before = await _count(fresh_demo_url, events)
    async with serve(settings(fresh_demo_url), officer(lao.province_id)) as c:
        response = await c.post(
            "/graphql", json={"query": CERTIFY_PROVINCE, "variables": {"items": items}}
        )
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == "items"
    assert "1,000" in error["message"] and error["extensions"]["messageTh"]
    assert await _count(fresh_demo_url, events) == before


async def test_two_recorders_in_one_slot_are_refused_naming_recorders(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    mutation = f"""mutation($code: String!, $v: Int!) {{ r: updateLaoProfile(laoCode: $code, version: $v,
        data: {{phone: "0-4400-0001"}},
        recorders: [{{slot: 1, name: "นายหนึ่ง ทดสอบ"}}, {{slot: 1, name: "นางสอง ทดสอบ"}}]) {{
        {MUTATION_ERROR} {VALIDATION} }} }}"""
    contacts = select(func.count()).select_from(LaoContact)
    before = await _count(fresh_demo_url, contacts)
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_ADMIN)) as c:
        version = (
            await graphql(c, "query($c: String!) { lao(code: $c) { version } }", c=lao.code)
        )["lao"]["version"]
        response = await c.post(
            "/graphql", json={"query": mutation, "variables": {"code": lao.code, "v": version}}
        )
        after = (
            await graphql(c, "query($c: String!) { lao(code: $c) { version phone } }", c=lao.code)
        )["lao"]
    body = response.json()
    no_internal(body)
    result = body["data"]["r"]
    assert result["__typename"] == "ValidationFailed", result
    assert [e["path"] for e in result["errors"]] == ["recorders"]
    assert result["errors"][0]["code"] == "DUPLICATE"
    text = response.text
    assert "INSERT" not in text and "UNIQUE" not in text and "นายหนึ่ง" not in text
    assert after["version"] == version and after["phone"] != "0-4400-0001"
    assert await _count(fresh_demo_url, contacts) == before


# --- defect 13: the API's names in every error path and missing-field list ---------------------


async def test_missing_fields_and_error_paths_use_the_api_names(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_ADMIN)) as c:
        version = (
            await graphql(c, "query($c: String!) { lao(code: $c) { version } }", c=lao.code)
        )["lao"]["version"]
        profile = (
            await graphql(
                c,
                f"""mutation($code: String!, $v: Int!, $road: String!) {{ r: updateLaoProfile(laoCode: $code,
                version: $v, data: {{addressRoad: $road, addressNumber: $road}},
                recorders: [{{slot: 1, name: "ก", position: $road}}]) {{ {MUTATION_ERROR} {VALIDATION} }} }}""",
                code=lao.code,
                v=version,
                road="ถ" * 400,
            )
        )["r"]
    assert profile["__typename"] == "ValidationFailed"
    assert {e["path"] for e in profile["errors"]} == {
        "profile.addressRoad",
        "profile.addressNumber",
        "recorders.1.position",
    }

    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        cleared = (
            await graphql(
                c,
                save_mutation(DOMAINS[5]),
                code=lao.code,
                year=lao.year,
                version=(await status(c, lao))["version"],
                data={"complaintsResolved": None},
            )
        )["result"]
        assert cleared["__typename"] == "SectionSaved"
        year = await status(c, lao)
        refused = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
    missing = {d["domain"]: d["missingFields"] for d in year["completeness"]}
    assert "complaintsResolved" in missing[6]
    assert refused["__typename"] == "IncompleteDomains"
    listed = {d["domain"]: d["missingFields"] for d in refused["domains"]}
    assert "complaintsResolved" in listed[6]
    every = [name for names in [*missing.values(), *listed.values()] for name in names]
    assert every and all("_" not in name for name in every), every
    if 5 in listed and "waterSupplySystems" not in listed[5]:
        assert all(name[0].islower() for name in listed[5])


async def test_a_bad_village_number_is_named_as_the_input_names_it(fresh_demo_url):
    from tests.test_data_entry import ADD_WATER

    lao = await _draft_lao(fresh_demo_url)
    water = {
        "name": "ประปาหมู่ 1",
        "villageNumber": 999,
        "latitude": 13.6,
        "longitude": 100.6,
        "yearBuiltBe": 2550,
        "householdsServed": 10,
        "capacityM3PerHour": 2.0,
        "systemType": "SURFACE",
        "waterSource": "RIVER",
        "status": "USABLE",
        "waterQuality": "NOT_TESTED",
        "owner": "LAO",
        "acquisition": "BUILT",
    }
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        result = (
            await graphql(c, ADD_WATER, code=lao.code, year=lao.year, version=version, data=water)
        )["result"]
    assert result["__typename"] == "ValidationFailed"
    assert [e["path"] for e in result["errors"]] == ["waterSupplySystem.villageNumber"]


# --- defect 12: every datetime in the API carries its zone -------------------------------------


def _aware(value: str) -> bool:
    return dt.datetime.fromisoformat(value).utcoffset() == dt.timedelta(0)


async def test_every_datetime_read_carries_a_utc_offset(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url, incomplete=False)
    query = """query($code: String!, $year: Int!) { lao(code: $code) {
        changeLog(first: 5) { edges { node { at } } }
        year(fiscalYear: $year) { dataReceivedAt
          certificationHistory { at }
          healthEnvironment { updatedAt }
          waterManagement { updatedAt } } } }"""
    planned = """query($code: String!, $year: Int!) { lao(code: $code) {
        year(fiscalYear: $year) { dataReceivedAt } } }"""
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        saved = (
            await graphql(
                c,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=version,
                data={"healthServiceUnits": 3},
            )
        )["result"]
        assert saved["__typename"] == "SectionSaved"
        certified = (await graphql(c, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        assert certified["__typename"] == "StateChanged", certified
        data = (await graphql(c, query, code=lao.code, year=lao.year))["lao"]
        by_planner = (await graphql(c, planned, code=lao.code, year=lao.year))["lao"]
    year = data["year"]
    times = [
        certified["at"],
        year["dataReceivedAt"],
        by_planner["year"]["dataReceivedAt"],
        year["healthEnvironment"]["updatedAt"],
        *[e["at"] for e in year["certificationHistory"]],
        *[e["node"]["at"] for e in data["changeLog"]["edges"]],
    ]
    if year["waterManagement"] and year["waterManagement"]["updatedAt"]:
        times.append(year["waterManagement"]["updatedAt"])
    assert all(times) and all(_aware(t) for t in times), times
    stored = await _count(
        fresh_demo_url,
        select(func.count()).select_from(LaoYear).where(LaoYear.data_received_at.is_not(None)),
    )
    assert stored > 0

"""Incremental sync: a client replaying a changes feed holds what a full extract returns.

For several callers (the public, an agency client, a provincial officer) and every kind, a
sync client pages the feed from the start (the baseline), then, after edits, records added
and retired, a certification and a cancellation, pages the delta from its cursor, applying
values and tombstones; after each step its copy equals a full extract read through the
ordinary API. Both databases (the `backend` fixture).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.db.engine import create_engine
from hub.db.models import FiscalYear, Lao, LaoYear
from hub.rules import change_feed as rules
from hub.rules.catalogue import DOMAINS, Kind
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import PUBLIC, Identity, RoleGrant, client, user
from hub.rules.validation import camel
from hub.settings import Settings
from tests.conftest import (
    Places,
    graphql,
    graphql_response,
    identities,
    serve,
    written_entries_settle,
)
from tests.test_data_entry import (
    ADD_WATER,
    CANCEL_LAO,
    CERTIFY_LAO,
    Lao_,
    _draft_lao,
    clerk,
    sample,
    save_mutation,
)

# What each feed's items are compared on, and the same through the ordinary API.
SELECTIONS = {
    "LAO_PROFILE": "lao { code nameTh phone version }",
    "LAO_YEAR": "laoYear { fiscalYear state version healthEnvironment { villageHealthVolunteers }"
    " waterManagement { waterSupplySystems { id name version } } }",
    "CERTIFICATION": "laoYear { fiscalYear state }",
    "WATER_SUPPLY_SYSTEM": "waterSupplySystem { id name status version }",
    "TOURIST_SITE": "touristSite { id name version }",
    "MISSION_RECORD": "missionRecord { id status version budgetBaht }",
}
FEED = """query($kind: ChangeKind!, $after: String, $first: Int) {
  changes(kind: $kind, after: $after, first: $first) {
    baseline pageInfo { hasNextPage endCursor }
    nodes { key removed laoCode fiscalYear %s } } }"""
AGENCY_SCOPES = "domain:1 domain:5 missions"
# Only the names of `identities` are needed to parametrize; the places come from the fixture.
FAKE_PLACES = Places(0, "", 0, 0, "", 0, "", "", 0)


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def replay(
    c: httpx.AsyncClient, kind: str, copy: dict[str, Any], after: str | None, first: int = 150
) -> str:
    """Pages the feed from `after` until caught up, applying it to `copy`; the last cursor."""
    query = FEED % SELECTIONS[kind]
    while True:
        page = (await graphql(c, query, kind=kind, after=after, first=first))["changes"]
        for node in page["nodes"]:
            if node["removed"]:
                copy.pop(node["key"], None)
            else:
                copy[node["key"]] = _value(kind, node)
        after = page["pageInfo"]["endCursor"]
        assert after
        if not page["pageInfo"]["hasNextPage"]:
            return after


def _value(kind: str, node: dict[str, Any]) -> Any:
    if kind == "LAO_PROFILE":
        return node["lao"]
    if kind in ("LAO_YEAR", "CERTIFICATION"):
        return {"code": node["laoCode"], **node["laoYear"]}
    if kind == "WATER_SUPPLY_SYSTEM":
        return {"year": node["fiscalYear"], **node["waterSupplySystem"]}
    if kind == "TOURIST_SITE":
        return {"year": node["fiscalYear"], **node["touristSite"]}
    return node["missionRecord"]


async def _pages(c: httpx.AsyncClient, query: str, path: str, **variables: Any) -> list[Any]:
    after, nodes = None, []
    while True:
        data = await graphql(c, query, after=after, **variables)
        for part in path.split("."):
            data = data[part]
        nodes += [e["node"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]


async def extract(c: httpx.AsyncClient, kind: str, years: list[int]) -> list[Any]:
    """A full extract of what the feed carries, through the ordinary API, sorted."""
    if kind in ("LAO_PROFILE", "LAO_YEAR", "CERTIFICATION"):
        inner = {
            "LAO_PROFILE": "code nameTh phone version",
            "LAO_YEAR": "code years { " + SELECTIONS["LAO_YEAR"][len("laoYear {") : -1] + " }",
            "CERTIFICATION": "code years { fiscalYear state }",
        }[kind]
        laos = await _pages(
            c,
            "query($after: String) { laos(first: 100, after: $after) {"
            f" pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {inner} }} }} }} }}",
            "laos",
        )
        if kind == "LAO_PROFILE":
            found = laos
        else:
            found = [{"code": lao["code"], **y} for lao in laos for y in lao["years"]]
    elif kind in ("WATER_SUPPLY_SYSTEM", "TOURIST_SITE"):
        field, selection = {
            "WATER_SUPPLY_SYSTEM": ("waterSupplySystems", "id name status version"),
            "TOURIST_SITE": ("touristSites", "id name version"),
        }[kind]
        found = []
        for year in years:
            found += [
                {"year": year, **n}
                for n in await _pages(
                    c,
                    f"query($after: String, $year: Int) {{ {field}(first: 1000, after: $after,"
                    " filter: {fiscalYear: $year}) { pageInfo { hasNextPage endCursor }"
                    f" edges {{ node {{ {selection} }} }} }} }}",
                    field,
                    year=year,
                )
            ]
    else:
        found = await _pages(
            c,
            "query($after: String) { transferredMissions(first: 1000, after: $after) {"
            " pageInfo { hasNextPage endCursor } edges { node { id status version budgetBaht }"
            " } } }",
            "transferredMissions",
        )
    return sorted(found, key=repr)


def held(copy: dict[str, Any]) -> list[Any]:
    return sorted(copy.values(), key=repr)


async def _world(url: str) -> tuple[Lao_, Lao_, list[int]]:
    """A complete draft LAO-year to fill and certify, a certified one to cancel, the years."""
    complete = await _draft_lao(url, incomplete=False)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Lao.code, Lao.id, Lao.province_id)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.fiscal_year == complete.year,
                        LaoYear.state == CertificationState.LAO_CERTIFIED,
                        Lao.type == LaoType.SAO,
                        Lao.province_id == complete.province_id,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
            years = list((await conn.execute(select(FiscalYear.year_be))).scalars())
    finally:
        await engine.dispose()
    return complete, Lao_(row.code, row.id, row.province_id, complete.year), years


def callers(province_id: int) -> dict[str, Identity]:
    return {
        "public": PUBLIC,
        "agency": client("demo-sync", AGENCY_SCOPES),
        "province": user("sync-pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=province_id)),
    }


KINDS = ("LAO_PROFILE", "LAO_YEAR", "CERTIFICATION", "WATER_SUPPLY_SYSTEM", "MISSION_RECORD")


async def test_replaying_every_feed_reproduces_the_full_extract_for_every_caller(
    fresh_demo_url,
):
    draft, certified, years = await _world(fresh_demo_url)
    who = callers(draft.province_id)
    async with contextlib.AsyncExitStack() as stack:
        hubs = {
            name: await stack.enter_async_context(serve(settings(fresh_demo_url), identity))
            for name, identity in who.items()
        }
        copies: dict[tuple[str, str], dict[str, Any]] = {}
        cursors: dict[tuple[str, str], str] = {}

        async def sync_and_compare(step: str, compared: tuple[str, ...] = KINDS) -> None:
            # Every feed is replayed at every step; the full extracts (the slow part) are read
            # for the kinds the step changed, and for all of them at the start and the end.
            await written_entries_settle(fresh_demo_url)
            for name, c in hubs.items():
                for kind in KINDS:
                    copy = copies.setdefault((name, kind), {})
                    cursors[(name, kind)] = await replay(c, kind, copy, cursors.get((name, kind)))
                    if kind in compared:
                        expected = await extract(c, kind, years)
                        assert held(copy) == expected, (step, name, kind)

        await sync_and_compare("baseline")
        public_years = {v["code"] for v in copies[("public", "CERTIFICATION")].values()}
        assert certified.code in public_years

        # Edits in a draft, a record added and an old one retired, then the LAO certifies.
        async with serve(settings(fresh_demo_url), clerk(draft)) as c:
            status = await graphql(
                c,
                """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year)
                { version waterManagement { waterSupplySystems { id version } } } } }""",
                code=draft.code,
                year=draft.year,
            )
            year = status["lao"]["year"]
            version = year["version"]
            saved = (
                await graphql(
                    c,
                    save_mutation(DOMAINS[0]),
                    code=draft.code,
                    year=draft.year,
                    version=version,
                    data={"villageHealthVolunteers": 77},
                )
            )["result"]
            version = saved["version"]
            water = {
                camel("village_number" if f.kind is Kind.VILLAGE else f.name): sample(f)
                for f in next(
                    t for d in DOMAINS for t in d.record_tables if t.name == "water_supply_systems"
                ).fields
            }
            added = (
                await graphql(
                    c, ADD_WATER, code=draft.code, year=draft.year, version=version, data=water
                )
            )["result"]
            assert added["__typename"] == "RecordSaved", added
            version = added["version"]
            old = (year["waterManagement"] or {}).get("waterSupplySystems") or []
            if old:
                retired = (
                    await graphql(
                        c,
                        """mutation($code: String!, $year: Int!, $version: Int!, $id: Int!,
                        $rv: Int!) { result: retireWaterSupplySystem(laoCode: $code,
                        fiscalYear: $year, version: $version, recordId: $id, recordVersion: $rv,
                        reason: "ยุบรวมกับระบบใหม่") { __typename ... on RecordSaved { version } } }""",
                        code=draft.code,
                        year=draft.year,
                        version=version,
                        id=old[0]["id"],
                        rv=old[0]["version"],
                    )
                )["result"]
                assert retired["__typename"] == "RecordSaved", retired
            done = (await graphql(c, CERTIFY_LAO, code=draft.code, year=draft.year))["result"]
            assert done["state"] == "LAO_CERTIFIED", done
        await sync_and_compare(
            "after edits and a certification", ("LAO_YEAR", "CERTIFICATION", "WATER_SUPPLY_SYSTEM")
        )
        assert draft.code in {v["code"] for v in copies[("public", "CERTIFICATION")].values()}

        # The LAO's INFO administrator changes its phone; its staff update a mission record.
        async with serve(
            settings(fresh_demo_url), user("sync-admin", RoleGrant(Role.LAO_ADMIN, lao_id=draft.id))
        ) as c:
            lao = (
                await graphql(
                    c,
                    "query($code: String!) { lao(code: $code) { version transferredMissions"
                    " { id version } } }",
                    code=draft.code,
                )
            )["lao"]
            profile = (
                await graphql(
                    c,
                    "mutation($code: String!, $v: Int!) { r: updateLaoProfile(laoCode: $code,"
                    ' version: $v, data: {phone: "0 5555 1234"}) { __typename } }',
                    code=draft.code,
                    v=lao["version"],
                )
            )["r"]
            assert profile["__typename"] == "ProfileSaved", profile
            if lao["transferredMissions"]:
                mission = lao["transferredMissions"][0]
                saved = (
                    await graphql(
                        c,
                        "mutation($id: Int!, $v: Int!) { r: updateTransferredMission(id: $id,"
                        " version: $v, data: {budgetBaht: 123456.0}) { __typename } }",
                        id=mission["id"],
                        v=mission["version"],
                    )
                )["r"]
                assert saved["__typename"] == "MissionRecordSaved", saved

        # A certification cancelled: the public and the agency get tombstones, the province
        # keeps the draft.
        async with serve(settings(fresh_demo_url), clerk(certified)) as c:
            cancelled = (
                await graphql(
                    c, CANCEL_LAO, code=certified.code, year=certified.year, reason="แก้ไขข้อมูล"
                )
            )["result"]
            assert cancelled["state"] == "DRAFT", cancelled
        before = dict(copies[("public", "LAO_YEAR")])
        await sync_and_compare("after a cancellation")
        gone = set(before) - set(copies[("public", "LAO_YEAR")])
        assert [before[k]["code"] for k in gone] == [certified.code]
        province_years = copies[("province", "CERTIFICATION")].values()
        assert {"code": certified.code, "fiscalYear": certified.year, "state": "DRAFT"} in list(
            province_years
        )


async def _counted(c: httpx.AsyncClient, kind: str, after: str | None, first: int) -> tuple:
    response = await c.post(
        "/graphql",
        json={
            "query": FEED % SELECTIONS[kind],
            "variables": {"kind": kind, "first": first, "after": after},
        },
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return int(response.headers["X-SQL-Statements"]), body["data"]["changes"]


async def test_a_page_runs_the_same_statements_whatever_it_returns(fresh_demo_url):
    """Reads are batched: pages of 10 and of 500 items run the same number of statements, in
    the baseline and in the delta after a fiscal year's opening, which reaches every LAO-year
    and record of the new year in one log entry (read a page at a time, mid-entry)."""
    counted = Settings(database_url=fresh_demo_url, environment="test", count_statements=True)
    async with serve(counted, user("dla", RoleGrant(Role.DLA_ADMIN))) as c:
        baseline = {first: (await _counted(c, "LAO_YEAR", None, first))[0] for first in (10, 500)}
        assert baseline[10] == baseline[500], baseline
        cursors: dict[str, str] = {}
        copies: dict[str, dict[str, Any]] = {}
        for kind in ("CERTIFICATION", "WATER_SUPPLY_SYSTEM", "TOURIST_SITE"):
            copies[kind] = {}
            cursors[kind] = await replay(c, kind, copies[kind], None, first=1000)
        years = (await graphql(c, "{ fiscalYears { yearBe } }"))["fiscalYears"]
        new_year = max(y["yearBe"] for y in years) + 1
        opened = await graphql(
            c,
            """mutation($y: Int!, $d: Date!) { r: openFiscalYear(yearBe: $y, recordDeadline: $d,
            copyPrevious: true) { __typename } }""",
            y=new_year,
            d=f"{new_year - 543}-06-30",
        )
        assert opened["r"]["__typename"] == "FiscalYearUpdated", opened
        await written_entries_settle(fresh_demo_url)
        delta: dict[int, list[int]] = {}
        for first in (10, 150):  # the new year holds ~450 records: two pages of either size
            count, page = await _counted(
                c, "WATER_SUPPLY_SYSTEM", cursors["WATER_SUPPLY_SYSTEM"], first
            )
            assert len(page["nodes"]) == first and page["pageInfo"]["hasNextPage"]
            delta.setdefault(first, []).append(count)
            # Mid-entry: the next page goes on inside the same log entry.
            count, after = await _counted(
                c, "WATER_SUPPLY_SYSTEM", page["pageInfo"]["endCursor"], first
            )
            delta[first].append(count)
            assert not {n["key"] for n in page["nodes"]} & {n["key"] for n in after["nodes"]}
        assert delta[10] == delta[150], delta
        for kind in ("CERTIFICATION", "WATER_SUPPLY_SYSTEM", "TOURIST_SITE"):
            await replay(c, kind, copies[kind], cursors[kind], first=100)
        assert held(copies["CERTIFICATION"]) == await extract(c, "CERTIFICATION", [])
        every_year = [y["yearBe"] for y in years] + [new_year]
        assert held(copies["WATER_SUPPLY_SYSTEM"]) == await extract(
            c, "WATER_SUPPLY_SYSTEM", every_year
        )
        assert any(v["year"] == new_year for v in copies["WATER_SUPPLY_SYSTEM"].values())
        assert held(copies["TOURIST_SITE"]) == await extract(c, "TOURIST_SITE", every_year)


async def test_a_forged_cursor_is_refused_naming_after_and_an_old_one_is_gone(fresh_demo_url):
    query = FEED % SELECTIONS["CERTIFICATION"]
    async with serve(settings(fresh_demo_url), PUBLIC) as c:
        page = (await graphql(c, query, kind="CERTIFICATION", first=5))["changes"]
        cursor = page["pageInfo"]["endCursor"]
        text = cursor.partition(".")[0]
        for forged in ("nonsense", text + ".0000000000000000", cursor + "x"):
            body = await graphql_response(c, query, kind="CERTIFICATION", after=forged)
            error = body["errors"][0]["extensions"]
            assert (error["code"], error["field"]) == ("BAD_USER_INPUT", "after"), body
        # Another feed's cursor, another caller's cursor.
        body = await graphql_response(c, query, kind="LAO_PROFILE", after=cursor)
        assert body["errors"][0]["extensions"]["field"] == "after"
    async with serve(settings(fresh_demo_url), client("x", "domain:1")) as c:
        body = await graphql_response(c, query, kind="CERTIFICATION", after=cursor)
        assert body["errors"][0]["extensions"]["field"] == "after"
        body = await graphql_response(c, FEED % SELECTIONS["MISSION_RECORD"], kind="MISSION_RECORD")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    identity = PUBLIC
    position = rules.decode(cursor, rules.Kind.CERTIFICATION, identity)
    old = rules.encode(
        rules.Position(
            position.kind,
            position.baseline,
            position.log_id,
            position.key,
            int((dt.datetime.now(dt.UTC) - dt.timedelta(days=31)).timestamp()),
            position.viewer,
        )
    )
    # A well-formed cursor of this caller pointing past the change log's end was not issued.
    past = rules.encode(
        rules.Position(position.kind, False, 10**9, None, position.issued_at, position.viewer)
    )
    async with serve(settings(fresh_demo_url), PUBLIC) as c:
        beyond = await graphql_response(c, query, kind="CERTIFICATION", after=past)
        body = await graphql_response(c, query, kind="CERTIFICATION", after=old)
    assert beyond["errors"][0]["extensions"]["field"] == "after", beyond
    error = body["errors"][0]["extensions"]
    assert error["code"] == "CURSOR_EXPIRED"
    assert error["baseline"] == {"kind": "CERTIFICATION", "after": None}
    assert error["field"] == "after" and error["messageTh"]


@pytest.mark.parametrize("who", sorted(identities(FAKE_PLACES)))
async def test_every_kind_of_caller_gets_its_own_rows_in_the_baseline(
    demo_database_url: str, places: Places, who: str
):
    """The row rule holds for every kind of caller: the certification feed's baseline lists
    exactly the LAO-years the caller reads through `laos { years }`."""
    identity = identities(places)[who]
    async with serve(settings(demo_database_url), identity) as c:
        copy: dict[str, Any] = {}
        await replay(c, "CERTIFICATION", copy, None, first=1000)
        assert held(copy) == await extract(c, "CERTIFICATION", [])

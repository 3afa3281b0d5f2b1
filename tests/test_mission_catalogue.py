"""Transferred missions: DLA edits and retires catalogue missions, a record's own history,
and the roll-ups for budget allocation (seed 004), with their rules and every refusal."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.mission_rollups import mission_rollup
from hub.db.models import ChangeLogEntry, Lao, LaoMission, Mission, Province
from hub.rules.enums import MissionArea, MissionRollupKey, MissionStatus, Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.missions import (
    HELD_STATUSES,
    catalogue_problems,
    record_problems,
    retired_refusal,
    retirement_refusal,
)
from hub.rules.problems import InvalidInput, InvalidState, ReasonRequired
from tests.conftest import graphql, graphql_response, serve
from tests.small_world import counting_statements
from tests.test_data_entry import _draft_lao, clerk, settings

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
TODAY = dt.date(2026, 12, 1)

# --- rules -------------------------------------------------------------------------------------


def test_a_record_s_figures():
    assert (
        record_problems({"budget_baht": 0, "asset_value_baht": 1.5, "staff_transferred": 0}, TODAY)
        == []
    )
    paths = [
        e.path
        for e in record_problems(
            {
                "budget_baht": -1,
                "asset_value_baht": -1,
                "staff_transferred": 100_001,
                "received_on": TODAY + dt.timedelta(days=1),
                "assets": "x" * 2001,
                "note": "x" * 2001,
            },
            TODAY,
        )
    ]
    assert paths == [
        "mission.budgetBaht",
        "mission.assetValueBaht",
        "mission.staffTransferred",
        "mission.receivedOn",
        "mission.assets",
        "mission.note",
    ]
    assert record_problems({"received_on": dt.date(1989, 12, 31)}, TODAY)[0].code == "OUT_OF_RANGE"


def test_a_catalogue_entry():
    assert catalogue_problems({"name_th": "ภารกิจ", "name_en": None}, code="M1") == []
    assert catalogue_problems({}) == []  # nothing given, nothing to check
    paths = [
        e.path for e in catalogue_problems({"name_th": "", "name_en": "x" * 301}, code=" " * 3)
    ]
    assert paths == ["mission.code", "mission.nameTh", "mission.nameEn"]
    assert catalogue_problems({"name_th": "x" * 301})[0].path == "mission.nameTh"
    assert catalogue_problems({}, code="x" * 21)[0].path == "mission.code"


def test_retiring_a_catalogue_mission():
    assert retired_refusal("M1", None, "edited") is None
    kept = retired_refusal("M1", dt.date(2026, 1, 1), "edited")
    assert isinstance(kept, InvalidState) and "2026-01-01" in kept.message_en
    assert retirement_refusal("โอนคืน", TODAY, TODAY) is None
    assert isinstance(retirement_refusal("  ", TODAY, TODAY), ReasonRequired)
    assert isinstance(retirement_refusal(None, TODAY, TODAY), ReasonRequired)
    future = retirement_refusal("โอนคืน", TODAY + dt.timedelta(days=1), TODAY)
    assert isinstance(future, InvalidInput) and future.field == "retiredOn"
    long = retirement_refusal("x" * 2001, TODAY, TODAY)
    assert isinstance(long, InvalidInput) and long.field == "reason"
    assert HELD_STATUSES == (MissionStatus.ACTIVE, MissionStatus.CHANGED)


# --- DLA edits and retires the catalogue --------------------------------------------------------

SAVED = """__typename ... on MutationError { message messageTh }
  ... on CatalogueMissionSaved { code version retiredOn }
  ... on VersionConflict { currentVersion } ... on ValidationFailed { errors { path code } }"""
UPDATE = f"""mutation($code: String!, $v: Int!, $data: CatalogueMissionInput!) {{
  r: updateCatalogueMission(code: $code, version: $v, data: $data) {{ {SAVED} }} }}"""
RETIRE = f"""mutation($code: String!, $v: Int!, $why: String!, $on: Date) {{
  r: retireCatalogueMission(code: $code, version: $v, reason: $why, retiredOn: $on) {{ {SAVED} }} }}"""
ENTRY = """query { missionCatalogue(first: 1) { edges { node { code nameTh nameEn area version
  retiredOn retiredReason agency { code } } } } }"""


async def test_dla_edits_and_retires_a_catalogue_mission_in_the_change_log(fresh_demo_url):
    async with serve(settings(fresh_demo_url), DLA) as c:
        entry = (await graphql(c, ENTRY))["missionCatalogue"]["edges"][0]["node"]
        agencies = [a["code"] for a in (await graphql(c, "{ agencies { code } }"))["agencies"]]
        other_agency = next(a for a in agencies if a != entry["agency"]["code"])
        code = entry["code"]
        edited = (
            await graphql(
                c,
                UPDATE,
                code=code,
                v=entry["version"],
                data={
                    "nameTh": " ถนนสายรอง ",
                    "nameEn": "Secondary roads",
                    "area": "QUALITY_OF_LIFE",
                    "agencyCode": other_agency,
                },
            )
        )["r"]
        stale = (await graphql(c, UPDATE, code=code, v=entry["version"], data={"nameEn": None}))[
            "r"
        ]
        cleared = (await graphql(c, UPDATE, code=code, v=edited["version"], data={"nameEn": None}))[
            "r"
        ]
        no_reason = (await graphql(c, RETIRE, code=code, v=cleared["version"], why=" "))["r"]
        retired = (
            await graphql(
                c, RETIRE, code=code, v=cleared["version"], why="โอนคืนกรม", on="2026-10-01"
            )
        )["r"]
        again = (await graphql(c, RETIRE, code=code, v=retired["version"], why="อีกครั้ง"))["r"]
        edit_retired = (
            await graphql(c, UPDATE, code=code, v=retired["version"], data={"nameTh": "ใหม่"})
        )["r"]
        after = (await graphql(c, ENTRY))["missionCatalogue"]["edges"][0]["node"]
    assert edited == {
        "__typename": "CatalogueMissionSaved",
        "code": code,
        "version": entry["version"] + 1,
        "retiredOn": None,
    }
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == edited["version"]
    assert cleared["version"] == edited["version"] + 1
    assert no_reason["__typename"] == "ReasonRequired"
    assert retired["retiredOn"] == "2026-10-01"
    assert again["__typename"] == edit_retired["__typename"] == "InvalidState"
    assert after == {
        "code": code,
        "nameTh": "ถนนสายรอง",
        "nameEn": None,
        "area": "QUALITY_OF_LIFE",
        "version": retired["version"],
        "retiredOn": "2026-10-01",
        "retiredReason": "โอนคืนกรม",
        "agency": {"code": other_agency},
    }
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            log = (
                await conn.execute(
                    select(
                        ChangeLogEntry.action, ChangeLogEntry.changes_json, ChangeLogEntry.reason
                    )
                    .where(ChangeLogEntry.entity == "missions")
                    .order_by(ChangeLogEntry.id)
                )
            ).all()
            held = (
                await conn.execute(
                    select(func.count())
                    .select_from(LaoMission)
                    .join(Mission)
                    .where(Mission.code == code, LaoMission.agency_id != Mission.agency_id)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert [(a, r) for a, _, r in log] == [
        ("update", None),
        ("update", None),
        ("retire", "โอนคืนกรม"),
    ]
    assert '"name_th":["' in log[0][1] and '"retired_on":[null,"2026-10-01"]' in log[2][1]
    assert held > 0  # the records LAOs hold keep the agency they came from


async def test_every_refusal_of_a_catalogue_change(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), DLA) as c:
        entry = (await graphql(c, ENTRY))["missionCatalogue"]["edges"][0]["node"]
    code, v = entry["code"], entry["version"]
    cases = [
        (clerk(lao), UPDATE, {"data": {"nameTh": "ก"}}, "Forbidden"),
        (user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=lao.province_id)), UPDATE,
         {"data": {"nameTh": "ก"}}, "Forbidden"),
        (PUBLIC, RETIRE, {"why": "ก"}, "Forbidden"),
        (client("demo-all", "missions"), RETIRE, {"why": "ก"}, "Forbidden"),
        (DLA, UPDATE, {"code": "NO-SUCH", "data": {"nameTh": "ก"}}, "NotFound"),
        (DLA, UPDATE, {"data": {"agencyCode": "NO-SUCH"}}, "NotFound"),
        (DLA, UPDATE, {"data": {"nameTh": " "}}, "ValidationFailed"),
        (DLA, UPDATE, {"data": {"nameTh": None}}, "ValidationFailed"),
        (DLA, UPDATE, {"data": {"nameEn": "x" * 301}}, "ValidationFailed"),
        (DLA, UPDATE, {"v": v + 5, "data": {"nameTh": "ก"}}, "VersionConflict"),
        (DLA, RETIRE, {"why": ""}, "ReasonRequired"),
        (DLA, RETIRE, {"why": "ก", "on": "2999-01-01"}, "ValidationFailed"),
        (DLA, RETIRE, {"why": "ก", "on": "1980-01-01"}, "ValidationFailed"),
    ]  # fmt: skip
    for who, mutation, variables, expected in cases:
        async with serve(settings(fresh_demo_url), who) as c:
            result = (await graphql(c, mutation, **{"code": code, "v": v, **variables}))["r"]
        assert result["__typename"] == expected, (variables, result)
        assert result["message"] and result["messageTh"]
    async with serve(settings(fresh_demo_url), DLA) as c:
        assert (await graphql(c, ENTRY))["missionCatalogue"]["edges"][0]["node"] == entry


async def test_a_retired_mission_is_no_longer_recorded(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), DLA) as c:
        catalogue = (
            await graphql(
                c, "{ missionCatalogue(first: 1000) { edges { node { code version retiredOn } } } }"
            )
        )["missionCatalogue"]["edges"]
        held = {
            m["mission"]["code"]
            for m in (
                await graphql(
                    c,
                    "query($c: String!) { lao(code: $c) { transferredMissions { mission { code } } } }",
                    c=lao.code,
                )
            )["lao"]["transferredMissions"]
        }
        entry = next(e["node"] for e in catalogue if e["node"]["code"] not in held)
        await graphql(c, RETIRE, code=entry["code"], v=entry["version"], why="ยกเลิก")
    record = """mutation($lao: String!, $m: String!) { r: recordTransferredMission(laoCode: $lao,
        missionCode: $m, data: {receivedOn: "2020-01-01"}) { __typename ... on MutationError { message } } }"""
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_RECORDER)) as c:
        refused = (await graphql(c, record, lao=lao.code, m=entry["code"]))["r"]
    assert refused["__typename"] == "InvalidState" and "retired" in refused["message"]
    assert any(e["node"]["retiredOn"] for e in catalogue)  # the demo's own retired mission


# --- a record's own history -----------------------------------------------------------------------

HISTORY = """query($lao: String!) { transferredMissions(filter: {laoCode: $lao}, first: 100) {
  edges { node { id assetValueBaht history { status detail changes actorRole actorName } } } } }"""


async def test_a_record_s_history_is_read_by_whoever_reads_the_record(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    recorder = clerk(lao, Role.LAO_RECORDER)
    async with serve(settings(fresh_demo_url), recorder) as c:
        catalogue = (
            await graphql(
                c, "{ missionCatalogue(first: 1000) { edges { node { code retiredOn } } } }"
            )
        )["missionCatalogue"]["edges"]
        held = {
            m["mission"]["code"]
            for m in (
                await graphql(
                    c,
                    "query($c: String!) { lao(code: $c) { transferredMissions { mission { code } } } }",
                    c=lao.code,
                )
            )["lao"]["transferredMissions"]
        }
        code = next(
            e["node"]["code"]
            for e in catalogue
            if e["node"]["code"] not in held and e["node"]["retiredOn"] is None
        )
        saved = (
            await graphql(
                c,
                """mutation($lao: String!, $m: String!) { r: recordTransferredMission(laoCode: $lao,
                missionCode: $m, data: {receivedOn: "2020-01-01", budgetBaht: 100000,
                assets: "รถบรรทุกน้ำ 1 คัน", assetValueBaht: 2500000}) {
                __typename ... on MissionRecordSaved { id version } } }""",
                lao=lao.code,
                m=code,
            )
        )["r"]
        negative = (
            await graphql(
                c,
                """mutation($id: Int!) { r: updateTransferredMission(id: $id, version: 1,
                data: {assetValueBaht: -1}) { __typename ... on ValidationFailed { errors { path } } } }""",
                id=saved["id"],
            )
        )["r"]
        await graphql(
            c,
            """mutation($id: Int!) { r: updateTransferredMission(id: $id, version: 1,
            data: {budgetBaht: 120000}) { __typename } }""",
            id=saved["id"],
        )
        await graphql(
            c,
            """mutation($id: Int!) { r: cancelTransferredMission(id: $id, version: 2,
            reason: "โอนคืน", cancelledOn: "2026-11-01") { __typename } }""",
            id=saved["id"],
        )
    assert negative == {
        "__typename": "ValidationFailed",
        "errors": [{"path": "mission.assetValueBaht"}],
    }
    readers = {
        "recorder": recorder,
        "public": PUBLIC,
        "agency": client("demo-missions", "missions"),
        "personal": client("demo-personal", "missions personal"),
    }
    seen = {}
    for name, who in readers.items():
        async with serve(settings(fresh_demo_url), who) as c:
            body = await graphql_response(c, HISTORY, lao=lao.code)
        node = next(
            e["node"]
            for e in body["data"]["transferredMissions"]["edges"]
            if e["node"]["id"] == saved["id"]
        )
        seen[name] = (node, body.get("errors", []))
    node, errors = seen["recorder"]
    assert errors == [] and node["assetValueBaht"] == 2500000.0
    assert [(h["status"], h["detail"], h["actorRole"]) for h in node["history"]] == [
        ("ACTIVE", "recorded", "LAO_RECORDER"),
        ("CHANGED", "updated", "LAO_RECORDER"),
        ("CANCELLED", "โอนคืน", "LAO_RECORDER"),
    ]
    assert node["history"][0]["changes"]["assetValueBaht"] == [None, 2500000.0]
    assert node["history"][1]["changes"] == {
        "budgetBaht": [100000.0, 120000.0],
        "status": ["ACTIVE", "CHANGED"],
    }
    assert node["history"][2]["changes"]["cancelReason"] == [None, "โอนคืน"]
    assert node["history"][0]["actorName"] is None  # a test identity has no users row
    for name in ("public", "agency"):  # the history, but not who: personal data
        node, errors = seen[name]
        assert [h["status"] for h in node["history"]] == ["ACTIVE", "CHANGED", "CANCELLED"]
        assert all(h["actorName"] is None for h in node["history"])
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}
    assert seen["personal"][1] == []
    async with serve(settings(fresh_demo_url), client("demo-moph", "domain:1")) as c:
        body = await graphql_response(c, HISTORY, lao=lao.code)
    assert body["data"]["transferredMissions"] is None  # no `missions` scope: no record at all


# --- roll-ups for budget allocation ---------------------------------------------------------------

ROLLUP = """query($by: [MissionRollupKey!]!, $filter: MissionRollupFilter) {
  missionRollup(groupBy: $by, filter: $filter) { agency { code } area province { code }
    mission { code } records laos missions budgetBaht recordsWithBudget staffTransferred
    recordsWithStaff assetValueBaht recordsWithAssets } }"""


async def test_roll_ups_for_budget_allocation_group_by_agency_area_province_and_mission(
    fresh_demo_url,
):
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        LaoMission.lao_id,
                        LaoMission.mission_id,
                        LaoMission.status,
                        LaoMission.budget_baht,
                        LaoMission.staff_transferred,
                        LaoMission.asset_value_baht,
                        LaoMission.assets,
                        Mission.area,
                        Province.code.label("province"),
                    )
                    .join(Mission, Mission.id == LaoMission.mission_id)
                    .join(Lao, Lao.id == LaoMission.lao_id)
                    .join(Province, Province.id == Lao.province_id)
                )
            ).all()
    finally:
        await engine.dispose()
    held = [r for r in rows if r.status is not MissionStatus.CANCELLED]
    by_area: dict[str, list] = defaultdict(list)
    for r in held:
        by_area[r.area.name].append(r)
    async with serve(settings(fresh_demo_url), PUBLIC) as c:
        [total] = (await graphql(c, ROLLUP, by=[]))["missionRollup"]
        areas = (await graphql(c, ROLLUP, by=["AREA"]))["missionRollup"]
        with_cancelled = (await graphql(c, ROLLUP, by=[], filter={"includeCancelled": True}))[
            "missionRollup"
        ]
        by_province = (await graphql(c, ROLLUP, by=["PROVINCE", "AGENCY"]))["missionRollup"]
        one_area = (await graphql(c, ROLLUP, by=["MISSION"], filter={"area": "INFRASTRUCTURE"}))[
            "missionRollup"
        ]
        nowhere = (await graphql(c, ROLLUP, by=["AGENCY"], filter={"provinceCode": "99"}))[
            "missionRollup"
        ]
    assert total["records"] == len(held)
    assert total["laos"] == len({r.lao_id for r in held})
    assert total["missions"] == len({r.mission_id for r in held})
    assert round(total["budgetBaht"]) == round(sum(r.budget_baht or 0 for r in held))
    assert total["recordsWithBudget"] == sum(r.budget_baht is not None for r in held)
    assert total["staffTransferred"] == sum(r.staff_transferred or 0 for r in held)
    assert round(total["assetValueBaht"]) == round(sum(r.asset_value_baht or 0 for r in held))
    assert total["recordsWithAssets"] == sum(
        r.assets is not None or r.asset_value_baht is not None for r in held
    )
    assert total["agency"] is total["area"] is total["province"] is total["mission"] is None
    assert with_cancelled[0]["records"] == len(rows) > total["records"]
    assert {a["area"]: a["records"] for a in areas} == {k: len(v) for k, v in by_area.items()}
    assert {a["area"]: a["laos"] for a in areas} == {
        k: len({r.lao_id for r in v}) for k, v in by_area.items()
    }
    assert sum(p["records"] for p in by_province) == total["records"]
    assert all(p["province"] and p["agency"] and p["area"] is None for p in by_province)
    assert {p["province"]["code"] for p in by_province} == {r.province for r in held}
    assert sum(m["records"] for m in one_area) == len(by_area["INFRASTRUCTURE"])
    assert all(m["missions"] == 1 and m["mission"]["code"] for m in one_area)
    assert nowhere == []


async def test_a_roll_up_is_one_statement_and_needs_the_missions_scope(fresh_demo_url):
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            with counting_statements(engine) as statements:
                rows = await mission_rollup(
                    conn,
                    [MissionRollupKey.AGENCY, MissionRollupKey.AREA, MissionRollupKey.AGENCY],
                    area=MissionArea.INFRASTRUCTURE,
                    agency_code="DRR",
                    province_code="11",
                )
    finally:
        await engine.dispose()
    assert len(statements) == 1
    assert rows and all(r.area is MissionArea.INFRASTRUCTURE for r in rows)
    assert len({r.agency_id for r in rows}) == 1
    async with serve(settings(fresh_demo_url), client("demo-moph", "domain:1 domain:7")) as c:
        body = await graphql_response(c, ROLLUP, by=["AGENCY"])
    assert body["data"]["missionRollup"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_records_with_their_history_cost_the_same_statements_as_one(fresh_demo_url):
    from tests.test_costs import fewest_statements

    query = """query($n: Int!) { transferredMissions(filter: {status: CHANGED}, first: $n) {
      edges { node { id history { status changes actorRole actorName } helpRequests { id }
        mission { code agency { code } } } } } }"""
    async with serve(settings(fresh_demo_url), DLA) as c:
        _, one = await fewest_statements(c, query, n=1)
        data, many = await fewest_statements(c, query, n=100)
    assert len(data["transferredMissions"]["edges"]) > 10
    assert len(many) == len(one)

"""Fiscal years, transferred missions, the KPI-16 baseline, profiles and the change log."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

from sqlalchemy import delete, func, select

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, Kpi16Reference
from hub.rules.catalogue import RECORD_TABLES, Kind
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.rules.validation import camel
from tests.conftest import graphql, serve
from tests.test_data_entry import ADD_WATER, _draft_lao, clerk, sample, settings, status

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))


def typed(result_fields: str) -> str:
    return "__typename ... on MutationError { message messageTh } " + result_fields


async def test_dla_opens_a_year_from_last_year_s_data_and_closes_it(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    next_year = lao.year + 1
    open_year = f"""mutation($y: Int!, $d: Date!) {{ r: openFiscalYear(yearBe: $y, recordDeadline: $d, copyPrevious: true) {{
        {typed("... on FiscalYearUpdated { yearBe isOpen laoYears copiedFrom }")} }} }}"""
    deadline = dt.date(next_year - 543, 6, 15).isoformat()
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        refused = (await graphql(c, open_year, y=next_year, d=deadline))["r"]
    assert refused["__typename"] == "Forbidden"
    async with serve(settings(fresh_demo_url), DLA) as c:
        opened = (await graphql(c, open_year, y=next_year, d=deadline))["r"]
        again = (await graphql(c, open_year, y=next_year, d=deadline))["r"]
        query = """query($code: String!, $a: Int!, $b: Int!) { lao(code: $code) {
            a: year(fiscalYear: $a) { state version completeness { complete } healthEnvironment { villageHealthVolunteers } }
            b: year(fiscalYear: $b) { state version completeness { complete } healthEnvironment { villageHealthVolunteers } } } }"""
        years = (await graphql(c, query, code=lao.code, a=lao.year, b=next_year))["lao"]
    assert (
        opened["__typename"] == "FiscalYearUpdated"
        and opened["copiedFrom"] == lao.year
        and opened["laoYears"] > 0
    )
    assert again["__typename"] == "InvalidState"
    assert years["b"]["state"] == "DRAFT" and years["b"]["version"] == 1
    assert years["b"]["healthEnvironment"] == years["a"]["healthEnvironment"]
    # Judged by each year's own form: FY 2571's asks a new field of domain 1 (not carried
    # over: last year did not ask it) and requires tourists per year (domain 8).
    assert next_year == 2571
    assert years["b"]["completeness"][0] == {"complete": False}
    assert years["b"]["completeness"][1:7] == years["a"]["completeness"][1:7]

    # The LAO edits the new year and, until DLA closes it, the earlier one too.
    save = f"""mutation($code: String!, $y: Int!, $v: Int!) {{ r: saveHealthEnvironment(laoCode: $code,
        fiscalYear: $y, version: $v, data: {{healthServiceUnits: 2}}) {{
        {typed("... on FiscalYearClosed { fiscalYear } ... on SectionSaved { version }")} }} }}"""
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        old = (await graphql(c, save, code=lao.code, y=lao.year, v=years["a"]["version"]))["r"]
        new = (await graphql(c, save, code=lao.code, y=next_year, v=1))["r"]
    assert old["__typename"] == "SectionSaved"
    assert new["__typename"] == "SectionSaved"

    close = f"""mutation($y: Int!) {{ r: closeFiscalYear(yearBe: $y, reason: "สิ้นปี") {{ {typed("... on FiscalYearUpdated { isOpen }")} }} }}"""
    async with serve(settings(fresh_demo_url), DLA) as c:
        assert (await graphql(c, close, y=next_year))["r"]["isOpen"] is False
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        closed = (await graphql(c, save, code=lao.code, y=next_year, v=new["version"]))["r"]
    assert closed["__typename"] == "FiscalYearClosed" and "closed" in closed["message"]


OPEN_YEAR = f"""mutation($y: Int!, $d: Date!) {{ r: openFiscalYear(yearBe: $y, recordDeadline: $d) {{
    {typed("... on FiscalYearUpdated { yearBe isOpen } ... on FiscalYearClosed { fiscalYear }")} }} }}"""
CLOSE_YEAR = f"""mutation($y: Int!) {{ r: closeFiscalYear(yearBe: $y) {{
    {typed("... on FiscalYearUpdated { isOpen } ... on FiscalYearClosed { fiscalYear }")} }} }}"""
SAVE_DOMAIN_1 = f"""mutation($code: String!, $y: Int!, $v: Int!) {{ r: saveHealthEnvironment(laoCode: $code,
    fiscalYear: $y, version: $v, data: {{healthServiceUnits: 3}}) {{
    {typed("... on SectionSaved { version } ... on FiscalYearClosed { fiscalYear }")} }} }}"""
CERTIFY = f"""mutation($code: String!, $y: Int!) {{ r: certifyLao(laoCode: $code, fiscalYear: $y) {{
    {typed("... on StateChanged { state } ... on FiscalYearClosed { fiscalYear }")} }} }}"""
VERSION = (
    """query($code: String!, $y: Int!) { lao(code: $code) { year(fiscalYear: $y) { version } } }"""
)


async def test_opening_the_next_year_leaves_the_running_round_to_the_laos(fresh_demo_url):
    """Opening year N+1 while N's round runs takes nothing away from the LAOs: they keep
    recording and certifying N until DLA closes it (then N is view-only for them)."""
    lao = await _draft_lao(fresh_demo_url, incomplete=False)
    deadline = dt.date(lao.year + 1 - 543, 6, 15).isoformat()
    async with serve(settings(fresh_demo_url), DLA) as dla:
        opened = (await graphql(dla, OPEN_YEAR, y=lao.year + 1, d=deadline))["r"]
        assert opened["__typename"] == "FiscalYearUpdated", opened
        async with serve(settings(fresh_demo_url), clerk(lao)) as c:
            version = (await graphql(c, VERSION, code=lao.code, y=lao.year))["lao"]["year"]
            saved = (
                await graphql(c, SAVE_DOMAIN_1, code=lao.code, y=lao.year, v=version["version"])
            )["r"]
            assert saved["__typename"] == "SectionSaved", saved
            certified = (await graphql(c, CERTIFY, code=lao.code, y=lao.year))["r"]
            assert certified["state"] == "LAO_CERTIFIED", certified

            closed = (await graphql(dla, CLOSE_YEAR, y=lao.year))["r"]
            assert closed == {"__typename": "FiscalYearUpdated", "isOpen": False}
            refused = (
                await graphql(c, SAVE_DOMAIN_1, code=lao.code, y=lao.year, v=saved["version"])
            )["r"]
    assert refused["__typename"] == "FiscalYearClosed" and refused["fiscalYear"] == lao.year
    assert "closed" in refused["message"] and "ปิดแล้ว" in refused["messageTh"]


async def test_a_closed_year_is_reported_closed_and_is_not_opened_again(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    deadline = dt.date(lao.year + 1 - 543, 6, 15).isoformat()
    async with serve(settings(fresh_demo_url), DLA) as dla:
        assert (await graphql(dla, OPEN_YEAR, y=lao.year + 1, d=deadline))["r"]["isOpen"]
        already = (await graphql(dla, OPEN_YEAR, y=lao.year + 1, d=deadline))["r"]
        assert (await graphql(dla, CLOSE_YEAR, y=lao.year + 1))["r"]["isOpen"] is False
        reopened = (await graphql(dla, OPEN_YEAR, y=lao.year + 1, d=deadline))["r"]
        closed_again = (await graphql(dla, CLOSE_YEAR, y=lao.year + 1))["r"]
    assert already["__typename"] == "InvalidState" and "already open" in already["message"]
    assert reopened["__typename"] == "FiscalYearClosed"
    assert reopened["fiscalYear"] == lao.year + 1
    assert "closed" in reopened["message"] and "already open" not in reopened["message"]
    assert "ปิดแล้ว" in reopened["messageTh"]
    assert closed_again["__typename"] == "FiscalYearClosed"


MISSION_FIELDS = typed(
    "... on MissionRecordSaved { id status version } ... on VersionConflict { currentVersion } "
    "... on ValidationFailed { errors { path code } }"
)


async def test_a_clerk_records_updates_and_cancels_a_transferred_mission(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_RECORDER)) as c:
        catalogue = await graphql(
            c, "{ missionCatalogue(first: 1000) { edges { node { code } } } }"
        )
        recorded = {
            m["mission"]["code"]
            for m in (
                await graphql(
                    c,
                    """query($code: String!) { lao(code: $code) {
            transferredMissions { mission { code } } } }""",
                    code=lao.code,
                )
            )["lao"]["transferredMissions"]
        }
        code = next(
            e["node"]["code"]
            for e in catalogue["missionCatalogue"]["edges"]
            if e["node"]["code"] not in recorded
        )
        record = f"""mutation($lao: String!, $m: String!, $data: MissionRecordInput!) {{
            r: recordTransferredMission(laoCode: $lao, missionCode: $m, data: $data) {{ {MISSION_FIELDS} }} }}"""
        bad = (
            await graphql(
                c, record, lao=lao.code, m=code, data={"receivedOn": "2020-01-01", "budgetBaht": -5}
            )
        )["r"]
        saved = (
            await graphql(
                c,
                record,
                lao=lao.code,
                m=code,
                data={
                    "receivedOn": "2020-01-01",
                    "budgetBaht": 150000.0,
                    "staffTransferred": 2,
                    "assets": "รถบรรทุกน้ำ 1 คัน",
                },
            )
        )["r"]
        dup = (await graphql(c, record, lao=lao.code, m=code, data={"receivedOn": "2020-01-01"}))[
            "r"
        ]
        update = f"""mutation($id: Int!, $v: Int!) {{ r: updateTransferredMission(id: $id, version: $v, data: {{budgetBaht: 175000}}) {{ {MISSION_FIELDS} }} }}"""
        changed = (await graphql(c, update, id=saved["id"], v=1))["r"]
        stale = (await graphql(c, update, id=saved["id"], v=1))["r"]
        cancel = f"""mutation($id: Int!, $v: Int!, $why: String!) {{ r: cancelTransferredMission(id: $id, version: $v, reason: $why,
            cancelledOn: "2026-01-31") {{ {MISSION_FIELDS} }} }}"""
        no_reason = (await graphql(c, cancel, id=saved["id"], v=2, why=" "))["r"]
        cancelled = (await graphql(c, cancel, id=saved["id"], v=2, why="กรมฯ รับภารกิจคืน"))["r"]
        listed = await graphql(
            c,
            """query($lao: String!) { transferredMissions(filter: {laoCode: $lao, status: CANCELLED}) {
            edges { node { id cancelledOn cancelReason budgetBaht } } } }""",
            lao=lao.code,
        )
    assert (
        bad["__typename"] == "ValidationFailed" and bad["errors"][0]["path"] == "mission.budgetBaht"
    )
    assert saved["__typename"] == "MissionRecordSaved" and saved["status"] == "ACTIVE"
    assert dup["__typename"] == "InvalidState"
    assert changed["status"] == "CHANGED" and changed["version"] == 2
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == 2
    assert no_reason["__typename"] == "ReasonRequired"
    assert cancelled["status"] == "CANCELLED"
    node = next(
        e["node"] for e in listed["transferredMissions"]["edges"] if e["node"]["id"] == saved["id"]
    )
    assert node == {
        "id": saved["id"],
        "cancelledOn": "2026-01-31",
        "cancelReason": "กรมฯ รับภารกิจคืน",
        "budgetBaht": 175000.0,
    }


async def test_dla_imports_a_province_kpi16_list_all_or_nothing(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    async with serve(settings(fresh_demo_url), DLA) as c:
        province = (
            await graphql(
                c,
                """query($code: String!) { lao(code: $code) { province { code } } }""",
                code=lao.code,
            )
        )["lao"]["province"]["code"]
        mutation = f"""mutation($y: Int!, $p: String!, $csv: String!) {{ r: importKpi16Baseline(fiscalYear: $y, provinceCode: $p, csv: $csv, roundNo: 2) {{
            {typed("... on Kpi16BaselineImported { references replaced } ... on ValidationFailed { errors { path message messageTh } }")} }} }}"""
        header = "reference_code,lao_code,village_number,name,latitude,longitude\n"
        bad = (
            header
            + f"R1,{lao.code},1,ประปาหมู่ 1,13.6,100.6\nR2,9999999,,ประปา,13.6,100.6\nR3,{lao.code},,ประปา,40.0,100.6\n"
        )
        refused = (await graphql(c, mutation, y=lao.year, p=province, csv=bad))["r"]
        good = header + f"R1,{lao.code},1,ประปาหมู่ 1,13.6,100.6\nR2,{lao.code},,ประปากลาง,,\n"
        first = (await graphql(c, mutation, y=lao.year, p=province, csv=good))["r"]
        second = (await graphql(c, mutation, y=lao.year, p=province, csv=good))["r"]
    assert refused["__typename"] == "ValidationFailed"
    assert [e["path"] for e in refused["errors"]] == ["csv:3.lao_code", "csv:4.latitude"]
    assert first == {"__typename": "Kpi16BaselineImported", "references": 2, "replaced": 0}
    assert second["replaced"] == 2
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            codes = (
                await conn.execute(
                    select(func.count())
                    .select_from(Kpi16Reference)
                    .where(Kpi16Reference.reference_code.in_(["R1", "R2", "R3"]))
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert codes == 2


async def test_the_lao_staff_update_the_profile_and_recorders_and_the_change_log_shows_it(
    fresh_demo_url,
):
    lao = await _draft_lao(fresh_demo_url)
    mutation = f"""mutation($code: String!, $v: Int!) {{ r: updateLaoProfile(laoCode: $code, version: $v,
        data: {{phone: "0-4400-0000", websiteUrl: "https://www.example.go.th", hasWebsite: true}},
        recorders: [{{slot: 1, name: "นางสาวทดสอบ ระบบ", position: "นักวิชาการคอมพิวเตอร์", phone: "081-000-0000"}}]) {{
        {typed("... on ProfileSaved { version } ... on VersionConflict { currentVersion }")} }} }}"""
    async with serve(settings(fresh_demo_url), clerk(lao, Role.LAO_ADMIN)) as c:
        version = (
            await graphql(
                c, "query($code: String!) { lao(code: $code) { version } }", code=lao.code
            )
        )["lao"]["version"]
        saved = (await graphql(c, mutation, code=lao.code, v=version))["r"]
        stale = (await graphql(c, mutation, code=lao.code, v=version))["r"]
        data = (
            await graphql(
                c,
                """query($code: String!) { lao(code: $code) { phone websiteUrl recorders { slot name }
            changeLog(first: 5) { totalCount edges { node { action entity changes actorRole hash } } } } }""",
                code=lao.code,
            )
        )["lao"]
    assert saved == {"__typename": "ProfileSaved", "version": version + 1}
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == version + 1
    assert data["phone"] == "0-4400-0000" and data["recorders"] == [
        {"slot": 1, "name": "นางสาวทดสอบ ระบบ"}
    ]
    entry = data["changeLog"]["edges"][0]["node"]
    assert entry["action"] == "update_profile" and entry["actorRole"] == "LAO_ADMIN"
    assert entry["changes"]["phone"][1] == "0-4400-0000"
    assert "นางสาวทดสอบ" not in str(entry["changes"])  # names are personal data: not in the log
    async with serve(settings(fresh_demo_url), PUBLIC) as c:
        response = await c.post(
            "/graphql",
            json={
                "query": "query($code: String!) { lao(code: $code) { code changeLog { totalCount } } }",
                "variables": {"code": lao.code},
            },
        )
    body = response.json()
    assert body["data"]["lao"]["changeLog"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_hub_audit_verify_names_the_first_broken_entry(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    save = """mutation($code: String!, $y: Int!, $v: Int!) { r: saveHealthEnvironment(laoCode: $code, fiscalYear: $y,
        version: $v, data: {healthServiceUnits: 2}) { __typename ... on SectionSaved { version } } }"""
    async with serve(settings(fresh_demo_url), clerk(lao)) as c:
        version = (
            await graphql(
                c,
                "query($c: String!, $y: Int!) { lao(code: $c) { year(fiscalYear: $y) { version } } }",
                c=lao.code,
                y=lao.year,
            )
        )["lao"]["year"]["version"]
        for _ in range(3):
            version = (await graphql(c, save, code=lao.code, y=lao.year, v=version))["r"]["version"]

    def verify() -> subprocess.CompletedProcess[str]:
        env = {"HUB_DATABASE_URL": fresh_demo_url, "PATH": "/usr/bin:/bin"}
        return subprocess.run(
            [sys.executable, "-m", "hub", "audit", "verify"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    good = verify()
    assert good.returncode == 0, good.stderr
    # The demo load's provenance entries, then the three saves.
    assert re.search(r"[\d,]+ entries; the chain verifies", good.stdout), good.stdout
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id == 2))
    finally:
        await engine.dispose()
    bad = verify()
    assert bad.returncode == 1
    # Entry 2 opened LAO 1's chain (an LAO's entries chain among themselves): its chain
    # breaks at its next entry, which names the place of the one missing.
    assert "BROKEN at entry 3: entry 1 of chain lao:1 is missing" in bad.stdout


async def test_the_change_log_names_the_role_that_allowed_the_change(fresh_demo_url):
    """A person holding several roles is logged in the one that allowed the change, not in
    whichever role was granted first: here a provincial officer who is also the LAO's
    recorder adds a water-supply system and records a transferred mission, as the recorder."""
    lao = await _draft_lao(fresh_demo_url)
    both = user(
        "officer-and-recorder",
        RoleGrant(Role.PROVINCE_OFFICER, province_id=lao.province_id),
        RoleGrant(Role.LAO_RECORDER, lao_id=lao.id),
    )
    water = {
        camel("village_number" if f.kind is Kind.VILLAGE else f.name): sample(f)
        for f in next(t for t in RECORD_TABLES if t.name == "water_supply_systems").fields
    }
    async with serve(settings(fresh_demo_url), both) as c:
        version = (await status(c, lao))["version"]
        added = (
            await graphql(c, ADD_WATER, code=lao.code, year=lao.year, version=version, data=water)
        )["result"]
        missions = await graphql(
            c,
            """query($code: String!) { missionCatalogue(first: 1000) { edges { node { code } } }
            lao(code: $code) { transferredMissions { mission { code } } } }""",
            code=lao.code,
        )
        taken = {m["mission"]["code"] for m in missions["lao"]["transferredMissions"]}
        mission = next(
            e["node"]["code"]
            for e in missions["missionCatalogue"]["edges"]
            if e["node"]["code"] not in taken
        )
        record = f"""mutation($lao: String!, $m: String!) {{ r: recordTransferredMission(laoCode: $lao,
            missionCode: $m, data: {{receivedOn: "2020-01-01"}}) {{ {MISSION_FIELDS} }} }}"""
        recorded = (await graphql(c, record, lao=lao.code, m=mission))["r"]
        log = (
            await graphql(
                c,
                """query($code: String!) { lao(code: $code) {
                changeLog(first: 5) { edges { node { entity action actorRole } } } } }""",
                code=lao.code,
            )
        )["lao"]["changeLog"]["edges"]
    assert added["__typename"] == "RecordSaved", added
    assert recorded["__typename"] == "MissionRecordSaved", recorded
    roles = {(e["node"]["entity"], e["node"]["action"]): e["node"]["actorRole"] for e in log}
    assert roles[("water_supply_systems", "add")] == "LAO_RECORDER"
    assert roles[("lao_missions", "record")] == "LAO_RECORDER"

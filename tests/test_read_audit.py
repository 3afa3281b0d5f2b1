"""The read audit (PDPA): a read of a recorder's phone number shows up, who read it and why;
the LAO's administrators and DLA read the audit, nobody else; the chain detects an edit; one
INSERT per request whatever the rows; the planned read path records what the resolvers record."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from hub.cli.main import main
from hub.db.engine import create_engine
from hub.db.models import Lao, LaoContact, Province
from hub.rules import permissions
from hub.rules.enums import LaoType, Role
from hub.rules.identity import RoleGrant, client, user
from hub.rules.permissions import LaoPlace
from hub.rules.read_audit import MAX_OFFICER, clean, declared
from hub.services import read_audit
from loaders.demo import DemoConfig
from loaders.demo_accounts import secret_for
from schema.permissions import AssessorName, PersonalData
from schema.root import build_schema
from tests.conftest import Places, _places, identities, serve
from tests.oauth_support import oauth_settings
from tests.test_planner import same_answer
from tests.test_planner_http import post_and_plans

CONTACTS = """query Contacts($code: String!) {
  lao(code: $code) { code recorders { name phone } }
}"""
AUDIT = """query Audit($code: String!) {
  personalDataReads(laoCode: $code) { totalCount edges { node {
    reader readerKind role fields purpose callingOfficer operation requestId hash } } }
}"""


async def _lao_with_recorders(url: str) -> tuple[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Lao.code, Lao.id)
                    .join(LaoContact, LaoContact.lao_id == Lao.id)
                    .where(Lao.type != LaoType.BANGKOK, LaoContact.phone.is_not(None))
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return row[0], row[1]


@contextlib.asynccontextmanager
async def _token(url: str, client_id: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The hub with its real OAuth server, and a client-credentials token of a demo client."""
    secret = secret_for(DemoConfig().seed, client_id, "demo-secret-", 20)[0]
    async with serve(oauth_settings(url)) as hub:
        response = await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text
        yield hub, response.json()["access_token"]


async def _audit_as(url: str, identity, code: str) -> dict:
    async with serve(oauth_settings(url), identity) as hub:
        response = await hub.post("/graphql", json={"query": AUDIT, "variables": {"code": code}})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_read_of_a_recorders_phone_shows_up_in_the_read_audit(fresh_demo_url):
    code, lao_id = await _lao_with_recorders(fresh_demo_url)
    async with _token(fresh_demo_url, "demo-personal") as (hub, token):
        response = await hub.post(
            "/graphql",
            json={"query": CONTACTS, "variables": {"code": code}},
            headers={
                "Authorization": f"Bearer {token}",
                "X-Purpose": "ติดต่อผู้บันทึกข้อมูล / contact the recorder".encode(),
                "X-Calling-Officer": "3100200300400",
                "X-Request-Id": "read-audit-test-1",
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["lao"]["recorders"][0]["phone"]
        # A read without personal data is not audited.
        plain = await hub.post(
            "/graphql",
            json={
                "query": CONTACTS.replace("recorders { name phone }", "nameTh"),
                "variables": {"code": code},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert plain.status_code == 200

    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    body = await _audit_as(fresh_demo_url, dla, code)
    reads = body["data"]["personalDataReads"]
    assert reads["totalCount"] == 1
    entry = reads["edges"][0]["node"]
    assert entry["reader"] == "demo-personal"
    assert entry["readerKind"] == "CLIENT"
    assert entry["role"] is None
    assert entry["fields"] == ["Lao.recorders.name", "Lao.recorders.phone"]
    assert entry["purpose"] == "ติดต่อผู้บันทึกข้อมูล / contact the recorder"
    assert entry["callingOfficer"] == "3100200300400"
    assert entry["operation"] == "Contacts"
    assert entry["requestId"] == "read-audit-test-1"

    # The LAO's own INFO administrator reads it too; an officer covering the LAO does not
    # (it reads the people, not who else did), nor does another LAO's administrator.
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            place = (
                await conn.execute(
                    select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(
                        Lao.id == lao_id
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    own_admin = user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=lao_id))
    body = await _audit_as(fresh_demo_url, own_admin, code)
    assert body["data"]["personalDataReads"]["totalCount"] == 1
    for outsider in (
        user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=place.province_id)),
        user("adm2", RoleGrant(Role.LAO_ADMIN, lao_id=lao_id + 1)),
        client("demo-personal", "personal"),
    ):
        body = await _audit_as(fresh_demo_url, outsider, code)
        assert body["data"]["personalDataReads"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_read_audit_chain_verifies_and_an_edit_is_found(fresh_demo_url, monkeypatch):
    code, _ = await _lao_with_recorders(fresh_demo_url)
    reader = user("dis", RoleGrant(Role.DLA_ADMIN))
    async with serve(oauth_settings(fresh_demo_url), reader) as hub:
        for _ in range(3):
            response = await hub.post(
                "/graphql", json={"query": CONTACTS, "variables": {"code": code}}
            )
            assert response.status_code == 200 and "errors" not in response.json()
    engine = create_engine(fresh_demo_url)
    try:
        verification = await read_audit.verify(engine)
        assert verification.ok and verification.entries == 3
        monkeypatch.setenv("HUB_DATABASE_URL", fresh_demo_url)
        assert await asyncio.to_thread(main, ["audit", "verify", "--reads"]) == 0
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE personal_data_reads SET purpose = 'nothing to see' WHERE id = 2")
            )
        verification = await read_audit.verify(engine)
        assert not verification.ok and verification.broken_at == 2
        assert await asyncio.to_thread(main, ["audit", "verify", "--reads"]) == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_one_insert_per_request_whatever_the_lao_count(fresh_demo_url):
    """A page of LAOs with their recorders: one row per LAO, and as many statements for 30
    LAOs as for 3."""
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            province = (  # the province with most LAOs (Bangkok has one)
                await conn.execute(
                    select(Province.code)
                    .join(Lao, Lao.province_id == Province.id)
                    .group_by(Province.code)
                    .order_by(func.count().desc())
                    .limit(1)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    query = """query Page($p: String!, $n: Int!) { laos(filter: {provinceCode: $p}, first: $n) {
      edges { node { code recorders { phone } infoAdministrators { name } } } } }"""
    reader = user("dla", RoleGrant(Role.DLA_ADMIN))
    statements = []
    async with serve(oauth_settings(fresh_demo_url, count_statements=True), reader) as hub:
        for n in (3, 30, 3, 30):  # warm, then compared
            response = await hub.post(
                "/graphql", json={"query": query, "variables": {"p": province, "n": n}}
            )
            assert response.status_code == 200 and "errors" not in response.json()
            statements.append(int(response.headers["x-sql-statements"]))
    assert statements[2] == statements[3]
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            counts = (
                await conn.execute(
                    text(
                        "SELECT request_id IS NOT NULL, count(*) FROM personal_data_reads GROUP BY 1"
                    )
                )
            ).all()
            fields = (
                await conn.execute(text("SELECT fields FROM personal_data_reads LIMIT 1"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert counts == [(1, 66)]  # one row per LAO per request
    assert fields == '["Lao.infoAdministrators.name", "Lao.recorders.phone"]'


PERSONAL_RULES = {PersonalData.rule, AssessorName.rule}


def _personal_fields(schema) -> set[str]:
    """Every field of the schema guarded as personal data."""
    found = set()
    for type_definition in schema.schema_converter.type_map.values():
        for f in getattr(type_definition.definition, "fields", ()):
            for extension in f.extensions:
                for permission in getattr(extension, "permissions", ()):
                    if permission.rule in PERSONAL_RULES:
                        found.add(f"{type_definition.definition.name}.{f.python_name}")
    return found


async def _mission_lao(url: str) -> str:
    """An LAO with recorders and a mission record with a history."""
    from hub.db.models import LaoMission, LaoMissionEvent

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    select(Lao.code)
                    .join(LaoMission, LaoMission.lao_id == Lao.id)
                    .join(LaoMissionEvent, LaoMissionEvent.lao_mission_id == LaoMission.id)
                    .where(
                        Lao.code.is_not(None),
                        select(LaoContact.id).where(LaoContact.lao_id == Lao.id).exists(),
                    )
                    .order_by(Lao.code)
                    .limit(1)
                )
            ).scalar_one()
    finally:
        await engine.dispose()


async def _assessed(url: str) -> tuple[str, int]:
    """A province with a final LPA score recorded, and the fiscal year it assesses."""
    from hub.db.models import LaoYear, LpaAssessment

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    select(Province.code, LaoYear.fiscal_year)
                    .join(Lao, Lao.province_id == Province.id)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .join(LpaAssessment, LpaAssessment.lao_year_id == LaoYear.id)
                    .order_by(Province.code)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return found[0], found[1]


def _personal_documents(
    p: Places, mission_lao: str, assessed: tuple[str, int]
) -> list[tuple[str, dict]]:
    """Reads of personal data as clients write them: a page, one LAO through fragments,
    aliases and directives (a skipped field is not read, so not recorded), the viewer's."""
    return [
        (
            "query Page($p: String!) { laos(filter: {provinceCode: $p}, first: 6) { edges {"
            " node { code recorders { name phone } } } } }",
            {"p": p.province_code},
        ),
        (
            "query One($c: String!) { lao(code: $c) { ...P } } fragment P on Lao { code"
            " r: recorders { __typename name ... on LaoContact { phone } position @skip(if: true) }"
            " infoAdministrators { slot email @include(if: false) } }",
            {"c": p.draft_sao_code},
        ),
        ("query Mine { viewer { laos { code recorders { slot } } } }", {}),
        (
            "query Certified($p: String!, $y: Int!) { laos(filter: {provinceCode: $p}, first: 8)"
            " { edges { node { code year(fiscalYear: $y) { state certificationHistory {"
            " toState who: actorName } } } } } }",
            {"p": p.province_code, "y": p.year},
        ),
        # one root planned, one the resolvers answer (the recorders of the LAO a mission
        # record names), both reading the same LAO's people: one row for that LAO, with both
        # roots' fields; who acted on the LAO's own mission records (planned, decided at the
        # LAO); who set a value (planned); and who acted on a page of mission records (planned)
        (
            "query Mixed($c: String!) { lao(code: $c) { code recorders { name } }"
            " records: lao(code: $c) { transferredMissions { lao { recorders { phone } } } } }",
            {"c": p.draft_sao_code},
        ),
        (
            "query Acted($c: String!) { lao(code: $c) { code recorders { name }"
            " transferredMissions { history { status actorName } } } }",
            {"c": p.draft_sao_code},
        ),
        (
            "query Source($c: String!, $y: Int!) { provenance(laoCode: $c, fiscalYear: $y,"
            ' field: "staff") { value setBy { actorName } changes { at actorName } } }',
            {"c": p.draft_sao_code, "y": p.year},
        ),
        (
            "query Records($c: String!) { transferredMissions(filter: {laoCode: $c}, first: 100)"
            " { edges { node { history { status actorName } } } } }",
            {"c": mission_lao},
        ),
        # who assessed a page of LAO-years' final LPA scores (planned, decided per LAO)
        (
            "query Assessed($p: String!, $y: Int!) { laos(filter: {provinceCode: $p}, first: 60)"
            " { edges { node { code year(fiscalYear: $y) { lpaFinalScore { score assessorName"
            " } } } } } }",
            {"p": assessed[0], "y": assessed[1]},
        ),
    ]


async def _recorded_since(url: str, last: int) -> tuple[int, list[tuple]]:
    """The read-audit rows after id `last` (LAO, fields, reader, operation), and the last id."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, lao_id, fields, reader, operation FROM personal_data_reads"
                        " WHERE id > :last ORDER BY id"
                    ),
                    {"last": last},
                )
            ).all()
    finally:
        await engine.dispose()
    return (rows[-1][0] if rows else last), sorted(tuple(r[1:]) for r in rows)


async def test_the_planned_read_path_records_the_reads_the_resolvers_record(fresh_demo_url):
    """The planner answers personal data under its guard, decided per LAO, and notes every
    read it lets through: for every caller, the same answer (FORBIDDEN where refused) and the
    same read-audit rows as the resolvers; the fields guarded as personal data are the ones
    this test knows of."""
    schema = build_schema()
    assert _personal_fields(schema) == {
        "Lao.recorders",
        "Lao.info_administrators",
        "CertificationEvent.actor_name",
        "MissionRecordEvent.actor_name",
        "LpaFinalScore.assessor_name",
        "ValueChange.actor_name",  # a value's provenance: who set it
    }
    p = await _places(fresh_demo_url)
    mission_lao = await _mission_lao(fresh_demo_url)
    assessed = await _assessed(fresh_demo_url)
    settings = oauth_settings(fresh_demo_url)
    last = 0
    for who, identity in identities(p).items():
        async with (
            serve(settings, identity) as planned,
            serve(dataclasses.replace(settings, planner=False), identity) as resolved,
        ):
            for query, variables in _personal_documents(p, mission_lao, assessed):
                body = {"query": query, "variables": variables}
                response, plans = await post_and_plans(planned, body)
                assert plans and plans[0] is not None, (who, query)  # the planner answered
                last, by_planner = await _recorded_since(fresh_demo_url, last)
                reference = await resolved.post("/graphql", json=body)
                last, by_resolvers = await _recorded_since(fresh_demo_url, last)
                same_answer(response.json(), reference.json(), query)
                assert by_planner == by_resolvers, (who, query)
                # they read people: it is recorded (a value's changes, if it has any)
                read_people = "viewer" not in query and "provenance" not in query
                if who in ("dla", "agency_personal") and read_people:
                    assert by_planner, (who, query)
                if (who, "viewer" in query) == ("recorder", True):
                    assert by_planner, (who, query)  # their own LAO's recorders
                if who in ("public", "agency"):
                    assert not by_planner, (who, query)


def test_declared_headers_are_kept_clean_and_bounded():
    assert clean(None, 10) is None
    assert clean("  \t ", 10) is None
    assert clean("a\x00b\nc", 10) == "a b c"
    assert clean("x" * 300, MAX_OFFICER) == "x" * (MAX_OFFICER - 1) + "…"
    got = declared({"x-purpose": " สอบถาม ", "x-calling-officer": "01"})
    assert (got.purpose, got.calling_officer) == ("สอบถาม", "01")
    assert declared({}).purpose is None
    # The REST face's GDX header names the officer too; X-Calling-Officer wins when both come.
    assert declared({"x-officer-id": "OFF-7"}).calling_officer == "OFF-7"
    both = declared({"x-officer-id": "OFF-7", "x-calling-officer": "01"})
    assert both.calling_officer == "01"


def test_who_reads_an_laos_read_audit():
    place = LaoPlace(7, LaoType.SAO, 3, 2)
    allowed = permissions.can_read_personal_reads
    assert allowed(user("d", RoleGrant(Role.DLA_ADMIN)), place)
    assert allowed(user("a", RoleGrant(Role.LAO_ADMIN, lao_id=7)), place)
    assert not allowed(user("a", RoleGrant(Role.LAO_ADMIN, lao_id=8)), place)
    assert not allowed(user("r", RoleGrant(Role.LAO_RECORDER, lao_id=7)), place)
    assert not allowed(user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=2)), place)
    assert not allowed(client("c", "personal"), place)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_read_whose_entry_cannot_be_written_is_not_answered(fresh_demo_url):
    """No entry, no answer: the personal data never leaves when the log fails."""
    code, _ = await _lao_with_recorders(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:  # the log is gone: every append fails
            await conn.execute(text("DROP TABLE personal_data_reads"))
    finally:
        await engine.dispose()
    reader = user("dla", RoleGrant(Role.DLA_ADMIN))
    async with serve(oauth_settings(fresh_demo_url), reader) as hub:
        response = await hub.post("/graphql", json={"query": CONTACTS, "variables": {"code": code}})
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
        assert "phone" not in response.text
        # A read without personal data is answered as usual.
        plain = await hub.post(
            "/graphql",
            json={
                "query": CONTACTS.replace("recorders { name phone }", "nameTh"),
                "variables": {"code": code},
            },
        )
        assert plain.json()["data"]["lao"]["code"] == code

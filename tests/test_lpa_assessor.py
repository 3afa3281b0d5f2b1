"""The LPA assessor over real HTTP on both databases: DLA appoints and revokes assessors; an
assessor records and revises final scores (with a real sign-in too); every other role and
every bad input is refused with its typed answer and changes nothing; two assessors revising
at once never lose a revision; provisional and final scores are read with who and when."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import (
    ChangeLogEntry,
    Lao,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    Province,
    User,
)
from hub.rules import lpa
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import PUBLIC, Identity, RoleGrant, client, user
from hub.services import audit
from hub.services.accounts import create_client, create_user
from loaders.demo_accounts import secret_for
from tests.conftest import graphql, graphql_response, serve
from tests.oauth_support import exchange, oauth_settings, sign_in
from tests.test_data_entry import settings
from tests.test_lpa_as_of import _after

YEAR = 2570  # the demo's open fiscal year, and the LPA year assessing it
RESULT = """__typename ... on MutationError { message messageTh }
  ... on LpaFinalScoreRecorded { laoCode finalScore { lpaYear version score rubricVersion reason
    evidence inspectedOn recordedAt assessorName } }
  ... on VersionConflict { currentVersion }
  ... on ValidationFailed { errors { path code message messageTh } }"""
RECORD = f"""mutation($code: String!, $year: Int!, $score: Int!, $reason: String!,
  $evidence: String!, $on: Date, $version: Int) {{
  r: recordLpaFinalScore(laoCode: $code, lpaYear: $year, score: $score, reason: $reason,
    evidence: $evidence, inspectedOn: $on, version: $version) {{ {RESULT} }} }}"""
APPOINTMENT = """__typename ... on MutationError { message messageTh }
  ... on LpaAssessorAppointment { username displayName provinceCode grantedAt revokedAt }
  ... on ValidationFailed { errors { path code } }"""
APPOINT = f"""mutation($u: String!, $p: String!) {{
  r: appointLpaAssessor(username: $u, provinceCode: $p) {{ {APPOINTMENT} }} }}"""
REVOKE = f"""mutation($u: String!, $p: String!, $reason: String) {{
  r: revokeLpaAssessor(username: $u, provinceCode: $p, reason: $reason) {{ {APPOINTMENT} }} }}"""
ASSESSORS = """query($p: String) { lpaAssessors(provinceCode: $p) { username provinceCode } }"""
SCORES = """query($code: String!, $year: Int!, $asOf: DateTime) { lao(code: $code) {
  year(fiscalYear: $year) { state
    lpaScore { score rule lpaYear rubricVersion timeliness { status deadline } }
    lpaFinalScore(asOf: $asOf) { version score reason evidence inspectedOn recordedAt
      rubricVersion assessorName provisionalAtInspection { score asOf rubricVersion } }
    lpaFinalScoreHistory { version score reason recordedAt } } } }"""
EVIDENCE = "แบบประเมิน LPA ตัวชี้วัดที่ 7 และหนังสือรับรองข้อมูล ที่ มท 0808.2/ว 123"


@dataclass(frozen=True)
class World:
    province_id: int
    province_code: str  # the demo assessor's province
    other_province_id: int  # Bangkok
    assessor: Identity  # the demo assessor, as its token names it (user id included)
    assessor_name: str
    unscored: tuple[str, int, int, CertificationState]  # code, LAO id, district, state
    scored: str  # an LAO the demo assessor scored (province-certified)
    revised: str  # the LAO whose demo final score has two versions


async def _world(url: str) -> World:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            person = (
                await conn.execute(
                    select(User.id, User.username, User.display_name).where(
                        User.username.like("demo.assessor.%")
                    )
                )
            ).one()
            code = person.username.rsplit(".", 1)[1]
            province_id = (
                await conn.execute(select(Province.id).where(Province.code == code))
            ).scalar_one()
            bangkok = (
                await conn.execute(select(Province.id).where(Province.code == "10"))
            ).scalar_one()
            scored = select(LpaAssessment.lao_year_id)
            unscored = (
                await conn.execute(
                    select(Lao.code, Lao.id, Lao.district_id, LaoYear.state)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        Lao.province_id == province_id,
                        Lao.type == LaoType.SAO,
                        LaoYear.fiscal_year == YEAR,
                        LaoYear.id.not_in(scored),
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
            finals = (
                await conn.execute(
                    select(Lao.code, LaoYear.state, LpaAssessment.version)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .join(LpaAssessment, LpaAssessment.lao_year_id == LaoYear.id)
                    .order_by(Lao.id)
                )
            ).all()
    finally:
        await engine.dispose()
    return World(
        province_id=province_id,
        province_code=code,
        other_province_id=bangkok,
        assessor=Identity(
            kind="user",
            subject=person.username,
            grants=(RoleGrant(Role.LPA_ASSESSOR, province_id=province_id),),
            user_id=person.id,
        ),
        assessor_name=person.display_name,
        unscored=tuple(unscored),  # type: ignore[arg-type]
        scored=next(f.code for f in finals if f.state is CertificationState.PROVINCE_CERTIFIED),
        revised=next(f.code for f in finals if f.version == 2),
    )


async def _counts(url: str) -> tuple[int, int, int]:
    """Final scores, their revisions, change-log entries."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                [
                    (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                    for table in (LpaAssessment, LpaAssessmentRevision, ChangeLogEntry)
                ]
            )
    finally:
        await engine.dispose()


def _record(code: str, score: int, reason: str = "ตรวจหลักฐานครบถ้วน", **more: object) -> dict:
    return {
        "code": code,
        "year": YEAR,
        "score": score,
        "reason": reason,
        "evidence": EVIDENCE,
        **more,
    }


async def _portal_token(hub, username: str, password: str) -> str:
    portal, _ = await create_client(
        hub.app.state.engine,
        "LAO portal (test)",
        "",
        client_id=f"portal-{uuid.uuid4().hex[:8]}",
        redirect_uris=["http://127.0.0.1:8765/callback"],
        public=True,
    )
    code, verifier = await sign_in(hub, portal, username, password)
    response = await exchange(hub, portal, code, verifier)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# --- the assessor's work ---------------------------------------------------------------------


async def test_the_demo_assessor_signs_in_records_and_revises_a_final_score(fresh_demo_url):
    world = await _world(fresh_demo_url)
    code = world.unscored[0]
    async with serve(oauth_settings(fresh_demo_url)) as hub:
        username = world.assessor.subject
        password, _ = secret_for(2570, username, "demo-", 10)
        token = await _portal_token(hub, username, password)
        hub.headers["Authorization"] = f"Bearer {token}"

        viewer = await graphql(hub, "{ viewer { roles } }")
        assert viewer["viewer"]["roles"] == ["LPA_ASSESSOR"]
        provisional = (await graphql(hub, SCORES, code=code, year=YEAR))["lao"]["year"]
        assert provisional["lpaFinalScore"] is None  # drafts of its province are readable
        score = provisional["lpaScore"]["score"]

        first = (await graphql(hub, RECORD, **_record(code, score, on="2026-11-25")))["r"]
        assert first["__typename"] == "LpaFinalScoreRecorded", first
        recorded = first["finalScore"]
        assert (recorded["version"], recorded["score"], recorded["rubricVersion"]) == (
            1,
            score,
            YEAR,
        )
        assert recorded["inspectedOn"] == "2026-11-25" and recorded["evidence"] == EVIDENCE
        assert recorded["assessorName"] == world.assessor_name

        lower = 0 if score else 1
        # Revisions are stamped to the second: the next one comes a second later.
        await _after(dt.datetime.fromisoformat(recorded["recordedAt"]) + dt.timedelta(seconds=1))
        revised = (await graphql(hub, RECORD, **_record(code, lower, "ข้อมูลไม่เป็นปัจจุบัน", version=1)))[
            "r"
        ]
        assert revised["__typename"] == "LpaFinalScoreRecorded", revised
        assert (revised["finalScore"]["version"], revised["finalScore"]["score"]) == (2, lower)
        stale = (await graphql(hub, RECORD, **_record(code, score, version=1)))["r"]
        assert stale == {
            "__typename": "VersionConflict",
            "message": stale["message"],
            "messageTh": stale["messageTh"],
            "currentVersion": 2,
        }
        again = (await graphql(hub, RECORD, **_record(code, score)))["r"]  # "first" again
        assert (again["__typename"], again["currentVersion"]) == ("VersionConflict", 2)

        year = (await graphql(hub, SCORES, code=code, year=YEAR))["lao"]["year"]
        assert year["lpaFinalScore"]["version"] == 2
        assert [(v["version"], v["score"]) for v in year["lpaFinalScoreHistory"]] == [
            (1, score),
            (2, lower),
        ]
        assert year["lpaScore"]["score"] == score  # the provisional score is still there
        # The final score as it stood before the revision.
        as_of = year["lpaFinalScoreHistory"][1]["recordedAt"]
        before = dt.datetime.fromisoformat(as_of) - dt.timedelta(seconds=1)
        past = await graphql(hub, SCORES, code=code, year=YEAR, asOf=before.isoformat())
        assert past["lao"]["year"]["lpaFinalScore"]["version"] == 1

    async with serve(settings(fresh_demo_url), user("dla", RoleGrant(Role.DLA_ADMIN))) as dla:
        log = (
            await graphql(
                dla,
                """query($code: String!) { lao(code: $code) { changeLog(first: 5) {
                edges { node { entity action actorRole actorName reason changes } } } } }""",
                code=code,
            )
        )["lao"]["changeLog"]["edges"]
    entries = [e["node"] for e in log if e["node"]["entity"] == "lpa_assessments"]
    assert [(e["action"], e["actorRole"]) for e in entries] == [
        ("revise_final_score", "LPA_ASSESSOR"),
        ("record_final_score", "LPA_ASSESSOR"),
    ]
    assert entries[0]["changes"]["score"] == [score, lower]
    assert entries[0]["reason"] == "ข้อมูลไม่เป็นปัจจุบัน"
    assert entries[0]["actorName"] == world.assessor_name
    engine = create_engine(fresh_demo_url)
    try:
        assert (await audit.verify(engine)).ok
    finally:
        await engine.dispose()


async def test_two_assessors_revising_at_once_never_lose_a_revision(fresh_demo_url):
    world = await _world(fresh_demo_url)
    before = await _counts(fresh_demo_url)  # the demo's load logs its own provenance
    code = world.unscored[0]
    colleague = user("lpa.colleague", RoleGrant(Role.LPA_ASSESSOR, province_id=world.province_id))
    async with (
        serve(settings(fresh_demo_url), world.assessor) as one,
        serve(settings(fresh_demo_url), colleague) as two,
    ):
        firsts = await asyncio.gather(
            graphql(one, RECORD, **_record(code, 5, "ครั้งแรก ก")),
            graphql(two, RECORD, **_record(code, 3, "ครั้งแรก ข")),
        )
        kinds = sorted(r["r"]["__typename"] for r in firsts)
        assert kinds == ["LpaFinalScoreRecorded", "VersionConflict"], firsts
        assert {r["r"].get("currentVersion") for r in firsts} == {None, 1}

        revisions = await asyncio.gather(
            graphql(one, RECORD, **_record(code, 1, "แก้ไข ก", version=1)),
            graphql(two, RECORD, **_record(code, 0, "แก้ไข ข", version=1)),
        )
        kinds = sorted(r["r"]["__typename"] for r in revisions)
        assert kinds == ["LpaFinalScoreRecorded", "VersionConflict"], revisions
        won = next(r["r"] for r in revisions if r["r"]["__typename"] != "VersionConflict")
        lost = next(r["r"] for r in revisions if r["r"]["__typename"] == "VersionConflict")
        assert lost["currentVersion"] == 2
        history = (await graphql(one, SCORES, code=code, year=YEAR))["lao"]["year"][
            "lpaFinalScoreHistory"
        ]
    # Every saved version is kept; the refused one left nothing.
    assert [h["version"] for h in history] == [1, 2]
    assert history[1]["reason"] == won["finalScore"]["reason"]
    # The demo's 10 (11 revisions), plus 1 score, 2 revisions and 2 change-log entries.
    assert before == (10, 11, before[2])
    assert await _counts(fresh_demo_url) == (11, 13, before[2] + 2)


# --- refusals --------------------------------------------------------------------------------


def _others(world: World) -> dict[str, Identity]:
    lao_id, district_id = world.unscored[1], world.unscored[2]
    return {
        "public": PUBLIC,
        "agency": client("demo-personal", "domain:1 personal missions"),
        "recorder": user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=lao_id)),
        "verifier": user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=lao_id)),
        "lao admin": user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=lao_id)),
        "district": user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=district_id)),
        "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=world.province_id)),
        "dla": user("dla", RoleGrant(Role.DLA_ADMIN)),
        "assessor of another province": user(
            "lpa.bkk", RoleGrant(Role.LPA_ASSESSOR, province_id=world.other_province_id)
        ),
        "assessor on the LAO's staff": user(
            "lpa.staff",
            RoleGrant(Role.LPA_ASSESSOR, province_id=world.province_id),
            RoleGrant(Role.LAO_ADMIN, lao_id=lao_id),
        ),
    }


async def test_every_other_role_is_refused_and_nothing_changes(fresh_demo_url):
    world = await _world(fresh_demo_url)
    before = await _counts(fresh_demo_url)
    for who, identity in _others(world).items():
        async with serve(settings(fresh_demo_url), identity) as c:
            result = (await graphql(c, RECORD, **_record(world.unscored[0], 5)))["r"]
            assert result["__typename"] == "Forbidden", (who, result)
            assert result["messageTh"], who
            for mutation in (APPOINT, REVOKE):
                if who == "dla":
                    continue
                answer = (await graphql(c, mutation, u="demo.dla", p=world.province_code))["r"]
                assert answer["__typename"] == "Forbidden", (who, answer)
                assert "DLA administrators" in answer["message"]
    assert await _counts(fresh_demo_url) == before


async def test_an_assessor_s_bad_input_is_refused_naming_the_field(fresh_demo_url):
    world = await _world(fresh_demo_url)
    code = world.unscored[0]
    tomorrow = (lpa.thai_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)).isoformat()
    before = await _counts(fresh_demo_url)
    async with serve(settings(fresh_demo_url), world.assessor) as c:

        async def answer(**given: object) -> dict:
            return (await graphql(c, RECORD, **{**_record(code, 5), **given}))["r"]

        for score in (4, 2, 6, -1):
            refused = await answer(score=score)
            assert refused["__typename"] == "ValidationFailed", refused
            assert [(e["path"], e["code"]) for e in refused["errors"]] == [("score", "NOT_A_LEVEL")]
        for reason in ("", "   "):
            refused = await answer(reason=reason)
            assert refused["__typename"] == "ReasonRequired", refused
            assert refused["messageTh"]
        refused = await answer(evidence=" ", on=tomorrow)
        assert [(e["path"], e["code"]) for e in refused["errors"]] == [
            ("evidence", "REQUIRED"),
            ("inspectedOn", "IN_THE_FUTURE"),
        ]
        refused = await answer(on="2020-01-01")
        assert [(e["path"], e["code"]) for e in refused["errors"]] == [
            ("inspectedOn", "OUT_OF_RANGE")
        ]
        assert (await answer(code="9999999"))["__typename"] == "NotFound"
        missing_year = await answer(year=2560)  # no fiscal year 2560 to assess
        assert missing_year["__typename"] == "NotFound" and "2560" in missing_year["message"]
        conflict = await answer(version=3)
        assert (conflict["__typename"], conflict["currentVersion"]) == ("VersionConflict", 0)
        # A bad date is the GraphQL layer's refusal, never INTERNAL.
        body = await graphql_response(c, RECORD, **_record(code, 5, on="2026-02-30"))
        assert body["errors"][0]["extensions"]["code"] in (
            "BAD_USER_INPUT",
            "GRAPHQL_VALIDATION_FAILED",
        )
    assert await _counts(fresh_demo_url) == before


# --- appointments ----------------------------------------------------------------------------


async def test_dla_appoints_and_revokes_an_assessor_and_the_revocation_acts_at_once(fresh_demo_url):
    world = await _world(fresh_demo_url)
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    engine = create_engine(fresh_demo_url)
    try:
        # A person who assesses Bangkok already (an account made on the command line).
        await create_user(
            engine, "lpa.somchai", "สมชาย ผู้ตรวจ", Role.LPA_ASSESSOR, province_code="10"
        )
        async with engine.connect() as conn:
            somchai_id = (
                await conn.execute(select(User.id).where(User.username == "lpa.somchai"))
            ).scalar_one()
    finally:
        await engine.dispose()
    p = world.province_code
    async with serve(settings(fresh_demo_url), dla) as c:
        appointed = (await graphql(c, APPOINT, u="lpa.somchai", p=p))["r"]
        assert appointed["__typename"] == "LpaAssessorAppointment", appointed
        assert (appointed["provinceCode"], appointed["revokedAt"]) == (p, None)
        assert appointed["displayName"] == "สมชาย ผู้ตรวจ"
        twice = (await graphql(c, APPOINT, u="lpa.somchai", p=p))["r"]
        assert twice["__typename"] == "ValidationFailed"
        assert twice["errors"] == [{"path": "provinceCode", "code": "ALREADY_APPOINTED"}]
        assert (await graphql(c, APPOINT, u="nobody", p=p))["r"]["__typename"] == "NotFound"
        assert (await graphql(c, APPOINT, u="lpa.somchai", p="99"))["r"]["__typename"] == "NotFound"
        listed = (await graphql(c, ASSESSORS, p=None))["lpaAssessors"]
        assert {(a["username"], a["provinceCode"]) for a in listed} == {
            ("lpa.somchai", "10"),
            ("lpa.somchai", p),
            (world.assessor.subject, p),
        }

    # Who sees the appointments: the province's officers and assessors, for that province.
    officer = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=world.province_id))
    for identity, expected in [
        (officer, {"lpa.somchai", world.assessor.subject}),
        (world.assessor, {"lpa.somchai", world.assessor.subject}),
        (PUBLIC, set()),
        (user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=world.unscored[1])), set()),
    ]:
        async with serve(settings(fresh_demo_url), identity) as c:
            listed = (await graphql(c, ASSESSORS, p=None))["lpaAssessors"]
            assert {a["username"] for a in listed} == expected, identity.subject

    # The new assessor works in the province as its token says ...
    somchai = Identity(
        kind="user",
        subject="lpa.somchai",
        grants=(
            RoleGrant(Role.LPA_ASSESSOR, province_id=world.other_province_id),
            RoleGrant(Role.LPA_ASSESSOR, province_id=world.province_id),
        ),
        user_id=somchai_id,
    )
    async with serve(settings(fresh_demo_url), somchai) as c:
        done = (await graphql(c, RECORD, **_record(world.unscored[0], 1)))["r"]
        assert done["__typename"] == "LpaFinalScoreRecorded", done
        assert done["finalScore"]["assessorName"] == "สมชาย ผู้ตรวจ"
    async with serve(settings(fresh_demo_url), dla) as c:
        revoked = (await graphql(c, REVOKE, u="lpa.somchai", p=p, reason="ย้ายไปสังกัดอื่น"))["r"]
        assert revoked["__typename"] == "LpaAssessorAppointment" and revoked["revokedAt"], revoked
        again = (await graphql(c, REVOKE, u="lpa.somchai", p=p))["r"]
        assert again["__typename"] == "NotFound"
    # ... and not once revoked, though the token still names the role.
    async with serve(settings(fresh_demo_url), somchai) as c:
        refused = (await graphql(c, RECORD, **_record(world.unscored[0], 0, version=1)))["r"]
        assert refused["__typename"] == "Forbidden" and "ended" in refused["message"], refused

    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            log = (
                await conn.execute(
                    select(
                        ChangeLogEntry.entity,
                        ChangeLogEntry.action,
                        ChangeLogEntry.actor_role,
                        ChangeLogEntry.reason,
                    ).order_by(ChangeLogEntry.id)
                )
            ).all()
        # (Making the test's own accounts is logged too: `issue_account`, `activate`.)
        log = [e for e in log if e.entity in ("role_assignments", "lpa_assessments")]
        assert [(e.entity, e.action, e.actor_role) for e in log] == [
            ("role_assignments", "appoint_lpa_assessor", Role.DLA_ADMIN),
            ("lpa_assessments", "record_final_score", Role.LPA_ASSESSOR),
            ("role_assignments", "revoke_lpa_assessor", Role.DLA_ADMIN),
        ]
        assert log[2].reason == "ย้ายไปสังกัดอื่น"
        assert (await audit.verify(engine)).ok
    finally:
        await engine.dispose()


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["public", "province", "assessor", "other assessor"])
async def test_provisional_and_final_are_visible_with_who_and_when(fresh_demo_url, who):
    world = await _world(fresh_demo_url)
    identity = {
        "public": PUBLIC,
        "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=world.province_id)),
        "assessor": world.assessor,
        "other assessor": user(
            "lpa.bkk", RoleGrant(Role.LPA_ASSESSOR, province_id=world.other_province_id)
        ),
    }[who]
    async with serve(settings(fresh_demo_url), identity) as c:
        body = await graphql_response(c, SCORES, code=world.scored, year=YEAR)
        year = body["data"]["lao"]["year"]
        assert year["lpaScore"]["rubricVersion"] == YEAR and year["lpaScore"]["lpaYear"] == YEAR
        assert year["lpaScore"]["timeliness"] == {"status": "ON_TIME", "deadline": "2027-06-15"}
        final = year["lpaFinalScore"]
        assert final["reason"] and final["evidence"] and final["recordedAt"].endswith("+00:00")
        assert final["provisionalAtInspection"]["rubricVersion"] == YEAR
        inspected = dt.date.fromisoformat(final["inspectedOn"])
        assert final["provisionalAtInspection"]["asOf"] == lpa.end_of_day(inspected).isoformat()
        readable = who in ("province", "assessor")
        errors = {tuple(e["path"]): e["extensions"]["code"] for e in body.get("errors", [])}
        if readable:
            assert final["assessorName"] == world.assessor_name and not errors
        else:
            assert final["assessorName"] is None
            assert errors == {("lao", "year", "lpaFinalScore", "assessorName"): "FORBIDDEN"}

        # The demo's revised final score, as it stood before its revision.
        history = (await graphql_response(c, SCORES, code=world.revised, year=YEAR))["data"]
        versions = history["lao"]["year"]
        first, second = versions["lpaFinalScoreHistory"]
        assert (first["version"], second["version"]) == (1, 2)
        moment = dt.datetime.fromisoformat(second["recordedAt"]) - dt.timedelta(seconds=1)
        past = await graphql_response(
            c, SCORES, code=world.revised, year=YEAR, asOf=moment.isoformat()
        )
        assert past["data"]["lao"]["year"]["lpaFinalScore"]["version"] == 1

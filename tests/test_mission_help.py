"""Help on transferred missions: the state table, and the thread over real HTTP for every role
and refusal (seed 004:32, 82: the LAO asks its province, which answers or escalates to DLA)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, Lao, LaoMission, Mission, MissionHelpRequest
from hub.rules import mission_help as rules
from hub.rules.enums import LaoType, Role
from hub.rules.enums import MissionHelpAction as Action
from hub.rules.enums import MissionHelpParty as Party
from hub.rules.enums import MissionHelpStatus as Status
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, InvalidInput, InvalidState
from hub.settings import Settings
from tests.conftest import graphql, graphql_response, serve
from tests.test_planner_http import planned_beside_resolved

# --- the state table ---------------------------------------------------------------------------

# (action, party, from status, escalated before) → the status it leads to; every other
# combination is refused.
ALLOWED = {
    (Action.ANSWER, Party.PROVINCE, Status.OPEN, False): Status.ANSWERED,
    (Action.ANSWER, Party.DLA, Status.OPEN, False): Status.ANSWERED,
    (Action.ANSWER, Party.DLA, Status.ESCALATED, True): Status.ANSWERED,
    (Action.ESCALATE, Party.PROVINCE, Status.OPEN, False): Status.ESCALATED,
    (Action.REPLY, Party.LAO, Status.OPEN, False): Status.OPEN,
    (Action.REPLY, Party.LAO, Status.ESCALATED, True): Status.ESCALATED,
    (Action.REPLY, Party.LAO, Status.ANSWERED, False): Status.OPEN,
    (Action.REPLY, Party.LAO, Status.ANSWERED, True): Status.ESCALATED,  # back to DLA
    (Action.CLOSE, Party.PROVINCE, Status.OPEN, False): Status.CLOSED,
    (Action.CLOSE, Party.PROVINCE, Status.ANSWERED, False): Status.CLOSED,
}
# The states a request can be in: escalated ones stay marked so (OPEN never follows).
STATES = [
    (Status.OPEN, False),
    (Status.ESCALATED, True),
    (Status.ANSWERED, False),
    (Status.ANSWERED, True),
    (Status.CLOSED, False),
    (Status.CLOSED, True),
]
for status, escalated in STATES:
    for party in (Party.LAO, Party.DLA):
        if status is not Status.CLOSED:
            ALLOWED[(Action.CLOSE, party, status, escalated)] = Status.CLOSED


@pytest.mark.parametrize(
    ("action", "party", "status", "escalated"),
    [
        (a, p, s, e)
        for a, p, (s, e) in itertools.product(
            [a for a in Action if a is not Action.ASK], Party, STATES
        )
    ],
)
def test_the_state_table(action, party, status, escalated):
    decided = rules.decide(action, status, escalated, (party,))
    expected = ALLOWED.get((action, party, status, escalated))
    if expected is not None:
        assert decided == rules.Step(party, expected)
        return
    assert isinstance(decided, Forbidden | InvalidState)
    may_ever = any(k[:2] == (action, party) for k in ALLOWED)
    assert isinstance(decided, InvalidState if may_ever else Forbidden), decided
    assert decided.message_en and decided.message_th


def test_a_person_in_two_parties_acts_in_the_one_the_step_allows():
    both = (Party.PROVINCE, Party.DLA)
    assert rules.decide(Action.ANSWER, Status.OPEN, False, both) == rules.Step(
        Party.PROVINCE, Status.ANSWERED
    )
    assert rules.decide(Action.ANSWER, Status.ESCALATED, True, both) == rules.Step(
        Party.DLA, Status.ANSWERED
    )
    assert isinstance(rules.decide(Action.ANSWER, Status.OPEN, False, ()), Forbidden)
    with pytest.raises(ValueError, match="ASK"):
        rules.decide(Action.ASK, Status.OPEN, False, (Party.LAO,))


def test_who_is_which_party_and_who_acts_next():
    place = LaoPlace(7, LaoType.SAO, 70, 700)
    staff = user("s", RoleGrant(Role.LAO_VERIFIER, lao_id=7))
    officer = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=700))
    district = user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=70))
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    assert rules.parties_of(staff, place) == (Party.LAO,)
    assert rules.parties_of(officer, place) == (Party.PROVINCE,)
    assert rules.parties_of(district, place) == ()  # reads, takes no part
    assert rules.parties_of(dla, place) == (Party.DLA,)
    assert rules.parties_of(user("x", RoleGrant(Role.LAO_ADMIN, lao_id=8)), place) == ()
    assert isinstance(rules.ask_refusal(()), Forbidden)
    assert rules.ask_refusal((Party.LAO,)) is None
    assert [rules.waiting_on(s) for s in Status] == [Party.PROVINCE, Party.LAO, Party.DLA, None]


def test_messages_are_required_and_bounded():
    assert rules.text_refusal("answer", "ok", 10, required=True) is None
    assert rules.text_refusal("note", None, 10, required=False) is None
    for text in (None, "   "):
        missing = rules.text_refusal("answer", text, 10, required=True)
        assert isinstance(missing, InvalidInput) and missing.errors[0].code == "REQUIRED"
    long = rules.text_refusal("question", "x" * 11, 10, required=True)
    assert isinstance(long, InvalidInput) and long.field == "question"


# --- over HTTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    lao_id: int
    lao_code: str
    district_id: int
    province_id: int
    record_id: int  # one of the LAO's mission records
    mission_code: str  # that record's mission
    other_mission_code: str  # another catalogue mission
    foreign_record_id: int  # a record of another LAO
    bangkok_lao_id: int  # an LAO of another province


async def world(url: str) -> World:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            lao = (
                await conn.execute(
                    select(Lao.id, Lao.code, Lao.district_id, Lao.province_id)
                    .where(Lao.type == LaoType.SAO)
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
            record = (
                await conn.execute(
                    select(LaoMission.id, Mission.code)
                    .join(Mission, Mission.id == LaoMission.mission_id)
                    .where(LaoMission.lao_id == lao.id)
                    .order_by(LaoMission.id)
                    .limit(1)
                )
            ).one()
            other_mission = (
                await conn.execute(
                    select(Mission.code).where(Mission.code != record.code).order_by(Mission.id)
                )
            ).first()
            foreign = (
                await conn.execute(
                    select(LaoMission.id).where(LaoMission.lao_id != lao.id).limit(1)
                )
            ).scalar_one()
            bangkok = (
                await conn.execute(select(Lao.id).where(Lao.type == LaoType.BANGKOK))
            ).scalar_one()
    finally:
        await engine.dispose()
    return World(
        lao.id,
        lao.code,
        lao.district_id,
        lao.province_id,
        record.id,
        record.code,
        other_mission[0],
        foreign,
        bangkok,
    )


def callers(w: World) -> dict:
    return {
        "recorder": user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=w.lao_id)),
        "admin": user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=w.lao_id)),
        "stranger": user("bkk", RoleGrant(Role.LAO_RECORDER, lao_id=w.bangkok_lao_id)),
        "district": user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=w.district_id)),
        "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=w.province_id)),
        "other_province": user(
            "pro2", RoleGrant(Role.PROVINCE_OFFICER, province_id=w.province_id + 1000)
        ),
        "dla": user("dla", RoleGrant(Role.DLA_ADMIN)),
        "agency": client("demo-all", "domain:1 missions personal"),
        "public": PUBLIC,
    }


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


RESULT = """__typename ... on MutationError { message messageTh }
  ... on MissionHelpUpdated { id status waitingOn version }
  ... on VersionConflict { currentVersion } ... on ValidationFailed { errors { path code } }"""
ASK = f"""mutation($lao: String!, $subject: String!, $q: String!, $record: Int, $mission: String) {{
  r: askMissionHelp(laoCode: $lao, subject: $subject, question: $q, recordId: $record,
    missionCode: $mission) {{ {RESULT} }} }}"""
ANSWER = f"""mutation($id: Int!, $v: Int!, $t: String!) {{ r: answerMissionHelp(id: $id, version: $v, answer: $t) {{ {RESULT} }} }}"""
ESCALATE = f"""mutation($id: Int!, $v: Int!, $t: String!) {{ r: escalateMissionHelp(id: $id, version: $v, note: $t) {{ {RESULT} }} }}"""
REPLY = f"""mutation($id: Int!, $v: Int!, $t: String!) {{ r: replyMissionHelp(id: $id, version: $v, message: $t) {{ {RESULT} }} }}"""
CLOSE = f"""mutation($id: Int!, $v: Int!, $t: String) {{ r: closeMissionHelp(id: $id, version: $v, note: $t) {{ {RESULT} }} }}"""
THREAD = """query($id: Int!) { missionHelpRequest(id: $id) { id subject status waitingOn version
  escalatedAt closedAt lao { code } missionRecord { id } mission { code }
  messages { action party body authorRole authorName } } }"""


async def act(url: str, who, mutation: str, **variables) -> dict:
    async with serve(settings(url), who) as c:
        return (await graphql(c, mutation, **variables))["r"]


async def test_a_request_goes_from_the_lao_to_its_province_to_dla_and_back(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    url = fresh_demo_url
    asked = await act(
        url,
        who["recorder"],
        ASK,
        lao=w.lao_code,
        subject="  งบประมาณไม่ตรง ",
        q="บันทึกยอดใด",
        record=w.record_id,
    )
    assert asked == {
        "__typename": "MissionHelpUpdated",
        "id": asked["id"],
        "status": "OPEN",
        "waitingOn": "PROVINCE",
        "version": 1,
    }
    rid = asked["id"]
    answered = await act(url, who["province"], ANSWER, id=rid, v=1, t="ใช้ยอดตามหนังสือ")
    stale = await act(url, who["province"], ANSWER, id=rid, v=1, t="อีกครั้ง")
    assert (answered["status"], answered["waitingOn"], answered["version"]) == (
        "ANSWERED",
        "LAO",
        2,
    )
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == 2
    replied = await act(url, who["admin"], REPLY, id=rid, v=2, t="หนังสือไม่ตรงกับบัญชี")
    assert (replied["status"], replied["waitingOn"]) == ("OPEN", "PROVINCE")
    escalated = await act(url, who["province"], ESCALATE, id=rid, v=3, t="ขอกรมพิจารณา")
    assert (escalated["status"], escalated["waitingOn"]) == ("ESCALATED", "DLA")
    too_late = await act(url, who["province"], ANSWER, id=rid, v=4, t="ตอบเอง")
    province_close = await act(url, who["province"], CLOSE, id=rid, v=4)
    assert too_late["__typename"] == province_close["__typename"] == "InvalidState"
    by_dla = await act(url, who["dla"], ANSWER, id=rid, v=4, t="กรมแก้ไขบัญชีแล้ว")
    assert (by_dla["status"], by_dla["waitingOn"]) == ("ANSWERED", "LAO")
    again = await act(url, who["recorder"], REPLY, id=rid, v=5, t="ยังไม่เห็นการแก้ไข")
    assert (again["status"], again["waitingOn"]) == ("ESCALATED", "DLA")  # back to DLA
    closed = await act(url, who["recorder"], CLOSE, id=rid, v=6, t=None)
    assert (closed["status"], closed["waitingOn"], closed["version"]) == ("CLOSED", None, 7)
    after = await act(url, who["recorder"], REPLY, id=rid, v=7, t="อีกเรื่อง")
    assert after["__typename"] == "InvalidState" and "closed" in after["message"]

    async with serve(settings(url), who["district"]) as c:  # reads its SAO's requests
        thread = (await graphql(c, THREAD, id=rid))["missionHelpRequest"]
    assert thread["subject"] == "งบประมาณไม่ตรง" and thread["status"] == "CLOSED"
    assert thread["escalatedAt"] and thread["closedAt"]
    assert thread["missionRecord"] == {"id": w.record_id}
    assert thread["mission"] == {"code": w.mission_code}
    assert [(m["action"], m["party"], m["authorRole"]) for m in thread["messages"]] == [
        ("ASK", "LAO", "LAO_RECORDER"),
        ("ANSWER", "PROVINCE", "PROVINCE_OFFICER"),
        ("REPLY", "LAO", "LAO_ADMIN"),
        ("ESCALATE", "PROVINCE", "PROVINCE_OFFICER"),
        ("ANSWER", "DLA", "DLA_ADMIN"),
        ("REPLY", "LAO", "LAO_RECORDER"),
        ("CLOSE", "LAO", "LAO_RECORDER"),
    ]
    assert thread["messages"][0]["authorName"] == "rec"
    assert thread["messages"][-1]["body"] is None
    async with serve(settings(url), who["province"]) as c:
        log = (
            await graphql(
                c,
                """query($code: String!) { lao(code: $code) { changeLog(first: 20) {
                edges { node { entity action actorRole } } } } }""",
                code=w.lao_code,
            )
        )["lao"]["changeLog"]["edges"]
    actions = [e["node"]["action"] for e in log if e["node"]["entity"] == "mission_help_requests"]
    assert actions == ["close", "reply", "answer", "escalate", "reply", "answer", "ask"]


async def test_every_refusal_of_a_help_request_changes_nothing(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    url = fresh_demo_url
    opened = await act(url, who["recorder"], ASK, lao=w.lao_code, subject="เรื่อง", q="คำถาม")
    rid = opened["id"]
    ask = {"lao": w.lao_code, "subject": "เรื่อง", "q": "คำถาม"}
    cases = [
        ("stranger", ASK, ask, "Forbidden"),
        ("district", ASK, ask, "Forbidden"),
        ("province", ASK, ask, "Forbidden"),
        ("dla", ASK, ask, "Forbidden"),
        ("agency", ASK, ask, "Forbidden"),
        ("public", ASK, ask, "Forbidden"),
        ("recorder", ASK, {**ask, "lao": "0000000"}, "NotFound"),
        ("recorder", ASK, {**ask, "record": w.foreign_record_id}, "NotFound"),
        ("recorder", ASK, {**ask, "mission": "NO-SUCH"}, "NotFound"),
        ("recorder", ASK, {**ask, "record": w.record_id, "mission": w.other_mission_code},
         "ValidationFailed"),
        ("recorder", ASK, {**ask, "subject": " "}, "ValidationFailed"),
        ("recorder", ASK, {**ask, "q": "x" * 2001}, "ValidationFailed"),
        ("stranger", ANSWER, {"id": rid, "v": 1, "t": "ตอบ"}, "Forbidden"),
        ("district", ANSWER, {"id": rid, "v": 1, "t": "ตอบ"}, "Forbidden"),
        ("other_province", ANSWER, {"id": rid, "v": 1, "t": "ตอบ"}, "Forbidden"),
        ("public", ANSWER, {"id": rid, "v": 1, "t": "ตอบ"}, "Forbidden"),
        ("recorder", ANSWER, {"id": rid, "v": 1, "t": "ตอบเอง"}, "Forbidden"),
        ("recorder", ESCALATE, {"id": rid, "v": 1, "t": "ส่งต่อ"}, "Forbidden"),
        ("dla", ESCALATE, {"id": rid, "v": 1, "t": "ส่งต่อ"}, "Forbidden"),
        ("province", REPLY, {"id": rid, "v": 1, "t": "ตอบกลับ"}, "Forbidden"),
        ("province", ANSWER, {"id": 999999, "v": 1, "t": "ตอบ"}, "NotFound"),
        ("province", ANSWER, {"id": rid, "v": 9, "t": "ตอบ"}, "VersionConflict"),
        ("province", ANSWER, {"id": rid, "v": 1, "t": "  "}, "ValidationFailed"),
        ("province", ESCALATE, {"id": rid, "v": 1, "t": ""}, "ValidationFailed"),
    ]  # fmt: skip
    for caller, mutation, variables, expected in cases:
        result = await act(url, who[caller], mutation, **variables)
        assert result["__typename"] == expected, (caller, variables, result)
        assert result["message"] and result["messageTh"]
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            requests = (
                await conn.execute(select(func.count()).select_from(MissionHelpRequest))
            ).scalar_one()
            version = (
                await conn.execute(
                    select(MissionHelpRequest.version).where(MissionHelpRequest.id == rid)
                )
            ).scalar_one()
            logged = (
                await conn.execute(
                    select(func.count()).where(ChangeLogEntry.entity == "mission_help_requests")
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert version == 1 and logged == 1
    assert requests == rid  # the demo's requests and this one: no other was opened


LIST = """query($filter: MissionHelpFilter) { missionHelpRequests(filter: $filter, first: 100) {
  totalCount edges { node { id status waitingOn lao { code province { code } } } } } }"""


async def test_open_requests_are_listed_per_level(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    url = fresh_demo_url
    mine = await act(url, who["recorder"], ASK, lao=w.lao_code, subject="ก", q="ถาม")
    escalated = await act(url, who["recorder"], ASK, lao=w.lao_code, subject="ข", q="ถาม")
    await act(url, who["province"], ESCALATE, id=escalated["id"], v=1, t="ส่งต่อ")
    lists: dict[str, dict] = {}
    for name in ("recorder", "stranger", "district", "province", "other_province", "dla"):
        async with serve(settings(url), who[name]) as c:
            lists[name] = {
                waiting: (
                    await graphql(c, LIST, filter={"waitingOn": waiting} if waiting else None)
                )["missionHelpRequests"]
                for waiting in (None, "PROVINCE", "DLA", "LAO")
            }
    for name in ("agency", "public"):
        async with serve(settings(url), who[name]) as c:
            body = await graphql_response(c, LIST)
        assert body["data"]["missionHelpRequests"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def ids(page: dict) -> set[int]:
        return {e["node"]["id"] for e in page["edges"]}

    everything = lists["dla"][None]
    assert everything["totalCount"] >= 2 + 5  # the demo's requests too
    assert ids(lists["dla"]["PROVINCE"]) >= {mine["id"]}
    assert escalated["id"] in ids(lists["dla"]["DLA"])
    assert all(e["node"]["status"] == "ESCALATED" for e in lists["dla"]["DLA"]["edges"])
    assert all(e["node"]["waitingOn"] == "LAO" for e in lists["dla"]["LAO"]["edges"])
    province_codes = {
        e["node"]["lao"]["province"]["code"] for e in lists["province"][None]["edges"]
    }
    assert len(province_codes) == 1
    assert {mine["id"], escalated["id"]} <= ids(lists["province"][None])
    assert {e["node"]["lao"]["code"] for e in lists["recorder"][None]["edges"]} == {w.lao_code}
    assert {mine["id"], escalated["id"]} <= ids(lists["recorder"][None])
    assert ids(lists["district"][None]) >= {mine["id"], escalated["id"]}  # an SAO of its district
    assert lists["stranger"][None]["totalCount"] == 0
    assert lists["other_province"][None]["totalCount"] == 0
    async with serve(settings(url), who["stranger"]) as c:
        hidden = (await graphql(c, THREAD, id=mine["id"]))["missionHelpRequest"]
    assert hidden is None
    # The planner answers the lists (the caller's rows, filters, the objects each request
    # names, its thread) as the resolvers do.
    for name in ("recorder", "province", "dla", "agency", "stranger"):
        for waiting in (None, "PROVINCE", "DLA"):
            variables = {"filter": {"waitingOn": waiting} if waiting else None}
            body = {"query": THREADS, "variables": variables}
            _, plans = await planned_beside_resolved(settings(url), who[name], body)
            assert plans and plans[0] is not None, name
        body = {"query": THREAD, "variables": {"id": mine["id"]}}  # one, if it is theirs
        _, plans = await planned_beside_resolved(settings(url), who[name], body)
        assert plans and plans[0] is not None, name


THREADS = """query($filter: MissionHelpFilter) { missionHelpRequests(filter: $filter, first: 4) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id subject status
    waitingOn openedAt escalatedAt closedAt version lao { code nameTh province { code } }
    missionRecord { id status mission { code agency { code } } } mission { code }
    messages { at action party body authorRole authorName } } } } }"""


async def test_a_record_s_help_requests_are_read_by_those_covering_its_lao(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    asked = await act(
        fresh_demo_url,
        who["recorder"],
        ASK,
        lao=w.lao_code,
        subject="ก",
        q="ถาม",
        record=w.record_id,
    )
    query = """query($code: String!) { lao(code: $code) { transferredMissions { id
      helpRequests { id status } } } }"""
    for name, allowed in (
        ("province", True),
        ("recorder", True),
        ("public", False),
        ("agency", False),
    ):
        async with serve(settings(fresh_demo_url), who[name]) as c:
            body = await graphql_response(c, query, code=w.lao_code)
        records = body["data"]["lao"]["transferredMissions"]
        record = next(r for r in records if r["id"] == w.record_id)
        if allowed:
            assert {"id": asked["id"], "status": "OPEN"} in record["helpRequests"]
        else:
            assert record["helpRequests"] is None
            assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_a_page_of_threads_costs_the_same_statements_as_one(fresh_demo_url):
    from tests.test_costs import fewest_statements

    query = """query($n: Int!) { missionHelpRequests(first: $n) { edges { node { id
      lao { code } missionRecord { id mission { code } } mission { code }
      messages { action authorName } } } } }"""
    async with serve(settings(fresh_demo_url), callers(await world(fresh_demo_url))["dla"]) as c:
        first, one = await fewest_statements(c, query, n=1)
        every, many = await fewest_statements(c, query, n=100)
    assert (
        len(every["missionHelpRequests"]["edges"]) > 3 > len(first["missionHelpRequests"]["edges"])
    )
    assert len(many) == len(one)

"""Rounds and deadlines through the API, on SQLite and PostgreSQL: lateness from the history per
LAO-year and per area (with the series by day), missions status in a missions round,
reminders (GraphQL and the CSV download), DLA setting rounds, every role and every refusal.

A hand-made world (`tests/small_world.py`: Tak 63 with districts 6301 and 6302, Lampang 52
with 5201), seven SAOs, FY 2569's INFO round (LAOs by 15 Jun 2569, the province by 31 Jul)
where Lampang has until 30 Jun, and two missions rounds:

    LAO  district  certification history (Thai time)                 as of 10 Aug 2026
    1    6301      LAO 10 Jun, province 1 Jul                         on time; province on time
    2    6301      LAO 1 Jun, cancelled 5 Jun, again 20 Jun           late by 5 days
    3    6302      nothing recorded                                   overdue by 56 days
    4    6302      LAO 16 Jun 01:00                                   late by 1 day
    5    5201      LAO 25 Jun (Lampang's deadline: 30 Jun)            on time
    6    6302      3 domains complete, not certified                  overdue
    7    6302      all 8 complete, not certified                      overdue
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, insert, select, text, update

from hub.db.engine import create_engine
from hub.db.models import (
    Agency,
    CertificationEvent,
    ChangeLogEntry,
    FiscalYear,
    Kpi16Round,
    Lao,
    LaoContact,
    LaoMission,
    LaoMissionEvent,
    LaoYear,
    Mission,
    Round,
    RoundCheck,
    RoundProvinceDeadline,
)
from hub.rules.enums import ContactKind, MissionArea, MissionStatus, Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.services import kpi16_import
from hub.settings import Settings
from tests.conftest import graphql, graphql_response, serve
from tests.small_world import (
    BAN_TAK,
    LAMPANG,
    MUEANG_LAMPANG,
    MUEANG_TAK,
    TAK,
    seed_places_and_years,
)
from tests.test_costs import fewest_statements

BANGKOK = dt.timezone(dt.timedelta(hours=7))
INFO_2569, INFO_2568, MISSIONS_OPEN, MISSIONS_CLOSED = 1, 2, 3, 4
AS_OF = "2026-08-10T12:00:00+07:00"
MISSIONS_AS_OF = "2025-01-10T12:00:00+07:00"
LAOS = {
    1: MUEANG_TAK,
    2: MUEANG_TAK,
    3: BAN_TAK,
    4: BAN_TAK,
    5: MUEANG_LAMPANG,
    6: BAN_TAK,
    7: BAN_TAK,
}

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
TAK_OFFICER = user("tak", RoleGrant(Role.PROVINCE_OFFICER, province_id=TAK))
LAMPANG_OFFICER = user("lampang", RoleGrant(Role.PROVINCE_OFFICER, province_id=LAMPANG))
BAN_TAK_OFFICER = user("bantak", RoleGrant(Role.DISTRICT_OFFICER, district_id=BAN_TAK))
MUEANG_TAK_OFFICER = user("mueang", RoleGrant(Role.DISTRICT_OFFICER, district_id=MUEANG_TAK))
CLERK_3 = user("clerk3", RoleGrant(Role.LAO_RECORDER, lao_id=3))
AGENCY = client("agency", "domain:1")
AGENCY_MISSIONS = client("agency-missions", "domain:1 missions")


def code(lao: int) -> str:
    return f"60{lao:05d}"


def thai(month: int, day: int, hour: int = 12, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=BANGKOK).astimezone(dt.UTC)


D, L, P = "DRAFT", "LAO_CERTIFIED", "PROVINCE_CERTIFIED"
HISTORIES = {
    1: [(thai(6, 10), D, L), (thai(7, 1), L, P)],
    2: [(thai(6, 1), D, L), (thai(6, 5), L, D), (thai(6, 20), D, L)],
    4: [(thai(6, 16, 1), D, L)],
    5: [(thai(6, 25), D, L)],
}
MASKS = {3: 0, 6: 0b111, 7: 0b11111111}


async def seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await seed_places_and_years(conn, LAOS)
            for lao in LAOS:
                await conn.execute(update(Lao).where(Lao.id == lao).values(code=code(lao)))
            await conn.execute(
                update(FiscalYear)
                .where(FiscalYear.year_be == 2569)
                .values(province_deadline=dt.date(2026, 7, 31))
            )
            await conn.execute(
                update(FiscalYear)
                .where(FiscalYear.year_be == 2568)
                .values(closed_at=dt.datetime(2025, 11, 15, 3, tzinfo=dt.UTC))
            )
            await conn.execute(
                insert(LaoYear.__table__),
                [
                    {
                        "id": lao,
                        "lao_id": lao,
                        "fiscal_year": 2569,
                        "state": HISTORIES[lao][-1][2] if lao in HISTORIES else D,
                        "complete_domains": MASKS.get(lao, 255),
                    }
                    for lao in LAOS
                ],
            )
            await conn.execute(
                insert(CertificationEvent.__table__),
                [
                    {"lao_year_id": lao, "at": at, "from_state": before, "to_state": after}
                    for lao, history in HISTORIES.items()
                    for at, before, after in history
                ],
            )
            common = {"version": 1, "district_deadline": None, "letter_reference": None}
            await conn.execute(
                insert(Round.__table__),
                [
                    {
                        **common,
                        "id": INFO_2569,
                        "kind": "INFO",
                        "fiscal_year": 2569,
                        "number": 1,
                        "opens_on": dt.date(2025, 10, 1),
                        "deadline": dt.date(2026, 6, 15),
                        "province_deadline": dt.date(2026, 7, 31),
                        "closes_on": None,
                    },
                    {
                        **common,
                        "id": INFO_2568,
                        "kind": "INFO",
                        "fiscal_year": 2568,
                        "number": 1,
                        "opens_on": dt.date(2024, 10, 1),
                        "deadline": dt.date(2025, 6, 15),
                        "province_deadline": None,
                        "closes_on": dt.date(2025, 11, 15),
                    },
                    {
                        **common,
                        "id": MISSIONS_OPEN,
                        "kind": "MISSIONS",
                        "fiscal_year": 2568,
                        "number": 1,
                        "opens_on": dt.date(2024, 10, 25),
                        "deadline": dt.date(2024, 12, 30),
                        "province_deadline": None,
                        "closes_on": None,
                    },
                    {
                        **common,
                        "id": MISSIONS_CLOSED,
                        "kind": "MISSIONS",
                        "fiscal_year": 2566,
                        "number": 1,
                        "opens_on": dt.date(2022, 10, 26),
                        "deadline": dt.date(2022, 12, 30),
                        "province_deadline": None,
                        "closes_on": dt.date(2023, 3, 31),
                    },
                ],
            )
            await conn.execute(
                insert(RoundProvinceDeadline.__table__).values(
                    round_id=INFO_2569,
                    province_id=LAMPANG,
                    deadline=dt.date(2026, 6, 30),
                    reason="ขยายเวลา",
                )
            )
            await conn.execute(
                insert(LaoContact.__table__),
                [
                    {
                        "lao_id": 3,
                        "kind": ContactKind.RECORDER,
                        "slot": 1,
                        "name": "นางสาวทดสอบ บันทึก",
                        "phone": "081-000-0003",
                        "email": None,
                    },
                    {
                        "lao_id": 3,
                        "kind": ContactKind.INFO_ADMINISTRATOR,
                        "slot": 1,
                        "name": "นายผู้ดูแล ระบบ",
                        "phone": None,
                        "email": "admin3@example.go.th",
                    },
                ],
            )
            # Missions: LAO 1 changed a record inside the open round, LAO 2 recorded one before
            # it, LAO 3 none; LAOs 4–7 have a record each (LAO 4 confirms later, in a test).
            await conn.execute(
                insert(Agency.__table__).values(
                    id=1,
                    code="A1",
                    name_th="กรม",
                    name_en="Dept",
                    ministry_th="กระทรวง",
                    ministry_en="Ministry",
                )
            )
            await conn.execute(
                insert(Mission.__table__).values(
                    id=1, code="M1", name_th="ภารกิจ", area=MissionArea.INFRASTRUCTURE, agency_id=1
                )
            )
            await conn.execute(
                insert(LaoMission.__table__),
                [
                    {
                        "id": lao,
                        "lao_id": lao,
                        "mission_id": 1,
                        "agency_id": 1,
                        "received_on": dt.date(2015, 1, 1),
                        "status": MissionStatus.ACTIVE,
                    }
                    for lao in LAOS
                    if lao != 3
                ],
            )
            await conn.execute(
                insert(LaoMissionEvent.__table__),
                [
                    {"lao_mission_id": 1, "at": thai(11, 2, year=2024), "status": "CHANGED"},
                    {"lao_mission_id": 2, "at": thai(3, 1, year=2020), "status": "ACTIVE"},
                ],
            )
            if conn.dialect.name == "postgresql":  # ids given above: move the sequences on
                for table in ("lao_years", "rounds", "agencies", "missions", "lao_missions"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    finally:
        await engine.dispose()


@pytest.fixture
async def world(migrated_database_url: str) -> str:
    await seed(migrated_database_url)
    return migrated_database_url


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def ask(url: str, identity, query: str, **variables) -> dict:
    async with serve(settings(url), identity) as c:
        return await graphql_response(c, query, **variables)


def codes(edges: list[dict]) -> list[str]:
    return [e["node"]["lao"]["code"] for e in edges]


# --- the rounds and their dates ----------------------------------------------------------------

ROUNDS = """{ rounds { id kind fiscalYear number opensOn deadline provinceDeadline closesOn
  phase(on: "2026-06-20") provinceDeadlines { province { code } deadline reason }
  datesFor(provinceCode: "52") { deadline phase } } }"""


@pytest.mark.parametrize("who", [PUBLIC, AGENCY, CLERK_3, BAN_TAK_OFFICER, TAK_OFFICER, DLA])
async def test_everyone_reads_the_rounds_and_each_province_s_deadlines(world, who):
    body = await ask(world, who, ROUNDS)
    assert "errors" not in body, body
    rounds = {r["id"]: r for r in body["data"]["rounds"]}
    info = rounds[INFO_2569]
    assert (info["kind"], info["deadline"], info["provinceDeadline"]) == (
        "INFO",
        "2026-06-15",
        "2026-07-31",
    )
    assert info["phase"] == "PAST_DEADLINE"  # on 20 Jun: still accepted, late
    assert info["provinceDeadlines"] == [
        {"province": {"code": "52"}, "deadline": "2026-06-30", "reason": "ขยายเวลา"}
    ]
    assert info["datesFor"]["deadline"] == "2026-06-30"
    assert rounds[INFO_2568]["phase"] == "CLOSED"
    assert rounds[MISSIONS_CLOSED]["phase"] == "CLOSED"
    assert [r["id"] for r in body["data"]["rounds"]][:2] == [INFO_2569, INFO_2568]


async def test_rounds_by_kind_and_year_and_one_by_id(world):
    query = """{ info: rounds(kind: INFO) { id } missions: rounds(kind: MISSIONS, fiscalYear: 2568) { id }
      one: round(id: 3) { kind titleTh titleEn } none: round(id: 99) { id }
      unknown: round(id: 1) { datesFor(provinceCode: "99") { deadline } } }"""
    body = await ask(world, PUBLIC, query)
    data = body["data"]
    assert [r["id"] for r in data["info"]] == [INFO_2569, INFO_2568]
    assert [r["id"] for r in data["missions"]] == [MISSIONS_OPEN]
    assert data["one"]["kind"] == "MISSIONS" and "ภารกิจถ่ายโอน" in data["one"]["titleTh"]
    assert data["none"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND" and error["path"] == ["unknown", "datesFor"]


# --- lateness per area, from the history ----------------------------------------------------------

AREA = """province { code } district { code } total deadline provinceDeadline
    done { onTime late pending overdue } provinceStep { onTime late pending overdue }
    missionStatuses { checked }
    series { day done provinceDone daysAfterDeadline }
    byDeadline: doneBy(day: "2026-06-15") { done } early: doneBy(day: "2026-05-01") { done }"""
TIMELINESS = (
    f"""query($asOf: DateTime) {{ round(id: 1) {{ timeliness(asOf: $asOf) {{ {AREA} }} }} }}"""
)
BY_AREA = f"""query($level: AreaLevel!, $province: String, $asOf: DateTime) {{ round(id: 1) {{
  timelinessByArea(level: $level, provinceCode: $province, asOf: $asOf) {{ {AREA} }} }} }}"""


def counts(on_time=0, late=0, pending=0, overdue=0) -> dict[str, int]:
    return {"onTime": on_time, "late": late, "pending": pending, "overdue": overdue}


@pytest.mark.parametrize("who", [PUBLIC, AGENCY, CLERK_3, MUEANG_TAK_OFFICER, DLA])
async def test_the_nation_s_counts_against_the_deadline_and_the_series_by_day(world, who):
    body = await ask(world, who, TIMELINESS, asOf=AS_OF)
    assert "errors" not in body, body
    nation = body["data"]["round"]["timeliness"]
    assert nation["province"] is None and nation["district"] is None
    assert (nation["total"], nation["deadline"]) == (7, "2026-06-15")
    # LAOs 1 and 5 (Lampang: its own 30 Jun) on time, 2 and 4 late, 3, 6, 7 overdue.
    assert nation["done"] == counts(on_time=2, late=2, overdue=3)
    assert nation["provinceStep"] == counts(on_time=1, overdue=6)
    assert nation["missionStatuses"] is None
    assert nation["series"] == [
        {"day": "2026-06-01", "done": 1, "provinceDone": 0, "daysAfterDeadline": -14},
        {"day": "2026-06-05", "done": 0, "provinceDone": 0, "daysAfterDeadline": -10},
        {"day": "2026-06-10", "done": 1, "provinceDone": 0, "daysAfterDeadline": -5},
        {"day": "2026-06-16", "done": 2, "provinceDone": 0, "daysAfterDeadline": 1},
        {"day": "2026-06-20", "done": 3, "provinceDone": 0, "daysAfterDeadline": 5},
        {"day": "2026-06-25", "done": 4, "provinceDone": 0, "daysAfterDeadline": 10},
        {"day": "2026-07-01", "done": 4, "provinceDone": 1, "daysAfterDeadline": 16},
    ]
    assert nation["byDeadline"]["done"] == 1 and nation["early"]["done"] == 0


async def test_per_province_and_per_district_each_against_its_own_deadline(world):
    provinces = (await ask(world, PUBLIC, BY_AREA, level="PROVINCE", asOf=AS_OF))["data"]
    by_code = {a["province"]["code"]: a for a in provinces["round"]["timelinessByArea"]}
    assert by_code["63"]["done"] == counts(on_time=1, late=2, overdue=3)
    assert by_code["63"]["deadline"] == "2026-06-15"
    assert by_code["52"]["done"] == counts(on_time=1) and by_code["52"]["deadline"] == "2026-06-30"
    assert by_code["52"]["series"][0]["daysAfterDeadline"] == -5

    districts = (await ask(world, PUBLIC, BY_AREA, level="DISTRICT", province="63", asOf=AS_OF))[
        "data"
    ]["round"]["timelinessByArea"]
    by_code = {a["district"]["code"]: a for a in districts}
    assert sorted(by_code) == ["6301", "6302"]
    assert by_code["6301"]["province"] == {"code": "63"}
    assert by_code["6301"]["done"] == counts(on_time=1, late=1)
    assert by_code["6302"]["done"] == counts(late=1, overdue=3)


async def test_as_of_an_earlier_day_the_history_stops_there(world):
    body = await ask(world, PUBLIC, TIMELINESS, asOf="2026-06-12T12:00:00+07:00")
    nation = body["data"]["round"]["timeliness"]
    # Before the deadline: LAO 1 on time, the cancelled LAO 2 and the rest still pending.
    assert nation["done"] == counts(on_time=1, pending=6)
    assert nation["series"][-1]["day"] == "2026-06-10"


async def test_a_closed_round_is_judged_as_it_stood_when_it_closed(world):
    query = """{ round(id: 2) { timeliness(asOf: "2030-01-01T00:00:00Z") { done { overdue } }
      standings(first: 1) { edges { node { done { punctuality daysLate } } } } } }"""
    data = (await ask(world, DLA, query))["data"]["round"]
    # FY 2568's round closed on 15 Nov 2568: nobody certified, overdue 153 days, not 1,661.
    assert data["timeliness"]["done"]["overdue"] == 7
    assert data["standings"]["edges"][0]["node"]["done"] == {
        "punctuality": "OVERDUE",
        "daysLate": (dt.date(2025, 11, 15) - dt.date(2025, 6, 15)).days,
    }


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+07:00"])
async def test_any_as_of_moment_is_answered(world, as_of):
    query = """query($asOf: DateTime) { round(id: 1) { timeliness(asOf: $asOf) { done { pending overdue } }
      standings(asOf: $asOf, first: 1) { edges { node { done { punctuality daysLate } } } }
      provinceDeadlines { deadline } datesFor(provinceCode: "63") { phase } phase(on: "9999-12-31") }
      lao(code: "6000003") { year(fiscalYear: 2569) { timeliness(asOf: $asOf) { certification { punctuality } } } } }"""
    body = await ask(world, DLA, query, asOf=as_of)
    assert "errors" not in body, body
    done = body["data"]["round"]["timeliness"]["done"]
    assert (done["pending"], done["overdue"]) == ((7, 0) if as_of.startswith("0001") else (0, 3))


async def test_a_kpi16_round_has_no_per_lao_figures(world):
    async with serve(settings(world), DLA) as c:
        opened = await graphql(
            c,
            """mutation { openRound(kind: KPI16, fiscalYear: 2569, dates: {opensOn: "2026-01-26",
              deadline: "2026-03-06", districtDeadline: "2026-03-06", provinceDeadline: "2026-03-20"}) {
              ... on RoundSaved { round { id } } } }""",
        )
        round_id = opened["openRound"]["round"]["id"]
        body = await graphql_response(
            c, "query($id: Int!) { round(id: $id) { kind timeliness { total } } }", id=round_id
        )
    assert body["data"]["round"] == {"kind": "KPI16", "timeliness": None}
    [error] = body["errors"]
    assert (
        error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "round"
    )


# --- each LAO's standing ------------------------------------------------------------------------

STANDINGS = """query($first: Int, $after: String, $punctuality: Punctuality, $province: String,
  $district: String) { round(id: 1) { standings(asOf: "2026-08-10T12:00:00+07:00", first: $first,
  after: $after, punctuality: $punctuality, provinceCode: $province, districtCode: $district) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { lao { code } deadline provinceDeadline
    done { punctuality labelTh deadline doneAt daysLate } provinceStep { punctuality daysLate }
    missionStatus } } } } }"""

# Which LAO-years each caller sees, by the row rule: the certified ones (1, 2, 4, 5) for all.
VISIBLE = {
    "public": [1, 2, 4, 5],
    "agency": [1, 2, 4, 5],
    "clerk_3": [1, 2, 3, 4, 5],
    "ban_tak_officer": [1, 2, 3, 4, 5, 6, 7],
    "tak_officer": [1, 2, 3, 4, 5, 6, 7],
    "lampang_officer": [1, 2, 4, 5],
    "dla": [1, 2, 3, 4, 5, 6, 7],
}
CALLERS = {
    "public": PUBLIC,
    "agency": AGENCY,
    "clerk_3": CLERK_3,
    "ban_tak_officer": BAN_TAK_OFFICER,
    "tak_officer": TAK_OFFICER,
    "lampang_officer": LAMPANG_OFFICER,
    "dla": DLA,
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
async def test_each_lao_s_standing_follows_the_row_rule(world, who):
    body = await ask(world, CALLERS[who], STANDINGS)
    assert "errors" not in body, body
    page = body["data"]["round"]["standings"]
    assert codes(page["edges"]) == [code(n) for n in VISIBLE[who]]
    assert page["totalCount"] == len(VISIBLE[who])


async def test_a_standing_says_on_time_or_late_by_how_many_days(world):
    body = await ask(world, DLA, STANDINGS)
    nodes = {
        e["node"]["lao"]["code"]: e["node"] for e in body["data"]["round"]["standings"]["edges"]
    }
    assert nodes[code(1)]["done"]["punctuality"] == "ON_TIME"
    assert nodes[code(1)]["provinceStep"] == {"punctuality": "ON_TIME", "daysLate": None}
    late = nodes[code(2)]["done"]
    assert (late["punctuality"], late["daysLate"], late["labelTh"]) == ("LATE", 5, "ล่าช้า")
    assert late["doneAt"] == "2026-06-20T05:00:00+00:00"  # the first certification after it
    assert nodes[code(4)]["done"]["daysLate"] == 1  # 01:00 on 16 Jun, Thai time
    assert nodes[code(5)]["done"]["punctuality"] == "ON_TIME"
    assert nodes[code(5)]["deadline"] == "2026-06-30"
    overdue = nodes[code(3)]["done"]
    assert (overdue["punctuality"], overdue["daysLate"], overdue["doneAt"]) == ("OVERDUE", 56, None)
    assert nodes[code(3)]["missionStatus"] is None


async def test_standings_filter_by_punctuality_and_area_and_page_by_lao(world):
    late = await ask(world, DLA, STANDINGS, punctuality="LATE")
    assert codes(late["data"]["round"]["standings"]["edges"]) == [code(2), code(4)]
    district = await ask(world, DLA, STANDINGS, district="6301")
    assert codes(district["data"]["round"]["standings"]["edges"]) == [code(1), code(2)]
    first = (await ask(world, DLA, STANDINGS, first=3))["data"]["round"]["standings"]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 7
    rest = await ask(world, DLA, STANDINGS, first=3, after=first["pageInfo"]["endCursor"])
    assert codes(rest["data"]["round"]["standings"]["edges"]) == [code(4), code(5), code(6)]
    unknown = await ask(world, DLA, STANDINGS, province="99")
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


LAO_YEAR = """query($code: String!, $asOf: DateTime) { lao(code: $code) { year(fiscalYear: 2569) {
  timeliness(asOf: $asOf) { deadline provinceDeadline round { id }
    certification { punctuality daysLate } provinceCertification { punctuality daysLate } } } } }"""


async def test_the_lao_s_own_staff_see_their_deadline_and_lateness(world):
    own = await ask(world, CLERK_3, LAO_YEAR, code=code(3), asOf=AS_OF)
    timeliness = own["data"]["lao"]["year"]["timeliness"]
    assert timeliness == {
        "deadline": "2026-06-15",
        "provinceDeadline": "2026-07-31",
        "round": {"id": INFO_2569},
        "certification": {"punctuality": "OVERDUE", "daysLate": 56},
        "provinceCertification": {"punctuality": "OVERDUE", "daysLate": 10},
    }
    # The public sees an uncertified year not at all, a certified one with its lateness.
    hidden = await ask(world, PUBLIC, LAO_YEAR, code=code(3), asOf=AS_OF)
    assert hidden["data"]["lao"]["year"] is None
    seen = await ask(world, PUBLIC, LAO_YEAR, code=code(5), asOf=AS_OF)
    assert seen["data"]["lao"]["year"]["timeliness"]["deadline"] == "2026-06-30"
    assert seen["data"]["lao"]["year"]["timeliness"]["certification"]["punctuality"] == "ON_TIME"


async def test_the_fiscal_year_points_to_its_round(world):
    data = (await ask(world, PUBLIC, "{ fiscalYears { yearBe recordDeadline round { id } } }"))[
        "data"
    ]
    assert {y["yearBe"]: y["round"]["id"] for y in data["fiscalYears"]} == {
        2569: INFO_2569,
        2568: INFO_2568,
    }


# --- missions rounds ------------------------------------------------------------------------------

MISSIONS = """query($asOf: DateTime) { round(id: 3) {
  timeliness(asOf: $asOf) { total done { onTime late pending overdue }
    missionStatuses { checked recorded notYet } series { day done } provinceStep { late } }
  standings(asOf: $asOf, first: 10) { edges { node { lao { code } missionStatus done { punctuality daysLate } } } } } }"""


@pytest.mark.parametrize("who", [PUBLIC, AGENCY_MISSIONS, CLERK_3, TAK_OFFICER, DLA])
async def test_a_missions_round_per_lao_recorded_checked_or_not_yet(world, who):
    body = await ask(world, who, MISSIONS, asOf=MISSIONS_AS_OF)
    assert "errors" not in body, body
    data = body["data"]["round"]
    nation = data["timeliness"]
    assert nation["missionStatuses"] == {"checked": 1, "recorded": 5, "notYet": 1}
    assert nation["done"] == counts(on_time=1, overdue=6)
    assert nation["series"] == [{"day": "2024-11-02", "done": 1}]
    assert nation["provinceStep"] is None
    statuses = {
        e["node"]["lao"]["code"]: e["node"]["missionStatus"] for e in data["standings"]["edges"]
    }
    assert statuses[code(1)] == "CHECKED"
    assert statuses[code(2)] == "RECORDED"  # recorded before the round, untouched in it
    assert statuses[code(3)] == "NOT_YET"
    assert len(statuses) == 7  # missions are public: every LAO, drafts or not


async def test_a_client_without_the_missions_scope_reads_no_missions_round(world):
    body = await ask(world, AGENCY, MISSIONS, asOf=MISSIONS_AS_OF)
    assert body["data"]["round"] == {"timeliness": None, "standings": None}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert {tuple(e["path"]) for e in body["errors"]} == {
        ("round", "timeliness"),
        ("round", "standings"),
    }


CONFIRM = """mutation($round: Int!, $code: String!) { confirmMissionsChecked(roundId: $round, laoCode: $code) {
  __typename ... on MutationError { message messageTh }
  ... on MissionsChecked { roundId laoCode at alreadyConfirmed }
  ... on ValidationFailed { errors { path code } } } }"""


async def test_the_lao_s_staff_confirm_missions_checked_once_in_an_open_round(world):
    staff = user("clerk4", RoleGrant(Role.LAO_VERIFIER, lao_id=4))
    async with serve(settings(world), staff) as c:
        first = (await graphql(c, CONFIRM, round=MISSIONS_OPEN, code=code(4)))[
            "confirmMissionsChecked"
        ]
        again = (await graphql(c, CONFIRM, round=MISSIONS_OPEN, code=code(4)))[
            "confirmMissionsChecked"
        ]
        data = (await graphql(c, MISSIONS, asOf=None))["round"]
        log = await graphql(
            c,
            "query($code: String!) { lao(code: $code) { changeLog(first: 1) { edges { node { action entity actorRole } } } } }",
            code=code(4),
        )
    assert first["__typename"] == "MissionsChecked" and first["alreadyConfirmed"] is False
    assert again["alreadyConfirmed"] is True and again["at"] == first["at"]
    statuses = {e["node"]["lao"]["code"]: e["node"] for e in data["standings"]["edges"]}
    assert statuses[code(4)]["missionStatus"] == "CHECKED"
    assert statuses[code(4)]["done"]["punctuality"] == "LATE"  # after 30 Dec 2567
    assert log["lao"]["changeLog"]["edges"][0]["node"] == {
        "action": "confirm_missions_checked",
        "entity": "round_checks",
        "actorRole": "LAO_VERIFIER",
    }


@pytest.mark.parametrize(
    ("who", "round_id", "lao", "expected"),
    [
        (PUBLIC, MISSIONS_OPEN, 4, "Forbidden"),
        (CLERK_3, MISSIONS_OPEN, 4, "Forbidden"),  # another LAO's staff
        (TAK_OFFICER, MISSIONS_OPEN, 4, "Forbidden"),  # officers do not confirm for LAOs
        (DLA, MISSIONS_OPEN, 4, "Forbidden"),
        (CLERK_3, MISSIONS_CLOSED, 3, "RoundNotOpen"),
        (CLERK_3, INFO_2569, 3, "ValidationFailed"),
        (CLERK_3, 99, 3, "NotFound"),
        (CLERK_3, MISSIONS_OPEN, 99, "NotFound"),
    ],
)
async def test_confirming_missions_checked_is_refused(world, who, round_id, lao, expected):
    lao_code = code(lao) if lao != 99 else "6999999"
    async with serve(settings(world), who) as c:
        result = (await graphql(c, CONFIRM, round=round_id, code=lao_code))[
            "confirmMissionsChecked"
        ]
    assert result["__typename"] == expected, result
    assert result["message"] and result["messageTh"]
    if expected == "ValidationFailed":
        assert result["errors"] == [{"path": "roundId", "code": "NOT_A_MISSIONS_ROUND"}]
    assert await _checks(world) == 0


async def _checks(url: str) -> int:
    return int(await _scalar(url, select(func.count()).select_from(RoundCheck)))  # type: ignore[arg-type]


# --- reminders ------------------------------------------------------------------------------------

REMINDERS = """query($round: Int!, $province: String, $district: String, $stages: [ReminderStage!]) {
  round(id: $round) { reminders(provinceCode: $province, districtCode: $district, stages: $stages) {
    totalCount edges { node { stage stageLabelTh completeDomains deadline daysOverdue
      lao { code phone recorders { name phone } infoAdministrators { name email } } } } }
  standings { edges { node { lao { code } done { daysLate } } } } } }"""

# caller → (default list, with stages [AWAITING_PROVINCE]) in FY 2569's round
REMINDED = {
    "tak_officer": ([3, 6, 7], [2, 4]),
    "ban_tak_officer": ([3, 6, 7], [4]),
    "mueang_tak_officer": ([], [2]),
    "lampang_officer": ([], [5]),
    "dla": ([3, 6, 7], [2, 4, 5]),
}


@pytest.mark.parametrize("who", sorted(REMINDED))
async def test_officers_get_the_reminders_of_the_laos_they_cover(world, who):
    caller = {**CALLERS, "mueang_tak_officer": MUEANG_TAK_OFFICER}[who]
    default, awaiting = REMINDED[who]
    body = await ask(world, caller, REMINDERS, round=INFO_2569)
    assert "errors" not in body, body
    page = body["data"]["round"]["reminders"]
    assert codes(page["edges"]) == [code(n) for n in default]
    assert page["totalCount"] == len(default)
    body = await ask(world, caller, REMINDERS, round=INFO_2569, stages=["AWAITING_PROVINCE"])
    assert codes(body["data"]["round"]["reminders"]["edges"]) == [code(n) for n in awaiting]


async def test_a_reminder_says_what_is_left_to_do_and_whom_to_call(world):
    body = await ask(world, TAK_OFFICER, REMINDERS, round=INFO_2569, district="6302")
    data = body["data"]["round"]
    nodes = {e["node"]["lao"]["code"]: e["node"] for e in data["reminders"]["edges"]}
    assert nodes[code(3)]["stage"] == "NOTHING_RECORDED"
    assert nodes[code(3)]["stageLabelTh"] == "ยังไม่บันทึกข้อมูล"
    assert (nodes[code(6)]["stage"], nodes[code(6)]["completeDomains"]) == ("INCOMPLETE", 3)
    assert (nodes[code(7)]["stage"], nodes[code(7)]["completeDomains"]) == ("NOT_CERTIFIED", 8)
    assert nodes[code(3)]["lao"]["recorders"] == [
        {"name": "นางสาวทดสอบ บันทึก", "phone": "081-000-0003"}
    ]
    assert nodes[code(3)]["lao"]["infoAdministrators"][0]["email"] == "admin3@example.go.th"
    # Days overdue agree with the standing as of the same moment (the request's).
    standing = {e["node"]["lao"]["code"]: e["node"]["done"] for e in data["standings"]["edges"]}
    assert nodes[code(3)]["daysOverdue"] == standing[code(3)]["daysLate"]
    assert nodes[code(3)]["deadline"] == "2026-06-15"


async def test_a_missions_round_reminds_of_missions_not_recorded_or_not_checked(world):
    body = await ask(world, DLA, REMINDERS, round=MISSIONS_OPEN, province="63")
    nodes = {
        e["node"]["lao"]["code"]: e["node"]["stage"]
        for e in body["data"]["round"]["reminders"]["edges"]
    }
    assert nodes == {
        code(2): "MISSIONS_NOT_CHECKED",
        code(3): "MISSIONS_NOT_RECORDED",
        code(4): "MISSIONS_NOT_CHECKED",
        code(6): "MISSIONS_NOT_CHECKED",
        code(7): "MISSIONS_NOT_CHECKED",
    }


@pytest.mark.parametrize("who", [PUBLIC, AGENCY, AGENCY_MISSIONS, CLERK_3])
async def test_reminders_are_refused_to_all_but_officers_and_dla(world, who):
    body = await ask(world, who, REMINDERS, round=INFO_2569)
    assert body["data"]["round"]["reminders"] is None
    [error] = [e for e in body["errors"] if e["path"][-1] == "reminders"]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["extensions"]["messageTh"]


async def test_reminders_name_an_unknown_area_or_a_kpi16_round(world):
    body = await ask(world, TAK_OFFICER, REMINDERS, round=INFO_2569, district="9999")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    async with serve(settings(world), DLA) as c:
        await graphql(
            c,
            """mutation { openRound(kind: KPI16, fiscalYear: 2569, dates: {opensOn: "2026-01-26", deadline: "2026-03-06"}) { __typename } }""",
        )
        kpi16 = (await graphql(c, "{ rounds(kind: KPI16) { id } }"))["rounds"][0]["id"]
        body = await graphql_response(c, REMINDERS, round=kpi16)
    [error] = [e for e in body["errors"] if e["path"][-1] == "reminders"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


# --- the CSV download ------------------------------------------------------------------------------


async def test_the_reminder_list_downloads_as_csv_for_the_same_callers(world):
    async with serve(settings(world), TAK_OFFICER) as c:
        response = await c.get(
            "/exports/reminders.csv", params={"round": INFO_2569, "province": "63"}
        )
        awaiting = await c.get(
            "/exports/reminders.csv",
            params=[
                ("round", INFO_2569),
                ("stage", "AWAITING_PROVINCE"),
                ("stage", "NOT_CERTIFIED"),
            ],
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="reminders-round1-63.csv"' in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["lao_code"] for r in rows] == [code(3), code(6), code(7)]
    first = rows[0]
    assert (first["province_code"], first["province"], first["district_code"]) == (
        "63",
        "ตาก",
        "6302",
    )
    assert (first["stage"], first["stage_th"], first["deadline"]) == (
        "NOTHING_RECORDED",
        "ยังไม่บันทึกข้อมูล",
        "2026-06-15",
    )
    assert (first["recorder_1"], first["recorder_1_phone"]) == ("นางสาวทดสอบ บันทึก", "081-000-0003")
    assert first["info_administrators_email"] == "admin3@example.go.th"
    assert first["recorder_2"] == ""
    listed = list(csv.DictReader(io.StringIO(awaiting.content.decode("utf-8-sig"))))
    assert [r["lao_code"] for r in listed] == [code(2), code(4), code(7)]


@pytest.mark.parametrize(
    ("who", "params", "status", "code_", "field"),
    [
        (PUBLIC, {"round": "1"}, 403, "FORBIDDEN", None),
        (CLERK_3, {"round": "1"}, 403, "FORBIDDEN", None),
        (AGENCY_MISSIONS, {"round": "1"}, 403, "FORBIDDEN", None),
        (TAK_OFFICER, {}, 400, "BAD_USER_INPUT", "round"),
        (TAK_OFFICER, {"round": "x1"}, 400, "BAD_USER_INPUT", "round"),
        (TAK_OFFICER, {"round": "1", "province": "6a"}, 400, "BAD_USER_INPUT", "province"),
        (TAK_OFFICER, {"round": "1", "district": "63"}, 400, "BAD_USER_INPUT", "district"),
        (TAK_OFFICER, {"round": "1", "stage": "LATE"}, 400, "BAD_USER_INPUT", "stage"),
        (TAK_OFFICER, {"round": "99"}, 404, "NOT_FOUND", None),
        (TAK_OFFICER, {"round": "1", "province": "99"}, 404, "NOT_FOUND", None),
    ],
)
async def test_the_csv_download_refuses_like_the_api(world, who, params, status, code_, field):
    async with serve(settings(world), who) as c:
        response = await c.get("/exports/reminders.csv", params=params)
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code_ and error["extensions"]["messageTh"]
    assert error["extensions"].get("field") == field


# --- DLA sets rounds --------------------------------------------------------------------------------

RESULT = """__typename ... on MutationError { message messageTh }
  ... on RoundSaved { round { id kind fiscalYear number version opensOn deadline districtDeadline
    provinceDeadline closesOn letterReference provinceDeadlines { province { code } deadline reason } } }
  ... on VersionConflict { currentVersion } ... on FiscalYearClosed { fiscalYear }
  ... on ValidationFailed { errors { path code message messageTh } }"""
OPEN = f"""mutation($kind: RoundKind!, $dates: RoundDatesInput!, $year: Int, $number: Int, $letter: String) {{
  r: openRound(kind: $kind, dates: $dates, fiscalYear: $year, number: $number, letterReference: $letter) {{ {RESULT} }} }}"""
UPDATE = f"""mutation($id: Int!, $version: Int!, $dates: RoundDatesInput!, $letter: String) {{
  r: updateRound(id: $id, version: $version, dates: $dates, letterReference: $letter) {{ {RESULT} }} }}"""
UPDATE_KEEPING_LETTER = f"""mutation($id: Int!, $version: Int!, $dates: RoundDatesInput!) {{
  r: updateRound(id: $id, version: $version, dates: $dates) {{ {RESULT} }} }}"""
PROVINCE = f"""mutation($id: Int!, $version: Int!, $province: String!, $deadlines: ProvinceDeadlinesInput!, $reason: String) {{
  r: setRoundProvinceDeadlines(roundId: $id, version: $version, provinceCode: $province,
    deadlines: $deadlines, reason: $reason) {{ {RESULT} }} }}"""
MISSIONS_DATES = {"opensOn": "2026-10-26", "deadline": "2026-12-30", "closesOn": "2027-03-31"}


async def test_dla_opens_a_missions_round_numbered_in_its_fiscal_year(world):
    async with serve(settings(world), DLA) as c:
        first = (
            await graphql(c, OPEN, kind="MISSIONS", dates=MISSIONS_DATES, letter="มท 0810.8/ว 1")
        )["r"]
        second = (await graphql(c, OPEN, kind="MISSIONS", dates=MISSIONS_DATES))["r"]
        taken = (await graphql(c, OPEN, kind="MISSIONS", dates=MISSIONS_DATES, number=1))["r"]
        log = await graphql(
            c, "{ rounds(kind: MISSIONS, fiscalYear: 2570) { id number letterReference } }"
        )
    assert first["__typename"] == "RoundSaved"
    assert (first["round"]["fiscalYear"], first["round"]["number"]) == (2570, 1)
    assert first["round"]["letterReference"] == "มท 0810.8/ว 1"
    assert second["round"]["number"] == 2
    assert taken["__typename"] == "ValidationFailed"
    assert taken["errors"][0]["path"] == "number" and taken["errors"][0]["code"] == "TAKEN"
    assert [r["number"] for r in log["rounds"]] == [1, 2]
    assert await _log_entries(world, "rounds", "open") == 2


@pytest.mark.parametrize(
    ("kind", "dates", "year", "path", "code_"),
    [
        ("INFO", MISSIONS_DATES, None, "kind", "OPENED_WITH_FISCAL_YEAR"),
        (
            "MISSIONS",
            {"opensOn": "2026-10-26", "deadline": "2026-10-01"},
            None,
            "dates.deadline",
            "OUT_OF_ORDER",
        ),
        (
            "MISSIONS",
            {**MISSIONS_DATES, "closesOn": "2026-12-01"},
            None,
            "dates.closesOn",
            "OUT_OF_ORDER",
        ),
        (
            "KPI16",
            {"opensOn": "2026-01-26", "deadline": "2026-03-06"},
            2570,
            "dates.opensOn",
            "OUT_OF_RANGE",
        ),
        (
            "KPI16",
            {"opensOn": "2026-01-26", "deadline": "2026-03-06"},
            1999,
            "fiscalYear",
            "OUT_OF_RANGE",
        ),
    ],
)
async def test_opening_a_round_with_bad_dates_names_the_field_and_writes_nothing(
    world, kind, dates, year, path, code_
):
    async with serve(settings(world), DLA) as c:
        result = (await graphql(c, OPEN, kind=kind, dates=dates, year=year))["r"]
    assert result["__typename"] == "ValidationFailed"
    [error] = result["errors"]
    assert (error["path"], error["code"]) == (path, code_) and error["messageTh"]
    assert await _rounds(world) == 4


@pytest.mark.parametrize(
    ("number", "letter", "reason", "path", "code_"),
    [
        (0, None, None, "number", "OUT_OF_RANGE"),
        (None, "ว" * 101, None, "letterReference", "TOO_LONG"),
        (None, None, "x" * 2001, "reason", "TOO_LONG"),
    ],
)
async def test_too_long_or_out_of_range_inputs_name_the_argument(
    world, number, letter, reason, path, code_
):
    async with serve(settings(world), DLA) as c:
        if reason is None:
            result = (
                await graphql(
                    c, OPEN, kind="MISSIONS", dates=MISSIONS_DATES, number=number, letter=letter
                )
            )["r"]
        else:
            result = (
                await graphql(
                    c,
                    PROVINCE,
                    id=INFO_2569,
                    version=1,
                    province="63",
                    deadlines={"deadline": "2026-06-20"},
                    reason=reason,
                )
            )["r"]
    assert result["__typename"] == "ValidationFailed"
    assert [(e["path"], e["code"]) for e in result["errors"]] == [(path, code_)]
    assert await _rounds(world) == 4 and await _overrides(world) == 1


@pytest.mark.parametrize("who", [PUBLIC, AGENCY, CLERK_3, BAN_TAK_OFFICER, TAK_OFFICER])
async def test_only_dla_sets_rounds(world, who):
    async with serve(settings(world), who) as c:
        opened = (await graphql(c, OPEN, kind="MISSIONS", dates=MISSIONS_DATES))["r"]
        updated = (
            await graphql(
                c,
                UPDATE,
                id=INFO_2569,
                version=1,
                dates={"opensOn": "2025-10-01", "deadline": "2026-06-30"},
            )
        )["r"]
        province = (
            await graphql(
                c,
                PROVINCE,
                id=INFO_2569,
                version=1,
                province="63",
                deadlines={"deadline": "2026-06-30"},
            )
        )["r"]
    assert {opened["__typename"], updated["__typename"], province["__typename"]} == {"Forbidden"}
    assert "DLA" in opened["message"] and opened["messageTh"]
    assert await _rounds(world) == 4
    assert await _deadline(world, 2569) == dt.date(2026, 6, 15)


async def test_dla_moves_the_info_deadline_and_the_fiscal_year_follows(world):
    dates = {"opensOn": "2025-10-01", "deadline": "2026-06-17", "provinceDeadline": "2026-08-15"}
    async with serve(settings(world), DLA) as c:
        moved = (await graphql(c, UPDATE, id=INFO_2569, version=1, dates=dates, letter="ว 99"))["r"]
        kept = (await graphql(c, UPDATE_KEEPING_LETTER, id=INFO_2569, version=2, dates=dates))["r"]
        stale = (await graphql(c, UPDATE, id=INFO_2569, version=1, dates=dates))["r"]
        cleared = (await graphql(c, UPDATE, id=INFO_2569, version=3, dates=dates, letter=None))["r"]
        years = await graphql(c, "{ fiscalYears { yearBe recordDeadline } }")
        standing = await graphql_response(c, STANDINGS, punctuality="LATE")
    assert moved["__typename"] == "RoundSaved" and moved["round"]["version"] == 2
    assert moved["round"]["deadline"] == "2026-06-17" and moved["round"]["closesOn"] is None
    assert kept["round"]["letterReference"] == "ว 99" and kept["round"]["version"] == 3
    assert (stale["__typename"], stale["currentVersion"]) == ("VersionConflict", 3)
    assert cleared["round"]["letterReference"] is None and cleared["round"]["version"] == 4
    assert {y["yearBe"]: y["recordDeadline"] for y in years["fiscalYears"]}[2569] == "2026-06-17"
    assert await _deadline(world, 2569) == dt.date(2026, 6, 17)
    # LAO 4 (16 Jun) is now on time; only LAO 2 (20 Jun) is late.
    assert codes(standing["data"]["round"]["standings"]["edges"]) == [code(2)]
    assert await _log_entries(world, "rounds", "update") == 3


@pytest.mark.parametrize(
    ("round_id", "dates", "expected", "path"),
    [
        (
            INFO_2569,
            {"opensOn": "2025-10-01", "deadline": "2026-06-15", "closesOn": "2026-09-30"},
            "ValidationFailed",
            "dates.closesOn",
        ),
        (
            INFO_2569,
            {"opensOn": "2025-10-01", "deadline": "2026-10-15"},
            "ValidationFailed",
            "dates.deadline",
        ),
        # Lampang's own 30 Jun would fall before the new deadline... and after its province's.
        (
            INFO_2569,
            {"opensOn": "2025-10-01", "deadline": "2026-06-15", "provinceDeadline": "2026-06-20"},
            "ValidationFailed",
            "dates",
        ),
        (INFO_2568, {"opensOn": "2024-10-01", "deadline": "2025-06-30"}, "FiscalYearClosed", None),
        (99, {"opensOn": "2025-10-01", "deadline": "2026-06-15"}, "NotFound", None),
    ],
)
async def test_changing_a_round_is_refused_with_a_typed_answer(
    world, round_id, dates, expected, path
):
    async with serve(settings(world), DLA) as c:
        result = (await graphql(c, UPDATE, id=round_id, version=1, dates=dates))["r"]
    assert result["__typename"] == expected, result
    if path is not None:
        assert result["errors"][0]["path"] == path
    if expected == "FiscalYearClosed":
        assert result["fiscalYear"] == 2568
    assert await _deadline(world, 2569) == dt.date(2026, 6, 15)


async def test_dla_gives_a_province_its_own_deadline_and_takes_it_back(world):
    async with serve(settings(world), DLA) as c:
        given = (
            await graphql(
                c,
                PROVINCE,
                id=INFO_2569,
                version=1,
                province="63",
                deadlines={"deadline": "2026-06-20"},
                reason="อุทกภัย",
            )
        )["r"]
        late = await graphql(c, STANDINGS, punctuality="LATE")
        removed = (
            await graphql(c, PROVINCE, id=INFO_2569, version=2, province="63", deadlines={})
        )["r"]
        late_again = await graphql(c, STANDINGS, punctuality="LATE")
    assert given["__typename"] == "RoundSaved" and given["round"]["version"] == 2
    assert {"province": {"code": "63"}, "deadline": "2026-06-20", "reason": "อุทกภัย"} in given[
        "round"
    ]["provinceDeadlines"]
    assert codes(late["round"]["standings"]["edges"]) == []  # Tak's LAOs 2 and 4: on time now
    assert [p["province"]["code"] for p in removed["round"]["provinceDeadlines"]] == ["52"]
    assert codes(late_again["round"]["standings"]["edges"]) == [code(2), code(4)]
    assert await _log_entries(world, "rounds", "province_deadlines") == 2


@pytest.mark.parametrize(
    ("round_id", "version", "province", "deadlines", "expected", "path"),
    [
        (INFO_2569, 1, "63", {"deadline": "2025-09-01"}, "ValidationFailed", "deadlines.deadline"),
        (INFO_2569, 1, "63", {"deadline": "2026-08-15"}, "ValidationFailed", "deadlines.deadline"),
        (INFO_2569, 7, "63", {"deadline": "2026-06-20"}, "VersionConflict", None),
        (INFO_2569, 1, "99", {"deadline": "2026-06-20"}, "NotFound", None),
        (INFO_2568, 1, "63", {"deadline": "2025-06-20"}, "FiscalYearClosed", None),
        (99, 1, "63", {"deadline": "2026-06-20"}, "NotFound", None),
    ],
)
async def test_a_province_s_deadlines_are_refused_with_a_typed_answer(
    world, round_id, version, province, deadlines, expected, path
):
    async with serve(settings(world), DLA) as c:
        result = (
            await graphql(
                c, PROVINCE, id=round_id, version=version, province=province, deadlines=deadlines
            )
        )["r"]
    assert result["__typename"] == expected, result
    if path is not None:
        assert result["errors"][0]["path"] == path
    if expected == "VersionConflict":
        assert result["currentVersion"] == 1
    assert await _overrides(world) == 1


async def test_opening_and_closing_a_fiscal_year_opens_and_closes_its_info_round(world):
    async with serve(settings(world), DLA) as c:
        await graphql(
            c,
            'mutation { openFiscalYear(yearBe: 2570, recordDeadline: "2027-06-15", provinceDeadline: "2027-07-31", copyPrevious: false) { __typename } }',
        )
        opened = (
            await graphql(
                c,
                '{ rounds(kind: INFO, fiscalYear: 2570) { id deadline provinceDeadline closesOn phase(on: "2027-01-01") } }',
            )
        )["rounds"]
        await graphql(c, "mutation { closeFiscalYear(yearBe: 2570) { __typename } }")
        closed = (
            await graphql(
                c,
                '{ rounds(kind: INFO, fiscalYear: 2570) { closesOn phase(on: "2027-01-01") version } }',
            )
        )["rounds"]
    [info] = opened
    assert (info["deadline"], info["provinceDeadline"], info["closesOn"], info["phase"]) == (
        "2027-06-15",
        "2027-07-31",
        None,
        "OPEN",
    )
    [after] = closed
    assert after["closesOn"] is not None and after["phase"] == "CLOSED" and after["version"] == 2


# A deadline the import accepts for a round it opens today (not before the opening).
LATER = dt.date.today() + dt.timedelta(days=60)


async def test_a_kpi16_import_makes_its_round_or_takes_the_dates_dla_gave_it(world):
    csv_text = (
        f"reference_code,lao_code,village_number,name,latitude,longitude\nR1,{code(1)},,ประปา,,\n"
    )
    async with serve(settings(world), DLA) as c:
        await graphql(
            c,
            OPEN,
            kind="KPI16",
            year=2569,
            number=2,
            dates={
                "opensOn": "2026-04-01",
                "deadline": "2026-05-06",
                "districtDeadline": "2026-05-06",
                "provinceDeadline": "2026-05-20",
            },
        )
        engine = c.app.state.writer
        await kpi16_import.import_references(
            engine,
            DLA,
            fiscal_year=2569,
            round_no=1,
            province_code="63",
            csv_text=csv_text,
            province_report_deadline=LATER,
        )
        await kpi16_import.import_references(
            engine, DLA, fiscal_year=2569, round_no=2, province_code="63", csv_text=csv_text
        )
        rounds = (await graphql(c, "{ rounds(kind: KPI16) { number deadline provinceDeadline } }"))[
            "rounds"
        ]
        async with engine.connect() as conn:
            kpi = {
                r.round_no: r
                for r in await conn.execute(
                    select(Kpi16Round.__table__).order_by(Kpi16Round.round_no)
                )
            }
    assert {r["number"]: r["provinceDeadline"] for r in rounds} == {
        1: LATER.isoformat(),
        2: "2026-05-20",
    }
    assert kpi[2].opened_on == dt.date(2026, 4, 1)
    assert kpi[2].district_report_deadline == dt.date(2026, 5, 6)
    assert kpi[2].province_report_deadline == dt.date(2026, 5, 20)


# --- statements do not grow with rows -----------------------------------------------------------

WIDE = """query($first: Int!, $province: String) { round(id: 1) {
  timelinessByArea(level: DISTRICT, provinceCode: $province, asOf: "2026-08-10T12:00:00+07:00") { province { code } district { code } total series { day } }
  standings(first: $first, asOf: "2026-08-10T12:00:00+07:00") { edges { node { lao { code province { code } } done { punctuality } } } } } }"""
REMINDERS_WIDE = """query($first: Int!) { round(id: 1) { reminders(first: $first, stages: [NOTHING_RECORDED, INCOMPLETE, NOT_CERTIFIED, AWAITING_PROVINCE]) {
  edges { node { lao { code recorders { name } district { code } } } } } } }"""
LAO_YEARS_WIDE = """query($first: Int!) { laos(first: $first) { edges { node { code
  year(fiscalYear: 2569) { timeliness(asOf: "2026-08-10T12:00:00+07:00") { deadline certification { punctuality } round { id } } } } } } }"""


async def test_statements_do_not_grow_with_the_laos_or_areas_returned(world):
    async with serve(settings(world), DLA) as c:
        await graphql(c, WIDE, first=1, province="52")  # what a process reads once is read
        small, one = await fewest_statements(c, WIDE, first=1, province="52")  # 1 district, 1 LAO
        large, many = await fewest_statements(c, WIDE, first=7, province="63")  # 2 districts, 6
        _, one_reminder = await fewest_statements(c, REMINDERS_WIDE, first=1)
        listed, reminders = await fewest_statements(c, REMINDERS_WIDE, first=7)
        _, one_year = await fewest_statements(c, LAO_YEARS_WIDE, first=1)
        seven, years = await fewest_statements(c, LAO_YEARS_WIDE, first=7)
    assert len(small["round"]["standings"]["edges"]) == 1
    assert len(small["round"]["timelinessByArea"]) == 1
    assert len(large["round"]["standings"]["edges"]) == 7
    assert len(large["round"]["timelinessByArea"]) == 2
    assert len(many) == len(one)
    assert len(listed["round"]["reminders"]["edges"]) == 6
    assert len(reminders) == len(one_reminder)
    assert len(seven["laos"]["edges"]) == 7
    assert len(years) == len(one_year)


# --- helpers ---------------------------------------------------------------------------------------


async def _scalar(url: str, statement) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).scalar_one()
    finally:
        await engine.dispose()


async def _rounds(url: str) -> int:
    return int(await _scalar(url, select(func.count()).select_from(Round)))  # type: ignore[arg-type]


async def _overrides(url: str) -> int:
    return int(await _scalar(url, select(func.count()).select_from(RoundProvinceDeadline)))  # type: ignore[arg-type]


async def _deadline(url: str, year: int) -> object:
    return await _scalar(url, select(FiscalYear.record_deadline).where(FiscalYear.year_be == year))


async def _log_entries(url: str, entity: str, action: str) -> int:
    return int(
        await _scalar(  # type: ignore[arg-type]
            url,
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(ChangeLogEntry.entity == entity, ChangeLogEntry.action == action),
        )
    )


# --- the CSV download with a real token --------------------------------------------------------


async def test_the_csv_download_takes_the_officer_s_bearer_token(demo_database_url):
    """A demo provincial officer signs in (OAuth, PKCE) and downloads the open year's list of
    its province; the file holds what GraphQL lists for the same token. Without a token the
    public is refused; a token the hub did not issue is a 401."""
    import uuid

    from hub.services.accounts import create_client
    from loaders.demo_accounts import demo_credentials
    from tests.oauth_support import REDIRECT_URI, exchange, oauth_settings, sign_in

    async with serve(oauth_settings(demo_database_url)) as hub:
        engine = hub.app.state.engine
        async with engine.connect() as conn:
            creds = await demo_credentials(conn, 2570)
        officer = next(c for c in creds if c.role_or_scopes == "PROVINCE_OFFICER")
        province = officer.bound_to.split()[1]
        portal, _ = await create_client(
            engine,
            "Console (test)",
            "",
            client_id=f"console-{uuid.uuid4().hex[:8]}",
            redirect_uris=[REDIRECT_URI],
            public=True,
        )
        code_, verifier = await sign_in(hub, portal, officer.name, officer.secret)
        token = (await exchange(hub, portal, code_, verifier)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        rounds = await hub.post(
            "/graphql", json={"query": "{ rounds(kind: INFO) { id phase } }"}, headers=headers
        )
        info = rounds.json()["data"]["rounds"][0]  # the open year's round
        listed = await hub.post(
            "/graphql",
            json={
                "query": """query($id: Int!, $p: String!) { round(id: $id) {
                  reminders(provinceCode: $p, first: 1000) { totalCount edges { node { lao { code } } } } } }""",
                "variables": {"id": info["id"], "p": province},
            },
            headers=headers,
        )
        info["reminders"] = listed.json()["data"]["round"]["reminders"]
        params = {"round": info["id"], "province": province}
        download = await hub.get("/exports/reminders.csv", params=params, headers=headers)
        public = await hub.get("/exports/reminders.csv", params=params)
        forged = await hub.get(
            "/exports/reminders.csv", params=params, headers={"Authorization": "Bearer forged"}
        )
    assert info["phase"] == "OPEN" and info["reminders"]["totalCount"] > 0
    assert download.status_code == 200, download.text
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(r["lao_code"] for r in rows) == sorted(
        e["node"]["lao"]["code"] for e in info["reminders"]["edges"]
    )
    assert {r["province_code"] for r in rows} == {province}
    assert (
        public.status_code == 403
        and public.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- the migration: the dates already held become rounds ----------------------------------------


async def test_the_migration_turns_years_kpi16_and_mission_rounds_into_rounds(fresh_demo_url):
    """Down to 0005 (where fiscal years, KPI-16 rounds and `mission_rounds` held the dates)
    and up again: every one of them is a round with the same dates."""
    import asyncio

    from hub.db import migrate

    await asyncio.to_thread(migrate.downgrade, fresh_demo_url, "0005")
    await asyncio.to_thread(migrate.upgrade, fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(Round.__table__).order_by(Round.kind, Round.fiscal_year, Round.number)
                )
            ).all()
            years = (await conn.execute(select(FiscalYear.__table__))).all()
            kpi16_rows = (await conn.execute(select(Kpi16Round.__table__))).all()
    finally:
        await engine.dispose()
    info = [r for r in rows if r.kind.name == "INFO"]
    assert [(r.fiscal_year, r.deadline, r.province_deadline) for r in info] == sorted(
        (y.year_be, y.record_deadline, y.province_deadline) for y in years
    )
    closed = {y.year_be: y.closed_at for y in years}
    for r in info:
        assert r.opens_on == dt.date(r.fiscal_year - 544, 10, 1)
        expected = (
            closed[r.fiscal_year].astimezone(BANGKOK).date() if closed[r.fiscal_year] else None
        )
        assert r.closes_on == expected
    kpi_rounds = sorted(
        (k.fiscal_year, k.number, k.opens_on, k.deadline, k.province_deadline)
        for k in rows
        if k.kind.name == "KPI16"
    )
    assert kpi_rounds == sorted(
        (
            kpi16.fiscal_year,
            kpi16.round_no,
            kpi16.opened_on,
            kpi16.district_report_deadline or kpi16.province_report_deadline,
            kpi16.province_report_deadline,
        )
        for kpi16 in kpi16_rows
    )
    missions = [
        (r.fiscal_year, r.number, r.opens_on, r.letter_reference)
        for r in rows
        if r.kind.name == "MISSIONS"
    ]
    assert missions == [
        (2566, 1, dt.date(2022, 10, 26), "มท 0810.8/ว 3418"),
        (2568, 1, dt.date(2024, 10, 25), "มท 0810.8/ว 5567"),
        (2570, 1, dt.date(2026, 10, 26), None),
    ]


# --- the demo data ---------------------------------------------------------------------------------


async def test_the_demo_data_has_every_case_to_try(demo_database_url):
    """After `make run`: INFO rounds of every demo year (a province with more time), LAOs on
    time, late and overdue in a closed year and pending in the open one, a KPI-16 round, and
    missions rounds with LAOs checked, recorded only and with nothing recorded, one open."""
    query = """{ rounds { id kind fiscalYear phase(on: "2026-11-20") provinceDeadlines { deadline } } }"""
    async with serve(settings(demo_database_url), DLA) as c:
        rounds = (await graphql(c, query))["rounds"]
        by_kind = {}
        for r in rounds:
            by_kind.setdefault(r["kind"], []).append(r)
        closed, open_ = by_kind["INFO"][1], by_kind["INFO"][0]
        figures = {}
        for r in (closed, open_, by_kind["MISSIONS"][1], by_kind["MISSIONS"][0]):
            figures[r["id"]] = (
                await graphql(
                    c,
                    """query($id: Int!) { round(id: $id) { timeliness { done { onTime late pending overdue }
                      missionStatuses { checked recorded notYet } } } }""",
                    id=r["id"],
                )
            )["round"]["timeliness"]
    assert [r["fiscalYear"] for r in by_kind["INFO"]] == [2570, 2569, 2568]
    assert len(by_kind["KPI16"]) == 1 and len(by_kind["MISSIONS"]) == 3
    assert closed["phase"] == "CLOSED" and closed["provinceDeadlines"]
    assert open_["phase"] == "OPEN" and by_kind["MISSIONS"][0]["phase"] == "OPEN"
    done = figures[closed["id"]]["done"]
    assert done["onTime"] > 0 and done["late"] > 0 and done["overdue"] > 0
    assert figures[open_["id"]]["done"]["pending"] > 0
    past = figures[by_kind["MISSIONS"][1]["id"]]
    assert past["done"]["late"] > 0 and past["done"]["overdue"] > 0
    assert all(n > 0 for n in past["missionStatuses"].values())
    assert figures[by_kind["MISSIONS"][0]["id"]]["done"]["pending"] > 0

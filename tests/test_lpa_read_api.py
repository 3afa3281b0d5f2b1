"""Reading LPA indicator 7 over HTTP on the shared demo data: the rubric versions, the reports
per nation, province and district as of any date, the LAO lists per role, and the cost of it
all (statements that do not grow with the rows returned; declared costs)."""

from __future__ import annotations

import datetime as dt

from graphql import get_named_type

from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.settings import Settings
from schema import costs
from schema import schema as hub_schema
from tests.conftest import graphql, serve
from tests.test_costs import sql_statements

YEAR = 2570
REPORT = """
  lpaYear fiscalYear asOf deadline rubric { lpaYear builtIn }
  laoCount provisional { rule score count } provisionalScores { score count }
  finalScores { score count } finalRecorded finalMissing
  timeliness { onTime late overdue notDue withoutDeadline }"""
LIST = """laos(first: $first, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { lao { code province { code } }
    provisional { score rule stateAsOf rubricVersion timeliness { status deadline daysLate } }
    final { version score reason inspectedOn recordedAt } } } }"""
PROVINCE = f"""query($code: String!, $year: Int!, $asOf: DateTime, $first: Int, $filter: LpaLaoFilter) {{
  province(code: $code) {{ lpa(lpaYear: $year, asOf: $asOf) {{ {REPORT} {LIST} }} }} }}"""
NATION = f"""query($year: Int!, $asOf: DateTime) {{ nationalLpa(lpaYear: $year, asOf: $asOf) {{ {REPORT} }}
  provinces {{ code lpa(lpaYear: $year, asOf: $asOf) {{ laoCount finalRecorded provisionalScores {{ score count }} }} }} }}"""
DLA = user("dla", RoleGrant(Role.DLA_ADMIN))


def _settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def _demo_assessor_province(c) -> str:
    listed = (await graphql(c, "{ lpaAssessors { username provinceCode } }"))["lpaAssessors"]
    return next(a["provinceCode"] for a in listed if a["username"].startswith("demo.assessor."))


async def test_the_rubric_versions_are_readable(demo_database_url):
    async with serve(_settings(demo_database_url)) as c:
        data = await graphql(
            c,
            """{ lpaRubrics { lpaYear builtIn fullScore indicator scores
                 levels { rule score descriptionTh descriptionEn } }
               y2569: lpaRubric(lpaYear: 2569) { lpaYear } y2570: lpaRubric(lpaYear: 2571) { lpaYear }
               old: lpaRubric(lpaYear: 2550) { lpaYear } }""",
        )
    versions = data["lpaRubrics"]
    assert [(v["lpaYear"], v["builtIn"]) for v in versions] == [(2564, False), (2570, False)]
    assert all(v["scores"] == [5, 3, 1, 0] and v["fullScore"] == 5 for v in versions)
    assert versions[0]["indicator"] == "1.2.7"
    assert [lvl["rule"] for lvl in versions[0]["levels"]] == [
        "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
        "COMPLETE_LAO_CERTIFIED",
        "COMPLETE_NOT_CERTIFIED",
        "RECORDED_NOT_CERTIFIED",
        "NOTHING_RECORDED",
    ]
    assert all(lvl["descriptionTh"] and lvl["descriptionEn"] for lvl in versions[0]["levels"])
    # A version is in force from its LPA year until the next one.
    assert (data["y2569"], data["y2570"], data["old"]) == (
        {"lpaYear": 2564},
        {"lpaYear": 2570},
        {"lpaYear": 2564},
    )


async def test_the_nation_and_provinces_as_of_any_date_add_up(demo_database_url):
    async with serve(_settings(demo_database_url)) as c:
        now = await graphql(c, NATION, year=YEAR, asOf=None)
        nation, provinces = now["nationalLpa"], now["provinces"]
        assert nation["fiscalYear"] == YEAR and nation["rubric"] == {
            "lpaYear": YEAR,
            "builtIn": False,
        }
        assert nation["deadline"] == "2027-06-15"
        assert nation["laoCount"] == sum(p["lpa"]["laoCount"] for p in provinces) > 0
        assert nation["finalRecorded"] == sum(p["lpa"]["finalRecorded"] for p in provinces) == 10
        assert nation["finalRecorded"] + nation["finalMissing"] == nation["laoCount"]
        assert sum(s["count"] for s in nation["provisionalScores"]) == nation["laoCount"]
        assert sum(level["count"] for level in nation["provisional"]) == nation["laoCount"]
        for score in (5, 3, 1, 0):
            assert sum(
                next(s["count"] for s in p["lpa"]["provisionalScores"] if s["score"] == score)
                for p in provinces
            ) == next(s["count"] for s in nation["provisionalScores"] if s["score"] == score)
        t = nation["timeliness"]
        assert t["late"] == t["overdue"] == 0  # the open year's deadline is ahead
        assert t["onTime"] + t["notDue"] == nation["laoCount"]

        # Before the demo assessor's inspection day nothing final was recorded.
        before = await graphql(c, NATION, year=YEAR, asOf="2026-11-01T00:00:00+07:00")
        assert before["nationalLpa"]["finalRecorded"] == 0
        assert dt.datetime.fromisoformat(before["nationalLpa"]["asOf"]) == dt.datetime(
            2026, 10, 31, 17, tzinfo=dt.UTC
        )

        # A closed year: scored under the 2564 version, some LAOs certified late.
        closed = (await graphql(c, NATION, year=2569, asOf=None))["nationalLpa"]
        assert closed["rubric"]["lpaYear"] == 2564 and closed["deadline"] == "2026-06-15"
        assert closed["timeliness"]["late"] > 0 and closed["timeliness"]["notDue"] == 0


async def test_a_province_lists_its_laos_per_role_in_constant_statements(demo_database_url):
    async with serve(_settings(demo_database_url), DLA) as c:
        code = await _demo_assessor_province(c)
        report = (await graphql(c, PROVINCE, code=code, year=YEAR, first=1000))["province"]["lpa"]
        listed = [e["node"] for e in report["laos"]["edges"]]
        assert report["laos"]["totalCount"] == len(listed) == report["laoCount"]
        assert {n["lao"]["province"]["code"] for n in listed} == {code}
        finals = [n for n in listed if n["final"] is not None]
        assert len(finals) == report["finalRecorded"] == 10
        assert any(n["final"]["version"] == 2 for n in finals)
        # The list and the counts are the same figures.
        for score in report["provisionalScores"]:
            assert score["count"] == sum(
                n["provisional"]["score"] == score["score"] for n in listed
            )
        for score in report["finalScores"]:
            assert score["count"] == sum(
                (n["final"] or {}).get("score") == score["score"] for n in listed
            )

        # Filters, in SQL.
        fives = (
            await graphql(
                c, PROVINCE, code=code, year=YEAR, first=1000, filter={"provisionalScore": 5}
            )
        )["province"]["lpa"]["laos"]
        assert {e["node"]["provisional"]["score"] for e in fives["edges"]} == {5}
        missing = (
            await graphql(
                c, PROVINCE, code=code, year=YEAR, first=1000, filter={"finalRecorded": False}
            )
        )["province"]["lpa"]["laos"]
        assert missing["totalCount"] == report["finalMissing"]

        # Statements do not grow with the LAOs listed.
        counted = []
        for first in (2, 200):
            with sql_statements(c) as statements:
                await graphql(c, PROVINCE, code=code, year=YEAR, first=first)
            counted.append(len(statements))
        assert counted[0] == counted[1], counted

    # Who sees which LAOs: drafts only for those covering or assessing the LAO.
    sizes = {}
    province_id = None
    for who, identity in {
        "public": PUBLIC,
        "dla": DLA,
    }.items():
        async with serve(_settings(demo_database_url), identity) as c:
            sizes[who] = (await graphql(c, PROVINCE, code=code, year=YEAR, first=1000))["province"][
                "lpa"
            ]["laos"]["totalCount"]
            if who == "dla":
                province_id = await _province_id(c, code)
    async with serve(
        _settings(demo_database_url),
        user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=province_id)),
    ) as c:
        sizes["assessor"] = (await graphql(c, PROVINCE, code=code, year=YEAR, first=1000))[
            "province"
        ]["lpa"]["laos"]["totalCount"]
    assert sizes["public"] < sizes["assessor"] == sizes["dla"]


async def _province_id(c, code: str) -> int:
    from sqlalchemy import select

    from hub.db.models import Province

    async with c.app.state.engine.connect() as conn:
        return int(
            (await conn.execute(select(Province.id).where(Province.code == code))).scalar_one()
        )


async def test_a_district_report_and_lao_year_scores_in_constant_statements(demo_database_url):
    async with serve(_settings(demo_database_url), DLA) as c:
        code = await _demo_assessor_province(c)
        districts = (
            await graphql(
                c,
                """query($code: String!, $year: Int!) { province(code: $code) { lpa(lpaYear: $year) { laoCount }
                   districts { code lpa(lpaYear: $year) { laoCount finalRecorded deadline } } } }""",
                code=code,
                year=YEAR,
            )
        )["province"]
        assert (
            sum(d["lpa"]["laoCount"] for d in districts["districts"])
            == districts["lpa"]["laoCount"]
        )
        assert sum(d["lpa"]["finalRecorded"] for d in districts["districts"]) == 10
        assert {d["lpa"]["deadline"] for d in districts["districts"]} == {"2027-06-15"}

        query = """query($code: String!, $first: Int!) { laos(filter: {provinceCode: $code}, first: $first) {
          edges { node { year(fiscalYear: 2570) { lpaScore { score rubricVersion timeliness { status } }
            lpaFinalScore { score assessorName provisionalAtInspection { score } }
            lpaFinalScoreHistory { version } } } } } }"""
        counted = []
        for first in (3, 60):
            with sql_statements(c) as statements:
                data = await graphql(c, query, code=code, first=first)
            counted.append(len(statements))
        assert counted[0] == counted[1], counted
        years = [e["node"]["year"] for e in data["laos"]["edges"]]
        assert sum(y["lpaFinalScore"] is not None for y in years) == 10


def test_every_lpa_report_is_a_shared_roll_up_and_new_fields_declare_costs():
    sdl = hub_schema._schema
    for type_name, type_ in sdl.type_map.items():
        for field_name, field in getattr(type_, "fields", {}).items():
            if get_named_type(field.type).name == "LpaReport":
                declared = costs.field_cost(type_name, field_name)
                assert declared is not None and declared.shared, f"{type_name}.{field_name}"
    for key in (
        "LpaReport.laos",
        "LaoYear.lpaScore",
        "LaoYear.lpaFinalScore",
        "LaoYear.lpaFinalScoreHistory",
        "LpaFinalScore.provisionalAtInspection",
        "Query.lpaRubrics",
        "Query.lpaRubric",
        "Query.lpaAssessors",
    ):
        assert costs.field_cost(*key.split(".")) is not None, key
    for mutation in ("appointLpaAssessor", "revokeLpaAssessor", "recordLpaFinalScore"):
        assert costs.field_cost("Mutation", mutation) == costs.FieldCost(costs.MUTATION)


async def test_thirty_aliased_lpa_reports_are_refused_before_any_sql_runs(demo_database_url):
    aliases = " ".join(
        f'r{n}: nationalLpa(lpaYear: 2570, asOf: "2026-11-{n + 1:02d}T00:00:00+07:00") {{ laoCount }}'
        for n in range(30)
    )
    async with serve(_settings(demo_database_url)) as c:
        with sql_statements(c) as statements:
            response = await c.post("/graphql", json={"query": "{ " + aliases + " }"})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert statements == []
    assert dt.date(2026, 11, 30)  # the dates above are real days of November

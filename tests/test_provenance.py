"""Provenance for every stored value (issue 14, sections 3 and 4), on SQLite and PostgreSQL.

A freshly loaded demo database's change log explains every section value (`hub audit verify
--state` passes), and names the LAO-year and field of a value edited behind the hub's back;
a source system's client delivers pulled values (validated, all or nothing, idempotent,
logged) that read beside their source and fetch time; `provenance(...)` answers who set a
value under the value's own guards; the modules' owners are readable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, LaoYear
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.services import accounts, fiscal_years, state_replay
from hub.settings import Settings
from tests.conftest import _places, graphql, graphql_response, serve
from tests.oauth_support import oauth_settings

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))

DELIVER = """
mutation($source: SourceSystemCode!, $batch: String!, $values: [PulledValueInput!]!) {
  deliverPulledValues(source: $source, batch: $batch, values: $values) {
    __typename
    ... on PulledValuesDelivered { batch values changed alreadyDelivered sourceSystem { code } }
    ... on ValidationFailed { errors { path code message messageTh } }
    ... on MutationError { message messageTh }
  }
}"""

READ_STAFF = """
query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
  governance { staff staffFetchedAt councilMembers
    pulled { field sourceSystem { code nameTh } fetchedAt batch deliveredAt } } } } }"""

PROVENANCE = """
query($code: String!, $year: Int!, $field: String!) {
  provenance(laoCode: $code, fiscalYear: $year, field: $field) {
    field domain value pulled { sourceSystem { code } batch fetchedAt }
    setBy { action actorKind actorRole }
    changes { action fiscalYear before after at reason source sourceDigest actorKind actorName
      entryId } } }"""


def _hub(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HUB_DATABASE_URL": url, "HUB_ENV": "test"},
        timeout=300,
    )


async def _count_log(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one()
            )
    finally:
        await engine.dispose()


async def _state(url: str) -> state_replay.StateReport:
    engine = create_engine(url)
    try:
        return await state_replay.verify_state(engine)
    finally:
        await engine.dispose()


async def _token(url: str, scopes: str) -> str:
    engine = create_engine(url)
    try:
        client_id, secret = await accounts.create_client(engine, "ระบบ LHR / LHR", scopes)
    finally:
        await engine.dispose()
    async with serve(oauth_settings(url)) as http:
        response = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _as_bearer(url: str, token: str, query: str, **variables: object) -> dict:
    async with serve(oauth_settings(url)) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- the log explains a fresh database; an edit behind the hub's back is named ------------


def test_a_fresh_demo_database_is_explained_by_its_log(fresh_demo_url: str) -> None:
    url = fresh_demo_url

    async def imports() -> list[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(ChangeLogEntry.action).where(ChangeLogEntry.entity == "imports")
                )
                return sorted(r.action for r in rows)
        finally:
            await engine.dispose()

    assert asyncio.run(imports()) == ["demo_load", "geography_load"]
    report = asyncio.run(_state(url))
    assert report.ok and report.values > 1000 and report.entries > 100, report.unexplained[:3]

    verified = _hub(url, "audit", "verify", "--state")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "the chain verifies" in verified.stdout
    assert "each explained by the log" in verified.stdout

    places = asyncio.run(_places(url))

    async def edit_behind_the_hubs_back() -> int:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                ly = (
                    await conn.execute(
                        select(LaoYear.id).where(
                            LaoYear.lao_id == places.draft_sao_id,
                            LaoYear.fiscal_year == places.year,
                        )
                    )
                ).scalar_one()
                await conn.execute(
                    text(
                        "UPDATE domain1_health_environment "
                        "SET village_health_volunteers = 4321 WHERE lao_year_id = :ly"
                    ),
                    {"ly": ly},
                )
                return int(ly)
        finally:
            await engine.dispose()

    asyncio.run(edit_behind_the_hubs_back())
    report = asyncio.run(_state(url))
    assert report.count == 1
    [found] = report.unexplained
    assert (found.lao_code, found.fiscal_year, found.domain) == (
        places.draft_sao_code,
        places.year,
        1,
    )
    assert found.field == "healthEnvironment.villageHealthVolunteers"
    assert found.current == 4321 and found.expected != 4321

    broken = _hub(url, "audit", "verify", "--state")
    assert broken.returncode == 1
    assert (
        f"LAO {places.draft_sao_code}, fiscal year {places.year}, "
        "healthEnvironment.villageHealthVolunteers: the value is 4321" in broken.stdout
    )


def test_saves_and_a_year_opened_from_the_last_are_explained(fresh_demo_url: str) -> None:
    url = fresh_demo_url
    places = asyncio.run(_places(url))
    recorder = user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=places.draft_sao_id))

    async def work() -> None:
        async with serve(Settings(database_url=url, environment="test"), recorder) as http:
            data = await graphql(
                http,
                "query($c: String!, $y: Int!) { lao(code: $c) { year(fiscalYear: $y) { version } } }",
                c=places.draft_sao_code,
                y=places.year,
            )
            saved = await graphql(
                http,
                """mutation($c: String!, $y: Int!, $v: Int!) { saveGovernance(laoCode: $c,
                fiscalYear: $y, version: $v, data: {councilMembers: 31}) { __typename } }""",
                c=places.draft_sao_code,
                y=places.year,
                v=data["lao"]["year"]["version"],
            )
            assert saved["saveGovernance"]["__typename"] == "SectionSaved"
        engine = create_engine(url)
        try:
            await fiscal_years.open_year(
                engine,
                DLA,
                year_be=places.year + 1,
                record_deadline=dt.date(places.year + 1 - 543, 3, 31),
                copy_previous=True,
            )
        finally:
            await engine.dispose()

    asyncio.run(work())
    report = asyncio.run(_state(url))
    assert report.ok, [u.describe() for u in report.unexplained[:5]]

    async def history() -> dict:
        async with serve(Settings(database_url=url, environment="test"), DLA) as http:
            return await graphql(
                http,
                PROVENANCE,
                code=places.draft_sao_code,
                year=places.year + 1,
                field="governance.councilMembers",
            )

    found = asyncio.run(history())["provenance"]
    assert found["value"] == 31
    actions = [(c["action"], c["fiscalYear"]) for c in found["changes"]]
    # Loaded by the demo, saved by the recorder, then carried into the new year.
    assert actions == [
        ("import", places.year),
        ("save", places.year),
        ("copy", places.year + 1),
    ]
    assert found["changes"][1]["after"] == 31 and found["changes"][1]["actorKind"] == "PERSON"
    assert found["changes"][0]["actorKind"] == "COMMAND"
    assert found["changes"][0]["source"].startswith("demo dataset {")
    assert len(found["changes"][0]["sourceDigest"]) == 64


# --- a source system delivers its values ---------------------------------------------------


def test_a_source_system_delivers_pulled_values(fresh_demo_url: str) -> None:
    url = fresh_demo_url
    places = asyncio.run(_places(url))
    code, year = places.draft_sao_code, places.year
    token = asyncio.run(_token(url, "pulled:lhr"))
    fetched = "2026-11-30T02:00:00+07:00"
    values = [{"laoCode": code, "fiscalYear": year, "field": "staff", "value": "57",
               "fetchedAt": fetched}]  # fmt: skip

    done = asyncio.run(
        _as_bearer(url, token, DELIVER, source="LHR", batch="lhr-2026-11-30", values=values)
    )["data"]["deliverPulledValues"]
    assert done == {
        "__typename": "PulledValuesDelivered",
        "batch": "lhr-2026-11-30",
        "values": 1,
        "changed": 1,
        "alreadyDelivered": False,
        "sourceSystem": {"code": "LHR"},
    }
    entries = asyncio.run(_count_log(url))

    # The same batch again changes nothing; the same name with other content is refused.
    again = asyncio.run(
        _as_bearer(url, token, DELIVER, source="LHR", batch="lhr-2026-11-30", values=values)
    )["data"]["deliverPulledValues"]
    assert again["alreadyDelivered"] is True and again["changed"] == 1
    other = [{**values[0], "value": "58"}]
    conflict = asyncio.run(
        _as_bearer(url, token, DELIVER, source="LHR", batch="lhr-2026-11-30", values=other)
    )["data"]["deliverPulledValues"]
    assert conflict["__typename"] == "ValidationFailed"
    assert conflict["errors"][0]["path"] == "batch"
    assert conflict["errors"][0]["code"] == "BATCH_CONFLICT"

    # All or nothing: one bad row refuses the batch, naming the row.
    bad = [
        {**values[0], "value": "60"},
        {"laoCode": code, "fiscalYear": year, "field": "councilMembers", "value": "9"},
        {"laoCode": "0000000", "fiscalYear": year, "field": "staff", "value": "1"},
        {"laoCode": code, "fiscalYear": year, "field": "staff", "value": "-1"},
    ]
    refused = asyncio.run(
        _as_bearer(url, token, DELIVER, source="LHR", batch="lhr-bad", values=bad)
    )["data"]["deliverPulledValues"]
    assert refused["__typename"] == "ValidationFailed"
    paths = {(e["path"], e["code"]) for e in refused["errors"]}
    assert ("values[1].field", "UNKNOWN_FIELD") in paths
    assert ("values[3]", "DUPLICATE") in paths
    assert ("values[2].laoCode", "NOT_FOUND") in paths
    assert all(e["messageTh"] for e in refused["errors"])
    assert asyncio.run(_count_log(url)) == entries

    # Another system's scope, or a clerk, may not deliver LHR's values.
    allowance = asyncio.run(_token(url, "pulled:allowance domain:6"))
    forbidden = asyncio.run(
        _as_bearer(url, allowance, DELIVER, source="LHR", batch="x1", values=values)
    )["data"]["deliverPulledValues"]
    assert forbidden["__typename"] == "Forbidden"

    recorder = user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=places.draft_sao_id))

    async def as_recorder() -> tuple[dict, dict]:
        async with serve(Settings(database_url=url, environment="test"), recorder) as http:
            delivered = await graphql(http, DELIVER, source="LHR", batch="x2", values=values)
            version = (
                await graphql(
                    http,
                    "query($c: String!, $y: Int!) { lao(code: $c) { year(fiscalYear: $y) { version } } }",
                    c=code,
                    y=year,
                )
            )["lao"]["year"]["version"]
            saved = await graphql_response(
                http,
                """mutation($c: String!, $y: Int!, $v: Int!) { saveGovernance(laoCode: $c,
                fiscalYear: $y, version: $v, data: {staff: 3}) { __typename } }""",
                c=code,
                y=year,
                v=version,
            )
            return delivered, saved

    delivered, saved = asyncio.run(as_recorder())
    assert delivered["deliverPulledValues"]["__typename"] == "Forbidden"
    # Pulled fields have no input at all: a clerk cannot even name one.
    assert saved["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    # The value reads beside its source, fetch time and batch.
    async def read() -> dict:
        async with serve(Settings(database_url=url, environment="test"), DLA) as http:
            return await graphql(http, READ_STAFF, code=code, year=year)

    governance = asyncio.run(read())["lao"]["year"]["governance"]
    assert governance["staff"] == 57
    assert governance["staffFetchedAt"].startswith("2026-11-29T19:00:00")
    [pulled] = governance["pulled"]
    assert pulled["field"] == "staff" and pulled["batch"] == "lhr-2026-11-30"
    assert pulled["sourceSystem"]["code"] == "LHR"
    assert pulled["fetchedAt"].startswith("2026-11-29T19:00:00")

    # The log explains the pulled value, and provenance names its source and batch.
    assert asyncio.run(_state(url)).ok

    async def provenance() -> dict:
        async with serve(Settings(database_url=url, environment="test"), DLA) as http:
            return await graphql(http, PROVENANCE, code=code, year=year, field="staff")

    found = asyncio.run(provenance())["provenance"]
    assert found["field"] == "governance.staff" and found["value"] == 57
    assert found["pulled"]["batch"] == "lhr-2026-11-30"
    assert found["setBy"] == {"action": "pull", "actorKind": "CLIENT", "actorRole": None}
    assert found["changes"][-1]["reason"] == "LHR batch lhr-2026-11-30"
    assert found["changes"][-1]["source"] == "LHR batch lhr-2026-11-30"
    assert found["changes"][-1]["after"] == 57


def test_the_command_imports_a_source_systems_export(fresh_demo_url: str, tmp_path: Path) -> None:
    url = fresh_demo_url
    places = asyncio.run(_places(url))
    export = tmp_path / "allowance.csv"
    export.write_text(
        "lao_code,fiscal_year,field,value,fetched_at\n"
        f"{places.draft_sao_code},{places.year},elderlyAllowanceRecipients,1204,2026-11-30T02:00:00+07:00\n"
        f"{places.draft_sao_code},{places.year},disabilityAllowanceRecipients,88,\n",
        encoding="utf-8",
    )
    first = _hub(url, "pulled", "import", "allowance", str(export))
    assert first.returncode == 0, first.stderr
    assert "2 values, 2 changed" in first.stdout
    second = _hub(url, "pulled", "import", "ALLOWANCE", str(export))
    assert second.returncode == 0 and "nothing changed" in second.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"lao_code,fiscal_year,field,value,fetched_at\n{places.draft_sao_code},{places.year},staff,5,\n",
        encoding="utf-8",
    )
    refused = _hub(url, "pulled", "import", "ALLOWANCE", str(bad))
    assert refused.returncode == 1 and "values[0].field" in refused.stderr
    assert _hub(url, "audit", "verify", "--state").returncode == 0


# --- provenance under the value's guards; modules' owners -----------------------------------


async def test_provenance_is_read_under_the_values_guards(fresh_demo_url: str) -> None:
    url = fresh_demo_url
    places = await _places(url)
    q = PROVENANCE
    draft = {"code": places.draft_sao_code, "year": places.year, "field": "villageHealthVolunteers"}
    certified = {**draft, "code": places.certified_code}
    settings = Settings(database_url=url, environment="test")

    async with serve(settings, PUBLIC) as http:
        assert (await graphql(http, q, **draft))["provenance"] is None  # a draft: hidden
        body = await graphql_response(http, q, **certified)
        found = body["data"]["provenance"]
        assert found["changes"][0]["action"] == "import"
        # Who loaded it is personal data.
        assert found["changes"][0]["actorName"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        unknown = await graphql_response(http, q, **{**certified, "field": "nonsense"})
        assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    async with serve(settings, client("demo-moph", "domain:7")) as http:
        body = await graphql_response(http, q, **certified)
        assert body["data"]["provenance"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    async with serve(settings, DLA) as http:
        found = (await graphql(http, q, **draft))["provenance"]
        assert found["domain"] == 1 and found["changes"][0]["actorName"]


async def test_modules_and_source_systems_are_readable(migrated_database_url: str) -> None:
    settings = Settings(database_url=migrated_database_url, environment="test")
    async with serve(settings, PUBLIC) as http:
        data = await graphql(
            http,
            "{ modules { code nameEn owner { unitEn divisionEn phone extensions } } "
            "sourceSystems { code scope fields } }",
        )
    owners = {m["code"]: m["owner"] for m in data["modules"]}
    assert set(owners) == {"INFO", "LPA7", "KPI16", "MISSIONS"}
    assert owners["INFO"] == owners["LPA7"]
    assert owners["KPI16"]["extensions"] == ["4116"]
    assert "Infrastructure" in owners["KPI16"]["unitEn"]
    assert "Subsidy" in owners["MISSIONS"]["unitEn"]
    systems = {s["code"]: s for s in data["sourceSystems"]}
    assert systems["LHR"]["scope"] == "pulled:lhr"
    assert systems["LHR"]["fields"] == ["governance.staff"]
    assert systems["ALLOWANCE"]["fields"] == [
        "socialCulture.elderlyAllowanceRecipients",
        "socialCulture.disabilityAllowanceRecipients",
    ]


async def test_a_batch_over_many_laos_inserts_and_updates_in_bulk(fresh_demo_url: str) -> None:
    """A year opened without the last one's data has no sections: a batch starts them; a
    later batch updates only what changed; the log explains both."""
    from hub.db.models import SECTION_TABLES, Lao
    from hub.rules.source_systems import DeliveredRow
    from hub.services import audit, pulled

    url = fresh_demo_url
    places = await _places(url)
    year = places.year + 1
    engine = create_engine(url)
    try:
        await fiscal_years.open_year(
            engine, DLA, year_be=year, record_deadline=dt.date(year - 543, 3, 31)
        )
        async with engine.connect() as conn:
            codes = list(
                (
                    await conn.execute(
                        select(Lao.code).where(Lao.code.is_not(None)).order_by(Lao.code).limit(6)
                    )
                ).scalars()
            )
        fields = ("elderlyAllowanceRecipients", "disabilityAllowanceRecipients")
        rows = [
            DeliveredRow(code, year, fields[i % 2], str(100 + i), None)
            for i, code in enumerate(codes)
        ]
        operator = audit.command_actor("pulled import")
        first = await pulled.deliver(
            engine, source="ALLOWANCE", batch="a-1", rows=rows, actor=operator
        )
        assert (first.values, first.changed) == (6, 6)
        rows[0] = DeliveredRow(codes[0], year, fields[0], "999", None)
        second = await pulled.deliver(
            engine, source="ALLOWANCE", batch="a-2", rows=rows, actor=operator
        )
        assert second.values == 6 and not second.already_delivered
        table = SECTION_TABLES[7]
        async with engine.connect() as conn:
            stored = (
                await conn.execute(
                    select(table.c.elderly_allowance_recipients)
                    .join(LaoYear, LaoYear.id == table.c.lao_year_id)
                    .join(Lao, Lao.id == LaoYear.lao_id)
                    .where(Lao.code == codes[0], LaoYear.fiscal_year == year)
                )
            ).scalar_one()
        assert stored == 999
        report = await state_replay.verify_state(engine)
        assert report.ok, [u.describe() for u in report.unexplained[:3]]
    finally:
        await engine.dispose()

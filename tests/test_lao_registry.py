"""The LAO registry as dated history, over GraphQL on SQLite and PostgreSQL: DLA records an
upgrade, a code change, a name change and a merger; reads "as of" a day answer with the LAO
as it was; former codes keep finding it; every refusal is typed and changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, Lao
from hub.rules.enums import LaoType, Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.services import audit
from hub.settings import Settings
from tests.conftest import graphql, serve

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))

UPGRADE = """
mutation($code: String!, $newCode: String, $name: String, $on: Date!) {
  recordLaoTypeChange(laoCode: $code, newType: SUBDISTRICT_MUNICIPALITY, effectiveOn: $on,
      newCode: $newCode, newNameTh: $name, reason: "ประกาศกระทรวงมหาดไทย") {
    __typename
    ... on LaoRegistryChanged { effectiveOn lao { code type nameTh } }
    ... on RegistryConflict { field reason message messageTh }
    ... on ValidationFailed { errors { path code } }
    ... on MutationError { message messageTh }
  }
}"""

AS_OF = """
query($code: String!, $before: Date!, $after: Date!) {
  lao(code: $code) {
    code type nameTh
    before: asOf(date: $before) { date code type nameTh merged }
    after: asOf(date: $after) { date code type nameTh merged }
    codeHistory { code validFrom validTo }
    typeHistory { type validFrom validTo }
    nameHistory { nameTh validFrom validTo }
  }
}"""


async def _an_sao(url: str) -> tuple[str, str]:
    """An SAO of Samut Prakan (11) never re-coded in the demo: its code and name."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Lao.code, Lao.name_th)
                    .where(Lao.type == LaoType.SAO, Lao.code.like("611%"))
                    .order_by(Lao.code)
                    .limit(1)
                )
            ).one()
        return str(row.code), str(row.name_th)
    finally:
        await engine.dispose()


async def _log_count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one()
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def hub(fresh_demo_url: str) -> AsyncIterator[Any]:
    async with serve(Settings(database_url=fresh_demo_url, environment="test"), DLA) as client:
        yield client


async def test_an_sao_upgraded_mid_year_reads_as_an_sao_before_and_a_municipality_after(
    fresh_demo_url: str,
) -> None:
    code, name = await _an_sao(fresh_demo_url)
    new_code = "5" + code[1:5] + "99"
    new_name = name.replace("องค์การบริหารส่วนตำบล", "เทศบาลตำบล")
    before_log = await _log_count(fresh_demo_url)
    settings = Settings(database_url=fresh_demo_url, environment="test")
    async with serve(settings, DLA) as hub:
        answer = await graphql(
            hub, UPGRADE, code=code, newCode=new_code, name=new_name, on="2026-04-01"
        )
        changed = answer["recordLaoTypeChange"]
        assert changed["__typename"] == "LaoRegistryChanged", changed
        assert changed["effectiveOn"] == "2026-04-01"
        assert changed["lao"] == {
            "code": new_code,
            "type": "SUBDISTRICT_MUNICIPALITY",
            "nameTh": new_name,
        }
    # Anyone reads it, by the new code and by the former one alike.
    async with serve(settings, PUBLIC) as public:
        for lookup in (new_code, code):
            lao = (
                await graphql(public, AS_OF, code=lookup, before="2026-03-31", after="2026-04-01")
            )["lao"]
            assert (lao["code"], lao["type"], lao["nameTh"]) == (
                new_code,
                "SUBDISTRICT_MUNICIPALITY",
                new_name,
            )
            assert lao["before"] == {
                "date": "2026-03-31",
                "code": code,
                "type": "SAO",
                "nameTh": name,
                "merged": False,
            }
            assert lao["after"] == {
                "date": "2026-04-01",
                "code": new_code,
                "type": "SUBDISTRICT_MUNICIPALITY",
                "nameTh": new_name,
                "merged": False,
            }
            assert lao["codeHistory"][-2:] == [
                {"code": code, "validFrom": "2010-01-01", "validTo": "2026-04-01"},
                {"code": new_code, "validFrom": "2026-04-01", "validTo": None},
            ]
            assert lao["typeHistory"][-1] == {
                "type": "SUBDISTRICT_MUNICIPALITY",
                "validFrom": "2026-04-01",
                "validTo": None,
            }
            assert lao["nameHistory"] == [
                {"nameTh": name, "validFrom": "2010-01-01", "validTo": "2026-04-01"},
                {"nameTh": new_name, "validFrom": "2026-04-01", "validTo": None},
            ]
        # The LAO's change log says who, what and why (to those who read its history).
    assert await _log_count(fresh_demo_url) == before_log + 1
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            entry = (
                await conn.execute(
                    select(ChangeLogEntry.__table__).order_by(ChangeLogEntry.id.desc()).limit(1)
                )
            ).one()
        assert entry.action == "registry_type_change"
        assert entry.reason == "ประกาศกระทรวงมหาดไทย"
        assert json.loads(entry.changes_json) == {
            "type": ["SAO", "SUBDISTRICT_MUNICIPALITY"],
            "code": [code, new_code],
            "nameTh": [name, new_name],
            "effectiveOn": [None, "2026-04-01"],
        }
        assert (await audit.verify(engine)).ok
    finally:
        await engine.dispose()


async def test_code_and_name_changes_are_dated_and_the_former_code_finds_the_lao(hub: Any) -> None:
    lao = (
        await graphql(
            hub,
            '{ laos(filter: {provinceCode: "11", type: SAO}, first: 1) { edges { node { code nameTh } } } }',
        )
    )["laos"]["edges"][0]["node"]
    code = lao["code"]
    renamed = lao["nameTh"] + "ใหม่"
    new_code = code[:5] + "98"
    answer = await graphql(
        hub,
        """mutation($code: String!, $new: String!) {
          recordLaoCodeChange(laoCode: $code, newCode: $new, effectiveOn: "2025-10-01") {
            __typename ... on LaoRegistryChanged { lao { code } } } }""",
        code=code,
        new=new_code,
    )
    assert answer["recordLaoCodeChange"] == {
        "__typename": "LaoRegistryChanged",
        "lao": {"code": new_code},
    }
    # The rename names the LAO by its former code.
    answer = await graphql(
        hub,
        """mutation($code: String!, $name: String!) {
          recordLaoNameChange(laoCode: $code, newNameTh: $name, effectiveOn: "2026-01-15") {
            __typename ... on LaoRegistryChanged { lao { code nameTh } } } }""",
        code=code,
        name=renamed + "  ",
    )
    assert answer["recordLaoNameChange"]["lao"] == {"code": new_code, "nameTh": renamed}
    read = await graphql(
        hub,
        """query($code: String!) { lao(code: $code) { code
            a: asOf(date: "2025-09-30") { code nameTh }
            b: asOf(date: "2025-10-01") { code nameTh }
            c: asOf(date: "2026-01-15") { code nameTh } } }""",
        code=code,
    )
    assert read["lao"] == {
        "code": new_code,
        "a": {"code": code, "nameTh": lao["nameTh"]},
        "b": {"code": new_code, "nameTh": lao["nameTh"]},
        "c": {"code": new_code, "nameTh": renamed},
    }


MERGE = """
mutation($code: String!, $into: String!, $on: Date!) {
  recordLaoMerger(laoCode: $code, successorCode: $into, effectiveOn: $on, reason: "รวม อปท.") {
    __typename
    ... on LaoRegistryChanged { effectiveOn lao { code mergedInto { effectiveOn successor { code } } } }
    ... on RegistryConflict { field reason }
    ... on ValidationFailed { errors { path code } }
  }
}"""


async def test_a_merger_leaves_the_absorbed_lao_readable_as_merged_into_its_successor(
    hub: Any, fresh_demo_url: str
) -> None:
    saos = (
        await graphql(
            hub,
            '{ laos(filter: {provinceCode: "11", type: SAO}, first: 2) { edges { node { code } } } }',
        )
    )["laos"]["edges"]
    absorbed, successor = (e["node"]["code"] for e in saos)
    answer = await graphql(hub, MERGE, code=absorbed, into=successor, on="2026-06-01")
    assert answer["recordLaoMerger"] == {
        "__typename": "LaoRegistryChanged",
        "effectiveOn": "2026-06-01",
        "lao": {
            "code": absorbed,
            "mergedInto": {"effectiveOn": "2026-06-01", "successor": {"code": successor}},
        },
    }
    read = await graphql(
        hub,
        """query($a: String!, $s: String!) {
          a: lao(code: $a) { type
            before: asOf(date: "2026-05-31") { code type merged mergedInto { code } }
            after: asOf(date: "2026-06-01") { code type merged mergedInto { code } }
            codeHistory { code validTo } }
          s: lao(code: $s) { absorbed { effectiveOn absorbed { code } } mergedInto { effectiveOn } } }""",
        a=absorbed,
        s=successor,
    )
    assert read["a"]["before"] == {
        "code": absorbed,
        "type": "SAO",
        "merged": False,
        "mergedInto": None,
    }
    assert read["a"]["after"] == {
        "code": absorbed,
        "type": "SAO",
        "merged": True,
        "mergedInto": {"code": successor},
    }
    assert read["a"]["codeHistory"][-1] == {"code": absorbed, "validTo": "2026-06-01"}
    assert read["s"] == {
        "absorbed": [{"effectiveOn": "2026-06-01", "absorbed": {"code": absorbed}}],
        "mergedInto": None,
    }
    # The planned path (`Lao.asOf` over the request's DataLoaders, the successor read by id)
    # answers both LAOs, either side of the merger, as the resolvers do.
    either_side = """query($a: String!, $s: String!) { laos(filter: {provinceCode: "11"},
        first: 1000) { edges { node { code
          then: asOf(date: "2026-06-01") { code merged merger { effectiveOn absorbed { code }
            successor { code nameTh } } mergedInto { code year(fiscalYear: 2568) { state } } }
          before: asOf(date: "2026-05-31") { merged mergedInto { code } } } } }
        a: lao(code: $a) { asOf(date: "2027-01-01") { mergedInto { code } } }
        s: lao(code: $s) { asOf(date: "2027-01-01") { merged } } }"""
    planned = await graphql(hub, either_side, a=absorbed, s=successor)
    settings = Settings(database_url=fresh_demo_url, environment="test", planner=False)
    async with serve(settings, DLA) as resolvers:
        assert await graphql(resolvers, either_side, a=absorbed, s=successor) == planned
    assert planned["a"]["asOf"]["mergedInto"] == {"code": successor}
    # Lists may leave merged LAOs out, or list only them.
    listed = """query($merged: Boolean) { laos(filter: {provinceCode: "11", merged: $merged},
        first: 1000) { totalCount edges { node { code } } } }"""
    merged_only = (await graphql(hub, listed, merged=True))["laos"]
    standing = (await graphql(hub, listed, merged=False))["laos"]
    everyone = (await graphql(hub, listed, merged=None))["laos"]
    assert [e["node"]["code"] for e in merged_only["edges"]] == [absorbed]
    assert absorbed not in [e["node"]["code"] for e in standing["edges"]]
    assert standing["totalCount"] + 1 == everyone["totalCount"]
    # A merged LAO records nothing more, and is merged only once.
    again = await graphql(hub, MERGE, code=absorbed, into=successor, on="2026-07-01")
    assert again["recordLaoMerger"] == {
        "__typename": "RegistryConflict",
        "field": "laoCode",
        "reason": "MERGED",
    }
    upgrade = await graphql(hub, UPGRADE, code=absorbed, newCode=None, name=None, on="2026-07-01")
    assert upgrade["recordLaoTypeChange"]["__typename"] == "RegistryConflict"
    assert upgrade["recordLaoTypeChange"]["reason"] == "MERGED"
    into_itself = await graphql(hub, MERGE, code=successor, into=successor, on="2026-07-01")
    assert into_itself["recordLaoMerger"] == {
        "__typename": "RegistryConflict",
        "field": "successorCode",
        "reason": "SAME_LAO",
    }


async def test_every_refusal_is_typed_and_changes_nothing(fresh_demo_url: str) -> None:
    code, _ = await _an_sao(fresh_demo_url)
    settings = Settings(database_url=fresh_demo_url, environment="test")
    province_officer = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=1))
    before = await _log_count(fresh_demo_url)

    async def upgrade(client: Any, **variables: Any) -> dict[str, Any]:
        values = {"code": code, "newCode": None, "name": None, "on": "2026-04-01"}
        answer = await graphql(client, UPGRADE, **{**values, **variables})
        return dict(answer["recordLaoTypeChange"])

    for identity in (province_officer, PUBLIC):
        async with serve(settings, identity) as client:
            not_dla = await upgrade(client)
            assert not_dla["__typename"] == "Forbidden" and not_dla["messageTh"]
    async with serve(settings, DLA) as hub:
        other = (
            await graphql(
                hub,
                '{ laos(filter: {provinceCode: "11", type: SAO}, first: 2) { edges { node { code } } } }',
            )
        )["laos"]["edges"][1]["node"]["code"]
        assert (await upgrade(hub, code="6999999"))["__typename"] == "NotFound"
        early = await upgrade(hub, on="2009-12-31")
        assert early["__typename"] == "RegistryConflict" and early["messageTh"]
        assert (early["field"], early["reason"]) == ("effectiveOn", "DATE_CONFLICT")
        future = await upgrade(hub, on="2999-01-01")
        assert future["errors"] == [{"path": "effectiveOn", "code": "IN_THE_FUTURE"}]
        taken = await upgrade(hub, newCode="5" + other[1:])
        assert (taken["field"], taken["reason"]) == ("newCode", "CODE_TAKEN")
        wrong_digit = await upgrade(hub, newCode="6" + code[1:5] + "77")
        assert wrong_digit["errors"] == [{"path": "newCode", "code": "WRONG_TYPE_DIGIT"}]
        assert (await upgrade(hub, newCode="51"))["errors"] == [
            {"path": "newCode", "code": "INVALID"}
        ]
        assert (await upgrade(hub, name="   "))["errors"] == [
            {"path": "newNameTh", "code": "REQUIRED"}
        ]
        down = await graphql(
            hub,
            """mutation($code: String!) { recordLaoTypeChange(laoCode: $code, newType: PAO,
                effectiveOn: "2026-04-01") { __typename ... on ValidationFailed { errors { path code } } } }""",
            code=code,
        )
        assert down["recordLaoTypeChange"]["errors"] == [
            {"path": "newType", "code": "NOT_AN_UPGRADE"}
        ]
        same = await graphql(
            hub,
            """mutation($code: String!) { recordLaoTypeChange(laoCode: $code, newType: SAO,
                effectiveOn: "2026-04-01") { __typename ... on RegistryConflict { reason } } }""",
            code=code,
        )
        assert same["recordLaoTypeChange"] == {
            "__typename": "RegistryConflict",
            "reason": "UNCHANGED",
        }
        # Nothing was written by any refusal.
        lao = (await graphql(hub, AS_OF, code=code, before="2026-03-31", after="2026-04-01"))["lao"]
        assert lao["type"] == "SAO" and lao["code"] == code
        assert lao["after"]["type"] == "SAO"
        assert lao["nameHistory"] == []
    assert await _log_count(fresh_demo_url) == before


async def test_as_of_reads_are_batched_whatever_the_page_size(demo_client: Any) -> None:
    query = """query($n: Int!) { laos(filter: {provinceCode: "11"}, first: $n) { edges { node {
        code asOf(date: "2020-01-01") { code type nameTh merged mergedInto { code } }
        nameHistory { nameTh } absorbed { effectiveOn } mergedInto { effectiveOn } } } } }"""
    counts = []
    for size in (3, 30):
        statements: list[str] = []

        def count(*args: Any, statements: list[str] = statements) -> None:
            statements.append(args[2])

        event.listen(Engine, "before_cursor_execute", count)
        try:
            data = await graphql(demo_client, query, n=size)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        assert len(data["laos"]["edges"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_two_laos_taking_one_code_at_once_get_it_once(hub: Any) -> None:
    saos = (
        await graphql(
            hub,
            '{ laos(filter: {provinceCode: "11", type: SAO}, first: 2) { edges { node { code } } } }',
        )
    )["laos"]["edges"]
    first, second = (e["node"]["code"] for e in saos)
    wanted = first[:5] + "97"
    change = """mutation($code: String!, $new: String!) {
      recordLaoCodeChange(laoCode: $code, newCode: $new, effectiveOn: "2026-02-01") {
        __typename ... on RegistryConflict { field reason } } }"""
    answers = await asyncio.gather(
        graphql(hub, change, code=first, new=wanted),
        graphql(hub, change, code=second, new=wanted),
    )
    kinds = sorted(a["recordLaoCodeChange"]["__typename"] for a in answers)
    assert kinds == ["LaoRegistryChanged", "RegistryConflict"]
    conflict = next(
        a["recordLaoCodeChange"]
        for a in answers
        if a["recordLaoCodeChange"]["__typename"] == "RegistryConflict"
    )
    assert conflict == {
        "__typename": "RegistryConflict",
        "field": "newCode",
        "reason": "CODE_TAKEN",
    }

"""KPI-16 coverage kept current (`hub.db.kpi16_counts`): every write that moves a reference's
match moves the stored match and the counts in its own transaction, and the counts are what
the records give (`verify`), on both databases, over real HTTP.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from hub.db import kpi16_counts
from hub.db.engine import create_engine
from hub.db.models import Kpi16Reference, Kpi16Round, Province
from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from hub.rules.kpi16 import Coverage
from tests.conftest import graphql, serve
from tests.small_world import counting_statements
from tests.test_record_import import (
    NEW_SYSTEM,
    Place,
    _lao,
    as_file,
    recorder,
    run_import,
    settings,
)

RESULT = """__typename ... on MutationError { message }
  ... on RecordSaved { recordId recordVersion version }"""
ADD = f"""mutation($code: String!, $year: Int!, $version: Int!, $data: WaterSupplySystemInput!) {{
  r: addWaterSupplySystem(laoCode: $code, fiscalYear: $year, version: $version, data: $data)
  {{ {RESULT} }} }}"""
UPDATE = f"""mutation($code: String!, $year: Int!, $version: Int!, $id: Int!, $rv: Int!,
  $data: WaterSupplySystemInput!) {{
  r: updateWaterSupplySystem(laoCode: $code, fiscalYear: $year, version: $version,
    recordId: $id, recordVersion: $rv, data: $data) {{ {RESULT} }} }}"""
RETIRE = f"""mutation($code: String!, $year: Int!, $version: Int!, $id: Int!, $rv: Int!) {{
  r: retireWaterSupplySystem(laoCode: $code, fiscalYear: $year, version: $version,
    recordId: $id, recordVersion: $rv, reason: "รื้อถอนแล้ว") {{ {RESULT} }} }}"""
BASELINE = """mutation($y: Int!, $p: String!, $csv: String!) {
  r: importKpi16Baseline(fiscalYear: $y, provinceCode: $p, csv: $csv, roundNo: 1) {
    __typename ... on Kpi16BaselineImported { references } } }"""
VERSION = """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
  version } } }"""


async def _missing_codes(url: str, place: Place) -> tuple[int, dt.date, list[str]]:
    """The open year's round, its opening day, and codes of its list for the LAO's province
    that no record carries (stored as not recorded)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            round_id, opened = (
                await conn.execute(
                    select(Kpi16Round.id, Kpi16Round.opened_on).where(
                        Kpi16Round.fiscal_year == place.year
                    )
                )
            ).one()
            codes = (
                await conn.execute(
                    select(Kpi16Reference.reference_code)
                    .where(
                        Kpi16Reference.round_id == round_id,
                        Kpi16Reference.province_id == place.province_id,
                        Kpi16Reference.recorded.is_(False),
                    )
                    .order_by(Kpi16Reference.id)
                    .limit(3)
                )
            ).scalars()
            return round_id, opened, list(codes)
    finally:
        await engine.dispose()


async def _kept(url: str, round_id: int, province_id: int) -> tuple[Coverage, Coverage, list]:
    """(the province's kept coverage, the nation's, the differences `verify` finds)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            province = (await kpi16_counts.coverage(conn, round_id, "province"))[province_id]
            nation = (await kpi16_counts.coverage(conn, round_id, "nation"))[None]
            return province, nation, await kpi16_counts.verify(conn)
    finally:
        await engine.dispose()


def _moved(before: Coverage, after: Coverage) -> tuple[int, int, int]:
    return (
        after.reference_systems - before.reference_systems,
        after.recorded - before.recorded,
        after.checked - before.checked,
    )


async def test_the_demo_s_counts_are_what_its_records_give(fresh_demo_url):
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            assert await kpi16_counts.verify(conn) == []
    finally:
        await engine.dispose()


async def test_adding_checking_recoding_and_retiring_a_record_move_the_counts(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    round_id, opened, (code, other_code, _) = await _missing_codes(fresh_demo_url, place)
    start_p, start_n, differences = await _kept(fresh_demo_url, round_id, place.province_id)
    assert differences == []

    async def save(c, mutation: str, **variables) -> dict:
        version = (await graphql(c, VERSION, code=place.code, year=place.year))["lao"]["year"]
        result = (
            await graphql(
                c,
                mutation,
                code=place.code,
                year=place.year,
                version=version["version"],
                **variables,
            )
        )["r"]
        assert result["__typename"] == "RecordSaved", result
        return result

    steps = []
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        checked = {**NEW_SYSTEM, "dlaReferenceCode": code, "lastCheckedOn": opened.isoformat()}
        saved = await save(c, ADD, data=checked)
        steps.append(await _kept(fresh_demo_url, round_id, place.province_id))
        stale = {**checked, "lastCheckedOn": (opened - dt.timedelta(days=1)).isoformat()}
        saved = await save(c, UPDATE, id=saved["recordId"], rv=saved["recordVersion"], data=stale)
        steps.append(await _kept(fresh_demo_url, round_id, place.province_id))
        recoded = {**stale, "dlaReferenceCode": other_code}
        saved = await save(c, UPDATE, id=saved["recordId"], rv=saved["recordVersion"], data=recoded)
        steps.append(await _kept(fresh_demo_url, round_id, place.province_id))
        renamed = {**recoded, "name": "ประปาหมู่บ้าน ชื่อใหม่"}  # moves no match
        saved = await save(c, UPDATE, id=saved["recordId"], rv=saved["recordVersion"], data=renamed)
        steps.append(await _kept(fresh_demo_url, round_id, place.province_id))
        await save(c, RETIRE, id=saved["recordId"], rv=saved["recordVersion"])
        steps.append(await _kept(fresh_demo_url, round_id, place.province_id))

    moves = [(_moved(start_p, p), _moved(start_n, n), d) for p, n, d in steps]
    assert moves == [
        ((0, 1, 1), (0, 1, 1), []),  # recorded, and checked since the round opened
        ((0, 1, 0), (0, 1, 0), []),  # its check now predates the round
        ((0, 1, 0), (0, 1, 0), []),  # the other code recorded, the first missing again
        ((0, 1, 0), (0, 1, 0), []),
        ((0, 0, 0), (0, 0, 0), []),  # retired: missing again
    ]


async def test_a_file_of_records_moves_the_counts_once(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    round_id, opened, codes = await _missing_codes(fresh_demo_url, place)
    start, _, _ = await _kept(fresh_demo_url, round_id, place.province_id)
    lines = [
        {**NEW_SYSTEM, "name": f"ประปา {n}", "dlaReferenceCode": code, "lastCheckedOn": opened}
        for n, code in enumerate(codes)
    ]
    async with serve(settings(fresh_demo_url), recorder(place)) as c:
        version = (await graphql(c, VERSION, code=place.code, year=place.year))["lao"]["year"]
        result = await run_import(c, place, version["version"], as_file(lines), dry=False)
    assert result["__typename"] == "RecordsImported", result
    after, _, differences = await _kept(fresh_demo_url, round_id, place.province_id)
    assert (_moved(start, after), differences) == ((0, 3, 3), [])


async def test_a_new_reference_list_is_matched_and_counted_on_import(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    round_id, _, _ = await _missing_codes(fresh_demo_url, place)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            carried = (
                await conn.execute(
                    select(Kpi16Reference.reference_code).where(
                        Kpi16Reference.round_id == round_id,
                        Kpi16Reference.recorded.is_(True),
                        Kpi16Reference.province_id == place.province_id,
                    )
                )
            ).scalar()
            code_of_province = (
                await conn.execute(select(Province.code).where(Province.id == place.province_id))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert carried is not None
    # The province's list becomes two systems: one its records carry, one nobody's.
    csv = (
        "reference_code,lao_code,village_number,name,latitude,longitude\n"
        f"{carried},{place.code},,ประปา ก,,\nNOBODY-1,{place.code},,ประปา ข,,\n"
    )
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    async with serve(settings(fresh_demo_url), dla) as c:
        result = (await graphql(c, BASELINE, y=place.year, p=code_of_province, csv=csv))["r"]
    assert result == {"__typename": "Kpi16BaselineImported", "references": 2}
    province, _, differences = await _kept(fresh_demo_url, round_id, place.province_id)
    assert (province.reference_systems, province.recorded, differences) == (2, 1, [])


async def test_a_round_s_coverage_is_read_from_its_counts_not_its_records(fresh_demo_url):
    """The national roll-up no longer matches the whole round's records per request: one
    statement over the counts (it was one over every live water record of the year)."""
    place = await _lao(fresh_demo_url)
    round_id, _, _ = await _missing_codes(fresh_demo_url, place)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            with counting_statements(engine) as statements:
                await kpi16_counts.coverage(conn, round_id, "province")
    finally:
        await engine.dispose()
    assert len(statements) == 1
    assert "kpi16_counts" in statements[0] and "water_supply_systems" not in statements[0]


async def test_verify_names_a_count_or_a_match_the_records_do_not_give(fresh_demo_url):
    place = await _lao(fresh_demo_url)
    round_id, _, (code, _, _) = await _missing_codes(fresh_demo_url, place)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(Kpi16Reference)
                .where(Kpi16Reference.round_id == round_id, Kpi16Reference.reference_code == code)
                .values(recorded=True)
            )
        async with engine.connect() as conn:
            found = [str(d) for d in await kpi16_counts.verify(conn)]
        assert len(found) == 1 and "recorded=True" in found[0], found
        async with engine.begin() as conn:
            await kpi16_counts.rebuild(conn, [round_id])
        async with engine.connect() as conn:
            assert await kpi16_counts.verify(conn) == []
    finally:
        await engine.dispose()

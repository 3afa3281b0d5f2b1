"""The LPA rules counted per area over time (`hub.db.lpa_tallies`) and the LAO-years per
certification state (`hub.db.certification_counts`): every entry of the history moves them
in its own transaction, the figures read from them are the ones every LAO's history and
LAO-year give, and `verify` finds none astray — on both databases, over real HTTP where the
history is written.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update

from hub.db import certification_counts, lpa_tallies, rollups
from hub.db.engine import create_engine
from hub.db.models import LaoYear, LpaTallyNow
from hub.rules.catalogue import DOMAINS
from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from hub.services.fiscal_years import open_year
from tests.conftest import graphql, serve
from tests.small_world import counting_statements
from tests.test_data_entry import (
    CANCEL_LAO,
    CANCEL_PROVINCE,
    CERTIFY_LAO,
    CERTIFY_PROVINCE,
    _draft_lao,
    clerk,
    officer,
    save_mutation,
    settings,
)


async def _figures(url: str, year: int, moments: list[dt.datetime]) -> list:
    """Per moment and breakdown, the kept distribution and the history's; per breakdown, the
    kept certification progress and the LAO-years'; and what `verify` finds in both."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            pairs = [
                (
                    await rollups.lpa_distribution(conn, year, moment, by),
                    await rollups.lpa_distribution_from_history(conn, year, moment, by),
                )
                for moment in moments
                for by in ("nation", "province", "district")
            ]
            states = [
                (
                    await rollups.certification_progress(conn, year, by),
                    await rollups.certification_progress_from_rows(conn, year, by),
                )
                for by in ("nation", "province", "district")
            ]
            differences = await lpa_tallies.verify(conn) + await certification_counts.verify(conn)
            return [pairs + states, differences]
    finally:
        await engine.dispose()


def _agree(figures: list) -> None:
    pairs, differences = figures
    assert differences == []
    for kept, from_history in pairs:
        assert kept == from_history


async def _tally(url: str, year: int, province_id: int, rule: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            laos = (
                await conn.execute(
                    select(LpaTallyNow.laos).where(
                        LpaTallyNow.fiscal_year == year,
                        LpaTallyNow.level == "province",
                        LpaTallyNow.area_id == province_id,
                        LpaTallyNow.rule == rule,
                    )
                )
            ).scalar_one_or_none()
            return int(laos or 0)
    finally:
        await engine.dispose()


async def test_the_demo_s_tallies_are_what_its_history_gives(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    moments = [dt.datetime(lao.year - 544, 10, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC)]
    _agree(await _figures(fresh_demo_url, lao.year, moments))


async def test_certifying_cancelling_and_editing_move_the_tallies(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url, incomplete=False)
    url = settings(fresh_demo_url)
    counted = ("COMPLETE_NOT_CERTIFIED", "COMPLETE_LAO_CERTIFIED", "RECORDED_NOT_CERTIFIED")

    async def tallies() -> tuple[int, ...]:
        return tuple([await _tally(fresh_demo_url, lao.year, lao.province_id, r) for r in counted])

    moments = [dt.datetime.now(dt.UTC)]
    seen = [await tallies()]
    async with serve(url, clerk(lao)) as verifier, serve(url, officer(lao.province_id)) as province:
        reason = {"code": lao.code, "year": lao.year, "reason": "แก้ไขข้อมูล"}
        certified = (await graphql(verifier, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        assert certified["state"] == "LAO_CERTIFIED", certified
        moments.append(dt.datetime.now(dt.UTC))
        seen.append(await tallies())
        items = [{"laoCode": lao.code, "fiscalYear": lao.year}]
        [item] = (await graphql(province, CERTIFY_PROVINCE, items=items))["certifyProvince"]
        assert item["result"]["state"] == "PROVINCE_CERTIFIED", item
        cancelled = (await graphql(province, CANCEL_PROVINCE, **reason))["result"]
        cancelled = (await graphql(verifier, CANCEL_LAO, **reason))["result"]
        assert cancelled["state"] == "DRAFT", cancelled
        moments.append(dt.datetime.now(dt.UTC))
        seen.append(await tallies())
        cleared = (
            await graphql(
                verifier,
                save_mutation(DOMAINS[0]),
                code=lao.code,
                year=lao.year,
                version=cancelled["version"],
                data={"villageHealthVolunteers": None},
            )
        )["result"]
        assert cleared["__typename"] == "SectionSaved", cleared
        moments.append(dt.datetime.now(dt.UTC))
        seen.append(await tallies())
    first = seen[0]
    assert [tuple(n - f for n, f in zip(s, first, strict=True)) for s in seen] == [
        (0, 0, 0),
        (-1, 1, 0),  # complete, now certified by the LAO
        (0, 0, 0),  # certified by both, then both cancelled: complete and draft again
        (-1, 0, 1),  # a required field cleared: recorded, not complete
    ]
    _agree(await _figures(fresh_demo_url, lao.year, moments))


def test_a_year_opened_from_the_last_is_tallied(fresh_demo_url):
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))

    async def open_next() -> list:
        engine = create_engine(fresh_demo_url, writer=True)
        try:
            await open_year(
                engine, dla, year_be=2571, record_deadline=dt.date(2028, 6, 15), copy_previous=True
            )
        finally:
            await engine.dispose()
        return await _figures(fresh_demo_url, 2571, [dt.datetime.now(dt.UTC)])

    figures = asyncio.run(open_next())
    _agree(figures)
    kept = figures[0][0][0][None]
    assert sum(n for score, n in kept.items() if score > 0) > 0  # copied data counts


async def test_the_distribution_reads_the_tallies_not_every_lao_s_history(fresh_demo_url):
    """One statement, over the tallies and the LAOs: it used to match every LAO's
    certification events and completeness entries to the moment."""
    lao = await _draft_lao(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            with counting_statements(engine) as statements:
                await rollups.lpa_distribution(conn, lao.year, dt.datetime.now(dt.UTC))
    finally:
        await engine.dispose()
    [statement] = statements
    assert "lpa_tallies" in statement
    assert "certification_events" not in statement and "completeness_history" not in statement


async def test_verify_names_a_tally_the_history_does_not_give_and_rebuild_mends_it(
    fresh_demo_url,
):
    lao = await _draft_lao(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(LpaTallyNow)
                .where(LpaTallyNow.fiscal_year == lao.year, LpaTallyNow.level == "district")
                .values(laos=LpaTallyNow.laos + 1)
            )
        async with engine.connect() as conn:
            found = await lpa_tallies.verify(conn)
        assert found and all(f"LPA tally {lao.year} district" in f for f in found), found[:3]
        async with engine.begin() as conn:
            years = (await conn.execute(select(LaoYear.fiscal_year).distinct())).scalars()
            await lpa_tallies.rebuild(conn, list(years))
        async with engine.connect() as conn:
            assert await lpa_tallies.verify(conn) == []
    finally:
        await engine.dispose()

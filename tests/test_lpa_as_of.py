"""A past LPA score never changes afterwards: it is a function of the history up to its date.

The regression of issue 10, defect 9, over real HTTP on both databases: an LAO certifies, its
province certifies, both cancel and a required field is cleared; the score as of the moment
the province certified stays 5 (it read 1, RECORDED_NOT_CERTIFIED, because the completeness
used was today's).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from hub.rules.catalogue import DOMAINS
from tests.conftest import graphql, serve
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
    status,
)

SCORE = """query($code: String!, $year: Int!, $asOf: DateTime) { lao(code: $code) {
  year(fiscalYear: $year) { state lpaScore(asOf: $asOf) { score rule stateAsOf } } } }"""


async def _score(c, lao, as_of: dt.datetime | None) -> dict:
    data = await graphql(
        c, SCORE, code=lao.code, year=lao.year, asOf=as_of.isoformat() if as_of else None
    )
    return data["lao"]["year"]["lpaScore"]


NATIONAL = """query($year: Int!, $asOf: DateTime) {
  nationalStats(fiscalYear: $year, asOf: $asOf) { lpaDistribution { score count } } }"""


async def _national(c, lao, as_of: dt.datetime) -> list[dict]:
    data = await graphql(c, NATIONAL, year=lao.year, asOf=as_of.isoformat())
    return data["nationalStats"]["lpaDistribution"]


async def _after(moment: dt.datetime) -> None:
    """Wait until the clock has passed `moment` (events are stamped to the second)."""
    while dt.datetime.now(dt.UTC) < moment:
        await asyncio.sleep(0.05)


async def test_a_past_score_survives_cancellations_and_later_edits(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url, incomplete=False)
    url = settings(fresh_demo_url)
    async with serve(url, clerk(lao)) as verifier, serve(url, officer(lao.province_id)) as province:
        certified = (await graphql(verifier, CERTIFY_LAO, code=lao.code, year=lao.year))["result"]
        assert certified["state"] == "LAO_CERTIFIED", certified
        items = [{"laoCode": lao.code, "fiscalYear": lao.year}]
        [item] = (await graphql(province, CERTIFY_PROVINCE, items=items))["certifyProvince"]
        assert item["result"]["state"] == "PROVINCE_CERTIFIED", item
        at = dt.datetime.fromisoformat(item["result"]["at"])
        inspected = at + dt.timedelta(milliseconds=500)
        assert await _score(province, lao, inspected) == {
            "score": 5,
            "rule": "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
            "stateAsOf": "PROVINCE_CERTIFIED",
        }
        national = await _national(province, lao, inspected)

        await _after(at + dt.timedelta(seconds=1))
        reason = {"code": lao.code, "year": lao.year, "reason": "แก้ไขข้อมูล"}
        cancelled = (await graphql(province, CANCEL_PROVINCE, **reason))["result"]
        assert cancelled["state"] == "LAO_CERTIFIED", cancelled
        cancelled = (await graphql(verifier, CANCEL_LAO, **reason))["result"]
        assert cancelled["state"] == "DRAFT", cancelled
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
        assert cleared["__typename"] == "SectionSaved" and 1 not in cleared["completeDomains"]
        assert not (await status(verifier, lao))["allDomainsComplete"]

        # As of the inspection moment the data was complete and certified twice: still 5.
        assert await _score(province, lao, inspected) == {
            "score": 5,
            "rule": "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
            "stateAsOf": "PROVINCE_CERTIFIED",
        }
        assert await _national(province, lao, inspected) == national
        # Now it is an incomplete draft.
        assert await _score(province, lao, None) == {
            "score": 1,
            "rule": "RECORDED_NOT_CERTIFIED",
            "stateAsOf": "DRAFT",
        }

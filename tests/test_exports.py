"""Exports: any list as CSV (UTF-8 with a BOM), XLSX and JSON Lines, read through the same
GraphQL operations and permissions as the API, streamed a page at a time; large ones as
background jobs whose state and file are in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from hub.rules.enums import Role
from hub.rules.exports import ExportFormat, export_request
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.settings import Settings
from hub.web import export_lists
from tests.conftest import graphql, serve

DLA = user("demo.dla", RoleGrant(Role.DLA_ADMIN))
AGENCY = client("ministry.export", "domain:5")
COUNT = "query($p: String) { laos(filter: {provinceCode: $p}, first: 1) { totalCount } }"


def _settings(url: str, **kw: object) -> Settings:
    return Settings(database_url=url, environment="test", **kw)  # type: ignore[arg-type]


async def _wait_done(client, location: str) -> dict:
    for _ in range(400):  # bounded: the worker polls every 50 ms
        job = (await client.get(location)).json()
        if job["status"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the export did not finish: {job}")


async def test_csv_has_a_bom_thai_headers_and_the_rows_graphql_shows(fresh_demo_url):
    async with serve(_settings(fresh_demo_url, jobs_worker=False), PUBLIC) as hub:
        total = (await graphql(hub, COUNT, p="11"))["laos"]["totalCount"]
        response = await hub.get("/exports/laos.csv", params={"province": "11"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:2] == ["รหัส อปท.", "ชื่อ อปท."]
        assert len(rows) - 1 == total > 0
        assert {r[5] for r in rows[1:]} == {"11"}


async def test_lao_years_hide_what_the_caller_may_not_read(fresh_demo_url):
    """An agency with only domain 5 gets domain 5's values of certified LAO-years; the other
    domains are empty and uncertified years have no year data, as GraphQL answers."""
    async with serve(_settings(fresh_demo_url, jobs_worker=False), AGENCY) as hub:
        years = (await graphql(hub, "{ fiscalYears { yearBe } }"))["fiscalYears"]
        for year in sorted((y["yearBe"] for y in years), reverse=True):
            response = await hub.get(
                "/exports/lao-years.jsonl", params={"province": "11", "fiscalYear": str(year)}
            )
            assert response.status_code == 200, response.text
            lines = [json.loads(line) for line in response.text.splitlines()]
            assert lines and all(line["provinceCode"] == "11" for line in lines)
            certified = [x for x in lines if x["state"] in ("LAO_CERTIFIED", "PROVINCE_CERTIFIED")]
            hidden = [x for x in lines if x["state"] is None]
            if certified and hidden:
                break
        else:
            raise AssertionError("no year with certified and uncertified LAO-years")
        assert all(x["healthEnvironment.villageHealthVolunteers"] is None for x in lines)
        assert any(x["waterManagement.householdsWithTapWater"] is not None for x in certified)
        assert all(x["waterManagement.householdsWithTapWater"] is None for x in hidden)


async def test_xlsx_and_refusals(fresh_demo_url):
    from openpyxl import load_workbook

    async with serve(_settings(fresh_demo_url, jobs_worker=False), DLA) as hub:
        total = (await graphql(hub, COUNT, p="10"))["laos"]["totalCount"]
        response = await hub.get("/exports/laos.xlsx", params={"province": "10"})
        assert response.status_code == 200, response.text
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "รหัส อปท." and len(rows) - 1 == total
        bad = await hub.get("/exports/laos.csv", params={"province": "1"})
        assert bad.status_code == 400 and "province" in bad.text
        assert (await hub.get("/exports/laos.pdf")).status_code == 400
        assert (await hub.get("/exports/lao-years.csv")).status_code == 400  # fiscalYear


async def test_a_list_longer_than_a_download_is_refused_with_the_way_to_a_job(fresh_demo_url):
    async with serve(
        _settings(fresh_demo_url, jobs_worker=False, export_background_rows=5), DLA
    ) as hub:
        response = await hub.get("/exports/laos.csv")
        assert response.status_code == 413
        assert "/exports/jobs" in response.text


async def test_rows_in_flight_stay_bounded_by_the_page_size(fresh_demo_url):
    async with serve(_settings(fresh_demo_url, jobs_worker=False), DLA) as hub:
        seen = export_lists.RowsInFlight()
        request = export_request("laos", "jsonl", {})
        rows = 0
        async for page, _total in export_lists.pages(hub.app.state, DLA, request, 7, seen):
            rows += len(page)
        assert seen.pages > 3 and seen.peak <= 7 and seen.rows == rows
        assert request.file_format is ExportFormat.JSONL


async def test_a_background_job_runs_and_only_its_owner_downloads_it(fresh_demo_url):
    settings = _settings(
        fresh_demo_url, jobs_worker=True, jobs_poll_interval=0.05, export_page_size=50
    )
    async with serve(settings, DLA) as hub:
        started = await hub.post(
            "/exports/jobs", json={"list": "laos", "format": "csv", "parameters": {}}
        )
        assert started.status_code == 202, started.text
        job = await _wait_done(hub, started.headers["location"])
        assert job["status"] == "DONE" and job["rowsDone"] == job["rowsTotal"] > 50
        file = await hub.get(job["links"]["download"])
        assert file.status_code == 200 and file.content.startswith("\ufeff".encode())
        assert len(file.content.decode("utf-8-sig").splitlines()) == job["rowsDone"] + 1
    async with serve(_settings(fresh_demo_url, jobs_worker=False), AGENCY) as other:
        assert (await other.get(started.headers["location"])).status_code == 404
        assert (await other.get(job["links"]["download"])).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_job_needs_a_signed_in_caller(fresh_demo_url):
    async with serve(_settings(fresh_demo_url, jobs_worker=False), PUBLIC) as hub:
        response = await hub.post(
            "/exports/jobs", json={"list": "laos", "format": "csv", "parameters": {}}
        )
        assert response.status_code == 403

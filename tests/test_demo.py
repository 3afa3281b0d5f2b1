"""The deterministic demo dataset (loaders/demo.py): invariants, idempotency, determinism."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import and_, case, exists, func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.db.engine import create_engine
from hub.db.migrate import upgrade
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    ApiClient,
    CertificationEvent,
    District,
    Kpi16Reference,
    Kpi16Round,
    Lao,
    LaoCode,
    LaoMission,
    LaoMissionEvent,
    LaoTypePeriod,
    LaoYear,
    Mission,
    Province,
    RoleAssignment,
    Subdistrict,
    User,
    Village,
)
from hub.rules.catalogue import DOMAINS, Kind
from hub.rules.catalogue_years import domain_for
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.passwords import verify_password
from loaders.demo import DemoConfig, DemoError, format_credentials, load_demo

SMALL = DemoConfig(provinces=3)


async def _fresh_sqlite(path: Path) -> AsyncEngine:
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    return create_engine(url)


@pytest.fixture(scope="module")
async def small(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple]:
    engine = await _fresh_sqlite(tmp_path_factory.mktemp("demo") / "hub.sqlite3")
    report = await load_demo(engine, SMALL)
    yield engine, report
    await engine.dispose()


async def _rows(engine: AsyncEngine, statement) -> list:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).all())


async def _checksum(engine: AsyncEngine, tables: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    async with engine.connect() as conn:
        for name in tables:
            result = await conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))
            for row in result:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


CHECKED_TABLES = (
    "villages",
    "laos",
    "lao_codes",
    "lao_contacts",
    "lao_years",
    "certification_events",
    "domain1_health_environment",
    "domain5_water_management",
    "domain8_economy_tourism",
    "water_supply_systems",
    "tourist_sites",
    "kpi16_references",
    "lao_missions",
    "users",
    "api_clients",
)


async def test_small_load_counts(small: tuple) -> None:
    engine, report = small
    assert not report.skipped
    counts = report.counts
    # provinces=3 → Bangkok (10), Samut Prakan (11), Nonthaburi (12)
    provinces = await _rows(engine, select(Province.code).join(Lao).distinct())
    assert sorted(p.code for p in provinces) == ["10", "11", "12"]
    types = Counter(t for (t,) in await _rows(engine, select(Lao.type)))
    assert types[LaoType.BANGKOK] == 1
    assert types[LaoType.PAO] == 2
    assert types[LaoType.PATTAYA] == 0
    assert types[LaoType.CITY_MUNICIPALITY] + types[LaoType.TOWN_MUNICIPALITY] >= 2
    assert types[LaoType.SAO] > types[LaoType.SUBDISTRICT_MUNICIPALITY] > 0
    n_laos = sum(types.values())
    assert counts["laos"] == n_laos
    assert counts["lao_years"] == 3 * n_laos
    for table in SECTION_TABLES.values():
        assert counts[table.name] == 3 * n_laos
    assert counts["water_supply_systems"] > 0 and counts["lao_missions"] > 15 * n_laos
    assert counts["missions"] == 245
    assert counts["fiscal_years"] == 3
    # Bangkok's khwaeng have no villages; every other subdistrict has 5–16
    per_sub = await _rows(
        engine,
        select(Subdistrict.id, func.count(Village.id), func.max(Village.number))
        .join(District)
        .join(Province)
        .outerjoin(Village)
        .where(Province.code.in_(["10", "11", "12"]))
        .group_by(Subdistrict.id, Province.code),
    )
    bangkok_subs = {
        s.id
        for s in await _rows(
            engine,
            select(Subdistrict.id).join(District).join(Province).where(Province.code == "10"),
        )
    }
    for sub_id, n, top in per_sub:
        if sub_id in bangkok_subs:
            assert n == 0
        else:
            assert 5 <= n <= 16 and top == n


async def test_lao_codes_follow_the_dla_scheme(small: tuple) -> None:
    engine, _ = small
    laos = await _rows(
        engine,
        select(Lao.id, Lao.code, Lao.type, Province.code.label("p"), District.code.label("d"))
        .join(Province, Province.id == Lao.province_id)
        .join(District, District.id == Lao.district_id),
    )
    codes = [lao.code for lao in laos if lao.code]
    assert len(codes) == len(set(codes)) == len(laos) - 1
    for lao in laos:
        if lao.type is LaoType.BANGKOK:
            assert lao.code is None
            continue
        assert re.fullmatch(r"[2-6]\d{6}", lao.code)
        assert lao.code[0] == lao.type.code_digit
        assert lao.code[1:3] == lao.p
        assert lao.code[3:5] == ("01" if lao.type is LaoType.PAO else lao.d[-2:])
    current = await _rows(
        engine, select(LaoCode.lao_id, LaoCode.code).where(LaoCode.valid_to.is_(None))
    )
    assert {c.lao_id: c.code for c in current} == {lao.id: lao.code for lao in laos if lao.code}
    former = await _rows(engine, select(LaoCode).where(LaoCode.valid_to.is_not(None)))
    periods = await _rows(
        engine, select(LaoTypePeriod.lao_id, LaoTypePeriod.type, LaoTypePeriod.valid_to)
    )
    current_types = {p.lao_id: p.type for p in periods if p.valid_to is None}
    assert current_types == {lao.id: lao.type for lao in laos}
    closed = {p.lao_id: p.type for p in periods if p.valid_to is not None}
    for row in former:
        assert row.code.startswith("6") and closed[row.lao_id] is LaoType.SAO
        assert current_types[row.lao_id] is LaoType.SUBDISTRICT_MUNICIPALITY


async def test_certification_history_replays_to_the_state(small: tuple) -> None:
    engine, _ = small
    years = {
        y.id: y
        for y in await _rows(
            engine,
            select(LaoYear.id, LaoYear.state, LaoYear.complete_domains, LaoYear.data_received_at),
        )
    }
    events = defaultdict(list)
    for e in await _rows(
        engine, select(CertificationEvent).order_by(CertificationEvent.at, CertificationEvent.id)
    ):
        events[e.lao_year_id].append(e)
    for ly_id, year in years.items():
        state = CertificationState.DRAFT
        last = None
        for e in events[ly_id]:
            assert e.from_state is state
            assert last is None or e.at > last
            assert e.actor_role is (
                Role.PROVINCE_OFFICER
                if CertificationState.PROVINCE_CERTIFIED in (e.from_state, e.to_state)
                else Role.LAO_VERIFIER
            )
            state, last = e.to_state, e.at
        assert state is year.state
        if year.state is not CertificationState.DRAFT:
            assert year.complete_domains == 0b11111111
            first = events[ly_id][0]
            assert year.data_received_at.replace(tzinfo=None) == first.at.replace(tzinfo=None)
        else:
            assert year.data_received_at is None
    states = Counter(y.state for y in years.values())
    assert states[CertificationState.DRAFT] and states[CertificationState.LAO_CERTIFIED]
    assert states[CertificationState.PROVINCE_CERTIFIED] > len(years) / 2


def _complete_expression(number: int, fiscal_year: int):  # type: ignore[no-untyped-def]
    domain = domain_for(number, fiscal_year)  # the form of that year (hub.rules.catalogue_years)
    section = SECTION_TABLES[number]
    conditions = [section.c[f.column].is_not(None) for f in domain.fields if f.required]
    for records in domain.record_tables:
        table = RECORD_TABLES[records.name]
        conditions.append(
            or_(
                section.c[records.none_flag].is_(True),
                exists().where(
                    table.c.lao_year_id == section.c.lao_year_id, table.c.retired_on.is_(None)
                ),
            )
        )
    return case((and_(*conditions), 1), else_=0)


async def test_complete_domains_match_the_completeness_rule(small: tuple) -> None:
    engine, _ = small
    masks = {y.id: y.complete_domains for y in await _rows(engine, select(LaoYear))}
    computed: dict[int, int] = defaultdict(int)
    years = {y.fiscal_year for y in await _rows(engine, select(LaoYear.fiscal_year))}
    for number, section in SECTION_TABLES.items():
        counted = 0
        for year in sorted(years):
            rows = await _rows(
                engine,
                select(section.c.lao_year_id, _complete_expression(number, year))
                .join(LaoYear, LaoYear.id == section.c.lao_year_id)
                .where(LaoYear.fiscal_year == year),
            )
            counted += len(rows)
            for ly, complete in rows:
                computed[ly] |= complete << (number - 1)
        assert counted == len(masks)
    assert computed == masks
    drafts = Counter(
        m
        for m, s in await _rows(engine, select(LaoYear.complete_domains, LaoYear.state))
        if s is CertificationState.DRAFT
    )
    assert len(drafts) > 3  # a mix of partial masks


async def test_section_values_respect_the_catalogue(small: tuple) -> None:
    engine, _ = small
    for domain in DOMAINS:
        section = SECTION_TABLES[domain.number]
        for f in domain.fields:
            column = section.c[f.column]
            if f.kind in (Kind.INT, Kind.DECIMAL):
                low, high = (await _rows(engine, select(func.min(column), func.max(column))))[0]
                assert low is None or low >= (f.minimum or 0), f.name
                assert high is None or f.maximum is None or high <= f.maximum, f.name
            if f.source:
                missing = await _rows(
                    engine,
                    select(func.count()).where(
                        or_(column.is_(None), section.c[f.fetched_at_column].is_(None))
                    ),
                )
                assert missing[0][0] == 0, f.name
    for records in (t for d in DOMAINS for t in d.record_tables):
        table = RECORD_TABLES[records.name]
        for f in records.fields:
            column = table.c[f.column]
            if f.required:
                nulls = await _rows(engine, select(func.count()).where(column.is_(None)))
                assert nulls[0][0] == 0, f.name
            if f.kind in (Kind.INT, Kind.DECIMAL, Kind.YEAR_BE) and f.maximum is not None:
                high = (await _rows(engine, select(func.max(column))))[0][0]
                assert high is None or high <= f.maximum


async def test_water_systems(small: tuple) -> None:
    engine, _ = small
    water = RECORD_TABLES["water_supply_systems"]
    rows = await _rows(
        engine,
        select(
            water.c.record_key,
            water.c.dla_reference_code,
            water.c.year_built_be,
            water.c.acquisition,
            water.c.transferred_from,
            LaoYear.lao_id,
            LaoYear.fiscal_year,
            Lao.subdistrict_id.label("lao_sub"),
            Village.subdistrict_id.label("village_sub"),
        )
        .join(LaoYear, LaoYear.id == water.c.lao_year_id)
        .join(Lao, Lao.id == LaoYear.lao_id)
        .join(Village, Village.id == water.c.village_id),
    )
    keys: dict[str, set] = defaultdict(set)
    for r in rows:
        assert r.lao_sub == r.village_sub  # a village of the LAO's own subdistrict
        assert r.year_built_be < r.fiscal_year
        assert (r.acquisition == "TRANSFERRED") == (r.transferred_from is not None)
        assert len(r.record_key) == 36 and uuid.UUID(r.record_key)
        keys[r.record_key].add((r.lao_id, r.fiscal_year))
        if r.fiscal_year < SMALL.current_fiscal_year - 1:  # the years with a KPI-16 round
            assert r.dla_reference_code is None
    for seen in keys.values():
        assert len({lao for lao, _ in seen}) == 1  # one LAO per real-world system
        assert len(seen) == len({year for _, year in seen})
    for year in (SMALL.current_fiscal_year, SMALL.current_fiscal_year - 1):
        current = [r for r in rows if r.fiscal_year == year]
        on_list = [r for r in current if r.dla_reference_code]
        assert 0.9 < len(on_list) / len(current) < 0.99
        references = {
            r.reference_code: r.lao_id
            for r in await _rows(
                engine,
                select(Kpi16Reference.reference_code, Kpi16Reference.lao_id)
                .join(Kpi16Round)
                .where(Kpi16Round.fiscal_year == year),
            )
        }
        for r in on_list:
            assert references[r.dla_reference_code] == r.lao_id
            assert re.fullmatch(r"W\d{8}", r.dla_reference_code)
        unmatched = set(references) - {r.dla_reference_code for r in on_list}
        assert 0 < len(unmatched) < 0.1 * len(references)


async def test_missions(small: tuple) -> None:
    engine, _ = small
    rows = await _rows(
        engine,
        select(LaoMission, Mission.agency_id.label("mission_agency")).join(
            Mission, Mission.id == LaoMission.mission_id
        ),
    )
    pairs = [(r.lao_id, r.mission_id) for r in rows]
    assert len(pairs) == len(set(pairs))
    with_events = {e for (e,) in await _rows(engine, select(LaoMissionEvent.lao_mission_id))}
    statuses = Counter()
    for mission in rows:
        agency = mission.mission_agency
        statuses[mission.status.name] += 1
        assert mission.agency_id == agency
        if mission.status.name == "CANCELLED":
            assert mission.cancelled_on and mission.cancel_reason
            assert mission.cancelled_on > mission.received_on
        else:
            assert mission.cancelled_on is None
        if mission.status.name != "ACTIVE":
            assert mission.id in with_events
    assert statuses["ACTIVE"] > 0.85 * len(rows)
    assert statuses["CHANGED"] and statuses["CANCELLED"]


async def test_demo_accounts(small: tuple) -> None:
    engine, report = small
    users = {
        r.username: r
        for r in await _rows(
            engine,
            select(User.username, User.password_hash, User.is_demo, RoleAssignment.role).join(
                RoleAssignment, RoleAssignment.user_id == User.id
            ),
        )
    }
    assert {u.role for u in users.values()} == set(Role)
    assert all(u.is_demo for u in users.values())
    clients = {
        c.client_id: c for c in await _rows(engine, select(ApiClient).where(ApiClient.is_demo))
    }
    assert clients["demo-moph"].scopes == "domain:1 domain:7"
    assert clients["demo-portal"].scopes == ""
    assert "personal" in clients["demo-personal"].scopes.split()
    creds = {c.name: c for c in report.credentials}
    assert set(creds) == set(users) | set(clients)
    for name, user in users.items():
        assert verify_password(creds[name].secret, user.password_hash)
        assert creds[name].role_or_scopes == user.role.name
    for name, client in clients.items():
        assert verify_password(creds[name].secret, client.secret_hash)
    recorders = [c for c in report.credentials if c.role_or_scopes == "LAO_RECORDER"]
    assert len({c.bound_to for c in recorders}) == 2  # a clerk of another LAO
    table = format_credentials(report)
    assert "demo.dla" in table and "demo-moph" in table


async def test_second_load_is_skipped(small: tuple) -> None:
    engine, report = small
    before = await _checksum(engine, CHECKED_TABLES)
    again = await load_demo(engine, SMALL)
    assert again.skipped
    assert {k: again.counts[k] for k in report.counts} == report.counts
    assert again.credentials == report.credentials
    assert await _checksum(engine, CHECKED_TABLES) == before


async def test_same_config_gives_identical_data(small: tuple, tmp_path: Path) -> None:
    engine, _ = small
    other = await _fresh_sqlite(tmp_path / "second.sqlite3")
    try:
        await load_demo(other, SMALL)
        assert await _checksum(other, CHECKED_TABLES) == await _checksum(engine, CHECKED_TABLES)
    finally:
        await other.dispose()


async def test_other_dataset_needs_replace(tmp_path: Path) -> None:
    engine = await _fresh_sqlite(tmp_path / "replace.sqlite3")
    try:
        await load_demo(engine, DemoConfig(provinces=2))
        with pytest.raises(DemoError, match="replace"):
            await load_demo(engine, DemoConfig(provinces=2, seed=7))
        report = await load_demo(engine, DemoConfig(provinces=2, seed=7), replace=True)
        assert not report.skipped
        async with engine.connect() as conn:
            for table, count in report.counts.items():
                rows = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                assert rows == count, table
        assert (await load_demo(engine, DemoConfig(provinces=2, seed=7))).skipped
    finally:
        await engine.dispose()


async def test_postgresql_load_matches_sqlite(small: tuple) -> None:
    base_url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not base_url:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    _, sqlite_report = small
    name = f"hub_test_demo_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(
        make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            report = await load_demo(engine, SMALL)
            assert report.counts == sqlite_report.counts
            assert [c.secret for c in report.credentials] == [
                c.secret for c in sqlite_report.credentials
            ]
            # sequences were moved past the loaded ids
            async with engine.begin() as conn:
                next_id = (
                    await conn.execute(text("SELECT nextval(pg_get_serial_sequence('laos', 'id'))"))
                ).scalar_one()
                assert next_id == report.counts["laos"] + 1
            assert (await load_demo(engine, SMALL)).skipped
        finally:
            await engine.dispose()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.slow
async def test_national_dataset(tmp_path: Path) -> None:
    engine = await _fresh_sqlite(tmp_path / "national.sqlite3")
    try:
        # How long it takes is measured, not tested (the suite checks behaviour only): the
        # stages' times are printed by `hub demo load`.
        report = await load_demo(engine)
        types = Counter(t for (t,) in await _rows(engine, select(Lao.type)))
        assert types == {
            LaoType.PAO: 76,
            LaoType.CITY_MUNICIPALITY: 30,
            LaoType.TOWN_MUNICIPALITY: 195,
            LaoType.SUBDISTRICT_MUNICIPALITY: 2247,
            LaoType.SAO: 5300,
            LaoType.BANGKOK: 1,
            LaoType.PATTAYA: 1,
        }
        counts = report.counts
        assert counts["laos"] == 7850
        current = await _rows(
            engine,
            select(func.count())
            .select_from(RECORD_TABLES["water_supply_systems"])
            .join(LaoYear)
            .where(LaoYear.fiscal_year == 2570),
        )
        assert 60_000 <= current[0][0] <= 80_000
        assert 70_000 <= counts["villages"] <= 80_000
        assert 240 <= counts["missions"] <= 250
        assert 180_000 <= counts["lao_missions"] <= 220_000
        pattaya = await _rows(
            engine,
            select(Province.code, District.name_th)
            .join(Lao, Lao.province_id == Province.id)
            .join(District, District.id == Lao.district_id)
            .where(Lao.type == LaoType.PATTAYA),
        )
        assert [tuple(p) for p in pattaya] == [("20", "บางละมุง")]
    finally:
        await engine.dispose()


async def test_no_certification_is_dated_after_the_dataset_s_today(small: tuple) -> None:
    """The open year's history ends a few weeks after it opened: nothing in the future."""
    from sqlalchemy import func, select

    from hub.db.models import CertificationEvent, FiscalYear

    engine = small[0]
    async with engine.connect() as conn:
        opened = (
            await conn.execute(
                select(func.max(FiscalYear.starts_on)).where(FiscalYear.closed_at.is_(None))
            )
        ).scalar_one()
        latest = (await conn.execute(select(func.max(CertificationEvent.at)))).scalar_one()
    assert latest.date() <= opened + dt.timedelta(days=51)


async def test_kpi16_reports_and_help_requests_can_be_tried_at_once(small: tuple) -> None:
    """The previous year's KPI-16 round has submitted, late and missing reports whose figures
    are the loaded data's; the demo LAO has help requests in every status the rules allow,
    each the replay of its messages; a catalogue mission is retired."""
    from hub.db import kpi16, kpi16_counts
    from hub.db.models import Kpi16Report, MissionHelpMessage, MissionHelpRequest, User
    from hub.rules import mission_help
    from hub.rules.enums import Kpi16ReportLevel, MissionHelpAction, ReportTimeliness
    from hub.rules.kpi16 import Coverage, report_timeliness

    engine, _ = small
    previous = SMALL.current_fiscal_year - 1
    ce = previous - 543
    async with engine.connect() as conn:
        round_id, opened, district_due, province_due = (
            await conn.execute(
                select(
                    Kpi16Round.id,
                    Kpi16Round.opened_on,
                    Kpi16Round.district_report_deadline,
                    Kpi16Round.province_report_deadline,
                ).where(Kpi16Round.fiscal_year == previous)
            )
        ).one()
        assert (opened, district_due, province_due) == (
            dt.date(ce, 1, 26),
            dt.date(ce, 3, 6),
            dt.date(ce, 3, 20),
        )
        districts = await kpi16.report_board(conn, round_id, Kpi16ReportLevel.DISTRICT, None)
        provinces = await kpi16.report_board(conn, round_id, Kpi16ReportLevel.PROVINCE, None)
        by_district = await kpi16_counts.coverage(conn, round_id, "district")
        users = dict((await conn.execute(select(User.id, User.username))).all())
        current = (
            await conn.execute(
                select(func.count())
                .select_from(Kpi16Report)
                .join(Kpi16Round)
                .where(Kpi16Round.fiscal_year == SMALL.current_fiscal_year)
            )
        ).scalar_one()
    late = dt.datetime(ce, 12, 31, tzinfo=dt.UTC)  # long after the deadlines

    def timing(row: kpi16.BoardRow, due: dt.date) -> ReportTimeliness:
        return report_timeliness(due, row.report.submitted_at if row.report else None, late).status

    home = [r for r in districts if r.province_id == provinces[0].province_id]
    assert {timing(r, district_due) for r in home} >= {
        ReportTimeliness.ON_TIME,
        ReportTimeliness.OVERDUE,
    }
    assert any(timing(r, district_due) is ReportTimeliness.LATE for r in districts)
    for row in districts:
        if row.report is not None:
            assert by_district[row.district_id] == Coverage.of(
                row.report.reference_systems,
                row.report.recorded,
                row.report.checked,
                row.report.target_percent,
            )
    demo_district = next(r for r in districts if r.report and r.report.submitted_by_user_id)
    assert users[demo_district.report.submitted_by_user_id].startswith("demo.district.")
    first, second = provinces[0].report, provinces[1].report  # Samut Prakan, Nonthaburi
    assert users[first.submitted_by_user_id] == "demo.province.11"
    assert users[second.submitted_by_user_id] == "demo.province.12"
    assert timing(provinces[0], province_due) is ReportTimeliness.LATE
    assert timing(provinces[1], province_due) is ReportTimeliness.ON_TIME
    assert first.districts_expected > first.districts_reported > 0
    assert current == 0  # the open round's deadlines are ahead: for the demo officers to try

    requests = await _rows(engine, select(MissionHelpRequest))
    messages = await _rows(
        engine, select(MissionHelpMessage).order_by(MissionHelpMessage.at, MissionHelpMessage.id)
    )
    statuses = Counter(r.status.name for r in requests)
    assert set(statuses) == {"OPEN", "ESCALATED", "ANSWERED", "CLOSED"}
    for request in requests:
        steps = [m for m in messages if m.request_id == request.id]
        assert steps[0].action is MissionHelpAction.ASK and len(steps) == request.version
        status, escalated = mission_help.Status.OPEN, False
        for m in steps[1:]:
            step = mission_help.decide(m.action, status, escalated, (m.party,))
            assert isinstance(step, mission_help.Step), (request.id, m.action, status)
            status, escalated = step.to_status, escalated or m.action.name == "ESCALATE"
        assert status is request.status
    retired = await _rows(engine, select(Mission).where(Mission.retired_on.is_not(None)))
    assert len(retired) == 1 and retired[0].retired_reason
    valued = await _rows(
        engine, select(func.count()).where(LaoMission.asset_value_baht.is_not(None))
    )
    assert valued[0][0] > 0

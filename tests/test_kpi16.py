"""KPI 16: recorded village water-supply systems against DLA's reference list."""

import datetime as dt

import pytest
from sqlalchemy import insert

from hub.db import kpi16_counts
from hub.db.engine import create_engine
from hub.db.kpi16 import coverage_from_records
from hub.db.models import RECORD_TABLES, Kpi16Reference, Kpi16Report, Kpi16Round, LaoYear
from hub.rules.enums import Kpi16CandidateVerdict as Verdict
from hub.rules.enums import Kpi16Match, Kpi16ReportLevel, ReportTimeliness, Role
from hub.rules.identity import RoleGrant
from hub.rules.kpi16 import (
    Candidate,
    Coverage,
    Timeliness,
    deadlines_problem,
    explain_match,
    recording_rate,
    report_timeliness,
    submission_refusal,
    target_met,
)
from hub.rules.lpa import BANGKOK
from hub.rules.problems import Forbidden, InvalidInput, InvalidState, YearClosed
from tests.small_world import (
    BAN_TAK,
    LAMPANG,
    MUEANG_LAMPANG,
    MUEANG_TAK,
    TAK,
    counting_statements,
    seed_places_and_years,
)

ROUND, EMPTY_ROUND = 1, 2


# --- pure helpers --------------------------------------------------------------------------------


def test_the_recording_rate_is_recorded_over_reference():
    assert recording_rate(3, 4) == 0.75
    assert recording_rate(0, 4) == 0.0
    assert recording_rate(0, 0) is None


def test_the_target_compares_exactly_in_percent():
    assert target_met(2, 3, 66.66) is True
    assert target_met(2, 3, 66.67) is False
    assert target_met(4, 5, 80) is True
    assert target_met(0, 0, 80) is None


# --- from the database ---------------------------------------------------------------------------


async def seed(conn):
    """Tak: two districts, four LAOs; Lampang: one district, one LAO. FY 2568 and 2569."""
    laos = {1: MUEANG_TAK, 2: MUEANG_TAK, 3: BAN_TAK, 4: BAN_TAK, 5: MUEANG_LAMPANG}
    await seed_places_and_years(conn, laos)
    # LAO-year ids: LAO n in 2569 is n, in 2568 is 100 + n.
    await conn.execute(
        insert(LaoYear.__table__),
        [{"id": lao, "lao_id": lao, "fiscal_year": 2569} for lao in laos]
        + [{"id": 100 + lao, "lao_id": lao, "fiscal_year": 2568} for lao in laos],
    )
    # Round 1 of FY 2569 opened on 26 Jan 2569 (2026) with a target of 80 %; round 2 is empty.
    await conn.execute(
        insert(Kpi16Round.__table__),
        [
            {
                "id": ROUND,
                "fiscal_year": 2569,
                "round_no": 1,
                "opened_on": dt.date(2026, 1, 26),
                "province_report_deadline": dt.date(2026, 3, 20),
                "target_percent": 80,
            },
            {
                "id": EMPTY_ROUND,
                "fiscal_year": 2569,
                "round_no": 2,
                "opened_on": dt.date(2026, 6, 1),
                "province_report_deadline": dt.date(2026, 8, 1),
                "target_percent": 90,
            },
        ],
    )
    # DLA's list: code → (province, LAO); R6 has no LAO.
    references = {
        "R1": (TAK, 1),
        "R2": (TAK, 1),
        "R3": (TAK, 2),
        "R4": (TAK, 3),
        "R5": (TAK, 3),
        "R6": (TAK, None),
        "R7": (LAMPANG, 5),
    }
    await conn.execute(
        insert(Kpi16Reference.__table__),
        [
            {"round_id": ROUND, "reference_code": code, "province_id": p, "lao_id": lao}
            | {"name": f"ประปา {code}"}
            for code, (p, lao) in references.items()
        ],
    )
    checked, stale = dt.date(2026, 2, 1), dt.date(2025, 12, 1)
    systems = [
        (1, "R1", checked, None),  # recorded and checked since the round opened
        (1, "R2", stale, None),  # recorded, last checked before the round
        (2, "R3", None, None),  # recorded twice: counted once,
        (2, "R3", dt.date(2026, 1, 26), None),  # checked on the opening day
        (3, "R4", checked, dt.date(2026, 2, 2)),  # retired: not recorded
        (103, "R5", checked, None),  # recorded in FY 2568 only: not recorded
        (4, "R6", None, None),  # recorded by another LAO of the province
        (5, "R7", checked, None),
        (5, "R99", checked, None),  # not on DLA's list
        (5, None, checked, None),  # no reference code
    ]
    await conn.execute(
        insert(RECORD_TABLES["water_supply_systems"]),
        [
            {
                "lao_year_id": lao_year,
                "record_key": f"w{i}",
                "dla_reference_code": code,
                "last_checked_on": last_checked,
                "retired_on": retired,
            }
            for i, (lao_year, code, last_checked, retired) in enumerate(systems)
        ],
    )


@pytest.fixture
async def engine(migrated_database_url):
    engine = create_engine(migrated_database_url)
    async with engine.begin() as conn:
        await seed(conn)
        # Seeded in bulk, as the demo loads: the maintained counts are built once.
        await kpi16_counts.rebuild(conn, [ROUND, EMPTY_ROUND])
    yield engine
    await engine.dispose()


# Reads answer from the maintained counts; the records give the same figures.
COVERAGES = {"maintained": kpi16_counts.coverage, "from_records": coverage_from_records}


@pytest.fixture(params=list(COVERAGES))
def coverage(request):
    return COVERAGES[request.param]


async def test_national_coverage_of_a_round(engine, coverage):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            result = await coverage(conn, ROUND, "nation")
    assert len(statements) == 1
    assert result == {
        None: Coverage.of(reference_systems=7, recorded=5, checked=3, target_percent=80)
    }
    assert result[None].rate == pytest.approx(5 / 7)
    assert result[None].met is False


async def test_coverage_per_province(engine, coverage):
    async with engine.connect() as conn:
        result = await coverage(conn, ROUND, "province")
        only_tak = await coverage(conn, ROUND, "province", province_id=TAK)
    assert result == {
        TAK: Coverage(7 - 1, 4, 2, rate=4 / 6, target_percent=80.0, met=False),
        LAMPANG: Coverage(1, 1, 1, rate=1.0, target_percent=80.0, met=True),
    }
    assert only_tak == {TAK: result[TAK]}


async def test_coverage_per_district_leaves_out_references_without_an_lao(engine, coverage):
    async with engine.connect() as conn:
        with counting_statements(engine) as statements:
            in_tak = await coverage(conn, ROUND, "district", province_id=TAK)
        everywhere = await coverage(conn, ROUND, "district")
    assert len(statements) == 1
    assert in_tak == {
        MUEANG_TAK: Coverage(3, 3, 2, rate=1.0, target_percent=80.0, met=True),
        BAN_TAK: Coverage(2, 0, 0, rate=0.0, target_percent=80.0, met=False),
    }  # R6 (no LAO) counts for Tak and the nation only
    assert everywhere == in_tak | {MUEANG_LAMPANG: Coverage(1, 1, 1, 1.0, 80.0, True)}


async def test_a_round_without_references_and_an_unknown_round(engine, coverage):
    async with engine.connect() as conn:
        assert await coverage(conn, EMPTY_ROUND, "nation") == {
            None: Coverage(0, 0, 0, rate=None, target_percent=90.0, met=None)
        }
        assert await coverage(conn, EMPTY_ROUND, "province") == {}
        assert await coverage(conn, ROUND, "nation", province_id=999) == {
            None: Coverage(0, 0, 0, rate=None, target_percent=80.0, met=None)
        }
        assert await coverage(conn, 404, "nation") == {}
        with pytest.raises(ValueError, match="coverage by 'village'"):
            await coverage(conn, ROUND, "village")  # type: ignore[arg-type]


# --- one reference's match, explained --------------------------------------------------------

OPENED = dt.date(2026, 1, 26)


def candidate(record_id, fiscal_year=2569, retired=None, checked=None, lao_id=1):
    return Candidate(record_id, lao_id, fiscal_year, retired, checked)


def test_a_reference_is_checked_by_its_most_recent_check_since_the_round_opened():
    explained = explain_match(
        "R1",
        2569,
        OPENED,
        [
            candidate(1, checked=dt.date(2026, 1, 26)),  # the opening day counts
            candidate(2, checked=dt.date(2026, 2, 1)),
            candidate(3, checked=dt.date(2026, 3, 1), retired=dt.date(2026, 3, 2)),
            candidate(4, fiscal_year=2568, checked=dt.date(2026, 4, 1)),
        ],
    )
    assert explained.match is Kpi16Match.CHECKED
    assert explained.deciding == candidate(2, checked=dt.date(2026, 2, 1))
    assert [(j.candidate.record_id, j.verdict) for j in explained.judged] == [
        (1, Verdict.COUNTED_CHECKED),
        (2, Verdict.COUNTED_CHECKED),
        (3, Verdict.RETIRED),
        (4, Verdict.OTHER_FISCAL_YEAR),
    ]
    assert "2026-02-01" in explained.because_en and "2026-02-01" in explained.because_th


def test_a_reference_recorded_but_not_checked_this_round_is_recorded():
    stale = explain_match("R2", 2569, OPENED, [candidate(7, checked=dt.date(2025, 12, 1))])
    never = explain_match("R2", 2569, OPENED, [candidate(8)])
    assert stale.match is never.match is Kpi16Match.RECORDED
    assert stale.deciding is not None and stale.deciding.record_id == 7
    assert "2025-12-01" in stale.because_en and "never checked" in never.because_en
    assert "ยังไม่เคยตรวจสอบ" in never.because_th


def test_a_reference_without_a_live_record_of_the_year_is_missing_and_says_why():
    bare = explain_match("R3", 2569, OPENED, [])
    near = explain_match(
        "R3", 2569, OPENED, [candidate(1, retired=dt.date(2026, 2, 2)), candidate(2, 2568)]
    )
    assert bare.match is near.match is Kpi16Match.MISSING
    assert bare.deciding is None and bare.judged == ()
    assert "2 record(s) carry it but do not count" in near.because_en
    assert [j.verdict for j in near.judged] == [Verdict.RETIRED, Verdict.OTHER_FISCAL_YEAR]


async def test_the_list_s_match_is_the_explained_match_and_adds_up_to_the_coverage(
    engine, coverage
):
    """One rule, three forms: the list's SQL match, the pure explanation over the records,
    and the coverage's counts agree on every reference of the seeded round."""
    from hub.db.kpi16 import candidates, references
    from hub.rules.identity import user

    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    async with engine.connect() as conn:
        rows = (await conn.execute(references(ROUND, dla).order_by("id"))).all()
        found = await candidates(conn, [r.reference_code for r in rows], dla)
        national = (await coverage(conn, ROUND, "nation"))[None]
        missing = (await conn.execute(references(ROUND, dla, match=Kpi16Match.MISSING))).all()
    matches = {}
    for row in rows:
        explained = explain_match(
            row.reference_code,
            2569,
            dt.date(2026, 1, 26),
            [c.candidate for c in found.get(row.reference_code, [])],
        )
        assert explained.match.name == row.match, row.reference_code
        matches[row.reference_code] = row.match
    assert matches == {
        "R1": "CHECKED",
        "R2": "RECORDED",
        "R3": "CHECKED",
        "R4": "MISSING",  # retired
        "R5": "MISSING",  # FY 2568 only
        "R6": "RECORDED",  # recorded by another LAO of the province
        "R7": "CHECKED",
    }
    assert sum(m != "MISSING" for m in matches.values()) == national.recorded
    assert sum(m == "CHECKED" for m in matches.values()) == national.checked
    assert sorted(r.reference_code for r in missing) == ["R4", "R5"]


async def test_each_level_lists_only_its_own_references(engine):
    from hub.db.kpi16 import references
    from hub.rules.identity import client, user

    def codes(rows):
        return sorted(r.reference_code for r in rows)

    callers = {
        "province": user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=TAK)),
        "district": user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=BAN_TAK)),
        "lao": user("l", RoleGrant(Role.LAO_RECORDER, lao_id=1)),
        "lampang": user("p2", RoleGrant(Role.PROVINCE_OFFICER, province_id=LAMPANG)),
        "client": client("c", "domain:5"),
    }
    async with engine.connect() as conn:
        seen = {
            name: codes((await conn.execute(references(ROUND, who))).all())
            for name, who in callers.items()
        }
        in_district = codes(
            (await conn.execute(references(ROUND, callers["province"], district_code="6301"))).all()
        )
    assert seen == {
        "province": ["R1", "R2", "R3", "R4", "R5", "R6"],
        "district": ["R4", "R5"],
        "lao": ["R1", "R2"],
        "lampang": ["R7"],
        "client": [],
    }
    assert in_district == ["R1", "R2", "R3"]


async def test_a_record_s_name_is_shown_only_to_who_may_see_its_lao_year(engine):
    from hub.db.kpi16 import candidates
    from hub.rules.identity import user

    province = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=TAK))
    stranger = user("s", RoleGrant(Role.LAO_RECORDER, lao_id=5))
    async with engine.connect() as conn:
        mine = await candidates(conn, ["R1", "R3"], province)
        theirs = await candidates(conn, ["R1"], stranger)
    assert all(c.visible for found in mine.values() for c in found)
    assert len(mine["R3"]) == 2  # recorded twice
    assert [c.visible for c in theirs["R1"]] == [False]  # a draft of another LAO


# --- reports up the chain --------------------------------------------------------------------

DUE = dt.date(2026, 3, 6)


def bangkok(day: int, hour: int) -> dt.datetime:
    """A moment of March 2026 given in Thai time."""
    return dt.datetime(2026, 3, day, hour, tzinfo=BANGKOK)


def test_a_report_is_on_time_through_the_deadline_s_thai_day():
    later = bangkok(30, 12)
    assert report_timeliness(DUE, bangkok(6, 23), later) == Timeliness(
        ReportTimeliness.ON_TIME, None
    )
    # 7 March 01:00 in Thailand is still 6 March in UTC: late by the Thai calendar.
    assert report_timeliness(DUE, bangkok(7, 1), later) == Timeliness(ReportTimeliness.LATE, 1)
    assert report_timeliness(DUE, bangkok(10, 9), later) == Timeliness(ReportTimeliness.LATE, 4)
    assert report_timeliness(None, bangkok(10, 9), later).status is ReportTimeliness.ON_TIME


def test_a_missing_report_is_due_until_the_deadline_then_overdue():
    assert report_timeliness(DUE, None, bangkok(6, 23)) == Timeliness(ReportTimeliness.DUE, None)
    assert report_timeliness(DUE, None, bangkok(9, 8)) == Timeliness(ReportTimeliness.OVERDUE, 3)
    assert report_timeliness(None, None, bangkok(9, 8)).status is ReportTimeliness.DUE


def _refusal(identity, level=Kpi16ReportLevel.DISTRICT, **given):
    arguments = {
        "fiscal_year": 2569,
        "year_closed": False,
        "opened_on": OPENED,
        "today": dt.date(2026, 3, 1),
        "reference_systems": 3,
        "submitted_at": None,
        "note": None,
    } | given
    return submission_refusal(identity, level, TAK, MUEANG_TAK, **arguments)


def test_who_may_submit_a_report_and_when():
    from hub.rules.identity import PUBLIC, user

    district = user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=MUEANG_TAK))
    province = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=TAK))
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    neighbour = user("n", RoleGrant(Role.DISTRICT_OFFICER, district_id=BAN_TAK))
    assert _refusal(district) is None
    assert _refusal(province, Kpi16ReportLevel.PROVINCE) is None
    for who, level in (
        (province, Kpi16ReportLevel.DISTRICT),
        (neighbour, Kpi16ReportLevel.DISTRICT),
        (dla, Kpi16ReportLevel.DISTRICT),
        (dla, Kpi16ReportLevel.PROVINCE),
        (district, Kpi16ReportLevel.PROVINCE),
        (PUBLIC, Kpi16ReportLevel.DISTRICT),
    ):
        assert isinstance(_refusal(who, level), Forbidden), (who.subject, level)
    assert isinstance(_refusal(district, year_closed=True), YearClosed)
    assert isinstance(_refusal(district, today=dt.date(2026, 1, 25)), InvalidState)
    assert isinstance(_refusal(district, reference_systems=0), InvalidState)
    again = _refusal(district, submitted_at=bangkok(4, 10))
    assert isinstance(again, InvalidState) and "2026-03-04" in again.message_en
    long = _refusal(district, note="x" * 2001)
    assert isinstance(long, InvalidInput) and long.field == "note"


def test_a_round_s_deadlines_follow_its_opening_and_districts_report_first():
    assert deadlines_problem(OPENED, dt.date(2026, 3, 6), dt.date(2026, 3, 20)) is None
    assert deadlines_problem(OPENED, None, None) is None
    early = deadlines_problem(OPENED, None, dt.date(2026, 1, 1))
    assert isinstance(early, InvalidInput) and early.field == "provinceReportDeadline"
    inverted = deadlines_problem(OPENED, dt.date(2026, 3, 21), dt.date(2026, 3, 20))
    assert isinstance(inverted, InvalidInput) and inverted.field == "districtReportDeadline"


async def test_the_report_board_lists_each_area_expected_to_report(engine):
    from hub.db.kpi16 import report_board, report_deadlines
    from hub.rules.identity import user

    province = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=TAK))
    district = user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=BAN_TAK))
    async with engine.begin() as conn:
        await conn.execute(
            insert(Kpi16Report.__table__).values(
                round_id=ROUND,
                level=Kpi16ReportLevel.DISTRICT,
                area_id=BAN_TAK,
                province_id=TAK,
                district_id=BAN_TAK,
                deadline=DUE,
                submitted_at=bangkok(5, 10),
                reference_systems=2,
                recorded=0,
                checked=0,
                target_percent=80,
            )
        )
    async with engine.connect() as conn:
        everyone = await report_board(conn, ROUND, Kpi16ReportLevel.DISTRICT, None)
        tak = await report_board(conn, ROUND, Kpi16ReportLevel.DISTRICT, province)
        own = await report_board(conn, ROUND, Kpi16ReportLevel.DISTRICT, district)
        provinces = await report_board(conn, ROUND, Kpi16ReportLevel.PROVINCE, None)
        hidden = await report_board(conn, ROUND, Kpi16ReportLevel.PROVINCE, district)
        book = await report_deadlines(conn, ROUND)
        assert await report_deadlines(conn, 404) is None
    assert [(r.district_id, r.reference_systems) for r in everyone] == [
        (MUEANG_LAMPANG, 1),
        (MUEANG_TAK, 3),
        (BAN_TAK, 2),
    ]  # by district code; R6 (no LAO) belongs to no district
    assert [r.district_id for r in tak] == [MUEANG_TAK, BAN_TAK]
    assert [(r.district_id, r.report is not None) for r in own] == [(BAN_TAK, True)]
    assert [(r.province_id, r.reference_systems) for r in provinces] == [(LAMPANG, 1), (TAK, 6)]
    assert hidden == []
    assert book is not None
    assert book.of(Kpi16ReportLevel.PROVINCE, TAK) == dt.date(2026, 3, 20)
    assert book.of(Kpi16ReportLevel.DISTRICT, TAK) is None  # this round set none for districts

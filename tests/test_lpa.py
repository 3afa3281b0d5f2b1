"""LPA indicator 7: the provisional score as of a date, from the certification history and the
completeness history up to that date."""

import datetime as dt

import pytest

from hub.rules.enums import CertificationState
from hub.rules.lpa import (
    DEFAULT_RUBRIC_2564,
    Rubric,
    RubricLevel,
    completeness_as_of,
    end_of_day,
    provisional_score,
    rubric_from_json,
    rubric_to_json,
    rule_timeline,
    state_as_of,
    timeliness,
)

DRAFT = CertificationState.DRAFT
LAO = CertificationState.LAO_CERTIFIED
PROVINCE = CertificationState.PROVINCE_CERTIFIED
UTC = dt.UTC
BANGKOK = dt.timezone(dt.timedelta(hours=7))
COMPLETE = 255


def at(day, hour=10):
    """A moment of March 2026 (FY 2569), Bangkok time."""
    return dt.datetime(2026, 3, day, hour, tzinfo=BANGKOK)


# An LAO certifies on 1 March, the province on 10 March.
CERTIFIED = [(at(1), LAO), (at(10), PROVINCE)]


def since_february(mask, recorded=True):
    """A completeness history: `mask` (and recorded or not) since 1 February."""
    return [(dt.datetime(2026, 2, 1, tzinfo=BANGKOK), mask, recorded)]


# --- every level of the 2564 rubric -------------------------------------------------------------


def test_complete_and_certified_by_lao_and_province_scores_5():
    score = provisional_score(CERTIFIED, at(20), since_february(COMPLETE))
    assert (score.score, score.rule, score.state_as_of) == (
        5,
        "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
        PROVINCE,
    )
    assert "certified by the LAO and the province" in score.rule_en
    assert "จังหวัดรับรองข้อมูลแล้ว" in score.rule_th


def test_complete_and_certified_by_the_lao_only_scores_3():
    score = provisional_score(CERTIFIED, at(5), since_february(COMPLETE))
    assert (score.score, score.rule, score.state_as_of) == (3, "COMPLETE_LAO_CERTIFIED", LAO)


def test_recorded_but_incomplete_scores_1():
    score = provisional_score([], at(5), since_february(0b0111_1111))
    assert (score.score, score.rule, score.state_as_of) == (1, "RECORDED_NOT_CERTIFIED", DRAFT)


def test_nothing_recorded_scores_0():
    score = provisional_score([], at(5), since_february(0, False))
    assert (score.score, score.rule) == (0, "NOTHING_RECORDED")
    assert "Could not record" in score.rule_en


# --- the rubric's gaps ---------------------------------------------------------------------------


def test_complete_but_not_certified_by_the_lao_scores_1_under_its_own_rule():
    score = provisional_score([], at(5), since_february(COMPLETE))
    assert (score.score, score.rule, score.state_as_of) == (1, "COMPLETE_NOT_CERTIFIED", DRAFT)
    assert "rubric is silent" in score.rule_en


def test_a_complete_domain_means_something_was_recorded():
    score = provisional_score([], at(5), since_february(0b1, False))
    assert (score.score, score.rule) == (1, "RECORDED_NOT_CERTIFIED")


def test_a_past_score_ignores_what_happened_after_its_date():
    # Complete and certified by the LAO (1 March) and the province (3 March); both cancel
    # on 8 March and a domain is cleared on 9 March: the score as of 5 March stays 5.
    events = [(at(1), LAO), (at(3), PROVINCE), (at(8), LAO), (at(8, hour=11), DRAFT)]
    history = [*since_february(COMPLETE), (at(9), 0b0111_1111, True)]
    score = provisional_score(events, at(5), history)
    assert (score.score, score.rule, score.state_as_of) == (
        5,
        "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
        PROVINCE,
    )
    score = provisional_score(events, at(10), history)
    assert (score.score, score.rule, score.state_as_of) == (1, "RECORDED_NOT_CERTIFIED", DRAFT)


def test_data_recorded_after_the_date_does_not_raise_its_score():
    history = [(at(7), 0b1, True)]
    assert provisional_score([], at(5), history).rule == "NOTHING_RECORDED"
    assert provisional_score([], at(7), history).rule == "RECORDED_NOT_CERTIFIED"


def test_completeness_as_of_a_date_is_the_last_entry_at_or_before_it():
    history = [(at(1), 0b1, True), (at(3), 0, False), (at(3), 0b11, True), (at(6), 255, True)]
    assert completeness_as_of(history, at(1, hour=9)) == (0, False)  # before any entry
    assert completeness_as_of(history, at(1)) == (0b1, True)
    assert completeness_as_of(history, at(4)) == (0b11, True)  # same moment: recording order
    assert completeness_as_of(history, at(6) - dt.timedelta(microseconds=1)) == (0b11, True)
    assert completeness_as_of(list(reversed(history[3:])) + history[:3], at(9)) == (255, True)
    naive_utc = dt.datetime(2026, 3, 6, 3, 0)  # 10:00 Bangkok, naive as SQLite returns it
    assert completeness_as_of([(naive_utc, 255, True)], at(6)) == (255, True)
    assert completeness_as_of([(naive_utc, 255, True)], at(6, hour=9)) == (0, False)


# --- as of a date --------------------------------------------------------------------------------


def test_before_any_event_the_state_is_draft():
    assert state_as_of(CERTIFIED, at(1, hour=9)) is DRAFT
    assert provisional_score(CERTIFIED, at(1, hour=9), since_february(COMPLETE)).score == 1


def test_an_event_at_the_very_moment_counts():
    assert state_as_of(CERTIFIED, at(10)) is PROVINCE
    assert state_as_of(CERTIFIED, at(10) - dt.timedelta(microseconds=1)) is LAO


def test_moments_compare_across_time_zones_and_naive_means_utc():
    province_at_utc = dt.datetime(2026, 3, 10, 3, 0)  # 10:00 Bangkok, naive as SQLite returns it
    assert state_as_of([(province_at_utc, PROVINCE)], at(10)) is PROVINCE
    assert state_as_of([(province_at_utc, PROVINCE)], at(10, hour=9)) is DRAFT


def test_cancel_cycles_follow_the_history():
    history = [
        (at(1), LAO),
        (at(2), PROVINCE),
        (at(3), LAO),  # the province cancels
        (at(4), DRAFT),  # then the LAO cancels, edits
        (at(6), LAO),  # and certifies again
        (at(9), PROVINCE),
    ]
    scores = [
        provisional_score(history, at(d, 12), since_february(COMPLETE)).score for d in range(1, 11)
    ]
    assert scores == [3, 5, 3, 1, 1, 3, 3, 3, 5, 5]


def test_events_at_the_same_moment_count_in_recording_order():
    assert state_as_of([(at(1), LAO), (at(1), DRAFT)], at(2)) is DRAFT
    assert state_as_of([(at(1), DRAFT), (at(1), LAO)], at(2)) is LAO
    assert state_as_of([(at(3), PROVINCE), (at(1), LAO)], at(2)) is LAO  # any order of times


def test_the_rule_timeline_moves_where_the_score_does_and_nowhere_else():
    """Each pair of the timeline is an instant the rule changes; the rule as of any moment
    is the last pair's at or before it, as `provisional_score` says."""
    events = [(at(1), LAO), (at(2), PROVINCE), (at(3), LAO), (at(4), DRAFT), (at(9), PROVINCE)]
    completeness = [
        (at(1, 8), 3, True),
        (at(1, 9), 3, True),  # the same completeness again: no move
        (at(5), COMPLETE, True),
        (at(6), 0, False),
        (at(7), COMPLETE, True),
    ]
    timeline = rule_timeline(events, completeness)
    assert [rule for _, rule in timeline] == [
        "RECORDED_NOT_CERTIFIED",
        "COMPLETE_NOT_CERTIFIED",
        "NOTHING_RECORDED",
        "COMPLETE_NOT_CERTIFIED",
        "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
    ]
    for day in range(1, 11):
        for hour in (7, 8, 10, 12):
            moment = at(day, hour)
            earlier = [rule for when, rule in timeline if when <= moment]
            expected = provisional_score(events, moment, completeness).rule
            assert (earlier[-1] if earlier else "NOTHING_RECORDED") == expected, moment
    assert rule_timeline([], []) == []


# --- timeliness ----------------------------------------------------------------------------------

DEADLINE = dt.date(2026, 3, 15)


def test_certified_by_the_deadline_is_on_time():
    assert timeliness(CERTIFIED, DEADLINE) is True
    last_minute = [(dt.datetime(2026, 3, 15, 23, 59, tzinfo=BANGKOK), LAO)]
    assert timeliness(last_minute, DEADLINE) is True
    assert end_of_day(DEADLINE) == dt.datetime(2026, 3, 15, 16, 59, 59, 999999, tzinfo=UTC)


def test_certified_after_the_deadline_is_late():
    assert timeliness([(at(16, hour=0), LAO)], DEADLINE) is False
    # Certified in time but cancelled before the deadline and certified again after it.
    assert timeliness([(at(1), LAO), (at(14), DRAFT), (at(20), LAO)], DEADLINE) is False


def test_never_certified_has_no_timeliness():
    assert timeliness([], DEADLINE) is None
    assert timeliness([(at(1), LAO), (at(2), DRAFT)], DEADLINE) is None


def test_the_score_reports_timeliness_when_given_the_deadline():
    assert provisional_score(CERTIFIED, at(20), since_february(COMPLETE)).certified_on_time is None
    score = provisional_score(
        CERTIFIED, at(20), since_february(COMPLETE), deadline=dt.date(2026, 3, 5)
    )
    assert score.certified_on_time is True
    score = provisional_score(
        CERTIFIED, at(20), since_february(COMPLETE), deadline=dt.date(2026, 2, 28)
    )
    assert score.certified_on_time is False


# --- the rubric is data --------------------------------------------------------------------------


def test_the_2564_rubric_has_the_documented_levels():
    assert DEFAULT_RUBRIC_2564.full_score == 5
    assert DEFAULT_RUBRIC_2564.scores == [5, 3, 1, 0]
    assert [(v.rule, v.score) for v in DEFAULT_RUBRIC_2564.levels] == [
        ("COMPLETE_LAO_AND_PROVINCE_CERTIFIED", 5),
        ("COMPLETE_LAO_CERTIFIED", 3),
        ("COMPLETE_NOT_CERTIFIED", 1),
        ("RECORDED_NOT_CERTIFIED", 1),
        ("NOTHING_RECORDED", 0),
    ]
    assert all(v.th and v.en for v in DEFAULT_RUBRIC_2564.levels)


def test_a_rubric_round_trips_through_json_with_thai_text_intact():
    text = rubric_to_json(DEFAULT_RUBRIC_2564)
    assert "ครบทั้ง 8 ด้าน" in text
    assert rubric_from_json(text) == DEFAULT_RUBRIC_2564


def test_another_years_rubric_changes_the_scores_not_the_rules():
    levels = [
        v if v.score != 3 else RubricLevel(v.rule, 4, v.th, v.en)
        for v in DEFAULT_RUBRIC_2564.levels
    ]
    rubric_2565 = rubric_from_json(rubric_to_json(Rubric(tuple(levels))))
    score = provisional_score(CERTIFIED, at(5), since_february(COMPLETE), rubric=rubric_2565)
    assert (score.score, score.rule) == (4, "COMPLETE_LAO_CERTIFIED")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        '[{"rule": "NOTHING_RECORDED", "score": 0, "th": "x", "en": "x"}]',
        '[{"rule": "NOTHING_RECORDED", "score": 0}]',
    ],
)
def test_a_malformed_rubric_is_refused(text):
    with pytest.raises(ValueError, match="rubric"):
        rubric_from_json(text)


def test_a_moment_at_the_edge_of_the_calendar_is_still_a_utc_moment():
    # Found by the fuzz test: lpaScore(asOf: "0001-01-01T00:00:00+14:00") was INTERNAL.
    from hub.rules.lpa import utc

    plus_14 = dt.timezone(dt.timedelta(hours=14))
    assert utc(dt.datetime(1, 1, 1, tzinfo=plus_14)) == dt.datetime.min.replace(tzinfo=dt.UTC)
    minus_12 = dt.timezone(dt.timedelta(hours=-12))
    assert utc(dt.datetime.max.replace(tzinfo=minus_12)) == dt.datetime.max.replace(tzinfo=dt.UTC)
    assert utc(dt.datetime(2026, 12, 2, 7, tzinfo=plus_14)).hour == 17


# --- rubric versions -----------------------------------------------------------------------------


def _rescored(three_is: int) -> Rubric:
    return Rubric(
        tuple(
            v if v.score != 3 else RubricLevel(v.rule, three_is, v.th, v.en)
            for v in DEFAULT_RUBRIC_2564.levels
        )
    )


def test_the_built_in_2564_form_is_a_version_until_one_is_published():
    from hub.rules.lpa import rubric_in_force, rubric_versions

    assert rubric_versions({}) == {2564: DEFAULT_RUBRIC_2564}
    assert rubric_in_force({}, 2570) == (2564, DEFAULT_RUBRIC_2564)
    assert rubric_in_force({}, 2550) == (2564, DEFAULT_RUBRIC_2564)  # before every version
    published = _rescored(4)
    assert rubric_in_force({2564: published}, 2570) == (2564, published)  # replaces the built-in


def test_a_published_version_stays_in_force_until_a_later_one():
    from hub.rules.lpa import rubric_in_force, rubric_versions

    v2568, v2570 = _rescored(4), _rescored(2)
    stored = {2570: v2570, 2568: v2568}
    assert list(rubric_versions(stored)) == [2564, 2568, 2570]
    assert rubric_in_force(stored, 2567) == (2564, DEFAULT_RUBRIC_2564)
    assert rubric_in_force(stored, 2568) == (2568, v2568)
    assert rubric_in_force(stored, 2569) == (2568, v2568)
    assert rubric_in_force(stored, 2575) == (2570, v2570)


def test_lpa_year_n_assesses_fiscal_year_n():
    from hub.rules.lpa import fiscal_year_assessed, lpa_year_assessing

    assert fiscal_year_assessed(2570) == 2570 == lpa_year_assessing(2570)


def test_the_rules_of_a_score():
    assert DEFAULT_RUBRIC_2564.rules_scoring(1) == (
        "COMPLETE_NOT_CERTIFIED",
        "RECORDED_NOT_CERTIFIED",
    )
    assert DEFAULT_RUBRIC_2564.rules_scoring(5) == ("COMPLETE_LAO_AND_PROVINCE_CERTIFIED",)
    assert DEFAULT_RUBRIC_2564.rules_scoring(4) == ()


# --- timeliness as of a date ---------------------------------------------------------------------


def _timely(events, as_of):
    from hub.rules.lpa import timeliness_as_of

    t = timeliness_as_of(events, DEADLINE, as_of)
    return t.status.name, t.days_late, t.certified_late_at


def test_certified_by_the_deadline_is_on_time_from_then_on():
    assert _timely(CERTIFIED, at(1, hour=9)) == ("NOT_DUE", None, None)  # not yet certified
    assert _timely(CERTIFIED, at(2)) == ("ON_TIME", None, None)  # certified, deadline ahead
    assert _timely(CERTIFIED, at(31)) == ("ON_TIME", None, None)
    # Cancelled after the deadline: it stood certified at the deadline.
    assert _timely([*CERTIFIED, (at(20), LAO), (at(21), DRAFT)], at(31))[0] == "ON_TIME"


def test_cancelled_before_the_deadline_is_not_due_then_overdue():
    events = [(at(1), LAO), (at(14), DRAFT)]
    assert _timely(events, at(10)) == ("ON_TIME", None, None)  # as it stood on the 10th
    assert _timely(events, at(15)) == ("NOT_DUE", None, None)
    # 17 March (Bangkok) is 2 days past the 15 March deadline.
    assert _timely(events, at(17)) == ("OVERDUE", 2, None)


def test_certified_after_the_deadline_is_late_by_thai_calendar_days():
    late = dt.datetime(2026, 3, 18, 1, 0, tzinfo=BANGKOK)  # 17 March 18:00 UTC
    events = [(late, LAO)]
    assert _timely(events, at(16)) == ("OVERDUE", 1, None)  # not yet as of the 16th
    status, days, when = _timely(events, at(20))
    assert (status, days, when) == ("LATE", 3, late.astimezone(UTC))
    # Cancelled again afterwards: still late (it did certify after the deadline).
    assert _timely([*events, (at(19), DRAFT)], at(20))[:2] == ("LATE", 3)


def test_the_deadline_is_the_end_of_its_thai_day():
    last_minute = dt.datetime(2026, 3, 15, 23, 59, tzinfo=BANGKOK)
    assert _timely([(last_minute, LAO)], at(20))[0] == "ON_TIME"
    midnight = dt.datetime(2026, 3, 16, 0, 0, tzinfo=BANGKOK)
    assert _timely([(midnight, LAO)], at(20))[:2] == ("LATE", 1)
    assert _timely([], end_of_day(DEADLINE))[0] == "NOT_DUE"
    assert _timely([], end_of_day(DEADLINE) + dt.timedelta(microseconds=1))[:2] == ("OVERDUE", 1)


def test_timeliness_agrees_with_certified_on_time():
    from hub.rules.lpa import timeliness_as_of

    histories = [
        CERTIFIED,
        [(at(16, hour=0), LAO)],
        [(at(1), LAO), (at(14), DRAFT), (at(20), LAO)],
        [],
        [(at(1), LAO), (at(2), DRAFT)],
    ]
    latest = dt.datetime(2030, 1, 1, tzinfo=UTC)
    verdict = {"ON_TIME": True, "LATE": False, "OVERDUE": None}
    for events in histories:
        assert verdict[timeliness_as_of(events, DEADLINE, latest).status.name] == timeliness(
            events, DEADLINE
        )


def test_the_score_carries_its_timeliness_as_of_its_date():
    score = provisional_score(CERTIFIED, at(20), since_february(COMPLETE), deadline=DEADLINE)
    assert score.timeliness is not None and score.timeliness.status.name == "ON_TIME"
    assert provisional_score(CERTIFIED, at(20), since_february(COMPLETE)).timeliness is None


def test_a_date_at_the_end_of_the_calendar_has_a_thai_day():
    from hub.rules.lpa import thai_date

    assert thai_date(dt.datetime.max.replace(tzinfo=UTC)) == dt.date.max
    assert _timely([], dt.datetime.max.replace(tzinfo=UTC))[0] == "OVERDUE"

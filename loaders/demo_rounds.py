"""Demo rounds: each fiscal year's INFO round, the KPI-16 round, three transferred-missions
rounds, a province given more time, and LAOs confirming their missions checked.

So that every figure of a round can be tried at once: the closed years' INFO rounds have LAOs
certified on time, late (about one in ten) and never (about one in thirty), and the open
year's LAOs are mostly still due; the previous year's round gave the second province of the
selection two more weeks (its LAOs certified by then are on time); the missions rounds of
2565 and 2567 (seed 004's letters) are closed, with LAOs that checked their records on time,
late, or not at all, and one of the current year is open; a few LAOs have recorded no
mission at all (`demo_missions.has_no_missions`).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hub.rules.rounds import fiscal_year_of, thai_date
from loaders.demo_laos import DemoLao
from loaders.demo_years import Year

UTC = dt.UTC
EXTENSION_DAYS = 14  # the second province's extra time in the previous year's INFO round


def mission_round_dates(current_year: int) -> list[dict[str, Any]]:
    """The seed's two missions rounds and one of the current fiscal year, still open."""
    this = dt.date(current_year - 544, 10, 26)
    return [
        {
            "opens_on": dt.date(2022, 10, 26),
            "deadline": dt.date(2022, 12, 30),
            "closes_on": dt.date(2023, 3, 31),
            "letter_reference": "มท 0810.8/ว 3418",
        },
        {
            "opens_on": dt.date(2024, 10, 25),
            "deadline": dt.date(2024, 12, 30),
            "closes_on": dt.date(2025, 3, 31),
            "letter_reference": "มท 0810.8/ว 5567",
        },
        {
            "opens_on": this,
            "deadline": dt.date(this.year, 12, 30),
            "closes_on": None,
            "letter_reference": None,
        },
    ]


def round_rows(
    years: list[Year], kpi16_round: dict[str, Any], province_ids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of `rounds` and `round_province_deadlines`."""
    stamp = years[0].opened_at
    rows: list[dict[str, Any]] = []

    def add(**values: Any) -> int:
        rows.append(
            {
                "id": len(rows) + 1,
                "number": 1,
                "district_deadline": None,
                "province_deadline": None,
                "closes_on": None,
                "letter_reference": None,
                "version": 1,
                "updated_at": stamp,
                **values,
            }
        )
        return len(rows)

    info_ids = {}
    for year in years:
        info_ids[year.year_be] = add(
            kind="INFO",
            fiscal_year=year.year_be,
            opens_on=thai_date(year.opened_at),
            deadline=year.record_deadline,
            province_deadline=year.province_deadline,
            closes_on=thai_date(year.closed_at) if year.closed_at else None,
        )
    add(
        kind="KPI16",
        fiscal_year=kpi16_round["fiscal_year"],
        number=kpi16_round["round_no"],
        opens_on=kpi16_round["opened_on"],
        deadline=kpi16_round["district_report_deadline"],
        district_deadline=kpi16_round["district_report_deadline"],
        province_deadline=kpi16_round["province_report_deadline"],
    )
    numbers: dict[int, int] = {}
    for mission in mission_round_dates(years[-1].year_be):
        year_be = fiscal_year_of(mission["opens_on"])
        numbers[year_be] = numbers.get(year_be, 0) + 1
        add(kind="MISSIONS", fiscal_year=year_be, number=numbers[year_be], **mission)
    overrides = []
    if len(province_ids) > 1 and len(years) > 1:
        previous = years[-2]
        overrides.append(
            {
                "id": 1,
                "round_id": info_ids[previous.year_be],
                "province_id": province_ids[1],
                "deadline": previous.record_deadline + dt.timedelta(days=EXTENSION_DAYS),
                "district_deadline": None,
                "province_deadline": None,
                "reason": "จังหวัดขอขยายเวลา เนื่องจากอุทกภัย (demo)",
                "updated_at": stamp,
            }
        )
    return rows, overrides


def round_check_rows(
    laos: list[DemoLao], rounds: list[dict[str, Any]], today: dt.date, rng: random.Random
) -> list[dict[str, Any]]:
    """LAOs confirming their missions checked: in the closed rounds about three in four,
    some after the deadline; in the open one about a third so far (never after `today`)."""
    checks: list[dict[str, Any]] = []
    for round_row in rounds:
        if round_row["kind"] != "MISSIONS":
            continue
        opens_on, deadline = round_row["opens_on"], round_row["deadline"]
        last = round_row["closes_on"] or today
        share = 0.75 if round_row["closes_on"] else 0.35
        for lao in laos:
            if rng.random() >= share:
                continue
            if round_row["closes_on"] and rng.random() < 0.15:  # late: after the deadline
                first, span = deadline + dt.timedelta(days=1), (last - deadline).days - 1
            else:
                first, span = opens_on, (min(deadline, last) - opens_on).days
            day = first + dt.timedelta(days=rng.randint(0, max(span, 0)))
            checks.append(
                {
                    "id": len(checks) + 1,
                    "round_id": round_row["id"],
                    "lao_id": lao.id,
                    "at": dt.datetime.combine(day, dt.time(3, rng.randint(0, 59)), UTC),
                    "actor_user_id": None,
                    "actor_role": "LAO_RECORDER",
                }
            )
    return checks

"""Demo LPA indicator 7: the rubric versions, and final scores the demo assessor recorded.

Two versions are published: the 2564 form and the same levels again for the open year, so
the closed years are scored under 2564 and the open one under its own version. The demo
assessor (`loaders.demo_accounts`, LPA assessor of the first province) has inspected ten
LAOs of its province, and the first one there its province certified, on the inspection
day a few days after the open year's events end; its final score is the provisional one,
except for two LAOs:

* one whose data the assessor found not current on the day: 5 provisionally, 3 final;
* one recorded 1 first, then revised to the provisional score two days later, once the LAO
  showed its certification letter (two versions, history kept).

The rows are loaded as data, not through the change log (as the demo's certification
history is).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.rules import lpa
from hub.rules.enums import CertificationState
from loaders.demo_years import OPEN_YEAR_DAYS, Year

INSPECTED_AFTER_DAYS = 5  # the inspection day, after the open year's last demo event
INSPECTED = 10  # LAOs inspected


def rubric_rows(current_year: int) -> list[dict[str, Any]]:
    text = lpa.rubric_to_json(lpa.DEFAULT_RUBRIC_2564)
    return [
        {"lpa_year_be": year, "indicator": "1.2.7", "full_score": 5, "levels_json": text}
        for year in sorted({lpa.BUILT_IN_VERSION, current_year})
    ]


def inspection_day(year: Year) -> dt.date:
    return year.starts_on + dt.timedelta(days=OPEN_YEAR_DAYS + INSPECTED_AFTER_DAYS)


def _at(day: dt.date, hour: int) -> dt.datetime:
    """`hour` o'clock Thai time on `day`, in UTC."""
    return dt.datetime.combine(day, dt.time(hour), lpa.BANGKOK).astimezone(dt.UTC)


def final_score_rows(
    year_rows: list[dict[str, Any]],
    province_of: dict[int, int],
    open_year: Year,
    province_id: int,
    assessor_id: int,
    assessor_name: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of `lpa_assessments` and `lpa_assessment_revisions` (see the module docstring).

    `year_rows` are the `lao_years` rows (their final state and complete mask: every event of
    the open year happened before the inspection day, and every demo LAO-year recorded
    something); `province_of` maps LAO id to province id.
    """
    candidates = sorted(
        (
            row
            for row in year_rows
            if row["fiscal_year"] == open_year.year_be and province_of[row["lao_id"]] == province_id
        ),
        key=lambda row: row["lao_id"],
    )
    chosen = candidates[:INSPECTED]
    certified = [r for r in candidates if r["state"] == CertificationState.PROVINCE_CERTIFIED.name]
    if certified and certified[0] not in chosen:
        chosen.append(certified[0])
    day = inspection_day(open_year)
    rubric = lpa.DEFAULT_RUBRIC_2564
    not_current = next(
        (r for r in chosen if r["state"] == CertificationState.PROVINCE_CERTIFIED.name), None
    )
    revised = next((r for r in chosen if r["state"] == CertificationState.LAO_CERTIFIED.name), None)
    assessments: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for n, row in enumerate(chosen):
        state = CertificationState[row["state"]]
        rule = lpa.rule_for(state, row["complete_domains"], True)
        versions = [
            (
                rubric.score(rule),
                "ตรวจเอกสารและข้อมูลในระบบแล้ว ตรงตามเกณฑ์: " + rubric.level(rule).th,
                _at(day, 10 + n % 6),
            )
        ]
        if row is not_current:
            versions = [
                (
                    3,
                    "ข้อมูลด้านที่ 5 (ประปาหมู่บ้าน) ไม่เป็นปัจจุบัน ณ วันตรวจประเมิน"
                    " จึงให้คะแนนเท่ากับรับรองระดับ อปท. เท่านั้น",
                    _at(day, 10 + n % 6),
                )
            ]
        elif row is revised:
            versions = [
                (1, "ไม่พบหนังสือรับรองข้อมูลของ อปท. ณ วันตรวจ", _at(day, 10 + n % 6)),
                (
                    rubric.score(rule),
                    "อปท. ส่งหนังสือรับรองข้อมูลเพิ่มเติม ตรวจแล้วถูกต้อง",
                    _at(day + dt.timedelta(days=2), 14),
                ),
            ]
        assessment_id = len(assessments) + 1
        for version, (score, reason, at) in enumerate(versions, start=1):
            revisions.append(
                {
                    "id": len(revisions) + 1,
                    "assessment_id": assessment_id,
                    "version": version,
                    "score": score,
                    "rubric_year_be": open_year.year_be,
                    "reason": reason,
                    "evidence": f"แบบประเมิน LPA ปี {open_year.year_be} ตัวชี้วัดที่ 7,"
                    f" หนังสือรับรองข้อมูล INFO ปีงบประมาณ {open_year.year_be}",
                    "inspected_on": day,
                    "assessed_by_user_id": assessor_id,
                    "assessor_name": assessor_name,
                    "assessed_at": at,
                }
            )
        latest = revisions[-1]
        assessments.append(
            {
                "id": assessment_id,
                "lao_year_id": row["id"],
                "lpa_year_be": lpa.lpa_year_assessing(open_year.year_be),
                **{
                    k: latest[k]
                    for k in (
                        "version",
                        "score",
                        "rubric_year_be",
                        "reason",
                        "evidence",
                        "inspected_on",
                        "assessed_by_user_id",
                        "assessor_name",
                        "assessed_at",
                    )
                },
            }
        )
    return assessments, revisions

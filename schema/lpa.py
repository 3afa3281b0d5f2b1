"""LPA indicator 7: the rubric versions, an LAO-year's provisional and final scores, timeliness
and the assessors appointed (types, and the helpers their resolvers share).

The rules are `hub.rules.lpa` (the provisional score, the rubric in force, timeliness) and
`hub.rules.lpa_assessment` (the final score); everything here is read through the request's
DataLoaders (`schema.loaders`), so a list of LAO-years costs the same few statements as one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from hub.rules import lpa
from hub.rules.enums import CertificationState as State
from hub.rules.enums import Timeliness as TimelinessEnum
from hub.rules.permissions import LaoPlace
from schema.context import Info
from schema.enums import CertificationState, Timeliness
from schema.permissions import AssessorName, guarded


@strawberry.type(description="ระดับคะแนนของเกณฑ์ — one level of an LPA indicator-7 rubric.")
class LpaRubricLevel:
    rule: str = strawberry.field(
        description="รหัสกรณี — the situation it applies to (e.g. COMPLETE_LAO_CERTIFIED)."
    )
    score: int = strawberry.field(description="คะแนน — the score of this level.")
    description_th: str = strawberry.field(description="เกณฑ์ — the level's wording, in Thai.")
    description_en: str = strawberry.field(description="The level's wording, in English.")


@strawberry.type(
    description="เกณฑ์การให้คะแนน LPA ตัวชี้วัดที่ 7 — one version of the rubric, published for an LPA "
    "year; it scores that year and the later ones until the next version."
)
class LpaRubric:
    lpa_year: int = strawberry.field(
        description="ปีประเมิน LPA (พ.ศ.) — the version: the LPA year it was published for."
    )
    indicator: str = strawberry.field(description="ตัวชี้วัด — indicator number (1.2.7).")
    full_score: int = strawberry.field(description="คะแนนเต็ม — full score.")
    scores: list[int] = strawberry.field(
        description="ระดับคะแนน — its distinct scores, highest first."
    )
    levels: list[LpaRubricLevel] = strawberry.field(
        description="ระดับคะแนนและเกณฑ์ — every level: which situation, which score."
    )
    built_in: bool = strawberry.field(
        description="เกณฑ์ตั้งต้น — the hub's built-in 2564 draft form (no version of 2564 was published)."
    )


def rubric_type(version: int, rubric: lpa.Rubric, built_in: bool = False) -> LpaRubric:
    return LpaRubric(
        lpa_year=version,
        indicator="1.2.7",
        full_score=rubric.full_score,
        scores=rubric.scores,
        levels=[
            LpaRubricLevel(rule=v.rule, score=v.score, description_th=v.th, description_en=v.en)
            for v in rubric.levels
        ],
        built_in=built_in,
    )


@strawberry.type(
    description="ความตรงเวลา — whether the LAO certified by the deadline, as of the score's date."
)
class LpaTimeliness:
    status: Timeliness
    status_th: str = strawberry.field(description="สถานะ — the status's Thai label.")
    deadline: dt.date = strawberry.field(description="กำหนดส่ง — the deadline judged against.")
    certified_late_at: dt.datetime | None = strawberry.field(
        description="รับรองหลังกำหนดเมื่อ — LATE: when the LAO first certified after the deadline."
    )
    days_late: int | None = strawberry.field(
        description="จำนวนวันที่ล่าช้า — LATE: days from the deadline to that certification; "
        "OVERDUE: days from the deadline to the score's date (Thai calendar days)."
    )


def timeliness_type(value: lpa.TimelinessAsOf | None) -> LpaTimeliness | None:
    if value is None:
        return None
    return LpaTimeliness(
        status=value.status.name,
        status_th=value.status.label_th,
        deadline=value.deadline,
        certified_late_at=value.certified_late_at,
        days_late=value.days_late,
    )


@strawberry.type(
    description="คะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว) — provisional LPA indicator-7 score, computed by the "
    "hub from the history up to `asOf` under the rubric version it names."
)
class LpaScore:
    score: int = strawberry.field(description="คะแนน — 5, 3, 1 or 0 under the 2564 rubric.")
    rule: str = strawberry.field(description="Code of the rubric rule that applied.")
    rule_th: str = strawberry.field(description="เกณฑ์ที่ใช้ — the rule, in Thai.")
    rule_en: str = strawberry.field(description="The rule, in English.")
    as_of: dt.datetime = strawberry.field(
        description="วันที่ตรวจประเมิน — the date the score is computed for."
    )
    state_as_of: CertificationState = strawberry.field(description="State on that date.")
    lpa_year: int = strawberry.field(
        description="ปีประเมิน LPA — the LPA year (it assesses the fiscal year of the same number)."
    )
    rubric_version: int = strawberry.field(
        description="ฉบับของเกณฑ์ — the rubric version scored with (see `lpaRubric`)."
    )
    timeliness: LpaTimeliness | None = strawberry.field(
        description="ความตรงเวลา — certified by the deadline, as of `asOf`; null without a deadline."
    )


def aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def moment(info: Info, as_of: dt.datetime | None) -> dt.datetime:
    """`as_of`, or the request's now; naive is taken as UTC."""
    return aware(as_of or info.context.now)


async def provisional(
    loaders: Any, lao_year_id: int, fiscal_year: int, province_id: int, as_of: dt.datetime
) -> LpaScore:
    """An LAO-year's provisional score as of a moment (`hub.rules.lpa.provisional_score`),
    under the rubric in force and against its deadline, from batched loads (the request's
    DataLoaders, `schema.loaders.Loaders`)."""
    lpa_year = lpa.lpa_year_assessing(fiscal_year)
    events = [(aware(r.at), r.to_state) for r in await loaders.events_of_lao_year.load(lao_year_id)]
    history = [
        (aware(h.at), h.complete_domains, bool(h.anything_recorded))
        for h in await loaders.completeness_of_lao_year.load(lao_year_id)
    ]
    version, rubric = await loaders.rubrics.load(lpa_year)
    deadline = (await loaders.deadlines.load(fiscal_year)).for_province(province_id)
    result = lpa.provisional_score(events, as_of, history, rubric, deadline)
    return LpaScore(
        score=result.score,
        rule=result.rule,
        rule_th=result.rule_th,
        rule_en=result.rule_en,
        as_of=as_of,
        state_as_of=result.state_as_of.name,
        lpa_year=lpa_year,
        rubric_version=version,
        timeliness=timeliness_type(result.timeliness),
    )


def score_from_row(
    row: Any, rubric: tuple[int, lpa.Rubric], lpa_year: int, as_of: dt.datetime, deadlines: Any
) -> LpaScore:
    """The provisional score of a row of `hub.db.lpa.lpa_list` (computed there in SQL)."""
    version, levels = rubric
    level = levels.level(row.rule)
    deadline = deadlines.for_province(row.province_id)
    status = row.timeliness
    return LpaScore(
        score=level.score,
        rule=level.rule,
        rule_th=level.th,
        rule_en=level.en,
        as_of=as_of,
        state_as_of=(row.state_as_of or State.DRAFT).name,
        lpa_year=lpa_year,
        rubric_version=version,
        timeliness=timeliness_type(
            lpa.timeliness_of(TimelinessEnum[status], deadline, as_of, row.late_at)
            if status and deadline
            else None
        ),
    )


@strawberry.type(
    description="คะแนน LPA ขั้นสุดท้าย — the final LPA indicator-7 score an assessor recorded (one "
    "version of it), with the reason, the evidence checked, who and when."
)
class LpaFinalScore:
    lao_place: strawberry.Private[LaoPlace]
    lao_year_id: strawberry.Private[int]
    fiscal_year: strawberry.Private[int]
    recorded_by: strawberry.Private[str | None]
    lpa_year: int = strawberry.field(description="ปีประเมิน LPA — the LPA year assessed.")
    version: int = strawberry.field(
        description="ฉบับ — 1 when first recorded, +1 per revision: send it back to revise."
    )
    score: int = strawberry.field(description="คะแนน — the final score, a level of the rubric.")
    rubric_version: int = strawberry.field(description="ฉบับของเกณฑ์ — the rubric version used.")
    reason: str = strawberry.field(description="เหตุผล — why this score.")
    evidence: str = strawberry.field(
        description="หลักฐาน — reference to the documents or evidence checked."
    )
    inspected_on: dt.date = strawberry.field(description="วันที่ตรวจประเมิน — the inspection date.")
    recorded_at: dt.datetime = strawberry.field(description="วันเวลาที่บันทึก — when it was recorded.")

    @strawberry.field(
        description="ผู้ตรวจประเมิน — the assessor who recorded it (personal data).",
        extensions=guarded(AssessorName()),
    )
    def assessor_name(self) -> str | None:
        return self.recorded_by

    @strawberry.field(
        description="คะแนนชั่วคราว ณ วันตรวจ — the hub's provisional score as of the end of the inspection day."
    )
    async def provisional_at_inspection(self, info: Info) -> LpaScore:
        return await provisional_at_inspection(self, info.context.loaders, info.context.now)


async def provisional_at_inspection(
    final: LpaFinalScore, loaders: Any, now: dt.datetime
) -> LpaScore:
    """`LpaFinalScore.provisionalAtInspection`: the provisional score as of the end of the
    inspection day."""
    return await provisional(
        loaders,
        final.lao_year_id,
        final.fiscal_year,
        final.lao_place.province_id,
        lpa.end_of_day(final.inspected_on),
    )


# Fields guarded per LAO and the attribute their resolver returns once allowed (`schema.root`).
PLACE_GUARDED_FIELDS = {("LpaFinalScore", "assessorName"): "recorded_by"}
# Fields computed by a function over the request's DataLoaders (`schema.root.LOADED_FIELDS`).
LOADED_FIELDS = {("LpaFinalScore", "provisionalAtInspection"): provisional_at_inspection}


def final_from_row(row: Any, place: LaoPlace, fiscal_year: int, prefix: str = "") -> LpaFinalScore:
    """A final score from a revision row (`prefix`: `final_` for a row of `lpa_list`)."""

    def get(name: str) -> Any:
        return getattr(row, prefix + name)

    return LpaFinalScore(
        lao_place=place,
        lao_year_id=row.lao_year_id,
        fiscal_year=fiscal_year,
        recorded_by=get("assessor_name"),
        lpa_year=lpa.lpa_year_assessing(fiscal_year),
        version=get("version"),
        score=get("score"),
        rubric_version=get("rubric_year_be"),
        reason=get("reason"),
        evidence=get("evidence"),
        inspected_on=get("inspected_on"),
        recorded_at=aware(get("assessed_at")),
    )


@strawberry.type(description="ผู้ตรวจประเมิน LPA — a person DLA appointed LPA assessor of a province.")
class LpaAssessor:
    province_id: strawberry.Private[int]
    username: str = strawberry.field(description="ชื่อผู้ใช้ — the person's username.")
    display_name: str = strawberry.field(description="ชื่อ — the person's name.")
    province_code: str = strawberry.field(description="รหัสจังหวัด — the province assessed.")
    granted_at: dt.datetime = strawberry.field(description="แต่งตั้งเมื่อ — when appointed.")

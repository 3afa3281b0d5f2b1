"""One LAO's data for one fiscal year: state, completeness, LPA scores, history, 8 sections."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from hub.rules import completeness, lpa
from hub.rules import rounds as round_rules
from hub.rules.catalogue import DOMAINS
from hub.rules.catalogue_years import CatalogueShape as Shape
from hub.rules.catalogue_years import domain_for, shape_of
from hub.rules.certification import Action, YearStatus, decide
from hub.rules.enums import CertificationState as State
from hub.rules.permissions import LaoPlace
from hub.rules.problems import ReasonRequired
from hub.rules.validation import api_names
from schema import shapes
from schema.catalogue import CatalogueShape, HistoricalSection, SectionVersion, historical_section
from schema.context import Info
from schema.domains import SECTION_TYPES, section_from_row
from schema.enums import CertificationState, Role
from schema.loaders import Loaders
from schema.lpa import LpaFinalScore, LpaScore, aware, final_from_row, provisional
from schema.permissions import DomainData, HistoricalData, PersonalData, RowFilter, guarded
from schema.rounds import LaoYearTimeliness, StepTimeliness


@strawberry.type(
    description="การเปลี่ยนสถานะการรับรอง — one certification transition (seed 002 steps 4–8)."
)
class CertificationEvent:
    lao_place: strawberry.Private[LaoPlace]
    at: dt.datetime = strawberry.field(description="วันเวลา — when it happened.")
    from_state: CertificationState = strawberry.field(description="สถานะเดิม — state before.")
    to_state: CertificationState = strawberry.field(description="สถานะใหม่ — state after.")
    actor_role: Role | None = strawberry.field(description="บทบาทผู้ดำเนินการ — role of who did it.")
    reason: str | None = strawberry.field(
        description="เหตุผล — reason given (required for cancellations)."
    )
    actor_display_name: strawberry.Private[str | None]

    @strawberry.field(
        description="ผู้ดำเนินการ — name of who did it (personal data).",
        extensions=guarded(PersonalData()),
    )
    def actor_name(self) -> str | None:
        return self.actor_display_name


@strawberry.type(description="ความครบถ้วนรายด้าน — whether one domain is completely recorded.")
class DomainCompleteness:
    lao_year_id: strawberry.Private[int]
    fiscal_year: strawberry.Private[int]
    domain: int = strawberry.field(description="ด้านที่ — domain number, 1–8.")
    label_th: str = strawberry.field(description="ชื่อด้าน — Thai name of the domain.")
    label_en: str = strawberry.field(description="English name of the domain.")
    complete: bool = strawberry.field(description="ครบถ้วน — every required field filled.")

    @strawberry.field(
        description="รายการที่ยังไม่ได้บันทึก — required fields and record tables still empty, by "
        "their API names (e.g. `complaintsResolved`, `waterSupplySystems`)."
    )
    async def missing_fields(self, info: Info) -> list[str]:
        # Loaded even when complete, so a query's SQL does not depend on which rows are drafts.
        # Judged by the catalogue of the LAO-year's own fiscal year.
        domain = domain_for(self.domain, self.fiscal_year)
        section = await info.context.loaders.sections[domain.number].load(self.lao_year_id)
        counts = {}
        for records in domain.record_tables:
            counts[records.name] = len(
                await info.context.loaders.records[records.name].load(self.lao_year_id)
            )
        mapping = section._mapping if section is not None else None
        return missing_field_names(self.domain, self.fiscal_year, mapping, counts)


# What the LAO-year's computed fields answer, from its stored values: the resolvers below and
# the planned path (`schema.planner`) both call these.


def missing_field_names(
    domain: int, fiscal_year: int, section: Any, record_counts: dict[str, int]
) -> list[str]:
    """`DomainCompleteness.missingFields`: the API names of the domain's required fields and
    record tables still empty, judged by the catalogue of the LAO-year's own fiscal year."""
    return api_names(
        completeness.missing_fields(domain_for(domain, fiscal_year), section, record_counts)
    )


def completeness_items(fiscal_year: int, complete_mask: int) -> list[tuple[Any, bool]]:
    """`LaoYear.completeness`: each domain of the current shape with whether it is complete;
    none for a historical year (completeness is a rule of the current shape)."""
    if shape_of(fiscal_year) is Shape.PRE_2020:
        return []
    return [(d, bool(complete_mask & (1 << (d.number - 1)))) for d in DOMAINS]


def year_status(fiscal_year: int, open_: bool) -> YearStatus:
    """The status the certification rules read: a year DLA closed, or one that does not
    exist, is closed."""
    return YearStatus(fiscal_year, closed=not open_)


def is_editable(identity: Any, place: LaoPlace, state: Any, status: YearStatus) -> bool:
    """`LaoYear.editable`: the rule every save is checked by."""
    return decide(Action.EDIT, identity, place, State[state], status) is None


def allowed_action_names(
    identity: Any, place: LaoPlace, state: Any, status: YearStatus, complete_mask: int
) -> list[str]:
    """`LaoYear.allowedActions` (by name): the decision the mutations take, each action
    asked without a reason ("a reason is required" means the action is open)."""
    allowed = []
    for action in Action:
        refusal = decide(action, identity, place, State[state], status, complete_mask)
        if refusal is None or isinstance(refusal, ReasonRequired):
            allowed.append(action.name)
    return allowed


@strawberry.enum(description="การดำเนินการกับข้อมูลรายปี — what one may do to an LAO-year's data.")
class LaoYearAction(enum.Enum):
    EDIT = strawberry.enum_value(
        "EDIT", description="บันทึก/แก้ไขข้อมูล — save its sections and records"
    )
    CERTIFY_LAO = strawberry.enum_value(
        "CERTIFY_LAO", description="รับรองข้อมูลระดับ อปท. — certify (LAO)"
    )
    CANCEL_LAO = strawberry.enum_value(
        "CANCEL_LAO", description="ยกเลิกการรับรองระดับ อปท. — cancel the LAO's certification"
    )
    CERTIFY_PROVINCE = strawberry.enum_value(
        "CERTIFY_PROVINCE", description="รับรองข้อมูลระดับจังหวัด — certify (province)"
    )
    CANCEL_PROVINCE = strawberry.enum_value(
        "CANCEL_PROVINCE",
        description="ยกเลิกการรับรองระดับจังหวัด — cancel the province's certification",
    )


class LaoYear:
    id: strawberry.Private[int]
    lao_place: strawberry.Private[LaoPlace]
    complete_mask: strawberry.Private[int]
    fiscal_year: int = strawberry.field(description="ปีงบประมาณ (พ.ศ.) — fiscal year, BE.")
    state: CertificationState = strawberry.field(
        description="สถานะการรับรองข้อมูล — certification state."
    )
    version: int = strawberry.field(
        description="ฉบับของข้อมูลรายปี — the LAO-year's version: it advances with every change of "
        "anything in it (any section, any record, its certification state). Certification "
        "actions are checked against it; a save checked against it (`version:`) conflicts "
        "with any change since. Saves should send the section's version instead "
        "(`sectionVersions`, `sectionVersion:`), which conflicts only with a change of the "
        "same domain."
    )
    data_received_at: dt.datetime | None = strawberry.field(
        description="วันที่ได้รับข้อมูล — when the LAO first certified this year's data."
    )

    @strawberry.field(description="ชื่อสถานะ — the state's Thai label.")
    def state_label_th(self) -> str:
        return shapes.LAO_YEAR.rule("state_label_th")(State[self.state])

    @strawberry.field(
        description="แก้ไขได้ — whether the caller may edit this LAO-year's data now (the LAO's "
        "recorder or verifier, a DRAFT, a year DLA has not closed): the rule every save is "
        "checked by, so a form can offer only what will be accepted."
    )
    async def editable(self, info: Info) -> bool:
        year = await info.context.loaders.fiscal_year.load(self.fiscal_year)
        status = year_status(self.fiscal_year, year is not None and year.closed_at is None)
        return is_editable(info.context.identity, self.lao_place, self.state, status)

    @strawberry.field(
        description="รูปแบบแบบฟอร์ม — the set of 8 domains this year's data is in: CURRENT, or "
        "PRE_2020 for a historical year imported from the system before 2020 (its data is "
        "in `historicalSections`, never in the current sections)."
    )
    def catalogue_shape(self) -> CatalogueShape:
        return CatalogueShape[shape_of(self.fiscal_year).name]

    @strawberry.field(
        description="ข้อมูลย้อนหลัง — true for a historical year in the pre-2020 shape "
        "(read-only, imported)."
    )
    def historical(self) -> bool:
        return shape_of(self.fiscal_year) is Shape.PRE_2020

    @strawberry.field(
        description="ฉบับของข้อมูลแต่ละด้าน — each domain section's version (0: not yet "
        "started): send it as `sectionVersion` with a save of that domain or its records."
    )
    async def section_versions(self, info: Info) -> list[SectionVersion]:
        versions = []
        for d in DOMAINS:
            row = await info.context.loaders.sections[d.number].load(self.id)
            versions.append(
                SectionVersion(domain=d.number, version=0 if row is None else row.version)
            )
        return versions

    @strawberry.field(
        description="ข้อมูลย้อนหลังรายด้าน — a historical year's domains in the pre-2020 shape, "
        "as imported (empty for a year in the current shape; null, with a FORBIDDEN error, for "
        "a client without every domain scope).",
        extensions=guarded(HistoricalData()),
    )
    async def historical_sections(self, info: Info) -> list[HistoricalSection] | None:
        return await historical_sections_of(self, info.context.loaders, info.context.now)

    @strawberry.field(
        description="ความครบถ้วน — completeness of each of the 8 domains, under the catalogue of "
        "this fiscal year (empty for a historical year: completeness is a rule of the current "
        "shape)."
    )
    def completeness(self) -> list[DomainCompleteness]:
        return [
            DomainCompleteness(
                lao_year_id=self.id,
                fiscal_year=self.fiscal_year,
                domain=d.number,
                label_th=d.label_th,
                label_en=d.label_en,
                complete=complete,
            )
            for d, complete in completeness_items(self.fiscal_year, self.complete_mask)
        ]

    @strawberry.field(description="ครบทั้ง 8 ด้าน — all eight domains complete (required to certify).")
    def all_domains_complete(self) -> bool:
        return shapes.LAO_YEAR.rule("all_domains_complete")(self.complete_mask)

    @strawberry.field(
        description="ท่านดำเนินการได้ — what the caller may do to this LAO-year now: the same "
        "decision the mutations take (`hub/rules/certification.py`), so a form or button can be "
        "offered only where it will be accepted. A cancellation still needs its reason; "
        "CERTIFY_LAO needs all 8 domains complete."
    )
    async def allowed_actions(self, info: Info) -> list[LaoYearAction]:
        year = await info.context.loaders.fiscal_year.load(self.fiscal_year)
        status = year_status(self.fiscal_year, year is not None and year.closed_at is None)
        names = allowed_action_names(
            info.context.identity, self.lao_place, self.state, status, self.complete_mask
        )
        return [LaoYearAction[name] for name in names]

    @strawberry.field(description="ประวัติการรับรอง — every certification transition, oldest first.")
    async def certification_history(self, info: Info) -> list[CertificationEvent]:
        rows = await info.context.loaders.events_of_lao_year.load(self.id)
        return [
            CertificationEvent(
                lao_place=self.lao_place,
                at=r.at,
                from_state=r.from_state.name,
                to_state=r.to_state.name,
                actor_role=r.actor_role.name if r.actor_role else None,
                reason=r.reason,
                actor_display_name=r.actor_display_name,
            )
            for r in rows
        ]

    @strawberry.field(
        description="คะแนน LPA ตัวชี้วัดที่ 7 — provisional score as of a date (default: now), from the "
        "certification and completeness history up to that date, under the rubric version it names, "
        "with timeliness against the deadline; an assessor records the final score (`lpaFinalScore`)."
    )
    async def lpa_score(self, info: Info, as_of: dt.datetime | None = None) -> LpaScore:
        return await lpa_score_of(self, info.context.loaders, info.context.now, as_of)

    @strawberry.field(
        description="คะแนน LPA ขั้นสุดท้าย — the final score the assessor recorded, as it stood at "
        "`asOf` (default: now; the latest version recorded by then); null before any."
    )
    async def lpa_final_score(
        self, info: Info, as_of: dt.datetime | None = None
    ) -> LpaFinalScore | None:
        return await lpa_final_score_of(self, info.context.loaders, info.context.now, as_of)

    @strawberry.field(
        description="ความทันกำหนด — the year's deadlines for the LAO's province and whether the LAO "
        "and the province certified on time, late (by how many days) or not yet, as of `asOf` "
        "(default: now; a closed year as it stood when it closed), from the certification history; "
        "null when the year has no round."
    )
    async def timeliness(
        self, info: Info, as_of: dt.datetime | None = None
    ) -> LaoYearTimeliness | None:
        return await timeliness_of(self, info.context.loaders, info.context.now, as_of)

    @strawberry.field(
        description="ประวัติคะแนน LPA ขั้นสุดท้าย — every version of the final score, oldest first."
    )
    async def lpa_final_score_history(self, info: Info) -> list[LpaFinalScore]:
        return await lpa_final_score_history_of(self, info.context.loaders, info.context.now)


@dataclass(frozen=True)
class YearOf:
    """What the fields below read of their LAO-year: the resolvers pass the `LaoYear`
    itself, the planned path this (from its row: `schema.planner`)."""

    id: int
    fiscal_year: int
    lao_place: LaoPlace


async def lpa_score_of(
    year: Any, loaders: Loaders, now: dt.datetime, as_of: dt.datetime | None = None
) -> LpaScore:
    """`LaoYear.lpaScore`: the provisional score as of `as_of` (default `now`)."""
    when = aware(as_of or now)
    return await provisional(loaders, year.id, year.fiscal_year, year.lao_place.province_id, when)


async def lpa_final_score_of(
    year: Any, loaders: Loaders, now: dt.datetime, as_of: dt.datetime | None = None
) -> LpaFinalScore | None:
    """`LaoYear.lpaFinalScore`: the version recorded by `as_of` (default `now`), or None."""
    key = (year.id, lpa.lpa_year_assessing(year.fiscal_year), aware(as_of or now))
    row = await loaders.final_scores.load(key)
    return final_from_row(row, year.lao_place, year.fiscal_year) if row is not None else None


async def timeliness_of(
    year: Any, loaders: Loaders, now: dt.datetime, as_of: dt.datetime | None = None
) -> LaoYearTimeliness | None:
    """`LaoYear.timeliness`: the round's deadlines for the LAO's province and how the LAO
    and the province certified against them as of `as_of` (default `now`); None without
    a round."""
    round_ = await loaders.info_round.load(year.fiscal_year)
    if round_ is None:
        return None
    dates = round_.dates_for(year.lao_place.province_id)
    when = round_rules.until_closed(dates, as_of or now)
    rows = await loaders.events_of_lao_year.load(year.id)
    history = [(r.at, r.from_state, r.to_state) for r in rows]
    certification = StepTimeliness.of(round_rules.lao_certification(history, dates.deadline, when))
    assert certification is not None
    province = round_rules.province_certification(history, dates.province_deadline, when)
    return LaoYearTimeliness(
        round_info=round_,
        deadline=dates.deadline,
        province_deadline=dates.province_deadline,
        certification=certification,
        province_certification=StepTimeliness.of(province),
    )


async def historical_sections_of(
    year: Any, loaders: Loaders, now: dt.datetime
) -> list[HistoricalSection]:
    """`LaoYear.historicalSections`: a pre-2020 year's domains as imported; none for a year
    in the current shape."""
    if shape_of(year.fiscal_year) is not Shape.PRE_2020:
        return []
    rows = await loaders.historical_sections.load(year.id)
    return [historical_section(r.domain, r.values_json) for r in rows]


async def lpa_final_score_history_of(
    year: Any, loaders: Loaders, now: dt.datetime
) -> list[LpaFinalScore]:
    """`LaoYear.lpaFinalScoreHistory`: every version of the final score, oldest first
    (`now` unused: every loaded field takes it)."""
    rows = await loaders.final_history.load(year.id)
    return [final_from_row(r, year.lao_place, year.fiscal_year) for r in rows]


# The LAO-year's fields whose resolvers load through the request's DataLoaders: GraphQL
# name → function(year, loaders, now, **arguments), which the resolver calls and the planned
# path calls too, for every LAO-year of its answer at once (the loaders batch them).
LOADED_FIELDS: dict[str, Callable[..., Awaitable[Any]]] = {
    "lpaScore": lpa_score_of,
    "lpaFinalScore": lpa_final_score_of,
    "lpaFinalScoreHistory": lpa_final_score_history_of,
    "timeliness": timeliness_of,
    "historicalSections": historical_sections_of,
}


def _section_resolver(number: int) -> Any:
    async def resolve(root: Any, info: Info) -> Any:
        row = await info.context.loaders.sections[number].load(root.id)
        return section_from_row(number, row) if row is not None else None

    resolve.__annotations__ = {"root": Any, "info": Info, "return": SECTION_TYPES[number] | None}
    return resolve


for _d in DOMAINS:
    setattr(
        LaoYear,
        _d.key,
        strawberry.field(
            resolver=_section_resolver(_d.number),
            description=f"ด้านที่ {_d.number} {_d.label_th} — {_d.label_en}. Null when not yet started.",
            extensions=guarded(DomainData(_d.number)),
        ),
    )

LaoYear = strawberry.type(  # type: ignore[misc]  (decorated after the 8 sections are attached)
    LaoYear,
    description="ข้อมูล อปท. รายปี — one LAO's data for one fiscal year. Visible to the public and agencies "
    "once certified by the LAO; drafts only to the LAO's staff and officers covering it.",
    directives=[RowFilter(rule="lao_year: certified, or the caller covers the LAO")],
)


def lao_year_from_row(row: Any, place: LaoPlace) -> Any:
    return LaoYear(
        id=row.id,
        lao_place=place,
        complete_mask=row.complete_domains,
        **shapes.LAO_YEAR.python_values(row, _STORED),
    )


# LaoYear's fields held as read; `stateLabelTh` and `allDomainsComplete` are computed from
# them by the rules `schema.shapes.LAO_YEAR` declares.
_STORED = ("fiscal_year", "state", "version", "data_received_at")

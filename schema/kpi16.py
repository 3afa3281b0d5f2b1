"""KPI 16 up the chain: a round, DLA's reference list with each system's match, and the
reports districts make to their province and provinces to DLA.

The list is `hub.db.kpi16.references` (the caller's area, `hub.db.visibility`), each match
explained by `hub.rules.kpi16.explain_match` over the records carrying the code (one batched
load per page); the reports are `hub.db.kpi16.report_board`, each against its deadline
(`hub.rules.kpi16.report_timeliness`, as of the request's moment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub.db import kpi16 as kpi16_sql
from hub.rules import enums
from hub.rules.kpi16 import Coverage, Timeliness, explain_match, report_timeliness
from schema import shapes
from schema.context import Info
from schema.enums import (
    Kpi16CandidateVerdict,
    Kpi16Match,
    Kpi16ReportLevel,
    ReportTimeliness,
    Role,
)
from schema.geography import District, Province, Village
from schema.loaders import Loaders
from schema.pagination import Connection, paginate_on
from schema.permissions import Kpi16References, Kpi16Reports, guarded

if TYPE_CHECKING:
    from schema.lao import Lao


async def _lao(info: Info, lao_id: int) -> Any:
    from schema.lao import Lao

    return Lao.from_row(await info.context.loaders.lao.load(lao_id))


@strawberry.type(
    description="รายการประปาที่ใช้รหัสอ้างอิง — a water-supply record carrying a reference's code, "
    "and whether it counts for the round. Its key and name are shown only to callers who may "
    "see its LAO-year."
)
class Kpi16MatchedRecord:
    lao_id: strawberry.Private[int]
    fiscal_year: int = strawberry.field(description="ปีงบประมาณของรายการ — its fiscal year.")
    record_key: str | None = strawberry.field(
        description="รหัสรายการ — the record's key across years; null when its LAO-year is hidden from you."
    )
    name: str | None = strawberry.field(
        description="ชื่อระบบประปา — its name; null when its LAO-year is hidden from you."
    )
    last_checked_on: dt.date | None = strawberry.field(description="ตรวจสอบล่าสุด — last checked on.")
    retired_on: dt.date | None = strawberry.field(description="ยกเลิกเมื่อ — retired on.")
    verdict: Kpi16CandidateVerdict = strawberry.field(
        description="นับหรือไม่ เพราะอะไร — counted or not, and why."
    )
    deciding: bool = strawberry.field(
        description="เป็นรายการที่ใช้ตัดสิน — the record the match rests on."
    )

    @strawberry.field(description="อปท. — the LAO whose record it is.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        lao: Lao = await _lao(info, self.lao_id)
        return lao


@strawberry.type(description="เหตุผลของผลการจับคู่ — why a reference system matched, or did not.")
class Kpi16MatchExplanation:
    match: Kpi16Match
    because: str = strawberry.field(description="The rule that applied, in English.")
    because_th: str = strawberry.field(description="เหตุผล — the rule that applied, in Thai.")
    records: list[Kpi16MatchedRecord] = strawberry.field(
        description="รายการที่ใช้รหัสนี้ — every record carrying the code (any year, retired ones too), "
        "newest year first."
    )


@strawberry.type(
    description="ระบบประปาตามฐานข้อมูลอ้างอิง — one system on DLA's KPI-16 reference list, with its match."
)
class Kpi16ReferenceSystem:
    id: strawberry.Private[int]
    province_id: strawberry.Private[int]
    lao_id: strawberry.Private[int | None]
    district_id: strawberry.Private[int | None]
    village_id: strawberry.Private[int | None]
    fiscal_year: strawberry.Private[int]
    opened_on: strawberry.Private[dt.date]
    reference_code: str = strawberry.field(description="รหัสอ้างอิงของ สถ. — DLA's reference code.")
    name: str = strawberry.field(description="ชื่อระบบประปา — name on DLA's list.")
    latitude: float | None
    longitude: float | None
    match: Kpi16Match = strawberry.field(
        description="ผลการจับคู่ — CHECKED, RECORDED (not checked since the round opened) or MISSING."
    )

    @classmethod
    def from_row(cls, row: Any, round_row: Any) -> Kpi16ReferenceSystem:
        return cls(
            id=row.id,
            province_id=row.province_id,
            lao_id=row.lao_id,
            district_id=row.district_id,
            village_id=row.village_id,
            fiscal_year=round_row.fiscal_year,
            opened_on=round_row.opened_on,
            reference_code=row.reference_code,
            name=row.name,
            latitude=row.latitude,
            longitude=row.longitude,
            match=row.match,
        )

    @strawberry.field(description="จังหวัด — the province the list was sent to.")
    async def province(self, info: Info) -> Province:
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="อำเภอ — the district of its LAO (null without an LAO).")
    async def district(self, info: Info) -> District | None:
        if self.district_id is None:
            return None
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(description="อปท. — the LAO DLA's list assigns it to.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")] | None:
        if self.lao_id is None:
            return None
        lao: Lao = await _lao(info, self.lao_id)
        return lao

    @strawberry.field(description="หมู่บ้าน — its village, where DLA's list names one.")
    async def village(self, info: Info) -> Village | None:
        if self.village_id is None:
            return None
        return Village.from_row(await info.context.loaders.village.load(self.village_id))

    @strawberry.field(description="เหตุผลของผลการจับคู่ — which record matched and which rule applied.")
    async def explanation(self, info: Info) -> Kpi16MatchExplanation:
        return await reference_explanation(self, info.context.loaders, info.context.now)


async def reference_explanation(
    system: Kpi16ReferenceSystem, loaders: Loaders, now: dt.datetime
) -> Kpi16MatchExplanation:
    """`Kpi16ReferenceSystem.explanation`: the records carrying its code (one batched load for
    every system asked), judged by `hub.rules.kpi16.explain_match`."""
    found = await loaders.kpi16_candidates.load(system.reference_code)
    by_id = {c.candidate.record_id: c for c in found}
    explained = explain_match(
        system.reference_code, system.fiscal_year, system.opened_on, [c.candidate for c in found]
    )
    deciding = explained.deciding.record_id if explained.deciding else None
    records = []
    for judged in explained.judged:
        record = by_id[judged.candidate.record_id]
        records.append(
            Kpi16MatchedRecord(
                lao_id=judged.candidate.lao_id,
                fiscal_year=judged.candidate.fiscal_year,
                record_key=record.record_key if record.visible else None,
                name=record.name if record.visible else None,
                last_checked_on=judged.candidate.last_checked_on,
                retired_on=judged.candidate.retired_on,
                verdict=judged.verdict.name,
                deciding=judged.candidate.record_id == deciding,
            )
        )
    return Kpi16MatchExplanation(
        match=explained.match.name,
        because=explained.because_en,
        because_th=explained.because_th,
        records=records,
    )


@strawberry.input(description="ตัวกรองฐานข้อมูลอ้างอิง — filters for a round's reference list.")
class Kpi16ReferenceFilter:
    province_code: str | None = None
    district_code: str | None = strawberry.field(
        default=None, description="อำเภอของ อปท. เจ้าของระบบ — the district of the system's LAO."
    )
    lao_code: str | None = None
    match: Kpi16Match | None = strawberry.field(
        default=None, description="MISSING: what is still to be recorded; RECORDED: to be checked."
    )


@strawberry.type(
    description="รายงานผลตัวชี้วัดที่ 16 — a report as submitted: the figures then, who and when."
)
class Kpi16Report:
    id: int
    submitted_at: dt.datetime = strawberry.field(description="ส่งเมื่อ — when it was submitted.")
    submitted_by: str | None = strawberry.field(description="ผู้ส่ง — who submitted it.")
    submitted_by_role: Role | None = strawberry.field(description="บทบาทผู้ส่ง — in which role.")
    deadline: dt.date | None = strawberry.field(
        description="กำหนดส่ง — the deadline it was due by when submitted."
    )
    reference_systems: int = strawberry.field(description="ระบบประปาตามฐานข้อมูลอ้างอิง.")
    recorded: int = strawberry.field(description="บันทึกแล้ว — CHECKED + RECORDED.")
    checked: int = strawberry.field(description="ตรวจสอบแล้วในรอบนี้ — CHECKED.")
    rate: float | None = strawberry.field(description="recorded / reference systems, 0–1.")
    target_percent: float
    met: bool | None
    districts_expected: int | None = strawberry.field(
        description="อำเภอที่ต้องรายงาน — (province reports) districts expected to report then."
    )
    districts_reported: int | None = strawberry.field(
        description="อำเภอที่รายงานแล้ว — (province reports) districts that had reported then."
    )
    note: str | None = strawberry.field(description="หมายเหตุ — the office's note.")

    @classmethod
    def from_row(cls, row: Any) -> Kpi16Report:
        figures = Coverage.of(row.reference_systems, row.recorded, row.checked, row.target_percent)
        return cls(
            id=row.id,
            submitted_at=row.submitted_at,
            submitted_by=row.submitted_by_name or row.submitted_by_subject,
            submitted_by_role=row.actor_role.name if row.actor_role else None,
            deadline=row.deadline,
            reference_systems=figures.reference_systems,
            recorded=figures.recorded,
            checked=figures.checked,
            rate=figures.rate,
            target_percent=figures.target_percent,
            met=figures.met,
            districts_expected=row.districts_expected,
            districts_reported=row.districts_reported,
            note=row.note,
        )


@strawberry.type(
    description="สถานะการรายงาน — an area expected to report, its deadline, and whether and when it did."
)
class Kpi16ReportStatus:
    province_id: strawberry.Private[int]
    district_id: strawberry.Private[int | None]
    level: Kpi16ReportLevel
    reference_systems: int = strawberry.field(
        description="ระบบประปาในฐานข้อมูลอ้างอิงของพื้นที่ — on DLA's list now."
    )
    deadline: dt.date | None = strawberry.field(description="กำหนดส่ง — due by (Thai date).")
    timeliness: ReportTimeliness
    days_late: int | None = strawberry.field(
        description="เกินกำหนดกี่วัน — LATE: days after the deadline; OVERDUE: days past it so far."
    )
    report: Kpi16Report | None = strawberry.field(
        description="รายงานที่ส่ง — null while not submitted."
    )

    @strawberry.field(description="จังหวัด — the province (of the district).")
    async def province(self, info: Info) -> Province:
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="อำเภอ — the district (district reports only).")
    async def district(self, info: Info) -> District | None:
        if self.district_id is None:
            return None
        return District.from_row(await info.context.loaders.district.load(self.district_id))


@strawberry.type(
    description="ภาพรวมการรายงาน — the areas of one level expected to report, counted by timeliness."
)
class Kpi16ReportBoard:
    level: Kpi16ReportLevel
    expected: int = strawberry.field(description="ต้องรายงาน — areas you see that must report.")
    on_time: int
    late: int
    due: int = strawberry.field(description="ยังไม่ส่ง ยังไม่ถึงกำหนด — not submitted, not yet due.")
    overdue: int = strawberry.field(description="ยังไม่ส่ง เกินกำหนด — missing past the deadline.")
    items: list[Kpi16ReportStatus]


def report_status(
    row: kpi16_sql.BoardRow, deadline: dt.date | None, now: dt.datetime
) -> Kpi16ReportStatus:
    report = row.report
    timing: Timeliness = report_timeliness(
        report.deadline if report is not None else deadline,
        report.submitted_at if report is not None else None,
        now,
    )
    return Kpi16ReportStatus(
        province_id=row.province_id,
        district_id=row.district_id,
        level=row.level.name,
        reference_systems=row.reference_systems,
        deadline=report.deadline if report is not None else deadline,
        timeliness=timing.status.name,
        days_late=timing.days_late,
        report=Kpi16Report.from_row(report) if report is not None else None,
    )


async def _board(
    loaders: Loaders,
    now: dt.datetime,
    round_id: int,
    level: enums.Kpi16ReportLevel,
    **area: str | None,
) -> Kpi16ReportBoard:
    """The areas of `level` the caller sees expected to report in the round, each with its
    report or how late it is as of `now`, counted by timeliness (on the request's plain
    reads: the callers, offices and DLA, who may write, read the primary)."""
    async with loaders.engine.connect() as conn:
        book = await kpi16_sql.report_deadlines(conn, round_id)
        rows = await kpi16_sql.report_board(conn, round_id, level, loaders.identity, **area)
    items = [
        report_status(row, book.of(level, row.province_id) if book else None, now) for row in rows
    ]
    counts = {t: 0 for t in enums.ReportTimeliness}
    for item in items:
        counts[enums.ReportTimeliness[item.timeliness]] += 1
    return Kpi16ReportBoard(
        level=level.name,
        expected=len(items),
        on_time=counts[enums.ReportTimeliness.ON_TIME],
        late=counts[enums.ReportTimeliness.LATE],
        due=counts[enums.ReportTimeliness.DUE],
        overdue=counts[enums.ReportTimeliness.OVERDUE],
        items=items,
    )


@strawberry.type(
    description="รอบการประเมินตัวชี้วัดที่ 16 — a KPI-16 round: DLA's reference list, the deadlines "
    "and the reports up the chain."
)
class Kpi16Round:
    id: strawberry.Private[int]
    fiscal_year: int
    round_no: int = strawberry.field(description="รอบที่ — round of the fiscal year.")
    opened_on: dt.date = strawberry.field(
        description="วันเปิดรอบ — checks from this day count as checked in the round."
    )
    district_report_deadline: dt.date | None = strawberry.field(
        description="กำหนดอำเภอรายงานจังหวัด — districts report to their province by (Thai date)."
    )
    province_report_deadline: dt.date | None = strawberry.field(
        description="กำหนดจังหวัดรายงานกรม — provinces report to DLA by (Thai date)."
    )
    target_percent: float = strawberry.field(description="ค่าเป้าหมาย (ร้อยละ).")

    @classmethod
    def from_row(cls, row: Any) -> Kpi16Round:
        return cls(id=row.id, **shapes.KPI16_ROUND.python_values(row))

    @strawberry.field(
        description="ฐานข้อมูลอ้างอิง — DLA's reference list (your area's), each system with its match, "
        "a page at a time (ordered by id).",
        extensions=guarded(Kpi16References()),
    )
    async def references(
        self,
        info: Info,
        filter: Kpi16ReferenceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Kpi16ReferenceSystem] | None:
        return await round_references(
            self, info.context.loaders, info.context.now, filter=filter, first=first, after=after
        )

    @strawberry.field(
        description="รายงานของอำเภอ — the districts (that you see) expected to report to their "
        "province, each with its report or how late it is.",
        extensions=guarded(Kpi16Reports()),
    )
    async def district_reports(
        self, info: Info, province_code: str | None = None, district_code: str | None = None
    ) -> Kpi16ReportBoard | None:
        return await round_district_reports(
            self,
            info.context.loaders,
            info.context.now,
            province_code=province_code,
            district_code=district_code,
        )

    @strawberry.field(
        description="รายงานของจังหวัด — the provinces (that you see) expected to report to DLA.",
        extensions=guarded(Kpi16Reports()),
    )
    async def province_reports(
        self, info: Info, province_code: str | None = None
    ) -> Kpi16ReportBoard | None:
        return await round_province_reports(
            self, info.context.loaders, info.context.now, province_code=province_code
        )


async def round_references(
    round_: Kpi16Round,
    loaders: Loaders,
    now: dt.datetime,
    filter: Kpi16ReferenceFilter | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Kpi16ReferenceSystem]:
    """`Kpi16Round.references`: a page of the caller's area's references with their match
    (`hub.db.kpi16.references`), ordered by id, on the request's plain reads."""
    f = filter or Kpi16ReferenceFilter()
    statement = kpi16_sql.references(
        round_.id,
        loaders.identity,
        province_code=f.province_code,
        district_code=f.district_code,
        lao_code=f.lao_code,
        match=enums.Kpi16Match[f.match.value] if f.match is not None else None,
    )
    key = statement.selected_columns.id
    return await paginate_on(
        loaders.engine,
        statement,
        key,
        first,
        after,
        lambda r: Kpi16ReferenceSystem.from_row(r, round_),
    )


async def round_district_reports(
    round_: Kpi16Round,
    loaders: Loaders,
    now: dt.datetime,
    province_code: str | None = None,
    district_code: str | None = None,
) -> Kpi16ReportBoard:
    """`Kpi16Round.districtReports`: the districts' board (`_board`)."""
    return await _board(
        loaders,
        now,
        round_.id,
        enums.Kpi16ReportLevel.DISTRICT,
        province_code=province_code,
        district_code=district_code,
    )


async def round_province_reports(
    round_: Kpi16Round, loaders: Loaders, now: dt.datetime, province_code: str | None = None
) -> Kpi16ReportBoard:
    """`Kpi16Round.provinceReports`: the provinces' board (`_board`)."""
    return await _board(
        loaders, now, round_.id, enums.Kpi16ReportLevel.PROVINCE, province_code=province_code
    )


# Fields computed by a function over the request's DataLoaders, which their resolver calls:
# (type, field) → function(object, loaders, now, **arguments); the planned read path calls
# the same function for every object of an answer at once, under the field's own guard
# decided for the caller (`schema.plan_connections.loaded_read`).
LOADED_FIELDS: dict[tuple[str, str], Callable[..., Awaitable[Any]]] = {
    ("Kpi16Round", "references"): round_references,
    ("Kpi16Round", "districtReports"): round_district_reports,
    ("Kpi16Round", "provinceReports"): round_province_reports,
    ("Kpi16ReferenceSystem", "explanation"): reference_explanation,
}

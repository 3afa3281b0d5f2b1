"""Data entry: saving a domain section, and adding, updating or retiring a record.

One mutation per section (`saveHealthEnvironment`, …) and three per record table
(`addWaterSupplySystem`, …), built from the catalogue; each calls `hub.services.sections`
or `hub.services.records` once, a transaction of its own.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from hub.rules.catalogue import DOMAINS, Domain, RecordTable
from hub.rules.completeness import domains_in
from hub.services import records, sections
from schema.context import Info
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    InvalidState,
    NotFound,
    ReasonRequired,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)
from schema.mutations.inputs import RECORD_INPUTS, SECTION_INPUTS, values_of

VERSION_HELP = (
    "Give the version you loaded: `sectionVersion` (the section's own, `LaoYear.sectionVersions` "
    "or the section's `version`; 0 before the section has a row) conflicts only with a change "
    "of this domain, so two recorders saving different domains of one LAO-year both succeed; "
    "`version` (the LAO-year's) conflicts with any change of the LAO-year since, the stricter "
    "rule kept for callers written before sections had versions. At least one is needed; "
    "with both, both are checked."
)


@strawberry.type(description="บันทึกแล้ว — the section was saved.")
class SectionSaved:
    version: int = strawberry.field(
        description="ฉบับใหม่ — the LAO-year's new version (it advances with every change of any "
        "of its sections or its state)."
    )
    section_version: int = strawberry.field(
        description="ฉบับใหม่ของด้านนี้ — the section's new version: send it as `sectionVersion` "
        "with the next save of this domain."
    )
    complete_domains: list[int] = strawberry.field(
        description="ด้านที่ครบแล้ว — domains complete after this save."
    )


@strawberry.type(description="บันทึกรายการแล้ว — the record was added, updated or retired.")
class RecordSaved:
    record_id: int
    record_key: strawberry.ID
    record_version: int
    version: int = strawberry.field(description="The LAO-year's new version.")
    section_version: int = strawberry.field(
        description="The new version of the section holding the record table (a record is "
        "part of its domain's section)."
    )
    complete_domains: list[int]


SaveSectionResult = Annotated[
    SectionSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | FiscalYearClosed
    | ValidationFailed,
    strawberry.union("SaveSectionResult"),
]
SaveRecordResult = Annotated[
    RecordSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | FiscalYearClosed
    | ValidationFailed
    | ReasonRequired,
    strawberry.union("SaveRecordResult"),
]


def _section_mutation(d: Domain) -> Any:
    async def resolve(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        data: Any,
        version: int | None = None,
        section_version: int | None = None,
    ) -> Any:
        saved = await sections.save_section(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            domain_number=d.number,
            values=values_of(data, d.fields),
            expected_version=version,
            expected_section_version=section_version,
        )
        return SectionSaved(
            version=saved.version,
            section_version=saved.section_version,
            complete_domains=domains_in(saved.complete_mask),
        )

    resolve.__annotations__ = {
        "info": Info,
        "lao_code": str,
        "fiscal_year": int,
        "data": SECTION_INPUTS[d.number],
        "version": int | None,
        "section_version": int | None,
        "return": SaveSectionResult,
    }
    return strawberry.mutation(
        resolver=answers_refusals(resolve),
        name=f"save{d.type_name.removesuffix('Section')}",
        description=f"บันทึกข้อมูลด้านที่ {d.number} {d.label_th} — save domain {d.number} ({d.label_en}). "
        "Needs the LAO's recorder or verifier, a DRAFT in an open year, and the version you "
        "loaded; a field the fiscal year's form does not ask is refused (NOT_IN_YEAR). "
        + VERSION_HELP,
    )


def _record_mutations(t: RecordTable) -> dict[str, Any]:
    input_type = RECORD_INPUTS[t.name]

    async def save(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        versions: tuple[int | None, int | None],
        values: dict[str, Any],
        **record: Any,
    ) -> RecordSaved:
        version, section_version = versions
        saved = await records.save_record(
            info.context.write_engine,
            info.context.identity,
            table_name=t.name,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            values=values,
            expected_lao_year_version=version,
            expected_section_version=section_version,
            **record,
        )
        return RecordSaved(
            record_id=saved.record_id,
            record_key=strawberry.ID(saved.record_key),
            record_version=saved.record_version,
            version=saved.lao_year_version,
            section_version=saved.section_version,
            complete_domains=domains_in(saved.complete_mask),
        )

    async def add(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        data: Any,
        version: int | None = None,
        section_version: int | None = None,
    ) -> Any:
        values = values_of(data, t.fields)
        return await save(info, lao_code, fiscal_year, (version, section_version), values)

    async def change(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        record_id: int,
        record_version: int,
        data: Any,
        version: int | None = None,
        section_version: int | None = None,
    ) -> Any:
        values = values_of(data, t.fields)
        record = {"record_id": record_id, "expected_record_version": record_version}
        versions = (version, section_version)
        return await save(info, lao_code, fiscal_year, versions, values, **record)

    async def retire(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        record_id: int,
        record_version: int,
        reason: str,
        version: int | None = None,
        section_version: int | None = None,
    ) -> Any:
        record = {"record_id": record_id, "expected_record_version": record_version}
        versions = (version, section_version)
        return await save(info, lao_code, fiscal_year, versions, {}, **record, retire_reason=reason)

    base = {"info": Info, "lao_code": str, "fiscal_year": int}
    tail = {"version": int | None, "section_version": int | None, "return": SaveRecordResult}
    add.__annotations__ = {**base, "data": input_type, **tail}
    change.__annotations__ = {
        **base,
        "record_id": int,
        "record_version": int,
        "data": input_type,
        **tail,
    }
    retire.__annotations__ = {
        **base,
        "record_id": int,
        "record_version": int,
        "reason": str,
        **tail,
    }
    return {
        f"add_{t.name[:-1]}": strawberry.mutation(
            resolver=answers_refusals(add),
            name=f"add{t.type_name}",
            description=f"เพิ่ม{t.label_th} — add one record. " + VERSION_HELP,
        ),
        f"update_{t.name[:-1]}": strawberry.mutation(
            resolver=answers_refusals(change),
            name=f"update{t.type_name}",
            description=f"แก้ไข{t.label_th} — update one record (fields omitted keep their values). "
            + VERSION_HELP,
        ),
        f"retire_{t.name[:-1]}": strawberry.mutation(
            resolver=answers_refusals(retire),
            name=f"retire{t.type_name}",
            description=f"ยกเลิก{t.label_th} — retire one record (kept in history) with a reason. "
            + VERSION_HELP,
        ),
    }


def namespace() -> dict[str, Any]:
    """Every data-entry mutation, domain by domain: the section, then its record tables."""
    fields: dict[str, Any] = {}
    for d in DOMAINS:
        fields[f"save_{d.key}"] = _section_mutation(d)
        for t in d.record_tables:
            fields.update(_record_mutations(t))
    return fields

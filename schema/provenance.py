"""Where a value comes from: pulled values' sources, one value's history, the modules' owners.

* `PulledValue` (on the sections holding pulled fields, `governance { pulled { … } }`): the
  system, fetch time and batch of each pulled value, beside the value.
* `Query.provenance(laoCode:, fiscalYear:, field:)`: who set one value, when, by which action
  or source, and every change before (`hub.services.provenance.value_history`), under the
  value's own guards: the LAO-year's row rule (null when the caller may not see it) and its
  domain's (`FORBIDDEN` for a client without `domain:N`); who acted is personal data.
* `Query.sourceSystems` and `Query.modules`: the systems values are pulled from, and each
  module with the DLA unit that owns it (`hub.rules.source_systems`, `hub.rules.modules`).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from hub.db.models import Lao as LaoRow
from hub.rules import modules as module_rules
from hub.rules import permissions, source_systems
from hub.rules.identity import Identity
from hub.rules.problems import Forbidden, invalid
from hub.rules.validation import api_name
from hub.services import provenance as provenance_service
from schema.context import Info
from schema.enums import Role
from schema.loaders import Loaders, fetch_all
from schema.permissions import PersonalData, guarded


@strawberry.type(
    description="ระบบต้นทาง — another DLA system whose values INFO shows (read-only here)."
)
class SourceSystem:
    code: str = strawberry.field(description="รหัสระบบ — LHR, ALLOWANCE.")
    name_th: str = strawberry.field(description="ชื่อระบบ (ไทย) — the system's Thai name.")
    name_en: str = strawberry.field(description="The system's English name.")
    scope: str = strawberry.field(
        description="The OAuth scope its client needs to deliver values (`pulled:<code>`)."
    )
    fields: list[str] = strawberry.field(
        description="รายการที่ระบบนี้ส่ง — the fields it delivers, as `section.field` API names."
    )

    @classmethod
    def of(cls, system: source_systems.SourceSystem) -> SourceSystem:
        return cls(
            code=system.code,
            name_th=system.name_th,
            name_en=system.name_en,
            scope=system.scope,
            fields=[
                f"{source_systems.api_name_of_section(d)}.{api_name(f)}" for d, f in system.fields
            ],
        )


SOURCE_SYSTEM_TYPES = {s.code: SourceSystem.of(s) for s in source_systems.SOURCE_SYSTEMS}

SourceSystemCode = strawberry.enum(  # type: ignore[misc]
    enum.Enum(
        "SourceSystemCode",
        {
            s.code: strawberry.enum_value(s.code, description=f"{s.name_th} — {s.name_en}")
            for s in source_systems.SOURCE_SYSTEMS
        },
    ),
    description="ระบบต้นทาง — the code of a system values are pulled from.",
)


@strawberry.type(
    description="ที่มาของข้อมูลที่ดึงจากระบบอื่น — where one pulled value came from: the system, "
    "when the system fetched it, and the batch that delivered it."
)
class PulledValue:
    field: str = strawberry.field(description="รายการ — the field's API name (`staff`).")
    source_system: SourceSystem = strawberry.field(description="ระบบต้นทาง — the system.")
    fetched_at: dt.datetime = strawberry.field(
        description="ดึงข้อมูลเมื่อ — when the system produced the value."
    )
    batch: str = strawberry.field(description="ชุดข้อมูล — the batch's name, as the system gave it.")
    delivered_at: dt.datetime = strawberry.field(
        description="ส่งถึงระบบเมื่อ — when the batch reached the hub."
    )

    @classmethod
    def from_row(cls, row: Any) -> PulledValue:
        return cls(
            field=_api_field(row.field),
            source_system=SOURCE_SYSTEM_TYPES[row.source_system],
            fetched_at=row.fetched_at,
            batch=row.batch,
            delivered_at=row.delivered_at,
        )


def _api_field(name: str) -> str:
    from hub.rules.validation import camel

    return camel(name)


def pulled_resolver(field_names: frozenset[str]) -> Any:
    """`Section.pulled`: the provenance of the section's pulled values (one batched load)."""

    async def resolve(root: Any, info: Info) -> list[PulledValue]:
        rows = await info.context.loaders.pulled_values.load(root.lao_year_id)
        return [PulledValue.from_row(r) for r in rows if r.field in field_names]

    return resolve


@strawberry.enum(description="ผู้ดำเนินการเป็นใคร — what kind of caller made a change.")
class ActorKind(enum.Enum):
    PERSON = "PERSON"
    CLIENT = "CLIENT"
    COMMAND = "COMMAND"  # an operator's `hub` command: an import from a file


@strawberry.type(
    description="การเปลี่ยนแปลงค่า — one change of a value: a save, an import, a pull from its "
    "source system, or the year opened from the previous year's data (`copy`)."
)
class ValueChange:
    lao_place: strawberry.Private[permissions.LaoPlace]
    display_name: strawberry.Private[str | None]
    entry_id: int = strawberry.field(description="เลขที่รายการในประวัติ — the change-log entry's id.")
    entry_hash: str = strawberry.field(description="The entry's SHA-256 in the hash chain.")
    at: dt.datetime = strawberry.field(description="วันเวลา — when.")
    action: str = strawberry.field(description="save, import, pull or copy.")
    fiscal_year: int = strawberry.field(
        description="ปีงบประมาณ — the year whose value changed (for a copied year: the earlier one)."
    )
    before: JSON | None = strawberry.field(description="ค่าเดิม — the value before.")
    after: JSON | None = strawberry.field(description="ค่าใหม่ — the value after.")
    fetched_at: str | None = strawberry.field(
        description="For a pulled value, when its source system fetched it."
    )
    reason: str | None = strawberry.field(
        description="เหตุผล/ที่มา — the reason given, or the import or batch it belongs to."
    )
    source: str | None = strawberry.field(
        description="ที่มา — for an import, what it read (the demo dataset, a file); for a pull, "
        "the system and batch."
    )
    source_digest: str | None = strawberry.field(
        description="For an import, the SHA-256 of what it read (its change-log header entry)."
    )
    actor_role: Role | None = strawberry.field(description="บทบาทผู้ดำเนินการ — role of who did it.")
    actor_kind: ActorKind = strawberry.field(description="a person, a client, or a command.")

    @strawberry.field(
        description="ผู้ดำเนินการ — who did it (personal data).",
        extensions=guarded(PersonalData()),
    )
    def actor_name(self) -> str | None:
        return self.display_name


# Fields guarded per LAO and the attribute their resolver returns once allowed: the planned
# path decides them per object and reads the same attribute (`schema.root`).
PLACE_GUARDED_FIELDS = {("ValueChange", "actorName"): "display_name"}


def _change(c: provenance_service.ValueChange, place: permissions.LaoPlace) -> ValueChange:
    if c.actor_user_id is not None:
        kind, name = ActorKind.PERSON, c.actor_display_name
    elif c.actor_client_id is not None:
        kind, name = ActorKind.CLIENT, c.actor_client_name
    elif c.actor_issuer is not None and c.actor_issuer.startswith("hub "):
        kind, name = ActorKind.COMMAND, f"{c.actor_subject} ({c.actor_issuer})"
    else:
        kind = ActorKind.PERSON
        name = f"{c.actor_subject} ({c.actor_issuer})" if c.actor_subject else None
    return ValueChange(
        lao_place=place,
        display_name=name,
        entry_id=c.entry_id,
        entry_hash=c.entry_hash,
        at=c.at,
        action=c.action,
        fiscal_year=c.fiscal_year,
        before=c.before,
        after=c.after,
        fetched_at=c.fetched_at,
        reason=c.reason,
        source=c.source,
        source_digest=c.source_digest,
        actor_role=c.actor_role.name if c.actor_role else None,  # type: ignore[arg-type]
        actor_kind=kind,
    )


@strawberry.type(
    description="ที่มาของข้อมูล — where one stored value comes from: its current value, the "
    "source system of a pulled value, and every change that set it, oldest first."
)
class ValueProvenance:
    lao_code: str = strawberry.field(description="รหัส อปท. — the LAO's code.")
    fiscal_year: int = strawberry.field(description="ปีงบประมาณ — the fiscal year.")
    field: str = strawberry.field(description="รายการ — the field, as `section.field`.")
    domain: int = strawberry.field(description="ด้านที่ — the domain, 1–8.")
    value: JSON | None = strawberry.field(description="ค่าปัจจุบัน — the value stored now.")
    pulled: PulledValue | None = strawberry.field(
        description="For a pulled value: its system, fetch time and batch (null: recorded by the LAO)."
    )
    changes: list[ValueChange] = strawberry.field(
        description="ประวัติ — every change, oldest first; the last set the current value."
    )
    set_by: ValueChange | None = strawberry.field(
        description="ผู้บันทึกค่าปัจจุบัน — the change that set the current value (the last one)."
    )


async def provenance(
    info: Info, lao_code: str, fiscal_year: int, field: str
) -> ValueProvenance | None:
    context = info.context
    return await value_provenance(
        context.engine, context.loaders, context.identity, lao_code, fiscal_year, field
    )


async def provenance_of(
    engine: Any, lao_code: str, fiscal_year: int, field: str, *, identity: Identity
) -> ValueProvenance | None:
    """`Query.provenance` on the planned path (`schema.root.COMPUTED_ROOTS`): the same
    function over DataLoaders of its own."""
    return await value_provenance(
        engine, Loaders(engine, identity), identity, lao_code, fiscal_year, field
    )


async def value_provenance(
    engine: Any,
    loaders: Loaders,
    identity: Identity,
    lao_code: str,
    fiscal_year: int,
    field: str,
) -> ValueProvenance | None:
    """Who set one value of an LAO-year and every change before (module docstring): None
    for an unknown LAO or a year the caller may not see; FORBIDDEN for a client without the
    field's domain; an unknown field is the caller's mistake (`UNKNOWN_FIELD`)."""
    found = source_systems.field_by_api_name(field)
    if found is None:
        raise invalid(
            "field",
            "UNKNOWN_FIELD",
            f"{field}: no such field (give its API name, e.g. governance.staff)",
            f"{field}: ไม่มีรายการนี้",
        )
    d, f = found
    rows = await fetch_all(
        engine,
        select(LaoRow.id, LaoRow.type, LaoRow.district_id, LaoRow.province_id).where(
            LaoRow.code == lao_code
        ),
    )
    if not rows:
        return None
    lao = rows[0]
    year = await loaders.lao_year.load((lao.id, fiscal_year))
    if year is None:  # no such year, or the caller may not see it: as `Lao.year`
        return None
    if not permissions.can_read_domain(identity, d.number):
        raise Forbidden(
            f"Domain {d.number}: this client has not been granted the scope 'domain:{d.number}'.",
            f"ด้านที่ {d.number}: ระบบนี้ไม่ได้รับสิทธิ์ 'domain:{d.number}'",
        )
    place = permissions.LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
    section = await loaders.sections[d.number].load(year.id)
    value = section._mapping[f.column] if section is not None else None
    pulled = None
    if f.source:
        for row in await loaders.pulled_values.load(year.id):
            if row.field == f.name:
                pulled = PulledValue.from_row(row)
    async with engine.connect() as conn:
        history = await provenance_service.value_history(conn, year.id, d, f)
    changes = [_change(c, place) for c in history]
    from hub.services.audit import logged_form

    return ValueProvenance(
        lao_code=lao_code,
        fiscal_year=fiscal_year,
        field=f"{source_systems.api_name_of_section(d)}.{api_name(f)}",
        domain=d.number,
        value=logged_form(value),
        pulled=pulled,
        changes=changes,
        set_by=changes[-1] if changes else None,
    )


@strawberry.type(
    description="หน่วยงานเจ้าของ — the DLA unit that owns a module, and how to reach it."
)
class ModuleOwner:
    unit_th: str = strawberry.field(description="หน่วยงาน — the unit (Thai).")
    unit_en: str = strawberry.field(description="The unit (English).")
    division_th: str | None = strawberry.field(description="กอง — its division (Thai).")
    division_en: str | None = strawberry.field(description="Its division (English).")
    organisation_th: str = strawberry.field(description="กรม — the department (Thai).")
    organisation_en: str = strawberry.field(description="The department (English).")
    phone: str = strawberry.field(description="โทรศัพท์ — the department's number.")
    extensions: list[str] = strawberry.field(description="ต่อ — the unit's extensions.")


@strawberry.type(description="ระบบงาน — a module of the hub and the unit that owns it.")
class Module:
    code: str = strawberry.field(description="INFO, LPA7, KPI16, MISSIONS.")
    name_th: str = strawberry.field(description="ชื่อ — the module's Thai name.")
    name_en: str = strawberry.field(description="The module's English name.")
    owner: ModuleOwner = strawberry.field(description="เจ้าของ — who owns it: whom to contact.")


def modules() -> list[Module]:
    return [
        Module(
            code=m.code,
            name_th=m.name_th,
            name_en=m.name_en,
            owner=ModuleOwner(
                unit_th=m.owner.unit_th,
                unit_en=m.owner.unit_en,
                division_th=m.owner.division_th,
                division_en=m.owner.division_en,
                organisation_th=module_rules.DLA_TH,
                organisation_en=module_rules.DLA_EN,
                phone=m.owner.phone,
                extensions=list(m.owner.extensions),
            ),
        )
        for m in module_rules.MODULES
    ]

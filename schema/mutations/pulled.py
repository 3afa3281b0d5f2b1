"""deliverPulledValues: a source system (its OAuth client, scope `pulled:<system>`) or a DLA
administrator delivers a batch of its values (`hub.services.pulled`; the command line's
`hub pulled import` takes the same path)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.rules.source_systems import DeliveredRow
from hub.services import pulled
from schema.context import Info
from schema.mutations.errors import Forbidden, ValidationFailed, answers_refusals
from schema.provenance import SOURCE_SYSTEM_TYPES, SourceSystem, SourceSystemCode


@strawberry.input(description="ค่าหนึ่งรายการจากระบบต้นทาง — one value a source system delivers.")
class PulledValueInput:
    lao_code: str = strawberry.field(description="รหัส อปท. — the LAO's DLA code.")
    fiscal_year: int = strawberry.field(description="ปีงบประมาณ (พ.ศ.) — the fiscal year.")
    field: str = strawberry.field(
        description="รายการ — the field's API name (`staff`); `sourceSystems` lists each system's."
    )
    value: str | None = strawberry.field(
        description="ค่า — the value as text, as the system's export writes it (`57`); null: the "
        "system holds no value."
    )
    fetched_at: dt.datetime | None = strawberry.field(
        default=None,
        description="ดึงข้อมูลเมื่อ — when the system produced the value (default: delivery time).",
    )


@strawberry.type(
    description="ส่งข้อมูลแล้ว — the batch was accepted (or had been: `alreadyDelivered`)."
)
class PulledValuesDelivered:
    source_system: SourceSystem
    batch: str = strawberry.field(description="ชุดข้อมูล — the batch's name.")
    digest: str = strawberry.field(description="SHA-256 of the batch's content.")
    delivered_at: dt.datetime = strawberry.field(description="When the hub first accepted it.")
    values: int = strawberry.field(description="จำนวนค่า — values in the batch.")
    changed: int = strawberry.field(description="ค่าที่เปลี่ยน — values (or fetch times) it changed.")
    already_delivered: bool = strawberry.field(
        description="ส่งซ้ำ — the same batch had been delivered before: nothing changed now."
    )


DeliverPulledValuesResult = Annotated[
    PulledValuesDelivered | Forbidden | ValidationFailed,
    strawberry.union("DeliverPulledValuesResult"),
]


@strawberry.mutation(
    description="ส่งข้อมูลจากระบบต้นทาง — a source system delivers a batch of the values it owns "
    "(the client of that system, scope `pulled:<code>`, or a DLA administrator with its export). "
    "Checked against the catalogue and the LAO-years, all or nothing; the same batch again "
    "changes nothing; logged with the batch's digest. LAO staff cannot write these fields."
)
@answers_refusals
async def deliver_pulled_values(
    info: Info, source: SourceSystemCode, batch: str, values: list[PulledValueInput]
) -> DeliverPulledValuesResult:
    code = source.value
    done = await pulled.deliver(
        info.context.write_engine,
        source=code,
        batch=batch,
        rows=[
            DeliveredRow(v.lao_code, v.fiscal_year, v.field, v.value, v.fetched_at) for v in values
        ],
        identity=info.context.identity,
    )
    return PulledValuesDelivered(
        source_system=SOURCE_SYSTEM_TYPES[done.source],
        batch=done.batch,
        digest=done.digest,
        delivered_at=done.delivered_at,
        values=done.values,
        changed=done.changed,
        already_delivered=done.already_delivered,
    )

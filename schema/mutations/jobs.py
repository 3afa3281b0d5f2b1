"""Background work in GraphQL: export jobs (`startExport`, `exportJob`) and webhooks
(`subscribeWebhook`, `unsubscribeWebhook`, `webhookSubscriptions`, `webhookDeliveries`).

Thin faces over `hub.services.exports` and `hub.services.webhooks`: the lists, formats and
parameters are checked by `hub.rules.exports`, who may subscribe by `hub.rules.webhooks`;
a job's rows are read by the list's GraphQL operation run as the caller (README "Exports").
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.scalars import JSON

from hub.rules import exports as export_rules
from hub.rules.identity import Identity
from hub.rules.webhooks import EventType
from hub.services import exports, webhooks
from schema.context import Info
from schema.mutations.errors import Forbidden, NotFound, ValidationFailed, answers_refusals


@strawberry.enum(description="รูปแบบไฟล์ — an export's file format.")
class ExportFormat(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


@strawberry.enum(description="สถานะงานส่งออก — where an export job is.")
class ExportJobStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.enum(description="เหตุการณ์ — what a webhook subscription is told about.")
class WebhookEventType(enum.Enum):
    LAO_YEAR_CERTIFIED = "lao_year.certified"
    LAO_YEAR_CANCELLED = "lao_year.cancelled"
    ROUND_OPENED = "round.opened"
    KPI16_REPORT_SUBMITTED = "kpi16_report.submitted"


@strawberry.input(description="พารามิเตอร์การส่งออก — which part of the list.")
class ExportParameters:
    province_code: str | None = strawberry.field(default=None, description="รหัสจังหวัด, 2 digits.")
    district_code: str | None = strawberry.field(default=None, description="รหัสอำเภอ, 4 digits.")
    fiscal_year: int | None = strawberry.field(
        default=None, description="ปีงบประมาณ (พ.ศ.); needed by lao-years and progress."
    )


@strawberry.type(description="งานส่งออก — an export running in the background.")
class ExportJob:
    id: str
    list: str = strawberry.field(description="laos, lao-years or progress.")
    format: ExportFormat
    parameters: JSON
    status: ExportJobStatus
    rows_done: int
    rows_total: int | None
    size_bytes: int | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    expires_at: dt.datetime
    download_url: str | None = strawberry.field(
        description="ที่อยู่ดาวน์โหลด — GET it with the same bearer token once DONE."
    )

    @classmethod
    def of(cls, job: exports.Job) -> ExportJob:
        return cls(
            id=job.id,
            list=job.list_name,
            format=ExportFormat(job.file_format.value),
            parameters=job.parameters,
            status=ExportJobStatus(job.status.value),
            rows_done=job.rows_done,
            rows_total=job.rows_total,
            size_bytes=job.size_bytes,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            download_url=(
                f"/exports/jobs/{job.id}/download"
                if job.status is export_rules.JobStatus.DONE
                else None
            ),
        )


ExportResult = Annotated[ExportJob | Forbidden | ValidationFailed, strawberry.union("ExportResult")]


@strawberry.mutation(
    description="ส่งออกข้อมูล — start an export of a list (laos, lao-years, progress) as CSV, "
    "XLSX or JSON Lines in the background; poll `exportJob(id)` and download from its "
    "`downloadUrl`. The rows are what the caller's own GraphQL query would read."
)
@answers_refusals
async def start_export(
    info: Info,
    list: str,
    format: ExportFormat,
    parameters: ExportParameters | None = None,
) -> ExportResult:
    given = parameters or ExportParameters()
    request = export_rules.export_request(
        list,
        format.value,
        {
            "province": given.province_code,
            "district": given.district_code,
            "fiscalYear": given.fiscal_year,
        },
    )
    job = await exports.start(
        info.context.write_engine,
        info.context.identity,
        request,
        dt.timedelta(hours=info.context.settings.export_keep_hours),
    )
    return ExportJob.of(job)


async def export_job_of(engine: Any, id: str, *, identity: Identity) -> ExportJob:
    """`Query.exportJob`: the caller's own export job (another's, or an expired one, is
    NOT_FOUND); the resolver and the planned path (`schema.root.COMPUTED_ROOTS`) call it."""
    return ExportJob.of(await exports.job(engine, identity, id))


async def export_job(info: Info, id: str) -> ExportJob:
    return await export_job_of(info.context.engine, id, identity=info.context.identity)


export_job_field = strawberry.field(
    resolver=export_job,
    description="งานส่งออก — one of the caller's export jobs (another caller's is not found).",
)


@strawberry.type(description="การสมัครรับ webhook — a client's endpoint for some events.")
class WebhookSubscription:
    id: int
    url: str
    event_types: list[WebhookEventType]
    description: str | None
    active: bool
    created_at: dt.datetime
    secret: str | None = strawberry.field(
        description="กุญแจลงนาม — the signing secret (whsec_…), shown only in the answer to "
        "subscribeWebhook: keep it to verify deliveries."
    )

    @classmethod
    def of(cls, s: webhooks.Subscription) -> WebhookSubscription:
        return cls(
            id=s.id,
            url=s.url,
            event_types=[WebhookEventType(t.value) for t in s.event_types],
            description=s.description,
            active=s.active,
            created_at=s.created_at,
            secret=s.secret,
        )


@strawberry.type(description="ความพยายามส่ง — one try of a delivery.")
class WebhookAttempt:
    number: int
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@strawberry.type(description="การส่ง webhook — one event to one subscription, with every try.")
class WebhookDelivery:
    id: int
    subscription_id: int
    event_id: str = strawberry.field(description="The `webhook-id` header of every try.")
    event_type: WebhookEventType
    payload: JSON
    status: str = strawberry.field(description="PENDING, DELIVERED, FAILED or CANCELLED.")
    attempts: list[WebhookAttempt]
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime


WebhookResult = Annotated[
    WebhookSubscription | Forbidden | NotFound | ValidationFailed,
    strawberry.union("WebhookSubscriptionResult"),
]


@strawberry.mutation(
    description="สมัครรับ webhook — an API client subscribes an https endpoint to events; "
    "deliveries are signed per Standard Webhooks with the returned `secret`."
)
@answers_refusals
async def subscribe_webhook(
    info: Info,
    url: str,
    event_types: list[WebhookEventType],
    description: str | None = None,
) -> WebhookResult:
    made = await webhooks.subscribe(
        info.context.write_engine,
        info.context.identity,
        url=url,
        event_types=[EventType(t.value) for t in event_types],
        description=description,
        public_only=info.context.settings.production,
    )
    return WebhookSubscription.of(made)


@strawberry.mutation(
    description="ยกเลิกการสมัครรับ webhook — stop a subscription; its pending deliveries are "
    "cancelled."
)
@answers_refusals
async def unsubscribe_webhook(info: Info, id: int) -> WebhookResult:
    return WebhookSubscription.of(
        await webhooks.unsubscribe(info.context.write_engine, info.context.identity, id)
    )


async def webhook_subscriptions_of(engine: Any, *, identity: Identity) -> list[WebhookSubscription]:
    """`Query.webhookSubscriptions`: the calling client's subscriptions (resolver and
    planned path alike)."""
    return [WebhookSubscription.of(s) for s in await webhooks.subscriptions(engine, identity)]


async def webhook_subscriptions(info: Info) -> list[WebhookSubscription]:
    return await webhook_subscriptions_of(info.context.engine, identity=info.context.identity)


async def webhook_deliveries(
    info: Info, subscription_id: int | None = None, first: int = 100
) -> list[WebhookDelivery]:
    return await webhook_deliveries_of(
        info.context.engine, subscription_id, first, identity=info.context.identity
    )


async def webhook_deliveries_of(
    engine: Any, subscription_id: int | None = None, first: int = 100, *, identity: Identity
) -> list[WebhookDelivery]:
    """`Query.webhookDeliveries`: the calling client's delivery log, newest first, each with
    its tries (resolver and planned path alike)."""
    found = await webhooks.deliveries(
        engine, identity, subscription_id=subscription_id, limit=first
    )
    return [
        WebhookDelivery(
            id=d.id,
            subscription_id=d.subscription_id,
            event_id=d.event_id,
            event_type=WebhookEventType(d.event_type.value),
            payload=orjson.loads(d.payload),
            status=d.status,
            attempts=[
                WebhookAttempt(
                    number=a.number,
                    at=a.at,
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
                for a in d.attempts
            ],
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )
        for d in found
    ]


webhook_subscriptions_field = strawberry.field(
    resolver=webhook_subscriptions,
    description="การสมัครรับ webhook ของฉัน — the calling client's subscriptions.",
)
webhook_deliveries_field = strawberry.field(
    resolver=webhook_deliveries,
    description="บันทึกการส่ง webhook — the calling client's delivery log, newest first "
    "(at most `first`, ≤ 1,000), each with its tries.",
)

FIELDS = {
    "start_export": start_export,
    "subscribe_webhook": subscribe_webhook,
    "unsubscribe_webhook": unsubscribe_webhook,
}

"""Webhooks: clients subscribe to events; each event is delivered to each subscription at
least once, signed per the Standard Webhooks specification, and retried with backoff.

- `subscribe` / `unsubscribe`: one transaction each, in the change log; a client reads and
  changes only its own subscriptions (`hub.rules.webhooks.owner_of`).
- `emit(conn, …)` runs inside the transaction of the change that causes the event (a
  certification, a round opened, a KPI-16 report): the event, one delivery per active
  subscription to its type, and one queued job per delivery commit with the change or not
  at all (the outbox), so no committed change loses its event.
- `deliver` is the job: it POSTs the event's body with `webhook-id` (the event's id, the same
  on every retry, so a receiver drops repeats), `webhook-timestamp` and `webhook-signature`
  (`v1,` + base64 HMAC-SHA256 over "id.timestamp.body" with the subscription's secret, by
  the `standardwebhooks` package); any 2xx is success. Otherwise the try is logged and, until
  HUB_WEBHOOK_MAX_ATTEMPTS, the next is queued after `retry_delay` in the same transaction.
- `deliveries`: a client's delivery log (each try: when, the status or failure, how long).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from standardwebhooks.webhooks import Webhook

from hub.db.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from hub.rules.identity import Identity
from hub.rules.problems import invalid, not_found
from hub.rules.webhooks import (
    MAX_SUBSCRIPTIONS,
    EventType,
    check_event_types,
    check_url,
    is_internal_address,
    is_success,
    may_subscribe,
    owner_of,
    retry_delay,
)
from hub.services import audit, queue

DELIVER = "webhook.deliver"  # the job's entrypoint


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    event_types: tuple[EventType, ...]
    description: str | None
    active: bool
    created_at: dt.datetime
    secret: str | None = None  # shown once, when subscribing


@dataclass(frozen=True)
class Attempt:
    number: int
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: int
    subscription_id: int
    event_id: str
    event_type: EventType
    payload: str
    status: str
    attempts: tuple[Attempt, ...]
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout: float = 10.0
    retry_base: float = 5.0
    max_attempts: int = 8
    public_only: bool = False  # production: never deliver to an address of the hub's network


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _subscription(row: Any, secret: str | None = None) -> Subscription:
    return Subscription(
        id=row.id,
        url=row.url,
        event_types=tuple(EventType(n) for n in row.event_types.split()),
        description=row.description,
        active=row.active,
        created_at=row.created_at,
        secret=secret,
    )


async def subscribe(
    writer: AsyncEngine,
    identity: Identity,
    *,
    url: str,
    event_types: Sequence[EventType],
    description: str | None = None,
    public_only: bool = False,
) -> Subscription:
    """`public_only` (production): https to a public address only (`check_url`)."""
    may_subscribe(identity)
    owner = owner_of(identity)
    url = check_url(url, public_only=public_only)
    types = check_event_types(event_types)
    if description is not None and len(description) > 500:
        raise invalid("description", "TOO_LONG", "at most 500 characters", "ไม่เกิน 500 ตัวอักษร")
    secret = new_secret()
    async with writer.begin() as conn:
        active = (
            await conn.execute(
                select(WebhookSubscription.id).where(
                    WebhookSubscription.owner == owner, WebhookSubscription.active.is_(True)
                )
            )
        ).all()
        if len(active) >= MAX_SUBSCRIPTIONS:
            raise invalid(
                "url",
                "TOO_MANY",
                f"a client has at most {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe one first",
                f"สมัครได้ไม่เกิน {MAX_SUBSCRIPTIONS} รายการ",
            )
        at = audit.now()
        new_id = (
            await conn.execute(
                insert(WebhookSubscription)
                .values(
                    owner=owner,
                    url=url,
                    event_types=" ".join(t.value for t in types),
                    secret=secret,
                    description=description,
                    active=True,
                    created_at=at,
                )
                .returning(WebhookSubscription.id)
            )
        ).scalar_one()
        await audit.append(
            conn,
            audit.actor_of(identity),
            entity="webhook_subscriptions",
            entity_id=new_id,
            action="subscribe",
            changes={"url": (None, url), "event_types": (None, [t.value for t in types])},
            at=at,
        )
        row = (
            await conn.execute(select(WebhookSubscription).where(WebhookSubscription.id == new_id))
        ).one()
    return _subscription(row, secret=secret)


async def _own(conn: AsyncConnection, identity: Identity, subscription_id: int) -> Any:
    row = (
        await conn.execute(
            select(WebhookSubscription).where(
                WebhookSubscription.id == subscription_id,
                WebhookSubscription.owner == owner_of(identity),
            )
        )
    ).first()
    if row is None:  # another client's reads as absent: ids are not disclosed
        raise not_found(
            f"webhook subscription {subscription_id}", f"การสมัครรับ webhook {subscription_id}"
        )
    return row


async def unsubscribe(
    writer: AsyncEngine, identity: Identity, subscription_id: int
) -> Subscription:
    may_subscribe(identity)
    async with writer.begin() as conn:
        row = await _own(conn, identity, subscription_id)
        if row.active:
            at = audit.now()
            await conn.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == row.id)
                .values(active=False, cancelled_at=at)
            )
            await conn.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.subscription_id == row.id,
                    WebhookDelivery.status == "PENDING",
                )
                .values(status="CANCELLED", next_attempt_at=None)
            )
            await audit.append(
                conn,
                audit.actor_of(identity),
                entity="webhook_subscriptions",
                entity_id=row.id,
                action="unsubscribe",
                changes={"active": (True, False)},
                at=at,
            )
        row = await _own(conn, identity, subscription_id)
    return _subscription(row)


async def subscriptions(engine: AsyncEngine, identity: Identity) -> list[Subscription]:
    may_subscribe(identity)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(WebhookSubscription)
                .where(WebhookSubscription.owner == owner_of(identity))
                .order_by(WebhookSubscription.id)
            )
        ).all()
    return [_subscription(r) for r in rows]


def event_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


async def emit(
    conn: AsyncConnection,
    event_type: EventType,
    data: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> str | None:
    """Record the event and queue its deliveries in the caller's transaction (the outbox).
    Returns the event's id, or None when no subscription wants it (nothing is written)."""
    wanted = [
        row.id
        for row in (
            await conn.execute(
                select(WebhookSubscription.id, WebhookSubscription.event_types).where(
                    WebhookSubscription.active.is_(True)
                )
            )
        ).all()
        if event_type.value in row.event_types.split()
    ]
    if not wanted:
        return None
    at = at or audit.now()
    new_id = event_id()
    body = orjson.dumps(
        {"type": event_type.value, "timestamp": at.isoformat(), "data": dict(data)}
    ).decode()
    await conn.execute(
        insert(WebhookEvent).values(
            id=new_id, event_type=event_type.value, payload=body, occurred_at=at
        )
    )
    for subscription_id in wanted:
        delivery_id = (
            await conn.execute(
                insert(WebhookDelivery)
                .values(
                    subscription_id=subscription_id,
                    event_id=new_id,
                    status="PENDING",
                    attempts=0,
                    next_attempt_at=at,
                    created_at=at,
                )
                .returning(WebhookDelivery.id)
            )
        ).scalar_one()
        await queue.enqueue(conn, DELIVER, str(delivery_id).encode())
    return new_id


def signed_headers(secret: str, message_id: str, at: dt.datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
        "user-agent": "INFO-Hub-Webhooks/1",
    }


class InternalAddress(Exception):
    """A subscriber's host resolved to an address of the hub's own network."""


async def _refuse_internal(url: str) -> None:
    """The subscription's host as it resolves now (a name checked at subscription may point
    elsewhere since): any internal address refuses this try."""
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError as exc:
        raise InternalAddress(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        if is_internal_address(str(info[4][0])):
            raise InternalAddress(f"refused: {host} resolves to an internal address")


async def deliver(
    writer: AsyncEngine,
    delivery_id: int,
    policy: DeliveryPolicy,
    client: httpx.AsyncClient | None = None,
) -> str:
    """One try of one delivery (the job). Returns the delivery's status afterwards."""
    async with writer.connect() as conn:
        found = (
            await conn.execute(
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.status,
                    WebhookDelivery.attempts,
                    WebhookSubscription.active,
                    WebhookSubscription.url,
                    WebhookSubscription.secret,
                    WebhookEvent.id.label("event_id"),
                    WebhookEvent.payload,
                )
                .join(
                    WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id
                )
                .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
    if found is None:
        return "GONE"
    delivery = subscription = event = found
    if delivery.status != "PENDING" or not subscription.active:
        return str(delivery.status)  # done already (a job run twice), or unsubscribed
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    headers = signed_headers(subscription.secret, event.event_id, at, event.payload)
    status_code: int | None = None
    error: str | None = None
    started = time.monotonic()
    try:
        if policy.public_only:
            await _refuse_internal(subscription.url)
        own_client = client is None
        http = client or httpx.AsyncClient(timeout=policy.timeout, follow_redirects=False)
        try:
            response = await http.post(
                subscription.url, content=event.payload.encode(), headers=headers
            )
            status_code = response.status_code
        finally:
            if own_client:
                await http.aclose()
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except InternalAddress as exc:
        error = str(exc)[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    number = delivery.attempts + 1
    ok = status_code is not None and is_success(status_code)
    if not ok and error is None:
        error = f"HTTP {status_code}"
    async with writer.begin() as conn:
        await conn.execute(
            insert(WebhookAttempt).values(
                delivery_id=delivery.id,
                number=number,
                at=at,
                status_code=status_code,
                error=None if ok else error,
                duration_ms=duration_ms,
            )
        )
        if ok:
            status, next_at = "DELIVERED", None
        elif number >= policy.max_attempts:
            status, next_at = "FAILED", None
        else:
            delay = dt.timedelta(seconds=retry_delay(number, policy.retry_base))
            status, next_at = "PENDING", at + delay
            await queue.enqueue(conn, DELIVER, str(delivery.id).encode(), after=delay)
        # Only the try that still sees the delivery pending records it (a job run twice at
        # once records one outcome).
        await conn.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.attempts == delivery.attempts)
            .values(
                status=status,
                attempts=number,
                next_attempt_at=next_at,
                last_status_code=status_code,
                last_error=None if ok else error,
                delivered_at=at if ok else None,
            )
        )
    return status


async def deliveries(
    engine: AsyncEngine,
    identity: Identity,
    *,
    subscription_id: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """The caller's delivery log, newest first, each with its tries (two statements)."""
    may_subscribe(identity)
    if not 1 <= limit <= 1000:
        raise invalid("first", "OUT_OF_RANGE", "between 1 and 1,000", "ระหว่าง 1 ถึง 1,000")
    owner = owner_of(identity)
    async with engine.connect() as conn:
        statement = (
            select(
                WebhookDelivery.id,
                WebhookDelivery.subscription_id,
                WebhookDelivery.event_id,
                WebhookDelivery.status,
                WebhookDelivery.next_attempt_at,
                WebhookDelivery.delivered_at,
                WebhookDelivery.created_at,
                WebhookEvent.event_type,
                WebhookEvent.payload,
            )
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookSubscription.owner == owner)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        if subscription_id is not None:
            statement = statement.where(WebhookDelivery.subscription_id == subscription_id)
        rows = (await conn.execute(statement)).all()
        ids = [r.id for r in rows]
        tries: dict[int, list[Attempt]] = {i: [] for i in ids}
        if ids:
            attempts = await conn.execute(
                select(
                    WebhookAttempt.delivery_id,
                    WebhookAttempt.number,
                    WebhookAttempt.at,
                    WebhookAttempt.status_code,
                    WebhookAttempt.error,
                    WebhookAttempt.duration_ms,
                )
                .where(WebhookAttempt.delivery_id.in_(ids))
                .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
            )
            for a in attempts:
                tries[a.delivery_id].append(
                    Attempt(a.number, a.at, a.status_code, a.error, a.duration_ms)
                )
    return [
        Delivery(
            id=d.id,
            subscription_id=d.subscription_id,
            event_id=d.event_id,
            event_type=EventType(d.event_type),
            payload=d.payload,
            status=d.status,
            attempts=tuple(tries[d.id]),
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )
        for d in rows
    ]

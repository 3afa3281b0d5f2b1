"""Background work kept in the database, so any worker or replica can pick it up, report on it
or serve its result: export jobs and their files, webhook subscriptions, the events they are
told about and each delivery's log; and, on the embedded SQLite default only, the queue of
jobs the in-process worker runs (on PostgreSQL the queue is pgqueuer's own tables, made by
migration 0019).

Owners are named by `owner` ("client:<client id>", "user:<username>", with "@<issuer>" for an
external identity provider's callers): a job or a subscription is read and changed only by
the caller it belongs to (`hub.services.jobs_owner`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column


class ExportJob(Base):
    """A large export run in the background: what was asked, by whom (the identity it runs
    as, so its rows pass the same permission and row rules as the request would have), how
    far it got, and its file (in `export_chunks`)."""

    __tablename__ = "export_jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # random, URL-safe
    owner: Mapped[str] = mapped_column(String(320), index=True)
    identity: Mapped[str] = mapped_column(Text)  # JSON: the caller as it asked
    list_name: Mapped[str] = mapped_column(String(40))
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx | jsonl
    parameters: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(12))  # QUEUED RUNNING DONE FAILED
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)


class ExportChunk(Base):
    """One piece of an export's file, in order; the download streams them one by one."""

    __tablename__ = "export_chunks"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("export_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class WebhookSubscription(Base):
    """A client's endpoint for some event types, with the secret deliveries are signed with
    (Standard Webhooks: `whsec_` + base64)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(320), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[str] = mapped_column(Text)  # space-separated names
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebhookEvent(Base):
    """Something that happened, written in the same transaction as the change (the outbox):
    its id is the `webhook-id` every delivery of it carries, so a receiver drops repeats."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_…
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # JSON: the body as delivered
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One event to one subscription: delivered at least once, retried with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))  # PENDING DELIVERED FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = created_at_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebhookAttempt(Base):
    """One try of a delivery: when, the answer's status or the failure, and how long."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)


class LocalJob(Base):
    """The in-process queue of the embedded SQLite default (pgqueuer's role on PostgreSQL):
    an entrypoint, its payload, and when it may run. A worker claims a job by moving it to
    `picked` in one statement (SQLite has one writer), runs it and deletes it."""

    __tablename__ = "local_jobs"
    __table_args__ = (Index("ix_local_jobs_status_execute_after", "status", "execute_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entrypoint: Mapped[str] = mapped_column(String(60))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | picked
    execute_after: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    picked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

"""Certifying and cancelling LAO-years (DOMAIN.md "Two-tier certification"), one transaction
each.

`transition` moves one LAO-year along the state table of `hub.rules.certification`: exactly
one of several concurrent calls wins (the LAO-year's version), and each is recorded as a
certification event and in the change log, naming the role that allowed it (the LAO's
verifier, or an officer of its province). `transition_batch` is what a province uses for
many LAO-years at once: at most `PROVINCE_BATCH_LIMIT`, refused as a whole before any
transaction when longer, then one independent transaction per item, so one refusal never
undoes another item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import certification_counts, lpa_tallies
from hub.db.models import CertificationEvent, LaoYear
from hub.rules import lpa
from hub.rules.certification import PROVINCE_BATCH_LIMIT, TRANSITIONS, Action
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import Identity
from hub.rules.problems import Refusal, invalid
from hub.rules.webhooks import EventType
from hub.services import audit, webhooks
from hub.services.lao_year import acting_on, bump, refuse_outright


@dataclass(frozen=True)
class Transitioned:
    lao_year_id: int
    from_state: CertificationState
    state: CertificationState
    version: int
    at: dt.datetime


def _acting_role(action: Action) -> Role:
    """The role that certifies or cancels at the action's level."""
    return Role.PROVINCE_OFFICER if TRANSITIONS[action].province_level else Role.LAO_VERIFIER


async def transition(
    writer: AsyncEngine,
    identity: Identity,
    action: Action,
    *,
    lao_code: str,
    fiscal_year: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Transitioned:
    """Certify or cancel, per the state table. Concurrent calls: exactly one transition wins."""
    refuse_outright(action, identity)
    spec = TRANSITIONS[action]
    async with writer.begin() as conn:
        t = await acting_on(
            conn,
            identity,
            action,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            expected_version=expected_version,
            reason=reason,
        )
        actor = audit.actor_of(identity, (_acting_role(action),), t.place)
        at = audit.now()
        extra: dict[str, Any] = {"state": spec.to_state}
        if action is Action.CERTIFY_LAO:
            received = (
                await conn.execute(
                    select(LaoYear.data_received_at).where(LaoYear.id == t.lao_year_id)
                )
            ).scalar_one()
            if received is None:
                extra["data_received_at"] = at
        version = await bump(conn, t, **extra)
        await conn.execute(
            insert(CertificationEvent).values(
                lao_year_id=t.lao_year_id,
                at=at,
                from_state=t.state,
                to_state=spec.to_state,
                actor_user_id=actor.user_id,
                actor_role=actor.role,
                reason=reason.strip() if reason else None,
            )
        )
        await certification_counts.moved(conn, t.lao_year_id, t.state, spec.to_state)
        # The LPA rule moves with the state; the completeness stays what it is.
        mask, recorded = await lpa_tallies.latest_completeness(conn, t.lao_year_id)
        await lpa_tallies.moved(
            conn,
            t.lao_year_id,
            at,
            lpa.rule_for(t.state, mask, recorded),
            lpa.rule_for(spec.to_state, mask, recorded),
        )
        await audit.append(
            conn,
            actor,
            entity="lao_years",
            entity_id=t.lao_year_id,
            action=action.value,
            changes={"state": (t.state.name, spec.to_state.name)},
            lao_id=t.lao_id,
            reason=reason,
            at=at,
        )
        certifying = action in (Action.CERTIFY_LAO, Action.CERTIFY_PROVINCE)
        await webhooks.emit(
            conn,
            EventType.LAO_YEAR_CERTIFIED if certifying else EventType.LAO_YEAR_CANCELLED,
            {
                "laoCode": lao_code,
                "fiscalYear": fiscal_year,
                "level": "PROVINCE" if spec.province_level else "LAO",
                "state": spec.to_state.name,
                "previousState": t.state.name,
            },
            at=at,
        )
        return Transitioned(t.lao_year_id, t.state, spec.to_state, version, at)


@dataclass(frozen=True)
class BatchItem:
    lao_code: str
    fiscal_year: int
    expected_version: int | None = None


@dataclass(frozen=True)
class BatchOutcome:
    """One item's result: the transition, or the refusal that left it unchanged."""

    item: BatchItem
    result: Transitioned | None = None
    refusal: Refusal | None = None


async def transition_batch(
    writer: AsyncEngine,
    identity: Identity,
    action: Action,
    items: Sequence[BatchItem],
    reason: str | None = None,
) -> list[BatchOutcome]:
    """One independent transaction per item: one refusal never undoes another item. A
    problem that is not a refusal (the database is unavailable or busy, the request timed
    out) stops the batch and is raised: the items before it stay done, and retrying the
    batch refuses them (their state has moved on) while it does the rest."""
    if len(items) > PROVINCE_BATCH_LIMIT:  # refused before any transaction opens
        raise invalid(
            "items",
            "TOO_MANY",
            f"at most {PROVINCE_BATCH_LIMIT:,} LAO-years per request, got {len(items):,}",
            f"ได้ไม่เกิน {PROVINCE_BATCH_LIMIT:,} รายการต่อคำขอ (ได้รับ {len(items):,})",
        )
    outcomes = []
    for item in items:
        try:
            result = await transition(
                writer,
                identity,
                action,
                lao_code=item.lao_code,
                fiscal_year=item.fiscal_year,
                reason=reason,
                expected_version=item.expected_version,
            )
            outcomes.append(BatchOutcome(item, result=result))
        except Refusal as refusal:
            outcomes.append(BatchOutcome(item, refusal=refusal))
    return outcomes

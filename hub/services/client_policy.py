"""Each API client's policy: allow-list mode and its own quotas.

A client in allow-list mode (`operations_only`) may run only registered operations (the
repository's and the database's); its own `rate_limit` (requests per minute) and
`daily_quota` (requests per UTC day) replace the defaults in settings (None: the default;
0: no limit). The policy lives on the client's registration (`oauth_client_registrations`):
a machine client without one gets one that keeps the machine defaults (client credentials,
secret authentication, no redirect URI). DLA sets it with `hub clients set`; every change
is one transaction with its entry in the change log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import revocation_epoch
from hub.db.models import ApiClient, ClientRegistration
from hub.services import audit

UNSET: Any = object()  # `set_client_policy`: leave this part as it is


class UnknownClient(ValueError):
    """No client has that id."""


@dataclass(frozen=True)
class ClientPolicy:
    client_id: str
    operations_only: bool = False
    rate_limit: int | None = None
    daily_quota: int | None = None
    disabled: bool = False


async def client_policy(engine: AsyncEngine, client_id: str) -> ClientPolicy | None:
    """The policy of the client `client_id` (None: no such client)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    ApiClient.client_id,
                    ApiClient.disabled,
                    ClientRegistration.operations_only,
                    ClientRegistration.rate_limit,
                    ClientRegistration.daily_quota,
                )
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
    if row is None:
        return None
    return ClientPolicy(
        row.client_id,
        bool(row.operations_only),
        row.rate_limit,
        row.daily_quota,
        bool(row.disabled),
    )


def _limit(value: Any, name: str) -> None:
    if value is not UNSET and value is not None and (not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} must be 0 or more (0: no limit), or the default")


async def set_client_policy(
    engine: AsyncEngine,
    client_id: str,
    *,
    operations_only: bool | Any = UNSET,
    rate_limit: int | Any | None = UNSET,
    daily_quota: int | Any | None = UNSET,
    actor: audit.Actor | None = None,
) -> ClientPolicy:
    """Changes the parts given; returns the policy now in force."""
    _limit(rate_limit, "rate_limit")
    _limit(daily_quota, "daily_quota")
    actor = actor or audit.Actor(name="command line")
    revocation_epoch.bump()  # this worker stops using a remembered policy at once
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(
                    ApiClient.id,
                    ClientRegistration.api_client_id,
                    ClientRegistration.operations_only,
                    ClientRegistration.rate_limit,
                    ClientRegistration.daily_quota,
                )
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
        if row is None:
            raise UnknownClient(f"no client {client_id}")
        before = {
            "operations_only": bool(row.operations_only),
            "rate_limit": row.rate_limit,
            "daily_quota": row.daily_quota,
        }
        asked = {
            "operations_only": operations_only,
            "rate_limit": rate_limit,
            "daily_quota": daily_quota,
        }
        after = {k: before[k] if v is UNSET else v for k, v in asked.items()}
        if row.api_client_id is None:
            await conn.execute(insert(ClientRegistration).values(api_client_id=row.id, **after))
        else:
            await conn.execute(
                update(ClientRegistration)
                .where(ClientRegistration.api_client_id == row.id)
                .values(**after)
            )
        changes = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        if changes:
            await audit.append(
                conn,
                actor,
                entity="api_client",
                entity_id=client_id,
                action="set_policy",
                changes=changes,
            )
    return ClientPolicy(
        client_id, bool(after["operations_only"]), after["rate_limit"], after["daily_quota"]
    )

"""Verified access tokens are remembered per worker (`hub/oauth/verified_tokens.py`): a token's
later requests cost no database round trip, and a revocation still ends it — at once in the
process that wrote it, within HUB_TOKEN_RECHECK_SECONDS in any other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hub.services.accounts import create_client, set_client_disabled
from tests.conftest import serve
from tests.oauth_support import oauth_settings
from tests.test_oauth_hardening import _cli

TYPENAME = {"query": "{ __typename }"}  # answers without the database
TOKEN = {"grant_type": "client_credentials"}


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_remembered_token_costs_no_statement(migrated_database_url, statements):
    async with serve(oauth_settings(migrated_database_url)) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
        token = (await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).json()
        headers = _bearer(token["access_token"])
        statements.clear()
        assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 200
        assert statements, "the first request checks the key and the revocation"
        statements.clear()
        for _ in range(3):
            assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 200
        assert statements == []
        # The process that disables the client stops reusing the token at once.
        await set_client_disabled(hub.app.state.engine, client_id, True)
        assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 401


async def test_a_revocation_written_by_another_process_ends_the_token_within_the_recheck(
    migrated_database_url,
):
    settings = oauth_settings(migrated_database_url, token_recheck_seconds=0.5)
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
        token = (await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).json()
        headers = _bearer(token["access_token"])
        assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 200
        disabled = await asyncio.to_thread(
            _cli, migrated_database_url, "clients", "disable", client_id
        )
        assert disabled.returncode == 0, disabled.stderr
        guard = time.monotonic() + 60  # a guard against hanging, not a measure
        while (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code != 401:
            assert time.monotonic() < guard, "the revocation was never honoured"
            await asyncio.sleep(0.1)


async def test_recheck_zero_checks_every_request(migrated_database_url, statements):
    settings = oauth_settings(migrated_database_url, token_recheck_seconds=0)
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
        token = (await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).json()
        headers = _bearer(token["access_token"])
        assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 200
        statements.clear()
        assert (await hub.post("/graphql", json=TYPENAME, headers=headers)).status_code == 200
        assert statements

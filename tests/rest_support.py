"""Helpers shared by the REST tests: a real client-credentials token of a demo agency client."""

from __future__ import annotations

import httpx

from loaders.demo import DemoConfig
from loaders.demo_accounts import secret_for

# The demo client granted every scope (every domain, missions, personal data).
ALL_SCOPES_CLIENT = "demo-personal"


def client_secret(client_id: str) -> str:
    return secret_for(DemoConfig().seed, client_id, "demo-secret-", 20)[0]


def agency_token(base: str, client_id: str = ALL_SCOPES_CLIENT) -> str:
    """An access token from the hub at `base`, by the client-credentials grant."""
    response = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret(client_id)),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])

"""Helpers shared by the OAuth tests: settings, PKCE, and a scripted browser sign-in."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from hub.settings import Settings

REDIRECT_URI = "http://127.0.0.1:8765/callback"


def oauth_settings(url: str, **overrides: Any) -> Settings:
    """Test settings: fast (no login delay), otherwise the defaults."""
    base = Settings(database_url=url, environment="test", login_delay_step=0.0)
    return dataclasses.replace(base, **overrides)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


async def login_page(
    client: httpx.AsyncClient, client_id: str, challenge: str, scope: str = "", **extra: str
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "st-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return await client.get("/oauth/authorize", params={k: v for k, v in params.items() if v})


async def submit_login(
    client: httpx.AsyncClient, page: httpx.Response, username: str, password: str
) -> httpx.Response:
    import html

    fields = {k: html.unescape(v) for k, v in hidden_fields(page.text).items()}
    return await client.post(
        "/oauth/authorize",
        data={**fields, "username": username, "password": password, "action": "login"},
    )


async def sign_in(
    client: httpx.AsyncClient,
    client_id: str,
    username: str,
    password: str,
    scope: str = "",
) -> tuple[str, str]:
    """The whole browser part: login page, form, redirect. Returns (code, verifier)."""
    verifier, challenge = pkce()
    page = await login_page(client, client_id, challenge, scope)
    assert page.status_code == 200, page.text
    response = await submit_login(client, page, username, password)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-42"]
    return query["code"][0], verifier


async def exchange(
    client: httpx.AsyncClient, client_id: str, code: str, verifier: str
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )


async def refresh(client: httpx.AsyncClient, client_id: str, token: str) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "client_id": client_id, "refresh_token": token},
    )

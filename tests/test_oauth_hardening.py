"""The authorization and resource servers under attack: lock-out by others' failures, code
reuse, hashing beside the event loop, hostile token JSON, disabled accounts, signing keys in
clear in production, and external identities named in the change log."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select, update

from hub.db.engine import create_engine
from hub.db.models import ApiClient, ChangeLogEntry, SigningKey
from hub.oauth.keys import ENCRYPTED_PREFIX, add_key
from hub.oauth.production import ProductionRefused
from hub.rules.enums import Role
from hub.services.accounts import create_client, create_user, set_client_disabled
from tests.conftest import serve
from tests.oauth_support import REDIRECT_URI, exchange, oauth_settings, refresh, sign_in
from tests.test_data_entry import _draft_lao
from tests.test_oauth_external import IDP, _token, idp  # noqa: F401  (idp: a fixture)
from tests.test_oauth_external import _settings as external_settings

QUERY = {"query": "{ provinces { code } }"}
TOKEN = {"grant_type": "client_credentials"}


@pytest.fixture
async def hub(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as client:
        yield client


@asynccontextmanager
async def from_address(hub, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another caller of the same app, connecting from `host`."""
    transport = httpx.ASGITransport(app=hub.app, client=(host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _cli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "HUB_KEY_ENCRYPTION_SECRET"}
    environment.update({"HUB_DATABASE_URL": url, "HUB_ENV": "test", **env})
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


# --- defect 4: failed authentications do not use up the client's budget -----------------


async def test_wrong_secrets_from_others_never_lock_the_client_out(migrated_database_url):
    # 60 requests per window, as shipped; a day's window, so that the run never straddles two.
    settings = oauth_settings(migrated_database_url, token_rate_window=86400)
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "กรมอนามัย", "domain:1")
        async with from_address(hub, "203.0.113.7") as attacker:
            codes = [
                (
                    await attacker.post("/oauth/token", data=TOKEN, auth=(client_id, "wrong"))
                ).status_code
                for _ in range(70)
            ]
        assert codes[:60] == [401] * 60  # each failure is an invalid_client ...
        assert set(codes[60:]) == {429}  # ... and a flood of them is still limited
        async with from_address(hub, "198.51.100.20") as ministry:
            for _ in range(3):
                response = await ministry.post("/oauth/token", data=TOKEN, auth=(client_id, secret))
                assert response.status_code == 200, response.text
            wrong_here = await ministry.post("/oauth/token", data=TOKEN, auth=(client_id, "x"))
            assert wrong_here.status_code == 401  # another address has its own failure budget


async def test_a_public_clients_budget_is_not_spent_by_strangers(migrated_database_url):
    settings = oauth_settings(migrated_database_url, token_rate_limit=5, token_rate_window=86400)
    async with serve(settings) as hub:
        client_id, _ = await create_client(
            hub.app.state.engine, "portal", "", redirect_uris=[REDIRECT_URI], public=True
        )
        password = await create_user(hub.app.state.engine, "dla.x", "x", Role.DLA_ADMIN)
        async with from_address(hub, "203.0.113.7") as stranger:
            for _ in range(8):
                await refresh(stranger, client_id, "not-a-refresh-token")
            assert (await refresh(stranger, client_id, "nope")).status_code == 429
        code, verifier = await sign_in(hub, client_id, "dla.x", password)
        response = await exchange(hub, client_id, code, verifier)
        assert response.status_code == 200, response.text


# --- defect 15: a reused code revokes what it gave; hashing runs beside the event loop -----


async def test_a_reused_authorization_code_revokes_the_tokens_it_gave(hub):
    client_id, secret = await create_client(
        hub.app.state.engine, "portal", "", redirect_uris=[REDIRECT_URI], public=False
    )
    password = await create_user(hub.app.state.engine, "dla.a", "a", Role.DLA_ADMIN)
    code, verifier = await sign_in(hub, client_id, "dla.a", password)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    first = await hub.post("/oauth/token", data=form, auth=(client_id, secret))
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert (
        await hub.post("/graphql", json=QUERY, headers=_bearer(tokens["access_token"]))
    ).status_code == 200

    again = await hub.post("/oauth/token", data=form, auth=(client_id, secret))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    refused = await hub.post("/graphql", json=QUERY, headers=_bearer(tokens["access_token"]))
    assert refused.status_code == 401 and "revoked" in refused.headers["www-authenticate"]
    introspected = await hub.post(
        "/oauth/introspect", data={"token": tokens["access_token"]}, auth=(client_id, secret)
    )
    assert introspected.json() == {"active": False}
    refreshed = await hub.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, secret),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def _slow_hash(secret: str) -> str:
    """A stored hash in the hub's format whose check takes a noticeable while (p = 16)."""
    salt = secrets.token_bytes(16)
    n, r, p = 2**14, 8, 16
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def _threads_hashing() -> set[int]:
    """Threads whose innermost Python frame is the hub's password check right now."""
    return {
        thread
        for thread, frame in sys._current_frames().items()
        if frame.f_code.co_name == "verify_password"
        and frame.f_code.co_filename.endswith(os.path.join("hub", "rules", "passwords.py"))
    }


async def test_a_client_secret_is_checked_beside_the_event_loop_not_on_it(hub):
    client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
    async with hub.app.state.engine.begin() as conn:
        await conn.execute(
            update(ApiClient)
            .where(ApiClient.client_id == client_id)
            .values(secret_hash=_slow_hash(secret))
        )
    loop_thread = threading.get_ident()
    for presented, expected in (("wrong", 401), (secret, 200)):
        request = asyncio.create_task(
            hub.post("/oauth/token", data=TOKEN, auth=(client_id, presented))
        )
        # This coroutine runs on the event loop: it can only see the check in progress if the
        # check runs in another thread. If it ran on the loop, the request would end first.
        while not _threads_hashing():
            assert not request.done(), "the secret was checked on the event loop"
            await asyncio.sleep(0.002)
        health = await hub.get("/healthz")
        assert health.status_code == 200
        assert _threads_hashing(), "a health probe waited for the secret's check"
        assert loop_thread not in _threads_hashing()
        response = await asyncio.wait_for(request, timeout=120)
        assert response.status_code == expected, response.text


# --- defect 8: hostile JSON in a token is a 401, never a 500 ---------------------------------


def _nested_segment(depth: int) -> str:
    raw = '{"alg":"ES256","kid":"k","x":' + "[" * depth + "]" * depth + "}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("depth", [40, 970, 5000])
async def test_deeply_nested_token_json_is_invalid_token(hub, depth):
    claims = base64.urlsafe_b64encode(b'{"iss":"x"}').decode().rstrip("=")
    for token in (
        f"{_nested_segment(depth)}.{claims}.c2ln",
        f"{claims}.{_nested_segment(depth)}.c2ln",
    ):
        response = await hub.post("/graphql", json=QUERY, headers=_bearer(token))
        assert response.status_code == 401, response.text
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
    token = f"{_nested_segment(depth)}.{claims}.c2ln"
    introspected = await hub.post(
        "/oauth/introspect", data={"token": token}, auth=(client_id, secret)
    )
    assert introspected.status_code == 200 and introspected.json() == {"active": False}
    revoked = await hub.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))
    assert revoked.status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"realm_access": {"roles": 5}},
        {"realm_access": {"roles": {"info-recorder": True}}},
        {"realm_access": {"roles": ["info-recorder"]}, "preferred_username": None},
        {"realm_access": {"roles": ["info-recorder"]}, "preferred_username": ["a"]},
        {"realm_access": {"roles": ["ministry-system"]}, "preferred_username": None},
    ],
)
async def test_odd_claims_of_an_external_provider_are_invalid_token(
    demo_database_url,
    places,
    idp,  # noqa: F811
    claims,
):
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    token = _token(key, lao_code=places.draft_sao_code, **claims)
    async with serve(external_settings(demo_database_url, idp)) as hub:
        response = await hub.post("/graphql", json=QUERY, headers=_bearer(token))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
async def test_undecodable_basic_credentials_are_invalid_client(hub, endpoint):
    credentials = base64.b64encode(b"\xff\xfe:\xfd").decode()
    response = await hub.post(
        endpoint, data={**TOKEN, "token": "x"}, headers={"Authorization": f"Basic {credentials}"}
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


# --- disabled accounts lose their tokens at once ---------------------------------------------


def test_disabling_a_person_ends_their_tokens_and_sign_ins(migrated_database_url):
    url = migrated_database_url
    created = _cli(url, "users", "create", "dla.b", "--name", "b", "--role", "DLA_ADMIN")
    activation = created.stdout.split("(shown once): ")[1].split()[0]
    password = "a pass phrase of b"
    _cli(url, "clients", "create", "--name", "p", "--public", "--redirect-uri", REDIRECT_URI,
         "--client-id", "portal")  # fmt: skip

    async def sign_in_and_get_tokens() -> dict:
        async with serve(oauth_settings(url)) as hub:
            activate = "mutation($c: String!, $p: String!) { activateAccount(code: $c, newPassword: $p) { __typename } }"
            done = await hub.post(
                "/graphql", json={"query": activate, "variables": {"c": activation, "p": password}}
            )
            assert done.json()["data"]["activateAccount"]["__typename"] == "AccountActivated"
            code, verifier = await sign_in(hub, "portal", "dla.b", password)
            return (await exchange(hub, "portal", code, verifier)).json()

    async def still_work(tokens: dict) -> tuple[int, int]:
        async with serve(oauth_settings(url)) as hub:
            call = await hub.post("/graphql", json=QUERY, headers=_bearer(tokens["access_token"]))
            again = await refresh(hub, "portal", tokens["refresh_token"])
            return call.status_code, again.status_code

    tokens = asyncio.run(sign_in_and_get_tokens())
    assert _cli(url, "users", "disable", "dla.b").returncode == 0
    assert asyncio.run(still_work(tokens)) == (401, 400)
    assert _cli(url, "users", "enable", "dla.b").returncode == 0
    assert asyncio.run(still_work(tokens)) == (401, 400)  # re-enabling revives no old sign-in


async def test_disabling_a_client_ends_its_access_tokens(hub):
    client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
    token = (await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).json()
    assert (
        await hub.post("/graphql", json=QUERY, headers=_bearer(token["access_token"]))
    ).status_code == 200
    await set_client_disabled(hub.app.state.engine, client_id, True)
    refused = await hub.post("/graphql", json=QUERY, headers=_bearer(token["access_token"]))
    assert refused.status_code == 401


# --- defect 6: production keeps its signing keys encrypted -----------------------------------


def test_production_key_rotation_needs_the_encryption_secret(migrated_database_url):
    url = migrated_database_url
    refused = _cli(url, "keys", "rotate", HUB_ENV="production", HUB_ISSUER="https://hub.example")
    assert refused.returncode != 0
    assert "HUB_KEY_ENCRYPTION_SECRET" in refused.stderr and "Traceback" not in refused.stderr
    assert "no signing keys yet" in _cli(url, "keys", "list").stdout  # nothing was stored

    rotated = _cli(url, "keys", "rotate", HUB_ENV="production", HUB_ISSUER="https://hub.example",
                   HUB_KEY_ENCRYPTION_SECRET="s3cret")  # fmt: skip
    assert rotated.returncode == 0, rotated.stderr
    assert all(k.startswith(ENCRYPTED_PREFIX) for k in asyncio.run(_private_parts(url)))


async def _private_parts(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(SigningKey.private_jwk))).scalars())
    finally:
        await engine.dispose()


async def test_production_refuses_to_start_with_keys_in_clear_until_they_are_encrypted(
    migrated_database_url,
):
    url = migrated_database_url
    production = oauth_settings(url, environment="production")
    with pytest.raises(ProductionRefused, match="HUB_KEY_ENCRYPTION_SECRET is not set"):
        async with serve(production):
            pass

    # A key made in production by an older hub, stored in clear.
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await add_key(
                conn, dataclasses.replace(production, environment="test"), retire_others=False
            )
            await conn.execute(update(SigningKey).values(is_demo=False))
    finally:
        await engine.dispose()
    secured = dataclasses.replace(production, key_encryption_secret="s3cret")
    with pytest.raises(ProductionRefused, match="in clear"):
        async with serve(secured):
            pass

    encrypted = await asyncio.to_thread(
        _cli, url, "keys", "encrypt", HUB_ENV="production", HUB_KEY_ENCRYPTION_SECRET="s3cret"
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert "encrypted 1 signing key" in encrypted.stdout
    assert all(k.startswith(ENCRYPTED_PREFIX) for k in await _private_parts(url))
    async with serve(secured) as hub:
        assert len((await hub.get("/.well-known/jwks.json")).json()["keys"]) == 1
    wrong = dataclasses.replace(production, key_encryption_secret="another")
    with pytest.raises(ProductionRefused, match="does not decrypt"):
        async with serve(wrong):
            pass


# --- defect 11: the change log names an external identity -----------------------------------


SAVE = """mutation($code: String!, $y: Int!, $v: Int!) { r: saveHealthEnvironment(laoCode: $code,
  fiscalYear: $y, version: $v, data: {healthServiceUnits: 3}) { __typename ... on SectionSaved { version } } }"""
VERSION = "query($c: String!, $y: Int!) { lao(code: $c) { year(fiscalYear: $y) { version } } }"
CHANGE_LOG = """query($c: String!) { lao(code: $c) { changeLog(first: 1) { edges { node {
  action actorRole actorName } } } } }"""


async def test_the_change_log_names_an_external_person_and_their_provider(fresh_demo_url, idp):  # noqa: F811
    lao = await _draft_lao(fresh_demo_url)
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    token = _token(key, realm_access={"roles": ["info-recorder"]}, lao_code=lao.code)

    async def post(hub, query, **variables):
        response = await hub.post(
            "/graphql", json={"query": query, "variables": variables}, headers=_bearer(token)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async with serve(external_settings(fresh_demo_url, idp)) as hub:
        version = (await post(hub, VERSION, c=lao.code, y=lao.year))["lao"]["year"]["version"]
        saved = await post(hub, SAVE, code=lao.code, y=lao.year, v=version)
        assert saved["r"]["__typename"] == "SectionSaved"
        [edge] = (await post(hub, CHANGE_LOG, c=lao.code))["lao"]["changeLog"]["edges"]
        assert edge["node"]["actorRole"] == "LAO_RECORDER"
        assert edge["node"]["actorName"] == f"somchai ({IDP})"

    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            entry = (
                await conn.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.id.desc()))
            ).first()
        assert entry is not None
        assert (entry.actor_subject, entry.actor_issuer) == ("somchai", IDP)
        assert entry.actor_user_id is None and entry.actor_client_id is None

        verified = await asyncio.to_thread(_cli, fresh_demo_url, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        async with engine.begin() as conn:  # the names are covered by the chain
            await conn.execute(
                update(ChangeLogEntry)
                .where(ChangeLogEntry.id == entry.id)
                .values(actor_subject="someone-else")
            )
    finally:
        await engine.dispose()
    broken = await asyncio.to_thread(_cli, fresh_demo_url, "audit", "verify")
    assert broken.returncode == 1 and f"BROKEN at entry {entry.id}" in broken.stdout

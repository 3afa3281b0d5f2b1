"""The resource server at /graphql: which bearer tokens it accepts and how it refuses the
rest (RFC 6750), key rotation without downtime, and production's start-up refusals."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import update

from hub.db.models import SigningKey, User
from hub.oauth import tokens
from hub.oauth.keys import rotate_keys
from hub.oauth.production import ProductionRefused
from hub.services.accounts import create_client
from tests.conftest import serve
from tests.oauth_support import oauth_settings

ISSUER = "http://127.0.0.1:8000"
QUERY = {"query": "{ provinces { code } }"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture
async def hub(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as client:
        yield client


async def _signer(hub):
    return await hub.app.state.oauth.keystore.signer(hub.app.state.engine)


async def _token(hub, key=None, alg=None, **changes) -> str:
    """A client token signed by the hub's key (or `key`), with claims changed as asked."""
    signer = await _signer(hub)
    now = changes.pop("now", None)
    token, _ = tokens.encode_access_token(
        key or signer.private,
        alg or signer.alg,
        issuer=changes.pop("iss", ISSUER),
        audience=changes.pop("aud", "info-hub"),
        subject="agency-x",
        client_id="agency-x",
        scope="domain:1",
        lifetime=changes.pop("lifetime", 900),
        extra={"kind": "client", **changes},
        now=now,
    )
    return token


async def _call(hub, token: str | None, scheme: str = "Bearer"):
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return await hub.post("/graphql", json=QUERY, headers=headers)


def _assert_refused(response, fragment: str):
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert fragment in challenge, challenge
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_token_is_the_public_and_a_good_token_is_accepted(hub):
    assert (await _call(hub, None)).status_code == 200
    response = await _call(hub, await _token(hub))
    assert response.status_code == 200 and "errors" not in response.json()


async def test_a_small_clock_skew_is_tolerated(hub):
    now = int(time.time())
    late = await _token(hub, now=now - 900 - 10)  # expired 10 s ago, leeway is 30 s
    early = await _token(hub, now=now + 10)  # issued 10 s "in the future"
    assert (await _call(hub, late)).status_code == 200
    assert (await _call(hub, early)).status_code == 200


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("expired", "expired"),
        ("not_yet_valid", "not valid yet"),
        ("wrong_audience", "another audience"),
        ("wrong_issuer", "does not trust"),
        ("tampered", "signature is invalid"),
        ("alg_none", "algorithm 'none'"),
        ("hs256_with_public_key", "algorithm 'HS256'"),
        ("unknown_kid", "unknown or retired key"),
        ("rsa_key_for_es256_kid", "is not accepted"),
        ("garbage", "not a signed JWT"),
        ("wrong_typ", "token type"),
    ],
)
async def test_bad_tokens_are_refused_with_401_and_www_authenticate(hub, case, fragment):
    signer = await _signer(hub)
    now = int(time.time())
    if case == "expired":
        token = await _token(hub, now=now - 900 - 120)
    elif case == "not_yet_valid":
        token = await _token(hub, nbf=now + 600)
    elif case == "wrong_audience":
        token = await _token(hub, aud="another-api")
    elif case == "wrong_issuer":
        token = await _token(hub, iss="https://evil.example")
    elif case == "tampered":
        header, payload, signature = (await _token(hub)).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["scope"] = "domain:1 personal"
        token = ".".join([header, _b64(claims), signature])
    elif case == "alg_none":
        header = {"alg": "none", "kid": signer.kid, "typ": "at+jwt"}
        claims = {"iss": ISSUER, "aud": "info-hub", "exp": now + 600, "kind": "client"}
        token = f"{_b64(header)}.{_b64(claims)}."
    elif case == "hs256_with_public_key":
        header = {"alg": "HS256", "kid": signer.kid, "typ": "at+jwt"}
        claims = {"iss": ISSUER, "aud": "info-hub", "exp": now + 600, "kind": "client",
                  "client_id": "x", "scope": "personal", "jti": "j"}  # fmt: skip
        signing_input = f"{_b64(header)}.{_b64(claims)}"
        secret = json.dumps(signer.public).encode()
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    elif case == "unknown_kid":
        stranger = ECKey.generate_key("P-256", auto_kid=True)
        token = await _token(hub, key=stranger)
    elif case == "rsa_key_for_es256_kid":
        stranger = RSAKey.generate_key(2048, parameters={"kid": signer.kid})
        token = await _token(hub, key=stranger, alg="RS256")  # RS256 under the ES256 key's kid
        fragment = "algorithm 'RS256' is not accepted"
    elif case == "garbage":
        token = "not-a-token"
    else:
        header, payload, _ = (await _token(hub)).split(".")
        from joserfc import jwt

        token = jwt.encode(
            {"alg": signer.alg, "kid": signer.kid, "typ": "JWT"},
            json.loads(base64.urlsafe_b64decode(payload + "==")),
            signer.private,
            algorithms=[signer.alg],
        )
    _assert_refused(await _call(hub, token), fragment)


async def test_other_authorization_schemes_are_refused(hub):
    response = await _call(hub, "dXNlcjpwYXNz", scheme="Basic")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")


async def test_rotation_keeps_old_tokens_valid_until_the_old_key_retires(hub):
    engine = hub.app.state.engine
    old_token = await _token(hub)
    old_kid = (await _signer(hub)).kid
    new_kid = await rotate_keys(engine, hub.app.state.settings)
    hub.app.state.oauth.keystore.invalidate()  # (workers pick the new signer within 30 s)
    client_id, secret = await create_client(engine, "x", "domain:1")
    new_token = (
        await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    ).json()["access_token"]
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid
    jwks = {k["kid"] for k in (await hub.get("/.well-known/jwks.json")).json()["keys"]}
    assert jwks == {old_kid, new_kid}
    assert (await _call(hub, old_token)).status_code == 200
    assert (await _call(hub, new_token)).status_code == 200

    async with engine.begin() as conn:  # the old key's grace period ends
        await conn.execute(
            update(SigningKey)
            .where(SigningKey.kid == old_kid)
            .values(retire_after=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    hub.app.state.oauth.keystore.invalidate()
    _assert_refused(await _call(hub, old_token), "unknown or retired key")
    assert (await _call(hub, new_token)).status_code == 200
    jwks = {k["kid"] for k in (await hub.get("/.well-known/jwks.json")).json()["keys"]}
    assert jwks == {new_kid}


async def test_a_worker_with_a_warm_cache_learns_a_new_key_from_the_database(
    migrated_database_url,
):
    settings = oauth_settings(migrated_database_url)
    async with serve(settings) as worker_a, serve(settings) as worker_b:
        await _signer(worker_b)  # b has cached the key set
        await rotate_keys(worker_a.app.state.engine, settings)
        worker_a.app.state.oauth.keystore.invalidate()
        token = await _token(worker_a)  # signed with the new key
        time.sleep(1.1)  # b reloads on an unknown kid at most once a second
        assert (await _call(worker_b, token)).status_code == 200


# --- production mode -----------------------------------------------------------------------


async def test_production_starts_with_its_own_key_and_refuses_dev_keys(migrated_database_url):
    dev = oauth_settings(migrated_database_url)
    async with serve(dev) as hub:
        await _signer(hub)  # a development key now exists
    production = dataclasses.replace(dev, environment="production", key_encryption_secret="k")
    with pytest.raises(ProductionRefused, match="generated outside production"):
        async with serve(production):
            pass
    from hub.db.engine import create_engine

    engine = create_engine(migrated_database_url)
    try:
        await rotate_keys(engine, production, purge_dev=True)
    finally:
        await engine.dispose()
    async with serve(production) as hub:
        assert len((await hub.get("/.well-known/jwks.json")).json()["keys"]) == 1


async def test_production_refuses_demo_accounts_and_plain_http(migrated_database_url):
    from hub.db.engine import create_engine

    production = oauth_settings(migrated_database_url, environment="production")
    engine = create_engine(migrated_database_url)
    try:
        await create_client(engine, "demo", "domain:1", client_id="demo-x")
        async with engine.begin() as conn:
            await conn.execute(update(User).values(is_demo=True))
            from hub.db.models import ApiClient

            await conn.execute(update(ApiClient).values(is_demo=True))
    finally:
        await engine.dispose()
    with pytest.raises(ProductionRefused, match="demo accounts"):
        async with serve(production):
            pass
    remote = dataclasses.replace(production, issuer="http://hub.example.go.th")
    with pytest.raises(ProductionRefused, match="https"):
        async with serve(remote):
            pass


async def test_the_identity_carries_the_callers_database_ids(hub):
    client_id, secret = await create_client(hub.app.state.engine, "x", "domain:1")
    token = (
        await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    ).json()["access_token"]
    identity = await hub.app.state.oauth.resource.identity(hub.app.state.engine, token)
    assert identity.is_client and identity.subject == client_id
    assert identity.scopes == frozenset({"domain:1"}) and isinstance(identity.client_pk, int)

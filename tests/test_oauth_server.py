"""The authorization server over real HTTP: client credentials with authlib's own client,
the browser sign-in with PKCE, refresh rotation and reuse detection, revocation,
introspection, logout, discovery and the token endpoint's rate limit."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from hub.rules.enums import Role
from hub.services.accounts import create_client, create_user, set_client_disabled
from tests.conftest import serve
from tests.oauth_support import (
    REDIRECT_URI,
    exchange,
    login_page,
    oauth_settings,
    pkce,
    refresh,
    sign_in,
    submit_login,
)

ISSUER = "http://127.0.0.1:8000"


@pytest.fixture
async def hub(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as client:
        yield client


async def _machine(hub, scopes="domain:1 domain:7"):
    return await create_client(hub.app.state.engine, "กรมทดสอบ / Test department", scopes)


async def _browser(hub, public=True):
    return await create_client(
        hub.app.state.engine, "LAO portal", "", redirect_uris=[REDIRECT_URI], public=public
    )


async def _person(hub, username="dla.admin", role=Role.DLA_ADMIN):
    password = await create_user(hub.app.state.engine, username, "ผู้ทดสอบ", role)
    return username, password


async def _claims(hub, token: str) -> tuple[dict, dict]:
    keys = KeySet.import_key_set((await hub.get("/.well-known/jwks.json")).json())
    decoded = jwt.decode(token, keys, algorithms=["ES256"])
    return decoded.header, decoded.claims


def _authlib_client(hub, client_id, secret, **kwargs) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id,
        secret,
        transport=httpx.ASGITransport(app=hub.app),
        base_url="http://hub.test",
        **kwargs,
    )


# --- client credentials --------------------------------------------------------------------


async def test_a_ministry_gets_a_token_with_authlibs_client_and_calls_graphql(hub):
    client_id, secret = await _machine(hub)
    async with _authlib_client(hub, client_id, secret) as oauth:
        token = await oauth.fetch_token("/oauth/token", grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["expires_in"] == 900
        assert set(token["scope"].split()) == {"domain:1", "domain:7"}
        assert "refresh_token" not in token
        response = await oauth.post("/graphql", json={"query": "{ provinces { code } }"})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()

    header, claims = await _claims(hub, token["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    assert claims["iss"] == ISSUER and claims["aud"] == "info-hub"
    assert claims["sub"] == client_id and claims["client_id"] == client_id
    assert claims["kind"] == "client" and claims["exp"] - claims["iat"] == 900
    assert len(claims["jti"]) == 32 and "roles" not in claims
    assert isinstance(claims["cid"], int)  # api_clients.id, for the change log


async def test_a_client_may_ask_for_fewer_scopes_but_never_more(hub):
    client_id, secret = await _machine(hub)
    async with _authlib_client(
        hub, client_id, secret, token_endpoint_auth_method="client_secret_post"
    ) as oauth:
        token = await oauth.fetch_token(
            "/oauth/token", grant_type="client_credentials", scope="domain:7"
        )
        assert token["scope"] == "domain:7"
        with pytest.raises(OAuthError) as error:
            await oauth.fetch_token(
                "/oauth/token", grant_type="client_credentials", scope="domain:1 personal"
            )
    assert error.value.error == "invalid_scope"


@pytest.mark.parametrize("problem", ["wrong_secret", "disabled", "unknown"])
async def test_bad_client_credentials_are_refused(hub, problem):
    client_id, secret = await _machine(hub)
    if problem == "wrong_secret":
        secret = secret + "x"
    elif problem == "disabled":
        await set_client_disabled(hub.app.state.engine, client_id, True)
    else:
        client_id = "nobody"
    response = await hub.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_the_token_endpoint_is_rate_limited_per_client(migrated_database_url):
    settings = oauth_settings(migrated_database_url, token_rate_limit=3, token_rate_window=3600)
    async with serve(settings) as hub:
        client_id, secret = await _machine(hub)
        other_id, other_secret = await _machine(hub)
        codes = [
            (
                await hub.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, secret),
                )
            ).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        limited = await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert limited.json()["error"] == "slow_down"
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        other = await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(other_id, other_secret)
        )
        assert other.status_code == 200  # the limit is per client


# --- discovery -----------------------------------------------------------------------------


async def test_discovery_documents_and_jwks(hub):
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        meta = (await hub.get(path)).json()
        assert meta["issuer"] == ISSUER
        assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
        assert meta["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert {"domain:1", "domain:8", "missions", "personal"} <= set(meta["scopes_supported"])
        assert meta["revocation_endpoint"].endswith("/oauth/revoke")
        assert meta["introspection_endpoint"].endswith("/oauth/introspect")
    jwks = (await hub.get("/.well-known/jwks.json")).json()
    [key] = jwks["keys"]
    assert key["kty"] == "EC" and key["alg"] == "ES256" and key["use"] == "sig"
    assert "d" not in key  # never the private part


# --- people: authorization code + PKCE -----------------------------------------------------


async def test_a_person_signs_in_with_pkce_refreshes_and_reuse_revokes_the_family(hub):
    client_id, _ = await _browser(hub)
    username, password = await _person(hub)

    verifier, challenge = pkce()
    page = await login_page(hub, client_id, challenge, scope="openid", nonce="n-1")
    assert page.status_code == 200
    assert "ชื่อผู้ใช้ / Username" in page.text and "รหัสผ่าน / Password" in page.text
    assert page.headers["x-frame-options"] == "DENY"

    wrong = await submit_login(hub, page, username, "not-the-password")
    assert wrong.status_code == 400
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง — wrong username or password" in wrong.text

    response = await submit_login(hub, page, username, password)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st-42"]
    code = query["code"][0]

    tokens = await exchange(hub, client_id, code, verifier)
    assert tokens.status_code == 200, tokens.text
    first = tokens.json()
    assert first["refresh_token"] and first["id_token"]
    _, claims = await _claims(hub, first["access_token"])
    assert claims["kind"] == "user" and claims["sub"] == username
    assert claims["client_id"] == client_id and claims["roles"] == [{"role": "DLA_ADMIN"}]
    assert claims["auth_time"] <= claims["iat"]
    assert isinstance(claims["uid"], int) and claims["username"] == username
    _, id_claims = await _claims(hub, first["id_token"])
    assert id_claims["aud"] == client_id and id_claims["nonce"] == "n-1"

    # A code works once; using it again ends this sign-in (test_oauth_hardening.py).

    second = (await refresh(hub, client_id, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    _, refreshed = await _claims(hub, second["access_token"])
    assert refreshed["auth_time"] == claims["auth_time"] and refreshed["jti"] != claims["jti"]

    reused = await refresh(hub, client_id, first["refresh_token"])  # a stolen copy comes back
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    after = await refresh(hub, client_id, second["refresh_token"])  # the family is gone
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


async def test_pkce_is_required_and_only_s256(hub):
    client_id, _ = await _browser(hub)
    _verifier, challenge = pkce()
    for extra in ({"code_challenge": ""}, {"code_challenge_method": "plain"}):
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        response = await hub.get("/oauth/authorize", params={k: v for k, v in params.items() if v})
        assert response.status_code == 302  # the client learns of its mistake
        error = parse_qs(urlsplit(response.headers["location"]).query)
        assert error["error"] == ["invalid_request"] and error["state"] == ["s"]


async def test_a_wrong_verifier_or_redirect_uri_gets_no_token(hub):
    client_id, _ = await _browser(hub)
    username, password = await _person(hub)
    code, _verifier = await sign_in(hub, client_id, username, password)
    wrong = await exchange(hub, client_id, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


async def test_an_unknown_redirect_uri_is_never_redirected_to(hub):
    client_id, _ = await _browser(hub)
    _, challenge = pkce()
    response = await hub.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("location", "")


async def test_the_login_form_needs_its_csrf_cookie(hub):
    client_id, _ = await _browser(hub)
    username, password = await _person(hub)
    _, challenge = pkce()
    page = await login_page(hub, client_id, challenge)
    hub.cookies.clear()
    response = await submit_login(hub, page, username, password)
    assert response.status_code == 403
    assert "location" not in response.headers


async def test_cancel_sends_access_denied_back_to_the_client(hub):
    client_id, _ = await _browser(hub)
    _, challenge = pkce()
    page = await login_page(hub, client_id, challenge)
    from tests.oauth_support import hidden_fields

    response = await hub.post(
        "/oauth/authorize", data={**hidden_fields(page.text), "action": "cancel"}
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["access_denied"]


async def test_a_confidential_browser_client_authenticates_at_the_token_endpoint(hub):
    client_id, secret = await _browser(hub, public=False)
    username, password = await _person(hub)
    code, verifier = await sign_in(hub, client_id, username, password)
    anonymous = await exchange(hub, client_id, code, verifier)
    assert anonymous.status_code in (400, 401) and anonymous.json()["error"] == "invalid_client"
    code, verifier = await sign_in(hub, client_id, username, password)
    response = await hub.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(client_id, secret),
    )
    assert response.status_code == 200, response.text


# --- revocation, introspection, logout -----------------------------------------------------


async def test_revoked_access_tokens_are_refused_and_introspect_inactive(hub):
    client_id, secret = await _machine(hub)
    token = (
        await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    query = {"query": "{ provinces { code } }"}
    assert (await hub.post("/graphql", json=query, headers=bearer)).status_code == 200

    info = (
        await hub.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    ).json()
    assert info["active"] is True and info["client_id"] == client_id and info["kind"] == "client"

    revoked = await hub.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))
    assert revoked.status_code == 200
    refused = await hub.post("/graphql", json=query, headers=bearer)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    info = (
        await hub.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    ).json()
    assert info == {"active": False}


async def test_logout_ends_the_sign_in(hub):
    client_id, _ = await _browser(hub)
    username, password = await _person(hub)
    code, verifier = await sign_in(hub, client_id, username, password)
    tokens = (await exchange(hub, client_id, code, verifier)).json()
    response = await hub.post(
        "/oauth/logout",
        data={
            "client_id": client_id,
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "post_logout_redirect_uri": REDIRECT_URI,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == REDIRECT_URI
    after = await refresh(hub, client_id, tokens["refresh_token"])
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


async def test_lockout_after_repeated_failures_with_minutes_remaining(migrated_database_url):
    settings = oauth_settings(
        migrated_database_url, login_max_failures=3, login_lockout_seconds=600
    )
    async with serve(settings) as hub:
        client_id, _ = await _browser(hub)
        username, password = await _person(hub)
        _, challenge = pkce()
        page = await login_page(hub, client_id, challenge)
        statuses = [
            (await submit_login(hub, page, username, "guess")).status_code for _ in range(2)
        ]
        assert statuses == [400, 400]
        locked = await submit_login(hub, page, username, "guess")
        assert locked.status_code == 403
        assert "ลองใหม่ในอีก 10 นาที" in locked.text and "try again in 10 minutes" in locked.text
        still = await submit_login(hub, page, username, password)  # the right password waits too
        assert still.status_code == 403 and "10 minutes" in still.text

        # A reset code from the issuer (here the command line) sets a new password and
        # lifts the lockout.
        from hub.services.accounts import COMMAND_LINE, issue_code, redeem_code

        issued = await issue_code(hub.app.state.engine, COMMAND_LINE, username, code_ttl=600)
        new_password = "a new pass phrase"
        await redeem_code(hub.app.state.engine, issued.code, new_password)
        code, _ = await sign_in(hub, client_id, username, new_password)
        assert code


async def test_failed_logins_slow_down(migrated_database_url):
    import time

    # A step far above the cap: uncapped, the third failure would wait 15 s; capped, 0.3 s. The
    # margin between the two keeps a loaded machine from deciding the outcome.
    settings = oauth_settings(migrated_database_url, login_delay_step=5.0, login_delay_max=0.3)
    async with serve(settings) as hub:
        client_id, _ = await _browser(hub)
        username, _ = await _person(hub)
        _, challenge = pkce()
        page = await login_page(hub, client_id, challenge)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            await submit_login(hub, page, username, "guess")
            timings.append(time.perf_counter() - started)
    assert all(t >= 0.3 for t in timings)  # every failure waits
    assert timings[2] < 5.0  # capped at HUB_LOGIN_DELAY_MAX, far below the uncapped 15 s


async def test_disabled_people_cannot_sign_in(hub):
    from hub.services.accounts import COMMAND_LINE, set_disabled

    client_id, _ = await _browser(hub)
    username, password = await _person(hub)
    await set_disabled(hub.app.state.engine, COMMAND_LINE, username, True)
    _, challenge = pkce()
    page = await login_page(hub, client_id, challenge)
    response = await submit_login(hub, page, username, password)
    assert response.status_code == 403 and "disabled" in response.text


def test_settings_are_replaceable():
    # the helper used throughout relies on Settings being a dataclass
    assert dataclasses.is_dataclass(oauth_settings("sqlite+aiosqlite:///x"))

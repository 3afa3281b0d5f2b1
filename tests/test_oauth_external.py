"""Trusting an external OpenID provider: its keys are generated here and its JWKS is served
on loopback by a real HTTP server; its claims map onto our roles and bindings."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from hub.oauth import resource
from tests.conftest import serve
from tests.oauth_support import oauth_settings

IDP = "https://sso.example.go.th/realms/dla"
CLAIMS_MAP = {
    "subject": "preferred_username",
    "role": "realm_access.roles",
    "lao_code": "lao_code",
    "province_code": "changwat",
    "role_values": {
        "info-recorder": "LAO_RECORDER",
        "info-province": "PROVINCE_OFFICER",
        "ministry-system": "AGENCY",
    },
}
YEAR_QUERY = """query($code: String!, $year: Int!) {
  lao(code: $code) { code year(fiscalYear: $year) { state } } }"""
PERSONAL_QUERY = """query($code: String!) { lao(code: $code) { code recorders { name } } }"""


@dataclasses.dataclass
class FakeIdp:
    """A real HTTP server on 127.0.0.1 publishing a JWKS of keys made in the test."""

    url: str
    keys: list
    fetches: int = 0

    def publish(self, *keys) -> None:
        self.keys = list(keys)


@pytest.fixture
def idp() -> Iterator[FakeIdp]:
    state = FakeIdp(url="", keys=[])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            body = json.dumps({"keys": [k.as_dict(private=False) for k in state.keys]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _settings(url: str, idp: FakeIdp):
    return oauth_settings(
        url,
        external_issuer=IDP,
        external_jwks_url=idp.url,
        external_audience="info-hub-api",
        external_claims_map={**oauth_settings(url).external_claims_map, **CLAIMS_MAP},
    )


def _token(key, **claims) -> str:
    now = int(time.time())
    alg = "RS256" if isinstance(key, RSAKey) else "ES256"
    body = {"iss": IDP, "aud": ["info-hub-api", "account"], "iat": now, "exp": now + 300,
            "preferred_username": "somchai", **claims}  # fmt: skip
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, body, key, algorithms=[alg])


async def _post(client, token, query, **variables):
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_an_external_recorder_sees_its_own_draft_and_people(demo_database_url, places, idp):
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    recorder = _token(
        key,
        realm_access={"roles": ["offline_access", "info-recorder"]},
        lao_code=places.draft_sao_code,
    )
    async with serve(_settings(demo_database_url, idp)) as hub:
        own = await _post(hub, recorder, YEAR_QUERY, code=places.draft_sao_code, year=places.year)
        assert own.status_code == 200, own.text
        assert own.json()["data"]["lao"]["year"]["state"] == "DRAFT"
        people = (await _post(hub, recorder, PERSONAL_QUERY, code=places.draft_sao_code)).json()
        assert "errors" not in people and people["data"]["lao"]["recorders"]
        # the JWKS was fetched once and cached
        await _post(hub, recorder, YEAR_QUERY, code=places.draft_sao_code, year=places.year)
        assert idp.fetches == 1


async def test_external_province_officer_and_agency_mapping(demo_database_url, places, idp):
    key = ECKey.generate_key("P-256", parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    officer = _token(key, realm_access={"roles": ["info-province"]}, changwat=places.province_code)
    ministry = _token(key, realm_access={"roles": ["ministry-system"]}, scope="domain:1 personal x")
    async with serve(_settings(demo_database_url, idp)) as hub:
        body = (
            await _post(hub, officer, YEAR_QUERY, code=places.draft_sao_code, year=places.year)
        ).json()
        assert body["data"]["lao"]["year"]["state"] == "DRAFT"
        body = (
            await _post(hub, ministry, YEAR_QUERY, code=places.draft_sao_code, year=places.year)
        ).json()
        assert body["data"]["lao"]["year"] is None  # an agency sees certified data only
        body = (await _post(hub, ministry, PERSONAL_QUERY, code=places.draft_sao_code)).json()
        assert "errors" not in body  # its token granted `personal`


async def test_an_unknown_kid_refetches_the_jwks_once(demo_database_url, places, idp, monkeypatch):
    monkeypatch.setattr(resource, "JWKS_REFETCH_AT_MOST_EVERY", 0.0)
    old = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    new = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(old)
    claims = {"realm_access": {"roles": ["info-province"]}, "changwat": places.province_code}
    async with serve(_settings(demo_database_url, idp)) as hub:
        assert (
            await _post(hub, _token(old, **claims), "{ provinces { code } }")
        ).status_code == 200
        idp.publish(old, new)  # the provider rotates
        response = await _post(hub, _token(new, **claims), "{ provinces { code } }")
        assert response.status_code == 200 and idp.fetches == 2
        stranger = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
        refused = await _post(hub, _token(stranger, **claims), "{ provinces { code } }")
        assert refused.status_code == 401
        assert "does not publish" in refused.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"aud": "someone-else"}, "another audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"realm_access": {"roles": ["offline_access"]}}, "no role of this hub"),
        ({"lao_code": "0000000"}, "not bound to a known place"),
        ({"lao_code": None}, "not bound to a known place"),
    ],
)
async def test_external_tokens_are_checked_like_ours(
    demo_database_url, places, idp, changes, fragment
):
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    claims = {"realm_access": {"roles": ["info-recorder"]}, "lao_code": places.draft_sao_code}
    claims.update(changes)
    async with serve(_settings(demo_database_url, idp)) as hub:
        response = await _post(hub, _token(key, **claims), "{ provinces { code } }")
    assert response.status_code == 401
    assert fragment in response.headers["www-authenticate"]


async def test_an_untrusted_issuer_is_refused_even_with_a_published_key(demo_database_url, idp):
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, auto_kid=True)
    idp.publish(key)
    token = _token(key, iss="https://other-idp.example", realm_access={"roles": ["info-province"]})
    async with serve(_settings(demo_database_url, idp)) as hub:
        response = await _post(hub, token, "{ provinces { code } }")
    assert response.status_code == 401 and "does not trust" in response.headers["www-authenticate"]

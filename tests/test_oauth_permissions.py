"""Permissions end to end with real tokens: the demo accounts sign in (people through the
login page with PKCE, agencies with client credentials through authlib's client) and run the
same query; drafts and personal data appear exactly where the role allows."""

from __future__ import annotations

import uuid

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy import select

from hub.db.engine import create_engine
from hub.db.models import Lao, LaoYear, Province
from hub.rules.enums import CertificationState
from hub.services.accounts import create_client
from loaders.demo_accounts import demo_credentials
from tests.conftest import serve
from tests.oauth_support import REDIRECT_URI, exchange, oauth_settings, sign_in

QUERY = """query($code: String!, $draft: Int!, $certified: Int!) { lao(code: $code) {
  code draft: year(fiscalYear: $draft) { state } certified: year(fiscalYear: $certified) { state }
  recorders { name phone } } }"""

# caller → (sees the LAO's draft year, sees its people)
EXPECTED = {
    "public": (False, False),
    "agency": (False, False),
    "agency_personal": (False, True),
    "clerk": (True, True),
    "other_clerk": (False, False),
    "province": (True, True),
}


@pytest.fixture(scope="module")
def demo_accounts(demo_database_url):
    """Demo credentials; a demo recorder whose LAO has a draft year, another LAO's recorder,
    and the provincial officer of the first one's province."""
    import asyncio

    async def read():
        engine = create_engine(demo_database_url)
        try:
            async with engine.connect() as conn:
                creds = {c.name: c for c in await demo_credentials(conn, 2570)}
                recorders = [c for c in creds.values() if c.role_or_scopes == "LAO_RECORDER"]
                laos = {}
                for c in recorders:
                    code = c.bound_to.split()[1]
                    rows = (
                        await conn.execute(
                            select(LaoYear.fiscal_year, LaoYear.state, Province.code)
                            .join(Lao, Lao.id == LaoYear.lao_id)
                            .join(Province, Province.id == Lao.province_id)
                            .where(Lao.code == code)
                        )
                    ).all()
                    laos[c.name] = (code, {r[0]: r[1] for r in rows}, rows[0][2])
        finally:
            await engine.dispose()
        return creds, recorders, laos

    creds, recorders, laos = asyncio.run(read())
    drafting = [c for c in recorders if CertificationState.DRAFT in laos[c.name][1].values()]
    if not drafting:
        pytest.skip("no demo recorder's LAO has a draft year in this demo dataset")
    clerk = drafting[0]
    code, years, province_code = laos[clerk.name]
    other = next(c for c in recorders if laos[c.name][0] != code)
    province = next(
        c
        for c in creds.values()
        if c.role_or_scopes == "PROVINCE_OFFICER" and c.bound_to.split()[1] == province_code
    )
    by_state = {state: year for year, state in years.items()}
    assert CertificationState.PROVINCE_CERTIFIED in by_state, years
    return {
        "creds": creds,
        "people": {"clerk": clerk, "other_clerk": other, "province": province},
        "code": code,
        "draft": by_state[CertificationState.DRAFT],
        "certified": by_state[CertificationState.PROVINCE_CERTIFIED],
    }


async def _agency_token(hub, client_id: str, secret: str) -> str:
    async with AsyncOAuth2Client(
        client_id, secret, transport=httpx.ASGITransport(app=hub.app), base_url="http://hub.test"
    ) as oauth:
        token = await oauth.fetch_token("/oauth/token", grant_type="client_credentials")
    return str(token["access_token"])


async def _person_token(hub, portal: str, username: str, password: str) -> str:
    code, verifier = await sign_in(hub, portal, username, password)
    response = await exchange(hub, portal, code, verifier)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_the_same_query_for_every_kind_of_caller(demo_database_url, demo_accounts):
    creds = demo_accounts["creds"]
    async with serve(oauth_settings(demo_database_url)) as hub:
        portal, _ = await create_client(
            hub.app.state.engine,
            "LAO portal (test)",
            "",
            client_id=f"portal-{uuid.uuid4().hex[:8]}",
            redirect_uris=[REDIRECT_URI],
            public=True,
        )
        tokens: dict[str, str | None] = {
            "public": None,
            "agency": await _agency_token(hub, "demo-moph", creds["demo-moph"].secret),
            "agency_personal": await _agency_token(
                hub, "demo-personal", creds["demo-personal"].secret
            ),
        }
        for who, account in demo_accounts["people"].items():
            tokens[who] = await _person_token(hub, portal, account.name, account.secret)

        for who, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await hub.post(
                "/graphql",
                json={
                    "query": QUERY,
                    "variables": {
                        "code": demo_accounts["code"],
                        "draft": demo_accounts["draft"],
                        "certified": demo_accounts["certified"],
                    },
                },
                headers=headers,
            )
            assert response.status_code == 200, (who, response.text)
            body = response.json()
            lao = body["data"]["lao"]
            sees_draft, sees_people = EXPECTED[who]
            assert lao["certified"]["state"] == "PROVINCE_CERTIFIED", who  # public for everyone
            assert (lao["draft"] is not None) is sees_draft, who
            if sees_draft:
                assert lao["draft"]["state"] == "DRAFT"
            if sees_people:
                assert lao["recorders"] and "errors" not in body, who
            else:
                assert lao["recorders"] is None, who
                [error] = body["errors"]
                assert error["extensions"]["code"] == "FORBIDDEN" and error["path"] == [
                    "lao",
                    "recorders",
                ]


async def test_an_agency_token_never_carries_more_than_its_grant(demo_database_url, demo_accounts):
    creds = demo_accounts["creds"]
    async with serve(oauth_settings(demo_database_url)) as hub:
        response = await hub.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "domain:1 personal"},
            auth=("demo-moph", creds["demo-moph"].secret),
        )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"

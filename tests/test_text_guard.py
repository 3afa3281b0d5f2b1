"""Hostile text in GraphQL arguments and OAuth forms (schema/text_guard.py), and Thai search.

Every string a caller sends, as a literal or a variable, on the planned read path, the
resolvers and the mutations, on both databases: a NUL, a lone surrogate or an over-long
string is a typed `BAD_USER_INPUT` naming where it was, never a 500 or `INTERNAL`, and
changes nothing; what is accepted is stored in NFC; a Thai name search matches the usual
spelling variants.
"""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.services.accounts import create_client, create_user
from hub.settings import Settings
from tests.conftest import graphql, serve
from tests.oauth_support import REDIRECT_URI, login_page, oauth_settings, pkce, submit_login
from tests.test_data_entry import _draft_lao, clerk

MEDIA = "application/graphql-response+json"
PLANNER = [pytest.param(True, id="planner"), pytest.param(False, id="resolvers")]


async def post(client, body: bytes | dict, accept: str = "application/json"):
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return await client.post(
        "/graphql", content=content, headers={"content-type": "application/json", "accept": accept}
    )


def refused(response, reason: str, **expected: str) -> dict:
    """The response is one typed request error: BAD_USER_INPUT with `reason`, no data."""
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT", error
    assert extensions["reason"] == reason, error
    assert extensions["messageTh"], error
    for key, value in expected.items():
        assert extensions[key] == value, error
    return error


# --- reads: the issue's requests -----------------------------------------------------------


@pytest.mark.parametrize("planner", PLANNER)
async def test_a_nul_in_a_read_argument_is_bad_user_input_in_production(
    migrated_database_url, planner
):
    settings = Settings(
        database_url=migrated_database_url,
        environment="production",
        planner=planner,
        key_encryption_secret="k",
    )
    async with serve(settings) as c:
        name = await post(
            c, {"query": '{ laos(filter: {nameContains: "a\\u0000b"}) { totalCount } }'}
        )
        code = await post(c, {"query": '{ lao(code: "61\\u000001") { code } }'})
        province = await post(c, {"query": '{ province(code: "\\u0000") { code } }'})
        as_variable = await post(
            c,
            {
                "query": "query($n: String) { laos(filter: {nameContains: $n}) { totalCount } }",
                "variables": {"n": "a\x00b"},
            },
        )
        strict = await post(c, {"query": '{ lao(code: "61\\u000001") { code } }'}, accept=MEDIA)
    refused(name, "NUL_CHARACTER", field="laos", argument="filter.nameContains")
    refused(code, "NUL_CHARACTER", field="lao", argument="code")
    refused(province, "NUL_CHARACTER", field="province", argument="code")
    refused(as_variable, "NUL_CHARACTER", argument="filter.nameContains", variable="n")
    assert strict.status_code == 400  # a request error, per GraphQL over HTTP
    refused(strict, "NUL_CHARACTER")


@pytest.mark.parametrize("planner", PLANNER)
async def test_a_lone_surrogate_variable_is_bad_user_input(migrated_database_url, planner):
    """orjson refuses to encode a lone surrogate, so the body is written by hand: what a
    hostile client sends."""
    body = b'{"query":"query($c: String!) { lao(code: $c) { code } }","variables":{"c":"\\ud800"}}'
    settings = Settings(database_url=migrated_database_url, environment="test", planner=planner)
    async with serve(settings) as c:
        response = await post(c, body)
    error = refused(response, "LONE_SURROGATE", field="lao", argument="code", variable="c")
    assert "$c" in error["message"]


NAME_QUERY = '{ laos(filter: {nameContains: "NAME"}) { totalCount } }'


@pytest.mark.parametrize("planner", PLANNER)
async def test_an_over_long_search_is_refused_naming_the_field(migrated_database_url, planner):
    """SQLite refuses LIKE patterns over 50,000 bytes (a 500 before); no name is that long."""
    long = "ก" * 50_001
    settings = Settings(database_url=migrated_database_url, environment="test", planner=planner)
    async with serve(settings) as c:
        literal = await post(c, {"query": NAME_QUERY.replace("NAME", long)})
        variable = await post(
            c,
            {
                "query": "query($f: LaoFilter) { laos(filter: $f) { totalCount } }",
                "variables": {"f": {"nameContains": long}},
            },
        )
        fits = await post(c, {"query": NAME_QUERY.replace("NAME", long[:10_000])})
    error = refused(literal, "TOO_LONG", field="laos", argument="filter.nameContains")
    assert error["extensions"]["maxLength"] == 10_000
    assert "50,001" in error["message"]
    refused(variable, "TOO_LONG", argument="filter", variable="f")
    assert "$f.nameContains" in variable.json()["errors"][0]["message"]
    assert fits.json() == {"data": {"laos": {"totalCount": 0}}}


# --- writes --------------------------------------------------------------------------------

ADD_SITE = """mutation($code: String!, $year: Int!, $version: Int!, $data: TouristSiteInput!) {
  r: addTouristSite(laoCode: $code, fiscalYear: $year, version: $version, data: $data) {
    __typename ... on RecordSaved { version } } }"""
STATE = """query($code: String!, $year: Int!) { lao(code: $code) { version addressRoad
  year(fiscalYear: $year) { version economyTourism { touristSites { name } } } } }"""


async def test_hostile_strings_in_mutations_are_refused_and_change_nothing(fresh_demo_url):
    lao = await _draft_lao(fresh_demo_url)
    settings = Settings(database_url=fresh_demo_url, environment="test")
    async with serve(settings, clerk(lao, Role.LAO_ADMIN)) as c:
        before = (await graphql(c, STATE, code=lao.code, year=lao.year))["lao"]
        surrogate = (
            b'{"query":%s,"variables":{"code":"%s","year":%d,"version":%d,'
            b'"data":{"name":"\\ud800"}}}'
            % (orjson.dumps(ADD_SITE), lao.code.encode(), lao.year, before["year"]["version"])
        )
        site = await post(c, surrogate)
        site_literal = await post(
            c,
            {
                "query": f'mutation {{ addTouristSite(laoCode: "{lao.code}", '
                f"fiscalYear: {lao.year}, version: {before['year']['version']}, "
                'data: {name: "a\\u0000b"}) { __typename } }'
            },
        )
        road = await post(
            c,
            {
                "query": "mutation($code: String!, $v: Int!) { updateLaoProfile(laoCode: $code, "
                'version: $v, data: {addressRoad: "a\\u0000b"}) { __typename } }',
                "variables": {"code": lao.code, "v": before["version"]},
            },
        )
        recorders = await post(
            c,
            {
                "query": "mutation($code: String!, $v: Int!, $r: [RecorderInput!]) { "
                "updateLaoProfile(laoCode: $code, version: $v, data: {}, recorders: $r) "
                "{ __typename } }",
                "variables": {
                    "code": lao.code,
                    "v": before["version"],
                    "r": [{"slot": 1, "name": "ok"}, {"slot": 2, "name": "x\x00"}],
                },
            },
        )
        after = (await graphql(c, STATE, code=lao.code, year=lao.year))["lao"]
    refused(site, "LONE_SURROGATE", field="addTouristSite", argument="data", variable="data")
    assert "$data.name" in site.json()["errors"][0]["message"]
    refused(site_literal, "NUL_CHARACTER", field="addTouristSite", argument="data.name")
    refused(road, "NUL_CHARACTER", field="updateLaoProfile", argument="data.addressRoad")
    error = refused(recorders, "NUL_CHARACTER", argument="recorders", variable="r")
    assert "$r[1].name" in error["message"]
    assert after == before


async def test_accepted_text_is_stored_in_nfc(fresh_demo_url):
    """A tone mark typed before a below vowel (ก ้ ุ) and a combining accent (e ́) are stored
    in NFC, from a literal or a variable alike."""
    lao = await _draft_lao(fresh_demo_url)
    typed = "ถนนก\u0e49\u0e38ง Cafe\u0301"
    stored = "ถนนก\u0e38\u0e49ง Caf\u00e9"
    update = """mutation($code: String!, $v: Int!, $road: String) { updateLaoProfile(
        laoCode: $code, version: $v, data: {addressRoad: $road}) { __typename } }"""
    async with serve(
        Settings(database_url=fresh_demo_url, environment="test"), clerk(lao, Role.LAO_ADMIN)
    ) as c:
        state = (await graphql(c, STATE, code=lao.code, year=lao.year))["lao"]
        await graphql(c, update, code=lao.code, v=state["version"], road=typed)
        by_variable = (await graphql(c, STATE, code=lao.code, year=lao.year))["lao"]
        literal = (
            f'mutation {{ updateLaoProfile(laoCode: "{lao.code}", version: '
            f"{by_variable['version']}, "
            'data: {addressRoad: "\\u0e16\\u0e19\\u0e19\\u0e01\\u0e49\\u0e38\\u0e07 x"}) '
            "{ __typename } }"
        )
        await graphql(c, literal)
        by_literal = (await graphql(c, STATE, code=lao.code, year=lao.year))["lao"]
    assert by_variable["addressRoad"] == stored
    assert by_literal["addressRoad"] == "ถนนก\u0e38\u0e49ง x"


async def test_the_csv_import_is_bounded_by_the_request_size_only(migrated_database_url):
    """`importKpi16Baseline(csv:)` carries a province's list: longer than any name, so the
    string-length rule does not apply to it (the request-size limit does)."""
    csv = "reference_code,lao_code,village_number,name,latitude,longitude\n" + (
        "R1,6110102,1,ประปาหมู่บ้าน,15.1,100.1\n" * 400
    )
    assert len(csv) > 10_000
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    mutation = """mutation($csv: String!) { importKpi16Baseline(fiscalYear: 2570,
        provinceCode: "50", csv: $csv) { __typename } }"""
    reason = "x" * 10_001
    cancel = """mutation($r: String!) { cancelLaoCertification(laoCode: "6110102",
        fiscalYear: 2570, reason: $r) { __typename } }"""
    settings = Settings(database_url=migrated_database_url, environment="test")
    async with serve(settings, dla) as c:
        imported = await post(c, {"query": mutation, "variables": {"csv": csv}})
        too_long = await post(c, {"query": cancel, "variables": {"r": reason}})
    assert imported.status_code == 200 and "errors" not in imported.json(), imported.text
    refused(too_long, "TOO_LONG", field="cancelLaoCertification", argument="reason")


# --- Thai search ---------------------------------------------------------------------------

SEARCH = """query($name: String!) { laos(filter: {nameContains: $name}, first: 100) {
  totalCount edges { node { code nameTh } } } }"""


@pytest.mark.parametrize("planner", PLANNER)
async def test_a_thai_search_matches_the_usual_spelling_variants(demo_database_url, planner):
    """ "ปากนํ้า" (nikhahit typed before the tone mark and sara aa) finds what "ปากน้ำ" finds."""
    settings = Settings(database_url=demo_database_url, environment="test", planner=planner)
    async with serve(settings, PUBLIC) as c:
        usual = (await graphql(c, SEARCH, name="ปากน\u0e49\u0e33"))["laos"]
        decomposed = (await graphql(c, SEARCH, name="ปากน\u0e4d\u0e49\u0e32"))["laos"]
        tone_first = (await graphql(c, SEARCH, name="ปากน\u0e49\u0e4d\u0e32"))["laos"]
        literal = (
            await graphql(
                c,
                '{ laos(filter: {nameContains: "ปากน\u0e4d\u0e49\u0e32"}, first: 100) '
                "{ totalCount edges { node { code nameTh } } } }",
            )
        )["laos"]
    assert usual["totalCount"] > 0
    assert all("ปากน้ำ" in e["node"]["nameTh"] for e in usual["edges"])
    assert decomposed == usual and tone_first == usual and literal == usual


# --- OAuth forms ---------------------------------------------------------------------------


async def test_a_nul_in_oauth_forms_and_parameters_is_a_400_not_a_500(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as c:
        engine = c.app.state.engine  # type: ignore[attr-defined]
        client_id, _ = await create_client(
            engine, "LAO portal", "", redirect_uris=[REDIRECT_URI], public=True
        )
        await create_user(engine, "somsri", "สมศรี", Role.DLA_ADMIN)
        _, challenge = pkce()
        page = await login_page(c, client_id, challenge)
        login = await submit_login(c, page, "som\x00sri", "whatever")
        token_post = await c.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "a\x00b"}
        )
        token_basic = await c.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("a\x00b", "secret")
        )
        authorize = await login_page(c, "a\x00b", challenge)
    for response in (login, token_post, token_basic, authorize):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"  # RFC 6749, for OAuth clients
        assert response.json()["errors"][0]["extensions"]["reason"] == "NUL_CHARACTER"
    assert login.json()["errors"][0]["extensions"]["parameter"] == "username"
    assert token_post.json()["errors"][0]["extensions"]["parameter"] == "client_id"
    assert token_basic.json()["errors"][0]["extensions"]["parameter"] == "Authorization"


def test_text_limits_follow_the_settings():
    assert Settings.from_env({}).max_string_length == 10_000
    assert Settings.from_env({"HUB_MAX_STRING_LENGTH": "200"}).max_string_length == 200
    assert dataclasses.replace(Settings(), max_string_length=5).max_string_length == 5

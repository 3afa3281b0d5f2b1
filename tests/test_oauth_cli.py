"""`hub users|clients|keys` as an administrator uses them, against a real app afterwards."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

from tests.conftest import serve
from tests.oauth_support import REDIRECT_URI, oauth_settings, sign_in


def hub(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HUB_DATABASE_URL": url, "HUB_ENV": "test"},
        timeout=300,
    )


def _secret(output: str) -> str:
    return re.search(r"\(shown once\): (\S+)", output).group(1)  # type: ignore[union-attr]


async def _token_status(url: str, client_id: str, secret: str) -> int:
    async with serve(oauth_settings(url)) as client:
        response = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
    return response.status_code


def test_a_ministry_client_is_created_listed_rotated_and_disabled(migrated_database_url):
    url = migrated_database_url
    created = hub(url, "clients", "create", "--name", "กรมอนามัย", "--scopes", "domain:1 domain:7",
                  "--client-id", "doh-reporting")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "client_id: doh-reporting" in created.stdout
    secret = _secret(created.stdout)
    assert asyncio.run(_token_status(url, "doh-reporting", secret)) == 200

    listed = hub(url, "clients", "list")
    assert "doh-reporting" in listed.stdout and "domain:1 domain:7" in listed.stdout
    assert secret not in listed.stdout  # shown once, stored hashed

    rotated = hub(url, "clients", "rotate", "doh-reporting")
    new_secret = _secret(rotated.stdout)
    assert asyncio.run(_token_status(url, "doh-reporting", secret)) == 401
    assert asyncio.run(_token_status(url, "doh-reporting", new_secret)) == 200

    assert hub(url, "clients", "disable", "doh-reporting").returncode == 0
    assert asyncio.run(_token_status(url, "doh-reporting", new_secret)) == 401
    assert "disabled" in hub(url, "clients", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("clients", "create", "--name", "x", "--scopes", "domain:9"), "unknown scopes domain:9"),
        (("users", "create", "rec.x", "--name", "x", "--role", "LAO_RECORDER"), "give laoCode"),
        (("users", "create", "rec.x", "--name", "x", "--role", "LAO_RECORDER", "--lao", "9999999"),
         "LAO 9999999 was not found"),
        (("users", "disable", "nobody"), "Account nobody was not found"),
        (("clients", "rotate", "nobody"), "no client nobody"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_plainly(migrated_database_url, args, message):
    result = hub(migrated_database_url, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


async def _activate(url: str, code: str, password: str) -> None:
    """What the person does with the code: the activation page, as a browser."""
    async with serve(oauth_settings(url)) as client:
        page = await client.get("/oauth/activate", params={"code": code})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        done = await client.post(
            "/oauth/activate",
            data={"csrf_token": csrf, "code": code, "password": password, "confirm": password},
        )
        assert done.status_code == 200, done.text


def test_a_person_is_issued_activates_signs_in_and_is_disabled(migrated_database_url):
    url = migrated_database_url
    created = hub(url, "users", "create", "dla.somsri", "--name", "สมศรี", "--role", "DLA_ADMIN")
    assert created.returncode == 0, created.stderr
    assert "password" not in created.stdout  # no password travels: a one-time code does
    code = _secret(created.stdout)
    assert f"/oauth/activate?code={code}" in created.stdout
    portal = hub(url, "clients", "create", "--name", "portal", "--public", "--redirect-uri",
                 REDIRECT_URI, "--client-id", "portal")  # fmt: skip
    assert "public client: no secret" in portal.stdout
    assert "not activated" in hub(url, "users", "list").stdout
    password = "ตั้งเองได้ 2569"
    asyncio.run(_activate(url, code, password))

    async def signs_in(password: str) -> bool:
        async with serve(oauth_settings(url)) as client:
            try:
                await sign_in(client, "portal", "dla.somsri", password)
            except AssertionError:
                return False
            return True

    assert asyncio.run(signs_in(password))
    assert "DLA_ADMIN" in hub(url, "users", "list").stdout
    hub(url, "users", "disable", "dla.somsri", "--reason", "ย้ายหน่วยงาน")
    assert not asyncio.run(signs_in(password))
    hub(url, "users", "enable", "dla.somsri")
    reset = hub(url, "users", "reset", "dla.somsri")
    assert "reset code (shown once)" in reset.stdout
    asyncio.run(_activate(url, _secret(reset.stdout), "another pass phrase"))
    assert not asyncio.run(signs_in(password))
    assert asyncio.run(signs_in("another pass phrase"))

    granted = hub(
        url, "users", "grant", "dla.somsri", "--role", "PROVINCE_OFFICER", "--province", "10"
    )
    assert granted.returncode == 2 and "Province 10 was not found" in granted.stderr  # no geography


def test_keys_rotate_and_list(migrated_database_url):
    url = migrated_database_url
    assert "no signing keys yet" in hub(url, "keys", "list").stdout
    first = hub(url, "keys", "rotate")
    assert first.returncode == 0 and "new signing key" in first.stdout
    second = hub(url, "keys", "rotate")
    listed = hub(url, "keys", "list").stdout
    assert listed.count("live") == 2  # the old key stays published during its grace period
    kid = re.search(r"new signing key (\S+);", second.stdout).group(1)  # type: ignore[union-attr]
    assert kid in listed

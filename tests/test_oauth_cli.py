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
        (("users", "create", "rec.x", "--name", "x", "--role", "LAO_RECORDER"), "give --lao"),
        (("users", "create", "rec.x", "--name", "x", "--role", "LAO_RECORDER", "--lao", "9999999"),
         "no lao has code 9999999"),
        (("clients", "rotate", "nobody"), "no client nobody"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_plainly(migrated_database_url, args, message):
    result = hub(migrated_database_url, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_person_is_created_signs_in_and_is_disabled(migrated_database_url):
    url = migrated_database_url
    created = hub(url, "users", "create", "dla.somsri", "--name", "สมศรี", "--role", "DLA_ADMIN")
    assert created.returncode == 0, created.stderr
    password = _secret(created.stdout)
    portal = hub(url, "clients", "create", "--name", "portal", "--public", "--redirect-uri",
                 REDIRECT_URI, "--client-id", "portal")  # fmt: skip
    assert "public client: no secret" in portal.stdout

    async def signs_in() -> bool:
        async with serve(oauth_settings(url)) as client:
            try:
                await sign_in(client, "portal", "dla.somsri", password)
            except AssertionError:
                return False
            return True

    assert asyncio.run(signs_in())
    assert "DLA_ADMIN" in hub(url, "users", "list").stdout
    hub(url, "users", "disable", "dla.somsri")
    assert not asyncio.run(signs_in())
    hub(url, "users", "enable", "dla.somsri")
    rotated = hub(url, "users", "rotate", "dla.somsri")
    password = _secret(rotated.stdout)
    assert asyncio.run(signs_in())


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

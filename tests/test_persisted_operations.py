"""Persisted operations over HTTP (hub/web/persisted.py, hub/web/http_caching.py): the
automatic-persisted-queries protocol as Apollo's clients expect it, registered operations by
hash or documentId, a client's allow-list mode with a real token, GET with Cache-Control, ETag
and 304, and mutations refused over GET."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import func, select

from hub.cli.main import main
from hub.db.models import ApqDocument
from hub.services.accounts import create_client
from hub.services.client_policy import set_client_policy
from schema.operations import repository_operations
from schema.operations.registry import register_operation
from tests.conftest import serve
from tests.oauth_support import oauth_settings

QUERY = "{ provinces { code } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha(text)}}


async def test_the_apq_protocol_registers_then_runs_a_hash(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as hub:
        missing = await hub.post("/graphql", json={"extensions": apq(QUERY)})
        assert missing.status_code == 404
        error = missing.json()["errors"][0]
        assert error["message"] == "PersistedQueryNotFound"
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert missing.headers["cache-control"] == "no-store"

        registered = await hub.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert registered.json() == {"data": {"provinces": []}}
        by_hash = await hub.post("/graphql", json={"extensions": apq(QUERY)})
        assert by_hash.json() == {"data": {"provinces": []}}

        wrong = await hub.post(
            "/graphql", json={"query": QUERY, "extensions": apq("{ provinces { nameTh } }")}
        )
        assert wrong.status_code == 400
        assert wrong.json()["errors"][0]["message"] == "provided sha does not match query"

        unsupported = await hub.post("/graphql", json={"extensions": apq(QUERY, version=2)})
        assert unsupported.status_code == 400
        assert unsupported.json()["errors"][0]["message"] == "PersistedQueryNotSupported"
        assert (
            unsupported.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
        )


async def test_the_apq_cache_is_bounded(migrated_database_url):
    settings = oauth_settings(migrated_database_url, apq_max_entries=2, apq_max_document_bytes=60)
    documents = [f"{{ provinces {{ code{' nameTh' * n} }} }}" for n in range(3)]
    async with serve(settings) as hub:
        for document in documents:
            response = await hub.post(
                "/graphql", json={"query": document, "extensions": apq(document)}
            )
            assert "errors" not in response.json()
        long = "{ provinces { code nameTh nameEn nameTh2: nameTh nameEn2: nameEn } }"
        assert len(long) > 60
        assert (
            "errors"
            not in (
                await hub.post("/graphql", json={"query": long, "extensions": apq(long)})
            ).json()
        )
        async with hub.app.state.engine.connect() as conn:
            kept = set((await conn.execute(select(ApqDocument.document))).scalars())
            count = (await conn.execute(select(func.count()).select_from(ApqDocument))).scalar()
        assert count == 2 and long not in kept
        # Only the newest two stay; the first must be sent again.
        assert (
            await hub.post("/graphql", json={"extensions": apq(documents[2])})
        ).status_code == 200


async def test_registered_operations_run_by_hash_or_document_id(migrated_database_url):
    profile = repository_operations()["LaoProfile"]
    async with serve(oauth_settings(migrated_database_url)) as hub:
        variables = {"code": "6110101"}
        by_hash = await hub.post(
            "/graphql",
            json={"variables": variables, "extensions": apq(profile.document)},
        )
        assert by_hash.json() == {"data": {"lao": None}}
        for document_id in (f"sha256:{profile.sha256}", "LaoProfile@1"):
            response = await hub.post(
                "/graphql", json={"documentId": document_id, "variables": variables}
            )
            assert response.json() == {"data": {"lao": None}}, document_id
        unknown = await hub.post("/graphql", json={"documentId": "LaoProfile@9"})
        assert unknown.status_code == 404
        bad = await hub.post("/graphql", json={"documentId": "nonsense"})
        assert (
            bad.status_code == 400
            and bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        )


async def _token(hub, client_id: str, secret: str) -> str:
    response = await hub.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    return response.json()["access_token"]


async def test_an_allow_list_client_runs_only_registered_operations(migrated_database_url):
    profile = repository_operations()["LaoProfile"]
    async with serve(oauth_settings(migrated_database_url)) as hub:
        engine = hub.app.state.engine
        client_id, secret = await create_client(engine, "พอร์ทัล อบต.", "", client_id="portal-1")
        headers = {"Authorization": f"Bearer {await _token(hub, client_id, secret)}"}
        # Before the flag: anything goes.
        free = await hub.post("/graphql", json={"query": QUERY}, headers=headers)
        assert free.json() == {"data": {"provinces": []}}
        await set_client_policy(engine, client_id, operations_only=True)

        refused = await hub.post("/graphql", json={"query": QUERY}, headers=headers)
        assert refused.status_code == 403
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "OPERATION_NOT_REGISTERED"
        assert "not a registered operation" in error["extensions"]["reason"]
        assert error["extensions"]["messageTh"]

        # A document another client cached by APQ is still not registered.
        await hub.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        cached = await hub.post("/graphql", json={"extensions": apq(QUERY)}, headers=headers)
        assert cached.status_code == 403
        registering = await hub.post(
            "/graphql", json={"query": QUERY, "extensions": apq(QUERY)}, headers=headers
        )
        assert registering.status_code == 403

        variables = {"code": "1"}
        for body in (
            {"documentId": "LaoProfile@1"},
            {"extensions": apq(profile.document)},
            {"query": profile.document},  # exactly the registered text
        ):
            ok = await hub.post("/graphql", json={**body, "variables": variables}, headers=headers)
            assert ok.json() == {"data": {"lao": None}}, body


async def test_get_queries_are_cacheable_and_revalidate(migrated_database_url):
    settings = oauth_settings(migrated_database_url, public_max_age=120)
    async with serve(settings) as hub:
        first = await hub.get("/graphql", params={"query": QUERY})
        assert first.status_code == 200 and first.json() == {"data": {"provinces": []}}
        assert first.headers["cache-control"] == "public, max-age=120"
        etag = first.headers["etag"]
        assert "Accept" in first.headers["vary"]
        again = await hub.get("/graphql", params={"query": QUERY}, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        other = await hub.get(
            "/graphql", params={"query": QUERY}, headers={"If-None-Match": '"stale"'}
        )
        assert other.status_code == 200

        # A persisted query by GET (no GraphiQL page, even for a browser's Accept).
        profile = repository_operations()["LaoProfile"]
        persisted = await hub.get(
            "/graphql",
            params={
                "extensions": json.dumps(apq(profile.document)),
                "variables": json.dumps({"code": "1"}),
            },
            headers={"Accept": "text/html, */*"},
        )
        assert persisted.json() == {"data": {"lao": None}}
        assert persisted.headers["cache-control"] == "public, max-age=120"

        failed = await hub.get("/graphql", params={"query": "{ nope }"})
        assert failed.headers["cache-control"] == "no-store" and "etag" not in failed.headers

        mutation = await hub.get(
            "/graphql",
            params={"query": "mutation { closeFiscalYear(fiscalYear: 2570) { __typename } }"},
        )
        assert mutation.status_code == 405
        assert mutation.headers["allow"] == "POST"
        assert mutation.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_an_identified_callers_get_is_private(migrated_database_url):
    async with serve(oauth_settings(migrated_database_url)) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "กรมอนามัย", "domain:1")
        headers = {"Authorization": f"Bearer {await _token(hub, client_id, secret)}"}
        response = await hub.get("/graphql", params={"query": QUERY}, headers=headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"


def test_operations_command(migrated_database_url, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", migrated_database_url)
    good = tmp_path / "codes.graphql"
    good.write_text("# version: 1\n# summary: codes\nquery ProvinceCodes { provinces { code } }\n")
    assert main(["operations", "add", str(good)]) == 0
    assert main(["operations", "add", str(good)]) == 2  # already registered
    broken = tmp_path / "broken.graphql"
    broken.write_text("# version: 1\nquery Broken { provinces { nope } }\n")
    assert main(["operations", "add", str(broken)]) == 2
    assert "does not validate" in capsys.readouterr().err
    shadow = tmp_path / "shadow.graphql"
    shadow.write_text("# version: 7\nquery LaoProfile { provinces { code } }\n")
    assert main(["operations", "add", str(shadow)]) == 2
    assert main(["operations", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ProvinceCodes@1\tdatabase" in listed and "LaoProfile@1\trepository" in listed
    assert main(["operations", "check"]) == 0
    assert main(["operations", "remove", "ProvinceCodes"]) == 0
    assert main(["operations", "remove", "ProvinceCodes"]) == 2
    assert main(["audit", "verify"]) == 0


async def test_a_database_operation_runs_by_its_hash(migrated_database_url):
    text = "# version: 2\nquery ProvinceCodes { provinces { code } }\n"
    async with serve(oauth_settings(migrated_database_url)) as hub:
        schema = hub.app.state.schema._schema
        await register_operation(hub.app.state.writer, schema, text, origin="op.graphql")
        for body in ({"extensions": apq(text)}, {"documentId": "ProvinceCodes@2"}):
            assert (await hub.post("/graphql", json=body)).json() == {"data": {"provinces": []}}

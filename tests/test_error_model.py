"""The one error model: every problem kind is mapped once; both read paths and the mutations
report failures the same way; logs carry neither documents nor bound parameters."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.db.engine import create_engine, problem_of
from hub.rules import problems
from hub.rules.problems import Problem
from hub.settings import Settings
from schema.errors import PROBLEM_MAPPING, problem_extensions
from schema.mutations.errors import REFUSALS, refusal_of
from tests.conftest import serve


def test_every_problem_kind_has_one_code_and_status():
    kinds = Problem.kinds()
    assert {"FORBIDDEN", "VALIDATION", "UNAVAILABLE", "DATABASE_BUSY", "REQUEST_TIMEOUT"} <= set(
        kinds
    )
    for kind, cls in kinds.items():
        assert cls in PROBLEM_MAPPING, f"{kind} ({cls.__name__}) is not mapped"
        wire = PROBLEM_MAPPING[cls]
        assert wire.code and wire.code != "INTERNAL"
        assert 400 <= wire.status < 600
        assert wire.status >= 500 or wire.status == 429 or not cls.retryable, kind
        if cls.retryable:
            assert wire.status in (429, 503), kind
    # Every registered class is reachable from the base: nothing is outside the hierarchy.
    seen, todo = set(), [Problem]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo += cls.__subclasses__()
    assert set(kinds.values()) <= seen


def test_every_refusal_has_a_typed_mutation_answer_and_the_rest_are_errors():
    for cls in Problem.kinds().values():
        if issubclass(cls, problems.Refusal):
            assert cls in REFUSALS, f"{cls.__name__} has no refusal type"
            answer = refusal_of(cls())
            assert isinstance(answer, REFUSALS[cls][0])
            assert answer.message and answer.message_th
        else:
            with pytest.raises(cls):
                refusal_of(cls())


def test_a_problem_is_built_by_its_class_only():
    forbidden = problems.Forbidden("No.", "ไม่ได้")
    assert forbidden.kind == "FORBIDDEN"
    assert (forbidden.message_en, forbidden.message_th) == ("No.", "ไม่ได้")
    busy = problems.DatabaseBusy()
    assert isinstance(busy, problems.Unavailable) and busy.retry_after == 1
    with pytest.raises(TypeError):  # no spelling by kind string
        Problem("FORBIDDEN", "No.", "ไม่ได้")
    conflict = problems.VersionConflict().detailed(current_version=7)
    assert refusal_of(conflict).current_version == 7
    with pytest.raises(TypeError):
        problems.VersionConflict().detailed(no_such_detail=1)
    failed = problems.invalid("yearBe", "OUT_OF_RANGE", "too small", "น้อยเกินไป")
    assert failed.field == "yearBe"
    assert problem_extensions(failed) == {
        "code": "BAD_USER_INPUT",
        "messageTh": "yearBe: น้อยเกินไป",
        "field": "yearBe",
        "errors": [
            {
                "path": "yearBe",
                "code": "OUT_OF_RANGE",
                "message": "too small",
                "messageTh": "น้อยเกินไป",
            }
        ],
    }


async def test_real_database_failures_are_typed_problems(tmp_path: Path):
    # A directory is no database file.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}")
    with pytest.raises(Exception) as unreachable:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    await engine.dispose()
    assert isinstance(problem_of(unreachable.value), problems.Unavailable)

    # Another connection holds the write lock.
    path = tmp_path / "locked.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x INTEGER)")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite+aiosqlite:///{path}", writer=True, sqlite_busy_timeout_ms=50)
    try:
        with pytest.raises(Exception) as locked:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        other.execute("ROLLBACK")
        other.close()
        await engine.dispose()
    assert type(problem_of(locked.value)) is problems.DatabaseBusy

    # A bug stays a bug.
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    with pytest.raises(Exception) as bug:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    await engine.dispose()
    assert problem_of(bug.value) is None
    assert problem_of(ValueError("x")) is None


async def test_bound_parameters_never_reach_errors_or_logs(tmp_path: Path):
    path = tmp_path / "p.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(Exception) as failed:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": 1})
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": 1})
    finally:
        await engine.dispose()
    assert "SQL parameters hidden" in str(failed.value)
    assert "(1,)" not in str(failed.value)


# --- both read paths: the same error body ---------------------------------------------------


PLANNED = "{ laos(first: 2) { totalCount edges { node { code nameTh } } } }"


async def _break_laos(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE laos RENAME TO laos_gone"))
    await engine.dispose()


@pytest.mark.parametrize("planner", [True, False], ids=["planned", "resolvers"])
async def test_a_failure_on_either_read_path_is_the_same_masked_graphql_error(
    migrated_database_url, planner, caplog
):
    settings = Settings(
        database_url=migrated_database_url,
        environment="production",
        planner=planner,
        key_encryption_secret="k",
    )
    async with serve(settings) as client:
        await _break_laos(migrated_database_url)
        with caplog.at_level(logging.INFO, logger="hub.errors"):
            response = await client.post(
                "/graphql",
                json={"query": PLANNED, "variables": {"pad": "personal-data-0812345678"}},
                headers={"X-Request-Id": "ticket-9"},
            )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"] == "ticket-9"
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["path"] == ["laos"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "ticket-9"}
    assert "laos_gone" not in response.text
    assert "ticket-9" in caplog.text and "Traceback" in caplog.text
    # The log names the failure, never the document or the variables.
    assert "personal-data-0812345678" not in caplog.text
    assert "totalCount edges" not in caplog.text


@pytest.mark.parametrize("mask", [True, False])
def test_an_internal_error_presented_twice_is_logged_once(
    mask: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """An operation answered partly by the planner and partly by the resolvers has its
    resolvers' errors presented by their own execution and then with the whole answer's:
    the second presentation changes nothing and logs nothing."""
    from graphql import GraphQLError

    from schema.errors import present

    error = GraphQLError("boom", path=["viewer"], original_error=RuntimeError("boom"))
    with caplog.at_level(logging.ERROR, logger="hub.errors"):
        once = present(error, request_id="r1", mask=mask)
        twice = present(once, request_id="r2", mask=mask)
    assert twice.formatted == once.formatted
    assert once.extensions == {"code": "INTERNAL", "requestId": "r1"} or not mask
    assert [r.levelname for r in caplog.records if r.name == "hub.errors"] == ["ERROR"]

"""The change log in chains: one per LAO and the global one (hub/services/audit.py).

Saves of different LAOs no longer queue behind one chain head; each chain stays
tamper-evident; entries written before chains verify as they always did; and the changes
feeds, which can no longer trust ids to commit in order, never pass an entry that commits
late under a lower id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import delete, insert, select, text, update

from hub.db import change_feed, migrate
from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, HubMeta, Lao
from hub.rules.catalogue import DOMAINS
from hub.rules.change_feed import Kind
from hub.rules.identity import PUBLIC
from hub.services import audit
from tests.conftest import graphql, serve, written_entries_settle
from tests.test_data_entry import _draft_lao, clerk, save_mutation, settings, status

ACTOR = audit.Actor(name="test", subject="test", issuer="tests")


async def _two_laos(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            ids = (await conn.execute(select(Lao.id).order_by(Lao.id).limit(2))).scalars().all()
    finally:
        await engine.dispose()
    return ids[0], ids[1]


async def _profile_edit(conn, lao_id: int) -> None:
    """An entry about one LAO's profile, as the registry writes them (the feed's LAO_PROFILE
    kind reads `laos` entries)."""
    await audit.append(
        conn,
        ACTOR,
        entity="laos",
        entity_id=lao_id,
        action="update",
        changes={"name_en": ("a", "b")},
        lao_id=lao_id,
    )


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_save_of_one_lao_does_not_wait_for_another_lao_s_open_transaction(
    fresh_demo_url,
):
    """Before, every entry locked the one global head until its transaction ended: a clerk's
    save waited for every other LAO's save in the country (the deadline week's queue)."""
    lao = await _draft_lao(fresh_demo_url)
    other, _ = await _two_laos(fresh_demo_url)
    assert other != lao.id
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as held:
            await held.begin()
            await _profile_edit(held, other)  # another LAO's write, not yet committed
            async with serve(settings(fresh_demo_url), clerk(lao)) as c:
                version = (await status(c, lao))["version"]
                save = graphql(
                    c,
                    save_mutation(DOMAINS[0]),
                    code=lao.code,
                    year=lao.year,
                    version=version,
                    data={"healthServiceUnits": 7},
                )
                # Generous: it answers at once; the old head would wait forever (deadlock).
                result = (await asyncio.wait_for(save, 60))["result"]
            assert result["__typename"] == "SectionSaved", result
            await held.commit()
        verified = await audit.verify(engine)
        assert verified.ok, verified
        async with engine.connect() as conn:
            chains = (
                await conn.execute(
                    select(ChangeLogEntry.chain, ChangeLogEntry.seq, ChangeLogEntry.hash_format)
                    .order_by(ChangeLogEntry.id.desc())
                    .limit(2)
                )
            ).all()
        # Each entry opened the next place of its own LAO's chain, in the current format.
        assert {c for c, _, _ in chains} == {f"lao:{lao.id}", f"lao:{other}"}
        assert all(f == audit.HASH_FORMAT for _, _, f in chains)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_feed_never_passes_an_entry_that_commits_after_a_higher_id(fresh_demo_url):
    """Chains append concurrently, so entry k may commit after entry k+1: a feed that paged
    by id would deliver k+1, move its cursor past k, and never deliver k."""
    a, b = await _two_laos(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    now = int(dt.datetime.now(dt.UTC).timestamp())
    try:
        async with engine.connect() as reader:
            page = await change_feed.read_page(reader, PUBLIC, Kind.LAO_PROFILE, None, 20000, now)
            while page.position.baseline:
                page = await change_feed.read_page(
                    reader, PUBLIC, Kind.LAO_PROFILE, page.position, 20000, now
                )
            start = page.position
            await reader.commit()
            async with engine.connect() as late:
                await late.begin()
                await _profile_edit(late, a)  # takes the lower id, commits last
                async with engine.begin() as early:
                    # Fails rather than hangs should b's entry wait for a's transaction.
                    await early.execute(text("SET LOCAL lock_timeout = '30s'"))
                    await _profile_edit(early, b)
                ids = (
                    await reader.execute(
                        select(ChangeLogEntry.id, ChangeLogEntry.lao_id)
                        .where(ChangeLogEntry.entity == "laos")
                        .order_by(ChangeLogEntry.id.desc())
                        .limit(1)
                    )
                ).all()
                await reader.commit()
                assert ids[0].lao_id == b  # b's entry is visible, a's is not yet
                page = await change_feed.read_page(
                    reader, PUBLIC, Kind.LAO_PROFILE, start, 100, now
                )
                await reader.commit()
                # Nothing is delivered past a's place while it may still commit.
                assert [i.key for i in page.items] == []
                assert page.position.place == start.place
                await late.commit()
            # Both are delivered once every older transaction has ended, this server's other
            # databases' included (another test process's).
            await written_entries_settle(fresh_demo_url)
            page = await change_feed.read_page(
                reader, PUBLIC, Kind.LAO_PROFILE, page.position, 100, now
            )
        assert [i.key for i in page.items] == [a, b]
    finally:
        await engine.dispose()


async def test_each_chain_names_its_first_broken_entry_and_a_chain_cut_short(fresh_demo_url):
    a, b = await _two_laos(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            for lao_id in (a, b, a, a):
                await _profile_edit(conn, lao_id)
            await audit.append(conn, ACTOR, entity="x", entity_id=1, action="y", changes={})
        assert (await audit.verify(engine)).ok
        async with engine.connect() as conn:
            entries = (
                await conn.execute(
                    select(ChangeLogEntry.id, ChangeLogEntry.chain, ChangeLogEntry.seq)
                    .where(ChangeLogEntry.chain == f"lao:{a}")
                    .order_by(ChangeLogEntry.seq)
                )
            ).all()
        assert [e.seq for e in entries][-3:] == [len(entries) - 2, len(entries) - 1, len(entries)]
        middle, last = entries[-2], entries[-1]
        async with engine.begin() as conn:
            await conn.execute(
                update(ChangeLogEntry)
                .where(ChangeLogEntry.id == middle.id)
                .values(changes_json='{"name_en":["a","z"]}')
            )
        broken = await audit.verify(engine)
        assert not broken.ok and broken.broken_at == middle.id and "edited" in broken.problem
        async with engine.begin() as conn:  # the edit undone, the chain's last entry deleted
            await conn.execute(
                update(ChangeLogEntry)
                .where(ChangeLogEntry.id == middle.id)
                .values(changes_json='{"name_en":["a","b"]}')
            )
            await conn.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id == last.id))
        cut = await audit.verify(engine)
        assert not cut.ok and cut.broken_at == middle.id
        assert f"chain lao:{a} ends at entry {middle.seq}" in cut.problem
        assert f"its head says {last.seq} entries" in cut.problem
    finally:
        await engine.dispose()


def _legacy_hash(row: dict) -> str:
    """The hash of an entry written before chains, as that code computed it (a frozen copy:
    the entries already written must keep verifying whatever the code becomes)."""
    payload = {
        "id": row["id"],
        "at": row["at"],
        "actor_user_id": None,
        "actor_client_id": None,
        "actor_role": None,
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "lao_id": row["lao_id"],
        "action": row["action"],
        "changes": row["changes_json"],
        "reason": None,
        "prev_hash": row["prev_hash"],
        "actor_subject": "old",
        "actor_issuer": "tests",
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def test_entries_written_before_chains_verify_as_before_and_chains_go_on(
    empty_database_url,
):
    await asyncio.to_thread(migrate.upgrade, empty_database_url, "0020")
    engine = create_engine(empty_database_url)
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    try:
        async with engine.begin() as conn:
            prev = audit.GENESIS
            for i in (1, 2, 3):
                row = {
                    "id": i,
                    "at": at.isoformat(),
                    "entity": "accounts",
                    "entity_id": str(i),
                    "lao_id": None,
                    "action": "create",
                    "changes_json": "{}",
                    "prev_hash": prev,
                }
                prev = _legacy_hash(row)
                await conn.execute(
                    text(
                        "INSERT INTO change_log (id, at, entity, entity_id, action, "
                        "changes_json, prev_hash, hash, actor_subject, actor_issuer) VALUES "
                        "(:id, :at, :entity, :entity_id, :action, :changes_json, :prev_hash, "
                        ":hash, 'old', 'tests')"
                    ),
                    {**row, "at": at, "hash": prev},
                )
            await conn.execute(insert(HubMeta).values(key=audit.HEAD_KEY, value=f"3 {prev}"))
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        verified = await audit.verify(engine)
        assert verified.ok and verified.entries == 3, verified
        async with engine.begin() as conn:  # the global chain goes on, in the new format
            await audit.append(conn, ACTOR, entity="accounts", entity_id=4, action="x", changes={})
        async with engine.connect() as conn:
            new = (await conn.execute(select(ChangeLogEntry).where(ChangeLogEntry.seq == 4))).one()
        assert (new.chain, new.id, new.prev_hash, new.hash_format) == ("", 4, prev, 2)
        assert (await audit.verify(engine)).entries == 4
        async with engine.begin() as conn:
            await conn.execute(
                update(ChangeLogEntry).where(ChangeLogEntry.id == 2).values(entity_id="20")
            )
        broken = await audit.verify(engine)
        assert not broken.ok and broken.broken_at == 2 and "edited" in broken.problem
    finally:
        await engine.dispose()


async def test_anchors_commit_the_global_chain_to_every_lao_chain(fresh_demo_url):
    """Without anchors a chain deleted whole with its head, or cut short with its head moved
    back, would leave nothing to find; the global chain's anchors remember where each was."""
    a, b = await _two_laos(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            for lao_id in (a, b, a):
                await _profile_edit(conn, lao_id)
            first = await audit.anchor(conn, ACTOR)
        assert first > 0  # every LAO chain of the demo's import, and a's and b's
        async with engine.begin() as conn:
            assert await audit.anchor(conn, ACTOR) == 0  # nothing moved: nothing written
            await _profile_edit(conn, a)
            assert await audit.anchor(conn, ACTOR) == 1  # only a's chain moved
        assert (await audit.verify(engine)).ok

        async with engine.connect() as conn:
            a_rows = (
                await conn.execute(
                    select(ChangeLogEntry.id, ChangeLogEntry.seq, ChangeLogEntry.hash)
                    .where(ChangeLogEntry.chain == f"lao:{a}")
                    .order_by(ChangeLogEntry.seq)
                )
            ).all()
        # Cut a's chain short by its anchored last entry and move its head back to match.
        async with engine.begin() as conn:
            await conn.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id == a_rows[-1].id))
            await conn.execute(
                update(HubMeta)
                .where(HubMeta.key == audit.head_key(f"lao:{a}"))
                .values(value=f"{a_rows[-2].seq} {a_rows[-2].hash}")
            )
        cut = await audit.verify(engine)
        assert not cut.ok and cut.broken_at == a_rows[-2].id, cut
        assert f"anchored it at entry {a_rows[-1].seq}" in cut.problem

    finally:
        await engine.dispose()


async def test_an_anchored_chain_deleted_whole_with_its_head_is_found(fresh_demo_url):
    _, b = await _two_laos(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await _profile_edit(conn, b)
            await audit.anchor(conn, ACTOR)
            await _profile_edit(conn, b)  # moved on since: the anchor holds an older place
        async with engine.begin() as conn:
            await conn.execute(delete(ChangeLogEntry).where(ChangeLogEntry.chain == f"lao:{b}"))
            await conn.execute(delete(HubMeta).where(HubMeta.key == audit.head_key(f"lao:{b}")))
        gone = await audit.verify(engine)
        assert not gone.ok, gone
        assert f"chain lao:{b} has no entries, but global entry" in gone.problem
    finally:
        await engine.dispose()


async def test_hub_audit_anchor_prints_the_global_head_to_keep(fresh_demo_url):
    import subprocess
    import sys

    env = {"HUB_DATABASE_URL": fresh_demo_url, "PATH": "/usr/bin:/bin"}

    def anchor() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "hub", "audit", "anchor"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = anchor()
    assert "LAO chains, as entry" in first and "global head: " in first
    again = anchor()
    assert "nothing written" in again
    assert again.splitlines()[-1] == first.splitlines()[-1]  # the same head to keep

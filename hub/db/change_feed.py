"""The changes feeds in SQL: a page of a baseline or of the delta since a cursor, batched.

`read_page` is the whole read (`hub.rules.change_feed` holds the rules it follows). A page
runs a fixed number of statements whatever it returns: the log's head, the value rows of the
page's keys (one statement, under the caller's row rule as a column, so the same statement
tells an item from a tombstone), and, in the delta phase, the page's log entries (one) and
the keys they reach (one per record table reached through a record or an LAO-year, and one
per fiscal year opened in the page, each limited to the page). Callers build the GraphQL
objects from the rows; the objects' own fields batch through the request's loaders.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import RECORD_TABLES, ChangeLogEntry, Lao, LaoMission, LaoYear
from hub.db.visibility import visible_lao_years_clause
from hub.rules.change_feed import (
    REACHES,
    RECORD_KINDS,
    Kind,
    Position,
    Reach,
    hides,
    reach,
    viewer_fingerprint,
)
from hub.rules.identity import Identity


class BeyondHead(Exception):
    """A position past the change log's last entry: the cursor was not issued here."""


@dataclass(frozen=True)
class FeedItem:
    """One key of a page: its current row (visible and live), or a tombstone (`row` None)."""

    key: int
    row: Row[Any] | None
    lao_code: str | None
    fiscal_year: int | None

    @property
    def removed(self) -> bool:
        return self.row is None


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    position: Position
    has_more: bool  # more is there to read now (a baseline's rest, or entries not yet read)


def _one(flag: ColumnElement[bool]) -> ColumnElement[int]:
    """A condition as a 0/1 column (both dialects)."""
    return case((flag, literal(1)), else_=literal(0))


def _values(kind: Kind, identity: Identity) -> tuple[Select[Any], Any, Any, Any]:
    """The kind's rows with their key, LAO code, fiscal year, `visible` (the caller's row rule)
    and `live` (not retired) columns: (statement, key column, visible, live)."""
    if kind is Kind.LAO_PROFILE:
        statement = select(
            *Lao.__table__.c, Lao.code.label("feed_lao_code"), literal(None).label("feed_year")
        )
        return statement, Lao.id, true(), true()
    if kind is Kind.MISSION_RECORD:
        statement = select(
            *LaoMission.__table__.c,
            Lao.code.label("feed_lao_code"),
            literal(None).label("feed_year"),
        ).join(Lao, Lao.id == LaoMission.lao_id)
        return statement, LaoMission.id, true(), true()
    visible = visible_lao_years_clause(identity)
    place = (Lao.type.label("lao_type"), Lao.district_id, Lao.province_id)
    if kind in (Kind.LAO_YEAR, Kind.CERTIFICATION):
        statement = select(
            *LaoYear.__table__.c,
            *place,
            Lao.code.label("feed_lao_code"),
            LaoYear.fiscal_year.label("feed_year"),
        ).join(Lao, Lao.id == LaoYear.lao_id)
        return statement, LaoYear.id, visible, true()
    table = RECORD_TABLES[RECORD_KINDS[kind]]
    statement = (
        select(
            *table.c,
            Lao.code.label("feed_lao_code"),
            LaoYear.fiscal_year.label("feed_year"),
        )
        .join(LaoYear, LaoYear.id == table.c.lao_year_id)
        .join(Lao, Lao.id == LaoYear.lao_id)
    )
    return statement, table.c.id, visible, table.c.retired_on.is_(None)


def settled(conn: AsyncConnection) -> ColumnElement[bool]:
    """Entries whose place in the log can no longer be taken by one committing later.

    On PostgreSQL, the chains append concurrently, so a lower id may commit after a higher
    one; but every transaction older than the oldest one still running has ended, and every
    entry still to commit has an `xid` at least that: an entry below it is final, and the
    log read in (xid, id) order below it never skips one. On SQLite the one writer commits
    entries in id order (`xid` 0): all are settled."""
    if conn.dialect.name != "postgresql":
        return true()
    oldest = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
    return ChangeLogEntry.xid < oldest


@dataclass(frozen=True)
class Head:
    place: tuple[int, int]  # (xid, id) of the log's last settled entry; (0, 0): none
    last_id: int  # the largest entry id, settled or not: no place of ours lies past it

    def passed_by(self, position: Position) -> bool:
        """Whether `position` lies past the log's end: not a place this feed issued."""
        return position.place > self.place or position.log_id > self.last_id


async def head(conn: AsyncConnection) -> Head:
    """The change log's head as the feeds see it (one statement)."""
    log = ChangeLogEntry
    last_id = select(func.max(log.id)).scalar_subquery()
    row = (
        await conn.execute(
            select(log.xid, log.id, last_id)
            .where(settled(conn))
            .order_by(log.xid.desc(), log.id.desc())
            .limit(1)
        )
    ).first()
    return Head((int(row[0]), int(row[1])), int(row[2])) if row else Head((0, 0), 0)


async def baseline_page(
    conn: AsyncConnection, identity: Identity, position: Position, first: int, now: int
) -> FeedPage:
    """The next page of the full extract: the items the caller sees now, by key."""
    statement, key, visible, live = _values(position.kind, identity)
    statement = statement.where(visible, live).order_by(key).limit(first + 1)
    if position.key is not None:
        statement = statement.where(key > position.key)
    rows = (await conn.execute(statement)).all()
    more = len(rows) > first
    rows = rows[:first]
    items = [
        FeedItem(r._mapping[key.key], r, r._mapping["feed_lao_code"], r._mapping["feed_year"])
        for r in rows
    ]
    if more:
        last = items[-1].key
        return FeedPage(items, _moved(position, True, position.place, last, now), True)
    # The baseline is complete: the delta goes on from the watermark.
    return FeedPage(items, _moved(position, False, position.place, None, now), True)


def _moved(
    position: Position, baseline: bool, place: tuple[int, int], key: int | None, now: int
) -> Position:
    xid, log_id = place
    return Position(position.kind, baseline, log_id, key, now, position.viewer, xid)


_NONE = -1  # the entity id of an entry that reaches no item (read, delivered, skipped)


@dataclass(frozen=True)
class _Entry:
    id: int
    xid: int
    entity: str
    entity_id: int
    reach: Reach
    hides: bool


async def _entries(conn: AsyncConnection, position: Position, limit: int) -> list[_Entry]:
    """The next log entries that may touch the feed (by entity; `reach` filters actions)."""
    log = ChangeLogEntry
    place = tuple_(log.xid, log.id)
    after = place >= position.place if position.key is not None else place > position.place
    rows = (
        await conn.execute(
            select(log.id, log.xid, log.entity, log.entity_id, log.action, log.changes_json)
            .where(after, settled(conn), log.entity.in_(list(REACHES[position.kind])))
            .order_by(log.xid, log.id)
            .limit(limit)
        )
    ).all()
    found = []
    for r in rows:
        how = reach(position.kind, r.entity, r.action)
        if how is None or not r.entity_id.isdigit():
            # Reaches nothing.
            found.append(_Entry(r.id, r.xid, r.entity, _NONE, Reach.SELF, False))
            continue
        changes = json.loads(r.changes_json) if r.changes_json else {}
        found.append(_Entry(r.id, r.xid, r.entity, int(r.entity_id), how, hides(r.entity, changes)))
    return found


async def _keys_of(
    conn: AsyncConnection, kind: Kind, entries: Sequence[_Entry], position: Position, first: int
) -> dict[int, list[int]]:
    """Each entry's keys in the feed, ascending (at most `first` + 1 past the cursor for a
    fiscal year's opening, which reaches every LAO-year or record of the year)."""
    keys: dict[int, list[int]] = {}
    by_record: dict[str, list[int]] = defaultdict(list)  # record table -> record ids
    by_lao_year: list[int] = []
    for e in entries:
        if e.entity_id == _NONE:
            keys[e.id] = []
        elif e.reach is Reach.SELF:
            keys[e.id] = [e.entity_id]
        elif e.reach is Reach.LAO_YEAR_OF_RECORD:
            by_record[e.entity].append(e.entity_id)
        elif e.reach is Reach.RECORDS_OF_LAO_YEAR:
            by_lao_year.append(e.entity_id)
    lao_year_of: dict[tuple[str, int], int] = {}
    for name, ids in by_record.items():
        table = RECORD_TABLES[name]
        statement = select(table.c.id, table.c.lao_year_id).where(table.c.id.in_(ids))
        for record_id, lao_year_id in (await conn.execute(statement)).all():
            lao_year_of[(name, record_id)] = lao_year_id
    records_of: dict[int, list[int]] = defaultdict(list)
    if by_lao_year:
        table = RECORD_TABLES[RECORD_KINDS[kind]]
        statement = (
            select(table.c.id, table.c.lao_year_id)
            .where(table.c.lao_year_id.in_(by_lao_year))
            .order_by(table.c.id)
        )
        for record_id, lao_year_id in (await conn.execute(statement)).all():
            records_of[lao_year_id].append(record_id)
    for e in entries:
        if e.entity_id == _NONE:
            continue
        if e.reach is Reach.LAO_YEAR_OF_RECORD:
            found = lao_year_of.get((e.entity, e.entity_id))
            keys[e.id] = [found] if found is not None else []
        elif e.reach is Reach.RECORDS_OF_LAO_YEAR:
            keys[e.id] = records_of.get(e.entity_id, [])
        elif e.reach in (Reach.LAO_YEARS_OF_YEAR, Reach.RECORDS_OF_YEAR):
            year_keys: Any
            if e.reach is Reach.LAO_YEARS_OF_YEAR:
                key: Any = LaoYear.id
                year_keys = select(LaoYear.id).where(LaoYear.fiscal_year == e.entity_id)
            else:
                table = RECORD_TABLES[RECORD_KINDS[kind]]
                key = table.c.id
                year_keys = (
                    select(table.c.id)
                    .join(LaoYear, LaoYear.id == table.c.lao_year_id)
                    .where(LaoYear.fiscal_year == e.entity_id)
                )
            if (e.xid, e.id) == position.place and position.key is not None:
                year_keys = year_keys.where(key > position.key)
            rows = (await conn.execute(year_keys.order_by(key).limit(first + 1))).all()
            keys[e.id] = [r[0] for r in rows]
            # Keys past this entry's page are read by the next page (it resumes mid-entry).
    return keys


async def delta_page(
    conn: AsyncConnection, identity: Identity, position: Position, first: int, now: int
) -> FeedPage:
    """The next page of changes after `position`: each key once, its current value or a
    tombstone, in the order the log reached them."""
    entries = await _entries(conn, position, first)
    keys = await _keys_of(conn, position.kind, entries, position, first)
    chosen: dict[int, bool] = {}  # key -> hidden by an entry of this page
    order: list[int] = []
    last = (position.place, position.key)
    complete = True
    for e in entries:
        reached = keys[e.id]
        if (e.xid, e.id) == position.place and position.key is not None:
            reached = [k for k in reached if k > position.key]
        stopped = False
        for k in reached:
            if k not in chosen:
                if len(order) == first:
                    stopped = True
                    break
                order.append(k)
                chosen[k] = False
            chosen[k] = chosen[k] or e.hides
            last = ((e.xid, e.id), k)
        if stopped:
            complete = False
            break
        last = ((e.xid, e.id), None)  # the whole entry is delivered
    items = await _items(conn, identity, position.kind, order, chosen)
    more = not complete or len(entries) == first
    place, key = last
    return FeedPage(items, _moved(position, False, place, key, now), more)


async def _items(
    conn: AsyncConnection, identity: Identity, kind: Kind, keys: list[int], hidden: dict[int, bool]
) -> list[FeedItem]:
    """The page's keys with their current values, or tombstones where the caller may have
    seen them before (`hub.rules.change_feed`): one statement."""
    if not keys:
        return []
    statement, key, visible, live = _values(kind, identity)
    statement = statement.add_columns(
        _one(visible).label("feed_visible"), _one(live).label("feed_live")
    ).where(key.in_(keys))
    rows = {r._mapping[key.key]: r for r in (await conn.execute(statement)).all()}
    items = []
    for k in keys:
        row = rows.get(k)
        if row is None:  # gone altogether
            items.append(FeedItem(k, None, None, None))
            continue
        code, year = row._mapping["feed_lao_code"], row._mapping["feed_year"]
        if row._mapping["feed_visible"] and row._mapping["feed_live"]:
            items.append(FeedItem(k, row, code, year))
        elif row._mapping["feed_visible"] or hidden[k]:
            # Retired while its LAO-year is visible, or taken out of the caller's sight.
            items.append(FeedItem(k, None, code, year))
        # Otherwise the caller never saw it (a draft's edits): nothing to say.
    return items


async def read_page(
    conn: AsyncConnection,
    identity: Identity,
    kind: Kind,
    position: Position | None,
    first: int,
    now: int,
) -> FeedPage:
    """One page of the feed after `position` (None: the start of a baseline).
    `BeyondHead` when the position lies past the log's end (no cursor of ours does)."""
    log_head = await head(conn)
    top = log_head.place
    if position is None:
        position = Position(kind, True, top[1], None, now, viewer_fingerprint(identity), top[0])
    elif log_head.passed_by(position):
        raise BeyondHead(position.log_id)
    if first == 0:  # a page of nothing: the same place, a fresh cursor
        return FeedPage(
            [], _moved(position, position.baseline, position.place, position.key, now), True
        )
    if position.baseline:
        page = await baseline_page(conn, identity, position, first, now)
        if not page.position.baseline and page.position.place == top:
            return FeedPage(page.items, page.position, False)  # complete, and nothing since
        return page
    return await delta_page(conn, identity, position, first, now)

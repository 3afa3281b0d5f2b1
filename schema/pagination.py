"""Relay cursor connections. Cursors are opaque; inside, they hold the last row's sort key.

`paginate` runs a statement as one keyset page plus one COUNT: two statements per connection.
"""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schema.context import Info
from schema.limits import check_page_size
from schema.loaders import fetch_all

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page, with the cursor to continue after it.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list: pass `pageInfo.endCursor` as `after` for the next.")
class Connection(Generic[NodeT]):
    total_count: int = strawberry.field(description="Items in the whole list, all pages.")
    page_info: PageInfo
    edges: list[Edge[NodeT]]


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, key = raw.split(":", 1)
        if prefix != "k":
            raise ValueError
        return int(key)
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError(
            f"after: {cursor!r} is not a cursor this API issued",
            extensions={"code": "BAD_USER_INPUT", "field": "after"},
        ) from None


def page_size(first: int | None) -> int:
    return check_page_size(first)


def build_connection(
    nodes_and_keys: list[tuple[NodeT, int]], size: int, total: int, after: int | None
) -> Connection[NodeT]:
    """`nodes_and_keys` holds up to size+1 rows: one extra tells whether a next page exists."""
    has_next = len(nodes_and_keys) > size
    page = nodes_and_keys[:size]
    edges = [Edge(cursor=encode_cursor(key), node=node) for node, key in page]
    return Connection(
        total_count=total,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        edges=edges,
    )


async def paginate(
    info: Info, statement: Select[Any], key: Any, first: int | None, after: str | None, to_node: Any
) -> Any:
    """Runs `statement` as one keyset page plus one COUNT: two statements per connection."""
    return await paginate_on(info.context.read_engine, statement, key, first, after, to_node)


async def paginate_on(
    engine: AsyncEngine | AsyncConnection,
    statement: Select[Any],
    key: Any,
    first: int | None,
    after: str | None,
    to_node: Any,
) -> Any:
    """`paginate` over `engine`, or over a connection the caller holds (a function the
    planned path calls too)."""
    size = page_size(first)
    after_key = decode_cursor(after)
    total = (await fetch_all(engine, select(func.count()).select_from(statement.subquery())))[0][0]
    page = statement.order_by(key)
    if after_key is not None:
        page = page.where(key > after_key)
    rows = await fetch_all(engine, page.limit(size + 1))
    return build_connection(
        [(to_node(r), r._mapping[key.key]) for r in rows], size, total, after_key
    )

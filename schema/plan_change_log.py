"""`Lao.changeLog(first:, after:)` under planned LAOs (`schema.planner`): a page of each LAO's
change log, newest first, for every LAO of a page at once.

The resolver reads one LAO's log with a COUNT and a keyset page (`id < after`, newest first,
one entry more than the page to tell whether there is a next). For a page of LAOs that would
be two statements per LAO; here it is at most two for all of them:

1. `SELECT lao_id, count(*) … WHERE lao_id IN (:ids) GROUP BY lao_id`, only when
   `totalCount` is selected;
2. the entries numbered per LAO, newest first (`row_number() OVER (PARTITION BY lao_id
   ORDER BY id DESC)`), of which the first `first + 1` of each LAO are kept.

Each entry's fields are those `schema.shapes.CHANGE_LOG_ENTRY` declares (who made it, in SQL,
as the resolver reads it too), the connection's as `schema.plan_common.connection_answer`
answers a root connection. The field's guard (`ChangeHistory`: the LAO's staff, officers
covering it, DLA) depends on the LAO: it is bound to the caller here (`PlaceGuard`) and
decided per LAO by whoever answers the node (`ChangeLogPlan.answer_at`), null with
FORBIDDEN where refused. An invalid `first` or `after` is the resolvers' to report:
`Unsupported`.

Contracts: `compile_change_log(node, identity, graphql_schema, variables, nodes_of)` returns
a `ChangeLogPlan`; `fetch(conn, lao_ids)` returns {LAO id: (total or None, rows)}; an LAO
without entries is absent (an empty page, total 0).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError
from graphql.execution.values import get_argument_values
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.rules.permissions import LaoPlace
from schema.limits import check_page_size
from schema.pagination import decode_cursor
from schema.permissions import PlaceGuard, place_guard
from schema.plan_common import (
    Columns,
    Row,
    Unsupported,
    _key,
    compile_object,
    connection_answer,
    connection_fields,
    forbidden,
)
from schema.plan_connections import _inline
from schema.plan_document import type_name_of
from schema.plan_lists import shape_getters
from schema.shapes import CHANGE_LOG_ENTRY

_TABLE = CHANGE_LOG_ENTRY.table


@dataclass
class ChangeLogPlan:
    """A compiled `changeLog` selection: the page's size and cursor, the connection's
    selection (`connection`, as `ConnectionPlan`) and each entry's getters under each key."""

    key: str
    nodes: list[FieldNode]
    guard: PlaceGuard
    size: int
    after: int | None
    edge_type: str
    page_info_type: str
    connection: list[tuple[str, str, Any]] = field(default_factory=list)
    columns: Columns = field(default_factory=Columns)
    # An entry's getters under each (edges key, node key) it is selected at: the same row
    # answers every key (its columns shared by name).
    fields: dict[tuple[str, str], list[tuple[str, Any]]] = field(default_factory=dict)
    id_position: int = 0
    page: Any = None  # the statements, built on first fetch (a plan is cached and reused)
    count: Any = None
    builds: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def wants_total(self) -> bool:
        return any(name == "totalCount" for name, _, _ in self.connection)

    def _statements(self) -> None:
        ids = _TABLE.c.lao_id.in_(bindparam("ids", expanding=True))
        number = (
            func.row_number()
            .over(partition_by=_TABLE.c.lao_id, order_by=_TABLE.c.id.desc())
            .label("entry_number")
        )
        inner = select(*self.columns.columns, _TABLE.c.lao_id.label("parent"), number).where(ids)
        if self.after is not None:
            inner = inner.where(_TABLE.c.id < _inline(self.after))
        numbered = inner.subquery("numbered")
        labels = [c.name for c in self.columns.columns]
        self.page = (
            select(*(numbered.c[label] for label in labels), numbered.c.parent)
            .where(numbered.c.entry_number <= _inline(self.size + 1))
            .order_by(numbered.c.parent, numbered.c.entry_number)
        )
        self.count = select(_TABLE.c.lao_id, func.count()).where(ids).group_by(_TABLE.c.lao_id)
        self.builds = {keys: compile_object(fields) for keys, fields in self.fields.items()}

    async def fetch(
        self, conn: AsyncConnection, lao_ids: list[int]
    ) -> dict[int, tuple[int | None, list[Row]]]:
        if not lao_ids:
            return {}
        if self.page is None:
            self._statements()
        totals: dict[int, int] = {}
        if self.wants_total:
            totals = {lao: n for lao, n in (await conn.execute(self.count, {"ids": lao_ids})).all()}
        parent = len(self.columns.columns)
        by_lao: dict[int, tuple[int | None, list[Row]]] = {}
        for row in (await conn.execute(self.page, {"ids": lao_ids})).all():
            by_lao.setdefault(row[parent], (totals.get(row[parent]), []))[1].append(row)
        return by_lao

    def answer_at(
        self,
        found: dict[int, tuple[int | None, list[Row]]],
        place: LaoPlace,
        path: list[Any],
        errors: list[GraphQLError],
    ) -> Any:
        """The LAO at `place`'s log page, or null with FORBIDDEN at `path` where the guard
        refuses the caller, as the resolver's permission class answers."""
        refused = self.guard.refusal(place)
        if refused is not None:
            errors.append(forbidden(refused, self.nodes, path))
            return None
        total, rows = found.get(place.lao_id, (0, []))
        at = operator.itemgetter(self.id_position)
        builds = self.builds
        return connection_answer(
            self, rows, total if self.wants_total else None, at, lambda i, r, *k: builds[k](r)
        )


def compile_change_log(
    node: FieldNode,
    identity: Any,
    graphql_schema: Any,
    variables: Any,
    nodes_of: Callable[[FieldNode], list[FieldNode]],
) -> ChangeLogPlan:
    """`Lao.changeLog` selected by `node`, its guard bound to `identity`."""
    guard = place_guard(graphql_schema, "Lao", "changeLog", identity)
    if guard is None:
        raise Unsupported("Lao.changeLog: not guarded per LAO")
    field_def = graphql_schema.get_type("Lao").fields["changeLog"]
    arguments = get_argument_values(field_def, node, variables)
    try:
        size = check_page_size(arguments.get("first"))
        after = decode_cursor(arguments.get("after"))
    except GraphQLError as exc:  # the resolvers report it, at its place among the others
        raise Unsupported("changeLog: a page the resolver refuses") from exc
    connection = type_name_of(graphql_schema, "Lao", "changeLog")
    edge_type = type_name_of(graphql_schema, connection, "edges")
    plan = ChangeLogPlan(
        _key(node),
        nodes_of(node),
        guard,
        size,
        after,
        edge_type,
        type_name_of(graphql_schema, connection, "pageInfo"),
    )
    entry_type = type_name_of(graphql_schema, edge_type, "node")
    for edges_key, node_key, entry in connection_fields(node.selection_set, connection, plan):
        joins: list[Any] = []
        plan.fields[edges_key, node_key] = shape_getters(
            CHANGE_LOG_ENTRY, _TABLE, entry, plan.columns, joins, "g", graphql_schema, entry_type
        )
        if joins:  # its shape reaches no object
            raise Unsupported("changeLog: an object under an entry")
    plan.id_position = plan.columns.add("g_id", _TABLE.c.id)
    return plan

"""Lists under a planned node (`schema.planner`): one statement per list for a whole page
(on PostgreSQL, one column of the page statement: `ListPlan.nested`).

Compiled here:

* `Lao.codeHistory`, `Lao.typeHistory`, `Lao.nameHistory`;
* `Lao.absorbed` and `Lao.mergedInto` (one object or null), with `absorbed { … }` and
  `successor { … }` (their profiles and places);
* `Lao.transferredMissions`, with `mission { … agency { … } }`, `agency { … }` and `lao { … }`
  (its profile and places: whatever `schema.shapes.LAO_MISSION` reaches);
* `LaoYear.certificationHistory`, with `actorName` (personal data: `ItemGuard`, below);
* `Lao.recorders` and `Lao.infoAdministrators` (personal data: `ListPlan.guard`, below);
* lists under a list's item or a connection's node (`Children`): a mission record's
  `history` and `helpRequests` (who acted and the help requests decided at the record's LAO
  where its place is at hand: a page of records joins it, an LAO's own records are its; a
  list compiled `placed` is answered by whoever knows that place, `Children.decide`), a
  subdistrict's `villages`.

Each list becomes `SELECT parent key, <the selected columns> FROM table JOIN <selected
objects> WHERE parent key IN (:ids) ORDER BY <the DataLoader's order in schema.loaders>`, so
items come back in the resolvers' order, ties included. A list under the items of a list
(or of a connection page) is one more such statement for all the items at once, keyed by the
items' ids (`Children.extend`), so statements never grow with the rows returned.

Contracts: `compile_list(type_name, node, identity, graphql_schema)` returns a `ListPlan`,
or raises `Unsupported` when the field is not such a list, selects anything else or is
guarded by a rule that depends on the object; `ListPlan.fetch(conn, ids)` returns {parent
id: [row, …]} (nothing for a forbidden list or no ids); `ListPlan.value(row)` is one item as
the GraphQL layer serialises it. Permission: the list field's own `guarded(...)` declaration
(`transferredMissions`: `MissionsData`), decided at planning time by
`schema.permissions.identity_decision`; a forbidden list is never fetched and the caller answers it with null and a
FORBIDDEN error carrying `ListPlan.message`. A guard decided per LAO (personal data:
`schema.permissions.PlaceGuard`) is bound to the caller at planning time and decided by
whoever answers the list, which knows the LAO's place: on the list (`ListPlan.guard`) or on
a field of its items (`ListPlan.item_guards`, `answer_at`); a read it lets through is noted
with the fields `schema.read_audit.audited_fields` names, as the resolvers note it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from graphql import FieldNode, GraphQLError
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.rules.permissions import LaoPlace
from hub.services.read_audit import PersonalReads
from schema.permissions import (
    PlaceGuard,
    identity_decision,
    is_guarded,
    place_guard,
)
from schema.plan_common import (
    Columns,
    Row,
    Unsupported,
    _alias,
    _const,
    _fields,
    _key,
    _leaf,
    _same,
    compile_object,
    forbidden,
    join_once,
    nested_rows,
)
from schema.plan_document import TYPENAME, type_name_of
from schema.read_audit import audited_fields
from schema.shapes import (
    CERTIFICATION_EVENT,
    CODE_PERIOD,
    CONTACT_KINDS,
    LAO_CONTACT,
    LAO_MERGER,
    LAO_MISSION,
    MISSION_EVENT,
    MISSION_HELP_MESSAGE,
    MISSION_HELP_REQUEST,
    NAME_PERIOD,
    SUBDISTRICT,
    TYPE_PERIOD,
    VILLAGE,
    Shape,
)

# (parent type, field) → (shape, parent-key column, order by): as in schema.loaders. What
# each item's fields read is declared in `schema.shapes`.
LISTS: dict[tuple[str, str], tuple[Shape, str, tuple[str, ...]]] = {
    ("Lao", "codeHistory"): (CODE_PERIOD, "lao_id", ("valid_from",)),
    ("Lao", "typeHistory"): (TYPE_PERIOD, "lao_id", ("valid_from",)),
    ("Lao", "nameHistory"): (NAME_PERIOD, "lao_id", ("valid_from",)),
    ("Lao", "absorbed"): (LAO_MERGER, "successor_id", ("effective_on", "id")),
    ("Lao", "mergedInto"): (LAO_MERGER, "lao_id", ("id",)),
    ("Lao", "transferredMissions"): (LAO_MISSION, "lao_id", ("id",)),
    ("LaoYear", "certificationHistory"): (CERTIFICATION_EVENT, "lao_year_id", ("at", "id")),
    ("LaoMission", "history"): (MISSION_EVENT, "lao_mission_id", ("at", "id")),
    ("District", "subdistricts"): (SUBDISTRICT, "district_id", ("code",)),
    ("Subdistrict", "villages"): (VILLAGE, "subdistrict_id", ("number",)),
    ("MissionHelpRequest", "messages"): (MISSION_HELP_MESSAGE, "request_id", ("at", "id")),
    ("LaoMission", "helpRequests"): (MISSION_HELP_REQUEST, "lao_mission_id", ("id",)),
    ("Lao", "recorders"): (LAO_CONTACT, "lao_id", ("slot",)),
    ("Lao", "infoAdministrators"): (LAO_CONTACT, "lao_id", ("slot",)),
}
# Of those, the lists that hold only some of the table's rows: (column, value).
ONLY: dict[tuple[str, str], tuple[str, Any]] = {
    ("Lao", "recorders"): ("kind", CONTACT_KINDS["recorders"]),
    ("Lao", "infoAdministrators"): ("kind", CONTACT_KINDS["info_administrators"]),
}
# Of those, the fields that are one object or null, not a list (an LAO is absorbed at most
# once: `lao_mergers.lao_id` is unique).
ONE_OF = frozenset({("Lao", "mergedInto")})


@dataclass
class ListPlan:
    """One compiled list: its statement's parts and the item's (key, getter) pairs."""

    key: str
    node: FieldNode
    table: Any
    parent: str
    order_by: tuple[str, ...]
    columns: Columns
    joins: list[tuple[Any, Any]]
    fields: list[tuple[str, Any]]
    nodes: list[FieldNode] = field(default_factory=list)  # the document's nodes (errors)
    allowed: bool = True
    message: str = ""
    statement: Any = None  # built on first fetch (a plan is cached and reused)
    build: Any = None  # `compile_object(fields)`, on first use
    one: bool = False  # one object or null (`ONE_OF`), not a list
    children: Children | None = None  # lists under each item
    only: tuple[Any, ...] = ()  # `ONLY`: the clause choosing the list's rows of the table
    # A guard decided per object from its LAO's place (`PlaceGuard`: personal data), and
    # what a read it allows records in the read audit (`audited_fields`).
    guard: PlaceGuard | None = None
    audited: tuple[str, ...] = ()
    # Fields of the items guarded per LAO (`actorName`): answered by `answer_at`.
    item_guards: list[ItemGuard] = field(default_factory=list)

    def _from(self) -> Any:
        joined: Any = self.table
        for alias, on in self.joins:
            joined = joined.outerjoin(alias, on)
        return joined

    def _order(self) -> list[Any]:
        return [self.table.c[o] for o in self.order_by]

    async def fetch(self, conn: AsyncConnection, ids: list[int]) -> dict[int, list[Row]]:
        by_parent: dict[int, list[Row]] = {}
        if not ids or not self.allowed:
            return by_parent
        if self.statement is None:
            self.statement = (
                select(*self.columns.columns)
                .select_from(self._from())
                .where(self.table.c[self.parent].in_(bindparam("ids", expanding=True)), *self.only)
                .order_by(*self._order())
            )
        rows: list[Any] = list((await conn.execute(self.statement, {"ids": ids})).all())
        if self.children is not None:
            rows = await self.children.extend(conn, rows)
        for row in rows:
            by_parent.setdefault(row[0], []).append(row)
        return by_parent

    async def complete(
        self, conn: AsyncConnection, by_parent: dict[int, list[Row]]
    ) -> dict[int, list[Row]]:
        """Rows read some other way (`nested`, PostgreSQL) with the lists under their items
        appended, as `fetch` returns them."""
        if self.children is None or not self.allowed:
            return by_parent
        extended = iter(
            await self.children.extend(conn, [r for rows in by_parent.values() for r in rows])
        )
        return {parent: [next(extended) for _ in rows] for parent, rows in by_parent.items()}

    def nested(self, parent_id: Any, parent: Any) -> Any:
        """PostgreSQL: the list's rows for the enclosing row whose id is `parent_id` (a
        column of `parent`), as one value of that row (`schema.plan_common.nested_rows`);
        read back with `NestedRows(self.columns.columns, dialect)`."""
        return nested_rows(
            self.columns.columns,
            self._from(),
            [self.table.c[self.parent] == parent_id, *self.only],
            self._order(),
            parent,
        )

    def value(self, row: Row) -> dict[str, Any]:
        if self.build is None:  # compiled once per plan (plans are cached and never change)
            self.build = compile_object(self.fields)
        built: dict[str, Any] = self.build(row)
        return built

    def answer(self, rows: list[Row]) -> Any:
        """The field's value from its parent's rows: the list, or (`one`) the object or null."""
        if self.one:
            return self.value(rows[0]) if rows else None
        return [self.value(r) for r in rows]

    def answer_at(
        self,
        rows: list[Row],
        place: LaoPlace,
        path: list[Any],
        errors: list[GraphQLError],
        reads: PersonalReads | None,
    ) -> Any:
        """The list at `path` of an object of the LAO at `place`, its items' guarded fields
        decided there (`item_guards`): null with FORBIDDEN at each item where refused, as
        the resolver's permission class answers, else the value, the read noted in `reads`
        (once per LAO, when there is an item to read it from)."""
        items = self.answer(rows)
        for guarded in self.item_guards:
            refused = guarded.guard.refusal(place)
            if refused is None:
                if guarded.guard.audited and items:
                    note_read(reads, place.lao_id, guarded.audited)
                continue
            for i, item in enumerate(items):
                item[guarded.key] = None
                errors.append(forbidden(refused, guarded.nodes, [*path, i, guarded.key]))
        return items


def note_read(reads: PersonalReads | None, lao_id: int, fields: tuple[str, ...]) -> None:
    """Note a read of personal data the plan answers; never answer one that would go
    unrecorded (a plan run without the request's `personal_reads`)."""
    if reads is None:
        raise RuntimeError("personal data planned without a read audit to note it in")
    reads.note(lao_id, fields)


@dataclass(frozen=True)
class ItemGuard:
    """A field of a list's items guarded per LAO: its response key, the guard bound to the
    caller, what an allowed read records (`audited_fields`) and the document's nodes."""

    key: str
    guard: PlaceGuard
    audited: tuple[str, ...]
    nodes: list[FieldNode]


def is_list(type_name: str, name: str) -> bool:
    return (type_name, name) in LISTS


def compile_list(
    type_name: str,
    node: FieldNode,
    identity: Any,
    graphql_schema: Any,
    nodes_of: Callable[[FieldNode], list[FieldNode]] | None = None,
    placed: bool = False,
) -> ListPlan:
    """`type_name.node` compiled under its declared guards, decided for `identity` (those
    decided per LAO bound to it); `nodes_of`: the document's nodes behind a collected field
    (`Normalised.nodes_of`), for the errors of its items' guarded fields; `placed`: whoever
    answers the list knows its items' LAO (an LAO's own mission records) and decides the
    lists under them guarded per LAO (`Children.decide` with that place)."""
    found = LISTS.get((type_name, node.name.value))
    if found is None or node.arguments:
        raise Unsupported(f"{type_name}.{node.name.value}")
    decision = identity_decision(graphql_schema, type_name, node.name.value, identity)
    guard = None
    if decision is None:
        guard = place_guard(graphql_schema, type_name, node.name.value, identity)
        if guard is None:
            raise Unsupported(f"{type_name}.{node.name.value}: guarded by the object")
    shape, parent, order_by = found
    columns = Columns()
    columns.add("parent", shape.table.c[parent])
    plan = ListPlan(_key(node), node, shape.table, parent, order_by, columns, [], [])
    item_type = _type_of(graphql_schema, type_name, node.name.value)
    children = Children(identity, placed=placed, nodes_of=nodes_of)
    guarded: list[FieldNode] = []
    plan.fields = shape_getters(
        shape,
        shape.table,
        node,
        plan.columns,
        plan.joins,
        "l",
        graphql_schema,
        item_type,
        children=children,
        guarded=guarded,
        identity=identity,
    )
    for f in guarded:
        assert item_type is not None
        item_guard = place_guard(graphql_schema, item_type, f.name.value, identity)
        if item_guard is None:
            raise Unsupported(f"{item_type}.{f.name.value}: not guarded per LAO")
        plan.item_guards.append(
            ItemGuard(
                _key(f),
                item_guard,
                tuple(audited_fields(item_type, f.name.value, [])),
                nodes_of(f) if nodes_of is not None else [f],
            )
        )
    plan.children = children.seal(plan.columns)
    if decision is not None:
        plan.allowed, plan.message = decision.allowed, decision.message
    else:  # decided per object, by whoever answers it (`_node`): it knows the LAO's place
        assert guard is not None
        plan.guard = guard
        selected = [f.name.value for f in _fields(node.selection_set, any_twice=True)]
        plan.audited = tuple(audited_fields(type_name, node.name.value, selected))
    if (type_name, node.name.value) in ONLY:
        column, value = ONLY[(type_name, node.name.value)]
        plan.only = (shape.table.c[column] == value,)
    plan.one = (type_name, node.name.value) in ONE_OF
    return plan


# `shape_getters` without a caller: fields decided for the caller are refused.
UNKNOWN_CALLER: Any = object()


def _type_of(graphql_schema: Any, parent: str, name: str) -> str | None:
    if graphql_schema is None:
        return None
    return type_name_of(graphql_schema, parent, name)


def shape_getters(
    shape: Shape,
    table: Any,
    node: FieldNode,
    columns: Columns,
    joins: list[Any],  # (alias, ON clause) pairs, joined in order
    prefix: str,
    graphql_schema: Any,
    type_name: str | None,
    *,
    children: Children | None = None,
    guarded: list[FieldNode] | None = None,
    at: tuple[str, ...] = (),
    loaded: Callable[[FieldNode, str], Any] | None = None,
    identity: Any = UNKNOWN_CALLER,
) -> list[Any]:
    """`node`'s selection on `shape` (read from `table`, an alias or the table): its (key,
    getter) pairs, the columns they read added to `columns` and the objects they reach
    (aliases, with their ON clauses) to `joins`; with `children`, the lists it selects
    (`LISTS`) added there, each read by a `ChildList` getter (else they are refused); with
    `guarded`, its fields looked up in SQL (`Shape.lookups`) that are guarded per LAO read
    too and their nodes added there, for the list to decide (else refused; an unguarded one
    is read wherever it stands); with `loaded`, a field it gives a read of (a function over
    the request's DataLoaders: `schema.plan_connections.loaded_on_rows`) is a `Deferred`
    getter, over an object holding the shape's fields, for the runner to fill in; with
    `identity` (a plan is per caller), its fields decided for the caller (`Shape.callers`:
    `viewerSupervises`), by the rule over the row's columns."""
    getters: list[tuple[str, Any]] = []
    # Any field under several keys: an object the shape reaches is joined once
    # (`join_once`), its columns shared by name; a list (`children`) or a function's field
    # (`loaded`) is a read of its own per key.
    for f in _fields(node.selection_set, any_twice=True):
        name, key = f.name.value, _key(f)
        if name == TYPENAME:
            if type_name is None:
                raise Unsupported("__typename without the schema")
            getters.append((key, _const(type_name)))
        elif name in shape.by_graphql_name:
            getters.append((key, shape.getter(_leaf(f), columns, table, prefix)))
        elif name in shape.callers and identity is not UNKNOWN_CALLER:
            rule = shape.callers[_leaf(f)]
            positions = [columns.add(f"{prefix}_{c}", table.c[c]) for c in rule.columns]
            getters.append((key, _for_caller(rule.decide, identity, positions)))
        elif name in shape.lookups and type_name is not None:
            if is_guarded(graphql_schema, type_name, name):
                if guarded is None:
                    raise Unsupported(f"{type_name}.{name}: guarded per LAO here")
                guarded.append(f)
            value = shape.lookups[_leaf(f)].of(table)
            getters.append((key, columns.getter(f"{prefix}_{name}", value, _same)))
        elif name in shape.objects:
            if f.arguments:
                raise Unsupported("arguments")
            fk, target = shape.objects[name]
            alias = _alias(target.table, f"{prefix}_{name}")
            # Joined outer (every consumer of `joins` does): a foreign key may be null; once,
            # however many keys ask for it.
            join_once(joins, alias, alias.c.id == table.c[fk])
            target_type = _type_of(graphql_schema, type_name, name) if type_name else None
            inner = shape_getters(
                target,
                alias,
                f,
                columns,
                joins,
                f"{prefix}_{name}",
                graphql_schema,
                target_type,
                children=children,
                at=(*at, key),
                identity=identity,
            )
            if table.c[fk].nullable:  # no object: null, not an object of nulls
                present = columns.add(f"{prefix}_{name}_id", alias.c.id)
                getters.append((key, ("object", present, inner)))
            else:
                getters.append((key, ("object", inner)))
        elif (
            loaded is not None
            and type_name is not None
            and (read := loaded(f, type_name)) is not None
        ):
            getters.append((key, _deferred(read, shape, table, columns, prefix)))
        elif children is not None and type_name is not None and is_list(type_name, name):
            parent_id = columns.add(f"{prefix}_id", table.c.id)
            getters.append(
                (
                    key,
                    children.add(
                        compile_list(
                            type_name, f, children.identity, graphql_schema, children.nodes_of
                        ),
                        parent_id,
                        (*at, key),
                    ),
                )
            )
        else:
            raise Unsupported(f"{name} in a list")
    return getters


def _for_caller(decide: Callable[..., Any], identity: Any, positions: list[int]) -> Any:
    """A getter of a field decided for `identity` over the row's values at `positions`."""
    return lambda row: decide(identity, *(row[i] for i in positions))


@dataclass(frozen=True)
class Deferred:
    """A value still to compute (`shape_getters`' `loaded`): the read, and the object its
    function takes. The runner replaces it in the answer (`schema.plan_connections`)."""

    read: Any
    value: Any


def _deferred(read: Any, shape: Shape, table: Any, columns: Any, prefix: str) -> Any:
    """A getter of a `Deferred` whose object holds every field of `shape` and the row's
    primary key, as the resolver type built from the row does (`Shape.python_values`; a
    KPI-16 round's functions read its `id`)."""
    names = {reads.column for reads in shape.fields.values()}
    names |= {reads.when for reads in shape.fields.values() if reads.when is not None}
    keys = [column.name for column in table.primary_key.columns]
    names |= set(keys)
    positions = {name: columns.add(f"{prefix}_{name}", table.c[name]) for name in sorted(names)}

    def get(row: Any) -> Deferred:
        source = SimpleNamespace(**{name: row[i] for name, i in positions.items()})
        values = {name: getattr(source, name) for name in keys}
        return Deferred(read, SimpleNamespace(**{**values, **shape.python_values(source)}))

    return get


# --- lists under the items of a list -----------------------------------------------------------


class ChildList:
    """The getter of a list under an item: the item's rows of it, which `Children.extend`
    appended to the item's row at `position`, answered by the list's plan."""

    __slots__ = ("plan", "position")

    def __init__(self, plan: ListPlan) -> None:
        self.plan = plan
        self.position = -1  # set by `Children.seal`, once the statement's columns are known

    def __call__(self, row: Row) -> Any:
        return self.plan.answer(row[self.position])


@dataclass(frozen=True)
class Undecided:
    """The rows of a list guarded per LAO under an item, waiting for `Children.decide`."""

    rows: list[Row]


class GuardedChildList(ChildList):
    """The getter of a list under an item guarded per LAO (who acted on a mission record):
    its rows, `Undecided` until the item's LAO and path are known (`Children.decide`)."""

    __slots__ = ()

    def __call__(self, row: Row) -> Any:
        return Undecided(row[self.position])


@dataclass
class Children:
    """The lists selected under the items of one statement's rows (a list's, a connection
    page's), decided for `identity`: each is one more statement for all the rows at once,
    keyed by the item's id, its rows appended to each row after the statement's columns.

    A list the caller may not read is refused (`Unsupported`): the resolvers answer its null
    and FORBIDDEN error where it stands. A list guarded per LAO (or whose items' fields are)
    is compiled only directly under items whose LAO the statement reads (`placed`: the
    compiler then sets `place`, the item's LAO from its row), and decided per item once
    its path is known (`decide`); elsewhere it is refused too.
    """

    identity: Any
    lists: list[tuple[ChildList, int]] = field(default_factory=list)  # (getter, id position)
    placed: bool = False  # the items' LAO is read with them: lists guarded per LAO allowed
    place: Callable[[Row], LaoPlace] | None = None  # the item's LAO, from its row
    guarded: list[tuple[str, GuardedChildList]] = field(default_factory=list)  # (key, getter)
    # The document's nodes behind a collected field (`Normalised.nodes_of`): the locations of
    # the errors a guarded list reports.
    nodes_of: Callable[[FieldNode], list[FieldNode]] | None = None

    def add(self, plan: ListPlan, parent_id: int, at: tuple[str, ...] = ()) -> ChildList:
        """The getter of `plan`, a list at `at` (response keys) under each item."""
        if not plan.allowed:
            raise Unsupported(f"{plan.key}: forbidden under a list")
        getter: ChildList
        if plan.guard is not None or plan.item_guards:
            if not self.placed or len(at) != 1:
                raise Unsupported(f"{plan.key}: guarded by its LAO under a list")
            if self.nodes_of is not None:
                plan.nodes = self.nodes_of(plan.node)
            getter = GuardedChildList(plan)
            self.guarded.append((at[0], getter))
        else:
            getter = ChildList(plan)
        self.lists.append((getter, parent_id))
        return getter

    def decide(
        self,
        row: Row,
        item: dict[str, Any],
        path: list[Any],
        early: list[GraphQLError],
        last: list[GraphQLError],
        reads: PersonalReads | None,
        place: LaoPlace | None = None,
    ) -> dict[str, Any]:
        """`item` (built from `row`, at `path`) with its lists guarded per LAO decided at
        the item's LAO (`place`, else `self.place` of its row), as the resolvers'
        permission classes decide them: a refused list null with FORBIDDEN at its path (to
        `early`: the resolvers decide a list before its items' fields), a refused field of
        its items null with FORBIDDEN at each (to `last`, `ListPlan.answer_at`); every read
        let through noted for the read audit."""
        if not self.guarded:
            return item
        if place is None:
            assert self.place is not None
            place = self.place(row)
        for key, getter in self.guarded:
            pending = item.get(key)
            if not isinstance(pending, Undecided):
                continue
            lp, at = getter.plan, [*path, key]
            if lp.guard is not None:
                refused = lp.guard.refusal(place)
                if refused is not None:
                    early.append(forbidden(refused, lp.nodes or [lp.node], at))
                    item[key] = None
                    continue
                if lp.guard.audited:
                    note_read(reads, place.lao_id, lp.audited)
            item[key] = lp.answer_at(pending.rows, place, at, last, reads)
        return item

    def seal(self, columns: Columns) -> Children | None:
        """Place each list after `columns` (the statement's final select list); None when
        nothing is selected under the items."""
        for j, (getter, _) in enumerate(self.lists):
            getter.position = len(columns.columns) + j
        return self if self.lists else None

    async def extend(self, conn: AsyncConnection, rows: list[Any]) -> list[Any]:
        """`rows`, each with its rows of every list appended (one statement per list)."""
        if not rows:
            return rows
        fetched = []
        for getter, parent_id in self.lists:
            ids = sorted({r[parent_id] for r in rows if r[parent_id] is not None})
            fetched.append((await getter.plan.fetch(conn, ids), parent_id))
        return [(*r, *(by.get(r[at], []) for by, at in fetched)) for r in rows]

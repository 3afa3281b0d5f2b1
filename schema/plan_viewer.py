"""The planned `viewer`: who the caller is, from the identity, and the places it holds.

Why: nearly every console page starts with `viewer` (a clerk's LAOs, an officer's district
or province with its progress, the grants that decide which buttons to offer), and through
the resolvers it cost a page 7–28 ms on the national data, most of it building fields one
by one. The viewer's own fields are the identity's (`kind`, `subject`, `roles`, `scopes`,
each grant's `role`), known when the plan is compiled — and a plan is remembered per
identity. Its places are planned by the compilers of the roots that answer the same types:

* `laos` (the LAOs whose staff the caller is, by code) and a grant's `lao`: the LAOs of
  those ids with the selection `lao(code:)` would compile (`Compiler.compile_listed`: its
  lists, LAO-years and sections under the same field rules, one statement on PostgreSQL);
* `districts`, `provinces` and a grant's `district` / `province`: the areas of those ids,
  with `stats(…)`, a province's `districts`, a district's `province`
  (`StatsCompiler.areas`), the figures shared with the operation's other roots;
* a grant's `laoCode`, `districtCode` and `provinceCode`: one statement per kind selected;
* `areas` (the areas the caller supervises, `hub.rules.permissions.supervised_areas`, known
  from the identity): each one's `level`, and its `province` and `district` as above (a
  district's province found by one statement).

Anything else under `viewer` raises `Unsupported`, and the resolvers answer the root. The answer is the resolvers':
`tests/test_planner.py` compares both paths on random viewer selections for every role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError
from sqlalchemy import select

from hub.db.models import District, Lao, Province
from hub.rules.permissions import supervised_areas
from schema.geography import AreaLevel
from schema.plan_common import Unsupported, _fields, _key, _leaf
from schema.plan_document import TYPENAME, Normalised, type_name_of
from schema.plan_stats import StatsPlan, run_areas

# What each grant's place is: the grant's attribute holding its id, the table of its code.
PLACES: dict[str, tuple[str, Any]] = {
    "lao": ("lao_id", Lao),
    "district": ("district_id", District),
    "province": ("province_id", Province),
}
CODES = {"laoCode": "lao", "districtCode": "district", "provinceCode": "province"}


@dataclass
class ViewerPlan:
    """A compiled `viewer`: (what, response key, detail) for each selected field, in order:
    ("value", key, the value), ("laos", key, a listed `PagePlan`), ("areas", key, a
    `StatsPlan` of ids) or ("grants", key, `GrantsPlan`)."""

    root_key: str
    fields: list[tuple[str, str, Any]]
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = False  # `Viewer!`: a failure answers the whole data null


@dataclass
class GrantsPlan:
    """The caller's grants, each answered with (what, key, detail): ("value", key, the type
    name), ("role", key, None), ("code", key, place), ("lao", key, a listed `PagePlan`) or
    ("area", key, (place, `StatsPlan`))."""

    grants: tuple[Any, ...]
    fields: list[tuple[str, str, Any]]


def compile_viewer(
    root: FieldNode,
    identity: Any,
    graphql_schema: Any,
    normalised: Normalised,
    laos: Callable[[FieldNode, frozenset[int]], Any],
    areas: Callable[[FieldNode, Any, frozenset[int]], StatsPlan],
) -> ViewerPlan:
    """The plan of `viewer` for `identity`; `laos` and `areas` compile the LAOs and the
    areas of given ids with a node's selection."""
    if root.arguments:
        raise Unsupported("viewer takes no arguments")
    values: dict[str, Any] = {
        TYPENAME: type_name_of(graphql_schema, "Query", "viewer"),
        "kind": identity.kind,
        "subject": identity.subject,
        "roles": [r.name for r in identity.roles()],
        "scopes": sorted(identity.scopes),
    }
    plan = ViewerPlan(_key(root), [])
    # Any field under several keys: each key's LAOs or areas are a plan of their own.
    for f in _fields(root.selection_set, any_twice=True):
        name, key = f.name.value, _key(f)
        if name in values:
            if name != TYPENAME:
                _leaf(f)
            plan.fields.append(("value", key, values[name]))
        elif name == "laos" and not f.arguments:
            plan.fields.append(("laos", key, laos(f, identity.staff_lao_ids())))
        elif name == "districts" and not f.arguments:
            plan.fields.append(("areas", key, areas(f, "district", identity.district_ids())))
        elif name == "provinces" and not f.arguments:
            plan.fields.append(("areas", key, areas(f, "province", identity.province_ids())))
        elif name == "areas" and not f.arguments:
            area_type = type_name_of(graphql_schema, "Viewer", "areas")
            plan.fields.append(("supervised", key, _areas(f, identity, area_type, areas)))
        elif name == "grants" and not f.arguments:
            grant_type = type_name_of(graphql_schema, "Viewer", "grants")
            plan.fields.append(("grants", key, _grants(f, identity, grant_type, laos, areas)))
        else:
            raise Unsupported(f"Viewer.{name}")
    plan.root_nodes = normalised.nodes_of(root)
    return plan


def _grants(
    node: FieldNode,
    identity: Any,
    type_name: str,
    laos: Callable[[FieldNode, frozenset[int]], Any],
    areas: Callable[[FieldNode, Any, frozenset[int]], StatsPlan],
) -> GrantsPlan:
    plan = GrantsPlan(identity.grants, [])
    for f in _fields(node.selection_set, any_twice=True):  # each key's places: a plan each
        name, key = f.name.value, _key(f)
        if name == TYPENAME:
            plan.fields.append(("value", key, type_name))
        elif name == "role":
            _leaf(f)
            plan.fields.append(("role", key, None))
        elif name in CODES:
            _leaf(f)
            plan.fields.append(("code", key, CODES[name]))
        elif name in PLACES and not f.arguments:
            ids = frozenset(getattr(g, PLACES[name][0]) for g in identity.grants) - {None}
            if name == "lao":
                plan.fields.append(("lao", key, laos(f, ids)))
            else:
                plan.fields.append(("area", key, (name, areas(f, name, ids))))
        else:
            raise Unsupported(f"ViewerGrant.{name}")
    return plan


@dataclass
class AreasPlan:
    """The areas the caller supervises, widest first, each answered with (what, key,
    detail): ("value", key, the type name), ("level", key, None) or ("place", key, (level,
    `StatsPlan`))."""

    areas: list[Any]
    fields: list[tuple[str, str, Any]]


def _areas(
    node: FieldNode,
    identity: Any,
    type_name: str,
    areas: Callable[[FieldNode, Any, frozenset[int]], StatsPlan],
) -> AreasPlan:
    supervised = list(supervised_areas(identity))
    plan = AreasPlan(supervised, [])
    for f in _fields(node.selection_set, any_twice=True):  # each key's places: a plan each
        name, key = f.name.value, _key(f)
        if name == TYPENAME:
            plan.fields.append(("value", key, type_name))
        elif name == "level":
            _leaf(f)
            plan.fields.append(("level", key, None))
        elif name in ("province", "district") and not f.arguments:
            # Compiled for no ids: a district-level area's province is known only at run time.
            plan.fields.append(("place", key, (name, areas(f, name, frozenset()))))
        else:
            raise Unsupported(f"SupervisedArea.{name}")
    return plan


FetchLaos = Callable[[Any, Any], Awaitable[tuple[list[tuple[int, str, Any]], Any]]]
LaoNode = Callable[[Any, Any, list[Any], Any], dict[str, Any]]


@dataclass
class _Runner:
    """What running a viewer plan needs from the planner: the engine, the request's moment
    and shared roll-ups, and the functions that read and answer listed LAOs."""

    engine: Any
    now: dt.datetime
    shared: dict[Any, Any]
    fetch_laos: FetchLaos
    lao_node: LaoNode
    # Fills in what the LAOs' nodes still hold to load (an LAO-year's loaded fields), once
    # they are built: `schema.planner.fill_loaded`.
    finish: Callable[[Any], Awaitable[None]]
    errors: list[GraphQLError] = field(default_factory=list)

    async def laos(self, plan: Any) -> tuple[list[tuple[int, Any]], Any]:
        """(id, row) of the plan's LAOs by code, and what their nodes read besides."""
        if not plan.listed_ids:
            return [], None
        found, fetched = await self.fetch_laos(plan, self.engine)
        return [(lao_id, row) for lao_id, _, row in found], fetched

    async def areas(self, plan: StatsPlan) -> list[tuple[int, dict[str, Any]]]:
        if not plan.ids:
            return []
        async with self.engine.connect() as conn:
            return await run_areas(plan, conn, self.now, self.shared)


async def run_viewer(
    plan: ViewerPlan,
    engine: Any,
    now: dt.datetime,
    shared: dict[Any, Any],
    fetch_laos: FetchLaos,
    lao_node: LaoNode,
    finish: Callable[[Any], Awaitable[None]],
) -> tuple[Any, list[GraphQLError]]:
    """The viewer's answer and its errors (a field rule refusing part of an LAO)."""
    run = _Runner(engine, now, shared, fetch_laos, lao_node, finish)
    out: dict[str, Any] = {}
    for what, key, detail in plan.fields:
        if what == "value":
            out[key] = detail
        elif what == "laos":
            rows, fetched = await run.laos(detail)
            out[key] = [
                lao_node(detail, row, [plan.root_key, key, i], fetched)
                for i, (_, row) in enumerate(rows)
            ]
            if fetched is not None:
                await run.finish(fetched)
                run.errors += fetched.errors
        elif what == "areas":
            out[key] = [answer for _, answer in await run.areas(detail)]
        elif what == "supervised":
            out[key] = await _run_areas(run, detail)
        else:
            out[key] = await _run_grants(run, detail, [plan.root_key, key])
    return out, run.errors


async def _run_areas(run: _Runner, plan: AreasPlan) -> list[dict[str, Any]]:
    """Each supervised area: a district's own id, a province's (a district's, looked up)."""
    district_ids = sorted({a.area_id for a in plan.areas if a.level == "district"})
    province_of: dict[int, int] = {}
    if district_ids and any(what == "place" for what, _, _ in plan.fields):
        statement = select(District.id, District.province_id).where(District.id.in_(district_ids))
        async with run.engine.connect() as conn:
            province_of = {i: p for i, p in (await conn.execute(statement)).all()}

    def place_id(area: Any, level: str) -> int | None:
        if area.level == "district":
            return area.area_id if level == "district" else province_of.get(area.area_id)
        return area.area_id if level == "province" else None

    places: dict[str, dict[int, Any]] = {}
    for what, key, detail in plan.fields:
        if what == "place":
            level, areas = detail
            ids = tuple(sorted({i for a in plan.areas if (i := place_id(a, level)) is not None}))
            places[key] = {}
            if ids:
                async with run.engine.connect() as conn:
                    found = await run_areas(areas, conn, run.now, run.shared, ids)
                places[key] = dict(found)
    answer = []
    for area in plan.areas:
        one: dict[str, Any] = {}
        for what, key, detail in plan.fields:
            if what == "value":
                one[key] = detail
            elif what == "level":
                one[key] = AreaLevel(area.level).name
            else:
                found_id = place_id(area, detail[0])
                one[key] = None if found_id is None else places[key].get(found_id)
        answer.append(one)
    return answer


async def _run_grants(run: _Runner, plan: GrantsPlan, path: list[Any]) -> list[dict[str, Any]]:
    codes: dict[str, dict[int, str]] = {}
    places: dict[str, dict[int, Any]] = {}
    laos: dict[str, tuple[dict[int, Any], Any]] = {}
    for what, key, detail in plan.fields:
        if what == "code" and detail not in codes:
            attribute, table = PLACES[detail]
            ids = {getattr(g, attribute) for g in plan.grants} - {None}
            codes[detail] = {}
            if ids:
                statement = select(table.id, table.code).where(table.id.in_(sorted(ids)))
                async with run.engine.connect() as conn:
                    codes[detail] = {i: c for i, c in (await conn.execute(statement)).all()}
        elif what == "lao":
            rows, fetched = await run.laos(detail)
            laos[key] = (dict(rows), fetched)
        elif what == "area":
            places[key] = dict(await run.areas(detail[1]))
    answer = []
    for i, grant in enumerate(plan.grants):
        one: dict[str, Any] = {}
        for what, key, detail in plan.fields:
            if what == "value":
                one[key] = detail
            elif what == "role":
                one[key] = grant.role.name
            elif what == "code":
                one[key] = codes[detail].get(getattr(grant, PLACES[detail][0]))
            elif what == "lao":
                by_id, fetched = laos[key]
                row = by_id.get(grant.lao_id)
                one[key] = (
                    None if row is None else run.lao_node(detail, row, [*path, i, key], fetched)
                )
            else:
                one[key] = places[key].get(getattr(grant, PLACES[detail[0]][0]))
        answer.append(one)
    for _, fetched in laos.values():
        if fetched is not None:
            await run.finish(fetched)
            run.errors += fetched.errors
    return answer

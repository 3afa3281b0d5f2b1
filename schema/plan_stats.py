"""The planned read path for the yearly roll-ups: `provinces { … stats(…) { … } }` and
`nationalStats(…) { … }` answered without a resolver per field.

Why: the figures themselves are a few statements over the maintained roll-ups
(`hub.db.kpi16_counts`, `hub.db.lpa_tallies`, `hub.db.rollups`), but 77 provinces' stats are
~2,000 fields, and resolving them one by one cost more than the SQL (~15 µs a field, and an
awaitable for each province's figure). Here the selection is read once, at planning time,
into what each answer key takes; running the plan computes each selected figure for every
area of the level at once, with the functions the resolvers' DataLoaders call
(`schema.loaders.progress_by_area`, `scores_by_area`, `kpi16_by_area`), and builds each
figure with the resolvers' own constructors (`schema.stats.certification_of`,
`lpa_distribution_of`, `kpi16_of`, `Province.from_row`). A field's answer is read from those
objects by its Python name, which the strawberry type declares: no value is computed twice.

Supported, after `schema.plan_document` has collected fragments, aliases, `@include`/`@skip`:
the root `provinces` (every province, by code), `province(code:)` or `district(code:)` (one,
or null), and the provinces or districts of given ids (`StatsCompiler.areas`: the viewer's
own), with their scalar fields (`code`, `nameTh`, a province's `nameEn`), `__typename`,
`viewerSupervises` (the rule, for the caller: such a plan is the caller's own),
`stats(fiscalYear:, asOf:)` (under several keys too: two years side by side, each computed
once a request, `StatsPlan.extra_stats`) and, in a province, its `districts` with the same (a
provincial office's dashboard: one statement for every province's districts), in a district
its `province` with the same (one statement for every district's province) and its
`subdistricts` (a list, `schema.plan_lists.LISTS`, with their villages: one statement each
for every district); any of these under several keys, each a plan of its own; the root
`nationalStats(fiscalYear:, asOf:)`; in
`stats`, `fiscalYear`, `__typename`, `certification`, `lpaDistribution` and `kpi16` with
their scalar fields. And an area's LPA report, `lpa(lpaYear:, asOf:)` on a province or a
district and the root `nationalLpa(lpaYear:, asOf:)`: its `lpaYear`, `fiscalYear`, `asOf`,
`__typename` and every figure `schema.lpa_report.REPORT_FIGURES` declares (the rubric,
the deadline, the counts, the distributions, timeliness), each computed by the function
declared there from the inputs it needs, read once for every area of the level (one grouped
statement for the counts, as the resolvers' `lpa_figures` DataLoader); and one area's
report's `laos` page (the nation's, a province's or district's by code; every province's
would be a page per province, and goes to the resolvers, though the query limits refuse it
at the default cost limit anyway), by the function its resolver
calls (`schema.lpa_report.lpa_laos_of`), each listed LAO's data fields read off its row and
the places it names read by id for the whole page (`schema.plan_connections.fill`), an
assessor's name decided per LAO for the caller (`schema.plan_connections.PlaceRead`, its
read noted in the read audit). `lpa(…)` may be asked under several keys (this LPA year
against last): a report plan each (`StatsPlan.extra_reports`). Anything else raises `Unsupported` and goes to the
resolvers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import select

from hub.db import lpa as lpa_sql
from hub.db.models import District as DistrictRow
from hub.db.models import Province as ProvinceRow
from hub.rules import lpa
from hub.rules.enums import Breakdown
from hub.services.read_audit import PersonalReads
from schema import loaders, stats
from schema.geography import District, Province, viewer_supervises
from schema.limits import check_page_size
from schema.lpa_report import (
    COUNTS,
    DEADLINE,
    REPORT_FIGURES,
    RUBRIC,
    LpaLaoFilter,
    LpaReport,
    ReportInputs,
    area_deadline,
    lpa_laos_of,
    report_of,
)
from schema.pagination import decode_cursor
from schema.plan_common import Unsupported, _fields, _key, _leaf
from schema.plan_connections import (
    Building,
    Compiling,
    fill,
    python_arguments,
    value_builder,
)
from schema.plan_document import TYPENAME, Normalised, type_name_of
from schema.plan_lists import ListPlan, compile_list, is_list

# key, then: a Python attribute to read (STATS: the area's figures), or the type name
# `__typename` answers.
Leaf = tuple[str, str | None, str | None]
# An area's key: as a `Leaf`, or (EXTRA, index) for `stats` under another key, (REPORT,
# index) for its `lpa` (0: `StatsPlan.report`, then each of `extra_reports`), (DISTRICTS,
# index) and (PROVINCE, index) for its districts and province, each key its own plan.
AreaLeaf = tuple[str, str | tuple[str, int] | None, str | None]
STATS = "\x00stats"  # not a Python name: no attribute is ever called that
DISTRICTS = "\x00districts"  # a province's districts (`StatsPlan.districts`)
PROVINCE = "\x00province"  # a district's province (`StatsPlan.province`)
SUPERVISES = "\x00supervises"  # `viewerSupervises`, for `StatsPlan.identity`
REPORT = "\x00lpa"  # the area's LPA report (`StatsPlan.report`)
LAOS = "\x00laos"  # a report's `laos` page
EXTRA = "\x00more stats"  # `stats(…)` under another key (`StatsPlan.extra_stats`)
LIST = "\x00list"  # a list under each area (a district's subdistricts: `StatsPlan.lists`)
DEADLINES = "deadlines"  # a report input: the year's deadlines (its `laos` page judges by them)


@dataclass
class Figure:
    """One selected figure of `stats`: its key and its leaves (None: `fiscalYear`)."""

    name: str  # "certification" | "lpaDistribution" | "kpi16" | "fiscalYear" | "__typename"
    key: str
    leaves: list[Leaf] = field(default_factory=list)


@dataclass
class ReportPlan:
    """A compiled `lpa(…)` / `nationalLpa(…)`: its arguments, what its figures need, and each
    key's part: (key, the Python name of a figure or data field, or None for `__typename`,
    the answer's builder or the type name)."""

    lpa_year: int
    as_of: dt.datetime | None
    needs: frozenset[str]
    parts: list[tuple[str, str | None, Any]]
    identity: Any = None  # the caller (its `laos` page lists the LAO-years it may read)


@dataclass
class StatsPlan:
    """A compiled roll-up query: the root, the area level and what each key takes."""

    root_key: str
    level: Breakdown  # "province" (`provinces`, `province`), "district" or "nation"
    area_leaves: list[AreaLeaf]  # a province's keys in order, `stats` included (not the nation)
    stats_key: str | None  # where the province's stats go (None: not selected)
    fiscal_year: int
    as_of: dt.datetime | None
    figures: list[Figure]
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = False  # the root is a list (provinces) or one object (nationalStats)
    code: str | None = None  # `province(code:)`, `district(code:)`: the one area asked for
    # A province's `districts { … }`, a district's `province { … }`, each planned as an area,
    # under as many keys as the document asks them.
    districts: list[StatsPlan] = field(default_factory=list)
    province: list[StatsPlan] = field(default_factory=list)
    ids: tuple[int, ...] | None = None  # the areas of these ids only (the viewer's own)
    identity: Any = None  # the caller, when `viewerSupervises` is selected
    report: ReportPlan | None = None  # the area's `lpa(…)` (the nation's: `nationalLpa`)
    # `stats(…)` asked again under other keys (another year, another moment: a dashboard's
    # comparison), each with its own year, moment and figures; its leaf is (EXTRA, index).
    extra_stats: list[StatsPlan] = field(default_factory=list)
    # `lpa(…)` asked again under other keys (this LPA year against last), each its own
    # report plan; its leaf is (REPORT, index).
    extra_reports: list[ReportPlan] = field(default_factory=list)
    # The lists under each area (`schema.plan_lists.LISTS`: a district's subdistricts, with
    # their villages), one statement each for every area; its leaf is (LIST, index).
    lists: list[ListPlan] = field(default_factory=list)


# The report's fields that hold data (the rest are `REPORT_FIGURES` or the `laos` list).
REPORT_DATA = frozenset({"lpa_year", "fiscal_year", "as_of"})

# An area level's GraphQL type, strawberry type and table.
AREAS: dict[str, tuple[str, Any]] = {
    "province": ("Province", Province),
    "district": ("District", District),
}
AREA_ROWS: dict[str, Any] = {"province": ProvinceRow, "district": DistrictRow}


def _python_names(schema: Any, cls: type) -> dict[str, str]:
    """GraphQL field name → Python attribute of a strawberry type, as it declares them."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    converter = schema.config.name_converter
    return {converter.get_graphql_name(f): f.python_name for f in definition.fields}


def _leaves(schema: Any, cls: type, type_name: str, node: FieldNode) -> list[Leaf]:
    names = _python_names(schema, cls)
    out: list[Leaf] = []
    for f in _fields(node.selection_set):
        name = _leaf(f)
        if name == TYPENAME:
            out.append((_key(f), None, type_name))
        elif name in names:
            out.append((_key(f), names[name], None))
        else:
            raise Unsupported(f"{type_name}.{name}")
    return out


class StatsCompiler:
    """Reads a `provinces`, `province`, `district` or `nationalStats` root into a
    `StatsPlan`, or raises `Unsupported`."""

    def __init__(
        self,
        schema: Any,
        graphql_schema: Any,
        variables: VariableValues,
        normalised: Normalised,
        identity: Any = None,
    ) -> None:
        self.schema = schema
        self.graphql_schema = graphql_schema
        self.variables = variables
        self.normalised = normalised
        self.identity = identity  # a plan that reads it is remembered per identity

    def compile(self, root: FieldNode) -> StatsPlan:
        name = root.name.value
        query_fields = self.graphql_schema.query_type.fields
        if name == "nationalStats":
            args = get_argument_values(query_fields[name], root, self.variables)
            plan = StatsPlan(
                _key(root), "nation", [], None, args["fiscalYear"], args.get("asOf"), [],
                single=True,
            )  # fmt: skip
            plan.figures = self._stats(root, "Query", name)
        elif name == "nationalLpa":
            plan = StatsPlan(_key(root), "nation", [], None, 0, None, [], single=True)
            plan.report = self._report(root, "Query", name, one_area=True)
        elif name in ("provinces", "province", "district"):
            level: Breakdown = "district" if name == "district" else "province"
            plan = StatsPlan(_key(root), level, [], None, 0, None, [])
            if name != "provinces":
                plan.code = get_argument_values(query_fields[name], root, self.variables)["code"]
                plan.single = True
            elif root.arguments:
                raise Unsupported("provinces takes no arguments")
            self._area(plan, root)
        else:
            raise Unsupported(name)
        plan.root_nodes = self.normalised.nodes_of(root)
        return plan

    def areas(self, node: FieldNode, level: Breakdown, ids: frozenset[int]) -> StatsPlan:
        """The provinces or districts of `ids`, by code, with `node`'s selection (the
        viewer's `provinces`, `districts` and its grants' places)."""
        plan = StatsPlan(_key(node), level, [], None, 0, None, [], ids=tuple(sorted(ids)))
        self._area(plan, node)
        plan.root_nodes = self.normalised.nodes_of(node)
        return plan

    def _area(self, plan: StatsPlan, node: FieldNode) -> None:
        """An area's selection (a province's, a district's) into `plan`: its scalar fields,
        `__typename`, one `stats(…)` and, for a province, its `districts` as a plan of their
        own (`plan.districts`)."""
        area_type, area_class = AREAS[plan.level]
        names = _python_names(self.schema, area_class)
        seen_stats = False
        # Any field under several keys (two years' figures side by side): a plan each.
        for f in _fields(node.selection_set, any_twice=True):
            field_name = f.name.value
            if field_name == TYPENAME:
                plan.area_leaves.append((_key(f), None, area_type))
            elif field_name in ("code", "nameTh", "nameEn") and field_name in names:
                plan.area_leaves.append((_key(f), names[_leaf(f)], None))
            elif field_name == "viewerSupervises" and self.identity is not None:
                _leaf(f)
                plan.identity = self.identity
                plan.area_leaves.append((_key(f), SUPERVISES, None))
            elif field_name == "stats" and not seen_stats:
                seen_stats = True
                args = get_argument_values(
                    self.graphql_schema.get_type(area_type).fields["stats"], f, self.variables
                )
                plan.stats_key = _key(f)
                plan.area_leaves.append((_key(f), STATS, None))
                plan.fiscal_year, plan.as_of = args["fiscalYear"], args.get("asOf")
                plan.figures = self._stats(f, area_type, "stats")
            elif field_name == "stats":
                args = get_argument_values(
                    self.graphql_schema.get_type(area_type).fields["stats"], f, self.variables
                )
                extra = StatsPlan(
                    _key(f), plan.level, [], _key(f), args["fiscalYear"], args.get("asOf"),
                    self._stats(f, area_type, "stats"),
                )  # fmt: skip
                plan.area_leaves.append((_key(f), (EXTRA, len(plan.extra_stats)), None))
                plan.extra_stats.append(extra)
            elif is_list(area_type, field_name):
                lp = compile_list(
                    area_type, f, self.identity, self.graphql_schema, self.normalised.nodes_of
                )
                if not lp.allowed or lp.guard is not None or lp.item_guards:
                    raise Unsupported(f"{area_type}.{field_name}: guarded")
                plan.area_leaves.append((_key(f), (LIST, len(plan.lists)), None))
                plan.lists.append(lp)
            elif field_name == "districts" and plan.level == "province" and not f.arguments:
                districts = StatsPlan(_key(f), "district", [], None, 0, None, [])
                self._area(districts, f)
                plan.area_leaves.append((_key(f), (DISTRICTS, len(plan.districts)), None))
                plan.districts.append(districts)
            elif field_name == "province" and plan.level == "district" and not f.arguments:
                province = StatsPlan(_key(f), "province", [], None, 0, None, [])
                self._area(province, f)
                plan.area_leaves.append((_key(f), (PROVINCE, len(plan.province)), None))
                plan.province.append(province)
            elif field_name == "lpa":  # under several keys (LPA years side by side): a plan each
                report = self._report(f, area_type, "lpa", one_area=plan.code is not None)
                if plan.report is None:
                    plan.report = report
                    plan.area_leaves.append((_key(f), (REPORT, 0), None))
                else:
                    plan.extra_reports.append(report)
                    plan.area_leaves.append((_key(f), (REPORT, len(plan.extra_reports)), None))
            else:
                raise Unsupported(f"{area_type}.{field_name}")

    def _report(
        self, node: FieldNode, parent: str, name: str, *, one_area: bool = False
    ) -> ReportPlan:
        """An LPA report's selection: its data fields and the figures `REPORT_FIGURES`
        declares, each answer built as GraphQL serialises its type (`value_builder`); and,
        for one area's report (`one_area`: a page per area, as the resolvers read it), its
        `laos` page by the function the resolver calls (`lpa_laos_of`), a valid `first` and
        `after` given (else the resolvers report them)."""
        args = get_argument_values(
            self.graphql_schema.get_type(parent).fields[name], node, self.variables
        )
        type_name = type_name_of(self.graphql_schema, parent, name)
        graphql_fields = self.graphql_schema.get_type(type_name).fields
        names = _python_names(self.schema, LpaReport)
        needs: set[str] = set()
        parts: list[tuple[str, str | None, Any]] = []
        # Any field under several keys (its `laos` page filtered two ways): a part each.
        for f in _fields(node.selection_set, any_twice=True):
            field_name = f.name.value
            python_name = names.get(field_name)
            if field_name == TYPENAME:
                parts.append((_key(f), None, type_name))
            elif field_name == "laos" and one_area:
                arguments = python_arguments(self.schema, type_name, field_name, f, self.variables)
                check_page_size(arguments.get("first"))
                decode_cursor(arguments.get("after"))
                needs |= {RUBRIC, DEADLINES}
                compiling = Compiling(self.identity, self.normalised.nodes_of)
                build = value_builder(
                    self.schema, graphql_fields[field_name].type, f, self.variables, compiling
                )
                parts.append((_key(f), LAOS, (arguments, build)))
            elif (
                python_name is not None
                and not f.arguments
                and (python_name in REPORT_FIGURES or python_name in REPORT_DATA)
            ):
                if python_name in REPORT_FIGURES:
                    needs |= REPORT_FIGURES[python_name].needs
                build = value_builder(
                    self.schema, graphql_fields[field_name].type, f, self.variables
                )
                parts.append((_key(f), python_name, build))
            else:
                raise Unsupported(f"{type_name}.{field_name}")
        return ReportPlan(args["lpaYear"], args.get("asOf"), frozenset(needs), parts, self.identity)

    def _stats(self, node: FieldNode, parent: str, name: str) -> list[Figure]:
        stats_type = type_name_of(self.graphql_schema, parent, name)
        figures: list[Figure] = []
        kinds = {
            "certification": stats.CertificationProgress,
            "lpaDistribution": stats.LpaScoreCount,
            "kpi16": stats.Kpi16Coverage,
        }
        for f in _fields(node.selection_set, any_twice=True):  # a figure under each key
            field_name = f.name.value
            if field_name == TYPENAME:
                figures.append(Figure(TYPENAME, _key(f), [(_key(f), None, stats_type)]))
            elif field_name == "fiscalYear":
                figures.append(Figure(_leaf(f), _key(f)))
            elif field_name in kinds and not f.arguments:
                type_name = type_name_of(self.graphql_schema, stats_type, field_name)
                leaves = _leaves(self.schema, kinds[field_name], type_name, f)
                figures.append(Figure(field_name, _key(f), leaves))
            else:
                raise Unsupported(f"{stats_type}.{field_name}")
        return figures


def _object(value: Any, leaves: list[Leaf]) -> dict[str, Any]:
    return {
        key: (type_name if attribute is None else getattr(value, attribute))
        for key, attribute, type_name in leaves
    }


async def run(
    plan: StatsPlan,
    engine: Any,
    now: dt.datetime,
    shared: dict[Any, Any] | None = None,
    reads: PersonalReads | None = None,
    request_loaders: Any = None,
) -> tuple[Any, list[GraphQLError]]:
    """The answer under the root key: the figures of every area of the level, built as the
    resolvers build them, in one connection. `shared` (one per request) holds the figures
    already computed for other root fields of the operation: a roll-up is computed once per
    distinct (figure, level, year, moment), as the resolvers' DataLoaders do and as
    `schema.costs` charges it. The errors are those of the fields guarded per LAO in one
    area's LPA list (an assessor's name), whose reads are noted in `reads`; its loaded fields
    (a final score's provisional score at inspection) load through `request_loaders`, the
    request's DataLoaders."""
    shared = {} if shared is None else shared
    errors: list[GraphQLError] = []
    async with engine.connect() as conn:
        if plan.level == "nation":
            if plan.report is not None:
                building = Building(
                    now,
                    plan.report.identity,
                    path=[plan.root_key],
                    reads=reads,
                    loaders=request_loaders,
                )
                (nation,) = await _reports(
                    conn, plan, plan.report, [(None, None)], now, shared, building
                )
                return nation, building.errors
            computed = await _figures(conn, plan, now, shared)
            return _area_stats(plan, computed, None), []
        areas = await _areas(conn, plan)
        answer = await _answer(conn, plan, areas, now, shared, reads, errors, request_loaders)
    if plan.code is not None:
        # No area has that code: null, as the resolver answers.
        return (answer[0] if answer else None), errors
    return answer, errors


async def run_areas(
    plan: StatsPlan,
    conn: Any,
    now: dt.datetime,
    shared: dict[Any, Any],
    ids: tuple[int, ...] | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """(id, answer) of each area of `ids` (default: `plan.ids`), by code, over `conn`."""
    areas = await _areas(conn, plan, ids)
    answers = await _answer(conn, plan, areas, now, shared)
    return [(area.id, answer) for area, answer in zip(areas, answers, strict=True)]


async def _areas(conn: Any, plan: StatsPlan, ids: tuple[int, ...] | None = None) -> list[Any]:
    """The areas of the plan's level it answers (all, the one of its code, those of its ids
    or of `ids`), as the resolvers' objects, by code."""
    ids = plan.ids if ids is None else ids
    row_table = AREA_ROWS[plan.level]
    statement = select(*row_table.__table__.c).order_by(row_table.code)
    if plan.code is not None:
        statement = statement.where(row_table.code == plan.code)
    if ids is not None:
        if not ids:
            return []
        statement = statement.where(row_table.id.in_(ids))
    from_row = AREAS[plan.level][1].from_row
    return [from_row(r) for r in (await conn.execute(statement)).all()]


async def _figures(
    conn: Any, plan: StatsPlan, now: dt.datetime, shared: dict[Any, Any]
) -> dict[str, dict[int | None, Any]]:
    """The selected figures of every area of the plan's level, each computed once a request."""
    level, when = plan.level, stats.moment(now, plan.as_of)
    selected = {f.name for f in plan.figures}
    figures = {
        "certification": (loaders.progress_by_area, (level, plan.fiscal_year)),
        "lpaDistribution": (loaders.scores_by_area, (level, plan.fiscal_year, when)),
        "kpi16": (loaders.kpi16_by_area, (level, plan.fiscal_year)),
    }
    computed: dict[str, dict[int | None, Any]] = {}
    for name, (compute, key) in figures.items():
        if name in selected:
            if (name, key) not in shared:
                shared[(name, key)] = await compute(conn, key)
            computed[name] = shared[(name, key)]
    return computed


_BUILDERS: dict[str, Callable[[Any], Any]] = {
    "certification": stats.certification_of,
    "lpaDistribution": stats.lpa_distribution_of,
    "kpi16": stats.kpi16_of,
}


def _area_stats(
    plan: StatsPlan, computed: dict[str, dict[int | None, Any]], area_id: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for figure in plan.figures:
        if figure.name == "fiscalYear":
            out[figure.key] = plan.fiscal_year
        elif figure.name == TYPENAME:
            out[figure.key] = figure.leaves[0][2]
        else:
            value = _BUILDERS[figure.name](computed[figure.name].get(area_id))
            if value is None:
                out[figure.key] = None
            elif isinstance(value, list):
                out[figure.key] = [_object(v, figure.leaves) for v in value]
            else:
                out[figure.key] = _object(value, figure.leaves)
    return out


async def _answer(
    conn: Any,
    plan: StatsPlan,
    areas: list[Any],
    now: dt.datetime,
    shared: dict[Any, Any],
    reads: PersonalReads | None = None,
    errors: list[GraphQLError] | None = None,
    request_loaders: Any = None,
) -> list[dict[str, Any]]:
    """Each area's answer, keys in the order selected; a province's districts (by code, as
    `Province.districts` lists them) are read for all the provinces at once."""
    computed = await _figures(conn, plan, now, shared) if plan.stats_key is not None else {}
    more = [await _figures(conn, extra, now, shared) for extra in plan.extra_stats]
    # Each report's answers by area, `plan.report`'s first, then each of `extra_reports`.
    reports: list[list[dict[str, Any]]] = []
    if plan.report is not None:
        province_of = {"province": lambda a: a.id, "district": lambda a: a.province_id}
        places = [(a.id, province_of[plan.level](a)) for a in areas]
        report_keys = [k for k, attribute, _ in plan.area_leaves if _kind(attribute) == REPORT]
        for report, report_key in zip([plan.report, *plan.extra_reports], report_keys, strict=True):
            # One area's (`province(code:)`): the only report whose fields may be refused
            # (its `laos` page), at the path of its key.
            building = Building(
                now,
                report.identity,
                path=[plan.root_key, report_key],
                reads=reads,
                loaders=request_loaders,
            )
            reports.append(await _reports(conn, plan, report, places, now, shared, building))
            if errors is not None:
                errors.extend(building.errors)
    # Each list's rows by area.
    rows_of = [await lp.fetch(conn, [a.id for a in areas]) for lp in plan.lists]
    # Each `province { … }`'s answers by province id.
    parents: list[dict[int, dict[str, Any]]] = []
    if plan.province and areas:
        ids = tuple(sorted({a.province_id for a in areas}))
        for province in plan.province:
            parents.append(dict(await run_areas(province, conn, now, shared, ids)))
    # Each `districts { … }`'s answers by province id (the districts read once).
    children: list[dict[int, list[dict[str, Any]]]] = []
    if plan.districts and areas:
        statement = (
            select(*DistrictRow.__table__.c)
            .where(DistrictRow.province_id.in_([a.id for a in areas]))
            .order_by(DistrictRow.code)
        )
        districts = [District.from_row(r) for r in (await conn.execute(statement)).all()]
        for district_plan in plan.districts:
            built = await _answer(conn, district_plan, districts, now, shared)
            by_province: dict[int, list[dict[str, Any]]] = {}
            for district, answer in zip(districts, built, strict=True):
                by_province.setdefault(district.province_id, []).append(answer)
            children.append(by_province)

    def value(i: int, area: Any, attribute: Any, type_name: str | None) -> Any:
        kind = _kind(attribute)
        if kind == STATS:
            return _area_stats(plan, computed, area.id)
        if kind == EXTRA:
            return _area_stats(plan.extra_stats[attribute[1]], more[attribute[1]], area.id)
        if kind == REPORT:
            return reports[attribute[1]][i]
        if kind == DISTRICTS:
            return children[attribute[1]].get(area.id, [])
        if kind == LIST:
            return plan.lists[attribute[1]].answer(rows_of[attribute[1]].get(area.id, []))
        if kind == PROVINCE:
            return parents[attribute[1]].get(area.province_id)
        if kind == SUPERVISES:
            return viewer_supervises(plan.identity, plan.level, area)
        if attribute is None:
            return type_name
        return getattr(area, attribute)

    return [
        {key: value(i, area, attribute, name) for key, attribute, name in plan.area_leaves}
        for i, area in enumerate(areas)
    ]


def _kind(attribute: Any) -> Any:
    """A leaf's kind: the marker of a (marker, index) pair, else the attribute itself."""
    return attribute[0] if isinstance(attribute, tuple) else attribute


async def _reports(
    conn: Any,
    plan: StatsPlan,
    report: ReportPlan,
    places: list[tuple[int | None, int | None]],
    now: dt.datetime,
    shared: dict[Any, Any],
    building: Building,
) -> list[dict[str, Any]]:
    """The LPA report `report` of each area of `places` ((area id, its province's id): (None, None)
    for the nation): the inputs its figures need read once a request for the whole level
    (`shared`), each figure computed by `REPORT_FIGURES`' function, as the resolvers do;
    `building` holds the report's path and gathers its errors."""
    when = stats.moment(now, report.as_of)
    fiscal_year = lpa.fiscal_year_assessed(report.lpa_year)
    counts: dict[int | None, lpa_sql.LpaCounts] = {}
    rubric: tuple[int, lpa.Rubric] | None = None
    deadlines: lpa.Deadlines | None = None
    if COUNTS in report.needs:
        counts_key = ("lpa", plan.level, report.lpa_year, when)
        if counts_key not in shared:
            shared[counts_key] = await loaders.lpa_counts_by_area(
                conn, plan.level, report.lpa_year, when
            )
        counts = shared[counts_key]
    if RUBRIC in report.needs:
        if ("rubrics",) not in shared:
            shared[("rubrics",)] = await lpa_sql.stored_rubrics(conn)
        rubric = lpa.rubric_in_force(shared[("rubrics",)], report.lpa_year)
    if DEADLINE in report.needs or DEADLINES in report.needs:
        if ("deadlines", fiscal_year) not in shared:
            found = await lpa_sql.certification_deadlines(conn, [fiscal_year])
            shared[("deadlines", fiscal_year)] = found[fiscal_year]
        deadlines = shared[("deadlines", fiscal_year)]
    answers = []
    for area_id, province_id in places:
        value = report_of(plan.level, report.lpa_year, when, area_id)
        inputs = ReportInputs(
            counts=(counts.get(area_id) or lpa_sql.LpaCounts()) if COUNTS in report.needs else None,
            rubric=rubric,
            deadline=area_deadline(deadlines, province_id)
            if DEADLINE in report.needs and deadlines is not None
            else None,
        )
        answer: dict[str, Any] = {}
        for key, name, build in report.parts:
            if name is None:
                answer[key] = build  # `__typename`
            elif name == LAOS:
                arguments, build_page = build
                assert rubric is not None and deadlines is not None
                page = await lpa_laos_of(
                    conn,
                    report.identity,
                    value,
                    rubric,
                    deadlines,
                    arguments.get("filter") or LpaLaoFilter(),
                    arguments.get("first"),
                    arguments.get("after"),
                )
                building.path.append(key)
                answer[key] = build_page(page, building)
                building.path.pop()
            elif name in REPORT_FIGURES:
                answer[key] = build(REPORT_FIGURES[name].compute(inputs), building)
            else:
                answer[key] = build(getattr(value, name), building)
        answers.append(answer)
    await fill(building, conn)  # what the pages' LAOs name by id (their province, …)
    return answers

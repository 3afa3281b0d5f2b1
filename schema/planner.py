"""The planned read path: a `laos` or `lao(code:)` query compiled into a few SQL statements.

Why: resolving a GraphQL result field by field in Python costs ~15 µs a field; a national
extract has ~100,000 fields a page. For the selections it supports, the planner reads the
whole selection set once, at planning time, and turns it into

1. one COUNT for `totalCount` (only when selected),
2. one SELECT for the page (for `lao(code:)`: the one LAO whose current code it is, else
   the one that held it last, as the resolver): the LAOs joined to their province / district / subdistrict, to
   the LAO-year of the requested fiscal year *filtered by the caller's row rule*
   (`hub.db.visibility.visible_lao_years_clause`, in the JOIN's ON clause) and to the
   selected domain sections,
3. one SELECT per selected record table (water-supply systems, tourist sites) for all the
   page's LAO-years at once, joined to villages when those are selected,
4. one SELECT per selected list (`schema.plan_lists`: code, type and name history,
   mergers, transferred missions with their mission and agency, certification history) for
   the whole page,

so the number of statements depends on the selection, never on the number of rows. On
PostgreSQL 3 and 4 are not statements of their own: each is a column of the page statement,
an array of records per row (`NestedPage`), so a page is one statement and a round trip. The
rows are turned into the response by per-field converters compiled with the plan, and the
result goes back to strawberry's HTTP view as a finished `ExecutionResult`, which it only
encodes (orjson). Field rules are decided at planning time from the identity: a section
whose domain the caller may not read is null with a FORBIDDEN error at its path, exactly
like the resolver's permission class, whose declaration (`guarded(DomainData(n))` on the
field) is what the planner decides (`schema.permissions.identity_decision`); so is
`transferredMissions` for a client without `missions` (errors in the resolvers' order: missions first, then sections).
Validation outcomes are remembered per (document, variables) and plans per (document,
variables, identity): both are pure functions of those. The caches are keyed by digests
(blake2b) of the document text and the canonical variables, never by the text itself, and
bounded in entries and in the memory their values hold (`_Cache`); a huge document or large
variables are never remembered. Strings are normalised and checked as on the resolver path
(`schema.text_guard`) before anything is planned.

The resolvers stay the reference. The planner answers only what it fully supports and
returns None for everything else, and the view then runs the resolvers:

* one query operation (among any fragment definitions) whose root fields, once fragments
  and `@include`/`@skip` are collected (`schema.plan_document`), are each `laos` or `lao`,
  aliased or not — or `provinces` / `province(code:)` / `district(code:)` /
  `nationalStats` with the yearly roll-ups and `nationalLpa` / an area's `lpa` (the LPA
  reports' figures, and one area's `laos` page), which
  `schema.plan_stats` compiles, or `waterSupplySystems` / `touristSites` /
  `transferredMissions` / `missionCatalogue` / `subdistricts` / `villages` or the whole-table
  lists `agencies`, `fiscalYears` (with each year's `round`, a function over the request's
  DataLoaders: `schema.plan_lists.Deferred`) and `kpi16Rounds` and the rows by key
  `subdistrict(code:)` and `kpi16Round(fiscalYear:, roundNo:)` (the fields `schema.shapes`
  declares, and a KPI-16 round's `references`, each system's `explanation`, and its
  `districtReports` and `provinceReports`, functions over the request's DataLoaders too, each
  under its own guard decided for the caller: refused, null with FORBIDDEN), and the roots
  whose resolver calls one function of the engine and its arguments, and the caller for
  `lpaAssessors`, `exportJob`, `webhookSubscriptions`,
  `webhookDeliveries` and the accounts (`me`, `account`, `manageableAccounts`,
  `accountChangeLog`; with the request's moment: `MOMENT_ROOTS`), `provenance` (who set a
  value decided per object at its LAO, `schema.root.PLACE_GUARDED_FIELDS`), and `personalDataReads`
  (its guard depends on the LAO its argument names: decided when the plan runs,
  `schema.permissions.argument_rules`) (`schema.root.COMPUTED_ROOTS`: `laoCountsByType`, `rounds`, `round`,
  `lpaRubrics`, `lpaRubric`: the planner calls it and reads the objects' data fields, each leaf through
  its GraphQL type's `serialize`, and the fields computed from the object and the request's
  moment by the function their resolver calls, `schema.rounds.COMPUTED_FIELDS`: a round's
  `phase`, `provinceDeadlines`; the fields their resolvers load through a DataLoader, loaded
  for every object of the answer at once, `schema.shapes.Batched`: an account's roles, waiting
  code, `manageable`, `mayIssue`; and the objects the rows name by id,
  `schema.shapes.OBJECTS_BY_ID`: one statement per selection for all the rows, an LAO with
  more than its profile selected (its year, lists, personal data) by this module's compiler
  as the viewer's LAOs, `Compiler.lao_objects`; and the
  fields their resolvers compute by a function over the request's DataLoaders, called for
  every object at once, `schema.root.LOADED_FIELDS`: a round's `datesFor`, `timeliness`,
  `timelinessByArea`, `standings` and `reminders`, a final score's
  `provisionalAtInspection`), which `schema.plan_connections` compiles; or a root whose answer is a pure function of its
  arguments (`schema.root.CONSTANT_ROOTS`: `catalogue`, `catalogueDiff`, `modules`,
  `sourceSystems`), which the resolvers answer once per (document, variables), and the
  planner remembers for every caller (`Planner._answers`: data encoded, bounded in bytes;
  never an answer holding an error of the request's own, such as an internal one).
  And `viewer` (`schema.plan_viewer`): the identity's own fields, its LAOs, districts and
  provinces, the areas it supervises and its grants' places, compiled by the compilers of the roots that answer
  those types.
  Several root fields (a dashboard's) are planned one by one and answered in the
  document's order (`RootsPlan`); the roots among them the planner does not compile
  (an argument the resolvers refuse: a page too large, a cursor not ours, whose error is
  theirs) are answered by the resolvers in one execution of the same document with the planned roots blanked out
  (`schema.plan_mixed`), unless every root is such a root, the text was changed by
  normalisation or root fields sit in fragments: then the resolvers answer it all;
* `filter`, every field of it: `provinceCode`, `districtCode`, `nameContains`, `type`,
  `merged`, and `state` in `fiscalYear` (the current open year by default) over the
  LAO-years the caller may see, as the resolver's JOIN (an EXISTS here);
* in the connection: `totalCount`, `pageInfo { ... }`, `edges { cursor node { ... } }`;
* on `Lao`: its scalar fields, `missionsEditable` (the rule, for the caller), `asOf(date:)`
  (the LAO as it stood on a day: the function its resolver calls over the request's
  DataLoaders, `schema.root.LOADED_FIELDS`, for every LAO of the answer at once, its
  successor read by id, `fill_loaded`), `province`,
  `district`, `subdistrict` (their scalar fields, `viewerSupervises` by the rule their shape
  declares for the caller, `schema.shapes.ForCaller`, and
  the places they reach: a subdistrict's district, a district's province), and
  `year(fiscalYear:)` (several years under aliases: below) with its scalar fields, the
  fields its resolvers compute by the rules for the caller (`editable`, `allowedActions`,
  `catalogueShape`, `historical`,
  `completeness` with `missingFields`, `sectionVersions`: the functions of `schema.lao_year`, over stored values
  the same statement reads, a correlated COUNT per record table among them), its LPA
  scores, timeliness and a historical year's sections (`lpaScore`, `lpaFinalScore` and
  `lpaFinalScoreHistory` with who assessed decided per LAO, `timeliness`,
  `historicalSections` under its guard decided for the caller,
  each any number of times under aliases: the functions their
  resolvers call, `schema.lao_year.LOADED_FIELDS`, over the request's DataLoaders, for every
  LAO-year of the answer at once once it is built, `fill_loaded`: under `laos` and
  `lao`, the viewer's LAOs and a changes feed's LAOs and LAO-years alike) and the 8
  sections' fields and record tables (a record's `village` included, with the places it
  reaches, as `schema.shapes.VILLAGE` declares them), the same selection under
  `years` (every LAO-year the caller may see: one more statement, `YearsPlan`), and the
  lists above, personal data among them (`recorders`, `infoAdministrators`,
  `certificationHistory { actorName }`, and under the LAO's own mission records who acted
  on each, `history { actorName }`, and its `helpRequests`, `_placed_items`: guarded per
  LAO from the row's place, each read let
  through noted in the request's `personal_reads` and recorded with
  `schema.read_audit.record_noted_reads` once the plans have run; no entry, no answer), and
  `changeLog(first:, after:)`, a page per LAO (`schema.plan_change_log`);
* named and inline fragments (type conditions included), aliases, `@include`/`@skip`
  and `__typename` anywhere below the root, as Apollo, Relay and dashboards send them:
  the operation is first normalised as GraphQL's CollectFields does (fields merged by
  response key, in first-appearance order), and every answer key is the response key;
* any field under several keys (`a: governance { … } b: governance { … }`, this year
  against last): `year(fiscalYear:)` again, or `years` again, is one more statement of
  LAO-years (`PagePlan.extra_years`, a `YearsPlan` of one year or of all); a section, a
  place or a record's village again reads the same join, made once (`join_once`), its
  columns shared by name; a list, a change log, `stats`, `lpa`, a province's `districts`, a
  district's `province`, the viewer's LAOs and areas again are plans of their own; a
  connection's `node` under another key (in another `edges`, or twice in one) is a plan
  of its own over the ids of the page the first key's plan read (`PagePlan.more`,
  `schema.plan_common.page_ids`), its rows matched by id, its errors joined to the page's
  phase by phase (the resolvers report each phase's errors of every key together), as a
  changes feed's `nodes` or a change's value under another key is
  (`schema.plan_changes.ValuePlan`).

A document that fails parsing, validation or the query limits, bad variables, an invalid
`first` or `after`: all go to the resolvers, which produce the errors. Validation and the
limits (`schema.limits`) still run first on the planned path. A failure while a plan runs
(the database is down, a statement times out, a bug) is the root field's error, as a
resolver's would be, and the view presents it with the same mapping (`schema.errors`): a
GraphQL body with a code and the request id, a 503 with `Retry-After` when retryable.
`tests/test_planner.py` checks both paths return the same data and errors on random
selections for every role.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import operator
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    Source,
    located_error,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, exists, func, select
from sqlalchemy.sql.util import ClauseAdapter
from strawberry.types import ExecutionResult
from strawberry.utils.str_converters import to_camel_case

from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    District,
    FiscalYear,
    Lao,
    LaoCode,
    LaoMerger,
    LaoYear,
    Province,
    Village,
)
from hub.db.visibility import visible_lao_years_clause
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.rules.catalogue_years import CatalogueShape, shape_of
from hub.rules.enums import CertificationState, LaoType
from hub.rules.permissions import LaoPlace, may_keep_missions
from hub.services.read_audit import PersonalReads
from schema.changes import check_changes
from schema.lao_year import (
    LOADED_FIELDS,
    YearOf,
    allowed_action_names,
    completeness_items,
    is_editable,
    missing_field_names,
    year_status,
)
from schema.limits import DEFAULT_LIMITS, QueryLimits, _limits_rule, check_page_size
from schema.pagination import decode_cursor
from schema.permissions import identity_decision
from schema.plan_change_log import ChangeLogPlan, compile_change_log
from schema.plan_changes import ChangesPlan, compile_changes, run_changes
from schema.plan_common import (
    _KIND_CONVERTERS,
    Columns,
    Getter,
    NestedRows,
    Row,
    Unsupported,
    _alias,
    _const,
    _fields,
    _int,
    _iso,
    _key,
    _leaf,
    _not_null,
    _same,
    _str,
    compile_object,
    connection_answer,
    connection_fields,
    forbidden,
    join_once,
    nested_rows,
    page_ids,
)
from schema.plan_connections import ROOTS as CONNECTION_ROOTS
from schema.plan_connections import (
    TABLE_ROOTS,
    Building,
    Compiling,
    ComputedListPlan,
    ConnectionPlan,
    LaoObjects,
    LoadedRead,
    TableListPlan,
    _compiling,
    call_loaded,
    compile_computed_root,
    compile_list_root,
    compile_root,
    fill,
    loaded_read,
    refusal,
    run_computed,
    run_list,
)
from schema.plan_connections import run as run_connection
from schema.plan_document import TYPENAME, Normalised, normalise_operation, type_name_of
from schema.plan_lists import ListPlan, compile_list, is_list, note_read, shape_getters
from schema.plan_mixed import resolver_text
from schema.plan_stats import StatsCompiler, StatsPlan
from schema.plan_stats import run as run_stats
from schema.plan_viewer import ViewerPlan, compile_viewer, run_viewer
from schema.read_audit import UNRECORDED, held_reads, record_noted_reads
from schema.root import COMPUTED_ROOTS, CONSTANT_ROOTS, lao_name_contains
from schema.root import LOADED_FIELDS as TYPED_LOADED_FIELDS
from schema.shapes import LAO, LAO_YEAR, VILLAGE, Shape
from schema.text_guard import (
    DEFAULT_TEXT_LIMITS,
    TextLimits,
    normalise_document,
    normalise_query,
    normalise_values,
    text_rule,
)

# What `Lao`, its places and `LaoYear` read: `schema.shapes`, the one declaration the
# resolvers' `from_row` reads too. A place: GraphQL name → (table, foreign key, shape).
_PLACES: dict[str, tuple[Any, Any, Shape]] = {
    name: (target.table, Lao.__table__.c[fk], target) for name, (fk, target) in LAO.objects.items()
}
_LAO_FIELDS = LAO.by_graphql_name
_YEAR_SCALARS = LAO_YEAR.scalars
_SECTIONS: dict[str, Domain] = {to_camel_case(d.key): d for d in DOMAINS}
# The LAO's columns the certification rules read (`LaoPlace`), in its fields' order.
_PLACE_COLUMNS = ("id", "type", "district_id", "province_id")


def _value_fields(fields: tuple[Field, ...]) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """A section's or record's catalogue fields: GraphQL name → (column, converter)."""
    out: dict[str, tuple[str, Callable[[Any], Any]]] = {}
    for f in fields:
        if f.kind is Kind.VILLAGE:
            continue
        out[to_camel_case(f.name)] = (f.column, _KIND_CONVERTERS[f.kind])
        if f.fetched_at_column:
            out[to_camel_case(f.fetched_at_column)] = (f.fetched_at_column, _iso)
    return out


# --- the plan --------------------------------------------------------------------------------


# What fills one field of a compiled object: a getter over the row, or a tagged slot the
# converters below know ("section", i), ("records", i), ("list", i), ("village", present,
# getters), ("object", getters), ("year", None).
Slot = Getter | tuple[Any, ...]
# A join of the page statement: (table, on) or (table, on, "outer").
Join = tuple[Any, Any] | tuple[Any, Any, str]


@dataclass
class RecordsPlan:
    """One record table under a section: one statement for the whole page."""

    records: RecordTable
    key: str
    fields: list[tuple[str, Slot]]
    columns: Columns
    villages: dict[str, Any]  # alias name → (alias, ON): each village and the places it reaches
    statement: Any = None  # built on first run
    build: Any = None  # `compile_object(fields)`, on first run


@dataclass
class SectionPlan:
    domain: Domain
    key: str
    nodes: list[FieldNode]  # the document's nodes behind it (an error's locations)
    allowed: bool
    message: str  # the FORBIDDEN message when not allowed
    present: Getter  # the section row exists
    fields: list[tuple[str, Slot]]
    records: list[RecordsPlan]
    build: Any = None  # `compile_object(fields)` with the record lists to fill, on first run
    record_slots: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class YearPlan:
    """An `LaoYear` selection: of `year(fiscalYear:)` (read from the page statement's row) or
    of `years` (from its own statement's rows, `YearsPlan`; `fiscal_year` is None)."""

    key: str
    fiscal_year: int | None
    present: Getter
    year_id: Getter
    fields: list[tuple[str, Slot]]
    sections: list[SectionPlan]
    table: Any  # the alias of `lao_years` its statement reads it from
    lists: list[ListPlan] = field(default_factory=list)  # certificationHistory
    # The LAO's place from the row, when a list's items have fields guarded per LAO.
    place: Callable[[Row], LaoPlace] | None = None


@dataclass
class YearsPlan:
    """`Lao.years`: every LAO-year of the page's LAOs the caller may see, newest first, as the
    resolver's loader reads them (the row rule over `lao_years` joined to its LAO). One
    statement for the page (the LAO-years joined to the selected sections, their own
    `Columns`), then the year's lists and record tables as for `year`: a statement each, or
    on PostgreSQL columns of that statement (`NestedYear`)."""

    key: str
    columns: Columns
    joins: list[Join]
    year: YearPlan
    lao_id: Getter
    visible: ColumnElement[bool]  # the row rule, over `year.table`
    statement: Any = None  # built on first run, per form (`_years_statement`)
    nested: tuple[Any, NestedYear] | None = None
    # LAO-years by their own ids, which the caller has already been allowed to see (a
    # changes feed's items: `Compiler.compile_year_values`), not every year of some LAOs.
    by_id: bool = False
    # Only this fiscal year's: a `year(fiscalYear:)` beside another under its own key (this
    # year against last, `PagePlan.extra_years`).
    fiscal_year: int | None = None


@dataclass
class PagePlan:
    """A compiled `laos` selection, or (`single`) a root `lao(code:)`: a page of at most one."""

    root_key: str
    where: list[ColumnElement[bool]]
    size: int
    after: int | None
    columns: Columns
    joins: list[Join]
    # (field name, response key, detail): ("totalCount", key, None), ("pageInfo", key,
    # [(name, key), ...]), ("edges", key, [(name, key), ...]), ("__typename", key, the
    # type's name): `schema.plan_common.connection_fields`
    connection: list[tuple[str, str, Any]]
    node_fields: list[tuple[str, Any]] = field(default_factory=list)
    year: YearPlan | None = None
    years: YearsPlan | None = None
    # `year(fiscalYear:)` again under other keys: each one more statement (`YearsPlan` of
    # its fiscal year), answered at its key from the LAO's row of it, or null; and `years`
    # again under other keys: one more statement each too (`YearsPlan` of every year).
    extra_years: list[YearsPlan] = field(default_factory=list)
    lao_id: Getter = operator.itemgetter(0)
    lists: list[ListPlan] = field(default_factory=list)  # codeHistory, transferredMissions, …
    build: Any = None  # `compile_object(node_fields)` with lists and year to fill, on first run
    node_slots: list[tuple[str, Any]] = field(default_factory=list)
    single: bool = False
    statement: Select[Any] | None = None  # built on first run (a plan is cached and reused)
    nested: NestedPage | None = None  # PostgreSQL: built on first run
    root_nodes: list[FieldNode] = field(default_factory=list)  # the root field's nodes
    page_info_type: str = "PageInfo"  # `__typename` answers, from the schema (see Compiler)
    edge_type: str = "LaoEdge"
    # LAOs by id (`Compiler.compile_listed`): the ids, and where each row's code is.
    listed_ids: tuple[int, ...] = ()
    code: int | None = None
    # The LAO's place (`LaoPlace`) from a row, for the guards decided per LAO (personal data).
    place: Callable[[Row], LaoPlace] | None = None
    logs: list[ChangeLogPlan] = field(default_factory=list)  # `changeLog` pages
    # The (edges key, node key) this plan's nodes answer at; a `node` under other keys (a
    # dashboard's two views of one page) is a plan of its own over the page's ids
    # (`Compiler.compile_more`), its rows read after the page's, matched by id.
    node_keys: tuple[str, str] = ("edges", "node")
    more: list[tuple[tuple[str, str], PagePlan]] = field(default_factory=list)


class Compiler:
    def __init__(
        self,
        planner: Planner,
        identity: Any,
        variables: VariableValues,
        normalised: Normalised | None = None,
    ) -> None:
        self.planner = planner
        self.identity = identity
        self.variables = variables
        self.normalised = normalised or Normalised([])
        self.columns = Columns()
        self.joins: list[Join] = []

    def _type(self, parent: str, name: str) -> str:
        """The name of the object type `parent.name` returns, from the GraphQL schema."""
        return type_name_of(self.planner.graphql_schema, parent, name)

    def compile(self, root: FieldNode) -> PagePlan:
        if root.name.value == "lao":
            return self.compile_single(root)
        field_def = self.planner.graphql_schema.query_type.fields["laos"]
        args = get_argument_values(field_def, root, self.variables)
        where = self._filter(args.get("filter"))
        size = check_page_size(args.get("first"))
        after = decode_cursor(args.get("after"))
        self.columns.add("l_id", Lao.id)
        plan = PagePlan(_key(root), where, size, after, self.columns, self.joins, [])
        plan.root_nodes = self.normalised.nodes_of(root)
        connection = self._type("Query", "laos")
        plan.page_info_type = self._type(connection, "pageInfo")
        plan.edge_type = self._type(connection, "edges")
        nodes = connection_fields(root.selection_set, connection, plan)
        if nodes:
            plan.node_keys = (nodes[0][0], nodes[0][1])
            self._node(nodes[0][2], plan)
        for edges_key, node_key, node in nodes[1:]:
            more = Compiler(self.planner, self.identity, self.variables, self.normalised)
            plan.more.append(((edges_key, node_key), more.compile_more(plan, node)))
        return plan

    def compile_more(self, page: PagePlan, node: FieldNode) -> PagePlan:
        """`node` (a `laos` page's node under keys other than the first one's) for the LAOs
        of `page`, whose ids the run passes (`page_ids`)."""
        self.columns.add("l_id", Lao.id)
        where: list[ColumnElement[bool]] = [page_ids(Lao.id)]
        plan = PagePlan(page.root_key, where, page.size, None, self.columns, self.joins, [])
        plan.root_nodes = page.root_nodes
        self._node(node, plan)
        return plan

    def compile_single(self, root: FieldNode) -> PagePlan:
        """`lao(code:)`: the LAO whose current code it is, else the one that held it last
        (as the resolver: `ORDER BY valid_from DESC LIMIT 1` over `lao_codes`)."""
        field_def = self.planner.graphql_schema.query_type.fields["lao"]
        code = get_argument_values(field_def, root, self.variables)["code"]
        current = _alias(Lao.__table__, "by_code")
        lao_id = func.coalesce(
            select(current.c.id).where(current.c.code == code).limit(1).scalar_subquery(),
            select(LaoCode.lao_id)
            .where(LaoCode.code == code)
            .order_by(LaoCode.valid_from.desc())
            .limit(1)
            .scalar_subquery(),
        )
        self.columns.add("l_id", Lao.id)
        plan = PagePlan(_key(root), [Lao.id == lao_id], 1, None, self.columns, self.joins, [])
        plan.single = True
        plan.root_nodes = self.normalised.nodes_of(root)
        self._node(root, plan)
        return plan

    def lao_objects(self) -> LaoObjects:
        """How the LAOs an answer names by id are answered when more than their shape is
        selected (`schema.plan_connections.LaosById`): as the viewer's LAOs, a fresh
        compiler's plan for their ids."""
        planner, identity, variables, normalised = (
            self.planner,
            self.identity,
            self.variables,
            self.normalised,
        )
        return LaoObjects(
            lambda node, ids: Compiler(planner, identity, variables, normalised).compile_listed(
                node, ids
            ),
            fetch_laos,
            lao_node,
            fill_loaded,
        )

    def compile_listed(self, node: FieldNode, ids: frozenset[int]) -> PagePlan:
        """The LAOs of `ids` with `node`'s selection (the viewer's `laos`, its grants' `lao`),
        each answered at a path its caller gives (`fetch_laos`, `lao_node`)."""
        self.columns.add("l_id", Lao.id)
        where: list[ColumnElement[bool]] = [Lao.id.in_(sorted(ids))]
        plan = PagePlan(_key(node), where, max(len(ids), 1), None, self.columns, self.joins, [])
        plan.listed_ids = tuple(sorted(ids))
        plan.code = self.columns.add("l_code", Lao.code)
        plan.root_nodes = self.normalised.nodes_of(node)
        self._node(node, plan)
        return plan

    def _filter(self, value: dict[str, Any] | None) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        value = value or {}
        for key, v in value.items():
            if v is None:
                continue
            if key == "provinceCode":
                where.append(Lao.province_id.in_(select(Province.id).where(Province.code == v)))
            elif key == "districtCode":
                where.append(Lao.district_id.in_(select(District.id).where(District.code == v)))
            elif key == "nameContains":
                if v:
                    where.append(lao_name_contains(v))
            elif key == "type":
                where.append(Lao.type == LaoType[_enum_name(v)])
            elif key == "merged":
                absorbed = Lao.id.in_(select(LaoMerger.lao_id))
                where.append(absorbed if v else ~absorbed)
            elif key == "state":
                where.append(self._in_state(value, CertificationState[_enum_name(v)]))
            elif key != "fiscalYear":  # read with `state`, as the resolver does
                raise Unsupported(f"filter {key}")
        return where

    def _in_state(self, value: dict[str, Any], state: CertificationState) -> ColumnElement[bool]:
        """LAOs whose LAO-year of `fiscalYear` (default: the current open year) is in `state`
        and visible to the caller: the resolver's JOIN, as an EXISTS."""
        year = _alias(LaoYear.__table__, "state_year")
        fiscal_year: Any = value.get("fiscalYear") or (
            select(func.max(FiscalYear.year_be))
            .where(FiscalYear.closed_at.is_(None))
            .scalar_subquery()
        )
        visible = ClauseAdapter(year).traverse(visible_lao_years_clause(self.identity))
        return (
            select(year.c.lao_id)
            .where(
                year.c.lao_id == Lao.id,
                year.c.fiscal_year == fiscal_year,
                year.c.state == state,
                visible,
            )
            .exists()
        )

    def _node(self, node: FieldNode, plan: PagePlan) -> None:
        c = self.columns
        lao_type = self._type("Query", "lao")
        # Any field under several keys: places join once (`join_once`), another `year` or
        # `years` is one more statement, another list or change log one more read.
        for f in _fields(node.selection_set, any_twice=True):
            name, key = f.name.value, _key(f)
            if name == TYPENAME:
                plan.node_fields.append((key, _const(lao_type)))
            elif name in _LAO_FIELDS:
                plan.node_fields.append((key, LAO.getter(_leaf(f), c, Lao.__table__, "l")))
            elif name in _PLACES:
                table, fk, shape = _PLACES[name]
                alias = _alias(table, f"g_{name}")
                if f.arguments:
                    raise Unsupported("arguments")
                join_once(self.joins, alias, alias.c.id == fk)
                # The place's fields and the places it reaches (a district's province), as
                # the shape declares them: joined, every foreign key being non-null.
                getters = shape_getters(
                    shape,
                    alias,
                    f,
                    c,
                    self.joins,
                    f"g_{name}",
                    self.planner.graphql_schema,
                    self._type(lao_type, name),
                    identity=self.identity,
                )
                plan.node_fields.append((key, ("object", getters)))
            elif name == "missionsEditable":
                _leaf(f)
                plan.node_fields.append((key, self._missions_editable()))
            elif name == "year" and plan.year is not None:
                # Another year beside the first (this year against last): its own statement.
                field_def = self.planner.graphql_schema.get_type("Lao").fields["year"]
                extra = self._years(f, self._type(lao_type, name))
                extra.fiscal_year = get_argument_values(field_def, f, self.variables)["fiscalYear"]
                plan.extra_years.append(extra)
                plan.node_fields.append((key, ("year_more", len(plan.extra_years) - 1)))
            elif name == "year":
                plan.year = self._year(f, self._type(lao_type, name))
                plan.node_fields.append((key, ("year", None)))
            elif name == "years" and plan.years is not None:
                # `years` again under another key: its own statement, as another `year`'s.
                plan.extra_years.append(self._years(f, self._type(lao_type, name)))
                plan.node_fields.append((key, ("years_more", len(plan.extra_years) - 1)))
            elif name == "years":
                if f.arguments:
                    raise Unsupported("arguments")
                plan.years = self._years(f, self._type(lao_type, name))
                plan.node_fields.append((key, ("years", None)))
            elif name == "changeLog":
                log = compile_change_log(
                    f,
                    self.identity,
                    self.planner.graphql_schema,
                    self.variables,
                    self.normalised.nodes_of,
                )
                plan.place = self._place()
                plan.logs.append(log)
                plan.node_fields.append((key, ("log", len(plan.logs) - 1)))
            elif ("Lao", name) in TYPED_LOADED_FIELDS:
                # `asOf(date:)`: the function its resolver calls, over the request's
                # DataLoaders, for every LAO of the answer at once (`fill_loaded`).
                plan.node_fields.append((key, ("lao_loaded", self._lao_loaded(f, lao_type))))
            elif is_list("Lao", name):
                lp = self._list(lao_type, f)
                if lp.guard is not None or lp.item_guards or _decides_children(lp):
                    plan.place = self._place()
                plan.lists.append(lp)
                plan.node_fields.append((key, ("list", len(plan.lists) - 1)))
            else:
                raise Unsupported(f"Lao.{name}")

    def _lao_loaded(
        self, node: FieldNode, lao_type: str
    ) -> tuple[LoadedRead, Callable[[Row], LaoOf]]:
        """A field of the LAO's `schema.root.LOADED_FIELDS`: its read (the function with its
        arguments, the builder of its answer) and the object it takes, from the row."""
        function = TYPED_LOADED_FIELDS[("Lao", node.name.value)]
        read = loaded_read(
            self.planner.schema, lao_type, node, self.variables, function, _compiling(self)
        )
        at = [self.columns.add(f"l_{c}", Lao.__table__.c[c]) for c in ("id", "name_th", "name_en")]
        return read, lambda row: LaoOf(*(row[i] for i in at))

    def _list(self, type_name: str, node: FieldNode) -> ListPlan:
        # An LAO's mission records are its own: the LAO's place decides the lists under them
        # guarded per LAO (who acted on a record, its help requests), `_node`.
        placed = (type_name, node.name.value) == ("Lao", "transferredMissions")
        lp = compile_list(
            type_name,
            node,
            self.identity,
            self.planner.graphql_schema,
            self.normalised.nodes_of,
            placed=placed,
        )
        lp.nodes = self.normalised.nodes_of(node)
        return lp

    def _place(self) -> Callable[[Row], LaoPlace]:
        """The LAO's place from a row of this compiler's statement (its columns added)."""
        lao = [
            self.columns.add(f"l_{column}", Lao.__table__.c[column]) for column in _PLACE_COLUMNS
        ]

        def place(row: Row) -> LaoPlace:
            return LaoPlace(*(row[i] for i in lao))

        return place

    def _missions_editable(self) -> Callable[[Row], bool]:
        """`Lao.missionsEditable`: the rule its resolver asks, for this compiler's caller."""
        lao_id, identity = self.columns.add("l_id", Lao.id), self.identity
        return lambda row: may_keep_missions(identity, row[lao_id])

    def _year(self, node: FieldNode, year_type: str) -> YearPlan:
        field_def = self.planner.graphql_schema.get_type("Lao").fields["year"]
        fiscal_year = get_argument_values(field_def, node, self.variables)["fiscalYear"]
        year = _alias(LaoYear.__table__, "planned_year")
        # The row rule is written over `lao_years`; point it at this statement's alias.
        visible = ClauseAdapter(year).traverse(visible_lao_years_clause(self.identity))
        self.joins.append(
            (
                year,
                and_(year.c.lao_id == Lao.id, year.c.fiscal_year == _inline(fiscal_year), visible),
                "outer",
            )
        )
        return self._year_plan(node, year_type, year, fiscal_year)

    def _years(self, node: FieldNode, year_type: str) -> YearsPlan:
        """`years`: the same selection compiled into its own statement's columns (a compiler
        of its own: the page's columns and joins are not its statement's)."""
        inner = Compiler(self.planner, self.identity, self.variables, self.normalised)
        year = _alias(LaoYear.__table__, "planned_years")
        lao_id = operator.itemgetter(inner.columns.add("y_lao_id", year.c.lao_id))
        plan = inner._year_plan(node, year_type, year, None)
        visible = ClauseAdapter(year).traverse(visible_lao_years_clause(self.identity))
        return YearsPlan(_key(node), inner.columns, inner.joins, plan, lao_id, visible)

    def compile_year_values(self, node: FieldNode, year_type: str) -> YearsPlan:
        """LAO-years of given ids with `node`'s selection (a changes feed's `laoYear`): the
        `years` selection over ids the caller has been allowed to see already, answered by
        `fetch_years_by_id` and `year_value`."""
        plan = self._years(node, year_type)
        plan.by_id = True
        return plan

    def _year_plan(
        self, node: FieldNode, year_type: str, year: Any, fiscal_year: int | None
    ) -> YearPlan:
        """The LAO-year selection `node`, read from `year` (an alias of `lao_years` this
        compiler's statement has) into its columns, its sections joined to its joins."""
        c = self.columns
        plan = YearPlan(
            "year",
            fiscal_year,
            present=_not_null(c.add("y_id", year.c.id)),
            year_id=operator.itemgetter(c.add("y_id", year.c.id)),
            fields=[],
            sections=[],
            table=year,
        )
        # Any field under several keys: a section reads the one join of its table
        # (`_section`), a list is one more read, computed fields read shared columns.
        for f in _fields(node.selection_set, any_twice=True):
            name, key = f.name.value, _key(f)
            if name == TYPENAME:
                plan.fields.append((key, _const(year_type)))
            elif name in _YEAR_SCALARS:
                column, convert = _YEAR_SCALARS[_leaf(f)]
                plan.fields.append((key, c.getter(f"y_{column}", year.c[column], convert)))
            elif name in _SECTIONS:
                if f.arguments:
                    raise Unsupported("arguments")
                section_type = self._type(year_type, name)
                plan.sections.append(self._section(_SECTIONS[name], f, year, section_type))
                plan.fields.append((key, ("section", len(plan.sections) - 1)))
            elif is_list("LaoYear", name):
                lp = self._list(year_type, f)
                if lp.guard is not None:
                    raise Unsupported(f"LaoYear.{name}: guarded per LAO")
                if lp.item_guards:  # `actorName`: decided at the LAO-year's LAO
                    plan.place = self._place()
                plan.lists.append(lp)
                plan.fields.append((key, ("list", len(plan.lists) - 1)))
            elif name in ("editable", "allowedActions", "catalogueShape", "historical"):
                _leaf(f)
                plan.fields.append((key, self._year_rule(name, year)))
            elif name == "completeness" and not f.arguments:
                item_type = self._type(year_type, name)
                plan.fields.append((key, self._completeness(f, item_type, year)))
            elif name == "sectionVersions" and not f.arguments:
                item_type = self._type(year_type, name)
                plan.fields.append((key, self._section_versions(f, item_type, year)))
            elif name in LOADED_FIELDS:
                # Its guard (`historicalSections`: every domain scope), decided for the caller:
                # refused, it is null with FORBIDDEN, at the time a refused section's is.
                decision = identity_decision(
                    self.planner.graphql_schema, year_type, name, self.identity
                )
                if decision is None:
                    raise Unsupported(f"LaoYear.{name}: guarded by the object")
                if decision.allowed:
                    plan.fields.append((key, ("loaded", self._loaded(f, year_type, year))))
                else:
                    refused = (decision.message, self.normalised.nodes_of(f))
                    plan.fields.append((key, ("refused", refused)))
            else:
                raise Unsupported(f"LaoYear.{name}")
        return plan

    def _loaded(
        self, node: FieldNode, year_type: str, year: Any
    ) -> tuple[LoadedRead, Callable[[Row], YearOf]]:
        """A field of `LOADED_FIELDS`: its function with its arguments as the resolver gets
        them and the builder of its answer, and what the function reads of the row."""
        function = LOADED_FIELDS[node.name.value]
        # Fields guarded per LAO in its answer (who assessed a final score) decided per object.
        compiling = Compiling(self.identity, self.normalised.nodes_of)
        read = loaded_read(
            self.planner.schema, year_type, node, self.variables, function, compiling
        )
        c = self.columns
        year_id = c.add("y_id", year.c.id)
        fiscal_year = c.add("y_fiscal_year", year.c.fiscal_year)
        place = self._place()
        return read, lambda row: YearOf(row[year_id], row[fiscal_year], place(row))

    def _year_rule(self, name: str, year: Any) -> Callable[[Row], Any]:
        """A computed field of the LAO-year: the function its resolver calls
        (`schema.lao_year`), over the row's stored values, for this compiler's caller."""
        c, identity = self.columns, self.identity
        fiscal_year = c.add("y_fiscal_year", year.c.fiscal_year)
        if name == "catalogueShape":
            return lambda row: shape_of(row[fiscal_year]).name
        if name == "historical":
            return lambda row: shape_of(row[fiscal_year]) is CatalogueShape.PRE_2020
        state = c.add("y_state", year.c.state)
        mask = c.add("y_complete_domains", year.c.complete_domains)
        # The year is open when DLA has not closed it (and it exists), as the resolver's loader.
        is_open = c.add(
            "y_open",
            exists(
                select(FiscalYear.year_be).where(
                    FiscalYear.year_be == year.c.fiscal_year, FiscalYear.closed_at.is_(None)
                )
            ),
        )
        place = self._place()
        if name == "editable":
            return lambda row: is_editable(
                identity, place(row), row[state].name, year_status(row[fiscal_year], row[is_open])
            )
        return lambda row: allowed_action_names(
            identity,
            place(row),
            row[state].name,
            year_status(row[fiscal_year], row[is_open]),
            row[mask],
        )

    def _completeness(self, node: FieldNode, item_type: str, year: Any) -> Callable[[Row], Any]:
        """`completeness { ... }`: each domain's item, `missingFields` from the domain's
        section (every column the rule may read) and its live records' counts, read in the
        same statement (`schema.lao_year.missing_field_names`)."""
        c = self.columns
        fiscal_year = c.add("y_fiscal_year", year.c.fiscal_year)
        mask = c.add("y_complete_domains", year.c.complete_domains)
        leaves: list[tuple[str, str]] = []
        for f in _fields(node.selection_set):
            name = f.name.value
            if name not in (TYPENAME, "domain", "labelTh", "labelEn", "complete", "missingFields"):
                raise Unsupported(f"{item_type}.{name}")
            if name != TYPENAME:
                _leaf(f)
            leaves.append((_key(f), name))
        reads: dict[int, tuple[int, dict[str, int], dict[str, int]]] = {}
        if any(name == "missingFields" for _, name in leaves):
            for domain in DOMAINS:
                reads[domain.number] = self._section_reads(domain, year)

        def missing(row: Row, number: int) -> list[str]:
            present, columns, counts = reads[number]
            section = (
                {column: row[i] for column, i in columns.items()}
                if row[present] is not None
                else None
            )
            found = {name: row[i] for name, i in counts.items()}
            return missing_field_names(number, row[fiscal_year], section, found)

        def items(row: Row) -> list[dict[str, Any]]:
            return [
                {
                    key: item_type
                    if name == TYPENAME
                    else domain.number
                    if name == "domain"
                    else domain.label_th
                    if name == "labelTh"
                    else domain.label_en
                    if name == "labelEn"
                    else complete
                    if name == "complete"
                    else missing(row, domain.number)
                    for key, name in leaves
                }
                for domain, complete in completeness_items(row[fiscal_year], row[mask])
            ]

        return items

    def _section_reads(
        self, domain: Domain, year: Any
    ) -> tuple[int, dict[str, int], dict[str, int]]:
        """Where a row holds what the completeness rule reads of one domain: whether its
        section exists, the section's field and none-flag columns, and the count of each of
        its record tables' live records (a correlated COUNT)."""
        c, n = self.columns, domain.number
        table = self._section_join(domain, year)
        present = c.add(f"cd{n}_lao_year_id", table.c.lao_year_id)
        names = [f.column for f in domain.fields] + [t.none_flag for t in domain.record_tables]
        columns = {column: c.add(f"cd{n}_{column}", table.c[column]) for column in names}
        counts = {}
        for records in domain.record_tables:
            rows = RECORD_TABLES[records.name]
            count = (
                select(func.count())
                .select_from(rows)
                .where(rows.c.lao_year_id == year.c.id, rows.c.retired_on.is_(None))
                .scalar_subquery()
            )
            counts[records.name] = c.add(f"cn_{records.name}", count)
        return present, columns, counts

    def _section_join(self, domain: Domain, year: Any) -> Any:
        """The domain's section of the LAO-year `year`, outer-joined once to this compiler's
        statement for what the year's computed fields read of it (completeness, versions)."""
        n = domain.number
        label = f"complete_d{n}"
        for join in self.joins:
            if getattr(join[0], "name", None) == label:
                return join[0]
        table = _alias(SECTION_TABLES[n], label)
        self.joins.append((table, table.c.lao_year_id == year.c.id, "outer"))
        return table

    def _section_versions(self, node: FieldNode, item_type: str, year: Any) -> Callable[[Row], Any]:
        """`sectionVersions { domain version }`: each domain's section version, 0 before it is
        first saved (as the resolver answers), read from the section joined to the year."""
        leaves: list[tuple[str, str]] = []
        for f in _fields(node.selection_set):
            name = f.name.value
            if name not in (TYPENAME, "domain", "version"):
                raise Unsupported(f"{item_type}.{name}")
            if name != TYPENAME:
                _leaf(f)
            leaves.append((_key(f), name))
        versions = [
            (
                d.number,
                self.columns.add(f"cd{d.number}_version", self._section_join(d, year).c.version),
            )
            for d in DOMAINS
        ]

        def items(row: Row) -> list[dict[str, Any]]:
            return [
                {
                    key: item_type
                    if name == TYPENAME
                    else number
                    if name == "domain"
                    else (row[at] if row[at] is not None else 0)
                    for key, name in leaves
                }
                for number, at in versions
            ]

        return items

    def _section(
        self, domain: Domain, node: FieldNode, year: Any, section_type: str
    ) -> SectionPlan:
        table = _alias(SECTION_TABLES[domain.number], f"planned_d{domain.number}")
        # The section field's own `guarded(...)` declaration, decided for the caller.
        decision = identity_decision(
            self.planner.graphql_schema, "LaoYear", node.name.value, self.identity
        )
        if decision is None:
            raise Unsupported(f"LaoYear.{node.name.value}: guarded by the object")
        allowed = decision.allowed
        # A forbidden section is still compiled (to know the planner supports it), but into
        # columns that are never selected: its domain's table is not even joined.
        c = self.columns if allowed else Columns()
        scalars = _value_fields(domain.fields)
        by_flag = {to_camel_case(t.none_flag): t for t in domain.record_tables}
        by_records = {to_camel_case(t.name): t for t in domain.record_tables}
        plan = SectionPlan(
            domain,
            _key(node),
            self.normalised.nodes_of(node),
            allowed,
            decision.message,
            present=_not_null(c.add(f"d{domain.number}_lao_year_id", table.c.lao_year_id)),
            fields=[],
            records=[],
        )
        prefix = f"d{domain.number}_"
        # A record table under several keys is a statement (or a nested column) each.
        for f in _fields(node.selection_set, any_twice=True):
            name, key = f.name.value, _key(f)
            if name == TYPENAME:
                plan.fields.append((key, _const(section_type)))
                continue
            if name in scalars:
                column, convert = scalars[_leaf(f)]
            elif name in by_flag:
                column, convert = by_flag[_leaf(f)].none_flag, _same
            elif name == "updatedAt":
                column, convert = "updated_at", _iso
                _leaf(f)
            elif name == "version":
                column, convert = "version", _int
                _leaf(f)
            elif name in by_records:
                if f.arguments:
                    raise Unsupported("arguments")
                records_type = self._type(section_type, name)
                plan.records.append(self.records_plan(by_records[name], f, records_type))
                plan.fields.append((key, ("records", len(plan.records) - 1)))
                continue
            else:
                raise Unsupported(f"{domain.type_name}.{name}")
            plan.fields.append((key, c.getter(prefix + column, table.c[column], convert)))
        # The section under another key of the same LAO-year (`a: governance b: governance`)
        # reads the same row: joined once, its columns shared by name.
        if allowed:
            join_once(self.joins, table, table.c.lao_year_id == year.c.id, "outer")
        return plan

    def records_plan(self, records: RecordTable, node: FieldNode, records_type: str) -> RecordsPlan:
        """A record table's fields as `node` selects them (a section's records, or a node of
        the record tables' own connections, `schema.plan_connections`)."""
        table = RECORD_TABLES[records.name]
        c = Columns()
        c.add("lao_year_id", table.c.lao_year_id)
        scalars = _value_fields(records.fields)
        scalars["recordKey"] = ("record_key", _str)
        scalars["id"] = ("id", _int)
        scalars["version"] = ("version", _int)
        villages_by_name = {
            to_camel_case(f.name): f for f in records.fields if f.kind is Kind.VILLAGE
        }
        plan = RecordsPlan(records, _key(node), [], c, {})
        # A village under several keys reads the one join of its alias (`plan.villages`).
        for f in _fields(node.selection_set, any_twice=True):
            name, key = f.name.value, _key(f)
            if name == TYPENAME:
                plan.fields.append((key, _const(records_type)))
            elif name in scalars:
                column, convert = scalars[_leaf(f)]
                plan.fields.append((key, c.getter(column, table.c[column], convert)))
            elif name in villages_by_name:
                v = villages_by_name[name]
                if f.arguments:
                    raise Unsupported("arguments")
                # The village and the places it reaches, as `schema.shapes.VILLAGE` declares
                # them; joined once however many keys ask for it (`join_once`).
                prefix = f"planned_v_{v.name}"
                alias = _alias(Village.__table__, prefix)
                joins: list[Any] = [(alias, alias.c.id == table.c[v.column])]
                getters = shape_getters(
                    VILLAGE,
                    alias,
                    f,
                    c,
                    joins,
                    prefix,
                    self.planner.graphql_schema,
                    self._type(records_type, name),
                    identity=self.identity,
                )
                for join in joins:
                    plan.villages.setdefault(join[0].name, (join[0], join[1]))
                present = c.add(f"{prefix}_id", alias.c.id)
                plan.fields.append((key, ("village", present, getters)))
            else:
                raise Unsupported(f"{records.type_name}.{name}")
        return plan


def _page_statement(plan: PagePlan) -> Select[Any]:
    joined: Any = Lao.__table__
    for join in plan.joins:
        table, on = join[0], join[1]
        joined = joined.outerjoin(table, on) if len(join) > 2 else joined.join(table, on)
    statement: Select[Any] = select(*plan.columns.columns).select_from(joined).where(*plan.where)
    # The keyset bound and the LIMIT are inlined (ints): as bound parameters, PostgreSQL
    # switches to a generic plan after five runs of the same text, without the LIMIT's
    # fast start: ~7x slower for a national extract page.
    if plan.after is not None:
        statement = statement.where(Lao.id > _inline(plan.after))
    return statement.order_by(Lao.id).limit(_inline(plan.size + 1))


def _inline(value: int) -> Any:
    """An integer rendered into the SQL text rather than bound (see `_run`)."""
    return bindparam(None, int(value), type_=Integer, literal_execute=True)


def _records_from(rp: RecordsPlan) -> Any:
    """A record table joined to the villages its selection reads."""
    joined: Any = RECORD_TABLES[rp.records.name]
    for alias, on in rp.villages.values():
        joined = joined.outerjoin(alias, on)
    return joined


def _live_records(rp: RecordsPlan, of_years: Any) -> list[Any]:
    """The WHERE clause of a record table's live records of the LAO-years `of_years` picks
    (a condition on `lao_year_id`)."""
    table = RECORD_TABLES[rp.records.name]
    return [of_years(table.c.lao_year_id), table.c.retired_on.is_(None)]


def _add_column(extra: list[Any], clause: Any) -> None:
    """A nested list's column, appended to a statement's `extra` columns under a fresh label."""
    extra.append(clause.label(f"nested_{len(extra)}"))


@dataclass(frozen=True)
class LaoOf:
    """What an LAO's loaded fields read of it (`Lao.asOf`): the resolvers pass the `Lao`
    itself, the planned path this, from its row."""

    id: int
    name_th: str
    name_en: str | None


@dataclass
class YearData:
    """A `YearPlan`'s lists and record tables for some LAO-years: `lists[i]` and
    `records[section index][j]` map an LAO-year's id to its rows."""

    lists: list[dict[int, list[Row]]] = field(default_factory=list)
    records: dict[int, list[dict[int, list[Row]]]] = field(default_factory=dict)
    # The loaded fields met while building (`schema.plan_connections.LoadedRead`): the
    # read, its LAO-year, the answer to fill and its key, and the path to it; `fill_loaded`
    # fills them in.
    loaded: list[tuple[LoadedRead, YearOf, dict[str, Any], str, tuple[Any, ...]]] = field(
        default_factory=list
    )


async def _fetch_year_data(conn: Any, year: YearPlan, year_ids: list[int]) -> YearData:
    """A statement per list and record table (SQLite, or `NestedYear`'s reference form)."""
    data = YearData()
    for lp in year.lists:
        data.lists.append(await lp.fetch(conn, year_ids))
    for s_index, section in enumerate(year.sections):
        if not section.allowed:
            continue
        for rp in section.records:
            data.records.setdefault(s_index, []).append(await _fetch_records(conn, rp, year_ids))
    return data


@dataclass
class NestedYear:
    """PostgreSQL: a `YearPlan`'s lists and record tables as columns of the statement that
    reads its LAO-years (`year`'s: the page statement; `years`': its own), correlated to that
    statement's alias of `lao_years` (`NestedPage` says why). A forbidden section has none."""

    lists: list[NestedRows]
    records: dict[int, list[NestedRows]]

    @classmethod
    def add(cls, year: YearPlan, dialect: Any, extra: list[Any]) -> NestedYear:
        """The reader of the columns it appends to `extra`."""
        nested = cls([], {})
        alias = year.table
        for lp in year.lists:
            _add_column(extra, lp.nested(alias.c.id, alias))
            nested.lists.append(NestedRows(lp.columns.columns, dialect))
        for s_index, section in enumerate(year.sections):
            if not section.allowed:
                continue
            for rp in section.records:
                rows = nested_rows(
                    rp.columns.columns,
                    _records_from(rp),
                    _live_records(rp, lambda year_id: year_id == alias.c.id),
                    [RECORD_TABLES[rp.records.name].c.id],
                    alias,
                )
                _add_column(extra, rows)
                nested.records.setdefault(s_index, []).append(
                    NestedRows(rp.columns.columns, dialect)
                )
        return nested

    def unpack(self, year: YearPlan, rows: list[Row], position: int) -> YearData:
        """The rows' LAO-years' data, read from their columns from `position` on."""
        present = [r for r in rows if year.present(r)]
        data = YearData()
        for read in self.lists:
            data.lists.append({year.year_id(r): read(r[position]) for r in present})
            position += 1
        for s_index, reads in self.records.items():
            for read in reads:
                by_year = {year.year_id(r): read(r[position]) for r in present}
                data.records.setdefault(s_index, []).append(by_year)
                position += 1
        return data


@dataclass
class NestedPage:
    """PostgreSQL: the page statement with each list and record table the plan reads as one
    more column (`schema.plan_common.nested_rows`), so a page is one statement, one round
    trip (two with `totalCount`, one more for `years`); and how to read those columns back.

    Why: the lists and record tables were a statement each, six of a deep `lao(code:)`'s
    seven, and the driver's and SQLAlchemy's work per statement was most of its time
    (in-process on the national data, one deep LAO: 2.15 ms as seven statements, 0.72 ms as
    one). On a page the correlated subqueries cost PostgreSQL no more than one `IN` scan per
    list over the page's ids (a province page of 200 LAOs with their water systems: 19–23
    ms as three statements, 15 ms as two). SQLite runs in the worker's process, with no
    round trips to save: there the plan keeps one statement per list (`ListPlan.fetch`,
    `_fetch_records`). Both forms are checked against the resolvers (`tests/test_planner.py`
    runs on both databases).

    `lists` then `year` read the extra columns in that order, from `first`; a forbidden list
    has no column (it is never read).
    """

    statement: Select[Any]
    first: int
    lists: list[NestedRows | None]
    year: NestedYear | None

    @classmethod
    def build(cls, plan: PagePlan, dialect: Any) -> NestedPage:
        extra: list[Any] = []
        lists: list[NestedRows | None] = []
        for lp in plan.lists:
            if lp.allowed:
                _add_column(extra, lp.nested(Lao.id, Lao.__table__))
            lists.append(NestedRows(lp.columns.columns, dialect) if lp.allowed else None)
        year = NestedYear.add(plan.year, dialect, extra) if plan.year is not None else None
        statement = _page_statement(plan).add_columns(*extra)
        return cls(statement, len(plan.columns.columns), lists, year)

    def unpack(self, plan: PagePlan, page: list[Row], fetched: Fetched) -> None:
        """Fill `fetched` from the page's rows as the separate statements would have."""
        position = self.first
        for read in self.lists:
            by_lao: dict[int, list[Row]] = {}
            if read is not None:
                for r in page:
                    by_lao[plan.lao_id(r)] = read(r[position])
                position += 1
            fetched.lists.append(by_lao)
        if plan.year is not None and self.year is not None:
            fetched.year = self.year.unpack(plan.year, page, position)


def _years_statement(years: YearsPlan, extra: list[Any]) -> Select[Any]:
    alias = years.year.table
    # Joined to its LAO, as the resolver's loader: the row rule may read the LAO's places.
    joined: Any = alias.join(Lao.__table__, Lao.id == alias.c.lao_id)
    for table, on, *_ in years.joins:
        joined = joined.outerjoin(table, on)
    where = (
        [alias.c.id.in_(bindparam("ids", expanding=True))]
        if years.by_id
        else [alias.c.lao_id.in_(bindparam("ids", expanding=True)), years.visible]
    )
    if years.fiscal_year is not None:  # one year's (written in the text, as `year`'s join)
        where.append(alias.c.fiscal_year == _inline(years.fiscal_year))
    return (
        select(*years.columns.columns, *extra)
        .select_from(joined)
        .where(*where)
        .order_by(alias.c.lao_id, alias.c.fiscal_year.desc())
    )


async def _fetch_years(
    conn: Any, years: YearsPlan, lao_ids: list[int], dialect: Any
) -> tuple[dict[int, list[Row]], YearData]:
    """`years`' rows by LAO (newest first) and their lists and record tables."""
    by_lao: dict[int, list[Row]] = {}
    if not lao_ids:
        return by_lao, YearData()
    nested = None
    if dialect.name == "postgresql":
        if years.nested is None:
            extra: list[Any] = []
            reader = NestedYear.add(years.year, dialect, extra)
            years.nested = (_years_statement(years, extra), reader)
        statement, nested = years.nested
    else:
        if years.statement is None:
            years.statement = _years_statement(years, [])
        statement = years.statement
    rows = (await conn.execute(statement, {"ids": lao_ids})).all()
    for r in rows:
        by_lao.setdefault(years.lao_id(r), []).append(r)
    if nested is not None:
        data = nested.unpack(years.year, rows, len(years.columns.columns))
        data.lists = await _complete(conn, years.year.lists, data.lists)
        return by_lao, data
    year_ids = [years.year.year_id(r) for r in rows]
    return by_lao, await _fetch_year_data(conn, years.year, year_ids)


async def _complete(
    conn: Any, plans: list[ListPlan], lists: list[dict[int, list[Row]]]
) -> list[dict[int, list[Row]]]:
    """PostgreSQL: nested lists' rows with the lists under their items appended
    (`ListPlan.complete`), as `ListPlan.fetch` returns them on SQLite."""
    return [await lp.complete(conn, rows) for lp, rows in zip(plans, lists, strict=True)]


async def fetch_years_by_id(
    years: YearsPlan, engine: Any, year_ids: list[int]
) -> tuple[dict[int, Row], YearData]:
    """The LAO-years of a `Compiler.compile_year_values` plan by id, and their lists and
    record tables (`year_value` answers each)."""
    async with engine.connect() as conn:
        by_lao, data = await _fetch_years(conn, years, year_ids, engine.dialect)
    return {years.year.year_id(r): r for rows in by_lao.values() for r in rows}, data


def year_value(
    years: YearsPlan,
    row: Row,
    path: list[Any],
    data: YearData,
    late: list[GraphQLError],
    last: list[GraphQLError],
    reads: PersonalReads | None = None,
) -> dict[str, Any] | None:
    """One LAO-year of `fetch_years_by_id` answered at `path` (a forbidden section's error
    to `late`, a refused field of a list's items to `last`, personal data noted in `reads`)."""
    return _year(years.year, row, path, data, late, reads, last)


# --- running a plan --------------------------------------------------------------------------


@dataclass
class Fetched:
    """What a plan's statements returned besides the page, and the errors met building it.

    Errors come in the resolvers' order: a forbidden `transferredMissions` fails as soon as
    its node is completed (`early`), a forbidden section only once the LAO-year is loaded
    (`late`), a refused field of a list's items once the list is loaded (`last`); `errors`
    lists them in that order.
    """

    lists: list[dict[int, list[Row]]] = field(default_factory=list)
    year: YearData = field(default_factory=YearData)
    years_rows: dict[int, list[Row]] = field(default_factory=dict)
    years: YearData = field(default_factory=YearData)
    # Each `PagePlan.extra_years`' rows by LAO and what they read besides.
    extra_years: list[tuple[dict[int, list[Row]], YearData]] = field(default_factory=list)
    early: list[GraphQLError] = field(default_factory=list)
    late: list[GraphQLError] = field(default_factory=list)
    # Errors at the items of lists the resolvers load (a refused `actorName`): they come
    # once those loads complete, after every section's.
    last: list[GraphQLError] = field(default_factory=list)
    # Errors under an LAO's mission records (`_placed_items`): the resolvers decide each
    # record's help requests once its LAO is loaded (a load after the records'), and who
    # acted on it once its history is (one more): after every other error of the page.
    helps: list[GraphQLError] = field(default_factory=list)
    acted: list[GraphQLError] = field(default_factory=list)
    # Where the reads of personal data the nodes answer are noted: the request's
    # (`HubContext.personal_reads`), which `Planner.execute` records once the plans have run.
    reads: PersonalReads | None = None
    logs: list[dict[int, tuple[int | None, list[Row]]]] = field(default_factory=list)
    # The LAOs' own loaded fields (`Lao.asOf`), as `YearData.loaded` holds the LAO-years'.
    loaded: list[tuple[LoadedRead, LaoOf, dict[str, Any], str, tuple[Any, ...]]] = field(
        default_factory=list
    )

    @property
    def errors(self) -> list[GraphQLError]:
        return self.early + self.late + self.last + self.helps + self.acted


async def _run(plan: PagePlan, context: Any) -> tuple[Any, list[GraphQLError]]:
    """The root field's value (a connection, or one LAO or None when `single`), and errors."""
    rows, total, fetched = await _fetch(plan, context.read_engine, context.personal_reads)
    page = rows[: plan.size]
    if plan.single:
        value = _node(plan, page[0], [plan.root_key], fetched) if page else None
        await fill_loaded(fetched, context)
        return value, fetched.errors
    # A `node` under other keys: its own plan's rows for the page's LAOs, matched by id (an
    # LAO gone in between answers null there); its errors join the page's, phase by phase.
    more: dict[tuple[str, str], tuple[PagePlan, dict[int, Row], Fetched]] = {}
    if plan.more and page:  # an empty page has no node to answer
        ids = [plan.lao_id(row) for row in page]
        for keys, sub in plan.more:
            sub_rows, _, sub_fetched = await _fetch(
                sub, context.read_engine, context.personal_reads, {"page_ids": ids}, fetched
            )
            more[keys] = (sub, {sub.lao_id(row): row for row in sub_rows}, sub_fetched)

    def node(i: int, row: Row, edges_key: str, node_key: str) -> Any:
        path = [plan.root_key, edges_key, i, node_key]
        if (edges_key, node_key) == plan.node_keys:
            return _node(plan, row, path, fetched)
        sub, by_id, sub_fetched = more[edges_key, node_key]
        sub_row = by_id.get(plan.lao_id(row))
        return None if sub_row is None else _node(sub, sub_row, path, sub_fetched)

    out = connection_answer(plan, rows, total, plan.lao_id, node)
    await fill_loaded(fetched, context, [one for _, _, one in more.values()])
    return out, fetched.errors


async def fill_loaded(fetched: Fetched, context: Any, more: Sequence[Fetched] = ()) -> None:
    """Fills in the loaded fields the answer holds (`LoadedRead`): every call at once, so
    the request's DataLoaders (`context.loaders`, the resolvers' own) batch them; a nullable
    one's failure (null, its error) and a refused field of its answer (who assessed a final
    score, noted in the read audit where allowed) come after the answer's other errors: the
    resolvers report them once the loads complete, which a refused `actorName` of the
    certification history also waits for (their order between those two then depends on
    which of two concurrent loads completes first; GraphQL gives it no meaning)."""
    everything = [fetched, *more]  # the page's, then its nodes' under other keys
    datas = [
        data
        for one in everything
        for data in (one.year, one.years, *(data for _, data in one.extra_years))
    ]
    laos = [loaded for one in everything for loaded in one.loaded]
    await _fill_loaded(datas, fetched.reads, fetched.last, context, laos)


async def fill_loaded_years(
    datas: list[YearData], errors: list[GraphQLError], context: Any
) -> None:
    """`fill_loaded` for the LAO-years of `fetch_years_by_id` calls (errors to `errors`)."""
    await _fill_loaded(datas, context.personal_reads, errors, context)


async def _fill_loaded(
    datas: list[YearData],
    reads: PersonalReads | None,
    errors: list[GraphQLError],
    context: Any,
    laos: Sequence[Any] = (),  # the LAOs' own (`Fetched.loaded`)
) -> None:
    loaded = [*laos, *(one for data in datas for one in data.loaded)]
    if not loaded:
        return
    building = Building(context.now, context.identity, reads=reads, loaders=context.loaders)
    building.loaded = loaded
    while building.loaded:
        await call_loaded(building)
    if building.pending or building.batched:
        async with context.read_engine.connect() as conn:
            await fill(building, conn)
    errors.extend(building.errors)


async def fetch_laos(
    plan: PagePlan,
    engine: Any,
    reads: PersonalReads | None = None,
    errors_to: Fetched | None = None,
) -> tuple[list[tuple[int, str, Row]], Fetched]:
    """The LAOs of a `Compiler.compile_listed` plan: (id, code, row) of each, by code, and
    what their nodes read besides (`lao_node` builds them; personal reads noted in `reads`;
    their errors in `errors_to`'s lists where given, as `_fetch`)."""
    assert plan.code is not None
    rows, _, fetched = await _fetch(plan, engine, reads, errors_to=errors_to)
    found = [(plan.lao_id(row), row[plan.code], row) for row in rows]
    # As `Viewer.laos` orders them: an LAO without a code of its own (Bangkok) first.
    return sorted(found, key=lambda one: one[1] or ""), fetched


def lao_node(plan: PagePlan, row: Row, path: list[Any], fetched: Fetched) -> dict[str, Any]:
    """One LAO of `fetch_laos` answered at `path` (its errors go to `fetched`)."""
    return _node(plan, row, path, fetched)


async def _fetch(
    plan: PagePlan,
    engine: Any,
    reads: PersonalReads | None,
    params: dict[str, Any] | None = None,
    errors_to: Fetched | None = None,
) -> tuple[list[Row], int | None, Fetched]:
    """The page's rows (one more than the page, to tell whether there is a next), the COUNT
    when selected, and what the page's nodes read besides (lists, LAO-years, records).
    `params` binds the statement's parameters (`page_ids`); the errors met building the
    nodes go to `errors_to`'s lists where given (a node under another key: the resolvers
    report each phase's errors of every key together)."""
    nested = None
    if engine.dialect.name == "postgresql":
        if plan.nested is None:
            plan.nested = NestedPage.build(plan, engine.dialect)
        nested = plan.nested
        statement = nested.statement
    else:
        if plan.statement is None:
            plan.statement = _page_statement(plan)
        statement = plan.statement
    wants_total = any(name == "totalCount" for name, _, _ in plan.connection)
    fetched = Fetched(reads=reads)
    if errors_to is not None:
        fetched.early, fetched.late, fetched.last = errors_to.early, errors_to.late, errors_to.last
        fetched.helps, fetched.acted = errors_to.helps, errors_to.acted
    async with engine.connect() as conn:
        total = (
            (
                await conn.execute(select(func.count()).select_from(Lao).where(*plan.where))
            ).scalar_one()
            if wants_total
            else None
        )
        rows = (await conn.execute(statement, params or {})).all()
        page = rows[: plan.size]
        lao_ids = [plan.lao_id(r) for r in page]
        if nested is not None:
            nested.unpack(plan, page, fetched)
            fetched.lists = await _complete(conn, plan.lists, fetched.lists)
            if plan.year is not None:
                fetched.year.lists = await _complete(conn, plan.year.lists, fetched.year.lists)
        else:
            for lp in plan.lists:
                fetched.lists.append(await lp.fetch(conn, lao_ids))
            if plan.year is not None:
                year = plan.year
                year_ids = [year.year_id(r) for r in page if year.present(r)]
                fetched.year = await _fetch_year_data(conn, year, year_ids)
        if plan.years is not None:
            fetched.years_rows, fetched.years = await _fetch_years(
                conn, plan.years, lao_ids, engine.dialect
            )
        for extra in plan.extra_years:
            fetched.extra_years.append(await _fetch_years(conn, extra, lao_ids, engine.dialect))
        for log in plan.logs:
            fetched.logs.append(await log.fetch(conn, lao_ids))
    return rows, total, fetched


async def _fetch_records(conn: Any, rp: RecordsPlan, year_ids: list[int]) -> dict[int, list[Row]]:
    """One record table's live records of the LAO-years, by LAO-year, in id order."""
    by_year: dict[int, list[Row]] = {}
    if not year_ids:
        return by_year
    if rp.statement is None:
        table = RECORD_TABLES[rp.records.name]
        rp.statement = (
            select(*rp.columns.columns)
            .select_from(_records_from(rp))
            .where(
                *_live_records(rp, lambda year_id: year_id.in_(bindparam("ids", expanding=True)))
            )
            .order_by(table.c.id)
        )
    result = await conn.execute(rp.statement, {"ids": year_ids})
    for r in result.all():
        by_year.setdefault(r[0], []).append(r)
    return by_year


def _node(plan: PagePlan, row: Row, path: list[Any], fetched: Fetched) -> dict[str, Any]:
    if plan.build is None:  # compiled once per plan (plans are cached and never change)
        plan.node_slots = [
            (key, get)
            for key, get in plan.node_fields
            if isinstance(get, tuple)
            and get[0] in ("list", "year", "years", "year_more", "years_more", "log", "lao_loaded")
        ]
        plan.build = compile_object(plan.node_fields, placeholders=True)
    node: dict[str, Any] = plan.build(row)
    if not plan.node_slots:
        return node
    lao_id = plan.lao_id(row)
    errors_of = (fetched.late, fetched.reads, fetched.last)  # where a year's errors go
    for key, get in plan.node_slots:
        if get[0] == "list":
            lp = plan.lists[get[1]]
            if lp.guard is not None or lp.item_guards:
                node[key] = _guarded_list(plan, lp, row, [*path, key], fetched, get[1])
            elif lp.allowed and _decides_children(lp):
                node[key] = _placed_items(plan, lp, row, [*path, key], fetched, get[1])
            elif lp.allowed:
                node[key] = lp.answer(fetched.lists[get[1]].get(lao_id, []))
            else:
                node[key] = None
                fetched.early.append(forbidden(lp.message, lp.nodes or [lp.node], [*path, key]))
        elif get[0] == "lao_loaded":
            node[key] = None  # filled in once every LAO's is loaded (`fill_loaded`)
            read, lao_of = get[1]
            fetched.loaded.append((read, lao_of(row), node, key, (*path, key)))
        elif get[0] == "log":
            assert plan.place is not None
            log = plan.logs[get[1]]
            found = fetched.logs[get[1]]
            node[key] = log.answer_at(found, plan.place(row), [*path, key], fetched.early)
        elif get[0] == "year":
            assert plan.year is not None
            node[key] = _year(plan.year, row, [*path, key], fetched.year, *errors_of)
        elif get[0] == "year_more":
            extra = plan.extra_years[get[1]]
            by_lao, data = fetched.extra_years[get[1]]
            found = by_lao.get(lao_id)
            node[key] = (
                _year(extra.year, found[0], [*path, key], data, *errors_of) if found else None
            )
        else:  # every year: `years`, or `years` again under another key ("years_more")
            if get[0] == "years":
                assert plan.years is not None
                yp, rows, data = plan.years, fetched.years_rows, fetched.years
            else:
                yp = plan.extra_years[get[1]]
                rows, data = fetched.extra_years[get[1]]
            node[key] = [
                _year(yp.year, r, [*path, key, i], data, *errors_of)
                for i, r in enumerate(rows.get(lao_id, ()))
            ]
    return node


def _decides_children(lp: ListPlan) -> bool:
    """Whether lists guarded per LAO stand under `lp`'s items (decided by `_placed_items`)."""
    return lp.children is not None and bool(lp.children.guarded)


def _placed_items(
    plan: PagePlan, lp: ListPlan, row: Row, path: list[Any], fetched: Fetched, index: int
) -> list[dict[str, Any]]:
    """An LAO's own mission records, the lists under each guarded per LAO decided at the
    row's LAO (`Children.decide`): a refused `helpRequests` null with FORBIDDEN at each
    record (`fetched.helps`), a refused `actorName` at each event (`fetched.acted`), as the
    resolvers report them once their loads complete; reads let through noted."""
    assert plan.place is not None and lp.children is not None
    place = plan.place(row)
    rows = fetched.lists[index].get(place.lao_id, [])
    items = []
    for i, r in enumerate(rows):
        item = lp.value(r)
        at = [*path, i]
        lp.children.decide(r, item, at, fetched.helps, fetched.acted, fetched.reads, place)
        items.append(item)
    return items


def _guarded_list(
    plan: PagePlan, lp: ListPlan, row: Row, path: list[Any], fetched: Fetched, index: int
) -> Any:
    """A list guarded per LAO (personal data): its items when the guard allows the caller
    at the row's LAO, the read noted for the read audit; else null and FORBIDDEN at `path`,
    as the resolver's permission class answers."""
    assert plan.place is not None
    place = plan.place(row)
    if lp.guard is not None:
        refused = lp.guard.refusal(place)
        if refused is not None:
            fetched.early.append(forbidden(refused, lp.nodes or [lp.node], path))
            return None
        if lp.guard.audited:
            note_read(fetched.reads, place.lao_id, lp.audited)
    rows = fetched.lists[index].get(place.lao_id, [])
    return lp.answer_at(rows, place, path, fetched.last, fetched.reads)


def _year(
    year: YearPlan,
    row: Row,
    path: list[Any],
    data: YearData,
    late: list[GraphQLError],
    reads: PersonalReads | None,
    last: list[GraphQLError],
) -> dict[str, Any] | None:
    """One LAO-year's object, from its row and `data`; a forbidden section's error to
    `late`, a refused `actorName`'s to `last`, the personal data it answers noted in `reads`."""
    if not year.present(row):
        return None
    out: dict[str, Any] = {}
    lao_year_id = year.year_id(row)
    for key, get in year.fields:
        if not isinstance(get, tuple):
            out[key] = get(row)
            continue
        if get[0] == "refused":
            out[key] = None
            late.append(forbidden(get[1][0], get[1][1], [*path, key]))
            continue
        if get[0] == "loaded":
            out[key] = None  # filled in once every LAO-year's is loaded (`fill_loaded`)
            read, year_of = get[1]
            data.loaded.append((read, year_of(row), out, key, (*path, key)))
            continue
        if get[0] == "list":
            lp = year.lists[get[1]]
            rows = data.lists[get[1]].get(lao_year_id, [])
            if lp.item_guards:
                assert year.place is not None
                out[key] = lp.answer_at(rows, year.place(row), [*path, key], last, reads)
            else:
                out[key] = lp.answer(rows)
            continue
        section = year.sections[get[1]]
        if not section.allowed:
            out[key] = None
            late.append(forbidden(section.message, section.nodes, [*path, key]))
            continue
        if not section.present(row):
            out[key] = None
            continue
        if section.build is None:  # compiled once per plan
            section.record_slots = [
                (skey, sget[1]) for skey, sget in section.fields if isinstance(sget, tuple)
            ]
            section.build = compile_object(section.fields, placeholders=True)
        value: dict[str, Any] = section.build(row)
        for skey, index in section.record_slots:
            rp = section.records[index]
            if rp.build is None:
                rp.build = compile_object(rp.fields)
            build = rp.build
            value[skey] = [build(r) for r in data.records[get[1]][index].get(lao_year_id, ())]
        out[key] = value
    return out


# --- the entry point -------------------------------------------------------------------------


Plan = (
    PagePlan
    | StatsPlan
    | ConnectionPlan
    | TableListPlan
    | ComputedListPlan
    | ViewerPlan
    | ChangesPlan
)


@dataclass(frozen=True)
class ResolverRoot:
    """A root field of a several-root operation that the planner does not compile: the
    resolvers answer it (with the operation's other such roots) from `RootsPlan.resolver_text`."""

    root_key: str


@dataclass(frozen=True)
class RootsPlan:
    """An operation of several root fields (a dashboard's `provinces` beside `nationalStats`,
    two aliased `laos` pages), each compiled on its own and answered in the document's order.
    Each root's errors are its own; errors are listed root by root (GraphQL gives their order
    no meaning; the resolvers list them as their fields complete). Roots the planner does not
    compile (`ResolverRoot`) are answered by the resolvers, all in one execution of
    `resolver_text` (`schema.plan_mixed`: the document with the planned roots blanked),
    whose errors keep the locations they have in `source`, the text the plan was made from."""

    plans: tuple[Plan | ResolverRoot, ...]
    resolver_text: str | None = None
    source: str = ""
    # Every root the resolvers answer is a `CONSTANT_ROOTS` root: their answer to this
    # (document, variables) is remembered (`Planner._answers`), whoever asks.
    constant: bool = False


class _Cache:
    """A least-recently-used map bounded by entries and by a total weight (an estimate of the
    memory its values hold). Keys are fixed-size digests, never the caller's text."""

    def __init__(self, max_entries: int, max_weight: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.weight = 0
        self._data: OrderedDict[Any, tuple[Any, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Any) -> bool:
        return key in self._data

    def keys(self) -> list[Any]:
        return list(self._data)

    def get(self, key: Any) -> Any:
        """The value (marked most recently used), or `_MISSING`."""
        entry = self._data.get(key)
        if entry is None:
            return _MISSING
        self._data.move_to_end(key)
        return entry[0]

    def put(self, key: Any, value: Any, weight: int = 0) -> None:
        if key in self._data:
            return
        self._data[key] = (value, weight)
        self.weight += weight
        while len(self._data) > self.max_entries or (
            self.max_weight is not None and self.weight > self.max_weight and len(self._data) > 1
        ):
            _, (_, dropped) = self._data.popitem(last=False)
            self.weight -= dropped


_MISSING = object()
# What the planner remembers, bounded so that no sequence of requests can grow the process by
# more than ~35 MB: a parsed document holds up to ~280 bytes per character of its text, so
# documents are weighed by their length (64 K characters ≈ 18 MB at worst); a plan holds
# ~40–60 KB of compiled statements (256 ≈ 15 MB). A document over 16 K characters, or
# variables over 4 KB, are never remembered (a huge value would live in the plan).
MAX_DOCUMENTS = 256
MAX_DOCUMENT_CHARS = 64 * 1024
MAX_CACHED_QUERY_CHARS = 16 * 1024
MAX_CACHED_VARIABLES_BYTES = 4 * 1024
MAX_VALIDATED = 4096
MAX_PLANS = 256
# Constant roots' remembered answers (e.g. a whole year's form catalogue: ~30 KB encoded):
# one is kept up to 256 KB encoded, all of them up to 4 MB.
MAX_REMEMBERED_ANSWER_BYTES = 256 * 1024
MAX_REMEMBERED_ANSWERS_BYTES = 4 * 1024 * 1024


def _digest(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


def _text_bytes(text: str) -> bytes:
    # Lone surrogates are refused by validation, but the digest must not fail before that.
    return text.encode("utf-8", "surrogatepass")


class Planner:
    """Answers the queries it fully supports (see the module docstring); None otherwise."""

    def __init__(
        self,
        schema: Any,
        limits: QueryLimits = DEFAULT_LIMITS,
        text_limits: TextLimits = DEFAULT_TEXT_LIMITS,
    ) -> None:
        self.schema = schema
        self.graphql_schema = schema._schema
        self.limits = limits
        self.text_limits = text_limits
        # Keyed by digests of the document text (and of the canonical variables, and the
        # identity for plans): pure functions of those, see `_valid` and `_plan`.
        self._documents = _Cache(MAX_DOCUMENTS, MAX_DOCUMENT_CHARS)
        self._validated = _Cache(MAX_VALIDATED)
        self._plans = _Cache(MAX_PLANS)
        # The resolvers' answer to a (document, variables) whose resolved roots are all
        # `CONSTANT_ROOTS`: its data encoded (bytes, weighed by their length) and its errors.
        self._answers = _Cache(MAX_PLANS, MAX_REMEMBERED_ANSWERS_BYTES)

    def _document(self, query: str) -> DocumentNode | None:
        cacheable = len(query) <= MAX_CACHED_QUERY_CHARS
        key = _digest(_text_bytes(query)) if cacheable else None
        if key is not None:
            found = self._documents.get(key)
            if found is not _MISSING:
                return found  # type: ignore[no-any-return]
        try:
            document: DocumentNode | None = parse(Source(query), max_tokens=self.limits.max_tokens)
        except GraphQLError:
            document = None
        if document is not None:
            document = normalise_document(query, document)
        if key is not None:
            self._documents.put(key, document, len(query))
        return document

    @staticmethod
    def _key(query: str, variables: dict[str, Any]) -> bytes | None:
        """A digest of the document and the canonical variables, or None: not remembered."""
        if len(query) > MAX_CACHED_QUERY_CHARS:
            return None
        try:
            canonical = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. a lone surrogate, which orjson does not encode
            return None
        if len(canonical) > MAX_CACHED_VARIABLES_BYTES:
            return None
        return _digest(_text_bytes(query), canonical)

    def _valid(self, key: Any, document: DocumentNode, variables: dict[str, Any]) -> bool:
        """Validation, the query limits and the text rules (`schema.text_guard`) pass. Their
        outcome depends only on the document and the variables (the limits read `first`),
        so a passing pair is remembered."""
        if key is not None and key in self._validated:
            return True
        rules = (
            *specified_rules,
            _limits_rule(self.limits, dict(variables)),
            text_rule(self.text_limits, variables),
        )
        if validate(self.graphql_schema, document, rules):
            return False
        if key is not None:
            self._validated.put(key, True)
        return True

    def _plan(
        self,
        key: Any,
        identity: Any,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Any,
    ) -> Plan | RootsPlan | None:
        """The compiled plan (one per root field), or None when any root is unsupported. A plan depends on the document, the
        variables and the caller (field rules and the row rule are decided while compiling,
        from `hub.rules.permissions`' pure functions of the identity), and running it changes
        nothing in it, so it is remembered for that (document, variables, identity)."""
        cache_key = (key, identity) if key is not None else None
        if cache_key is not None:
            found = self._plans.get(cache_key)
            if found is not _MISSING:
                return found  # type: ignore[no-any-return]
        plan: Plan | RootsPlan | None
        try:
            normalised = normalise_operation(self.graphql_schema, document, operation, variables)
            if not normalised.roots:
                raise Unsupported("no root field")
            if len(normalised.roots) == 1 and normalised.roots[0].name.value not in CONSTANT_ROOTS:
                plan = self._compile_root(identity, variables, normalised, normalised.roots[0])
            else:
                plan = self._roots_plan(identity, variables, document, operation, normalised)
        except (Unsupported, GraphQLError):
            plan = None
        if cache_key is not None:
            self._plans.put(cache_key, plan)
        return plan

    def _roots_plan(
        self,
        identity: Any,
        variables: Any,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        normalised: Normalised,
    ) -> RootsPlan | None:
        """Each root's plan; a root the planner does not compile (or whose arguments the
        resolvers must refuse) is left to the resolvers, unless every root is, or the
        document cannot be split (`schema.plan_mixed`)."""
        plans: list[Plan | ResolverRoot] = []
        resolved: list[FieldNode] = []
        for root in normalised.roots:
            try:
                plans.append(self._compile_root(identity, variables, normalised, root))
            except (Unsupported, GraphQLError):
                plans.append(ResolverRoot(_key(root)))
                resolved.append(root)
        if not resolved:
            return RootsPlan(tuple(plans))
        constant = all(root.name.value in CONSTANT_ROOTS for root in resolved)
        if len(resolved) == len(plans) and not constant:
            return None
        text = resolver_text(document, operation, resolved)
        if text is None or document.loc is None:
            return None
        return RootsPlan(tuple(plans), text, document.loc.source.body, constant)

    def _compile_root(
        self, identity: Any, variables: Any, normalised: Normalised, root: FieldNode
    ) -> Plan:
        """One root field's plan (each with its own compiler: nothing is shared between
        roots, so two aliased `laos` pages are two independent plans)."""
        name = root.name.value
        if name in ("laos", "lao"):
            return Compiler(self, identity, variables, normalised).compile(root)
        if name in CONNECTION_ROOTS:
            return compile_root(Compiler(self, identity, variables, normalised), root)
        if name in COMPUTED_ROOTS:
            return compile_computed_root(Compiler(self, identity, variables, normalised), root)
        if name in TABLE_ROOTS:
            return compile_list_root(Compiler(self, identity, variables, normalised), root)
        if name == "changes":
            plan = compile_changes(
                root,
                identity,
                self.graphql_schema,
                variables,
                Compiler(self, identity, variables, normalised).lao_objects().compile,
                Compiler(self, identity, variables, normalised).records_plan,
                Compiler(self, identity, variables, normalised).compile_year_values,
            )
            plan.root_nodes = normalised.nodes_of(root)
            return plan
        if name == "viewer":
            stats = StatsCompiler(self.schema, self.graphql_schema, variables, normalised, identity)
            return compile_viewer(
                root,
                identity,
                self.graphql_schema,
                normalised,
                Compiler(self, identity, variables, normalised).lao_objects().compile,
                stats.areas,
            )
        return StatsCompiler(
            self.schema, self.graphql_schema, variables, normalised, identity
        ).compile(root)

    def operation(self, request_data: Any) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        query = getattr(request_data, "query", None)
        if not isinstance(query, str) or getattr(request_data, "extensions", None):
            return None
        if getattr(request_data, "protocol", "http") != "http":
            return None
        document = self._document(normalise_query(query))
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1:
            return None
        operation = operations[0]
        if operation.operation is not OperationType.QUERY or operation.directives:
            return None
        name = getattr(request_data, "operation_name", None)
        if name is not None and (operation.name is None or operation.name.value != name):
            return None
        # Fragments, aliases, directives and `__typename` are collected when planning
        # (`schema.plan_document`); whether the one root field is `laos` or `lao` is known
        # only then.
        return document, operation

    async def execute(self, request_data: Any, context: Any) -> ExecutionResult | None:
        found = self.operation(request_data)
        if found is None:
            return None
        document, operation = found
        raw_variables = getattr(request_data, "variables", None) or {}
        if not isinstance(raw_variables, dict):
            return None
        # As `schema.text_guard.TextGuardExtension` does on the resolver path: NFC, then the
        # text rules (in `_valid`) before anything is coerced, planned or sent to SQL.
        raw_variables = normalise_values(raw_variables)
        key = self._key(normalise_query(request_data.query), raw_variables)
        if not self._valid(key, document, raw_variables):
            return None  # the resolver path reports validation, limit or text errors
        coerced = get_variable_values(
            self.graphql_schema, operation.variable_definitions or (), raw_variables
        )
        if isinstance(coerced, list):
            return None  # the resolver path reports bad variables
        plan = self._plan(key, context.identity, document, operation, coerced)
        if plan is None:
            return None
        text = plan.resolver_text if isinstance(plan, RootsPlan) else None
        if text is not None and plan.source != request_data.query:  # type: ignore[union-attr]
            # The text was normalised (NFC) before parsing: the blanked copy's locations
            # would not be those of the text the resolvers parse. They answer it all.
            return None
        name = operation.name.value if operation.name else None
        result = await self._run_plans(plan, text, key, raw_variables, name, context)
        if result is not None:
            # The reads of personal data the plans answered (`schema.read_audit`): no entry,
            # no answer.
            try:
                await record_noted_reads(context, name)
            except Exception as exc:
                return ExecutionResult(
                    data=None, errors=[GraphQLError(UNRECORDED, original_error=exc)]
                )
        return result

    async def _run_plans(
        self,
        plan: Plan | RootsPlan,
        text: str | None,
        key: bytes | None,
        raw_variables: dict[str, Any],
        operation_name: str | None,
        context: Any,
    ) -> ExecutionResult | None:
        """The operation's answer from its plans (and, for `text`, the resolvers' part)."""
        plans = plan.plans if isinstance(plan, RootsPlan) else (plan,)
        if (failed := await _feed_mistakes(plans, context)) is not None:
            # Which non-null root fails first decides the answer; beside roots the resolvers
            # answer, only they can say, so they answer it all.
            return None if text is not None else failed
        data: dict[str, Any] = {}
        errors: list[GraphQLError] = []
        shared: dict[Any, Any] = {}  # roll-ups computed for one root, reused by the others
        resolved: Any = None
        if text is not None:
            # The roots the planner left, answered by the resolvers in one execution (their
            # own validation, limits, permissions, read audit and errors), first; or, when
            # they are all constant roots, remembered from the first time.
            constant = key if plan.constant else None  # type: ignore[union-attr]
            resolved = self._answer(constant)
            if resolved is None:
                # Their reads of personal data are recorded with the planned roots' (one
                # row per LAO for the request: `Planner.execute`).
                with held_reads(context):
                    resolved = await self.schema.execute(
                        text,
                        variable_values=raw_variables,
                        context_value=context,
                        operation_name=operation_name,
                    )
                self._remember(constant, resolved)
            if resolved.data is None:
                # A non-null root failed, so there are no data at all. With only constant
                # roots, their (remembered) answer is the answer. Beside planned roots,
                # which errors those met by then depends on when the failing resolver
                # raised: before its first await, or (a synchronous resolver,
                # `catalogueDiff` of a pre-2020 year) at once, so that the other roots'
                # coroutines never even start. Only the resolvers can say: they answer it
                # all, as any failed document.
                if all(isinstance(one, ResolverRoot) for one in plans):
                    return ExecutionResult(data=None, errors=list(resolved.errors or ()))
                return None
            errors.extend(resolved.errors or ())
        for one in plans:
            if isinstance(one, ResolverRoot):
                data[one.root_key] = resolved.data[one.root_key]
                continue
            try:
                value, root_errors = await _run_root(one, context, shared)
            except Exception as exc:
                # The root field failed, as a resolver's would: null (`laos` is non-null, so
                # the whole data) with the error at its path; the view maps it
                # (schema/errors.py).
                errors.append(located_error(exc, one.root_nodes, [one.root_key]))
                if not one.single:
                    return ExecutionResult(data=None, errors=errors)
                value, root_errors = None, []
            data[one.root_key] = value
            errors.extend(root_errors)
        return ExecutionResult(data=data, errors=errors or None)

    def _answer(self, key: bytes | None) -> ExecutionResult | None:
        """The remembered answer of the constant roots of (document, variables) `key`: a
        fresh copy of its data (the caller puts it into the response), its errors."""
        if key is None:
            return None
        found = self._answers.get(key)
        if found is _MISSING:
            return None
        data, errors = found
        return ExecutionResult(data=orjson.loads(data), errors=list(errors) or None)

    def _remember(self, key: bytes | None, resolved: ExecutionResult) -> None:
        """Remember the resolvers' answer to constant roots, unless it holds an error of this
        request's own (an internal error or an outage carries the request's id) or is too
        big to keep."""
        if key is None or any("requestId" in (e.extensions or {}) for e in resolved.errors or ()):
            return
        data = orjson.dumps(resolved.data)
        if len(data) <= MAX_REMEMBERED_ANSWER_BYTES:
            self._answers.put(key, (data, tuple(resolved.errors or ())), len(data))


async def _feed_mistakes(
    plans: tuple[Plan | ResolverRoot, ...], context: Any
) -> ExecutionResult | None:
    """A `changes` root's mistakes that need no database (`schema.changes.check_changes`): its
    resolver raises them before its first await, so graphql-core fails the non-null root, and
    with it the whole data, once every root's resolver has run to its first await; the
    errors are those met by then (`_first_step_errors`), then the first feed's mistake.
    None when every feed's rules pass."""
    failed: GraphQLError | None = None
    for one in plans:
        if isinstance(one, ChangesPlan):
            try:
                check_changes(context, one.kind, one.after, one.first)
            except Exception as exc:
                # Only the first non-null root to fail is reported: graphql-core stops there.
                failed = located_error(exc, one.root_nodes, [one.root_key])
                break
    if failed is None:
        return None
    errors = await _first_step_errors(plans, context)
    return ExecutionResult(data=None, errors=[*errors, failed])


async def _first_step_errors(
    plans: tuple[Plan | ResolverRoot, ...], context: Any
) -> list[GraphQLError]:
    """The errors the planned roots meet by their resolvers' first await, in the
    document's order, for an operation whose data a feed's mistake fails (`_feed_mistakes`:
    its resolver raises before its first await): every refused guard's and those a computed
    root's function raises before its first await (started as graphql-core starts the
    resolvers, a task each, one turn of the event loop; the ones still running are let
    finish, their answers dropped, as the resolvers' are)."""
    errors: list[GraphQLError] = []
    started: list[tuple[ComputedListPlan, asyncio.Task[Any]]] = []
    for one in plans:
        if (
            isinstance(one, (ConnectionPlan, ComputedListPlan))
            and (refused := refusal(one)) is not None
        ):
            errors.append(refused)
        elif isinstance(one, ComputedListPlan):
            run = run_computed(one, context.read_engine, context.now)
            started.append((one, asyncio.ensure_future(run)))
    if started:
        await asyncio.sleep(0)  # each task's first step, up to its first await
        for one, task in started:
            raised = task.exception() if task.done() else None
            if isinstance(raised, Exception):
                errors.append(located_error(raised, one.root_nodes, [one.root_key]))
        await asyncio.gather(*(task for _, task in started), return_exceptions=True)
    errors.sort(key=lambda e: _root_order(plans, e))
    return errors


def _root_order(plans: tuple[Plan | ResolverRoot, ...], error: GraphQLError) -> int:
    """The document position of the root an error is at."""
    keys = [getattr(one, "root_key", None) for one in plans]
    root = error.path[0] if error.path else None
    return keys.index(root) if root in keys else len(keys)


async def _run_root(
    plan: Plan, context: Any, shared: dict[Any, Any]
) -> tuple[Any, list[GraphQLError]]:
    # The reads of personal data the plan answers are noted in the request's context.
    reads = context.personal_reads
    laos = functools.partial(fetch_laos, reads=reads)

    async def finish(fetched: Fetched, more: Sequence[Fetched] = ()) -> None:
        await fill_loaded(fetched, context, more)  # the LAOs' and LAO-years' loaded fields

    if isinstance(plan, StatsPlan):
        return await run_stats(
            plan, context.read_engine, context.now, shared, reads, context.loaders
        )
    if isinstance(plan, ConnectionPlan):
        return await run_connection(plan, context.read_engine, reads)
    if isinstance(plan, TableListPlan):
        return await run_list(plan, context.read_engine, context)
    if isinstance(plan, ComputedListPlan):
        return await run_computed(plan, context.read_engine, context.now, reads, context.loaders)
    if isinstance(plan, ChangesPlan):
        values = functools.partial(year_value, reads=reads)
        years = functools.partial(fill_loaded_years, context=context)
        return await run_changes(
            plan, context, (laos, lao_node, finish), (fetch_years_by_id, values, years)
        )
    if isinstance(plan, ViewerPlan):
        return await run_viewer(
            plan, context.read_engine, context.now, shared, laos, lao_node, finish
        )
    return await _run(plan, context)


def _enum_name(value: Any) -> str:
    """The name of a GraphQL enum argument's value (the schema's enums carry their names)."""
    return str(getattr(value, "value", value))

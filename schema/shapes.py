"""What each field of the row-backed GraphQL types reads: declared once, here.

A `Shape` is a GraphQL object type over one table. For each of its fields read from the row
it declares a `Reads`: the column, what kind of value it holds, and, where the field is not
the column as stored, the rule that makes it (a label, a flag, a value shown only when
another column allows it). Object fields name their foreign key and the target's shape.
Every path derives from these declarations:

* the resolver types build themselves from a row with `Shape.python_values` (the values
  strawberry serialises: an enum as its name, dates as dates);
* the planned read path reads `Shape.getter` / `Shape.scalars` (the column to select and
  the converter to the JSON value: an enum's name, an ISO date) — `schema.planner` for
  `Lao`, its places and `LaoYear`, `schema.plan_lists` and `schema.plan_connections` for the
  lists and mission records;
* the root lists of a whole table (`TABLE_LISTS`: agencies, fiscal years, KPI-16 rounds)
  declare their order here, read by the resolver and the planned path alike;
* the planner tests draw their random selections from the same field names and objects.

A new field of one of these types is one `Reads` here (and its strawberry declaration, which
holds its type and description). A section's and a record's fields are declared in the
catalogue (`hub.rules.catalogue`), which plays this part for them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import select
from strawberry.utils.str_converters import to_camel_case

from hub.db.actors import change_log_actor, help_message_author
from hub.db.models import (
    Agency,
    CertificationEvent,
    ChangeLogEntry,
    District,
    FiscalYear,
    Kpi16Round,
    Lao,
    LaoCode,
    LaoContact,
    LaoMerger,
    LaoMission,
    LaoMissionEvent,
    LaoNamePeriod,
    LaoTypePeriod,
    LaoYear,
    Mission,
    MissionHelpMessage,
    MissionHelpRequest,
    Province,
    Subdistrict,
    User,
    Village,
)
from hub.rules import permissions
from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import CertificationState, ContactKind
from hub.rules.mission_help import waiting_on
from hub.rules.permissions import Area
from hub.rules.validation import camel
from schema.plan_common import Columns, Getter, _float, _int, _iso, _name, _same

ValueKind = Literal["same", "int", "float", "enum", "date"]
# The JSON value the planned path answers for a stored value of each kind (None stays None).
_JSON: dict[str, Callable[[Any], Any]] = {
    "same": _same,
    "int": _int,
    "float": _float,
    "enum": _name,
    "date": _iso,
}


@dataclass(frozen=True)
class Reads:
    """One field: `column` as a `kind` value; or `rule(column's value)` (a JSON-ready
    value); None unless the column `when` is true."""

    column: str
    kind: ValueKind = "same"
    rule: Callable[[Any], Any] | None = None
    when: str | None = None

    def python_value(self, row: Any) -> Any:
        """The value a resolver type holds, from a row with the table's columns."""
        if self.when is not None and not getattr(row, self.when):
            return None
        value = getattr(row, self.column)
        if self.rule is not None:
            return self.rule(value)
        if self.kind == "enum" and value is not None:
            return value.name
        return value

    def json_converter(self) -> Callable[[Any], Any]:
        """The column's value → the field's JSON value (the planned path)."""
        return self.rule or _JSON[self.kind]


@dataclass(frozen=True)
class Lookup:
    """A field that is one column of the row a nullable foreign key points at (the name of
    who acted): `column` of `target` where its id is the row's `fk`, null without one."""

    fk: str
    target: Any
    column: str

    def of(self, table: Any) -> Any:
        """The value for the rows of `table` (the table or an alias): a scalar subquery, so
        a statement reading it needs no join of its own."""
        target = self.target
        return (
            select(target.c[self.column]).where(target.c.id == table.c[self.fk]).scalar_subquery()
        )


@dataclass(frozen=True)
class Derived:
    """A field computed in SQL from the row: `sql(table)` (the table or an alias). Both paths
    read it from the statement: the resolvers' select it under the field's Python name."""

    sql: Callable[[Any], Any]

    def of(self, table: Any) -> Any:
        return self.sql(table)


@dataclass(frozen=True)
class ForCaller:
    """A field decided for the caller from the row's columns (`viewerSupervises`): the
    resolver calls `decide(identity, *values)` with the object's values of `columns`; the
    planned path, whose plans are per caller, calls it per row over the same columns."""

    columns: tuple[str, ...]
    decide: Callable[..., Any]


def supervises_province(identity: Any, province_id: int) -> bool:
    """`Province.viewerSupervises` (`hub.rules.permissions.supervises_area`)."""
    return permissions.supervises_area(identity, Area("province", province_id, province_id))


def supervises_district(identity: Any, district_id: int, province_id: int) -> bool:
    """`District.viewerSupervises` (`hub.rules.permissions.supervises_area`)."""
    return permissions.supervises_area(identity, Area("district", district_id, province_id))


@dataclass(frozen=True)
class Batched:
    """A field its resolver loads per object through a DataLoader (an account's grants):
    `load(conn, keys)` reads the data of every key at once (the DataLoader's batch: the
    resolvers load through it too), `compute(data, now, identity, **arguments)` turns one
    object's data into the field's value, as the resolver does. The planned path reads each
    object's key (its attribute `key`), loads once for every object of an answer and
    computes (`schema.plan_connections`). `missing`: the data of a key `load` found none for."""

    key: str
    load: Callable[[Any, list[Any]], Awaitable[dict[Any, Any]]]
    compute: Callable[..., Any]
    missing: Any = None


@dataclass(frozen=True)
class Shape:
    """A GraphQL object type over `table`: its fields read from the row, by Python name
    (the GraphQL name is its camelCase, as strawberry names it), its object fields
    (GraphQL name → (foreign-key column, shape)) and its fields looked up through a
    foreign key (GraphQL name → `Lookup`: guarded ones, such as who acted), and its fields
    decided for the caller (GraphQL name → `ForCaller`)."""

    table: Any
    fields: dict[str, Reads]
    objects: dict[str, tuple[str, Shape]] = field(default_factory=dict)
    lookups: dict[str, Lookup | Derived] = field(default_factory=dict)
    callers: dict[str, ForCaller] = field(default_factory=dict)

    @cached_property
    def by_graphql_name(self) -> dict[str, Reads]:
        return {to_camel_case(name): reads for name, reads in self.fields.items()}

    @cached_property
    def scalars(self) -> dict[str, tuple[str, Callable[[Any], Any]]]:
        """GraphQL name → (column, JSON converter), for the fields that read one column."""
        return {
            name: (reads.column, reads.json_converter())
            for name, reads in self.by_graphql_name.items()
            if reads.when is None
        }

    def graphql_names(self) -> list[str]:
        return list(self.by_graphql_name)

    def python_values(self, row: Any, names: Iterable[str] | None = None) -> dict[str, Any]:
        """Python name → value of every field (or of `names`), for a resolver type's
        constructor."""
        return {name: self.fields[name].python_value(row) for name in names or self.fields}

    def rule(self, name: str) -> Callable[[Any], Any]:
        """The rule a computed field's value is made by, for a resolver that computes it."""
        rule = self.fields[name].rule
        assert rule is not None, name
        return rule

    def getter(self, graphql_name: str, columns: Columns, table: Any, prefix: str) -> Getter:
        """The planned path's getter of one field: the columns it reads added to `columns`
        (labelled `prefix_column`), read from `table` (the table or an alias of it)."""
        reads = self.by_graphql_name[graphql_name]
        convert = reads.json_converter()
        if reads.when is None:
            return columns.getter(f"{prefix}_{reads.column}", table.c[reads.column], convert)
        when = columns.add(f"{prefix}_{reads.when}", table.c[reads.when])
        value = columns.add(f"{prefix}_{reads.column}", table.c[reads.column])
        return lambda row: convert(row[value]) if row[when] else None


def _label_th(state: Any) -> Any:
    return CertificationState[state.name].label_th if state is not None else None


def _all_complete(mask: Any) -> bool:
    return bool(mask == ALL_DOMAINS_MASK)


PROVINCE = Shape(
    Province.__table__,
    {"code": Reads("code"), "name_th": Reads("name_th"), "name_en": Reads("name_en")},
    callers={"viewerSupervises": ForCaller(("id",), supervises_province)},
)
DISTRICT = Shape(
    District.__table__,
    {"code": Reads("code"), "name_th": Reads("name_th")},
    {"province": ("province_id", PROVINCE)},
    callers={"viewerSupervises": ForCaller(("id", "province_id"), supervises_district)},
)
SUBDISTRICT = Shape(
    Subdistrict.__table__,
    {
        "code": Reads("code"),
        "name_th": Reads("name_th"),
        "postcode": Reads("postcode"),
        "latitude": Reads("latitude", "float"),
        "longitude": Reads("longitude", "float"),
    },
    {"district": ("district_id", DISTRICT)},
)
VILLAGE = Shape(
    Village.__table__,
    {"number": Reads("number", "int"), "name_th": Reads("name_th")},
    {"subdistrict": ("subdistrict_id", SUBDISTRICT)},
)
LAO = Shape(
    Lao.__table__,
    {
        "code": Reads("code"),
        "name_th": Reads("name_th"),
        "name_en": Reads("name_en"),
        "type": Reads("type", "enum"),
        "size": Reads("size", "enum"),
        "address_number": Reads("address_number"),
        "address_village_number": Reads("address_village_number", "int"),
        "address_road": Reads("address_road"),
        "postcode": Reads("postcode"),
        "latitude": Reads("latitude", "float"),
        "longitude": Reads("longitude", "float"),
        "phone": Reads("phone"),
        "has_website": Reads("has_website"),
        # An address the LAO says it no longer has is not shown.
        "website_url": Reads("website_url", when="has_website"),
        "version": Reads("version", "int"),
    },
    {
        "province": ("province_id", PROVINCE),
        "district": ("district_id", DISTRICT),
        "subdistrict": ("subdistrict_id", SUBDISTRICT),
    },
)
LAO_YEAR = Shape(
    LaoYear.__table__,
    {
        "fiscal_year": Reads("fiscal_year", "int"),
        "state": Reads("state", "enum"),
        "version": Reads("version", "int"),
        "data_received_at": Reads("data_received_at", "date"),
        "state_label_th": Reads("state", rule=_label_th),
        "all_domains_complete": Reads("complete_domains", rule=_all_complete),
    },
)
AGENCY = Shape(
    Agency.__table__,
    {
        "code": Reads("code"),
        "name_th": Reads("name_th"),
        "name_en": Reads("name_en"),
        "ministry_th": Reads("ministry_th"),
        "ministry_en": Reads("ministry_en"),
    },
)
MISSION = Shape(
    Mission.__table__,
    {
        "code": Reads("code"),
        "name_th": Reads("name_th"),
        "name_en": Reads("name_en"),
        "area": Reads("area", "enum"),
        "retired_on": Reads("retired_on", "date"),
        "retired_reason": Reads("retired_reason"),
        "version": Reads("version", "int"),
    },
    {"agency": ("agency_id", AGENCY)},
)


# Objects the rows of a computed root name by id, which their resolvers load by that id:
# (type, field) → (the Python attribute holding the id, the object's shape). The planned
# path reads them in one statement per selection for all the rows (`schema.plan_connections`).
OBJECTS_BY_ID: dict[tuple[str, str], tuple[str, Shape]] = {
    ("MissionRollupRow", "agency"): ("agency_id", AGENCY),
    ("MissionRollupRow", "province"): ("province_id", PROVINCE),
    ("MissionRollupRow", "mission"): ("mission_id", MISSION),
    ("ProvinceRoundDeadlines", "province"): ("province_id", PROVINCE),
    ("AreaRoundTimeliness", "province"): ("province_id", PROVINCE),
    ("AreaRoundTimeliness", "district"): ("district_id", DISTRICT),
    ("RoundStanding", "lao"): ("lao_id", LAO),
    ("Reminder", "lao"): ("lao_id", LAO),
    ("AccountRole", "lao"): ("lao_id", LAO),
    ("AccountRole", "district"): ("district_id", DISTRICT),
    ("AccountRole", "province"): ("province_id", PROVINCE),
    ("Lao", "province"): ("province_id", PROVINCE),
    ("Lao", "district"): ("district_id", DISTRICT),
    ("Lao", "subdistrict"): ("subdistrict_id", SUBDISTRICT),
    ("Kpi16ReferenceSystem", "province"): ("province_id", PROVINCE),
    ("Kpi16ReferenceSystem", "district"): ("district_id", DISTRICT),
    ("Kpi16ReferenceSystem", "lao"): ("lao_id", LAO),
    ("Kpi16ReferenceSystem", "village"): ("village_id", VILLAGE),
    ("Kpi16MatchedRecord", "lao"): ("lao_id", LAO),
    ("Kpi16ReportStatus", "province"): ("province_id", PROVINCE),
    ("Kpi16ReportStatus", "district"): ("district_id", DISTRICT),
    ("LaoAsOf", "mergedInto"): ("merged_into_id", LAO),
    ("LaoMerger", "absorbed"): ("lao_id", LAO),
    ("LaoMerger", "successor"): ("successor_id", LAO),
}
LAO_MISSION = Shape(
    LaoMission.__table__,
    {
        "id": Reads("id", "int"),
        "received_on": Reads("received_on", "date"),
        "status": Reads("status", "enum"),
        "budget_baht": Reads("budget_baht", "float"),
        "staff_transferred": Reads("staff_transferred", "int"),
        "assets": Reads("assets"),
        "asset_value_baht": Reads("asset_value_baht", "float"),
        "note": Reads("note"),
        "cancelled_on": Reads("cancelled_on", "date"),
        "cancel_reason": Reads("cancel_reason"),
        "version": Reads("version", "int"),
    },
    {"mission": ("mission_id", MISSION), "agency": ("agency_id", AGENCY), "lao": ("lao_id", LAO)},
)


def _waiting_on(status: Any) -> Any:
    waiting = waiting_on(status) if status is not None else None
    return waiting.name if waiting is not None else None


MISSION_HELP_MESSAGE = Shape(
    MissionHelpMessage.__table__,
    {
        "at": Reads("at", "date"),
        "action": Reads("action", "enum"),
        "party": Reads("party", "enum"),
        "body": Reads("body"),
        "author_role": Reads("author_role", "enum"),
    },
    lookups={"authorName": Derived(help_message_author)},
)
MISSION_HELP_REQUEST = Shape(
    MissionHelpRequest.__table__,
    {
        "id": Reads("id", "int"),
        "subject": Reads("subject"),
        "status": Reads("status", "enum"),
        "waiting_on": Reads("status", rule=_waiting_on),
        "opened_at": Reads("opened_at", "date"),
        "updated_at": Reads("updated_at", "date"),
        "escalated_at": Reads("escalated_at", "date"),
        "closed_at": Reads("closed_at", "date"),
        "version": Reads("version", "int"),
    },
    {
        "lao": ("lao_id", LAO),
        "missionRecord": ("lao_mission_id", LAO_MISSION),
        "mission": ("mission_id", MISSION),
    },
)
_PERIOD = {"valid_from": Reads("valid_from", "date"), "valid_to": Reads("valid_to", "date")}
CODE_PERIOD = Shape(LaoCode.__table__, {"code": Reads("code"), **_PERIOD})
TYPE_PERIOD = Shape(LaoTypePeriod.__table__, {"type": Reads("type", "enum"), **_PERIOD})
NAME_PERIOD = Shape(
    LaoNamePeriod.__table__,
    {"name_th": Reads("name_th"), "name_en": Reads("name_en"), **_PERIOD},
)
LAO_MERGER = Shape(
    LaoMerger.__table__,
    {"effective_on": Reads("effective_on", "date")},
    {"absorbed": ("lao_id", LAO), "successor": ("successor_id", LAO)},
)
LAO_CONTACT = Shape(
    LaoContact.__table__,
    {
        "slot": Reads("slot", "int"),
        "name": Reads("name"),
        "position": Reads("position"),
        "phone": Reads("phone"),
        "email": Reads("email"),
    },
)
# Which of an LAO's contacts each of its contact lists holds (its Python name → the kind).
CONTACT_KINDS = {
    "recorders": ContactKind.RECORDER,
    "info_administrators": ContactKind.INFO_ADMINISTRATOR,
}


CHANGE_LOG_ENTRY = Shape(
    ChangeLogEntry.__table__,
    {
        "id": Reads("id", "int"),
        "at": Reads("at", "date"),
        "entity": Reads("entity"),
        "entity_id": Reads("entity_id"),
        "action": Reads("action"),
        "changes": Reads("changes_json", rule=json.loads),
        "reason": Reads("reason"),
        "actor_role": Reads("actor_role", "enum"),
        "hash": Reads("hash"),
    },
    lookups={"actorName": Derived(change_log_actor)},
)

CERTIFICATION_EVENT = Shape(
    CertificationEvent.__table__,
    {
        "at": Reads("at", "date"),
        "from_state": Reads("from_state", "enum"),
        "to_state": Reads("to_state", "enum"),
        "actor_role": Reads("actor_role", "enum"),
        "reason": Reads("reason"),
    },
    lookups={"actorName": Lookup("actor_user_id", User.__table__, "display_name")},
)


def _changes(stored: str | None) -> dict[str, Any] | None:
    """A mission event's stored `{field: [before, after]}` by the record's API field names;
    None for events recorded before changes were kept."""
    if not stored:
        return None
    return {camel(k): v for k, v in json.loads(stored).items()}


MISSION_EVENT = Shape(
    LaoMissionEvent.__table__,
    {
        "at": Reads("at", "date"),
        "status": Reads("status", "enum"),
        "detail": Reads("detail"),
        "changes": Reads("changes_json", rule=_changes),
        "actor_role": Reads("actor_role", "enum"),
    },
    lookups={"actorName": Lookup("actor_user_id", User.__table__, "display_name")},
)


def _is_none(value: Any) -> bool:
    return value is None


FISCAL_YEAR = Shape(
    FiscalYear.__table__,
    # Its dates are declared as ISO strings (String, not the Date scalar): the rule makes the
    # string on both paths.
    {
        "year_be": Reads("year_be", "int"),
        "starts_on": Reads("starts_on", rule=_iso),
        "ends_on": Reads("ends_on", rule=_iso),
        "record_deadline": Reads("record_deadline", rule=_iso),
        # DLA closes a year by stamping it; until then clerks may record.
        "is_open": Reads("closed_at", rule=_is_none),
    },
)
KPI16_ROUND = Shape(
    Kpi16Round.__table__,
    {
        "fiscal_year": Reads("fiscal_year", "int"),
        "round_no": Reads("round_no", "int"),
        "opened_on": Reads("opened_on", "date"),
        "district_report_deadline": Reads("district_report_deadline", "date"),
        "province_report_deadline": Reads("province_report_deadline", "date"),
        "target_percent": Reads("target_percent", "float"),
    },
)

# The root lists of a whole small table (no arguments, no paging), each the shape of its item
# and the order it is answered in: GraphQL root field → (shape, ORDER BY). The resolvers
# (`schema.root`) and the planned path (`schema.plan_connections`) both read it.
TABLE_LISTS: dict[str, tuple[Shape, tuple[Any, ...]]] = {
    "agencies": (AGENCY, (Agency.code,)),
    "fiscalYears": (FISCAL_YEAR, (FiscalYear.year_be.desc(),)),
    "kpi16Rounds": (KPI16_ROUND, (Kpi16Round.fiscal_year.desc(), Kpi16Round.round_no.desc())),
}


def table_list_statement(root: str) -> Any:
    """The resolver's statement for a `TABLE_LISTS` root: every column, in its order."""
    shape, order = TABLE_LISTS[root]
    return select(*shape.table.c).order_by(*order)


# The roots that answer one row of a table by its key (null when none): GraphQL root field →
# (shape, the arguments' Python names, each the column it must equal). The resolvers and
# the planned path both read it.
KEYED_ROOTS: dict[str, tuple[Shape, tuple[str, ...]]] = {
    "subdistrict": (SUBDISTRICT, ("code",)),
    "kpi16Round": (KPI16_ROUND, ("fiscal_year", "round_no")),
}


def keyed_where(root: str, arguments: dict[str, Any]) -> list[Any]:
    """The WHERE clause of a `KEYED_ROOTS` root: each argument (by Python name) equal to its
    column."""
    shape, keys = KEYED_ROOTS[root]
    return [shape.table.c[key] == arguments[key] for key in keys]


def keyed_statement(root: str, **arguments: Any) -> Any:
    """The resolver's statement for a `KEYED_ROOTS` root: every column of the matching row."""
    shape, _ = KEYED_ROOTS[root]
    return select(*shape.table.c).where(*keyed_where(root, arguments))

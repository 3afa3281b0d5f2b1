"""The planned read path (schema/planner.py) answers exactly what the resolvers answer.

Differential: random `laos` and root `lao(code:)` selections over the catalogue's fields,
the LAO's lists (code and type history, transferred missions with their mission and
agency, certification history) included (seeded, so a failure
reproduces), for every identity of `identities(places)` on both backends, each sent to the
hub with the planner on and with it off (HUB_PLANNER=off): the response bodies — data and
errors, paths, codes and order — must be identical (for an operation of several root
fields, the errors as a set: the resolvers list them as their fields complete, GraphQL gives
their order no meaning). Selections the planner does not compile must fall back to the
resolvers and still agree.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from graphql import (
    FieldNode,
    OperationDefinitionNode,
    get_named_type,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from strawberry.http import GraphQLRequestData
from strawberry.utils.str_converters import to_camel_case

from hub.rules.catalogue import DOMAINS, RECORD_TABLE_BY_NAME, Kind
from hub.settings import Settings
from hub.web.console.graphiql import PUBLIC_QUERY
from schema import shapes
from schema.context import HubContext
from schema.limits import DEFAULT_LIMITS, _limits_rule
from schema.pagination import encode_cursor
from schema.planner import Planner
from schema.root import COMPUTED_ROOTS, CONSTANT_ROOTS, schema
from tests.conftest import Places, graphql_response, identities, serve

# The fields a random selection draws from: what `schema.shapes` declares each type reads.
LAO_SCALARS = shapes.LAO.graphql_names()
AGENCY = shapes.AGENCY.graphql_names()
MISSION = shapes.MISSION.graphql_names()
# who acted is personal data, guarded per LAO (`schema.plan_lists.ItemGuard`)
EVENT = [*shapes.CERTIFICATION_EVENT.graphql_names(), *shapes.CERTIFICATION_EVENT.lookups]
YEAR_SCALARS = shapes.LAO_YEAR.graphql_names()
# The LAO-year's fields its resolvers compute by the rules (`schema.lao_year`), for the caller.
YEAR_RULES = ["editable", "allowedActions", "catalogueShape", "historical"]
COMPLETENESS = ["domain", "labelTh", "labelEn", "complete", "missingFields", "__typename"]


def _some(rng: random.Random, items: list[str], at_least: int = 1) -> list[str]:
    return rng.sample(items, rng.randint(at_least, len(items)))


def _shaped(rng: random.Random, shape: shapes.Shape, objects: float = 0.4) -> str:
    """A random selection on `shape`: some of its fields, and each object it reaches (a
    village's subdistrict, its district, its province) with probability `objects`."""
    items = _some(rng, shape.graphql_names())
    if shape.callers and rng.random() < 0.3:  # decided for the caller (`viewerSupervises`)
        items += list(shape.callers)
    for name, (_, target) in shape.objects.items():
        if rng.random() < objects:
            items.append(f"{name} {{ {_shaped(rng, target, objects)} }}")
    rng.shuffle(items)
    return " ".join(items)


def _section(rng: random.Random, domain: Any) -> str:
    fields = []
    for f in domain.fields:
        fields.append(to_camel_case(f.name))
        if f.fetched_at_column:
            fields.append(to_camel_case(f.fetched_at_column))
    fields.append("updatedAt")
    inner = _some(rng, fields)
    for t in domain.record_tables:
        if rng.random() < 0.5:
            inner.append(to_camel_case(t.none_flag))
        if rng.random() < 0.7:
            record = ["recordKey", "id", "version"]
            for f in t.fields:
                if f.kind is Kind.VILLAGE:  # the village and the places it reaches
                    record.append(
                        f"{to_camel_case(f.name)} {{ {_shaped(rng, shapes.VILLAGE, 0.3)} }}"
                    )
                else:
                    record.append(to_camel_case(f.name))
            inner.append(f"{to_camel_case(t.name)} {{ {' '.join(_some(rng, record))} }}")
            if rng.random() < 0.15:  # the records again under another key
                again = " ".join(_some(rng, record))
                inner.append(
                    f"again_{to_camel_case(t.name)}: {to_camel_case(t.name)} {{ {again} }}"
                )
    rng.shuffle(inner)
    return f"{to_camel_case(domain.key)} {{ {' '.join(inner)} }}"


def _lists(rng: random.Random, placed: bool = False) -> list[str]:
    """Some of Lao's lists: code, type and name history, transferred missions and mergers
    (nested objects); with `placed`, who acted on its mission records and their help
    requests (decided at the LAO), and no mergers: an LAO a merger names is loaded through
    the DataLoader who acted waits on, so the resolvers' refusals would come in the order
    two concurrent loads complete."""
    out = []
    if rng.random() < 0.4:
        out.append(f"codeHistory {{ {' '.join(_some(rng, ['code', 'validFrom', 'validTo']))} }}")
    if rng.random() < 0.4:
        out.append(f"typeHistory {{ {' '.join(_some(rng, ['type', 'validFrom', 'validTo']))} }}")
    if rng.random() < 0.5:
        # its mission (and the mission's agency), its agency, its LAO and the LAO's places
        out.append(f"transferredMissions {{ {_mission_record(rng, placed)} }}")
    if rng.random() < 0.3:
        out.append(f"nameHistory {{ {_shaped(rng, shapes.NAME_PERIOD)} }}")
    for merger in ("absorbed", "mergedInto"):  # the LAOs either side of a merger
        if not placed and rng.random() < 0.3:
            out.append(f"{merger} {{ {_shaped(rng, shapes.LAO_MERGER, 0.6)} }}")
    if rng.random() < 0.25:  # the LAO as it stood on a day (over the request's DataLoaders)
        day = rng.choice(["2005-01-01", "2015-06-30", "2024-10-01", "2030-01-01"])
        then = _some(rng, ["date", "code", "type", "nameTh", "nameEn", "merged"])
        if rng.random() < 0.3:
            then.append(f"merger {{ effectiveOn successor {{ {_shaped(rng, shapes.LAO, 0)} }} }}")
        if rng.random() < 0.3:
            then.append(f"mergedInto {{ {_shaped(rng, shapes.LAO, 0.3)} }}")
        out.append(f'asOf(date: "{day}") {{ {" ".join(then)} }}')
    for contacts in ("recorders", "infoAdministrators"):  # personal data, guarded per LAO
        if rng.random() < 0.2:
            out.append(f"{contacts} {{ {_shaped(rng, shapes.LAO_CONTACT)} }}")
    if rng.random() < 0.2:  # a page of each LAO's change log (schema.plan_change_log)
        out.append(_change_log(rng))
    return out


def _change_log(rng: random.Random) -> str:
    """`changeLog`: a page of some size, perhaps after a cursor, and parts of the connection."""
    page = rng.choice(["", "(first: 0)", "(first: 2)", "(first: 3)"])
    if rng.random() < 0.3:
        cursor = f'after: "{encode_cursor(rng.randint(1, 2000))}"'
        page = f"({page[1:-1]}, {cursor})" if page else f"({cursor})"
    entry = _some(rng, [*shapes.CHANGE_LOG_ENTRY.graphql_names(), "actorName"])
    parts = _some(
        rng,
        [
            "totalCount",
            "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }",
            f"edges {{ cursor node {{ {' '.join(entry)} }} }}",
        ],
    )
    return f"changeLog{page} {{ {' '.join(parts)} }}"


def _mission_record(rng: random.Random, placed: bool = False) -> str:
    """A random selection on a mission record: its fields, objects and perhaps its history
    (a list under a list: `schema.plan_lists.Children`); with `placed`, sometimes who acted
    and its help requests (guarded per record's LAO: only a page of records plans them)."""
    inner = _shaped(rng, shapes.LAO_MISSION, 0.5)
    if rng.random() < 0.4:
        event = _shaped(rng, shapes.MISSION_EVENT)
        if placed and rng.random() < 0.5:
            event += " actorName"
        inner += f" history {{ {event} }}"
    if placed and rng.random() < 0.3:
        request = _shaped(rng, shapes.MISSION_HELP_REQUEST, 0.3)
        if rng.random() < 0.5:
            request += f" messages {{ {_shaped(rng, shapes.MISSION_HELP_MESSAGE)} }}"
        inner += f" helpRequests {{ {request} }}"
    return inner


def _node(
    rng: random.Random,
    p: Places,
    variables: dict[str, Any],
    params: list[str],
    lists: float,
    loaded: float = 0.0,
) -> str:
    """A random selection on `Lao` the planner supports (lists with probability `lists`, an
    LAO-year's loaded fields with probability `loaded`)."""
    node = _some(rng, LAO_SCALARS)
    if rng.random() < 0.2:
        node.append("missionsEditable")  # a rule, for the caller
    for place, (_, shape) in shapes.LAO.objects.items():
        if rng.random() < 0.4:
            node.append(f"{place} {{ {_shaped(rng, shape)} }}")
    # Who acted on its mission records and their help requests, refused once loads complete:
    # not beside the other refusals that wait on concurrent loads (who certified a year, the
    # loaded fields), whose order against them the resolvers leave to those loads.
    placed = rng.random() < 0.35
    if placed:
        loaded = 0.0
    if rng.random() < lists:
        node += _lists(rng, placed)
    if rng.random() < 0.85:
        year = rng.choice([p.year, p.year - 1, p.year + 5])
        if rng.random() < 0.5:
            params.append("$year: Int!")
            variables["year"] = year
            year_arg = "$year"
        else:
            year_arg = str(year)
        year_selection = _year_selection(rng, 1, 4, lists, loaded, not placed)
        node.append(f"year(fiscalYear: {year_arg}) {{ {year_selection} }}")
    if rng.random() < 0.2:  # another year beside it, under an alias (this year against last)
        other = rng.choice([p.year - 1, p.year - 2, 2500])
        before = _year_selection(rng, 0, 2, lists, loaded, not placed) or "fiscalYear"
        node.append(f"before: year(fiscalYear: {other}) {{ {before} }}")
    if rng.random() < 0.3:
        # every LAO-year the caller may see: the same selection, its own statement
        years = _year_selection(rng, 0, 2, lists, loaded, not placed) or "fiscalYear"
        node.append(f"years {{ {years} }}")
        if rng.random() < 0.25:  # and again under another key, another selection
            again = _year_selection(rng, 0, 1, lists, loaded, not placed) or "state"
            node.append(f"all: years {{ {again} }}")
    rng.shuffle(node)
    return " ".join(node)


def _year_selection(
    rng: random.Random,
    fewest: int,
    most: int,
    lists: float,
    loaded: float = 0.0,
    who_certified: bool = True,
) -> str:
    """Some of an LAO-year's scalars, `fewest` to `most` sections and perhaps its history
    (who certified only with `who_certified`) and (with probability `loaded`) its LPA
    scores and timeliness."""
    inner = _some(rng, YEAR_SCALARS, 0)
    history = rng.random() < lists
    if rng.random() < loaded:
        # Who assessed (refused: FORBIDDEN) not beside who certified: the resolvers report
        # the two refusals as two concurrent loads complete, in either order.
        inner += _year_loaded(rng, personal=not history)
    if rng.random() < 0.4:
        inner += _some(rng, YEAR_RULES)
    if rng.random() < 0.3:
        inner.append(f"completeness {{ {' '.join(_some(rng, COMPLETENESS))} }}")
    if rng.random() < 0.2:  # each section's version (what a save sends back)
        inner.append(f"sectionVersions {{ {' '.join(_some(rng, ['domain', 'version']))} }}")
    chosen = rng.sample(DOMAINS, rng.randint(fewest, most))
    inner += [_section(rng, d) for d in chosen]
    if chosen and rng.random() < 0.15:  # a section again under another key
        inner.append(f"again: {_section(rng, rng.choice(chosen))}")
    if history:
        events = EVENT if who_certified else [e for e in EVENT if e != "actorName"]
        inner.append(f"certificationHistory {{ {' '.join(_some(rng, events))} }}")
    rng.shuffle(inner)
    return " ".join(inner)


# `asOf` for an LAO-year's loaded fields: never the default as an answer's value (two
# servers' nows differ), but moments before, during and after the demo's rounds.
AS_OF = ["2024-01-01T00:00:00Z", "2025-07-01T12:00:00+07:00", "2030-01-01T00:00:00Z"]
STEP = ["punctuality", "labelTh", "deadline", "doneAt", "daysLate", "__typename"]


def _year_loaded(rng: random.Random, personal: bool) -> list[str]:
    """Some of an LAO-year's fields its resolvers load through DataLoaders
    (`schema.lao_year.LOADED_FIELDS`), with and without `asOf`; who assessed a final score
    (personal data, decided per LAO) only with `personal`."""
    out = []

    def as_of() -> str:
        return f'(asOf: "{rng.choice(AS_OF)}")' if rng.random() < 0.5 else ""

    if rng.random() < 0.6:
        arguments = as_of()
        score = _some(rng, LPA_SCORE + (["asOf"] if arguments else []))
        if rng.random() < 0.5:
            score.append("timeliness { status statusTh deadline certifiedLateAt daysLate }")
        out.append(f"lpaScore{arguments} {{ {' '.join(score)} }}")
        if rng.random() < 0.3:  # the same field again, as of another moment
            out.append(f'past: lpaScore(asOf: "{rng.choice(AS_OF)}") {{ score asOf }}')
    if rng.random() < 0.4:
        final = [f for f in LPA_FINAL if personal or f != "assessorName"]
        final += ["lpaYear", "recordedAt"]
        if rng.random() < 0.3:  # a loaded field inside a loaded field's answer
            final.append("provisionalAtInspection { score rule asOf }")
        out.append(f"lpaFinalScore{as_of()} {{ {' '.join(_some(rng, final))} }}")
    if rng.random() < 0.25:  # every version of the final score, oldest first
        versions = [f for f in LPA_FINAL if personal or f != "assessorName"]
        out.append(f"lpaFinalScoreHistory {{ {' '.join(_some(rng, versions))} }}")
    if rng.random() < 0.2:  # guarded: every domain scope (a client's FORBIDDEN)
        values = " ".join(_some(rng, ["name", "labelTh", "unit", "number", "flag", "text"]))
        out.append(f"historicalSections {{ domain key labelEn values {{ {values} }} }}")
    if not out or rng.random() < 0.4:
        timeliness = _some(rng, ["deadline", "provinceDeadline", "__typename"], 0)
        timeliness.append(f"certification {{ {' '.join(_some(rng, STEP))} }}")
        if rng.random() < 0.5:
            timeliness.append(f"provinceCertification {{ {' '.join(_some(rng, STEP))} }}")
        if rng.random() < 0.4:
            timeliness.append("round { id kind fiscalYear number deadline phase }")
        out.append(f"timeliness{as_of()} {{ {' '.join(timeliness)} }}")
    return out


def random_lao_query(rng: random.Random, p: Places, codes: list[str]) -> tuple[str, dict[str, Any]]:
    """A random root `lao(code:)` query the planner supports, and its variables."""
    code = rng.choice(codes)
    variables: dict[str, Any] = {}
    params: list[str] = []
    if rng.random() < 0.5:
        params.append("$code: String!")
        variables["code"] = code
        code_arg = "$code"
    else:
        code_arg = f'"{code}"'
    node = _node(rng, p, variables, params, 0.8, loaded=0.3)
    head = f"query Random({', '.join(params)})" if params else "query Random"
    return f"{head} {{ lao(code: {code_arg}) {{ {node} }} }}", variables


def random_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `laos` query the planner supports, and its variables."""
    variables: dict[str, Any] = {}
    params: list[str] = []
    args = []
    filters = []
    choice = rng.random()
    if choice < 0.3:
        filters.append(f'provinceCode: "{p.province_code}"')
    elif choice < 0.5:
        filters.append(f'districtCode: "{p.district_code}"')
    elif choice < 0.6:
        filters.append(f'nameContains: "{rng.choice(["ตำบล", "เมือง", "บาง", "นคร"])}"')
    if rng.random() < 0.25:
        filters.append(
            f"type: {rng.choice(['SAO', 'SUBDISTRICT_MUNICIPALITY', 'PAO', 'CITY_MUNICIPALITY'])}"
        )
    if rng.random() < 0.15:
        filters.append(f"merged: {rng.choice(['true', 'false'])}")
    if rng.random() < 0.3:
        filters.append(f"state: {rng.choice(['DRAFT', 'LAO_CERTIFIED', 'PROVINCE_CERTIFIED'])}")
        if rng.random() < 0.5:
            filters.append(f"fiscalYear: {rng.choice([p.year, p.year - 1, 2500])}")
    if filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    first = rng.choice([0, 1, 3, 20, 60])
    if rng.random() < 0.5:
        params.append("$first: Int")
        variables["first"] = first
        args.append("first: $first")
    else:
        args.append(f"first: {first}")
    if rng.random() < 0.3:
        params.append("$after: String")
        variables["after"] = encode_cursor(rng.randint(1, 400))
        args.append("after: $after")
    node = _node(rng, p, variables, params, 0.3, loaded=0.2)
    connection = [f"edges {{ {'cursor ' if rng.random() < 0.5 else ''}node {{ {node} }} }}"]
    if rng.random() < 0.6:
        connection.append("totalCount")
    if rng.random() < 0.6:
        info = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]
        connection.append(f"pageInfo {{ {' '.join(_some(rng, info))} }}")
    rng.shuffle(connection)
    head = f"query Random({', '.join(params)})" if params else "query Random"
    return f"{head} {{ laos({', '.join(args)}) {{ {' '.join(connection)} }} }}", variables


def _record_selection(rng: random.Random, table: Any) -> str:
    """Some of a record's fields (a record table of the catalogue, or its name)."""
    if isinstance(table, str):
        table = RECORD_TABLE_BY_NAME[table]
    record = ["recordKey", "id", "version"]
    for f in table.fields:
        if f.kind is Kind.VILLAGE:  # the village and the places it reaches
            record.append(f"{to_camel_case(f.name)} {{ {_shaped(rng, shapes.VILLAGE, 0.3)} }}")
        else:
            record.append(to_camel_case(f.name))
    return " ".join(_some(rng, record))


def random_records_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `waterSupplySystems` / `touristSites` query the planner supports
    (`schema.plan_connections`), and its variables."""
    table = rng.choice([t for d in DOMAINS for t in d.record_tables])
    variables: dict[str, Any] = {}
    params: list[str] = []
    args: list[str] = []
    filters: list[str] = []
    if rng.random() < 0.5:
        filters.append(f"fiscalYear: {rng.choice([p.year, p.year - 1, 2500])}")
    choice = rng.random()
    if choice < 0.3:
        filters.append(f'provinceCode: "{p.province_code}"')
    elif choice < 0.5:
        filters.append(f'districtCode: "{p.district_code}"')
    elif choice < 0.6:
        filters.append(f'laoCode: "{rng.choice([p.certified_code, p.draft_sao_code])}"')
    if rng.random() < 0.1:
        filters.append(f"id: {rng.randint(1, 3000)}")
    if table.name == "water_supply_systems" and rng.random() < 0.3:
        filters.append(f'status: "{rng.choice(["USABLE", "UNUSABLE"])}"')
    if filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    first = rng.choice([0, 1, 5, 40])
    if rng.random() < 0.5:
        params.append("$first: Int")
        variables["first"] = first
        args.append("first: $first")
    else:
        args.append(f"first: {first}")
    if rng.random() < 0.3:
        args.append(f'after: "{encode_cursor(rng.randint(1, 3000))}"')
    connection = [
        f"edges {{ {'cursor ' if rng.random() < 0.5 else ''}node {{ {_record_selection(rng, table)} }} }}"
    ]
    if rng.random() < 0.6:
        connection.append("totalCount")
    if rng.random() < 0.5:
        info = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]
        connection.append(f"pageInfo {{ {' '.join(_some(rng, info))} }}")
    rng.shuffle(connection)
    head = f"query Records({', '.join(params)})" if params else "query Records"
    root = to_camel_case(table.name)
    return f"{head} {{ {root}({', '.join(args)}) {{ {' '.join(connection)} }} }}", variables


def _connection(
    rng: random.Random,
    node: str,
    page_info: str = "hasNextPage hasPreviousPage startCursor endCursor",
) -> str:
    """A root connection's selection around `node`: its edges (with or without the cursor),
    perhaps `totalCount` and `pageInfo`, in a random order."""
    connection = [f"edges {{ {'cursor ' if rng.random() < 0.5 else ''}node {{ {node} }} }}"]
    if rng.random() < 0.6:
        connection.append("totalCount")
    if rng.random() < 0.5:
        connection.append(f"pageInfo {{ {page_info} }}")
    rng.shuffle(connection)
    return " ".join(connection)


def random_missions_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `transferredMissions` query the planner supports (`schema.plan_connections`)."""
    filters: list[str] = []
    choice = rng.random()
    if choice < 0.25:
        filters.append(f'provinceCode: "{p.province_code}"')
    elif choice < 0.4:
        filters.append(f'districtCode: "{p.district_code}"')
    elif choice < 0.5:
        filters.append(f'laoCode: "{p.certified_code}"')
    if rng.random() < 0.2:
        filters.append(f'agencyCode: "{rng.choice(["DOH", "DRR", "RID", "nope"])}"')
    if rng.random() < 0.2:
        filters.append(
            f"area: {rng.choice(['INFRASTRUCTURE', 'QUALITY_OF_LIFE', 'NATURAL_RESOURCES'])}"
        )
    if rng.random() < 0.2:
        filters.append(f"status: {rng.choice(['ACTIVE', 'CHANGED', 'CANCELLED'])}")
    if rng.random() < 0.1:
        filters.append(f'missionCode: "{rng.choice(["M01-001", "M02-003", "nope"])}"')
    args = [f"first: {rng.choice([0, 1, 7, 50])}"]
    if filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    if rng.random() < 0.3:
        args.append(f'after: "{encode_cursor(rng.randint(1, 500))}"')
    connection = _connection(rng, _mission_record(rng, placed=True), "hasNextPage endCursor")
    root = f"transferredMissions({', '.join(args)}) {{ {connection} }}"
    return f"query Missions {{ {root} }}", {}


ACCOUNT_FIELDS = [
    "username",
    "displayName",
    "email",
    "state",
    "lockedUntil",
    "createdAt",
    "manageable",
    "mayIssue",
    "pendingCode { purpose issuedAt expiresAt }",
    "__typename",
]


def _account_selection(rng: random.Random, p: Places) -> str:
    """A random selection on `Account`: data fields, the batched ones (schema.shapes.Batched)
    and its roles with the places they name (schema.shapes.OBJECTS_BY_ID; an LAO with more
    than its shape sometimes, `_lao_object`)."""
    items = _some(rng, ACCOUNT_FIELDS)
    if rng.random() < 0.6:
        revoked = rng.choice(["", "(includeRevoked: true)", "(includeRevoked: false)"])
        inner = _some(rng, ["role", "grantedAt", "grantedBy", "revokedAt"])
        places = (("lao", shapes.LAO), ("district", shapes.DISTRICT), ("province", shapes.PROVINCE))
        for name, shape in places:
            if rng.random() < 0.4:
                inner.append(f"{name} {{ {_lao_object(rng, p, shape)} }}")
        items.append(f"roles{revoked} {{ {' '.join(inner)} }}")
    rng.shuffle(items)
    return " ".join(items)


def _lao_object(rng: random.Random, p: Places, shape: shapes.Shape = shapes.LAO) -> str:
    """A selection on an object a row names by id: its shape's fields; for an LAO, sometimes
    more (its year and sections, lists, personal data: the LAO compiler answers it,
    `schema.plan_connections.LaosById`), the year given literally."""
    if shape is not shapes.LAO or rng.random() < 0.6:
        return _shaped(rng, shape, 0.3)
    variables: dict[str, Any] = {}
    node = _node(rng, p, variables, [], 0.3, loaded=0.2)
    return node.replace("$year", str(variables.get("year", p.year)))


def random_account_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random accounts root (the caller's own, one by username, those it manages, an
    account's change log): its rows depend on the caller (`schema.root.CALLER_ROOTS`); or
    who read an LAO's personal data, guarded by the LAO its argument names; or where a value
    comes from (who set it: personal data, decided at the LAO)."""
    if rng.random() < 0.2:
        code = rng.choice([p.certified_code, p.draft_sao_code, "nope"])
        name = rng.choice(["staff", "governance.staff", "populationMale", "nope"])
        year = rng.choice([p.year, p.year - 1])
        change = _some(
            rng,
            [
                "entryId",
                "at",
                "action",
                "before",
                "after",
                "actorRole",
                "actorName",
                "actorKind",
                "reason",
                "source",
            ],
        )
        parts = _some(
            rng, ["laoCode", "fiscalYear", "field", "domain", "value", "SET_BY", "CHANGES"]
        )
        body = " ".join(
            f"setBy {{ {' '.join(change)} }}"
            if x == "SET_BY"
            else f"changes {{ {' '.join(change)} }}"
            if x == "CHANGES"
            else x
            for x in parts
        )
        return (
            "query Source($c: String!, $y: Int!, $f: String!) { provenance(laoCode: $c, "
            f"fiscalYear: $y, field: $f) {{ {body} }} }}",
            {"c": code, "y": year, "f": name},
        )
    if rng.random() < 0.25:
        code = rng.choice([p.certified_code, p.draft_sao_code, "nope"])
        first = rng.choice([1, 5, 5000])  # too large: the resolvers' error
        return (
            "query Reads($c: String!) { personalDataReads(laoCode: $c, first: "
            f"{first}) {{ totalCount pageInfo {{ hasNextPage }} edges {{ cursor node {{ "
            "at reader readerKind role fields purpose operation hash } } } }",
            {"c": code},
        )
    usernames = [
        "demo.dla",
        f"demo.province.{p.province_code}",
        f"demo.district.{p.district_code}",
        "nobody",
    ]
    choice = rng.random()
    if choice < 0.2:
        return f"{{ me {{ {_account_selection(rng, p)} }} }}", {}
    if choice < 0.45:
        name = rng.choice(usernames)
        return (
            "query A($u: String!) { account(username: $u) { " + _account_selection(rng, p) + " } }",
            {"u": name},
        )
    if choice < 0.85:
        filters = []
        if rng.random() < 0.3:
            filters.append(f'search: "{rng.choice(["demo", "province", "ผู้", "zz"])}"')
        if rng.random() < 0.3:
            filters.append(f"role: {rng.choice(['PROVINCE_OFFICER', 'LAO_ADMIN', 'DLA_ADMIN'])}")
        if rng.random() < 0.2:
            filters.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
        if rng.random() < 0.2:
            filters.append(f"state: {rng.choice(['ACTIVE', 'DISABLED', 'PENDING_ACTIVATION'])}")
        args = [f"first: {rng.choice([1, 2, 50])}"]
        if filters:
            args.append(f"filter: {{ {', '.join(filters)} }}")
        inner = _some(rng, ["totalCount", "pageInfo { hasNextPage endCursor }", "EDGES"])
        edges = f"edges {{ cursor node {{ {_account_selection(rng, p)} }} }}"
        body = " ".join(edges if i == "EDGES" else i for i in inner)
        return f"{{ manageableAccounts({', '.join(args)}) {{ {body} }} }}", {}
    name = rng.choice(usernames)
    first = rng.choice(["", ", first: 2", ", first: 5000"])  # too large: the resolvers' error
    return (
        f'{{ accountChangeLog(username: "{name}"{first}) {{ totalCount '
        "edges { cursor node { at action changes actorName actorRole } } } }",
        {},
    )


def random_help_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `missionHelpRequests` query: the requests of the LAOs the caller covers,
    filtered, with the LAO, mission record and mission each names and its messages."""
    filters: list[str] = []
    if rng.random() < 0.3:
        filters.append(f"status: {rng.choice(['OPEN', 'ANSWERED', 'ESCALATED', 'CLOSED'])}")
    if rng.random() < 0.3:
        filters.append(f"waitingOn: {rng.choice(['LAO', 'PROVINCE', 'DLA'])}")
    if rng.random() < 0.2:
        filters.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
    if rng.random() < 0.2:
        filters.append(f'laoCode: "{rng.choice([p.certified_code, p.draft_sao_code])}"')
    args = [f"first: {rng.choice([0, 1, 3, 50])}"]
    if filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    if rng.random() < 0.2:
        args.append(f'after: "{encode_cursor(rng.randint(1, 5))}"')
    node = _shaped(rng, shapes.MISSION_HELP_REQUEST, 0.5)
    if rng.random() < 0.5:
        message = [*shapes.MISSION_HELP_MESSAGE.graphql_names(), "authorName"]
        node += f" messages {{ {' '.join(_some(rng, message))} }}"
    if rng.random() < 0.3:  # one request by id, if the caller covers its LAO
        return f"query Help {{ missionHelpRequest(id: {rng.randint(1, 8)}) {{ {node} }} }}", {}
    root = f"missionHelpRequests({', '.join(args)}) {{ {_connection(rng, node)} }}"
    return f"query Help {{ {root} }}", {}


CHANGE_KINDS = [
    "LAO_PROFILE",
    "MISSION_RECORD",
    "LAO_YEAR",
    "CERTIFICATION",
    "WATER_SUPPLY_SYSTEM",
    "TOURIST_SITE",
]


# The record feeds: their value field and record table.
RECORD_FEEDS = {
    "WATER_SUPPLY_SYSTEM": ("waterSupplySystem", "water_supply_systems"),
    "TOURIST_SITE": ("touristSite", "tourist_sites"),
}


def random_changes_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `changes` page the planner supports (`schema.plan_changes`): any feed's items
    without their value, or with it (an LAO profile, an LAO-year, a mission record, a record), another kind's value
    (null), a page size (some refused), a cursor that is not ours. Not `endCursor`: it
    carries the second it was issued, which two requests need not share."""
    kind = rng.choice(CHANGE_KINDS)
    variables: dict[str, Any] = {}
    params: list[str] = []
    item = _some(rng, ["key", "removed", "laoCode", "fiscalYear"])
    if kind == "LAO_PROFILE" and rng.random() < 0.7:
        item.append(f"lao {{ {_node(rng, p, variables, params, 0.5, loaded=0.3)} }}")
    elif kind == "MISSION_RECORD" and rng.random() < 0.7:
        item.append(f"missionRecord {{ {_mission_record(rng)} }}")
    elif kind in ("LAO_YEAR", "CERTIFICATION") and rng.random() < 0.7:
        year = _year_selection(rng, 0, 2, 0.5, loaded=0.3) or "fiscalYear"
        item.append(f"laoYear {{ {year} }}")
    elif kind in RECORD_FEEDS and rng.random() < 0.7:
        field, table = RECORD_FEEDS[kind]
        item.append(f"{field} {{ {_record_selection(rng, table)} }}")
    if rng.random() < 0.2:
        item.append("lao { code }" if kind != "LAO_PROFILE" else "missionRecord { id }")
    rng.shuffle(item)
    connection = [f"nodes {{ {' '.join(item)} }}"]
    connection += _some(rng, ["kind", "baseline", "__typename"], 0)
    if rng.random() < 0.5:
        info = _some(rng, ["hasNextPage", "hasPreviousPage", "startCursor"])
        connection.append(f"pageInfo {{ {' '.join(info)} }}")
    rng.shuffle(connection)
    args = [f"kind: {kind}"]
    if rng.random() < 0.8:
        args.append(f"first: {rng.choice([0, 2, 25, 200, -1])}")
    if rng.random() < 0.1:
        args.append('after: "nope"')
    head = f"query Feed({', '.join(params)})" if params else "query Feed"
    return f"{head} {{ changes({', '.join(args)}) {{ {' '.join(connection)} }} }}", variables


def random_catalogue_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `missionCatalogue` query the planner supports (`schema.plan_connections`)."""
    filters = []
    if rng.random() < 0.3:
        filters.append(f"area: {rng.choice(['INFRASTRUCTURE', 'QUALITY_OF_LIFE', 'ARTS_CULTURE'])}")
    if rng.random() < 0.3:
        filters.append(f'agencyCode: "{rng.choice(["DOH", "DRR", "RID", "nope"])}"')
    args = [f"first: {rng.choice([0, 1, 10, 300])}"]
    if filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    if rng.random() < 0.3:
        args.append(f'after: "{encode_cursor(rng.randint(1, 240))}"')
    inner = _some(rng, MISSION)
    if rng.random() < 0.5:
        inner.append(f"agency {{ {' '.join(_some(rng, AGENCY))} }}")
    connection = _connection(rng, " ".join(inner))
    return f"query Catalogue {{ missionCatalogue({', '.join(args)}) {{ {connection} }} }}", {}


def random_places_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `subdistricts` / `villages` search (`schema.plan_connections`): its filters
    (a name in another usual spelling, characters LIKE treats specially), a page, a cursor."""
    root = rng.choice(["subdistricts", "villages"])
    filters: list[str] = []
    choice = rng.random()
    if choice < 0.3:
        filters.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
    elif choice < 0.6:
        filters.append(f'districtCode: "{p.district_code}"')
    if rng.random() < 0.3:
        names = ["บาง", "หนอง", "ปากนํ้า", "ใหม่", "100%", "a_b", ""]
        filters.append(f'nameContains: "{rng.choice(names)}"')
    if root == "subdistricts" and rng.random() < 0.2:
        filters.append(f'postcode: "{rng.choice(["10200", "nope"])}"')
    if root == "villages" and rng.random() < 0.3:
        filters.append(f'subdistrictCode: "{p.district_code}{rng.choice(["01", "02", "99"])}"')
    if root == "villages" and rng.random() < 0.3:
        filters.append(f"number: {rng.randint(1, 12)}")
    variables: dict[str, Any] = {}
    args = [f"first: {rng.choice([0, 1, 5, 40])}"]
    if filters and rng.random() < 0.3:
        variables["f"] = {}
        for text in filters:
            key, value = text.split(": ", 1)
            variables["f"][key] = int(value) if value.isdigit() else value.strip('"')
        args.append("filter: $f")
    elif filters:
        args.append(f"filter: {{{', '.join(filters)}}}")
    if rng.random() < 0.3:
        args.append(f'after: "{encode_cursor(rng.randint(1, 3000))}"')
    shape = shapes.SUBDISTRICT if root == "subdistricts" else shapes.VILLAGE
    node = _shaped(rng, shape)
    if root == "subdistricts" and rng.random() < 0.4:
        node += f" villages {{ {_shaped(rng, shapes.VILLAGE, 0.3)} }}"
    connection = _connection(rng, node)
    filter_type = "SubdistrictFilter" if root == "subdistricts" else "VillageFilter"
    head = f"query Places($f: {filter_type})" if "f" in variables else "query Places"
    return f"{head} {{ {root}({', '.join(args)}) {{ {connection} }} }}", variables


def random_table_list_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random whole-table list (`schema.shapes.TABLE_LISTS`: agencies, fiscal years,
    KPI-16 rounds) or `laoCountsByType`."""
    if rng.random() < 0.25:  # computed by the resolver's function, read by both paths
        fields = _some(rng, ["type", "labelTh", "count", "__typename"])
        return f"query Counts {{ laoCountsByType {{ {' '.join(fields)} }} }}", {}
    root = rng.choice(sorted(shapes.TABLE_LISTS))
    shape, _ = shapes.TABLE_LISTS[root]
    selection = _shaped(rng, shape)
    if root == "fiscalYears" and rng.random() < 0.5:
        # the year's round (`schema.root.LOADED_FIELDS`), its dates for a province known or not
        round_ = _some(rng, ["id", "kind", "deadline", "closesOn", "phase", "__typename"])
        if rng.random() < 0.5:
            code = rng.choice([p.province_code, "99"])
            round_.append(f'datesFor(provinceCode: "{code}") {{ deadline phase }}')
        selection += f" round {{ {' '.join(round_)} }}"
    if root == "kpi16Rounds" and rng.random() < 0.5:
        # each round's provinces' report board, under its guard (the offices and DLA)
        board = _some(rng, ["level", "expected", "onTime", "late", "due", "overdue"])
        selection += f" provinceReports {{ {' '.join(board)} }}"
    return f"query Lists {{ {root} {{ {selection} }} }}", {}


def random_selection(
    rng: random.Random, type_name: str, depth: int = 3, data_only: bool = False
) -> str:
    """A random selection on the GraphQL object `type_name`, read off the schema: some of its
    argument-free fields (with `data_only`, those with no resolver of their own), objects
    below to `depth`, `__typename` sometimes."""
    graphql_type = schema._schema.get_type(type_name)
    names = [n for n, f in graphql_type.fields.items() if not f.args]
    if data_only:
        data = {to_camel_case(f.python_name) for f in schema.get_type_by_name(type_name).fields}
        data -= {
            to_camel_case(f.python_name)
            for f in schema.get_type_by_name(type_name).fields
            if f.base_resolver is not None
        }
        names = [n for n in names if n in data]
    items = []
    for name in _some(rng, names):
        child = get_named_type(graphql_type.fields[name].type)
        if not hasattr(child, "fields"):
            items.append(name)
        elif depth > 1:
            inner = random_selection(rng, child.name, depth - 1, data_only)
            items.append(f"{name} {{ {inner} }}")
    if rng.random() < 0.2 or not items:
        items.append("__typename")
    return " ".join(items)


def random_constant_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random constant root (`schema.root.CONSTANT_ROOTS`): a year's form catalogue (the
    pre-2020 shape too), the changes between two years' forms (refused for a pre-2020 year),
    the modules or the source systems."""
    root = rng.choice(sorted(CONSTANT_ROOTS))
    years = [p.year, p.year - 1, p.year - 3, 2560]
    if root == "catalogue":
        if rng.random() < 0.5:
            head, call = "query Form($y: Int!)", "catalogue(fiscalYear: $y)"
            variables: dict[str, Any] = {"y": rng.choice(years)}
        else:
            head, call, variables = "query Form", f"catalogue(fiscalYear: {rng.choice(years)})", {}
    elif root == "catalogueDiff":
        head, call, variables = "query Form", "catalogueDiff(from: {}, to: {})", {}
        call = call.format(rng.choice(years), rng.choice(years))
    else:
        head, call, variables = "query Form", root, {}
    item = get_named_type(schema._schema.query_type.fields[root].type).name
    return f"{head} {{ {call} {{ {random_selection(rng, item)} }} }}", variables


OWN_ROWS = {"exportJob", "webhookSubscriptions", "webhookDeliveries"}
ACCOUNT_ROOTS = {
    "me",
    "account",
    "manageableAccounts",
    "accountChangeLog",
    "personalDataReads",
    "provenance",
}


def random_computed_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random root the resolvers' own function computes (`schema.root.COMPUTED_ROOTS`):
    rounds (of a kind, of a year, by id: found or not), the LPA rubrics, LAOs per type, the
    missions' roll-up; the fields that hold data, read off the schema."""
    # Not the caller's own export jobs and webhooks: the demo holds none, and their refusals
    # beside another failing root race in the resolvers (tests/test_planner_http.py has them);
    # not the roots `random_account_query` generates.
    root = rng.choice(sorted(set(COMPUTED_ROOTS) - OWN_ROWS - ACCOUNT_ROOTS))
    variables: dict[str, Any] = {}
    head, call = "query Computed", root
    if root == "rounds":
        args = []
        if rng.random() < 0.5:
            args.append(f"kind: {rng.choice(['INFO', 'KPI16', 'MISSIONS'])}")
        if rng.random() < 0.5:
            head, variables = "query Computed($y: Int)", {"y": rng.choice([p.year, p.year - 1])}
            args.append("fiscalYear: $y")
        call = f"rounds({', '.join(args)})" if args else "rounds"
    elif root == "round":
        call = f"round(id: {rng.choice([1, 2, 3, 5, 99999])})"
    elif root == "lpaAssessors" and rng.random() < 0.6:  # rows the caller may see
        call = f'lpaAssessors(provinceCode: "{rng.choice([p.province_code, "99"])}")'
    elif root == "lpaRubric":
        call = f"lpaRubric(lpaYear: {rng.choice([2560, 2564, 2566, p.year])})"
    elif root == "missionRollup":  # guarded (MissionsData): refused to some callers
        keys = _some(rng, ["AGENCY", "AREA", "PROVINCE", "MISSION"], 0)
        filters = []
        if rng.random() < 0.3:
            filters.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
        if rng.random() < 0.2:
            filters.append(f'agencyCode: "{rng.choice(["DOH", "RID", "nope"])}"')
        if rng.random() < 0.2:
            filters.append(f"area: {rng.choice(['INFRASTRUCTURE', 'QUALITY_OF_LIFE'])}")
        if rng.random() < 0.3:
            filters.append(f"includeCancelled: {rng.choice(['true', 'false'])}")
        args = [f"groupBy: [{', '.join(keys)}]"]
        if filters:
            args.append(f"filter: {{{', '.join(filters)}}}")
        call = f"missionRollup({', '.join(args)})"
    item = get_named_type(schema._schema.query_type.fields[root].type).name
    selection = random_selection(rng, item, data_only=True)
    if item == "Round":  # fields its resolvers compute (`schema.rounds.COMPUTED_FIELDS`)
        if rng.random() < 0.5:
            on = rng.choice(["", '(on: "2024-10-01")', '(on: "2099-01-01")', "(on: null)"])
            selection += f" phase{on}"
        if rng.random() < 0.4:
            deadlines = ["deadline", "districtDeadline", "provinceDeadline", "reason"]
            inner = " ".join(_some(rng, deadlines))
            if rng.random() < 0.5:  # an object named by id (`schema.shapes.OBJECTS_BY_ID`)
                inner += f" province {{ {_shaped(rng, shapes.PROVINCE)} }}"
            selection += f" provinceDeadlines {{ {inner} }}"
        for alias in ("", "again: ")[: rng.choice([0, 1, 1, 2])]:
            # a function over the request's DataLoaders (`schema.root.LOADED_FIELDS`), for
            # a province known or not (NOT_FOUND, the round's dates null)
            code = rng.choice([p.province_code, p.province_code, "99"])
            dates = ["opensOn", "deadline", "districtDeadline", "provinceDeadline", "closesOn"]
            dates += ["phase", "__typename"]
            selection += (
                f' {alias}datesFor(provinceCode: "{code}") {{ {" ".join(_some(rng, dates))} }}'
            )
        if root == "round" and rng.random() < 0.6:  # the round's figures, one round's
            selection += " " + _round_figures(rng, p)
    for (type_name, name), (_, shape) in shapes.OBJECTS_BY_ID.items():
        if type_name == item and rng.random() < 0.5:
            selection += f" {name} {{ {_shaped(rng, shape, 0.5)} }}"
    return f"{head} {{ {call} {{ {selection} }} }}", variables


def _area_timeliness(rng: random.Random) -> str:
    """Some of an area's round figures (`AreaRoundTimeliness`): counts, the series, a day's
    counts, its place (`schema.shapes.OBJECTS_BY_ID`)."""
    counts = " ".join(_some(rng, ["onTime", "late", "pending", "overdue"]))
    day = " ".join(_some(rng, ["day", "done", "provinceDone", "daysAfterDeadline"]))
    items = _some(rng, ["total", "deadline", "provinceDeadline", "__typename"], 0)
    items += [
        f"done {{ {counts} }}",
        f"provinceStep {{ {counts} }}",
        "missionStatuses { checked recorded notYet }",
        f"series {{ {day} }}",
        f'doneBy(day: "{rng.choice(["2024-01-01", "2025-06-30", "2026-03-31"])}") {{ {day} }}',
        f"province {{ {_shaped(rng, shapes.PROVINCE, 0)} }}",
        f"district {{ {_shaped(rng, shapes.DISTRICT, 0)} }}",
    ][: rng.randint(1, 7)]
    rng.shuffle(items)
    return " ".join(items)


def _round_figures(rng: random.Random, p: Places) -> str:
    """A round's figures (`schema.root.LOADED_FIELDS`): the nation's, or by area within a
    province known or not, as of now or a moment; refused for a KPI-16 round, and a
    missions round's to a client without `missions`."""
    as_of = f', asOf: "{rng.choice(AS_OF)}"' if rng.random() < 0.4 else ""
    choice = rng.random()
    if choice < 0.35:
        arguments = f"({as_of[2:]})" if as_of else ""
        return f"timeliness{arguments} {{ {_area_timeliness(rng)} }}"
    if choice < 0.7:  # a page of the LAOs' standings, each LAO read by id
        arguments = [f"first: {rng.choice([0, 2, 20, -1])}"]
        if rng.random() < 0.4:
            arguments.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
        if rng.random() < 0.3:
            arguments.append(f"punctuality: {rng.choice(['ON_TIME', 'LATE', 'PENDING'])}")
        if rng.random() < 0.2:
            arguments.append(f'after: "{rng.choice([encode_cursor(300), "nope"])}"')
        step = " ".join(_some(rng, STEP))
        node = _some(rng, ["deadline", "provinceDeadline", "missionStatus", "__typename"], 0)
        node += [f"done {{ {step} }}", f"provinceStep {{ {step} }}"][: rng.randint(0, 2)]
        if not node or rng.random() < 0.5:
            node.append(f"lao {{ {_lao_object(rng, p)} }}")
        page = [f"edges {{ cursor node {{ {' '.join(node)} }} }}", "totalCount"]
        page.append("pageInfo { hasNextPage endCursor }")
        items = " ".join(page[: rng.randint(1, 3)])
        return f"standings({', '.join(arguments)}{as_of}) {{ {items} }}"
    if choice < 0.85:  # the LAOs to remind (officers and DLA only: FORBIDDEN to the others)
        arguments = [f"first: {rng.choice([0, 2, 20])}"]
        if rng.random() < 0.4:
            arguments.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
        if rng.random() < 0.4:
            stages = _some(rng, ["NOTHING_RECORDED", "INCOMPLETE", "NOT_CERTIFIED"])
            arguments.append(f"stages: [{', '.join(stages)}]")
        node = _some(rng, ["stage", "stageLabelTh", "completeDomains", "deadline", "daysOverdue"])
        if rng.random() < 0.5:
            node.append(f"lao {{ {_lao_object(rng, p)} }}")
        page = f"totalCount edges {{ cursor node {{ {' '.join(node)} }} }}"
        return f"reminders({', '.join(arguments)}) {{ {page} }}"
    level = rng.choice(["NATION", "PROVINCE", "DISTRICT"])
    within = (
        f', provinceCode: "{rng.choice([p.province_code, "99"])}"' if rng.random() < 0.5 else ""
    )
    return f"timelinessByArea(level: {level}{within}{as_of}) {{ {_area_timeliness(rng)} }}"


def random_keyed_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random row by key (`schema.shapes.KEYED_ROOTS`), found or not, its key literal or
    a variable (a defaulted argument omitted sometimes)."""
    if rng.random() < 0.5:
        code = rng.choice([f"{p.district_code}01", f"{p.district_code}02", "999999"])
        shape = shapes.SUBDISTRICT
        if rng.random() < 0.5:
            head, root = "query Keyed($c: String!)", "subdistrict(code: $c)"
            variables: dict[str, Any] = {"c": code}
        else:
            head, root, variables = "query Keyed", f'subdistrict(code: "{code}")', {}
    else:
        shape = shapes.KPI16_ROUND
        year = rng.choice([p.year, p.year - 1, 2500])
        number = rng.choice(["", ", roundNo: 1", ", roundNo: 2"])
        head, root, variables = "query Keyed", f"kpi16Round(fiscalYear: {year}{number})", {}
        if rng.random() < 0.7:  # its reference list and report boards, under their guards
            fields = " ".join([_shaped(rng, shape), *_kpi16_loaded(rng, p)])
            return f"{head} {{ {root} {{ {fields} }} }}", variables
    fields = _shaped(rng, shape)
    if shape is shapes.SUBDISTRICT and rng.random() < 0.4:  # its villages, a list
        fields += f" villages {{ {_shaped(rng, shapes.VILLAGE, 0.2)} }}"
    return f"{head} {{ {root} {{ {fields} }} }}", variables


def _kpi16_loaded(rng: random.Random, p: Places) -> list[str]:
    """A KPI-16 round's fields computed by a function over the request's DataLoaders
    (`schema.root.LOADED_FIELDS`), each guarded (FORBIDDEN to the public, clients and
    assessors): a page of its reference list, filtered, each system with its places and the
    explanation of its match; the districts' and provinces' report boards, within an area."""
    out = []
    for alias in rng.sample(["", "again: "], rng.randint(1, 2)):
        arguments = [f"first: {rng.choice([0, 2, 5, -1])}"]
        if rng.random() < 0.2:
            arguments.append(f'after: "{rng.choice([encode_cursor(3), "nope"])}"')
        wanted = []
        if rng.random() < 0.4:
            wanted.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
        if rng.random() < 0.3:
            wanted.append(f'districtCode: "{p.district_code}"')
        if rng.random() < 0.2:
            wanted.append(f'laoCode: "{rng.choice([p.draft_sao_code, p.certified_code])}"')
        if rng.random() < 0.4:
            wanted.append(f"match: {rng.choice(['CHECKED', 'RECORDED', 'MISSING'])}")
        if wanted:
            arguments.append(f"filter: {{{', '.join(wanted)}}}")
        node = _some(rng, ["referenceCode", "name", "latitude", "longitude", "match", "__typename"])
        for place, shape in (("province", shapes.PROVINCE), ("district", shapes.DISTRICT)):
            if rng.random() < 0.3:
                node.append(f"{place} {{ {_shaped(rng, shape)} }}")
        if rng.random() < 0.3:
            node.append(f"lao {{ {_lao_object(rng, p)} }}")
        if rng.random() < 0.2:
            node.append(f"village {{ {_shaped(rng, shapes.VILLAGE, 0.3)} }}")
        if rng.random() < 0.5:
            record = _some(rng, ["fiscalYear", "recordKey", "name", "lastCheckedOn", "verdict"])
            if rng.random() < 0.3:
                record.append("lao { code nameTh }")
            explained = _some(rng, ["match", "because", "becauseTh"])
            explained.append(f"records {{ {' '.join(record)} retiredOn deciding }}")
            node.append(f"explanation {{ {' '.join(explained)} }}")
        page = ["totalCount", "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"]
        page.append(f"edges {{ cursor node {{ {' '.join(node)} }} }}")
        out.append(f"{alias}references({', '.join(arguments)}) {{ {' '.join(_some(rng, page))} }}")
    for board in ("districtReports", "provinceReports"):
        if rng.random() < 0.4:
            arguments = []
            if rng.random() < 0.5:
                arguments.append(f'provinceCode: "{rng.choice([p.province_code, "99"])}"')
            if board == "districtReports" and rng.random() < 0.3:
                arguments.append(f'districtCode: "{p.district_code}"')
            fields = _some(rng, ["level", "expected", "onTime", "late", "due", "overdue"])
            if rng.random() < 0.6:
                item = _some(
                    rng, ["level", "referenceSystems", "deadline", "timeliness", "daysLate"]
                )
                item.append(f"report {{ {random_selection(rng, 'Kpi16Report', 1)} }}")
                item.append(f"province {{ {_shaped(rng, shapes.PROVINCE)} }}")
                if rng.random() < 0.5:
                    item.append(f"district {{ {_shaped(rng, shapes.DISTRICT, 0.5)} }}")
                fields.append(f"items {{ {' '.join(item)} }}")
            head = f"{board}({', '.join(arguments)})" if arguments else board
            out.append(f"{head} {{ {' '.join(fields)} }}")
    return out


CERTIFICATION = ["draft", "laoCertified", "provinceCertified", "total"]
KPI16 = ["roundNo", "referenceSystems", "recorded", "checked", "rate", "targetPercent", "met"]
LPA_REPORT = [
    "lpaYear",
    "fiscalYear",
    "deadline",
    "laoCount",
    "finalRecorded",
    "finalMissing",
    "__typename",
    "rubric { lpaYear indicator fullScore scores builtIn levels { rule score descriptionEn } }",
    "provisional { rule score descriptionTh count }",
    "provisionalScores { score count }",
    "finalScores { score count }",
    "timeliness { onTime late overdue notDue withoutDeadline }",
]


LPA_SCORE = ["score", "rule", "ruleTh", "ruleEn", "stateAsOf", "lpaYear", "rubricVersion"]
LPA_FINAL = [
    "score",
    "version",
    "rubricVersion",
    "reason",
    "evidence",
    "inspectedOn",
    "assessorName",  # personal data, decided per LAO (schema.root.PLACE_GUARDED_FIELDS)
]


def _lpa_laos(rng: random.Random, now: bool) -> str:
    """A random `LpaReport.laos` page: a filter, its size, each LAO's scores and the LAO."""
    filters = []
    if rng.random() < 0.3:
        filters.append(f"provisionalScore: {rng.choice([0, 1, 3, 5])}")
    if rng.random() < 0.2:
        filters.append(f"finalRecorded: {rng.choice(['true', 'false'])}")
    if rng.random() < 0.2:
        filters.append(f"timeliness: {rng.choice(['ON_TIME', 'LATE', 'OVERDUE', 'NOT_DUE'])}")
    args = [f"first: {rng.choice([1, 3, 20])}"]
    if filters:
        args.append(f"filter: {{ {', '.join(filters)} }}")
    node = []
    if rng.random() < 0.8:
        lao = _some(rng, ["code", "nameTh", "type", "__typename"])
        if rng.random() < 0.4:
            lao.append(f"province {{ {_shaped(rng, shapes.PROVINCE, 0)} }}")
        node.append(f"lao {{ {' '.join(lao)} }}")
    if rng.random() < 0.7:
        score = _some(rng, LPA_SCORE + ([] if now else ["asOf"]))
        if rng.random() < 0.5:
            score.append("timeliness { status statusTh deadline certifiedLateAt daysLate }")
        node.append(f"provisional {{ {' '.join(score)} }}")
    if not node or rng.random() < 0.4:
        final = _some(rng, LPA_FINAL)
        if rng.random() < 0.3:  # the provisional score at inspection, over DataLoaders
            final.append("provisionalAtInspection { score rule stateAsOf asOf }")
        node.append(f"final {{ {' '.join(final)} }}")
    page = _some(rng, ["totalCount", "pageInfo { hasNextPage endCursor }", "EDGES"])
    edges = f"edges {{ cursor node {{ {' '.join(node)} }} }}"
    body = " ".join(edges if i == "EDGES" else i for i in page)
    return f"laos({', '.join(args)}) {{ {body} }}"


def _lpa_report(rng: random.Random, arguments: str, now: bool, one_area: bool = False) -> str:
    """`arguments` (a stats field's) as an LPA report's, with a random selection of its
    figures (and, for one area's report, sometimes its `laos` page); `asOf` only when a
    moment is given (two servers' nows differ)."""
    items = _some(rng, LPA_REPORT + ([] if now else ["asOf"]))
    if one_area and rng.random() < 0.5:
        items.append(_lpa_laos(rng, now))
    return f"{arguments.replace('fiscalYear:', 'lpaYear:')} {{ {' '.join(items)} }}"


def random_stats_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random roll-up query the planner supports (`schema.plan_stats`): every province's
    stats or LPA report (with their districts' stats), one province's or district's (by
    code, perhaps unknown), or the nation's, for a fiscal year, now or as of a moment."""
    variables: dict[str, Any] = {}
    params: list[str] = []
    year = rng.choice([p.year, p.year - 1, p.year - 2, 2500])
    if rng.random() < 0.5:
        params.append("$year: Int!")
        variables["year"] = year
        args = ["fiscalYear: $year"]
    else:
        args = [f"fiscalYear: {year}"]
    moment = rng.choice(
        [None, "2025-03-31T17:00:00Z", "2026-01-15T00:00:00+07:00", "2030-01-01T00:00:00Z"]
    )
    if moment is not None:
        if rng.random() < 0.5:
            params.append("$asOf: DateTime")
            variables["asOf"] = moment
            args.append("asOf: $asOf")
        else:
            args.append(f'asOf: "{moment}"')
    figures = []
    if rng.random() < 0.7:
        figures.append(f"certification {{ {' '.join(_some(rng, CERTIFICATION))} }}")
    if rng.random() < 0.7:
        figures.append(f"lpaDistribution {{ {' '.join(_some(rng, ['score', 'count']))} }}")
    if rng.random() < 0.7:
        figures.append(f"kpi16 {{ {' '.join(_some(rng, KPI16))} }}")
    if not figures or rng.random() < 0.3:
        figures.append("fiscalYear")
    rng.shuffle(figures)
    arguments = f"({', '.join(args)})"
    stats = f"{arguments} {{ {' '.join(figures)} }}"
    # or the area's LPA report (schema.lpa_report.REPORT_FIGURES), one roll-up as stats are
    lpa = rng.random() < 0.35
    choice = rng.random()
    report = _lpa_report(rng, arguments, moment is None, one_area=not 0.35 <= choice < 0.6)
    if choice < 0.35:
        root = f"nationalLpa{report}" if lpa else f"nationalStats{stats}"
    else:
        own = _some(rng, ["code", "nameTh", "nameEn", "viewerSupervises"], at_least=0)
        own.insert(rng.randint(0, len(own)), f"lpa{report}" if lpa else f"stats{stats}")
        if not lpa and rng.random() < 0.3:  # another year's beside it, under an alias
            other = rng.choice([p.year - 1, p.year - 2])
            figures = _some(rng, ["fiscalYear", f"certification {{ {CERTIFICATION[0]} total }}"])
            own.append(f"before: stats(fiscalYear: {other}) {{ {' '.join(figures)} }}")
        elif lpa and rng.random() < 0.3:  # another LPA year's report beside it, under an alias
            other = rng.choice([p.year - 1, p.year - 2])
            before = _lpa_report(rng, f"(fiscalYear: {other})", True, one_area=choice >= 0.6)
            own.append(f"before: lpa{before}")
        elif choice < 0.8 and rng.random() < 0.4:  # a province's districts, with their stats
            inner = _some(rng, ["code", "nameTh", "viewerSupervises"], at_least=0)
            if rng.random() < 0.7:
                inner.append(f"stats{stats}")
            own.append(f"districts {{ {' '.join(inner or ['code'])} }}")
        if choice < 0.6:
            root = f"provinces {{ {' '.join(own)} }}"
        else:  # one province or district, by a code that exists or not
            area = "province" if choice < 0.8 else "district"
            if area == "district":
                own = [f for f in own if f != "nameEn"] or ["code"]
            known = p.province_code if area == "province" else p.district_code
            code = rng.choice([known, known, "99" if area == "province" else "9999"])
            if rng.random() < 0.5:
                params.append("$area: String!")
                variables["area"] = code
                code = "$area"
            else:
                code = f'"{code}"'
            root = f"{area}(code: {code}) {{ {' '.join(own)} }}"
    head = f"query Stats({', '.join(params)})" if params else "query Stats"
    return f"{head} {{ {root} }}", variables


def _area_selection(rng: random.Random, p: Places, level: str, depth: int = 2) -> str:
    """A random selection on a province or district the planner supports: scalars, `stats`
    (literal arguments), a province's districts or a district's province."""
    own = _some(rng, ["code", "nameTh", "nameEn"] if level == "province" else ["code", "nameTh"], 0)
    if rng.random() < 0.3:
        own.append("viewerSupervises")
    if rng.random() < 0.5:
        year = rng.choice([p.year, p.year - 1])
        figures = rng.choice(
            [
                f"certification {{ {' '.join(_some(rng, CERTIFICATION))} }}",
                f"kpi16 {{ {' '.join(_some(rng, KPI16))} }} fiscalYear",
                "lpaDistribution { score count }",
            ]
        )
        own.append(f"stats(fiscalYear: {year}) {{ {figures} }}")
    if depth > 1 and rng.random() < 0.35:
        inner = "district" if level == "province" else "province"
        own.append(f"{inner}{'s' if inner == 'district' else ''} {{ "
                   f"{_area_selection(rng, p, inner, depth - 1)} }}")  # fmt: skip
    if level == "district" and rng.random() < 0.25:  # its subdistricts, perhaps villages
        inner = _shaped(rng, shapes.SUBDISTRICT, 0.2)
        if rng.random() < 0.3:
            inner += f" villages {{ {_shaped(rng, shapes.VILLAGE, 0)} }}"
        own.append(f"subdistricts {{ {inner} }}")
    if rng.random() < 0.15:
        own.append("__typename")
    rng.shuffle(own)
    return " ".join(own or ["code"])


def random_viewer_query(rng: random.Random, p: Places) -> tuple[str, dict[str, Any]]:
    """A random `viewer` selection the planner supports (`schema.plan_viewer`): the
    identity's fields, its LAOs (any `Lao` selection), districts and provinces (with their
    roll-ups) and its grants with their codes and places."""
    variables: dict[str, Any] = {}
    params: list[str] = []
    items = _some(rng, ["kind", "subject", "roles", "scopes", "__typename"], 0)
    if rng.random() < 0.5:
        items.append(f"laos {{ {_node(rng, p, variables, params, 0.5, loaded=0.3)} }}")
    if rng.random() < 0.4:
        items.append(f"districts {{ {_area_selection(rng, p, 'district')} }}")
    if rng.random() < 0.4:
        items.append(f"provinces {{ {_area_selection(rng, p, 'province')} }}")
    if rng.random() < 0.3:
        area = _some(rng, ["level", "__typename"], 0)
        for place in ("province", "district"):
            if rng.random() < 0.5:
                area.append(f"{place} {{ {_area_selection(rng, p, place)} }}")
        items.append(f"areas {{ {' '.join(area or ['level'])} }}")
    if rng.random() < 0.6 or not items:
        grant = _some(rng, ["role", "laoCode", "districtCode", "provinceCode", "__typename"], 0)
        if rng.random() < 0.4:
            grant.append(f"lao {{ {_node(rng, p, variables, params, 0.3, loaded=0.3)} }}")
        for place in ("district", "province"):
            if rng.random() < 0.3:
                grant.append(f"{place} {{ {_area_selection(rng, p, place)} }}")
        rng.shuffle(grant)
        items.append(f"grants {{ {' '.join(grant or ['role'])} }}")
    rng.shuffle(items)
    params = list(dict.fromkeys(params))  # two LAO selections may both use $year
    head = f"query Who({', '.join(params)})" if params else "query Who"
    return f"{head} {{ viewer {{ {' '.join(items)} }} }}", variables


# What real clients send: aliases, fragments, directives, `__typename` (schema.plan_document).
def two_roots(
    first: tuple[str, dict[str, Any]], second: tuple[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """One operation asking both queries' root fields, aliased `a` and `b` (a dashboard's
    document), with the second's variables renamed apart."""
    (q1, v1), (q2, v2) = first, second
    q2 = re.sub(r"\$(\w+)", r"$b_\1", q2)
    variables = {**v1, **{f"b_{k}": v for k, v in v2.items()}}
    operations = [parse(q).definitions[0] for q in (q1, q2)]
    params, roots = [], []
    for alias, operation in zip("ab", operations, strict=True):
        assert isinstance(operation, OperationDefinitionNode)
        params += [print_ast(v) for v in operation.variable_definitions or ()]
        for root in operation.selection_set.selections:
            assert isinstance(root, FieldNode)
            text = print_ast(root)
            if root.alias is not None:
                text = text.split(":", 1)[1].strip()
            roots.append(f"{alias}_{root.name.value}: {text}")
    head = f"query Two({', '.join(params)})" if params else "query Two"
    return f"{head} {{ {' '.join(roots)} }}", variables


def over_the_limits(query: str, variables: dict[str, Any]) -> bool:
    """The query limits refuse it (the aliases or the estimated cost: selections repeated to
    merge, as `dressed` does, count each time they are written)."""
    rule = _limits_rule(DEFAULT_LIMITS, variables)
    return bool(validate(schema._schema, parse(query), [*specified_rules, rule]))


# `years` beside `year`: their sections' FORBIDDEN errors follow two DataLoaders' batches,
# whichever the database answers first; the resolvers themselves gave the same document's
# errors in two orders over 15 runs on SQLite. Their order is compared as a set there.
_YEARS = re.compile(r"\byears(\s*@\w+\([^)]*\))*\s*\{")  # directives may come between


def same_answer(a: dict[str, Any], b: dict[str, Any], query: str) -> None:
    """Identical bodies; for several root fields (or `years`), the same errors in any order."""
    operation = parse(query).definitions[0]
    if (
        (
            isinstance(operation, OperationDefinitionNode)
            and len(operation.selection_set.selections) > 1
        )
        or _YEARS.search(query)
        or "viewer" in query
    ):
        key = lambda e: repr(sorted(e.items()))  # noqa: E731
        a = {**a, "errors": sorted(a.get("errors", []), key=key)}
        b = {**b, "errors": sorted(b.get("errors", []), key=key)}
    assert a == b, query


REAL_CLIENT = [
    "{ laos(first: 2) { edges { node { c: code } } } }",
    "{ laos(first: 2) { edges { node { ...F } } } } fragment F on Lao { code nameTh }",
    "{ laos(first: 2) { edges { node { code @include(if: true) nameTh @skip(if: true) } } } }",
    "{ laos(first: 2) { __typename edges { __typename node { __typename code } } } }",
    '{ l: lao(code: "x") { code } }',
    '{ lao(code: "x") { codeHistory { code ...on LaoCodePeriod { validTo } } } }',
    "{ all: laos(first: 3) { p: pageInfo { __typename more: hasNextPage } e: edges { n: node {"
    " __typename code ...Y } } } } fragment Y on Lao { y: year(fiscalYear: 2568) { __typename"
    " state ...on LaoYear { fiscalYear } } province { __typename c: code } }",
    # an object under several keys, as dashboards ask two views of one thing; a page's
    # nodes under two keys (each key's node a plan of its own over the page's ids)
    "{ laos(first: 2) { a: edges { node { code } } b: edges { cursor } } }",
    "{ laos(first: 2) { a: edges { node { code } } b: edges { node { nameTh year(fiscalYear:"
    " 2568) { state } } } } }",
    "{ laos(first: 2) { edges { cursor a: node { code } b: node { province { code } } } } }",
    "{ waterSupplySystems(first: 2) { a: edges { node { id } } b: edges { cursor } } }",
    # ... with errors of every phase under both keys (a refused list, a forbidden section,
    # a refused name, loaded fields): the resolvers report each phase's errors of both keys
    # together, the first key's first (not a mission record's history beside them: which of
    # two concurrent loads completes first orders those, and GraphQL gives it no meaning)
    "{ laos(first: 3) { a: edges { node { code recorders { name } year(fiscalYear: 2568) { governance { staff }"
    " healthEnvironment { villageHealthVolunteers } lpaScore { score } certificationHistory"
    " { actorName } } } } b: edges { node { infoAdministrators { name } year(fiscalYear:"
    " 2567) { governance { staff } lpaFinalScore { score assessorName } timeliness { deadline"
    " } certificationHistory { actorName } } } } } }",
    "{ transferredMissions(first: 3) { a: edges { node { id history { at } } } b: edges {"
    " node { lao { code } } } } }",
    '{ lao(code: "x") { changeLog(first: 2) { a: edges { node { id } } b: edges { c: node {'
    " id } d: node { at } } } } }",
    "{ changes(kind: LAO_PROFILE, first: 2) { a: nodes { key } b: nodes { laoCode lao { code"
    " } } } }",
    "{ changes(kind: LAO_YEAR, first: 2) { nodes { a: laoYear { state governance { staff } }"
    " b: laoYear { certificationHistory { actorName } } } } }",
    "{ changes(kind: WATER_SUPPLY_SYSTEM, first: 2) { a: nodes { w: waterSupplySystem { id }"
    " v: waterSupplySystem { village { nameTh } } } b: nodes { waterSupplySystem { id } } } }",
    "{ laos(first: 3) { edges { node { year(fiscalYear: 2568) { a: governance { staff }"
    " b: governance { staff updatedAt } d1: waterManagement { waterSupplySystems { id } w: "
    "waterSupplySystems { village { number subdistrict { code } } v: village { nameTh } } }"
    " } years { fiscalYear } all: years { state } p: province { code } q: province { nameTh"
    " } a: codeHistory { code } b: codeHistory { validTo } } } } }",
    "{ provinces { code now: lpa(lpaYear: 2568) { laoCount } before: lpa(lpaYear: 2567) {"
    " finalRecorded } a: districts { code } b: districts { nameTh } } }",
    '{ district(code: "1001") { a: province { code } b: province { nameTh } } }',
    "{ laos(first: 2) { a: pageInfo { hasNextPage } b: pageInfo { endCursor } } }",
    "{ viewer { a: provinces { code } b: provinces { nameTh } grants { a: lao { code } b:"
    " lao { nameTh } } } }",
    # several root fields, as dashboards ask them
    "{ a: laos(first: 1) { totalCount } b: laos(first: 2) { totalCount } }",
    "{ laos(first: 2) { edges { node { code } } } provinces { code } }",
    "{ provinces { code districts { code } } }",
    "{ fiscalYears { yearBe isOpen } laos(first: 1) { totalCount } kpi16Rounds { roundNo } }",
    "{ laos(first: 2) { edges { node { transferredMissions { lao { code websiteUrl } } } } } }",
    PUBLIC_QUERY,  # GraphiQL's first example for the public
    # several roots, some the resolvers answer (schema.plan_mixed): the console's pages
    "query { viewer { grants { role provinceCode } } fiscalYears { yearBe recordDeadline isOpen } }",
    "query Q { viewer { roles ...G } laos(first: 2) { totalCount } rounds(fiscalYear: 2568) {"
    " id } } fragment G on Viewer { subject }",
    '{ lao(code: "x") { code recorders { name } } provinces { code } }',
    "{ transferredMissions(first: 3) { edges { node { id lao { nameTh district { province {"
    " code } } } } } } }",
    "{ laos(first: 2) { edges { node { district { __typename province { code } } } } } }",
    "{ laos(first: 2) { edges { node { code years { fiscalYear state } } } } }",
    '{ villages(first: 2, filter: {nameContains: "ปากนํ้า"}) { edges { node { number'
    " subdistrict { district { province { nameTh } } } } } } }",
    # lists under a list's items (schema.plan_lists.Children)
    "{ subdistricts(first: 2) { edges { node { code villages { number } } } } }",
    "{ laos(first: 2) { edges { node { transferredMissions { lao { history: codeHistory { code } } } } } } }",
    "{ transferredMissions(first: 4) { edges { node { id history { at status changes } } } } }",
    "{ laos(first: 3) { edges { node { transferredMissions { history { __typename detail"
    " actorRole } } } } } }",
    # the changes feeds (schema.plan_changes): any feed's keys, a profile's or record's value
    "{ changes(kind: LAO_YEAR, first: 3) { baseline nodes { key removed laoCode fiscalYear } } }",
    "{ changes(kind: LAO_PROFILE, first: 3) { nodes { key lao { code province { code } } } } }",
    "{ changes(kind: MISSION_RECORD, first: 3) { nodes { missionRecord { id history { at } } } } }",
    "{ changes(kind: LAO_YEAR, first: 2) { nodes { key laoYear { state governance { staff } } } } }",
    "{ changes(kind: CERTIFICATION, first: 2) { nodes { key laoYear { state } } } }",
    # a feed's mistake fails the whole data before anything is read: the first feed's error,
    # and a refused guard's (`schema.planner._feed_mistakes`)
    "{ a: changes(kind: LAO_PROFILE, first: -1) { baseline } b: changes(kind: MISSION_RECORD,"
    " first: 2) { baseline } c: transferredMissions(first: 1) { totalCount } }",
    # and what another root's resolver raises before its first await (an unknown field)
    '{ p: provenance(laoCode: "x", fiscalYear: 2568, field: "nope") { domain }'
    " c: changes(kind: CERTIFICATION, first: -1) { baseline } }",
    # personal data, guarded per LAO and noted in the read audit (`_guarded_list`)
    "{ laos(first: 2) { edges { node { code recorders { name } } } } }",
    '{ lao(code: "x") { code recorders { name } } }',
    "{ changes(kind: LAO_PROFILE, first: 2) { nodes { lao { recorders { name } } } } }",
    "{ viewer { subject laos { code infoAdministrators { __typename phone } } } }",
    "{ laos(first: 2) { edges { node { code year(fiscalYear: 2568) { certificationHistory {"
    " actorName } } } } } }",
    # each LAO's change log, a page each, under its guard per LAO (schema.plan_change_log)
    '{ lao(code: "x") { code changeLog { totalCount } } }',
    "{ laos(first: 3) { edges { node { changeLog(first: 2) { totalCount pageInfo { hasNextPage }"
    " edges { cursor node { at action actorName changes } } } } } } }",
    "{ changes(kind: LAO_YEAR, first: 2) { nodes { laoYear { sectionVersions { domain } } } } }",
    '{ lao(code: "x") { year(fiscalYear: 2568) { completeness { domain } sectionVersions {'
    " __typename domain version } } } }",
    # help requests: the LAOs the caller covers (`schema.root.mission_help_where`)
    "{ missionHelpRequests(first: 5, filter: {waitingOn: PROVINCE}) { totalCount edges { node {"
    " id subject waitingOn lao { code } missionRecord { id mission { code } } messages {"
    " at party body authorName } } } } }",
    "{ missionHelpRequest(id: 1) { id subject lao { code } messages { body authorName } } }",
    # who acted on an LAO's own mission records and their help requests, decided at the LAO
    '{ lao(code: "1234567") { transferredMissions { history { actorName } } } }',
    "{ laos(first: 2) { edges { node { transferredMissions { helpRequests { id } } } } } }",
    # whether the caller supervises an LAO's district (`schema.shapes.ForCaller`)
    "{ laos(first: 1) { edges { node { district { viewerSupervises } } } } }",
    # an LAO's years side by side (`PagePlan.extra_years`), a province's figures too
    # (`StatsPlan.extra_stats`)
    "{ laos(first: 2) { edges { node { a: year(fiscalYear: 2567) { state } b: year(fiscalYear:"
    " 2568) { state } } } } }",
    "{ provinces { a: stats(fiscalYear: 2568) { fiscalYear } b: stats(fiscalYear: 2569) { fiscalYear } } }",
    # an LAO a row names by id, with more than its profile (the LAO compiler's)
    "{ me { username roles { lao { code year(fiscalYear: 2568) { state } } } } }",
    "{ viewer { subject laos { code transferredMissions { history { actorName } helpRequests"
    " { id } } } } }",
    # a computed root whose rows depend on the caller (`schema.root.CALLER_ROOTS`)
    "{ lpaAssessors { username displayName provinceCode grantedAt } }",
    # objects a computed root's rows name by id (`schema.shapes.OBJECTS_BY_ID`)
    "{ missionRollup(groupBy: [AGENCY]) { agency { code } records } }",
    "{ rounds(fiscalYear: 2568) { id provinceDeadlines { province { code } } } }",
    "{ missionRollup(groupBy: [MISSION, PROVINCE]) { mission { code agency { nameTh } }"
    " province { __typename code } laos } }",
    # a round's fields computed from it and the request's moment (`COMPUTED_FIELDS`)
    "{ rounds { id kind fiscalYear number deadline phase } }",
    '{ rounds(fiscalYear: 2568) { id p: phase(on: "2025-01-01") provinceDeadlines { deadline } } }',
]
UNSUPPORTED = [
    # other roots, filters it does not compile, personal fields
    "{ districts { code } }",
    '{ lao(code: "x") { code changeLog(first: 5000) { totalCount } } }',
    # and the errors the resolvers report: page size, cursor, validation, limits
    "{ laos(first: 5000) { edges { node { code } } } }",
    # a root the resolvers answer failing the whole data: which errors the roots beside it
    # met by then, only the resolvers can say (`Planner._run_plans`); a page too large, or
    # a synchronous resolver failing at once, before the roots beside it even start (a
    # refused guard among them then reports nothing)
    "{ a: laos(first: 1) { totalCount } b: laos(first: 5000) { totalCount } }",
    '{ p: provenance(laoCode: "x", fiscalYear: 2568, field: "nope") { domain }'
    " l: laos(first: 5000) { totalCount } }",
    "{ a: waterSupplySystems(first: 2) { totalCount } b: catalogueDiff(from: 2560, to: 2560)"
    " { retired { name } } }",
    "{ waterSupplySystems(first: 5000) { edges { node { id } } } }",
    '{ laos(first: 2, after: "nope") { edges { node { code } } } }',
    "{ laos(first: 2) { edges { node { nope } } } }",
]


# Roots only the resolvers answer (arguments they refuse: the error is theirs), alone;
# beside a planned root, the planner answers that one and the resolvers these
# (schema.plan_mixed).
RESOLVED = [
    "{ waterSupplySystems(first: 5000) { totalCount } }",
    '{ touristSites(first: 2, after: "nope") { edges { node { id } } } }',
]


def dressed(rng: random.Random, query: str) -> str:
    """`query` as Apollo, Relay and dashboards write it: `__typename` added to selection
    sets, fields aliased, selections moved into inline and named fragments (some also kept
    in place, so fields merge), and fields under `@include` / `@skip`. The answer's keys
    change (aliases, `__typename`), so both paths must agree on the dressed document."""
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    graphql_schema = schema._schema
    fragments: list[str] = []
    counter = iter(range(10_000))

    def field_text(f: FieldNode, parent: Any, alias: str | None = None) -> str:
        name = f.name.value
        text = name
        if f.arguments:
            text += "(" + ", ".join(print_ast(a) for a in f.arguments) + ")"
        if alias is not None:
            text = f"{alias}: {text}"
        elif f.alias is not None:
            text = f"{f.alias.value}: {text}"
        elif rng.random() < 0.2:
            text = f"k{next(counter)}_{name}: {text}"
        if rng.random() < 0.1:  # directives come before the selection set
            text += rng.choice([" @include(if: true)", " @skip(if: false)"])
        if f.selection_set is not None:
            child = get_named_type(parent.fields[name].type)
            text += " { " + selection_text(f.selection_set, child) + " }"
        return text

    def selection_text(ss: Any, parent: Any) -> str:
        items = [field_text(f, parent) for f in ss.selections if isinstance(f, FieldNode)]
        if parent is graphql_schema.query_type:  # clients do not ask the root's type
            return " ".join(items)
        for f in ss.selections:
            # An object asked again under another key, dressed anew (a dashboard's two
            # views of one thing, a page's nodes and a change's value among them).
            if isinstance(f, FieldNode) and f.selection_set is not None and rng.random() < 0.08:
                items.append(field_text(f, parent, f"dup{next(counter)}"))
        if rng.random() < 0.6:
            items.insert(rng.randint(0, len(items)), "__typename")
        if rng.random() < 0.15:
            items.append("__typename @skip(if: true)")
        if len(items) >= 2 and rng.random() < 0.4:
            k = rng.randint(1, len(items) - 1)
            chunk, items = items[:k], items[k:]
            if rng.random() < 0.3:
                items.append(rng.choice(chunk))  # also in place: the two merge
            if rng.random() < 0.5:
                name = f"F{next(counter)}"
                fragments.append(f"fragment {name} on {parent.name} {{ {' '.join(chunk)} }}")
                items.insert(rng.randint(0, len(items)), f"...{name}")
            else:
                items.insert(
                    rng.randint(0, len(items)), f"... on {parent.name} {{ {' '.join(chunk)} }}"
                )
        return " ".join(items)

    variables = ""
    if operation.variable_definitions:
        variables = "(" + ", ".join(print_ast(v) for v in operation.variable_definitions) + ")"
    root = selection_text(operation.selection_set, graphql_schema.query_type)
    return f"query Dressed{variables} {{ {root} }} " + " ".join(fragments)


def _request(query: str, variables: dict[str, Any] | None = None) -> GraphQLRequestData:
    """A request as strawberry's HTTP view hands it to the planner."""
    return GraphQLRequestData(
        query=query, variables=variables or {}, operation_name=None, extensions=None
    )


def _both(settings: Settings, identity: Any) -> Any:
    return (
        serve(settings, identity),
        serve(Settings(**{**settings.__dict__, "planner": False}), identity),
    )


async def _codes(url: str, p: Places) -> list[str]:
    """Codes to look up: current ones, a former one (if the data has any), an unknown one."""
    from sqlalchemy import select

    from hub.db.engine import create_engine
    from hub.db.models import LaoCode

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            former = (
                await conn.execute(
                    select(LaoCode.code).where(LaoCode.valid_to.is_not(None)).limit(1)
                )
            ).scalar()
    finally:
        await engine.dispose()
    return [p.certified_code, p.draft_sao_code, "9999999", *([former] if former else [])]


@pytest.mark.parametrize("who", list(identities(Places(0, "", 0, 0, "", 0, "", "", 0))))
async def test_planned_and_resolver_paths_agree(
    demo_database_url: str, places: Places, who: str
) -> None:
    identity = identities(places)[who]
    settings = Settings(database_url=demo_database_url, environment="test", planner=True)
    rng = random.Random(f"{who}-{demo_database_url.split(':')[0]}")
    planned, resolved = _both(settings, identity)
    async with planned as fast, resolved as slow:
        codes = await _codes(demo_database_url, places)
        cases = [random_query(rng, places) for _ in range(8)]
        cases += [random_lao_query(rng, places, codes) for _ in range(8)]
        cases += [random_stats_query(rng, places) for _ in range(6)]
        cases += [random_records_query(rng, places) for _ in range(8)]
        cases += [random_missions_query(rng, places) for _ in range(6)]
        cases += [random_catalogue_query(rng, places) for _ in range(3)]
        cases += [random_table_list_query(rng, places) for _ in range(3)]
        cases += [random_computed_query(rng, places) for _ in range(4)]
        cases += [random_places_query(rng, places) for _ in range(6)]
        cases += [random_keyed_query(rng, places) for _ in range(5)]
        cases += [random_constant_query(rng, places) for _ in range(4)]
        cases += [random_viewer_query(rng, places) for _ in range(8)]
        cases += [random_changes_query(rng, places) for _ in range(6)]
        cases += [random_help_query(rng, places) for _ in range(3)]
        cases += [random_account_query(rng, places) for _ in range(6)]
        cases += [two_roots(rng.choice(cases), rng.choice(cases)) for _ in range(6)]
        plain = list(cases)
        cases += [(dressed(rng, q), v) for q, v in cases]
        # one root the planner compiles, one the resolvers answer (schema.plan_mixed); some
        # of those are invalid or refused, which the resolvers report for the whole operation
        cases += [
            two_roots(rng.choice(plain), (rng.choice(UNSUPPORTED + RESOLVED), {})) for _ in range(8)
        ]
        cases += [(q, {}) for q in REAL_CLIENT + UNSUPPORTED]
        # variables and fragments only the planned roots use are blanked with them; an error
        # of a resolved root keeps its line and column (schema.plan_mixed)
        cases.append(
            (
                "query Q($n: Int!, $y: Int!, $code: String!) {\n  laos(first: $n) { totalCount }\n"
                "  rounds(fiscalYear: $y) { id ...R }\n  lao(code: $code) { ...L }\n"
                "  x: waterSupplySystems(first: 5000) { totalCount }\n}\n"
                "fragment L on Lao { code }\nfragment R on Round { kind }",
                {"n": 3, "y": places.year, "code": places.certified_code},
            )
        )
        for query, variables in cases:
            a = await graphql_response(fast, query, **variables)
            b = await graphql_response(slow, query, **variables)
            same_answer(a, b, query)


async def test_the_planner_takes_the_supported_queries(
    demo_database_url: str, places: Places
) -> None:
    """The random queries are answered by the planner itself (not by falling back), and the
    unsupported ones are not."""
    from hub.db.engine import create_engine

    planner = Planner(schema)
    engine = create_engine(demo_database_url)
    rng = random.Random(7)
    refused = 0
    try:
        for identity in identities(places).values():
            context = HubContext(engine=engine, identity=identity)
            codes = await _codes(demo_database_url, places)
            for i in range(35):
                if i >= 33:
                    query, variables = random_account_query(rng, places)
                elif i >= 32:
                    query, variables = random_help_query(rng, places)
                elif i >= 30:
                    query, variables = random_changes_query(rng, places)
                elif i >= 28:
                    query, variables = random_computed_query(rng, places)
                elif i >= 26:
                    query, variables = random_viewer_query(rng, places)
                elif i >= 24:
                    query, variables = random_constant_query(rng, places)
                elif i >= 22:
                    query, variables = random_keyed_query(rng, places)
                elif i >= 20:
                    query, variables = random_places_query(rng, places)
                elif i >= 19:
                    query, variables = random_table_list_query(rng, places)
                elif i >= 18:
                    query, variables = random_catalogue_query(rng, places)
                elif i >= 16:
                    query, variables = random_missions_query(rng, places)
                elif i >= 12:
                    query, variables = random_records_query(rng, places)
                elif i >= 8:
                    query, variables = random_stats_query(rng, places)
                elif i % 2:
                    query, variables = random_lao_query(rng, places, codes)
                else:
                    query, variables = random_query(rng, places)
                if i in (5, 10):
                    query, variables = two_roots(
                        (query, variables), random_stats_query(rng, places)
                    )
                if i % 4 > 1:
                    query = dressed(rng, query)
                if over_the_limits(query, variables):
                    refused += 1
                    continue  # the resolvers report it (a dressed copy counts twice)
                request = _request(query, variables)
                assert await planner.execute(request, context) is not None, query
            for query in REAL_CLIENT:
                request = _request(query)
                assert await planner.execute(request, context) is not None, query
            for query in UNSUPPORTED + RESOLVED:
                request = _request(query)
                assert await planner.execute(request, context) is None, query
            for query in RESOLVED:  # beside a planned root, the planner takes the operation
                mixed, _ = two_roots(("{ provinces { code } }", {}), (query, {}))
                request = _request(mixed)
                assert await planner.execute(request, context) is not None, mixed
        # nearly every random one is planned (a dressed copy asks some objects twice: more cost)
        assert refused <= len(identities(places)) * 3
    finally:
        await engine.dispose()


async def test_a_remembered_plan_answers_like_a_fresh_one(
    demo_database_url: str, places: Places
) -> None:
    """Plans are remembered per (document, variables, identity): asking again, in any order
    of callers, gives what a planner that never saw the query gives."""
    from hub.db.engine import create_engine

    engine = create_engine(demo_database_url)
    shared = Planner(schema)
    rng = random.Random(11)
    codes = await _codes(demo_database_url, places)
    try:
        queries = [random_lao_query(rng, places, codes) for _ in range(3)]
        queries += [random_query(rng, places) for _ in range(2)]
        callers = list(identities(places).values())
        for query, variables in queries:
            request = _request(query, variables)
            for identity in [*callers, *reversed(callers)]:
                context = HubContext(engine=engine, identity=identity)
                again = await shared.execute(request, context)
                fresh = await Planner(schema).execute(request, context)
                assert again is not None and fresh is not None, query
                assert (again.data, again.errors) == (fresh.data, fresh.errors), query
    finally:
        await engine.dispose()


async def test_the_constant_roots_depend_on_their_arguments_alone(
    tmp_path: Any, places: Places
) -> None:
    """What `CONSTANT_ROOTS` declares: each root answers the same for every caller with no
    database to read (an engine to a file that is not one), so the planner may remember the
    answer it got for one caller and give it to all (`Planner._answers`); the remembered
    answer (errors included: a pre-2020 year has no diff) is what the resolvers give."""
    from hub.db.engine import create_engine

    (tmp_path / "not-a-database").write_bytes(b"\x00" * 4096)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'not-a-database'}")
    rng = random.Random(13)
    queries = [random_constant_query(rng, places) for _ in range(12)]
    queries.append(("{ catalogueDiff(from: 2560, to: 2568) { fromYear } }", {}))
    planner = Planner(schema)
    try:
        for query, variables in queries:
            answers = []
            for identity in identities(places).values():
                context = HubContext(engine=engine, identity=identity)
                resolved = await schema.execute(
                    query, variable_values=variables, context_value=context
                )
                planned = await planner.execute(_request(query, variables), context)
                assert planned is not None, query
                answers.append((resolved.data, [e.formatted for e in resolved.errors or ()]))
                answers.append((planned.data, [e.formatted for e in planned.errors or ()]))
            assert all(answer == answers[0] for answer in answers), query
        assert len(planner._answers) == len({(q, repr(v)) for q, v in queries})
    finally:
        await engine.dispose()


async def test_a_viewer_of_many_grants_is_planned_like_the_resolvers(
    demo_database_url: str, places: Places
) -> None:
    """A person holding several roles (staff of two LAOs, given out of their codes' order, a
    district's officer, a province's officer and assessor): the planned `viewer` lists its
    LAOs and areas by code and its grants in their order, each with its place, as the
    resolvers do, on random selections."""
    from hub.db.engine import create_engine
    from hub.rules.enums import Role
    from hub.rules.identity import RoleGrant, user

    engine = create_engine(demo_database_url)
    codes = await _codes(demo_database_url, places)
    many = user(
        "many",
        RoleGrant(Role.LAO_RECORDER, lao_id=places.other_lao_id),
        RoleGrant(Role.DISTRICT_OFFICER, district_id=places.district_id),
        RoleGrant(Role.LAO_VERIFIER, lao_id=places.draft_sao_id),
        RoleGrant(Role.PROVINCE_OFFICER, province_id=places.province_id),
        RoleGrant(Role.LPA_ASSESSOR, province_id=places.province_id),
        RoleGrant(Role.DLA_ADMIN),
    )
    planner = Planner(schema)
    rng = random.Random(17)
    try:
        queries = [random_viewer_query(rng, places) for _ in range(16)]
        queries.append(
            (
                "{ viewer { laos { code } grants { role laoCode lao { code } provinceCode"
                " province { code } districtCode district { code province { code } } } } }",
                {},
            )
        )
        for query, variables in queries:
            if over_the_limits(query, variables):
                continue  # the resolvers report it
            context = HubContext(engine=engine, identity=many)
            planned = await planner.execute(_request(query, variables), context)
            assert planned is not None, query
            resolved = await schema.execute(
                query,
                variable_values=variables,
                context_value=HubContext(engine=engine, identity=many),
            )
            assert planned.data == resolved.data, query
            key = lambda e: repr(sorted(e.items()))  # noqa: E731
            assert sorted([e.formatted for e in planned.errors or ()], key=key) == sorted(
                [e.formatted for e in resolved.errors or ()], key=key
            ), query
        grants = planned.data["viewer"]["grants"]  # the last, fixed query
        assert [g["role"] for g in grants][:3] == [
            "LAO_RECORDER",
            "DISTRICT_OFFICER",
            "LAO_VERIFIER",
        ]
        assert sorted(codes)  # the demo has LAOs
    finally:
        await engine.dispose()

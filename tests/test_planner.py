"""The planned read path (schema/planner.py) answers exactly what the resolvers answer.

Differential: random `laos` selections over the catalogue's fields (seeded, so a failure
reproduces), for every identity of `identities(places)` on both backends, each sent to the
hub with the planner on and with it off (HUB_PLANNER=off): the response bodies — data and
errors, paths, codes and order — must be identical. Selections the planner does not
compile must fall back to the resolvers and still agree.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from strawberry.http import GraphQLRequestData
from strawberry.utils.str_converters import to_camel_case

from hub.catalogue import DOMAINS, Kind
from hub.settings import Settings
from schema.context import HubContext
from schema.pagination import encode_cursor
from schema.planner import Planner
from schema.root import schema
from tests.conftest import Places, graphql_response, identities, serve

LAO_SCALARS = [
    "code", "nameTh", "nameEn", "type", "size", "addressNumber", "addressVillageNumber",
    "addressRoad", "postcode", "latitude", "longitude", "phone", "hasWebsite", "websiteUrl",
]  # fmt: skip
PLACES = {
    "province": ["code", "nameTh", "nameEn"],
    "district": ["code", "nameTh"],
    "subdistrict": ["code", "nameTh", "postcode", "latitude", "longitude"],
}
YEAR_SCALARS = [
    "fiscalYear",
    "state",
    "version",
    "dataReceivedAt",
    "stateLabelTh",
    "allDomainsComplete",
]


def _some(rng: random.Random, items: list[str], at_least: int = 1) -> list[str]:
    return rng.sample(items, rng.randint(at_least, len(items)))


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
                if f.kind is Kind.VILLAGE:
                    record.append(
                        f"{to_camel_case(f.name)} {{ {' '.join(_some(rng, ['number', 'nameTh']))} }}"
                    )
                else:
                    record.append(to_camel_case(f.name))
            inner.append(f"{to_camel_case(t.name)} {{ {' '.join(_some(rng, record))} }}")
    rng.shuffle(inner)
    return f"{to_camel_case(domain.key)} {{ {' '.join(inner)} }}"


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
    node = _some(rng, LAO_SCALARS)
    for place, fields in PLACES.items():
        if rng.random() < 0.4:
            node.append(f"{place} {{ {' '.join(_some(rng, fields))} }}")
    if rng.random() < 0.85:
        year = rng.choice([p.year, p.year - 1, p.year + 5])
        if rng.random() < 0.5:
            params.append("$year: Int!")
            variables["year"] = year
            year_arg = "$year"
        else:
            year_arg = str(year)
        inner = _some(rng, YEAR_SCALARS, 0)
        inner += [_section(rng, d) for d in rng.sample(DOMAINS, rng.randint(1, 4))]
        rng.shuffle(inner)
        node.append(f"year(fiscalYear: {year_arg}) {{ {' '.join(inner)} }}")
    rng.shuffle(node)
    connection = [
        f"edges {{ {'cursor ' if rng.random() < 0.5 else ''}node {{ {' '.join(node)} }} }}"
    ]
    if rng.random() < 0.6:
        connection.append("totalCount")
    if rng.random() < 0.6:
        info = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]
        connection.append(f"pageInfo {{ {' '.join(_some(rng, info))} }}")
    rng.shuffle(connection)
    head = f"query Random({', '.join(params)})" if params else "query Random"
    return f"{head} {{ laos({', '.join(args)}) {{ {' '.join(connection)} }} }}", variables


UNSUPPORTED = [
    # aliases, fragments, directives, __typename, other roots, filters it does not compile
    "{ laos(first: 2) { edges { node { c: code } } } }",
    "{ laos(first: 2) { edges { node { ...F } } } } fragment F on Lao { code nameTh }",
    "{ laos(first: 2) { edges { node { code @include(if: true) } } } }",
    "{ laos(first: 2) { __typename edges { node { code } } } }",
    "{ laos(first: 2, filter: {type: SAO}) { edges { node { code } } } }",
    "{ laos(first: 2) { edges { node { code recorders { name } } } } }",
    "{ laos(first: 2) { edges { node { code } } } provinces { code } }",
    # and the errors the resolvers report: page size, cursor, validation, limits
    "{ laos(first: 5000) { edges { node { code } } } }",
    '{ laos(first: 2, after: "nope") { edges { node { code } } } }',
    "{ laos(first: 2) { edges { node { nope } } } }",
]


def _both(settings: Settings, identity: Any) -> Any:
    return (
        serve(settings, identity),
        serve(Settings(**{**settings.__dict__, "planner": False}), identity),
    )


@pytest.mark.parametrize("who", list(identities(Places(0, "", 0, 0, "", 0, "", "", 0))))
async def test_planned_and_resolver_paths_agree(
    demo_database_url: str, places: Places, who: str
) -> None:
    identity = identities(places)[who]
    settings = Settings(database_url=demo_database_url, environment="test", planner=True)
    rng = random.Random(f"{who}-{demo_database_url.split(':')[0]}")
    planned, resolved = _both(settings, identity)
    async with planned as fast, resolved as slow:
        cases = [random_query(rng, places) for _ in range(8)] + [(q, {}) for q in UNSUPPORTED]
        for query, variables in cases:
            a = await graphql_response(fast, query, **variables)
            b = await graphql_response(slow, query, **variables)
            assert a == b, query


async def test_the_planner_takes_the_supported_queries(
    demo_database_url: str, places: Places
) -> None:
    """The random queries are answered by the planner itself (not by falling back), and the
    unsupported ones are not."""
    from hub.database import create_engine

    planner = Planner(schema)
    engine = create_engine(demo_database_url)
    rng = random.Random(7)
    try:
        for identity in identities(places).values():
            context = HubContext(engine=engine, identity=identity)
            for _ in range(4):
                query, variables = random_query(rng, places)
                request = GraphQLRequestData(
                    query=query, variables=variables, operation_name=None, extensions=None
                )
                assert await planner.execute(request, context) is not None, query
            for query in UNSUPPORTED:
                request = GraphQLRequestData(
                    query=query, variables={}, operation_name=None, extensions=None
                )
                assert await planner.execute(request, context) is None, query
    finally:
        await engine.dispose()

"""Query limits (schema.limits) and error conventions (schema.errors).

The rules run against a small schema built here (recursive items, a connection, plain
lists), so they do not depend on the hub's schema; the HTTP tests at the end exercise the
real app and run once `build_schema` includes the extensions.
"""

from __future__ import annotations

import logging
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_object_type,
    is_required_argument,
)
from sqlalchemy import text
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from hub.db.engine import create_engine
from hub.settings import Settings
from schema.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    INTERNAL,
    NOT_FOUND,
    Forbidden,
    MaskInternalErrors,
    NotFound,
)
from schema.limits import (
    QueryLimits,
    QueryLimitsExtension,
    check_page_size,
    count_tokens,
    limit_extensions,
)
from tests.conftest import serve

# --- a test schema -----------------------------------------------------------------------

calls: list[str] = []


@strawberry.type
class Item:
    id: int

    @strawberry.field
    def children(self) -> list[Item]:
        calls.append("children")
        return [Item(id=self.id * 10 + i) for i in range(2)]

    @strawberry.field
    def parent(self) -> Item | None:
        return Item(id=self.id // 10)

    @strawberry.field
    def page(self, first: int | None = None) -> ItemConnection:
        return make_connection(first)


@strawberry.type
class ItemEdge:
    cursor: str
    node: Item


@strawberry.type
class ItemConnection:
    total_count: int
    edges: list[ItemEdge]
    nodes: list[Item]


def make_connection(first: int | None) -> ItemConnection:
    size = check_page_size(first)
    items = [Item(id=i) for i in range(min(size, 3))]
    return ItemConnection(
        total_count=3,
        edges=[ItemEdge(cursor=str(i.id), node=i) for i in items],
        nodes=items,
    )


class Denied(BasePermission):
    message = "Personal data: not for this caller."
    error_extensions = {"code": FORBIDDEN}  # noqa: RUF012 - strawberry reads a class attribute

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field
    def item(self) -> Item:
        calls.append("item")
        return Item(id=1)

    @strawberry.field
    def items(self, first: int | None = None) -> ItemConnection:
        calls.append("items")
        return make_connection(first)

    @strawberry.field
    def boom(self) -> int | None:
        raise RuntimeError("connection to db.internal:5432 refused, password=hunter2")

    @strawberry.field
    def bare(self) -> int | None:
        raise GraphQLError("a bare GraphQLError without a code")

    @strawberry.field(permission_classes=[Denied])
    def phone(self) -> str | None:
        return "081-000-0000"

    @strawberry.field
    def someone_else(self) -> str | None:
        raise Forbidden("Only the LAO's own staff may read this.")

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFound("No LAO has the code 9999999.")

    @strawberry.field
    def echo(self, n: int) -> int:
        return n


def make_schema(limits: QueryLimits | None = None, *, mask: bool = True) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[
            *limit_extensions(limits or QueryLimits()),
            partial(MaskInternalErrors, mask=mask),
        ],
    )


SCHEMA = make_schema()


async def run(
    query: str, schema: strawberry.Schema = SCHEMA, context: Any = None, **variables: Any
) -> Any:
    calls.clear()
    return await schema.execute(query, variable_values=variables or None, context_value=context)


def only_error(result: Any) -> dict[str, Any]:
    assert result.errors, result
    assert len(result.errors) == 1, result.errors
    return result.errors[0].formatted


def chain(field: str, levels: int) -> str:
    """`{ item { field { field ... { id } } } }`: `levels` levels of fields in all."""
    return "{ item { " + f"{field} {{ " * (levels - 2) + "id" + " }" * (levels - 2) + " } }"


def cost_of(query: str, **variables: Any) -> int:
    """The estimated cost, read from the refusal of a schema whose limit is 0."""
    schema = make_schema(QueryLimits(max_cost=0))
    result = schema.execute_sync(query, variable_values=variables or None)
    error = only_error(result)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", error
    return int(error["extensions"]["cost"])


# --- defaults ------------------------------------------------------------------------------


def test_default_limits():
    limits = QueryLimits()
    assert (limits.max_depth, limits.max_aliases, limits.max_tokens) == (12, 30, 5000)
    assert (limits.max_page_size, limits.default_page_size, limits.max_cost) == (1000, 100, 50_000)
    assert limits.assumed_list_size == 10


# --- depth ---------------------------------------------------------------------------------


async def test_a_query_at_the_depth_limit_runs():
    result = await run(chain("parent", 12))
    assert result.errors is None


async def test_a_deeper_query_is_refused_with_its_depth_and_the_limit():
    result = await run(chain("parent", 21))
    error = only_error(result)
    assert error["message"] == "Query has depth 21; the limit is 12."
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 21, "maxDepth": 12}
    assert calls == []  # refused before any resolver ran


async def test_depth_follows_fragments_and_names_the_operation():
    query = """
        query Deep { item { ...A } }
        fragment A on Item { parent { parent { ...B } } }
        fragment B on Item { ... on Item { parent { parent { parent { parent { ...C } } } } } }
        fragment C on Item { parent { parent { parent { parent { parent { parent { id } } } } } } }
    """
    error = only_error(await run(query))
    assert error["message"] == "Operation 'Deep' has depth 14; the limit is 12."
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_chained_fragments_are_measured_once_each():
    """A fragment 'bomb' (each fragment spreads the next one four times) is refused fast."""
    fragments = " ".join(
        f"fragment F{i} on Item {{ "
        + " ".join(f"a{j}: children {{ ...F{i + 1} }}" for j in range(4))
        + " }"
        for i in range(9)
    )
    query = "{ item { ...F0 } } " + fragments + " fragment F9 on Item { id }"
    result = await run(query)
    codes = {e.formatted["extensions"]["code"] for e in result.errors}
    assert codes == {"TOO_MANY_ALIASES", "QUERY_TOO_COSTLY"}, result.errors


# --- aliases -------------------------------------------------------------------------------


async def test_thirty_aliases_are_allowed_and_thirty_one_are_refused():
    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: item {{ id }}" for i in range(n)) + " }"

    assert (await run(aliased(30))).errors is None
    error = only_error(await run(aliased(31)))
    assert error["message"] == "Query uses 31 aliases; the limit is 30."
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 31, "maxAliases": 30}
    assert calls == []


# --- tokens --------------------------------------------------------------------------------


def test_count_tokens_counts_punctuation_names_and_comments():
    assert count_tokens("{ item { id } }", cap=100) == 6
    assert count_tokens("# hello\n{ item(first: 3) { id } }", cap=100) == 12


async def test_too_many_tokens_are_refused_with_the_count_and_the_limit():
    query = "{ " + "id " * 5000 + "}"
    error = only_error(await run(query))
    assert error["message"] == "Query has 5002 tokens; the limit is 5000."
    assert error["extensions"] == {"code": "TOO_MANY_TOKENS", "tokens": 5002, "maxTokens": 5000}


async def test_a_huge_document_is_not_counted_to_its_end():
    error = only_error(await run("{ " + "id " * 100_000 + "}"))
    assert error["message"] == "Query has more than 50000 tokens; the limit is 5000."
    assert error["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_other_syntax_errors_keep_their_message():
    error = only_error(await run("{ item { id }"))
    assert error["message"].startswith("Syntax Error")
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


# --- introspection -------------------------------------------------------------------------


@pytest.mark.parametrize("descriptions", [True, False])
async def test_graphiqls_introspection_query_passes_every_limit(descriptions):
    query = get_introspection_query(
        descriptions=descriptions,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    result = await run(query)
    assert result.errors is None
    assert {"name": "Item"} in [{"name": t["name"]} for t in result.data["__schema"]["types"]]


async def test_introspection_counts_no_depth_and_costs_what_it_declares():
    query = '{ __typename item { __typename id } __type(name: "Item") { fields { name type { ofType { ofType { name } } } } } }'
    # item { id }: 2; __type: 100 whatever it selects; __typename: nothing.
    assert (await run(query, make_schema(QueryLimits(max_depth=2, max_cost=102)))).errors is None
    error = only_error(await run(query, make_schema(QueryLimits(max_depth=2, max_cost=101))))
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 102, "maxCost": 101}


async def test_thirty_aliased_schema_introspections_are_too_costly():
    query = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(30)) + " }"
    error = only_error(await run(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 30 * 10_000


# --- cost ----------------------------------------------------------------------------------


def test_cost_of_a_connection_multiplies_edges_by_first():
    # node { id } costs 1 + 1; edges: 1 + 50 x 2; items: 1 + 101
    assert cost_of("{ items(first: 50) { edges { node { id } } } }") == 102
    assert cost_of("{ items(first: 50) { totalCount nodes { id } } }") == 1 + 1 + (1 + 50 * 1)


def test_cost_reads_first_from_variables_and_their_defaults():
    query = "query($n: Int) { items(first: $n) { edges { node { id } } } }"
    assert cost_of(query, n=7) == 1 + (1 + 7 * 2)
    assert cost_of(query) == 1 + (1 + 100 * 2)  # unset: the default page size
    with_default = "query($n: Int = 20) { items(first: $n) { edges { node { id } } } }"
    assert cost_of(with_default) == 1 + (1 + 20 * 2)
    assert cost_of(with_default, n=3) == 1 + (1 + 3 * 2)


def test_cost_without_first_assumes_the_default_page_size():
    assert cost_of("{ items { edges { node { id } } } }") == 1 + (1 + 100 * 2)


def test_cost_of_plain_lists_assumes_ten_items():
    assert cost_of("{ item { children { id } } }") == 1 + (1 + 10 * 1)
    assert cost_of("{ item { children { children { id } } } }") == 1 + (1 + 10 * (1 + 10 * 1))
    schema = make_schema(QueryLimits(max_cost=0, assumed_list_size=3))
    error = only_error(schema.execute_sync("{ item { children { id } } }"))
    assert error["extensions"]["cost"] == 1 + (1 + 3 * 1)


def test_cost_nests_connections_and_follows_fragments():
    query = """
        { items(first: 10) { edges { node { ...N } } } }
        fragment N on Item { id ... on Item { page(first: 5) { nodes { id } } } }
    """
    # page: 1 + (1 + 5 x 1) = 7; node: 1 + (1 + 7) = 9; edges: 1 + 10 x 9; items: 1 + 91
    assert cost_of(query) == 92


async def test_a_costly_query_is_refused_before_execution_with_cost_and_limit():
    query = (
        "query($n: Int) { items(first: $n) { edges { node { children { children { id } } } } } }"
    )
    # node: 1 + (1 + 10 x (1 + 10)) = 112; edges: 1 + n x 112
    result = await run(query, n=1000)
    error = only_error(result)
    assert error["message"] == (
        "Query has an estimated cost of 112002; the limit is 50000. "
        "Ask for smaller pages (first) or fewer nested lists."
    )
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 112002, "maxCost": 50000}
    assert calls == []
    # The same document with a smaller page runs: the verdict follows the variables.
    result = await run(query, n=100)
    assert result.errors is None
    assert "items" in calls


async def test_an_astronomical_cost_is_reported_as_a_json_safe_number():
    schema = make_schema(QueryLimits(max_depth=100))
    error = only_error(await run(chain("children", 40), schema))
    assert error["extensions"]["cost"] == 10**15 < 2**53
    assert "estimated cost of 1000000000000000 or more" in error["message"]


# --- page size -----------------------------------------------------------------------------


def test_check_page_size():
    assert check_page_size(None) == 100
    assert check_page_size(0) == 0
    assert check_page_size(1000) == 1000
    with pytest.raises(GraphQLError) as too_large:
        check_page_size(5000)
    assert too_large.value.message == "first must be between 0 and 1000, got 5000"
    assert too_large.value.extensions["code"] == "PAGE_SIZE_TOO_LARGE"
    with pytest.raises(GraphQLError) as negative:
        check_page_size(-1)
    assert negative.value.message == "first must be between 0 and 1000, got -1"
    assert negative.value.extensions["code"] == BAD_USER_INPUT
    assert check_page_size(None, QueryLimits(default_page_size=25)) == 25


async def test_a_resolvers_page_size_error_reaches_the_caller_unmasked():
    result = await run(
        "{ items(first: 5000) { totalCount } }", make_schema(QueryLimits(max_cost=10**9))
    )
    error = only_error(result)
    assert error["message"] == "first must be between 0 and 1000, got 5000"
    assert error["extensions"]["code"] == "PAGE_SIZE_TOO_LARGE"
    assert error["path"] == ["items"]


# --- error conventions ---------------------------------------------------------------------

REQUEST = SimpleNamespace(request=SimpleNamespace(scope={"state": {"request_id": "req-42"}}))


async def test_production_hides_an_internal_error_and_logs_it_with_the_request_id(caplog):
    with caplog.at_level(logging.ERROR, logger="hub.errors"):
        result = await run("{ boom echo(n: 1) }", context=REQUEST)
    error = only_error(result)
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": INTERNAL, "requestId": "req-42"}
    assert error["path"] == ["boom"]
    assert result.data == {"boom": None, "echo": 1}
    assert "hunter2" not in str(error)
    [record] = [r for r in caplog.records if r.name == "hub.errors"]
    assert record.request_id == "req-42"
    assert "req-42" in record.getMessage()
    assert "hunter2" in record.getMessage()
    assert record.exc_info is not None
    assert "RuntimeError: connection to db.internal" in caplog.text
    assert "Traceback" in caplog.text


async def test_a_request_id_is_made_up_when_the_context_has_none(caplog):
    with caplog.at_level(logging.ERROR, logger="hub.errors"):
        error = only_error(await run("{ boom }"))
    request_id = error["extensions"]["requestId"]
    assert len(request_id) == 32
    assert request_id in caplog.text


async def test_a_bare_graphql_error_from_a_resolver_counts_as_internal():
    error = only_error(await run("{ bare }"))
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == INTERNAL


async def test_development_keeps_the_message_but_adds_the_code_and_request_id():
    error = only_error(await run("{ boom }", make_schema(mask=False), context=REQUEST))
    assert error["message"] == "connection to db.internal:5432 refused, password=hunter2"
    assert error["extensions"] == {"code": INTERNAL, "requestId": "req-42"}
    assert "Traceback" not in str(error)


@pytest.mark.parametrize("mask", [True, False])
async def test_forbidden_and_not_found_pass_through_untouched(mask, caplog):
    schema = make_schema(mask=mask)
    with caplog.at_level(logging.ERROR, logger="hub.errors"):
        result = await run("{ phone someoneElse missing }", schema, context=REQUEST)
    errors = {tuple(e.path): e.formatted for e in result.errors}
    assert errors[("phone",)]["message"] == "Personal data: not for this caller."
    assert errors[("phone",)]["extensions"] == {"code": FORBIDDEN}
    assert errors[("someoneElse",)]["message"] == "Only the LAO's own staff may read this."
    assert errors[("someoneElse",)]["extensions"] == {"code": FORBIDDEN}
    assert errors[("missing",)]["extensions"] == {"code": NOT_FOUND}
    assert not [r for r in caplog.records if r.name == "hub.errors"]


async def test_forbidden_takes_extra_extensions():
    error = Forbidden(field="phone")
    assert error.message == "You are not allowed to read this."
    assert error.extensions == {"code": FORBIDDEN, "field": "phone"}


async def test_request_errors_get_codes_and_keep_their_messages():
    validation = only_error(await run("{ nope }"))
    assert validation["message"] == "Cannot query field 'nope' on type 'Query'."
    assert validation["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    variable = only_error(await run("query($n: Int!) { echo(n: $n) }", n="five"))
    assert variable["message"].startswith("Variable '$n' has invalid value")
    assert variable["extensions"] == {"code": BAD_USER_INPUT}


# --- the real app ----------------------------------------------------------------------------


def _hub_schema_extensions(**kwargs: Any) -> list[SchemaExtension]:
    try:
        from schema.root import build_schema

        factories = build_schema(**kwargs).extensions
        return [e if isinstance(e, SchemaExtension) else e() for e in factories]
    except Exception:  # the lead's schema is being assembled; not wired yet
        return []


LIMITS_WIRED = any(isinstance(e, QueryLimitsExtension) for e in _hub_schema_extensions())
MASK_WIRED = any(
    isinstance(e, MaskInternalErrors) and e.mask for e in _hub_schema_extensions(mask_errors=True)
)


def deep_query(schema: GraphQLSchema, levels: int) -> str:
    """A query `levels` fields deep through the schema's object fields (no required args)."""
    dead_ends: set[tuple[str, int]] = set()

    def walk(type_: GraphQLObjectType, remaining: int) -> str | None:
        if (type_.name, remaining) in dead_ends:
            return None
        for name, field in type_.fields.items():
            if name.startswith("__") or any(map(is_required_argument, field.args.values())):
                continue
            named = get_named_type(field.type)
            if remaining == 1 and is_leaf_type(named):
                return name
            if remaining > 1 and is_object_type(named):
                inner = walk(named, remaining - 1)
                if inner:
                    return f"{name} {{ {inner} }}"
        dead_ends.add((type_.name, remaining))
        return None

    assert schema.query_type is not None
    selection = walk(schema.query_type, levels)
    assert selection, f"the schema has no path {levels} fields deep"
    return "{ " + selection + " }"


@pytest.mark.skipif(not LIMITS_WIRED, reason="build_schema does not include limit_extensions yet")
async def test_the_hub_refuses_a_thirty_level_query_over_http(migrated_database_url):
    from schema.root import build_schema

    query = deep_query(build_schema()._schema, 30)
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as client:
        response = await client.post("/graphql", json={"query": query})
    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 30, "maxDepth": 12}
    assert error["message"] == "Query has depth 30; the limit is 12."


@pytest.mark.skipif(not MASK_WIRED, reason="build_schema does not include MaskInternalErrors yet")
async def test_the_hub_in_production_masks_a_database_failure_with_the_request_id(
    migrated_database_url, caplog
):
    settings = Settings(
        database_url=migrated_database_url, environment="production", key_encryption_secret="k"
    )
    async with serve(settings) as client:
        engine = create_engine(migrated_database_url)  # break the database under the app
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE provinces RENAME TO provinces_gone"))
        await engine.dispose()
        with caplog.at_level(logging.ERROR, logger="hub.errors"):
            response = await client.post(
                "/graphql",
                json={"query": "{ provinces { __typename } }"},
                headers={"X-Request-Id": "support-ticket-7"},
            )
    assert response.headers["x-request-id"] == "support-ticket-7"
    body = response.json()
    [error] = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "support-ticket-7"}
    assert "provinces_gone" not in response.text and "Traceback" not in response.text
    assert "support-ticket-7" in caplog.text
    assert "Traceback" in caplog.text

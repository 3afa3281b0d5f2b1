"""REST endpoints compiled from the registered operations that declare a `# rest:` route.

For each such operation (`schema.operations`) this module decides, once per process and
against the served schema:

* its parameters (`hub.web.rest_params`: path ones from `{name}`, the other variables as query
  parameters);
* what its 200 answer is: the operation's `data` without the GraphQL envelope, and when the
  operation selects exactly one root field, that field's value (`GET /api/v1/laos/{code}`
  answers the LAO object itself). A root field that resolves to null (nothing by that code, or
  nothing the caller may see) is a 404 problem, so the 200 answer is never null;
* the JSON Schema of that answer, derived from the selection set and the schema's field types
  (every selected field is required and nothing else appears; a nullable field may be null);
* whether it pages: a connection (a root field whose type has `edges` and `pageInfo`) whose
  operation has an `after` variable and selects `pageInfo { hasNextPage endCursor }` gets a
  `Link: <…>; rel="next"` header to the next page.

What cannot be expressed (an input object or JSON variable, a fragment on an abstract type, a
mutation or a POST route, a paging operation that does not select its cursor) raises `RouteError`
naming the operation: the test suite compiles every endpoint, so a bad file fails the build.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from hub.web.rest_params import RestParameter, RouteError, route_parameters
from schema.limits import QueryLimits
from schema.operations import Operation, repository_operations

_SCALARS: dict[str, dict[str, Any]] = {
    "Int": {"type": "integer"},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Date": {"type": "string", "format": "date"},
    "DateTime": {"type": "string", "format": "date-time"},
    "JSON": {},
}


@dataclass(frozen=True)
class RestEndpoint:
    operation: Operation
    method: str
    path: str
    parameters: tuple[RestParameter, ...]
    root_key: str | None  # the one root field's response key, or None: the whole `data`
    root_field: str | None  # its schema field name, for the 404's wording
    paged: bool  # a connection with an `after` variable: Link rel="next"
    response_schema: dict[str, Any]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and "enum" not in schema:
        return {**schema, "type": [kind, "null"]}
    if not schema:
        return schema  # any JSON value, null included
    return {"anyOf": [schema, {"type": "null"}]}


class _Compiler:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def fields(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, origin: str
    ) -> list[tuple[str, FieldNode, GraphQLField | None]]:
        """The selected fields of `parent` in order (fragments on `parent` itself flattened)."""
        found: list[tuple[str, FieldNode, GraphQLField | None]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                name = selection.name.value
                field = parent.fields.get(name)
                if field is None and name != "__typename":
                    raise RouteError(f"{origin}: {parent.name} has no field {name}")
                found.append((key, selection, field))
                continue
            condition: NamedTypeNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            if condition is not None and condition.name.value != parent.name:
                raise RouteError(f"{origin}: fragments on other types are not supported")
            found += self.fields(parent, inner, origin)
        return found

    def object_schema(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, origin: str
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for key, node, field in self.fields(parent, selection_set, origin):
            if field is None:  # __typename
                properties[key] = {"type": "string", "const": parent.name}
            else:
                properties[key] = self.output_schema(field.type, node, origin)
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def output_schema(self, type_: GraphQLOutputType, node: FieldNode, origin: str) -> Any:
        if isinstance(type_, GraphQLNonNull):
            return self.non_null_schema(type_.of_type, node, origin)
        return _nullable(self.non_null_schema(type_, node, origin))

    def non_null_schema(self, type_: Any, node: FieldNode, origin: str) -> dict[str, Any]:
        if isinstance(type_, GraphQLList):
            return {"type": "array", "items": self.output_schema(type_.of_type, node, origin)}
        if isinstance(type_, GraphQLEnumType):
            return {"type": "string", "enum": list(type_.values)}
        if isinstance(type_, GraphQLScalarType):
            if type_.name not in _SCALARS:
                raise RouteError(f"{origin}: no JSON Schema for the scalar {type_.name}")
            return dict(_SCALARS[type_.name])
        if isinstance(type_, GraphQLObjectType):
            assert node.selection_set is not None
            return self.object_schema(type_, node.selection_set, origin)
        raise RouteError(f"{origin}: {node.name.value} has an abstract type (not supported)")


def _unwrapped(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _selects(compiler: _Compiler, parent: GraphQLObjectType, node: FieldNode, *path: str) -> bool:
    """Whether `node`'s selection reaches `path` (e.g. pageInfo, endCursor)."""
    if not path:
        return True
    if node.selection_set is None:
        return False
    for _, child, field in compiler.fields(parent, node.selection_set, ""):
        if child.alias is None and child.name.value == path[0] and field is not None:
            inner = _unwrapped(field.type)
            if len(path) == 1 or isinstance(inner, GraphQLObjectType):
                return _selects(compiler, inner, child, *path[1:])
    return False


def compile_endpoint(schema: GraphQLSchema, operation: Operation) -> RestEndpoint:
    """The REST endpoint of one operation that declares a route (see the module docstring)."""
    assert operation.rest is not None
    origin = f"operation {operation.name}"
    document = parse(operation.document)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    node = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    if operation.kind != "query" or operation.rest.method != "GET":
        # Writes stay on GraphQL, where a mutation's typed result is read as a union.
        raise RouteError(f"{origin}: only a query may have a REST route, and only GET")
    root_type = schema.query_type if operation.kind == "query" else schema.mutation_type
    assert root_type is not None
    compiler = _Compiler(schema, fragments)
    parameters = route_parameters(schema, node, operation.rest.path_parameters, origin=origin)
    roots = compiler.fields(root_type, node.selection_set, origin)
    variables = {p.name for p in parameters}
    paged = False
    root_field = roots[0][2] if len(roots) == 1 else None
    if root_field is not None:
        key, root_node, _ = roots[0]
        response_schema = compiler.non_null_schema(
            _unwrapped_null(root_field.type), root_node, origin
        )
        inner = _unwrapped(root_field.type)
        is_connection = isinstance(inner, GraphQLObjectType) and {"edges", "pageInfo"} <= set(
            inner.fields
        )
        if is_connection and "after" in variables:
            if not (
                _selects(compiler, inner, root_node, "pageInfo", "hasNextPage")
                and _selects(compiler, inner, root_node, "pageInfo", "endCursor")
            ):
                raise RouteError(
                    f"{origin}: a paged route must select pageInfo {{ hasNextPage endCursor }}"
                )
            paged = True
            parameters = _paging_parameters(parameters)
        root_key: str | None = key
        root_name: str | None = root_node.name.value
    else:
        response_schema = compiler.object_schema(root_type, node.selection_set, origin)
        root_key = root_name = None
    return RestEndpoint(
        operation=operation,
        method=operation.rest.method,
        path=operation.rest.path,
        parameters=parameters,
        root_key=root_key,
        root_field=root_name,
        paged=paged,
        response_schema=response_schema,
    )


# A cursor the hub issues: URL-safe base64 without padding (`schema.pagination`).
CURSOR_PATTERN = "^[A-Za-z0-9_-]{1,200}$"


def _paging_parameters(parameters: tuple[RestParameter, ...]) -> tuple[RestParameter, ...]:
    """A paged endpoint's `first` is a page size within the query limits and its `after` a
    cursor of the hub's form: the document states both, and the route checks them."""
    page_size = QueryLimits().max_page_size
    return tuple(
        dataclasses.replace(p, minimum=0, maximum=page_size)
        if p.name == "first" and p.location == "query"
        else dataclasses.replace(p, pattern=CURSOR_PATTERN)
        if p.name == "after" and p.location == "query"
        else p
        for p in parameters
    )


def _unwrapped_null(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def compile_endpoints(
    schema: GraphQLSchema, operations: dict[str, Operation] | None = None
) -> tuple[RestEndpoint, ...]:
    """Every operation's endpoint, ordered by path; two routes on one path and method fail."""
    operations = repository_operations() if operations is None else operations
    endpoints = sorted(
        (compile_endpoint(schema, op) for op in operations.values() if op.rest is not None),
        key=lambda e: (e.path, e.method),
    )
    seen: set[tuple[str, str]] = set()
    for endpoint in endpoints:
        if (endpoint.method, endpoint.path) in seen:
            raise RouteError(f"two operations declare {endpoint.method} {endpoint.path}")
        seen.add((endpoint.method, endpoint.path))
    return tuple(endpoints)

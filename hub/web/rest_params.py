"""REST parameters from a registered operation's GraphQL variables: read, coerced, described.

A REST route (`schema.operations`, `# rest: GET /api/v1/laos/{code}`) takes each variable of
its operation as a parameter: a path parameter when the path names it (`{code}`), a query
parameter otherwise. What a parameter accepts follows the variable's GraphQL type, and the
same declaration gives both the coercion (`RestParameter.coerce`) and the OpenAPI schema
(`RestParameter.json_schema`), so the document can never promise what the route refuses:

| GraphQL type            | REST text                         | JSON Schema                       |
|-------------------------|-----------------------------------|-----------------------------------|
| `Int`                   | decimal digits, 32-bit            | integer, int32 bounds             |
| `Float`                 | a decimal number                  | number                            |
| `Boolean`               | `true` or `false`                 | boolean                           |
| `String`, `ID`, `Date`, `DateTime` | the text as sent       | string (format date / date-time)  |
| an enum                 | one of its names                  | string with `enum`                |
| `[T]`                   | the parameter repeated (query)    | array of T, `explode: true`       |

A variable that is non-null without a default is a required parameter. Input objects and the
`JSON` scalar cannot be a parameter: an operation declaring one fails to build its route
(`RouteError`), and the test suite builds every route. A bad value, a missing required one,
one given twice, or a query parameter the operation does not have is refused before anything
runs with `InvalidInput` naming the parameter (400 `BAD_USER_INPUT`, `field`). The values
then go to GraphQL as the operation's variables, where GraphQL's own coercion and the text
rules (`schema.text_guard`) apply as on `/graphql`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    type_from_ast,
    value_from_ast,
)

from hub.rules.problems import invalid

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_INT = re.compile(r"^-?[0-9]{1,10}$")
_FLOAT = re.compile(r"^-?[0-9]{1,300}(\.[0-9]{1,300})?([eE][-+]?[0-9]{1,3})?$")
_STRING_FORMATS = {"Date": "date", "DateTime": "date-time"}
_STRINGS = {"String", "ID", "Date", "DateTime"}


class RouteError(ValueError):
    """An operation whose variables cannot all be REST parameters; names it and why."""


@dataclass(frozen=True)
class RestParameter:
    name: str
    location: str  # "path" or "query"
    type: GraphQLInputType
    required: bool
    description: str = ""
    minimum: int | None = None  # an Int parameter's bounds, when the hub knows them
    maximum: int | None = None
    pattern: str | None = None  # a string parameter's form, when the hub knows it

    @property
    def _named(self) -> GraphQLScalarType | GraphQLEnumType:
        inner: Any = self.type
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            inner = inner.of_type
        return inner  # type: ignore[no-any-return]

    @property
    def is_list(self) -> bool:
        inner = self.type.of_type if isinstance(self.type, GraphQLNonNull) else self.type
        return isinstance(inner, GraphQLList)

    def json_schema(self) -> dict[str, Any]:
        item = _scalar_schema(self._named)
        if self.minimum is not None:
            item["minimum"] = self.minimum
        if self.maximum is not None:
            item["maximum"] = self.maximum
        if self.pattern is not None:
            item["pattern"] = self.pattern
        return {"type": "array", "items": item} if self.is_list else item

    def coerce(self, values: Sequence[str]) -> Any:
        """The variable's value from the parameter's texts (query parameters may repeat)."""
        if self.is_list:
            return [self._one(v) for v in values]
        if len(values) > 1:
            raise invalid(
                self.name,
                "REPEATED",
                "is given more than once",
                "ระบุพารามิเตอร์นี้มากกว่าหนึ่งครั้ง",
            )
        return self._one(values[0])

    def _one(self, text: str) -> Any:
        named = self._named
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise invalid(
                self.name,
                "NOT_A_CURSOR" if self.name == "after" else "BAD_FORM",
                f"{text[:40]!r} is not of the expected form",
                "รูปแบบไม่ถูกต้อง",
            )
        if isinstance(named, GraphQLEnumType):
            if text not in named.values:
                raise invalid(
                    self.name,
                    "NOT_A_CHOICE",
                    f"{text[:40]!r} is not one of {', '.join(named.values)}",
                    "ค่าที่ระบุไม่อยู่ในตัวเลือก",
                )
            return text
        if named.name == "Int":
            number = int(text) if _INT.match(text) else None
            if number is None or not INT_MIN <= number <= INT_MAX:
                raise invalid(
                    self.name,
                    "NOT_AN_INTEGER",
                    f"an integer is expected, got {text[:20]!r}",
                    "ต้องเป็นจำนวนเต็ม",
                )
            low = INT_MIN if self.minimum is None else self.minimum
            high = INT_MAX if self.maximum is None else self.maximum
            if not low <= number <= high:
                raise invalid(
                    self.name,
                    "OUT_OF_RANGE",
                    f"must be between {low} and {high}, got {number}",
                    f"ต้องอยู่ระหว่าง {low} ถึง {high}",
                )
            return number
        if named.name == "Float":
            value = float(text) if _FLOAT.match(text) else math.nan
            if not math.isfinite(value):
                raise invalid(
                    self.name,
                    "NOT_A_NUMBER",
                    f"a number is expected, got {text[:20]!r}",
                    "ต้องเป็นตัวเลข",
                )
            return value
        if named.name == "Boolean":
            if text not in ("true", "false"):
                raise invalid(
                    self.name,
                    "NOT_A_BOOLEAN",
                    f"true or false is expected, got {text[:20]!r}",
                    "ต้องเป็น true หรือ false",
                )
            return text == "true"
        return text


def _scalar_schema(named: GraphQLScalarType | GraphQLEnumType) -> dict[str, Any]:
    if isinstance(named, GraphQLEnumType):
        return {"type": "string", "enum": list(named.values)}
    if named.name == "Int":
        return {"type": "integer", "format": "int32", "minimum": INT_MIN, "maximum": INT_MAX}
    if named.name == "Float":
        return {"type": "number"}
    if named.name == "Boolean":
        return {"type": "boolean"}
    schema: dict[str, Any] = {"type": "string"}
    if named.name in _STRING_FORMATS:
        schema["format"] = _STRING_FORMATS[named.name]
    return schema


def _supported(type_: GraphQLInputType) -> bool:
    inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        inner = inner.of_type
        inner = inner.of_type if isinstance(inner, GraphQLNonNull) else inner
    if isinstance(inner, GraphQLEnumType):
        return True
    return isinstance(inner, GraphQLScalarType) and (
        inner.name in _STRINGS or inner.name in ("Int", "Float", "Boolean")
    )


def route_parameters(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    path_names: Sequence[str],
    *,
    origin: str,
) -> tuple[RestParameter, ...]:
    """The parameters of an operation's route (path ones first, in the path's order)."""
    found: list[RestParameter] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_: Any = type_from_ast(schema, definition.type)
        if type_ is None or not _supported(type_):
            raise RouteError(f"{origin}: variable ${name} cannot be a REST parameter")
        in_path = name in path_names
        if in_path and isinstance(
            type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList
        ):
            raise RouteError(f"{origin}: path parameter {{{name}}} cannot be a list")
        has_default = (
            definition.default_value is not None
            and value_from_ast(definition.default_value, type_) is not None
        )
        required = in_path or (isinstance(type_, GraphQLNonNull) and not has_default)
        found.append(RestParameter(name, "path" if in_path else "query", type_, required))
    found.sort(
        key=lambda p: (
            p.location != "path",
            path_names.index(p.name) if p.location == "path" else 0,
        )
    )
    return tuple(found)


def read_parameters(
    parameters: Sequence[RestParameter],
    path_values: Mapping[str, str],
    query: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The operation's variables from a request's path and query (see the module docstring)."""
    known = {p.name for p in parameters if p.location == "query"}
    given: dict[str, list[str]] = {}
    for key, value in query:
        if key not in known:
            raise invalid(
                key[:60],
                "UNKNOWN_PARAMETER",
                "is not a parameter of this endpoint",
                "ไม่ใช่พารามิเตอร์ของบริการนี้",
            )
        given.setdefault(key, []).append(value)
    variables: dict[str, Any] = {}
    for parameter in parameters:
        texts = (
            [path_values[parameter.name]]
            if parameter.location == "path"
            else given.get(parameter.name, [])
        )
        if not texts:
            if parameter.required:
                raise invalid(parameter.name, "REQUIRED", "is required", "ต้องระบุพารามิเตอร์นี้")
            continue
        variables[parameter.name] = parameter.coerce(texts)
    return variables

"""The breaking-change guard: what the current schema may not do to the last released one.

`hub schema release` writes the current contract to `schema/released.graphql` when a version
of the API is released to its consumers. From then on (`tests/test_breaking_changes.py`):

* no field, argument, enum value, input field or type of the released contract may be
  removed or retyped, nor a required argument or input field added, unless the released
  contract already marked that field or value `@deprecated` (remove it a release after
  deprecating it: consumers had the warning in their schema);
* every registered operation (`schema/operations`, and those in a database: `hub operations
  check`) still validates.

graphql-core's `find_breaking_changes` finds the changes; each is allowed only when the
member it names was deprecated in the released contract. Dangerous changes (an enum value or
an optional argument added) are reported but allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    BreakingChange,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

RELEASED_FILE = Path(__file__).resolve().parent / "released.graphql"

_MEMBER = re.compile(r"\b([_A-Za-z][_0-9A-Za-z]*)\.([_A-Za-z][_0-9A-Za-z]*)\b")


def _deprecated_in(released: GraphQLSchema, change: BreakingChange) -> bool:
    """Whether the member `change` is about was deprecated in the released contract."""
    found = _MEMBER.search(change.description)
    if found is None:
        return False
    owner = released.type_map.get(found[1])
    member = found[2]
    if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        field = owner.fields.get(member)
        return field is not None and field.deprecation_reason is not None
    if isinstance(owner, GraphQLEnumType):
        value = owner.values.get(member)
        return value is not None and value.deprecation_reason is not None
    return False


def unannounced_breaking_changes(released_sdl: str, current: GraphQLSchema) -> list[str]:
    """The breaking changes from `released_sdl` to `current` not announced by a deprecation."""
    released = build_schema(released_sdl)
    return [
        change.description
        for change in find_breaking_changes(released, current)
        if not _deprecated_in(released, change)
    ]


def dangerous_changes(released_sdl: str, current: GraphQLSchema) -> list[str]:
    return [c.description for c in find_dangerous_changes(build_schema(released_sdl), current)]

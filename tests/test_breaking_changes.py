"""The breaking-change guard (schema/contract.py): the current schema against the last
released contract (schema/released.graphql, `hub schema release`), and every registered
operation against the current schema. It must fail on a deliberately broken schema."""

from __future__ import annotations

from graphql import build_schema as build_sdl

from schema.contract import RELEASED_FILE, dangerous_changes, unannounced_breaking_changes
from schema.operations import parse_operation, repository_operations
from schema.operations.registry import problems_of
from schema.root import build_schema


def current_schema():
    return build_schema()._schema


def test_the_schema_keeps_the_released_contract() -> None:
    released = RELEASED_FILE.read_text(encoding="utf-8")
    broken = unannounced_breaking_changes(released, current_schema())
    assert not broken, (
        "the schema breaks the released contract (deprecate first, remove a release later):\n"
        + "\n".join(broken)
    )
    for change in dangerous_changes(released, current_schema()):
        print(f"dangerous (allowed): {change}")


def test_every_registered_operation_still_validates() -> None:
    schema = current_schema()
    for operation in repository_operations().values():
        assert not problems_of(schema, operation), operation.name


RELEASED = """
type Query {
  lao(code: String!): Lao
  provinces: [String!]! @deprecated(reason: "use regions")
  regions: [String!]!
}
type Lao { code: String! nameTh: String! size: Size oldName: String @deprecated(reason: "nameTh") }
enum Size { SMALL MEDIUM LARGE HUGE @deprecated(reason: "none are") }
"""


def test_the_guard_fails_on_a_deliberately_broken_schema() -> None:
    broken = build_sdl(
        """
        type Query { lao(code: Int!): Lao regions: [String!]! }
        type Lao { code: Int! size: Size }
        enum Size { SMALL MEDIUM }
        """
    )
    found = unannounced_breaking_changes(RELEASED, broken)
    assert any("Lao.nameTh was removed" in c for c in found)  # removed, never deprecated
    assert any("Lao.code changed type" in c for c in found)  # retyped
    assert any("Query.lao" in c and "changed type" in c for c in found)  # argument retyped
    assert any("Size.LARGE was removed" in c for c in found)
    # Removing what the released contract had deprecated is allowed.
    assert not any("Query.provinces" in c or "Lao.oldName" in c or "Size.HUGE" in c for c in found)


def test_removing_only_deprecated_members_passes() -> None:
    evolved = build_sdl(
        """
        type Query { lao(code: String!): Lao regions: [String!]! lpa: Int }
        type Lao { code: String! nameTh: String! size: Size }
        enum Size { SMALL MEDIUM LARGE }
        """
    )
    assert unannounced_breaking_changes(RELEASED, evolved) == []


def test_a_registered_operation_broken_by_a_schema_change_fails() -> None:
    operation = parse_operation(
        "# version: 1\nquery Old { provinces }\n", origin="old.graphql", source="database"
    )
    schema = build_sdl("type Query { regions: [String!]! }")
    assert problems_of(schema, operation)

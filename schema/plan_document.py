"""The planner's front end: a validated query operation as the field tree it asks for.

Real clients rarely send the plain documents the planner compiles: Apollo Client adds
`__typename` to every selection set, Relay and most code generators use named fragments,
dashboards use aliases and `@include`/`@skip`. This module applies the GraphQL
specification's CollectFields to the whole operation, ahead of planning, so the compiler
sees one shape whatever the spelling:

* fragment spreads and inline fragments are replaced by their fields when their type
  condition applies to the object type at that point (the type itself, or an interface or
  union it belongs to); a fragment spread is followed once per selection set, as the spec
  says;
* `@skip(if:)` and `@include(if:)` are evaluated with the coerced variables, and the fields
  they drop are gone;
* fields with the same response key (the alias, else the name) are merged, in the order of
  their first appearance, their selection sets concatenated and collected again one level
  down: exactly the keys, in exactly the order, that graphql-core's executor produces;
* every resulting field is a plain `FieldNode` with no directives; an alias stays on the
  node only where it differs from the field's name, so a plain document normalises to an
  equal tree, and `schema.plan_common._key` gives the key the answer uses;
* `__typename` stays a field; the compiler answers it with the object type's name, which
  it takes from the GraphQL schema (`type_name_of`), never from a hand-written string.

Merged fields keep every original node (`Normalised.origins`), so an error located at such
a field lists every location the resolvers' error lists. The result is a pure function of
(document, variables), so it is computed once per plan and cached with it. Anything it does
not model (a selection on an abstract type, an unknown fragment: validation would have
refused it) raises `Unsupported`, and the request goes to the resolvers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)
from graphql.execution.values import get_directive_values

from schema.plan_common import Unsupported, _key

TYPENAME = "__typename"


@dataclass
class Normalised:
    """An operation's root fields after CollectFields, and the nodes each merged field came
    from (by the new node's identity; the new nodes live as long as this object)."""

    roots: list[FieldNode]
    origins: dict[int, list[FieldNode]] = field(default_factory=dict)

    def nodes_of(self, node: FieldNode) -> list[FieldNode]:
        """The document's own nodes behind `node` (for an error's locations)."""
        return self.origins.get(id(node), [node])


def normalise_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Any,
) -> Normalised:
    """The operation's root fields on the query type, collected and merged (see above)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    query_type = schema.query_type
    if query_type is None:
        raise Unsupported("no query type")
    result = Normalised([])
    result.roots = _collect(
        schema, fragments, variables, [operation.selection_set], query_type, result
    )
    return result


def type_name_of(schema: GraphQLSchema, parent: str, field_name: str) -> str:
    """The name of the object type a field of `parent` returns (lists and non-null unwrapped)."""
    parent_type = schema.get_type(parent)
    if not isinstance(parent_type, GraphQLObjectType) or field_name not in parent_type.fields:
        raise Unsupported(f"{parent}.{field_name}")
    name: str = get_named_type(parent_type.fields[field_name].type).name
    return name


def _included(node: Any, variables: Any) -> bool:
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip is not None and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include is not None and include.get("if") is False)


def _applies(
    schema: GraphQLSchema, condition: NamedTypeNode | None, parent: GraphQLObjectType
) -> bool:
    if condition is None:
        return True
    named = schema.get_type(condition.name.value)
    if named is parent:
        return True
    return bool(is_abstract_type(named) and schema.is_sub_type(named, parent))


def _collect(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any,
    selection_sets: list[SelectionSetNode],
    parent: GraphQLObjectType,
    result: Normalised,
) -> list[FieldNode]:
    groups: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def visit(selection_set: SelectionSetNode) -> None:
        for s in selection_set.selections:
            if not _included(s, variables):
                continue
            if isinstance(s, FieldNode):
                groups.setdefault(_key(s), []).append(s)
            elif isinstance(s, InlineFragmentNode):
                if _applies(schema, s.type_condition, parent):
                    visit(s.selection_set)
            elif isinstance(s, FragmentSpreadNode):
                name = s.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = fragments.get(name)
                if fragment is None:
                    raise Unsupported(f"fragment {name}")
                if _applies(schema, fragment.type_condition, parent):
                    visit(fragment.selection_set)

    for selection_set in selection_sets:
        visit(selection_set)

    out: list[FieldNode] = []
    for key, nodes in groups.items():
        first = nodes[0]
        name = first.name.value
        alias = NameNode(value=key) if key != name else None
        if name == TYPENAME:
            out.append(
                FieldNode(name=first.name, alias=alias, arguments=(), directives=(), loc=first.loc)
            )
            continue
        field_def = parent.fields.get(name)
        if field_def is None:
            raise Unsupported(f"{parent.name}.{name}")
        if first.selection_set is None:
            leaf = FieldNode(
                name=first.name,
                alias=alias,
                arguments=first.arguments,
                directives=(),
                loc=first.loc,
            )
            if len(nodes) > 1:  # a leaf's error (a refused `actorName`) lists every location
                result.origins[id(leaf)] = nodes
            out.append(leaf)
            continue
        named = get_named_type(field_def.type)
        if not isinstance(named, GraphQLObjectType):
            raise Unsupported(f"a selection on {named.name}")
        children = _collect(
            schema,
            fragments,
            variables,
            [n.selection_set for n in nodes if n.selection_set is not None],
            named,
            result,
        )
        node = FieldNode(
            name=first.name,
            alias=alias,
            arguments=first.arguments,
            directives=(),
            selection_set=SelectionSetNode(selections=tuple(children)),
            loc=first.loc,
        )
        result.origins[id(node)] = nodes
        out.append(node)
    return out

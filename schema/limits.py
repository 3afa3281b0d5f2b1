"""Query limits: depth, aliases, tokens, page size and an estimated cost, refused with clear errors.

Every refusal happens before any resolver runs and carries `extensions.code`
(`QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`, `TOO_MANY_TOKENS`, `QUERY_TOO_COSTLY`) plus the
measured value and the limit, e.g. `{"code": "QUERY_TOO_COSTLY", "cost": 120001,
"maxCost": 50000}`. Introspection does not count towards depth or aliases; it has a cost
(`__schema` answers the whole schema), within which GraphiQL's introspection query fits.

Depth counts levels of fields: `{ provinces { code } }` has depth 2.

Cost estimate: a field costs 1 plus its children's cost times a multiplier. A connection
field (its type's name ends in "Connection") multiplies the cost of its `edges`/`nodes` by
its `first` argument (a literal or a variable; `default_page_size` when absent); any other
list field multiplies its children by `assumed_list_size`. Fields that do real work of
their own (roll-ups, COUNTs, introspection, a transaction per item of a mutation's list)
add what `schema.costs` declares for them: per resolution, once per distinct arguments for
work shared through a DataLoader, per item of a list argument.

Why a schema extension and not plain validation rules: a validation rule only sees the
document, not the request's variables, so `first: $first` could not be costed. The
extension's `on_operation` hook runs per request, when `execution_context.variables` is
known, and adds a validation rule bound to those variables; graphql-core then runs it with
the standard rules, before execution. (Do not combine with strawberry's `ValidationCache`,
which would reuse one request's verdict for another's variables.) The depth and alias
counts are re-implemented rather than taken from strawberry's limiters, to set the codes and
to memoise fragments: strawberry's walk is exponential in chained fragment spreads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.language import Lexer, ListValueNode, TokenKind
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from schema.costs import FieldCost, field_cost
from schema.errors import (
    BAD_USER_INPUT,
    PAGE_SIZE_TOO_LARGE,
    QUERY_TOO_COSTLY,
    QUERY_TOO_DEEP,
    TOO_MANY_ALIASES,
    TOO_MANY_TOKENS,
)


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_page_size: int = 1000
    default_page_size: int = 100
    max_cost: int = 50_000
    assumed_list_size: int = 10


DEFAULT_LIMITS = QueryLimits()

# Costs saturate here: big enough to exceed any sensible limit, small enough for JSON
# numbers (below 2**53) and for orjson (64-bit integers).
COST_CEILING = 10**15
PAGED_CHILDREN = frozenset({"edges", "nodes"})


def check_page_size(first: int | None, limits: QueryLimits = DEFAULT_LIMITS) -> int:
    """The page size a resolver should use for `first`, or a GraphQL error for the caller."""
    if first is None:
        return limits.default_page_size
    if 0 <= first <= limits.max_page_size:
        return first
    raise GraphQLError(
        f"first must be between 0 and {limits.max_page_size}, got {first}",
        extensions={
            "code": PAGE_SIZE_TOO_LARGE if first > limits.max_page_size else BAD_USER_INPUT,
            "field": "first",
            "maxPageSize": limits.max_page_size,
        },
    )


def limit_extensions(limits: QueryLimits = DEFAULT_LIMITS) -> list[Callable[[], SchemaExtension]]:
    """Schema extension factories enforcing `limits` (one fresh extension per request)."""
    return [partial(QueryLimitsExtension, limits)]


class QueryLimitsExtension(SchemaExtension):
    def __init__(self, limits: QueryLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        rule = _limits_rule(self.limits, dict(context.variables or {}))
        context.validation_rules = (*context.validation_rules, rule)
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.limits.max_tokens
        yield
        # graphql-core aborts with a bare syntax error; give it our code, the count and limit.
        # strawberry hands the same error object to the caller, so it is amended in place.
        for error in context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and _TOKENS_ABORTED.search(error.message):
                _explain_too_many_tokens(error, context.query or "", self.limits.max_tokens)


_TOKENS_ABORTED = re.compile(r"Document contains more than \d+ tokens")


def count_tokens(query: str, cap: int) -> int:
    """Tokens in `query` as graphql-core's `max_tokens` counts them (comments included),
    counting stops after `cap`; a lexing error ends the count where it occurs."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while count <= cap:
            token = lexer.advance()
            previous = token.prev
            while previous is not None and previous.kind is TokenKind.COMMENT:
                count += 1
                previous = previous.prev
            if token.kind is TokenKind.EOF:
                break
            count += 1
    except GraphQLSyntaxError:
        pass
    return count


def _explain_too_many_tokens(error: GraphQLError, query: str, max_tokens: int) -> None:
    cap = 10 * max_tokens
    count = count_tokens(query, cap)
    if count > cap:
        error.message = f"Query has more than {cap} tokens; the limit is {max_tokens}."
    else:
        error.message = f"Query has {count} tokens; the limit is {max_tokens}."
    error.extensions = {"code": TOO_MANY_TOKENS, "tokens": count, "maxTokens": max_tokens}


def _limits_rule(limits: QueryLimits, variables: Mapping[str, Any]) -> type[ValidationRule]:
    class QueryLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            _check_document(context, limits, variables)

    return QueryLimitsRule


def _check_document(
    context: ValidationContext, limits: QueryLimits, variables: Mapping[str, Any]
) -> None:
    fragments = {
        d.name.value: d
        for d in context.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    for operation in context.document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        what = f"Operation '{operation.name.value}'" if operation.name else "Query"
        try:
            walker = _Walker(context, fragments, limits, variables, operation)
            depth = walker.depth(operation.selection_set)
            aliases = walker.aliases(operation.selection_set)
        except RecursionError:
            context.report_error(
                GraphQLError(
                    f"{what} is nested too deeply to analyse; the depth limit is {limits.max_depth}.",
                    operation,
                    extensions={"code": QUERY_TOO_DEEP, "maxDepth": limits.max_depth},
                )
            )
            continue
        if depth > limits.max_depth:
            context.report_error(
                GraphQLError(
                    f"{what} has depth {depth}; the limit is {limits.max_depth}.",
                    operation,
                    extensions={
                        "code": QUERY_TOO_DEEP,
                        "depth": depth,
                        "maxDepth": limits.max_depth,
                    },
                )
            )
            continue  # its cost is out of bounds too; one error says enough
        if aliases > limits.max_aliases:
            context.report_error(
                GraphQLError(
                    f"{what} uses {aliases} aliases; the limit is {limits.max_aliases}.",
                    operation,
                    extensions={
                        "code": TOO_MANY_ALIASES,
                        "aliases": aliases,
                        "maxAliases": limits.max_aliases,
                    },
                )
            )
        root = context.schema.get_root_type(operation.operation)
        cost = walker.cost(operation.selection_set, root, None) if root else 0
        cost = min(cost + sum(walker.shared.values()), COST_CEILING)
        if cost > limits.max_cost:
            shown = f"{cost} or more" if cost >= COST_CEILING else str(cost)
            context.report_error(
                GraphQLError(
                    f"{what} has an estimated cost of {shown}; the limit is {limits.max_cost}. "
                    "Ask for smaller pages (first) or fewer nested lists.",
                    operation,
                    extensions={"code": QUERY_TOO_COSTLY, "cost": cost, "maxCost": limits.max_cost},
                )
            )


class _Walker:
    """Depth, aliases and cost of one operation; fragments are measured once each."""

    def __init__(
        self,
        context: ValidationContext,
        fragments: Mapping[str, FragmentDefinitionNode],
        limits: QueryLimits,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = context.schema
        self.fragments = fragments
        self.limits = limits
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self._depth: dict[str, int] = {}
        self._aliases: dict[str, int] = {}
        self._cost: dict[tuple[str, int | None], int] = {}
        # Work shared by every field asking with the same arguments, counted once each:
        # (shared key, arguments) -> weight.
        self.shared: dict[tuple[str, str], int] = {}

    def _fragment(self, spread: FragmentSpreadNode, memo: dict[Any, int], key: Any) -> Any:
        """The fragment to measure, or None if unknown, already measured or in a cycle."""
        if key in memo:
            return None
        memo[key] = 0  # a cycle (refused by NoFragmentCyclesRule) counts as nothing
        return self.fragments.get(spread.name.value)

    def depth(self, selection_set: SelectionSetNode) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                below = self.depth(selection.selection_set) if selection.selection_set else 0
                deepest = max(deepest, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragment(selection, self._depth, name)
                if fragment is not None:
                    self._depth[name] = self.depth(fragment.selection_set)
                deepest = max(deepest, self._depth.get(name, 0))
        return deepest

    def aliases(self, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += selection.alias is not None
                if selection.selection_set:
                    total += self.aliases(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.aliases(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragment(selection, self._aliases, name)
                if fragment is not None:
                    self._aliases[name] = self.aliases(fragment.selection_set)
                total += self._aliases.get(name, 0)
        return total

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None
    ) -> int:
        """Cost of a selection set on `parent`; `page` is set inside a connection."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, on, page)
            elif isinstance(selection, FragmentSpreadNode):
                key = (selection.name.value, page)
                fragment = self._fragment(selection, self._cost, key)
                if fragment is not None:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    self._cost[key] = self.cost(fragment.selection_set, on, page)
                total += self._cost.get(key, 0)
        return min(total, COST_CEILING)

    def _field_cost(
        self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None
    ) -> int:
        name = node.name.value
        declared = field_cost(parent.name if parent is not None else None, name)
        if name.startswith("__"):  # introspection: what it declares, nothing below it
            return declared.weight if declared is not None else 0
        own, items = 1, None
        if declared is not None:
            own, items = self._declared(node, declared)
            if declared.opaque:
                return own
        fields = getattr(parent, "fields", None)
        field = fields.get(name) if isinstance(fields, Mapping) else None
        if field is None or not node.selection_set:
            return own  # a leaf, or unknown (another rule reports it)
        if page is not None and name in PAGED_CHILDREN:
            multiplier = page
        elif is_list_type(get_nullable_type(field.type)):
            size = declared.list_size if declared is not None else None
            multiplier = items if items is not None else size or self.limits.assumed_list_size
        else:
            multiplier = 1
        child_type = get_named_type(field.type)
        child_page = self._page_size(node) if child_type.name.endswith("Connection") else None
        return min(
            own + multiplier * self.cost(node.selection_set, child_type, child_page), COST_CEILING
        )

    def _declared(self, node: FieldNode, declared: FieldCost) -> tuple[int, int | None]:
        """The field's own cost (1 + its declared work) and the items of its list argument."""
        own = 1
        if declared.shared is not None:
            self.shared[(declared.shared, self._arguments(node))] = declared.weight
        else:
            own += declared.weight
        items = None
        if declared.per_item is not None:
            items = self._items(node, declared.per_item)
            if declared.max_items is not None:
                items = min(items, declared.max_items)
            own += declared.item_weight * items
        return min(own, COST_CEILING), items

    def _value(self, value: Any) -> Any:
        return value_from_ast_untyped(value, self.variables)

    def _arguments(self, node: FieldNode) -> str:
        """The field's arguments with variables resolved, as a comparable text (an argument
        given as null counts as absent)."""
        values = {a.name.value: self._value(a.value) for a in node.arguments or ()}
        return repr(sorted((k, repr(v)) for k, v in values.items() if v is not None))

    def _items(self, node: FieldNode, argument: str) -> int:
        """How many items the list argument holds (a single value is a list of one)."""
        for given in node.arguments or ():
            if given.name.value != argument:
                continue
            if isinstance(given.value, ListValueNode):
                return len(given.value.values)
            value = self._value(given.value)
            if isinstance(value, list):
                return len(value)
            return 0 if value is None else 1
        return 0

    def _page_size(self, node: FieldNode) -> int:
        """The page a connection field asks for: `first` (or `last`), literal or variable."""
        for argument in node.arguments or ():
            if argument.name.value not in {"first", "last"}:
                continue
            value: Any = argument.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                value = int(value.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return self.limits.default_page_size


__all__ = [
    "DEFAULT_LIMITS",
    "QueryLimits",
    "QueryLimitsExtension",
    "check_page_size",
    "count_tokens",
    "limit_extensions",
]

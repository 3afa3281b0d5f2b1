"""Hostile-text hygiene for every string a caller sends through GraphQL, on every path.

Every string in a GraphQL request, whether a literal in the document (`lao(code: "…")`,
`data: {name: "…"}`) or a variable's value (`lao(code: $c)`), is

* refused when it cannot be text (`hub.rules.input_rules.text_problem`: a NUL character, which
  PostgreSQL text cannot hold, or a lone surrogate, which no driver can encode) or when it
  is longer than `TextLimits.max_string_length` characters (`HUB_MAX_STRING_LENGTH`; SQLite
  refuses LIKE patterns over 50,000 bytes, and no name or reason needs 10,000 characters).
  Arguments in `TextLimits.long_text` (a province's KPI-16 CSV) are bounded by the request
  size only. The refusal is a request error before anything runs: `BAD_USER_INPUT` naming the
  field, the argument path (`filter.nameContains`) and the variable, in English and Thai
  (`extensions.messageTh`), e.g.
  `{"code": "BAD_USER_INPUT", "reason": "NUL_CHARACTER", "field": "laos",
  "argument": "filter.nameContains", "variable": "name", "messageTh": "…"}`;
* stored and compared in Unicode NFC (`hub.rules.thai_text.nfc`): the document's text and the
  variables are normalised before parsing, so resolvers, mutations and the planner never
  see another form. (Searching Thai names needs more than NFC: `hub.rules.thai_text.search_key`.)

One implementation, two users: `TextGuardExtension` adds the rule to strawberry's validation
(resolvers and mutations), and the planned read path (`schema/planner.py`) runs the same
rule and normalisation before it plans, so neither path can let such a string reach SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from hub.rules.catalogue import RECORD_TABLES, pascal
from hub.rules.input_rules import TOO_LONG, TextProblem, text_problem, too_long
from hub.rules.thai_text import nfc
from schema.errors import BAD_USER_INPUT

# Problems reported per request at most: enough to fix a request, bounded for a hostile one.
MAX_REPORTED = 10


@dataclass(frozen=True)
class TextLimits:
    max_string_length: int = 10_000
    # "Type.field.argument" coordinates whose strings only the request-size limit bounds.
    long_text: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "Mutation.importKpi16Baseline.csv",
                *(f"Mutation.import{pascal(t.name)}.file" for t in RECORD_TABLES),
            }
        )
    )


DEFAULT_TEXT_LIMITS = TextLimits()


# --- normalisation ---------------------------------------------------------------------------


def normalise_query(query: str) -> str:
    """The document text in NFC. GraphQL's syntax is ASCII, so this normalises the string
    literals (each on its own: quotes are starters, nothing composes across them)."""
    return nfc(query)


def normalise_document(query: str, document: DocumentNode) -> DocumentNode:
    """`document` (parsed from the NFC `query`) with every string literal in NFC. Only a
    `\\u` escape can spell a non-NFC literal in an NFC text; without one, nothing to do."""
    if "\\u" not in query:
        return document

    class Normalise(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
            value = nfc(node.value)
            if value is node.value:
                return None
            return StringValueNode(value=value, block=node.block, loc=node.loc)

    return visit(document, Normalise())  # type: ignore[no-any-return]


def normalise_values(value: Any) -> Any:
    """Variables with every string in NFC; the same objects where nothing changes."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, Mapping):
        items = {k: normalise_values(v) for k, v in value.items()}
        return value if all(items[k] is v for k, v in value.items()) else items
    if isinstance(value, list):
        new = [normalise_values(v) for v in value]
        return value if all(a is b for a, b in zip(new, value, strict=True)) else new
    return value


# --- the check -------------------------------------------------------------------------------


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a variable's value with its path (`$data.name`, `$items[2].laoCode`);
    a loop, not recursion: the value's depth is the caller's choice."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield item, where
        elif isinstance(item, Mapping):
            stack.extend((v, f"{where}.{k}") for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))


@dataclass
class _Position:
    """Where in the document a value sits, for the error message and the long-text rule."""

    field: str | None = None  # the field (or "@directive") whose argument holds it
    argument: str | None = None  # "filter.nameContains", "items[0].laoCode"
    coordinate: str | None = None  # "Query.laos.filter"
    variable_default: str | None = None  # inside `$name: T = <default>`


def _position(chain: list[Any], parent_type: str | None) -> _Position:
    pos = _Position()
    parts: list[str] = []
    for i, item in enumerate(chain):
        if isinstance(item, FieldNode):
            pos = _Position(field=item.name.value)
            parts = []
        elif isinstance(item, DirectiveNode):
            pos = _Position(field=f"@{item.name.value}")
            parts = []
        elif isinstance(item, VariableDefinitionNode):
            pos = _Position(variable_default=item.variable.name.value)
            parts = []
        elif isinstance(item, ArgumentNode):
            parts = [item.name.value]
            if pos.field and not pos.field.startswith("@"):
                pos.coordinate = f"{parent_type}.{pos.field}.{item.name.value}"
        elif isinstance(item, ObjectFieldNode):
            parts.append(item.name.value)
        elif isinstance(item, ListValueNode) and parts:
            child = next((c for c in chain[i + 1 :] if isinstance(c, Node)), None)
            index = next((j for j, v in enumerate(item.values) if v is child), None)
            if index is not None:
                parts[-1] += f"[{index}]"
    pos.argument = ".".join(parts) or None
    return pos


def text_rule(limits: TextLimits, variables: Mapping[str, Any]) -> type[ValidationRule]:
    """A validation rule checking the document's string literals and the strings of the
    variables it uses, where they are used (see the module docstring)."""

    class TextGuardRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.reported = 0
            self.checked: set[tuple[str, bool]] = set()

        def enter_string_value(
            self, node: StringValueNode, key: Any, parent: Any, path: Any, ancestors: Any
        ) -> None:
            problem = self._problem(node.value)
            if problem is not None:  # where it sits matters only then (and costs a walk)
                self._report(problem, node, self._where([*ancestors, parent, node]), None, None)

        def enter_variable(
            self, node: VariableNode, key: Any, parent: Any, path: Any, ancestors: Any
        ) -> None:
            if isinstance(parent, VariableDefinitionNode):
                return  # the definition `$name: T`, not a use
            name = node.name.value
            pos = self._where([*ancestors, parent, node])
            long_text = pos.coordinate in limits.long_text
            if (name, long_text) in self.checked or name not in variables:
                return
            self.checked.add((name, long_text))
            for value, where in _strings(variables[name], f"${name}"):
                problem = self._problem(value)
                if problem is not None:
                    self._report(problem, node, pos, name, where)

        def _where(self, chain: list[Any]) -> _Position:
            parent_type = self.context.get_parent_type()
            return _position(chain, parent_type.name if parent_type else None)

        @staticmethod
        def _problem(value: str) -> TextProblem | None:
            problem = text_problem(value)
            if problem is None and len(value) > limits.max_string_length:
                return too_long(len(value), limits.max_string_length)
            return problem

        def _report(
            self,
            problem: TextProblem,
            node: Node,
            pos: _Position,
            variable: str | None,
            variable_path: str | None,
        ) -> None:
            if problem.code == TOO_LONG and pos.coordinate in limits.long_text:
                return
            if self.reported < MAX_REPORTED:
                self.reported += 1
                self.report_error(_error(problem, node, pos, variable, variable_path, limits))

    return TextGuardRule


def _error(
    problem: TextProblem,
    node: Node,
    pos: _Position,
    variable: str | None,
    variable_path: str | None,
    limits: TextLimits,
) -> GraphQLError:
    if pos.variable_default is not None:
        where = f'The default value of variable "${pos.variable_default}"'
        where_th = f'ค่าเริ่มต้นของตัวแปร "${pos.variable_default}"'
    else:
        target = f'argument "{pos.argument}" of "{pos.field}"' if pos.field else "a value"
        target_th = f'อาร์กิวเมนต์ "{pos.argument}" ของ "{pos.field}"' if pos.field else "ค่า"
        if variable is not None:
            shown = variable_path or f"${variable}"
            where = f'Variable "{shown}" (used as {target})'
            where_th = f'ตัวแปร "{shown}" (ใช้เป็น{target_th})'
        else:
            where, where_th = target[0].upper() + target[1:], target_th
    extensions: dict[str, Any] = {"code": BAD_USER_INPUT, "reason": problem.code}
    if pos.field:
        extensions["field"] = pos.field
    if pos.argument:
        extensions["argument"] = pos.argument
    if variable is not None or pos.variable_default is not None:
        extensions["variable"] = variable or pos.variable_default
    if problem.code == TOO_LONG:
        extensions["maxLength"] = limits.max_string_length
    extensions["messageTh"] = f"{where_th} {problem.message_th}"
    return GraphQLError(f"{where} {problem.message}.", nodes=[node], extensions=extensions)


class TextGuardExtension(SchemaExtension):
    """Normalises the request's text and adds `text_rule` to validation (resolver path)."""

    def __init__(self, limits: TextLimits = DEFAULT_TEXT_LIMITS) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(context.query, str):
            context.query = normalise_query(context.query)
        if context.variables:
            context.variables = normalise_values(context.variables)
        rule = text_rule(self.limits, dict(context.variables or {}))
        context.validation_rules = (*context.validation_rules, rule)
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is not None and context.query:
            context.graphql_document = normalise_document(context.query, context.graphql_document)

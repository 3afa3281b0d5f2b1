"""An operation part planned, part resolved: the document the resolvers run for their roots.

Why: a dashboard or a console page asks several root fields, and one the planner does not
compile (`viewer`, `rounds`, a personal field) used to send the whole operation to the
resolvers. Now the planner answers the roots it compiles and the resolvers answer the rest,
from this document: the request's own text with every planned root blanked out.

Blanked, not rebuilt: each planned root's characters (and those of the fragment and
variable definitions only the planned roots use, which validation would otherwise refuse
as unused) become spaces, newlines kept. Every remaining node stays at its line and column,
so an error the resolvers report carries exactly the `locations` it would have carried had
they answered the whole operation. The result is still one valid operation: GraphQL
ignores whitespace and commas, and empty parentheses are blanked with their definitions.

Contract: `resolver_text(document, operation, resolved)` returns that text, or
None when the operation cannot be split so (selections at the root inside fragments, a
document without locations); the caller then sends the whole operation to the resolvers.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor

from schema.plan_common import _key


class _Uses(Visitor):
    """The fragment names and variable names a subtree uses."""

    def __init__(self) -> None:
        super().__init__()
        self.fragments: set[str] = set()
        self.variables: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.fragments.add(node.name.value)

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.variables.add(node.name.value)


def _uses(nodes: Iterable[Node], fragments: dict[str, FragmentDefinitionNode]) -> _Uses:
    """What `nodes` use, following fragment spreads into their definitions."""
    uses = _Uses()
    pending = list(nodes)
    seen: set[str] = set()
    while pending:
        visit(pending.pop(), uses)
        for name in uses.fragments - seen:
            seen.add(name)
            if name in fragments:
                pending.append(fragments[name])
    return uses


def _blank(text: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if text[i] not in "\r\n":
            text[i] = " "


def resolver_text(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    resolved: list[FieldNode],
) -> str | None:
    """The document's text keeping only the `resolved` root fields (normalised roots) and
    what they use (module docstring); None when it cannot be split."""
    selections = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if document.loc is None or len(selections) != len(operation.selection_set.selections):
        return None
    body = document.loc.source.body
    # A root's response key names it: the selections merged into it are the root's selections
    # of that key (those `@skip` drops included, which the resolvers drop alike).
    keys = {_key(root) for root in resolved}
    kept = [s for s in selections if _key(s) in keys]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    uses = _uses(kept, fragments)
    text = list(body)
    for selection in selections:
        if _key(selection) not in keys:
            if selection.loc is None:
                return None
            _blank(text, selection.loc.start, selection.loc.end)
    for name, definition in fragments.items():
        if name not in uses.fragments:
            if definition.loc is None:
                return None
            _blank(text, definition.loc.start, definition.loc.end)
    definitions = operation.variable_definitions or ()
    unused = [d for d in definitions if d.variable.name.value not in uses.variables]
    for variable in unused:
        if variable.loc is None:
            return None
        _blank(text, variable.loc.start, variable.loc.end)
    if definitions and len(unused) == len(definitions):
        # No variable left: the parentheses go too (`query Q()` does not parse).
        first, last = definitions[0].loc, definitions[-1].loc
        if first is None or last is None:
            return None
        opening = body.rfind("(", 0, first.start)
        closing = body.find(")", last.end)
        if opening < 0 or closing < 0:
            return None
        _blank(text, opening, opening + 1)
        _blank(text, closing, closing + 1)
    return "".join(text)

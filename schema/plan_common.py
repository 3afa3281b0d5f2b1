"""Shared pieces of the planned read path (`schema.planner`, `schema.plan_lists`).

Contracts: a converter turns one column value into what strawberry would serialise for the
field (None stays None); `Columns` is a statement's select list, each labelled column added
once and read back by position; `_fields` returns a selection set's fields once `schema.plan_document` has collected them
(no fragments or directives left; aliases kept, read with `_key`) and raises `Unsupported`
on an object field selected twice; `_object` builds a nested object from (key, getter) pairs, where a
getter is a callable over the row or ("object", pairs) for a nested object.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from typing import Any

from graphql import FieldNode, SelectionSetNode

from hub.rules.catalogue import Kind

Row = Any
Getter = Callable[[Row], Any]


class Unsupported(Exception):
    """The selection uses something the planner does not compile: use the resolvers."""


# --- converters: what the GraphQL layer makes of a column value ---------------------------


def _iso(value: Any) -> Any:
    # Timestamps come back aware (hub.db.models.base.UtcDateTime); a naive one is UTC, as there.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat() if value is not None else None


def _name(value: Any) -> Any:
    return value.name if value is not None else None


def _float(value: Any) -> Any:
    return float(value) if value is not None else None


def _int(value: Any) -> Any:
    return int(value) if value is not None else None


def _str(value: Any) -> Any:
    return str(value) if value is not None else None


def _same(value: Any) -> Any:
    return value


_KIND_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.INT: _int,
    Kind.YEAR_BE: _int,
    Kind.DECIMAL: _float,
    Kind.BOOL: _same,
    Kind.TEXT: _same,
    Kind.CHOICE: _same,
    Kind.LATITUDE: _float,
    Kind.LONGITUDE: _float,
    Kind.DATE: _iso,
}


class Columns:
    """The page statement's select list: each column added once, read back by position."""

    def __init__(self) -> None:
        self.columns: list[Any] = []
        self.index: dict[str, int] = {}

    def add(self, label: str, column: Any) -> int:
        if label not in self.index:
            self.index[label] = len(self.columns)
            self.columns.append(column.label(label))
        return self.index[label]

    def getter(self, label: str, column: Any, convert: Callable[[Any], Any]) -> Getter:
        position = self.add(label, column)
        if convert is _same:
            return operator.itemgetter(position)
        return lambda row: convert(row[position])


@functools.cache
def _alias(table: Any, name: str) -> Any:
    """`table.alias(name)`, made once: an alias builds its column collection on first use,
    which costs more than running a small plan; SQLAlchemy aliases are immutable."""
    return table.alias(name)


def _not_null(position: int) -> Getter:
    return lambda row: row[position] is not None


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    """A selection set's fields, as `schema.plan_document` leaves them: plain fields, merged
    by response key, no fragments or directives. A field of an object type selected twice
    under two aliases (two `year`s, a section twice) is not compiled: it would join the same
    table twice under one name."""
    if selection_set is None:
        raise Unsupported("a field needs a selection")
    out = []
    seen_objects = set()
    for s in selection_set.selections:
        if not isinstance(s, FieldNode) or s.directives:
            raise Unsupported("fragments and directives must be collected first")
        if s.selection_set is not None or s.arguments:
            if s.name.value in seen_objects:
                raise Unsupported("an object field selected twice")
            seen_objects.add(s.name.value)
        out.append(s)
    return out


def _key(node: FieldNode) -> str:
    """The field's key in the answer: its alias, else its name."""
    return node.alias.value if node.alias is not None else node.name.value


def _const(value: Any) -> Getter:
    """A getter that answers `value` whatever the row (`__typename`)."""
    return lambda row: value


def _leaf(node: FieldNode) -> str:
    if node.selection_set is not None or node.arguments:
        raise Unsupported(f"{node.name.value} is not a plain leaf")
    return node.name.value


def _object(getters: list[tuple[str, Any]], row: Row) -> dict[str, Any]:
    return {
        key: _object(get[1], row) if isinstance(get, tuple) else get(row) for key, get in getters
    }

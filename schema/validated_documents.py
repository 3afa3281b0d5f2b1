"""Validating a document once: the standard rules' verdict cached per document text.

GraphQL's standard validation rules depend on the schema and the document only, yet they
walk the whole document on every request: a fifth of a clerk's save, most of it the same
mutation text sent again with other variables. This extension remembers, per document
text (bounded, least recently used first out), that the standard rules found nothing, and
then runs only the rules bound to the request itself: the query limits' cost rule and the
text guard's (`schema.limits`, `schema.text_guard`), which read the request's variables and
so can never be cached. A document the standard rules refuse is never remembered: its
errors are computed afresh each time, so they are always this request's.

It must come first among the schema's extensions: it notes the standard rules before the
others append their request-bound ones (`on_operation` runs in the extensions' order).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_DOCUMENTS = 512  # distinct document texts remembered (a hub's clients send a few dozen)

# (schema, document text, the standard rules) of documents the standard rules found valid.
_valid: OrderedDict[tuple[int, str, tuple[Any, ...]], None] = OrderedDict()


class ValidatedDocuments(SchemaExtension):
    def __init__(self) -> None:
        self.standard: tuple[Any, ...] = ()

    def on_operation(self) -> Iterator[None]:
        self.standard = tuple(self.execution_context.validation_rules)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if (
            context.pre_execution_errors is None
            and document is not None
            and isinstance(context.query, str)
            and self.standard
        ):
            schema = context.schema._schema
            key = (id(schema), context.query, self.standard)  # a verdict is one schema's
            bound = tuple(r for r in context.validation_rules if r not in self.standard)
            if key in _valid:
                _valid.move_to_end(key)
                context.pre_execution_errors = validate(schema, document, bound) if bound else []
            else:
                errors = validate_document(schema, document, tuple(context.validation_rules))
                if not errors:  # an error of any rule keeps the document out: conservative
                    _valid[key] = None
                    if len(_valid) > MAX_DOCUMENTS:
                        _valid.popitem(last=False)
                context.pre_execution_errors = errors
        yield

"""What GraphQL tells the access log and the metrics (`hub.observability`), and what it does
not write to the log itself.

`ObserveOperation` notes each request's operation type and name. The schema
(`schema.errors.QuietSchema`) replaces strawberry's error logging, which wrote every error of every request on the
`strawberry.execution` logger with the document around it (one 8 KB request wrote 45 KB
of log): a caller's errors are the caller's, and reach the access log as their codes only
(the error codes are noted by the GraphQL view, hub/app.py); our own failures are logged
once, with their traceback and the request id, by `schema.errors.MaskInternalErrors`.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from hub import observability


class ObserveOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None:
            return  # not parsed: no operation to name
        try:
            operation_type = context.operation_type.value
        except Exception:  # no such operation, or several and none chosen
            return
        observability.note_operation(operation_type, context.operation_name)


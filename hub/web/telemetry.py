"""What GraphQL tells the access log and the metrics (`hub.web.observability`), and what it does
not write to the log itself.

`ObserveOperation` notes each request's operation type and name; the app adds it to the
schema it serves (`schema.root.build_schema(extensions=...)`), so the schema itself imports
nothing of the web layer. The schema (`schema.errors.QuietSchema`) replaces strawberry's
error logging, which wrote every error of every request on the `strawberry.execution` logger with the document around it (one 8 KB request wrote 45 KB
of log): a caller's errors are the caller's, and reach the access log as their codes only
(the error codes are noted by the GraphQL view, hub/web/app.py); our own failures are logged
once, with their traceback and the request id, by `schema.errors.MaskInternalErrors`.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from hub.web import observability


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

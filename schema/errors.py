"""Error conventions: every error a caller sees has `extensions.code`; internals never leak.

Expected errors carry a code the caller can act on:

* raise `Forbidden`, `NotFound` or `BadUserInput` (or any `HubError`) from a resolver, or a
  `GraphQLError` with `extensions={"code": ...}`; strawberry permission classes set
  `error_extensions = {"code": FORBIDDEN}`;
* parse, validation and variable errors get `GRAPHQL_PARSE_FAILED`,
  `GRAPHQL_VALIDATION_FAILED` and `BAD_USER_INPUT`; the query limits (`schema.limits`) set
  their own codes.

Anything else raised while resolving a field is a bug or an outage: `MaskInternalErrors`
logs it on `hub.errors` with the request id and traceback, and (in production) replaces it
with "Internal server error" and `{"code": "INTERNAL", "requestId": ...}`, so a caller can
quote the id (also returned in the `X-Request-Id` header) and the log entry can be found.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

log = logging.getLogger("hub.errors")

# What the caller did wrong, or may not do.
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
# Query limits (schema.limits).
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
PAGE_SIZE_TOO_LARGE = "PAGE_SIZE_TOO_LARGE"
# Request limits at the HTTP edge (hub/edge.py): 413 and 408.
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
# Our fault.
INTERNAL = "INTERNAL"

INTERNAL_MESSAGE = "Internal server error"


class HubError(Exception):
    """An error meant for the caller: its message and `extensions` reach them unchanged.

    graphql-core copies an exception's `extensions` attribute onto the GraphQL error, so
    `raise Forbidden("...")` in a resolver yields `extensions.code == "FORBIDDEN"`. Extra
    keyword arguments are added to `extensions` (e.g. `field="first"`).
    """

    code: ClassVar[str] = BAD_USER_INPUT
    default_message: ClassVar[str] = "The request cannot be served."

    def __init__(self, message: str | None = None, **extensions: Any) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class Forbidden(HubError):
    code = FORBIDDEN
    default_message = "You are not allowed to read this."


class NotFound(HubError):
    code = NOT_FOUND
    default_message = "Not found."


class BadUserInput(HubError):
    code = BAD_USER_INPUT
    default_message = "Invalid input."


def error_code(error: BaseException | None) -> str | None:
    extensions = getattr(error, "extensions", None)
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def is_internal(error: GraphQLError) -> bool:
    """Whether `error` is our fault (a bug or an outage) rather than the caller's."""
    original = error.original_error
    if original is None:
        # Built by graphql-core itself: parse and validation errors have no path. An error
        # with a path but no cause is an execution failure (e.g. an unresolvable type).
        return error.path is not None and error_code(error) is None
    if isinstance(original, HubError):
        return False
    if isinstance(original, GraphQLError):
        code = error_code(original)
        if code is not None:
            return code == INTERNAL
        # graphql-core's variable coercion errors (no path) wrap a GraphQLError; a bare
        # GraphQLError raised by a resolver (path set) has no code and counts as ours.
        return error.path is not None
    return True


def _request_error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return GRAPHQL_PARSE_FAILED
    if isinstance(error.original_error, GraphQLError):
        return BAD_USER_INPUT  # a variable's value did not coerce
    return GRAPHQL_VALIDATION_FAILED


def request_id_of(context: Any) -> str | None:
    """The id `RequestIdMiddleware` put in the ASGI scope, if the context leads to one."""
    request = (
        context.get("request") if isinstance(context, dict) else getattr(context, "request", None)
    )
    scope = getattr(request, "scope", None)
    state = scope.get("state") if isinstance(scope, dict) else None
    request_id = state.get("request_id") if isinstance(state, dict) else None
    return request_id if isinstance(request_id, str) and request_id else None


class MaskInternalErrors(SchemaExtension):
    """Gives every error a code; logs internal errors and, with `mask`, hides their details.

    With `mask=False` (development, tests) internal errors keep their message but still get
    `{"code": "INTERNAL", "requestId": ...}`. Stack traces never reach the response either
    way (strawberry does not add them); they go to the `hub.errors` log.
    """

    def __init__(self, *, mask: bool = True) -> None:
        self.mask = mask
        self._request_id: str | None = None

    @property
    def request_id(self) -> str:
        if self._request_id is None:
            self._request_id = request_id_of(self.execution_context.context) or uuid.uuid4().hex
        return self._request_id

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self.process(error) for error in errors]  # type: ignore[union-attr]

    def process(self, error: GraphQLError) -> GraphQLError:
        if not is_internal(error):
            if error_code(error) is None:
                error.extensions = {**(error.extensions or {}), "code": _request_error_code(error)}
            return error
        original = error.original_error or error
        log.error(
            "internal error at %s (request %s): %s",
            ".".join(map(str, error.path or [])) or "<operation>",
            self.request_id,
            error.message,
            exc_info=(type(original), original, original.__traceback__),
            extra={"request_id": self.request_id},
        )
        extensions = {"code": INTERNAL, "requestId": self.request_id}
        if not self.mask:
            error.extensions = {**(error.extensions or {}), **extensions}
            return error
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


__all__ = [
    "BAD_USER_INPUT",
    "FORBIDDEN",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL",
    "INTERNAL_MESSAGE",
    "NOT_FOUND",
    "PAGE_SIZE_TOO_LARGE",
    "QUERY_TOO_COSTLY",
    "QUERY_TOO_DEEP",
    "REQUEST_TIMEOUT",
    "REQUEST_TOO_LARGE",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "BadUserInput",
    "Forbidden",
    "HubError",
    "MaskInternalErrors",
    "NotFound",
    "error_code",
    "is_internal",
    "request_id_of",
]

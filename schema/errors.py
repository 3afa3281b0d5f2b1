"""Error conventions: every error a caller sees has `extensions.code`; internals never leak.

The hub's problems are one typed hierarchy, `hub.rules.problems`; this module is the ONE mapping
from them to what a caller receives (`PROBLEM_MAPPING`: the GraphQL `extensions.code` and the
HTTP status), used by both read paths (the resolvers, through `MaskInternalErrors`, and the
planned path, through `present_errors`), by the mutations (whose typed refusals
`schema.mutations.errors.REFUSALS` maps from the same problems) and by the web layer for
failures outside GraphQL (`hub.web.request_guard`). `tests/test_error_model.py` checks every
problem kind has an entry.

| problem (`hub.rules.problems`)  | `extensions.code`      | HTTP status            | mutation refusal  |
|---------------------------|------------------------|------------------------|-------------------|
| Forbidden                 | FORBIDDEN              | 403                    | Forbidden         |
| NotFound                  | NOT_FOUND              | 404                    | NotFound          |
| InvalidInput              | BAD_USER_INPUT         | 400                    | ValidationFailed  |
| TooLarge                  | REQUEST_TOO_LARGE      | 413                    | ValidationFailed  |
| InvalidState              | INVALID_STATE          | 409                    | InvalidState      |
| Incomplete                | INCOMPLETE             | 409                    | IncompleteDomains |
| VersionConflict           | VERSION_CONFLICT       | 409                    | VersionConflict   |
| YearClosed                | FISCAL_YEAR_CLOSED     | 409                    | FiscalYearClosed  |
| ReasonRequired            | REASON_REQUIRED        | 400                    | ReasonRequired    |
| RoundNotOpen              | ROUND_NOT_OPEN         | 409                    | RoundNotOpen      |
| CursorExpired             | CURSOR_EXPIRED         | 410 Gone               | (an error)        |
| RegistryConflict          | REGISTRY_CONFLICT      | 409                    | RegistryConflict  |
| Unavailable               | SERVICE_UNAVAILABLE    | 503 + `Retry-After`    | (an error)        |
| DatabaseBusy              | DATABASE_BUSY          | 503 + `Retry-After`    | (an error)        |
| RequestTimeout            | REQUEST_TIMEOUT        | 503 + `Retry-After`    | (an error)        |
| RateLimited               | RATE_LIMITED           | 429 + `Retry-After`    | (an error)        |
| anything else             | INTERNAL               | 500 (200 in GraphQL)   | (an error)        |

The HTTP status is the answer's status when the problem fails the whole request (outside
GraphQL execution). Inside an executed GraphQL operation a caller's mistake stays an error at
its path with status 200 (the GraphQL convention), while a retryable problem (the database
is down, busy, or the request ran out of time) makes the whole answer 503 (or 429) with
`Retry-After`: the caller should retry it, not read it. Problem errors also carry
`messageTh`, `retryAfter` (seconds) and the `field` at fault where there is one. A database
failure is turned into its problem by `hub.db.engine.problem_of`.

Besides, the GraphQL layer has its own codes:

* `HubError` (`Forbidden`, `NotFound`, `BadUserInput` below) is a problem raised with its
  wire code fixed here (kept for resolvers and the query limits); strawberry permission
  classes set `error_extensions = {"code": FORBIDDEN}`; a `GraphQLError` may carry
  `extensions={"code": ...}`;
* parse, validation and variable errors get `GRAPHQL_PARSE_FAILED`,
  `GRAPHQL_VALIDATION_FAILED` and `BAD_USER_INPUT`; the query limits (`schema.limits`) set
  their own codes;
* the HTTP envelope refuses with `BAD_REQUEST` and `METHOD_NOT_ALLOWED` (a mutation over
  GET: 405); persisted operations (`hub.web.persisted`) with `PERSISTED_QUERY_NOT_FOUND`
  (404), `PERSISTED_QUERY_NOT_SUPPORTED` (400) and, for a client in allow-list mode,
  `OPERATION_NOT_REGISTERED` (403).

Anything else raised while resolving a field is a bug: `MaskInternalErrors` logs it on
`hub.errors` with the request id and traceback (never the document or bound parameters),
and (in production) replaces it with "Internal server error" and
`{"code": "INTERNAL", "requestId": ...}`, so a caller can quote the id (also returned in the
`X-Request-Id` header) and the log entry can be found.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from hub.db.engine import problem_of
from hub.rules import problems
from hub.rules.problems import Problem

log = logging.getLogger("hub.errors")

# What the caller did wrong, or may not do.
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
INVALID_STATE = "INVALID_STATE"
INCOMPLETE = "INCOMPLETE"
VERSION_CONFLICT = "VERSION_CONFLICT"
FISCAL_YEAR_CLOSED = "FISCAL_YEAR_CLOSED"
REASON_REQUIRED = "REASON_REQUIRED"
ROUND_NOT_OPEN = "ROUND_NOT_OPEN"
CURSOR_EXPIRED = "CURSOR_EXPIRED"
REGISTRY_CONFLICT = "REGISTRY_CONFLICT"
UNAUTHENTICATED = "UNAUTHENTICATED"
# The HTTP envelope (hub/web/app.py) and persisted operations (hub/web/persisted.py).
BAD_REQUEST = "BAD_REQUEST"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # 404: send the query with its hash
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"  # 400: stop sending hashes
OPERATION_NOT_REGISTERED = "OPERATION_NOT_REGISTERED"  # 403: an allow-list client's free text
# Query limits (schema.limits).
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
PAGE_SIZE_TOO_LARGE = "PAGE_SIZE_TOO_LARGE"
# Not now: retry after `Retry-After` seconds.
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
DATABASE_BUSY = "DATABASE_BUSY"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
RATE_LIMITED = "RATE_LIMITED"
# Our fault.
INTERNAL = "INTERNAL"

INTERNAL_MESSAGE = "Internal server error"
INTERNAL_MESSAGE_TH = "เกิดข้อผิดพลาดภายในระบบ"


@dataclass(frozen=True)
class Wire:
    """What a problem becomes for the caller: its `extensions.code` and HTTP status."""

    code: str
    status: int


PROBLEM_MAPPING: dict[type[Problem], Wire] = {
    problems.Forbidden: Wire(FORBIDDEN, 403),
    problems.NotFound: Wire(NOT_FOUND, 404),
    problems.InvalidInput: Wire(BAD_USER_INPUT, 400),
    problems.TooLarge: Wire(REQUEST_TOO_LARGE, 413),
    problems.InvalidState: Wire(INVALID_STATE, 409),
    problems.Incomplete: Wire(INCOMPLETE, 409),
    problems.VersionConflict: Wire(VERSION_CONFLICT, 409),
    problems.YearClosed: Wire(FISCAL_YEAR_CLOSED, 409),
    problems.ReasonRequired: Wire(REASON_REQUIRED, 400),
    problems.RoundNotOpen: Wire(ROUND_NOT_OPEN, 409),
    problems.CursorExpired: Wire(CURSOR_EXPIRED, 410),
    problems.RegistryConflict: Wire(REGISTRY_CONFLICT, 409),
    problems.Unavailable: Wire(SERVICE_UNAVAILABLE, 503),
    problems.DatabaseBusy: Wire(DATABASE_BUSY, 503),
    problems.RequestTimeout: Wire(REQUEST_TIMEOUT, 503),
    problems.RateLimited: Wire(RATE_LIMITED, 429),
    # Not kinds of their own: a plain refusal is the caller's mistake, a plain problem too.
    problems.Refusal: Wire(BAD_USER_INPUT, 400),
    Problem: Wire(BAD_USER_INPUT, 400),
}
_STATUS_OF_CODE = {
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    UNAUTHENTICATED: 401,
    PAGE_SIZE_TOO_LARGE: 400,
}


class HubError(Problem):
    """A problem raised by the GraphQL layer with its wire code fixed here: its message and
    `extensions` reach the caller unchanged.

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


def wire_of(problem: Problem) -> Wire:
    """The mapping's entry for `problem` (its nearest mapped class)."""
    if isinstance(problem, HubError):
        return Wire(problem.code, _STATUS_OF_CODE.get(problem.code, 400))
    for cls in type(problem).__mro__:
        if cls in PROBLEM_MAPPING:
            return PROBLEM_MAPPING[cls]
    raise AssertionError("Problem itself is mapped")  # pragma: no cover


def status_of_code(code: str | None) -> int:
    """The HTTP status of a whole answer failing with `extensions.code` `code` (the REST
    face's problem responses): the mapping's status for a problem's code, 401 for a rejected
    token, 500 for INTERNAL, and 400 for every other code (a caller's mistake: a request
    error, a query limit, a bad argument)."""
    if code is None or code == INTERNAL:
        return 500
    if code in _STATUS_OF_CODE:
        return _STATUS_OF_CODE[code]
    for wire in PROBLEM_MAPPING.values():
        if wire.code == code:
            return wire.status
    return 400


def problem_extensions(problem: Problem) -> dict[str, Any]:
    """`extensions` of the GraphQL error (or the HTTP error body) reporting `problem`."""
    if isinstance(problem, HubError):
        return dict(problem.extensions)
    extensions: dict[str, Any] = {"code": wire_of(problem).code, "messageTh": problem.message_th}
    if problem.field is not None:
        extensions["field"] = problem.field
    if problem.errors:
        extensions["errors"] = [
            {"path": e.path, "code": e.code, "message": e.message_en, "messageTh": e.message_th}
            for e in problem.errors
        ]
    if problem.retry_after is not None:
        extensions["retryAfter"] = problem.retry_after
    extensions.update(problem.hint())
    return extensions


def problem_in(error: BaseException | None) -> Problem | None:
    """The problem an exception is (a `Problem`, or a database failure `problem_of` knows)."""
    if error is None:
        return None
    if isinstance(error, GraphQLError):
        return problem_in(error.original_error)
    return problem_of(error)


def error_code(error: BaseException | None) -> str | None:
    extensions = getattr(error, "extensions", None)
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def is_internal(error: GraphQLError) -> bool:
    """Whether `error` is our fault (a bug) rather than the caller's or an outage."""
    original = error.original_error
    if original is None:
        # Built by graphql-core itself: parse and validation errors have no path. An error
        # with a path but no cause is an execution failure (e.g. an unresolvable type).
        return error.path is not None and error_code(error) is None
    if problem_in(original) is not None:
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


def present(error: GraphQLError, *, request_id: str, mask: bool) -> GraphQLError:
    """`error` as the caller receives it: with its code, a problem's details, and an internal
    error logged (with its traceback, never the document) and, with `mask`, hidden."""
    if error_code(error) == INTERNAL and "requestId" in (error.extensions or {}):
        # Already presented (and logged): an operation answered partly by the planner and
        # partly by the resolvers (`schema.plan_mixed`) has its resolvers' errors presented
        # by their own execution, then the whole answer's.
        return error
    problem = problem_in(error.original_error)
    if problem is not None:
        if isinstance(problem, problems.Unavailable) and not isinstance(
            error.original_error, Problem
        ):
            # A database failure: one line, no traceback (nothing in our code to fix).
            original = error.original_error
            log.warning(
                "%s at %s (request %s): %s",
                type(problem).__name__,
                ".".join(map(str, error.path or [])) or "<operation>",
                request_id,
                type(original).__name__,
                extra={"request_id": request_id},
            )
        extensions = {**(error.extensions or {}), **problem_extensions(problem)}
        if isinstance(problem, problems.Unavailable):
            extensions["requestId"] = request_id
        return GraphQLError(
            problem.message_en if not isinstance(problem, HubError) else error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )
    if not is_internal(error):
        if error_code(error) is None:
            error.extensions = {**(error.extensions or {}), "code": _request_error_code(error)}
        return error
    original = error.original_error or error
    log.error(
        "internal error at %s (request %s): %s",
        ".".join(map(str, error.path or [])) or "<operation>",
        request_id,
        error.message,
        exc_info=(type(original), original, original.__traceback__),
        extra={"request_id": request_id},
    )
    extensions = {"code": INTERNAL, "requestId": request_id}
    if not mask:
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


def retry_status(errors: Sequence[GraphQLError]) -> tuple[int, int] | None:
    """(HTTP status, Retry-After seconds) when presented `errors` include a retryable
    problem: the answer as a whole is then a 503 (or 429), not a 200."""
    worst: tuple[int, int] | None = None
    for error in errors:
        extensions = error.extensions or {}
        retry_after = extensions.get("retryAfter")
        if not isinstance(retry_after, int):
            continue
        status = 429 if extensions.get("code") == RATE_LIMITED else 503
        if worst is None or (status, retry_after) > worst:
            worst = (status, retry_after)
    return worst


def mark_response(response: Any, errors: Sequence[GraphQLError]) -> None:
    """Set the status and `Retry-After` of the HTTP answer (strawberry's sub-response)."""
    found = retry_status(errors)
    if found is None or response is None or not hasattr(response, "headers"):
        return
    response.status_code, retry_after = found
    response.headers["Retry-After"] = str(retry_after)


def present_errors(
    errors: Sequence[GraphQLError], *, context: Any, mask: bool, request_id: str | None = None
) -> list[GraphQLError]:
    """Every error of a result as the caller receives it, and the HTTP answer marked."""
    request_id = request_id or request_id_of(context) or uuid.uuid4().hex
    presented = [present(error, request_id=request_id, mask=mask) for error in errors]
    mark_response(getattr(context, "response", None), presented)
    return presented


def error_body(
    problem: Problem | None, *, request_id: str, mask: bool = True, detail: str | None = None
) -> dict[str, Any]:
    """A GraphQL-shaped error body for an answer outside GraphQL execution (the web layer):
    `problem`'s, or INTERNAL when None (`detail` shown only without `mask`)."""
    if problem is None:
        message = INTERNAL_MESSAGE if mask or not detail else detail
        extensions: dict[str, Any] = {
            "code": INTERNAL,
            "messageTh": INTERNAL_MESSAGE_TH,
            "requestId": request_id,
        }
    else:
        message = problem.message_en
        extensions = {**problem_extensions(problem), "requestId": request_id}
    return {"errors": [{"message": message, "extensions": extensions}]}


class MaskInternalErrors(SchemaExtension):
    """Gives every error a code; logs internal errors and, with `mask`, hides their details.

    With `mask=False` (development, tests) internal errors keep their message but still get
    `{"code": "INTERNAL", "requestId": ...}`. Stack traces never reach the response either
    way (strawberry does not add them); they go to the `hub.errors` log. Problems and
    database outages get their mapped code (`present`), and a retryable one makes the HTTP
    answer a 503 with `Retry-After` (`mark_response`).
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
            result.errors = present_errors(  # type: ignore[union-attr]
                errors,
                context=self.execution_context.context,
                mask=self.mask,
                request_id=self.request_id,
            )

    def process(self, error: GraphQLError) -> GraphQLError:
        return present(error, request_id=self.request_id, mask=self.mask)


class QuietSchema(strawberry.Schema):
    """strawberry's schema without its own error logging, which writes every error with the
    whole document (and again each internal error's traceback): `MaskInternalErrors` logs
    what needs logging, once, without the document."""

    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        return None


__all__ = [
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "DATABASE_BUSY",
    "FISCAL_YEAR_CLOSED",
    "FORBIDDEN",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INCOMPLETE",
    "INTERNAL",
    "INTERNAL_MESSAGE",
    "INVALID_STATE",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "OPERATION_NOT_REGISTERED",
    "PAGE_SIZE_TOO_LARGE",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_SUPPORTED",
    "PROBLEM_MAPPING",
    "QUERY_TOO_COSTLY",
    "QUERY_TOO_DEEP",
    "RATE_LIMITED",
    "REASON_REQUIRED",
    "REQUEST_TIMEOUT",
    "REQUEST_TOO_LARGE",
    "SERVICE_UNAVAILABLE",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "UNAUTHENTICATED",
    "VERSION_CONFLICT",
    "BadUserInput",
    "Forbidden",
    "HubError",
    "MaskInternalErrors",
    "NotFound",
    "QuietSchema",
    "Wire",
    "error_body",
    "error_code",
    "is_internal",
    "present",
    "present_errors",
    "problem_extensions",
    "problem_in",
    "request_id_of",
    "retry_status",
    "status_of_code",
    "wire_of",
]

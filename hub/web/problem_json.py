"""RFC 9457 problem details (`application/problem+json`): how the REST face says no.

Every refusal of `/api/v1/…` is one JSON object:

    {"type": "<issuer>/api/v1/problems/NOT_FOUND", "title": "Not found", "status": 404,
     "detail": "LAO 9999999 was not found.", "instance": "/api/v1/laos/9999999",
     "code": "NOT_FOUND", "field": "code", "messageTh": "…", "requestId": "…"}

`type` names the hub's error code (the same `extensions.code` GraphQL answers) and
dereferences to a short description of it (`/api/v1/problems/{code}`); `status` is the
code's HTTP status from the ONE mapping, `schema.errors.status_of_code`; `field` is the
parameter at fault where there is one; `errors` lists every error when an operation returned
more than one (their code, message and GraphQL path). A retryable problem (503, 429) also
carries `retryAfter` and the `Retry-After` header.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.responses import Response

from hub.rules.problems import Problem
from schema.errors import (
    INTERNAL,
    UNAUTHENTICATED,
    error_body,
    problem_extensions,
    status_of_code,
    wire_of,
)

MEDIA_TYPE = "application/problem+json"
PROBLEMS_PATH = "/api/v1/problems"

# A title per code a REST caller meets (RFC 9457: the same for every occurrence of a type).
TITLES = {
    "BAD_USER_INPUT": "Invalid parameter",
    "FORBIDDEN": "Forbidden",
    "NOT_FOUND": "Not found",
    "UNAUTHENTICATED": "Authentication failed",
    "METHOD_NOT_ALLOWED": "Method not allowed",
    "REQUEST_TOO_LARGE": "Request too large",
    "PAGE_SIZE_TOO_LARGE": "Page size too large",
    "QUERY_TOO_COSTLY": "Request too costly",
    "QUERY_TOO_DEEP": "Request too deep",
    "TOO_MANY_ALIASES": "Too many aliases",
    "TOO_MANY_TOKENS": "Request too long",
    "GRAPHQL_VALIDATION_FAILED": "Operation does not validate",
    "GRAPHQL_PARSE_FAILED": "Operation does not parse",
    "SERVICE_UNAVAILABLE": "Service unavailable",
    "DATABASE_BUSY": "Database busy",
    "REQUEST_TIMEOUT": "Request timed out",
    "RATE_LIMITED": "Too many requests",
    "INTERNAL": "Internal server error",
}


def title_of(code: str, status: int) -> str:
    return TITLES.get(code) or HTTPStatus(status).phrase


def problem_type(base: str, code: str) -> str:
    """The `type` URI of a code: absolute, under the hub's public address."""
    return f"{base}{PROBLEMS_PATH}/{code}"


class ProblemResponse(Response):
    media_type = MEDIA_TYPE

    def __init__(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> None:
        super().__init__(orjson.dumps(body), status_code=body["status"], headers=headers)


def problem_body(
    *,
    base: str,
    code: str,
    detail: str,
    instance: str,
    request_id: str | None,
    status: int | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """One problem object; `extensions` (field, messageTh, retryAfter, errors) are added
    when not None."""
    status = status or status_of_code(code)
    body: dict[str, Any] = {
        "type": problem_type(base, code),
        "title": title_of(code, status),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    if request_id:
        body["requestId"] = request_id
    return body


def _retry_headers(body: dict[str, Any]) -> dict[str, str] | None:
    retry_after = body.get("retryAfter")
    return {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None


def from_problem(
    problem: Problem, *, base: str, instance: str, request_id: str | None
) -> ProblemResponse:
    """A hub problem raised outside GraphQL execution (a bad parameter, a bad header)."""
    extensions = problem_extensions(problem)
    body = problem_body(
        base=base,
        code=extensions.pop("code"),
        detail=problem.message_en,
        instance=instance,
        request_id=request_id,
        status=wire_of(problem).status,
        **extensions,
    )
    return ProblemResponse(body, headers=_retry_headers(body))


def from_errors(
    errors: list[GraphQLError],
    *,
    base: str,
    instance: str,
    request_id: str | None,
    status: int | None = None,
) -> ProblemResponse:
    """An executed operation's (presented) errors: the first decides the problem, all are
    listed when there are several. `status` overrides (a retryable answer's 503 or 429)."""
    first = errors[0]
    extensions = dict(first.extensions or {})
    code = str(extensions.pop("code", None) or INTERNAL)
    extensions.pop("requestId", None)
    listed = (
        [
            {
                "code": (e.extensions or {}).get("code"),
                "detail": e.message,
                "path": e.path,
            }
            for e in errors
        ]
        if len(errors) > 1
        else None
    )
    body = problem_body(
        base=base,
        code=code,
        detail=first.message,
        instance=instance,
        request_id=request_id or (first.extensions or {}).get("requestId"),
        status=status,
        **{k: v for k, v in extensions.items() if k != "errors"},
        errors=listed or extensions.get("errors"),
    )
    return ProblemResponse(body, headers=_retry_headers(body))


def unauthenticated(
    detail: str, *, base: str, instance: str, request_id: str | None, headers: dict[str, str]
) -> ProblemResponse:
    """A rejected token: 401 with the resource server's `WWW-Authenticate` (RFC 6750)."""
    body = problem_body(
        base=base,
        code=UNAUTHENTICATED,
        detail=detail,
        instance=instance,
        request_id=request_id,
        status=401,
    )
    return ProblemResponse(body, headers=headers)


def from_web_error(
    problem: Problem | None, *, base: str, instance: str, request_id: str, mask: bool
) -> ProblemResponse:
    """A failure outside execution the request guard would answer (None: INTERNAL)."""
    if problem is not None:
        return from_problem(problem, base=base, instance=instance, request_id=request_id)
    error = error_body(None, request_id=request_id, mask=mask)["errors"][0]
    body = problem_body(
        base=base,
        code=INTERNAL,
        detail=error["message"],
        instance=instance,
        request_id=request_id,
        messageTh=error["extensions"].get("messageTh"),
    )
    return ProblemResponse(body)

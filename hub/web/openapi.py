"""The OpenAPI 3.1 document of the REST face, generated from the registered operations.

Nothing in it is written by hand per endpoint: each path comes from an operation's `# rest:`
route, its parameters from the operation's variables (`hub.web.rest_params`), its 200
answer's JSON Schema from the selection set and the schema's field types
(`hub.web.rest_endpoints`), its summary and version from the operation file. Every endpoint
documents the same refusals (`application/problem+json`, `hub.web.problem_json`), the GDX
headers (`X-Consumer-Key`, `X-Officer-Id`: `hub.rules.declared_caller`) and the security
schemes: OAuth 2.0 client credentials at the hub's token endpoint (a ministry's system), any
bearer token of the hub (a person's, from the authorization-code flow), or none (public
reads, as on `/graphql`). A paging endpoint documents its `Link` header.

The document depends on the operations, the schema and the hub's public address (the token
URL, the problem types), so it is built once per app (`openapi_document`).
"""

from __future__ import annotations

from typing import Any

from hub.rules import declared_caller
from hub.rules.identity import ALL_SCOPES
from hub.rules.source_systems import SOURCE_SYSTEMS
from hub.web.problem_json import MEDIA_TYPE, PROBLEMS_PATH
from hub.web.rest_endpoints import RestEndpoint

API_VERSION = "1"
SCOPE_DESCRIPTIONS = {
    **{f"domain:{n}": f"read domain {n}'s certified data" for n in range(1, 9)},
    "missions": "read transferred missions",
    "personal": "read people's names and phones (personal data)",
    **{s.scope: f"deliver the values pulled from {s.name_en}" for s in SOURCE_SYSTEMS},
}

_REFUSALS = {
    "400": "A parameter or header is invalid (`field` names it), or the request is over a limit",
    "401": "The bearer token was refused (`WWW-Authenticate` says why)",
    "403": "The caller may not read this",
    "404": "Nothing by this code, or nothing the caller may see",
    "429": "Too many requests: retry after `Retry-After` seconds",
    "503": "Unavailable for now (database down or busy, deadline): retry after `Retry-After`",
}

_DESCRIPTION = """\
INFO Hub's REST face, GDX-style: each endpoint is a registered GraphQL operation of the hub
(named and versioned, see `x-graphql-operation`), executed exactly as on `/graphql`, with the
same permissions and row rules. The answer is the operation's data as JSON.

**Authentication.** Public data needs no token. A ministry's system asks the hub's token
endpoint for a short-lived token with the OAuth 2.0 client-credentials grant and sends it as
`Authorization: Bearer …`; any other token of the hub (a person's) works too.

**The calling system and officer.** As on DGA's GDX gateway, send `X-Consumer-Key` (your
system's key) and `X-Officer-Id` (the officer on whose behalf you call) with each call; both
are recorded with the request (the access log and the read audit). They never widen what the
token may read.

**Errors** are RFC 9457 problem details (`application/problem+json`) with the hub's `code`
and, where one parameter is at fault, its name in `field`.

**Paging.** A list answers one page; the `Link` header's `rel="next"` is the next page's
address (or pass `after` = `pageInfo.endCursor`).
"""


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "RFC 9457 problem details, with the hub's error code",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string", "description": "the hub's error code"},
            "field": {"type": "string", "description": "the parameter or header at fault"},
            "messageTh": {"type": "string"},
            "retryAfter": {"type": "integer"},
            "requestId": {"type": "string"},
            "errors": {"type": "array"},
        },
        "required": ["type", "title", "status", "detail", "code"],
    }


def _declaration_header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": declared_caller.MAX_LENGTH,
            "pattern": declared_caller.PATTERN,
        },
    }


def _parameters(endpoint: RestEndpoint) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": p.name,
            "in": p.location,
            "required": p.required,
            "schema": p.json_schema(),
            **({"style": "form", "explode": True} if p.is_list else {}),
        }
        for p in endpoint.parameters
    ]
    parameters += [
        {"$ref": "#/components/parameters/ConsumerKey"},
        {"$ref": "#/components/parameters/OfficerId"},
    ]
    return parameters


def _operation(endpoint: RestEndpoint) -> dict[str, Any]:
    op = endpoint.operation
    headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
    if endpoint.paged:
        headers["Link"] = {
            "description": 'the next page, `<…>; rel="next"` (absent on the last page)',
            "schema": {"type": "string"},
        }
    responses: dict[str, Any] = {
        "200": {
            "description": op.summary or "The operation's data",
            "headers": headers,
            "content": {"application/json": {"schema": endpoint.response_schema}},
        },
        **{status: {"$ref": f"#/components/responses/Problem{status}"} for status in _REFUSALS},
    }
    return {
        "operationId": op.name,
        "summary": op.summary or op.name,
        "description": f"GraphQL operation `{op.name}`, version {op.version}:\n\n"
        f"```graphql\n{_body(op.document)}\n```",
        "tags": [endpoint.path.split("/")[3] if endpoint.path.count("/") >= 3 else "api"],
        "parameters": _parameters(endpoint),
        "responses": responses,
        "x-graphql-operation": {"name": op.name, "version": op.version, "sha256": op.sha256},
    }


def _body(document: str) -> str:
    """The document without its metadata comment lines."""
    lines = document.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    return "\n".join(lines).rstrip()


def openapi_document(endpoints: tuple[RestEndpoint, ...], *, issuer: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `endpoints`, for the hub at `issuer` (its public address)."""
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    problem_content = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses: dict[str, Any] = {}
    for status, description in _REFUSALS.items():
        headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
        if status in ("429", "503"):
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "seconds"}
        if status == "401":
            headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
        responses[f"Problem{status}"] = {
            "description": description,
            "headers": headers,
            "content": problem_content,
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "INFO Hub REST API",
            "version": API_VERSION,
            "description": _DESCRIPTION,
        },
        "servers": [{"url": issuer}],
        "security": [{}, {"clientCredentials": []}, {"bearerToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "clientCredentials": {
                    "type": "oauth2",
                    "description": "a ministry's system: the client-credentials grant",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{issuer}/oauth/token",
                            "scopes": {s: SCOPE_DESCRIPTIONS[s] for s in ALL_SCOPES},
                        }
                    },
                },
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "any access token of the hub (a person's included)",
                },
            },
            "parameters": {
                "ConsumerKey": _declaration_header(
                    declared_caller.CONSUMER_KEY_HEADER,
                    "the calling system's consumer key (GDX); recorded, never a credential",
                ),
                "OfficerId": _declaration_header(
                    declared_caller.OFFICER_HEADER,
                    "the officer on whose behalf the call is made (GDX); recorded",
                ),
            },
            "headers": {
                "RequestId": {
                    "description": "the request's id (quote it when reporting a problem)",
                    "schema": {"type": "string"},
                }
            },
            "schemas": {"Problem": _problem_schema()},
            "responses": responses,
        },
        "x-problem-types": f"{issuer}{PROBLEMS_PATH}/{{code}}",
    }

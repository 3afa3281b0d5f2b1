"""The REST face, GDX-shaped: `/api/v1/…` endpoints generated from the registered operations.

    GET /api/v1/laos/{code}                               one LAO's profile
    GET /api/v1/provinces/{provinceCode}/laos?fiscalYear= a province's LAOs, a page at a time
    GET /api/v1/provinces/{code}/stats/{fiscalYear}       a province's certification progress
    GET /api/v1/openapi.json                              the OpenAPI 3.1 document
    GET /api/v1/docs                                      the document in Swagger UI (offline)
    GET /api/v1/problems/{code}                           what an error code means

Each endpoint is a thin face over one registered operation (`schema.operations`,
`hub.web.rest_endpoints`): its path and query parameters become the operation's variables
(`hub.web.rest_params`), and the operation runs through the GraphQL view's own execution
(`HubGraphQL.execute_single`: the planner, the resolvers, the query limits and costs, the text
rules, the error presentation), as the caller, exactly as a POST to `/graphql` of that
document would. Nothing here decides what a caller may read.

* **Who.** The caller is identified as for `/graphql` (the app's identity resolver: a bearer
  token of the hub, a client-credentials token of a ministry's system, or none for the public);
  a refused token is a 401 problem with `WWW-Authenticate`. The GDX declarations
  (`X-Consumer-Key`, `X-Officer-Id`) were read for every request by
  `hub.web.declared_caller` and reach services as `HubContext.declared_caller`.
* **What comes back.** 200 with the operation's data as JSON, unwrapped to the value of its
  one root field (`hub.web.rest_endpoints`); a null root field is a 404 problem. A paging
  endpoint adds `Link: </api/v1/…&after=…>; rel="next"` while there is a next page.
* **No partial answers.** Where `/graphql` would answer data beside errors (a field the
  caller may not read is null with a FORBIDDEN error at its path), REST refuses the whole
  answer with the first error's problem (all of them listed in `errors`).
* **Refusals** are RFC 9457 problem details (`hub.web.problem_json`): a bad or unknown
  parameter 400 naming it, 401, 403, 404, 405 (with `Allow`), and GraphQL's errors with their
  code's status (`schema.errors.status_of_code`); a retryable one 503 or 429 with
  `Retry-After`. Any path under `/api/` that is not an endpoint is a 404 problem.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http import GraphQLRequestData
from strawberry.http.temporal_response import TemporalResponse

from hub.rules.identity import Identity
from hub.rules.problems import Problem
from hub.web import problem_json
from hub.web.openapi import openapi_document
from hub.web.rest_endpoints import RestEndpoint, compile_endpoints
from hub.web.rest_params import read_parameters
from schema.errors import NOT_FOUND, problem_in, status_of_code

IdentityResolver = Callable[[Request], Awaitable[Identity]]

PREFIX = "/api/v1"
DOCS_STATIC = f"{PREFIX}/docs/static"
SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"
_EXECUTABLE = ("GET", "HEAD")
# Every method reaches the endpoint, which answers the ones it does not serve with a 405
# problem (Starlette's own 405 is plain text).
_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _AsPost:
    """The request adapter the view sees: the operation runs as a POST of its document would
    (the planned read path serves POSTs; the method never changes what a query may read)."""

    method = "POST"


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


class RestApi:
    """The endpoints of one app: `view` is its GraphQL view (`hub.web.app.HubGraphQL`)."""

    def __init__(self, view: Any, identify: IdentityResolver, issuer: str) -> None:
        self.view = view
        self.identify = identify
        self.issuer = issuer
        self.endpoints = compile_endpoints(view.schema._schema)  # once per app
        self.document = openapi_document(self.endpoints, issuer=issuer)
        self._document_bytes = orjson.dumps(self.document)

    def routes(self) -> list[BaseRoute]:
        from hub.web.console import STATIC

        routes: list[BaseRoute] = [
            Route(f"{PREFIX}/openapi.json", self.openapi, methods=["GET"]),
            Route(f"{PREFIX}/docs", self.docs, methods=["GET"]),
            Mount(DOCS_STATIC, app=StaticFiles(directory=STATIC), name="api-docs-static"),
            Route(f"{PREFIX}/problems/{{code}}", self.problem_type, methods=["GET"]),
        ]
        for endpoint in self.endpoints:
            routes.append(Route(endpoint.path, self._handler(endpoint), methods=_ANY_METHOD))
        routes.append(Route("/api/{rest:path}", self.not_an_endpoint, methods=_ANY_METHOD))
        return routes

    # --- answers ------------------------------------------------------------------------

    def _problem(self, request: Request, problem: Problem) -> Response:
        return problem_json.from_problem(
            problem, base=self.issuer, instance=request.url.path, request_id=_request_id(request)
        )

    def _refuse(
        self, request: Request, code: str, detail: str, status: int, **extra: Any
    ) -> Response:
        headers = extra.pop("headers", None)
        body = problem_json.problem_body(
            base=self.issuer,
            code=code,
            detail=detail,
            instance=request.url.path,
            request_id=_request_id(request),
            status=status,
            **extra,
        )
        return problem_json.ProblemResponse(body, headers=headers)

    async def not_an_endpoint(self, request: Request) -> Response:
        return self._refuse(request, NOT_FOUND, "There is no such endpoint.", 404)

    async def openapi(self, request: Request) -> Response:
        return Response(self._document_bytes, media_type="application/json")

    async def problem_type(self, request: Request) -> Response:
        code = request.path_params["code"]
        if code not in problem_json.TITLES:
            return self._refuse(request, NOT_FOUND, "There is no such problem type.", 404)
        status = status_of_code(code)
        return JSONBody(
            {
                "type": problem_json.problem_type(self.issuer, code),
                "code": code,
                "title": problem_json.title_of(code, status),
                "status": status,
            }
        )

    async def docs(self, request: Request) -> Response:
        """Swagger UI on the OpenAPI document, from the vendored package (no CDN)."""
        static = html.escape(DOCS_STATIC)
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>INFO Hub REST API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}/{SWAGGER_UI}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="{PREFIX}/openapi.json"></div>
<script src="{static}/{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="{static}/api/swagger-init.js"></script></body></html>"""
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"
            },
        )

    # --- the endpoints ------------------------------------------------------------------

    def _handler(self, endpoint: RestEndpoint) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            if request.method not in _EXECUTABLE:
                return self._refuse(
                    request,
                    "METHOD_NOT_ALLOWED",
                    f"{request.method} is not allowed here; use GET.",
                    405,
                    headers={"Allow": "GET, HEAD"},
                )
            try:
                return await self._run(endpoint, request)
            except Problem as problem:
                return self._problem(request, problem)
            except HTTPException as refused:  # the identity resolver refused the token
                if refused.status_code == 403:
                    return self._refuse(request, "FORBIDDEN", str(refused.detail), 403)
                return problem_json.unauthenticated(
                    str(refused.detail),
                    base=self.issuer,
                    instance=request.url.path,
                    request_id=_request_id(request),
                    headers=dict(refused.headers or {}),
                )
            except Exception as exc:
                outage = problem_in(exc)  # a database outage while identifying the caller
                if outage is None:
                    raise  # a bug: the request guard answers 500 and logs it
                return self._problem(request, outage)

        return handle

    async def _run(self, endpoint: RestEndpoint, request: Request) -> Response:
        identity = await self.identify(request)
        variables = read_parameters(
            endpoint.parameters,
            request.path_params,
            request.query_params.multi_items(),
        )
        request.scope.setdefault("state", {})["identity"] = identity
        sub_response = TemporalResponse()
        context = await self.view.get_context(request, sub_response)
        result = await self.view.execute_single(
            request,
            _AsPost(),
            sub_response,
            context,
            None,
            GraphQLRequestData(
                query=endpoint.operation.document,
                variables=variables,
                operation_name=endpoint.operation.name,
                extensions=None,
            ),
        )
        if result.errors:
            return problem_json.from_errors(
                list(result.errors),
                base=self.issuer,
                instance=request.url.path,
                request_id=_request_id(request),
                status=sub_response.status_code if sub_response.status_code != 200 else None,
            )
        data = result.data or {}
        body = data.get(endpoint.root_key) if endpoint.root_key else data
        if body is None:
            shown = ", ".join(f"{k}={v}" for k, v in variables.items())
            return self._refuse(
                request,
                NOT_FOUND,
                f"No {endpoint.root_field} matches {shown} (or you may not see it).",
                404,
            )
        headers = dict(sub_response.headers)
        if endpoint.paged:
            link = _next_link(request, body)
            if link is not None:
                headers["Link"] = link
        return JSONBody(body, headers=headers)


def _next_link(request: Request, page: Any) -> str | None:
    """`<next page>; rel="next"` (RFC 8288), the address relative to the hub's root."""
    info = page.get("pageInfo") if isinstance(page, dict) else None
    if not isinstance(info, dict) or not info.get("hasNextPage") or not info.get("endCursor"):
        return None
    url = request.url.include_query_params(after=info["endCursor"])
    return f'<{url.path}?{url.query}>; rel="next"'

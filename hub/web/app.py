"""The ASGI application: GraphQL at /graphql, health probes at /healthz and /readyz, CSV
downloads under /exports (`hub/web/exports.py`), the REST face and its OpenAPI document under
/api/v1 (`hub/web/rest.py`).

A GraphQL request is identified (a bad token: 401), counted against its caller's quotas
(`hub/web/quotas.py`: 429 past a limit, RateLimit headers on every answer), resolved to its
document (`hub/web/persisted.py`: persisted operations, APQ, a client's allow-list), and
answered; queries sent with GET are cacheable (`hub/web/http_caching.py`) and mutations over
GET are refused (405).

Every request passes the HTTP edge first (`hub/web/edge.py`: body size, body deadline, JSON
depth; CORS for the configured origins).

`create_app()` builds everything from `Settings`; `hub serve` runs it under uvicorn as a
factory (`uvicorn --factory hub.web.app:create_app` does the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from cross_web import HTTPException as EnvelopeRefused  # strawberry's HTTP refusals
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLSyntaxError
from sqlalchemy import event, text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from hub.db import migrate
from hub.db.engine import create_engine, plain_reads
from hub.db.replicas import Replicas, reader_for
from hub.oauth import resource
from hub.oauth.production import check_production
from hub.oauth.routes import oauth_state
from hub.oauth.routes import routes as oauth_routes
from hub.rules.declared_caller import NOBODY_DECLARED
from hub.rules.identity import PUBLIC, Identity
from hub.rules.problems import Unavailable
from hub.services import exports as exports_service
from hub.services import queue, webhooks
from hub.services.client_policy import ClientPolicy
from hub.settings import Settings
from hub.web import (
    embed,
    export_routes,
    exports,
    metrics,
    observability,
    open_data,
    persisted,
    quotas,
)
from hub.web.console import graphiql, static_route
from hub.web.console import large_bodies as console_large_bodies
from hub.web.console import routes as console_routes
from hub.web.console.page import language
from hub.web.declared_caller import DeclaredCallerMiddleware
from hub.web.edge import RequestLimits, cors_options
from hub.web.graphql_http import GraphQLResponseMediaType
from hub.web.http_caching import HttpCaching
from hub.web.observability import AccessLogMiddleware
from hub.web.request_guard import RequestGuard
from hub.web.rest import RestApi
from hub.web.telemetry import ObserveOperation
from schema.context import HubContext
from schema.errors import (
    METHOD_NOT_ALLOWED,
    SERVICE_UNAVAILABLE,
    error_code,
    present_errors,
    problem_in,
)
from schema.planner import Planner
from schema.root import build_schema
from schema.text_guard import TextLimits

log = logging.getLogger("hub")

# The client policy of the request being served (allow-list mode), set by `HubGraphQL.__call__`
# for `parse_http_body`, which strawberry calls without the request's scope.
_client_policy: contextvars.ContextVar[ClientPolicy | None] = contextvars.ContextVar(
    "hub_client_policy", default=None
)


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class HubGraphQL(GraphQL[HubContext, None]):
    """Strawberry's ASGI view with our context and a fast JSON encoder."""

    def __init__(
        self,
        app_state: Any,
        identify: IdentityResolver,
        planner: Planner | None = None,
        mask_errors: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(kwargs.pop("schema"), **kwargs)
        self.app_state = app_state
        self.identify = identify
        self.planner = planner
        self.mask_errors = mask_errors

    async def execute_single(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        """The planned read path (schema/planner.py) answers the operations it fully supports;
        everything else goes through strawberry's resolvers. Its errors are presented by the
        same mapping as the resolvers' (schema/errors.py).

        A query of a caller who cannot write reads a replica when one is usable
        (hub/db/replicas.py). If the replica is found gone while answering, it is taken out of
        turn and the query is answered again from the primary: reading twice changes nothing,
        and the caller never sees the replica's failure."""
        replicas = self.app_state.replicas
        if replicas is not None and isinstance(context, HubContext):
            context.reader = reader_for(
                self.app_state,
                context.identity,
                read_only=_only_reads(request_data.query, request_data.operation_name),
            )
            if context.reader is not self.app_state.reader:
                args = (request, request_adapter, sub_response, context, root_value, request_data)
                status, headers = sub_response.status_code, dict(sub_response.headers)
                result = await self._execute(*args)
                if not _unavailable(result):
                    _note_errors(result)
                    return result
                # Forget the failed attempt's answer (its 503, Retry-After) before the retry.
                sub_response.status_code = status
                for name in [n for n in sub_response.headers if n not in headers]:
                    del sub_response.headers[name]
                replicas.failed(context.reader)
                context.reader = self.app_state.reader
                context.restart_reads()
        result = await self._execute(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        _note_errors(result)
        return result

    async def _execute(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        if self.planner is not None and request_adapter.method == "POST":
            try:
                result = await self.planner.execute(request_data, context)
            except Exception as exc:  # a planner bug: reported like a resolver's
                error = GraphQLError(str(exc), original_error=exc)
                result = ExecutionResult(data=None, errors=[error])
            if result is not None:
                if result.errors:
                    result.errors = present_errors(
                        result.errors, context=context, mask=self.mask_errors
                    )
                planned = self.planner.operation(request_data)
                name = planned[1].name if planned else None
                observability.note_operation("query", name.value if name else None)
                return result
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Decide who the caller is first: a rejected token is a 401, not a GraphQL error."""
        if scope["type"] == "http":
            try:
                identity = await self.identify(Request(scope, receive))
            except HTTPException as exc:
                code = "FORBIDDEN" if exc.status_code == 403 else "UNAUTHENTICATED"
                response = ORJSONResponse(
                    {"errors": [{"message": exc.detail, "extensions": {"code": code}}]},
                    status_code=exc.status_code,
                    headers=exc.headers,
                )
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["identity"] = identity
            request = Request(scope, receive)
            policy = await quotas.policy_of(request, identity)
            admission = await quotas.admit(request, identity, policy)
            if not admission.allowed:
                await quotas.send_refusal(admission, scope, send)
                return
            send = quotas.adding_headers(send, admission.headers)
            # strawberry answers a malformed request (a batch, `variables` not an object, an
            # unknown `operationName`, a wrong method or media type) in plain text: give it the
            # same JSON error body as every other refusal, so a client can always read it.
            token = _client_policy.set(policy)
            try:
                response = await self.run(request)
            except EnvelopeRefused as exc:
                response = ORJSONResponse(
                    {
                        "errors": [
                            {"message": exc.reason, "extensions": {"code": _envelope_code(exc)}}
                        ]
                    },
                    status_code=exc.status_code,
                )
            except persisted.Refused as refused:
                response = ORJSONResponse(
                    refused.body,
                    status_code=refused.status,
                    headers={"Cache-Control": "no-store", **refused.headers},
                )
            finally:
                _client_policy.reset(token)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's plain GET, not for a persisted operation sent with GET."""
        params = request.query_params
        return (
            super().should_render_graphql_ide(request)
            and params.get("extensions") is None
            and params.get("documentId") is None
        )

    async def parse_http_body(self, request_adapter: Any) -> Any:
        """The request's document: its text, or the persisted operation it names
        (hub/web/persisted.py); a mutation sent with GET is refused (405)."""
        data = await super().parse_http_body(request_adapter)
        policy = _client_policy.get()
        if isinstance(data, list):  # a batch: strawberry refuses it (batching is off)
            return data
        resolved = await persisted.resolve(
            self.app_state.engine,
            self.app_state.writer,
            self.app_state.settings,
            query=data.query,
            extensions=data.extensions,
            document_id=await _document_id(request_adapter),
            policy=policy,
        )
        data.query = resolved.query
        if request_adapter.method == "GET" and _is_mutation(data.query, data.operation_name):
            raise persisted.Refused(
                405,
                METHOD_NOT_ALLOWED,
                "Mutations are sent with POST, never GET.",
                "คำสั่งแก้ไขข้อมูลต้องส่งด้วย POST เท่านั้น",
                headers={"Allow": "POST"},
            )
        return data

    async def render_graphql_ide(self, request: Any) -> Response:
        """GraphiQL from the hub's vendored assets, never a CDN (hub/web/console/graphiql.py)."""
        return graphiql.public_ide(language(request))

    async def get_context(self, request: Any, response: Any) -> HubContext:
        """The request's context. Its plain reads run on the primary until `execute_single`
        knows the operation: a query of a caller who cannot write may then read a replica."""
        state = request.scope.get("state", {})
        identity = state.get("identity", PUBLIC)
        return HubContext(
            engine=self.app_state.engine,
            writer=self.app_state.writer,
            reader=self.app_state.reader,
            identity=identity,
            request=request,
            response=response,
            settings=self.app_state.settings,
            max_import_lines=self.app_state.settings.import_max_lines,
            declared_caller=state.get("declared_caller", NOBODY_DECLARED),
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


IdentityResolver = Callable[[Request], Awaitable[Identity]]


_ENVELOPE_CODES = {
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


async def _document_id(request_adapter: Any) -> Any:
    """The request's `documentId` (GraphQL-over-HTTP persisted documents), if it has one."""
    if request_adapter.method == "GET":
        return request_adapter.query_params.get("documentId")
    body = await request_adapter.get_body()  # read once already: starlette keeps it
    if b"documentId" not in body:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return data.get("documentId") if isinstance(data, dict) else None


def _only_reads(query: str | None, operation_name: str | None) -> bool:
    """Whether the operation `query` runs only reads; a text without the words `mutation`
    and `subscription` is not parsed for it."""
    if not query or ("mutation" not in query and "subscription" not in query):
        return True
    return not _is_mutation(query, operation_name)


def _is_mutation(query: str | None, operation_name: str | None) -> bool:
    """Whether the operation `query` runs is a mutation (or a subscription); a document that
    does not parse is left to GraphQL to report."""
    if not query:
        return False
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    return len(chosen) == 1 and chosen[0].operation is not OperationType.QUERY


def _envelope_code(refused: EnvelopeRefused) -> str:
    """The code of a request strawberry refused before GraphQL saw it."""
    return _ENVELOPE_CODES.get(refused.status_code, "BAD_REQUEST")


def _unavailable(result: Any) -> bool:
    """Whether `result` failed because a database could not be reached."""
    for error in getattr(result, "errors", None) or ():
        if error_code(error) == SERVICE_UNAVAILABLE:
            return True
        if isinstance(problem_in(getattr(error, "original_error", None)), Unavailable):
            return True
    return False


def _note_errors(result: Any) -> None:
    """The codes of the GraphQL errors answered, for the access log and the metrics."""
    errors = getattr(result, "errors", None) or ()
    observability.note_errors(str(error_code(e) or "UNKNOWN") for e in errors)


def create_app(
    settings: Settings | None = None, *, identify: IdentityResolver | None = None
) -> Starlette:
    """The hub. `identify` decides who each request's caller is: by default the OAuth
    resource server (hub/oauth/resource.py); tests may install their own."""
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        bounds = {
            "statement_timeout": settings.statement_timeout or None,
            "sqlite_busy_timeout_ms": int(settings.sqlite_busy_timeout * 1000),
            "pool_size": settings.database_pool_size,
        }
        app.state.engine = create_engine(settings.database_url, **bounds)
        # Mutations use their own engine on SQLite, whose transactions take the write lock at
        # BEGIN; on PostgreSQL row locks serialise writers and one engine serves both.
        app.state.writer = (
            create_engine(settings.database_url, writer=True, **bounds)
            if settings.is_sqlite
            else app.state.engine
        )
        app.state.reader = plain_reads(app.state.engine)
        # Streaming replicas answer the reads of callers who cannot write (hub/db/replicas.py).
        app.state.replicas = (
            Replicas(
                app.state.engine,
                settings.replica_urls,
                max_lag=settings.replica_max_lag,
                check_every=settings.replica_check_seconds,
                **bounds,
            )
            if settings.replica_urls
            else None
        )
        checking = None
        if app.state.replicas is not None:
            await app.state.replicas.check()  # the first requests may use them already
            checking = asyncio.create_task(app.state.replicas.run())
        if settings.count_statements:
            replicas = app.state.replicas.replicas if app.state.replicas is not None else []
            for engine in {app.state.engine, app.state.writer, *(r.base for r in replicas)}:
                event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
        worker = background_worker(app) if settings.jobs_worker else None
        running = asyncio.create_task(worker.run()) if worker is not None else None
        try:
            if settings.production:
                await check_production(app.state.engine, settings, app.state.oauth.keystore)
            yield
        finally:
            if worker is not None and running is not None:
                worker.stop()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(running, 10)
            await app.state.oauth.close()
            if checking is not None:
                checking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await checking
                await app.state.replicas.dispose()
            await app.state.engine.dispose()
            if app.state.writer is not app.state.engine:
                await app.state.writer.dispose()
            if settings.metrics_multiproc_dir is not None:
                metrics.worker_exited(os.getpid())

    async def healthz(request: Request) -> Response:
        """The process is alive; says nothing about the database."""
        return ORJSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """The database answers and its schema is at the migrations' head."""
        engine = request.app.state.engine
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.current_revision(engine)
        except Exception as exc:  # any failure to reach the database means "not ready"
            log.warning("readiness check failed: %s", exc)
            return ORJSONResponse(
                {"status": "unavailable", "database": "unreachable"},
                status_code=503,
                headers={"Retry-After": str(Unavailable.default_retry_after)},
            )
        head = migrate.head_revision()
        if current != head:
            return ORJSONResponse(
                {
                    "status": "unavailable",
                    "database": "ok",
                    "migrations": {"current": current, "head": head},
                },
                status_code=503,
                headers={"Retry-After": str(Unavailable.default_retry_after)},
            )
        ready: dict[str, Any] = {
            "status": "ok",
            "database": "ok",
            "migrations": {"current": current, "head": head},
        }
        if request.app.state.replicas is not None:
            # Informational: a replica that answers nothing leaves its reads to the primary,
            # so it never makes this worker unready.
            ready["replicas"] = request.app.state.replicas.status()
        return ORJSONResponse(ready)

    async def root(request: Request) -> Response:
        return RedirectResponse("/console/" if settings.console else "/graphql")

    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics (hub/web/metrics.py), in the text exposition format."""
        metrics.observe_pools(_engines(request.app))
        body, content_type = metrics.exposition(settings.metrics_multiproc_dir is not None)
        return Response(body, media_type=content_type)

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *([Route("/metrics", metrics_endpoint)] if settings.metrics else []),
            *oauth_routes(),
            *(console_routes() if settings.console else []),
            # GraphiQL's assets are the console's static files.
            *([static_route()] if settings.graphiql and not settings.console else []),
            *exports.routes(identify or resource.identify),
            *export_routes.routes(identify or resource.identify),
            *open_data.routes(),
            *embed.routes(),
        ],
        lifespan=lifespan,
    )
    text_limits = TextLimits(max_string_length=settings.max_string_length)
    schema = build_schema(
        mask_errors=settings.production, text_limits=text_limits, extensions=[ObserveOperation]
    )
    app.state.schema = schema
    app.state.planner = Planner(schema, text_limits=text_limits) if settings.planner else None
    graphql = HubGraphQL(
        app.state,
        identify or resource.identify,
        planner=app.state.planner,
        mask_errors=settings.production,
        schema=schema,
        graphql_ide="graphiql" if settings.graphiql else None,
    )
    app.add_route(
        "/graphql",
        HttpCaching(GraphQLResponseMediaType(graphql), max_age=settings.public_max_age),
        methods=["GET", "POST"],
    )
    # The REST face (hub/web/rest.py): registered operations run through the same view.
    app.router.routes.extend(
        RestApi(graphql, identify or resource.identify, settings.issuer).routes()
    )
    if settings.console:
        # GraphiQL as the signed-in person: the same view, the console session as identity.
        as_person = HubGraphQL(
            app.state,
            graphiql.identify,
            planner=app.state.planner,
            mask_errors=settings.production,
            schema=schema,
            graphql_ide=None,
        )
        app.add_route(graphiql.ENDPOINT, GraphQLResponseMediaType(as_person), methods=["POST"])
    # Outermost last. The edge's limits (hub/web/edge.py) before any route reads a byte of the
    # body; the guard (hub/web/request_guard.py) turns outages, deadlines and hang-ups into typed
    # answers; CORS headers on every answer, refusals included, so a portal can read them; the
    # access log sees every answer, the request id already set (keep it next to it). Quotas on
    # the REST face and the exports sit innermost, inside the guard (a store outage is a 503).
    app.add_middleware(
        quotas.QuotaPaths, identify=identify or resource.identify, issuer=settings.issuer
    )
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_request_bytes,
        max_json_depth=settings.max_json_depth,
        body_timeout=settings.body_timeout,
        large_bodies=console_large_bodies(settings) if settings.console else (),
        issuer=settings.issuer,
    )
    app.add_middleware(DeclaredCallerMiddleware, issuer=settings.issuer)
    app.add_middleware(
        RequestGuard,
        timeout=settings.request_timeout or None,
        mask=settings.production,
        issuer=settings.issuer,
    )
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **cors_options(settings.cors_origins))
    app.add_middleware(
        AccessLogMiddleware, engines=lambda: _engines(app), metrics_enabled=settings.metrics
    )
    app.add_middleware(RequestIdMiddleware)
    if settings.count_statements:
        app.add_middleware(StatementCountMiddleware)
    app.state.settings = settings
    app.state.oauth = oauth_state(settings)
    return app


def background_worker(app: Starlette) -> queue.Worker:
    """The job worker of this process: export jobs and webhook deliveries (README "Exports",
    "Webhooks"); any number of processes run one, the queue hands each job to one of them."""
    settings: Settings = app.state.settings
    policy = webhooks.DeliveryPolicy(
        timeout=settings.webhook_timeout,
        retry_base=settings.webhook_retry_base,
        max_attempts=settings.webhook_max_attempts,
        public_only=settings.production,
    )

    async def run_export(payload: bytes) -> None:
        await export_routes.run_job(app.state, payload.decode())

    async def deliver(payload: bytes) -> None:
        await webhooks.deliver(app.state.writer, int(payload), policy)

    return queue.Worker(
        app.state.writer,
        settings.database_url,
        {exports_service.RUN: run_export, webhooks.DELIVER: deliver},
        poll_interval=settings.jobs_poll_interval,
    )


def _engines(app: Starlette) -> dict[str, Any]:
    """The app's database engines by name, once the lifespan has made them."""
    engine = getattr(app.state, "engine", None)
    writer = getattr(app.state, "writer", None)
    if engine is None:
        return {}
    replicas = getattr(app.state, "replicas", None)
    engines = {"reader": engine} | ({"writer": writer} if writer not in (None, engine) else {})
    for n, replica in enumerate(replicas.replicas if replicas is not None else (), start=1):
        engines[f"replica{n}"] = replica.base
    return engines


class RequestIdMiddleware:
    """Gives every HTTP request an id (or keeps the caller's `X-Request-Id`) and returns it.

    Logs carry the id, so a masked error can be traced from what the caller saw.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 100 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (b"x-request-id", request_id.encode("latin-1"))
                )
            await send(message)

        await self.app(scope, receive, send_with_id)


# Per-request SQL statement counts (HUB_COUNT_STATEMENTS=true, for `make bench`): every
# statement a request's tasks send is counted into the request's counter and returned in the
# `X-SQL-Statements` response header. Off by default.
_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "hub_sql_statements", default=None
)


def _count_statement(*args: Any) -> None:
    counter = _statements.get()
    if counter is not None:
        counter[0] += 1


class StatementCountMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counter = [0]
        token = _statements.set(counter)

        async def send_with_count(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (b"x-sql-statements", str(counter[0]).encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_count)
        finally:
            _statements.reset(token)

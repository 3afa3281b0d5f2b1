"""The console: the Thai/English web application of clerks and officers, under `/console`.

Server-rendered pages (Jinja2) over the hub's own GraphQL operations executed in-process
(hub/web/console/page.py), so every rule, permission and change-log entry is the API's.
Sign-in is the hub's own OAuth code + PKCE flow (hub/web/console/session.py). Everything the
browser loads is served from hub/web/static (vendored assets: hub/web/static/VENDORED.md).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from hub.web.console import (
    certify,
    dashboards,
    domain_form,
    graphiql,
    guide,
    home,
    lao_year,
    laos,
    missions,
    records,
    report,
)
from hub.web.console.records import large_bodies

STATIC = Path(__file__).resolve().parent.parent / "static"


__all__ = ["large_bodies", "routes"]


def routes() -> list[BaseRoute]:
    pages: list[BaseRoute] = [*home.routes, *dashboards.routes, *graphiql.routes, *guide.routes]
    pages += [*laos.routes, *lao_year.routes, *domain_form.routes]
    pages += [*certify.routes, *report.routes]
    pages += [*records.routes, *missions.routes]
    return [static_route(), *pages]


def static_route() -> BaseRoute:
    """What browsers load (vendored assets included), served by the hub: no CDN."""
    return Mount("/console/static", app=StaticFiles(directory=STATIC), name="console-static")

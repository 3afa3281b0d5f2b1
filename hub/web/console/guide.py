"""`/console/help`: short Thai/English help for everyone, linked from every page's footer.

What each of the 8 domains asks (from the catalogue's own labels: `hub.rules.catalogue`,
the declaration the forms, validation and completeness come from, so the help never
drifts from the forms), what certifying means and its two tiers (`hub.rules.enums`'s state
labels), the deadlines of the open years (the API's `fiscalYears`), what each role does,
the indicators on the dashboards, GraphiQL, and who to call. Screens carry their own
in-page help blocks (`macros.html`'s `help`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.rules.catalogue import DOMAINS
from hub.rules.enums import CertificationState, Role
from hub.web.console.page import Console, view

YEARS = "query HelpYears { fiscalYears { yearBe startsOn recordDeadline isOpen } }"


@view
async def help_page(request: Request, console: Console) -> Response:
    data = await console.graphql(YEARS)
    open_years = [
        {**y, "days_left": console.days_left(y["recordDeadline"])}
        for y in data["fiscalYears"]
        if y["isOpen"]
    ]
    return console.render(
        "help.html",
        domains=DOMAINS,
        states=list(CertificationState),
        roles=list(Role),
        open_years=open_years,
        my_roles=set(console.identity.roles()),
    )


routes = [Route("/console/help", help_page)]

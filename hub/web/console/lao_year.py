"""An LAO-year's overview, `/console/lao/{code}/{year}`: the LAO's profile, the year's state
and deadline, each of the 8 domains complete or not (with what it lacks, by label), and the
way to every page about the year — its domain forms, record tables, certification, report.

One GraphQL operation (`LaoYearOverview`): what the API shows the caller is what the page
shows; an LAO-year the caller may not see is not found.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.rules.catalogue import RECORD_TABLES
from hub.web.console.page import Console, view
from hub.web.console.paths import (
    deadline_note,
    domain_rows,
    not_found,
    state_label,
    type_label,
    year_of_path,
)

QUERY = """query LaoYearOverview($code: String!, $year: Int!) {
  lao(code: $code) {
    code nameTh nameEn type addressNumber addressVillageNumber addressRoad postcode phone
    hasWebsite websiteUrl
    province { code nameTh } district { code nameTh } subdistrict { nameTh }
    years { fiscalYear state }
    year(fiscalYear: $year) {
      fiscalYear state version dataReceivedAt allDomainsComplete allowedActions
      completeness { domain labelTh labelEn complete missingFields }
    }
  }
  fiscalYears { yearBe recordDeadline isOpen }
}"""


@view
async def overview(request: Request, console: Console) -> Response:
    year_be = year_of_path(request)
    if year_be is None:
        return not_found(console)
    data = await console.graphql(QUERY, {"code": request.path_params["code"], "year": year_be})
    lao = data["lao"]
    if lao is None or lao["year"] is None:
        return not_found(console)
    year = lao["year"]
    lang = console.lang
    fiscal = next((y for y in data["fiscalYears"] if y["yearBe"] == year_be), None)
    base = f"/console/lao/{quote(lao['code'])}/{year_be}"
    domains = domain_rows(year["completeness"], lang)
    return console.render(
        "lao_year.html",
        lao=lao,
        year=year,
        fiscal=fiscal,
        base=base,
        deadline=deadline_note(console, fiscal["recordDeadline"]) if fiscal else None,
        state_label=state_label(year["state"], lang),
        type_label=type_label(lao["type"], lang),
        domains=domains,
        complete_count=sum(1 for x in domains if x["complete"]),
        editable="EDIT" in year["allowedActions"],
        may_certify="CERTIFY_LAO" in year["allowedActions"],
        records=[
            {
                "label": t.label_en if lang == "en" else t.label_th,
                "href": f"{base}/records/{t.name.replace('_', '-')}",
            }
            for t in RECORD_TABLES
        ],
        other_years=[
            {
                "year": y["fiscalYear"],
                "state": y["state"],
                "label": state_label(y["state"], lang),
                "href": f"/console/lao/{quote(lao['code'])}/{y['fiscalYear']}",
            }
            for y in lao["years"]
            if y["fiscalYear"] != year_be
        ],
    )


routes = [Route("/console/lao/{code}/{year:int}", overview)]

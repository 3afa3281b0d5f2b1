"""The officers' list of LAOs, `/console/laos`: an area's LAOs with their state in a fiscal
year, filtered by state, type and district, searched by name, in Thai dictionary order.

The area is the officer's own: a district officer's district, a provincial officer's province
(`?province=` picks one of theirs when they hold several); a DLA administrator picks any
province, or searches the whole country by name. LAO staff have their home page instead.

One `laos` query of the API reads the list (`filter` with province, district, type and name;
names are matched in the API's search spelling, so "ปากนํ้า" finds "ปากน้ำ") and each LAO's
year in the same operation: the planner answers it in one statement, or the resolvers with
batched loads. The counts per state (shown as the state filter's choices) are tallied from
that same answer, and the state filter then picks rows from it, so the counts always say how
many LAOs each choice would show. A row whose year the caller may not see (a district
officer and a municipality's draft) has no state and matches no state filter, as with the
API's own `state` filter. Names are sorted with `hub.rules.thai_text.collation_key`, by the
name without its type ("ปากน้ำ", not "องค์การบริหารส่วนตำบลปากน้ำ").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.rules.enums import LaoType, Role
from hub.rules.thai_text import collation_key
from hub.web.console.page import Console, view
from hub.web.console.paths import STATES, chosen_year, short_name, state_label, type_label

LIMIT = 1000  # the API's largest page: a province has at most a few hundred LAOs

AREA = """query Area { viewer { districts { code nameTh province { code nameTh } }
  provinces { code nameTh } }
  fiscalYears { yearBe recordDeadline isOpen } }"""

ALL_PROVINCES = """query Provinces { provinces { code nameTh } }"""

DISTRICTS = """query Districts($province: String!) {
  province(code: $province) { code nameTh districts { code nameTh } } }"""

LIST = """query LaoList($filter: LaoFilter!, $year: Int!, $first: Int!) {
  laos(filter: $filter, first: $first) { totalCount edges { node {
    code nameTh type district { code nameTh }
    year(fiscalYear: $year) { state dataReceivedAt allDomainsComplete } } } } }"""


@view
async def lao_list(request: Request, console: Console) -> Response:
    roles = set(console.identity.roles())
    if not roles & {Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.DLA_ADMIN}:
        return RedirectResponse("/console/", status_code=303)
    q = request.query_params
    area = await console.graphql(AREA)
    fiscal = chosen_year(request, area["fiscalYears"])
    viewer = area["viewer"]
    dla = Role.DLA_ADMIN in roles

    # The area: the officer's own; DLA chooses.
    provinces: list[dict[str, Any]] = list(viewer["provinces"])
    district_fixed = None
    if dla:
        provinces = (await console.graphql(ALL_PROVINCES))["provinces"]
    elif not provinces and viewer["districts"]:
        district_fixed = viewer["districts"][0]
        provinces = [district_fixed["province"]]
    province = next((p for p in provinces if p["code"] == q.get("province")), None)
    if province is None and not dla:
        province = provinces[0] if provinces else None
    districts: list[dict[str, Any]] = []
    if district_fixed is not None:
        districts = [district_fixed]
    elif province is not None:
        found = await console.graphql(DISTRICTS, {"province": province["code"]})
        districts = (found["province"] or {}).get("districts", [])
    district = district_fixed or next(
        (d for d in districts if d["code"] == q.get("district")), None
    )
    lao_type = q.get("type") if q.get("type") in LaoType.__members__ else None
    state = q.get("state") if q.get("state") in STATES else None
    text = (q.get("q") or "").strip()[:100]

    rows: list[dict[str, Any]] = []
    total = 0
    counts = dict.fromkeys(STATES, 0)
    searched = fiscal is not None and (province is not None or bool(text))
    if searched and fiscal is not None:
        data = await console.graphql(
            LIST,
            {
                "filter": {
                    "provinceCode": province["code"] if province else None,
                    "districtCode": district["code"] if district else None,
                    "type": lao_type,
                    "nameContains": text or None,
                },
                "year": fiscal["yearBe"],
                "first": LIMIT,
            },
        )
        total = data["laos"]["totalCount"]
        for edge in data["laos"]["edges"]:
            node = edge["node"]
            year = node["year"] or {}
            if year.get("state") in counts:
                counts[year["state"]] += 1
            rows.append(
                {
                    "code": node["code"],
                    "name": node["nameTh"],
                    "short": short_name(node["nameTh"], node["type"]),
                    "type": type_label(node["type"], console.lang),
                    "district": node["district"]["nameTh"],
                    "state": year.get("state"),
                    "state_label": state_label(year.get("state"), console.lang),
                    "complete": year.get("allDomainsComplete"),
                    "received": year.get("dataReceivedAt"),
                    "href": f"/console/lao/{quote(node['code'] or '')}/{fiscal['yearBe']}",
                }
            )
        rows.sort(key=lambda r: collation_key(r["short"]))
    shown = [r for r in rows if state is None or r["state"] == state]
    return console.render(
        "laos.html",
        fiscal=fiscal,
        fiscal_years=area["fiscalYears"],
        dla=dla,
        provinces=provinces,
        province=province,
        districts=districts,
        district=district,
        district_fixed=district_fixed is not None,
        types=[(t.name, t.label_en if console.lang == "en" else t.label_th) for t in LaoType],
        lao_type=lao_type,
        states=[(s, state_label(s, console.lang), counts[s]) for s in STATES],
        state=state,
        text=text,
        searched=searched,
        rows=shown,
        listed=len(rows),
        truncated=total > len(rows),
        total=total,
    )


routes = [Route("/console/laos", lao_list)]

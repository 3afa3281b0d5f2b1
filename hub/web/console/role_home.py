"""The home page, `/console/`, per role: what each person has to do next.

- LAO staff (recorder, verifier, INFO administrator): their LAO's years — state, deadline and
  days left, and for each open year the 8 domains, complete or not, with the missing fields
  by label and a link to each domain's form.
- District officers: their district's LAOs by state, and the ones not yet certified by the
  LAO (the ones to chase), with links to the list.
- Provincial officers: their province's LAOs by state, district by district.
- DLA administrators: national progress, province by province.

A person holding several roles sees each part. The figures come from the API's roll-ups
(`stats`) and lists: a fixed number of operations whatever the number of LAOs. The year
shown is `?year=`, or the newest open fiscal year.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from hub.rules.enums import Role
from hub.rules.thai_text import collation_key
from hub.web.console.page import Console
from hub.web.console.paths import (
    chosen_year,
    deadline_note,
    domain_rows,
    short_name,
    state_label,
    type_label,
)

WHO = """query Who { viewer { laos { code } districts { code } provinces { code } }
  fiscalYears { yearBe recordDeadline isOpen } }"""

PROGRESS = "certification { draft laoCertified provinceCertified total }"

LAO_STAFF = """query LaoHome { viewer { laos { code nameTh type
  district { nameTh } province { nameTh }
  years { fiscalYear state dataReceivedAt allowedActions
    completeness { domain labelTh labelEn complete missingFields } } } } }"""

DISTRICT = f"""query DistrictHome($year: Int!) {{ viewer {{ districts {{ code nameTh
  province {{ code nameTh }} stats(fiscalYear: $year) {{ {PROGRESS} }} }} }} }}"""

TO_CHASE = """query ToChase($district: String!, $year: Int!) {
  laos(filter: {districtCode: $district, state: DRAFT, fiscalYear: $year}, first: 1000) {
    totalCount edges { node { code nameTh type year(fiscalYear: $year) { allDomainsComplete } } } } }"""

# An area's figures are the sum of its parts' (every LAO's office is in one district of one
# province), so a page asks for one roll-up level, not two.
PROVINCE = f"""query ProvinceHome($year: Int!) {{ viewer {{ provinces {{ code nameTh
  districts {{ code nameTh stats(fiscalYear: $year) {{ {PROGRESS} }} }} }} }} }}"""

NATIONAL = f"""query NationalHome($year: Int!) {{
  provinces {{ code nameTh stats(fiscalYear: $year) {{ {PROGRESS} }} }} }}"""


def _summed(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `stats` of an area from those of its parts."""
    keys = ("draft", "laoCertified", "provinceCertified", "total")
    return {"certification": {k: sum(p["stats"]["certification"][k] for p in parts) for k in keys}}


def _progress(console: Console, name: str, stats: dict[str, Any], link: dict[str, str]) -> dict:
    """One area's counts per state, each linking to the list of those LAOs."""
    c = stats["certification"]
    total = c["total"]
    certified = c["laoCertified"] + c["provinceCertified"]

    def href(**more: str) -> str:
        return "/console/laos?" + urlencode({**link, **more})

    return {
        "name": name,
        "total": total,
        "draft": c["draft"],
        "lao_certified": c["laoCertified"],
        "province_certified": c["provinceCertified"],
        "percent": round(100 * certified / total) if total else 0,
        "href": href(),
        "href_draft": href(state="DRAFT"),
        "href_lao": href(state="LAO_CERTIFIED"),
        "href_province": href(state="PROVINCE_CERTIFIED"),
    }


async def home(request: Request, console: Console) -> Response:
    who = await console.graphql(WHO)
    viewer = who["viewer"]
    fiscal_years = who["fiscalYears"]
    fiscal = chosen_year(request, fiscal_years)
    year = fiscal["yearBe"] if fiscal else None
    parts: dict[str, Any] = {}
    if viewer["laos"]:
        parts["lao"] = await _lao_part(console, fiscal_years)
    if year is not None and viewer["districts"]:
        parts["district"] = await _district_part(console, year)
    if year is not None and viewer["provinces"]:
        parts["province"] = await _province_part(console, year)
    if year is not None and Role.DLA_ADMIN in console.identity.roles():
        parts["national"] = await _national_part(console, year)
    return console.render(
        "home.html",
        parts=parts,
        fiscal=fiscal,
        fiscal_years=fiscal_years,
        deadline=deadline_note(console, fiscal["recordDeadline"]) if fiscal else None,
        officer=any(k in parts for k in ("district", "province", "national")),
    )


async def _lao_part(console: Console, fiscal_years: list[dict[str, Any]]) -> list[dict]:
    data = await console.graphql(LAO_STAFF)
    by_year = {y["yearBe"]: y for y in fiscal_years}
    laos = []
    for lao in data["viewer"]["laos"]:
        years = []
        for y in lao["years"]:
            fiscal = by_year.get(y["fiscalYear"])
            base = f"/console/lao/{quote(lao['code'])}/{y['fiscalYear']}"
            domains = domain_rows(y["completeness"], console.lang)
            years.append(
                {
                    "year": y["fiscalYear"],
                    "open": bool(fiscal and fiscal["isOpen"]),
                    "state": y["state"],
                    "state_label": state_label(y["state"], console.lang),
                    "received": y["dataReceivedAt"],
                    "deadline": deadline_note(console, fiscal["recordDeadline"])
                    if fiscal
                    else None,
                    "domains": domains,
                    "complete_count": sum(1 for d in domains if d["complete"]),
                    "editable": "EDIT" in y["allowedActions"],
                    "may_certify": "CERTIFY_LAO" in y["allowedActions"],
                    "base": base,
                }
            )
        laos.append(
            {
                "code": lao["code"],
                "name": lao["nameTh"],
                "type": type_label(lao["type"], console.lang),
                "place": f"{lao['district']['nameTh']}, {lao['province']['nameTh']}",
                "open_years": [y for y in years if y["open"]],
                "closed_years": [y for y in years if not y["open"]],
            }
        )
    return laos


async def _district_part(console: Console, year: int) -> list[dict]:
    data = await console.graphql(DISTRICT, {"year": year})
    districts = []
    for d in data["viewer"]["districts"]:
        chase = await console.graphql(TO_CHASE, {"district": d["code"], "year": year})
        late = [
            {
                "code": e["node"]["code"],
                "name": e["node"]["nameTh"],
                "short": short_name(e["node"]["nameTh"], e["node"]["type"]),
                "type": type_label(e["node"]["type"], console.lang),
                "complete": bool((e["node"]["year"] or {}).get("allDomainsComplete")),
                "href": f"/console/lao/{quote(e['node']['code'])}/{year}",
            }
            for e in chase["laos"]["edges"]
        ]
        late.sort(key=lambda x: collation_key(x["short"]))
        districts.append(
            {
                "name": d["nameTh"],
                "province": d["province"]["nameTh"],
                "progress": _progress(
                    console, d["nameTh"], d["stats"], {"district": d["code"], "year": str(year)}
                ),
                "to_chase": late,
            }
        )
    return districts


async def _province_part(console: Console, year: int) -> list[dict]:
    data = await console.graphql(PROVINCE, {"year": year})
    provinces = []
    for p in data["viewer"]["provinces"]:
        link = {"province": p["code"], "year": str(year)}
        provinces.append(
            {
                "code": p["code"],
                "name": p["nameTh"],
                "progress": _progress(console, p["nameTh"], _summed(p["districts"]), link),
                "districts": [
                    _progress(
                        console,
                        d["nameTh"],
                        d["stats"],
                        {**link, "district": d["code"]},
                    )
                    for d in p["districts"]
                ],
            }
        )
    return provinces


async def _national_part(console: Console, year: int) -> dict:
    data = await console.graphql(NATIONAL, {"year": year})
    return {
        "progress": _progress(
            console, console.tr("ทั้งประเทศ", "Whole country"), _summed(data["provinces"]), {}
        ),
        "provinces": [
            _progress(console, p["nameTh"], p["stats"], {"province": p["code"], "year": str(year)})
            for p in data["provinces"]
        ],
    }

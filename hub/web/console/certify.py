"""Certifying in the console: one LAO-year's certification page, and the province's batch page.

Every action is one of the hub's certification mutations (`schema/mutations/certification.py`)
run in-process as the signed-in person, so the rules (`hub.rules.certification`), the
permissions and the change log are exactly the API's. The pages show what the API answers:
the new state, or its typed refusal in Thai and English (what is missing, by domain and field
label; a reason required; the data changed meanwhile; not allowed).

- `/console/lao/{code}/{year}/certification`: state, completeness, the history (when, from,
  to, who, role, why) and the actions the person's grants make sense of: the LAO's verifier
  certifies or cancels at LAO level, an officer of the LAO's province at province level.
  Which forms are offered follows the state table (`TRANSITIONS`) and the person's grants
  (`viewer { grants }`); whether an action is allowed is decided by the API when it is taken.
- `/console/certify`: a provincial officer's list of the province's LAO-years waiting for
  the province (one `laos` query, filtered by state, year and district), select some or all,
  certify them in one `certifyProvince` call (up to `PROVINCE_BATCH_LIMIT` per call; each item
  stands alone) and see each result; or, listing the province-certified ones, cancel some with
  a reason.

Without JavaScript every form is a plain POST: an action on one LAO-year redirects (303) to
the page with a notice, a refusal re-renders the page with the error summary; with htmx the
same responses replace the page's main region in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.rules.catalogue import domain
from hub.rules.certification import PROVINCE_BATCH_LIMIT, TRANSITIONS, Action
from hub.rules.enums import CertificationState, Role
from hub.web.console.catalogue_view import missing_label
from hub.web.console.page import Console, GraphQLFailed, view
from hub.web.console.report import read_with_personal

REASON_MAX = 2000  # the textarea's limit; longer (a crafted form) is the API's to refuse, never cut

RESULT = """
fragment Outcome on CertificationResult {
  __typename
  ... on StateChanged { state version at }
  ... on MutationError { message messageTh }
  ... on InvalidState { currentState }
  ... on VersionConflict { currentVersion }
  ... on IncompleteDomains { domains { domain labelTh missingFields } }
}
"""

MUTATIONS = {
    Action.CERTIFY_LAO: "mutation($code: String!, $year: Int!, $version: Int) {"
    " r: certifyLao(laoCode: $code, fiscalYear: $year, version: $version) { ...Outcome } }",
    Action.CANCEL_LAO: "mutation($code: String!, $year: Int!, $version: Int, $reason: String!) {"
    " r: cancelLaoCertification(laoCode: $code, fiscalYear: $year, reason: $reason,"
    " version: $version) { ...Outcome } }",
    Action.CERTIFY_PROVINCE: "mutation($items: [LaoYearRef!]!) {"
    " r: certifyProvince(items: $items) { laoCode fiscalYear result { ...Outcome } } }",
    Action.CANCEL_PROVINCE: "mutation($code: String!, $year: Int!, $version: Int,"
    " $reason: String!) { r: cancelProvinceCertification(laoCode: $code, fiscalYear: $year,"
    " reason: $reason, version: $version) { ...Outcome } }",
}

DONE = {
    Action.CERTIFY_LAO: ("รับรองข้อมูลระดับ อปท. แล้ว", "Certified at LAO level."),
    Action.CANCEL_LAO: ("ยกเลิกการรับรองระดับ อปท. แล้ว", "The LAO certification was cancelled."),
    Action.CERTIFY_PROVINCE: ("รับรองข้อมูลระดับจังหวัดแล้ว", "Certified at province level."),
    Action.CANCEL_PROVINCE: (
        "ยกเลิกการรับรองระดับจังหวัดแล้ว",
        "The province certification was cancelled.",
    ),
}

PAGE = """
query($code: String!, $year: Int!) {
  viewer { grants { role laoCode provinceCode } }
  fiscalYears { yearBe recordDeadline isOpen }
  lao(code: $code) {
    code nameTh type
    province { code nameTh }
    district { code nameTh }
    year(fiscalYear: $year) {
      fiscalYear state version dataReceivedAt allDomainsComplete
      completeness { domain labelTh labelEn complete missingFields }
      certificationHistory { at fromState toState actorRole actorName reason }
    }
  }
}
"""


# --- what the API answered, as the page shows it ----------------------------------------------


@dataclass
class Problem:
    """A refusal as the page shows it: Thai and English, and the field it belongs to."""

    th: str
    en: str
    field: str | None = None  # the form field the error sits next to ("reason")
    details: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # missing, per domain


def _refusal(outcome: Mapping[str, Any]) -> Problem:
    kind = outcome["__typename"]
    problem = Problem(outcome["messageTh"], outcome["message"])
    if kind == "ReasonRequired":
        problem.field = "reason"
    if kind == "IncompleteDomains":
        problem.details = [
            {
                "domain": d["domain"],
                "labelTh": d["labelTh"],
                "labelEn": domain(d["domain"]).label_en,
                "missing": [missing_label(d["domain"], name) for name in d["missingFields"]],
            }
            for d in outcome["domains"]
        ]
    return problem


def _request_errors(result: Any, console: Console) -> list[Problem]:
    """Errors of the request itself (a reason the text guard refuses: NUL, too long)."""
    from schema.errors import present_errors

    problems = []
    mask = console.request.app.state.settings.production
    for error in present_errors(result.errors, context=console.context(), mask=mask):
        formatted = error.formatted
        extensions = formatted.get("extensions") or {}
        if extensions.get("code") != "BAD_USER_INPUT":
            raise GraphQLFailed([formatted])
        problems.append(
            Problem(
                str(extensions.get("messageTh") or formatted["message"]),
                str(formatted["message"]),
                field="reason" if extensions.get("argument") == "reason" else None,
            )
        )
    return problems


async def _act(
    console: Console, action: Action, code: str, year: int, version: int | None, reason: str
) -> Problem | None:
    """Run one certification mutation on one LAO-year; None when the state changed."""
    variables: dict[str, Any]
    if action is Action.CERTIFY_PROVINCE:
        variables = {"items": [{"laoCode": code, "fiscalYear": year, "version": version}]}
    else:
        variables = {"code": code, "year": year, "version": version}
        if TRANSITIONS[action].needs_reason:
            variables["reason"] = reason
    result = await console.execute(MUTATIONS[action] + RESULT, variables)
    if result.errors:
        problems = _request_errors(result, console)
        return problems[0] if problems else None
    assert result.data is not None
    outcome = result.data["r"]
    if action is Action.CERTIFY_PROVINCE:
        outcome = outcome[0]["result"]
    return None if outcome["__typename"] == "StateChanged" else _refusal(outcome)


# --- one LAO-year ---------------------------------------------------------------------------


def _offered(
    grants: Sequence[Mapping[str, Any]], lao: Mapping[str, Any], state: str
) -> list[Action]:
    """The forms that make sense for this person on this LAO-year now: the actions whose
    starting state is the current one, at the levels the person's grants are bound to this
    LAO (its verifier) or its province (its provincial office). The API decides when the
    form is sent; this only keeps forms that cannot apply off the page."""
    verifier = any(g["role"] == "LAO_VERIFIER" and g["laoCode"] == lao["code"] for g in grants)
    officer = any(
        g["role"] == "PROVINCE_OFFICER" and g["provinceCode"] == lao["province"]["code"]
        for g in grants
    )
    offered = []
    for action, t in TRANSITIONS.items():
        if t.from_state.name != state:
            continue
        if (t.province_level and officer) or (not t.province_level and verifier):
            offered.append(action)
    return offered


def _state_label(console: Console, state: str | None) -> str:
    if state is None:
        return "–"
    s = CertificationState[state]
    return console.tr(s.label_th, s.label_en)


def _role_label(console: Console, role: str | None) -> str:
    if role is None:
        return "–"
    r = Role[role]
    return console.tr(r.label_th, r.label_en)


def deadline_of(fiscal_years: Sequence[Mapping[str, Any]], year: int) -> Mapping[str, Any] | None:
    return next((y for y in fiscal_years if y["yearBe"] == year), None)


@view
async def certification(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    year = request.path_params["year"]
    problems: list[Problem] = []
    reason = ""
    if request.method == "POST":
        form = await request.form()
        try:
            action = Action(str(form.get("action", "")))
            if action not in TRANSITIONS:
                raise ValueError(action)
        except ValueError:
            return Response("unknown action", status_code=400)
        reason = str(form.get("reason", ""))
        version_text = str(form.get("version", ""))
        version = int(version_text) if version_text.isdigit() else None
        problem = await _act(console, action, code, year, version, reason)
        if problem is None:
            target = f"/console/lao/{code}/{year}/certification?" + urlencode(
                {"done": action.value}
            )
            return RedirectResponse(target, status_code=303)
        problems.append(problem)
    data, refused = await read_with_personal(console, PAGE, {"code": code, "year": year})
    lao = data["lao"]
    lao_year = lao["year"] if lao else None
    if lao is None or lao_year is None:
        return console.render("certification_missing.html", status=404, code=code, year=year)
    done = request.query_params.get("done")
    notice = None
    if done in {a.value for a in DONE} and not problems:
        th, en = DONE[Action(done)]
        notice = console.tr(th, en)
    completeness = [
        {
            **d,
            "missing": [missing_label(d["domain"], n) for n in d["missingFields"]],
        }
        for d in lao_year["completeness"]
    ]
    status = 200
    if problems and request.headers.get("hx-request") != "true":
        status = 409 if any(p.field is None for p in problems) else 400
    return console.render(
        "certification.html",
        status=status,
        lao=lao,
        lao_year=lao_year,
        year=year,
        completeness=completeness,
        history=lao_year["certificationHistory"],
        names_hidden="actorName" in refused,
        offered=[a.value for a in _offered(data["viewer"]["grants"], lao, lao_year["state"])],
        fiscal_year=deadline_of(data["fiscalYears"], year),
        problems=problems,
        reason=reason,
        reason_max=REASON_MAX,
        notice=notice,
        state_label=lambda s: _state_label(console, s),
        role_label=lambda r: _role_label(console, r),
    )


# --- the province's batch ------------------------------------------------------------------

# The province's LAOs with the year's state: a single root field, so the hub's planned read
# path answers it with one SQL statement however many LAOs (schema/planner.py); the page
# keeps those in the state it lists.
LIST = """
query($province: String!, $district: String, $year: Int!) {
  laos(filter: {provinceCode: $province, districtCode: $district}, first: 1000) {
    edges { node { code nameTh district { code nameTh }
      year(fiscalYear: $year) { state version dataReceivedAt } } }
  }
}
"""

VIEWER = """
query { viewer { grants { role provinceCode } } fiscalYears { yearBe recordDeadline isOpen } }
"""

PROVINCE = (
    "query($code: String!) { province(code: $code) { code nameTh districts { code nameTh } } }"
)

CANCEL_ALIASES = (
    25  # cancellations per request (each its own transaction; the API allows 30 aliases)
)

VIEWS = {"waiting": "LAO_CERTIFIED", "certified": "PROVINCE_CERTIFIED"}


@dataclass
class ItemResult:
    code: str
    name: str
    ok: bool
    th: str
    en: str


def _items(values: Sequence[str]) -> list[tuple[str, int | None]]:
    """`code:version` values of the form's checkboxes (a version the page saw, or none)."""
    items: dict[str, int | None] = {}
    for value in values:
        code, _, version = str(value).partition(":")
        if code.isdigit() and len(code) == 7:
            items[code] = int(version) if version.isdigit() else None
    return list(items.items())


async def _certify_batch(
    console: Console, year: int, items: list[tuple[str, int | None]]
) -> list[tuple[str, Mapping[str, Any]]]:
    outcomes = []
    for start in range(0, len(items), PROVINCE_BATCH_LIMIT):
        chunk = items[start : start + PROVINCE_BATCH_LIMIT]
        refs = [{"laoCode": c, "fiscalYear": year, "version": v} for c, v in chunk]
        data = await console.graphql(MUTATIONS[Action.CERTIFY_PROVINCE] + RESULT, {"items": refs})
        outcomes += [(o["laoCode"], o["result"]) for o in data["r"]]
    return outcomes


async def _cancel_batch(
    console: Console, year: int, items: list[tuple[str, int | None]], reason: str
) -> list[tuple[str, Mapping[str, Any]]] | Problem:
    outcomes: list[tuple[str, Mapping[str, Any]]] = []
    for start in range(0, len(items), CANCEL_ALIASES):
        chunk = items[start : start + CANCEL_ALIASES]
        fields = " ".join(
            f"c{i}: cancelProvinceCertification(laoCode: $code{i}, fiscalYear: $year,"
            f" reason: $reason, version: $version{i}) {{ ...Outcome }}"
            for i in range(len(chunk))
        )
        params = " ".join(f"$code{i}: String!, $version{i}: Int" for i in range(len(chunk)))
        document = f"mutation($year: Int!, $reason: String!, {params}) {{ {fields} }}" + RESULT
        variables: dict[str, Any] = {"year": year, "reason": reason}
        for i, (code, version) in enumerate(chunk):
            variables[f"code{i}"], variables[f"version{i}"] = code, version
        result = await console.execute(document, variables)
        if result.errors:
            problems = _request_errors(result, console)
            return problems[0]
        assert result.data is not None
        outcomes += [(code, result.data[f"c{i}"]) for i, (code, _) in enumerate(chunk)]
    return outcomes


@view
async def batch(request: Request, console: Console) -> Response:
    source: Mapping[str, Any] = request.query_params
    form = None
    if request.method == "POST":
        form = await request.form()
        source = form
    who = await console.graphql(VIEWER)
    provinces = [
        g["provinceCode"] for g in who["viewer"]["grants"] if g["role"] == "PROVINCE_OFFICER"
    ]
    open_years = [y["yearBe"] for y in who["fiscalYears"] if y["isOpen"]]
    if not provinces:
        return console.render("certify_batch_refused.html", status=403)
    province = str(source.get("province") or provinces[0])
    if province not in provinces:
        province = provinces[0]
    year_text = str(source.get("year") or "")
    year = int(year_text) if year_text.isdigit() else (max(open_years) if open_years else 0)
    district = str(source.get("district") or "") or None
    show = str(source.get("show") or "waiting")
    show = show if show in VIEWS else "waiting"

    results: list[ItemResult] | None = None
    problems: list[Problem] = []
    reason = ""
    if form is not None:
        names = {}
        for value in form.getlist("listed"):
            code, _, rest = str(value).partition(":")
            names[code] = rest.partition(":")[2]
        chosen = form.getlist("listed" if form.get("all") else "item")
        items = _items([":".join(str(v).split(":")[:2]) for v in chosen])
        if not items:
            problems.append(
                Problem(
                    'ยังไม่ได้เลือก อปท. — เลือกอย่างน้อยหนึ่งรายการ หรือกด "เลือกทั้งหมด"',
                    'No LAO was selected: select at least one, or use "all".',
                    field="items",
                )
            )
        elif show == "waiting":
            outcomes = await _certify_batch(console, year, items)
            results = _results(outcomes, names)
        else:
            reason = str(form.get("reason", ""))
            answered = await _cancel_batch(console, year, items, reason)
            if isinstance(answered, Problem):
                problems.append(answered)
            elif answered and all(o["__typename"] == "ReasonRequired" for _, o in answered):
                # Every item refused for the same missing reason: one error, at the field.
                problems.append(_refusal(answered[0][1]))
            else:
                results = _results(answered, names)
                reason = ""  # done: the next cancellation needs its own reason

    listed = await console.graphql(LIST, {"province": province, "district": district, "year": year})
    nodes = [e["node"] for e in listed["laos"]["edges"] if e["node"]["year"] is not None]
    counts = {
        state: sum(1 for n in nodes if n["year"]["state"] == state) for state in VIEWS.values()
    }
    rows = sorted(
        (n for n in nodes if n["year"]["state"] == VIEWS[show]),
        key=lambda n: (n["district"]["code"], n["code"] or ""),
    )
    place = (await console.graphql(PROVINCE, {"code": province}))["province"]
    certified = sum(1 for r in results or () if r.ok)
    status = 200
    if problems and request.headers.get("hx-request") != "true":
        status = 400
    return console.render(
        "certify_batch.html",
        status=status,
        rows=rows,
        counts={view: counts[state] for view, state in VIEWS.items()},
        province=place,
        provinces=provinces,
        year=year,
        open_years=open_years,
        district=district,
        show=show,
        results=results,
        certified=certified,
        refused=len(results or ()) - certified,
        problems=problems,
        reason=reason,
        reason_max=REASON_MAX,
        fiscal_year=deadline_of(who["fiscalYears"], year),
        batch_limit=PROVINCE_BATCH_LIMIT,
    )


def _results(
    outcomes: Sequence[tuple[str, Mapping[str, Any]]], names: Mapping[str, str]
) -> list[ItemResult]:
    results = []
    for code, outcome in outcomes:
        if outcome["__typename"] == "StateChanged":
            ok = outcome["state"] == "PROVINCE_CERTIFIED"
            th, en = (
                ("รับรองแล้ว", "Certified") if ok else ("ยกเลิกการรับรองแล้ว", "Certification cancelled")
            )
            results.append(ItemResult(code, names.get(code, ""), True, th, en))
        else:
            results.append(
                ItemResult(
                    code, names.get(code, ""), False, outcome["messageTh"], outcome["message"]
                )
            )
    # The refused first: with hundreds certified, what needs attention must not hide below.
    return sorted(results, key=lambda r: r.ok)


routes = [
    Route(
        "/console/lao/{code}/{year:int}/certification",
        certification,
        methods=["GET", "POST"],
    ),
    Route("/console/certify", batch, methods=["GET", "POST"]),
]

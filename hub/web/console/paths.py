"""What the LAO pages share: reading `{code}/{year}` from an address, the fiscal year a page
is about, the words for a state, and the page for an LAO-year that is not there.

An LAO-year the caller may not see is "not found", as the API answers it (`LaoYear` is null
for a draft the caller does not cover): a page never tells more than the API would.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.rules.enums import CertificationState, LaoType
from hub.web.console.fields import missing_labels
from hub.web.console.page import Console

STATES = tuple(s.name for s in CertificationState)


def year_of_path(request: Request) -> int | None:
    """The `{year:int}` of the address, when it can be a Buddhist-Era fiscal year."""
    year = int(request.path_params["year"])
    return year if 2400 <= year <= 2700 else None


def chosen_year(request: Request, fiscal_years: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The fiscal year a page shows: `?year=` if it exists, else the newest open one, else the
    newest of all (`fiscalYears` come newest first)."""
    wanted = request.query_params.get("year", "")
    for y in fiscal_years:
        if str(y["yearBe"]) == wanted:
            return y
    return next((y for y in fiscal_years if y["isOpen"]), fiscal_years[0] if fiscal_years else None)


def state_label(state: str | None, lang: str) -> str:
    if state is None:
        return "–"
    s = CertificationState[state]
    return s.label_en if lang == "en" else s.label_th


def type_label(lao_type: str, lang: str) -> str:
    t = LaoType[lao_type]
    return t.label_en if lang == "en" else t.label_th


def short_name(name_th: str, lao_type: str) -> str:
    """The LAO's name without its type ("ปากน้ำ" for "องค์การบริหารส่วนตำบลปากน้ำ"): what
    people look it up by, and sort it by."""
    return name_th.removeprefix(LaoType[lao_type].label_th).strip() or name_th


def not_found(console: Console) -> Response:
    return console.render("not_found.html", status=404)


def deadline_note(console: Console, deadline: str | None) -> dict[str, str] | None:
    """ "195 days left" / "due today" / "3 days late", with a class for its colour."""
    days = console.days_left(deadline)
    if days is None:
        return None
    if days > 0:
        text = console.tr(f"เหลืออีก {days:,} วัน", f"{days:,} days left")
        tone = "warn" if days <= 14 else "ok"
    elif days == 0:
        text, tone = console.tr("ครบกำหนดวันนี้", "due today"), "warn"
    else:
        text = console.tr(f"เลยกำหนดมา {-days:,} วัน", f"{-days:,} days late")
        tone = "bad"
    return {"text": text, "tone": tone, "date": console.date(deadline)}


def domain_rows(completeness: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The API's completeness of the 8 domains, each missing item by its label."""
    return [
        {
            "domain": c["domain"],
            "label": c["labelEn"] if lang == "en" else c["labelTh"],
            "complete": c["complete"],
            "missing": missing_labels(c["missingFields"], lang),
        }
        for c in completeness
    ]

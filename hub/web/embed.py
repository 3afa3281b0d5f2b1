"""The embeddable LAO card: a portal shows its LAO's certified public profile with one tag.

    <script src="{hub}/embed/card.js" data-lao="6500105" data-lang="en" async></script>
    <iframe src="{hub}/embed/lao/6500105?lang=en" title="…" width="420" height="360"></iframe>

    GET /embed/lao/{code}.json   the card's data (what the script reads; any origin may)
    GET /embed/lao/{code}        the card as a page, for an iframe (`?lang=en`; Thai by default)
    GET /embed/card.js, /embed/card.css   the script and the card's look

What the card shows is `hub.rules.lao_card`, read in-process as the public
(`hub.web.public_reads`): the LAO's public profile, and its key figures from the newest fiscal
year the public sees (certified), nothing else: no person, no draft. No cookie is read or
set, the script's request omits credentials, and the JSON allows any origin
(`Access-Control-Allow-Origin: *`, never with credentials): it is public data. Every answer
is cacheable (`Cache-Control: public, max-age=300`) with an `ETag` over its body, and a
repeated request with `If-None-Match` is answered `304 Not Modified`. The iframe page carries
no script and allows framing by any page (`frame-ancestors *`).
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.utils.str_converters import to_camel_case

from hub.rules import lao_card
from hub.web.public_reads import public_graphql

CACHE_CONTROL = "public, max-age=300"
ASSETS = Path(__file__).resolve().parent / "static" / "embed"
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; base-uri 'none'"
MAX_CODE = 20
CARD_CSS = (ASSETS / "card.css").read_text(encoding="utf-8")  # inlined in the iframe page


def _query() -> str:
    sections = " ".join(
        f"{to_camel_case(domain)} {{ {' '.join(to_camel_case(n) for n in names)} }}"
        for domain, names in lao_card.sections_selected().items()
    )
    return (
        "query LaoCard($code: String!) { lao(code: $code) { code nameTh nameEn type phone "
        "websiteUrl province { nameTh nameEn } district { nameTh } "
        f"years {{ fiscalYear state {sections} }} }} }}"
    )


QUERY = _query()


async def card_data(state: Any, code: str) -> dict[str, Any] | None:
    """The card of the LAO with `code`, as the public sees it; None when there is no such LAO."""
    data = await public_graphql(state, QUERY, {"code": code})
    lao = data["lao"]
    if lao is None:
        return None
    years = lao["years"]  # the years the public sees, newest first
    year = None
    if years:
        newest = years[0]
        sections = {
            domain: {
                name: (newest[to_camel_case(domain)] or {}).get(to_camel_case(name))
                for name in names
            }
            for domain, names in lao_card.sections_selected().items()
        }
        state_th, state_en = lao_card.state_labels(newest["state"])
        year = {
            "fiscalYear": newest["fiscalYear"],
            "state": newest["state"],
            "stateLabelTh": state_th,
            "stateLabelEn": state_en,
            "figures": [f.as_json() for f in lao_card.figures(sections)],
        }
    type_th, type_en = lao_card.type_labels(lao["type"])
    return {
        "code": lao["code"],
        "nameTh": lao["nameTh"],
        "nameEn": lao["nameEn"],
        "type": {"code": lao["type"], "labelTh": type_th, "labelEn": type_en},
        "province": lao["province"],
        # Districts have no English name in the registry: the Thai one serves both.
        "district": {"nameTh": lao["district"]["nameTh"], "nameEn": None},
        "phone": lao["phone"],
        "websiteUrl": lao["websiteUrl"],
        "year": year,
        "labels": {key: {"th": th, "en": en} for key, (th, en) in lao_card.LABELS.items()},
    }


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _cached(request: Request, body: bytes, media_type: str, **headers: str) -> Response:
    etag = _etag(body)
    all_headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, **headers}
    wanted = request.headers.get("if-none-match", "")
    if etag in (tag.strip().removeprefix("W/") for tag in wanted.split(",")):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def _code(request: Request) -> str | None:
    code = str(request.path_params["code"])
    return code if code.isascii() and code.isdigit() and len(code) <= MAX_CODE else None


def _language(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "th"


def _no_card(code: str, html: bool) -> Response:
    if html:
        body = "<!doctype html><meta charset=utf-8><title>404</title><p>ไม่พบ อปท. / No such LAO</p>"
        return Response(
            body,
            status_code=404,
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_POLICY},
        )
    body_json = {"error": "not_found", "message": f"No LAO has the code {code!r}."}
    return Response(
        orjson.dumps(body_json),
        status_code=404,
        media_type="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def card_json(request: Request) -> Response:
    code = _code(request)
    card = await card_data(request.app.state, code) if code is not None else None
    if card is None:
        return _no_card(str(request.path_params["code"])[:MAX_CODE], html=False)
    return _cached(
        request, orjson.dumps(card), "application/json", **{"Access-Control-Allow-Origin": "*"}
    )


def _number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def card_page(card: dict[str, Any], lang: str) -> str:
    """The card as a page of its own, for an iframe: the same markup the script builds."""

    def pick(th: str | None, en: str | None) -> str:
        return escape((en if lang == "en" and en else th) or "")

    labels = card["labels"]
    parts = [
        f'<section class="info-card" lang="{lang}" aria-label="{pick(card["nameTh"], card["nameEn"])}">',
        f"<h2>{pick(card['nameTh'], card['nameEn'])}</h2>",
        '<p class="info-card-sub">'
        + " · ".join(
            x
            for x in (
                pick(card["type"]["labelTh"], card["type"]["labelEn"]),
                pick(card["district"]["nameTh"], card["district"]["nameEn"]),
                pick(card["province"]["nameTh"], card["province"]["nameEn"]),
            )
            if x
        )
        + "</p>",
    ]
    year = card["year"]
    if year is not None:
        parts.append(
            f'<p class="info-card-year">{pick(labels["fiscalYear"]["th"], labels["fiscalYear"]["en"])} '
            f"{year['fiscalYear']} — {pick(year['stateLabelTh'], year['stateLabelEn'])}</p><dl>"
        )
        for f in year["figures"]:
            unit = pick(f["unitTh"], f["unitEn"]) if f["value"] is not None else ""
            value = _number(f["value"]) + (f" {unit}" if unit else "")
            parts.append(f"<dt>{pick(f['labelTh'], f['labelEn'])}</dt><dd>{value}</dd>")
        parts.append("</dl>")
    else:
        parts.append(
            f'<p class="info-card-year">{pick(labels["noYear"]["th"], labels["noYear"]["en"])}</p>'
        )
    contact = []
    if card["phone"]:
        contact.append(
            f"<span>{pick(labels['phone']['th'], labels['phone']['en'])} {escape(card['phone'])}</span>"
        )
    url = card["websiteUrl"]
    if url and url.startswith(("https://", "http://")):
        contact.append(
            f' <a href="{escape(url)}" target="_blank" rel="noopener">'
            f"{pick(labels['website']['th'], labels['website']['en'])}</a>"
        )
    parts.append(f'<p class="info-card-contact">{"".join(contact)}</p>')
    parts.append(
        f'<p class="info-card-source">{pick(labels["source"]["th"], labels["source"]["en"])}</p>'
    )
    parts.append("</section>")
    css = CARD_CSS
    title = pick(card["nameTh"], card["nameEn"])
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>body{{margin:0}}{css}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


async def card_html(request: Request) -> Response:
    code = _code(request)
    card = await card_data(request.app.state, code) if code is not None else None
    if card is None:
        return _no_card("", html=True)
    body = card_page(card, _language(request)).encode("utf-8")
    return _cached(
        request, body, "text/html; charset=utf-8", **{"Content-Security-Policy": PAGE_POLICY}
    )


def _asset(name: str, media_type: str) -> Any:
    body = (ASSETS / name).read_bytes()

    async def serve(request: Request) -> Response:
        return _cached(request, body, media_type, **{"Access-Control-Allow-Origin": "*"})

    return serve


def routes() -> list[Route]:
    return [
        Route("/embed/card.js", _asset("card.js", "text/javascript; charset=utf-8")),
        Route("/embed/card.css", _asset("card.css", "text/css; charset=utf-8")),
        Route("/embed/lao/{code}.json", card_json, methods=["GET"]),
        Route("/embed/lao/{code}", card_html, methods=["GET"]),
    ]

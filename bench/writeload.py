"""The deadline-week write load: a separate process, as the read load generator is.

    python -m bench.writeload < spec.json > result.json

The spec: {"url", "clerks": [{"token", "lao_code", "fiscal_year"}], "seconds",
"think_seconds", "seed"}. Every clerk signs nothing in here (its bearer token comes from the
runner, `bench.writes`); it loads its LAO-year's section versions once, then until `seconds`
have passed: waits a think time (exponential, mean `think_seconds`, so the clerks' saves
arrive as independent people's would), picks one of the 8 domains and saves a new value of
one whole-number field of it, with the section version it holds. A clerk is the only writer
of its LAO, so a `VersionConflict` would be a defect, and so would any other refusal.

The result: {"latencies": [seconds per completed save], "saved": {lao_code: {"domain.field": value}}
(the last value each clerk saw saved: the runner checks the database holds it, so no
update is lost), "errors": {kind: n}, "wall": seconds, "started": saves started}.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from hub.rules.catalogue import DOMAINS
from hub.rules.validation import camel


def _targets(fiscal_year: int) -> list[tuple[str, str, str, str]]:
    """Per domain: (its number as text, mutation, input type, the field saved): its first
    whole-number field that clerks fill in and the fiscal year's form asks."""
    found = []
    for d in DOMAINS:
        field = next(
            f
            for f in d.fields
            if f.kind.name == "INT" and f.source is None and f.in_year(fiscal_year)
        )
        pascal = camel(d.key)[0].upper() + camel(d.key)[1:]
        found.append((str(d.number), f"save{pascal}", f"{pascal}Input", field.name))
    return found


VERSIONS = """query($code: String!, $year: Int!) {
  lao(code: $code) { year(fiscalYear: $year) { sectionVersions { domain version } } }
}"""

SAVE = """mutation($code: String!, $year: Int!, $v: Int!, $data: %(input)s!) {
  %(mutation)s(laoCode: $code, fiscalYear: $year, sectionVersion: $v, data: $data) {
    __typename
    ... on SectionSaved { sectionVersion }
    ... on VersionConflict { message }
  }
}"""


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(spec["url"]).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"writeload: loopback only, not {host}")
    rng = random.Random(spec.get("seed", 1))
    clerks = spec["clerks"]
    deadline = time.perf_counter() + float(spec["seconds"])
    think = float(spec["think_seconds"])
    latencies: list[float] = []
    errors: dict[str, int] = {}
    saved: dict[str, dict[str, int]] = {}  # lao code -> "domain.field" -> value
    started = 0
    limits = httpx.Limits(max_connections=len(clerks), max_keepalive_connections=len(clerks))

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def clerk(client: httpx.AsyncClient, c: dict[str, Any], own: random.Random) -> None:
        nonlocal started
        headers = {"authorization": f"Bearer {c['token']}"}
        year = int(c["fiscal_year"])
        targets = _targets(year)

        async def load() -> dict[str, int] | None:
            """The LAO-year's section versions, as the clerk's form loads them."""
            try:
                response = await client.post(
                    spec["url"],
                    json={"query": VERSIONS, "variables": {"code": c["lao_code"], "year": year}},
                    headers=headers,
                )
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                error(f"load: {type(exc).__name__}")
                return None
            if response.status_code != 200 or "errors" in body:
                error(f"load: HTTP {response.status_code}")
                return None
            sections = body["data"]["lao"]["year"]["sectionVersions"]
            return {str(v["domain"]): v["version"] for v in sections}

        # Spread the first loads over a think time too: people do not start in one instant.
        await asyncio.sleep(own.uniform(0, think))
        versions = await load()
        if versions is None:
            return
        mine = saved.setdefault(c["lao_code"], {})
        while True:
            left = deadline - time.perf_counter()
            await asyncio.sleep(max(0.0, min(own.expovariate(1 / think), left)))
            if time.perf_counter() >= deadline:
                return
            number, mutation, input_type, field = own.choice(targets)
            value = own.randint(1, 40)
            document = SAVE % {"mutation": mutation, "input": input_type}
            variables = {
                "code": c["lao_code"],
                "year": year,
                "v": versions.get(number, 0),
                "data": {camel(field): value},
            }
            started += 1
            began = time.perf_counter()
            try:
                response = await client.post(
                    spec["url"], json={"query": document, "variables": variables}, headers=headers
                )
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                # The save may have committed: the next one finds out (a VersionConflict).
                error(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - began
            if response.status_code != 200 or "errors" in body:
                codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
                error(f"HTTP {response.status_code} {','.join(sorted(map(str, codes)))}")
                continue
            answer = body["data"][mutation]
            if answer["__typename"] != "SectionSaved":
                error(answer["__typename"])
                # As a clerk would: reload the form (an earlier save's answer may have been
                # lost after it committed), then go on.
                versions = await load() or versions
                continue
            latencies.append(elapsed)
            versions[number] = answer["sectionVersion"]
            mine[f"{number}.{field}"] = value

    began = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=120.0) as client:
        await asyncio.gather(
            *(clerk(client, c, random.Random(rng.getrandbits(64))) for c in clerks)
        )
    return {
        "latencies": latencies,
        "saved": saved,
        "errors": errors,
        "wall": time.perf_counter() - began,
        "started": started,
    }


def main() -> None:
    spec = orjson.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(orjson.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()

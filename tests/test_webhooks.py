"""Webhooks: a client subscribes; an LAO-year certified or cancelled is delivered to a real
HTTP receiver, signed per Standard Webhooks (verified with the `standardwebhooks` package and
by hand against the specification's test vector); a receiver that fails first gets a retry;
the client reads its delivery log. On SQLite (the in-process queue) and PostgreSQL
(pgqueuer)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from hub.db.engine import create_engine
from hub.db.models import FiscalYear, Lao, LaoYear, Province
from hub.rules.certification import Action
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import RoleGrant, client, user
from hub.services import certification, webhooks
from hub.settings import Settings
from tests.conftest import graphql, graphql_response, serve

PORT = 18731
CLIENT = client("ministry.hooks", "domain:5")

SUBSCRIBE = """mutation($url: String!) { subscribeWebhook(url: $url,
  eventTypes: [LAO_YEAR_CERTIFIED, LAO_YEAR_CANCELLED], description: "test") {
  __typename ... on WebhookSubscription { id secret eventTypes active }
  ... on ValidationFailed { errors { path code } } ... on Forbidden { message } } }"""
LOG = """{ webhookDeliveries { id eventId eventType status payload
  attempts { number statusCode error } } }"""


class Receiver:
    """A small HTTP server on the test's port: records every request; answers 500 to the
    first `failures` of them, 204 after."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = 500 if len(receiver.received) < receiver.failures else 204
                receiver.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def _lao_certified(url: str) -> tuple[str, int, int]:
    """An LAO-certified LAO-year of the open year: its code, year and province id."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Lao.code, LaoYear.fiscal_year, Province.id)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .join(Province, Province.id == Lao.province_id)
                    .join(FiscalYear, FiscalYear.year_be == LaoYear.fiscal_year)
                    .where(
                        FiscalYear.closed_at.is_(None),
                        LaoYear.state == CertificationState.LAO_CERTIFIED,
                        Lao.code.is_not(None),
                    )
                    .order_by(Lao.code)
                    .limit(1)
                )
            ).one()
        return row[0], row[1], row[2]
    finally:
        await engine.dispose()


async def _until(check, tries: int = 400):
    for _ in range(tries):  # bounded; the worker polls every 50 ms
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("the deliveries did not arrive")


async def test_signed_deliveries_reach_a_real_receiver_and_a_failure_is_retried(fresh_demo_url):
    code, year, province_id = await _lao_certified(fresh_demo_url)
    officer = user("officer.hooks", RoleGrant(Role.PROVINCE_OFFICER, province_id=province_id))
    settings = Settings(
        database_url=fresh_demo_url,
        environment="test",
        jobs_worker=True,
        jobs_poll_interval=0.05,
        webhook_retry_base=0.1,
    )
    with Receiver(failures=1) as receiver:
        async with serve(settings, CLIENT) as hub:
            made = (await graphql(hub, SUBSCRIBE, url=f"http://127.0.0.1:{PORT}/hook"))[
                "subscribeWebhook"
            ]
            assert made["__typename"] == "WebhookSubscription", made
            secret = made["secret"]
            assert secret.startswith("whsec_")
            writer = hub.app.state.writer
            await certification.transition(
                writer, officer, Action.CERTIFY_PROVINCE, lao_code=code, fiscal_year=year
            )
            await certification.transition(
                writer,
                officer,
                Action.CANCEL_PROVINCE,
                lao_code=code,
                fiscal_year=year,
                reason="ทดสอบ",
            )

            async def both_delivered():
                log = (await graphql(hub, LOG))["webhookDeliveries"]
                return (
                    log if len(log) == 2 and all(d["status"] == "DELIVERED" for d in log) else None
                )

            log = await _until(both_delivered)

    # The receiver got each event; the first try of the first failed (500) and was retried
    # with the same webhook-id.
    ok = [r for r in receiver.received if r[2] == 204]
    assert len(ok) == 2 and receiver.received[0][2] == 500
    failed_id = receiver.received[0][0]["webhook-id"]
    assert [h["webhook-id"] for h, _, _ in ok].count(failed_id) == 1
    verifier = Webhook(secret)
    bodies = [verifier.verify(body, headers) for headers, body, _ in ok]
    assert {b["type"] for b in bodies} == {"lao_year.certified", "lao_year.cancelled"}
    certified = next(b for b in bodies if b["type"] == "lao_year.certified")
    assert certified["data"] == {
        "laoCode": code,
        "fiscalYear": year,
        "level": "PROVINCE",
        "state": "PROVINCE_CERTIFIED",
        "previousState": "LAO_CERTIFIED",
    }
    # The same signature by hand: v1 = base64(HMAC-SHA256(secret, "id.timestamp.body")).
    headers, body, _ = ok[0]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert expected in headers["webhook-signature"].split(" ")
    # The delivery log: newest first, each try with its status.
    retried = next(d for d in log if len(d["attempts"]) == 2)
    assert [a["statusCode"] for a in retried["attempts"]] == [500, 204]
    assert json.loads(json.dumps(retried["payload"]))["type"] in (
        "lao_year.certified",
        "lao_year.cancelled",
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_subscribing_is_for_clients_with_a_valid_url_and_logs_are_private(fresh_demo_url):
    settings = Settings(database_url=fresh_demo_url, environment="test", jobs_worker=False)
    async with serve(settings, CLIENT) as hub:
        bad = (await graphql(hub, SUBSCRIBE, url="ftp://example/x"))["subscribeWebhook"]
        assert bad["__typename"] == "ValidationFailed" and bad["errors"][0]["path"] == "url"
        made = (await graphql(hub, SUBSCRIBE, url="https://example.go.th/hook"))["subscribeWebhook"]
    async with serve(settings, client("another.client", "")) as other:
        gone = await graphql(
            other,
            "mutation($id: Int!) { unsubscribeWebhook(id: $id) { __typename } }",
            id=made["id"],
        )
        assert gone["unsubscribeWebhook"]["__typename"] == "NotFound"
        assert (await graphql(other, "{ webhookSubscriptions { id } }")) == {
            "webhookSubscriptions": []
        }
    person = user("demo.dla", RoleGrant(Role.DLA_ADMIN))
    async with serve(settings, person) as hub:
        refused = (await graphql(hub, SUBSCRIBE, url="https://example.go.th/hook"))[
            "subscribeWebhook"
        ]
        assert refused["__typename"] == "Forbidden"
        body = await graphql_response(hub, "{ webhookDeliveries { id } }")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_signatures_match_the_specification_test_vector():
    """Standard Webhooks' published example: this secret, id, timestamp and body sign to this
    v1 signature."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    message_id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    at = dt.datetime.fromtimestamp(1614265330, dt.UTC)
    body = '{"test": 2432232314}'
    headers = webhooks.signed_headers(secret, message_id, at, body)
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://portal.example.go.th/hook", "NOT_HTTPS"),
        ("https://localhost/hook", "INTERNAL_ADDRESS"),
        ("https://api.localhost/hook", "INTERNAL_ADDRESS"),
        ("https://127.0.0.1:8443/hook", "INTERNAL_ADDRESS"),
        ("https://10.1.2.3/hook", "INTERNAL_ADDRESS"),
        ("https://169.254.169.254/latest/meta-data", "INTERNAL_ADDRESS"),
        ("https://[::1]/hook", "INTERNAL_ADDRESS"),
        ("https://[fd00::1]/hook", "INTERNAL_ADDRESS"),
    ],
)
def test_production_subscriptions_reach_public_https_addresses_only(url, code):
    """A subscriber must not make the hub call what only the hub can reach (SSRF)."""
    from hub.rules.problems import InvalidInput
    from hub.rules.webhooks import check_url

    assert check_url(url) == url  # development and tests: any http(s) address
    with pytest.raises(InvalidInput) as refused:
        check_url(url, public_only=True)
    assert refused.value.errors[0].path == "url"
    assert refused.value.errors[0].code == code
    assert check_url("https://portal.example.go.th/hook", public_only=True)


async def test_a_delivery_to_a_name_resolving_inside_is_refused():
    """The name is resolved again at each try: a public name pointed at the hub's network
    since the subscription is refused, and nothing is sent."""
    from hub.services.webhooks import InternalAddress, _refuse_internal

    with pytest.raises(InternalAddress, match="internal address"):
        await _refuse_internal("https://localhost:9/hook")

"""Property-based: random sequences of actions by random callers never break the invariants.

After any sequence: every state is valid; edits only ever succeeded on a DRAFT of the current
open year; each LAO-year's certification history replays to its current state; the stored
completeness equals a recomputation; the change-log chain verifies.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.db import completeness
from hub.db.engine import create_engine
from hub.db.models import CertificationEvent, LaoYear
from hub.rules.catalogue import DOMAINS, Kind
from hub.rules.certification import Action
from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.rules.problems import Problem
from hub.services import audit, certification, sections
from tests.test_data_entry import _draft_lao, sample

ACTIONS = ["edit", "fill", *[a for a in Action if a is not Action.EDIT]]
CALLERS = ["recorder", "verifier", "province", "other_province", "dla", "public"]


def snake_values(domain) -> dict:
    return {
        f.name: sample(f) for f in domain.fields if not f.read_only and f.kind is not Kind.VILLAGE
    } | {t.none_flag: True for t in domain.record_tables}


async def run_sequence(url: str, steps: list[tuple[str, str]]) -> None:
    lao = await _draft_lao(url)
    callers = {
        "recorder": user("r", RoleGrant(Role.LAO_RECORDER, lao_id=lao.id)),
        "verifier": user("v", RoleGrant(Role.LAO_VERIFIER, lao_id=lao.id)),
        "province": user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=lao.province_id)),
        "other_province": user(
            "q", RoleGrant(Role.PROVINCE_OFFICER, province_id=lao.province_id + 1)
        ),
        "dla": user("d", RoleGrant(Role.DLA_ADMIN)),
        "public": PUBLIC,
    }
    writer = create_engine(url, writer=True)
    try:
        for action, who in steps:
            identity = callers[who]
            async with writer.connect() as conn:
                state, version = (
                    await conn.execute(
                        select(LaoYear.state, LaoYear.version).where(
                            LaoYear.lao_id == lao.id, LaoYear.fiscal_year == lao.year
                        )
                    )
                ).one()
            try:
                if action in ("edit", "fill"):
                    for d in DOMAINS if action == "fill" else DOMAINS[:1]:
                        await sections.save_section(
                            writer,
                            identity,
                            lao_code=lao.code,
                            fiscal_year=lao.year,
                            domain_number=d.number,
                            values=snake_values(d),
                            expected_version=version,
                        )
                        version += 1
                    # Invariant: an edit only succeeds on a DRAFT, by the LAO's recorder or verifier.
                    assert state is CertificationState.DRAFT and who in ("recorder", "verifier")
                else:
                    await certification.transition(
                        writer,
                        identity,
                        action,
                        lao_code=lao.code,
                        fiscal_year=lao.year,
                        reason="ทดสอบ",
                    )
            except Problem:
                async with writer.connect() as conn:
                    after = (
                        await conn.execute(
                            select(LaoYear.state).where(
                                LaoYear.lao_id == lao.id, LaoYear.fiscal_year == lao.year
                            )
                        )
                    ).scalar_one()
                if action != "fill":  # (a fill is several saves; earlier ones may have landed)
                    assert after is state  # a refusal changes nothing
        async with writer.connect() as conn:
            year = (
                await conn.execute(
                    select(LaoYear.id, LaoYear.state, LaoYear.complete_domains).where(
                        LaoYear.lao_id == lao.id, LaoYear.fiscal_year == lao.year
                    )
                )
            ).one()
            events = (
                await conn.execute(
                    select(CertificationEvent.from_state, CertificationEvent.to_state)
                    .where(CertificationEvent.lao_year_id == year.id)
                    .order_by(CertificationEvent.at, CertificationEvent.id)
                )
            ).all()
            recomputed = (await completeness.recompute(conn, [year.id]))[year.id]
        state = CertificationState.DRAFT
        for event in events:
            assert event.from_state is state
            state = event.to_state
        assert state is year.state
        assert recomputed == year.complete_domains
        if year.state is not CertificationState.DRAFT:
            assert year.complete_domains == ALL_DOMAINS_MASK
        assert (await audit.verify(writer)).ok
    finally:
        await writer.dispose()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(CALLERS)), min_size=1, max_size=12
    )
)
def test_random_sequences_keep_the_invariants(fresh_demo_url, steps):
    asyncio.run(run_sequence(fresh_demo_url, steps))

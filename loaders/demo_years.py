"""Demo fiscal years, each LAO's year record (state, completeness) and certification history.

Closed years: ~93% province-certified, ~4% LAO-certified, ~3% draft. The open year: ~45%
draft, ~30% LAO-certified, ~25% province-certified. Certified years have all 8 domains
complete; drafts a mix. Every state is the replay of its events from DRAFT.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from loaders import demo_names as names
from loaders.demo_laos import DemoLao

UTC = dt.UTC
ALL_DOMAINS = 0b11111111
DAY = 86400
# How far into the open fiscal year the demo dataset stands: its events end here (mid-November
# for a year opened on 1 October), so no certification is dated in the future.
OPEN_YEAR_DAYS = 50


@dataclass(frozen=True)
class Year:
    year_be: int
    starts_on: dt.date
    ends_on: dt.date
    record_deadline: dt.date
    province_deadline: dt.date
    opened_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.starts_on, dt.time(2, 0), UTC)  # 09:00 in Thailand

    @property
    def deadline(self) -> dt.datetime:
        return dt.datetime.combine(self.record_deadline, dt.time(9, 30), UTC)  # 16:30 Thai


def fiscal_years(current: int) -> list[Year]:
    """Two closed years before the open `current` one (BE; FY N ends 30 Sep of N-543 CE)."""
    years = []
    closing = {current - 2: (12, 31), current - 1: (11, 15)}
    for year_be in (current - 2, current - 1, current):
        ce = year_be - 543
        closed = closing.get(year_be)
        years.append(
            Year(
                year_be=year_be,
                starts_on=dt.date(ce - 1, 10, 1),
                ends_on=dt.date(ce, 9, 30),
                record_deadline=dt.date(ce, 6, 15),
                province_deadline=dt.date(ce, 7, 31),
                opened_at=dt.datetime(ce - 1, 10, 1, 2, 0, tzinfo=UTC),
                closed_at=dt.datetime(ce, *closed, 3, 0, tzinfo=UTC) if closed else None,
            )
        )
    return years


def fiscal_year_rows(years: list[Year]) -> list[dict[str, Any]]:
    return [
        {
            "year_be": y.year_be,
            "starts_on": y.starts_on,
            "ends_on": y.ends_on,
            "record_deadline": y.record_deadline,
            "province_deadline": y.province_deadline,
            "opened_at": y.opened_at,
            "closed_at": y.closed_at,
        }
        for y in years
    ]


@dataclass(slots=True)
class LaoYearInfo:
    id: int
    lao: DemoLao
    k: int  # index of the year in `years` (0 = oldest)
    mask: int  # complete domains, bit n-1 for domain n
    updated_at: dt.datetime


def _partial_mask(rng: random.Random) -> int:
    mask = rng.randint(1, ALL_DOMAINS - 1)
    return mask


def lao_years(
    laos: list[DemoLao], years: list[Year], rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[LaoYearInfo]]:
    """Rows of lao_years and certification_events, and what the section stage needs."""
    year_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    infos: list[LaoYearInfo] = []
    rnd = rng.random
    reasons = names.RECERTIFY_REASONS
    open_index = len(years) - 1
    ly_id = 0
    for lao in laos:
        for k, year in enumerate(years):
            ly_id += 1
            start_ts = year.start.timestamp()
            deadline_ts = year.deadline.timestamp()
            if k == open_index:
                # The open year is young: everything happened in its first weeks, never after
                # the dataset's "today" (OPEN_YEAR_DAYS after the year opened).
                deadline_ts = start_ts + OPEN_YEAR_DAYS * DAY
            r = rnd()
            if k == open_index:
                state = "DRAFT" if r < 0.45 else "LAO_CERTIFIED" if r < 0.75 else "PROVINCE"
            else:
                state = "PROVINCE" if r < 0.93 else "LAO_CERTIFIED" if r < 0.97 else "DRAFT"
            if state == "DRAFT":
                if k == open_index:
                    r = rnd()
                    mask = 0 if r < 0.15 else ALL_DOMAINS if r < 0.3 else _partial_mask(rng)
                else:
                    mask = _partial_mask(rng)
                updated = start_ts + rnd() * (deadline_ts - start_ts)
                year_rows.append(
                    {
                        "id": ly_id,
                        "lao_id": lao.id,
                        "fiscal_year": year.year_be,
                        "state": "DRAFT",
                        "version": rng.randint(2, 40) if mask else 1,
                        "complete_domains": mask,
                        "data_received_at": None,
                        "created_at": year.start,
                        "updated_at": _ts(updated),
                    }
                )
                infos.append(LaoYearInfo(ly_id, lao, k, mask, _ts(updated)))
                continue
            if k == open_index:
                t = start_ts + (3 + rnd() * (OPEN_YEAR_DAYS - 15)) * DAY
            elif rnd() < 0.9:  # on time
                t = deadline_ts - (0.5 + rnd() * 200) * DAY
                t = max(t, start_ts + (20 + rnd() * 10) * DAY)
            else:
                t = deadline_ts + (0.2 + rnd() * 75) * DAY
            received = t
            history = [(t, "DRAFT", "LAO_CERTIFIED", "LAO_VERIFIER", None)]
            gap = 3 if k == open_index else 10
            if rnd() < 0.03:  # cancel and re-certify
                t += (0.5 + rnd() * gap) * DAY
                history.append((t, "LAO_CERTIFIED", "DRAFT", "LAO_VERIFIER", rng.choice(reasons)))
                t += (0.5 + rnd() * gap) * DAY
                history.append((t, "DRAFT", "LAO_CERTIFIED", "LAO_VERIFIER", None))
            if state == "PROVINCE":
                t += (0.5 + rnd() * (4 if k == open_index else 40)) * DAY
                history.append((t, "LAO_CERTIFIED", "PROVINCE_CERTIFIED", "PROVINCE_OFFICER", None))
            for at, before, after, role, reason in history:
                events.append(
                    {
                        "id": len(events) + 1,
                        "lao_year_id": ly_id,
                        "at": _ts(at),
                        "from_state": before,
                        "to_state": after,
                        "actor_user_id": None,
                        "actor_role": role,
                        "reason": reason,
                    }
                )
            last_save = received - (0.1 + rnd() * 5) * DAY
            year_rows.append(
                {
                    "id": ly_id,
                    "lao_id": lao.id,
                    "fiscal_year": year.year_be,
                    "state": history[-1][2],
                    "version": rng.randint(8, 60),
                    "complete_domains": ALL_DOMAINS,
                    "data_received_at": _ts(received),
                    "created_at": year.start,
                    "updated_at": _ts(t),
                }
            )
            infos.append(LaoYearInfo(ly_id, lao, k, ALL_DOMAINS, _ts(last_save)))
    return year_rows, events, infos


def _ts(seconds: float) -> dt.datetime:
    """A UTC datetime, whole seconds (portable and deterministic)."""
    return dt.datetime.fromtimestamp(int(seconds), UTC)

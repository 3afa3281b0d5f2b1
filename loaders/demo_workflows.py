"""Demo workflows around the data: KPI-16 reports up the chain and mission help requests, so
each can be tried at once after `make run`.

* KPI 16: the previous fiscal year's round 1 (opened 26 January, districts due 6 March,
  provinces 20 March, as in Tak's letters, seed 003) has its reports: in every province,
  by district code, every fourth district has not reported and the others have (the sixth
  of every seven late, on 10 March); the first demo province reported to DLA late (24
  March), the second on time, and the others in turn on time, late or not at all. The snapshots are the figures of the loaded data
  (`hub.db.kpi16.coverage`), so they are computed once the rows are in. The open year's round
  has none yet: its deadlines are ahead, for the demo officers to report.
* Missions: the demo LAO has an open request (waiting for its province), an escalated one
  (waiting for DLA), an answered one (waiting for the LAO) and its neighbour a closed one and
  an open one about a mission it cannot record; an LAO of the second demo province has one
  open request, so DLA's list spans provinces.
* One catalogue mission is retired (records stay; LAOs can no longer record it), and about
  half the records listing assets state their value.

Everything is derived from the seed and the fiscal years, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import kpi16
from hub.db.models import District, Kpi16Report, Kpi16Round, Province, User
from hub.rules.enums import Kpi16ReportLevel, Role
from loaders.demo_laos import BANGKOK, DemoLao
from loaders.demo_years import Year

UTC = dt.UTC
RETIRED_REASON = "กรมทางหลวงชนบทรับภารกิจคืน ยกเลิกจากบัญชีภารกิจ (ทดลอง)"


def retire_last_mission(missions: list[dict[str, Any]], year: Year) -> None:
    """The catalogue's last mission is retired from the start of the open year."""
    missions[-1]["retired_on"] = year.starts_on
    missions[-1]["retired_reason"] = RETIRED_REASON


def add_asset_values(records: list[dict[str, Any]], rng: random.Random) -> None:
    """About half the records listing assets also state their value in baht."""
    for row in records:
        if row["assets"] is not None and rng.random() < 0.5:
            row["asset_value_baht"] = round(100_000 + rng.random() * 9_900_000, -3)


def _at(day: dt.date, hour: int = 3) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), UTC)  # 10:00 in Thailand


def first_records(records: list[dict[str, Any]], per_lao: int = 3) -> dict[int, list[Any]]:
    """Each LAO's first few mission records (id, mission_id), for the help requests."""
    held: dict[int, list[Any]] = {}
    for r in records:
        mine = held.setdefault(r["lao_id"], [])
        if len(mine) < per_lao:
            mine.append({"id": r["id"], "mission_id": r["mission_id"]})
    return held


def help_rows(
    laos: list[DemoLao],
    held: dict[int, list[Any]],
    users: list[dict[str, Any]],
    missions: list[dict[str, Any]],
    year: Year,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Help requests and their messages (see the module docstring; `held`: `first_records`);
    none when the demo has no LAO accounts."""
    user_ids = {u["username"]: u["id"] for u in users}
    by_code = {lao.code: lao for lao in laos if lao.code}
    admin = next((u for u in user_ids if u.startswith("demo.lao.") and u.endswith(".admin")), None)
    if admin is None:
        return [], []
    home = by_code[admin.split(".")[2]]
    recorder = user_ids[f"demo.lao.{home.code}.recorder"]
    province_officer = user_ids.get(f"demo.province.{home.province.code}")
    neighbour_user = next(
        (u for u in user_ids if u.endswith(".recorder") and u != f"demo.lao.{home.code}.recorder"),
        None,
    )
    neighbour = by_code[neighbour_user.split(".")[2]] if neighbour_user else None
    start = year.starts_on
    requests: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []

    def thread(
        lao: DemoLao,
        record: dict[str, Any] | None,
        mission_id: int | None,
        subject: str,
        steps: list[tuple[int, str, str, int | None, str | None, str | None]],
    ) -> None:
        """steps: (day, action, party, user id, role, body); the status follows the rules."""
        status, escalated, closed = "OPEN", None, None
        request_id = len(requests) + 1
        for day, action, party, user_id, role, body in steps:
            at = _at(start + dt.timedelta(days=day))
            if action == "ANSWER":
                status = "ANSWERED"
            elif action == "ESCALATE":
                status, escalated = "ESCALATED", at
            elif action == "CLOSE":
                status, closed = "CLOSED", at
            elif action == "REPLY" and status == "ANSWERED":
                status = "ESCALATED" if escalated else "OPEN"
            messages.append(
                {
                    "id": len(messages) + 1,
                    "request_id": request_id,
                    "at": at,
                    "action": action,
                    "party": party,
                    "body": body,
                    "author_user_id": user_id,
                    "author_subject": None,
                    "author_role": role,
                }
            )
        requests.append(
            {
                "id": request_id,
                "lao_id": lao.id,
                "lao_mission_id": record["id"] if record else None,
                "mission_id": record["mission_id"] if record else mission_id,
                "subject": subject,
                "status": status,
                "opened_at": _at(start + dt.timedelta(days=steps[0][0])),
                "updated_at": _at(start + dt.timedelta(days=steps[-1][0])),
                "escalated_at": escalated,
                "closed_at": closed,
                "version": len(steps),
            }
        )

    mine = held.get(home.id, [])
    rec, pro = "LAO_RECORDER", "PROVINCE_OFFICER"
    if len(mine) >= 3:
        thread(
            home,
            mine[0],
            None,
            "งบประมาณที่ได้รับไม่ตรงกับหนังสือแจ้งโอน",
            [
                (38, "ASK", "LAO", recorder, rec,
                 "งบประมาณที่ได้รับจริงไม่ตรงกับหนังสือแจ้งโอน ควรบันทึกยอดใด"),
            ],
        )  # fmt: skip
        thread(
            home,
            mine[1],
            None,
            "ภารกิจถูกโอนซ้ำจากสองหน่วยงาน",
            [
                (30, "ASK", "LAO", recorder, rec,
                 "ภารกิจนี้ได้รับโอนจากสองหน่วยงาน แต่ระบบให้เลือกหน่วยงานได้เพียงหนึ่ง"),
                (33, "ESCALATE", "PROVINCE", province_officer, pro,
                 "จังหวัดไม่สามารถแก้ไขบัญชีภารกิจได้ ขอกรมพิจารณา"),
            ],
        )  # fmt: skip
        thread(
            home,
            mine[2],
            None,
            "วันที่รับถ่ายโอนไม่ทราบแน่ชัด",
            [
                (20, "ASK", "LAO", recorder, rec,
                 "ไม่พบหนังสือรับโอนฉบับเดิม จะบันทึกวันที่รับถ่ายโอนอย่างไร"),
                (22, "ANSWER", "PROVINCE", province_officer, pro,
                 "ให้ใช้วันที่ในบันทึกส่งมอบทรัพย์สิน หรือวันที่เริ่มดำเนินการจริง"),
            ],
        )  # fmt: skip
    if neighbour is not None:
        other = user_ids[neighbour_user or ""]
        theirs = held.get(neighbour.id, [])
        if theirs:
            thread(
                neighbour,
                theirs[0],
                None,
                "ยกเลิกภารกิจแล้วแต่ยังแสดงในรายการ",
                [
                    (5, "ASK", "LAO", other, rec, "ยกเลิกภารกิจแล้ว แต่รายการยังแสดงอยู่"),
                    (7, "ANSWER", "PROVINCE", province_officer, pro,
                     "รายการที่ยกเลิกจะแสดงพร้อมวันที่และเหตุผล ตามหลักเกณฑ์"),
                    (8, "CLOSE", "LAO", other, rec, "เข้าใจแล้ว ขอบคุณครับ"),
                ],
            )  # fmt: skip
        holding = {r["mission_id"] for r in theirs}
        missing = next(
            (m for m in missions if m["id"] not in holding and m["retired_on"] is None), None
        )
        if missing is not None:
            thread(
                neighbour,
                None,
                missing["id"],
                "ไม่พบภารกิจที่ได้รับโอนในเมนูบันทึก",
                [(40, "ASK", "LAO", other, rec,
                  f"ได้รับโอนภารกิจ {missing['name_th']} แต่บันทึกไม่ได้ ขอคำแนะนำ")],
            )  # fmt: skip
    second = [
        lao
        for lao in laos
        if lao.province.code not in (home.province.code, BANGKOK) and held.get(lao.id)
    ]
    if second:
        lao = min(second, key=lambda lao: (lao.province.code, lao.id))
        thread(
            lao,
            held[lao.id][0],
            None,
            "ขอคู่มือการบันทึกข้อมูลภารกิจถ่ายโอน",
            [(42, "ASK", "LAO", None, rec, "ขอคู่มือการบันทึกข้อมูลภารกิจถ่ายโอนฉบับปรับปรุง")],
        )
    return requests, messages


async def kpi16_reports(conn: AsyncConnection, previous: Year) -> int:
    """The previous year's round's reports (see the module docstring); how many."""
    round_row = (
        await conn.execute(
            select(Kpi16Round.id).where(
                Kpi16Round.fiscal_year == previous.year_be, Kpi16Round.round_no == 1
            )
        )
    ).first()
    if round_row is None:
        return 0
    ce = previous.year_be - 543
    on_time_district, late_district = dt.date(ce, 3, 4), dt.date(ce, 3, 10)
    on_time_province, late_province = dt.date(ce, 3, 18), dt.date(ce, 3, 24)
    book = await kpi16.report_deadlines(conn, round_row.id)
    assert book is not None
    users = dict(
        (await conn.execute(select(User.username, User.id).where(User.is_demo.is_(True)))).all()
    )
    # The offices with demo accounts, by their area's id: they submitted their own reports.
    office_users: dict[tuple[str, int], int] = {}
    for table, level in ((Province, "province"), (District, "district")):
        for area_id, code in (await conn.execute(select(table.id, table.code))).all():
            if (user_id := users.get(f"demo.{level}.{code}")) is not None:
                office_users[(level, area_id)] = user_id
    province_codes = dict((await conn.execute(select(Province.id, Province.code))).all())
    demo_provinces = sorted(
        province_codes[area_id] for level, area_id in office_users if level == "province"
    )
    rows: list[dict[str, Any]] = []

    def report(
        level: Kpi16ReportLevel,
        province_id: int,
        district_id: int | None,
        figures: Any,
        day: dt.date,
        expected: int | None = None,
        reported: int | None = None,
    ) -> None:
        district = level is Kpi16ReportLevel.DISTRICT
        area_id = district_id if district and district_id is not None else province_id
        rows.append(
            {
                "round_id": round_row.id,
                "level": level,
                "area_id": area_id,
                "province_id": province_id,
                "district_id": district_id,
                "deadline": book.of(level, province_id),
                "submitted_at": _at(day, 2 + len(rows) % 6),
                "submitted_by_user_id": office_users.get(
                    ("district" if district else "province", area_id)
                ),
                "submitted_by_subject": None,
                "actor_role": Role.DISTRICT_OFFICER if district else Role.PROVINCE_OFFICER,
                "reference_systems": figures.reference_systems,
                "recorded": figures.recorded,
                "checked": figures.checked,
                "target_percent": figures.target_percent,
                "districts_expected": expected,
                "districts_reported": reported,
                "note": None,
            }
        )

    # Matched from the records: the maintained counts are built when the bulk load ends.
    by_district = await kpi16.coverage_from_records(conn, round_row.id, "district")
    by_province = await kpi16.coverage_from_records(conn, round_row.id, "province")
    board = await kpi16.report_board(conn, round_row.id, Kpi16ReportLevel.DISTRICT, None)
    expected_in: dict[int, int] = {}
    reported_in: dict[int, int] = {}
    for row in board:  # by district code: in each province, every fourth is missing
        assert row.district_id is not None
        i = expected_in[row.province_id] = expected_in.get(row.province_id, 0) + 1
        if i % 4 == 0:
            continue
        day = late_district if i % 7 == 6 else on_time_district
        report(
            Kpi16ReportLevel.DISTRICT,
            row.province_id,
            row.district_id,
            by_district[row.district_id],
            day,
        )
        reported_in[row.province_id] = reported_in.get(row.province_id, 0) + 1
    for j, province_id in enumerate(sorted(by_province, key=lambda p: province_codes[p])):
        code = province_codes[province_id]
        if code in demo_provinces:  # the first demo province was late, the second on time
            day = late_province if code == demo_provinces[0] else on_time_province
        elif j % 3 == 2:
            continue  # missing
        else:
            day = late_province if j % 3 == 1 else on_time_province
        report(
            Kpi16ReportLevel.PROVINCE,
            province_id,
            None,
            by_province[province_id],
            day,
            expected_in.get(province_id, 0),
            reported_in.get(province_id, 0),
        )
    if rows:
        await conn.execute(insert(Kpi16Report), rows)
    return len(rows)

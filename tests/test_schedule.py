"""Slots from cadences: lengths, holidays, RRULEs, order."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from dutyctl.core.model import Duty, Person, Plan
from dutyctl.core.schedule import Slot, _simple_daily, all_slots, duty_slots
from dutyctl.core.syntax import parse_cadence

MONDAY = date(2026, 3, 2)


def make_plan(
    cadences: dict[str, str],
    start: date = MONDAY,
    holidays: dict[date, str] | None = None,
    people: int = 1,
) -> Plan:
    duties = {
        duty_id: Duty(duty_id, duty_id.title(), parse_cadence(text, start), people=people)
        for duty_id, text in cadences.items()
    }
    return Plan(
        team="t",
        timezone="UTC",
        start=start,
        roster=(Person("ana", "Ana"),),
        duties=duties,
        holiday_dates=holidays or {},
    )


def slots_of(plan: Plan, duty_id: str, until: date) -> list[Slot]:
    return duty_slots(plan, plan.duties[duty_id], until)


def test_weekday_gives_one_day_slots_monday_to_friday() -> None:
    plan = make_plan({"post": "weekday"})
    slots = slots_of(plan, "post", MONDAY + timedelta(days=13))
    assert [slot.start for slot in slots] == [
        MONDAY + timedelta(days=offset) for offset in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)
    ]
    assert all(slot.start == slot.end and slot.days == 1 for slot in slots)


def test_day_covers_every_day() -> None:
    plan = make_plan({"post": "day"})
    slots = slots_of(plan, "post", MONDAY + timedelta(days=9))
    assert len(slots) == 10
    assert all(slot.days == 1 for slot in slots)


def test_week_runs_monday_to_sunday_from_the_first_monday() -> None:
    wednesday = MONDAY + timedelta(days=2)
    plan = make_plan({"news": "week"}, start=wednesday)
    slots = slots_of(plan, "news", date(2026, 3, 31))
    assert slots[0] == Slot("news", date(2026, 3, 9), date(2026, 3, 15), 1)
    assert [slot.start.weekday() for slot in slots] == [0] * len(slots)
    assert [slot.end.weekday() for slot in slots] == [6] * len(slots)
    assert slots[-1].start == date(2026, 3, 30)  # starts by ``until``, ends after it
    assert slots[-1].end == date(2026, 4, 5)


def test_month_gives_whole_months() -> None:
    plan = make_plan({"blog": "month"}, start=date(2026, 1, 1))
    slots = slots_of(plan, "blog", date(2026, 12, 31))
    assert len(slots) == 12
    assert slots[1] == Slot("blog", date(2026, 2, 1), date(2026, 2, 28), 1)
    assert slots[-1].end == date(2026, 12, 31)


def test_monthly_last_friday_runs_to_the_day_before_the_next() -> None:
    plan = make_plan({"report": "RRULE:FREQ=MONTHLY;BYDAY=-1FR"}, start=date(2026, 1, 1))
    slots = slots_of(plan, "report", date(2026, 4, 30))
    assert [slot.start for slot in slots] == [
        date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27), date(2026, 4, 24)
    ]
    assert all(slot.start.weekday() == 4 for slot in slots)
    assert slots[0].end == date(2026, 2, 26)
    assert slots[1].end == date(2026, 3, 26)


def test_two_weekly_interval_gives_fortnights() -> None:
    plan = make_plan({"news": "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"})
    slots = slots_of(plan, "news", date(2026, 4, 30))
    assert all(slot.days == 14 for slot in slots)
    assert slots[1].start - slots[0].start == timedelta(days=14)


def test_twice_a_week_slots_end_before_the_next_occurrence() -> None:
    plan = make_plan({"post": "RRULE:FREQ=WEEKLY;BYDAY=MO,TH"})
    slots = slots_of(plan, "post", MONDAY + timedelta(days=7))
    assert [(slot.start, slot.end) for slot in slots] == [
        (MONDAY, MONDAY + timedelta(days=2)),
        (MONDAY + timedelta(days=3), MONDAY + timedelta(days=6)),
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=9)),
    ]


def test_rule_that_runs_out_keeps_one_unit_for_its_last_slot() -> None:
    plan = make_plan({"post": "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2"})
    slots = slots_of(plan, "post", date(2026, 6, 1))
    assert [(slot.start, slot.end) for slot in slots] == [
        (MONDAY, MONDAY + timedelta(days=6)),
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=13)),
    ]


def test_one_day_slots_on_holidays_are_dropped() -> None:
    holiday = MONDAY + timedelta(days=2)
    plan = make_plan({"post": "weekday"}, holidays={holiday: "Founders' Day"})
    starts = [slot.start for slot in slots_of(plan, "post", MONDAY + timedelta(days=4))]
    assert holiday not in starts
    assert len(starts) == 4


def test_weekly_slot_runs_across_a_holiday() -> None:
    plan = make_plan({"news": "week"}, holidays={MONDAY: "Easter Monday"})
    slots = slots_of(plan, "news", MONDAY + timedelta(days=6))
    assert slots == [Slot("news", MONDAY, MONDAY + timedelta(days=6), 1)]


def test_slots_stop_at_until_and_start_at_plan_start() -> None:
    plan = make_plan({"post": "day"})
    assert slots_of(plan, "post", MONDAY - timedelta(days=1)) == []
    assert [slot.start for slot in slots_of(plan, "post", MONDAY)] == [MONDAY]


def test_all_slots_are_ordered_by_day_then_duty() -> None:
    plan = make_plan({"zeta": "day", "alpha": "weekday", "news": "week"})
    slots = all_slots(plan, MONDAY + timedelta(days=8))
    assert slots == sorted(slots, key=lambda slot: (slot.start, slot.duty))
    assert [slot.duty for slot in slots[:3]] == ["alpha", "news", "zeta"]
    assert len(slots) == 9 + 7 + 2


def test_slot_carries_the_number_of_people() -> None:
    plan = make_plan({"post": "day"}, people=2)
    assert slots_of(plan, "post", MONDAY)[0].people == 2


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=DAILY;INTERVAL=2",
        "FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE,SA",
        "FREQ=DAILY;BYDAY=SU",
    ],
)
def test_daily_shortcut_agrees_with_dateutil(rule: str) -> None:
    start, until = date(2026, 1, 7), date(2026, 9, 30)
    expected = []
    for moment in rrulestr(rule, dtstart=datetime.combine(start, time())):
        expected.append(moment.date().toordinal())
        if moment.date() > until:
            break
    assert _simple_daily(rule, start.toordinal(), until.toordinal()) == expected


def test_daily_shortcut_leaves_other_rules_to_dateutil() -> None:
    start = date(2026, 1, 1).toordinal()
    assert _simple_daily("FREQ=WEEKLY;BYDAY=MO", start, start + 30) is None
    assert _simple_daily("FREQ=DAILY;BYDAY=-1FR", start, start + 30) is None
    assert _simple_daily("FREQ=DAILY;COUNT=3", start, start + 30) is None


def test_five_years_of_daily_duties_come_back_complete() -> None:
    plan = make_plan({f"d{i}": "day" for i in range(5)}, start=date(2026, 1, 1))
    slots = all_slots(plan, date(2030, 12, 31))
    assert len(slots) == 5 * (date(2030, 12, 31) - date(2026, 1, 1)).days + 5

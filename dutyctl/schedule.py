"""Slots: the stretches of days a duty is held, derived from its cadence. Pure.

A duty's cadence is an RRULE counted from the plan's start. Each occurrence opens a
slot that runs until the next occurrence or for one cadence unit (a day, a week, a
month, a year, times the rule's interval), whichever comes first. So ``weekday``
gives one-day slots Monday to Friday, ``week`` Monday-to-Sunday slots and ``month``
whole months. One-day slots that fall on a holiday are dropped (nobody posts on
Christmas Day); longer slots keep running across holidays.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dutyctl.model import WEEKDAY_CODES, Duty, Plan

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    """One turn of a duty: ``people`` persons hold it from ``start`` to ``end`` inclusive."""

    duty: str
    start: date
    end: date
    people: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


def duty_slots(plan: Plan, duty: Duty, until: date) -> list[Slot]:
    """The slots of ``duty`` that start between the plan's start and ``until``, in order."""
    spans = _spans(duty.every.rule, duty.every.freq, duty.every.interval, plan.start, until)
    holidays = plan.holiday_dates
    return [
        Slot(duty.id, start, end, duty.people)
        for start, end in spans
        if not (start == end and start in holidays)
    ]


def all_slots(plan: Plan, until: date) -> list[Slot]:
    """The slots of every duty up to ``until``, ordered by start day, then duty id."""
    slots = [slot for duty in plan.duties.values() for slot in duty_slots(plan, duty, until)]
    slots.sort(key=lambda slot: (slot.start, slot.duty))
    return slots


# Spans depend only on the rule and the dates, not on the plan, so they are cached:
# every command that looks at the calendar asks for the same few cadences.
@lru_cache(maxsize=256)
def _spans(
    rule: str, freq: str, interval: int, start: date, until: date
) -> tuple[tuple[date, date], ...]:
    if until < start:
        return ()
    days = _simple_daily(rule, start, until)
    if days is None:
        days = _rrule_days(rule, start, until)
    if not days:
        return ()
    spans = []
    for here, following in zip(days, days[1:], strict=False):
        # Only the last day is past ``until``: it is the next occurrence, not a slot.
        spans.append((here, min(following, _add_unit(here, freq, interval)) - ONE_DAY))
    last = days[-1]
    if last <= until:  # the rule ran out (COUNT or UNTIL): the last slot is one unit long
        spans.append((last, _add_unit(last, freq, interval) - ONE_DAY))
    return tuple(spans)


def _rrule_days(rule: str, start: date, until: date) -> list[date]:
    """Occurrence days up to ``until`` plus the first one after it, if any."""
    from dateutil.rrule import rrulestr  # lazy: importing dateutil costs ~10 ms

    days: list[date] = []
    for moment in rrulestr(rule, dtstart=datetime.combine(start, time())):
        day = moment.date()
        if days and days[-1] == day:  # BYHOUR and friends: several times, one day
            continue
        days.append(day)
        if day > until:
            break
    return days


def _simple_daily(rule: str, start: date, until: date) -> list[date] | None:
    """``FREQ=DAILY`` with at most INTERVAL and plain BYDAY, without dateutil.

    Daily duties are by far the most common and dateutil takes ~2 us per
    occurrence; this keeps five years of five daily duties at a few milliseconds.
    Returns None for any other rule, which then goes to dateutil.
    """
    parts: dict[str, str] = {}
    for part in rule.upper().split(";"):
        key, _, value = part.partition("=")
        parts[key.strip()] = value.strip()
    if parts.get("FREQ") != "DAILY" or not set(parts) <= {"FREQ", "INTERVAL", "BYDAY"}:
        return None
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return None
    weekdays = set(range(7))
    if "BYDAY" in parts:
        codes = [code.strip() for code in parts["BYDAY"].split(",")]
        if not codes or any(code not in WEEKDAY_CODES for code in codes):
            return None  # "-1FR" and the like only make sense in dateutil's hands
        weekdays = {WEEKDAY_CODES.index(code) for code in codes}
    if interval < 1:
        return None
    step = timedelta(days=interval)
    days: list[date] = []
    day = start
    # With BYDAY, an interval that is a multiple of 7 may never hit a listed weekday.
    limit = until + timedelta(days=7 * interval + 1)
    while day <= limit:
        if day.weekday() in weekdays:
            days.append(day)
            if day > until:
                break
        day += step
    return days


def _add_unit(day: date, freq: str, interval: int) -> date:
    if freq == "DAILY":
        return day + timedelta(days=interval)
    if freq == "WEEKLY":
        return day + timedelta(days=7 * interval)
    if freq == "MONTHLY":
        return _add_months(day, interval)
    return _add_months(day, 12 * interval)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

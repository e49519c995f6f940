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
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from operator import attrgetter

from dutyctl.core.model import WEEKDAY_CODES, Duty, Plan


@dataclass(frozen=True, slots=True)
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
    cadence = duty.every
    slots = _slots(duty.id, duty.people, cadence.rule, cadence.freq, cadence.interval,
                   plan.start, until)
    holidays = plan.holiday_dates
    if not holidays:
        return list(slots)
    return [slot for slot in slots if not (slot.start == slot.end and slot.start in holidays)]


def all_slots(plan: Plan, until: date) -> list[Slot]:
    """The slots of every duty up to ``until``, ordered by start day, then duty id."""
    slots = [
        slot
        for duty_id in sorted(plan.duties)
        for slot in duty_slots(plan, plan.duties[duty_id], until)
    ]
    slots.sort(key=attrgetter("start"))  # stable: duty ids stay in order within a day
    return slots


# Slots depend only on the cadence and the dates, not on the rest of the plan, so
# they are cached: every command that looks at the calendar asks for the same few.
@lru_cache(maxsize=64)
def _slots(
    duty_id: str, people: int, rule: str, freq: str, interval: int, start: date, until: date
) -> tuple[Slot, ...]:
    if until < start:
        return ()
    days = _simple_daily(rule, start.toordinal(), until.toordinal())
    if days is None:
        days = [day.toordinal() for day in _rrule_days(rule, start, until)]
    if not days:
        return ()
    pairs = zip(days, days[1:], strict=False)  # each occurrence and the next one
    if freq in ("DAILY", "WEEKLY"):
        unit = interval * (7 if freq == "WEEKLY" else 1)
        ends = [min(following, here + unit) - 1 for here, following in pairs]
    else:
        months = interval * (12 if freq == "YEARLY" else 1)
        ends = [min(following, _add_months(here, months)) - 1 for here, following in pairs]
    last = days[-1]
    if last <= until.toordinal():
        # The rule ran out (COUNT or UNTIL): its last slot lasts one unit.
        days.append(_add_unit(last, freq, interval))
        ends.append(days[-1] - 1)
    from_ordinal = date.fromordinal
    slots = []
    # zip stops at the last end: the extra day in ``days`` is the next occurrence only.
    for here, end in zip(days, ends, strict=False):
        first = from_ordinal(here)
        slots.append(Slot(duty_id, first, first if end == here else from_ordinal(end), people))
    return tuple(slots)


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


def _simple_daily(rule: str, start: int, until: int) -> list[int] | None:
    """Day ordinals of ``FREQ=DAILY`` with at most INTERVAL and plain BYDAY, sans dateutil.

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
    if interval < 1:
        return None
    weekdays = set(range(7))
    if "BYDAY" in parts:
        codes = [code.strip() for code in parts["BYDAY"].split(",")]
        if any(code not in WEEKDAY_CODES for code in codes):
            return None  # "-1FR" and the like only make sense in dateutil's hands
        weekdays = {WEEKDAY_CODES.index(code) for code in codes}
    # Ordinal 1 (0001-01-01) was a Monday. One more day than needed: the occurrence
    # after ``until`` ends the last slot. With BYDAY, an interval that is a multiple of
    # 7 may never hit a listed weekday, hence the bound.
    days = [
        day
        for day in range(start, until + 7 * interval + 1, interval)
        if (day - 1) % 7 in weekdays
    ]
    stop = bisect_right(days, until)
    return days[: stop + 1]


def _add_unit(day: int, freq: str, interval: int) -> int:
    if freq == "DAILY":
        return day + interval
    if freq == "WEEKLY":
        return day + 7 * interval
    return _add_months(day, interval * (12 if freq == "YEARLY" else 1))


def _add_months(day: int, months: int) -> int:
    """The day ordinal ``months`` calendar months after ``day`` (clamped to month end)."""
    moment = date.fromordinal(day)
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(moment.day, calendar.monthrange(year, month)[1])).toordinal()

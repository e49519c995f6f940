"""Dates on which a cadence recurs (RRULE via dateutil), as plain dates. Pure."""

from __future__ import annotations

from datetime import date, datetime, time

from dutyctl.core.model import Cadence


def occurrences(cadence: Cadence, anchor: date, start: date, end: date) -> list[date]:
    """The days in ``start..end`` on which ``cadence``, counted from ``anchor``, recurs."""
    from dateutil.rrule import rrulestr  # lazy: ~10 ms, not needed by every command

    if end < start:
        return []
    rule = rrulestr(cadence.rule, dtstart=datetime.combine(anchor, time()))
    return [
        moment.date()
        for moment in rule.between(
            datetime.combine(start, time()), datetime.combine(end, time()), inc=True
        )
    ]


def next_occurrence(cadence: Cadence, anchor: date, after: date) -> date | None:
    """The first day on or after ``after`` on which the cadence recurs."""
    from dateutil.rrule import rrulestr

    rule = rrulestr(cadence.rule, dtstart=datetime.combine(anchor, time()))
    moment = rule.after(datetime.combine(after, time()), inc=True)
    return moment.date() if moment else None

"""Working days, and dates moved off holidays (the review, a duty's due days). Pure.

A working day is Monday to Friday and not a holiday of the plan (public or extra).
A date the plan gives (the review's cadence, a due weekday) that falls on a holiday
moves by the plan's ``on_holiday`` rule:

* ``earlier``: to the previous working day (the default);
* ``later``: to the next working day;
* ``keep``: it stays on the holiday.

The search is bounded (:data:`MAX_MOVE` days): past a longer run of days off the date
stays where it was. A due day moves only inside its slot (the week that is due): when
there is no working day that way in the slot it moves the other way, and when the slot
has none at all it stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from dutyctl.core.model import Span

ON_HOLIDAY = ("earlier", "later", "keep")
DEFAULT_ON_HOLIDAY = "earlier"
# How far a date is moved at most: a month of days off in a row keeps it where it was.
MAX_MOVE = 31
# English names whatever the locale (strftime's %a follows LC_TIME).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, order=True)
class Moved:
    """A date as held (``day``), the date the plan gave (``planned``) and why it moved."""

    day: date
    planned: date
    because: str | None = None  # the planned day's holiday, when moved

    @property
    def moved(self) -> bool:
        return self.day != self.planned

    def note(self) -> str | None:
        """``moved from Fri 2026-12-25, Christmas Day``, or None when not moved."""
        if not self.moved:
            return None
        return f"moved from {short_day(self.planned)}, {self.because}"


def short_day(day: date) -> str:
    """``Fri 2026-12-25``."""
    return f"{_DAYS[day.weekday()]} {day.isoformat()}"


def is_working_day(holidays: Mapping[date, str], day: date) -> bool:
    return day.weekday() < 5 and day not in holidays


def move_off_holiday(
    day: date, rule: str, holidays: Mapping[date, str], within: Span | None = None
) -> Moved:
    """Where ``day`` is held under ``rule`` (see the module's text). ``within``: the slot
    a due day belongs to; the move stays inside it, trying the other way second."""
    if rule == "keep" or day not in holidays:
        return Moved(day, day)
    step = 1 if rule == "later" else -1
    for direction in (step, -step) if within is not None else (step,):
        for distance in range(1, MAX_MOVE + 1):
            candidate = day + timedelta(days=direction * distance)
            if within is not None and candidate not in within:
                break
            if is_working_day(holidays, candidate):
                return Moved(candidate, day, holidays[day])
    return Moved(day, day)


def due_days(
    due: tuple[int, ...], rule: str, holidays: Mapping[date, str], slot: Span
) -> list[Moved]:
    """The days items are due in a slot: each day of ``slot`` whose weekday is in ``due``,
    moved off holidays inside the slot; sorted by the day they are held."""
    if not due:
        return []
    return sorted(
        move_off_holiday(day, rule, holidays, slot) for day in slot if day.weekday() in due
    )

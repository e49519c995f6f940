"""The domain as immutable records: plan, roster, person, duty, metric, override...

Everything here is plain data (frozen dataclasses, dates, tuples and dicts), so the
pure core can be tested with a few lines and a validated plan can be cached with
pickle. Nothing here reads files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from dutyctl.errors import Location

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, order=True)
class Span:
    """An inclusive range of days, written ``2026-12-21..2027-01-04``."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __iter__(self):
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def __str__(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class Budget:
    """A time budget such as ``3h/week``: minutes per day, week or month."""

    minutes: int
    per: str  # "day", "week" or "month"

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
        return f"{text}/{self.per}"

    def minutes_for(self, span: Span) -> float:
        """The budget over a span of days, prorated (a week's budget over 14 days is two)."""
        per_days = {"day": 1, "week": 7, "month": 365.25 / 12}[self.per]
        return self.minutes * span.days / per_days


@dataclass(frozen=True)
class Bound:
    """A KPI bound: a minimum and an optional maximum (``1``, ``1..2``, ``{min: 1, max: 2}``)."""

    minimum: float = 0
    maximum: float | None = None

    def __str__(self) -> str:
        low = _num(self.minimum)
        if self.maximum is None:
            return low
        if self.maximum == self.minimum:
            return low
        return f"{low}..{_num(self.maximum)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Cadence:
    """How often a duty's slots (or the review) recur.

    ``text`` is what the plan says (``weekday``, ``week``, or an RRULE); ``rule`` is
    the RFC 5545 RRULE body it stands for, without DTSTART.
    """

    text: str
    rule: str
    freq: str  # "DAILY", "WEEKLY", "MONTHLY", "YEARLY"
    interval: int = 1


@dataclass(frozen=True)
class Person:
    """A person on the roster: who they are, what they can do, when they are there."""

    id: str
    name: str
    email: str | None = None
    department: str | None = None
    skills: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    budget: Budget | None = None
    away: tuple[Span, ...] = ()
    active_from: date | None = None  # ``from:`` in the plan: first day on the team
    active_until: date | None = None  # ``until:``: last day on the team
    days: tuple[int, ...] | None = None  # ``days:``: weekdays worked (0 = Monday); None: all

    def works_on(self, day: date) -> bool:
        """Whether ``day`` is one of the person's working weekdays (``days:``)."""
        return self.days is None or day.weekday() in self.days

    def works_during(self, start: date, end: date) -> bool:
        """Whether they work at least one day of ``start..end``: what a slot asks."""
        if self.days is None:
            return True
        length = min(7, (end - start).days + 1)
        return any((start + timedelta(days=n)).weekday() in self.days for n in range(length))

    @property
    def day_codes(self) -> tuple[str, ...]:
        return tuple(WEEKDAY_CODES[d] for d in self.days or ())

    def is_active(self, day: date) -> bool:
        if self.active_from is not None and day < self.active_from:
            return False
        return self.active_until is None or day <= self.active_until

    def is_away(self, day: date) -> bool:
        return any(day in span for span in self.away)

    def absence_on(self, day: date) -> Span | None:
        return next((span for span in self.away if day in span), None)


@dataclass(frozen=True)
class Metric:
    """Something a duty counts (photo, repost, news), and the points it is worth."""

    id: str
    kind: str = "output"  # "output" (what people publish) or "outcome" (what it earns)
    points: float = 1
    unit: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Channel:
    """A network or blog the team publishes on."""

    id: str
    name: str
    owner: str | None = None


@dataclass(frozen=True)
class Department:
    """A department, with its own coordinator."""

    id: str
    name: str
    coordinator: str | None = None


@dataclass(frozen=True)
class Duty:
    """A duty people take in turn: its cadence, how many people, and its minimum KPI."""

    id: str
    name: str
    every: Cadence
    people: int = 1
    channels: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    kpi: dict[str, Bound] = field(default_factory=dict)
    kpi_per: str = "slot"  # "slot": the slot's total counts; "person": each person's
    due: tuple[int, ...] = ()  # weekdays (0 = Monday) on which items are due
    due_on_holiday: str = "earlier"  # a due day on a holiday: earlier, later or keep
    department: str | None = None  # only people of this department take it
    description: str | None = None
    weight: int = 1  # ``weight:``: units of load one slot of it is, across duties

    @property
    def due_codes(self) -> tuple[str, ...]:
        return tuple(WEEKDAY_CODES[d] for d in self.due)


@dataclass(frozen=True)
class Review:
    """When the team reviews the numbers (say, the last Friday of the month)."""

    every: Cadence
    title: str = "Monthly review"
    on_holiday: str = "earlier"  # a review day on a holiday: earlier, later or keep


@dataclass(frozen=True)
class Award:
    """The award for the best person on duty of the month, and how it is judged."""

    title: str
    by: str = "points"  # "points", "compliance" or "entries"
    min_compliance: float = 0.0
    department: str | None = None


@dataclass(frozen=True)
class Goal:
    """A team goal: a total of one metric (on one channel) to reach by a date."""

    text: str
    metric: str
    target: float
    channel: str | None = None
    by: date | None = None


@dataclass(frozen=True)
class Override:
    """Replace one person in one slot of a duty: the slot that covers ``date``."""

    date: date
    duty: str
    from_person: str
    to_person: str
    reason: str | None = None


@dataclass(frozen=True)
class HolidayRule:
    """Which public holidays apply (country, subdivision) and the team's extra days off."""

    country: str | None = None
    subdivision: str | None = None
    extra: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The whole validated plan: team, roster, duties, KPIs, review, award and goals."""

    team: str
    timezone: str
    start: date
    roster: tuple[Person, ...]
    duties: dict[str, Duty]
    metrics: dict[str, Metric] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    coordinator: str | None = None
    holidays: HolidayRule = HolidayRule()
    # Public and extra holidays, resolved by the loader for the years around the
    # plan, so that the core needs no holiday tables: date -> name.
    holiday_dates: dict[date, str] = field(default_factory=dict)
    review: Review | None = None
    award: Award | None = None
    goals: tuple[Goal, ...] = ()
    overrides: tuple[Override, ...] = ()
    double_duty: bool = False  # may one person hold two duties on the same day?
    skills: tuple[str, ...] | None = None  # declared skills; None: whatever people list
    # Where each value was written, keyed by its path ("roster[2].department"),
    # so that checks made after loading can still point at a line.
    source: str = "plan.yaml"
    locations: dict[str, Location] = field(default_factory=dict, compare=False)

    @cached_property
    def people(self) -> dict[str, Person]:
        return {person.id: person for person in self.roster}

    def where(self, path: str) -> Location:
        """The location of a value, or of its closest enclosing value that has one."""
        while path:
            if path in self.locations:
                return self.locations[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return Location(self.source)

    def is_holiday(self, day: date) -> bool:
        return day in self.holiday_dates

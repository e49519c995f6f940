"""The one syntax each for dates, ranges, durations, KPI bounds, cadences and periods.

Parsers are pure: text in, value out, or an :class:`InputError` that says what was
expected. Callers that know where the text came from add the location.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dutyctl.core.dates import (  # noqa: F401 - the date and number syntax is part of this module's API
    DATE_FORMAT,
    MAX_YEAR,
    MIN_YEAR,
    _check_year,
    parse_date,
    parse_day,
    parse_number,
)
from dutyctl.core.model import WEEKDAY_CODES, Bound, Budget, Cadence, Span
from dutyctl.errors import InputError, UsageError

# The longest period a cadence may repeat by (INTERVAL x the frequency), in days.
MAX_PERIOD_DAYS = 100 * 366
_FREQ_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(\d{4})$")
_DURATION_RE = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*/\s*(day|week|month)\s*$"
)

# What each word in `every:` stands for, as an RRULE body.
CADENCE_WORDS = {
    "day": ("FREQ=DAILY", "DAILY"),
    "weekday": ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "DAILY"),
    "week": ("FREQ=WEEKLY;BYDAY=MO", "WEEKLY"),
    "month": ("FREQ=MONTHLY;BYMONTHDAY=1", "MONTHLY"),
}


def parse_span(value: object) -> Span:
    """A single date or an inclusive range ``START..END``."""
    if isinstance(value, date):
        day = parse_date(value)
        return Span(day, day)
    text = str(value).strip()
    if ".." not in text:
        day = parse_date(text)
        return Span(day, day)
    left, _, right = text.partition("..")
    try:
        start, end = parse_date(left), parse_date(right)
    except InputError:
        raise InputError(
            f"'{text}' is not a date range", hint=f"write ranges as {DATE_FORMAT}..{DATE_FORMAT}"
        ) from None
    if end < start:
        raise InputError(f"range '{text}' ends before it starts", hint="put the earlier date first")
    return Span(start, end)


def parse_duration(value: object) -> Budget:
    """A time budget: ``3h/week``, ``90m/week``, ``1h30m/month``, ``0.5h/day``."""
    text = str(value)
    match = _DURATION_RE.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise InputError(
            f"'{text}' is not a time budget",
            hint="write an amount of hours and/or minutes per day, week or month: "
            "3h/week, 90m/week, 1h30m/month",
        )
    hours = float(match.group(1) or 0)
    minutes = int(match.group(2) or 0)
    total = round(hours * 60) + minutes
    if total > 60 * 24 * 31:
        raise InputError(f"'{text}' is more time than there is", hint="use a smaller budget")
    return Budget(total, match.group(3))


def parse_bound(value: object) -> Bound:
    """A KPI bound: ``1`` (at least 1), ``1..2`` (at least 1, at most 2)."""
    if isinstance(value, str) and ".." in value:
        left, _, right = value.partition("..")
        try:
            if not left.strip() or not right.strip():
                raise InputError("a range needs both ends")
            low = parse_number(left.strip(), what="minimum")
            high = parse_number(right.strip(), what="maximum")
        except InputError:
            raise InputError(
                f"'{value}' is not a KPI range", hint="write a minimum (1) or a range (1..2)"
            ) from None
        if high is not None and high < low:
            raise InputError(
                f"KPI range '{value}' has its maximum below its minimum",
                hint="put the smaller number first",
            )
        return Bound(low, high)
    try:
        return Bound(parse_number(value, what="minimum"))
    except InputError:
        raise InputError(
            f"'{value}' is not a KPI minimum", hint="write a minimum (1) or a range (1..2)"
        ) from None


def parse_weekday(value: object) -> int:
    """A weekday code, ``MO`` to ``SU`` (0 = Monday)."""
    text = str(value).strip().upper()
    if text in WEEKDAY_CODES:
        return WEEKDAY_CODES.index(text)
    names = [calendar.day_name[i].upper() for i in range(7)]
    if text in names:
        return names.index(text)
    raise InputError(f"'{value}' is not a weekday", hint="use one of " + ", ".join(WEEKDAY_CODES))


def parse_cadence(value: object, start: date | None = None) -> Cadence:
    """``day``, ``weekday``, ``week``, ``month`` or an RFC 5545 RRULE (``RRULE:`` optional)."""
    text = str(value).strip()
    if text.lower() in CADENCE_WORDS:
        rule, freq = CADENCE_WORDS[text.lower()]
        return Cadence(text.lower(), rule, freq)
    body = text[6:] if text.upper().startswith("RRULE:") else text
    if "FREQ=" not in body.upper():
        raise InputError(
            f"'{text}' is not a cadence",
            hint="use day, weekday, week, month or an RRULE such as RRULE:FREQ=MONTHLY;BYDAY=-1FR",
        )
    parts = {}
    for part in body.split(";"):
        key, _, val = part.partition("=")
        parts[key.strip().upper()] = val.strip().upper()
    interval_text = parts.get("INTERVAL", "1")
    if not (interval_text.isascii() and interval_text.isdigit()) or int(interval_text) < 1:
        # dateutil takes INTERVAL=0 and then never finds the next date (a hang).
        raise InputError(
            f"cadence '{text}' has INTERVAL={interval_text}; expected a whole number of 1 "
            "or more",
            hint="INTERVAL=1 is every period, INTERVAL=2 every other one",
        )
    if int(interval_text) * _FREQ_DAYS.get(parts.get("FREQ", ""), 1) > MAX_PERIOD_DAYS:
        raise InputError(
            f"cadence '{text}' repeats only every {interval_text} periods; "
            "a slot can last at most 100 years",
            hint="use a smaller INTERVAL",
        )
    if "DTSTART" in body.upper() or "\n" in body:
        raise InputError(
            f"'{text}' must be a single RRULE without DTSTART",
            hint="the plan's start date is the rule's start",
        )
    if "COUNT" in parts and "UNTIL" in parts:  # RFC 5545 forbids it; dateutil will refuse
        raise InputError(
            f"'{text}' has both COUNT and UNTIL",
            hint="keep one of them: RFC 5545 allows COUNT or UNTIL, not both",
        )
    from dateutil.rrule import rrulestr  # lazy: only the plan loader needs it

    anchor = datetime.combine(start or date(2000, 1, 1), datetime.min.time())
    try:
        rule = rrulestr(body, dtstart=anchor)
        first = rule.after(anchor, inc=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise InputError(
            f"'{text}' is not a valid RRULE ({exc})",
            hint="see RFC 5545, for example RRULE:FREQ=WEEKLY;BYDAY=MO",
        ) from None
    freq = parts.get("FREQ", "")
    if freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise InputError(
            f"cadence '{text}' repeats {freq.lower() or 'never'}; "
            "duties repeat by the day or longer",
            hint="use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY",
        )
    if first is None:
        raise InputError(
            f"cadence '{text}' yields no date from {anchor.date()} on",
            hint="check COUNT, UNTIL and BYxxx parts of the rule",
        )
    return Cadence(text, body, freq, int(interval_text))


# --- Periods and relative dates, as typed on the command line -----------------------


@dataclass(frozen=True)
class Period:
    """A named stretch of days for reports: a month, a week, a quarter, a year."""

    label: str
    span: Span


def month_span(year: int, month: int) -> Span:
    last = calendar.monthrange(year, month)[1]
    return Span(date(year, month, 1), date(year, month, last))


def parse_month(text: str, today: date) -> Period:
    """``YYYY-MM``, ``this`` or ``last``."""
    word = text.strip().lower()
    if word in ("this", "current"):
        year, month = today.year, today.month
    elif word in ("last", "previous"):
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    else:
        match = _MONTH_RE.match(word)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            raise UsageError(f"'{text}' is not a month", hint="use YYYY-MM, this or last")
        year, month = int(match.group(1)), int(match.group(2))
    _check_year(year, text, UsageError)
    return Period(f"{year:04d}-{month:02d}", month_span(year, month))


def parse_week(text: str, today: date) -> Period:
    """``YYYY-Www`` (ISO week), ``this`` or ``last``."""
    word = text.strip().lower()
    if word in ("this", "current", "last", "previous"):
        day = today - timedelta(days=7) if word in ("last", "previous") else today
        year, week, _ = day.isocalendar()
    else:
        match = _WEEK_RE.match(word)
        if not match:
            raise UsageError(
                f"'{text}' is not a week", hint="use YYYY-Www (2026-W48), this or last"
            )
        year, week = int(match.group(1)), int(match.group(2))
    _check_year(year, text, UsageError)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise UsageError(
            f"'{text}' is not a week of {year}", hint="ISO weeks run 01 to 52 or 53"
        ) from None
    return Period(f"{year:04d}-W{week:02d}", Span(monday, monday + timedelta(days=6)))


def parse_quarter(text: str, today: date) -> Period:
    """``YYYY-Qn``, ``this`` or ``last``."""
    word = text.strip().lower()
    if word in ("this", "current", "last", "previous"):
        year, quarter = today.year, (today.month - 1) // 3 + 1
        if word in ("last", "previous"):
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    else:
        match = _QUARTER_RE.match(word)
        if not match:
            raise UsageError(
                f"'{text}' is not a quarter", hint="use YYYY-Qn (2026-Q4), this or last"
            )
        year, quarter = int(match.group(1)), int(match.group(2))
    _check_year(year, text, UsageError)
    first = 3 * (quarter - 1) + 1
    return Period(
        f"{year:04d}-Q{quarter}",
        Span(date(year, first, 1), month_span(year, first + 2).end),
    )


def parse_year(text: str, today: date) -> Period:
    """``YYYY``, ``this`` or ``last``."""
    word = text.strip().lower()
    if word in ("this", "current"):
        year = today.year
    elif word in ("last", "previous"):
        year = today.year - 1
    else:
        match = _YEAR_RE.match(word)
        if not match or int(word) < 1:
            raise UsageError(f"'{text}' is not a year", hint="use YYYY, this or last")
        year = int(word)
    _check_year(year, text, UsageError)
    return Period(f"{year:04d}", Span(date(year, 1, 1), date(year, 12, 31)))

"""Calendar dates (and plain numbers) as written in plans, logs and on the command line.

Apart from :mod:`dutyctl.core.syntax` (which re-exports these) because the cron path
(`dutyctl today` on a cached view) needs a date parsed and `dutyctl log` a number,
and neither anything of the plan model.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dutyctl.errors import InputError, UsageError

DATE_FORMAT = "YYYY-MM-DD"
# Dates far outside any team's life only lead to arithmetic past year 9999 (a week's
# end, a horizon ahead): refuse them where they are written.
MIN_YEAR, MAX_YEAR = 1900, 2999
# The bounds of numbers (docs/log.md): a KPI value or a metric's points at most
# MAX_NUMBER (so that points times values stay far from overflowing), the minutes of
# one entry at most a day.
MAX_NUMBER = 10**12
MAX_MINUTES = 24 * 60


# The two shapes below are checked with str methods, not patterns: `dutyctl log` reads
# a date and a number on every run, and compiling the two patterns cost more than the
# rest of either parse.


def _is_date_text(text: str) -> bool:
    """``text`` reads NNNN-NN-NN, each N an ASCII digit 0-9."""
    return len(text) == 10 and text.isascii() and text[4] == text[7] == "-" and (
        text[:4] + text[5:7] + text[8:]).isdecimal()


def _is_number_text(text: str) -> bool:
    """``text`` is ASCII digits 0-9, a point and digits optionally, in optional blanks
    (``str.isdecimal`` alone takes fullwidth and Arabic-Indic digits too)."""
    whole, point, fraction = text.strip().partition(".")
    return text.isascii() and whole.isdecimal() and (not point or fraction.isdecimal())


def parse_date(value: object) -> date:
    """A calendar date written ``YYYY-MM-DD`` (YAML may already have made it a date)."""
    if isinstance(value, datetime):
        return _in_years(value.date(), value.date().isoformat())
    if isinstance(value, date):
        return _in_years(value, value.isoformat())
    text = str(value).strip()
    if not _is_date_text(text):
        raise InputError(f"'{text}' is not a date", hint=f"write dates as {DATE_FORMAT}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"'{text}' is not a calendar date", hint=f"write dates as {DATE_FORMAT}"
        ) from None
    return _in_years(day, text)


def _in_years(day: date, text: str) -> date:
    _check_year(day.year, text, InputError)
    return day


def _check_year(year: int, text: str, error: type[InputError] | type[UsageError]) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise error(
            f"'{text}' is not between the years {MIN_YEAR} and {MAX_YEAR}",
            hint="check the year",
        )


def parse_day(text: str, today: date) -> date:
    """``today``, ``yesterday``, ``tomorrow`` or ``YYYY-MM-DD``."""
    word = text.strip().lower()
    relative = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if word in relative:
        return today + timedelta(days=relative[word])
    try:
        day = date.fromisoformat(word) if _is_date_text(word) else None
    except ValueError:
        day = None
    if day is None:
        raise UsageError(
            f"'{text}' is not a date",
            hint=f"use today, yesterday, tomorrow or {DATE_FORMAT}",
        )
    _check_year(day.year, text, UsageError)
    return day


def parse_number(value: object, *, what: str = "number") -> float:
    """A non-negative number (int or decimal). Booleans are not numbers."""
    if isinstance(value, bool):
        raise InputError(f"expected a {what}, found '{value}'")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _is_number_text(value):
        number = float(value)
    else:
        hint = None
        if isinstance(value, str) and not value.isascii():
            hint = "write the digits 0-9 (ASCII), not fullwidth or other scripts' digits"
        raise InputError(f"expected a non-negative {what}, found '{value}'", hint=hint)
    if number < 0 or number != number or number in (float("inf"),):
        raise InputError(f"expected a non-negative {what}, found '{value}'")
    if number > MAX_NUMBER:
        raise InputError(f"{what} '{value}' is too large", hint="use a number below 10^12")
    return number


def months_between(first: date, last: date) -> set[str]:
    """The months ``YYYY-MM`` from ``first``'s to ``last``'s, both included (log file names)."""
    months = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months

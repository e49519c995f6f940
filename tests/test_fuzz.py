"""Fuzzing: whatever the input, the only exceptions that escape are DutyctlError.

The plan loader, the log reader and every parser of syntax.py get random text, random
bytes and near-valid values; a ValueError, OverflowError, TypeError... escaping would
reach the user as "internal error" (exit 70).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyctl.core import syntax
from dutyctl.errors import DutyctlError, Problem
from dutyctl.store.logfile import read_log
from dutyctl.store.planfile import TOP_KEYS, build_plan

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 11, 24)


def only_dutyctl_errors(call, *args):
    """Call; a DutyctlError is an answer, anything else fails the test."""
    try:
        return call(*args)
    except DutyctlError as error:
        assert error.message, "an error must say what is wrong"
        return None


# -- values of the shapes YAML can hold -------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "2026-01-05",
            "2026-02-30",
            "9999-12-31",
            "0000-01-01",
            "weekday",
            "week",
            "month",
            "RRULE:FREQ=DAILY;INTERVAL=99999999999",
            "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
            "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "3h/week",
            "1..2",
            "3..1",
            "80%",
            "150%",
            "MO",
            "anna",
            "../x.yaml",
            "/etc/passwd",
            "=1+1",
            "Europe/Berlin",
            "Mars/X",
            "DE",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "every",
                    "people",
                    "kpi",
                    "name",
                    "from",
                    "to",
                    "date",
                    "duty",
                    "skills",
                    "away",
                    "budget",
                    "x",
                    "photo",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
PLANS = st.dictionaries(st.sampled_from([*TOP_KEYS, "extra"]), VALUES, max_size=10)


@FUZZ
@given(PLANS)
def test_plan_loader_on_random_plan_shapes(data: dict):
    text = json.dumps(data, default=str)  # JSON is YAML: every shape, typed wrongly at will
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2027))
    assert all(isinstance(p, Problem) for p in problems)
    if plan is None:
        assert any(p.severity == "error" and p.location for p in problems)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list(":-[]{},&*!|>'\"#%@ \n\tab01.")), max_size=120))
def test_plan_loader_on_yaml_punctuation(text: str):
    build_plan(text, "plan.yaml", years=range(2026, 2027))


@FUZZ
@given(st.binary(max_size=300))
def test_plan_file_bytes(data: bytes):
    from dutyctl.store.planfile import decode

    text = only_dutyctl_errors(decode, data, "plan.yaml")
    if text is not None:
        build_plan(text, "plan.yaml", years=range(2026, 2027))


# -- the log reader ------------------------------------------------------------------------

HEADER = b"id,recorded_at,date,person,duty,channel,metric,value,minutes,url,note,voids\n"
ROW = b"01M85ZX8AT0XF2V0WWZZAFK6ZB,2026-11-24T05:19:26.554Z,2026-11-24,anna,social,,photo,1,,,,\n"
LOG_PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([HEADER, ROW, b"\r\n", b"\n", b'"', b",", b"\xef\xbb\xbf", b"\x00", b"\xff"]),
)


def read_bytes_as_log(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "logs").mkdir()
        (Path(folder) / "logs" / "2026-11.csv").write_bytes(data)
        read = read_log(Path(folder))
    for problem in read.problems:
        assert problem.location is not None and problem.location.file == "logs/2026-11.csv"
    return read


@FUZZ
@given(st.binary(max_size=400))
def test_log_reader_on_random_bytes(data: bytes):
    only_dutyctl_errors(read_bytes_as_log, data)


@FUZZ
@given(st.lists(LOG_PIECES, max_size=12))
def test_log_reader_on_damaged_rows(pieces: list[bytes]):
    read = only_dutyctl_errors(read_bytes_as_log, HEADER + b"".join(pieces))
    if read is not None:
        ids = [logged.entry.id for logged in read.entries]
        assert len(ids) == len(set(ids)), "each id is counted once"


# -- syntax.py ------------------------------------------------------------------------------

ANY_VALUE = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=2),
)
NEAR_DATES = st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z|\A\d{1,5}-\d{1,3}-\d{1,3}\Z")
NEAR_SPANS = st.builds(lambda a, b: f"{a}..{b}", NEAR_DATES, NEAR_DATES)
NEAR_DURATIONS = st.from_regex(r"\A\d{0,12}(\.\d{0,3})?h?\d{0,9}m?/(day|week|month|year)\Z")
NEAR_BOUNDS = st.from_regex(r"\A-?\d{0,20}(\.\d*)?(e\d{1,4})?(\.\.-?\d{0,20})?\Z")
NEAR_CADENCES = st.builds(
    lambda parts: "RRULE:" + ";".join(parts),
    st.lists(
        st.sampled_from(
            [
                "FREQ=DAILY",
                "FREQ=WEEKLY",
                "FREQ=MONTHLY",
                "FREQ=YEARLY",
                "FREQ=HOURLY",
                "FREQ=",
                "INTERVAL=0",
                "INTERVAL=-1",
                "INTERVAL=99999999999999",
                "INTERVAL=x",
                "COUNT=0",
                "COUNT=99999999999",
                "UNTIL=20000101",
                "UNTIL=99991231",
                "UNTIL=x",
                "BYDAY=-1FR",
                "BYDAY=XX",
                "BYDAY=99MO",
                "BYMONTHDAY=31",
                "BYMONTHDAY=-40",
                "BYMONTH=2",
                "BYMONTH=13",
                "BYSETPOS=0",
                "BYYEARDAY=366",
                "BYWEEKNO=53",
                "WKST=ZZ",
                "DTSTART=1",
                "BYHOUR=25",
                "=",
                "",
            ]
        ),
        min_size=1,
        max_size=5,
    ),
)
NEAR_PERIODS = st.from_regex(r"\A\d{1,5}(-(W|Q)?\d{1,3})?\Z")
STARTS = st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))

VALUE_PARSERS = [
    syntax.parse_date,
    syntax.parse_span,
    syntax.parse_duration,
    syntax.parse_number,
    syntax.parse_bound,
    syntax.parse_weekday,
]
PERIOD_PARSERS = [
    syntax.parse_day,
    syntax.parse_month,
    syntax.parse_week,
    syntax.parse_quarter,
    syntax.parse_year,
]


@pytest.mark.parametrize("parser", VALUE_PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(value=st.one_of(ANY_VALUE, NEAR_DATES, NEAR_SPANS, NEAR_DURATIONS, NEAR_BOUNDS))
def test_value_parsers(parser, value):
    only_dutyctl_errors(parser, value)


@FUZZ
@given(value=st.one_of(ANY_VALUE, NEAR_CADENCES), start=STARTS)
def test_cadence_parser(value, start):
    cadence = only_dutyctl_errors(syntax.parse_cadence, value, start)
    if cadence is not None:
        assert cadence.interval >= 1


@pytest.mark.parametrize("parser", PERIOD_PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=20),
        NEAR_DATES,
        NEAR_PERIODS,
        st.sampled_from(["this", "last", "current", "previous", "today", "tomorrow", "yesterday"]),
    ),
    today=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
)
def test_period_parsers(parser, text, today):
    period = only_dutyctl_errors(parser, text, today)
    if period is not None and not isinstance(period, date):
        assert period.span.start <= period.span.end


@FUZZ
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_dates_outside_the_supported_years_are_refused_not_crashed_on(moment: datetime):
    day = only_dutyctl_errors(syntax.parse_date, moment.date().isoformat())
    assert (day is not None) == (syntax.MIN_YEAR <= moment.year <= syntax.MAX_YEAR)

"""doctor's checks of rows that read fine but that `dutyctl log` would not have written."""

from __future__ import annotations

from datetime import date

import pytest

from dutyctl.core.logchecks import check_entries
from dutyctl.errors import Location
from tests.test_entries import entry

START, TODAY = date(2026, 1, 5), date(2026, 11, 24)


def problems(*rows):
    logged = [(row, Location("logs/2026-11.csv", n)) for n, row in enumerate(rows, start=2)]
    return [(p.location.line, p.message) for p in check_entries(logged, start=START,
                                                                  today=TODAY)]


def void(id: str, target: str, **changes):
    return entry(id=id, voids=target, metric="", value=0.0, minutes=None, **changes)


def test_a_clean_log_has_nothing_to_say() -> None:
    assert problems(entry(id="A1"), void("V1", "A1"), entry(id="A2", date=START),
                    entry(id="A3", date=TODAY)) == []


@pytest.mark.parametrize(
    ("day", "words"),
    [(date(2026, 1, 4), "before the plan's start (2026-01-05)"),
     (date(2026, 11, 25), "in the future (today is 2026-11-24)")],
)
def test_dates_log_would_refuse(day: date, words: str) -> None:
    [(line, message)] = problems(entry(id="A1", date=day))
    assert line == 2 and words in message and "would refuse it" in message


def test_void_chains() -> None:
    found = problems(
        entry(id="A1"),
        void("V1", "V1"),  # itself
        void("V2", "A1"),
        void("V3", "V2"),  # a void of a void
        void("V4", "V5"),  # these two void each other: said once
        void("V5", "V4"),
    )
    assert found == [
        (3, "void row V1 voids itself"),
        (5, "void row V3 voids V2, which is itself a void row"),
        (6, "void rows V4 and V5 void each other"),
    ]


def test_a_void_row_with_a_value() -> None:
    [(line, message)] = problems(entry(id="A1"), void("V1", "A1") ._replace(metric="photo",
                                                                             value=3.0))
    assert line == 3 and "also holds a metric and value (photo=3)" in message


def test_years_of_history_are_named_a_few_rows_then_counted_per_file() -> None:
    from datetime import timedelta

    from dutyctl.core.logchecks import SHOWN

    old = [entry(id=f"H{n}", date=START - timedelta(days=1 + n)) for n in range(SHOWN + 5)]
    found = problems(*old, entry(id="F1", date=TODAY + timedelta(days=1)))
    assert len(found) == SHOWN + 2
    assert all("before the plan's start" in message for _, message in found[:SHOWN])
    assert "in the future" in found[SHOWN][1]
    assert found[-1] == (None, "and 5 more entries in this file dated before the plan's "
                               "start (2026-01-05)")

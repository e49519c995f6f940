"""Today in the plan's time zone: pinned by DUTYCTL_TODAY, else zoneinfo's date now.

(The month boundary in the plan's zone, end to end: tests/test_faults.py.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dutyctl.errors import UsageError
from dutyctl.store import clock
from dutyctl.store.clock import today


def stopped_at(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", Frozen)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("Europe/Berlin", date(2027, 1, 1)), ("America/New_York", date(2026, 12, 31)),
     ("Pacific/Kiritimati", date(2027, 1, 1)), ("UTC", date(2026, 12, 31))],
)
def test_the_date_is_the_zones(monkeypatch: pytest.MonkeyPatch, zone: str, expected: date):
    monkeypatch.delenv("DUTYCTL_TODAY", raising=False)
    stopped_at(monkeypatch, datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert today(zone) == expected


def test_a_pinned_date_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYCTL_TODAY", "2030-01-02")
    assert today("Europe/Berlin") == date(2030, 1, 2)
    monkeypatch.setenv("DUTYCTL_TODAY", "tomorrow-ish")
    with pytest.raises(UsageError, match="DUTYCTL_TODAY"):
        today("Europe/Berlin")

"""What day it is for the team: today in the plan's time zone.

``DUTYCTL_TODAY=YYYY-MM-DD`` pins the date, so that tests, demos and a re-run of a
missed morning see the day they mean.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from dutyctl.core.dates import parse_date
from dutyctl.errors import UsageError


def today(tz_name: str = "UTC") -> date:
    """The date in ``tz_name`` now, or the pinned one."""
    pinned = os.environ.get("DUTYCTL_TODAY")
    if pinned:
        try:
            return parse_date(pinned)
        except Exception:
            raise UsageError(
                f"DUTYCTL_TODAY='{pinned}' is not a date", hint="use YYYY-MM-DD or unset it"
            ) from None
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(tz_name)).date()


def utc_now() -> datetime:
    return datetime.now(UTC)

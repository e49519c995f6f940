"""What day it is for the team: today in the plan's time zone.

``DUTYCTL_TODAY=YYYY-MM-DD`` pins the date, so that tests, demos and a re-run of a
missed morning see the day they mean.

The cron path does not import zoneinfo (its search path reads Python's build
configuration, about 2 ms of `dutyctl today`): the plan cache keeps the zone's UTC
offsets over the cache entry's year, with the zone file they were read from, and
:func:`today` uses them while that file is unchanged.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime

from dutyctl.core.dates import parse_date
from dutyctl.errors import UsageError

# A zone's offsets over a span of time, as plain data (marshal stores it): (zone file,
# its mtime_ns, its size, first instant, end instant, ((instant, UTC offset in seconds)
# from which the offset holds, ...)). Instants are seconds since the epoch.
ZoneOffsets = tuple


def today(tz_name: str = "UTC", offsets: ZoneOffsets | None = None,
          now: float | None = None) -> date:
    """The date in ``tz_name`` at ``now`` (default: this moment), by ``offsets`` when
    they hold for it (see :func:`zone_offsets`), else by zoneinfo."""
    pinned = os.environ.get("DUTYCTL_TODAY")
    if pinned:
        try:
            return parse_date(pinned)
        except Exception:
            raise UsageError(
                f"DUTYCTL_TODAY='{pinned}' is not a date", hint="use YYYY-MM-DD or unset it"
            ) from None
    instant = time.time() if now is None else now
    if offsets is not None:
        day = _day_by(offsets, instant)
        if day is not None:
            return day
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(instant, ZoneInfo(tz_name)).date()


def _day_by(offsets: ZoneOffsets, instant: float) -> date | None:
    """The date at ``instant`` by ``offsets``; None outside their span, or when their
    zone file is gone or changed (a tzdata update may have moved a change of offset)."""
    try:
        path, mtime_ns, size, first, end, changes = offsets
        if not first <= instant < end:
            return None
        stat = os.stat(path)
        if (stat.st_mtime_ns, stat.st_size) != (mtime_ns, size):
            return None
        offset = next(offset for start, offset in reversed(changes) if start <= instant)
        return datetime.fromtimestamp(instant + offset, UTC).date()
    except Exception:  # offsets are read from a cache: any doubt is no answer
        return None


def zone_offsets(tz_name: str, first: int, end: int) -> ZoneOffsets | None:
    """``tz_name``'s UTC offsets from instant ``first`` up to ``end``, for :func:`today`;
    None when zoneinfo does not read the zone from a file on its search path (from the
    tzdata package, say): then there is no file to tell a tzdata update by."""
    import zoneinfo

    candidates = (os.path.join(folder, tz_name) for folder in zoneinfo.TZPATH)
    path = next((p for p in candidates if os.path.isfile(p)), None)
    if path is None:
        return None
    try:
        stat = os.stat(path)  # before the read: a file changed in between is not trusted
        with open(path, "rb") as handle:
            zone = zoneinfo.ZoneInfo.from_file(handle, key=tz_name)
    except (OSError, ValueError):  # unreadable, or not a zone file: no offsets
        return None

    def offset(instant: int) -> int:
        return int(datetime.fromtimestamp(instant, zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    changes = [(first, offset(first))]
    # Hour by hour (no zone changes its offset twice within an hour), then to the second.
    previous = first
    for instant in (*range(first + 3600, end, 3600), end - 1):
        if offset(instant) != changes[-1][1]:
            low, high = previous, instant  # the offset changes in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high, offset(high)))
        previous = instant
    return (path, stat.st_mtime_ns, stat.st_size, first, end, tuple(changes))


def utc_now() -> datetime:
    return datetime.now(UTC)

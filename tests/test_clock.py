"""Today in the plan's time zone, by the zone's offsets the plan cache keeps or by zoneinfo.

The offsets spare the cron path the zoneinfo import; these tests hold them to the
answer zoneinfo gives, at every change of offset, and check that offsets which no
longer hold (outside their span, a zone file changed since) are not used.
"""

from __future__ import annotations

import shutil
import zoneinfo
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.store.clock import today, zone_offsets

# Zones with the awkward cases: half-hour and 45-minute offsets, a change of offset at
# midnight (Santiago), a half-hour daylight saving time (Lord Howe), the date line.
ZONES = (
    "Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
    "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC",
)
FIRST = int(datetime(2025, 12, 30, tzinfo=UTC).timestamp())
END = int(datetime(2027, 1, 3, tzinfo=UTC).timestamp())


@pytest.fixture(autouse=True)
def unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUTYCTL_TODAY", raising=False)


def by_zoneinfo(tz_name: str, instant: float) -> date:
    return datetime.fromtimestamp(instant, zoneinfo.ZoneInfo(tz_name)).date()


def offsets_of(tz_name: str) -> tuple:
    offsets = zone_offsets(tz_name, FIRST, END)
    assert offsets is not None, f"no zone file for {tz_name} on {zoneinfo.TZPATH}"
    return offsets


@settings(max_examples=300)
@given(st.sampled_from(ZONES), st.integers(FIRST, END - 1))
def test_the_offsets_give_the_date_zoneinfo_gives(tz_name: str, instant: int) -> None:
    assert today(tz_name, offsets_of(tz_name), now=instant) == by_zoneinfo(tz_name, instant)


@pytest.mark.parametrize("tz_name", ZONES)
def test_every_change_of_offset_is_found_to_the_second(tz_name: str) -> None:
    offsets = offsets_of(tz_name)
    changes = offsets[5]
    if tz_name not in ("UTC", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago"):
        assert len(changes) == 3  # the span's start and two changes of daylight saving time
    zone = zoneinfo.ZoneInfo(tz_name)
    for start, offset in changes[1:]:
        assert datetime.fromtimestamp(start, zone).utcoffset().total_seconds() == offset
        assert datetime.fromtimestamp(start - 1, zone).utcoffset().total_seconds() != offset
        # The date at local midnight on either side of a change, and at the change itself.
        for instant in (start - 1, start, start + 1):
            assert today(tz_name, offsets, now=instant) == by_zoneinfo(tz_name, instant)
        for day_start in _midnights_near(tz_name, start):
            for instant in (day_start - 1, day_start):
                assert today(tz_name, offsets, now=instant) == by_zoneinfo(tz_name, instant)


def _midnights_near(tz_name: str, instant: int) -> list[int]:
    zone = zoneinfo.ZoneInfo(tz_name)
    local = datetime.fromtimestamp(instant, zone).date()
    return [
        int(datetime(local.year, local.month, day, tzinfo=zone).timestamp())
        for day in (local.day - 1, local.day, local.day + 1)
        if 1 <= day <= 28
    ]


def test_offsets_are_used_only_in_their_span() -> None:
    """Forged offsets (twelve hours off) show which way the date was found."""
    path, mtime_ns, size, first, end, _ = offsets_of("Europe/Berlin")
    forged = (path, mtime_ns, size, first, end, ((first, 12 * 3600),))
    noon_utc = int(datetime(2026, 6, 1, 12, tzinfo=UTC).timestamp())
    assert today("Europe/Berlin", forged, now=noon_utc) == date(2026, 6, 2)  # used
    later = int(datetime(2027, 6, 1, 12, tzinfo=UTC).timestamp())
    assert today("Europe/Berlin", forged, now=later) == date(2027, 6, 1)  # zoneinfo's
    assert today("Europe/Berlin", None, now=noon_utc) == date(2026, 6, 1)
    assert today("Europe/Berlin", ("damaged",), now=noon_utc) == date(2026, 6, 1)


def test_a_changed_zone_file_is_not_trusted(tmp_path: Path) -> None:
    """A tzdata update may move a change of offset: offsets taken from the file before
    it changed are not used after."""
    zones = tmp_path / "zoneinfo"
    (zones / "Europe").mkdir(parents=True)
    source = next(Path(folder) for folder in zoneinfo.TZPATH if Path(folder, "UTC").is_file())
    shutil.copy(source / "Europe" / "Berlin", zones / "Europe" / "Berlin")
    zoneinfo.reset_tzpath([str(zones)])
    try:
        offsets = zone_offsets("Europe/Berlin", FIRST, END)
        assert offsets is not None and offsets[0] == str(zones / "Europe" / "Berlin")
        forged = (*offsets[:5], ((FIRST, 12 * 3600),))
        noon_utc = int(datetime(2026, 6, 1, 12, tzinfo=UTC).timestamp())
        assert today("Europe/Berlin", forged, now=noon_utc) == date(2026, 6, 2)
        # The "update": Berlin's file now holds Tokyo's rules (and another size).
        shutil.copy(source / "Asia" / "Tokyo", zones / "Europe" / "Berlin")
        zoneinfo.ZoneInfo.clear_cache()
        assert today("Europe/Berlin", forged, now=noon_utc) == date(2026, 6, 1)
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_a_zone_that_is_no_file_gets_no_offsets(tmp_path: Path) -> None:
    zoneinfo.reset_tzpath([str(tmp_path)])
    try:
        assert zone_offsets("Europe/Berlin", FIRST, END) is None
        (tmp_path / "Europe").mkdir()
        (tmp_path / "Europe" / "Berlin").write_bytes(b"not a zone file")
        assert zone_offsets("Europe/Berlin", FIRST, END) is None
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_a_pinned_date_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYCTL_TODAY", "2030-01-02")
    assert today("Europe/Berlin", offsets_of("Europe/Berlin"), now=FIRST) == date(2030, 1, 2)

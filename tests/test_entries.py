"""Entries and their CSV rows: exact round trips, spreadsheet safety, ids, counting."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.core.entries import (
    HEADER,
    MAX_NUMBER,
    Entry,
    active_entries,
    decode_id,
    entry_to_row,
    escape_breaks,
    format_recorded_at,
    neutralise,
    new_entry_id,
    restore,
    row_to_entry,
    unescape_breaks,
)
from dutyctl.errors import InputError

TRICKY = [
    "=1+1",
    "@SUM(A1:A2)",
    "-2",
    "+1",
    "'x",
    "''",
    "\tindented",
    "\rcarriage",
    "a,b",
    'say "hi"',
    "line one\nline two",
    "ends with newline\n",
    "\r\n",
    "back\\slash\\n not a newline",
    "\\",
    "",
    " ",
    "ünïcødé 🎉 日本語",
    "a\x00b",
    "\u2028\u0085\x0b\x0c",
]
texts = st.one_of(
    st.text(),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY), max_size=4).map("".join),
)
numbers = st.floats(min_value=0, max_value=MAX_NUMBER, allow_nan=False, allow_infinity=False)
ids = st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26)
stamps = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(format_recorded_at)

entries = st.builds(
    Entry,
    id=ids,
    recorded_at=stamps,
    date=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    person=texts,
    duty=texts,
    channel=texts,
    metric=texts,
    value=numbers,
    minutes=st.none() | numbers,
    url=texts,
    note=texts,
    voids=st.just("") | ids,
)


def through_csv(row: list[str]) -> tuple[str, list[str]]:
    """Write one row as the log does and read it back with the csv module."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(row)
    text = buffer.getvalue()
    return text, next(csv.reader(io.StringIO(text, newline=""), strict=True))


def entry(**changes: object) -> Entry:
    base = Entry(
        id="01JDA0000000000000000000A1",
        recorded_at="2026-11-24T08:15:03.123Z",
        date=date(2026, 11, 24),
        person="anna",
        duty="blog",
        channel="linkedin",
        metric="post",
        value=1.0,
        minutes=30.0,
        url="https://example.com/post",
        note="",
    )
    return base._replace(**changes)


@settings(max_examples=300)
@given(entries)
def test_round_trip_through_csv_text_is_exact(original: Entry) -> None:
    text, row = through_csv(entry_to_row(original))
    assert row_to_entry(row) == original
    # One physical line per row, so a line-based union merge cannot split a row.
    assert text.count("\n") == 1 and "\r" not in text


@settings(max_examples=300)
@given(entries)
def test_no_cell_can_start_a_formula(original: Entry) -> None:
    _, row = through_csv(entry_to_row(original))
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@given(st.text())
def test_neutralise_and_restore_are_inverse(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert unescape_breaks(escape_breaks(text)) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2", "'-2"),
        ("+1", "'+1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'x", "''x"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_examples(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text


def test_row_has_header_columns_and_void_row_shape() -> None:
    void = entry(
        id="01JDA0000000000000000000B2",
        metric="",
        value=0.0,
        minutes=None,
        note="logged twice",
        voids="01JDA0000000000000000000A1",
    )
    row = entry_to_row(void)
    assert len(row) == len(HEADER)
    cells = dict(zip(HEADER, row, strict=True))
    assert cells["voids"] == "01JDA0000000000000000000A1"
    assert (cells["metric"], cells["value"], cells["minutes"]) == ("", "0", "")
    assert row_to_entry(row).is_void


@pytest.mark.parametrize(
    ("column", "text", "message"),
    [
        ("date", "2026-13-01", "date"),
        ("date", "yesterday", "date"),
        ("value", "abc", "value"),
        ("value", "-1", "value"),
        ("value", "nan", "value"),
        ("value", "1_000", "value"),
        ("minutes", "inf", "minutes"),
        ("value", "12345678901234567890", "too large"),
        ("minutes", "1e13", "too large"),
        ("value", "\u0663", "value"),  # Arabic-Indic three: float() reads it as 3.0
        ("value", "\uff11", "value"),  # fullwidth one
        ("minutes", "1\u0660", "minutes"),
        ("recorded_at", "2026-11-24T08:15:0\u0660Z", "recorded_at"),
        ("recorded_at", "2026-11-24 08:15", "recorded_at"),
        ("id", "", "id"),
        ("id", "=cmd|x", "id"),
    ],
)
def test_bad_cells_say_which_column(column: str, text: str, message: str) -> None:
    row = entry_to_row(entry())
    row[HEADER.index(column)] = text
    with pytest.raises(InputError) as caught:
        row_to_entry(row)
    assert message in caught.value.message


@pytest.mark.parametrize("count", [0, 11, 13])
def test_wrong_column_count(count: int) -> None:
    with pytest.raises(InputError, match=f"{count} columns, expected 12"):
        row_to_entry(["x"] * count)


@pytest.mark.parametrize(
    "change",
    [
        {"value": -1.0},
        {"value": float("nan")},
        {"minutes": float("inf")},
        {"value": 1e12 + 1},
        {"note": "\ud800"},
        {"id": "has space"},
        {"recorded_at": "2026-11-24T08:15:03+01:00"},
    ],
)
def test_unwritable_entries_are_refused_before_writing(change: dict) -> None:
    with pytest.raises(InputError):
        entry_to_row(entry(**change))


def test_recorded_at_format() -> None:
    moment = datetime(2026, 11, 24, 9, 15, 3, 123456, tzinfo=UTC)
    assert format_recorded_at(moment) == "2026-11-24T09:15:03.123Z"
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo("Europe/Berlin"))
    assert format_recorded_at(local) == "2026-11-24T09:15:03.123Z"


@given(
    st.lists(
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(8000, 1, 1)),
        min_size=2,
        max_size=20,
    ),
    st.randoms(use_true_random=False),
)
def test_ids_sort_by_time(moments: list[datetime], rng) -> None:
    made = [(m, new_entry_id(m.replace(tzinfo=UTC), rng.randbytes(10))) for m in moments]
    for (m1, id1), (m2, id2) in zip(made, made[1:], strict=False):
        if m1 - m2 >= timedelta(milliseconds=1):
            assert id1 > id2
        elif m2 - m1 >= timedelta(milliseconds=1):
            assert id1 < id2
    for _, entry_id in made:
        assert len(entry_id) == 26 and entry_id.isalnum() and entry_id.upper() == entry_id


def test_id_holds_its_millisecond() -> None:
    moment = datetime(2026, 11, 24, 8, 15, 3, 123999, tzinfo=UTC)
    ms, randomness = decode_id(new_entry_id(moment, bytes(range(10))))
    assert ms == 1795508103123
    assert randomness == int.from_bytes(bytes(range(10)), "big")


# -- counting ------------------------------------------------------------------------------


def test_active_entries_drops_void_rows_what_they_void_and_duplicates() -> None:
    a = entry(id="A1")
    b = entry(id="B2", value=2.0)
    void = entry(id="V3", metric="", value=0.0, note="wrong day", voids="A1")
    assert active_entries([a, b, b, void, a]) == [b]
    # A void merged in before the entry it voids still voids it.
    assert active_entries([void, a, b]) == [b]


@st.composite
def logs_with_voids(draw) -> tuple[list[Entry], set[str]]:
    count = draw(st.integers(min_value=0, max_value=15))
    normal = [entry(id=f"E{i}", value=float(i)) for i in range(count)]
    voided = draw(st.sets(st.sampled_from([e.id for e in normal]))) if normal else set()
    voids = [
        entry(id=f"V{i}", metric="", value=0.0, voids=target)
        for i, target in enumerate(sorted(voided))
    ]
    stray = [entry(id="VX", metric="", value=0.0, voids="NOWHERE")]
    rows = normal + voids + stray
    rows += draw(st.lists(st.sampled_from(rows), max_size=10))  # union-merge duplicates
    return draw(st.permutations(rows)), voided


@given(logs_with_voids())
def test_voided_never_counted_and_each_id_once(case: tuple[list[Entry], set[str]]) -> None:
    rows, voided = case
    active = active_entries(rows)
    active_ids = [e.id for e in active]
    assert len(active_ids) == len(set(active_ids))
    assert not voided & set(active_ids)
    assert not any(e.is_void for e in active)
    normal_ids = {e.id for e in rows if not e.is_void}
    assert set(active_ids) == normal_ids - voided

"""The KPI log on real files: appends, torn lines, bad rows, locks, faults, quarantine."""

from __future__ import annotations

import base64
import csv
import errno
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dutyctl.core.entries import Entry, format_recorded_at
from dutyctl.errors import DutyctlError, InputError
from dutyctl.store import logfile
from dutyctl.store.logfile import (
    EntryIdGenerator,
    LogLocked,
    LogUnsafe,
    LogWriteFailed,
    append_entries,
    iter_log,
    log_path,
    next_entry_id,
    quarantine,
    read_log,
)

HEADER_TEXT = "id,recorded_at,date,person,duty,channel,metric,value,minutes,url,note,voids\n"
NOV = date(2026, 11, 24)


def make(day: date = NOV, **changes: object) -> Entry:
    base = Entry(
        id=next_entry_id(),
        recorded_at=format_recorded_at(datetime.now(UTC)),
        date=day,
        person="anna",
        duty="blog",
        channel="linkedin",
        metric="post",
        value=1.0,
        minutes=30.0,
        url="https://example.com/p",
        note="",
    )
    return base._replace(**changes)


def good_line(**changes: object) -> str:
    entry = make(**changes)
    return logfile._encode_rows([logfile.entry_to_row(entry)]).decode()


def messages(problems) -> list[str]:
    return [f"{p.location}: {p.message}" for p in problems]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "team"
    repo.mkdir()
    return repo


# -- appending -----------------------------------------------------------------------------


def test_append_creates_file_with_header(root: Path) -> None:
    entry = make(note="first, with \"quotes\"")
    result = append_entries(root, [entry])
    path = root / "logs" / "2026-11.csv"
    assert result.files == [path] and result.ids == [entry.id] and result.repaired == []
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER_TEXT) and text.endswith("\n")
    assert text.count("\n") == 2
    assert oct(path.stat().st_mode & 0o777) == oct(0o644 & ~_umask())
    assert read_log(root).all_entries() == [entry]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_append_only_adds_bytes(root: Path) -> None:
    append_entries(root, [make(), make()])
    before = log_path(root, NOV).read_bytes()
    more = [make(note=f"n{i}") for i in range(3)]
    append_entries(root, more)
    after = log_path(root, NOV).read_bytes()
    assert after.startswith(before) and after.count(b"id,recorded_at") == 1
    assert read_log(root).all_entries()[-3:] == more


def test_append_across_months_writes_each_month_file(root: Path) -> None:
    nov, dec, jan = make(NOV), make(date(2026, 12, 1)), make(date(2027, 1, 31))
    result = append_entries(root, [dec, nov, jan])
    names = [p.name for p in result.files]
    assert names == ["2026-11.csv", "2026-12.csv", "2027-01.csv"]
    assert set(result.ids) == {nov.id, dec.id, jan.id}
    for path in result.files:
        assert path.read_text().startswith(HEADER_TEXT)
    read = read_log(root)
    assert read.problems == []
    assert [e.id for e in read.all_entries()] == [nov.id, dec.id, jan.id]
    assert [e.id for e in read_log(root, months={"2026-12"}).all_entries()] == [dec.id]


def test_invalid_entry_writes_nothing(root: Path) -> None:
    with pytest.raises(DutyctlError):
        append_entries(root, [make(), make(date(2026, 12, 1), value=-1.0)])
    assert not (root / "logs").exists() or list((root / "logs").iterdir()) == []


def test_id_generator_is_monotonic_within_a_millisecond_and_backwards_clock() -> None:
    moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    generate = EntryIdGenerator()
    made = [generate(moment) for _ in range(1000)]
    made += [generate(moment - timedelta(seconds=5)) for _ in range(10)]
    made += [generate(moment + timedelta(milliseconds=1))]
    assert made == sorted(made) and len(set(made)) == len(made)


# -- torn lines ----------------------------------------------------------------------------


def test_torn_last_line_is_reported_and_next_append_starts_fresh(root: Path) -> None:
    path = log_path(root, NOV)
    path.parent.mkdir()
    first, second = good_line(), good_line()
    torn = good_line(note="this row was cut short")[:40]
    path.write_text(HEADER_TEXT + first + second + torn, encoding="utf-8")

    before = read_log(root)
    assert len(before.entries) == 2
    assert len(before.problems) == 1
    problem = before.problems[0]
    assert str(problem.location) == "logs/2026-11.csv:4" and "torn last line" in problem.message

    entry = make(note="after the crash")
    result = append_entries(root, [entry])
    assert len(result.repaired) == 1
    assert str(result.repaired[0].location) == "logs/2026-11.csv:4"
    assert "cut short" in result.repaired[0].message

    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER_TEXT + first + second + torn + "\n")
    after = read_log(root)
    assert [e.note for e in after.all_entries()] == ["", "", "after the crash"]
    assert messages(after.problems) == [
        "logs/2026-11.csv:4: unreadable row: row has 2 columns, expected 12"
    ]


def test_last_row_without_newline_that_reads_fine_is_counted_with_a_warning(root: Path) -> None:
    path = log_path(root, NOV)
    path.parent.mkdir()
    path.write_text(HEADER_TEXT + good_line().rstrip("\n"))
    read = read_log(root)
    assert len(read.entries) == 1
    assert [p.severity for p in read.problems] == ["warning"]
    result = append_entries(root, [make()])
    assert len(result.repaired) == 1
    assert len(read_log(root).entries) == 2 and read_log(root).problems == []


def test_header_without_newline_is_not_torn(root: Path) -> None:
    path = write_log(root, HEADER_TEXT.rstrip("\n").encode())
    result = append_entries(root, [make()])
    assert result.repaired == []
    assert path.read_text().count("id,recorded_at") == 1
    assert len(read_log(root).entries) == 1 and read_log(root).problems == []


def test_torn_header_gets_a_whole_header_before_new_rows(root: Path) -> None:
    path = log_path(root, NOV)
    path.parent.mkdir()
    path.write_text(HEADER_TEXT[:10])
    entry = make()
    result = append_entries(root, [entry])
    assert "header" in result.repaired[0].message
    read = read_log(root)
    assert read.all_entries() == [entry]
    assert messages(read.problems) == ["logs/2026-11.csv:1: torn header line"]
    moved = quarantine(root)
    assert len(moved.moved) == 1
    assert path.read_text().startswith(HEADER_TEXT)
    assert read_log(root).problems == []


# -- reading bad files ---------------------------------------------------------------------


def write_log(root: Path, data: bytes, name: str = "2026-11.csv") -> Path:
    folder = root / "logs"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_bom_and_crlf_are_tolerated(root: Path) -> None:
    lines = [HEADER_TEXT, good_line(note="a"), good_line(note="b")]
    data = "\ufeff" + "".join(line.replace("\n", "\r\n") for line in lines)
    write_log(root, data.encode("utf-8"))
    read = read_log(root)
    assert read.problems == []
    assert [e.note for e in read.all_entries()] == ["a", "b"]


def test_wrong_header_is_reported_and_rows_not_guessed(root: Path) -> None:
    write_log(root, ("id,date,person\n" + good_line()).encode())
    read = read_log(root)
    assert read.entries == []
    assert messages(read.problems) == [
        "logs/2026-11.csv:1: wrong header: the rows of this file are not read"
    ]
    assert "id,recorded_at,date" in read.problems[0].hint


@pytest.mark.parametrize(
    "data",
    [
        good_line() + good_line(),  # the header line deleted
        "id,date,person\n" + good_line(),  # another header
        HEADER_TEXT.replace(",", ";") + good_line().replace(",", ";"),  # a spreadsheet's
        HEADER_TEXT[:10] + "\n" + good_line(),  # a torn header that rows followed
    ],
)
def test_append_to_a_file_whose_rows_are_not_read_writes_nothing(root: Path, data: str) -> None:
    """Rows appended there would be written and never counted, and the new row could
    end in quarantine with the file's own: refuse, name the line, keep every byte."""
    path = write_log(root, data.encode())
    with pytest.raises(InputError, match="wrong header: no row of this file is read, so "
                       "nothing was written") as raised:
        append_entries(root, [make()])
    assert raised.value.location is not None and raised.value.location.file == "logs/2026-11.csv"
    assert path.read_bytes() == data.encode()


@pytest.mark.parametrize(
    "header",
    [
        HEADER_TEXT,
        "\ufeff" + HEADER_TEXT.replace("\n", "\r\n"),  # BOM and CRLF, as checked out
        ",".join(f'"{cell}"' for cell in HEADER_TEXT.strip().split(",")) + "\n",  # quoted
        HEADER_TEXT[:10] + "\n" + HEADER_TEXT,  # a torn header, then a whole one
    ],
)
def test_append_to_a_file_the_reader_reads_goes_ahead(root: Path, header: str) -> None:
    write_log(root, (header + good_line(note="old")).encode())
    entry = make(note="new")
    append_entries(root, [entry])
    assert read_log(root).all_entries()[-1] == entry


def test_bad_rows_are_reported_with_line_and_skipped(root: Path) -> None:
    good = [good_line(note=f"good {i}") for i in range(4)]
    extra = good_line().rstrip("\n") + ",surplus\n"
    bad_date = good_line().replace("2026-11-24", "2026-11-31")
    bad_number = good_line().replace(",post,1,30,", ",post,lots,30,")
    open_quote = good_line().replace(",https", ',"https')
    not_utf8 = good_line().encode()[:-1] + b"\xff\n"
    data = (
        HEADER_TEXT + good[0] + extra + bad_date + good[1] + bad_number + open_quote + good[2]
    ).encode() + not_utf8 + good[3].encode()
    write_log(root, data)
    read = read_log(root)
    assert [e.note for e in read.all_entries()] == [f"good {i}" for i in range(4)]
    found = messages(read.problems)
    assert found[0] == "logs/2026-11.csv:3: unreadable row: row has 13 columns, expected 12"
    assert found[1].startswith("logs/2026-11.csv:4: unreadable row: date:")
    assert found[2].startswith("logs/2026-11.csv:6: unreadable row: value 'lots'")
    # An unbalanced quote spoils its own line only, not the rows after it.
    assert found[3].startswith("logs/2026-11.csv:7: unreadable row: not a CSV row")
    assert found[4].startswith("logs/2026-11.csv:9: unreadable row: not UTF-8")
    assert len(found) == 5


def test_duplicates_identical_count_once_different_are_reported(root: Path) -> None:
    row = good_line(note="same")
    changed = row.replace(",same,", ",changed,")
    write_log(root, (HEADER_TEXT + row + good_line() + row + changed).encode())
    read = read_log(root)
    assert len(read.entries) == 2
    assert [e.note for e in read.all_entries()] == ["same", ""]
    found = messages(read.problems)
    assert len(found) == 1
    assert found[0].startswith("logs/2026-11.csv:5: id ")
    assert "logs/2026-11.csv:2 with different content" in found[0]


def test_date_outside_its_month_file_is_named(root: Path) -> None:
    write_log(root, (HEADER_TEXT + good_line(day=date(2026, 12, 2))).encode())
    read = read_log(root)
    assert len(read.entries) == 1
    assert read.problems[0].severity == "warning"
    assert "2026-12-02 is in the file for 2026-11" in read.problems[0].message
    assert str(read.problems[0].location) == "logs/2026-11.csv:2"


def test_reading_is_a_snapshot_and_holds_no_lock_while_the_caller_works(root: Path) -> None:
    append_entries(root, [make(), make()])
    seen = []
    for item in iter_log(root):
        seen.append(item)
        append_entries(root, [make()], lock_timeout=0.5)  # would time out under a lock
    assert len(seen) == 2
    assert len(read_log(root).entries) == 4


def test_empty_and_missing_logs(root: Path) -> None:
    assert read_log(root).entries == []
    write_log(root, b"")
    assert read_log(root).problems == [] and read_log(root).entries == []
    entry = make()
    append_entries(root, [entry])
    assert log_path(root, NOV).read_text().startswith(HEADER_TEXT)
    assert read_log(root).all_entries() == [entry]


def test_no_cell_a_spreadsheet_opens_starts_a_formula(root: Path) -> None:
    nasty = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", "\r=x", "=HYPERLINK(\"http://x\")"]
    entries = [
        make(person=text, duty=text, channel=text, metric=text, url=text, note=text)
        for text in nasty
    ]
    append_entries(root, entries)
    with open(log_path(root, NOV), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + len(nasty)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert [e.note for e in read_log(root).all_entries()] == nasty


# -- locks, symlinks and faults ------------------------------------------------------------


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def test_lock_timeout_is_a_clear_error_and_writes_nothing(root: Path) -> None:
    append_entries(root, [make()])
    path = log_path(root, NOV)
    before = path.read_bytes()
    child = hold_lock(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(LogLocked) as caught:
            append_entries(root, [make()], lock_timeout=0.5)
        assert 0.4 < time.monotonic() - started < 5
    finally:
        child.kill()
        child.wait()
    assert "logs/2026-11.csv is locked by another process" in str(caught.value)
    assert caught.value.hint and "try again" in caught.value.hint
    assert path.read_bytes() == before
    append_entries(root, [make()], lock_timeout=0.5)  # works once the holder is gone
    assert len(read_log(root).entries) == 2


def test_append_follows_a_file_replaced_while_it_waited(root: Path) -> None:
    """A waiter must not write into a file that quarantine replaced under the lock."""
    first = make()
    append_entries(root, [first])
    path = log_path(root, NOV)
    child = hold_lock(path, 1.0)
    outcome: dict[str, object] = {}

    def append() -> None:
        outcome["result"] = append_entries(root, [make(note="waited")], lock_timeout=10)

    worker = threading.Thread(target=append)
    worker.start()
    time.sleep(0.3)  # the worker now waits on the old file's lock
    replacement = path.with_name("new.tmp")
    replacement.write_bytes(path.read_bytes())
    os.replace(replacement, path)
    child.wait()
    worker.join(10)
    assert "result" in outcome
    assert [e.note for e in read_log(root).all_entries()] == ["", "waited"]


def test_symlinks_leading_outside_the_repository_are_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "logs").symlink_to(outside)
    with pytest.raises(LogUnsafe, match="logs is a symlink leading outside"):
        append_entries(root, [make()])
    assert list(outside.iterdir()) == []

    (root / "logs").unlink()
    (root / "logs").mkdir()
    log_path(root, NOV).symlink_to(outside / "2026-11.csv")
    with pytest.raises(LogUnsafe, match="2026-11.csv is a symlink"):
        append_entries(root, [make()])
    assert list(outside.iterdir()) == []


def test_symlink_inside_the_repository_is_read_but_never_written(root: Path) -> None:
    """Issue 19: a write never follows a link, even one inside the repository (a month
    linked to plan.yaml would append rows to the plan, or quarantine rewrite it)."""
    (root / "data").mkdir()
    (root / "logs").symlink_to(root / "data")
    with pytest.raises(LogUnsafe, match="logs is a symlink; dutyctl writes the log folder"):
        append_entries(root, [make()])
    assert list((root / "data").iterdir()) == []

    (root / "logs").unlink()
    (root / "logs").mkdir()
    entry = make()
    (root / "archive").mkdir()
    append_entries(root, [entry])
    log_path(root, NOV).rename(root / "archive" / "nov.csv")
    log_path(root, NOV).symlink_to(root / "archive" / "nov.csv")
    assert read_log(root).all_entries() == [entry]  # read through the link
    with open(root / "archive" / "nov.csv", "a") as handle:
        handle.write("torn")
    before = (root / "archive" / "nov.csv").read_bytes()
    for write in (lambda: append_entries(root, [make()]), lambda: quarantine(root)):
        with pytest.raises(LogUnsafe, match="2026-11.csv is a symlink"):
            write()
        assert (root / "archive" / "nov.csv").read_bytes() == before
    assert not (root / "logs" / "quarantine.csv").exists()


def failing_write(monkeypatch, keep: int | None, error: int | None = errno.ENOSPC) -> None:
    """os.write that writes the first `keep` bytes for real, then fails or stops short."""
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        written = real_write(fd, data[:keep]) if keep else 0
        if error is not None:
            raise OSError(error, os.strerror(error))
        return written

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize(
    ("keep", "error", "hint"),
    [
        (25, errno.ENOSPC, "free some disk space"),
        (0, errno.ENOSPC, "free some disk space"),
        (40, errno.EIO, "check the disk"),
        (60, None, "free some disk space"),  # a short write without an error
        (1, errno.EROFS, "not writable"),
    ],
)
def test_failed_write_leaves_no_half_row(
    root: Path, monkeypatch, keep: int, error: int | None, hint: str
) -> None:
    append_entries(root, [make(), make()])
    path = log_path(root, NOV)
    before = path.read_bytes()
    with monkeypatch.context() as patch:
        failing_write(patch, keep, error)
        with pytest.raises(LogWriteFailed) as caught:
            append_entries(root, [make(note="lost " * 50), make()])
    assert path.read_bytes() == before
    assert "could not write logs/2026-11.csv" in caught.value.message
    assert "the file is as it was" in caught.value.message
    assert hint in (caught.value.hint or "")
    assert len(read_log(root).entries) == 2 and read_log(root).problems == []
    append_entries(root, [make()])
    assert len(read_log(root).entries) == 3


def test_failed_write_of_a_new_month_file_leaves_it_empty_and_usable(
    root: Path, monkeypatch
) -> None:
    with monkeypatch.context() as patch:
        failing_write(patch, 30)
        with pytest.raises(LogWriteFailed):
            append_entries(root, [make()])
    assert log_path(root, NOV).read_bytes() == b""
    entry = make()
    append_entries(root, [entry])
    assert log_path(root, NOV).read_text().startswith(HEADER_TEXT)
    assert read_log(root).all_entries() == [entry]


def test_failed_fsync_takes_the_rows_back(root: Path, monkeypatch) -> None:
    append_entries(root, [make()])
    before = log_path(root, NOV).read_bytes()
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        with pytest.raises(LogWriteFailed, match="Input/output error"):
            append_entries(root, [make()])
    assert log_path(root, NOV).read_bytes() == before


def test_failure_in_second_month_says_what_was_logged(root: Path, monkeypatch) -> None:
    nov, dec = make(), make(date(2026, 12, 1))
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if b"2026-12-01" in data:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", write)
        with pytest.raises(LogWriteFailed) as caught:
            append_entries(root, [nov, dec])
    assert caught.value.written_ids == (nov.id,)
    assert "logs/2026-11.csv were logged before this" in caught.value.message
    assert read_log(root).all_entries() == [nov]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_read_only_file_is_a_clear_error(root: Path) -> None:
    append_entries(root, [make()])
    path = log_path(root, NOV)
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(LogWriteFailed, match="could not write logs/2026-11.csv") as caught:
        append_entries(root, [make()])
    assert "not writable" in (caught.value.hint or "")
    assert path.read_bytes() == before


# -- quarantine ----------------------------------------------------------------------------


def test_quarantine_moves_only_unreadable_rows_and_keeps_every_other_byte(root: Path) -> None:
    good = [good_line(note=f"good {i}") for i in range(3)]
    dup = good[0]
    bad1 = good_line().replace(",post,1,", ",post,x,")
    bad2 = b"\xff\xfe broken bytes\n"
    torn = good_line()[:30].encode()
    parts = [
        ("\ufeff" + HEADER_TEXT).encode(),
        good[0].encode(),
        bad1.encode(),
        good[1].replace("\n", "\r\n").encode(),
        b"\n",
        bad2,
        dup.encode(),
        good[2].encode(),
        torn,
    ]
    path = write_log(root, b"".join(parts))
    path.chmod(0o640)
    october = HEADER_TEXT + good_line(day=date(2026, 10, 5))
    other = write_log(root, october.encode(), "2026-10.csv")
    other_before = other.read_bytes()

    result = quarantine(root)

    expected = b"".join(p for p in parts if p not in (bad1.encode(), bad2, torn))
    assert path.read_bytes() == expected
    assert path.stat().st_mode & 0o777 == 0o640
    assert other.read_bytes() == other_before
    assert result.rewritten == [path]
    assert [str(p.location) for p in result.moved] == [
        "logs/2026-11.csv:3",
        "logs/2026-11.csv:6",
        "logs/2026-11.csv:9",
    ]
    read = read_log(root)
    assert read.problems == []
    assert len(read.entries) == 4

    with open(root / "logs" / "quarantine.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["source", "quarantined_at", "reason", "raw", "raw_base64"]
    assert [row[0] for row in rows[1:]] == [
        "logs/2026-11.csv:3",
        "logs/2026-11.csv:6",
        "logs/2026-11.csv:9",
    ]
    kept = [base64.b64decode(row[4].removeprefix("'")) for row in rows[1:]]
    assert kept == [bad1.encode().rstrip(b"\n"), bad2.rstrip(b"\n"), torn]
    assert "torn last line" in rows[3][2]

    again = quarantine(root)
    assert again.moved == [] and again.rewritten == []
    assert path.read_bytes() == expected
    # quarantine.csv is not a month file: reading ignores it
    assert len(read_log(root).entries) == 4


def test_quarantine_leaves_a_file_with_a_wrong_header_alone(root: Path) -> None:
    data = ("id,when\n" + "garbage\n").encode()
    path = write_log(root, data)
    result = quarantine(root)
    assert path.read_bytes() == data
    assert result.moved == [] and len(result.skipped) == 1
    assert not (root / "logs" / "quarantine.csv").exists()

"""The log index gives the answers of the careful reader, whatever happens to the files.

Every answer a report, ``entries`` or ``doctor`` reads from the index
(:mod:`dutyctl.store.logindex`) is compared with the answer the pure core makes of
every entry read by the careful reader (:func:`dutyctl.logstore.read_log`), across
appends, voids in the same and in other files, an id in two files, rows dated in
another month, a git merge inserting rows mid-file, a hand edit of the same size, a
truncated file, a torn last line, a line far too long, a deleted, damaged or foreign
index file, and processes filling it at once.
"""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyctl.app import log as kpilog
from dutyctl.app import report as reporting
from dutyctl.core import reports
from dutyctl.core.entries import Entry, active_entries, new_entry_id
from dutyctl.core.model import Span
from dutyctl.store.logfile import (
    HEADER_LINE,
    MAX_LINE,
    _decode_cells,
    append_entries,
    encode_entries,
    read_log,
    unread_files,
)
from dutyctl.store.logindex import NAME, LogIndex

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plan.yaml"
TODAY = "2026-11-24"
PEOPLE = ["anna", "bruno", "emma", "farid", "carl", "dana", "dave", "greta"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DUTYCTL_TODAY", TODAY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "duties"
    (root / "logs").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "plan.yaml")
    return root


def entries(rng: random.Random, count: int, first: date, last: date) -> list[Entry]:
    """Rows as a team logs them, and as it should not: days before the plan's start,
    duties the rotation does not give, metrics the plan does not name, quarters."""
    out = []
    for _ in range(count):
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        out.append(Entry(
            new_entry_id(datetime.now(UTC), rng.randbytes(10)),
            "2026-11-24T08:00:00.000Z",
            day,
            rng.choice(PEOPLE),
            rng.choice(["", "", "social", "blog"]),
            rng.choice(["twitter", "blog", ""]),
            rng.choice(["photo", "repost", "news", "article", "followers", "unknown"]),
            rng.choice([0.0, 1.0, 2.0, 3.0, 0.25, 1.5]),
            float(rng.choice([5, 30])) if rng.random() < 0.3 else None,
            rng.choice(["", "https://example.com/x"]),
            rng.choice(["", "a note, with a comma", 'say "hi"']),
        ))
    return out


def void(entry: Entry, rng: random.Random) -> Entry:
    return Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                 "2026-11-24T09:00:00.000Z", entry.date, entry.person, "", "", "", 0.0,
                 None, "", "typo", voids=entry.id)


def careful(root: Path) -> dict:
    """Every answer, from every entry the careful reader reads."""
    found, plan, today = reporting._load(root, None, None)
    read = read_log(root)
    logged = read.all_entries()
    answers: dict = {}
    label, span = reporting.choose_period(plan, today, all_time=True)
    rotation = reporting._rotation_for(found, plan, span, today)[0]
    answers["leaderboard"] = reports.leaderboard(plan, rotation, logged, span, today,
                                                 label=label)
    month = reporting.choose_period(plan, today, month="2026-11")[1]
    rotation = reporting._rotation_for(
        found, plan, Span(reports.previous_month(month).start, month.end), today)[0]
    answers["month"] = reports.month_report(plan, rotation, logged, "2026-11", month, today)
    answers["month sales"] = reports.month_report(plan, rotation, logged, "2026-11", month,
                                                  today, department="sales")
    rotation = reporting._rotation_for(found, plan, span, today)[0]
    answers["person"] = reports.person_report(plan, rotation, logged, "anna", span, today)
    week = reporting.choose_period(plan, today, week="2026-W47")[1]
    rotation = reporting._rotation_for(found, plan, week, today)[0]
    answers["week"] = reports.week_report(plan, rotation, logged, "2026-W47", week, today)
    answers["entries"] = sorted(active_entries(logged),
                                key=lambda e: (e.date, e.recorded_at, e.id))
    answers["problems"] = read.problems
    from dutyctl.core.logchecks import check_entries

    # A voided row counts for nothing, and doctor leaves it out.
    voided = {e.entry.voids for e in read.entries if e.entry.is_void}
    settled = [e for e in read.entries if e.entry.is_void or e.entry.id not in voided]
    doctor = _check_read(read, settled, set(plan.people), set(plan.metrics), set(plan.duties))
    doctor += check_entries(((e.entry, e.location) for e in settled), start=plan.start,
                            today=today)
    doctor += unread_files(root)
    answers["doctor"] = sorted(doctor, key=lambda p: (p.location.file or "",
                                                      p.location.line or 0))
    answers["count"] = len(read.entries)
    return answers


def _check_read(read, rows, people, metrics, duties):
    """What ``doctor`` finds, as the careful reader sees the log (``rows``: its rows but
    those voided)."""
    from dutyctl.errors import Problem, unknown

    problems = list(read.problems)
    ids = {logged.entry.id for logged in read.entries}
    for logged in rows:
        entry, where = logged.entry, logged.location
        checks = [("person", entry.person, people)]
        if not entry.is_void:
            checks.append(("metric", entry.metric, metrics))
            if entry.duty:
                checks.append(("duty", entry.duty, duties))
        for kind, word, known in checks:
            if word not in known:
                message, hint = unknown(kind, word, known)
                problems.append(Problem(where, message, hint))
        if entry.is_void and entry.voids not in ids:
            problems.append(Problem(
                where, f"void row {entry.id} cancels {entry.voids}, which is not in the log",
                hint="check the id; the entry may be in a file not yet merged",
                severity="warning"))
    return problems


def indexed(root: Path) -> dict:
    """The same answers, read from the index."""
    answers: dict = {}
    answers["leaderboard"] = reporting.leaderboard(root, None, all_time=True).report
    answers["month"] = reporting.month(root, None, "2026-11", None).report
    answers["month sales"] = reporting.month(root, None, "2026-11", "sales").report
    answers["person"] = reporting.person(root, None, "anna", all_time=True).report
    answers["week"] = reporting.week(root, None, "2026-W47", None).report
    answers["entries"] = list(kpilog.list_entries(root, all_months=True).entries)
    with LogIndex(root) as index:
        answers["problems"] = index.problems()
    doctor = kpilog.doctor(root)
    answers["doctor"] = doctor.problems
    answers["count"] = doctor.entries
    return answers


def check(root: Path) -> None:
    expected = careful(root)
    for _ in range(2):  # the first may fill the index, the second reads it
        got = indexed(root)
        for key, answer in expected.items():
            assert got[key] == answer, key


def test_every_answer_equals_the_careful_reader_across_changes(repo: Path):
    rng = random.Random(7)
    logged = entries(rng, 300, date(2025, 11, 1), date(2026, 11, 24))
    append_entries(repo, logged)
    check(repo)

    append_entries(repo, entries(rng, 40, date(2026, 11, 1), date(2026, 11, 24)))  # appends
    check(repo)

    november = [e for e in logged if e.date.month == 11 and e.date.year == 2026]
    append_entries(repo, [void(november[0], rng)])  # a void in the same file
    with open(repo / "logs" / "2026-10.csv", "ab") as handle:  # and one in another file
        handle.write(encode_entries([void(november[1], rng)]))
    check(repo)

    # Voiding settles a row doctor names: a metric the plan lacks, a day before its start.
    rest = [e for e in logged if e not in november[:2]]
    named = ([e for e in rest if e.metric == "unknown"][:1]
             + [e for e in rest if e.date < date(2026, 1, 5) and e.metric != "unknown"][:1])
    assert len(named) == 2
    append_entries(repo, [void(e, rng) for e in named])
    check(repo)

    # An id in two files: an identical copy (a merge) and one with other content.
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(encode_entries([logged[0], logged[1]._replace(value=9.0)]))
    check(repo)

    # A merge inserts rows in the middle of a file.
    path = repo / "logs" / "2026-10.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    extra = entries(rng, 5, date(2026, 10, 1), date(2026, 10, 31))
    middle = len(lines) // 2
    path.write_bytes(b"".join(lines[:middle]) + encode_entries(extra) + b"".join(lines[middle:]))
    check(repo)

    # Edited by hand, same size: one digit changed in the middle; then a row appended.
    data = bytearray(path.read_bytes())
    at = data.index(b",1,", len(data) // 3)
    data[at + 1] = ord("3")
    path.write_bytes(bytes(data))
    append_entries(repo, entries(rng, 1, date(2026, 10, 1), date(2026, 10, 31)))
    check(repo)

    # A torn last line, then an append after it; an unreadable row; a misfiled row.
    shrunk = repo / "logs" / "2026-11.csv"
    shrunk.write_bytes(shrunk.read_bytes()[:-9])
    check(repo)
    append_entries(repo, entries(rng, 3, date(2026, 11, 1), date(2026, 11, 24)))
    with open(shrunk, "ab") as handle:
        handle.write(b"not,a,row\n" + encode_entries(entries(rng, 2, date(2026, 9, 1),
                                                             date(2026, 9, 30))))
    check(repo)

    shrunk.write_bytes(b"".join(shrunk.read_bytes().splitlines(keepends=True)[:-30]))
    (repo / "logs" / "2026-03.csv").unlink()  # a truncated file, a deleted one
    check(repo)

    shutil.rmtree(repo / ".dutyctl-cache")  # a deleted index
    check(repo)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "newer"])
def test_a_damaged_or_foreign_index_is_built_again(repo: Path, damage: str):
    rng = random.Random(3)
    append_entries(repo, entries(rng, 200, date(2026, 6, 1), date(2026, 11, 24)))
    check(repo)
    path = repo / ".dutyctl-cache" / NAME
    with LogIndex(repo) as index:
        index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    else:
        path.unlink()
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE rows (x)")
        if damage == "newer":
            db.execute("PRAGMA user_version = 99")
        db.commit()
        db.close()
    check(repo)


_FILL = """
import sys
from dutyctl.app import report as reporting
board = reporting.leaderboard(sys.argv[1], None, all_time=True).report
print(repr(board))
"""


def test_processes_filling_the_index_at_once_agree(repo: Path):
    rng = random.Random(9)
    append_entries(repo, entries(rng, 400, date(2026, 1, 5), date(2026, 11, 24)))
    expected = careful(repo)
    for _round in range(2):  # an empty index, then one append for all of them to read
        runs = [subprocess.Popen([sys.executable, "-c", _FILL, str(repo)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(4)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert all(run.returncode == 0 for run in runs)
        assert len(set(outputs)) == 1
        assert indexed(repo)["leaderboard"] == careful(repo)["leaderboard"]
        append_entries(repo, entries(rng, 1, date(2026, 11, 1), date(2026, 11, 24)))
    assert expected["count"] + 2 == careful(repo)["count"]


def test_a_line_too_long_is_reported_where_it_is_and_the_rest_is_read(repo: Path):
    rng = random.Random(5)
    logged = entries(rng, 20, date(2026, 11, 1), date(2026, 11, 24))
    append_entries(repo, logged[:10])
    path = repo / "logs" / "2026-11.csv"
    with open(path, "ab") as handle:
        for _ in range(40):  # 40 MiB on one line, written a block at a time
            handle.write(b"x" * (1 << 20))
        handle.write(b"\n")
    append_entries(repo, logged[10:])
    lines = path.read_bytes().count(b"\n")
    read = read_log(repo)
    [problem] = [p for p in read.problems if "longer than" in p.message]
    assert problem.location.line == lines - 10
    assert f"is longer than {MAX_LINE} bytes" in problem.message
    assert len(read.entries) == len({e.id for e in logged})
    check(repo)


def test_a_first_line_too_long_stops_the_file_like_a_wrong_header(repo: Path):
    (repo / "logs" / "2026-11.csv").write_bytes(b"y" * (MAX_LINE + 1))
    read = read_log(repo)
    assert [p.location.line for p in read.problems] == [1]
    check(repo)


_CELL = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=8)


@given(st.lists(_CELL, min_size=1, max_size=13), st.booleans())
def test_a_line_reads_as_csv_reader_reads_it(cells: list[str], quoted: bool) -> None:
    import io

    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL,
               lineterminator="").writerow(cells)
    for text in (out.getvalue(), ",".join(cells)):
        if "\n" in text:
            continue
        try:
            expected: object = next(csv.reader([text], strict=True), [])
        except csv.Error:
            expected = "error"
        try:
            got: object = _decode_cells(text.encode())
        except Exception:
            got = "error"
        assert got == expected or (text == "" and got == [""])


_STEP = st.sampled_from(["append", "void", "void elsewhere", "copy", "conflict", "insert",
                         "edit", "truncate", "tear", "delete index"])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_STEP, min_size=1, max_size=6), st.integers(0, 1000))
def test_property_the_index_follows_any_change_of_the_files(repo: Path, steps, seed) -> None:
    rng = random.Random(seed)
    shutil.rmtree(repo / "logs")
    (repo / "logs").mkdir()
    shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)
    logged = entries(rng, 30, date(2026, 9, 1), date(2026, 11, 24))
    append_entries(repo, logged)
    for step in steps:
        files = sorted((repo / "logs").glob("*.csv"))
        path = rng.choice(files)
        data = path.read_bytes()
        lines = data.splitlines(keepends=True)
        if step == "append":
            append_entries(repo, entries(rng, rng.randint(1, 4), date(2026, 9, 1),
                                         date(2026, 11, 24)))
        elif step in ("void", "void elsewhere"):
            target = rng.choice(logged)
            row = encode_entries([void(target, rng)])
            with open(path if step == "void elsewhere" else repo / "logs" /
                      f"{target.month}.csv", "ab") as handle:
                handle.write(row)
        elif step in ("copy", "conflict"):
            target = rng.choice(logged)
            if step == "conflict":
                target = target._replace(value=target.value + 1)
            with open(path, "ab") as handle:
                handle.write(encode_entries([target]))
        elif step == "insert":  # after the header; into an emptied file, as its first line
            at = rng.randint(min(1, len(lines)), len(lines))
            extra = encode_entries(entries(rng, 2, date(2026, 9, 1), date(2026, 11, 24)))
            path.write_bytes(b"".join(lines[:at]) + extra + b"".join(lines[at:]))
        elif step == "edit" and len(lines) > 1:
            at = rng.randint(1, len(lines) - 1)
            lines[at] = lines[at].replace(b"T08", b"T07")
            path.write_bytes(b"".join(lines))
        elif step == "truncate":
            path.write_bytes(b"".join(lines[: rng.randint(0, len(lines))]))
        elif step == "tear":
            path.write_bytes(data[: max(0, len(data) - rng.randint(1, 30))])
        elif step == "delete index":
            shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)
        read = read_log(repo)
        with LogIndex(repo) as index:
            assert index.problems() == read.problems
            assert list(index.entries()) == active_entries(read.all_entries())
            assert index.count() == len(read.entries)


def test_without_a_writable_cache_folder_the_index_is_built_in_memory(repo: Path):
    rng = random.Random(4)
    append_entries(repo, entries(rng, 50, date(2026, 10, 1), date(2026, 11, 24)))
    (repo / ".dutyctl-cache").write_text("a file where the folder should be")
    check(repo)
    assert (repo / ".dutyctl-cache").is_file()


def test_rows_after_a_line_too_long_keep_their_numbers_across_appends(repo: Path):
    rng = random.Random(6)
    logged = entries(rng, 6, date(2026, 11, 1), date(2026, 11, 24))
    append_entries(repo, logged[:2])
    path = repo / "logs" / "2026-11.csv"
    with open(path, "ab") as handle:
        handle.write(b"z" * (MAX_LINE + 10) + b"\n")
    check(repo)  # the long line is the last: the index stops after it
    for entry in logged[2:]:
        append_entries(repo, [entry])
        check(repo)


def test_sums_agree_whichever_index_answers(repo: Path):
    """Short spans are summed from the date index, long ones (most of the rows) from the
    people index, a people filter always from the people index: every way gives what
    summing the careful reader's entries gives, and each way is taken."""
    from dutyctl.core.entries import sums_of

    rng = random.Random(11)
    append_entries(repo, entries(rng, 400, date(2025, 11, 1), date(2026, 11, 24)))
    logged = active_entries(read_log(repo).all_entries())
    spans = [(date(2026, 11, 1), date(2026, 11, 30)), (date(2025, 1, 1), date(2026, 12, 31)),
             (date(2026, 3, 5), date(2026, 3, 5)), (date(2025, 11, 20), date(2026, 10, 2))]
    chosen = set()
    with LogIndex(repo) as index:
        for first, last in spans:
            for by in (["person"], ["person", "metric"], ["date", "metric"],
                       ["person", "duty", "metric"]):
                chosen.add(index._index_for(first, last, by))
                for people in (None, {"anna"}, {"bruno", "emma", "nobody"}):
                    inside = [e for e in logged if first <= e.date <= last
                              and (people is None or e.person in people)]

                    def key(s):
                        return (s.date, s.person, s.duty, s.metric, s.channel)

                    got = sorted(index.sums(first, last, by, people), key=key)
                    want = sorted(sums_of(inside, by), key=key)
                    assert [s[:5] + (s.entries,) for s in got] == \
                        [s[:5] + (s.entries,) for s in want], (first, last, by, people)
                    for g, w in zip(got, want, strict=True):
                        assert g.value == pytest.approx(w.value)
                        assert g.minutes == pytest.approx(w.minutes)
    assert chosen == {"rows_sums", "rows_people"}


def test_goal_values_equal_the_sum_of_the_careful_readers_entries(repo: Path):
    """Goals are summed person by person from the people index (a skip-scan): every
    person is found, a stranger and a name sorting before or after all others too, and
    each (metric, channel or any) sums what adding up the careful reader's entries does."""
    everything = (date(2024, 1, 1), date(2027, 1, 1))
    with LogIndex(repo) as index:  # no rows: the skip-scan starts from no name at all
        assert index.values(*everything, [("photo", None), ("x", "y")]) == [0.0, 0.0]
    rng = random.Random(13)
    logged = entries(rng, 400, date(2025, 11, 1), date(2026, 11, 24))
    logged += [logged[0]._replace(id=new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                                  person=name, metric="photo", channel="instagram", value=5.0)
               for name in ("Ångström", "0", "zzz", "a b")]
    append_entries(repo, logged)
    active = active_entries(read_log(repo).all_entries())
    wanted = [("photo", None), ("photo", "instagram"), ("repost", "twitter"),
              ("news", None), ("photo", "instagram"), ("never-logged", None),
              ("unknown", None)]
    spans = [(date(2026, 1, 5), date(2026, 11, 30)), (date(2026, 11, 1), date(2026, 11, 30)),
             everything, (date(2026, 3, 5), date(2026, 3, 5))]
    with LogIndex(repo) as index:
        for first, last in spans:
            got = index.values(first, last, wanted)
            want = [sum(e.value for e in active if first <= e.date <= last
                        and e.metric == metric and channel in (None, e.channel))
                    for metric, channel in wanted]
            assert got == pytest.approx(want), (first, last)
            assert index.values(first, last, wanted[:1]) == pytest.approx(want[:1])
            if (first, last) == everything:  # it sums something: every metric, strangers
                assert all(want[:5]) and want[0] >= 20 and not want[5]
        assert index.values(date(2026, 1, 5), date(2026, 11, 30), []) == []


def test_a_refresh_reading_more_than_the_index_holds_sorts_the_rows_in_after(repo: Path):
    """The first build, and a refresh that reads more than the index already holds, drop
    the row indexes, write the rows and build the indexes again in the same transaction:
    the answers are the careful reader's, across files, and every index is back."""
    rng = random.Random(8)
    november = entries(rng, 10, date(2026, 11, 1), date(2026, 11, 24))
    append_entries(repo, november)
    check(repo)  # the first build
    path = repo / "logs" / "2026-10.csv"
    older = entries(rng, 200, date(2026, 10, 1), date(2026, 10, 31))
    path.write_bytes(b"".join(
        [HEADER_LINE, encode_entries(older), encode_entries([void(november[0], rng)]),
         encode_entries([november[1]])]))  # a void of a row held, and an id held
    check(repo)  # reads 20 times what it holds
    append_entries(repo, entries(rng, 1, date(2026, 11, 1), date(2026, 11, 24)))
    check(repo)  # reads less than it holds: the indexes are kept up to date row by row
    with sqlite3.connect(repo / ".dutyctl-cache" / NAME) as db:
        names = {name for (name,) in db.execute("SELECT name FROM sqlite_master"
                                                " WHERE type = 'index'")}
    assert {"rows_id", "rows_voids", "rows_sums", "rows_later", "rows_people"} <= names


def test_best_entries_that_tie_at_the_cut_are_ranked_by_id(repo: Path):
    """The index ranks the best entries from its covering index and reads only those at
    least as good as the count-th: when dozens tie with it (the same day, metric and
    value), the ones shown are the reference's, chosen by id."""
    rng = random.Random(9)
    day = date(2026, 11, 10)
    tied = [e._replace(date=day, metric="photo", value=1.0, voids="")
            for e in entries(rng, 40, day, day)]
    better = [e._replace(date=day, metric="photo", value=3.0)
              for e in entries(rng, 2, day, day)]
    rng.shuffle(tied)
    append_entries(repo, [*tied[:20], *better, *tied[20:]])
    check(repo)
    month = reporting.month(repo, None, "2026-11", None).report
    shown = [best.entry.id for best in month.best]
    assert shown[:2] == sorted(e.id for e in better)
    assert shown[2:] == sorted(e.id for e in tied)[: len(shown) - 2]
    assert len(shown) > 2


def test_best_entries_with_no_outcome_metric_or_no_metric_at_all(repo: Path):
    """The ranking is a CASE over the plan's metrics: a plan with no outcome metric, or
    none with points, still ranks (SQL has no CASE without a WHEN)."""
    rng = random.Random(11)
    day = date(2026, 11, 10)
    logged = [e._replace(date=day, metric=metric, value=value, voids="") for e, (metric, value)
              in zip(entries(rng, 4, day, day), [("photo", 1.0), ("photo", 3.0),
                                                 ("reach", 50.0), ("fotos", 9.0)], strict=True)]
    append_entries(repo, logged)
    with LogIndex(repo) as index:
        def best(points: dict) -> list[tuple[str, float]]:
            return [(e.metric, e.value) for e in index.best(day, day, points, None, 10)]

        assert best({"photo": (2.0, False)}) == [("photo", 3.0), ("photo", 1.0)]
        assert best({"photo": (2.0, False), "reach": (0.0, True)}) == [
            ("reach", 50.0), ("photo", 3.0), ("photo", 1.0)]
        assert best({"reach": (0.0, True)}) == [("reach", 50.0)]
        assert best({}) == []


_GROUPINGS = [("person", "metric"), ("channel", "metric"), ("date", "metric"), ("person",),
              ("date", "person", "duty", "metric", "channel"), ()]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 60),
       st.lists(st.sampled_from(_GROUPINGS), min_size=1, max_size=4))
def test_sums_per_every_key_summed_again_are_the_sums_per_fewer(seed: int, count: int,
                                                                groupings: list) -> None:
    """A month report adds its three groupings up in one pass over the sums per every
    key, which it streams from the index."""
    from dutyctl.core.entries import SUM_KEYS, resum, sums_of

    logged = entries(random.Random(seed), count, date(2026, 11, 1), date(2026, 11, 30))
    summed = resum(iter(sums_of(logged, SUM_KEYS)), *groupings)
    assert [sorted(s) for s in summed] == [sorted(sums_of(logged, by)) for by in groupings]

"""The caches give the answers of the uncached code, whatever happens to the files.

Leaderboard from per-file aggregates (dutyctl.store.logcache) against the entry-by-entry
report, across appends, voids, a merge that inserts rows in the middle of a file, a
file rewritten by hand, a deleted or damaged cache; today's view and the rotation from
the plan cache against a fresh computation.
"""

from __future__ import annotations

import random
import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dutyctl.app import report as report_app
from dutyctl.core import reports
from dutyctl.core.entries import Entry, new_entry_id
from dutyctl.store.logfile import append_entries, encode_entries

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plan.yaml"
TODAY = "2026-11-24"
PEOPLE = ["anna", "bruno", "emma", "farid", "carl", "dana", "dave", "greta"]


def example_duties(tmp_path: Path, monkeypatch) -> Path:
    """The example plan and an empty log in a temp folder, today pinned, a cache key of
    its own."""
    monkeypatch.setenv("DUTYCTL_TODAY", TODAY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "duties"
    (root / "logs").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "plan.yaml")
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    return example_duties(tmp_path, monkeypatch)


def entries(rng: random.Random, count: int, first: date, last: date) -> list[Entry]:
    out = []
    for _ in range(count):
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        out.append(
            Entry(
                new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                "2026-11-24T08:00:00.000Z",
                day,
                rng.choice(PEOPLE),
                rng.choice(["", "", "social", "blog"]),
                rng.choice(["twitter", "blog", ""]),
                rng.choice(["photo", "repost", "news", "article", "followers", "unknown"]),
                float(rng.randint(0, 3)),
                float(rng.choice([5, 30])) if rng.random() < 0.3 else None,
                "",
                "",
            )
        )
    return out


def void(entry: Entry, rng: random.Random) -> Entry:
    return Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                 "2026-11-24T09:00:00.000Z", entry.date, entry.person, "", "", "", 0.0,
                 None, "", "typo", voids=entry.id)


def uncached(root: Path):
    found, plan, today = report_app._load(root, None, None)
    label, span = report_app.choose_period(plan, today, all_time=True)
    rotation, logged, problems = report_app._gather(found, plan, span, today)
    return reports.leaderboard(plan, rotation, logged, span, today, label=label), problems


def check(root: Path, *, cached: bool = True) -> None:
    board, problems = uncached(root)
    for _ in range(2):  # the first run may fill the cache, the second reads it
        result = report_app.leaderboard(root, None, all_time=True)
        assert result.report == board
        assert result.problems == problems
    used = list((root / ".dutyctl-cache").glob("log-*.pickle"))
    assert bool(used) == cached


@pytest.fixture(params=["in memory", "on disk"])
def id_hashes(request, monkeypatch) -> str:
    """Where the leaderboard keeps the files' id hashes: a report over a million entries
    moves them to a temporary file; here any size does."""
    from dutyctl.store import logcache

    if request.param == "on disk":
        monkeypatch.setattr(logcache.IdHashes, "SPILL_AFTER", 0)
    return request.param


def test_leaderboard_cached_equals_uncached_across_changes(repo: Path, id_hashes: str):
    rng = random.Random(7)
    logged = entries(rng, 300, date(2026, 1, 5), date(2026, 11, 24))
    append_entries(repo, logged)
    check(repo)

    append_entries(repo, entries(rng, 40, date(2026, 11, 1), date(2026, 11, 24)))  # appends
    check(repo)

    november = [e for e in logged if e.date.month == 11]
    append_entries(repo, [void(november[0], rng)])  # a void in the same file
    check(repo)

    # A merge inserts rows in the middle of a file: head and size hint nothing useful.
    path = repo / "logs" / "2026-10.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    extra = entries(rng, 5, date(2026, 10, 1), date(2026, 10, 31))
    middle = len(lines) // 2
    path.write_bytes(b"".join(lines[:middle]) + encode_entries(extra) + b"".join(lines[middle:]))
    check(repo)

    # Rewritten by hand, same size: one digit changed in the last row.
    data = bytearray(path.read_bytes())
    at = data.rindex(b",1,") if b",1," in data else data.rindex(b",2,")
    data[at + 1] = ord("3")
    path.write_bytes(bytes(data))
    check(repo)

    shutil.rmtree(repo / ".dutyctl-cache")  # a deleted cache folder
    check(repo)

    for entry in (repo / ".dutyctl-cache").glob("log-*.pickle"):  # a damaged cache
        entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    check(repo)

    shrunk = repo / "logs" / "2026-11.csv"  # a file that shrank
    shrunk.write_bytes(b"".join(shrunk.read_bytes().splitlines(keepends=True)[:-3]))
    check(repo)


def test_what_the_cache_cannot_answer_is_read_entry_by_entry(repo: Path, id_hashes: str):
    rng = random.Random(8)
    logged = entries(rng, 100, date(2026, 9, 1), date(2026, 10, 31))
    append_entries(repo, logged)
    # A void row in another month's file than its entry: counted across files.
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(encode_entries([void(logged[0], rng)]))
    board, _ = uncached(repo)
    assert report_app.leaderboard(repo, None, all_time=True).report == board
    # A value that is not a whole number: sums would depend on their order.
    append_entries(repo, [Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                                "2026-11-24T08:00:00.000Z", date(2026, 11, 2), "anna", "",
                                "", "photo", 0.1, None, "", "")])
    board, _ = uncached(repo)
    assert report_app.leaderboard(repo, None, all_time=True).report == board
    # An id in two files (hand copied, content changed).
    row = encode_entries([logged[1]]).replace(logged[1].date.isoformat().encode(), b"2026-11-03")
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(row)
    board, problems = uncached(repo)
    result = report_app.leaderboard(repo, None, all_time=True)
    assert (result.report, result.problems) == (board, problems)


def leaderboards_at_once(repo: Path, count: int = 4) -> None:
    """``count`` leaderboards at once, filling (or extending) the cache together: each
    gives the uncached answer, no temporary file is left, and the cache then agrees."""
    board, _ = uncached(repo)
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(report_app.leaderboard(repo, None, all_time=True))
        )
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.report for r in results] == [board] * count
    assert not list((repo / ".dutyctl-cache").glob("*.tmp"))
    check(repo)


def test_two_processes_filling_the_cache_at_once(repo: Path):
    rng = random.Random(9)
    append_entries(repo, entries(rng, 200, date(2026, 6, 1), date(2026, 11, 24)))
    leaderboards_at_once(repo)


def test_cache_folder_is_git_ignored():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert ".dutyctl-cache/" in ignored


def test_today_and_rotation_from_the_cache_equal_a_fresh_computation(repo: Path):
    from dutyctl.app.rotation import rotation_period, today_duties
    from dutyctl.core.agenda import today_view
    from dutyctl.core.rotation import build_rotation
    from dutyctl.store.planfile import load_plan
    from dutyctl.store.repo import Repo

    for day in ("2026-11-24", "2026-12-02", "2026-08-05"):
        first = today_duties(repo, None, day).view  # computes and caches
        second = today_duties(repo, None, day).view  # from the plan's entry
        plan = load_plan(Repo(repo))
        fresh = today_view(plan, build_rotation(plan, date.fromisoformat(day)),
                           date.fromisoformat(day))
        assert first == second == fresh
    args = ("2026-01-05", "2027-03-31", None, None, None, None, None)
    cached = [rotation_period(repo, None, *args).assignments for _ in range(2)]
    plan = load_plan(Repo(repo))
    fresh = build_rotation(plan, date(2027, 3, 31)).between(date(2026, 1, 5), date(2027, 3, 31))
    assert cached[0] == cached[1] == sorted(fresh, key=lambda a: (a.start, a.duty))
    # The plan changes: the cached view follows it.
    text = (repo / "plan.yaml").read_text().replace("Acme Marketing", "Acme Sales")
    (repo / "plan.yaml").write_text(text)
    assert today_duties(repo, None, "2026-11-24").view["team"] == "Acme Sales"
    # A damaged plan entry is ignored (and rebuilt).
    damaged = list((repo / ".dutyctl-cache").glob("plan-*.pickle"))
    assert damaged
    for entry in damaged:
        entry.write_bytes(b"x" * 40)
    assert today_duties(repo, None, "2026-11-24").view["team"] == "Acme Sales"


def uncached_month(root: Path, month: str):
    from dutyctl.core.syntax import parse_month

    found, plan, today = report_app._load(root, None, None)
    period = parse_month(month, today)
    rotation, logged, problems = report_app._gather(found, plan, period.span, today,
                                                   read_from=plan.start)
    report = reports.month_report(plan, rotation, logged, period.label, period.span, today)
    return report, problems


def check_month(root: Path, month: str, *, fast: bool = True) -> None:
    report, problems = uncached_month(root, month)
    for _ in range(2):  # the first run may fill the cache, the second reads it
        result = report_app.month(root, None, month, None)
        assert (result.report, result.problems) == (report, problems)
    found, plan, today = report_app._load(root, None, None)
    from dutyctl.core.syntax import parse_month

    span = parse_month(month, today).span
    used = report_app._month_from_aggregates(found, plan, month, span, today, None)
    assert (used is not None) == fast


def test_month_report_from_aggregates_equals_reading_everything(repo: Path):
    rng = random.Random(10)
    logged = entries(rng, 400, date(2026, 1, 5), date(2026, 11, 24))
    append_entries(repo, logged)
    assert any(e.metric in ("followers", "article") for e in logged)  # the example's goals
    for month in ("2026-11", "2026-10", "2026-03", "2026-01"):
        check_month(repo, month)
    append_entries(repo, entries(rng, 30, date(2026, 11, 1), date(2026, 11, 24)))  # appends
    check_month(repo, "2026-11")
    # A void in this month's file of an entry logged in March: goals change.
    march = [e for e in logged if e.date.month == 3]
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(encode_entries([void(march[0], rng)]))
    check_month(repo, "2026-11", fast=False)
    # An entry dated in October, misfiled in the August file: counts for October.
    (repo / "logs" / "2026-11.csv").write_bytes(
        b"".join((repo / "logs" / "2026-11.csv").read_bytes().splitlines(keepends=True)[:-1]))
    october = [e for e in logged if e.date.month == 10][0]
    moved = Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)), october.recorded_at,
                  october.date, october.person, october.duty, october.channel, october.metric,
                  october.value, october.minutes, "", "")
    with open(repo / "logs" / "2026-08.csv", "ab") as handle:
        handle.write(encode_entries([moved]))
    check_month(repo, "2026-11", fast=False)
    check_month(repo, "2026-07")
    # A value that is not a whole number in an earlier file.
    (repo / "logs" / "2026-08.csv").write_bytes(
        b"".join((repo / "logs" / "2026-08.csv").read_bytes().splitlines(keepends=True)[:-1]))
    append_entries(repo, [Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                                "2026-11-24T08:00:00.000Z", date(2026, 5, 2), "anna", "",
                                "", "followers", 0.5, None, "", "")])
    check_month(repo, "2026-11", fast=False)


def previous_from_cache(root: Path, month: str, monkeypatch) -> bool:
    """Whether the month report judged the previous month from its file's cached slot
    sums (and gave the answer of reading everything)."""
    from dutyctl.core.syntax import parse_month
    from dutyctl.store import logcache

    report, problems = uncached_month(root, month)
    calls: list[bool] = []
    real = logcache.file_aggregates

    def spy(repo, plan, rotation, files, progress=None):
        calls.append(rotation is not None and bool(files))
        return real(repo, plan, rotation, files, progress)

    monkeypatch.setattr(logcache, "file_aggregates", spy)
    try:
        for _ in range(2):  # fills the cache, then reads it
            calls.clear()
            result = report_app.month(root, None, month, None)
            assert (result.report, result.problems) == (report, problems)
        found, plan, today = report_app._load(root, None, None)
        span = parse_month(month, today).span
        calls.clear()
        used = report_app._month_from_aggregates(found, plan, month, span, today, None)
        assert used is not None
        assert (used.report, used.problems) == (report, problems)
        # [older files, previous month's with slots] (the older files not at all when
        # their history is kept); a refusal calls again without.
        return calls in ([False, True], [True])
    finally:
        monkeypatch.setattr(logcache, "file_aggregates", real)


def test_previous_month_judged_from_cached_slot_sums(repo: Path, monkeypatch):
    rng = random.Random(11)
    logged = entries(rng, 500, date(2026, 6, 1), date(2026, 11, 24))
    append_entries(repo, logged)
    report, _ = uncached_month(repo, "2026-11")
    assert report.headline.previous is not None and report.headline.change is not None
    for month in ("2026-11", "2026-10", "2026-08"):
        assert previous_from_cache(repo, month, monkeypatch)
    # An entry of the last days of October logged in November's file (misfiled): counts
    # for October's slots, on top of the cached sums.
    october = [e for e in logged if e.date >= date(2026, 10, 25)]
    moved = [Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)), e.recorded_at, e.date,
                   e.person, e.duty, e.channel, e.metric, e.value + 5, e.minutes, "", "")
             for e in october[:20]]
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(encode_entries(moved))
    assert previous_from_cache(repo, "2026-11", monkeypatch)
    # A void in November's file of an October entry: October's file is read.
    with open(repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(encode_entries([void(october[-1], rng)]))
    assert not previous_from_cache(repo, "2026-11", monkeypatch)
    # An entry dated in September in October's file: October's file is read.
    (repo / "logs" / "2026-11.csv").write_bytes(
        b"".join((repo / "logs" / "2026-11.csv").read_bytes().splitlines(keepends=True)[:-1]))
    assert previous_from_cache(repo, "2026-11", monkeypatch)
    september = [e for e in logged if e.date.month == 9][0]
    with open(repo / "logs" / "2026-10.csv", "ab") as handle:
        handle.write(encode_entries([Entry(
            new_entry_id(datetime.now(UTC), rng.randbytes(10)), september.recorded_at,
            september.date, september.person, september.duty, september.channel,
            september.metric, september.value, september.minutes, "", "")]))
    assert not previous_from_cache(repo, "2026-11", monkeypatch)
    # A void in October's file of an entry in November's: October's file is read.
    (repo / "logs" / "2026-10.csv").write_bytes(
        b"".join((repo / "logs" / "2026-10.csv").read_bytes().splitlines(keepends=True)[:-1]))
    with open(repo / "logs" / "2026-10.csv", "ab") as handle:
        handle.write(encode_entries([void(moved[0], rng)]))
    assert not previous_from_cache(repo, "2026-11", monkeypatch)


def test_files_read_by_two_processes_give_the_same_leaderboard(repo: Path, monkeypatch):
    from dutyctl.store import logcache

    monkeypatch.setattr(logcache, "POOL_MIN_BYTES", 0)
    rng = random.Random(7)
    made = entries(rng, 300, date(2026, 1, 1), date(2026, 11, 20))
    append_entries(repo, [*made, void(made[0], rng), void(made[5], rng)])
    check(repo)
    board, _ = uncached(repo)
    shutil.rmtree(repo / ".dutyctl-cache")
    assert report_app.leaderboard(repo, None, all_time=True).report == board


def test_rotation_listing_from_cached_rows_equals_a_fresh_computation(repo: Path):
    """`rotate --format json|csv` on a warm cache reads the cached slot rows only; what it
    prints is what the uncached path prints, also after the plan or the filters change."""
    from tests.conftest import run_cli

    def listing(*args: str) -> str:
        outcome = run_cli("--repo", str(repo), "rotate", *args)
        assert outcome.exit_code == 0, outcome.output
        return outcome.stdout

    def fresh(*args: str) -> str:
        shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)
        return listing(*args)

    queries = [
        ("--format", "json", "--from", "2026-01-05", "--to", "2027-03-31"),
        ("--format", "csv", "--from", "2026-01-05", "--to", "2027-03-31"),
        ("--format", "json", "--month", "2026-12", "--duty", "blog"),
        ("--format", "json", "--weeks", "6", "--person", "farid"),
        ("--format", "csv", "--month", "last", "--department", "sales"),
    ]
    for args in queries:
        expected = fresh(*args)
        assert listing(*args) == expected  # computed and stored
        assert listing(*args) == expected  # from the stored rows
        assert list((repo / ".dutyctl-cache").glob("slot-rows-*"))
    # The plan changes (Farid away in December): the cached rows follow it.
    json_args = queries[0]
    before = listing(*json_args)
    text = (repo / "plan.yaml").read_text()
    old = "skills: [photo], budget: 90m/week}"
    assert text.count(old) == 1
    text = text.replace(old, "skills: [photo], budget: 90m/week, away: [2026-12-01..2026-12-31]}")
    (repo / "plan.yaml").write_text(text)
    after = listing(*json_args)
    assert after != before
    assert after == fresh(*json_args)
    # An unknown id is refused on a warm cache too (nothing was stored for it).
    listing(*json_args)
    refused = run_cli("--repo", str(repo), "rotate", "--format", "json", "--duty", "blgo")
    assert refused.exit_code == 2 and "blgo" in refused.stderr


def test_month_report_keeps_its_history_and_follows_every_change(repo: Path):
    """The goal totals, problems and id check of the files before the previous month are
    kept in the cache; whatever happens to those files, the report stays the answer of
    reading everything."""
    rng = random.Random(12)
    logged = entries(rng, 600, date(2026, 1, 5), date(2026, 11, 24))
    append_entries(repo, logged)
    cache = repo / ".dutyctl-cache"
    check_month(repo, "2026-11")
    assert list(cache.glob("history-*")) and list(cache.glob("disjoint-*"))
    # An older file grows (a late entry for April): goal totals follow.
    april = [e for e in logged if e.date.month == 4][0]
    append_entries(repo, [Entry(new_entry_id(datetime.now(UTC), rng.randbytes(10)),
                                april.recorded_at, april.date, "anna", "", "", "followers",
                                40.0, None, "", "")])
    check_month(repo, "2026-11")
    # An older file edited by hand in its middle, its size unchanged (a digit changed).
    path = repo / "logs" / "2026-03.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    middle = len(lines) // 2
    fields = lines[middle].split(b",")
    fields[7] = b"7" if fields[7] != b"7" else b"8"
    lines[middle] = b",".join(fields)
    path.write_bytes(b"".join(lines))
    check_month(repo, "2026-11")
    # The same id in an older file and in this month's file: counted once, read the slow way.
    november = [e for e in logged if e.date.month == 11][0]
    with open(repo / "logs" / "2026-02.csv", "ab") as handle:
        handle.write(encode_entries([Entry(november.id, november.recorded_at,
                                           date(2026, 2, 10), november.person, "", "",
                                           november.metric, 3.0, None, "", "")]))
    check_month(repo, "2026-11", fast=False)
    (repo / "logs" / "2026-02.csv").write_bytes(
        b"".join((repo / "logs" / "2026-02.csv").read_bytes().splitlines(keepends=True)[:-1]))
    check_month(repo, "2026-11")
    # Kept entries damaged or deleted: rebuilt, same answer.
    for entry in cache.glob("history-*"):
        entry.write_bytes(b"\0" * 64)
    check_month(repo, "2026-11")
    for entry in [*cache.glob("history-*"), *cache.glob("disjoint-*")]:
        entry.unlink()
    check_month(repo, "2026-11")
    shutil.rmtree(cache)
    check_month(repo, "2026-11")

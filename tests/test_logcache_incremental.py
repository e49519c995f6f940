"""A cached file aggregate extended by the rows appended since gives what reading the
whole file gives: the aggregate itself (every sum, in the same order), the leaderboard
and the CLI's output, across many appends, voids, torn lines, truncations, hand edits,
a real git merge and concurrent readers. What cannot be extended exactly is read whole.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyctl.store import logcache
from dutyctl.store.logfile import append_entries, encode_entries
from tests.conftest import git, init_git, run_cli
from tests.test_caches import (
    EXAMPLE,
    TODAY,
    check,
    entries,
    example_duties,
    leaderboards_at_once,
    void,
)
from tests.test_fast_rows import log_files

LOG = "2026-11.csv"


def same(a: logcache.FileAggregate, b: logcache.FileAggregate) -> bool:
    """Equal, dictionaries in the same order too."""
    return all(
        list(getattr(a, name).items()) == list(getattr(b, name).items())
        for name in ("person_metric", "minutes", "metric_channel", "slots")
    ) and (a.problems, a.first, a.last, a.foreign_voids, a.exact, a.ids, a.resume) == (
        b.problems, b.first, b.last, b.foreign_voids, b.exact, b.ids, b.resume)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    return example_duties(tmp_path, monkeypatch)


@pytest.fixture
def extensions(monkeypatch) -> list[bool]:
    """Whether each extension tried gave an aggregate (the real extend_file, counted)."""
    calls: list[bool] = []
    real = logcache.extend_file

    def counted(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(logcache, "extend_file", counted)
    return calls


@settings(max_examples=300, deadline=None)
@given(log_files(), st.data())
def test_extending_equals_reading_the_whole_file(data: bytes, draw) -> None:
    # A file cut at a line boundary, aggregated, then grown to its whole length.
    ends = [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    cut = draw.draw(st.sampled_from([0, *ends]))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "logs").mkdir()
        path = root / "logs" / LOG
        path.write_bytes(data[:cut])
        base = logcache.aggregate_file(root, path, None)
        with open(path, "ab") as handle:
            handle.write(data[cut:])
        whole = logcache.aggregate_file(root, path, None)
        extended = logcache.extend_file(root, path, base, None)
    if extended is not None:
        assert same(extended, whole)


def test_extension_happens_and_matches_row_by_row(tmp_path: Path) -> None:
    rng = random.Random(3)
    (tmp_path / "logs").mkdir()
    path = tmp_path / "logs" / LOG
    made = entries(rng, 50, date(2026, 11, 1), date(2026, 11, 24))
    append_entries(tmp_path, made)
    aggregate = logcache.aggregate_file(tmp_path, path, None)
    for step in range(30):  # many successive appends, each read on its own
        more = entries(rng, rng.randint(1, 5), date(2026, 11, 1), date(2026, 11, 24))
        if step % 7 == 3:
            more.append(void(more[0], rng))  # a void of a row of the same append
        append_entries(tmp_path, more)
        extended = logcache.extend_file(tmp_path, path, aggregate, None)
        assert extended is not None
        aggregate = extended
        assert same(aggregate, logcache.aggregate_file(tmp_path, path, None))
    # A void of a row read before: the sums cannot be taken back in the same order.
    append_entries(tmp_path, [void(made[2], rng)])
    assert logcache.extend_file(tmp_path, path, aggregate, None) is None


def test_leaderboard_across_many_appends(repo: Path, extensions: list[bool]):
    rng = random.Random(21)
    append_entries(repo, entries(rng, 200, date(2026, 1, 5), date(2026, 11, 24)))
    check(repo)
    for _ in range(12):
        append_entries(repo, entries(rng, rng.randint(1, 4), date(2026, 11, 1),
                                     date(2026, 11, 24)))
        extensions.clear()
        check(repo)
        assert extensions and all(extensions)


def test_leaderboard_after_a_void_of_an_older_entry(repo: Path, extensions: list[bool]):
    rng = random.Random(22)
    logged = entries(rng, 200, date(2026, 10, 1), date(2026, 11, 24))
    append_entries(repo, logged)
    check(repo)
    november = [e for e in logged if e.date.month == 11]
    append_entries(repo, [void(november[3], rng),
                          *entries(rng, 2, date(2026, 11, 1), date(2026, 11, 24))])
    extensions.clear()
    check(repo)
    assert extensions == [False]  # read whole: the voided entry is in the bytes read before
    append_entries(repo, entries(rng, 2, date(2026, 11, 1), date(2026, 11, 24)))
    extensions.clear()
    check(repo)
    assert extensions == [True]
    # A void in October's file of an entry of its own, and one of November's (across
    # files: the report reads entry by entry).
    october = [e for e in logged if e.date.month == 10]
    with open(repo / "logs" / "2026-10.csv", "ab") as handle:
        handle.write(encode_entries([void(october[0], rng), void(november[0], rng)]))
    check(repo)


def test_leaderboard_after_a_torn_last_line_is_repaired(repo: Path, extensions: list[bool]):
    rng = random.Random(23)
    append_entries(repo, entries(rng, 150, date(2026, 10, 1), date(2026, 11, 24)))
    check(repo)
    path = repo / "logs" / LOG
    torn = encode_entries(entries(rng, 1, date(2026, 11, 2), date(2026, 11, 2)))[:30]
    with open(path, "ab") as handle:  # a crash in the middle of a write
        handle.write(torn)
    extensions.clear()
    check(repo)
    assert extensions == [True]  # the bytes before are as they were
    append_entries(repo, entries(rng, 3, date(2026, 11, 1), date(2026, 11, 24)))  # repairs
    extensions.clear()
    check(repo)
    assert True not in extensions  # the torn line was the last bytes read: read whole
    append_entries(repo, entries(rng, 3, date(2026, 11, 1), date(2026, 11, 24)))
    extensions.clear()
    check(repo)
    assert extensions == [True]


def test_leaderboard_after_truncation_and_regrowth(repo: Path, extensions: list[bool]):
    rng = random.Random(24)
    append_entries(repo, entries(rng, 150, date(2026, 11, 1), date(2026, 11, 24)))
    check(repo)
    path = repo / "logs" / LOG
    size = path.stat().st_size
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))  # truncated, same inode
    append_entries(repo, entries(rng, 120, date(2026, 11, 1), date(2026, 11, 24)))
    assert path.stat().st_size > size
    extensions.clear()
    check(repo)
    assert extensions == [False]


def test_leaderboard_after_a_hand_edit_in_the_middle(repo: Path, extensions: list[bool],
                                                     monkeypatch):
    monkeypatch.setattr(logcache, "EDGE", 1024)  # the ends hashed for the stamp: 1 KiB
    rng = random.Random(25)
    append_entries(repo, entries(rng, 600, date(2026, 11, 1), date(2026, 11, 24)))
    check(repo)
    path = repo / "logs" / LOG
    assert path.stat().st_size > 3 * logcache.EDGE
    data = bytearray(path.read_bytes())
    middle = data.index(b",1,", len(data) // 2)
    data[middle + 1] = ord("3")  # one value changed far from both ends
    with open(path, "r+b") as handle:  # in place: same inode, same size
        handle.write(bytes(data))
    append_entries(repo, entries(rng, 2, date(2026, 11, 1), date(2026, 11, 24)))
    extensions.clear()
    check(repo)
    assert extensions == [False]


def test_leaderboard_after_a_real_git_union_merge(repo: Path, extensions: list[bool]):
    rng = random.Random(26)
    init_git(repo)
    (repo / ".gitattributes").write_text("logs/*.csv merge=union\n")
    append_entries(repo, entries(rng, 100, date(2026, 11, 1), date(2026, 11, 20)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "theirs")
    append_entries(repo, entries(rng, 7, date(2026, 11, 1), date(2026, 11, 24)))
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    append_entries(repo, entries(rng, 5, date(2026, 11, 1), date(2026, 11, 24)))
    git(repo, "commit", "-qam", "ours")
    check(repo)
    git(repo, "merge", "-q", "--no-edit", "theirs")  # their rows after ours
    check(repo)
    git(repo, "checkout", "-q", "theirs")  # our rows in the middle of their file
    check(repo)


def test_readers_extending_at_once(repo: Path):
    rng = random.Random(27)
    append_entries(repo, entries(rng, 300, date(2026, 6, 1), date(2026, 11, 24)))
    check(repo)
    append_entries(repo, entries(rng, 10, date(2026, 11, 1), date(2026, 11, 24)))
    leaderboards_at_once(repo)


def test_cli_output_is_the_same_extended_or_read_afresh(repo: Path, extensions: list[bool]):
    rng = random.Random(28)
    append_entries(repo, entries(rng, 300, date(2026, 1, 5), date(2026, 11, 24)))
    args = ["report", "leaderboard", "--all", "--repo", str(repo)]
    env = {"DUTYCTL_TODAY": TODAY}
    for fmt in ("csv", "json"):
        assert run_cli(*args, "--format", fmt, env=env).exit_code == 0  # fills the cache
    for _ in range(3):
        append_entries(repo, entries(rng, 3, date(2026, 11, 1), date(2026, 11, 24)))
        extensions.clear()
        got = [run_cli(*args, "--format", fmt, env=env) for fmt in ("csv", "json")]
        assert extensions and all(extensions)
        shutil.rmtree(repo / ".dutyctl-cache")
        fresh = [run_cli(*args, "--format", fmt, env=env) for fmt in ("csv", "json")]
        assert [(o.exit_code, o.stdout, o.stderr) for o in got] == [
            (o.exit_code, o.stdout, o.stderr) for o in fresh]


STEPS = st.lists(
    st.sampled_from(["append", "append", "void_new", "void_old", "edit", "torn", "shrink",
                     "drop_cache"]),
    min_size=1, max_size=6,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEPS, st.integers(0, 2**32))
def test_random_changes_cached_equals_uncached(monkeypatch, steps: list[str], seed: int):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        monkeypatch.setenv("DUTYCTL_TODAY", TODAY)
        monkeypatch.setenv("XDG_CACHE_HOME", str(Path(folder) / "xdg"))
        root = Path(folder) / "duties"
        (root / "logs").mkdir(parents=True)
        shutil.copy(EXAMPLE, root / "plan.yaml")
        logged = entries(rng, 60, date(2026, 10, 1), date(2026, 11, 24))
        append_entries(root, logged)
        path = root / "logs" / LOG
        check(root)
        for step in steps:
            if step == "append":
                made = entries(rng, rng.randint(1, 6), date(2026, 10, 1), date(2026, 11, 24))
                logged += made
                append_entries(root, made)
            elif step == "void_new":
                made = entries(rng, 2, date(2026, 11, 1), date(2026, 11, 24))
                append_entries(root, [*made, void(made[rng.randrange(2)], rng)])
            elif step == "void_old":
                append_entries(root, [void(rng.choice(logged), rng)])
            elif step == "edit":
                data = bytearray(path.read_bytes())
                at = data.find(b",2,", rng.randrange(len(data)))
                if at >= 0:
                    data[at + 1] = ord("1")
                    path.write_bytes(bytes(data))
            elif step == "torn":
                with open(path, "ab") as handle:
                    handle.write(b"01JD00000000000000000000,2026-11")
            elif step == "shrink":
                lines = path.read_bytes().splitlines(keepends=True)
                path.write_bytes(b"".join(lines[: max(1, len(lines) - rng.randint(1, 5))]))
            else:
                shutil.rmtree(root / ".dutyctl-cache", ignore_errors=True)
            check(root)


def test_a_carriage_return_is_not_a_line_break_next_to_a_line_that_is_not_utf8(tmp_path):
    # A block with a line that is not UTF-8 is read line by line: split on newlines
    # only, as everywhere else (a CR alone once made two lines of one, and moved the
    # line numbers after it).
    from dutyctl.errors import Problem
    from dutyctl.store.logfile import HEADER_LINE, iter_log

    row = b"01JD0000000000000000000001,2026-11-24T08:00:00Z,2026-11-03,farid,,blog,photo,2,,,,\n"
    (tmp_path / "logs").mkdir()
    path = tmp_path / "logs" / LOG
    found = []
    for middle in (b"ok\n", b"\x80\n"):
        path.write_bytes(HEADER_LINE + middle + b"\r" + row + row.replace(b"01\n", b"02\n"))
        problems = [i for i in iter_log(tmp_path) if isinstance(i, Problem)]
        assert logcache.aggregate_file(tmp_path, path, None).problems == problems
        found.append([(p.location.line, p.message) for p in problems if p.location.line != 2])
    assert found[0] == found[1]
    assert [line for line, _ in found[0]] == [3]

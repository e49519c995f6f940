"""Fault injection: what dutyctl does when the world misbehaves.

A read-only repository, a full disk, no git, a plan deleted between two commands, a
lock held by a stuck process, a damaged plan cache, and the clock at a month boundary
and at daylight-saving changes. In each: a clear message, a non-zero exit where the
command fails, and no entry lost or half-written.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dutyctl.errors import UsageError
from dutyctl.store import clock, logfile
from tests.conftest import git, init_git, run_cli

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (the plan cache aside) and its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".dutyctl-cache" not in p.parts and ".git" not in p.parts
    }


def log_one(repo: Path, *extra: str, env: dict | None = None):
    return run_cli(
        "log",
        "photo=1",
        "--person",
        "greta",  # on social duty on TODAY
        "--repo",
        str(repo),
        *extra,
        env={**TODAY, **(env or {})},
    )


@pytest.fixture
def logged_repo(example_repo: Path) -> Path:
    """The example repository with one entry already in logs/2026-11.csv."""
    assert log_one(example_repo).exit_code == 0
    return example_repo


# -- a read-only repository ---------------------------------------------------------------


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch, logged_repo: Path):
    """Every write under the repository refused with EROFS, as on a read-only mount."""
    root = str(logged_repo.resolve())
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root)

    def open_(path, flags, *args, **kwargs):
        if flags & WRITE_FLAGS and inside(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        if inside(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)
    return logged_repo


def test_read_only_repository_plan_commands_work(read_only: Path):
    for args in (["today"], ["rotate"], ["plan", "check"], ["who", "anna"], ["entries"]):
        result = run_cli(*args, "--repo", str(read_only), env=TODAY)
        assert result.exit_code == 0, (args, result.output)


def test_read_only_repository_log_refuses_clearly(read_only: Path):
    before = snapshot(read_only)
    result = log_one(read_only)
    assert result.exit_code == 2
    assert "could not write logs/2026-11.csv: Read-only file system; nothing was written" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert snapshot(read_only) == before


def test_read_only_repository_swap_refuses_clearly(read_only: Path):
    before = snapshot(read_only)
    result = run_cli(
        "swap", "2026-12-03", "social", "farid", "bruno", "--repo", str(read_only), env=TODAY
    )
    assert result.exit_code == 2
    assert "could not write plan.yaml: Read-only file system; plan.yaml is as it was" in (
        result.stderr
    )
    assert snapshot(read_only) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_read_only_files_in_a_real_process(logged_repo: Path):
    from tests.conftest import run_process

    before = snapshot(logged_repo)
    paths = [logged_repo, logged_repo / "logs", *logged_repo.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert run_process("today", cwd=logged_repo, env=TODAY).returncode == 0
        done = run_process("log", "photo=1", "--person", "farid", cwd=logged_repo, env=TODAY)
        assert done.returncode == 2 and "could not write logs/2026-11.csv" in done.stderr
    finally:
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)
    assert snapshot(logged_repo) == before


# -- a full disk ---------------------------------------------------------------------------


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


@needs_proc
@pytest.mark.parametrize("how", ["refused", "short"])
def test_disk_full_while_logging(logged_repo: Path, monkeypatch: pytest.MonkeyPatch, how: str):
    before = snapshot(logged_repo)
    real_write = os.write

    def write(fd, data):
        if "/logs/" not in _fd_path(fd):
            return real_write(fd, data)
        if how == "short":  # some bytes reach the disk, then it is full
            return real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    result = log_one(logged_repo, "repost=2")
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "could not write logs/2026-11.csv" in result.stderr
    assert "nothing was written; the file is as it was" in result.stderr
    assert "free some disk space" in result.stderr
    assert snapshot(logged_repo) == before  # the earlier entry is intact, no torn row
    after = run_cli("doctor", "--repo", str(logged_repo), env=TODAY)
    assert after.exit_code == 0 and "1 entry in 1 file" in after.stdout


@needs_proc
def test_disk_full_at_fsync_while_logging(logged_repo: Path, monkeypatch: pytest.MonkeyPatch):
    before = snapshot(logged_repo)
    real_fsync = os.fsync

    def fsync(fd):
        if "/logs/" in _fd_path(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = log_one(logged_repo)
    monkeypatch.undo()
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert snapshot(logged_repo) == before


@needs_proc
def test_disk_full_while_swap_writes_the_plan(example_repo: Path, monkeypatch: pytest.MonkeyPatch):
    before = snapshot(example_repo)
    real_fsync = os.fsync

    def fsync(fd):
        if ".plan." in _fd_path(fd):  # the temp file swap writes before renaming it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = run_cli(
        "swap", "2026-12-03", "social", "farid", "bruno", "--repo", str(example_repo), env=TODAY
    )
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "could not write plan.yaml: No space left on device; plan.yaml is as it was" in (
        result.stderr
    )
    assert snapshot(example_repo) == before  # no half plan, no temp file left behind
    assert run_cli("plan", "check", "--repo", str(example_repo)).exit_code == 0


# -- no git ----------------------------------------------------------------------------------


@pytest.fixture
def no_git(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    return {**TODAY, "PATH": str(empty)}


def test_without_git_rev_is_a_clear_error(example_repo: Path, no_git: dict):
    result = run_cli("today", "--rev", "HEAD", "--repo", str(example_repo), env=no_git)
    assert result.exit_code == 2
    assert "git is not installed or not on PATH" in result.stderr


def test_without_git_plain_commands_work(example_repo: Path, no_git: dict):
    for args in (["today"], ["rotate", "--weeks", "2"], ["plan", "check"]):
        assert run_cli(*args, "--repo", str(example_repo), env=no_git).exit_code == 0, args


def test_without_git_log_commit_keeps_the_rows(example_repo: Path, no_git: dict):
    init_git(example_repo)
    result = log_one(example_repo, "--commit", env=no_git)
    assert result.exit_code == 1, result.output
    assert "git is not installed: the entries are logged but not committed" in result.stderr
    rows = (example_repo / "logs" / "2026-11.csv").read_text().splitlines()
    assert len(rows) == 2 and ",greta," in rows[1]


# -- the plan deleted between two commands ---------------------------------------------------


def test_plan_deleted_between_two_commands(logged_repo: Path):
    assert run_cli("today", "--repo", str(logged_repo), env=TODAY).exit_code == 0  # warm cache
    before = snapshot(logged_repo)
    (logged_repo / "plan.yaml").unlink()
    del before["plan.yaml"]
    for args in (["today"], ["log", "photo=1", "--person", "farid"], ["entries"]):
        result = run_cli(*args, "--repo", str(logged_repo), env=TODAY)
        assert result.exit_code == 2, (args, result.output)
        assert "is not a duty repository (no plan.yaml in it)" in result.stderr
    assert snapshot(logged_repo) == before


def test_plan_changed_between_two_commands_is_read_again(example_repo: Path):
    assert "Acme Marketing" in run_cli("today", "--repo", str(example_repo), env=TODAY).stdout
    plan = example_repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("team: Acme Marketing", "team: Acme Sales"))
    assert "Acme Sales" in run_cli("today", "--repo", str(example_repo), env=TODAY).stdout


def test_plan_emptied_between_two_commands(example_repo: Path):
    assert run_cli("today", "--repo", str(example_repo), env=TODAY).exit_code == 0
    (example_repo / "plan.yaml").write_bytes(b"")
    result = run_cli("today", "--repo", str(example_repo), env=TODAY)
    assert result.exit_code == 2 and "plan.yaml:1:1: error: the plan is empty" in result.stderr


# -- a lock held by a stuck process ------------------------------------------------------------


@pytest.fixture
def stuck_lock(logged_repo: Path):
    """Another process holding the exclusive lock of logs/2026-11.csv, and not letting go."""
    path = logged_repo / "logs" / "2026-11.csv"
    code = (
        "import fcntl, sys, time\n"
        "f = open(sys.argv[1], 'a')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield logged_repo
    finally:
        holder.kill()
        holder.wait()


def test_lock_held_by_a_stuck_process_log_waits_then_says_so(stuck_lock: Path):
    before = snapshot(stuck_lock)
    result = log_one(stuck_lock, env={"DUTYCTL_LOCK_TIMEOUT": "0.3"})
    assert result.exit_code == 2, result.output
    assert "logs/2026-11.csv is locked by another process (waited 0.3s)" in result.stderr
    assert "fuser logs/2026-11.csv" in result.stderr
    assert snapshot(stuck_lock) == before


def test_lock_held_by_a_stuck_process_readers_say_what_they_skipped(stuck_lock: Path):
    env = {**TODAY, "DUTYCTL_LOCK_TIMEOUT": "0.2"}
    # The log index stands for a file unchanged since it was read: nothing to wait for.
    assert run_cli("doctor", "--repo", str(stuck_lock), env=env).exit_code == 0
    with open(stuck_lock / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(b"\n")  # changed: it must be read again, and the lock is held
    result = run_cli("doctor", "--repo", str(stuck_lock), env=env)
    assert result.exit_code == 1, result.output
    assert "logs/2026-11.csv is locked by another process (waited 0.2s); not read" in (
        result.stdout + result.stderr
    )


def test_log_works_when_the_lock_is_free(logged_repo: Path):
    assert log_one(logged_repo, env={"DUTYCTL_LOCK_TIMEOUT": "0.3"}).exit_code == 0
    rows = (logged_repo / "logs" / "2026-11.csv").read_text().splitlines()
    assert len(rows) == 3


def test_lock_timeout_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(logfile.LOCK_TIMEOUT_ENV, raising=False)
    assert logfile.lock_timeout(10.0) == 10.0
    monkeypatch.setenv(logfile.LOCK_TIMEOUT_ENV, " 2.5 ")
    assert logfile.lock_timeout(10.0) == 2.5
    monkeypatch.setenv(logfile.LOCK_TIMEOUT_ENV, "0")
    assert logfile.lock_timeout(10.0) == 0.0
    for bad in ("soon", "-1", "nan", "inf", "1e9"):
        monkeypatch.setenv(logfile.LOCK_TIMEOUT_ENV, bad)
        with pytest.raises(UsageError, match="DUTYCTL_LOCK_TIMEOUT"):
            logfile.lock_timeout(10.0)


# -- a damaged plan cache ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"\x00" * 31, b"\x00" * 32 + b"\x80\x05N.", "truncated", "flipped"],
    ids=["empty", "garbage", "short", "unsigned-pickle", "truncated", "flipped"],
)
def test_corrupt_plan_cache_is_ignored_and_rebuilt(example_repo: Path, tmp_path: Path, damage):
    env = {**TODAY, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    first = run_cli("today", "--repo", str(example_repo), env=env)
    entries = list((example_repo / ".dutyctl-cache").glob("plan-*.pickle"))
    assert first.exit_code == 0 and entries
    goods = {entry: entry.read_bytes() for entry in entries}
    for entry, good in goods.items():
        if damage == "truncated":
            entry.write_bytes(good[: len(good) // 2])
        elif damage == "flipped":
            entry.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
        else:
            entry.write_bytes(damage)
    again = run_cli("today", "--repo", str(example_repo), env=env)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert again.stderr == ""
    # A damage past the signed start-up values (truncated, flipped: in the pickled plan)
    # leaves `today` its answer; the plan is never unpickled, and the first command that
    # needs it rebuilds the entry.
    assert run_cli("rotate", "--repo", str(example_repo), env=env).exit_code == 0
    assert all(entry.read_bytes() == good for entry, good in goods.items())  # rebuilt


def test_cache_folder_that_is_a_file(example_repo: Path, tmp_path: Path):
    (example_repo / ".dutyctl-cache").write_text("not a folder")
    env = {**TODAY, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert run_cli("today", "--repo", str(example_repo), env=env).exit_code == 0


def test_unreadable_cache_key_means_no_cache(example_repo: Path, tmp_path: Path):
    xdg = tmp_path / "xdg"
    (xdg / "dutyctl" / "cache-key").mkdir(parents=True)  # a folder where the key should be
    env = {**TODAY, "XDG_CACHE_HOME": str(xdg)}
    assert run_cli("today", "--repo", str(example_repo), env=env).exit_code == 0


# -- the clock ----------------------------------------------------------------------------------


def fake_clock(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """The wall clock stopped at ``instant`` (UTC), for clock.today and clock.utc_now."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", Frozen)


def with_timezone(repo: Path, zone: str) -> Path:
    plan = repo / "plan.yaml"
    text = plan.read_text()
    plan.write_text(text.replace("timezone: Europe/Berlin", f"timezone: {zone}"))
    return repo


NO_PIN = {"DUTYCTL_TODAY": None, "TZ": "UTC"}


def test_month_boundary_today_and_log_follow_the_plans_zone(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    # 23:30 UTC on 30 November is 00:30 on 1 December in Berlin.
    fake_clock(monkeypatch, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    today = run_cli("today", "--repo", str(example_repo), env=NO_PIN)
    assert today.exit_code == 0 and "Tuesday 2026-12-01" in today.stdout
    result = run_cli("log", "photo=1", "--person", "farid", "--repo", str(example_repo), env=NO_PIN)
    assert result.exit_code == 0, result.output
    assert not (example_repo / "logs" / "2026-11.csv").exists()
    row = (example_repo / "logs" / "2026-12.csv").read_text().splitlines()[1].split(",")
    assert row[1].startswith("2026-11-30T23:30:00") and row[2] == "2026-12-01"


def test_month_boundary_entries_this_month(example_repo: Path, monkeypatch: pytest.MonkeyPatch):
    fake_clock(monkeypatch, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert (
        run_cli(
            "log", "photo=1", "--person", "farid", "--repo", str(example_repo), env=NO_PIN
        ).exit_code
        == 0
    )
    listed = run_cli("entries", "--format", "json", "--repo", str(example_repo), env=NO_PIN)
    assert listed.exit_code == 0 and '"2026-12-01"' in listed.stdout


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])  # Berlin's DST changes
def test_dst_change_days(example_repo: Path, day: str):
    env = {"DUTYCTL_TODAY": day}
    today = run_cli("today", "--repo", str(example_repo), env=env)
    assert today.exit_code == 0 and f"Sunday {day}" in today.stdout

    week = run_cli(
        "rotate",
        "--from",
        "yesterday",
        "--to",
        "tomorrow",
        "--format",
        "json",
        "--repo",
        str(example_repo),
        env=env,
    )
    assert week.exit_code == 0, week.output
    data = json.loads(week.stdout)
    slots = data["slots"] if isinstance(data, dict) and "slots" in data else data
    assert slots  # the rotation goes on across the change
    result = run_cli("log", "photo=1", "--person", "farid", "--repo", str(example_repo), env=env)
    assert result.exit_code == 0, result.output
    row = (example_repo / "logs" / f"{day[:7]}.csv").read_text().splitlines()[1].split(",")
    assert row[2] == day


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC), "2026-03-28"),  # 23:59:59 CET
        (datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "2026-03-29"),  # 01:59:59 CET
        (datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC), "2026-03-29"),  # 03:00:00 CEST
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "2026-10-25"),  # 00:30 CEST
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25"),  # 02:30 CEST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25"),  # 02:30 CET, again
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "2026-10-25"),  # 23:59 CET
    ],
)
def test_today_around_dst_instants(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch, instant: datetime, expected: str
):
    fake_clock(monkeypatch, instant)
    result = run_cli("today", "--repo", str(example_repo), env=NO_PIN)
    assert result.exit_code == 0 and expected in result.stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Pacific/Auckland", "Wednesday 2026-11-25"),
        ("UTC", "Tuesday 2026-11-24"),
        ("America/Los_Angeles", "Tuesday 2026-11-24"),
    ],
)
def test_today_follows_the_plans_zone_not_the_servers(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch, zone: str, expected: str
):
    # 12:00 UTC on the 24th is already 01:00 on the 25th in Auckland (NZDT, UTC+13).
    fake_clock(monkeypatch, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    with_timezone(example_repo, zone)
    result = run_cli("today", "--repo", str(example_repo), env=NO_PIN)
    assert result.exit_code == 0 and expected in result.stdout.splitlines()[0]


def test_auckland_plan_logs_into_its_own_day(example_repo: Path, monkeypatch: pytest.MonkeyPatch):
    # 11:30 UTC on 30 November: already 1 December in Auckland.
    fake_clock(monkeypatch, datetime(2026, 11, 30, 11, 30, tzinfo=UTC))
    with_timezone(example_repo, "Pacific/Auckland")
    result = run_cli("log", "photo=1", "--person", "farid", "--repo", str(example_repo), env=NO_PIN)
    assert result.exit_code == 0, result.output
    assert (example_repo / "logs" / "2026-12.csv").exists()


def test_git_rev_reads_the_committed_plan(example_repo: Path):
    # Sanity for the no-git tests above: with git on PATH the same command works.
    init_git(example_repo)
    git(example_repo, "add", "plan.yaml")
    git(example_repo, "commit", "--quiet", "-m", "plan")
    assert run_cli("today", "--rev", "HEAD", "--repo", str(example_repo), env=TODAY).exit_code == 0

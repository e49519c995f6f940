"""The KPI log under real concurrency: many processes, SIGKILL, and two git clones merging."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from dutyctl.core.entries import Entry, format_recorded_at
from dutyctl.store.logfile import append_entries, log_path, next_entry_id, read_log

ROOT = Path(__file__).resolve().parent.parent
NOV = date(2026, 11, 24)

# A child process: append COUNT entries one call at a time, printing each id once
# append_entries has returned (so a printed id is one the log promised to keep).
APPENDER = """
import sys, time
from datetime import UTC, date, datetime
from dutyctl.core.entries import Entry, format_recorded_at
from dutyctl.store.logfile import append_entries, next_entry_id

root, name, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
print("ready", flush=True)
time.sleep(max(0.0, start - time.time()))
for i in range(count):
    day = date(2026, 11, 1 + i % 28) if i % 5 else date(2026, 12, 1 + i % 28)
    entry = Entry(
        id=next_entry_id(),
        recorded_at=format_recorded_at(datetime.now(UTC)),
        date=day,
        person=name,
        duty="blog",
        channel="",
        metric="post",
        value=1.0,
        minutes=None,
        url="",
        note=f"{name} entry {i}, with a comma and a 'quote' and " + "x" * (i % 7) * 300,
    )
    append_entries(root, [entry], lock_timeout=30)
    print(entry.id, flush=True)
"""


def spawn(root: Path, name: str, count: int, start: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", APPENDER, str(root), name, str(count), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return child


def printed_ids(output: str) -> list[str]:
    """Ids a child printed in full (a kill can cut the last print short)."""
    lines = output.split("\n")
    complete = lines[:-1]  # the part after the last newline may be cut short
    return [line for line in complete if len(line) == 26 and line != "ready"]


def make(**changes: object) -> Entry:
    base = Entry(
        id=next_entry_id(),
        recorded_at=format_recorded_at(datetime.now(UTC)),
        date=NOV,
        person="anna",
        duty="blog",
        channel="",
        metric="post",
        value=1.0,
        minutes=None,
        url="",
        note="",
    )
    return base._replace(**changes)


def test_sixteen_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    root = tmp_path / "team"
    root.mkdir()
    start = time.time() + 1.5  # all start together, after their imports
    children = [spawn(root, f"p{n:02d}", 50, start) for n in range(16)]
    printed: list[str] = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        printed += printed_ids(out)
    assert len(printed) == 800

    read = read_log(root)
    assert read.problems == []
    ids = [logged.entry.id for logged in read.entries]
    assert len(ids) == 800 and len(set(ids)) == 800
    assert set(ids) == set(printed)
    for path in read.files:
        data = path.read_bytes()
        assert data.endswith(b"\n")
        assert data.count(b"id,recorded_at,") == 1  # the first writer made the header
    lines = sum(path.read_bytes().count(b"\n") for path in read.files)
    assert lines == 800 + len(read.files)


def test_sigkill_during_appends_loses_nothing_acknowledged(tmp_path: Path) -> None:
    root = tmp_path / "team"
    root.mkdir()
    rng = random.Random(20261124)
    acknowledged: list[str] = []
    for _round in range(10):
        child = spawn(root, "killed", 100_000, 0)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.25))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        acknowledged += printed_ids(out)

        read = read_log(root)
        on_disk = {logged.entry.id for logged in read.entries}
        assert set(acknowledged) <= on_disk
        # Only torn rows may be wrong, and each is named with file and line.
        for problem in read.problems:
            assert problem.location is not None and problem.location.line is not None
            assert "torn" in problem.message or "unreadable row" in problem.message

        after = make(note=f"after round {_round}")
        result = append_entries(root, [after], lock_timeout=5)
        assert after.id in {logged.entry.id for logged in read_log(root).entries}
        acknowledged.append(after.id)
        for repaired in result.repaired:
            assert repaired.location is not None and repaired.location.line is not None
    assert len(acknowledged) > 10
    final = read_log(root)
    ids = [logged.entry.id for logged in final.entries]
    assert len(ids) == len(set(ids))
    assert set(acknowledged) <= set(ids)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def configure(repo: Path, name: str) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", f"{name.lower()}@example.com")
    git(repo, "config", "commit.gpgsign", "false")


def test_two_clones_appending_merge_without_conflict(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "--quiet", "-b", "main")
    configure(origin, "Origin")
    (origin / ".gitattributes").write_text("logs/*.csv merge=union\n")
    (origin / "plan.yaml").write_text("# plan\n")
    git(origin, "add", "-A")
    git(origin, "commit", "--quiet", "-m", "start")

    clones = {}
    for name in ("Anna", "Ben"):
        clone = tmp_path / name.lower()
        git(tmp_path, "clone", "--quiet", str(origin), str(clone))
        configure(clone, name)
        clones[name] = clone

    written: dict[str, list[str]] = {}
    for name, clone in clones.items():
        # Neither clone has the month file yet: both create it (add/add under union).
        written[name] = []
        for i in range(100):
            entry = make(person=name.lower(), note=f"{name} {i}, \"quoted\"\nsecond line")
            append_entries(clone, [entry])
            written[name].append(entry.id)
        git(clone, "add", "logs")
        git(clone, "commit", "--quiet", "-m", f"{name}'s entries")

    anna, ben = clones["Anna"], clones["Ben"]
    git(anna, "pull", "--quiet", "--no-rebase", "--no-edit", str(ben), "main")
    git(ben, "pull", "--quiet", "--no-rebase", "--no-edit", str(anna), "main")

    everyone = set(written["Anna"]) | set(written["Ben"])
    for clone in (anna, ben):
        assert git(clone, "status", "--porcelain") == ""
        read = read_log(clone)
        assert read.problems == []
        ids = [logged.entry.id for logged in read.entries]
        assert len(ids) == 200 and set(ids) == everyone
        assert all("\nsecond line" in logged.entry.note for logged in read.entries)
        assert log_path(clone, NOV).read_bytes().count(b"id,recorded_at,") == 1
    assert log_path(anna, NOV).read_bytes() == log_path(ben, NOV).read_bytes()

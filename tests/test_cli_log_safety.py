"""The KPI log through the real CLI under stress: 16 writers, SIGKILL, two git clones merging."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLE_PLAN, ROOT, git, run_cli, run_process

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}

# A child process that runs the real Typer app in-process COUNT times (an interpreter
# start-up per entry would be too slow), printing the ids of each call once it returned.
WRITER = """
import contextlib, io, json, os, sys, time
os.environ.update({"DUTYCTL_TODAY": "2026-11-24", "NO_COLOR": "1"})
import typer
from dutyctl.cli import app

repo, name, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
command = typer.main.get_command(app)  # what app() runs, built once rather than per call
print("ready", flush=True)
time.sleep(max(0.0, start - time.time()))
for i in range(count):
    day = "2026-%02d-%02d" % (8 + i % 4, 2 + i % 20)  # every writer on four month files
    args = ["log", "photo=1", "--person", "anna", "--duty", "social", "--date", day,
            "--note", f"{name} #{i}, with a comma, \\"quotes\\" and\\na newline "
            + "x" * (i % 5) * 200, "--repo", repo, "--format", "json"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = command.main(args, prog_name="dutyctl", standalone_mode=False)
    if code:
        print("FAILED", code, out.getvalue(), err.getvalue(), flush=True)
        sys.exit(1)
    print(*json.loads(out.getvalue())["ids"], flush=True)
"""


def spawn_writer(repo: Path, name: str, count: int, start: float) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(repo), name, str(count), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def all_entries(repo: Path, *args: str) -> list[dict]:
    result = run_cli("entries", "--all", "--format", "json", "--repo", str(repo), *args, env=TODAY)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no read problem at all
    return json.loads(result.stdout)


def test_sixteen_processes_log_800_entries_through_the_cli(example_repo: Path):
    start = time.time() + 1.0
    children = [spawn_writer(example_repo, f"w{n}", 50, start) for n in range(16)]
    # A few true `python -m dutyctl log` runs at the same time, in another month's file.
    plain = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dutyctl",
                "--quiet",
                "log",
                "repost=1",
                "--person",
                "bruno",
                "--date",
                f"2026-07-0{n + 5}",
                "--repo",
                str(example_repo),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), **TODAY, "NO_COLOR": "1"},
        )
        for n in range(3)
    ]
    reported: list[str] = []
    for child in children + plain:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, out + err
        reported += [i for line in out.splitlines() if line != "ready" for i in line.split()]
    assert len(reported) == 803 and len(set(reported)) == 803

    read_back = run_process(
        "entries", "--all", "--format", "json", "--repo", str(example_repo), env=TODAY
    )
    assert read_back.returncode == 0 and read_back.stderr == ""
    rows = json.loads(read_back.stdout)
    written = [r for r in rows if r["person"] == "anna"]
    assert len(written) == 800 and len(rows) == 803
    assert len({r["id"] for r in rows}) == 803 and {r["id"] for r in rows} == set(reported)
    notes = {r["note"] for r in written}
    assert len(notes) == 800 and all("\na newline" in n for n in notes)
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11"):
        raw = (example_repo / "logs" / f"{month}.csv").read_bytes()
        count = sum(r["date"].startswith(month) for r in rows)
        assert raw.endswith(b"\n") and raw.count(b"\n") == 1 + count  # one line per row
    assert run_cli("doctor", "--repo", str(example_repo), env=TODAY).exit_code == 0


def test_sigkill_in_a_stream_of_log_calls_loses_nothing(example_repo: Path):
    rng = random.Random(7)
    promised: list[str] = []
    torn_at = 0
    for round_ in range(5):
        child = spawn_writer(example_repo, f"k{round_}", 10_000, 0.0)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        wanted = rng.randint(1, 12)
        got = 0
        while got < wanted:
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            promised += line.split()
            got += 1
        time.sleep(rng.random() * 0.05)  # kill somewhere inside a later call
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        promised += [i for line in out.splitlines() for i in line.split()]
        if round_ == 3:
            # What a kill in the middle of os.write would leave: a torn last line.
            path = example_repo / "logs" / "2026-11.csv"
            with open(path, "ab") as handle:
                handle.write(b"01KTORNBYSIGKILL0000000000,2026-11-24T08:00:0")
            torn_at = path.read_bytes().count(b"\n") + 1
        doctor = run_cli("doctor", "--repo", str(example_repo), env=TODAY)
        if doctor.exit_code == 1 or torn_at:
            # Torn rows stay named, by file and line, until doctor --fix moves them.
            assert doctor.exit_code == 1 and f"logs/2026-11.csv:{torn_at}: error:" in doctor.stdout
        else:
            assert doctor.exit_code == 0, doctor.output
        after = run_cli(
            "log",
            "repost=1",
            "--person",
            "anna",
            "--repo",
            str(example_repo),
            "--format",
            "json",
            env=TODAY,
        )
        assert after.exit_code == 0, after.output
        if round_ == 3:
            assert doctor.exit_code == 1
            assert f"logs/2026-11.csv:{torn_at}: error: torn last line" in doctor.stdout
            assert "the last line was cut short" in after.stderr
        promised += json.loads(after.stdout)["ids"]
        listed = run_cli(
            "entries", "--all", "--format", "json", "--repo", str(example_repo), env=TODAY
        )
        assert listed.exit_code == 0 and set(promised) <= {
            r["id"] for r in json.loads(listed.stdout)
        }
        assert ("unreadable row" in listed.stderr or "torn" in listed.stderr) == bool(torn_at)
    fixed = run_cli("doctor", "--fix", "--repo", str(example_repo), env=TODAY)
    assert fixed.exit_code == 0, fixed.output
    assert "Moved 1 unreadable row" in fixed.stdout
    assert set(promised) <= {row["id"] for row in all_entries(example_repo)}


def invoke(command, args: list[str]) -> tuple[int, str]:
    """The real CLI in-process, with Typer's command built once (run_cli builds it per call)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = command.main(args, prog_name="dutyctl", standalone_mode=False)
    return code or 0, out.getvalue() + err.getvalue()


def test_two_clones_commit_100_entries_each_and_merge_without_conflict(tmp_path: Path, monkeypatch):
    import typer

    from dutyctl.cli import app

    command = typer.main.get_command(app)
    for name, value in TODAY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DUTYCTL_PERSON", raising=False)
    monkeypatch.delenv("DUTYCTL_REPO", raising=False)
    base = tmp_path / "base"
    made = run_cli("init", str(base), env=TODAY)
    assert made.exit_code == 0, made.output
    assert "logs/*.csv merge=union" in (base / ".gitattributes").read_text()
    shutil.copy(EXAMPLE_PLAN, base / "plan.yaml")
    identity = [
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    git(base, "add", "-A")
    git(base, *identity, "commit", "-q", "-m", "plan")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(base), str(origin))
    clones = {}
    for name, person in (("a", "anna"), ("b", "bruno")):
        clone = tmp_path / name
        git(tmp_path, "clone", "-q", str(origin), str(clone))
        git(clone, "config", "user.email", f"{person}@example.com")
        git(clone, "config", "user.name", person)
        git(clone, "config", "commit.gpgsign", "false")
        git(clone, "config", "pull.rebase", "false")
        clones[name] = (clone, person)
    for clone, person in clones.values():
        for i in range(100):
            day = f"2026-11-{1 + i % 24:02d}"  # the person comes from git user.email
            args = ["--quiet", "log", "photo=1", "--date", day, "--note", f"{i}", "--commit"]
            code, output = invoke(command, [*args, "--repo", str(clone)])
            assert code == 0, output
        assert git(clone, "status", "--porcelain").strip() == ""
        assert git(clone, "rev-list", "--count", "HEAD").strip() == "101"
        assert {r["person"] for r in all_entries(clone)} == {person}
    a, b = clones["a"][0], clones["b"][0]
    git(a, "push", "-q", "origin", "HEAD")
    git(b, "pull", "-q", "--no-edit")  # a union merge of the same month file
    git(b, "push", "-q", "origin", "HEAD")
    git(a, "pull", "-q", "--no-edit")
    for clone in (a, b):
        rows = all_entries(clone)
        assert len(rows) == 200 and len({r["id"] for r in rows}) == 200
        assert {r["person"] for r in rows} == {"anna", "bruno"}
        assert git(clone, "status", "--porcelain").strip() == ""
        text = (clone / "logs" / "2026-11.csv").read_text()
        assert "<<<<<<<" not in text and text.count("\n") == 201
        assert run_cli("doctor", "--repo", str(clone), env=TODAY).exit_code == 0
    assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")

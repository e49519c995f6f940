"""Shared fixtures: real duty repositories in temp folders, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

# The runner's terminal size is not the test's: pytest-xdist's workers, for one, run with
# COLUMNS=80 LINES=24, which would make Rich wrap what the tests read, in this process
# and in every dutyctl process a test starts.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
EXAMPLE_PLAN = ROOT / "examples" / "plan.yaml"


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Outcome:
    """The real CLI in-process (Typer's CliRunner), with stdout and stderr apart."""
    from dutyctl import render
    from dutyctl.cli import app

    render.configure(color=True, quiet=False)
    base = {"NO_COLOR": "1", "COLUMNS": "120", "DUTYCTL_PERSON": None, "DUTYCTL_REPO": None,
            "DUTYCTL_DEBUG": "1"}
    result = CliRunner().invoke(
        app, list(args), env={**base, **(env or {})}, input=input, catch_exceptions=True
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real CLI as a separate process (python -m dutyctl)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "dutyctl", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def on_a_terminal(*args: str, cwd: Path, stream: str = "stdout") -> bytes:
    """What dutyctl writes to ``stream`` (stdout or stderr) when that stream is a real
    terminal (a pseudo-terminal), colour allowed; the other stream is thrown away. The
    command must exit 0."""
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="100", DUTYCTL_TODAY="2026-11-30")
    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: follower}
    try:
        child = subprocess.Popen([sys.executable, "-m", "dutyctl", *args], cwd=cwd, env=env,
                                 stdin=subprocess.DEVNULL, **streams)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child is gone and the terminal closed
                break
            if not chunk:
                break
            out += chunk
        assert child.wait(timeout=60) == 0, out
        return out
    finally:
        os.close(leader)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout


def init_git(path: Path) -> None:
    git(path, "init", "--quiet", "-b", "main")
    git(path, "config", "user.email", "anna@example.com")
    git(path, "config", "user.name", "Anna Berg")
    git(path, "config", "commit.gpgsign", "false")


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A duty repository holding a copy of examples/plan.yaml and an empty logs/."""
    repo = tmp_path / "team"
    repo.mkdir()
    shutil.copy(EXAMPLE_PLAN, repo / "plan.yaml")
    (repo / "logs").mkdir()
    return repo


@pytest.fixture
def write_plan(tmp_path: Path):
    """Write a plan text into a fresh repository and return the repository path."""

    def write(text: str, name: str = "plan.yaml") -> Path:
        repo = tmp_path / "repo"
        repo.mkdir(exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
        return repo

    return write

"""No command destroys the plan, a file it pulls in, or a log (issue 19, data loss).

``--output`` never replaces what dutyctl keeps; log and plan writes never go through a
symlink. Real repositories in temp folders, the real CLI, every file compared byte for
byte before and after.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from dutyctl.errors import UsageError
from dutyctl.store.repo import Repo
from dutyctl.store.safefiles import check_output
from tests.conftest import EXAMPLE_PLAN, init_git, run_cli

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}

# Every command with --output, with arguments it runs with (see test_the_list_is_complete).
OUTPUT_COMMANDS = {
    "rotate": ["rotate"],
    "today": ["today"],
    "who": ["who", "anna"],
    "plan show": ["plan", "show", "--format", "json"],
    "entries": ["entries", "--format", "csv"],
    "report leaderboard": ["report", "leaderboard", "--format", "csv"],
    "report month": ["report", "month", "--format", "json"],
    "report week": ["report", "week"],
    "report person": ["report", "person", "anna"],
}


def split_roster(repo: Path) -> None:
    """Move the example plan's roster to people.yaml (``roster: people.yaml``)."""
    lines = (repo / "plan.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("roster:"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i][:1].isalpha())
    body = [line[2:] for line in lines[start + 1 : end] if line.strip()]
    (repo / "people.yaml").write_text("".join(body), encoding="utf-8")
    rest = lines[:start] + ["roster: people.yaml\n", "\n"] + lines[end:]
    (repo / "plan.yaml").write_text("".join(rest), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git duty repository with a roster file, a month of log and a file to link to."""
    root = tmp_path / "team"
    root.mkdir()
    shutil.copy(EXAMPLE_PLAN, root / "plan.yaml")
    (root / "logs").mkdir()
    split_roster(root)
    init_git(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert run_cli("plan", "check", env=TODAY).exit_code == 0
    logged = run_cli("log", "photo=1", "--person", "farid", env=TODAY)
    assert logged.exit_code == 0, logged.output
    (root / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (root / "link.txt").symlink_to("notes.txt")
    return root


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file of the repository (links as their target), the cache aside."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".dutyctl-cache"):
            continue
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


TARGETS = {
    "plan": "plan.yaml",
    "plan-dotted": "./plan.yaml",
    "plan-via-parent": "../team/plan.yaml",
    "roster": "people.yaml",
    "log": "logs/2026-11.csv",
    "new-log-month": "logs/2026-10.csv",
    "git": ".git/HEAD",
    "cache": ".dutyctl-cache/x.json",
    "symlink": "link.txt",
}


@pytest.mark.parametrize("target", list(TARGETS), ids=list(TARGETS))
@pytest.mark.parametrize("command", list(OUTPUT_COMMANDS), ids=list(OUTPUT_COMMANDS))
def test_output_refuses_what_dutyctl_keeps(repo: Path, command: str, target: str):
    path = TARGETS[target]
    before = snapshot(repo)
    result = run_cli(*OUTPUT_COMMANDS[command], "--output", path, env=TODAY)
    assert result.exit_code == 2, result.output
    assert "refusing to write --output" in result.stderr
    assert Path(path).name in result.stderr and "hint: write elsewhere" in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize("command", list(OUTPUT_COMMANDS), ids=list(OUTPUT_COMMANDS))
def test_output_elsewhere_still_works(repo: Path, command: str):
    (repo / "reports").mkdir()
    target = repo / "reports" / "out.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    result = run_cli(*OUTPUT_COMMANDS[command], "--output", "reports/out.txt", env=TODAY)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") not in ("", "old\n")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (repo / "reports").iterdir()) == ["out.txt"]  # no temp left


def test_the_list_is_complete():
    """OUTPUT_COMMANDS names every command that takes --output."""
    from typer.main import get_command

    from dutyctl.cli import app

    def walk(command, prefix: str) -> list[str]:
        if hasattr(command, "commands"):  # a group
            return [
                name
                for sub_name, sub in command.commands.items()
                for name in walk(sub, f"{prefix} {sub_name}".strip())
            ]
        has_output = any("--output" in getattr(p, "opts", ()) for p in command.params)
        return [prefix] if has_output else []

    assert sorted(walk(get_command(app), "")) == sorted(OUTPUT_COMMANDS)


def test_a_hard_link_to_the_roster_is_refused(repo: Path):
    os.link(repo / "people.yaml", repo / "alias.txt")
    before = snapshot(repo)
    result = run_cli("today", "-o", "alias.txt", env=TODAY)
    assert result.exit_code == 2
    assert "it is people.yaml, a file the plan pulls in" in result.stderr
    assert snapshot(repo) == before


def test_a_failed_export_leaves_the_old_file_whole(repo: Path, monkeypatch):
    from dutyctl.render import export

    (repo / "out.json").write_text("the old export\n")

    def broken(result, kind, format, out):
        out.write("[half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export, "render", broken)
    result = run_cli("rotate", "--format", "json", "-o", "out.json", env=TODAY)
    assert result.exit_code == 2
    assert "could not write out.json: No space left on device; out.json is as it was" in (
        result.stderr
    )
    assert (repo / "out.json").read_text() == "the old export\n"
    assert not [p for p in repo.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "where, message",
    [
        ("missing/out.txt", "the folder missing does not exist"),
        ("logs-copy", "--output logs-copy is a folder"),
        ("/dev/full", "could not write /dev/full: No space left on device"),
    ],
)
def test_bad_output_targets_are_clear_errors(repo: Path, where: str, message: str):
    if where == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (repo / "logs-copy").mkdir()
    result = run_cli("today", "--output", where, env=TODAY)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_output_to_a_device_is_written_directly(repo: Path):
    assert run_cli("today", "--output", os.devnull, env=TODAY).exit_code == 0


def test_check_output_compares_real_paths(repo: Path, tmp_path: Path):
    found = Repo(repo)
    (repo / "sub").mkdir()
    for alias in ("sub/../plan.yaml", str(repo / "plan.yaml"), "../team/./people.yaml"):
        with pytest.raises(UsageError, match="refusing to write --output"):
            check_output(alias, found)
    assert check_output("sub/report.csv", found) == Path("sub/report.csv")
    assert check_output(tmp_path / "elsewhere.csv", found) == tmp_path / "elsewhere.csv"


# -- log and plan writes never follow a symlink ------------------------------------------


def log_anna() -> object:
    return run_cli("log", "photo=1", "--person", "anna", env=TODAY)


@pytest.mark.parametrize("points_to", ["../plan.yaml", "../.git/HEAD", "../people.yaml"])
def test_a_symlinked_log_month_is_not_written_through(repo: Path, points_to: str):
    month = repo / "logs" / "2026-11.csv"
    month.unlink()
    month.symlink_to(points_to)
    before = snapshot(repo)
    result = log_anna()
    assert result.exit_code == 2, result.output
    assert "logs/2026-11.csv is a symlink" in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    "link",
    # A month file linked to the plan: the plan's lines are unreadable rows, and
    # quarantine would rewrite the plan without them.
    ["quarantine.csv", "2026-10.csv"],
)
def test_doctor_fix_writes_through_no_link_in_logs(repo: Path, link: str):
    with open(repo / "logs" / "2026-11.csv", "a", encoding="utf-8") as handle:
        handle.write("torn")
    (repo / "logs" / link).symlink_to("../plan.yaml")
    before = snapshot(repo)
    result = run_cli("doctor", "--fix", env=TODAY)
    assert result.exit_code == 2, result.output
    assert f"logs/{link} is a symlink" in result.stderr
    assert snapshot(repo) == before


def test_a_symlinked_logs_folder_is_not_written_to(repo: Path):
    shutil.move(repo / "logs", repo / "data")
    (repo / "logs").symlink_to("data")
    before = snapshot(repo)
    result = log_anna()
    assert result.exit_code == 2
    assert "logs is a symlink" in result.stderr
    assert snapshot(repo) == before


def test_a_log_month_that_is_not_a_file_is_refused(repo: Path):
    (repo / "logs" / "2026-11.csv").unlink()
    os.mkfifo(repo / "logs" / "2026-11.csv")
    result = log_anna()
    assert result.exit_code == 2
    assert "logs/2026-11.csv is not a regular file" in result.stderr


def test_swap_does_not_write_through_a_symlinked_plan(example_repo: Path, monkeypatch):
    repo = example_repo
    monkeypatch.chdir(repo)
    (repo / "plan.yaml").rename(repo / "real-plan.yaml")
    (repo / "plan.yaml").symlink_to("real-plan.yaml")
    before = snapshot(repo)
    result = run_cli("swap", "2026-11-25", "social", "dave", "farid", env=TODAY)
    assert result.exit_code == 2, result.output
    assert "plan.yaml is a symlink; dutyctl writes the plan only as a real file" in result.stderr
    assert snapshot(repo) == before
    # The same swap on a real plan file goes through.
    (repo / "plan.yaml").unlink()
    (repo / "real-plan.yaml").rename(repo / "plan.yaml")
    assert run_cli("swap", "2026-11-25", "social", "dave", "farid", env=TODAY).exit_code == 0

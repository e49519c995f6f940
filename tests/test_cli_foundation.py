"""The foundation through the real CLI: init, plan check, plan show, repo discovery, --rev."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import git, init_git, on_a_terminal, run_cli, run_process


def test_version():
    from dutyctl import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"dutyctl {__version__}"


def test_init_scaffolds_a_valid_repository(tmp_path: Path):
    target = tmp_path / "acme-marketing"
    result = run_cli("init", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "plan.yaml").exists()
    assert (target / "logs").is_dir()
    assert "logs/*.csv merge=union" in (target / ".gitattributes").read_text()
    assert ".dutyctl-cache/" in (target / ".gitignore").read_text()
    assert (target / ".git").is_dir()
    assert "team: Acme Marketing" in (target / "plan.yaml").read_text()
    check = run_cli("plan", "check", "--repo", str(target))
    assert check.exit_code == 0, check.output
    assert "OK (3 people, 2 duties)" in check.stdout


def test_init_refuses_to_overwrite(tmp_path: Path):
    (tmp_path / "plan.yaml").write_text("team: mine\n")
    result = run_cli("init", str(tmp_path))
    assert result.exit_code == 2
    assert "overwrites nothing" in result.stderr
    assert (tmp_path / "plan.yaml").read_text() == "team: mine\n"
    assert not (tmp_path / "logs").exists()


def test_init_inside_an_existing_git_repo_keeps_its_files(tmp_path: Path):
    init_git(tmp_path)
    (tmp_path / ".gitignore").write_text("node_modules/")  # no final newline
    result = run_cli("init", str(tmp_path / "duties"))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "duties" / ".git").exists()  # already inside a repository
    result = run_cli("init", str(tmp_path), "--team", "Root team")
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text() == "node_modules/\n.dutyctl-cache/\n"


def test_plan_check_ok_and_json(example_repo: Path):
    result = run_cli("plan", "check", "--repo", str(example_repo))
    assert result.exit_code == 0
    assert result.stdout.strip() == "plan.yaml: OK (9 people, 2 duties)"
    result = run_cli("plan", "check", "--repo", str(example_repo), "--format", "json")
    assert json.loads(result.stdout) == {
        "file": "plan.yaml",
        "ok": True,
        "errors": 0,
        "warnings": 0,
        "problems": [],
    }


def test_plan_check_reports_every_problem_with_location(example_repo: Path):
    plan = example_repo / "plan.yaml"
    text = plan.read_text().replace("coordinator: anna", "coordinater: anna", 1)
    text = text.replace("kpi: {photo: 1, repost: 1, news: 1}", "kpi: {foto: 1, repost: 1, news: 1}")
    plan.write_text(text)
    lines = text.splitlines()
    key_line = next(i for i, line in enumerate(lines, 1) if line.startswith("coordinater"))
    kpi_line = next(i for i, line in enumerate(lines, 1) if "foto: 1" in line)
    result = run_cli("plan", "check", "--repo", str(example_repo))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"plan.yaml:{key_line}:1: error: unknown key 'coordinater' in the plan" in result.stderr
    assert "hint: did you mean 'coordinator'?" in result.stderr
    assert "unknown metric 'foto'" in result.stderr and "did you mean 'photo'?" in result.stderr
    assert "2 errors" in result.stderr
    data = json.loads(run_cli("plan", "check", "--repo", str(example_repo), "-f", "json").stdout)
    assert data["ok"] is False and data["errors"] == 2
    assert {(p["line"], p["severity"]) for p in data["problems"]} == {
        (key_line, "error"),
        (kpi_line, "error"),
    }


def test_other_commands_refuse_an_invalid_plan_with_exit_2(example_repo: Path):
    plan = example_repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("every: weekday", "every: weekdays"))
    result = run_cli("plan", "show", "--repo", str(example_repo))
    assert result.exit_code == 2
    assert "'weekdays' is not a cadence" in result.stderr
    assert "the plan has 1 problem" in result.stderr


def test_plan_show_table_and_json(example_repo: Path):
    env = {"DUTYCTL_TODAY": "2026-08-05"}
    result = run_cli("plan", "show", "--repo", str(example_repo), env=env)
    assert result.exit_code == 0, result.output
    for text in (
        "Acme Marketing",
        "Roster (9 people)",
        "away 2026-08-03..2026-08-14",
        "article 1..2",
        "Best on duty of the month",
        "Instagram to 5000 followers",
        "next on 2026-08-28, 2026-09-25, 2026-10-30",
    ):
        assert text in result.stdout, text
    data = json.loads(
        run_cli("plan", "show", "--repo", str(example_repo), "--format", "json", env=env).stdout
    )
    assert data["team"] == "Acme Marketing"
    emma = next(p for p in data["roster"] if p["id"] == "emma")
    assert emma["away_now"] == "2026-08-03..2026-08-14"
    dave = next(p for p in data["roster"] if p["id"] == "dave")
    assert dave["from"] == "2026-06-01" and dave["active"] is True and dave["days"] is None
    hana = next(p for p in data["roster"] if p["id"] == "hana")
    assert hana["days"] == ["MO", "TU", "WE"] and hana["active"] is False
    assert data["review"]["next"] == ["2026-08-28", "2026-09-25", "2026-10-30"]
    assert data["duties"][1] == {
        "id": "blog",
        "name": "Blog duty",
        "every": "week",
        "people": 2,
        "weight": 2,
        "channels": ["blog"],
        "requires": ["writing"],
        "department": None,
        "kpi": {"article": "1..2"},
        "kpi_per": "slot",
        "due": ["TU", "TH"],
        "due_on_holiday": "earlier",
        "due_moves": [],
    }


def test_repository_found_by_walking_up_and_by_environment(example_repo: Path):
    sub = example_repo / "logs"
    result = run_process("plan", "check", cwd=sub)
    assert result.returncode == 0, result.stderr
    result = run_process("plan", "check", cwd=Path("/"), env={"DUTYCTL_REPO": str(example_repo)})
    assert result.returncode == 0, result.stderr
    result = run_process("--repo", str(example_repo), "plan", "check", cwd=Path("/"))
    assert result.returncode == 0, result.stderr


def test_outside_any_repository_says_how_to_create_one(tmp_path: Path):
    result = run_process("plan", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "no duty repository here" in result.stderr
    assert "dutyctl init" in result.stderr
    assert "Traceback" not in result.stderr


def test_rev_reads_the_plan_as_committed(example_repo: Path):
    init_git(example_repo)
    git(example_repo, "add", "plan.yaml")
    git(example_repo, "commit", "-qm", "plan")
    plan = example_repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("team: Acme Marketing", "team: [broken"))
    now = run_cli("plan", "check", "--repo", str(example_repo))
    assert now.exit_code == 2
    then = run_cli("plan", "show", "--repo", str(example_repo), "--rev", "HEAD", "-f", "json")
    assert then.exit_code == 0, then.output
    assert json.loads(then.stdout)["team"] == "Acme Marketing"
    bad = run_cli("plan", "show", "--repo", str(example_repo), "--rev", "--output=/tmp/x")
    assert bad.exit_code == 2 and "is not a git revision" in bad.stderr
    missing = run_cli("plan", "check", "--repo", str(example_repo), "--rev", "nosuchbranch")
    assert missing.exit_code == 2 and "unknown git revision 'nosuchbranch'" in missing.stderr


def test_plan_directory_instead_of_file(tmp_path: Path):
    (tmp_path / "plan.yaml").mkdir()
    result = run_cli("plan", "check", "--repo", str(tmp_path))
    assert result.exit_code == 2
    assert "plan.yaml is a directory" in result.stderr


def _commands(app, prefix=()):
    import typer.main

    group = typer.main.get_command(app)
    stack = [(prefix, group)]
    while stack:
        path, command = stack.pop()
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            stack.append((path + (name,), sub))


def test_every_command_and_option_has_help():
    from dutyctl.cli import app

    seen = 0
    for path, command in _commands(app):
        seen += 1
        assert (command.help or "").strip(), f"dutyctl {' '.join(path)} has no help"
        for param in command.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} has no help"
        result = run_cli(*path, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout
    assert seen >= 4


def test_python_dash_m_and_no_traceback_for_bad_usage():
    result = run_process("--version")
    assert result.returncode == 0 and result.stdout.startswith("dutyctl ")
    result = run_process("plan", "show", "--format", "yaml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_end_to_end_init_check_show_in_a_subprocess(tmp_path: Path):
    """The README's quick start, step by step, in a fresh folder."""
    repo = tmp_path / "newteam"
    steps = [
        ("init", str(repo)),
        ("--repo", str(repo), "plan", "check"),
        ("--repo", str(repo), "plan", "show"),
    ]
    for step in steps:
        result = run_process(*step, cwd=tmp_path, env={"DUTYCTL_TODAY": "2026-11-24"})
        assert result.returncode == 0, (step, result.stderr)
    assert "Alice" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes in a pipe


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_plan(example_repo: Path):
    (example_repo / "plan.yaml").chmod(0)
    result = run_cli("plan", "check", "--repo", str(example_repo))
    assert result.exit_code == 2
    assert "cannot read plan.yaml" in result.stderr


def test_plan_show_says_which_dates_moved_off_holidays(example_repo: Path):
    env = {"DUTYCTL_TODAY": "2026-12-01", "COLUMNS": "200"}
    result = run_cli("plan", "show", "--repo", str(example_repo), env=env)
    assert result.exit_code == 0, result.output
    assert (
        "next on 2026-12-23 (moved from Fri 2026-12-25, Christmas Day), 2027-01-29, 2027-02-26"
        in result.stdout
    )
    assert (
        "Due days moved off holidays: blog 2026-12-23 (moved from Thu 2026-12-24, extra "
        "holiday), blog 2026-12-30 (moved from Thu 2026-12-31, extra holiday)" in result.stdout
    )
    data = json.loads(
        run_cli("plan", "show", "--repo", str(example_repo), "-f", "json", env=env).stdout
    )
    assert data["review"]["on_holiday"] == "earlier"
    assert data["review"]["next"] == ["2026-12-23", "2027-01-29", "2027-02-26"]
    assert data["review"]["moved"] == [
        {"date": "2026-12-23", "moved_from": "2026-12-25", "because": "Christmas Day"}
    ]
    blog = next(d for d in data["duties"] if d["id"] == "blog")
    assert blog["due_on_holiday"] == "earlier"
    assert [m["date"] for m in blog["due_moves"]] == ["2026-12-23", "2026-12-30"]


def _read_one_line_and_close(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the real CLI into a pipe whose reader stops after one line, as `| head -1`."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env.update(NO_COLOR="1", DUTYCTL_TODAY="2026-11-30")
    child = subprocess.Popen([sys.executable, "-m", "dutyctl", *args], cwd=cwd, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()
    stderr = child.stderr.read()
    return child.wait(timeout=60), first, stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(example_repo: Path):
    """`dutyctl entries | head -1`: exit 0 and nothing on stderr, however much is left
    unwritten (far more than a pipe holds), in every format."""
    from datetime import UTC, date, datetime

    from dutyctl.core.entries import Entry, format_recorded_at
    from dutyctl.store.logfile import append_entries, next_entry_id

    stamp = format_recorded_at(datetime.now(UTC))
    append_entries(example_repo, [
        Entry(next_entry_id(), stamp, date(2026, 11, 2 + i % 25), "anna", "", "", "photo",
              1.0, None, "", f"entry {i}", "") for i in range(3000)])
    cases = [
        ("entries", "--month", "2026-11", "--format", "csv"),
        ("entries", "--month", "2026-11", "--format", "json"),
        ("rotate", "--from", "2026-01-05", "--to", "2030-12-31", "--format", "csv"),
        ("rotate", "--weeks", "260", "--stats"),  # a Rich table, which would exit 1 itself
    ]
    for args in cases:
        code, first, stderr = _read_one_line_and_close(*args, cwd=example_repo)
        assert first, args
        assert (code, stderr) == (0, ""), args


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_an_error_not_a_traceback(example_repo: Path):
    for args in (("--help",), ("rotate", "--format", "csv")):
        with open("/dev/full", "w") as full:
            import subprocess
            import sys

            child = subprocess.run([sys.executable, "-m", "dutyctl", *args], cwd=example_repo,
                                   stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                                   env={**os.environ, "DUTYCTL_TODAY": "2026-11-30"})
        assert child.returncode == 2, args
        assert "No space left on device" in child.stderr, args
        assert "Traceback" not in child.stderr, args


def test_quiet_works_after_the_command_too(example_repo: Path):
    env = {"DUTYCTL_TODAY": "2026-11-30"}
    where = ("--repo", str(example_repo))
    before = run_cli("--quiet", "log", "photo=1", "--person", "anna", *where, env=env)
    after = run_cli("log", "photo=1", "--person", "anna", *where, "-q", env=env)
    for result in (before, after):
        assert result.exit_code == 0, result.output
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}\n", result.stdout), result.stdout
    # An option's value is never taken for the flag: this note reads "--quiet".
    noted = run_cli("log", "photo=1", "--person", "anna", *where, "--note", "--quiet", env=env)
    assert noted.exit_code == 0 and noted.stdout.startswith("Logged 1 entry")
    listed = run_cli("entries", "--month", "2026-11", "-f", "json", *where, env=env).stdout
    assert [e["note"] for e in json.loads(listed)][-1] == "--quiet"
    shown = run_cli("report", "month", "2026-11", *where, "--quiet", env=env)
    assert shown.exit_code == 0 and shown.stdout == run_cli(
        "--quiet", "report", "month", "2026-11", *where, env=env).stdout


def test_no_color_works_after_the_command_too(example_repo: Path):
    assert _colours(on_a_terminal("rotate", "--weeks", "1", cwd=example_repo))
    for args in (("--no-color", "rotate", "--weeks", "1"), ("rotate", "--weeks", "1",
                                                              "--no-color")):
        out = on_a_terminal(*args, cwd=example_repo)
        assert b"Anna" in out or b"anna" in out.lower()
        assert not _colours(out), args


def _colours(out: bytes) -> set[str]:
    """The colours set in terminal output (not bold or italic, which NO_COLOR keeps)."""
    found = set()
    for params in re.findall(rb"\x1b\[([0-9;]*)m", out):
        for code in params.split(b";"):
            if code and (30 <= int(code) <= 48 or 90 <= int(code) <= 107):
                found.add(code.decode())
    return found

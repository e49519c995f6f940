"""Text from the plan, the log and the environment is data (issue 19, crashes).

Never Rich markup (a name like ``[bold red]Farid[/]`` prints as written, ``[/]`` does
not end the command with an internal error), never a terminal command (an ESC is
shown as ``\\x1b``), and a stream that cannot encode a name does not crash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dutyctl.render import escape, visible
from tests.conftest import EXAMPLE_PLAN, run_cli, run_process

TODAY = {"DUTYCTL_TODAY": "2026-11-26"}  # Farid holds the social slot that day

# Every command that prints plan or log text for people, in its human formats.
COMMANDS = [
    ["plan", "show"],
    ["plan", "check"],
    ["today"],
    ["rotate"],
    ["rotate", "--stats", "--explain"],
    ["rotate", "--format", "md"],
    ["who", "farid"],
    ["entries"],
    ["doctor"],
    ["report", "leaderboard"],
    ["report", "leaderboard", "--format", "md"],
    ["report", "month", "--format", "table"],
    ["report", "month", "--format", "html"],
    ["report", "week", "--format", "table"],
    ["report", "week"],
    ["report", "person", "farid"],
    ["report", "person", "farid", "--format", "svg"],
]

HOSTILE = {
    "markup": ("Acme [/]", "[bold red]Farid[/] [/x]", "Social [/duty]"),
    "controls": ("Acme\nMarketing\r\t", "Farid \x1b[31mHaddad\x9b", "Social \x1b]0;pwned\x07"),
}


def yaml_text(text: str) -> str:
    """A YAML double-quoted string: JSON's, with DEL and C1 controls as \\u escapes."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if "\x7f" <= c <= "\x9f" else c for c in quoted)


def hostile_repo(root: Path, team: str, farid: str, social: str) -> Path:
    root.mkdir()
    text = EXAMPLE_PLAN.read_text(encoding="utf-8")
    for old, new in (
        ("team: Acme Marketing", f"team: {yaml_text(team)}"),
        ("name: Farid Haddad", f"name: {yaml_text(farid)}"),
        ("name: Social media duty", f"name: {yaml_text(social)}"),
    ):
        assert old in text
        text = text.replace(old, new)
    (root / "plan.yaml").write_text(text, encoding="utf-8")
    (root / "logs").mkdir()
    return root


def test_visible_shows_every_control_character():
    assert visible("a\x1b[31mb\x07\x7f\x9b\n\t\r") == "a\\x1b[31mb\\x07\\x7f\\x9b\\n\\t\\r"
    assert visible("Zoë 🥇 [/]") == "Zoë 🥇 [/]"
    assert all(visible(chr(c)) != chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))


def test_escape_makes_markup_and_controls_data():
    from rich.console import Console
    from rich.text import Text

    for name in ("[/]", "[bold red]Farid[/] [/x]", "x [link=file:///etc/passwd]y", "a\\[b]"):
        assert Text.from_markup(escape(name)).plain == name
    # A trailing backslash does not escape the tag that follows it.
    assert Text.from_markup(escape("a\\") + "[bold]x[/]").plain.endswith("x")
    assert Text.from_markup(escape("\x1b[2J")).plain == "\\x1b[2J"
    console = Console(file=None, width=80, highlight=False, color_system=None)
    with console.capture() as captured:
        console.print(escape("[bold]x[/] \x1b[31m"))
    assert captured.get() == "[bold]x[/] \\x1b[31m\n"


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_names_print_as_data_in_every_command(tmp_path: Path, monkeypatch, kind: str):
    team, farid, social = HOSTILE[kind]
    repo = hostile_repo(tmp_path / "repo", team, farid, social)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    logged = run_cli("log", "photo=1", "--person", "farid", "--note", "[/] \x1b[1m", env=TODAY)
    assert logged.exit_code == 0, logged.output
    assert "\x1b" not in logged.output
    for args in COMMANDS:
        result = run_cli(*args, env=TODAY)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "\x1b" not in result.output and "\x07" not in result.output, args
        assert "\x9b" not in result.output, args
    shown = run_cli("rotate", env={**TODAY, "COLUMNS": "400"}).stdout
    assert visible(farid) in shown and visible(social) in shown and visible(team) in shown
    today = run_cli("today", env=TODAY).stdout
    assert f"{visible(social)}: {visible(farid)}" in today


def test_hostile_names_stay_whole_in_json(tmp_path: Path, monkeypatch):
    team, farid, social = HOSTILE["controls"]
    repo = hostile_repo(tmp_path / "repo", team, farid, social)
    monkeypatch.chdir(repo)
    view = json.loads(run_cli("plan", "show", "--format", "json", env=TODAY).stdout)
    assert view["team"] == team  # data for programs is not altered


def test_a_line_break_in_the_team_is_a_valid_calendar(tmp_path: Path, monkeypatch):
    repo = hostile_repo(tmp_path / "repo", "Acme\nMarketing", "Farid", "Social")
    monkeypatch.chdir(repo)
    result = run_cli("rotate", "--format", "ics", env=TODAY)
    assert result.exit_code == 0
    assert "X-WR-CALNAME:Acme Marketing duties" in result.stdout.splitlines()


def test_a_stream_that_cannot_encode_a_name_does_not_crash(tmp_path: Path):
    encoding = "ascii"
    repo = hostile_repo(tmp_path / "repo", "Acme", "Zoë 🥇 Haddad", "Social media duty")
    env = {**TODAY, "PYTHONIOENCODING": encoding, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for args in (["today"], ["rotate"], ["who", "farid"], ["report", "month"],
                 ["log", "photo=1", "--person", "farid"], ["entries"]):
        done = run_process("--repo", str(repo), *args, env=env)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        if args != ["entries"]:
            assert "Zo\\xeb \\U0001f947 Haddad" in done.stdout, args
    error = run_process("--repo", str(repo), "who", "zoë", env=env)
    assert error.returncode == 2 and "unknown person 'zo\\xeb'" in error.stderr


@pytest.mark.parametrize("team", ["[/]", "A\nB\x1b[31m", 'say "hi" \\ [b]', "Café\x85\u2028"])
def test_init_writes_any_team_name_as_a_plan_that_loads(tmp_path: Path, team: str):
    target = tmp_path / "d"
    made = run_cli("init", str(target), "--team", team, env=TODAY)
    assert made.exit_code == 0, made.output
    assert "\x1b" not in made.output
    check = run_cli("plan", "check", "--repo", str(target), env=TODAY)
    assert check.exit_code == 0, check.output
    view = json.loads(run_cli("plan", "show", "--repo", str(target), "--format", "json").stdout)
    assert view["team"] == team
    today = run_cli("today", "--repo", str(target), env=TODAY)
    assert today.exit_code == 0 and today.stdout.startswith(visible(team) + ": Thursday")


def test_error_messages_show_controls_from_the_command_line(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_PLAN.parent, repo)
    result = run_cli("who", "x\x1b[2J[/]", "--repo", str(repo), env=TODAY)
    assert result.exit_code == 2
    assert "unknown person 'x\\x1b[2J[/]'" in result.stderr and "\x1b" not in result.stderr

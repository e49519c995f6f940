"""``--output FILE`` without ``--format``: the file's extension names the format.

A user who types ``-o board.html`` wants an HTML page, not a text table in a file named
.html. An explicit --format always wins; an extension the command cannot write is an
error before any work, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_write_safety import OUTPUT_COMMANDS

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}


def bare(command: str) -> list[str]:
    """The command's arguments without the --format they were given."""
    args = OUTPUT_COMMANDS[command]
    if "--format" in args:
        at = args.index("--format")
        args = args[:at] + args[at + 2 :]
    return args


@pytest.fixture
def repo(example_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(example_repo)
    logged = run_cli("log", "photo=1", "--person", "farid", env=TODAY)
    assert logged.exit_code == 0, logged.output
    return example_repo


def formats_of(command: str) -> list[str]:
    from typer.main import get_command

    from dutyctl.cli import app

    found = get_command(app)
    for name in command.split():
        found = found.commands[name]
    option = next(p for p in found.params if p.name == "format")
    return list(option.type.choices)


SUFFIXES = {"json": ".json", "csv": ".csv", "md": ".md", "html": ".html", "svg": ".svg",
            "ics": ".ics"}


@pytest.mark.parametrize("command", list(OUTPUT_COMMANDS))
def test_the_extension_names_the_format(repo: Path, command: str):
    named = [f for f in formats_of(command) if f in SUFFIXES]
    assert named, "every command with --output writes at least json"
    for format in named:
        out = repo / f"out{SUFFIXES[format]}"
        written = run_cli(*bare(command), "--output", out.name, env=TODAY)
        assert written.exit_code == 0, written.output
        shown = run_cli(*bare(command), "--format", format, env=TODAY)
        written_text = unstamped(out.read_text(encoding="utf-8"))
        assert written_text == unstamped(shown.stdout), format
        assert ("DTSTAMP:-" in written_text) == (format == "ics")
        out.unlink()


def unstamped(text: str) -> str:
    """``text`` with an iCalendar's DTSTAMP (the second it was made, one per event, as RFC
    5545 requires) made equal: the two runs compared may fall in different seconds."""
    import re

    return re.sub(r"^DTSTAMP:\d{8}T\d{6}Z(\r?)$", r"DTSTAMP:-\1", text, flags=re.M)


def test_given_format_wins_and_other_extensions_keep_the_default(repo: Path):
    assert run_cli("today", "--format", "text", "-o", "today.json", env=TODAY).exit_code == 0
    text = run_cli("today", env=TODAY).stdout
    assert (repo / "today.json").read_text(encoding="utf-8") == text
    assert run_cli("today", "-o", "today.txt", env=TODAY).exit_code == 0
    assert (repo / "today.txt").read_text(encoding="utf-8") == text
    assert run_cli("today", "-o", "TODAY.JSON", env=TODAY).exit_code == 0
    assert (repo / "TODAY.JSON").read_text(encoding="utf-8").startswith("{")


def test_an_extension_the_command_cannot_write_is_refused(repo: Path):
    result = run_cli("rotate", "--output", "calendar.html", env=TODAY)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --output calendar.html: this command writes no html; it writes table, "
        "json, csv, md, ics\n"
        "  hint: give --format (one of table, json, csv, md, ics), or a file name ending "
        "in .json, .csv, .md, .markdown, .ics\n"
    )
    assert not (repo / "calendar.html").exists()

"""docs/cli.md, generated from every command's --help (as sqlite-utils does).

    python -m dutyctl.cli.reference > docs/cli.md

A test fails when docs/cli.md is not what this prints.
"""

from __future__ import annotations

import os


def _commands(app):
    import typer.main

    stack = [((), typer.main.get_command(app))]
    while stack:
        path, command = stack.pop(0)
        yield path, command
        subs = getattr(command, "commands", {})
        stack[0:0] = [(path + (name,), subs[name]) for name in sorted(subs)]


def reference_markdown() -> str:
    from typer.testing import CliRunner

    from dutyctl.cli import app

    lines = [
        "# Command reference",
        "",
        "Generated from `--help` by `python -m dutyctl.cli.reference > docs/cli.md`;",
        "a test fails when this file is out of date.",
        "",
    ]
    runner = CliRunner()
    env = {"COLUMNS": "88", "NO_COLOR": "1", "TERM": "dumb"}
    for path, _ in _commands(app):
        result = runner.invoke(app, [*path, "--help"], env=env, prog_name="dutyctl")
        title = " ".join(("dutyctl", *path))
        lines += [f"## {title}", "", "```", result.stdout.rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "88")
    print(reference_markdown(), end="")

"""The command line: a thin Typer shell. Each command parses, calls the library, renders.

Heavy modules (ruamel.yaml, dateutil, holidays, icalendar, the renderers) are
imported inside command bodies, so that ``--help`` and the cron path stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from dutyctl import __version__
from dutyctl.cli import announce as announce_commands
from dutyctl.cli import log as log_commands
from dutyctl.cli import plan as plan_commands
from dutyctl.cli import report as report_commands
from dutyctl.cli import rotation as rotation_commands
from dutyctl.cli.common import RepoOption, RevOption, root_options, typer_app

app = typer_app(
    "Share out social-media and blog duties in a small team, and measure them.\n\n"
    "dutyctl reads plan.yaml (team, roster, duties, KPIs) from a git repository, "
    "computes a fair rotation, logs KPI entries to CSV and reports on them.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dutyctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    repo: RepoOption = None,
    rev: RevOption = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour, even on a terminal (as NO_COLOR=1).")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only what scripts need; errors still go to stderr."
        ),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Share out social-media and blog duties in a small team, and measure them."""
    from dutyctl import render

    root_options.update(repo=repo, rev=rev)
    render.configure(color=not no_color, quiet=quiet)


@app.command("init")
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the new duty repository (created if missing).")
    ] = Path("."),
    team: Annotated[
        str | None, typer.Option("--team", help="The team's name (default: from the folder).")
    ] = None,
) -> None:
    """Create a duty repository: a commented plan.yaml, logs/, git attributes; never overwrites."""
    from dutyctl.clock import today
    from dutyctl.render.setup import init_done
    from dutyctl.scaffold import init_repository

    init_done(init_repository(directory, today=today(), team=team))


app.add_typer(plan_commands.app, name="plan")
app.add_typer(report_commands.app, name="report")
rotation_commands.register(app)
log_commands.register(app)
announce_commands.register(app)


# Root options that take a value: what follows them is not the command's name.
_VALUED = ("--repo", "--rev")


def _command_name(args: list[str]) -> str | None:
    """The command a command line runs (the first word that is not a root option)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def _only(name: str | None) -> None:
    """Build only the command that runs: Typer inspects every command's signature when it
    builds the group, which costs more than the rest of `dutyctl today` on a warm cache.
    Anything else (no command, an unknown one, --help, completion) builds them all."""
    commands = {c.name for c in app.registered_commands} | {
        g.name for g in app.registered_groups
    }
    if name is None or name not in commands or any(k.endswith("_COMPLETE") for k in os.environ):
        return
    app.registered_commands = [c for c in app.registered_commands if c.name == name]
    app.registered_groups = [g for g in app.registered_groups if g.name == name]


def main() -> None:
    _only(_command_name(sys.argv[1:]))
    app(prog_name="dutyctl")

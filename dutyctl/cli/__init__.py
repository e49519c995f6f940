"""The command line: a thin Typer shell. Each command parses, calls the library, renders.

Heavy modules (ruamel.yaml, dateutil, holidays, icalendar, the renderers) are
imported inside command bodies, and a command line imports and builds only the
command it runs, so that the cron path (`dutyctl today`) stays fast. ``app`` (what
tests and the reference generator use) is the whole application.

The modules of commands on the fast paths (this one, common, rotation, log) do not
use ``from __future__ import annotations``: Typer reads a command's annotations twice
on every run, and annotations kept as strings are compiled each time.
"""

import gc
import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from dutyctl import __version__
from dutyctl.cli.common import RepoOption, RevOption, root_options, stdout_gone, typer_app

_root = typer_app(
    "Share out social-media and blog duties in a small team, and measure them.\n\n"
    "dutyctl reads plan.yaml (team, roster, duties, KPIs) from a git repository, "
    "computes a fair rotation, logs KPI entries to CSV and reports on them.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dutyctl {__version__}")
        raise typer.Exit()


@_root.callback()
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


@_root.command("init")
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the new duty repository (created if missing).")
    ] = Path("."),
    team: Annotated[
        str | None, typer.Option("--team", help="The team's name (default: from the folder).")
    ] = None,
) -> None:
    """Create a duty repository: a commented plan.yaml, logs/, git attributes; never overwrites."""
    from dutyctl.render.setup import init_done
    from dutyctl.store.clock import today
    from dutyctl.store.scaffold import init_repository

    init_done(init_repository(directory, today=today(), team=team))


# The module that defines each command, in the order of `dutyctl --help`.
_MODULES = {
    "plan": "plan",
    "report": "report",
    "rotate": "rotation",
    "today": "rotation",
    "who": "rotation",
    "swap": "rotation",
    "log": "log",
    "entries": "log",
    "doctor": "log",
    "import": "log",
    "announce": "announce",
}
_registered: set[str] = set()


def _register(module_name: str) -> None:
    if module_name in _registered:
        return
    _registered.add(module_name)
    module = importlib.import_module(f"dutyctl.cli.{module_name}")
    if module_name in ("plan", "report"):
        _root.add_typer(module.app, name=module_name)
    else:
        module.register(_root)


def __getattr__(name: str) -> typer.Typer:
    if name != "app":
        raise AttributeError(name)
    for module_name in dict.fromkeys(_MODULES.values()):
        _register(module_name)
    return _root


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


def _only(name: str | None) -> typer.Typer:
    """The application with only the command that runs: importing every command module
    and letting Typer inspect every signature costs more than the rest of `dutyctl today`
    on a warm cache. Anything else (no command, an unknown one, --help, completion)
    gets the whole application."""
    if (
        name is None
        or (name not in _MODULES and name != "init")
        or any(k.endswith("_COMPLETE") for k in os.environ)
    ):
        return __getattr__("app")
    if name in _MODULES:
        _register(_MODULES[name])
    _root.registered_commands = [c for c in _root.registered_commands if c.name == name]
    _root.registered_groups = [g for g in _root.registered_groups if g.name == name]
    return _root


def _output_failed(error: OSError) -> None:
    """Standard output could not be written: quietly done when its reader went away
    (`dutyctl rotate | head`), else an error and exit status 2 (a full disk)."""
    stdout_gone()
    if not isinstance(error, BrokenPipeError):
        from dutyctl.errors import InputError
        from dutyctl.render import print_error

        print_error(InputError(f"cannot write the output: {error.strerror or error}"))
        raise SystemExit(2)


def main() -> None:
    # One command is a short run over acyclic data (frozen dataclasses, tuples, dicts):
    # the cyclic garbage collector would only walk, again and again, what is alive. A
    # warm leaderboard over 1,000,000 entries spent a third of its time in it.
    gc.disable()
    # A stream that cannot encode a name (PYTHONIOENCODING=ascii, a C locale) shows it
    # as Zo\xeb rather than ending the command with an internal error.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass  # not a text file (a test's capture), or already closed
    try:
        _only(_command_name(sys.argv[1:]))(prog_name="dutyctl")
    except OSError as error:  # writing outside any command: `dutyctl --help > /dev/full`
        _output_failed(error)
    finally:
        try:
            sys.stdout.flush()  # here, where a failure is caught, not in Python's exit
        except OSError as error:
            _output_failed(error)
        except ValueError:
            pass  # closed
        # At exit Python collects cycles once more, over everything alive (the modules
        # of Typer, Click and dutyctl): 11 ms of a 100 ms `dutyctl log`. Frozen objects
        # are left out of it; the process ends and frees them anyway.
        gc.freeze()

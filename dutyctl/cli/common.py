"""Options every command shares, defined once so they mean the same thing everywhere."""

import os
import sys
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dutyctl.errors import DutyctlError

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in dutyctl, not in the input
INDEXING = "Indexing the log"  # the progress bar of a first build of the log's index


class DutyctlGroup(TyperGroup):
    """Catches every DutyctlError in one place: a clear message on stderr and its exit code."""

    # Root flags that also work after the command's name (dutyctl today --quiet), as a
    # user types them on the end of a line they already have.
    ANYWHERE = ("quiet", "no_color")

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        root = ctx.find_root().command
        if command is None or command is root:
            return command
        names = {param.name for param in command.params}
        for param in root.params:
            if param.name in self.ANYWHERE and param.name not in names:
                command.params.append(_anywhere(param))
        return command

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except DutyctlError as exc:
            from dutyctl.render import print_error

            print_error(exc)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader of our output went away (`dutyctl entries | head`): it has what it
            # wanted. Stop quietly, as cat and git do, not with "error: Broken pipe".
            stdout_gone()
            ctx.exit(0)
        except OSError as exc:
            # A file system refusal we did not foresee still gets a message, not a traceback.
            from dutyctl.errors import InputError
            from dutyctl.render import print_error

            where = f"{exc.filename}: " if exc.filename else ""
            print_error(InputError(f"{where}{exc.strerror or exc}"))
            ctx.exit(2)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("DUTYCTL_DEBUG"):
                raise
            if type(exc).__module__.startswith(("typer", "click")):
                raise  # the framework's own usage errors and exits
            from dutyctl.render import print_error

            print_error(
                DutyctlError(
                    f"internal error: {type(exc).__name__}: {exc}",
                    hint="this is a bug in dutyctl; run again with DUTYCTL_DEBUG=1 for the "
                    "traceback and report it",
                )
            )
            ctx.exit(INTERNAL_ERROR)


def _anywhere(param):
    """A copy of a root flag for a command: it sets what the root's does, when given,
    and hands the command no value (its help is the root's: `dutyctl --help`)."""
    import copy

    key = {"no_color": "color", "quiet": "quiet"}[param.name]

    def given(ctx, _param, value):
        if value:
            from dutyctl import render

            render.configure(**{key: key == "quiet"})
        return value

    flag = copy.copy(param)
    flag.expose_value, flag.callback, flag.hidden = False, given, True
    return flag


def stdout_gone() -> None:
    """Point standard output at /dev/null once its reader has closed the pipe, so that
    nothing (Python's last flush at exit included) writes to the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file (a test's capture): nothing is flushed to a pipe at exit


def typer_app(help: str, **options) -> typer.Typer:
    return typer.Typer(
        cls=DutyctlGroup,
        help=help,
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        **options,
    )


def complete_from_plan(kind: str, suffix: str = ""):
    """Shell completion of ids (people, duties, metrics, channels) read from the plan."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        try:
            from dutyctl.app.load import load_for_completion

            root = ctx.find_root().params
            plan = load_for_completion(ctx.params.get("repo") or root.get("repo"))
        except Exception:  # completion must never break the shell
            return []
        ids = {
            "person": [p.id for p in plan.roster],
            "duty": list(plan.duties),
            "metric": list(plan.metrics),
            "channel": list(plan.channels),
            "department": list(plan.departments),
        }[kind]
        return [i + suffix for i in sorted(ids) if i.startswith(incomplete)]

    return complete


# What was given before the command name (dutyctl --repo X today); set by the root
# callback on every invocation.
root_options: dict[str, Any] = {}


def repo_arg(repo: str | Path | None) -> str | Path | None:
    """The command's --repo, else the one given before the command (dutyctl --repo X ...)."""
    return repo if repo is not None else root_options.get("repo")


def rev_arg(rev: str | None) -> str | None:
    return rev if rev is not None else root_options.get("rev")


def output_arg(
    ctx: typer.Context, output: Path | None, repo: str | Path | None, format: str
) -> tuple[Path | None, str]:
    """The command's --output and the format to write: --output is refused (exit 2) when
    it names a file dutyctl keeps (the plan, its roster, the log, git's or the cache's
    files) or a symlink (see :mod:`dutyctl.store.safefiles`); without --format, the
    file's extension names the format (``-o board.html``: html). Checked before any work
    is done."""
    format = str(format)
    if output is None:
        return None, format
    from dutyctl.app.load import open_repo
    from dutyctl.store.safefiles import check_output

    return check_output(output, open_repo(repo_arg(repo))), _format_for(ctx, output, format)


# The extensions that name a format; any other (.txt) keeps the command's default.
_EXTENSION_FORMATS = {".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md",
                      ".html": "html", ".htm": "html", ".svg": "svg", ".ics": "ics"}


def _format_for(ctx: typer.Context, output: Path, format: str) -> str:
    from dutyctl.errors import UsageError

    named = _EXTENSION_FORMATS.get(output.suffix.lower())
    source = ctx.get_parameter_source("format")
    if named is None or (source is not None and source.name != "DEFAULT"):
        return format  # --format given: it is what the user asked for, whatever the name
    option = next(p for p in ctx.command.params if p.name == "format")
    choices = list(getattr(option.type, "choices", ()))
    if named not in choices:
        endings = ", ".join(e for e, f in _EXTENSION_FORMATS.items() if f in choices)
        raise UsageError(
            f"--output {output.name}: this command writes no {named}; it writes "
            + ", ".join(choices),
            hint=f"give --format (one of {', '.join(choices)}), or a file name ending in "
            f"{endings or '.txt'}",
        )
    return named


RepoOption = Annotated[
    # Text, not a Path: `announce` also takes a git URL, which Path would mangle.
    str | None,
    typer.Option(
        "--repo",
        metavar="PATH",
        help="Duty repository to use (default: $DUTYCTL_REPO, else the first folder "
        "upwards that holds plan.yaml).",
        show_default=False,
    ),
]
RevOption = Annotated[
    str | None,
    typer.Option(
        "--rev",
        metavar="REV",
        help="Read the plan (and roster) as committed at this git revision.",
        show_default=False,
    ),
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        metavar="DATE",
        help="The day: today, yesterday, tomorrow or YYYY-MM-DD (default: today in the "
        "plan's time zone).",
        show_default=False,
    ),
]
MonthOption = Annotated[
    str | None,
    typer.Option(
        "--month", "-m", metavar="MONTH", help="A month: YYYY-MM, this or last.", show_default=False
    ),
]


@cache  # one option object per spelling, however often Typer reads the annotations
def id_option(name: str, kind: str, help: str, short: str | None = None):
    """An option holding an id from the plan (a person, duty...), completed from the plan.

    Commands word the help for what the id does there; the value is always a plan id.
    """
    names = (name, short) if short else (name,)
    return Annotated[
        str | None,
        typer.Option(
            *names,
            metavar="ID",
            help=help,
            autocompletion=complete_from_plan(kind),
            show_default=False,
        ),
    ]


PersonOption = id_option("--person", "person", "Only this person (an id from the roster).", "-p")
DepartmentOption = id_option("--department", "department", "Only this department.")
DutyOption = id_option("--duty", "duty", "Only this duty.")
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of standard output. Without --format, its extension "
        "(.json, .csv, .md, .html, .svg, .ics) names the format.",
        show_default=False,
    ),
]


@cache  # one Enum per set of choices, however often Typer reads the annotations
def format_option(*choices: str):
    """``--format`` with the choices a command supports (values compare equal to strings)."""
    kind = StrEnum("Format_" + "_".join(choices), {c: c for c in choices})
    return Annotated[
        kind,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="Output format: " + ", ".join(choices) + ".",
        ),
    ]

"""`dutyctl announce`: the daily cron job. Today's duty, yesterday's results, the review
and the award, sent once per day and target, from a local or a remote repository.

Exit codes: 0 sent, or nothing to send; 1 a send failed (not recorded: the next run
sends it); 2 bad input (repository, date, configuration).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from dutyctl.cli.common import DateOption, root_options


class Target(StrEnum):
    stdout = "stdout"
    webhook = "webhook"
    email = "email"


class MessageFormat(StrEnum):
    text = "text"
    markdown = "markdown"


def _note(text: str) -> None:
    from dutyctl import render
    from dutyctl.store.delivery import write_text

    if not render.quiet():
        write_text(text + "\n", sys.stderr)


def _warn(text: str) -> None:
    from dutyctl.store.delivery import write_text

    write_text(f"warning: {text}\n", sys.stderr)


def announce(
    date: DateOption = None,
    to: Annotated[
        list[Target] | None,
        typer.Option(
            "--to",
            "-t",
            metavar="TARGET",
            case_sensitive=False,
            help="Where to send it; repeat for several: stdout (cron mails it), webhook "
            "(DUTYCTL_WEBHOOK_URL), email (DUTYCTL_SMTP_*). Default: stdout.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", "-n", help="Print what would be sent where; send and record nothing."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Send even if already announced for this date.")
    ] = False,
    format: Annotated[
        MessageFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            case_sensitive=False,
            help="text or markdown (default: markdown for webhook, text otherwise).",
            show_default=False,
        ),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            metavar="PATH_OR_URL",
            help="Duty repository: a folder, or a git URL (https://, ssh, file://, a bare "
            "repository) read through a private clone in ~/.cache/dutyctl/remotes.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Announce today's duties (or --date's), yesterday's results, the review and last
    month's award: once per day and target, for cron. Exit 0 sent or nothing to send,
    1 a send failed (the next run retries it), 2 bad input."""
    from dutyctl.app import announce
    from dutyctl.core.announcement import title
    from dutyctl.errors import UsageError
    from dutyctl.render import print_error, print_problem, visible_lines
    from dutyctl.store.delivery import write_text

    def show(text: str) -> None:
        # Names from the plan are data: an escape sequence in one is shown, not obeyed.
        write_text(visible_lines(text))

    if root_options.get("rev"):
        raise UsageError(
            "announce reads the plan as it is now; --rev cannot be used with it",
            hint="drop --rev",
        )
    targets = list(dict.fromkeys(str(t) for t in (to or [Target.stdout])))
    if repo is None and root_options.get("repo") is not None:
        repo = str(root_options["repo"])
    prepared = announce.prepare(repo, date, targets, str(format) if format else None, _warn)
    for problem in prepared.problems:
        print_problem(problem)
    if prepared.message.empty:
        _note(f"nothing to announce on {title(prepared.message).split(': ', 1)[1]}")
        return
    if dry_run:
        show(announce.dry_run_text(prepared))
        return
    if announce.send_all(prepared, force, _note, _warn, print_error, show):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("announce")(announce)

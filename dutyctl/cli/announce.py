"""`dutyctl announce`: the daily cron job. Today's duty, yesterday's results, the review
and the award, sent once per day and target, from a local or a remote repository.

Exit codes: 0 sent, or nothing to send; 1 a send failed (not recorded: the next run
sends it); 2 bad input (repository, date, configuration).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
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


# Each target's format unless --format says otherwise: chat reads Markdown.
DEFAULT_FORMATS = {"stdout": "text", "webhook": "markdown", "email": "text"}


@dataclass
class Outgoing:
    target: str
    format: str
    body: str
    where: str  # what may be shown about the destination (no secrets)
    secrets: list[str]
    send: Callable[[], None] | None  # None for stdout
    scale: float = 1.0  # DUTYCTL_RETRY_DELAY


def _note(text: str) -> None:
    from dutyctl import render
    from dutyctl.notify import write_text

    if not render.quiet():
        write_text(text + "\n", sys.stderr)


def _warn(text: str) -> None:
    from dutyctl.notify import write_text

    write_text(f"warning: {text}\n", sys.stderr)


def _open_repo(repo: str | None):
    """(root, state source, shown name) for --repo PATH_OR_URL, $DUTYCTL_REPO or the cwd."""
    from dutyctl.remote import checkout, looks_remote
    from dutyctl.repo import find_repo

    if repo is None and root_options.get("repo") is not None:
        repo = str(root_options["repo"])
    if repo is None and os.environ.get("DUTYCTL_REPO") and looks_remote(
        os.environ["DUTYCTL_REPO"]
    ):
        repo = os.environ["DUTYCTL_REPO"]
    if repo is not None and looks_remote(repo):
        copy = checkout(repo)
        if copy.warning:
            _warn(copy.warning)
        return copy.root, "url:" + copy.url, copy.shown
    found = find_repo(repo)
    root = found.root.resolve()
    return root, "path:" + str(root), str(root)


def _outgoing(plan, message, targets: list[str], format: str | None) -> list[Outgoing]:
    """Every target's message and sender, with its configuration checked (exit 2 if bad)."""
    from dutyctl import announce, notify
    from dutyctl.errors import UsageError

    scale = notify.retry_scale()
    result = []
    for target in targets:
        chosen = format or DEFAULT_FORMATS[target]
        body = announce.render(message, chosen)
        if target == "stdout":
            result.append(Outgoing(target, chosen, body, "standard output", [], None))
        elif target == "webhook":
            url = notify.webhook_url()
            result.append(
                Outgoing(
                    target,
                    chosen,
                    body,
                    notify.mask_url(url),
                    notify.url_secrets(url),
                    partial(notify.post_webhook, url, body),
                )
            )
        else:
            settings = notify.smtp_settings()
            to, cc = _recipients(plan, message)
            if not to:
                raise UsageError(
                    "nobody to mail: neither the people on duty nor the coordinator have "
                    "an email in the roster",
                    hint="add email: to the roster entries in plan.yaml",
                )
            subject = announce.subject(message)
            where = f"{', '.join(to)}" + (f"; cc {', '.join(cc)}" if cc else "")
            where += f"; subject \"{subject}\"; via {settings.describe()}"
            result.append(
                Outgoing(
                    target,
                    chosen,
                    body,
                    where,
                    [settings.password or ""],
                    partial(notify.send_mail, settings, to, cc, subject, body),
                )
            )
    for item in result:
        item.scale = scale
    return result


def _recipients(plan, message) -> tuple[list[str], list[str]]:
    to = []
    for pid in message.on_duty:
        person = plan.people.get(pid)
        if person is not None and person.email and person.email not in to:
            to.append(person.email)
    cc = []
    coordinator = plan.people.get(plan.coordinator) if plan.coordinator else None
    if coordinator is not None and coordinator.email and coordinator.email not in to:
        cc.append(coordinator.email)
    if not to:
        to, cc = cc, []
    return to, cc


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
        typer.Option("--dry-run", "-n", help="Print what would be sent where; send and record "
                     "nothing."),
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
    from dutyctl import announce as core
    from dutyctl import notify
    from dutyctl.errors import UsageError
    from dutyctl.loading import load, plan_today
    from dutyctl.logstore import read_log
    from dutyctl.render import print_error, print_problem
    from dutyctl.rotation import build_rotation
    from dutyctl.syntax import parse_day

    if root_options.get("rev"):
        raise UsageError(
            "announce reads the plan as it is now; --rev cannot be used with it",
            hint="drop --rev",
        )
    targets = list(dict.fromkeys(str(t) for t in (to or [Target.stdout])))
    root, source, shown = _open_repo(repo)
    _, plan = load(root)
    day = parse_day(date, plan_today(plan)) if date else plan_today(plan)
    rotation = build_rotation(plan, day)
    read = read_log(root, core.log_months(plan, rotation, day))
    for problem in read.problems:
        from dataclasses import replace

        print_problem(replace(problem, severity="warning"))
    message = core.build(plan, rotation, read.all_entries(), day)
    if message.empty:
        _note(f"nothing to announce on {core.title(message).split(': ', 1)[1]}")
        return
    outgoing = _outgoing(plan, message, targets, str(format) if format else None)
    state = notify.SentState(source, shown)
    if dry_run:
        state.load()
        for item in outgoing:
            sent = state.sent(day, item.target)
            already = (
                f" (already sent at {sent.get('at', '?')}; skipped unless --force)" if sent else ""
            )
            notify.write_text(
                f"--- would send to {item.target}: {item.where} ({item.format}){already} ---\n"
                + item.body
            )
        return
    failed = False
    with state.locked() as current:
        for item in outgoing:
            if current.sent(day, item.target) and not force:
                _note(
                    f"already announced to {item.target} on {day.isoformat()}; "
                    "--force to send again"
                )
                continue
            try:
                if item.send is None:
                    _print(item.body)
                else:
                    notify.with_retries(
                        item.send, what=item.target, secrets=item.secrets, scale=item.scale,
                        warn=_warn,
                    )
            except notify.SendFailed as error:
                print_error(error)
                failed = True
                continue
            current.record(day, item.target, notify.digest(item.body))
            if item.target != "stdout":
                _note(f"announced to {item.target} ({item.where}) for {day.isoformat()}")
    if failed:
        raise typer.Exit(1)


def _print(body: str) -> None:
    from dutyctl.notify import SendFailed, write_text

    try:
        write_text(body, sys.stdout)
    except OSError as error:
        raise SendFailed(f"stdout: {error.strerror or type(error).__name__}") from None


def register(app: typer.Typer) -> None:
    app.command("announce")(announce)

"""The library behind `dutyctl announce`: open the (possibly remote) repository, build
the day's message, and send it once per target, recording what was sent.

Output is the caller's: notes and warnings go through the callbacks it passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from dutyctl.errors import Problem

# Each target's format unless --format says otherwise: chat reads Markdown.
DEFAULT_FORMATS = {"stdout": "text", "webhook": "markdown", "email": "text"}
Say = Callable[[str], None]


@dataclass
class Outgoing:
    target: str
    format: str
    body: str
    where: str  # what may be shown about the destination (no secrets)
    secrets: list[str]
    send: Callable[[], None] | None  # None for stdout
    scale: float = 1.0  # DUTYCTL_RETRY_DELAY
    deadline: float = 15.0  # DUTYCTL_SEND_TIMEOUT


@dataclass
class Prepared:
    """The day's message and, per target, what would be sent where."""

    plan: object
    day: date
    message: object
    outgoing: list[Outgoing]
    state: object
    problems: list[Problem] = field(default_factory=list)


def open_repo(repo: str | None, warn: Say):
    """(root, state source, shown name) for --repo PATH_OR_URL, $DUTYCTL_REPO or the cwd."""
    from dutyctl.store.remote import checkout, looks_remote
    from dutyctl.store.repo import find_repo

    if repo is None and os.environ.get("DUTYCTL_REPO") and looks_remote(os.environ["DUTYCTL_REPO"]):
        repo = os.environ["DUTYCTL_REPO"]
    if repo is not None and looks_remote(repo):
        copy = checkout(repo)
        if copy.warning:
            warn(copy.warning)
        return copy.root, "url:" + copy.url, copy.shown
    found = find_repo(repo)
    root = found.root.resolve()
    return root, "path:" + str(root), str(root)


def prepare(
    repo: str | None, day_text: str | None, targets: list[str], format: str | None, warn: Say
) -> Prepared | None:
    """Everything to send, configuration checked; None when there is nothing to announcement."""
    from dutyctl.app.load import load, plan_today
    from dutyctl.core import announcement as core
    from dutyctl.core.rotation import build_rotation
    from dutyctl.core.syntax import parse_day
    from dutyctl.store import delivery
    from dutyctl.store.logfile import read_log

    root, source, shown = open_repo(repo, warn)
    _, plan = load(root)
    day = parse_day(day_text, plan_today(plan)) if day_text else plan_today(plan)
    rotation = build_rotation(plan, day)
    read = read_log(root, core.log_months(plan, rotation, day))
    problems = [p._replace(severity="warning") for p in read.problems]
    message = core.build(plan, rotation, read.all_entries(), day)
    if message.empty:
        return Prepared(plan, day, message, [], None, problems)
    outgoing = _outgoing(plan, message, targets, format)
    return Prepared(plan, day, message, outgoing, delivery.SentState(source, shown), problems)


def dry_run_text(prepared: Prepared) -> str:
    """What would be sent to each target, and whether it was sent already."""
    state = prepared.state
    state.load()
    parts = []
    for item in prepared.outgoing:
        sent = state.sent(prepared.day, item.target)
        already = (
            f" (already sent at {sent.get('at', '?')}; skipped unless --force)" if sent else ""
        )
        parts.append(
            f"--- would send to {item.target}: {item.where} ({item.format}){already} ---\n"
            + item.body
        )
    return "".join(parts)


def send_all(
    prepared: Prepared,
    force: bool,
    note: Say,
    warn: Say,
    error: Callable[[Exception], None],
    show: Say,
) -> bool:
    """Send to every target not yet sent today (all with ``force``); True if one failed.

    ``show`` writes the stdout target's text (the caller makes it fit a terminal; it may
    raise OSError). A failed send is reported through ``error`` and not recorded, so the
    next run sends it.
    """
    from dutyctl.store import delivery

    day = prepared.day
    failed = False
    with prepared.state.locked() as current:
        for item in prepared.outgoing:
            if current.sent(day, item.target) and not force:
                note(
                    f"already announced to {item.target} on {day.isoformat()}; "
                    "--force to send again"
                )
                continue
            try:
                if item.send is None:
                    _print(show, item.body)
                else:
                    delivery.with_retries(
                        item.send,
                        what=item.target,
                        secrets=item.secrets,
                        scale=item.scale,
                        deadline=item.deadline,
                        warn=warn,
                    )
            except delivery.SendFailed as problem:
                error(problem)
                failed = True
                continue
            current.record(day, item.target, delivery.digest(item.body))
            if item.target != "stdout":
                note(f"announced to {item.target} ({item.where}) for {day.isoformat()}")
    return failed


def _outgoing(plan, message, targets: list[str], format: str | None) -> list[Outgoing]:
    """Every target's message and sender, with its configuration checked (exit 2 if bad)."""
    from dutyctl.core import announcement
    from dutyctl.errors import UsageError
    from dutyctl.store import delivery

    scale = delivery.retry_scale()
    deadline = delivery.send_deadline()
    timeout = min(delivery.TIMEOUT, deadline)
    result = []
    for target in targets:
        chosen = format or DEFAULT_FORMATS[target]
        body = announcement.render(message, chosen)
        if target == "stdout":
            result.append(Outgoing(target, chosen, body, "standard output", [], None))
        elif target == "webhook":
            url = delivery.webhook_url()
            result.append(
                Outgoing(
                    target,
                    chosen,
                    body,
                    delivery.mask_url(url),
                    delivery.url_secrets(url),
                    partial(delivery.post_webhook, url, body, timeout),
                )
            )
        else:
            settings = delivery.smtp_settings()
            to, cc = _recipients(plan, message)
            if not to:
                raise UsageError(
                    "nobody to mail: neither the people on duty nor the coordinator have "
                    "an email in the roster",
                    hint="add email: to the roster entries in plan.yaml",
                )
            subject = announcement.subject(message)
            _check_headers(plan, to + cc, subject)
            where = f"{', '.join(to)}" + (f"; cc {', '.join(cc)}" if cc else "")
            where += f'; subject "{subject}"; via {settings.describe()}'
            result.append(
                Outgoing(
                    target,
                    chosen,
                    body,
                    where,
                    [settings.password or ""],
                    partial(delivery.send_mail, settings, to, cc, subject, body, timeout),
                )
            )
    for item in result:
        item.scale, item.deadline = scale, deadline
    return result


def _check_headers(plan, addresses: list[str], subject: str) -> None:
    """Refuse (exit 2) a subject or address from the plan that would break a mail header."""
    from dutyctl.store.delivery import check_header

    check_header(subject, "the mail subject, made from the team name,", plan.locations.get("team"))
    for person in plan.roster:
        if person.email in addresses:
            where = plan.locations.get(f"roster.{person.id}.email")
            check_header(person.email, f"the e-mail address of {person.id}", where)


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


def _print(show: Say, body: str) -> None:
    from dutyctl.store.delivery import SendFailed

    try:
        show(body)
    except OSError as error:
        raise SendFailed(f"stdout: {error.strerror or type(error).__name__}") from None

"""Who is running dutyctl: ``DUTYCTL_PERSON``, else ``git config user.email`` in the roster."""

from __future__ import annotations

import os
import shutil
import subprocess

from dutyctl.errors import UsageError, unknown
from dutyctl.model import Plan
from dutyctl.repo import Repo


def person_id(plan: Plan, repo: Repo, given: str | None = None) -> str:
    """The roster id of the person meant: given, from the environment, or from git."""
    if given:
        return check_person(plan, given)
    env = os.environ.get("DUTYCTL_PERSON")
    if env:
        return check_person(plan, env, origin="DUTYCTL_PERSON")
    email = _git_email(repo)
    if email:
        for person in plan.roster:
            if person.email and person.email.strip().lower() == email.lower():
                return person.id
        raise UsageError(
            f"your git e-mail <{email}> is not in the roster",
            hint="add 'email: " + email + "' to your entry in plan.yaml, "
            "or say who you are with --person ID or DUTYCTL_PERSON=ID",
        )
    raise UsageError(
        "cannot tell who you are: no --person, no DUTYCTL_PERSON and no git user.email",
        hint="pass --person ID, or set DUTYCTL_PERSON=ID, or 'git config user.email ...'",
    )


def check_person(plan: Plan, pid: str, origin: str = "--person") -> str:
    if pid not in plan.people:
        message, hint = unknown("person", pid, plan.people)
        raise UsageError(f"{origin}: {message}", hint=hint)
    return pid


def _git_email(repo: Repo) -> str | None:
    if shutil.which("git") is None:
        return None
    result = subprocess.run(
        ["git", "config", "user.email"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return result.stdout.strip() or None

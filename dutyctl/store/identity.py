"""Who is running dutyctl: ``DUTYCTL_PERSON``, else ``git config user.email`` in the roster."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from dutyctl.errors import UsageError, unknown
from dutyctl.store.repo import Repo

if TYPE_CHECKING:  # for the type checker only: `dutyctl log` runs this without the model
    from collections.abc import Mapping
    from typing import Protocol

    class _Emailed(Protocol):
        @property
        def email(self) -> str | None: ...

    class Roster(Protocol):
        """A plan, or a :class:`~dutyctl.core.logview.LogView`: the people, in roster order."""

        @property
        def people(self) -> Mapping[str, _Emailed]: ...


def person_id(plan: Roster, repo: Repo, given: str | None = None, *,
              how: str = "--person ID") -> str:
    """The roster id of the person meant: given, from the environment, or from git.
    ``how`` is how the command is told a person, for the hints."""
    if given:
        return check_person(plan, given)
    env = os.environ.get("DUTYCTL_PERSON")
    if env:
        return check_person(plan, env, origin="DUTYCTL_PERSON")
    email = _git_email(repo)
    if email:
        for pid, person in plan.people.items():
            if person.email and person.email.strip().lower() == email.lower():
                return pid
        raise UsageError(
            f"your git e-mail <{email}> is not in the roster",
            hint="add 'email: " + email + "' to your entry in plan.yaml, "
            f"or say who you are with {how} or DUTYCTL_PERSON=ID",
        )
    raise UsageError(
        "cannot tell who you are: no person given, no DUTYCTL_PERSON and no git user.email",
        hint=f"give {how}, or set DUTYCTL_PERSON=ID, or 'git config user.email ...'",
    )


def check_person(plan: Roster, pid: str, origin: str = "--person") -> str:
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

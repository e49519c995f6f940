"""One error base class for everything dutyctl refuses, with a location and an exit code.

The CLI catches :class:`DutyctlError` in one place and prints it; nothing else
should reach the user as a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

EXIT_OK = 0
EXIT_PROBLEMS = 1  # a check ran and found problems
EXIT_USAGE = 2  # bad usage or bad input


# Location and Problem are NamedTuples, immutable and ordered like the core's frozen
# dataclasses: every command imports this module, `dutyctl today` from cron too, and
# defining these two as dataclasses cost a millisecond of its start-up.


class Location(NamedTuple):
    """Where something is: a file and, when known, a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class Problem(NamedTuple):
    """One thing wrong with an input, as a value (checks return these, they do not raise)."""

    location: Location | None
    message: str
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        head = f"{self.location}: " if self.location else ""
        text = f"{head}{self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        loc = self.location
        return {
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class DutyctlError(Exception):
    """Base of every error dutyctl reports to a user.

    ``problems`` lets one error carry many findings so the user sees them all at once.
    """

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return str(Problem(self.location, self.message, self.hint))


class UsageError(DutyctlError):
    """A command line that cannot be carried out as given."""


class InputError(DutyctlError):
    """A file that cannot be read as what it should be (plan, roster, log)."""


class PlanInvalid(InputError):
    """The plan has one or more problems; ``problems`` lists them all."""


class RepoNotFound(DutyctlError):
    """No duty repository where one was looked for."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" suggestion for a misspelt id, or None when nothing is close."""
    word = str(word)
    matches = difflib.get_close_matches(word, [str(c) for c in choices], n=3, cutoff=0.6)
    # Swapped letters are the commonest typo: 'anan' is 'anna', though 'hana' is as close.
    swapped = [m for m in matches if sorted(m) == sorted(word)]
    return f"did you mean '{(swapped or matches)[0]}'?" if matches else None


def unknown(kind: str, word: str, choices: Iterable[str]) -> tuple[str, str]:
    """Message and hint for an unknown id, with a suggestion or the list of known ones."""
    choices = sorted(str(c) for c in choices)
    hint = did_you_mean(word, choices)
    if hint is None:
        shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
        kinds = {"person": "people", "duty": "duties"}.get(kind, f"{kind}s")
        hint = f"known {kinds}: {shown}" if choices else f"the plan defines no {kinds}"
    return f"unknown {kind} '{word}'", hint

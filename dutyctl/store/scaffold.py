"""`dutyctl init`: a new duty repository with a commented, valid plan. Writes files.

It never overwrites: an existing plan or log folder stops it before anything is
written, and git's ignore and attribute files only get the lines they lack.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dutyctl.errors import UsageError
from dutyctl.store.repo import CACHE_DIR, LOGS_DIR, PLAN_FILE, expand_user

GITATTRIBUTES = [
    "# KPI logs are append-only: a union merge keeps everyone's rows, never a conflict.",
    f"{LOGS_DIR}/*.csv merge=union",
]
GITIGNORE = [f"{CACHE_DIR}/"]

PLAN_TEMPLATE = """\
# The duty plan of {team}: who promotes the company, where, how often, and how
# we measure it. Edit it, run `dutyctl plan check`, and commit.
# Every key is documented in docs/plan.md of dutyctl.

team: {team}
timezone: {timezone}             # "today" is taken in this time zone
start: {start}                   # the rotation's first day; do not move it later

# Public holidays remove day slots (a weekly slot keeps running).
holidays:
  country: DE                    # ISO 3166 code; add subdivision: BE for a region
  extra: []                      # more days off, e.g. [2026-12-24, 2026-12-27..2026-12-31]

channels: [twitter, instagram, linkedin, blog]

# What people log. Output metrics earn points; outcomes are measured, not required.
metrics:
  photo: {{points: 3}}
  repost: {{points: 1}}
  news: {{points: 2}}
  article: {{points: 10}}
  followers: {{kind: outcome}}

coordinator: alice

# Replace these people with your team. To remove someone later, set `until:`
# (their last day); do not delete them, or past rotations would change.
roster:
  - {{id: alice, name: Alice, email: alice@example.com, skills: [photo, writing], budget: 2h/week}}
  - {{id: bob, name: Bob, email: bob@example.com, skills: [writing], budget: 2h/week}}
  - {{id: carol, name: Carol, email: carol@example.com, skills: [photo], budget: 1h/week}}

duties:
  social:
    name: Social media duty
    every: weekday               # one person every working day
    people: 1
    channels: [twitter, instagram, linkedin]
    kpi: {{photo: 1, repost: 1, news: 1}}
  blog:
    name: Blog duty
    every: week                  # Monday to Sunday
    people: 1
    requires: [writing]
    due: [TH]
    kpi: {{article: 1}}

review:
  every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"   # the last Friday of each month

award:
  title: Best on duty of the month
  by: points
  min_compliance: 0.8
"""


@dataclass(frozen=True)
class InitResult:
    root: Path
    created: tuple[str, ...]
    extended: tuple[str, ...]
    git_initialised: bool


def init_repository(target: Path, *, today: date, team: str | None = None) -> InitResult:
    target = expand_user(target, "dutyctl init").absolute()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder", hint="pick another path")
    clashes = [name for name in (PLAN_FILE, LOGS_DIR) if (target / name).exists()]
    outer = next((p for p in target.parents if (p / PLAN_FILE).is_file()), None)
    if not clashes and outer is not None:
        raise UsageError(
            f"{target} is inside the duty repository {outer} (it has {PLAN_FILE}); "
            "dutyctl init makes no repository inside another",
            hint=f"use that repository (dutyctl --repo {outer} plan check), or init a "
            "folder outside it",
        )
    if clashes:
        raise UsageError(
            f"{target} already has {' and '.join(clashes)}; dutyctl init overwrites nothing",
            hint="use the existing repository (dutyctl plan check), or init another folder",
        )
    target.mkdir(parents=True, exist_ok=True)
    monday = today - timedelta(days=today.weekday())
    plan_text = PLAN_TEMPLATE.format(
        team=_yaml_text(
            team or target.name.replace("-", " ").replace("_", " ").title() or "Our team"
        ),
        timezone="Europe/Berlin",
        start=monday.isoformat(),
    )
    created, extended = [], []
    with open(target / PLAN_FILE, "x", encoding="utf-8") as handle:
        handle.write(plan_text)
    created.append(PLAN_FILE)
    (target / LOGS_DIR).mkdir()
    (target / LOGS_DIR / ".gitkeep").touch()
    created.append(f"{LOGS_DIR}/")
    for name, lines in ((".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)):
        existed = (target / name).exists()
        if _add_lines(target / name, lines):
            (extended if existed else created).append(name)
    git_initialised = _git_init(target)
    return InitResult(target, tuple(created), tuple(extended), git_initialised)


# Words YAML 1.1 or 1.2 reads as a boolean or as nothing: written quoted, so that
# `init --team true` gives the team the name "true".
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}


def _yaml_text(text: str) -> str:
    safe = all(ch.isalnum() or ch in " -_." for ch in text) and text[:1].isalpha()
    if safe and text.lower() not in _YAML_WORDS:
        return text
    # A JSON string is a YAML double-quoted one; characters YAML does not allow raw
    # (DEL, C1 controls, line separators, lone surrogates) are written as \u escapes.
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(
        f"\\u{ord(ch):04x}" if "\x7f" <= ch <= "\x9f" or ch in "\u2028\u2029"
        or "\ud800" <= ch <= "\udfff" else ch
        for ch in quoted
    )


def _add_lines(path: Path, lines: list[str]) -> bool:
    """Append the lines a file lacks; never rewrite what is there."""
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in lines if line not in existing]
    if not missing:
        return False
    prefix = "\n" if existing and path.read_bytes()[-1:] != b"\n" else ""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(prefix + "\n".join(missing) + "\n")
    return True


def _git_init(target: Path) -> bool:
    if shutil.which("git") is None:
        return False
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=target,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    if inside.returncode == 0:
        return False
    subprocess.run(
        ["git", "init", "--quiet", str(target)],
        capture_output=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return True

"""The shell's one way from command-line options to a loaded plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dutyctl.model import Plan
from dutyctl.repo import Repo, find_repo


def open_repo(repo: str | Path | None) -> Repo:
    return find_repo(repo)


def load(repo: str | Path | None, rev: str | None = None) -> tuple[Repo, Plan]:
    from dutyctl.planfile import load_plan

    found = find_repo(repo)
    return found, load_plan(found, rev)


def plan_today(plan: Plan) -> date:
    from dutyctl.clock import today

    return today(plan.timezone)


def load_for_completion(repo: str | Path | None) -> Plan:
    return load(repo)[1]

"""The shell's one way from command-line options to a loaded plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.repo import Repo, find_repo

if TYPE_CHECKING:  # the cached view of `dutyctl today` needs no model classes
    from dutyctl.model import Plan


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


def cached(repo: Repo, plan: Plan, name: str, argument: str, compute):
    """A pure function of the plan (and ``argument``), cached next to the plan cache entry."""
    from dutyctl.plancache import derived

    return derived(repo, plan, name, argument, compute)


def rotation_until(repo: Repo, plan: Plan, until: date):
    """``build_rotation(plan, until)``, from the cache when the plan has not changed."""

    def compute():
        from dutyctl.rotation import build_rotation

        return build_rotation(plan, until)

    return cached(repo, plan, "rotation", until.isoformat(), compute)


class DaySlot(NamedTuple):
    """A slot covering a day, as :func:`slots_on` gives it (a rotation's Assignment has
    the same fields and more)."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]


def slots_on(repo: Repo, plan: Plan, day: date) -> list[DaySlot]:
    """``build_rotation(plan, day).on(day)``, from a small cache entry of plain rows when
    the plan has not changed: `dutyctl log` needs no more of the rotation."""

    def compute() -> list[tuple[str, str, str, tuple[str, ...]]]:
        rotation = rotation_until(repo, plan, day)
        return [
            (a.duty, a.start.isoformat(), a.end.isoformat(), tuple(a.people))
            for a in rotation.on(day)
        ]

    rows = cached(repo, plan, "slots-on", day.isoformat(), compute)
    return [
        DaySlot(duty, date.fromisoformat(start), date.fromisoformat(end), tuple(people))
        for duty, start, end, people in rows
    ]


def cached_entry(found: Repo, name: str, argument_on) -> object | None:
    """A derived entry of the work tree's plan straight from the cache, or None.

    Needs neither the plan nor the rotation: the plan's bytes give the cache key, a small
    signed note gives its time zone, and the entry was stored by :func:`cached` when it
    was first computed. ``argument_on(today)`` names the entry (it may raise a
    UsageError, as the uncached path would). Any doubt (no entry, a changed roster
    file, a symlinked plan) is None.
    """
    from dutyctl import plancache
    from dutyctl.clock import today

    path = found.plan_path
    try:
        if path.is_symlink():
            return None
        plan_bytes = path.read_bytes()
    except OSError:
        return None
    year = date.today().year  # as load_plan keys the plan cache
    meta = plancache.read_meta(found, plan_bytes, range(year, year + 1))
    if meta is None:
        return None
    key, timezone = meta
    return plancache.read_derived(found, key, name, argument_on(today(timezone)))


def cached_view(found: Repo, name: str, day_text: str | None) -> dict | None:
    """A view of the work tree's plan on a day (``today``) straight from the cache."""

    def argument_on(today: date) -> str:
        if day_text:
            from dutyctl.dates import parse_day

            return parse_day(day_text, today).isoformat()
        return today.isoformat()

    view = cached_entry(found, name, argument_on)
    return view if isinstance(view, dict) else None

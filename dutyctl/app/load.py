"""The shell's one way from command-line options to a loaded plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.store.repo import Repo, find_repo

if TYPE_CHECKING:  # the cached views of `dutyctl today` and `log` need no model classes
    from dutyctl.core.logview import LogView
    from dutyctl.core.model import Plan


def open_repo(repo: str | Path | None) -> Repo:
    return find_repo(repo)


def load(repo: str | Path | None, rev: str | None = None) -> tuple[Repo, Plan]:
    from dutyctl.store.planfile import load_plan

    found = find_repo(repo)
    return found, load_plan(found, rev)


def plan_today(plan: Plan) -> date:
    from dutyctl.store.clock import today

    return today(plan.timezone)


def included_files(found: Repo) -> list[Path]:
    """The other files the work tree's plan pulls in (a roster file), as the plan loader
    records them: from the plan cache's signed note when warm, else by reading the plan.
    A plan that cannot be read gives what was found before the problem."""
    from dutyctl.errors import DutyctlError
    from dutyctl.store import plancache
    from dutyctl.store.safefiles import MAX_PLAN_BYTES, read_regular

    try:
        plan_bytes = read_regular(found.plan_path, "plan.yaml", "plan", MAX_PLAN_BYTES)
    except (OSError, DutyctlError):
        return []
    year = date.today().year  # as load_plan keys the plan cache
    known = plancache.read_dependencies(found, plan_bytes, range(year, year + 1))
    if known is None:
        from dutyctl.store.planfile import check_plan_file

        known = []
        try:
            check_plan_file(found, plan_bytes=plan_bytes, read_files=known)
        except DutyctlError:
            pass
    return [found.root / relpath for relpath in known]


def load_for_completion(repo: str | Path | None) -> Plan:
    return load(repo)[1]


def cached(repo: Repo, plan: Plan, name: str, argument: str, compute):
    """A pure function of the plan (and ``argument``), cached next to the plan cache entry."""
    from dutyctl.store.plancache import derived

    return derived(repo, plan, name, argument, compute)


def rotation_until(repo: Repo, plan: Plan, until: date):
    """``build_rotation(plan, until)``, from the cache when the plan has not changed."""

    def compute():
        from dutyctl.core.rotation import build_rotation

        return build_rotation(plan, until)

    return cached(repo, plan, "rotation", until.isoformat(), compute)


class DaySlot(NamedTuple):
    """A slot covering a day, as :meth:`PlanViews.slots_on` gives it (a rotation's Assignment has
    the same fields and more)."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]


def _slot_rows(repo: Repo, plan: Plan, day: date) -> list[tuple[str, str, str, tuple[str, ...]]]:
    rotation = rotation_until(repo, plan, day)
    return [
        (a.duty, a.start.isoformat(), a.end.isoformat(), tuple(a.people)) for a in rotation.on(day)
    ]


def _cache_key(found: Repo) -> tuple[str, str, tuple | None] | None:
    """(derived key, time zone, its offsets) of the work tree's plan from the cache,
    without the plan; None on any doubt (no entry, a changed roster file, a symlinked
    plan)."""
    from dutyctl.errors import DutyctlError
    from dutyctl.store import plancache
    from dutyctl.store.safefiles import MAX_PLAN_BYTES, read_regular

    path = found.plan_path
    try:
        if path.is_symlink():
            return None
        plan_bytes = read_regular(path, "plan.yaml", "plan", MAX_PLAN_BYTES)
    except (OSError, DutyctlError):
        return None
    year = date.today().year  # as load_plan keys the plan cache
    return plancache.read_meta(found, plan_bytes, range(year, year + 1))


def cached_entry(found: Repo, name: str, argument_on) -> object | None:
    """A derived entry of the work tree's plan straight from the cache, or None.

    Needs neither the plan nor the rotation: the plan's bytes give the cache key, a small
    signed note gives its time zone, and the entry was stored by :func:`cached` when it
    was first computed. ``argument_on(today)`` names the entry (it may raise a
    UsageError, as the uncached path would). Any doubt (no entry, a changed roster
    file, a symlinked plan) is None.
    """
    from dutyctl.store import plancache
    from dutyctl.store.clock import today

    meta = _cache_key(found)
    if meta is None:
        return None
    key, timezone, offsets = meta
    return plancache.read_derived(found, key, name, argument_on(today(timezone, offsets)))


def cached_view(found: Repo, name: str, day_text: str | None) -> dict | None:
    """A view of the work tree's plan on a day (``today``) straight from the cache."""

    def argument_on(today: date) -> str:
        if day_text:
            from dutyctl.core.dates import parse_day

            return parse_day(day_text, today).isoformat()
        return today.isoformat()

    view = cached_entry(found, name, argument_on)
    return view if isinstance(view, dict) else None


class PlanViews:
    """What `dutyctl log` needs of the work tree's plan: its :class:`LogView` and the
    slots of a day, read from the cache without the plan while the cache is warm.

    The first entry the cache does not hold (no cache, a changed plan or roster file, a
    symlinked plan, a damaged entry) loads the plan, once, and computes it with the same
    functions that made the cached one, storing it for the next run.
    """

    def __init__(self, found: Repo) -> None:
        self.found = found
        meta = _cache_key(found)
        self._key = meta[0] if meta is not None else None
        self._offsets = meta[2] if meta is not None else None
        self._plan: Plan | None = None
        self._log_view: LogView | None = None

    def today(self) -> date:
        """Today in the plan's time zone (by the cached offsets while they hold)."""
        from dutyctl.store.clock import today

        return today(self.log_view().timezone, self._offsets)

    def plan(self) -> Plan:
        if self._plan is None:
            from dutyctl.store.planfile import load_plan

            self._plan = load_plan(self.found)
        return self._plan

    def _entry(self, name: str, argument: str, compute):
        """``compute(plan)``, kept as :func:`cached` keeps it."""
        if self._plan is None and self._key is not None:
            from dutyctl.store.plancache import read_derived

            hit = read_derived(self.found, self._key, name, argument)
            if hit is not None:
                return hit
        plan = self.plan()
        return cached(self.found, plan, name, argument, lambda: compute(plan))

    def log_view(self) -> LogView:
        if self._log_view is None:
            from dutyctl.core.logview import SHAPE, log_view, plain_view

            self._log_view = log_view(self._entry("log-view", SHAPE, plain_view))
        return self._log_view

    def slots_on(self, day: date) -> list[DaySlot]:
        """``build_rotation(plan, day).on(day)`` as plain slots: `dutyctl log` needs no
        more of the rotation."""
        rows = self._entry("slots-on", day.isoformat(), lambda p: _slot_rows(self.found, p, day))
        return [
            DaySlot(duty, date.fromisoformat(start), date.fromisoformat(end), tuple(people))
            for duty, start, end, people in rows
        ]

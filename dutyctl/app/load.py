"""The shell's one way from command-line options to a loaded plan, through the plan cache.

The work tree's plan has one cache entry (:mod:`dutyctl.store.plancache`): the validated
plan and its start-up values (:func:`startup_values`), plain data that `dutyctl today`
and `dutyctl log` answer from without the plan model, pickle or the rotation.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.store.repo import Repo, find_repo

if TYPE_CHECKING:  # a warm `dutyctl today` or `log` needs no model classes
    from dutyctl.core.logview import LogView
    from dutyctl.core.model import Plan
    from dutyctl.store.plancache import Entry

# The start-up values hold today's view for the days around the day the entry is made:
# the cron job's today, and the days people log for (up to a month back).
DAYS_BEFORE, DAYS_AFTER = 31, 7


def open_repo(repo: str | Path | None) -> Repo:
    return find_repo(repo)


def load(repo: str | Path | None, rev: str | None = None) -> tuple[Repo, Plan]:
    found = find_repo(repo)
    if rev is not None:
        from dutyctl.store.planfile import load_plan

        return found, load_plan(found, rev)
    return found, _plan_of(found, plan_entry(found, need_plan=True))


def plan_today(plan: Plan) -> date:
    from dutyctl.store.clock import today

    return today(plan.timezone)


def _years() -> range:
    """The holiday years an entry is keyed by: the plan resolves them around this one."""
    year = date.today().year
    return range(year, year + 1)


def warm_entry(found: Repo) -> Entry | None:
    """The work tree's plan entry as the cache holds it, or None: no entry, a changed
    plan or roster file, a symlinked plan (read the careful way, by :func:`plan_entry`)."""
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
    return plancache.read(found, plan_bytes, _years())


def plan_entry(found: Repo, *, need_plan: bool = False) -> Entry:
    """The work tree's plan entry: from the cache while it holds the plan and today's
    view (and, with ``need_plan``, its plan still reads), else made (the plan validated,
    PlanInvalid when it is not valid) and stored. Its plan() is then never None."""
    from dutyctl.store.clock import today

    entry = warm_entry(found)
    if (entry is not None and today(entry.startup["timezone"]).isoformat() in entry.startup["days"]
            and (not need_plan or entry.plan() is not None)):
        return entry
    from dutyctl.store import plancache
    from dutyctl.store.planfile import load_plan, read_source

    plan_bytes = read_source(found, found.plan_path, None)  # refuses a symlink out
    years = _years()
    entry = plancache.read(found, plan_bytes, years)
    plan = entry.plan() if entry is not None else None
    if entry is not None and plan is not None:
        if today(plan.timezone).isoformat() in entry.startup["days"]:
            return entry
        deps = entry.deps  # the plan holds; only its days have passed
    else:
        read_files: list[tuple[str, bytes]] = []
        plan = load_plan(found, plan_bytes=plan_bytes, read_files=read_files)
        deps = tuple((relpath, plancache.file_digest(data)) for relpath, data in read_files)
    return plancache.write(found, plan_bytes, years, plan, deps, startup_values(plan))


def _plan_of(found: Repo, entry: Entry) -> Plan:
    """The plan of ``entry``, or of an entry made again if it no longer reads."""
    plan = entry.plan() or plan_entry(found, need_plan=True).plan()
    assert plan is not None  # plan_entry(need_plan=True) gives an entry whose plan reads
    return plan


def startup_values(plan: Plan) -> dict:
    """What start-up needs of the plan, in plain values (marshal stores them): its time
    zone, the view `dutyctl log` checks against, and today's view (who is on duty, KPI
    minimums, due days, review) for each day from DAYS_BEFORE before today to DAYS_AFTER
    after."""
    from dutyctl.core.agenda import today_view
    from dutyctl.core.logview import plain_view
    from dutyctl.core.rotation import build_rotation

    middle = plan_today(plan)
    days = [middle + timedelta(days=offset) for offset in range(-DAYS_BEFORE, DAYS_AFTER + 1)]
    # One rotation for every day: a longer calendar begins with the shorter one.
    rotation = build_rotation(plan, days[-1])
    return {
        "timezone": plan.timezone,
        "log_view": plain_view(plan),
        "days": {day.isoformat(): today_view(plan, rotation, day) for day in days},
    }


def day_view(found: Repo, day_text: str | None) -> dict:
    """Today's view (or ``day_text``'s) of the work tree's plan: from the plan's entry for
    the days around today, computed from the plan for others."""
    from dutyctl.store.clock import today

    entry = plan_entry(found)
    day = today(entry.startup["timezone"])
    if day_text:
        from dutyctl.core.dates import parse_day

        day = parse_day(day_text, day)
    view = entry.startup["days"].get(day.isoformat())
    if view is not None:
        return view
    from dutyctl.core.agenda import today_view
    from dutyctl.core.rotation import build_rotation

    plan = _plan_of(found, entry)
    return today_view(plan, build_rotation(plan, day), day)


def included_files(found: Repo) -> list[Path]:
    """The other files the work tree's plan pulls in (a roster file), as the plan loader
    records them: from the plan's cache entry when warm, else by reading the plan.
    A plan that cannot be read gives what was found before the problem."""
    entry = warm_entry(found)
    if entry is not None:
        known = entry.files
    else:
        from dutyctl.errors import DutyctlError
        from dutyctl.store.planfile import check_plan_file

        read: list[tuple[str, bytes]] = []
        try:
            check_plan_file(found, read_files=read)
        except DutyctlError:
            pass
        known = [relpath for relpath, _data in read]
    return [found.root / relpath for relpath in known]


def load_for_completion(repo: str | Path | None) -> Plan:
    return load(repo)[1]


def cached(repo: Repo, plan: Plan, name: str, argument: str, compute):
    """A pure function of the plan (and ``argument``), cached next to the plan's entry."""
    from dutyctl.store.plancache import derived

    return derived(repo, plan, name, argument, compute)


def rotation_until(repo: Repo, plan: Plan, until: date):
    """``build_rotation(plan, until)``, from the cache when the plan has not changed."""

    def compute():
        from dutyctl.core.rotation import build_rotation

        return build_rotation(plan, until)

    return cached(repo, plan, "rotation", until.isoformat(), compute)


def cached_entry(found: Repo, name: str, argument_on) -> object | None:
    """An entry derived from the work tree's plan (see :func:`cached`) straight from the
    cache, without the plan; ``argument_on(today)`` names it (it may raise a UsageError,
    as the uncached path would). Any doubt is None."""
    from dutyctl.store import plancache
    from dutyctl.store.clock import today

    entry = warm_entry(found)
    if entry is None:
        return None
    return plancache.read_derived(
        found, entry.key, name, argument_on(today(entry.startup["timezone"]))
    )


class DaySlot(NamedTuple):
    """A slot covering a day, as :meth:`PlanViews.slots_on` gives it (a rotation's Assignment has
    the same fields and more)."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]


class PlanViews:
    """What `dutyctl log` needs of the work tree's plan: its :class:`LogView` and the
    slots of a day, from the plan's start-up values (the plan itself when asked for a
    day they do not hold)."""

    def __init__(self, found: Repo) -> None:
        self.found = found
        self.entry = plan_entry(found)
        self._log_view: LogView | None = None

    def today(self) -> date:
        """Today in the plan's time zone."""
        from dutyctl.store.clock import today

        return today(self.entry.startup["timezone"])

    def plan(self) -> Plan:
        return _plan_of(self.found, self.entry)

    def log_view(self) -> LogView:
        if self._log_view is None:
            from dutyctl.core.logview import log_view

            self._log_view = log_view(self.entry.startup["log_view"])
        return self._log_view

    def slots_on(self, day: date) -> list[DaySlot]:
        """``build_rotation(plan, day).on(day)`` as plain slots: `dutyctl log` needs no
        more of the rotation."""
        view = self.entry.startup["days"].get(day.isoformat())
        if view is None:
            from dutyctl.core.rotation import build_rotation

            return [
                DaySlot(a.duty, a.start, a.end, tuple(a.people))
                for a in build_rotation(self.plan(), day).on(day)
            ]
        slots = [
            DaySlot(d["duty"], date.fromisoformat(d["start"]), date.fromisoformat(d["end"]),
                    tuple(d["people"]))
            for d in view["duties"]
        ]
        return sorted(slots, key=lambda slot: (slot.start, slot.duty))  # as rotation.on

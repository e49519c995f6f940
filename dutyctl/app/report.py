"""The library behind `dutyctl report ...`: options as typed in, report records out.

Each function loads the plan (at ``--rev`` if given), reads the months of the KPI
log it needs, builds the rotation and calls the pure core (:mod:`dutyctl.core.reports`).
Malformed log rows do not stop a report: they come back as ``problems`` (warnings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutyctl.core.dates import months_between
from dutyctl.core.model import Plan, Span
from dutyctl.errors import Problem, UsageError, unknown

if TYPE_CHECKING:
    from dutyctl.store.logfile import Progress

# A slot that starts in a period may run past its end: its entries are read too.
MAX_SPILL_DAYS = 400


@dataclass(frozen=True)
class ReportResult:
    plan: Plan
    report: Any  # a Leaderboard, MonthReport, WeekReport or PersonReport
    problems: tuple[Problem, ...]


def choose_period(
    plan: Plan,
    today: date,
    *,
    month: str | None = None,
    week: str | None = None,
    quarter: str | None = None,
    year: str | None = None,
    all_time: bool = False,
    default: str = "month",
    week_ok: bool = True,
) -> tuple[str, Span]:
    """One period from --month/--week/--quarter/--year/--all (label, days); ``week_ok``:
    whether the command has --week, for the hint."""
    from dutyctl.core.syntax import parse_month, parse_quarter, parse_week, parse_year

    given = [
        (name, value)
        for name, value in (
            ("--month", month),
            ("--week", week),
            ("--quarter", quarter),
            ("--year", year),
            ("--all", all_time or None),
        )
        if value
    ]
    if len(given) > 1:
        raise UsageError(
            " and ".join(name for name, _ in given) + " cannot be used together",
            hint="give one period: " + ", ".join(
                option for option, given in (("--month M", True), ("--week W", week_ok),
                                             ("--quarter Q", True), ("--year Y", True))
                if given) + " or --all",
        )
    if not given:
        if default == "all":
            return "all", Span(plan.start, max(plan.start, today))
        period = parse_month("this", today)
        return period.label, period.span
    name, value = given[0]
    if name == "--all":
        return "all", Span(plan.start, max(plan.start, today))
    parse = {
        "--month": parse_month,
        "--week": parse_week,
        "--quarter": parse_quarter,
        "--year": parse_year,
    }[name]
    period = parse(value, today)
    return period.label, period.span


def default_month(today: date) -> str:
    """The current month, or the previous one during the first five days of a month."""
    if today.day <= 5:
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last:%Y-%m}"
    return f"{today:%Y-%m}"


def _check(kind: str, value: str | None, known) -> None:
    if value is not None and value not in known:
        message, hint = unknown(kind, value, known)
        raise UsageError(message, hint=hint)


def _load(repo, rev, department: str | None):
    from dutyctl.app.load import load, plan_today

    found, plan = load(repo, rev)
    _check("department", department, plan.departments)
    return found, plan, plan_today(plan)


def _warnings(index, months: set[str]) -> tuple[Problem, ...]:
    """The problems of the log files of ``months``, as a report shows them."""
    return tuple(
        p._replace(severity="warning", message=p.message + " (skipped by the report)")
        if p.severity == "error"
        else p
        for p in index.problems(months)
    )


class _Strangers:
    """The people and metrics the plan does not know, counted as a report's sums stream
    past on their way to the core: a typo (``anan``) is said, not only shown as one more
    name on the leaderboard. No second pass over the log."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.found: dict[tuple[str, str], int] = {}

    def watch(self, sums):
        for item in sums:
            self.note(item.person, item.metric, item.entries)
            yield item

    def note(self, person: str, metric: str, entries: int) -> None:
        """``entries`` entries of ``person`` and ``metric`` (either "": not summed by)."""
        found = self.found
        if person and person not in self.plan.people:
            found["person", person] = found.get(("person", person), 0) + entries
        if metric and metric not in self.plan.metrics:
            found["metric", metric] = found.get(("metric", metric), 0) + entries

    def problems(self) -> tuple[Problem, ...]:
        found = []
        for (kind, name), count in sorted(self.found.items()):
            known = self.plan.people if kind == "person" else self.plan.metrics
            _, suggestion = unknown(kind, name, known)
            one = count == 1
            entries = f"{count} {'entry names' if one else 'entries name'}"
            if kind == "person":
                what = (f"{kind} '{name}', who is not in the plan; the report counts "
                        f"{'it' if one else 'them'} under that name")
            else:
                what = f"{kind} '{name}', which is not in the plan; " + (
                    "it counts as an entry" if one else "they count as entries") + ", for no points"
            found.append(Problem(
                None, f"{entries} {what}",
                hint=suggestion.rstrip(".") + (" " if suggestion.endswith("?") else ". ")
                + f"`dutyctl doctor` lists the rows: void each (dutyctl log --void ID) and log "
                f"it again, or add the {kind} to the plan", severity="warning"))
        return tuple(found)


def _index(found, progress: Progress | None):
    from dutyctl.store.logindex import LogIndex

    return LogIndex(found.root, progress)


def _judge(index, plan: Plan, rotation, slots, today: date, attribution=None):
    """The ``slots`` judged from the index, one at a time (one look-up per day and person
    of a slot): read them before the next query of the index."""
    from dutyctl.core.compliance import Attribution, judge_sums, slot_days

    attribution = attribution or Attribution(rotation.assignments)
    return judge_sums(plan, slots, index.slot_sums(slot_days(attribution, slots)), today)


def _best(index, plan: Plan, span: Span, people, count: int = 0):
    from dutyctl.core import reports

    points = {m: (k.points, k.kind == "outcome") for m, k in plan.metrics.items()}
    top = index.best(span.start, span.end, points, people, count or reports.BEST_ENTRIES)
    return reports.best_entries(plan, top)


def leaderboard(
    repo: str | Path | None,
    rev: str | None,
    *,
    month: str | None = None,
    week: str | None = None,
    quarter: str | None = None,
    year: str | None = None,
    all_time: bool = False,
    department: str | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    from dutyctl.core import reports
    from dutyctl.core.compliance import judged_slots

    found, plan, today = _load(repo, rev, department)
    label, span = choose_period(
        plan, today, month=month, week=week, quarter=quarter, year=year, all_time=all_time
    )
    rotation, first, last = _rotation_for(found, plan, span, today)
    strangers = _Strangers(plan)
    with _index(found, progress) as index:
        board = reports.leaderboard_of(
            plan, _judge(index, plan, rotation, judged_slots(rotation, span, today), today),
            strangers.watch(index.sums(span.start, span.end, ("person", "metric"))),
            span, label=label, department=department,
        )
        problems = _warnings(index, months_between(min(first, span.start), max(last, span.end)))
    return ReportResult(plan, board, problems + strangers.problems())


def month(
    repo: str | Path | None, rev: str | None, month_text: str | None, department: str | None,
    progress: Progress | None = None,
) -> ReportResult:
    from dutyctl.core import reports
    from dutyctl.core.compliance import Attribution, judged_slots
    from dutyctl.core.entries import SUM_KEYS, resum
    from dutyctl.core.syntax import parse_month

    found, plan, today = _load(repo, rev, department)
    period = parse_month(month_text or default_month(today), today)
    span = period.span
    previous = reports.previous_month(span)
    rotation, first, last = _rotation_for(found, plan, Span(previous.start, span.end), today)
    first, last = min(first, previous.start), max(last, span.end)
    keep = None if department is None else {
        p.id for p in plan.roster if p.department == department}
    attribution = Attribution(rotation.assignments)
    strangers = _Strangers(plan)
    with _index(found, progress) as index:
        results, before = (
            list(_judge(index, plan, rotation, judged_slots(rotation, s, today), today,
                        attribution))
            for s in (span, previous)
        )
        # One pass in the index's own order, no sort, whatever the month's size; the three
        # groupings are added up as it streams.
        people, channels, days = resum(
            strangers.watch(index.sums(span.start, span.end, SUM_KEYS, keep)),
            *((key, "metric") for key in reports.MONTH_KEYS))
        report = reports.month_report_of(
            plan, results, before, people, channels, days,
            index.values(plan.start, span.end, reports.goal_wanted(plan)),
            _best(index, plan, span, keep), period.label, span, today, department=department,
        )
        problems = _warnings(index, months_between(min(first, span.start), last))
    return ReportResult(plan, report, problems + strangers.problems())


def _rotation_for(found, plan: Plan, period: Span, today: date):
    """The rotation a report over ``period`` needs (from the cache) and the days whose
    entries it counts: the period and its judged slots (at most MAX_SPILL_DAYS past it).

    Built once, up to the end of the last slot the schedule starts by then: a longer
    calendar begins with the shorter one, and its slots starting later cover only days
    after the judged slots end, so they change no entry's judged slot."""
    from dutyctl.app.load import rotation_until
    from dutyctl.core.compliance import judged_slots
    from dutyctl.core.schedule import duty_slots

    until = max(min(period.end, today), plan.start)
    limit = until + timedelta(days=MAX_SPILL_DAYS)
    reach = until
    for duty in plan.duties.values():
        for slot in reversed(duty_slots(plan, duty, until)):
            if slot.start < period.start:
                break
            reach = max(reach, slot.end)
    rotation = rotation_until(found, plan, min(reach, limit))
    last_end = max((a.end for a in judged_slots(rotation, period, today)), default=until)
    return rotation, period.start, max(min(last_end, limit), period.end)


def week(
    repo: str | Path | None, rev: str | None, week_text: str | None, department: str | None,
    progress: Progress | None = None,
) -> ReportResult:
    from dutyctl.core import reports
    from dutyctl.core.syntax import parse_week

    found, plan, today = _load(repo, rev, department)
    period = parse_week(week_text or "this", today)
    rotation, first, last = _rotation_for(found, plan, period.span, today)
    strangers = _Strangers(plan)
    with _index(found, progress) as index:
        entries = list(index.entries(first, last))
        problems = _warnings(index, months_between(first, last))
    for entry in entries:
        if period.span.start <= entry.date <= period.span.end:
            strangers.note(entry.person, entry.metric, 1)
    report = reports.week_report(
        plan, rotation, entries, period.label, period.span, today, department=department
    )
    return ReportResult(plan, report, problems + strangers.problems())


def person(
    repo: str | Path | None,
    rev: str | None,
    person_id: str,
    *,
    month: str | None = None,
    quarter: str | None = None,
    year: str | None = None,
    all_time: bool = False,
    progress: Progress | None = None,
) -> ReportResult:
    from dutyctl.core import reports

    found, plan, today = _load(repo, rev, None)
    _check("person", person_id, plan.people)
    _, span = choose_period(
        plan, today, month=month, quarter=quarter, year=year, all_time=all_time, default="all",
        week_ok=False,
    )
    rotation, first, last = _rotation_for(found, plan, span, today)
    slots = reports.person_slots(rotation, person_id, span, today)
    strangers = _Strangers(plan)
    with _index(found, progress) as index:
        report = reports.person_report_of(
            plan, list(_judge(index, plan, rotation, slots, today)),
            strangers.watch(index.sums(span.start, span.end, ("date", "metric"), {person_id})),
            _best(index, plan, span, {person_id}), person_id, span, today,
        )
        problems = _warnings(index, months_between(first, last))
    return ReportResult(plan, report, problems + strangers.problems())

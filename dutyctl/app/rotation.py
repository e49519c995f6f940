"""The library behind the commands: options as typed on the command line in, results out.

Each function loads what it needs (plan, rotation), calls the pure core and returns
a plain result that a renderer shows; the CLI only parses and renders.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.errors import UsageError, unknown

if TYPE_CHECKING:  # imported where needed: `dutyctl today` on a warm cache needs neither
    from dutyctl.core.model import Override, Plan
    from dutyctl.core.rotation import Assignment, DutyStats, LoadStats


# Results are NamedTuples, immutable like the core's frozen dataclasses: this module is
# imported on the cron path, where defining a dataclass costs ten times as much.


class RotationResult(NamedTuple):
    plan: Plan
    start: date
    end: date
    today: date
    assignments: list[Assignment]
    stats: list[DutyStats] | None
    person: str | None = None
    explain: bool = False
    rows: list | None = None  # the slots as plain rows (agenda.slot_rows), when cached
    load: LoadStats | None = None  # with --stats: the weighted load across duties


class ViewResult(NamedTuple):
    plan: Plan
    view: dict


class SwapResult(NamedTuple):
    override: Override
    plan_file: str
    names: tuple[str, str]


def _check_id(plan: Plan, kind: str, value: str | None, known) -> None:
    if value is not None and value not in known:
        message, hint = unknown(kind, value, known)
        raise UsageError(message, hint=hint)


def check_plan(repo, rev) -> tuple[str, Plan | None, list]:
    """Every problem of the plan, and warnings about overrides that change nothing."""
    from dutyctl.app.load import open_repo
    from dutyctl.core.rotation import build_rotation, override_problems
    from dutyctl.errors import Problem
    from dutyctl.store.planfile import check_plan_file

    found = open_repo(repo)
    plan, problems = check_plan_file(found, rev)
    if plan is not None and plan.overrides:
        last = max(o.date for o in plan.overrides)
        for index, message in override_problems(plan, build_rotation(plan, last)):
            problems.append(
                Problem(
                    plan.where(f"overrides[{index}]"),
                    f"overrides[{index}]: " + message,
                    "fix 'date' or 'from', or remove the override",
                    severity="warning",
                )
            )
    return found.relative(found.plan_path), plan, problems


def _period(start, end, month, weeks, today: date) -> tuple[date, date]:
    """The days a rotation listing covers, from --from/--to, --month or --weeks."""
    from dutyctl.core.dates import parse_day

    chosen = [
        name
        for name, value in (("--from/--to", start or end), ("--month", month), ("--weeks", weeks))
        if value
    ]
    if len(chosen) > 1:
        raise UsageError(
            f"{' and '.join(chosen)} cannot be used together",
            hint="give one period: --from DATE --to DATE, --month M or --weeks N",
        )
    if start or end:
        if not (start and end):
            raise UsageError("--from and --to go together", hint="give both days")
        first, last = parse_day(start, today), parse_day(end, today)
        if last < first:
            raise UsageError(f"--to {last} is before --from {first}", hint="swap the two days")
    elif weeks:
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=7 * weeks - 1)
    else:
        from dutyctl.core.syntax import parse_month

        span = parse_month(month or "this", today).span
        first, last = span.start, span.end
    if (last - first).days > 366 * 20:
        raise UsageError("that period is longer than 20 years", hint="ask for a shorter one")
    return first, last


def rotation_period(
    repo,
    rev,
    start,
    end,
    month,
    weeks,
    duty,
    person,
    department,
    stats=False,
    explain=False,
    rows_only=False,
) -> RotationResult:
    """The slots of a period. With ``rows_only`` (the JSON and CSV listings need only the
    plain slot rows) a warm cache answers without loading the plan or the rotation."""
    from dutyctl.app.load import cached, cached_entry, load, open_repo, plan_today, rotation_until

    def query(today: date) -> str:
        first, last = _period(start, end, month, weeks, today)
        return f"{first}|{last}|{duty or ''}|{person or ''}|{department or ''}"

    rows_only = rows_only and not stats and not explain
    if rows_only and rev is None:
        hit = cached_entry(open_repo(repo), "slot-rows", query)
        if isinstance(hit, list):
            return RotationResult(None, None, None, None, [], None, person, False, hit)  # type: ignore[arg-type]
    found, plan = load(repo, rev)
    today = plan_today(plan)
    first, last = _period(start, end, month, weeks, today)
    _check_id(plan, "duty", duty, plan.duties)
    _check_id(plan, "person", person, plan.people)
    _check_id(plan, "department", department, plan.departments)
    rotation = rotation_until(found, plan, last)
    from dutyctl.core.agenda import Filters, select, slot_rows
    from dutyctl.core.rotation import load_stats, rotation_stats

    assignments = select(plan, rotation.between(first, last), Filters(duty, person, department))
    table = rotation_stats(plan, rotation, max(first, plan.start), last) if stats else None
    weighted = load_stats(plan, rotation, max(first, plan.start), last) if stats else None
    if table is not None and duty:
        table = [s for s in table if s.duty == duty]
    rows = None
    if rows_only:
        rows = cached(found, plan, "slot-rows", query(today), lambda: slot_rows(assignments))
    return RotationResult(
        plan, first, last, today, assignments, table, person, explain, rows, weighted
    )


def today_duties(repo, rev, day_text: str | None) -> ViewResult:
    if rev is None:
        # The cron path: on a warm cache, neither the plan nor the rotation is loaded.
        from dutyctl.app.load import day_view, open_repo

        return ViewResult(None, day_view(open_repo(repo), day_text))  # type: ignore[arg-type]
    from dutyctl.app.load import load, plan_today
    from dutyctl.core.agenda import today_view
    from dutyctl.core.dates import parse_day
    from dutyctl.core.rotation import build_rotation

    found, plan = load(repo, rev)
    day = parse_day(day_text, plan_today(plan)) if day_text else plan_today(plan)
    return ViewResult(plan, today_view(plan, build_rotation(plan, day), day))


def next_duties(repo, rev, person: str | None, count: int, day_text: str | None) -> ViewResult:
    from dutyctl.app.load import load, plan_today
    from dutyctl.core.agenda import upcoming_for
    from dutyctl.core.dates import parse_day
    from dutyctl.core.rotation import build_rotation
    from dutyctl.store.identity import person_id

    found, plan = load(repo, rev)
    pid = person_id(plan, found, person, how="a person id (dutyctl who ID)")
    day = parse_day(day_text, plan_today(plan)) if day_text else plan_today(plan)
    # Far enough ahead for anyone's next few turns, however large the team.
    horizon = day + timedelta(days=max(62, 7 * count * max(1, len(plan.roster) // 2)))
    rotation = build_rotation(plan, min(horizon, day + timedelta(days=3 * 366)))
    return ViewResult(plan, upcoming_for(plan, rotation, pid, day, count))


def swap_slot(
    repo, day_text: str, duty: str, from_person: str, to_person: str, reason: str | None
) -> SwapResult:
    from dutyctl.app.load import load, plan_today
    from dutyctl.core.dates import parse_day
    from dutyctl.core.model import Override
    from dutyctl.core.rotation import build_rotation, swap_problems
    from dutyctl.store.planedit import add_override

    found, plan = load(repo, None)
    day = parse_day(day_text, plan_today(plan))
    _check_id(plan, "duty", duty, plan.duties)
    _check_id(plan, "person", from_person, plan.people)
    _check_id(plan, "person", to_person, plan.people)
    rotation = build_rotation(plan, day)
    problems = swap_problems(plan, rotation, day, duty, from_person, to_person)
    if problems:
        raise UsageError(
            f"cannot give {from_person}'s {duty} slot of {day} to {to_person}: "
            + "; ".join(problems),
            hint="see 'dutyctl rotate --from DATE --to DATE --duty " + duty + "'",
        )
    override = Override(day, duty, from_person, to_person, reason)
    add_override(found, override)
    names = (plan.people[from_person].name, plan.people[to_person].name)
    return SwapResult(override, found.relative(found.plan_path), names)

"""The library behind `dutyctl report ...`: options as typed in, report records out.

Each function loads the plan (at ``--rev`` if given), reads the months of the KPI
log it needs, builds the rotation and calls the pure core (:mod:`dutyctl.core.reports`).
Malformed log rows do not stop a report: they come back as ``problems`` (warnings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dutyctl.core.model import Plan, Span
from dutyctl.errors import Problem, UsageError, unknown

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
) -> tuple[str, Span]:
    """One period from --month/--week/--quarter/--year/--all (label, days)."""
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
            hint="give one period: --month M, --week W, --quarter Q, --year Y or --all",
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


def _months(first: date, last: date) -> set[str]:
    months = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def _load(repo, rev, department: str | None):
    from dutyctl.app.load import load, plan_today

    found, plan = load(repo, rev)
    _check("department", department, plan.departments)
    return found, plan, plan_today(plan)


def _gather(found, plan: Plan, period: Span, today: date, read_from: date | None = None):
    """The rotation and the log entries a report over ``period`` needs, and log problems."""
    from dutyctl.store.logfile import read_log

    rotation, last_end = _rotation_for(found, plan, period, today)
    first = min(read_from or period.start, period.start)
    read = read_log(found.root, _months(first, max(last_end, period.end)))
    problems = tuple(
        p._replace(severity="warning", message=p.message + " (skipped by the report)")
        if p.severity == "error"
        else p
        for p in read.problems
    )
    return rotation, read.all_entries(), problems


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
    progress=None,
) -> ReportResult:
    from dutyctl.core import reports

    found, plan, today = _load(repo, rev, department)
    label, span = choose_period(
        plan, today, month=month, week=week, quarter=quarter, year=year, all_time=all_time
    )
    fast = _cached_leaderboard(found, plan, span, today, label, department, progress)
    if fast is not None:
        return fast
    rotation, entries, problems = _gather(found, plan, span, today)
    board = reports.leaderboard(
        plan, rotation, entries, span, today, label=label, department=department
    )
    return ReportResult(plan, board, problems)


def _as_warnings(problems) -> tuple[Problem, ...]:
    return tuple(
        p._replace(severity="warning", message=p.message + " (skipped by the report)")
        if p.severity == "error"
        else p
        for p in problems
    )


def _cached_leaderboard(
    found, plan: Plan, span: Span, today: date, label: str, department, progress=None
):
    """The leaderboard from per-file aggregates (:mod:`dutyctl.store.logcache`), or None when
    they cannot give the identical answer (see its docstring); streams, never holds
    every entry."""
    from dutyctl.core import reports
    from dutyctl.core.compliance import judge_totals, judged_slots
    from dutyctl.store import logcache
    from dutyctl.store.logfile import _log_files

    if any(not float(m.points).is_integer() for m in plan.metrics.values()):
        return None
    rotation, last_end = _rotation_for(found, plan, span, today)
    files = _log_files(found.root, _months(span.start, max(last_end, span.end)))
    keep = (lambda pid: True) if department is None else (
        lambda pid: pid in plan.people and plan.people[pid].department == department
    )
    person_metric: dict[tuple[str, str], list[float]] = {}
    sums: dict[str, dict[str, list[float]]] = {}
    minutes: dict[str, float] = {}
    slot_sums: dict[tuple[str, date], dict[str, dict[str, float]]] = {}
    found_problems: list[Problem] = []
    # One file's aggregate at a time: memory holds the sums (the id hashes go to disk).
    with logcache.IdHashes() as ids:
        for a in logcache.file_aggregates(found, plan, rotation, files, progress):
            if not a.exact or a.foreign_voids:
                return None
            if a.first is not None and not (span.start <= a.first and a.last <= span.end):
                return None
            ids.add(a.ids)
            found_problems.extend(a.problems)
            for key, (value, count) in a.person_metric.items():
                mine = person_metric.get(key)
                if mine is None:
                    person_metric[key] = [value, count]
                else:
                    mine[0] += value
                    mine[1] += count
            for person, spent in a.minutes.items():
                minutes[person] = minutes.get(person, 0.0) + spent
            for (duty, start, person, metric), value in a.slots.items():
                per = slot_sums.setdefault((duty, start), {}).setdefault(person, {})
                per[metric] = per.get(metric, 0.0) + value
            del a
        if not _disjoint(found, "leaderboard", lambda: [], ids):
            return None
    for (person, metric), pair in person_metric.items():
        sums.setdefault(person, {})[metric] = pair
    by_person = {}
    for person in sorted(sums):
        if not keep(person):
            continue
        metrics = sums[person]
        points = output = outcomes = 0.0
        for metric, (value, _) in metrics.items():
            known = plan.metrics.get(metric)
            points += value * known.points if known is not None else 0.0
            if known is not None and known.kind == "outcome":
                outcomes += value
            else:
                output += value
        by_person[person] = reports.Totals(
            int(sum(count for _, count in metrics.values())),
            points,
            minutes.get(person, 0.0),
            output,
            outcomes,
            {m: v for m, (v, _) in sorted(metrics.items())},
        )
    results = []
    for slot in judged_slots(rotation, span, today):
        people = slot_sums.get((slot.duty, slot.start), {})
        by = {p: dict(people.get(p, {})) for p in slot.people}
        totals: dict[str, float] = {}
        for per in by.values():
            for metric, value in per.items():
                totals[metric] = totals.get(metric, 0.0) + value
        results.append(judge_totals(plan, slot, totals, by, (), today))
    board = reports.rank_leaderboard(
        plan, by_person, results, span, label=label, department=department
    )
    problems = _as_warnings(found_problems)
    return ReportResult(plan, board, problems)


def month(
    repo: str | Path | None, rev: str | None, month_text: str | None, department: str | None
) -> ReportResult:
    from dutyctl.core import reports
    from dutyctl.core.syntax import parse_month

    found, plan, today = _load(repo, rev, department)
    period = parse_month(month_text or default_month(today), today)
    span = period.span
    fast = _month_from_aggregates(found, plan, period.label, span, today, department)
    if fast is not None:
        return fast
    # From the plan's start: goals count everything so far, and the previous month compares.
    rotation, entries, problems = _gather(found, plan, span, today, read_from=plan.start)
    report = reports.month_report(
        plan, rotation, entries, period.label, span, today, department=department
    )
    return ReportResult(plan, report, problems)


def _month_from_aggregates(
    found, plan: Plan, label: str, span: Span, today: date, department,
    cache_previous: bool = True,
):
    """The month report reading only the files of the month and the slots running past
    it (and, unless the cache cannot stand for it, the previous month's); the months
    before give only their goal totals, and the previous month its slot sums (for the
    change in compliance), from the per-file aggregates (:mod:`dutyctl.store.logcache`). None
    when that could differ from reading everything: an earlier file with an entry dated
    from the previous month on (or before the plan's start), a void or an id shared
    across that boundary, or a value that is not a whole number (sums would depend on
    their order). The previous month's file comes from the cache only when it holds
    dates of that month alone and no void crosses a file; otherwise it is read."""
    from dutyctl.core import reports
    from dutyctl.store import logcache
    from dutyctl.store.logfile import _log_files, read_log

    previous = reports.previous_month(span)
    rotation, last_end = _rotation_for(found, plan, span, today)
    first = min(plan.start, span.start)  # where reading everything would start
    window = max(previous.start, first)
    cache_previous = cache_previous and window == previous.start
    read_from = span.start if cache_previous else window
    earlier = [
        path for path in _log_files(found.root, _months(first, read_from))
        if path.stem < f"{read_from:%Y-%m}"
    ]
    previous_file = f"{previous.start:%Y-%m}"
    goal_keys = {(g.metric, g.channel) for g in plan.goals}
    previous_sums: dict[tuple[str, date], dict[str, dict[str, float]]] | None = None
    older = [path for path in earlier if not (cache_previous and path.stem == previous_file)]
    last_file = [path for path in earlier if path not in older]
    history = _history(found, plan, older, goal_keys, previous.start)
    if history is None:
        return None
    history_key, before, older_problems, history_ids = history
    problems: list[Problem] = list(older_problems)
    later_ids = logcache.IdHashes(spill_after=None)
    # Then the previous month's file with its slot sums: file order, as reading everything.
    for a in logcache.file_aggregates(found, plan, rotation, last_file):
        if not a.exact:
            return None
        if a.foreign_voids or (
            a.first is not None and not (previous.start <= a.first and a.last <= previous.end)
        ):
            return _month_from_aggregates(
                found, plan, label, span, today, department, cache_previous=False
            )
        previous_sums = {}
        for (duty, start, person, metric), value in a.slots.items():
            if previous.start <= start <= previous.end:
                per = previous_sums.setdefault((duty, start), {}).setdefault(person, {})
                per[metric] = per.get(metric, 0.0) + value
        later_ids.add(a.ids)
        problems.extend(a.problems)
        _add_goal_totals(before, a.metric_channel, goal_keys)
    if cache_previous and previous_sums is None:
        previous_sums = {}  # no file for the previous month: nothing more to add
    read = read_log(found.root, _months(read_from, max(last_end, span.end)))
    entries = read.all_entries()
    ids = {e.id for e in entries}
    for e in entries:
        if not (e.value.is_integer() and e.value < 2.0**52):
            return None
        if e.is_void and e.voids not in ids:
            if cache_previous:  # perhaps an entry of the previous month's file
                return _month_from_aggregates(
                    found, plan, label, span, today, department, cache_previous=False
                )
            return None
    later_ids.add(logcache.id_hashes(ids))
    if not _disjoint(found, history_key, history_ids, later_ids):
        return None
    report = reports.month_report(
        plan, rotation, entries, label, span, today, department=department,
        goals_before=before, previous_sums=previous_sums,
    )
    return ReportResult(plan, report, _as_warnings([*problems, *read.problems]))


def _history(found, plan: Plan, paths: list[Path], goal_keys: set, previous_start: date):
    """What the month report takes from the files before the previous month: their goal
    totals, their problems and their id hashes (for the check that no id is in two
    files), or None when their aggregates cannot stand for reading them (see
    :func:`_month_from_aggregates`).

    The log is append-only, so these files rarely change: the answer is kept in signed
    cache entries keyed by the plan and by each file's stamp (size, times, inode, hashes
    of its ends, as for the per-file aggregates); any change recomputes it. Returns
    ``(key, totals, problems, ids)``: ``key`` names this history ("" when it cannot be
    kept) and ``ids()`` gives the files' id hashes, read only when they are needed.
    """
    import hashlib

    from dutyctl.store import logcache, plancache

    plan_key = plancache.plan_key(plan)
    stamps = [logcache.file_stamp(path) for path in paths]
    key = ""
    if plan_key is not None and None not in stamps:
        rels = [found.relative(path) for path in paths]
        key = hashlib.sha256(
            repr((logcache.FORMAT, plan_key, sorted(goal_keys, key=repr), previous_start,
                  list(zip(rels, stamps, strict=True)))).encode()
        ).hexdigest()
        totals_entry = found.cache_dir / f"history-{key[:40]}.pickle"
        ids_entry = found.cache_dir / f"history-ids-{key[:40]}.pickle"
        kept = plancache.signed_read(totals_entry)
        if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == key:

            def kept_ids() -> list[bytes] | None:
                found_ids = plancache.signed_read(ids_entry)
                if isinstance(found_ids, tuple) and len(found_ids) == 2 and found_ids[0] == key:
                    return list(found_ids[1])
                return None

            return key, dict(kept[1]), list(kept[2]), kept_ids
    before: dict[tuple[str, str | None], float] = {}
    problems: list[Problem] = []
    blobs: list[bytes] = []
    # Two processes may read files that have no aggregate yet.
    for a in logcache.file_aggregates(found, plan, None, paths):
        if not a.exact or a.foreign_voids or (
            a.first is not None and not (plan.start <= a.first and a.last < previous_start)
        ):
            return None
        blobs.append(a.ids)
        problems.extend(a.problems)
        _add_goal_totals(before, a.metric_channel, goal_keys)
    if key:
        plancache.signed_write(found, ids_entry, (key, blobs))
        plancache.signed_write(found, totals_entry, (key, dict(before), list(problems)))
    return key, before, problems, lambda: blobs


def _add_goal_totals(totals: dict, metric_channel: dict, goal_keys: set) -> None:
    """Add a file's sums per (metric, channel) to the totals of the goals that count
    them: a goal on one channel, or on the metric whatever the channel (None)."""
    for (metric, channel), value in metric_channel.items():
        for goal in ((metric, channel), (metric, None)):
            if goal in goal_keys:
                totals[goal] = totals.get(goal, 0.0) + value


def _disjoint(found, history_key: str, history_ids, later) -> bool:
    """No id hash in two files, over the history's id hashes and the ``later`` ones (a
    ``logcache.IdHashes``), remembered for the same history and the same later hashes (a
    report asked again with nothing logged in between reads neither the hashes nor the
    files)."""
    import hashlib

    from dutyctl.store import plancache

    entry = None
    if history_key:
        digest = hashlib.sha256(history_key.encode())
        for blob_digest in later.digests:
            digest.update(blob_digest)
        entry = found.cache_dir / f"disjoint-{digest.hexdigest()[:40]}.pickle"
        if plancache.signed_read(entry) == (history_key, True):
            return True
    blobs = history_ids()
    if blobs is None:
        return False
    for blob in blobs:  # checked with the later ones (the digest above names only those)
        later.add(blob)
    if not later.disjoint():
        return False
    if entry is not None:
        plancache.signed_write(found, entry, (history_key, True))
    return True


def _rotation_for(found, plan: Plan, period: Span, today: date):
    """The rotation a report over ``period`` needs (from the cache) and the last day of
    its judged slots (at most MAX_SPILL_DAYS past the period).

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
    return rotation, min(last_end, limit)


def week(
    repo: str | Path | None, rev: str | None, week_text: str | None, department: str | None
) -> ReportResult:
    from dutyctl.core import reports
    from dutyctl.core.syntax import parse_week

    found, plan, today = _load(repo, rev, department)
    period = parse_week(week_text or "this", today)
    rotation, entries, problems = _gather(found, plan, period.span, today)
    report = reports.week_report(
        plan, rotation, entries, period.label, period.span, today, department=department
    )
    return ReportResult(plan, report, problems)


def person(
    repo: str | Path | None,
    rev: str | None,
    person_id: str,
    *,
    month: str | None = None,
    quarter: str | None = None,
    year: str | None = None,
    all_time: bool = False,
) -> ReportResult:
    from dutyctl.core import reports

    found, plan, today = _load(repo, rev, None)
    _check("person", person_id, plan.people)
    _, span = choose_period(
        plan, today, month=month, quarter=quarter, year=year, all_time=all_time, default="all"
    )
    rotation, entries, problems = _gather(found, plan, span, today)
    report = reports.person_report(plan, rotation, entries, person_id, span, today)
    return ReportResult(plan, report, problems)

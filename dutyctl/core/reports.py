"""Reports over the KPI log: leaderboard, the monthly review, the week, one person. Pure.

Plan, rotation, log entries, the period and today in; frozen records out, which the
renderers (``dutyctl.render.report``) turn into tables, Markdown, HTML, SVG and JSON.
Nothing here reads files, calls git or prints.

Counting rules, the same in every report:

* Only :func:`entries.active_entries` count: void rows and what they void never do.
* Points, entries, minutes, output and outcomes are summed over the entries *dated*
  in the period (whether or not on a slot); compliance over the slots that *start* in
  it (see :mod:`dutyctl.core.compliance`).
* Output = the values of ``output`` metrics (and of metrics the plan does not name);
  outcomes = the values of ``outcome`` metrics. Outcome per hour = outcomes / (minutes / 60).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dutyctl.core.compliance import (
    Attribution,
    PersonCompliance,
    SlotResult,
    entry_points,
    judge_slots,
    judge_sums,
    judged_slots,
    metric_kind,
    person_compliance,
    sums_per_slot,
)
from dutyctl.core.entries import Entry, Sum, active_entries, sums_of
from dutyctl.core.model import Person, Plan, Span
from dutyctl.core.rotation import Assignment, Rotation
from dutyctl.core.syntax import month_span
from dutyctl.core.workdays import Moved

BEST_ENTRIES = 5
RUNNERS_UP = 2


# --- Building blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """What a group of entries adds up to."""

    entries: int = 0
    points: float = 0.0
    minutes: float = 0.0
    output: float = 0.0
    outcomes: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def outcome_per_hour(self) -> float | None:
        return self.outcomes / (self.minutes / 60) if self.minutes > 0 else None


def totals(plan: Plan, entries: Iterable[Entry]) -> Totals:
    return sum_totals(plan, sums_of(entries, ("metric",)))


def sum_totals(plan: Plan, sums: Iterable[Sum]) -> Totals:
    """What summed entries add up to (:class:`~dutyctl.entries.Sum`, by metric at least)."""
    count, points, minutes, output, outcomes = 0, 0.0, 0.0, 0.0, 0.0
    metrics: dict[str, float] = {}
    for item in sums:
        count += item.entries
        minutes += item.minutes
        known = plan.metrics.get(item.metric)
        if known is not None:
            points += item.value * known.points
        if known is not None and known.kind == "outcome":
            outcomes += item.value
        else:
            output += item.value
        metrics[item.metric] = metrics.get(item.metric, 0.0) + item.value
    return Totals(count, points, minutes, output, outcomes, dict(sorted(metrics.items())))


def sum_totals_by(plan: Plan, sums: Iterable[Sum], key: Callable[[Sum], str]) -> dict[str, Totals]:
    groups: dict[str, list[Sum]] = {}
    for item in sums:
        groups.setdefault(key(item), []).append(item)
    return {k: sum_totals(plan, group) for k, group in sorted(groups.items())}


def totals_by(
    plan: Plan, entries: Iterable[Entry], key: Callable[[Entry], str]
) -> dict[str, Totals]:
    """Entries grouped by ``key`` (person, channel, duty...), each group totalled."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(key(entry), []).append(entry)
    return {k: totals(plan, group) for k, group in sorted(groups.items())}


def in_span(entries: Iterable[Entry], span: Span) -> list[Entry]:
    """The active entries dated inside ``span``, in log order."""
    return [e for e in active_entries(entries) if span.start <= e.date <= span.end]


def active_in(person: Person, span: Span, plan_start: date) -> bool:
    """On the team on at least one day of ``span`` (the team exists from the plan's start)."""
    return budget_span(person, span, plan_start) is not None


def budget_span(person: Person, span: Span, plan_start: date) -> Span | None:
    """The part of ``span`` during which the person is on the team."""
    start = max(span.start, person.active_from or span.start, plan_start)
    end = min(span.end, person.active_until or span.end)
    return Span(start, end) if start <= end else None


def status(ratio: float | None) -> str:
    """green (>= 100%), amber (>= 50%) or red (below); grey when nothing was expected."""
    if ratio is None:
        return "grey"
    return "green" if ratio >= 1 else "amber" if ratio >= 0.5 else "red"


def budget_status(ratio: float | None) -> str:
    """A time budget turns red as it is used up: green < 80%, amber < 100%, red after."""
    if ratio is None:
        return "grey"
    return "green" if ratio < 0.8 else "amber" if ratio < 1 else "red"


def _in_department(plan: Plan, department: str | None) -> Callable[[str], bool]:
    if department is None:
        return lambda person_id: True
    return lambda person_id: (
        person_id in plan.people and plan.people[person_id].department == department
    )


def _slots_of(results: Iterable[SlotResult], keep: Callable[[str], bool]) -> Iterator[SlotResult]:
    """The slots held by someone ``keep`` keeps, one at a time."""
    return (r for r in results if any(keep(p) for p in r.people))


def _filter_slots(results: Iterable[SlotResult], keep: Callable[[str], bool]) -> list[SlotResult]:
    return list(_slots_of(results, keep))


@dataclass(frozen=True)
class BestEntry:
    entry: Entry
    points: float
    outcome: float  # the entry's value when its metric is an outcome, else 0


def best_entries(
    plan: Plan, entries: Iterable[Entry], count: int = BEST_ENTRIES
) -> list[BestEntry]:
    """The entries with the highest outcome value, then the most points; ties by date, id."""
    kinds: dict[str, bool] = {}
    ranked = []
    for entry in entries:
        is_outcome = kinds.get(entry.metric)
        if is_outcome is None:
            is_outcome = kinds[entry.metric] = metric_kind(plan, entry.metric) == "outcome"
        outcome = entry.value if is_outcome else 0.0
        points = entry_points(plan, entry)
        if outcome > 0 or points > 0:
            ranked.append((outcome, points, entry))
    # nsmallest is sorted(...)[:count], without sorting every entry.
    top = heapq.nsmallest(count, ranked, key=lambda r: (-r[0], -r[1], r[2].date, r[2].id))
    return [BestEntry(entry, points, outcome) for outcome, points, entry in top]


# --- Leaderboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    person: str
    name: str
    points: float
    entries: int
    slots: int
    slots_met: int
    compliance: float | None
    minutes: float
    streak: int


@dataclass(frozen=True)
class Leaderboard:
    team: str
    label: str
    period: Span
    department: str | None
    rows: tuple[LeaderRow, ...]


def leaderboard(
    plan: Plan,
    rotation: Rotation,
    entries: Sequence[Entry],
    period: Span,
    today: date,
    *,
    label: str = "",
    department: str | None = None,
) -> Leaderboard:
    """Everyone on the team during the period (or with entries in it), best first.

    Ranked by points, then compliance (no slots ranks below 0%), then id.
    """
    entries = active_entries(entries)
    results = judge_entries(plan, rotation, judged_slots(rotation, period, today), entries, today)
    dated = [e for e in entries if period.start <= e.date <= period.end]
    return leaderboard_of(plan, results, sums_of(dated, ("person", "metric")), period,
                          label=label, department=department)


def judge_entries(
    plan: Plan,
    rotation: Rotation,
    slots: Sequence[Assignment],
    entries: Iterable[Entry],
    today: date,
    attribution: Attribution | None = None,
) -> list[SlotResult]:
    """``slots`` judged from the active ``entries``, as a report judges them from the log
    index (:func:`~dutyctl.core.compliance.judge_sums`: no entry ids)."""
    attribution = attribution or Attribution(rotation.assignments)
    return list(judge_sums(plan, slots, sums_per_slot(attribution, slots, entries), today))


def leaderboard_of(
    plan: Plan,
    results: Iterable[SlotResult],
    sums: Iterable[Sum],
    period: Span,
    *,
    label: str = "",
    department: str | None = None,
) -> Leaderboard:
    """:func:`leaderboard` from the judged slots of the period and the active entries
    dated in it summed per person and metric."""
    keep = _in_department(plan, department)
    by_person = sum_totals_by(plan, [s for s in sums if keep(s.person)], lambda s: s.person)
    return rank_leaderboard(plan, by_person, results, period, label=label, department=department)


def rank_leaderboard(
    plan: Plan,
    by_person: dict[str, Totals],
    results: Iterable[SlotResult],
    period: Span,
    *,
    label: str = "",
    department: str | None = None,
) -> Leaderboard:
    """The leaderboard from each person's totals (entries dated in the period, in the
    department) and the judged slots of the period (see :func:`leaderboard`)."""
    keep = _in_department(plan, department)
    compliance = person_compliance(_slots_of(results, keep))
    people = {p.id for p in plan.roster if active_in(p, period, plan.start) and keep(p.id)}
    people |= set(by_person) | {p for p in compliance if keep(p)}
    rows = [_leader_row(plan, pid, by_person.get(pid), compliance.get(pid)) for pid in people]
    rows.sort(key=lambda r: (-r.points, -(r.compliance if r.compliance is not None else -1),
                             r.person))
    ranked = tuple(
        LeaderRow(**{**r.__dict__, "rank": index}) for index, r in enumerate(rows, start=1)
    )
    return Leaderboard(plan.team, label, period, department, ranked)


def _leader_row(
    plan: Plan, person_id: str, total: Totals | None, comp: PersonCompliance | None
) -> LeaderRow:
    total = total or Totals()
    comp = comp or PersonCompliance(person_id, 0, 0, 0)
    person = plan.people.get(person_id)
    return LeaderRow(
        rank=0,
        person=person_id,
        name=person.name if person else person_id,
        points=total.points,
        entries=total.entries,
        slots=comp.slots,
        slots_met=comp.slots_met,
        compliance=comp.compliance,
        minutes=total.minutes,
        streak=comp.streak,
    )


# --- The monthly review -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    target: float
    actual: float

    @property
    def ratio(self) -> float | None:
        if self.target <= 0:
            return None
        return self.actual / self.target

    @property
    def status(self) -> str:
        return status(self.ratio)


@dataclass(frozen=True)
class Headline:
    slots: int
    met: int
    missed: int  # ended and not met
    in_progress: int  # still running and not met yet: neither met nor missed
    compliance: float | None  # met / (met + missed)
    previous: float | None  # the previous month's compliance
    change: float | None  # compliance - previous, as a share (0.05 = 5 points)


@dataclass(frozen=True)
class DutyRow:
    duty: str
    name: str
    slots: int
    met: int
    kpi: dict[str, Target]


@dataclass(frozen=True)
class PersonRow:
    person: str
    name: str
    slots: int
    slots_met: int
    compliance: float | None
    points: float
    entries: int
    minutes: float
    budget_minutes: float | None
    kpi: dict[str, Target]

    @property
    def budget_used(self) -> float | None:
        if not self.budget_minutes:
            return None
        return self.minutes / self.budget_minutes

    @property
    def kpi_total(self) -> Target:
        return Target(
            sum(t.target for t in self.kpi.values()), sum(t.actual for t in self.kpi.values())
        )


@dataclass(frozen=True)
class ChannelRow:
    channel: str  # "" for entries without a channel
    name: str
    totals: Totals


@dataclass(frozen=True)
class GoalRow:
    text: str
    metric: str
    channel: str | None
    target: float
    actual: float
    by: date | None

    @property
    def progress(self) -> float:
        return self.actual / self.target if self.target else 1.0


@dataclass(frozen=True)
class Contender:
    person: str
    name: str
    points: float
    compliance: float
    entries: int


@dataclass(frozen=True)
class AwardResult:
    title: str
    by: str
    min_compliance: float
    department: str | None
    winner: Contender | None
    runners_up: tuple[Contender, ...]
    tie_break: str | None  # how a tie with the runner-up was broken, if there was one
    qualified: int


@dataclass(frozen=True)
class MonthReport:
    team: str
    month: str
    span: Span
    today: date
    department: str | None
    headline: Headline
    slots: tuple[SlotResult, ...]
    duties: tuple[DutyRow, ...]
    people: tuple[PersonRow, ...]
    channels: tuple[ChannelRow, ...]
    best: tuple[BestEntry, ...]
    goals: tuple[GoalRow, ...]
    award: AwardResult | None
    next_review: date | None
    daily_output: tuple[tuple[date, float], ...]
    next_review_move: Moved | None = None  # when it moved off a holiday: from where, why

    @property
    def missed(self) -> list[SlotResult]:
        return [r for r in self.slots if not r.met]


def previous_month(span: Span) -> Span:
    last = span.start - timedelta(days=1)
    return month_span(last.year, last.month)


def month_report(
    plan: Plan,
    rotation: Rotation,
    entries: Sequence[Entry],
    month: str,
    span: Span,
    today: date,
    *,
    department: str | None = None,
) -> MonthReport:
    """The monthly review."""
    keep = _in_department(plan, department)
    entries = active_entries(entries)
    attribution = Attribution(rotation.assignments)
    results, before = (
        judge_entries(plan, rotation, judged_slots(rotation, s, today), entries, today,
                      attribution)
        for s in (span, previous_month(span))
    )
    dated = [e for e in in_span(entries, span) if keep(e.person)]
    goals = goal_values(plan, [e for e in entries if plan.start <= e.date <= span.end])
    people, channels, days = (sums_of(dated, (key, "metric")) for key in MONTH_KEYS)
    return month_report_of(plan, results, before, people, channels, days, goals,
                           best_entries(plan, dated), month, span, today, department=department)


# The month's entries are summed per metric and each of these, for month_report_of.
MONTH_KEYS = ("person", "channel", "date")


def month_report_of(
    plan: Plan,
    results: list[SlotResult],
    before: list[SlotResult],
    people: Iterable[Sum],
    channels: Iterable[Sum],
    days: Iterable[Sum],
    goals: Sequence[float],
    best: Sequence[BestEntry],
    month: str,
    span: Span,
    today: date,
    *,
    department: str | None = None,
) -> MonthReport:
    """:func:`month_report` from the judged slots of the month and of the month before,
    the active entries of the department's people dated in the month summed per metric
    and person, channel and date (:data:`MONTH_KEYS`), the goals' actual values
    (:func:`goal_values`) and the month's best entries."""
    from dutyctl.core.agenda import next_review_move

    keep = _in_department(plan, department)
    review = next_review_move(plan, today)
    results = _filter_slots(results, keep)
    before = _filter_slots(before, keep)

    met = sum(r.met for r in results)
    in_progress = sum(r.running and not r.met for r in results)
    rate = _rate(results)
    previous = _rate(before)
    headline = Headline(
        slots=len(results),
        met=met,
        missed=len(results) - met - in_progress,
        in_progress=in_progress,
        compliance=rate,
        previous=previous,
        change=rate - previous if rate is not None and previous is not None else None,
    )
    people_rows = _person_rows(plan, results, [s for s in people if keep(s.person)], span, keep)
    by_channel = sum_totals_by(plan, channels, lambda s: s.channel)
    channel_rows = tuple(
        ChannelRow(cid, plan.channels[cid].name if cid in plan.channels else cid or "(none)", t)
        for cid, t in by_channel.items()
    )
    daily: dict[date, float] = {day: 0.0 for day in span}
    for item in days:
        if metric_kind(plan, item.metric) == "output":
            daily[item.date] += item.value
    return MonthReport(
        team=plan.team,
        month=month,
        span=span,
        today=today,
        department=department,
        headline=headline,
        slots=tuple(results),
        duties=tuple(_duty_rows(plan, results)),
        people=tuple(people_rows),
        channels=channel_rows,
        best=tuple(best),
        goals=tuple(goal_rows(plan, goals)),
        award=award(plan, people_rows, department),
        next_review=review.day if review else None,
        daily_output=tuple(sorted(daily.items())),
        next_review_move=review if review and review.moved else None,
    )


def _duty_rows(plan: Plan, results: list[SlotResult]) -> list[DutyRow]:
    rows = []
    for duty_id, duty in plan.duties.items():
        mine = [r for r in results if r.duty == duty_id]
        if not mine:
            continue
        kpi: dict[str, list[float]] = {m: [0.0, 0.0] for m in duty.kpi}
        for r in mine:
            times = len(r.people) if duty.kpi_per == "person" and r.people else 1
            for metric, bound in duty.kpi.items():
                kpi[metric][0] += bound.minimum * times
                kpi[metric][1] += r.totals.get(metric, 0.0)
        rows.append(
            DutyRow(
                duty_id,
                duty.name,
                len(mine),
                sum(r.met for r in mine),
                {m: Target(t, a) for m, (t, a) in kpi.items()},
            )
        )
    return rows


def _rate(results: Sequence[SlotResult]) -> float | None:
    """Slots met over slots decided: a running slot not met yet is neither."""
    decided = [r for r in results if r.met or not r.running]
    return sum(r.met for r in decided) / len(decided) if decided else None


def _person_rows(
    plan: Plan,
    results: list[SlotResult],
    dated: list[Sum],
    span: Span,
    keep: Callable[[str], bool],
) -> list[PersonRow]:
    compliance = person_compliance(results)
    by_person = sum_totals_by(plan, dated, lambda s: s.person)
    ids = {p.id for p in plan.roster if active_in(p, span, plan.start) and keep(p.id)}
    ids |= set(by_person) | {p for p in compliance if keep(p)}
    rows = []
    for pid in sorted(ids):
        person = plan.people.get(pid)
        comp = compliance.get(pid) or PersonCompliance(pid, 0, 0, 0)
        total = by_person.get(pid) or Totals()
        kpi: dict[str, list[float]] = {}
        for r in results:
            if pid not in r.people or r.duty not in plan.duties:
                continue
            duty = plan.duties[r.duty]
            for metric, bound in duty.kpi.items():
                share = bound.minimum if duty.kpi_per == "person" else bound.minimum / len(r.people)
                pair = kpi.setdefault(metric, [0.0, 0.0])
                pair[0] += share
                pair[1] += r.by_person.get(pid, {}).get(metric, 0.0)
        budget = None
        if person is not None and person.budget is not None:
            active = budget_span(person, span, plan.start)
            budget = person.budget.minutes_for(active) if active else 0.0
        rows.append(
            PersonRow(
                person=pid,
                name=person.name if person else pid,
                slots=comp.slots,
                slots_met=comp.slots_met,
                compliance=comp.compliance,
                points=total.points,
                entries=total.entries,
                minutes=total.minutes,
                budget_minutes=budget,
                kpi={m: Target(t, a) for m, (t, a) in sorted(kpi.items())},
            )
        )
    return rows


def goal_rows(plan: Plan, values: Sequence[float]) -> list[GoalRow]:
    """Each goal with its actual value (``values``, in the order of the plan's goals)."""
    return [
        GoalRow(goal.text, goal.metric, goal.channel, goal.target, actual, goal.by)
        for goal, actual in zip(plan.goals, values, strict=True)
    ]


def goal_wanted(plan: Plan) -> list[tuple[str, str | None]]:
    """What each goal sums: its metric, on its channel (None: any)."""
    return [(goal.metric, goal.channel) for goal in plan.goals]


def goal_values(plan: Plan, entries: Iterable[Entry]) -> list[float]:
    """Each goal's metric summed (on its channel, if given) over the active ``entries``
    (those dated from the plan's start to the end of the report's month)."""
    sums = sums_of(entries, ("metric", "channel"))
    return [
        sum(s.value for s in sums if s.metric == metric and channel in (None, s.channel))
        for metric, channel in goal_wanted(plan)
    ]


_CRITERIA = {
    "points": ("points", "compliance", "entries"),
    "compliance": ("compliance", "points", "entries"),
    "entries": ("entries", "points", "compliance"),
}


def describe(criterion: str, value: float) -> str:
    """``42 points``, ``100% compliance``, ``1 entry``."""
    if criterion == "compliance":
        return f"{value * 100:.0f}% compliance"
    if criterion == "entries":
        return f"{int(value)} entr{'y' if value == 1 else 'ies'}"
    return f"{value:g} point{'' if value == 1 else 's'}"


def award(
    plan: Plan, people: Sequence[PersonRow], department: str | None = None
) -> AwardResult | None:
    """The award winner by the plan's rule, the runners-up and how a tie was broken.

    Only people with at least one slot and compliance >= ``min_compliance`` compete,
    from the award's department (and the report's, when one is asked for).
    """
    rule = plan.award
    if rule is None:
        return None
    criteria = _CRITERIA[rule.by]
    contenders = [
        Contender(p.person, p.name, p.points, p.compliance or 0.0, p.entries)
        for p in people
        if p.slots
        and p.compliance is not None
        and p.compliance >= rule.min_compliance - 1e-9
        and (rule.department is None or _department_of(plan, p.person) == rule.department)
        and (department is None or _department_of(plan, p.person) == department)
    ]
    contenders.sort(key=lambda c: (*(-getattr(c, k) for k in criteria), c.person))
    winner = contenders[0] if contenders else None
    tie_break = None
    if len(contenders) > 1:
        first, second = contenders[0], contenders[1]
        main = criteria[0]
        if getattr(first, main) == getattr(second, main):
            tied = f"tie on {describe(main, getattr(first, main))}"
            for criterion in criteria[1:]:
                a, b = getattr(first, criterion), getattr(second, criterion)
                if a != b:
                    tie_break = (
                        f"{tied} broken by {criterion} "
                        f"{_plain(criterion, a)} vs {_plain(criterion, b)}"
                    )
                    break
            else:
                tie_break = (
                    f"{tied} and on every other count, broken by id "
                    f"({first.person} before {second.person})"
                )
    return AwardResult(
        title=rule.title,
        by=rule.by,
        min_compliance=rule.min_compliance,
        department=rule.department,
        winner=winner,
        runners_up=tuple(contenders[1 : 1 + RUNNERS_UP]),
        tie_break=tie_break,
        qualified=len(contenders),
    )


def _plain(criterion: str, value: float) -> str:
    if criterion == "compliance":
        return f"{value * 100:.0f}%"
    return f"{value:g}"


def _department_of(plan: Plan, person_id: str) -> str | None:
    person = plan.people.get(person_id)
    return person.department if person else None


# --- The week -------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSlot:
    result: SlotResult
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class WeekDuty:
    duty: str
    name: str
    slots: tuple[WeekSlot, ...]
    other: tuple[Entry, ...]  # entries for the duty outside its slots in the week


@dataclass(frozen=True)
class WeekReport:
    team: str
    week: str
    span: Span
    today: date
    department: str | None
    duties: tuple[WeekDuty, ...]
    other: tuple[Entry, ...]  # entries with no duty (none written, none inferable)
    totals: Totals


def week_report(
    plan: Plan,
    rotation: Rotation,
    entries: Sequence[Entry],
    week: str,
    span: Span,
    today: date,
    *,
    department: str | None = None,
) -> WeekReport:
    """What was done in a week, per duty and slot, with each entry's link and note."""
    keep = _in_department(plan, department)
    entries = active_entries(entries)
    results = _filter_slots(judge_slots(plan, rotation, entries, span, today), keep)
    by_id = {e.id: e for e in entries}
    attribution = Attribution(rotation.assignments)
    dated = [e for e in in_span(entries, span) if keep(e.person)]
    on_slot = {i for r in results for i in r.entries}
    duties = []
    for duty_id, duty in plan.duties.items():
        slots = tuple(
            WeekSlot(r, tuple(by_id[i] for i in r.entries)) for r in results if r.duty == duty_id
        )
        other = tuple(
            e for e in dated if e.id not in on_slot and attribution.duty_of(e) == duty_id
        )
        if slots or other:
            duties.append(WeekDuty(duty_id, duty.name, slots, other))
    known = set(plan.duties)
    rest = tuple(
        e for e in dated if e.id not in on_slot and attribution.duty_of(e) not in known
    )
    return WeekReport(
        team=plan.team,
        week=week,
        span=span,
        today=today,
        department=department,
        duties=tuple(duties),
        other=rest,
        totals=totals(plan, dated),
    )


# --- One person -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthLine:
    month: str
    slots: int
    slots_met: int
    compliance: float | None
    points: float
    entries: int
    minutes: float


@dataclass(frozen=True)
class PersonReport:
    team: str
    person: str
    name: str
    period: Span
    today: date
    slots: tuple[SlotResult, ...]
    months: tuple[MonthLine, ...]
    totals: Totals
    compliance: PersonCompliance
    best: tuple[BestEntry, ...]


def person_report(
    plan: Plan,
    rotation: Rotation,
    entries: Sequence[Entry],
    person_id: str,
    period: Span,
    today: date,
) -> PersonReport:
    """One person's slots, compliance and points month by month, and best entries."""
    entries = active_entries(entries)
    slots = person_slots(rotation, person_id, period, today)
    mine = [e for e in in_span(entries, period) if e.person == person_id]
    return person_report_of(
        plan, judge_entries(plan, rotation, slots, entries, today),
        sums_of(mine, ("date", "metric")), best_entries(plan, mine), person_id, period, today,
    )


def person_slots(
    rotation: Rotation, person_id: str, period: Span, today: date
) -> list[Assignment]:
    """The judged slots of the period that the person holds."""
    return [a for a in judged_slots(rotation, period, today) if person_id in a.people]


def person_report_of(
    plan: Plan,
    results: list[SlotResult],
    mine: Iterable[Sum],
    best: Sequence[BestEntry],
    person_id: str,
    period: Span,
    today: date,
) -> PersonReport:
    """:func:`person_report` from the person's judged slots (:func:`person_slots`), the
    person's active entries dated in the period summed per date and metric, and the
    person's best entries."""
    mine = list(mine)
    months = []
    for span in _months(period):
        judged = [r for r in results if span.start <= r.start <= span.end]
        comp = person_compliance(judged).get(person_id) or PersonCompliance(person_id, 0, 0, 0)
        total = sum_totals(plan, [s for s in mine if span.start <= s.date <= span.end])
        months.append(
            MonthLine(
                f"{span.start:%Y-%m}",
                comp.slots,
                comp.slots_met,
                comp.compliance,
                total.points,
                total.entries,
                total.minutes,
            )
        )
    person = plan.people.get(person_id)
    return PersonReport(
        team=plan.team,
        person=person_id,
        name=person.name if person else person_id,
        period=period,
        today=today,
        slots=tuple(results),
        months=tuple(months),
        totals=sum_totals(plan, mine),
        compliance=person_compliance(results).get(person_id)
        or PersonCompliance(person_id, 0, 0, 0),
        best=tuple(best),
    )


def _months(period: Span) -> list[Span]:
    spans = []
    year, month = period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        whole = month_span(year, month)
        spans.append(Span(max(whole.start, period.start), min(whole.end, period.end)))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return spans

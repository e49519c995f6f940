"""KPI compliance: which slots met their duty's minimums, and by how much they fell short. Pure.

Plan, rotation and log entries in; frozen records out. No files, no printing.

Which entries count for a slot
    An entry counts for a slot when it is not voided (:func:`entries.active_entries`),
    its person holds the slot, its date lies inside the slot, and it is for the slot's
    duty: ``entry.duty`` names it, or ``entry.duty`` is empty and the person holds
    exactly one duty on that day in the rotation (the duty is then inferred).

When a slot is met
    Every KPI minimum is reached by the slot's total (``kpi_per: slot``), or by each
    person's own total (``kpi_per: person``). A slot whose duty has no KPI is met.
    The amount missing is recorded per metric (summed over people for ``kpi_per:
    person``), and any maximum exceeded is recorded too, without making the slot missed.
    With ``kpi_per: person`` a person's slot counts as met *for them* when their own
    minimums are reached (``met_by``), even if a partner's were not.

Which slots are judged
    Those that start inside the period and no later than today (a slot in progress is
    judged on what has been logged so far and flagged ``running``). A slot belongs to
    the period its first day falls in, so no slot is counted twice across months.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dutyctl.core.entries import Entry, active_entries
from dutyctl.core.model import Plan, Span
from dutyctl.core.rotation import Assignment, Rotation

_ONE_DAY = timedelta(days=1)

# (ISO day, person, duty as written, slot number): an entry of that day, person and
# written duty ("": none written, the duty inferred) counts for that slot (slot_days).
SlotDay = tuple[str, str, str, int]
# (slot number, person, metric, summed value): what counts for a slot (sums_per_slot).
SlotSum = tuple[int, str, str, float]


@dataclass(frozen=True)
class SlotResult:
    """How one slot did against its duty's KPI."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]
    met: bool
    met_by: tuple[str, ...]  # people credited with a met slot
    shortfall: dict[str, float]  # metric -> amount missing (only metrics short)
    exceeded: dict[str, float]  # metric -> amount over the maximum
    totals: dict[str, float]  # metric -> the slot's total of counted entries
    by_person: dict[str, dict[str, float]]  # person -> metric -> their total
    entries: tuple[str, ...]  # ids of the entries counted, in log order
    running: bool = False  # the slot has not ended yet (end >= today)

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class PersonCompliance:
    person: str
    slots: int
    slots_met: int
    streak: int  # consecutive met slots ending with their latest slot

    @property
    def compliance(self) -> float | None:
        return self.slots_met / self.slots if self.slots else None


def entry_points(plan: Plan, entry: Entry) -> float:
    """value x the metric's points; metrics not in the plan earn nothing."""
    metric = plan.metrics.get(entry.metric)
    return entry.value * metric.points if metric is not None else 0.0


def metric_kind(plan: Plan, metric_id: str) -> str:
    """``output`` or ``outcome``; a metric not in the plan counts as output (with 0 points)."""
    metric = plan.metrics.get(metric_id)
    return metric.kind if metric is not None else "output"


class Attribution:
    """Which duty (and which slot) an entry is for, from the rotation. Pure, built once."""

    def __init__(self, assignments: Iterable[Assignment]) -> None:
        # person -> assignments they hold, by start; (person, duty) -> (starts, slots)
        self._held: dict[str, list[Assignment]] = {}
        self._slots: dict[tuple[str, str], tuple[list[date], list[Assignment]]] = {}
        self._on_day: dict[tuple[str, date], str] | None = None
        for a in sorted(assignments, key=lambda a: (a.start, a.duty)):
            for person in a.people:
                self._held.setdefault(person, []).append(a)
                starts, slots = self._slots.setdefault((person, a.duty), ([], []))
                starts.append(a.start)
                slots.append(a)

    def duty_of(self, entry: Entry) -> str:
        """The entry's duty: as written, else inferred, else ``""`` (none or ambiguous)."""
        if entry.duty:
            return entry.duty
        duties = {a.duty for a in self._held.get(entry.person, ()) if a.covers(entry.date)}
        return duties.pop() if len(duties) == 1 else ""

    def slot_of(self, entry: Entry) -> Assignment | None:
        """The slot this entry counts for, if any."""
        return self.slot_for(entry.person, entry.duty, entry.date)

    def _duties_by_day(self) -> dict[tuple[str, date], str]:
        """(person, day) -> the duty they hold that day, "" when more than one."""
        if self._on_day is None:
            self._on_day = {}
            for held in self._held.values():
                for a in held:
                    day_of = a.start
                    while day_of <= a.end:
                        for person_of in a.people:
                            key = (person_of, day_of)
                            other = self._on_day.get(key)
                            self._on_day[key] = a.duty if other in (None, a.duty) else ""
                        day_of += _ONE_DAY
        return self._on_day

    def slot_for(self, person: str, written_duty: str, day: date) -> Assignment | None:
        """The slot an entry of ``person`` on ``day`` for ``written_duty`` counts for."""
        inferred = self._duties_by_day().get((person, day))
        if inferred is None:
            return None  # on no slot that day
        duty = written_duty or inferred
        if not duty:
            return None
        found = self._slots.get((person, duty))
        if found is None:
            return None
        starts, slots = found
        index = bisect_right(starts, day) - 1
        if index >= 0 and slots[index].covers(day):
            return slots[index]
        return None


def judged_slots(rotation: Rotation, period: Span, today: date) -> list[Assignment]:
    """The slots judged for a period: starting inside it and no later than today."""
    return [
        a
        for a in rotation.assignments
        if period.start <= a.start <= period.end and a.start <= today
    ]


def judge_slots(
    plan: Plan,
    rotation: Rotation,
    entries: Iterable[Entry],
    period: Span,
    today: date,
    *,
    attribution: Attribution | None = None,
    active: bool = False,
) -> list[SlotResult]:
    """Every judged slot of the period, with its totals, shortfall and excess.

    ``entries`` may hold void rows and duplicates: only :func:`active_entries` count
    (``active``: they are that already).
    """
    if attribution is None:
        attribution = Attribution(rotation.assignments)
    slots = judged_slots(rotation, period, today)
    counted: dict[tuple[str, date], list[Entry]] = {(a.duty, a.start): [] for a in slots}
    first = min((a.start for a in slots), default=None)
    last = max((a.end for a in slots), default=None)
    for entry in entries if active else active_entries(entries):
        if first is None or last is None or not first <= entry.date <= last:
            continue
        slot = attribution.slot_of(entry)
        if slot is not None and (slot.duty, slot.start) in counted:
            counted[(slot.duty, slot.start)].append(entry)
    return [judge_one(plan, a, counted[(a.duty, a.start)], today) for a in slots]


def slot_numbers(slots: Sequence[Assignment]) -> dict[tuple[str, date], int]:
    """A number per distinct (duty, start) of ``slots``, in their order: how
    :data:`SlotDay` and :data:`SlotSum` name a slot."""
    numbers: dict[tuple[str, date], int] = {}
    for a in slots:
        numbers.setdefault((a.duty, a.start), len(numbers))
    return numbers


def slot_days(attribution: Attribution, slots: Sequence[Assignment]) -> list[SlotDay]:
    """Which entries count for each of ``slots``, as plain rows for the log index: an
    entry counts for slot ``n`` when a row names its day, person and duty as written
    (``""``: inferred), as :meth:`Attribution.slot_for` decides. One row per day of a
    slot and person on it (two when the duty can also be inferred that day)."""
    numbers = slot_numbers(slots)
    on_day = attribution._duties_by_day()
    rows: set[SlotDay] = set()
    for a in slots:
        number = numbers[(a.duty, a.start)]
        day = a.start
        while day <= a.end:
            text = day.isoformat()
            for person in a.people:
                found = attribution.slot_for(person, a.duty, day)
                if found is not None and (found.duty, found.start) == (a.duty, a.start):
                    rows.add((text, person, a.duty, number))
                    if on_day.get((person, day)) == a.duty:
                        rows.add((text, person, "", number))
            day += _ONE_DAY
    return sorted(rows)


def sums_per_slot(
    attribution: Attribution, slots: Sequence[Assignment], entries: Iterable[Entry]
) -> list[SlotSum]:
    """The active ``entries`` that count for ``slots``, summed per slot, person and metric
    (what the log index answers from :func:`slot_days`)."""
    numbers = slot_numbers(slots)
    found: dict[tuple[int, str, str], float] = {}
    for entry in entries:
        slot = attribution.slot_of(entry)
        number = numbers.get((slot.duty, slot.start)) if slot is not None else None
        if number is not None:
            key = (number, entry.person, entry.metric)
            found[key] = found.get(key, 0.0) + entry.value
    return [(*key, value) for key, value in found.items()]


def judge_sums(
    plan: Plan, slots: Sequence[Assignment], sums: Iterable[SlotSum], today: date
) -> Iterator[SlotResult]:
    """:func:`judge_slots` of ``slots`` from what counts for them summed per slot, person
    and metric (:func:`sums_per_slot`; a key may come more than once, and its values are
    added), one at a time (a leaderboard over years of a large team's slots keeps only
    what it ranks by); the results list no entry ids. ``sums`` is read whole at the first
    result."""
    numbers = slot_numbers(slots)
    found: list[dict[str, dict[str, float]]] = [{} for _ in numbers]
    for number, person, metric, value in sums:
        own = found[number].setdefault(person, {})
        own[metric] = own.get(metric, 0.0) + value
    for a in slots:
        totals: dict[str, float] = {}
        by_person: dict[str, dict[str, float]] = {p: {} for p in a.people}
        for person, own in sorted(found[numbers[(a.duty, a.start)]].items()):
            mine = by_person.setdefault(person, {})
            for metric, value in sorted(own.items()):
                totals[metric] = totals.get(metric, 0.0) + value
                mine[metric] = mine.get(metric, 0.0) + value
        yield judge_totals(plan, a, totals, by_person, (), today)


def judge_one(plan: Plan, slot: Assignment, entries: Sequence[Entry], today: date) -> SlotResult:
    """One slot against its duty's KPI, from the entries that count for it."""
    totals: dict[str, float] = {}
    by_person: dict[str, dict[str, float]] = {p: {} for p in slot.people}
    for entry in entries:
        totals[entry.metric] = totals.get(entry.metric, 0.0) + entry.value
        mine = by_person.setdefault(entry.person, {})
        mine[entry.metric] = mine.get(entry.metric, 0.0) + entry.value
    return judge_totals(plan, slot, totals, by_person, tuple(e.id for e in entries), today)


def judge_totals(
    plan: Plan,
    slot: Assignment,
    totals: dict[str, float],
    by_person: dict[str, dict[str, float]],
    entry_ids: tuple[str, ...],
    today: date,
) -> SlotResult:
    """One slot against its duty's KPI, from the sums of the entries that count for it
    (the slot's total per metric, and each person's)."""
    duty = plan.duties.get(slot.duty)
    kpi = duty.kpi if duty is not None else {}
    # Nobody on the slot: judged as a whole (everything is missing).
    per_person = duty is not None and duty.kpi_per == "person" and bool(slot.people)
    shortfall: dict[str, float] = {}
    exceeded: dict[str, float] = {}
    met_by: list[str] = []
    if per_person:
        for person in slot.people:
            own = by_person.get(person, {})
            ok = True
            for metric, bound in kpi.items():
                value = own.get(metric, 0.0)
                if value < bound.minimum:
                    shortfall[metric] = shortfall.get(metric, 0.0) + bound.minimum - value
                    ok = False
                if bound.maximum is not None and value > bound.maximum:
                    exceeded[metric] = exceeded.get(metric, 0.0) + value - bound.maximum
            if ok:
                met_by.append(person)
        met = not shortfall
    else:
        for metric, bound in kpi.items():
            value = totals.get(metric, 0.0)
            if value < bound.minimum:
                shortfall[metric] = bound.minimum - value
            if bound.maximum is not None and value > bound.maximum:
                exceeded[metric] = value - bound.maximum
        met = not shortfall
        met_by = list(slot.people) if met else []
    return SlotResult(
        duty=slot.duty,
        start=slot.start,
        end=slot.end,
        people=slot.people,
        met=met,
        met_by=tuple(met_by),
        shortfall=shortfall,
        exceeded=exceeded,
        totals=totals,
        by_person={p: v for p, v in by_person.items() if p in slot.people},
        entries=entry_ids,
        running=slot.end >= today,
    )


def person_compliance(results: Iterable[SlotResult]) -> dict[str, PersonCompliance]:
    """Each person's slots, slots met (for them) and current streak, over ``results``.

    A slot still running that a person has not met yet is not counted for them: it is
    in progress, neither met nor missed, until it is met or it ends."""
    # Only what a streak needs is kept of each slot, in the order judged slots come in
    # (a stable sort by start and duty): ``results`` may stream years of them.
    kept = sorted(((r.start, r.duty, r.people, r.met_by, r.running) for r in results),
                  key=lambda slot: slot[:2])
    history: dict[str, list[bool]] = {}
    for _, _, people, met_by, running in kept:
        for person in people:
            if person in met_by or not running:
                history.setdefault(person, []).append(person in met_by)
    out = {}
    for person, outcomes in history.items():
        streak = 0
        for ok in reversed(outcomes):
            if not ok:
                break
            streak += 1
        out[person] = PersonCompliance(person, len(outcomes), sum(outcomes), streak)
    return out

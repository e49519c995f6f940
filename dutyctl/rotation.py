"""The fair rotation: who holds which slot, why, and how balanced it is. Pure.

How a slot is given out
    Slots are walked in date order (start day, then duty id) and each goes to the
    ``people`` eligible persons with the lowest *load* for that duty. Eligible means
    active on the slot's first day, not away for the whole slot, holding the duty's
    skills, in its department (if it has one), sharing a channel with it (when both
    list channels), not on another duty on an overlapping day (unless the plan allows
    double duty, or nobody else is free) and not on the same duty in the slot just
    before (unless nobody else can take it).

Load is relative to a fair share
    For every slot of a duty, each person who was available and qualified for it is
    entitled to ``places / pool size`` of it. Load = slots held - entitlement. So a
    person back from two weeks away owes nothing for those weeks, and someone who
    joined in June owes nothing for January: they take their turn, not a catch-up
    streak. Ties go to whoever held the duty longest ago (never first), then to an
    order derived from a hash of the person id, so reordering the roster file
    changes nothing.

Stability: the calendar is always computed from the plan's start, as a pure
function of the plan, so the slots before a day D stay as they were when the plan
changes only from D on: someone joins with ``from`` >= D, someone leaves with
``until`` >= D, an absence or an override is added after D.

    To remove someone from the team, set their ``until``; do not delete them
    from the roster. Deleting rewrites the past: every slot they held would be
    given out again, and every later choice with it.

Overrides replace one person in one slot after the choice is made; the slot then
counts towards the load of the person who took it.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from heapq import heappop, heappush

from dutyctl.model import Duty, Override, Person, Plan, Span
from dutyctl.schedule import Slot, duty_slots

# Fair shares are kept as integers in units of 1/SCALE of a slot: ties must be
# exact to be deterministic. SCALE is divisible by every pool size up to 24, so
# small teams are exact; bigger pools are rounded, identically on every run.
SCALE = math.lcm(*range(1, 25)) * 1000


@dataclass(frozen=True)
class Assignment:
    """Who holds one slot of one duty.

    ``short`` counts places left empty because nobody eligible was left; ``why``
    explains the choice in a few words; ``overrides`` are indices into
    ``plan.overrides`` that changed this slot (``replaced`` lists who they replaced).
    """

    duty: str
    start: date
    end: date
    people: tuple[str, ...]
    override: bool = False
    replaced: tuple[str, ...] = ()
    short: int = 0
    why: str = ""
    overrides: tuple[int, ...] = ()

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class Rotation:
    """Every slot from the plan's start to ``until``, ordered by start day, then duty id."""

    assignments: tuple[Assignment, ...]
    until: date

    def on(self, day: date) -> list[Assignment]:
        """The assignments whose slot covers ``day``."""
        return [a for a in self.assignments if a.start <= day <= a.end]

    def between(self, start: date, end: date) -> list[Assignment]:
        """The assignments whose slot overlaps ``start..end``."""
        return [a for a in self.assignments if a.start <= end and start <= a.end]

    def for_person(self, person_id: str) -> list[Assignment]:
        return [a for a in self.assignments if person_id in a.people]

    def for_duty(self, duty_id: str) -> list[Assignment]:
        return [a for a in self.assignments if a.duty == duty_id]


@dataclass(frozen=True)
class PersonStats:
    """One person's part in one duty over a period."""

    person: str
    assigned: int  # slots held that start in the period
    available_days: int  # days in the period on the team and not away
    fair_share: float  # entitlement: the slots they would hold if all were equal
    difference: float  # assigned - fair_share


@dataclass(frozen=True)
class DutyStats:
    """How one duty was shared over a period.

    ``balance`` is the mean, over pairs of people, of min(load) / max(load) with
    load = assigned / fair share: 1.0 is perfectly even, 0.0 is one person doing all.
    """

    duty: str
    slots: int
    short: int  # places left empty in the period
    people: tuple[PersonStats, ...]
    balance: float


# --- Eligibility ----------------------------------------------------------------------


def qualifies(person: Person, duty: Duty) -> bool:
    """Whether ``person`` may ever hold ``duty``: skills, department and channels."""
    return not _qualification_gaps(person, duty)


def _qualification_gaps(person: Person, duty: Duty) -> list[str]:
    gaps = []
    missing = [skill for skill in duty.requires if skill not in person.skills]
    if missing:
        gaps.append(f"{person.id} lacks the skill{'s' if len(missing) > 1 else ''} "
                    + ", ".join(missing) + f" that {duty.id} requires")
    if duty.department is not None and person.department != duty.department:
        gaps.append(f"{person.id} is not in department {duty.department}, "
                    f"which {duty.id} is limited to")
    if duty.channels and person.channels and not set(duty.channels) & set(person.channels):
        gaps.append(f"{person.id} covers none of {duty.id}'s channels "
                    f"({', '.join(duty.channels)})")
    return gaps


def _merged_absences(person: Person) -> list[tuple[date, date]]:
    """Absences merged where they overlap or touch, so a slot split across two counts."""
    merged: list[list[date]] = []
    for span in sorted(person.away):
        if merged and span.start <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end])
    return [(start, end) for start, end in merged]


def _member_ranges(
    person: Person, absences: list[tuple[date, date]], starts: list[date], ends: list[date]
) -> list[tuple[int, int]]:
    """The slot indices (half-open ranges) in which ``person`` is in the duty's pool.

    In the pool = active on the slot's first day and not away for the whole slot.
    Whether they leave later in the slot does not matter: that is what keeps slots
    that start before a new ``until`` from changing.
    """
    low = 0 if person.active_from is None else bisect_left(starts, person.active_from)
    high = len(starts) if person.active_until is None else bisect_right(starts, person.active_until)
    ranges = []
    cursor = low
    for away_start, away_end in absences:
        # Slots wholly inside the absence: start on or after it begins, end by its end.
        first = max(bisect_left(starts, away_start), cursor)
        stop = min(bisect_right(ends, away_end), high)
        if first >= stop:
            continue
        if cursor < first:
            ranges.append((cursor, first))
        cursor = stop
    if cursor < high:
        ranges.append((cursor, high))
    return ranges


def _share(places: int, pool: int) -> int:
    """Each pool member's entitlement to one slot, in 1/SCALE units, rounded half up."""
    places = min(places, pool)
    return (2 * places * SCALE + pool) // (2 * pool)


def _rank(person_id: str) -> str:
    return hashlib.sha256(person_id.encode("utf-8")).hexdigest()


# --- The rotation ---------------------------------------------------------------------


class _DutyLedger:
    """The running fairness account of one duty while its slots are walked.

    Every pool member sits in a heap keyed by ``held * SCALE + base``, where
    ``entitlement = share_total - base``: since ``share_total`` is the same for all,
    the key orders people by load without touching everyone at every slot. Someone
    leaving the pool just becomes stale in the heap (lazy deletion); on return, their
    base grows by the shares they missed, so absence is neither owed nor banked.
    """

    __slots__ = (
        "duty", "heap", "share_total", "pool", "in_pool", "version", "held", "base",
        "left_at", "last", "previous", "joins", "leaves",
    )

    def __init__(self, duty: Duty) -> None:
        self.duty = duty
        self.heap: list[tuple[int, int, str, str, int]] = []
        self.share_total = 0
        self.pool = 0
        self.in_pool: dict[str, bool] = {}
        self.version: dict[str, int] = {}
        self.held: dict[str, int] = {}
        self.base: dict[str, int] = {}
        self.left_at: dict[str, int] = {}
        self.last: dict[str, int] = {}  # ordinal of the last slot start held; 0 = never
        self.previous: tuple[str, ...] = ()
        self.joins: dict[int, list[str]] = {}
        self.leaves: dict[int, list[str]] = {}

    def push(self, person_id: str, rank: str) -> None:
        version = self.version.get(person_id, 0) + 1
        self.version[person_id] = version
        key = self.held.get(person_id, 0) * SCALE + self.base[person_id]
        heappush(self.heap, (key, self.last.get(person_id, 0), rank, person_id, version))

    def apply_events(self, index: int, ranks: dict[str, str]) -> None:
        for person_id in self.leaves.get(index, ()):
            self.in_pool[person_id] = False
            self.left_at[person_id] = self.share_total
            self.pool -= 1
        for person_id in self.joins.get(index, ()):
            if person_id in self.left_at:
                self.base[person_id] += self.share_total - self.left_at.pop(person_id)
            else:
                self.base[person_id] = self.share_total
            self.in_pool[person_id] = True
            self.pool += 1
            self.push(person_id, ranks[person_id])

    def entitlement(self, person_id: str) -> float:
        if person_id not in self.base:
            return 0.0
        total = self.left_at.get(person_id, self.share_total)
        return (total - self.base[person_id]) / SCALE


def build_rotation(plan: Plan, until: date) -> Rotation:
    """The whole calendar from the plan's start to ``until``: a pure function of the plan."""
    ranks = {person.id: _rank(person.id) for person in plan.roster}
    ledgers: dict[str, _DutyLedger] = {}
    walk: list[tuple[date, str, int, Slot]] = []
    overrides_at: dict[tuple[str, int], list[int]] = {}
    absences = {person.id: _merged_absences(person) for person in plan.roster}

    for duty_id, duty in plan.duties.items():
        slots = duty_slots(plan, duty, until)
        ledger = _DutyLedger(duty)
        ledgers[duty_id] = ledger
        walk.extend((slot.start, duty_id, index, slot) for index, slot in enumerate(slots))
        starts = [slot.start for slot in slots]
        ends = [slot.end for slot in slots]
        for person in plan.roster:
            if not qualifies(person, duty):
                continue
            for low, high in _member_ranges(person, absences[person.id], starts, ends):
                ledger.joins.setdefault(low, []).append(person.id)
                if high < len(slots):
                    ledger.leaves.setdefault(high, []).append(person.id)
        for number, override in enumerate(plan.overrides):
            if override.duty != duty_id:
                continue
            index = _slot_index(starts, ends, override.date)
            if index is not None:
                overrides_at.setdefault((duty_id, index), []).append(number)
    walk.sort(key=lambda item: (item[0], item[1]))

    # Who holds what, per person, as (end, start, duty): to refuse double duty.
    holding: dict[str, list[tuple[date, date, str]]] = {}
    assignments = []
    for _, duty_id, index, slot in walk:
        ledger = ledgers[duty_id]
        ledger.apply_events(index, ranks)
        chosen, notes = _choose(ledger, slot, holding, plan.double_duty)
        people = [entry[3] for entry in chosen]
        applied = []
        for number in overrides_at.get((duty_id, index), ()):
            override = plan.overrides[number]
            if override.from_person in people and override.to_person not in people:
                people[people.index(override.from_person)] = override.to_person
                applied.append(number)
                notes.append(_override_note(override))
        replaced = tuple(entry[3] for entry in chosen if entry[3] not in people)

        start_day = slot.start.toordinal()
        for entry in chosen:
            if entry[3] not in people:  # replaced by an override: keeps its old key
                heappush(ledger.heap, entry)
        for person_id in people:
            ledger.held[person_id] = ledger.held.get(person_id, 0) + 1
            ledger.last[person_id] = start_day
            if ledger.in_pool.get(person_id):
                ledger.push(person_id, ranks[person_id])
            holding.setdefault(person_id, []).append((slot.end, slot.start, duty_id))
        if ledger.pool:
            ledger.share_total += _share(slot.people, ledger.pool)
        ledger.previous = tuple(people)

        short = max(slot.people - len(chosen), 0)
        if short:
            notes.append(f"{short} place{'s' if short > 1 else ''} unfilled: "
                         "nobody else qualified and available")
        assignments.append(
            Assignment(
                duty=duty_id,
                start=slot.start,
                end=slot.end,
                people=tuple(people),
                override=bool(applied),
                replaced=replaced,
                short=short,
                why="; ".join(notes),
                overrides=tuple(applied),
            )
        )
    return Rotation(tuple(assignments), until)


def _choose(
    ledger: _DutyLedger,
    slot: Slot,
    holding: dict[str, list[tuple[date, date, str]]],
    double_duty: bool,
) -> tuple[list[tuple[int, int, str, str, int]], list[str]]:
    """The heap entries of the people who take ``slot``, and why, lowest load first.

    Pops from the heap until enough free people turn up. People who held the
    previous slot, or hold another duty on an overlapping day, are set aside and
    taken only if the free ones do not suffice (in that order), then pushed back.
    """
    heap = ledger.heap
    need = slot.people
    free: list[tuple[int, int, str, str, int]] = []
    after_previous: list[tuple[int, int, str, str, int]] = []
    busy: list[tuple[tuple[int, int, str, str, int], str]] = []
    while heap and len(free) < need:
        entry = heappop(heap)
        person_id = entry[3]
        if entry[4] != ledger.version[person_id] or not ledger.in_pool[person_id]:
            continue  # stale: the person's key changed or they left the pool
        other = None if double_duty else _other_duty(holding, person_id, slot)
        if other is not None:
            busy.append((entry, other))
        elif person_id in ledger.previous:
            after_previous.append(entry)
        else:
            free.append(entry)

    busy.sort(key=lambda item: (item[0][3] in ledger.previous, item[0]))
    fallback = [(entry, "previous") for entry in after_previous] + busy
    chosen = list(free)
    reasons: list[str | None] = [None] * len(free)
    for entry, reason in fallback:
        if len(chosen) < need:
            chosen.append(entry)
            reasons.append(reason)
        else:
            heappush(heap, entry)

    notes = []
    for entry, reason in zip(chosen, reasons, strict=True):
        notes.append(_why(ledger, entry, reason, need > 1))
    return chosen, notes


def _other_duty(
    holding: dict[str, list[tuple[date, date, str]]], person_id: str, slot: Slot
) -> str | None:
    """The other duty ``person_id`` holds on a day of ``slot``, if any."""
    held = holding.get(person_id)
    if not held:
        return None
    # Slots are walked by start day, so anything that ended before this one never
    # matters again.
    if held[0][0] < slot.start:
        held[:] = [item for item in held if item[0] >= slot.start]
    for _end, start, duty_id in held:
        if start <= slot.end and duty_id != slot.duty:
            return duty_id
    return None


def _why(
    ledger: _DutyLedger,
    entry: tuple[int, int, str, str, int],
    reason: str | None,
    named: bool,
) -> str:
    person_id = entry[3]
    held = ledger.held.get(person_id, 0)
    load = f"{held} of fair share {ledger.entitlement(person_id):.1f}"
    last = entry[1]
    served = f"last served {date.fromordinal(last).isoformat()}" if last else "never served"
    if reason is None:
        text = f"lowest load ({load}); {served}"
    elif reason == "previous":
        text = f"held the previous slot too: nobody else free ({load})"
    else:
        text = f"also on {reason} then: nobody else free ({load})"
    return f"{person_id}: {text}" if named else text


def _override_note(override: Override) -> str:
    note = f"override: {override.to_person} replaces {override.from_person}"
    return note + (f" ({override.reason})" if override.reason else "")


def _slot_index(starts: Sequence[date], ends: Sequence[date], day: date) -> int | None:
    index = bisect_right(starts, day) - 1
    if index >= 0 and ends[index] >= day:
        return index
    return None


def _slot_covering(rotation: Rotation, duty_id: str, day: date) -> Assignment | None:
    return next((a for a in rotation.for_duty(duty_id) if a.covers(day)), None)


# --- Checks on overrides and swaps ----------------------------------------------------


def override_problems(plan: Plan, rotation: Rotation) -> list[tuple[int, str]]:
    """Overrides that ``build_rotation`` could not apply, or should not have, with why.

    Returns (index into ``plan.overrides``, message) pairs, for checks to report.
    Overrides dated after ``rotation.until`` are not judged.
    """
    applied = {number for a in rotation.assignments for number in a.overrides}
    problems: list[tuple[int, str]] = []
    for number, override in enumerate(plan.overrides):
        day, duty_id = override.date, override.duty
        if duty_id not in plan.duties:
            problems.append((number, f"unknown duty '{duty_id}'"))
            continue
        if day > rotation.until:
            continue
        for person_id in (override.from_person, override.to_person):
            if person_id not in plan.people:
                problems.append((number, f"unknown person '{person_id}'"))
        if day < plan.start:
            problems.append((number, f"{day} is before the rotation starts ({plan.start})"))
            continue
        assignment = _slot_covering(rotation, duty_id, day)
        if assignment is None:
            problems.append((number, f"no slot of {duty_id} covers {day} "
                                     "(not a day the duty recurs, or a holiday)"))
            continue
        if number not in applied:
            if override.to_person in assignment.people:
                problems.append((number, f"{override.to_person} already holds {duty_id} "
                                         f"{assignment.span}"))
            else:
                holders = ", ".join(assignment.people) or "nobody"
                problems.append((number, f"{override.from_person} does not hold {duty_id} "
                                         f"{assignment.span} ({holders} does); "
                                         "the override was ignored"))
            continue
        person = plan.people.get(override.to_person)
        if person is not None:
            problems.extend(
                (number, message)
                for message in _takeover_gaps(person, plan.duties[duty_id], day)
            )
    return problems


def swap_problems(
    plan: Plan, rotation: Rotation, day: date, duty_id: str, from_id: str, to_id: str
) -> list[str]:
    """Why ``to_id`` cannot take ``from_id``'s place in the slot of ``duty_id`` covering
    ``day``. An empty list means the swap is fine."""
    duty = plan.duties.get(duty_id)
    if duty is None:
        return [f"unknown duty '{duty_id}'"]
    assignment = _slot_covering(rotation, duty_id, day)
    if assignment is None:
        return [f"no slot of {duty_id} covers {day}"]
    problems = []
    if from_id not in assignment.people:
        holders = ", ".join(assignment.people) or "nobody"
        problems.append(f"{from_id} does not hold {duty_id} {assignment.span} ({holders} does)")
    person = plan.people.get(to_id)
    if person is None:
        problems.append(f"unknown person '{to_id}'")
        return problems
    if to_id in assignment.people:
        problems.append(f"{to_id} already holds {duty_id} {assignment.span}")
    problems.extend(_takeover_gaps(person, duty, day))
    if not plan.double_duty:
        rest = (max(day, assignment.start), assignment.end)
        for other in rotation.between(*rest):
            if other.duty != duty_id and to_id in other.people:
                problems.append(f"{to_id} is on {other.duty} {other.span}")
                break
    return problems


def _takeover_gaps(person: Person, duty: Duty, day: date) -> list[str]:
    """Why ``person`` cannot hold ``duty`` from ``day``, apart from other duties."""
    problems = []
    if not person.is_active(day):
        problems.append(f"{person.id} is not on the team on {day}")
    absence = person.absence_on(day)
    if absence is not None:
        problems.append(f"{person.id} is away on {day} ({absence})")
    problems.extend(_qualification_gaps(person, duty))
    return problems


# --- Stats ----------------------------------------------------------------------------


def rotation_stats(plan: Plan, rotation: Rotation, start: date, end: date) -> list[DutyStats]:
    """How each duty was shared among its people over ``start..end``.

    Counts slots that start in the period. The fair share is the same entitlement
    the rotation balances (recomputed from the plan), so a difference of 0 means the
    person held exactly their part of the slots they were there for.
    """
    stats = []
    for duty_id, duty in plan.duties.items():
        slots = duty_slots(plan, duty, end)
        starts = [slot.start for slot in slots]
        ends = [slot.end for slot in slots]
        first, stop = bisect_left(starts, start), len(slots)
        pools = [0] * (len(slots) + 1)
        ranges: dict[str, list[tuple[int, int]]] = {}
        for person in plan.roster:
            if not qualifies(person, duty):
                continue
            mine = _member_ranges(person, _merged_absences(person), starts, ends)
            ranges[person.id] = mine
            for low, high in mine:
                pools[low] += 1
                pools[high] -= 1
        cumulative = [0] * (len(slots) + 1)  # cumulative share, in 1/SCALE units
        pool = 0
        for index, slot in enumerate(slots):
            pool += pools[index]
            share = _share(slot.people, pool) if pool else 0
            cumulative[index + 1] = cumulative[index] + share

        held: dict[str, int] = {}
        short = 0
        window = [a for a in rotation.for_duty(duty_id) if start <= a.start <= end]
        for assignment in window:
            short += assignment.short
            for person_id in assignment.people:
                held[person_id] = held.get(person_id, 0) + 1

        people = []
        for person in plan.roster:
            share = 0
            for low, high in ranges.get(person.id, ()):
                low, high = max(low, first), min(high, stop)
                if low < high:
                    share += cumulative[high] - cumulative[low]
            count = held.get(person.id, 0)
            if not share and not count and person.id not in ranges:
                continue
            if not share and not count and not _overlaps_window(person, start, end):
                continue
            fair = share / SCALE
            people.append(
                PersonStats(
                    person=person.id,
                    assigned=count,
                    available_days=_available_days(person, start, end),
                    fair_share=round(fair, 6),
                    difference=round(count - fair, 6),
                )
            )
        loads = [p.assigned / p.fair_share for p in people if p.fair_share > 0]
        stats.append(
            DutyStats(
                duty=duty_id,
                slots=len(window),
                short=short,
                people=tuple(people),
                balance=balance_score(loads),
            )
        )
    return stats


def balance_score(loads: Iterable[float]) -> float:
    """Mean over pairs of min/max of their loads, in O(n log n) (1.0 = even).

    Sorted ascending, the pairs whose larger load is x_j contribute
    (x_1 + ... + x_{j-1}) / x_j; pairs of two zero loads count as even.
    """
    ordered = sorted(loads)
    count = len(ordered)
    if count < 2:
        return 1.0
    total = 0.0
    prefix = 0.0
    zeros = 0
    for index, load in enumerate(ordered):
        if load <= 0:
            total += zeros  # each earlier zero pairs evenly with this one
            zeros += 1
        else:
            total += prefix / load if index else 0.0
        prefix += load
    return total / (count * (count - 1) / 2)


def _overlaps_window(person: Person, start: date, end: date) -> bool:
    if person.active_from is not None and person.active_from > end:
        return False
    return person.active_until is None or person.active_until >= start


def _available_days(person: Person, start: date, end: date) -> int:
    """Days in ``start..end`` on which ``person`` is on the team and not away."""
    first = max(start, person.active_from or start)
    last = min(end, person.active_until or end)
    if last < first:
        return 0
    days = (last - first).days + 1
    for away_start, away_end in _merged_absences(person):
        low, high = max(away_start, first), min(away_end, last)
        if low <= high:
            days -= (high - low).days + 1
    return days

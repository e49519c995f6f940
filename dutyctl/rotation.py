"""The fair rotation: who holds which slot, why, and how balanced it is. Pure.

How a slot is given out
    Slots are walked in date order (start day, then duty id) and each goes to the
    ``people`` eligible persons with the lowest *load* for that duty. Eligible means
    active and not away on the slot's first day, working at least one of its days
    (a part-timer's ``days:``), holding the duty's
    skills, in its department (if it has one), sharing a channel with it (when both
    list channels), not on another duty on an overlapping day (unless the plan allows
    double duty, or nobody else is free) and not on the same duty in the slot just
    before (unless nobody else can take it).

Load is relative to a fair share
    For every slot of a duty, each person who was available and qualified for it is
    entitled to ``places / pool size`` of it. Load = slots held - entitlement. So a
    person back from two weeks away owes nothing for those weeks, and someone who
    joined in June owes nothing for January: they take their turn, not a catch-up
    streak. Someone busy on another duty during the slot (given out earlier in the
    walk) counts as unavailable for it too, unless the plan allows double duty: a
    week of newsletter does not leave a debt of daily posts. Ties go to whoever
    held the duty longest ago (never first), then to an order derived from a hash
    of the person id, so reordering the roster file changes nothing.

Stability: the calendar is always computed from the plan's start, as a pure
function of the plan, so the slots before a day D stay as they were when the plan
changes only from D on: someone joins with ``from`` >= D, someone leaves with
``until`` >= D, an absence or an override is added after D. (A week or month slot
is judged by its first day, so an absence from D on leaves a slot that began before
D alone; an override names a day of a slot, so one dated inside such a slot does
change it.)

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
from operator import itemgetter

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
    available_days: int  # days in the period on the team, not away, and working (``days:``)
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

    In the pool = active and not away on the slot's first day. What happens later in
    the slot does not matter: that is what keeps slots that start before a new
    ``until`` or a new absence from changing.
    """
    low = 0 if person.active_from is None else bisect_left(starts, person.active_from)
    high = len(starts) if person.active_until is None else bisect_right(starts, person.active_until)
    ranges = []
    cursor = low
    for away_start, away_end in absences:
        # Slots that start inside the absence: a week begun away is not the person's week.
        first = max(bisect_left(starts, away_start), cursor)
        stop = min(bisect_right(starts, away_end), high)
        if first >= stop:
            continue
        if cursor < first:
            ranges.append((cursor, first))
        cursor = stop
    if cursor < high:
        ranges.append((cursor, high))
    if person.days is not None:
        # A part-timer is in the pool of the slots in which they work at least one day.
        ranges = [
            run
            for low, high in ranges
            for run in _runs(low, high, lambda i: person.works_during(starts[i], ends[i]))
        ]
    return ranges


def _runs(low: int, high: int, keep) -> list[tuple[int, int]]:
    """The half-open runs of indices in ``low..high`` for which ``keep`` holds."""
    runs = []
    begin = None
    for index in range(low, high):
        if keep(index):
            if begin is None:
                begin = index
        elif begin is not None:
            runs.append((begin, index))
            begin = None
    if begin is not None:
        runs.append((begin, high))
    return runs


def _share(places: int, pool: int) -> int:
    """Each pool member's entitlement to one slot, in 1/SCALE units, rounded half up."""
    places = min(places, pool)
    return (2 * places * SCALE + pool) // (2 * pool)


def _rank(person_id: str) -> str:
    return hashlib.sha256(person_id.encode("utf-8")).hexdigest()


# --- The rotation ---------------------------------------------------------------------

# A heap entry: (held * SCALE + base, first day of the last slot held or date.min,
# person number, version). Person numbers follow the hash order of the ids, so the tuple
# itself is the whole tie-break and the roster's order never matters.
_Entry = tuple[int, date, int, int]


class _DutyLedger:
    """The running fairness account of one duty while its slots are walked.

    Every pool member sits in a heap keyed by ``held * SCALE + base``, where
    ``entitlement = total - base``: since ``total`` (the shares handed out so far)
    is the same for all, the key orders people by load without touching everyone at
    every slot. Someone leaving the pool just goes stale in the heap (lazy deletion);
    on return their base grows by the shares they missed, so time away is neither
    owed nor banked.
    """

    __slots__ = (
        "heap", "total", "pool", "in_pool", "version", "held", "base", "left_at", "last",
        "previous", "joins", "leaves",
    )

    def __init__(self, people: int) -> None:
        self.heap: list[_Entry] = []
        self.total = 0
        self.pool = 0
        self.in_pool = [False] * people
        self.version = [0] * people
        self.held = [0] * people
        self.base = [0] * people
        self.left_at: list[int | None] = [None] * people  # total when they left the pool
        self.last = [date.min] * people
        self.previous: tuple[int, ...] = ()
        self.joins: dict[int, list[int]] = {}
        self.leaves: dict[int, list[int]] = {}

    def push(self, number: int) -> None:
        version = self.version[number] + 1
        self.version[number] = version
        key = self.held[number] * SCALE + self.base[number]
        heappush(self.heap, (key, self.last[number], number, version))

    def apply_events(self, index: int) -> None:
        for number in self.leaves.get(index, ()):
            self.in_pool[number] = False
            self.left_at[number] = self.total
            self.pool -= 1
        for number in self.joins.get(index, ()):
            left_at = self.left_at[number]
            if left_at is None:
                self.base[number] = self.total
            else:
                self.base[number] += self.total - left_at
                self.left_at[number] = None
            self.in_pool[number] = True
            self.pool += 1
            self.push(number)

    def entitlement(self, number: int) -> float:
        left_at = self.left_at[number]
        total = self.total if left_at is None else left_at
        return (total - self.base[number]) / SCALE if self.version[number] else 0.0


def build_rotation(plan: Plan, until: date) -> Rotation:
    """The whole calendar from the plan's start to ``until``: a pure function of the plan."""
    ordered = sorted(plan.roster, key=lambda person: (_rank(person.id), person.id))
    ids = [person.id for person in ordered]
    number_of = {person_id: number for number, person_id in enumerate(ids)}
    ledgers: dict[str, _DutyLedger] = {}
    walk: list[tuple[date, str, int, Slot]] = []
    overrides_at: dict[tuple[str, int], list[int]] = {}
    absences = [_merged_absences(person) for person in ordered]

    for duty_id in sorted(plan.duties):
        duty = plan.duties[duty_id]
        slots = duty_slots(plan, duty, until)
        ledger = _DutyLedger(len(ordered))
        ledgers[duty_id] = ledger
        walk.extend((slot.start, duty_id, index, slot) for index, slot in enumerate(slots))
        starts = [slot.start for slot in slots]
        ends = [slot.end for slot in slots]
        open_to_all = not (duty.requires or duty.department or duty.channels)
        everything = [(0, len(slots))] if slots else []
        for number, person in enumerate(ordered):
            if not open_to_all and not qualifies(person, duty):
                continue
            if absences[number] or person.active_from or person.active_until or person.days is not None:
                ranges = _member_ranges(person, absences[number], starts, ends)
            else:
                ranges = everything
            for low, high in ranges:
                ledger.joins.setdefault(low, []).append(number)
                if high < len(slots):
                    ledger.leaves.setdefault(high, []).append(number)
        for override_number, override in enumerate(plan.overrides):
            if override.duty == duty_id:
                index = _slot_index(starts, ends, override.date)
                if index is not None:
                    overrides_at.setdefault((duty_id, index), []).append(override_number)
    # Duties were added in id order, so a stable sort by day keeps them in id order.
    walk.sort(key=itemgetter(0))

    # What each person holds, as (end, start, duty), to keep them off two duties at
    # once; ``busy_until`` is the last day of any of it, to skip the list quickly.
    holding: list[list[tuple[date, date, str]]] = [[] for _ in ordered]
    busy_until = [date.min] * len(ordered)
    double_duty = plan.double_duty
    shares: dict[tuple[int, int], int] = {}
    # Every slot held that may still be running, as (end, person number, duty).
    running: list[tuple[date, int, str]] = []
    pruned = date.min
    assignments = []
    for start, duty_id, index, slot in walk:
        ledger = ledgers[duty_id]
        if index in ledger.joins or index in ledger.leaves:
            ledger.apply_events(index)
        end = slot.end
        chosen, notes = _choose(ledger, slot, holding, busy_until, double_duty, ids)
        numbers = [entry[2] for entry in chosen]
        people = [ids[number] for number in numbers]
        applied: list[int] = []
        replaced: tuple[str, ...] = ()
        if overrides_at and (duty_id, index) in overrides_at:
            applied = _apply_overrides(
                plan.overrides, overrides_at[(duty_id, index)], people, notes
            )
            replaced = tuple(ids[number] for number in numbers if ids[number] not in people)
            for entry in chosen:
                if ids[entry[2]] not in people:  # replaced: keeps its key
                    heappush(ledger.heap, entry)
            # -1: an override named someone not on the roster (checks report it).
            numbers = [number_of.get(person_id, -1) for person_id in people]

        held, last, in_pool = ledger.held, ledger.last, ledger.in_pool
        for number in numbers:
            if number < 0:
                continue
            held[number] += 1
            last[number] = start
            if in_pool[number]:
                ledger.push(number)
            holding[number].append((end, start, duty_id))
            running.append((end, number, duty_id))
            if end > busy_until[number]:
                busy_until[number] = end
        if ledger.pool:
            # Pool members busy on another duty could not have taken this slot: like
            # people away, they are not entitled to it and do not owe it afterwards.
            if start != pruned:  # what ended before today never matters again
                running = [item for item in running if item[0] >= start]
                pruned = start
            busy = set() if double_duty or len(running) <= len(numbers) else {
                number
                for _end, number, other in running
                if other != duty_id and in_pool[number] and number not in numbers
            }
            entitled = ledger.pool - len(busy)
            if entitled > 0:  # 0 only if an override gave the slot to an outsider
                places = (slot.people, entitled)
                share = shares.get(places)
                if share is None:
                    share = shares[places] = _share(*places)
                ledger.total += share
                for number in busy:  # their heap entries now sort too early: see _choose
                    ledger.base[number] += share
        ledger.previous = tuple(numbers)

        short = slot.people - len(chosen)
        if short > 0:
            notes.append(f"{short} place{'s' if short > 1 else ''} unfilled: "
                         "nobody else qualified and available")
        assignments.append(
            Assignment(
                duty_id, start, end, tuple(people), bool(applied), replaced,
                max(short, 0), notes[0] if len(notes) == 1 else "; ".join(notes),
                tuple(applied) if applied else (),
            )
        )
    return Rotation(tuple(assignments), until)


def _apply_overrides(
    overrides: Sequence[Override], numbers: list[int], people: list[str], notes: list[str]
) -> list[int]:
    """Replace people in place, in plan order; return the overrides that applied."""
    applied = []
    for number in numbers:
        override = overrides[number]
        if override.from_person in people and override.to_person not in people:
            people[people.index(override.from_person)] = override.to_person
            applied.append(number)
            notes.append(_override_note(override))
    return applied


def _choose(
    ledger: _DutyLedger,
    slot: Slot,
    holding: list[list[tuple[date, date, str]]],
    busy_until: list[date],
    double_duty: bool,
    ids: list[str],
) -> tuple[list[_Entry], list[str]]:
    """The heap entries of the people who take ``slot``, lowest load first, and why.

    Pops from the heap until enough free people turn up. People who held the
    previous slot, or hold another duty on an overlapping day, are set aside and
    taken only if the free ones do not suffice (in that order), then pushed back.
    """
    heap, version, in_pool, previous = ledger.heap, ledger.version, ledger.in_pool, ledger.previous
    held, base = ledger.held, ledger.base
    need, start = slot.people, slot.start
    free: list[_Entry] = []
    # (busy?, held the previous slot?, entry, the other duty): the fallback order.
    aside: list[tuple[bool, bool, _Entry, str]] = []
    while heap and len(free) < need:
        entry = heappop(heap)
        number = entry[2]
        if entry[3] != version[number] or not in_pool[number]:
            continue  # stale: the person's key changed or they left the pool
        key = held[number] * SCALE + base[number]
        if entry[0] != key:
            # Time busy on another duty raised their base after the entry was pushed
            # (keys only ever grow that way): put it back where it now belongs.
            heappush(heap, (key, entry[1], number, entry[3]))
            continue
        # Slots are walked by start day, so anything held overlaps this slot exactly
        # when it ends on or after this slot's start.
        if not double_duty and busy_until[number] >= start:
            other = _other_duty(holding[number], slot)
            if other is not None:
                aside.append((True, number in previous, entry, other))
                continue
        if number in previous:
            aside.append((False, True, entry, "previous"))
        else:
            free.append(entry)

    named = need > 1
    notes = [_why(ledger, entry, None, named, ids) for entry in free]
    if aside:
        aside.sort()
        for _, _, entry, reason in aside:
            if len(free) < need:
                free.append(entry)
                notes.append(_why(ledger, entry, reason, named, ids))
            else:
                heappush(heap, entry)
    return free, notes


def _other_duty(held: list[tuple[date, date, str]], slot: Slot) -> str | None:
    """The other duty held on a day of ``slot``, if any."""
    start = slot.start
    held[:] = [item for item in held if item[0] >= start]  # the rest never matters again
    for _end, _start, duty_id in held:
        if duty_id != slot.duty:
            return duty_id
    return None


def _why(
    ledger: _DutyLedger, entry: _Entry, reason: str | None, named: bool, ids: list[str]
) -> str:
    number = entry[2]
    load = f"{ledger.held[number]} of fair share {ledger.entitlement(number):.1f}"
    if reason is None:
        last = entry[1]
        served = "never served" if last is date.min else f"last served {last}"
        text = f"lowest load ({load}); {served}"
    elif reason == "previous":
        text = f"held the previous slot too, nobody else free ({load})"
    else:
        text = f"also on {reason} then, nobody else free ({load})"
    return f"{ids[number]}: {text}" if named else text


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
    if not person.works_on(day):
        problems.append(f"{person.id} does not work on {day:%A}s "
                        f"(days: {', '.join(person.day_codes)})")
    problems.extend(_qualification_gaps(person, duty))
    return problems


# --- Stats ----------------------------------------------------------------------------


def rotation_stats(plan: Plan, rotation: Rotation, start: date, end: date) -> list[DutyStats]:
    """How each duty was shared among its people over ``start..end``.

    Counts slots that start in the period. The fair share is the entitlement the
    rotation balances, recomputed from the plan and the rotation: each slot is
    shared among the people qualified, on the team, not away and not busy on
    another duty at the time, so a difference of 0 means the person held exactly
    their part of the slots they could have taken.
    """
    ordered_all = sorted(rotation.assignments, key=lambda a: (a.start, a.duty))
    absences = {person.id: _merged_absences(person) for person in plan.roster}
    stats = []
    for duty_id, duty in plan.duties.items():
        slots = duty_slots(plan, duty, end)
        starts = [slot.start for slot in slots]
        ends = [slot.end for slot in slots]
        first = bisect_left(starts, start)
        ranges: dict[str, list[tuple[int, int]]] = {}
        pool_change = [0] * (len(slots) + 1)
        for person in plan.roster:
            if qualifies(person, duty):
                mine = _member_ranges(person, absences[person.id], starts, ends)
                ranges[person.id] = mine
                for low, high in mine:
                    pool_change[low] += 1
                    pool_change[high] -= 1
        pool = sum(pool_change[:first])
        holders = {a.start: a.people for a in rotation.for_duty(duty_id)}
        entitlement: dict[str, int] = {}  # in 1/SCALE units
        cumulative = [0] * (len(slots) + 1)  # shares, then running totals from ``first``
        running: list[Assignment] = []
        cursor = 0
        for index in range(first, len(slots)):
            slot = slots[index]
            pool += pool_change[index]
            # The same rule as build_rotation: busy = holding another duty's slot that
            # was given out earlier (by start day, then duty id) and is still running.
            while cursor < len(ordered_all) and (
                (ordered_all[cursor].start, ordered_all[cursor].duty) < (slot.start, duty_id)
            ):
                running.append(ordered_all[cursor])
                cursor += 1
            running = [a for a in running if a.end >= slot.start]
            taken = holders.get(slot.start, ())
            busy = set() if plan.double_duty else {
                person_id
                for a in running
                if a.duty != duty_id
                for person_id in a.people
                if person_id not in taken and _in_ranges(ranges.get(person_id, ()), index)
            }
            entitled = pool - len(busy)
            if entitled <= 0:
                continue
            share = _share(slot.people, entitled)
            cumulative[index + 1] = share
            for person_id in busy:  # in the pool, yet not entitled to this one
                entitlement[person_id] = entitlement.get(person_id, 0) - share
        for index in range(first, len(slots)):
            cumulative[index + 1] += cumulative[index]
        for person_id, mine in ranges.items():
            for low, high in mine:
                low = max(low, first)
                if low < high:
                    entitlement[person_id] = (
                        entitlement.get(person_id, 0) + cumulative[high] - cumulative[low]
                    )

        held: dict[str, int] = {}
        short = 0
        window = [a for a in rotation.for_duty(duty_id) if start <= a.start <= end]
        for assignment in window:
            short += assignment.short
            for person_id in assignment.people:
                held[person_id] = held.get(person_id, 0) + 1

        people = []
        for person in plan.roster:
            count = held.get(person.id, 0)
            qualified_then = person.id in ranges and _overlaps_window(person, start, end)
            if not count and not qualified_then:
                continue
            fair = entitlement.get(person.id, 0) / SCALE
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


def _in_ranges(ranges: Sequence[tuple[int, int]], index: int) -> bool:
    return any(low <= index < high for low, high in ranges)


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
    away = _merged_absences(person)
    if person.days is not None:
        return sum(
            1
            for n in range((last - first).days + 1)
            if person.works_on(day := first + timedelta(days=n))
            and not any(low <= day <= high for low, high in away)
        )
    days = (last - first).days + 1
    for away_start, away_end in away:
        low, high = max(away_start, first), min(away_end, last)
        if low <= high:
            days -= (high - low).days + 1
    return days

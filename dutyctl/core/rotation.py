"""The fair rotation: who holds which slot, why, and how balanced it is. Pure.

How a slot is given out
    Slots are walked in date order (start day, then duty id) and each goes to the
    ``people`` eligible persons with the lowest *load*. Eligible means active and not
    away on the slot's first day, working at least one of its days (a part-timer's
    ``days:``; so a one-day slot only on a day they work), holding the duty's skills,
    in its department (if it has one), sharing a channel with it (when both list
    channels), and not on another duty on an overlapping day (unless the plan allows
    double duty, or nobody else is free).

Load is relative to a fair share
    For every slot of a duty, each person who was available and qualified for it is
    entitled to ``places / pool size`` of it. Load = slots held - entitlement. So a
    person back from two weeks away owes nothing for those weeks, someone who joined
    in June owes nothing for January, and a part-timer owes nothing for the days they
    do not work: they take their turn, not a catch-up streak. Someone busy on another
    duty during the slot (given out earlier in the walk) counts as unavailable for it
    too, unless the plan allows double duty: a week of newsletter does not leave a
    debt of daily posts.

Load across duties comes first
    The team keeps the same account over all duties together, in units of load: a
    slot of a duty of ``weight: w`` is ``w`` units per place, and for each slot every
    person qualified for some duty and available for it (as above: on the team, not
    away, working one of its days, not busy on another duty) is entitled to
    ``w * places / pool size``, even for a duty they cannot take. So the
    people who cannot write owe the blog's units and make them up on social days,
    and a writer's blog weeks count against their social days. The slot goes to the
    lowest *band* of load across duties (whole units: people within the same unit
    count as equally loaded), then the lowest load in the duty, then whoever held the
    duty longest ago (never first), then an order derived from a hash of the person
    id, so reordering the roster file changes nothing. With one duty the bands follow
    the duty's own load, so the calendar is the duty's own rotation.

    Not twice in a row is only that tie-break: among equally loaded people the one
    who just served comes last, but someone whose load is lower takes the slot even
    if they held the previous one (a Monday-only person among people who just served
    takes Monday only when it is their turn by load, not every Monday because the
    others served on Friday).

Bounds (tested in tests/test_rotation_properties.py)
    One duty: with equal availability, counts stay within one slot of each other
    over every stretch from the start; a part-timer's count stays within one slot
    of their share. Across duties, for people of equal availability who may hold
    every duty: each person's weighted total stays within ``max weight + 1`` units of
    their fair share (the band is one unit, the heaviest slot adds up to ``max
    weight``): within 2 units when every weight is 1. Where qualifications differ
    the fair share can be out of reach (the only writers cannot shed their blog
    weeks), and ``rotate --stats`` says how far.

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

from dutyctl.core.model import Duty, Override, Person, Plan, Span
from dutyctl.core.schedule import Slot, all_slots, duty_slots

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


@dataclass(frozen=True)
class PersonLoad:
    """One person's weighted load across every duty over a period."""

    person: str
    slots: dict[str, int]  # duty id -> slots held that start in the period
    weighted: int  # the weights of those slots, summed
    fair_share: float  # their part of the weighted slots they were available for
    difference: float  # weighted - fair_share, in units of load


@dataclass(frozen=True)
class LoadStats:
    """How the load of all duties together, weighted, was shared over a period.

    Each slot of a duty of weight ``w`` with ``n`` places is ``w * n`` units of load,
    shared among the people available for it (on the team, not away, working one of
    its days, not busy on another duty) and qualified for some duty. ``balance`` is
    DutyStats' score over weighted / fair share (1.0 is even); ``largest_difference``
    is the largest |weighted - fair share|, in units: what the rotation's bound is on.
    """

    weights: dict[str, int]
    units: int  # the weighted places held in the period
    people: tuple[PersonLoad, ...]
    balance: float
    largest_difference: float


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

# A heap entry: (the team ledger's band, the duty ledger's key, first day of the last slot
# of the duty held or date.min, person number, version). Person numbers follow the hash
# order of the ids, so the tuple itself is the whole tie-break and the roster's order
# never matters.
_Entry = tuple[int, int, date, int, int]


class _Ledger:
    """The running fairness account of one duty, or of the whole team, while slots are
    walked.

    A person's key is ``held * SCALE + base``, where ``entitlement = total - base``:
    since ``total`` (the shares handed out so far) is the same for everyone in the pool,
    the key orders people by load without touching everyone at every slot. Someone
    leaving the pool is only marked out (their heap entries go stale: lazy deletion); on
    return their base grows by the shares they missed, so time away is neither owed nor
    banked. Keys only ever grow.

    A duty's ledger counts its slots (``held`` grows by 1) over its own slot indices and
    keeps the heap its slots are chosen from. The team's ledger counts weighted slots of
    every duty (``held`` grows by the duty's weight) over the walk's positions.
    """

    __slots__ = (
        "heap", "total", "pool", "in_pool", "version", "held", "base", "left_at", "last",
        "joins", "leaves",
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
        self.joins: dict[int, list[int]] = {}
        self.leaves: dict[int, list[int]] = {}

    def add(self, number: int, ranges: Iterable[tuple[int, int]], length: int) -> None:
        """Person ``number`` is in the pool over the half-open index ``ranges``."""
        for low, high in ranges:
            self.joins.setdefault(low, []).append(number)
            if high < length:
                self.leaves.setdefault(high, []).append(number)

    def key(self, number: int) -> int:
        return self.held[number] * SCALE + self.base[number]

    def band(self, number: int) -> int:
        """The key in whole units of load: people in one band count as equally loaded."""
        return (self.held[number] * SCALE + self.base[number]) // SCALE

    def push(self, number: int, band: int) -> None:
        version = self.version[number] + 1
        self.version[number] = version
        heappush(self.heap, (band, self.key(number), self.last[number], number, version))

    def apply_events(self, index: int) -> list[int]:
        """Who leaves and who joins the pool at ``index``; returns who joined."""
        for number in self.leaves.get(index, ()):
            self.in_pool[number] = False
            self.left_at[number] = self.total
            self.pool -= 1
        joined = self.joins.get(index, [])
        for number in joined:
            left_at = self.left_at[number]
            if left_at is None:
                self.base[number] = self.total
            else:
                self.base[number] += self.total - left_at
                self.left_at[number] = None
            self.in_pool[number] = True
            self.pool += 1
        return joined

    def entitlement(self, number: int) -> float:
        left_at = self.left_at[number]
        if self.in_pool[number]:
            return (self.total - self.base[number]) / SCALE
        return 0.0 if left_at is None else (left_at - self.base[number]) / SCALE


def build_rotation(plan: Plan, until: date) -> Rotation:
    """The whole calendar from the plan's start to ``until``: a pure function of the plan."""
    ordered = sorted(plan.roster, key=lambda person: (_rank(person.id), person.id))
    ids = [person.id for person in ordered]
    number_of = {person_id: number for number, person_id in enumerate(ids)}
    ledgers: dict[str, _Ledger] = {}
    walk: list[tuple[date, str, int, Slot]] = []
    overrides_at: dict[tuple[str, int], list[int]] = {}
    absences = [_merged_absences(person) for person in ordered]
    # Whose pool membership is not simply "every slot" (so _member_ranges must say).
    varying = [
        bool(absences[number] or person.active_from or person.active_until
             or person.days is not None)
        for number, person in enumerate(ordered)
    ]
    in_team = [False] * len(ordered)  # qualified for at least one duty

    for duty_id in sorted(plan.duties):
        duty = plan.duties[duty_id]
        slots = duty_slots(plan, duty, until)
        ledger = _Ledger(len(ordered))
        ledgers[duty_id] = ledger
        walk.extend((slot.start, duty_id, index, slot) for index, slot in enumerate(slots))
        starts = [slot.start for slot in slots]
        ends = [slot.end for slot in slots]
        open_to_all = not (duty.requires or duty.department or duty.channels)
        everything = [(0, len(slots))] if slots else []
        for number, person in enumerate(ordered):
            if not open_to_all and not qualifies(person, duty):
                continue
            in_team[number] = True
            ranges = (
                _member_ranges(person, absences[number], starts, ends)
                if varying[number] else everything
            )
            ledger.add(number, ranges, len(slots))
        for override_number, override in enumerate(plan.overrides):
            if override.duty == duty_id:
                index = _slot_index(starts, ends, override.date)
                if index is not None:
                    overrides_at.setdefault((duty_id, index), []).append(override_number)
    # Duties were added in id order, so a stable sort by day keeps them in id order.
    walk.sort(key=itemgetter(0))

    # The team's ledger: for each slot of any duty, its pool is everyone qualified for
    # some duty and available for that slot, each entitled to weight * places / pool.
    team = _Ledger(len(ordered))
    starts = [item[0] for item in walk]
    ends = [item[3].end for item in walk]
    everything = [(0, len(walk))] if walk else []
    for number, person in enumerate(ordered):
        if in_team[number]:
            ranges = (
                _member_ranges(person, absences[number], starts, ends)
                if varying[number] else everything
            )
            team.add(number, ranges, len(walk))
    weights = {duty_id: duty.weight for duty_id, duty in plan.duties.items()}
    across = len(plan.duties) > 1  # say the team's load in the explanations

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
    for position, (start, duty_id, index, slot) in enumerate(walk):
        if position in team.joins or position in team.leaves:
            team.apply_events(position)
        ledger = ledgers[duty_id]
        if index in ledger.joins or index in ledger.leaves:
            for number in ledger.apply_events(index):
                ledger.push(number, team.band(number))
        end = slot.end
        chosen, reasons = _choose(ledger, team, slot, holding, busy_until, double_duty)
        named = slot.people > 1
        notes = [
            _why(ledger, team, entry, reason, named, ordered[entry[3]], across)
            for entry, reason in zip(chosen, reasons, strict=True)
        ]
        numbers = [entry[3] for entry in chosen]
        people = [ids[number] for number in numbers]
        applied: list[int] = []
        replaced: tuple[str, ...] = ()
        if overrides_at and (duty_id, index) in overrides_at:
            applied = _apply_overrides(
                plan.overrides, overrides_at[(duty_id, index)], people, notes
            )
            replaced = tuple(ids[number] for number in numbers if ids[number] not in people)
            for entry in chosen:
                if ids[entry[3]] not in people:  # replaced: keeps its key
                    heappush(ledger.heap, entry)
            # -1: an override named someone not on the roster (checks report it).
            numbers = [number_of.get(person_id, -1) for person_id in people]

        held, last, in_pool = ledger.held, ledger.last, ledger.in_pool
        weight = weights[duty_id]
        for number in numbers:
            if number < 0:
                continue
            held[number] += 1
            last[number] = start
            team.held[number] += weight
            if in_pool[number]:
                ledger.push(number, team.band(number))
            holding[number].append((end, start, duty_id))
            running.append((end, number, duty_id))
            if end > busy_until[number]:
                busy_until[number] = end
        # People holding another duty's slot that is still running could not have taken
        # this one: like people away, they are not entitled to it and do not owe it
        # afterwards, neither in the duty's account nor in the team's (unless the plan
        # allows double duty). Their heap entries now sort too early: see _choose.
        if start != pruned:  # what ended before today never matters again
            running = [item for item in running if item[0] >= start]
            pruned = start
        busy = set() if double_duty or len(running) <= len(numbers) else {
            number for _end, number, other in running if other != duty_id and number not in numbers
        }
        for account, weight_of in ((ledger, 1), (team, weight)):
            members = account.in_pool
            excused = [number for number in busy if members[number]]
            entitled = account.pool - len(excused)
            if entitled > 0:  # 0 only if nobody could take it, or an outsider did
                share = weight_of * _cached_share(shares, slot.people, entitled)
                account.total += share
                for number in excused:
                    account.base[number] += share

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


def _cached_share(shares: dict[tuple[int, int], int], places: int, pool: int) -> int:
    share = shares.get((places, pool))
    if share is None:
        share = shares[(places, pool)] = _share(places, pool)
    return share


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
    ledger: _Ledger,
    team: _Ledger,
    slot: Slot,
    holding: list[list[tuple[date, date, str]]],
    busy_until: list[date],
    double_duty: bool,
) -> tuple[list[_Entry], list[str | None]]:
    """The heap entries of the people who take ``slot``, lowest load first, and for each
    the other duty they hold then (None: they were free).

    Pops from the heap until enough free people turn up. People who hold another duty
    on an overlapping day are set aside and taken only if the free ones do not
    suffice, then pushed back.
    """
    heap, version, in_pool = ledger.heap, ledger.version, ledger.in_pool
    need, start = slot.people, slot.start
    free: list[_Entry] = []
    aside: list[tuple[_Entry, str]] = []  # in the order popped: lowest load first
    while heap and len(free) < need:
        entry = heappop(heap)
        band, key, last, number, pushed = entry
        if pushed != version[number] or not in_pool[number]:
            continue  # stale: the person's key changed or they left the pool
        now = (team.band(number), ledger.key(number))
        if (band, key) != now:
            # A slot of another duty, time busy on another duty, or time out of the
            # team's pool raised a key after the entry was pushed (keys only ever grow):
            # put it back where it now belongs.
            heappush(heap, (now[0], now[1], last, number, pushed))
            continue
        # Slots are walked by start day, so anything held overlaps this slot exactly
        # when it ends on or after this slot's start.
        if not double_duty and busy_until[number] >= start:
            other = _other_duty(holding[number], slot)
            if other is not None:
                aside.append((entry, other))
                continue
        free.append(entry)
    reasons: list[str | None] = [None] * len(free)
    for entry, other in aside:
        if len(free) < need:
            free.append(entry)
            reasons.append(other)
        else:
            heappush(heap, entry)
    return free, reasons


def _other_duty(held: list[tuple[date, date, str]], slot: Slot) -> str | None:
    """The other duty held on a day of ``slot``, if any."""
    start = slot.start
    held[:] = [item for item in held if item[0] >= start]  # the rest never matters again
    for _end, _start, duty_id in held:
        if duty_id != slot.duty:
            return duty_id
    return None


def _why(
    ledger: _Ledger,
    team: _Ledger,
    entry: _Entry,
    other: str | None,
    named: bool,
    person: Person,
    across: bool,
) -> str:
    number = entry[3]
    load = f"{ledger.held[number]} of fair share {ledger.entitlement(number):.1f}"
    if other is None:
        last = entry[2]
        served = "never served" if last is date.min else f"last served {last}"
        text = f"lowest load ({load}); {served}"
    else:
        text = f"also on {other} then, nobody else free ({load})"
    if across:
        text += (f"; across duties {team.held[number]} of fair share "
                 f"{team.entitlement(number):.1f} (weighted)")
    if person.days is not None:
        text += f"; works {', '.join(person.day_codes)}"
    return f"{person.id}: {text}" if named else text


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
                for message in _takeover_gaps(
                    person, plan.duties[duty_id], day, max(day, assignment.end)
                )
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
    problems.extend(_takeover_gaps(person, duty, day, max(day, assignment.end)))
    if not plan.double_duty:
        rest = (max(day, assignment.start), assignment.end)
        for other in rotation.between(*rest):
            if other.duty != duty_id and to_id in other.people:
                problems.append(f"{to_id} is on {other.duty} {other.span}")
                break
    return problems


def _takeover_gaps(person: Person, duty: Duty, day: date, end: date) -> list[str]:
    """Why ``person`` cannot hold ``duty`` from ``day`` to ``end`` (the rest of the
    slot), apart from other duties."""
    problems = []
    if not person.is_active(day):
        problems.append(f"{person.id} is not on the team on {day}")
    absence = person.absence_on(day)
    if absence is not None:
        problems.append(f"{person.id} is away on {day} ({absence})")
    if not person.works_during(day, end):
        when = f"on {day:%A}s" if day == end else f"any day of {day}..{end}"
        problems.append(f"{person.id} does not work {when} "
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
        ranges = _slot_ranges(plan, [duty], absences, starts, ends)
        entitlement = _entitlements(plan, slots, first, ranges, ordered_all, {duty_id: 1})
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


def load_stats(plan: Plan, rotation: Rotation, start: date, end: date) -> LoadStats:
    """How the weighted load of all duties was shared over ``start..end``.

    Recomputes the team's account that build_rotation keeps, from the plan and the
    rotation: every slot that starts in the period is shared, weighted, among the
    people qualified for some duty, available for it and not busy on another duty
    then (given out earlier, by start day then duty id, and still running).
    """
    weights = {duty_id: duty.weight for duty_id, duty in plan.duties.items()}
    slots = all_slots(plan, end)
    starts = [slot.start for slot in slots]
    ends = [slot.end for slot in slots]
    first = bisect_left(starts, start)
    absences = {person.id: _merged_absences(person) for person in plan.roster}
    ranges = _slot_ranges(plan, list(plan.duties.values()), absences, starts, ends)
    ordered = rotation.assignments  # by start day, then duty id: the order slots are walked
    entitlement = _entitlements(plan, slots, first, ranges, ordered, weights)
    held: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    for a in ordered:
        if start <= a.start <= end:
            for person_id in a.people:
                held[person_id] = held.get(person_id, 0) + weights[a.duty]
                tally = counts.setdefault(person_id, {})
                tally[a.duty] = tally.get(a.duty, 0) + 1
    people = []
    for person in plan.roster:
        weighted = held.get(person.id, 0)
        if not weighted and not (person.id in ranges and _overlaps_window(person, start, end)):
            continue
        fair = entitlement.get(person.id, 0) / SCALE
        people.append(PersonLoad(
            person.id, dict(sorted(counts.get(person.id, {}).items())), weighted,
            round(fair, 6), round(weighted - fair, 6),
        ))
    return LoadStats(
        weights=weights,
        units=sum(held.values()),
        people=tuple(people),
        balance=balance_score(p.weighted / p.fair_share for p in people if p.fair_share > 0),
        largest_difference=max((abs(p.difference) for p in people), default=0.0),
    )


def _in_ranges(ranges: Sequence[tuple[int, int]], index: int) -> bool:
    """Whether ``index`` is in one of the sorted, disjoint half-open ``ranges``."""
    at = bisect_right(ranges, index, key=itemgetter(0)) - 1
    return at >= 0 and index < ranges[at][1]


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


def _slot_ranges(
    plan: Plan, duties: list, absences: dict, starts: list[date], ends: list[date]
) -> dict[str, list[tuple[int, int]]]:
    """For each person qualified for one of ``duties``, the runs of slot indexes in
    which they are on the team and available."""
    return {
        person.id: _member_ranges(person, absences[person.id], starts, ends)
        for person in plan.roster
        if any(qualifies(person, duty) for duty in duties)
    }


def _entitlements(
    plan: Plan,
    slots: list,
    first: int,
    ranges: dict[str, list[tuple[int, int]]],
    ordered: Sequence[Assignment],
    weights: dict[str, int],
) -> dict[str, int]:
    """Each person's fair share (in 1/SCALE units, times the duty's weight) of the slots
    from index ``first``: every slot is shared among the people of ``ranges`` available
    for it and not busy on another duty then (given out earlier, by start day then duty
    id, and still running), the same rule build_rotation keeps."""
    pool_change = [0] * (len(slots) + 1)
    for mine in ranges.values():
        for low, high in mine:
            pool_change[low] += 1
            pool_change[high] -= 1
    pool = sum(pool_change[:first])
    holders = {(a.start, a.duty): a.people for a in ordered}
    entitlement: dict[str, int] = {}
    cumulative = [0] * (len(slots) + 1)  # shares, then running totals from ``first``
    running: list[Assignment] = []
    cursor = 0
    for index in range(first, len(slots)):
        slot = slots[index]
        pool += pool_change[index]
        while cursor < len(ordered) and (ordered[cursor].start, ordered[cursor].duty) < (
            slot.start, slot.duty
        ):
            running.append(ordered[cursor])
            cursor += 1
        running = [a for a in running if a.end >= slot.start]
        taken = holders.get((slot.start, slot.duty), ())
        busy = set() if plan.double_duty else {
            person_id
            for a in running
            if a.duty != slot.duty
            for person_id in a.people
            if person_id not in taken and _in_ranges(ranges.get(person_id, ()), index)
        }
        entitled = pool - len(busy)
        if entitled <= 0:
            continue
        share = weights[slot.duty] * _share(slot.people, entitled)
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
    return entitlement

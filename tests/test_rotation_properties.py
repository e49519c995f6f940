"""Properties of the rotation over random rosters, absences, working days, weights and
cadences (hypothesis)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.core.model import Duty, Override, Person, Plan, Span
from dutyctl.core.rotation import (
    Rotation,
    build_rotation,
    load_stats,
    qualifies,
    rotation_stats,
)
from dutyctl.core.schedule import all_slots
from dutyctl.core.syntax import parse_cadence

START = date(2026, 1, 5)
CADENCES = (
    "day",
    "weekday",
    "week",
    "month",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,TH",
    "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
)
IDS = ("ana", "bo", "cy", "di", "ed", "fi", "gus", "hal", "ivy")
SETTINGS = settings(max_examples=60, deadline=None)


def make_plan(
    roster: list[Person],
    duties: list[Duty],
    double_duty: bool = False,
    overrides: tuple[Override, ...] = (),
) -> Plan:
    return Plan(
        team="t",
        timezone="UTC",
        start=START,
        roster=tuple(roster),
        duties={d.id: d for d in duties},
        double_duty=double_duty,
        overrides=overrides,
    )


@st.composite
def spans(draw: st.DrawFn, horizon: int, earliest: int = 0) -> Span:
    first = draw(st.integers(earliest, max(horizon, earliest)))
    length = draw(st.integers(0, 20))
    return Span(START + timedelta(days=first), START + timedelta(days=first + length))


@st.composite
def people(draw: st.DrawFn, horizon: int, varied: bool) -> list[Person]:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True))
    roster = []
    for pid in ids:
        if not varied:
            roster.append(Person(pid, pid.title()))
            continue
        begins = draw(st.none() | st.integers(-5, horizon))
        ends = draw(st.none() | st.integers(0, horizon + 5))
        roster.append(
            Person(
                pid,
                pid.title(),
                skills=tuple(draw(st.sets(st.sampled_from(("video", "writing"))))),
                department=draw(st.sampled_from((None, "sales", "ops"))),
                channels=tuple(draw(st.sets(st.sampled_from(("yt", "blog")), max_size=2))),
                away=tuple(draw(st.lists(spans(horizon), max_size=2))),
                active_from=None if begins is None else START + timedelta(days=begins),
                active_until=None if ends is None else START + timedelta(days=ends),
                days=draw(WORKING_DAYS),
            )
        )
    return roster


# A part-timer's weekdays (``days:``), or None for every day.
WORKING_DAYS = st.none() | st.sets(st.integers(0, 6), min_size=1).map(lambda d: tuple(sorted(d)))


@st.composite
def duty_list(draw: st.DrawFn, varied: bool, cadences: tuple[str, ...] = CADENCES) -> list[Duty]:
    count = draw(st.integers(1, 3))
    duties = []
    for number in range(count):
        duties.append(
            Duty(
                f"duty{number}",
                f"Duty {number}",
                parse_cadence(draw(st.sampled_from(cadences)), START),
                people=draw(st.integers(1, 2)),
                requires=tuple(draw(st.sets(st.sampled_from(("video",))))) if varied else (),
                department=draw(st.sampled_from((None, "sales"))) if varied else None,
                channels=tuple(draw(st.sets(st.sampled_from(("yt",))))) if varied else (),
                weight=draw(st.integers(1, 3)),
            )
        )
    return duties


@st.composite
def scenarios(
    draw: st.DrawFn, varied: bool = True, cadences: tuple[str, ...] = CADENCES
) -> tuple[Plan, date]:
    horizon = draw(st.integers(7, 120))
    plan = make_plan(
        draw(people(horizon, varied)),
        draw(duty_list(varied, cadences)),
        double_duty=draw(st.booleans()),
    )
    return plan, START + timedelta(days=horizon)


def away_for_whole(person: Person, start: date, end: date) -> bool:
    day = start
    while day <= end:
        if not person.is_away(day):
            return False
        day += timedelta(days=1)
    return True


@SETTINGS
@given(scenarios())
def test_no_slot_gets_an_ineligible_person(scenario: tuple[Plan, date]) -> None:
    plan, until = scenario
    rotation = build_rotation(plan, until)
    assert len(rotation.assignments) == len(all_slots(plan, until))
    for a in rotation.assignments:
        duty = plan.duties[a.duty]
        assert len(set(a.people)) == len(a.people)
        assert len(a.people) + a.short == duty.people
        for pid in a.people:
            person = plan.people[pid]
            assert qualifies(person, duty)
            assert person.is_active(a.start)
            assert not away_for_whole(person, a.start, a.end)
            assert person.works_during(a.start, a.end), (pid, person.days, a)
        if not plan.double_duty and "also on" not in a.why:
            for other in rotation.between(a.start, a.end):
                if other.duty != a.duty:
                    assert not set(other.people) & set(a.people) or "also on" in other.why


@SETTINGS
@given(scenarios(), st.sets(st.integers(0, 6), min_size=1, max_size=6))
def test_a_part_timer_never_holds_a_one_day_slot_on_another_weekday(
    scenario: tuple[Plan, date], days: set[int]
) -> None:
    plan, until = scenario
    first = replace(plan.roster[0], days=tuple(sorted(days)))
    plan = replace(plan, roster=(first, *plan.roster[1:]))
    for a in build_rotation(plan, until).for_person(first.id):
        if a.start == a.end:
            assert a.start.weekday() in days, a


@SETTINGS
@given(scenarios(varied=False), st.sets(st.integers(0, 4), min_size=1, max_size=4))
def test_a_part_timer_holds_their_share_of_the_days_they_work(
    scenario: tuple[Plan, date], days: set[int]
) -> None:
    """One duty, equal qualifications: the part-timer's count is within one slot of the
    share of the slots they were available for, neither overloaded nor owing; so is
    everyone else's."""
    plan, until = scenario
    first = replace(plan.roster[0], days=tuple(sorted(days)))
    plan = first_duty_only(replace(plan, roster=(first, *plan.roster[1:])))
    rotation = build_rotation(plan, until)
    for stats in rotation_stats(plan, rotation, START, until):
        for person in stats.people:
            assert abs(person.difference) <= 1 + 1e-9, (stats.duty, person)


def prefix_spread(rotation: Rotation, plan: Plan) -> int:
    """The largest gap between two people's counts of one duty over any prefix."""
    worst = 0
    for duty_id in plan.duties:
        running: Counter[str] = Counter({p.id: 0 for p in plan.roster})
        for a in rotation.for_duty(duty_id):
            running.update(a.people)
            worst = max(worst, max(running.values()) - min(running.values()))
    return worst


def first_duty_only(plan: Plan) -> Plan:
    duty = next(iter(plan.duties.values()))
    return replace(plan, duties={duty.id: duty})


@SETTINGS
@given(scenarios(varied=False))
def test_equal_availability_keeps_counts_within_one(scenario: tuple[Plan, date]) -> None:
    # One duty (with several, the load across duties comes first: see the weighted bound).
    plan, until = scenario
    plan = first_duty_only(plan)
    assert prefix_spread(build_rotation(plan, until), plan) <= 1


@SETTINGS
@given(scenarios())
def test_everyone_is_close_to_their_fair_share(scenario: tuple[Plan, date]) -> None:
    # One duty: its own account is the whole story (several: see the weighted bound).
    plan, until = scenario
    plan = first_duty_only(plan)
    rotation = build_rotation(plan, until)
    # People who come, go or are away change the pool; whoever leaves takes their
    # own surplus or deficit along, which the others then carry: one more slot.
    churn = any(p.away or p.active_from or p.active_until or p.days for p in plan.roster)
    for stats in rotation_stats(plan, rotation, START, until):
        for person in stats.people:
            assert abs(person.difference) <= 1 + churn + 1e-9, (stats.duty, person)


@SETTINGS
@given(scenarios(varied=False))
def test_weighted_totals_stay_within_the_bound(scenario: tuple[Plan, date]) -> None:
    """Equal availability, everyone qualified for every duty, any weights, duties that
    compete or not: each weighted total is within max(weight) + 1 units of its fair share
    (within 2 units when every weight is 1), over every period from the start."""
    plan, until = scenario
    rotation = build_rotation(plan, until)
    bound = max(duty.weight for duty in plan.duties.values()) + 1
    for end in (START + (until - START) / 2, until):
        load = load_stats(plan, rotation, START, end)
        assert load.largest_difference < bound, load
        assert sum(p.fair_share for p in load.people) == pytest.approx(load.units, abs=1e-4)


@SETTINGS
@given(scenarios(), st.integers(2, 5))
def test_one_duty_is_its_own_rotation_whatever_its_weight(
    scenario: tuple[Plan, date], weight: int
) -> None:
    plan, until = scenario
    plan = first_duty_only(plan)
    duty = next(iter(plan.duties.values()))
    heavier = replace(plan, duties={duty.id: replace(duty, weight=weight)})
    assert build_rotation(heavier, until) == build_rotation(plan, until)


def reference_rotation(plan: Plan, until: date) -> list[tuple[str, ...]]:
    """One duty by the documented rule, computed the slow way with exact fractions:
    each slot to the pool members with the lowest load (held - entitlement), then
    whoever held it longest ago, then the hash order of the ids."""
    from dutyctl.core.rotation import _rank

    (duty,) = plan.duties.values()
    held = {p.id: 0 for p in plan.roster}
    owed = {p.id: Fraction(0) for p in plan.roster}
    last = {p.id: date.min for p in plan.roster}
    chosen = []
    for slot in all_slots(plan, until):
        pool = [
            p for p in plan.roster
            if qualifies(p, duty) and p.is_active(slot.start)
            and not any(span.start <= slot.start <= span.end for span in p.away)
            and p.works_during(slot.start, slot.end)
        ]
        pool.sort(key=lambda p: (held[p.id] - owed[p.id], last[p.id], _rank(p.id)))
        taken = tuple(p.id for p in pool[: slot.people])
        for person_id in taken:
            held[person_id] += 1
            last[person_id] = slot.start
        for p in pool:
            owed[p.id] += Fraction(min(slot.people, len(pool)), len(pool))
        chosen.append(taken)
    return chosen


@SETTINGS
@given(scenarios())
def test_one_duty_follows_the_documented_rule(scenario: tuple[Plan, date]) -> None:
    plan, until = scenario
    plan = first_duty_only(plan)
    assert [a.people for a in build_rotation(plan, until).assignments] == reference_rotation(
        plan, until
    )


@st.composite
def changes_from(draw: st.DrawFn, plan: Plan, until: date) -> tuple[date, Plan]:
    """A day D and the plan changed only from D on."""
    horizon = (until - START).days
    cut = START + timedelta(days=draw(st.integers(1, horizon)))
    roster = list(plan.roster)
    overrides = list(plan.overrides)
    kind = draw(st.sampled_from(("join", "leave", "away", "override")))
    if kind == "join":
        joined = cut + timedelta(days=draw(st.integers(0, 10)))
        roster.insert(draw(st.integers(0, len(roster))), Person("zed", "Zed", active_from=joined))
    elif kind == "leave":
        number = draw(st.integers(0, len(roster) - 1))
        person = roster[number]
        if person.active_until is None or person.active_until >= cut:
            roster[number] = replace(person, active_until=cut)
    elif kind == "away":
        # After every slot that starts before D has ended: whether someone is away for
        # a whole slot depends on all of its days.
        running = [s.end for s in all_slots(plan, until) if s.start < cut]
        after = max([cut - timedelta(days=1), *running]) + timedelta(days=1)
        number = draw(st.integers(0, len(roster) - 1))
        offset = draw(st.integers(0, 30))
        span = Span(after + timedelta(days=offset), after + timedelta(days=offset + 9))
        roster[number] = replace(roster[number], away=(*roster[number].away, span))
    else:
        later = [s for s in all_slots(plan, until) if s.start >= cut]
        if later:
            slot = draw(st.sampled_from(later))
            people = [p.id for p in plan.roster]
            overrides.append(
                Override(slot.start, slot.duty, draw(st.sampled_from(people)),
                         draw(st.sampled_from(people)))
            )
    return cut, replace(plan, roster=tuple(roster), overrides=tuple(overrides))


@SETTINGS
@given(st.data(), scenarios())
def test_changes_from_d_on_leave_the_calendar_before_d_alone(
    data: st.DataObject, scenario: tuple[Plan, date]
) -> None:
    plan, until = scenario
    cut, changed = data.draw(changes_from(plan, until))
    before = [a for a in build_rotation(plan, until).assignments if a.start < cut]
    after = [a for a in build_rotation(changed, until).assignments if a.start < cut]
    assert before == after


@SETTINGS
@given(st.data(), scenarios())
def test_a_longer_calendar_begins_with_the_shorter_one(
    data: st.DataObject, scenario: tuple[Plan, date]
) -> None:
    # Reports build the calendar once, as far as their slots may run, and judge the
    # slots up to an earlier day with it.
    plan, until = scenario
    earlier = until - timedelta(days=data.draw(st.integers(0, (until - START).days + 3)))
    longer = build_rotation(plan, until).assignments
    assert build_rotation(plan, earlier).assignments == tuple(
        a for a in longer if a.start <= earlier
    )


@SETTINGS
@given(st.data(), scenarios())
def test_roster_order_changes_nothing(data: st.DataObject, scenario: tuple[Plan, date]) -> None:
    plan, until = scenario
    shuffled = data.draw(st.permutations(plan.roster))
    assert build_rotation(plan, until) == build_rotation(
        replace(plan, roster=tuple(shuffled)), until
    )


WHY = re.compile(r"^lowest load \((\d+) of fair share (\d+\.\d)\)")
ACROSS = re.compile(r"; across duties (\d+) of fair share (\d+\.\d) \(weighted\)")


@SETTINGS
@given(scenarios())
def test_stats_agree_with_the_account_the_rotation_kept(scenario: tuple[Plan, date]) -> None:
    plan, until = scenario
    rotation = build_rotation(plan, until)
    for a in rotation.assignments[-6:]:
        match = WHY.match(a.why)
        if not match or len(a.people) != 1 or a.start == START:
            continue
        before = a.start - timedelta(days=1)
        stats = rotation_stats(plan, rotation, START, before)
        mine = [
            p for s in stats if s.duty == a.duty for p in s.people if p.person == a.people[0]
        ]
        assigned, fair = (mine[0].assigned, mine[0].fair_share) if mine else (0, 0.0)
        assert assigned == int(match.group(1))
        assert abs(fair - float(match.group(2))) <= 0.05 + 1e-9
        across = ACROSS.search(a.why)
        assert (across is not None) == (len(plan.duties) > 1), a.why
        # The walk gives out a day's slots in duty order: the account it shows counts the
        # slots of that day given out before this one, which a period of days cannot.
        same_day = any(b.start == a.start and b.duty < a.duty for b in rotation.assignments)
        if across and not same_day:
            load = [p for p in load_stats(plan, rotation, START, before).people
                    if p.person == a.people[0]]
            weighted, share = (load[0].weighted, load[0].fair_share) if load else (0, 0.0)
            assert weighted == int(across.group(1))
            assert abs(share - float(across.group(2))) <= 0.05 + 1e-9

"""The fair rotation: eligibility, fairness, overrides, stats and swaps."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest

from dutyctl.core.model import Duty, Override, Person, Plan, Span
from dutyctl.core.rotation import (
    Assignment,
    Rotation,
    balance_score,
    build_rotation,
    override_problems,
    rotation_stats,
    swap_problems,
)
from dutyctl.core.syntax import parse_cadence

START = date(2026, 1, 5)  # a Monday


def duty(duty_id: str, every: str = "weekday", **fields: object) -> Duty:
    return Duty(duty_id, duty_id.title(), parse_cadence(every, START), **fields)  # type: ignore[arg-type]


def team(*ids: str, **fields: object) -> tuple[Person, ...]:
    return tuple(Person(pid, pid.title(), **fields) for pid in ids)  # type: ignore[arg-type]


def make_plan(
    roster: tuple[Person, ...],
    duties: list[Duty],
    *,
    overrides: tuple[Override, ...] = (),
    double_duty: bool = False,
    holidays: dict[date, str] | None = None,
) -> Plan:
    return Plan(
        team="t",
        timezone="UTC",
        start=START,
        roster=roster,
        duties={d.id: d for d in duties},
        overrides=overrides,
        double_duty=double_duty,
        holiday_dates=holidays or {},
    )


def counts(rotation: Rotation, duty_id: str | None = None) -> Counter[str]:
    return Counter(
        pid
        for a in rotation.assignments
        if duty_id is None or a.duty == duty_id
        for pid in a.people
    )


NAMES = tuple(f"p{i:02d}" for i in range(14))


def test_fourteen_people_on_weekdays_all_serve_evenly() -> None:
    plan = make_plan(team(*NAMES), [duty("post")])
    rotation = build_rotation(plan, START + timedelta(days=62))
    served = counts(rotation)
    assert set(served) == set(NAMES)  # nobody starves
    assert max(served.values()) - min(served.values()) <= 1
    assert all(len(a.people) == 1 and a.short == 0 for a in rotation.assignments)


def test_nobody_holds_the_same_duty_twice_in_a_row_when_others_can() -> None:
    plan = make_plan(team("ana", "bo", "cy"), [duty("post", "day")])
    rotation = build_rotation(plan, START + timedelta(days=30))
    people = [a.people for a in rotation.assignments]
    assert all(one != two for one, two in itertools.pairwise(people))


def test_a_team_of_one_holds_every_slot() -> None:
    plan = make_plan(team("ana"), [duty("post", "day")])
    rotation = build_rotation(plan, START + timedelta(days=5))
    assert {a.people for a in rotation.assignments} == {("ana",)}


def test_nobody_is_assigned_while_away_and_no_catch_up_streak_after() -> None:
    away = Span(START + timedelta(days=14), START + timedelta(days=27))
    roster = team("ana", "bo", "cy", "di") + (Person("eve", "Eve", away=(away,)),)
    plan = make_plan(roster, [duty("post")])
    until = START + timedelta(days=27 + 14)
    rotation = build_rotation(plan, until)
    for a in rotation.for_person("eve"):
        assert a.start not in away
    after = rotation.between(away.end + timedelta(days=1), away.end + timedelta(days=14))
    held = sum("eve" in a.people for a in after)
    fair = len(after) / 5
    assert held <= fair + 1
    stats = {p.person: p for p in rotation_stats(plan, rotation, START, until)[0].people}
    assert abs(stats["eve"].difference) <= 1
    assert stats["eve"].available_days < stats["ana"].available_days


def test_a_newcomer_does_not_get_all_slots_after_joining() -> None:
    joined = date(2026, 6, 1)
    roster = team("ana", "bo", "cy") + (Person("dan", "Dan", active_from=joined),)
    plan = make_plan(roster, [duty("post")])
    rotation = build_rotation(plan, date(2026, 7, 31))
    assert not any(a.start < joined for a in rotation.for_person("dan"))
    since = rotation.between(joined, date(2026, 7, 31))
    mine = sum("dan" in a.people for a in since)
    assert len(since) / 4 - 1 <= mine <= len(since) / 4 + 1


def test_someone_who_left_is_not_assigned_after_until() -> None:
    left = date(2026, 2, 1)
    roster = team("ana", "bo") + (Person("cy", "Cy", active_until=left),)
    rotation = build_rotation(make_plan(roster, [duty("post")]), date(2026, 3, 1))
    assert rotation.for_person("cy")
    assert all(a.start <= left for a in rotation.for_person("cy"))


def test_override_replaces_the_person_and_moves_the_load() -> None:
    plan = make_plan(team("ana", "bo", "cy"), [duty("post", "day")])
    before = build_rotation(plan, START + timedelta(days=20))
    slot = before.assignments[3]
    holder = slot.people[0]
    stand_in = next(pid for pid in ("ana", "bo", "cy") if pid not in slot.people)
    override = Override(slot.start, "post", holder, stand_in, reason="dentist")
    after = build_rotation(
        make_plan(plan.roster, list(plan.duties.values()), overrides=(override,)),
        START + timedelta(days=20),
    )
    changed = after.assignments[3]
    assert changed.people == (stand_in,)
    assert changed.override and changed.replaced == (holder,) and changed.overrides == (0,)
    assert "dentist" in changed.why
    assert after.assignments[:3] == before.assignments[:3]
    # The stand-in did one more, so the holder is owed one: totals stay even.
    served = counts(after)
    assert max(served.values()) - min(served.values()) <= 1
    assert override_problems(after_plan := make_plan(
        plan.roster, list(plan.duties.values()), overrides=(override,)), after) == []
    assert after_plan.overrides == (override,)


def test_override_of_someone_not_in_the_slot_is_ignored_and_reported() -> None:
    plan = make_plan(team("ana", "bo", "cy"), [duty("post", "day")])
    rotation = build_rotation(plan, START + timedelta(days=5))
    holder = rotation.assignments[0].people[0]
    other = next(pid for pid in ("ana", "bo", "cy") if pid != holder)
    third = next(pid for pid in ("ana", "bo", "cy") if pid not in (holder, other))
    overrides = (
        Override(START, "post", other, third),  # ``other`` does not hold that slot
        Override(START, "nope", holder, third),
        Override(START - timedelta(days=3), "post", holder, third),
        Override(START + timedelta(days=1), "post", "ghost", third),
    )
    plan = make_plan(plan.roster, list(plan.duties.values()), overrides=overrides)
    again = build_rotation(plan, START + timedelta(days=5))
    assert again.assignments == rotation.assignments
    problems = dict(override_problems(plan, again))
    assert set(problems) == {0, 1, 2, 3}
    assert "ignored" in problems[0]
    assert "unknown duty" in problems[1]
    assert "before the rotation starts" in problems[2]


def test_override_to_an_unqualified_person_applies_but_is_reported() -> None:
    roster = team("ana", "bo", skills=("video",)) + (Person("cy", "Cy"),)
    plan = make_plan(roster, [duty("clip", "day", requires=("video",))])
    holder = build_rotation(plan, START).assignments[0].people[0]
    plan = make_plan(roster, [duty("clip", "day", requires=("video",))],
                     overrides=(Override(START, "clip", holder, "cy"),))
    rotation = build_rotation(plan, START + timedelta(days=3))
    assert rotation.assignments[0].people == ("cy",)
    problems = override_problems(plan, rotation)
    assert any("lacks the skill video" in message for _, message in problems)


def test_skills_departments_and_channels_decide_who_may_serve() -> None:
    roster = (
        Person("ana", "Ana", skills=("video",), department="sales", channels=("yt",)),
        Person("bo", "Bo", skills=("video",), department="sales", channels=("blog",)),
        Person("cy", "Cy", skills=("video",), department="ops"),
        Person("di", "Di", department="sales"),
        Person("ed", "Ed", skills=("video",), department="sales"),  # lists no channels
    )
    clip = duty("clip", "day", requires=("video",), department="sales", channels=("yt",))
    rotation = build_rotation(make_plan(roster, [clip]), START + timedelta(days=20))
    assert set(counts(rotation)) == {"ana", "ed"}


def test_people_are_kept_off_two_duties_on_the_same_day() -> None:
    plan = make_plan(team("ana", "bo", "cy", "di"), [duty("post", "day"), duty("news", "week")])
    rotation = build_rotation(plan, START + timedelta(days=40))
    for a, b in itertools.combinations(rotation.assignments, 2):
        if a.duty != b.duty and a.start <= b.end and b.start <= a.end:
            assert not set(a.people) & set(b.people)


def test_double_duty_falls_back_rather_than_leaving_a_slot_short() -> None:
    plan = make_plan(team("ana", "bo"), [duty("post", "day"), duty("news", "day", people=2)])
    rotation = build_rotation(plan, START + timedelta(days=3))
    assert all(a.short == 0 for a in rotation.assignments)
    # "news" sorts first, so each day it takes both and "post" must double up.
    assert all(len(a.people) == 2 for a in rotation.for_duty("news"))
    assert all("also on news then, nobody else free" in a.why for a in rotation.for_duty("post"))


def test_double_duty_allowed_lets_duties_share_people() -> None:
    plan = make_plan(team("ana", "bo"), [duty("post", "day"), duty("news", "day")],
                     double_duty=True)
    rotation = build_rotation(plan, START + timedelta(days=30))
    assert all(a.short == 0 for a in rotation.assignments)
    post, news = counts(rotation, "post"), counts(rotation, "news")
    assert abs(post["ana"] - post["bo"]) <= 1 and abs(news["ana"] - news["bo"]) <= 1


def test_slot_with_nobody_eligible_is_short() -> None:
    plan = make_plan(team("ana"), [duty("clip", "day", requires=("video",), people=2)])
    rotation = build_rotation(plan, START + timedelta(days=1))
    assert all(a.people == () and a.short == 2 for a in rotation.assignments)
    assert "unfilled" in rotation.assignments[0].why


def test_two_person_slots_take_two_different_people() -> None:
    plan = make_plan(team("ana", "bo", "cy", "di", "ed"), [duty("post", "day", people=2)])
    rotation = build_rotation(plan, START + timedelta(days=49))
    assert all(len(set(a.people)) == 2 for a in rotation.assignments)
    served = counts(rotation)
    assert max(served.values()) - min(served.values()) <= 1
    assert all(a.why.count(":") >= 2 for a in rotation.assignments)  # one reason per person


def test_why_explains_the_choice() -> None:
    plan = make_plan(team("ana", "bo"), [duty("post", "day")])
    rotation = build_rotation(plan, START + timedelta(days=3))
    assert rotation.assignments[0].why.startswith("lowest load (0 of fair share 0.0)")
    assert "never served" in rotation.assignments[0].why
    assert f"last served {START}" in rotation.assignments[2].why


def test_roster_order_does_not_decide_ties() -> None:
    roster = team(*NAMES)
    first = build_rotation(make_plan(roster, [duty("post")]), START + timedelta(days=30))
    second = build_rotation(make_plan(roster[::-1], [duty("post")]), START + timedelta(days=30))
    assert first == second
    assert first.assignments[0].people != (NAMES[0],) or second.assignments[0].people != (
        NAMES[-1],
    )


def test_holidays_are_skipped() -> None:
    holiday = START + timedelta(days=2)
    plan = make_plan(team("ana", "bo"), [duty("post")], holidays={holiday: "Day off"})
    rotation = build_rotation(plan, START + timedelta(days=6))
    assert rotation.on(holiday) == []


def test_the_past_does_not_depend_on_until() -> None:
    plan = make_plan(team(*NAMES[:5]), [duty("post"), duty("news", "week")])
    short = build_rotation(plan, START + timedelta(days=30))
    long = build_rotation(plan, START + timedelta(days=300))
    assert long.assignments[: len(short.assignments)] == short.assignments


def test_rotation_helpers() -> None:
    plan = make_plan(team("ana", "bo", "cy"), [duty("post", "day"), duty("news", "week")])
    rotation = build_rotation(plan, START + timedelta(days=13))
    day = START + timedelta(days=3)
    on = rotation.on(day)
    assert {a.duty for a in on} == {"post", "news"}
    assert all(a.covers(day) for a in on)
    assert len(rotation.between(START, START + timedelta(days=6))) == 7 + 1
    assert all(a.duty == "news" for a in rotation.for_duty("news"))
    assert all("ana" in a.people for a in rotation.for_person("ana"))


def test_swap_problems_says_why_not() -> None:
    roster = team("ana", "bo", "cy", skills=("video",)) + (
        Person("di", "Di"),
        Person("ed", "Ed", skills=("video",), away=(Span(START, START + timedelta(days=9)),)),
        Person("fi", "Fi", skills=("video",), active_from=START + timedelta(days=30)),
    )
    plan = make_plan(roster, [duty("clip", "day", requires=("video",)), duty("post", "day")])
    rotation = build_rotation(plan, START + timedelta(days=9))
    day = START + timedelta(days=2)
    clip = next(a for a in rotation.on(day) if a.duty == "clip")
    holder = clip.people[0]
    poster = next(a for a in rotation.on(day) if a.duty == "post").people[0]
    free = next(
        pid for pid in ("ana", "bo", "cy") if pid not in (holder, poster)
    )
    assert swap_problems(plan, rotation, day, "clip", holder, free) == []
    assert swap_problems(plan, rotation, day, "nope", holder, free) == ["unknown duty 'nope'"]
    assert "does not hold" in swap_problems(plan, rotation, day, "clip", free, holder)[0]
    assert swap_problems(plan, rotation, day, "clip", holder, "zed") == ["unknown person 'zed'"]
    assert any("lacks the skill" in p for p in swap_problems(plan, rotation, day, "clip",
                                                               holder, "di"))
    assert any("away" in p for p in swap_problems(plan, rotation, day, "clip", holder, "ed"))
    assert any("not on the team" in p
               for p in swap_problems(plan, rotation, day, "clip", holder, "fi"))
    assert any("already holds" in p
               for p in swap_problems(plan, rotation, day, "clip", holder, holder))
    if poster != holder and poster in ("ana", "bo", "cy"):
        assert any("is on post" in p
                   for p in swap_problems(plan, rotation, day, "clip", holder, poster))
    assert swap_problems(plan, rotation, START - timedelta(days=1), "clip", holder, free) == [
        f"no slot of clip covers {START - timedelta(days=1)}"
    ]


def test_stats_report_fair_shares_and_balance() -> None:
    plan = make_plan(team("ana", "bo", "cy", "di"), [duty("post", "day")])
    until = START + timedelta(days=39)
    rotation = build_rotation(plan, until)
    (stats,) = rotation_stats(plan, rotation, START, until)
    assert stats.duty == "post" and stats.slots == 40 and stats.short == 0
    assert {p.person for p in stats.people} == {"ana", "bo", "cy", "di"}
    for person in stats.people:
        assert person.assigned == 10
        assert person.fair_share == pytest.approx(10)
        assert person.difference == pytest.approx(0)
        assert person.available_days == 40
    assert stats.balance == pytest.approx(1.0)


def test_stats_fair_share_matches_the_rotations_own_account() -> None:
    roster = team("ana", "bo", "cy") + (
        Person("di", "Di", away=(Span(START + timedelta(days=5), START + timedelta(days=12)),)),
    )
    plan = make_plan(roster, [duty("post", "day"), duty("news", "week")])
    until = START + timedelta(days=55)
    rotation = build_rotation(plan, until)
    for stats in rotation_stats(plan, rotation, START, until):
        total = sum(p.fair_share for p in stats.people)
        assert total == pytest.approx(stats.slots, abs=1e-6)
        assert all(abs(p.difference) < 2 for p in stats.people)


def test_balance_score_matches_the_pairwise_definition() -> None:
    loads = [0.0, 0.0, 0.5, 1.0, 1.0, 1.5, 2.0, 0.25]
    pairs = list(itertools.combinations(loads, 2))
    expected = sum(
        1.0 if max(pair) == 0 else min(pair) / max(pair) for pair in pairs
    ) / len(pairs)
    assert balance_score(loads) == pytest.approx(expected)
    assert balance_score([1.0]) == 1.0
    assert balance_score([]) == 1.0


def test_assignment_span_and_defaults() -> None:
    a = Assignment("post", START, START, ("ana",), False)
    assert a.replaced == () and a.short == 0 and a.why == ""
    assert str(a.span) == START.isoformat()

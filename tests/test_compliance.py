"""KPI compliance on a small plan, a rotation written by hand and a log whose every
number is worked out in the comments."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.core.compliance import (
    Attribution,
    entry_points,
    judge_slots,
    person_compliance,
    slot_days,
    slot_numbers,
)
from dutyctl.core.entries import Entry
from dutyctl.core.model import Span
from dutyctl.core.rotation import Assignment, Rotation
from dutyctl.store.planfile import build_plan

PLAN = """\
team: Tiny
start: 2026-03-02
metrics:
  photo: {points: 3}
  repost: {points: 1}
  article: {points: 10}
  followers: {kind: outcome}
channels:
  insta: {name: Instagram}
  blog: {name: Blog}
departments:
  a: {name: A}
  b: {name: B}
roster:
  - {id: ann, name: Ann, department: a, budget: 1h/week}
  - {id: ben, name: Ben, department: a, budget: 2h/week}
  - {id: cat, name: Cat, department: b}
duties:
  social:
    name: Social
    every: weekday
    kpi: {photo: 1, repost: 2}
  blog:
    name: Blog
    every: week
    people: 2
    kpi: {article: 1..2}
    kpi_per: person
review:
  every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"
award:
  by: points
  min_compliance: 50%
goals:
  - {text: 100 followers, metric: followers, channel: insta, target: 100, by: 2026-12-31}
"""

TODAY = date(2026, 3, 10)
MARCH = Span(date(2026, 3, 1), date(2026, 3, 31))


def make_plan(text: str = PLAN):
    plan, problems = build_plan(text, "plan.yaml")
    assert plan is not None, problems
    return plan


def slot(duty: str, start: str, end: str, *people: str) -> Assignment:
    return Assignment(duty, date.fromisoformat(start), date.fromisoformat(end), tuple(people))


# The rotation, by hand: S1..S4 are social days, B1 and B2 blog weeks (B2 still running).
ROTATION = Rotation(
    (
        slot("blog", "2026-03-02", "2026-03-08", "ann", "ben"),  # B1
        slot("social", "2026-03-02", "2026-03-02", "ann"),  # S1
        slot("social", "2026-03-03", "2026-03-03", "ben"),  # S2
        slot("social", "2026-03-04", "2026-03-04", "ann"),  # S3
        slot("social", "2026-03-05", "2026-03-05", "cat"),  # S4
        slot("blog", "2026-03-09", "2026-03-15", "ben", "cat"),  # B2
        slot("social", "2026-03-11", "2026-03-11", "ann"),  # after today: not judged
    ),
    date(2026, 3, 15),
)


def entry(
    entry_id: str,
    day: str,
    person: str,
    duty: str,
    channel: str,
    metric: str,
    value: float,
    minutes: float | None = None,
    *,
    voids: str = "",
    note: str = "",
    url: str = "",
) -> Entry:
    return Entry(
        id=entry_id,
        recorded_at="2026-03-10T08:00:00.000Z",
        date=date.fromisoformat(day),
        person=person,
        duty=duty,
        channel=channel,
        metric=metric,
        value=value,
        minutes=minutes,
        url=url,
        note=note,
        voids=voids,
    )


LOG = [
    # S1 ann: photo 1 counts; E2 has no duty and ann holds social *and* blog that day,
    # so it cannot be inferred and does not count -> missed, repost 2 short.
    entry("E1", "2026-03-02", "ann", "social", "insta", "photo", 1, 10),
    entry("E2", "2026-03-02", "ann", "", "insta", "repost", 2, 5),
    # S2 ben: photo 2, repost 1 (+1 voided) -> missed, repost 1 short. likes: not in plan.
    entry("E3", "2026-03-03", "ben", "social", "insta", "photo", 2, 20),
    entry("E4", "2026-03-03", "ben", "social", "insta", "repost", 1),
    entry("E5", "2026-03-03", "ben", "social", "insta", "repost", 1),
    entry("E14", "2026-03-03", "ben", "social", "insta", "likes", 5),
    # S3 ann: met.
    entry("E6", "2026-03-04", "ann", "social", "insta", "photo", 1),
    entry("E7", "2026-03-04", "ann", "social", "insta", "repost", 3),
    # S4 cat: no duty written, cat holds only social that day -> inferred -> met.
    entry("E8", "2026-03-05", "cat", "", "insta", "photo", 1, note="spring", url="https://x/8"),
    entry("E9", "2026-03-05", "cat", "", "insta", "repost", 2),
    entry("E10", "2026-03-05", "cat", "", "insta", "followers", 30, 25, note="reel",
          url="https://x/10"),
    # B1 (per person, 1..2): ann 1, ben 3 -> both reach 1 -> met; ben exceeds the max by 1.
    entry("E11", "2026-03-06", "ann", "blog", "blog", "article", 1, 60),
    entry("E12", "2026-03-07", "ben", "blog", "blog", "article", 3, 90),
    # B2 (running): cat 1, ben 0 -> missed so far, article 1 short; met for cat.
    entry("E13", "2026-03-10", "cat", "blog", "blog", "article", 1),
    # cat is not on social on 03-02: points, but no slot.
    entry("E15", "2026-03-02", "cat", "social", "insta", "photo", 1),
    # E5 is voided.
    entry("V1", "2026-03-03", "ben", "", "", "", 0, voids="E5", note="double"),
]


@pytest.fixture(scope="module")
def plan():
    return make_plan()


@pytest.fixture(scope="module")
def results(plan):
    judged = judge_slots(plan, ROTATION, LOG, MARCH, TODAY)
    return {(r.duty, r.start.isoformat()): r for r in judged}


def test_only_slots_started_by_today_are_judged(results):
    assert sorted(results) == [
        ("blog", "2026-03-02"),
        ("blog", "2026-03-09"),
        ("social", "2026-03-02"),
        ("social", "2026-03-03"),
        ("social", "2026-03-04"),
        ("social", "2026-03-05"),
    ]


def test_met_and_missed_slots_with_shortfalls(results):
    s1, s2, s3, s4 = (results[("social", f"2026-03-0{d}")] for d in (2, 3, 4, 5))
    assert (s1.met, s1.shortfall, s1.totals) == (False, {"repost": 2}, {"photo": 1})
    assert (s2.met, s2.shortfall) == (False, {"repost": 1})
    assert s2.totals == {"photo": 2, "repost": 1, "likes": 5}  # E5 voided
    assert (s3.met, s3.shortfall, s3.met_by) == (True, {}, ("ann",))
    assert (s4.met, s4.entries) == (True, ("E8", "E9", "E10"))  # duty inferred
    assert not any(r.running for r in (s1, s2, s3, s4))


def test_kpi_per_person_maximum_and_running_slot(results):
    b1, b2 = results[("blog", "2026-03-02")], results[("blog", "2026-03-09")]
    assert (b1.met, b1.met_by, b1.exceeded) == (True, ("ann", "ben"), {"article": 1})
    assert b1.by_person == {"ann": {"article": 1}, "ben": {"article": 3}}
    assert (b2.met, b2.running, b2.shortfall, b2.met_by) == (False, True, {"article": 1}, ("cat",))


def test_person_compliance_and_streak(results):
    people = person_compliance(results.values())
    assert (people["ann"].slots, people["ann"].slots_met, people["ann"].streak) == (3, 2, 1)
    assert people["ann"].compliance == pytest.approx(2 / 3)
    # B2 is still running: cat has met it (counted), ben not yet (in progress: not counted)
    assert (people["ben"].slots, people["ben"].slots_met, people["ben"].streak) == (2, 1, 0)
    assert (people["cat"].slots, people["cat"].slots_met, people["cat"].compliance) == (2, 2, 1.0)
    assert people["cat"].streak == 2
    ended = person_compliance(dataclasses.replace(r, running=False) for r in results.values())
    assert (ended["ben"].slots, ended["ben"].slots_met) == (3, 1)  # once B2 ends, missed


def test_points_and_inference(plan):
    points = {e.id: entry_points(plan, e) for e in LOG}
    assert points["E3"] == 6 and points["E12"] == 30 and points["E10"] == 0  # outcome: 0
    assert points["E14"] == 0  # "likes" is not in the plan
    attribution = Attribution(ROTATION.assignments)
    by_id = {e.id: e for e in LOG}
    assert attribution.duty_of(by_id["E2"]) == ""  # ann holds two duties on 03-02
    assert attribution.duty_of(by_id["E8"]) == "social"
    assert attribution.slot_of(by_id["E15"]) is None  # cat is not on that slot


def test_empty_kpi_is_met_and_empty_slot_misses_everything(plan):
    from dataclasses import replace

    quiet = replace(plan, duties={**plan.duties, "social": replace(plan.duties["social"], kpi={})})
    rotation = Rotation((slot("social", "2026-03-02", "2026-03-02", "ann"),), TODAY)
    [result] = judge_slots(quiet, rotation, [], MARCH, TODAY)
    assert result.met and result.shortfall == {}
    nobody = Rotation((slot("blog", "2026-03-02", "2026-03-08"),), TODAY)
    [empty] = judge_slots(plan, nobody, [], MARCH, TODAY)
    assert not empty.met and empty.shortfall == {"article": 1}



# Slots drawn freely, overlapping ones and equal starts included: slot_days must answer
# as slot_for does for every person, day and written duty, whatever the rotation.
_PEOPLE = ("ann", "bo", "cy")
_DUTIES = ("blog", "social", "x")


@st.composite
def _slots(draw) -> list[Assignment]:
    slots = []
    for _ in range(draw(st.integers(0, 12))):
        start = date(2026, 11, 1) + timedelta(days=draw(st.integers(0, 20)))
        end = start + timedelta(days=draw(st.integers(0, 8)))
        people = tuple(draw(st.lists(st.sampled_from(_PEOPLE), min_size=1, max_size=2,
                                     unique=True)))
        slots.append(Assignment(draw(st.sampled_from(_DUTIES[:2])), start, end, people))
    return slots


@settings(max_examples=200, deadline=None)
@given(_slots(), st.data())
def test_the_slot_days_answer_as_slot_for(slots: list[Assignment], data) -> None:
    """The rows the log index joins with (slot_days) name exactly the (day, person,
    written duty) whose entries slot_for gives to one of the chosen slots."""
    attribution = Attribution(slots)
    starts = [(a.duty, a.start) for a in slots]
    keys = data.draw(st.sets(st.sampled_from(starts))) if starts else set()
    chosen = [a for a in slots if (a.duty, a.start) in keys]  # as judged: by duty and start
    numbers = slot_numbers(chosen)
    rows = {(day, person, written): number
            for day, person, written, number in slot_days(attribution, chosen)}
    assert len(rows) == len(slot_days(attribution, chosen))  # one slot per key
    for offset in range(32):
        day = date(2026, 10, 31) + timedelta(days=offset)
        for person in (*_PEOPLE, "dee"):
            for written in ("", *_DUTIES):  # "x": a duty nobody holds
                found = attribution.slot_for(person, written, day)
                expected = None if found is None else numbers.get((found.duty, found.start))
                assert rows.get((day.isoformat(), person, written)) == expected


def test_slots_judged_from_sums_repeated_per_day_are_judged_as_from_the_entries(plan):
    """The log index sums a slot's entries per day (one look-up a day, nothing sorted),
    so a (slot, person, metric) comes once per day: judging adds them up, and the
    verdicts are those made from the entries themselves."""
    from dutyctl.core.compliance import judge_sums, judged_slots, sums_per_slot
    from dutyctl.core.entries import active_entries

    slots = judged_slots(ROTATION, MARCH, TODAY)
    sums = sums_per_slot(Attribution(ROTATION.assignments), slots, active_entries(LOG))
    per_day = [(n, p, m, part) for n, p, m, v in sums for part in (v / 4, v * 3 / 4)]
    expected = [dataclasses.replace(r, entries=())
                for r in judge_slots(plan, ROTATION, LOG, MARCH, TODAY)]
    assert list(judge_sums(plan, slots, per_day, TODAY)) == expected
    assert list(judge_sums(plan, slots, sums, TODAY)) == expected
    assert any(r.met for r in expected) and not all(r.met for r in expected)

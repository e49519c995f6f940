"""The pure reports: hand-computed numbers on the small plan of test_compliance, and
properties on the example plan with random logs."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyctl.core.compliance import Attribution, judge_slots
from dutyctl.core.entries import Entry
from dutyctl.core.model import Span
from dutyctl.core.reports import (
    award,
    leaderboard,
    month_report,
    person_report,
    totals,
    totals_by,
    week_report,
)
from dutyctl.core.rotation import build_rotation
from dutyctl.store.planfile import build_plan
from tests.conftest import EXAMPLE_PLAN
from tests.test_compliance import LOG, MARCH, ROTATION, TODAY, entry, make_plan


@pytest.fixture(scope="module")
def plan():
    return make_plan()


# --- hand-computed ------------------------------------------------------------------------


def test_leaderboard_numbers(plan):
    board = leaderboard(plan, ROTATION, LOG, MARCH, TODAY, label="2026-03")
    rows = {r.person: r for r in board.rows}
    # points: photo 3, repost 1, article 10, followers 0, likes (not in plan) 0
    # ann: E1 3 + E2 2 + E6 3 + E7 3 + E11 10 = 21; ben: E3 6 + E4 1 + E12 30 + E14 0 = 37
    # cat: E8 3 + E9 2 + E10 0 + E13 10 + E15 3 = 18
    assert [(r.rank, r.person, r.points) for r in board.rows] == [
        (1, "ben", 37), (2, "ann", 21), (3, "cat", 18)
    ]
    assert (rows["ann"].entries, rows["ben"].entries, rows["cat"].entries) == (5, 4, 5)
    assert (rows["ann"].minutes, rows["ben"].minutes, rows["cat"].minutes) == (75, 110, 25)
    assert (rows["ann"].slots, rows["ann"].slots_met, rows["ann"].streak) == (3, 2, 1)
    # ben: B1 met, S2 missed, B2 running and not met yet (in progress, not counted)
    assert rows["cat"].compliance == 1.0 and rows["ben"].compliance == pytest.approx(1 / 2)


def test_leaderboard_ties_go_to_compliance_then_id(plan):
    extra = [entry("E16", "2026-03-06", "cat", "", "insta", "repost", 3)]  # cat: 21 points
    rows = leaderboard(plan, ROTATION, LOG + extra, MARCH, TODAY).rows
    assert [(r.person, r.points) for r in rows] == [("ben", 37), ("cat", 21), ("ann", 21)]


def test_leaderboard_department_and_people_without_slots(plan):
    board = leaderboard(plan, ROTATION, LOG, MARCH, TODAY, department="b")
    assert [r.person for r in board.rows] == ["cat"]
    february = leaderboard(plan, ROTATION, LOG, Span(date(2026, 2, 1), date(2026, 2, 28)), TODAY)
    assert february.rows == ()  # nobody on the team before the plan's start... nor entries
    april = leaderboard(plan, ROTATION, LOG, Span(date(2026, 4, 1), date(2026, 4, 30)), TODAY)
    assert [(r.person, r.slots, r.compliance) for r in april.rows] == [
        ("ann", 0, None), ("ben", 0, None), ("cat", 0, None)
    ]


def march(plan, log=LOG):
    return month_report(plan, ROTATION, log, "2026-03", MARCH, TODAY)


def test_month_headline_duties_and_missed(plan):
    report = march(plan)
    h = report.headline
    # B2 is still running and not met: in progress, neither met nor missed
    assert (h.slots, h.met, h.missed, h.in_progress, h.compliance) == (6, 3, 2, 1, 0.6)
    assert h.previous is None and h.change is None  # February had no slots
    social, blog = report.duties
    # social S1..S4: photo 1 each -> 4 vs 1+2+1+1 = 5; repost 2 each -> 8 vs 0+1+3+2 = 6
    assert (social.kpi["photo"].target, social.kpi["photo"].actual) == (4, 5)
    assert (social.kpi["repost"].target, social.kpi["repost"].actual) == (8, 6)
    assert social.kpi["repost"].status == "amber" and social.kpi["photo"].status == "green"
    # blog per person: 2 slots x 2 people x 1 = 4 vs 1 + 3 + 1 = 5
    assert (blog.kpi["article"].target, blog.kpi["article"].actual) == (4, 5)
    assert [(r.duty, r.start.isoformat(), r.shortfall) for r in report.missed] == [
        ("social", "2026-03-02", {"repost": 2}),
        ("social", "2026-03-03", {"repost": 1}),
        ("blog", "2026-03-09", {"article": 1}),
    ]


def test_month_people_targets_and_budgets(plan):
    people = {p.person: p for p in march(plan).people}
    ann = people["ann"]
    # ann: S1 + S3 -> photo 2 vs 2, repost 4 vs 3 (E2 is not on a slot); B1 -> article 1 vs 1
    assert {m: (t.target, t.actual) for m, t in ann.kpi.items()} == {
        "article": (1, 1), "photo": (2, 2), "repost": (4, 3)
    }
    # kpi_per slot with one person: whole minimum; ben on B1 and B2 (per person): 1 + 1
    assert (people["ben"].kpi["article"].target, people["ben"].kpi["article"].actual) == (2, 3)
    # 1h/week over March from the plan's start (the 2nd): 60 * 30 / 7 minutes; ann logged 75
    assert ann.budget_minutes == pytest.approx(60 * 30 / 7)
    assert ann.budget_used == pytest.approx(75 / (60 * 30 / 7))
    assert people["ben"].budget_minutes == pytest.approx(120 * 30 / 7)
    assert people["cat"].budget_minutes is None


def test_month_channels_roi_best_goals(plan):
    report = march(plan)
    channels = {c.channel: c.totals for c in report.channels}
    insta, blog = channels["insta"], channels["blog"]
    # insta: 11 entries; output 1+2+2+1+1+3+1+2+5(likes)+1 = 19; outcomes 30 (followers);
    # minutes 10+5+20+25 = 60 -> 30 followers an hour
    assert (insta.entries, insta.output, insta.outcomes, insta.minutes) == (11, 19, 30, 60)
    assert insta.outcome_per_hour == 30
    assert (blog.entries, blog.output, blog.outcomes, blog.minutes) == (3, 5, 0, 150)
    assert blog.outcome_per_hour == 0
    assert report.best[0].entry.id == "E10"  # the only outcome, then by points
    assert [b.entry.id for b in report.best] == ["E10", "E12", "E11", "E13", "E3"]
    [goal] = report.goals
    assert (goal.actual, goal.target, goal.progress) == (30, 100, 0.3)
    assert report.next_review == date(2026, 3, 27)  # last Friday of March


def test_award_winner_and_tie_break(plan):
    result = march(plan).award
    # ben 37 points at 1/2 (B2, running, is not held against him yet), ann 21 (2/3), cat 18
    assert result.winner.person == "ben" and result.tie_break is None
    assert [c.person for c in result.runners_up] == ["ann", "cat"] and result.qualified == 3
    tied = march(plan, LOG + [entry("E16", "2026-03-06", "cat", "", "insta", "repost", 19)])
    assert tied.award.winner.person == "cat"
    assert tied.award.tie_break == "tie on 37 points broken by compliance 100% vs 50%"
    # Once B2 has ended unmet, ben is at 1/3, below the 50% the award asks
    later = month_report(plan, ROTATION, LOG, "2026-03", MARCH, date(2026, 3, 16)).award
    assert "ben" not in {later.winner.person, *(c.person for c in later.runners_up)}


def test_award_by_entries_and_compliance(plan):
    people = march(plan).people
    by_entries = dataclasses.replace(plan, award=dataclasses.replace(plan.award, by="entries"))
    result = award(by_entries, people)
    # ann 5 entries, cat 5 entries -> tie broken by points 21 vs 18
    assert result.winner.person == "ann"
    assert result.tie_break == "tie on 5 entries broken by points 21 vs 18"
    strict = dataclasses.replace(plan, award=dataclasses.replace(plan.award, min_compliance=1.0))
    assert award(strict, people).winner.person == "cat"
    assert award(strict, people, department="a").winner is None


def test_week_report_groups_by_duty_and_slot(plan):
    report = week_report(plan, ROTATION, LOG, "2026-W10", Span(date(2026, 3, 2),
                                                                 date(2026, 3, 8)), TODAY)
    social = next(d for d in report.duties if d.duty == "social")
    assert [s.result.start.day for s in social.slots] == [2, 3, 4, 5]
    assert [e.id for e in social.slots[3].entries] == ["E8", "E9", "E10"]
    assert [e.id for e in social.other] == ["E15"]  # cat logged social off her slot
    assert [e.id for e in report.other] == ["E2"]  # no duty, none inferable
    assert report.totals.entries == 13  # 15 rows in the week - E5 voided - V1


def test_person_report_by_month(plan):
    report = person_report(plan, ROTATION, LOG, "ann", Span(date(2026, 3, 2), TODAY), TODAY)
    assert [(m.month, m.slots, m.slots_met, m.points) for m in report.months] == [
        ("2026-03", 3, 2, 21)
    ]
    assert report.compliance.streak == 1 and report.totals.minutes == 75
    assert [b.entry.id for b in report.best] == ["E11", "E1", "E6", "E7", "E2"]


# --- properties ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def example():
    plan, problems = build_plan(EXAMPLE_PLAN.read_text(), "plan.yaml")
    assert plan is not None, problems
    return plan, build_rotation(plan, date(2027, 1, 31))


NOVEMBER = Span(date(2026, 11, 1), date(2026, 11, 30))
REPORT_DAY = date(2026, 12, 10)
PEOPLE = ["anna", "bruno", "emma", "farid", "carl", "dana", "dave", "greta"]
METRICS = ["photo", "repost", "news", "article", "followers", "clicks", "likes"]


@st.composite
def logs(draw, first=date(2026, 10, 20), last=date(2026, 12, 10), prefix="L"):
    count = draw(st.integers(0, 40))
    entries = []
    for number in range(count):
        entries.append(
            Entry(
                id=f"{prefix}{number:04d}",
                recorded_at="2026-12-01T00:00:00.000Z",
                date=first + timedelta(days=draw(st.integers(0, (last - first).days))),
                person=draw(st.sampled_from(PEOPLE)),
                duty=draw(st.sampled_from(["", "", "social", "blog"])),
                channel=draw(st.sampled_from(["", "twitter", "instagram", "blog"])),
                metric=draw(st.sampled_from(METRICS)),
                value=draw(st.integers(0, 5)),
                minutes=draw(st.one_of(st.none(), st.integers(0, 90))),
                url="",
                note="",
            )
        )
    voided = draw(st.sets(st.sampled_from([e.id for e in entries]))) if entries else set()
    voids = [
        entries[0]._replace(id=f"{prefix}V{v}", metric="", value=0, voids=v)
        for v in sorted(voided)
    ]
    return entries + voids, voided


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(logs())
def test_totals_agree_whichever_way_they_are_summed(case):
    plan, rotation = example()
    log, _ = case
    from dutyctl.core.reports import in_span

    dated = in_span(log, NOVEMBER)
    whole = totals(plan, dated)
    attribution = Attribution(rotation.assignments)
    for key in (lambda e: e.person, lambda e: e.channel, attribution.duty_of):
        groups = totals_by(plan, dated, key).values()
        assert sum(t.points for t in groups) == pytest.approx(whole.points)
        assert sum(t.entries for t in groups) == whole.entries
        assert sum(t.minutes for t in groups) == pytest.approx(whole.minutes)
        assert sum(t.outcomes + t.output for t in groups) == pytest.approx(
            whole.outcomes + whole.output
        )
    board = leaderboard(plan, rotation, log, NOVEMBER, REPORT_DAY)
    assert sum(r.points for r in board.rows) == pytest.approx(whole.points)
    report = month_report(plan, rotation, log, "2026-11", NOVEMBER, REPORT_DAY)
    assert sum(c.totals.points for c in report.channels) == pytest.approx(whole.points)
    assert sum(p.points for p in report.people) == pytest.approx(whole.points)
    assert sum(d.met for d in report.duties) == report.headline.met
    assert sum(d.slots for d in report.duties) == report.headline.slots
    assert sum(p.slots_met for p in report.people) == sum(len(r.met_by) for r in report.slots)


@PROPERTY
@given(logs())
def test_voided_entries_never_count(case):
    plan, rotation = example()
    log, voided = case
    kept = [e for e in log if not e.is_void and e.id not in voided]
    with_voids = month_report(plan, rotation, log, "2026-11", NOVEMBER, REPORT_DAY)
    without = month_report(plan, rotation, kept, "2026-11", NOVEMBER, REPORT_DAY)
    assert with_voids == without
    counted = {i for r in judge_slots(plan, rotation, log, NOVEMBER, REPORT_DAY) for i in r.entries}
    assert not counted & voided


@PROPERTY
@given(logs(), logs(first=date(2026, 12, 8), last=date(2027, 1, 31), prefix="N"),
       logs(first=date(2026, 1, 5), last=date(2026, 10, 25), prefix="P"))
def test_a_month_never_changes_when_other_months_are_appended(case, later, earlier):
    plan, rotation = example()
    log, _ = case
    before = month_report(plan, rotation, log, "2026-11", NOVEMBER, REPORT_DAY)
    # November's last slot (the week of Nov 30) ends on Dec 6: anything later is another
    # month's business and changes nothing at all.
    assert month_report(plan, rotation, log + later[0], "2026-11", NOVEMBER, REPORT_DAY) == before
    # Earlier months only move the goals (counted from the plan's start) and the
    # comparison with the previous month; the month itself stays as it was.
    after = month_report(plan, rotation, earlier[0] + log, "2026-11", NOVEMBER, REPORT_DAY)
    keep = dict(goals=before.goals, headline=dataclasses.replace(
        after.headline, previous=before.headline.previous, change=before.headline.change))
    assert dataclasses.replace(after, **keep) == before

"""The daily announcement, pure: what it says on which day for the example plan.

Dates in November 2026 (Europe/Berlin): Monday 23 starts Anna and Emma's blog week;
social duty goes Dave (Mon 23), Farid (Tue 24), Bruno (Wed 25), Greta (Thu 26),
Dana (Fri 27); the review is the last Friday (27); Tuesday December 1 is the first
working day of December.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from dutyctl.app.load import load
from dutyctl.core import announcement
from dutyctl.core.entries import Entry, format_recorded_at
from dutyctl.core.rotation import build_rotation
from tests.conftest import EXAMPLE_PLAN

_ids = itertools.count(1)


def entry(day: date, person: str, metric: str, value: float = 1, duty: str = "social") -> Entry:
    return Entry(
        id=f"T{next(_ids):06d}",
        recorded_at=format_recorded_at(datetime(2026, 11, 24, 8, tzinfo=UTC)),
        date=day,
        person=person,
        duty=duty,
        channel="",
        metric=metric,
        value=value,
        minutes=None,
        url="",
        note="",
    )


def full(day: date, person: str) -> list[Entry]:
    return [entry(day, person, m) for m in ("photo", "repost", "news")]


@pytest.fixture(scope="module")
def example():
    _, plan = load(EXAMPLE_PLAN.parent)
    return plan, build_rotation(plan, date(2027, 1, 31))


def text(example, day: date, entries=()) -> str:
    plan, rotation = example
    return announcement.render_text(announcement.build(plan, rotation, list(entries), day))


def test_today_names_the_person_their_minimums_and_the_weekly_duty_on_monday(example):
    out = text(example, date(2026, 11, 23))
    assert out.splitlines()[0] == "Acme Marketing: Monday 2026-11-23"
    assert "Today Bruno Costa is on social media duty: photo 1, repost 1, news 1" in out
    assert "This week Dana Kim and Emma Fischer are on blog duty: article 1..2; due TU, TH" in out


def test_the_weekly_duty_is_not_repeated_but_its_due_day_is_reminded(example):
    tuesday = text(example, date(2026, 11, 24))
    assert "This week" not in tuesday
    assert "Due today on blog duty: Dana Kim and Emma Fischer" in tuesday
    assert "blog" not in text(example, date(2026, 11, 25))  # Wednesday: nothing due


def test_yesterday_met_and_missed(example):
    logged = [
        entry(date(2026, 11, 23), "bruno", "photo"),  # Bruno misses repost and news
        *full(date(2026, 11, 24), "greta"),  # Greta meets everything
    ]
    assert "Yesterday: social (Bruno Costa) missed repost 1, news 1" in text(
        example, date(2026, 11, 24), logged
    )
    assert "Yesterday: social (Greta Lind) met" in text(example, date(2026, 11, 25), logged)


def test_monday_reports_friday_and_last_week_and_nothing_is_reported_twice(example):
    logged = [entry(date(2026, 11, 18), "emma", "article", duty="blog")]
    monday = text(example, date(2026, 11, 23), logged)
    assert "Friday 2026-11-20: social (Farid Haddad) missed photo 1, repost 1, news 1" in monday
    assert "Last week: blog (Emma Fischer, Anna Berg) met" in monday
    # The weekend says nothing, so Friday's slot is not reported on Saturday as well.
    assert announcement.build(*example, logged, date(2026, 11, 28)).empty
    assert "Friday" not in text(example, date(2026, 11, 24), logged)


def test_review_reminder_only_on_the_review_day(example):
    assert "Reminder: Monthly duty review today" in text(example, date(2026, 11, 27))
    for day in (date(2026, 11, 26), date(2026, 11, 30)):
        assert "Reminder" not in text(example, day)


def test_award_of_last_month_on_the_first_working_day_only(example):
    # Greta meets every one of her November slots: she alone qualifies (80%).
    plan, rotation = example
    greta = [
        a.start
        for a in rotation.for_person("greta")
        if a.start.month == 11 and a.start.year == 2026
    ]
    assert greta
    logged = [e for day in greta for e in full(day, "greta")]
    first = text(example, date(2026, 12, 1), logged)
    points = 6 * len(greta)
    assert f"Best on duty of the month, November 2026: Greta Lind ({points} points)" in first
    assert "Best on duty" not in text(example, date(2026, 12, 2), logged)
    assert "Best on duty" not in text(example, date(2026, 11, 30), logged)


def test_award_on_monday_when_the_month_starts_on_a_weekend_and_nobody_qualified(example):
    # November 1 2026 is a Sunday: the October award comes on Monday November 2.
    assert announcement.build(*example, [], date(2026, 11, 1)).award is None
    out = text(example, date(2026, 11, 2))
    assert "Best on duty of the month, October 2026: nobody qualified (minimum compliance 80%)" in (
        out
    )


def test_a_holiday_monday_moves_the_weeks_announcement_to_tuesday(example):
    # Easter Monday 2026-04-06 is a public holiday in Berlin.
    assert announcement.build(*example, [], date(2026, 4, 6)).empty
    tuesday = text(example, date(2026, 4, 7))
    assert "This week" in tuesday and "on blog duty" in tuesday
    assert "Thursday 2026-04-02: social" in tuesday  # Good Friday was a holiday too


def test_markdown_for_chat(example):
    plan, rotation = example
    out = announcement.render_markdown(announcement.build(plan, rotation, [], date(2026, 11, 23)))
    lines = out.splitlines()
    assert lines[0] == "*Acme Marketing: Monday 2026-11-23*"
    assert "- Today *Bruno Costa* is on social media duty: photo 1, repost 1, news 1" in lines
    assert all(line.startswith("- ") for line in lines[1:])


def test_people_on_duty_are_those_named_today(example):
    plan, rotation = example
    assert announcement.build(plan, rotation, [], date(2026, 11, 24)).on_duty == (
        "greta",
        "dana",
        "emma",
    )
    assert announcement.build(plan, rotation, [], date(2026, 11, 25)).on_duty == ("dave",)


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Social media duty", "social media duty"),
        ("Blog", "blog duty"),
        ("LinkedIn", "LinkedIn duty"),
        ("SEO duty", "SEO duty"),
    ],
)
def test_duty_phrase(name, phrase):
    assert announcement.duty_phrase(name) == phrase


def test_over_a_year_every_slot_is_announced_once_and_every_result_reported_once(example):
    """Run the announcement every day of 2026: no slot is missed or told twice."""
    plan, rotation = example
    first, last = date(2026, 1, 5), date(2026, 12, 31)
    announced: list[tuple[str, date]] = []
    reported: list[tuple[str, date]] = []
    day = first
    while day <= last:
        message = announcement.build(plan, rotation, [], day)
        announced += [(d.duty, d.start) for d in message.duties if d.kind == "start"]
        reported += [(r.duty, r.start) for r in message.results]
        if message.results or message.award:
            assert message.working_day
        day += timedelta(days=1)
    slots = [a for a in rotation.assignments if first <= a.start <= last]
    assert sorted(announced) == sorted((a.duty, a.start) for a in slots)
    # Every slot with people that ended before the last day's previous working day.
    cutoff = announcement.previous_working_day(plan, last)
    ended = [(a.duty, a.start) for a in slots if a.end < cutoff and a.people]
    assert len(reported) == len(set(reported))
    assert set(ended) <= set(reported)


def test_log_months_cover_last_month_and_the_slots_reported(example):
    plan, rotation = example
    assert announcement.log_months(plan, rotation, date(2026, 12, 1)) == {"2026-11", "2026-12"}
    # Monday 2027-01-04: last week's blog slot began on 2026-12-28.
    assert announcement.log_months(plan, rotation, date(2027, 1, 4)) == {"2026-12", "2027-01"}


def test_christmas_week_due_day_and_review_move_off_the_holidays(example):
    """December 2026: Thursday 24 and 31 are extra holidays of the plan, Friday 25 is
    Christmas Day; the blog's Thursday is due on Wednesday, the review held then too."""
    monday = text(example, date(2026, 12, 21))
    assert (
        "This week Dana Kim and Emma Fischer are on blog duty: article 1..2; due TU, TH "
        "(Wed 2026-12-23, moved from Thu 2026-12-24, extra holiday)"
    ) in monday
    wednesday = text(example, date(2026, 12, 23))
    assert (
        "Due today on blog duty: Dana Kim and Emma Fischer "
        "(moved from Thu 2026-12-24, extra holiday)"
    ) in wednesday
    assert (
        "Reminder: Monthly duty review today (moved from Fri 2026-12-25, Christmas Day)"
        in wednesday
    )
    holiday = text(example, date(2026, 12, 24))
    assert holiday == "Acme Marketing: Thursday 2026-12-24 (extra holiday)\n"
    assert "Reminder" not in text(example, date(2026, 12, 25))
    assert "Due today on blog duty: Carl Olsen and Dana Kim (moved from Thu 2026-12-31" in text(
        example, date(2026, 12, 30)
    )
    plan, rotation = example
    built = announcement.build(plan, rotation, [], date(2026, 12, 23))
    assert built.review_note == "moved from Fri 2026-12-25, Christmas Day"

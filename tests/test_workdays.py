"""Reviews and due days moved off holidays (dutyctl.core.workdays and its use in agenda), on
the real holiday tables of Berlin (DE-BE), England (GB-ENG) and the United States.

2026: Good Friday is April 3, Easter Monday April 6 (both days off in DE and GB, not in
the US); May 1 (Friday) is Labour Day in DE; May 4 (Monday) the Early May bank holiday
in GB; September 7 (Monday) Labor Day in the US; Christmas Day is Friday December 25,
Boxing Day (Saturday 26) is made up on Monday 28 in GB.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dutyctl.core.agenda import next_review, next_review_move, review_moves, slot_due_days
from dutyctl.core.workdays import MAX_MOVE, Moved, due_days, is_working_day, move_off_holiday
from dutyctl.store.planfile import build_plan

PLAN = """\
team: Acme
timezone: Europe/Berlin
start: 2026-01-05
holidays: {{country: {country}{subdivision}, extra: [{extra}]}}
roster: [{{id: anna}}, {{id: bob}}]
duties:
  blog: {{every: week, due: {due}}}
review: {review}
"""


def plan_for(country: str, *, review: str = '{every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"}',
             due: str = "[TU, TH]", extra: str = ""):
    country, _, subdivision = country.partition("-")
    text = PLAN.format(country=country, subdivision=f", subdivision: {subdivision}"
                       if subdivision else "", extra=extra, due=due, review=review)
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2028))
    assert plan is not None, "\n".join(map(str, problems))
    return plan


@pytest.fixture(scope="module")
def de():
    return plan_for("DE-BE", extra="2026-12-24, 2026-12-31").holiday_dates


@pytest.fixture(scope="module")
def gb():
    return plan_for("GB-ENG").holiday_dates


@pytest.fixture(scope="module")
def us():
    return plan_for("US").holiday_dates


D = date


def test_the_holiday_tables_are_the_ones_the_tests_assume(de, gb, us):
    assert de[D(2026, 12, 25)] == "Christmas Day" and de[D(2026, 12, 24)] == "extra holiday"
    assert de[D(2026, 4, 3)] == "Good Friday" and de[D(2026, 4, 6)] == "Easter Monday"
    assert D(2026, 5, 1) in de and D(2026, 5, 4) not in de
    assert gb[D(2026, 5, 4)] == "May Day" and D(2026, 12, 24) not in gb
    assert D(2026, 12, 28) in gb and D(2026, 4, 6) in gb
    assert us[D(2026, 9, 7)] == "Labor Day" and D(2026, 4, 6) not in us


# --- One date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "day", "rule", "held"),
    [
        # Christmas: Thursday 24 is an extra holiday in the DE plan, not in GB.
        ("de", D(2026, 12, 25), "earlier", D(2026, 12, 23)),
        ("de", D(2026, 12, 25), "later", D(2026, 12, 28)),
        ("de", D(2026, 12, 25), "keep", D(2026, 12, 25)),
        ("gb", D(2026, 12, 25), "earlier", D(2026, 12, 24)),
        ("gb", D(2026, 12, 25), "later", D(2026, 12, 29)),  # Monday 28: Boxing Day made up
        ("us", D(2026, 12, 25), "later", D(2026, 12, 28)),
        # Easter: Good Friday and Easter Monday around a weekend.
        ("de", D(2026, 4, 3), "earlier", D(2026, 4, 2)),
        ("de", D(2026, 4, 3), "later", D(2026, 4, 7)),
        ("gb", D(2026, 4, 6), "earlier", D(2026, 4, 2)),
        ("gb", D(2026, 4, 6), "later", D(2026, 4, 7)),
        ("gb", D(2026, 4, 6), "keep", D(2026, 4, 6)),
        ("us", D(2026, 4, 6), "earlier", D(2026, 4, 6)),  # a working day in the US
        # A holiday on a Monday.
        ("gb", D(2026, 5, 4), "earlier", D(2026, 5, 1)),  # May 1 is a working day in England
        ("us", D(2026, 9, 7), "earlier", D(2026, 9, 4)),
        ("us", D(2026, 9, 7), "later", D(2026, 9, 8)),
        ("us", D(2026, 9, 7), "keep", D(2026, 9, 7)),
        ("de", D(2026, 5, 4), "earlier", D(2026, 5, 4)),  # not a holiday in Berlin
    ],
)
def test_a_date_on_a_holiday_moves_to_the_nearest_working_day(request, table, day, rule, held):
    holidays = request.getfixturevalue(table)
    moved = move_off_holiday(day, rule, holidays)
    assert moved.day == held
    assert moved.planned == day
    if held == day:
        assert not moved.moved and moved.because is None and moved.note() is None
    else:
        assert moved.because == holidays[day]
        assert is_working_day(holidays, moved.day)


def test_the_note_names_the_planned_day_and_its_holiday(de):
    moved = move_off_holiday(D(2026, 12, 25), "earlier", de)
    assert moved == Moved(D(2026, 12, 23), D(2026, 12, 25), "Christmas Day")
    assert moved.note() == "moved from Fri 2026-12-25, Christmas Day"
    assert move_off_holiday(D(2026, 12, 31), "earlier", de).note() == (
        "moved from Thu 2026-12-31, extra holiday"
    )


def test_a_long_run_of_holidays_keeps_the_date_instead_of_searching_forever():
    start = D(2026, 7, 2)
    holidays = {start + timedelta(days=n): "summer" for n in range(-100, 100)}
    for rule in ("earlier", "later"):
        assert move_off_holiday(start, rule, holidays) == Moved(start, start)
    # Just within reach: the working day MAX_MOVE days away is found.
    near = {start - timedelta(days=n): "off" for n in range(MAX_MOVE)}
    working = start - timedelta(days=MAX_MOVE)
    assert working.weekday() < 5
    assert move_off_holiday(start, "earlier", near).day == working


# --- Due days inside a slot -------------------------------------------------------------


def week(monday: date):
    from dutyctl.core.model import Span

    return Span(monday, monday + timedelta(days=6))


MO, TU, WE, TH, FR = range(5)


@pytest.mark.parametrize(
    ("table", "monday", "due", "rule", "held"),
    [
        # Christmas week: Thursday 24 (extra holiday in DE), Friday 25.
        ("de", D(2026, 12, 21), (TU, TH), "earlier", [(22, 22), (23, 24)]),
        ("de", D(2026, 12, 21), (TU, TH), "later", [(22, 22), (23, 24)]),  # no later day
        ("de", D(2026, 12, 21), (TU, TH), "keep", [(22, 22), (24, 24)]),
        ("gb", D(2026, 12, 21), (TU, TH), "earlier", [(22, 22), (24, 24)]),
        ("gb", D(2026, 12, 21), (FR,), "earlier", [(24, 25)]),
        ("gb", D(2026, 12, 28), (MO,), "earlier", [(29, 28)]),  # none earlier in the slot
        ("gb", D(2026, 12, 28), (MO,), "later", [(29, 28)]),
        # Easter: Good Friday closes one week, Easter Monday opens the next.
        ("de", D(2026, 3, 30), (FR,), "earlier", [(2, 3)]),
        ("de", D(2026, 3, 30), (FR,), "later", [(2, 3)]),
        ("de", D(2026, 4, 6), (MO, TH), "later", [(7, 6), (9, 9)]),
        ("de", D(2026, 4, 6), (MO, TH), "keep", [(6, 6), (9, 9)]),
        ("us", D(2026, 4, 6), (MO,), "earlier", [(6, 6)]),
        # A holiday on a Monday.
        ("us", D(2026, 9, 7), (MO, WE), "earlier", [(8, 7), (9, 9)]),
        ("gb", D(2026, 5, 4), (MO,), "later", [(5, 4)]),
        ("gb", D(2026, 5, 4), (MO,), "keep", [(4, 4)]),
    ],
)
def test_due_days_move_inside_their_slot(request, table, monday, due, rule, held):
    holidays = request.getfixturevalue(table)
    moved = due_days(due, rule, holidays, week(monday))

    def on(day: int) -> date:  # a day of the month of the week, or the one after
        first = monday.replace(day=1)
        candidate = first.replace(day=day)
        return candidate if candidate >= monday else (
            (first + timedelta(days=32)).replace(day=day)
        )

    assert [(m.day, m.planned) for m in moved] == [(on(a), on(b)) for a, b in held]
    for m in moved:
        assert m.day in week(monday)
        assert (m.because is not None) == m.moved


def test_a_slot_without_a_working_day_keeps_its_due_days():
    slot = week(D(2026, 12, 21))
    holidays = {day: "closed" for day in slot}
    assert due_days((TU,), "earlier", holidays, slot) == [Moved(D(2026, 12, 22), D(2026, 12, 22))]
    assert due_days((), "earlier", holidays, slot) == []


# --- The plan: review and due --------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "rule", "held"),
    [
        ("DE-BE", "earlier", D(2026, 12, 23)),
        ("DE-BE", "later", D(2026, 12, 28)),
        ("DE-BE", "keep", D(2026, 12, 25)),
        ("GB-ENG", "earlier", D(2026, 12, 24)),
        ("GB-ENG", "later", D(2026, 12, 29)),
        ("US", "keep", D(2026, 12, 25)),
    ],
)
def test_the_december_review_moves_by_the_plans_rule(country, rule, held):
    review = f'{{every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR", on_holiday: {rule}}}'
    plan = plan_for(country, review=review, extra="2026-12-24" if country == "DE-BE" else "")
    assert plan.review.on_holiday == rule
    move = next_review_move(plan, D(2026, 12, 1))
    assert move is not None and move.day == held and move.planned == D(2026, 12, 25)
    assert move.because == (None if rule == "keep" else "Christmas Day")
    assert next_review(plan, D(2026, 12, 1)) == held
    # The day it is held is still ahead on that day, and past the day after.
    assert next_review(plan, held) == held
    assert next_review(plan, held + timedelta(days=1)) == D(2027, 1, 29)


def test_earlier_is_the_default_and_a_review_moved_back_is_found_from_the_planned_week():
    plan = plan_for("DE-BE", extra="2026-12-24")
    assert plan.review.on_holiday == "earlier"
    assert next_review(plan, D(2026, 12, 23)) == D(2026, 12, 23)
    assert next_review(plan, D(2026, 12, 24)) == D(2027, 1, 29)
    # A review moved later across the new year is still the next one on December 30.
    later = plan_for("DE-BE", review='{every: "RRULE:FREQ=MONTHLY;BYMONTHDAY=31", '
                     "on_holiday: later}", extra="2026-12-31")
    assert next_review(later, D(2026, 12, 30)) == D(2027, 1, 4)  # Jan 1 a holiday too


def test_review_moves_lists_the_reviews_held_in_a_period():
    plan = plan_for("GB-ENG", review='{every: "RRULE:FREQ=MONTHLY;BYDAY=1MO", on_holiday: later}')
    held = review_moves(plan, D(2026, 4, 1), D(2026, 9, 30))
    assert [(m.day, m.planned) for m in held if m.moved] == [
        (D(2026, 4, 7), D(2026, 4, 6)),  # Easter Monday
        (D(2026, 5, 5), D(2026, 5, 4)),  # May Day
    ]
    assert [m.day.day for m in held] == [7, 5, 1, 6, 3, 7]


def test_a_duty_says_where_its_due_days_go_in_the_plan():
    plan = plan_for("US", due="{days: [MO, WE], on_holiday: later}")
    duty = plan.duties["blog"]
    assert duty.due == (MO, WE) and duty.due_on_holiday == "later"
    held = slot_due_days(plan, "blog", D(2026, 9, 7), D(2026, 9, 13))
    assert [(m.day, m.planned, m.because) for m in held] == [
        (D(2026, 9, 8), D(2026, 9, 7), "Labor Day"),
        (D(2026, 9, 9), D(2026, 9, 9), None),
    ]
    assert plan_for("US").duties["blog"].due_on_holiday == "earlier"  # the list form


@pytest.mark.parametrize(
    ("review", "due", "message", "line", "column"),
    [
        ('{every: week, on_holiday: soon}', "[TU]",
         "review.on_holiday 'soon' must be earlier, later or keep", 8, 35),
        ('{every: week, on_holiday: erlier}', "[TU]", "did you mean 'earlier'?", 8, 35),
        ('{every: week}', "{days: [TU], on_holiday: before}",
         "duties.blog.due.on_holiday 'before' must be earlier, later or keep", 7, 53),
        ('{every: week}', "{days: [TU], when: later}", "unknown key 'when' in duties.blog.due",
         7, 41),
        ('{every: week}', "{days: [XX]}", "'XX' is not a weekday", 7, 36),
    ],
)
def test_a_bad_on_holiday_is_a_located_error(review, due, message, line, column):
    text = PLAN.format(country="DE", subdivision="", extra="", due=due, review=review)
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2028))
    assert plan is None
    matching = [p for p in problems if message in p.message + " " + (p.hint or "")]
    assert len(matching) == 1, "\n".join(map(str, problems))
    where = matching[0].location
    assert (where.file, where.line, where.column) == ("plan.yaml", line, column), str(matching[0])

"""Views of the rotation for commands: a period's slots, today's duties, a person's next
duties, and the stats. Pure: plan and rotation in, plain data out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dutyctl.core.model import Plan, Span
from dutyctl.core.recurrence import next_occurrence, occurrences
from dutyctl.core.rotation import Assignment, Rotation
from dutyctl.core.workdays import MAX_MOVE, Moved, due_days, move_off_holiday


@dataclass(frozen=True)
class Filters:
    duty: str | None = None
    person: str | None = None
    department: str | None = None


def select(plan: Plan, assignments: list[Assignment], filters: Filters) -> list[Assignment]:
    chosen = []
    for a in assignments:
        if filters.duty and a.duty != filters.duty:
            continue
        if filters.person and filters.person not in a.people:
            continue
        if filters.department and not any(
            plan.people[p].department == filters.department for p in a.people
        ):
            continue
        chosen.append(a)
    return sorted(chosen, key=lambda a: (a.start, a.duty))


def slot_record(a: Assignment) -> dict:
    """The JSON form of one slot: ``{"duty", "start", "end", "people", "override"}``."""
    return {
        "duty": a.duty,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "people": list(a.people),
        "override": a.override,
    }


SlotRow = tuple[str, str, str, tuple[str, ...], bool]


def slot_rows(assignments: Iterable[Assignment]) -> list[SlotRow]:
    """The slots as plain rows ``(duty, start, end, people, override)``, dates in ISO form:
    what the JSON and CSV listings show, and what the cache keeps of a rotation query."""
    return [
        (a.duty, a.start.isoformat(), a.end.isoformat(), tuple(a.people), bool(a.override))
        for a in assignments
    ]


def kpi_minimums(plan: Plan, duty_id: str) -> dict[str, float]:
    return {m: b.minimum for m, b in plan.duties[duty_id].kpi.items()}


def kpi_maximums(plan: Plan, duty_id: str) -> dict[str, float]:
    """The metrics of a duty's KPI that have a maximum (``1..2``), and that maximum."""
    return {m: b.maximum for m, b in plan.duties[duty_id].kpi.items() if b.maximum is not None}


def next_review(plan: Plan, day: date) -> date | None:
    """The day of the next review on or after ``day``, moved off holidays."""
    moved = next_review_move(plan, day)
    return moved.day if moved else None


def next_review_move(plan: Plan, day: date) -> Moved | None:
    """The next review on or after ``day``: the day it is held, the day the cadence
    gives and why it moved (:func:`dutyctl.core.workdays.move_off_holiday`)."""
    if plan.review is None:
        return None
    review = plan.review

    def move(planned: date) -> Moved:
        return move_off_holiday(planned, review.on_holiday, plan.holiday_dates)

    # A review up to MAX_MOVE days either side of ``day`` may move onto or past it.
    window = occurrences(
        review.every, plan.start, day - timedelta(days=MAX_MOVE), day + timedelta(days=2 * MAX_MOVE)
    )
    found = [m for m in map(move, window) if m.day >= day]
    if not found:
        planned = next_occurrence(review.every, plan.start, day + timedelta(days=2 * MAX_MOVE))
        found = [move(planned)] if planned is not None else []
    return min(found) if found else None


def review_moves(plan: Plan, start: date, end: date) -> list[Moved]:
    """The reviews held in ``start..end``, moved off holidays, by the day they are held."""
    if plan.review is None:
        return []
    review = plan.review
    planned = occurrences(
        review.every, plan.start, start - timedelta(days=MAX_MOVE), end + timedelta(days=MAX_MOVE)
    )
    moved = (move_off_holiday(d, review.on_holiday, plan.holiday_dates) for d in planned)
    return sorted(m for m in moved if start <= m.day <= end)


def slot_due_days(plan: Plan, duty_id: str, start: date, end: date) -> list[Moved]:
    """The days items of a duty's slot ``start..end`` are due, moved off holidays."""
    duty = plan.duties[duty_id]
    return due_days(duty.due, duty.due_on_holiday, plan.holiday_dates, Span(start, end))


def due_record(moved: Moved) -> dict:
    """The JSON form of a moved date (a due day, a review): ``{"date", "moved_from",
    "because"}``."""
    return {
        "date": moved.day.isoformat(),
        "moved_from": moved.planned.isoformat(),
        "because": moved.because,
    }


def today_view(plan: Plan, rotation: Rotation, day: date) -> dict:
    """Every duty whose slot covers ``day``, with people, KPI minimums and due days."""
    duties = []
    for a in sorted(rotation.on(day), key=lambda a: a.duty):
        duty = plan.duties[a.duty]
        due = slot_due_days(plan, a.duty, a.start, a.end)
        duties.append(
            {
                "duty": a.duty,
                "name": duty.name,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "people": list(a.people),
                "names": [plan.people[p].name for p in a.people],
                "kpi": kpi_minimums(plan, a.duty),
                "kpi_max": kpi_maximums(plan, a.duty),
                "kpi_text": {m: str(b) for m, b in duty.kpi.items()},
                "kpi_per": duty.kpi_per,
                "due": list(duty.due_codes),
                "due_today": any(m.day == day for m in due),
                "due_moves": [due_record(m) for m in due if m.moved],
                "override": a.override,
                "short": a.short,
            }
        )
    move = next_review_move(plan, day)
    review = move.day if move else None
    return {
        "date": day.isoformat(),
        "team": plan.team,
        "holiday": plan.holiday_dates.get(day),
        "duties": duties,
        "review_today": review == day,
        "next_review": review.isoformat() if review else None,
        "next_review_moved_from": move.planned.isoformat() if move and move.moved else None,
        "next_review_moved_because": move.because if move and move.moved else None,
    }


def upcoming_for(plan: Plan, rotation: Rotation, person: str, day: date, count: int) -> dict:
    """A person's next duties from ``day`` on (a slot under way counts)."""
    mine = [a for a in rotation.for_person(person) if a.end >= day][:count]
    return {
        "person": person,
        "name": plan.people[person].name,
        "from": day.isoformat(),
        "duties": [
            {
                **slot_record(a),
                "name": plan.duties[a.duty].name,
                "kpi": kpi_minimums(plan, a.duty),
                "kpi_max": kpi_maximums(plan, a.duty),
                "due": list(plan.duties[a.duty].due_codes),
            }
            for a in mine
        ],
    }


def weeks(start: date, end: date) -> list[tuple[date, date]]:
    """Monday-Sunday weeks that overlap ``start..end``."""
    monday = start - timedelta(days=start.weekday())
    result = []
    while monday <= end:
        result.append((monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return result

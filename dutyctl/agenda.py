"""Views of the rotation for commands: a period's slots, today's duties, a person's next
duties, and the stats. Pure: plan and rotation in, plain data out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dutyctl.model import Plan
from dutyctl.recurrence import next_occurrence
from dutyctl.rotation import Assignment, Rotation


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


def next_review(plan: Plan, day: date) -> date | None:
    if plan.review is None:
        return None
    return next_occurrence(plan.review.every, plan.start, day)


def today_view(plan: Plan, rotation: Rotation, day: date) -> dict:
    """Every duty whose slot covers ``day``, with people, KPI minimums and due days."""
    duties = []
    for a in sorted(rotation.on(day), key=lambda a: a.duty):
        duty = plan.duties[a.duty]
        duties.append(
            {
                "duty": a.duty,
                "name": duty.name,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "people": list(a.people),
                "names": [plan.people[p].name for p in a.people],
                "kpi": kpi_minimums(plan, a.duty),
                "kpi_text": {m: str(b) for m, b in duty.kpi.items()},
                "kpi_per": duty.kpi_per,
                "due": list(duty.due_codes),
                "due_today": day.weekday() in duty.due,
                "override": a.override,
                "short": a.short,
            }
        )
    review = next_review(plan, day)
    return {
        "date": day.isoformat(),
        "team": plan.team,
        "holiday": plan.holiday_dates.get(day),
        "duties": duties,
        "review_today": review == day,
        "next_review": review.isoformat() if review else None,
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

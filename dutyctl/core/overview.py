"""What `dutyctl plan show` shows, as one JSON-able structure for every renderer. Pure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dutyctl.core.agenda import due_record, review_moves, slot_due_days
from dutyctl.core.model import Plan
from dutyctl.core.schedule import duty_slots
from dutyctl.core.serialize import jsonable
from dutyctl.core.workdays import Moved

# How far ahead `plan show` lists holidays and the due days moved off them.
AHEAD = 90


def plan_overview(plan: Plan, today: date, reviews: int = 3) -> dict[str, Any]:
    review_dates = review_moves(plan, today, today + timedelta(days=400))[:reviews]
    return {
        "team": plan.team,
        "timezone": plan.timezone,
        "start": plan.start.isoformat(),
        "today": today.isoformat(),
        "coordinator": plan.coordinator,
        "departments": [jsonable(d) for d in plan.departments.values()],
        "roster": [
            {
                "id": p.id,
                "name": p.name,
                "email": p.email,
                "department": p.department,
                "skills": list(p.skills),
                "channels": list(p.channels),
                "budget": str(p.budget) if p.budget else None,
                "from": jsonable(p.active_from),
                "until": jsonable(p.active_until),
                "days": list(p.day_codes) if p.days is not None else None,
                "active": p.is_active(today),
                "away_now": str(p.absence_on(today)) if p.absence_on(today) else None,
                "away": [str(s) for s in p.away],
            }
            for p in sorted(plan.roster, key=lambda p: p.id)
        ],
        "channels": [jsonable(c) for c in plan.channels.values()],
        "metrics": [jsonable(m) for m in plan.metrics.values()],
        "duties": [
            {
                "id": d.id,
                "name": d.name,
                "every": d.every.text,
                "people": d.people,
                "weight": d.weight,
                "channels": list(d.channels),
                "requires": list(d.requires),
                "department": d.department,
                "kpi": {m: str(b) for m, b in d.kpi.items()},
                "kpi_per": d.kpi_per,
                "due": list(d.due_codes),
                "due_on_holiday": d.due_on_holiday,
                "due_moves": [due_record(m) for m in _due_moves(plan, d.id, today)],
            }
            for d in plan.duties.values()
        ],
        "review": None
        if plan.review is None
        else {
            "title": plan.review.title,
            "every": plan.review.every.text,
            "on_holiday": plan.review.on_holiday,
            "next": [m.day.isoformat() for m in review_dates],
            "moved": [due_record(m) for m in review_dates if m.moved],
        },
        "award": jsonable(plan.award),
        "goals": [jsonable(g) for g in plan.goals],
        "overrides": [
            {
                "date": o.date.isoformat(),
                "duty": o.duty,
                "from": o.from_person,
                "to": o.to_person,
                "reason": o.reason,
            }
            for o in plan.overrides
        ],
        "holidays": {
            "country": plan.holidays.country,
            "subdivision": plan.holidays.subdivision,
            "upcoming": [
                {"date": d.isoformat(), "name": name}
                for d, name in sorted(plan.holiday_dates.items())
                if today <= d <= today + timedelta(days=AHEAD)
            ],
        },
    }


def _due_moves(plan: Plan, duty_id: str, today: date) -> list[Moved]:
    """The due days of a duty moved off holidays in the next :data:`AHEAD` days."""
    duty = plan.duties[duty_id]
    end = today + timedelta(days=AHEAD)
    if not duty.due or not any(today <= d <= end for d in plan.holiday_dates):
        return []
    moves = []
    for slot in duty_slots(plan, duty, end):
        if slot.overlaps(today, end):
            due = slot_due_days(plan, duty_id, slot.start, slot.end)
            moves += [m for m in due if m.moved and today <= m.day <= end]
    return moves

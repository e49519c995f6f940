"""What `dutyctl plan show` shows, as one JSON-able structure for every renderer. Pure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dutyctl.model import Plan
from dutyctl.recurrence import occurrences
from dutyctl.serialize import jsonable


def plan_overview(plan: Plan, today: date, reviews: int = 3) -> dict[str, Any]:
    review_dates: list[date] = []
    if plan.review is not None:
        review_dates = occurrences(
            plan.review.every, plan.start, today, today + timedelta(days=400)
        )
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
                "channels": list(d.channels),
                "requires": list(d.requires),
                "department": d.department,
                "kpi": {m: str(b) for m, b in d.kpi.items()},
                "kpi_per": d.kpi_per,
                "due": list(d.due_codes),
            }
            for d in plan.duties.values()
        ],
        "review": None
        if plan.review is None
        else {
            "title": plan.review.title,
            "every": plan.review.every.text,
            "next": [d.isoformat() for d in review_dates[:reviews]],
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
                if today <= d <= today + timedelta(days=90)
            ],
        },
    }

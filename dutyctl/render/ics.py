"""iCalendar export: one all-day event per person in a slot, with stable UIDs.

The UID names the slot and the place in it, not the person, so that re-importing
after a swap updates the event instead of adding a second one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dutyctl.core.model import Plan
from dutyctl.core.rotation import Assignment


def rotation_ics(
    plan: Plan, assignments: list[Assignment], stamp: datetime, person: str | None = None
) -> bytes:
    from icalendar import Calendar, Event

    team = re.sub(r"[^a-z0-9]+", "-", plan.team.lower()).strip("-") or "team"
    calendar = Calendar()
    calendar.add("prodid", "-//dutyctl//duty rotation//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = f"{plan.team} duties" + (f": {plan.people[person].name}" if person else "")
    # An X- property is written as it is given: a line break in it would end the line.
    calendar.add("x-wr-calname", " ".join(name.split()))
    for a in assignments:
        duty = plan.duties[a.duty]
        kpi = ", ".join(f"{m} {b}" for m, b in duty.kpi.items())
        for place, pid in enumerate(a.people):
            if person and pid != person:
                continue
            event = Event()
            event.add("uid", f"{a.duty}-{a.start:%Y%m%d}-{place}@{team}.dutyctl")
            event.add("dtstamp", stamp)
            event.add("dtstart", a.start)
            event.add("dtend", a.end + timedelta(days=1))  # DTEND of an all-day event is exclusive
            event.add("summary", f"{duty.name}: {plan.people[pid].name}")
            lines = [f"KPI minimum: {kpi}" if kpi else "No KPI minimum."]
            if duty.due:
                lines.append("Due: " + ", ".join(duty.due_codes))
            others = [plan.people[p].name for p in a.people if p != pid]
            if others:
                lines.append("With: " + ", ".join(others))
            if a.override:
                lines.append("Swapped in for " + ", ".join(a.replaced))
            event.add("description", "\n".join(lines))
            event.add("transp", "TRANSPARENT")
            event.add("categories", [duty.name])
            calendar.add_component(event)
    return calendar.to_ical()

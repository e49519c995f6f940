"""Plain-text renderings that need no Rich: what cron mails, kept off Rich's import cost."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dutyctl.core.model import Plan


def today_text(plan: Plan, view: dict) -> str:
    """Plain text: what cron mails and what a person reads in the morning."""
    day = date.fromisoformat(view["date"])
    lines = [f"{view['team'] if 'team' in view else plan.team}: {day:%A} {day.isoformat()}"]
    if view["holiday"]:
        lines.append(f"Holiday: {view['holiday']}")
    if not view["duties"]:
        lines.append("Nobody is on duty today.")
    for d in view["duties"]:
        who = ", ".join(d["names"]) or "nobody (no one eligible)"
        span = "" if d["start"] == d["end"] else f" (week {d['start']}..{d['end']})"
        lines.append(f"{d['name']}{span}: {who}")
        if d["kpi_text"]:
            per = " each" if d["kpi_per"] == "person" and len(d["people"]) > 1 else ""
            kpi = ", ".join(f"{m} {b}" for m, b in d["kpi_text"].items())
            lines.append(f"  minimum{per}: {kpi}")
        if d["due"]:
            text = f"  due: {', '.join(d['due'])}"
            moves = d.get("due_moves", [])
            moved_today = [m for m in moves if m["date"] == view["date"]]
            if d["due_today"]:
                text += " (due today" + "".join(
                    f", {moved_from(m['moved_from'], m['because'])}" for m in moved_today
                ) + ")"
            text += "".join(
                f"; {_day(m['date'])} ({moved_from(m['moved_from'], m['because'])})"
                for m in moves
                if m not in moved_today
            )
            lines.append(text)
    note = ""
    if view.get("next_review_moved_from"):
        note = f" ({moved_from(view['next_review_moved_from'], view['next_review_moved_because'])})"
    if view["review_today"]:
        lines.append(f"Review meeting today{note}.")
    elif view["next_review"]:
        lines.append(f"Next review: {view['next_review']}{note}")
    from dutyctl.render import visible  # names shown, never obeyed by the terminal

    return "\n".join(map(visible, lines)) + "\n"


# English names whatever the locale (strftime's %a follows LC_TIME); as in
# dutyctl.core.workdays, which this module does not import (the cron path needs no model).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(text: str) -> str:
    day = date.fromisoformat(text)
    return f"{_DAYS[day.weekday()]} {text}"


def moved_from(planned: str, because: str | None) -> str:
    """``moved from Fri 2026-12-25, Christmas Day``: why a date is not where the plan says."""
    return f"moved from {_day(planned)}, {because}"

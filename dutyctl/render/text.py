"""Plain-text renderings that need no Rich: what cron mails, kept off Rich's import cost."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dutyctl.model import Plan


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
            lines.append(
                f"  due: {', '.join(d['due'])}" + (" (due today)" if d["due_today"] else "")
            )
    if view["review_today"]:
        lines.append("Review meeting today.")
    elif view["next_review"]:
        lines.append(f"Next review: {view['next_review']}")
    from dutyctl.render import visible  # names shown, never obeyed by the terminal

    return "\n".join(map(visible, lines)) + "\n"

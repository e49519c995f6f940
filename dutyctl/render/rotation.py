"""The rotation calendar, today's duties and a person's next duties, for people."""

from __future__ import annotations

from datetime import date

from dutyctl.core.agenda import weeks
from dutyctl.core.model import Plan
from dutyctl.core.rotation import Assignment, DutyStats, LoadStats
from dutyctl.render import console, escape, table, visible
from dutyctl.render.text import today_text  # noqa: F401  (kept importable from here)


def _names(plan: Plan, people: tuple[str, ...] | list[str]) -> str:
    return escape(", ".join(plan.people[p].name for p in people)) or "[red]nobody[/]"


def rotation_table(
    plan: Plan,
    assignments: list[Assignment],
    start: date,
    end: date,
    today: date,
    explain: bool = False,
) -> None:
    out = console()
    columns = ["week", "day", "duty", "people", "note"] + (["why"] if explain else [])
    grid = table(*columns, title=f"{escape(plan.team)}: rotation {start} to {end}")
    by_week = weeks(start, end)
    for monday, sunday in by_week:
        rows = [a for a in assignments if monday <= a.start <= sunday]
        holidays = [
            (d, n)
            for d, n in sorted(plan.holiday_dates.items())
            if monday <= d <= sunday and start <= d <= end
        ]
        events = [(a.start, 0, a) for a in rows] + [(d, 1, n) for d, n in holidays]
        first = True
        for day, kind, item in sorted(events, key=lambda e: (e[0], e[1])):
            label = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}" if first else ""
            first = False
            day_text = f"{day:%a} {day.isoformat()}"
            if day == today:
                day_text = f"[bold reverse]{day_text}[/] (today)"
            if kind == 1:
                grid.add_row(label, day_text, "", "", f"[magenta]holiday: {escape(item)}[/]")
                continue
            a: Assignment = item
            notes = []
            if a.end != a.start:
                notes.append(f"until {a.end.isoformat()}")
                if a.start <= today <= a.end and day != today:
                    notes.append("(today)")
            if a.override:
                notes.append("[yellow]override[/] for " + escape(", ".join(a.replaced)))
            if a.short:
                notes.append(f"[red]{a.short} place(s) empty[/]")
            cells = [
                label,
                day_text,
                escape(plan.duties[a.duty].name),
                _names(plan, a.people),
                " ".join(notes),
            ]
            grid.add_row(*cells, *([escape(a.why)] if explain else []))
        if rows or holidays:
            grid.add_section()
    if not assignments:
        out.print("No slots in this period.")
        return
    out.print(grid)


def _person(plan: Plan, person_id: str) -> str:
    """The person's id, and a part-timer's working days."""
    person = plan.people.get(person_id)
    works = f" ({', '.join(person.day_codes)})" if person and person.days else ""
    return escape(person_id + works)


def stats_table(plan: Plan, stats: list[DutyStats], load: LoadStats | None = None) -> None:
    out = console()
    for duty in stats:
        grid = table(
            "person",
            "slots",
            "available days",
            "fair share",
            "difference",
            title=f"{escape(plan.duties[duty.duty].name)}: {duty.slots} slots, "
            f"balance {duty.balance:.2f}" + (f", {duty.short} empty" if duty.short else ""),
        )
        for p in duty.people:
            colour = "green" if abs(p.difference) < 1 else "yellow"
            grid.add_row(
                _person(plan, p.person),
                str(p.assigned),
                str(p.available_days),
                f"{p.fair_share:.2f}",
                f"[{colour}]{p.difference:+.2f}[/]",
            )
        out.print(grid)
    if load is not None and len(plan.duties) > 1:
        weights = ", ".join(
            f"{plan.duties[duty_id].name} {weight}" for duty_id, weight in load.weights.items()
        )
        grid = table(
            "person",
            "slots",
            "weighted",
            "fair share",
            "difference",
            title=f"Load across duties (weights: {escape(weights)}): balance "
            f"{load.balance:.2f}, largest difference {load.largest_difference:.2f}",
        )
        bound = max(load.weights.values()) + 1
        for p in load.people:
            colour = "green" if abs(p.difference) < bound else "yellow"
            grid.add_row(
                _person(plan, p.person),
                escape(", ".join(f"{plan.duties[d].name} {n}" for d, n in p.slots.items())),
                str(p.weighted),
                f"{p.fair_share:.2f}",
                f"[{colour}]{p.difference:+.2f}[/]",
            )
        out.print(grid)


def rotation_markdown(plan: Plan, assignments: list[Assignment]) -> str:
    lines = ["| start | end | duty | people | override |", "|---|---|---|---|---|"]
    for a in assignments:
        people = visible(", ".join(plan.people[p].name for p in a.people))
        lines.append(
            f"| {a.start} | {a.end} | {visible(plan.duties[a.duty].name)} | {people} | "
            f"{'yes' if a.override else ''} |"
        )
    return "\n".join(lines) + "\n"


def upcoming_table(plan: Plan, view: dict) -> None:
    out = console()
    if not view["duties"]:
        out.print(f"{escape(view['name'])} has no duty coming up.")
        return
    grid = table(
        "start",
        "end",
        "duty",
        "with",
        "KPI minimum",
        "due",
        title=f"Next duties of {escape(view['name'])} ({escape(view['person'])})",
    )
    for d in view["duties"]:
        others = [p for p in d["people"] if p != view["person"]]
        kpi = ", ".join(
            f"{m} {int(v) if float(v).is_integer() else v}" for m, v in d["kpi"].items()
        )
        grid.add_row(
            d["start"],
            d["end"],
            escape(d["name"]),
            _names(plan, others) if others else "",
            escape(kpi),
            escape(", ".join(d["due"])),
        )
    out.print(grid)


def swapped(result) -> None:
    from dutyctl.render import quiet

    if quiet():
        return
    o = result.override
    console().print(
        f"{o.date}: {escape(result.names[1])} takes {escape(result.names[0])}'s "
        f"{escape(o.duty)} slot. Written to {escape(result.plan_file)}; commit it to share it."
    )

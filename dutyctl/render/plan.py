"""`dutyctl plan show` and `dutyctl plan check` for people."""

from __future__ import annotations

from typing import Any

from dutyctl.render import console, escape, table


def show_plan(view: dict[str, Any]) -> None:
    out = console()
    out.print(
        f"[bold]{escape(view['team'])}[/]  (time zone {escape(view['timezone'])}, "
        f"rotation from {view['start']}, today {view['today']})"
    )
    coordinators = [f"coordinator: {view['coordinator']}"] if view["coordinator"] else []
    coordinators += [f"{d['name']}: {d['coordinator'] or '-'}" for d in view["departments"]]
    if coordinators:
        out.print("  " + " | ".join(escape(c) for c in coordinators))
    out.print()

    roster = table(
        "id",
        "name",
        "department",
        "skills",
        "channels",
        "budget",
        "status",
        title=f"Roster ({len(view['roster'])} people)",
    )
    for p in view["roster"]:
        if not p["active"]:
            status = "[dim]not on the team[/]"
        elif p["away_now"]:
            status = f"[yellow]away {escape(p['away_now'])}[/]"
        else:
            status = "[green]available[/]"
        if p.get("days"):
            status += escape(f", works {', '.join(p['days'])}")
        roster.add_row(
            *map(escape, (p["id"], p["name"], p["department"] or "", ", ".join(p["skills"]),
                          ", ".join(p["channels"]), p["budget"] or "")),
            status,
        )
    out.print(roster)

    duties = table(
        "duty", "every", "people", "requires", "channels", "KPI minimum", "due", title="Duties"
    )
    for d in view["duties"]:
        kpi = ", ".join(f"{m} {b}" for m, b in d["kpi"].items())
        if d["kpi"] and d["kpi_per"] == "person":
            kpi += " (each person)"
        people = str(d["people"]) + (f", weight {d['weight']}" if d["weight"] != 1 else "")
        duties.add_row(
            *map(escape, (f"{d['id']} ({d['name']})", d["every"], people,
                          ", ".join(d["requires"]), ", ".join(d["channels"]), kpi,
                          ", ".join(d["due"]))),
        )
    out.print(duties)

    channels = table("channel", "name", "owner", title="Channels")
    for c in view["channels"]:
        channels.add_row(*map(escape, (c["id"], c["name"], c["owner"] or "")))
    metrics = table("metric", "kind", "points", title="Metrics")
    for m in view["metrics"]:
        metrics.add_row(*map(escape, (m["id"], m["kind"], str(m["points"]))))
    out.print(channels)
    out.print(metrics)

    if view["review"]:
        r = view["review"]
        moved = {m["date"]: m for m in r.get("moved", [])}
        out.print(
            f"[bold]{escape(r['title'])}[/] ({escape(r['every'])}): next on "
            + (
                escape(", ".join(d + _moved_note(moved.get(d)) for d in r["next"]))
                or "no date to come"
            )
        )
    if view["award"]:
        a = view["award"]
        out.print(
            f"[bold]Award[/]: {escape(a['title'])}, by {escape(a['by'])}, "
            f"minimum compliance {a['min_compliance']:.0%}"
            + (f", department {escape(a['department'])}" if a["department"] else "")
        )
    if view["goals"]:
        goals = table("goal", "metric", "channel", "target", "by", title="Goals")
        for g in view["goals"]:
            goals.add_row(
                *map(escape, (g["text"], g["metric"], g["channel"] or "", str(g["target"]),
                              g["by"] or ""))
            )
        out.print(goals)
    if view["overrides"]:
        overrides = table("date", "duty", "from", "to", "reason", title="Overrides")
        for o in view["overrides"]:
            overrides.add_row(
                *map(escape, (o["date"], o["duty"], o["from"], o["to"], o["reason"] or ""))
            )
        out.print(overrides)
    if view["holidays"]["upcoming"]:
        out.print(
            "Holidays in the next 90 days: "
            + ", ".join(escape(f"{h['date']} {h['name']}") for h in view["holidays"]["upcoming"])
        )
    due_moves = [(d["id"], m) for d in view["duties"] for m in d.get("due_moves", [])]
    if due_moves:
        out.print(
            "Due days moved off holidays: "
            + escape(", ".join(f"{duty} {m['date']}{_moved_note(m)}" for duty, m in due_moves))
        )


def _moved_note(move: dict | None) -> str:
    """`` (moved from Fri 2026-12-25, Christmas Day)`` for a moved date, else nothing."""
    from dutyctl.render.text import moved_from

    return f" ({moved_from(move['moved_from'], move['because'])})" if move else ""

"""Reports for people (Rich tables and charts, Markdown, HTML, SVG) and programs (JSON, CSV).

One record in, every format out. HTML and SVG are the terminal rendering recorded
(``Console(record=True)``), so they look like what the terminal shows; HTML is a
complete document. JSON shapes are documented in docs/reports.md.
"""

from __future__ import annotations

import html
import io
import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dutyctl.core.compliance import SlotResult
from dutyctl.core.entries import Entry
from dutyctl.core.model import Plan
from dutyctl.core.reports import (
    AwardResult,
    BestEntry,
    Contender,
    Leaderboard,
    MonthReport,
    PersonReport,
    Target,
    WeekReport,
    budget_status,
    status,
)
from dutyctl.render import escape, visible
from dutyctl.render.charts import bar_chart, sparkline

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
STATUS_DOT = {"green": "🟢", "amber": "🟠", "red": "🔴", "grey": "⚪"}
STATUS_STYLE = {"green": "green", "amber": "yellow", "red": "red", "grey": "dim"}
EXPORT_WIDTH = 100

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dutyctl">
<title>{title}</title>
<style>
{{stylesheet}}
body {{{{
    color: {{foreground}};
    background-color: {{background}};
    margin: 2em;
}}}}
</style>
</head>
<body>
<pre style="font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace">\
<code style="font-family:inherit">{{code}}</code></pre>
</body>
</html>
"""


# --- the one entry point ----------------------------------------------------------------


def emit(result, kind: str, format: str, output: Path | None) -> None:
    """Warnings about the log on stderr, then the report in ``format`` to stdout or a file."""
    from dutyctl.render import console, print_log_problems

    print_log_problems(result.problems)
    format = str(format)
    if format == "table" and output is None:
        out = console()
        draw(kind, result.plan, result.report, out, fancy=out.is_terminal)
        return
    text = render_text(kind, result.plan, result.report, format)
    if output is None:
        sys.stdout.write(text)
    else:
        from dutyctl.store.safefiles import output_file

        with output_file(output) as handle:
            handle.write(text)


def render_text(kind: str, plan: Plan, report, format: str) -> str:
    """The report in ``format`` as text: json, csv, md, html, svg, or table (plain)."""
    if format == "json":
        return json.dumps(to_json(kind, plan, report), indent=2, ensure_ascii=False) + "\n"
    if format == "csv":
        return leaderboard_csv(report)
    if format == "md":
        return to_markdown(kind, plan, report)
    if format in ("html", "svg"):
        recorder = Console(
            file=io.StringIO(),
            record=True,
            width=EXPORT_WIDTH,
            force_terminal=True,
            color_system="truecolor",
            highlight=False,
            emoji=False,
        )
        draw(kind, plan, report, recorder, fancy=True)
        title = visible(title_of(kind, plan, report))
        if format == "svg":
            return recorder.export_svg(title=title)
        return recorder.export_html(code_format=_html_template(title), inline_styles=True)
    # A plain-text table, as a pipe would get it.
    plain = Console(
        file=io.StringIO(), width=EXPORT_WIDTH, no_color=True, highlight=False, emoji=False
    )
    draw(kind, plan, report, plain, fancy=False)
    return plain.file.getvalue()


def _html_template(title: str) -> str:
    safe = html.escape(title).replace("{", "{{").replace("}", "}}")
    return HTML_TEMPLATE.format(title=safe)


def title_of(kind: str, plan: Plan, report) -> str:
    if kind == "leaderboard":
        return f"{plan.team}: leaderboard {_period_label(report)}"
    if kind == "month":
        return f"{plan.team}: monthly review {report.month}"
    if kind == "week":
        return f"{plan.team}: week {report.week}"
    return f"{plan.team}: {report.name} ({report.person})"


def draw(kind: str, plan: Plan, report, out: Console, *, fancy: bool) -> None:
    {
        "leaderboard": draw_leaderboard,
        "month": draw_month,
        "week": draw_week,
        "person": draw_person,
    }[kind](plan, report, out, fancy)


def to_json(kind: str, plan: Plan, report) -> dict:
    return {
        "leaderboard": leaderboard_json,
        "month": month_json,
        "week": week_json,
        "person": person_json,
    }[kind](plan, report)


def to_markdown(kind: str, plan: Plan, report) -> str:
    return {
        "leaderboard": leaderboard_markdown,
        "month": month_markdown,
        "week": week_markdown,
        "person": person_markdown,
    }[kind](plan, report)


# --- small helpers ----------------------------------------------------------------------


def num(value: float | None) -> Any:
    """A number for JSON: an int when whole, else rounded to 4 places; None stays None."""
    if value is None:
        return None
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def text_num(value: float | None) -> str:
    if value is None:
        return "-"
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def minutes_text(value: float | None) -> str:
    if value is None:
        return "-"
    hours, minutes = divmod(round(value), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}m"


def _name(plan: Plan, person_id: str) -> str:
    person = plan.people.get(person_id)
    return person.name if person else person_id


def _names(plan: Plan, people: Iterable[str]) -> str:
    return ", ".join(_name(plan, p) for p in people) or "nobody"


def _duty_name(plan: Plan, duty_id: str) -> str:
    duty = plan.duties.get(duty_id)
    return duty.name if duty else duty_id


def _channel_name(plan: Plan, channel_id: str) -> str:
    channel = plan.channels.get(channel_id)
    return channel.name if channel else channel_id


def _span_text(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


def _period_label(board: Leaderboard) -> str:
    span = _span_text(board.period.start, board.period.end)
    return f"{board.label} ({span})" if board.label and board.label != span else span


def _amounts(values: dict[str, float]) -> str:
    return ", ".join(f"{metric} {text_num(v)}" for metric, v in values.items())


def md_escape(text: str) -> str:
    """User text safe inside Markdown (tables included): one line, no markup."""
    text = visible(" ".join(text.split()))
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def md_link(url: str) -> str:
    if url.startswith(("http://", "https://")) and not any(c in url for c in " <>\n"):
        return f"<{url}>"
    return f"`{url.replace('`', '')}`" if url else ""


def _table(*columns: str, title: str | None = None, fancy: bool, **options: Any) -> Table:
    grid = Table(
        title=title,
        box=box.ROUNDED if fancy else box.SIMPLE_HEAD,
        title_justify="left",
        header_style="bold" if fancy else "",
        title_style="bold" if fancy else "",
        **options,
    )
    for index, column in enumerate(columns):
        justify = "right" if column in _NUMERIC else "left"
        # Numbers and the first column (a name, a date) never wrap; notes and links may.
        grid.add_column(column, justify=justify, no_wrap=index == 0 or column in _NUMERIC)
    return grid


_NUMERIC = {
    "rank", "points", "entries", "slots", "met", "missed", "compliance", "minutes", "streak",
    "target", "actual", "%", "output", "outcomes", "outcome/hour", "budget", "used", "logged",
    "value", "progress", "KPI", "rate",
}


def _coloured(text: str, colour: str) -> str:
    return f"[{STATUS_STYLE[colour]}]{escape(text)}[/]"


def _entry_json(plan: Plan, entry: Entry) -> dict:
    from dutyctl.core.compliance import entry_points

    return {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "person": entry.person,
        "duty": entry.duty,
        "channel": entry.channel,
        "metric": entry.metric,
        "value": num(entry.value),
        "points": num(entry_points(plan, entry)),
        "minutes": num(entry.minutes),
        "url": entry.url,
        "note": entry.note,
    }


def _entry_md(plan: Plan, entry: Entry, *, who: bool = True) -> str:
    parts = []
    if who:
        parts.append(f"{md_escape(_name(plan, entry.person))}:")
    parts.append(f"{md_escape(entry.metric)} {text_num(entry.value)}")
    if entry.channel:
        parts.append(f"on {md_escape(_channel_name(plan, entry.channel))}")
    text = " ".join(parts)
    if entry.note:
        text += f" - {md_escape(entry.note)}"
    if entry.url:
        text += f" {md_link(entry.url)}"
    return text


def _slot_json(result: SlotResult) -> dict:
    return {
        "duty": result.duty,
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "people": list(result.people),
        "met": result.met,
        "shortfall": {m: num(v) for m, v in result.shortfall.items()},
        "exceeded": {m: num(v) for m, v in result.exceeded.items()},
    }


def _targets_json(kpi: dict[str, Target]) -> dict:
    return {m: {"target": num(t.target), "actual": num(t.actual)} for m, t in kpi.items()}


# --- leaderboard --------------------------------------------------------------------------


def leaderboard_json(plan: Plan, board: Leaderboard) -> dict:
    return {
        "period": {"start": board.period.start.isoformat(), "end": board.period.end.isoformat()},
        "rows": [
            {
                "rank": r.rank,
                "person": r.person,
                "points": num(r.points),
                "entries": r.entries,
                "slots": r.slots,
                "slots_met": r.slots_met,
                "compliance": num(r.compliance),
                "minutes": num(r.minutes),
                "streak": r.streak,
            }
            for r in board.rows
        ],
    }


def leaderboard_csv(board) -> str:
    from dutyctl.render import write_csv

    if not isinstance(board, Leaderboard):
        raise ValueError("csv is only for the leaderboard")
    out = io.StringIO()
    write_csv(
        ["rank", "person", "name", "points", "entries", "slots", "slots_met", "compliance",
         "minutes", "streak"],
        (
            [r.rank, r.person, r.name, num(r.points), r.entries, r.slots, r.slots_met,
             num(r.compliance), num(r.minutes), r.streak]
            for r in board.rows
        ),
        out,
    )
    return out.getvalue()


def leaderboard_markdown(plan: Plan, board: Leaderboard) -> str:
    scope = f", department {board.department}" if board.department else ""
    lines = [
        f"# {md_escape(plan.team)}: leaderboard {_period_label(board)}{scope}",
        "",
        "| rank | person | points | entries | slots | met | compliance | minutes | streak |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in board.rows:
        medal = _medal(r)
        lines.append(
            f"| {medal}{r.rank} | {md_escape(r.name)} | {text_num(r.points)} | {r.entries} | "
            f"{r.slots} | {r.slots_met} | {pct(r.compliance)} | {minutes_text(r.minutes)} | "
            f"{r.streak} |"
        )
    if not board.rows:
        lines.append("| | nobody in this period | | | | | | | |")
    return "\n".join(lines) + "\n"


def _medal(row) -> str:
    """The medal of a top-three row that earned something (points or a slot met): in a
    month nobody has logged yet, the first name in the alphabet gets no gold."""
    if row.rank not in MEDALS or not (row.points > 0 or row.slots_met):
        return ""
    return MEDALS[row.rank] + " "


def draw_leaderboard(plan: Plan, board: Leaderboard, out: Console, fancy: bool) -> None:
    scope = f", department {board.department}" if board.department else ""
    grid = _table(
        "rank", "person", "points", "entries", "slots", "met", "compliance", "minutes", "streak",
        title=f"{escape(plan.team)}: leaderboard {escape(_period_label(board) + scope)}",
        fancy=fancy,
    )
    for r in board.rows:
        medal = _medal(r)
        colour = status(r.compliance) if r.slots else "grey"
        grid.add_row(
            f"{medal}{r.rank}",
            escape(r.name),
            text_num(r.points),
            str(r.entries),
            str(r.slots),
            str(r.slots_met),
            _coloured(pct(r.compliance), colour),
            minutes_text(r.minutes),
            str(r.streak),
        )
    if not board.rows:
        out.print("Nobody was on the team in this period.")
        return
    out.print(grid)


# --- the month ----------------------------------------------------------------------------


def _contender_json(c: Contender | None) -> dict | None:
    if c is None:
        return None
    return {
        "person": c.person,
        "points": num(c.points),
        "compliance": num(c.compliance),
        "entries": c.entries,
    }


def _award_json(award: AwardResult | None) -> dict | None:
    if award is None:
        return None
    return {
        "title": award.title,
        "by": award.by,
        "min_compliance": num(award.min_compliance),
        "department": award.department,
        "winner": _contender_json(award.winner),
        "tie_break": award.tie_break,
        "runners_up": [_contender_json(c) for c in award.runners_up],
        "qualified": award.qualified,
    }


def month_json(plan: Plan, report: MonthReport) -> dict:
    move = report.next_review_move
    h = report.headline
    return {
        "month": report.month,
        "department": report.department,
        "summary": {
            "slots": h.slots,
            "met": h.met,
            "missed": h.missed,
            "in_progress": h.in_progress,
            "compliance": num(h.compliance),
            "previous_compliance": num(h.previous),
            "change": num(h.change),
        },
        "slots": [_slot_json(r) for r in report.slots],
        "duties": [
            {"duty": d.duty, "slots": d.slots, "met": d.met, "kpi": _targets_json(d.kpi)}
            for d in report.duties
        ],
        "people": [
            {
                "person": p.person,
                "slots": p.slots,
                "slots_met": p.slots_met,
                "compliance": num(p.compliance),
                "points": num(p.points),
                "entries": p.entries,
                "minutes": num(p.minutes),
                "budget_minutes": num(p.budget_minutes),
                "kpi": _targets_json(p.kpi),
            }
            for p in report.people
        ],
        "channels": [
            {
                "channel": c.channel,
                "entries": c.totals.entries,
                "output": num(c.totals.output),
                "outcomes": num(c.totals.outcomes),
                "minutes": num(c.totals.minutes),
                "outcome_per_hour": num(c.totals.outcome_per_hour),
                "metrics": {m: num(v) for m, v in c.totals.metrics.items()},
            }
            for c in report.channels
        ],
        "best_entries": [_entry_json(plan, b.entry) for b in report.best],
        "goals": [
            {
                "text": g.text,
                "metric": g.metric,
                "channel": g.channel,
                "target": num(g.target),
                "actual": num(g.actual),
                "progress": num(g.progress),
                "by": g.by.isoformat() if g.by else None,
            }
            for g in report.goals
        ],
        "award": _award_json(report.award),
        "next_review": report.next_review.isoformat() if report.next_review else None,
        "next_review_moved_from": move.planned.isoformat() if move else None,
        "next_review_moved_because": move.because if move else None,
    }


def _next_review_text(report: MonthReport) -> str:
    """``2026-12-23 (moved from Fri 2026-12-25, Christmas Day)``."""
    assert report.next_review is not None
    move = report.next_review_move
    note = move.note() if move else None
    return report.next_review.isoformat() + (f" ({note})" if note else "")


def _in_progress(headline) -> str:
    return f", {headline.in_progress} in progress" if headline.in_progress else ""


def _change_text(plan: Plan, report: MonthReport) -> str:
    h = report.headline
    if report.span.start > report.today:
        return f"the month has not begun: today is {report.today.isoformat()}"
    if report.span.end < plan.start:
        return f"before the plan's start, {plan.start.isoformat()}: no slots"
    if h.change is None:
        return "no previous month to compare"
    points = round(h.change * 100)
    if points == 0:
        return f"as in the previous month ({pct(h.previous)})"
    unit = "point" if abs(points) == 1 else "points"
    return f"{points:+d} {unit} vs the previous month ({pct(h.previous)})"


def _award_lines(plan: Plan, award: AwardResult) -> list[str]:
    """The award as sentences (shared by Markdown and the terminal)."""
    rule = f"by {award.by}"
    if award.min_compliance:
        rule += f", compliance at least {pct(award.min_compliance)}"
    if award.department:
        rule += f", department {award.department}"
    if award.winner is None:
        return [f"No winner: nobody qualified ({rule})."]
    lines = [f"Winner: {_name(plan, award.winner.person)} with {_contender_text(award.winner)} "
             f"({rule})."]
    if award.tie_break:
        lines.append(f"Tie-break: {award.tie_break}.")
    if award.runners_up:
        lines.append(
            "Runners-up: "
            + "; ".join(f"{_name(plan, c.person)} ({_contender_text(c)})" for c in award.runners_up)
            + "."
        )
    return lines


def _contender_text(c: Contender) -> str:
    return f"{text_num(c.points)} points, {pct(c.compliance)} compliance, {c.entries} entries"


def month_markdown(plan: Plan, report: MonthReport) -> str:
    h = report.headline
    scope = f", department {report.department}" if report.department else ""
    out = [
        f"# {md_escape(plan.team)}: monthly review {report.month}{scope}",
        "",
        f"**{h.slots} slots**, {h.met} met, {h.missed} missed{_in_progress(h)}: "
        f"**{pct(h.compliance)} "
        f"compliance** ({_change_text(plan, report)}).",
        "",
        "## Duties",
        "",
        "| duty | slots | met | metric | target | actual | % | |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for d in report.duties:
        first = True
        for metric, t in d.kpi.items() or {"-": Target(0, 0)}.items():
            head = f"{md_escape(d.name)} | {d.slots} | {d.met}" if first else " | |"
            first = False
            out.append(
                f"| {head} | {md_escape(metric)} | {text_num(t.target)} | {text_num(t.actual)} | "
                f"{pct(t.ratio)} | {STATUS_DOT[t.status]} |"
            )
    out += [
        "",
        "## People",
        "",
        "| person | slots | met | compliance | KPI | points | entries | logged | budget | used |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for p in report.people:
        kpi = p.kpi_total
        kpi_text = (
            f"{STATUS_DOT[kpi.status]} {text_num(kpi.actual)}/{text_num(kpi.target)}"
            if kpi.target
            else "-"
        )
        used = p.budget_used
        used_text = f"{STATUS_DOT[budget_status(used)]} {pct(used)}" if used is not None else "-"
        out.append(
            f"| {md_escape(p.name)} | {p.slots} | {p.slots_met} | {pct(p.compliance)} | "
            f"{kpi_text} | {text_num(p.points)} | {p.entries} | {minutes_text(p.minutes)} | "
            f"{minutes_text(p.budget_minutes)} | {used_text} |"
        )
    out += ["", "## Missed slots", ""]
    if report.missed:
        out += ["| date | duty | people | missing |", "|---|---|---|---|"]
        for r in report.missed:
            running = " (in progress)" if r.running else ""
            out.append(
                f"| {_span_text(r.start, r.end)} | {md_escape(_duty_name(plan, r.duty))} | "
                f"{md_escape(_names(plan, r.people))} | {md_escape(_amounts(r.shortfall))}"
                f"{running} |"
            )
    else:
        out.append("None: every slot met its KPI.")
    out += [
        "",
        "## Channels",
        "",
        "| channel | entries | output | outcomes | minutes | outcome/hour |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in report.channels:
        t = c.totals
        out.append(
            f"| {md_escape(c.name)} | {t.entries} | {text_num(t.output)} | "
            f"{text_num(t.outcomes)} | {minutes_text(t.minutes)} | "
            f"{text_num(t.outcome_per_hour)} |"
        )
    if not report.channels:
        out.append("| nothing logged | | | | | |")
    out += ["", "## Best entries", ""]
    out += [
        f"{i}. {b.entry.date.isoformat()} {_entry_md(plan, b.entry)}"
        for i, b in enumerate(report.best, start=1)
    ] or ["Nothing with an outcome or points this month."]
    if report.goals:
        out += ["", "## Goals", "", "| goal | progress | actual | target | by |",
                "|---|---:|---:|---:|---|"]
        for g in report.goals:
            out.append(
                f"| {md_escape(g.text)} | {pct(g.progress)} | {text_num(g.actual)} | "
                f"{text_num(g.target)} | {g.by.isoformat() if g.by else '-'} |"
            )
    if report.award is not None:
        out += ["", f"## {md_escape(report.award.title)}", ""]
        out += [md_escape(line) for line in _award_lines(plan, report.award)]
    if report.next_review:
        out += ["", f"Next review: {md_escape(_next_review_text(report))}"]
    return "\n".join(out) + "\n"


def draw_month(plan: Plan, report: MonthReport, out: Console, fancy: bool) -> None:
    h = report.headline
    scope = f", department {report.department}" if report.department else ""
    out.print(Text(visible(f"{plan.team}: monthly review {report.month}{scope}"), style="bold"))
    colour = status(h.compliance) if h.slots else "grey"
    out.print(
        f"{h.slots} slots, {h.met} met, {h.missed} missed{_in_progress(h)}: "
        f"{_coloured(pct(h.compliance) + ' compliance', colour)} "
        f"({escape(_change_text(plan, report))})"
    )
    out.print()
    duties = _table("duty", "slots", "met", "metric", "target", "actual", "%",
                    title="Duties: target vs actual", fancy=fancy)
    for d in report.duties:
        for i, (metric, t) in enumerate(d.kpi.items()):
            duties.add_row(
                escape(d.name) if i == 0 else "",
                str(d.slots) if i == 0 else "",
                str(d.met) if i == 0 else "",
                escape(metric),
                text_num(t.target),
                text_num(t.actual),
                _coloured(pct(t.ratio), t.status),
            )
        if not d.kpi:
            duties.add_row(escape(d.name), str(d.slots), str(d.met), "-", "-", "-", "-")
    out.print(duties)
    people = _table("person", "slots", "met", "rate", "KPI", "points", "logged", "budget",
                    "used", title="People (rate: slots met; KPI: done / target)", fancy=fancy)
    for p in report.people:
        kpi = p.kpi_total
        used = p.budget_used
        people.add_row(
            escape(p.name),
            str(p.slots),
            str(p.slots_met),
            _coloured(pct(p.compliance), status(p.compliance) if p.slots else "grey"),
            _coloured(f"{text_num(kpi.actual)}/{text_num(kpi.target)}", kpi.status)
            if kpi.target else "-",
            text_num(p.points),
            minutes_text(p.minutes),
            minutes_text(p.budget_minutes),
            _coloured(pct(used), budget_status(used)) if used is not None else "-",
        )
    out.print(people)
    rated = [p for p in report.people if p.slots]
    if rated:
        out.print(bar_chart(
            "Compliance by person",
            [(p.name, p.compliance or 0.0, pct(p.compliance)) for p in rated],
            fancy=fancy, top=1.0, width=40,
        ))
        out.print()
    values = [v for _, v in report.daily_output]
    out.print(Text("Daily output: ", style="bold").append(sparkline(values, fancy=fancy))
              .append(f"  (max {text_num(max(values, default=0))} on a day)"))
    out.print()
    if report.missed:
        missed = _table("date", "duty", "people", "missing", title="Missed slots", fancy=fancy)
        for r in report.missed:
            missed.add_row(
                _span_text(r.start, r.end),
                escape(_duty_name(plan, r.duty)),
                escape(_names(plan, r.people)),
                _coloured(_amounts(r.shortfall), "red")
                + (" (in progress)" if r.running else ""),
            )
        out.print(missed)
    channels = _table("channel", "entries", "output", "outcomes", "minutes", "outcome/hour",
                      title="Channels", fancy=fancy)
    for c in report.channels:
        t = c.totals
        channels.add_row(escape(c.name), str(t.entries), text_num(t.output),
                         text_num(t.outcomes), minutes_text(t.minutes),
                         text_num(t.outcome_per_hour))
    if report.channels:
        out.print(channels)
    if report.best:
        best = _table("date", "person", "metric", "value", "channel", "note", "link",
                      title="Best entries", fancy=fancy)
        for b in report.best:
            _best_row(plan, best, b)
        out.print(best)
    if report.goals:
        goals = _table("goal", "progress", "actual", "target", "by", "", title="Goals",
                       fancy=fancy)
        for g in report.goals:
            goals.add_row(escape(g.text), pct(g.progress), text_num(g.actual),
                          text_num(g.target), g.by.isoformat() if g.by else "-",
                          bar_chart("", [("", g.progress, "")], fancy=fancy, top=1.0, width=20))
        out.print(goals)
    if report.award is not None:
        out.print(Text(visible(report.award.title), style="bold"))
        for line in _award_lines(plan, report.award):
            out.print(escape(line))
        out.print()
    if report.next_review:
        out.print(f"Next review: {escape(_next_review_text(report))}")


def _best_row(plan: Plan, grid: Table, b: BestEntry) -> None:
    e = b.entry
    grid.add_row(e.date.isoformat(), escape(_name(plan, e.person)), escape(e.metric),
                 text_num(e.value), escape(_channel_name(plan, e.channel)), escape(e.note),
                 escape(e.url))


# --- the week -----------------------------------------------------------------------------


def week_json(plan: Plan, report: WeekReport) -> dict:
    return {
        "week": report.week,
        "start": report.span.start.isoformat(),
        "end": report.span.end.isoformat(),
        "department": report.department,
        "duties": [
            {
                "duty": d.duty,
                "slots": [
                    {
                        **_slot_json(s.result),
                        "running": s.result.running,
                        "done": {m: num(v) for m, v in s.result.totals.items()},
                        "entries": [_entry_json(plan, e) for e in s.entries],
                    }
                    for s in d.slots
                ],
                "other": [_entry_json(plan, e) for e in d.other],
            }
            for d in report.duties
        ],
        "other": [_entry_json(plan, e) for e in report.other],
        "totals": {
            "entries": report.totals.entries,
            "points": num(report.totals.points),
            "minutes": num(report.totals.minutes),
        },
    }


def _slot_state(result: SlotResult) -> tuple[str, str]:
    """(mark, words) for a slot in the week report."""
    done = _amounts(result.totals) or "nothing logged"
    if result.met:
        return "✅", done
    if result.running:
        return "⏳", f"so far {done}; still missing {_amounts(result.shortfall)}"
    return "❌", f"{done}; missing {_amounts(result.shortfall)}"


def _when(result: SlotResult) -> str:
    if result.start == result.end:
        return f"{result.start:%a} {result.start.isoformat()}"
    return f"{result.start.isoformat()}..{result.end.isoformat()}"


def week_markdown(plan: Plan, report: WeekReport) -> str:
    scope = f", department {report.department}" if report.department else ""
    out = [
        f"**{md_escape(plan.team)}: week {report.week}{scope}** "
        f"({report.span.start.isoformat()} to {report.span.end.isoformat()})",
    ]
    for d in report.duties:
        out += ["", f"**{md_escape(d.name)}**"]
        for s in d.slots:
            mark, words = _slot_state(s.result)
            out.append(
                f"- {_when(s.result)}, {md_escape(_names(plan, s.result.people))}: {mark} "
                f"{md_escape(words)}"
            )
            several = len(s.result.people) > 1
            out += [f"  - {_entry_md(plan, e, who=several)}" for e in s.entries]
        if d.other:
            out.append("- also logged for this duty:")
            out += [f"  - {e.date.isoformat()} {_entry_md(plan, e)}" for e in d.other]
    if report.other:
        out += ["", "**Other entries**"]
        out += [f"- {e.date.isoformat()} {_entry_md(plan, e)}" for e in report.other]
    if not report.duties and not report.other:
        out += ["", "No slots and nothing logged this week."]
    t = report.totals
    out += [
        "",
        f"Total: {t.entries} entr{'y' if t.entries == 1 else 'ies'}, "
        f"{text_num(t.points)} points, {minutes_text(t.minutes)}.",
    ]
    return "\n".join(out) + "\n"


def draw_week(plan: Plan, report: WeekReport, out: Console, fancy: bool) -> None:
    scope = f", department {report.department}" if report.department else ""
    out.print(Text(visible(f"{plan.team}: week {report.week}{scope} "
                           f"({report.span.start} to {report.span.end})"), style="bold"))
    for d in report.duties:
        grid = _table("when", "people", "", "done", "entries", title=escape(d.name), fancy=fancy)
        for s in d.slots:
            mark, words = _slot_state(s.result)
            colour = "green" if s.result.met else "amber" if s.result.running else "red"
            notes = "\n".join(
                escape(f"{_name(plan, e.person)}: {e.metric} {text_num(e.value)}"
                       + (f" - {e.note}" if e.note else "") + (f" {e.url}" if e.url else ""))
                for e in s.entries
            )
            grid.add_row(_when(s.result), escape(_names(plan, s.result.people)),
                         "ok" if s.result.met else "..." if s.result.running else "missed",
                         _coloured(words, colour), notes)
        out.print(grid)
    if report.other:
        out.print(Text("Other entries", style="bold"))
        for e in report.other:
            out.print(escape(f"{e.date} {_name(plan, e.person)}: {e.metric} {text_num(e.value)}"
                             + (f" - {e.note}" if e.note else "")))
    t = report.totals
    out.print(f"Total: {t.entries} entries, {text_num(t.points)} points, "
              f"{minutes_text(t.minutes)}.")


# --- one person ---------------------------------------------------------------------------


def person_json(plan: Plan, report: PersonReport) -> dict:
    c = report.compliance
    return {
        "person": report.person,
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "slots": c.slots,
        "slots_met": c.slots_met,
        "compliance": num(c.compliance),
        "streak": c.streak,
        "points": num(report.totals.points),
        "entries": report.totals.entries,
        "minutes": num(report.totals.minutes),
        "months": [
            {
                "month": m.month,
                "slots": m.slots,
                "slots_met": m.slots_met,
                "compliance": num(m.compliance),
                "points": num(m.points),
                "entries": m.entries,
                "minutes": num(m.minutes),
            }
            for m in report.months
        ],
        "history": [
            {**_slot_json(r), "met_by_person": report.person in r.met_by} for r in report.slots
        ],
        "best_entries": [_entry_json(plan, b.entry) for b in report.best],
    }


def _person_head(report: PersonReport) -> str:
    c = report.compliance
    return (
        f"{c.slots} slots, {c.slots_met} met ({pct(c.compliance)}), streak {c.streak}; "
        f"{text_num(report.totals.points)} points from {report.totals.entries} entries, "
        f"{minutes_text(report.totals.minutes)} logged"
    )


def person_markdown(plan: Plan, report: PersonReport) -> str:
    points = [m.points for m in report.months]
    out = [
        f"# {md_escape(report.name)} ({report.person}), {md_escape(plan.team)}",
        "",
        f"{report.period.start.isoformat()} to {report.period.end.isoformat()}: "
        f"{_person_head(report)}.",
        "",
        f"Points trend: `{sparkline(points, fancy=False).plain}`",
        "",
        "## By month",
        "",
        "| month | slots | met | compliance | points | entries | minutes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in report.months:
        out.append(
            f"| {m.month} | {m.slots} | {m.slots_met} | {pct(m.compliance)} | "
            f"{text_num(m.points)} | {m.entries} | {minutes_text(m.minutes)} |"
        )
    out += ["", "## Slots", ""]
    if report.slots:
        out += ["| date | duty | met | missing |", "|---|---|---|---|"]
        for r in report.slots:
            ok = report.person in r.met_by
            missing = _amounts(r.shortfall) if not ok else ""
            out.append(
                f"| {_span_text(r.start, r.end)} | {md_escape(_duty_name(plan, r.duty))} | "
                f"{'✅' if ok else '⏳' if r.running else '❌'} | {md_escape(missing)} |"
            )
    else:
        out.append("No slots in this period.")
    out += ["", "## Best entries", ""]
    out += [
        f"{i}. {b.entry.date.isoformat()} {_entry_md(plan, b.entry, who=False)}"
        for i, b in enumerate(report.best, start=1)
    ] or ["Nothing with an outcome or points yet."]
    return "\n".join(out) + "\n"


def draw_person(plan: Plan, report: PersonReport, out: Console, fancy: bool) -> None:
    out.print(Text(visible(f"{report.name} ({report.person}), {plan.team}"), style="bold"))
    out.print(f"{report.period.start} to {report.period.end}: {escape(_person_head(report))}")
    points = [m.points for m in report.months]
    out.print(Text("Points trend: ", style="bold").append(sparkline(points, fancy=fancy)))
    out.print()
    months = _table("month", "slots", "met", "compliance", "points", "entries", "minutes", "",
                    title="By month", fancy=fancy)
    top = max(points, default=0)
    from dutyctl.render.charts import bar

    for m in report.months:
        months.add_row(m.month, str(m.slots), str(m.slots_met),
                       _coloured(pct(m.compliance), status(m.compliance) if m.slots else "grey"),
                       text_num(m.points), str(m.entries), minutes_text(m.minutes),
                       bar(m.points, top, 24, fancy=fancy, style="cyan"))
    out.print(months)
    if report.slots:
        recent = report.slots[-20:]
        slots = _table("date", "duty", "met", "missing",
                       title=f"Slots (last {len(recent)} of {len(report.slots)})", fancy=fancy)
        for r in recent:
            ok = report.person in r.met_by
            slots.add_row(_span_text(r.start, r.end), escape(_duty_name(plan, r.duty)),
                          _coloured("yes" if ok else "running" if r.running else "no",
                                    "green" if ok else "amber" if r.running else "red"),
                          escape(_amounts(r.shortfall)) if not ok else "")
        out.print(slots)
    if report.best:
        best = _table("date", "person", "metric", "value", "channel", "note", "link",
                      title="Best entries", fancy=fancy)
        for b in report.best:
            _best_row(plan, best, b)
        out.print(best)


"""Output of the log commands: log, log --void, entries, doctor, import."""

from __future__ import annotations

import os
import sys
from typing import IO

from dutyctl.app.log import (
    DoctorResult,
    EntriesResult,
    ImportResult,
    LogResult,
    Standing,
    entry_record,
    standing_text,
)
from dutyctl.core.entries import HEADER
from dutyctl.errors import Problem
from dutyctl.render import (
    console,
    escape,
    print_log_problems,
    print_problem,
    quiet,
    table,
    write_csv,
    write_json,
    write_json_array,
)

ENTRY_COLUMNS = HEADER  # the log's own columns, in its order


# Any of these changes what Rich writes to a pipe (colour, width).
_RICH_ENV = (
    "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "JUPYTER_COLUMNS",
    "JUPYTER_LINES", "DATABRICKS_RUNTIME_VERSION",
)
_PLAIN_WIDTH = 99  # below the width Rich wraps at on a pipe (100)


def _plain(stream: IO[str], texts: list[str]) -> bool:
    """Whether Rich would write exactly ``texts`` to ``stream``: a pipe, no variable that
    changes Rich's output, short lines of printable ASCII without markup. Then they are
    written as they are, without importing Rich (`dutyctl log` runs from scripts)."""
    try:
        if stream.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return not any(name in os.environ for name in _RICH_ENV) and all(
        len(text) <= _PLAIN_WIDTH and text.isascii() and text.isprintable()
        and "[" not in text and text == text.rstrip()
        for text in texts
    )


def _print_lines(lines: list[list[str | tuple[str, str]]]) -> None:
    """Print lines of segments (text, or (text, style)) with Rich, or as plain text when
    Rich would write exactly the text (:func:`_plain`)."""
    plain = ["".join(s if isinstance(s, str) else s[0] for s in line) for line in lines]
    if _plain(sys.stdout, plain):
        sys.stdout.write("".join(text + "\n" for text in plain))
        return
    out = console()
    for line in lines:
        out.print("".join(
            escape(s) if isinstance(s, str) else f"[{s[1]}]{escape(s[0])}[/]" for s in line
        ))


def _warn(problems: list[Problem]) -> None:
    if not problems:
        return
    plain = []
    for problem in problems:  # as print_problem writes them
        head = f"{problem.location}: " if problem.location else ""
        plain.append(f"{head}{problem.severity}: {problem.message}")
        if problem.hint:
            plain.append(f"  hint: {problem.hint}")
    if _plain(sys.stderr, plain):
        sys.stderr.write("".join(text + "\n" for text in plain))
        return
    err = console(stderr=True)
    for problem in problems:
        print_problem(problem, err)


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def standing_record(standing: Standing | None) -> dict | None:
    if standing is None:
        return None
    return {
        "duty": standing.duty,
        "start": standing.start.isoformat(),
        "end": standing.end.isoformat(),
        "people": list(standing.people),
        "per": standing.per,
        "met": standing.met,
        "text": standing_text(standing),
        "kpi": [
            {
                "metric": item.metric,
                "done": entry_record_number(item.done),
                "minimum": entry_record_number(item.bound.minimum),
                "maximum": None
                if item.bound.maximum is None
                else entry_record_number(item.bound.maximum),
                "status": item.status,
            }
            for item in standing.items
        ],
    }


def entry_record_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def logged(result: LogResult, format: str) -> None:
    """What `dutyctl log` recorded, its ids, and where the slot stands; warnings on stderr."""
    _warn(result.warnings)
    if format == "json":
        write_json(
            {
                "entries": [
                    {**entry_record(e), "voids": e.voids} if e.is_void else entry_record(e)
                    for e in result.entries
                ],
                "ids": [e.id for e in result.entries],
                "files": result.files,
                "person": result.person,
                "date": result.day.isoformat(),
                "duty": result.duty or None,
                "voided": entry_record(result.voided) if result.voided else None,
                "standing": standing_record(result.standing),
                "warnings": [p.as_dict() for p in result.warnings],
                "commit": None
                if result.commit is None
                else {"sha": result.commit.sha, "message": result.commit.message},
            }
        )
        return
    if quiet():
        for entry in result.entries:
            print(entry.id)
        return
    view = result.view
    name = view.people[result.person].name if result.person in view.people else result.person
    files = ", ".join(result.files)
    lines: list[list[str | tuple[str, str]]] = []
    if result.voided is not None:
        old = result.voided
        lines.append([
            f"Voided {old.id}: ", old.person, " ", old.metric, f"={_num(old.value)} "
            f"on {old.date.isoformat()}", *([" (", old.duty, ")"] if old.duty else []),
        ])
        lines.append([f"  void row {result.entries[0].id} in ", files])
    else:
        duty = view.duties[result.duty].name if result.duty in view.duties else "no duty"
        count = len(result.entries)
        what: list[str | tuple[str, str]] = []
        for index, e in enumerate(result.entries):
            what += [", " if index else "", e.metric, f"={_num(e.value)}"]
        lines.append([
            f"Logged {count} entr{'y' if count == 1 else 'ies'} for ", name,
            f" on {result.day.isoformat()} (", duty, "): ", *what,
        ])
        first = result.entries[0]
        extras: list[str | tuple[str, str]] = []
        for label, value in (
            ("minutes", _num(first.minutes)),
            ("channel", first.channel),
            ("url", first.url),
        ):
            if value:
                extras += [", " if extras else "  ", f"{label} ", value]
        if extras:
            lines.append(extras)
        lines.append(["  ids: " + " ".join(e.id for e in result.entries)])
        lines.append(["  in ", files])
    standing = result.standing
    if standing is not None:
        span = (
            standing.start.isoformat()
            if standing.start == standing.end
            else f"{standing.start.isoformat()}..{standing.end.isoformat()}"
        )
        whose = f"{standing.person}'s part of " if standing.per == "person" else ""
        colour = "green" if standing.met else "yellow"
        lines.append([
            f"KPI of {whose}the ", standing.duty, f" slot {span}: ",
            (standing_text(standing), colour),
        ])
    elif result.voided is None and not result.duty:
        lines.append(["Not on duty that day: no KPI to meet."])
    if result.commit is not None:
        lines.append([f"Committed {result.commit.sha[:10]}: ", result.commit.message])
    _print_lines(lines)


def entries_list(result: EntriesResult, format: str, out: IO[str]) -> None:
    """Active entries as a table, JSON (the log's columns) or spreadsheet-safe CSV."""
    print_log_problems(result.warnings)  # read problems only
    if format == "json":
        write_json_array((entry_record(e) for e in result.entries), out)
        return
    if format == "csv":
        write_csv(
            ENTRY_COLUMNS,
            (
                [
                    e.id,
                    e.recorded_at,
                    e.date.isoformat(),
                    e.person,
                    e.duty,
                    e.channel,
                    e.metric,
                    entry_record_number(e.value),
                    None if e.minutes is None else entry_record_number(e.minutes),
                    e.url,
                    e.note,
                    "",
                ]
                for e in result.entries
            ),
            out,
        )
        return
    where = "the whole log" if result.label == "all" else result.label
    # In a pipe no column is squeezed (the note would vanish at 100 columns): each row in
    # full, a stable width whatever the terminal was.
    rich = console(file=out, pipe_width=10_000)
    entries = list(result.entries)  # a table is laid out whole: for a terminal, not a pipe
    if not entries:
        rich.print(f"No entries in {where}.")
        return
    grid = table(
        "id",
        "date",
        "person",
        "duty",
        "metric",
        "value",
        "minutes",
        "channel",
        "note",
        title=f"{escape(result.plan.team)}: {len(entries)} entries in {where}",
    )
    for column in grid.columns[:-1]:
        column.no_wrap = True
    grid.columns[0].min_width = 26
    for e in entries:
        note = e.note.replace("\r", " ").replace("\n", " ")
        note = note if len(note) <= 40 else note[:39] + "…"
        grid.add_row(
            e.id,
            e.date.isoformat(),
            escape(e.person),
            escape(e.duty),
            escape(e.metric),
            _num(e.value),
            _num(e.minutes),
            escape(e.channel),
            escape(note),
        )
    rich.print(grid)


def doctor_report(result: DoctorResult, format: str) -> None:
    if format == "json":
        write_json(
            {
                "clean": not result.errors,
                "files": result.files,
                "entries": result.entries,
                "problems": [p.as_dict() for p in result.problems],
                "fixed": result.fixed,
                "repaired": [
                    {"file": r.file, "changes": r.changes, "rows": r.rows}
                    for r in result.repaired
                ],
                "moved": [p.as_dict() for p in result.moved],
                "quarantine_file": result.quarantine_file,
                "skipped": [p.as_dict() for p in result.skipped],
            }
        )
        return
    out = console()
    for repaired in result.repaired:
        rows = f"{repaired.rows} row{'s' if repaired.rows != 1 else ''}"
        out.print(
            f"Wrote {escape(repaired.file)} again in the log's format ({rows} kept; undone: "
            f"{escape(repaired.changes)})"
        )
    for problem in result.skipped:
        print_problem(problem, out)
    if result.moved:
        count = len(result.moved)
        out.print(
            f"Moved {count} unreadable row{'s' if count != 1 else ''} to "
            f"{escape(result.quarantine_file or 'logs/quarantine.csv')} (kept there, "
            "nothing else rewritten):"
        )
        for problem in result.moved:
            out.print(f"  {escape(str(problem.location))}: {escape(problem.message)}")
    elif result.fixed:
        out.print("Nothing to move to quarantine.")
    for problem in result.problems:
        print_problem(problem, out)
    errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
    files = f"{len(result.files)} file{'s' if len(result.files) != 1 else ''}"
    summary = f"{result.entries} entr{'ies' if result.entries != 1 else 'y'} in {files}"
    if errors:
        out.print(
            f"[bold red]{errors} problem{'s' if errors != 1 else ''}[/]"
            + (f" and {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")
            + f" in the log ({summary})"
        )
    elif warnings:
        out.print(f"The log is readable, with {warnings} warning{'s' if warnings != 1 else ''}"
                  f" ({summary})")
    else:
        out.print(f"The log is clean: {summary}")


def imported(result: ImportResult) -> None:
    _warn(result.warnings)
    if quiet():
        return
    out = console()
    count = len(result.entries)
    verb = "Would import" if result.dry_run else "Imported"
    out.print(
        f"{verb} {count} entr{'y' if count == 1 else 'ies'} from {result.rows} "
        f"row{'s' if result.rows != 1 else ''} of {escape(result.source)}"
        + (f" into {escape(', '.join(result.files))}" if result.files else "")
    )
    if result.dry_run:
        for e in result.entries[:20]:
            out.print(
                f"  {e.date.isoformat()} {escape(e.person)} {escape(e.duty or '-')} "
                f"{escape(e.metric)}={_num(e.value)}"
            )
        if count > 20:
            out.print(f"  ... and {count - 20} more")
        out.print("Nothing was written (--dry-run).")

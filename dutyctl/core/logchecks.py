"""What `dutyctl doctor` checks in rows that read fine: rows `dutyctl log` would refuse. Pure.

The reader (:mod:`dutyctl.store.logfile`) judges each row's cells; these checks judge
what a row means against the plan and the rest of the log, as `dutyctl log` and
`dutyctl import` do before they write:

* a date before the plan's start, or after today;
* a void row that voids itself, a void row, or a void row that voids it back (a
  void cannot be undone: the entry must be logged again);
* a void row that carries a metric or a value (they count for nothing).

Streaming: only the void rows are kept while the entries go by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dutyctl.core.entries import Entry
from dutyctl.errors import Location, Problem

SHOWN = 20  # rows named one by one per file for each side of the plan's dates

_VOID_HINT = "a void cannot be undone: to count the entry again, log it again"


def check_entries(
    logged: Iterable[tuple[Entry, Location | None]], *, start: date, today: date
) -> list[Problem]:
    """Problems of readable rows, in the order the rows came, void chains at the end."""
    problems: list[Problem] = []
    voids: dict[str, tuple[str, Location | None]] = {}  # void row id -> (target, where)
    # A team that brought years of history sees one line per file for it, not a million.
    dated_out: dict[tuple[str, str], int] = {}  # (file, "before"/"after") -> rows
    for entry, where in logged:
        side = ("before" if entry.date < start else "after" if entry.date > today else None
                ) if not entry.is_void else None  # a void row's date is its entry's
        if side is not None:
            key = (where.file if where else "", side)
            shown = dated_out.get(key, 0)
            dated_out[key] = shown + 1
            if shown < SHOWN:
                problems.append(_date_problem(entry, where, side, start, today))
        if entry.is_void:
            voids.setdefault(entry.id, (entry.voids, where))
            if entry.metric or entry.value:
                problems.append(
                    Problem(
                        where,
                        f"void row {entry.id} also holds a metric and value "
                        f"({entry.metric or '-'}={entry.value:g}), which count for nothing",
                        hint="a void row only names the entry it cancels; log the value as "
                        "an entry of its own",
                    )
                )
    for (file, side), count in dated_out.items():
        if count > SHOWN:
            what = (f"before the plan's start ({start.isoformat()})" if side == "before"
                    else f"after today ({today.isoformat()})")
            problems.append(Problem(
                Location(file) if file else None,
                f"and {count - SHOWN} more entries in this file dated {what}",
                hint="history from before the plan counts once the plan's `start` is moved "
                "back to its first day" if side == "before" else "void them and log them "
                "again with the day the work was done",
            ))
    reported: set[str] = set()
    for void_id, (target, where) in voids.items():
        if target == void_id:
            problems.append(Problem(where, f"void row {void_id} voids itself", _VOID_HINT))
        elif target in voids:
            if voids[target][0] == void_id:
                if target not in reported:
                    problems.append(
                        Problem(
                            where,
                            f"void rows {void_id} and {target} void each other",
                            _VOID_HINT,
                        )
                    )
                    reported.add(void_id)
            else:
                problems.append(
                    Problem(
                        where,
                        f"void row {void_id} voids {target}, which is itself a void row",
                        _VOID_HINT,
                    )
                )
    return problems


def _date_problem(entry: Entry, where: Location | None, side: str, start: date,
                  today: date) -> Problem:
    if side == "before":
        return Problem(
            where,
            f"entry {entry.id} is dated {entry.date.isoformat()}, before the plan's "
            f"start ({start.isoformat()}); `dutyctl log` would refuse it",
            hint="void it (`dutyctl log --void ID`) if it is a mistake, or move the "
            "plan's `start` back to count history from before it",
        )
    return Problem(
        where,
        f"entry {entry.id} is dated {entry.date.isoformat()}, in the future "
        f"(today is {today.isoformat()}); `dutyctl log` would refuse it",
        hint="void it and log it again with the day the work was done",
    )

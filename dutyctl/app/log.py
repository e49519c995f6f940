"""The log commands' library: ``log``, ``log --void``, ``entries``, ``doctor``, ``import``.

Each function takes what was typed on the command line, reads the plan (``log`` only
what its :class:`~dutyctl.core.logview.LogView` holds, from the cache when warm), checks
everything it can before writing anything (every problem at once, as a
:class:`UsageError` carrying ``problems``), appends with :mod:`dutyctl.store.logfile`
and returns a plain result for :mod:`dutyctl.render.log`.

Decisions:

* Several metrics in one ``dutyctl log`` call are several rows sharing one
  ``recorded_at``; ``--minutes`` goes on the first row only, so that a sum of
  minutes over rows never counts the same time twice.
* The duty is inferred from the rotation when the person holds exactly one duty
  that day; none leaves it empty (with a warning), several is an error.
* A void is ``dutyctl log --void ID``: a row in the month file of the voided
  entry's date. Readers drop voided entries (``entries.active_entries``).
* ``--commit`` commits exactly the new rows on top of ``HEAD`` with git plumbing
  (a temporary index, ``commit-tree``, ``update-ref``): other changes, staged or
  not, in the log file or elsewhere, stay out of the commit and stay as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.core.dates import months_between
from dutyctl.core.entries import Entry, format_recorded_at, restore
from dutyctl.errors import (
    EXIT_PROBLEMS,
    DutyctlError,
    InputError,
    Location,
    Problem,
    UsageError,
    did_you_mean,
    unknown,
)
from dutyctl.store.repo import Repo

if TYPE_CHECKING:  # a warm `dutyctl log` checks against a LogView, without the model
    from dutyctl.app.load import DaySlot
    from dutyctl.core.logview import KpiBound, LogView
    from dutyctl.core.model import Plan
    from dutyctl.core.rotation import Assignment
    from dutyctl.store.logfile import Progress

ENTRY_FIELDS = ("date", "person", "duty", "channel", "metric", "value", "minutes", "url", "note")
IMPORT_MAX_BYTES = 50 * 1024 * 1024
# Free text of one entry: a note or a link, not a document (docs/log.md).
MAX_TEXT = {"url": 2000, "note": 2000}


class CommitFailed(DutyctlError):
    """The rows were logged, but git could not commit them (exit 1: not a usage error)."""

    exit_code = EXIT_PROBLEMS


# -- results -------------------------------------------------------------------------------

# NamedTuples, immutable like the core's frozen dataclasses: `dutyctl log` imports this
# module on every run, and defining a dataclass costs about ten times as much.


class KpiItem(NamedTuple):
    metric: str
    done: float
    bound: KpiBound

    @property
    def status(self) -> str:
        if self.done < self.bound.minimum:
            return "missing"
        if self.bound.maximum is not None and self.done > self.bound.maximum:
            return "over"
        return "ok"


class Standing(NamedTuple):
    """Where a slot stands against its duty's KPI: sums of active entries inside the slot."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]
    per: str  # "slot" (everyone's entries count) or "person" (only the person's)
    person: str
    items: tuple[KpiItem, ...]

    @property
    def met(self) -> bool:
        return all(item.status == "ok" for item in self.items)


class CommitInfo(NamedTuple):
    sha: str
    message: str
    paths: tuple[str, ...]


class LogResult(NamedTuple):
    view: LogView
    person: str
    day: date
    duty: str
    entries: list[Entry]
    files: list[str]
    warnings: list[Problem]
    standing: Standing | None
    voided: Entry | None  # for a void: the entry it cancels
    commit: CommitInfo | None
    commit_error: DutyctlError | None


class EntriesResult(NamedTuple):
    plan: Plan
    label: str  # "2026-11" or "all"
    entries: Iterator[Entry]  # streamed from the index: read once
    warnings: list[Problem]


class DoctorResult(NamedTuple):
    files: list[str]
    entries: int
    problems: list[Problem]
    moved: list[Problem]
    quarantine_file: str | None
    skipped: list[Problem]
    fixed: bool
    repaired: list = []  # logfile.Repaired: files a spreadsheet re-saved, written again

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ImportResult(NamedTuple):
    plan: Plan
    source: str
    entries: list[Entry]
    files: list[str]
    warnings: list[Problem]
    rows: int
    dry_run: bool


# -- log -----------------------------------------------------------------------------------


def log_entries(
    repo,
    metrics: Sequence[str],
    *,
    person: str | None = None,
    day_text: str | None = None,
    channel: str | None = None,
    duty: str | None = None,
    minutes: str | None = None,
    url: str | None = None,
    note: str | None = None,
    commit: bool = False,
    progress: Progress | None = None,
) -> LogResult:
    """Check the arguments, append one row per metric, and say where the slot stands.

    On a warm cache the plan is not loaded: the checks read its cached :class:`LogView`
    and the cached slots of the day (see :class:`dutyctl.app.load.PlanViews`)."""
    from dutyctl.app.load import PlanViews, open_repo
    from dutyctl.store.logfile import append_entries, next_entry_id

    found = open_repo(repo)
    views = PlanViews(found)
    view = views.log_view()
    today = views.today()
    problems: list[Problem] = []
    warnings: list[Problem] = []

    pid = _who(view, found, person, problems)
    day = _day(view, day_text, today, problems)
    values = parse_metric_args(view, metrics, problems)
    _known("channel", channel, view.channels, problems, "--channel")
    _known("duty", duty, view.duties, problems, "--duty")
    minutes_value = None
    if minutes is not None:
        minutes_value = _minutes(minutes, "--minutes", problems)
    for name, text in (("url", url), ("note", note)):
        if text is not None:
            _text_ok(name, text, f"--{name}", problems)
    if not metrics:
        problems.append(
            Problem(
                None,
                "nothing to log: give at least one METRIC=VALUE",
                hint="e.g. dutyctl log photo=1 repost=2; known metrics: "
                + (", ".join(view.metrics) or "none"),
            )
        )

    chosen_duty = ""
    on_day: list[DaySlot] = []
    if pid is not None and day is not None and (duty is None or duty in view.duties):
        on_day = views.slots_on(day)
        chosen_duty = _duty_for(on_day, pid, day, duty, problems, warnings)
    if problems:
        raise _refused(problems, "nothing was logged")

    assert pid is not None and day is not None
    _duty_warnings(view, chosen_duty, [m for m, _ in values], channel, warnings)
    recorded_at = format_recorded_at(_now())
    entries = []
    for index, (metric, value) in enumerate(values):
        entries.append(
            Entry(
                id=next_entry_id(),
                recorded_at=recorded_at,
                date=day,
                person=pid,
                duty=chosen_duty,
                channel=channel or "",
                metric=metric,
                value=value,
                minutes=minutes_value if index == 0 else None,
                url=url or "",
                note=note or "",
            )
        )
    appended = append_entries(found.root, entries)
    files = [found.relative(p) for p in appended.files]
    warnings.extend(appended.repaired)
    standing = None
    if chosen_duty:
        standing, read_problems = standing_for(found.root, view, chosen_duty, pid, day, on_day,
                                                progress)
        warnings.extend(read_problems)
    committed, commit_error = None, None
    if commit:
        summary = " ".join(f"{e.metric}={_num(e.value)}" for e in entries)
        message = f"log: {pid} {summary} on {day.isoformat()}"
        committed, commit_error = _commit(found, entries, message)
    return LogResult(
        view, pid, day, chosen_duty, entries, files, warnings, standing, None, committed,
        commit_error,
    )


def void_entry(
    repo,
    entry_id: str,
    *,
    person: str | None = None,
    reason: str | None = None,
    commit: bool = False,
    progress: Progress | None = None,
) -> LogResult:
    """Append a void row cancelling ``entry_id`` to the month file of that entry's date."""
    from dutyctl.app.load import PlanViews, open_repo
    from dutyctl.store.logfile import append_entries, next_entry_id

    found = open_repo(repo)
    views = PlanViews(found)
    view = views.log_view()
    problems: list[Problem] = []
    pid = _who(view, found, person, problems)
    if reason is not None:
        _text_ok("note", reason, "--reason", problems)
    from dutyctl.store.logindex import LogIndex

    wanted = entry_id.strip().upper()
    with LogIndex(found.root, progress) as index:
        rows = index.find(wanted) or index.find(entry_id.strip())
        ids = [] if rows else list(index.ids())
    target = rows[0] if rows and rows[0][0].id in (wanted, entry_id.strip()) else None
    if target is None:
        hint = did_you_mean(wanted, ids)
        problems.append(
            Problem(
                None,
                f"no entry with id '{entry_id}' in the log",
                hint=hint or "list the ids with: dutyctl entries --all (or --format json)",
            )
        )
    elif target[0].is_void:
        problems.append(
            Problem(
                target[1],
                f"{target[0].id} is a void row (it cancels {target[0].voids}); "
                "a void cannot be voided",
                hint="to count that entry again, log it again",
            )
        )
    else:
        voids = [(e, at) for e, at in rows[1:] if e.voids == target[0].id]
        if voids:
            v, at = voids[0]
            problems.append(
                Problem(
                    at,
                    f"entry {target[0].id} was already voided by {v.id} "
                    f"({v.person}, {v.recorded_at[:10]})",
                    hint="nothing to do; it no longer counts",
                )
            )
    if problems:
        raise _refused(problems, "nothing was logged")
    assert pid is not None and target is not None
    old = target[0]
    row = Entry(
        id=next_entry_id(),
        recorded_at=format_recorded_at(_now()),
        date=old.date,
        person=pid,
        duty=old.duty,
        channel="",
        metric="",
        value=0.0,
        minutes=None,
        url="",
        note=reason or "",
        voids=old.id,
    )
    appended = append_entries(found.root, [row])
    files = [found.relative(p) for p in appended.files]
    warnings = list(appended.repaired)
    standing = None
    if old.duty in view.duties:
        standing, read_problems = standing_for(
            found.root, view, old.duty, old.person, old.date, views.slots_on(old.date),
            progress,
        )
        warnings.extend(read_problems)
    committed, commit_error = None, None
    if commit:
        why = f" ({reason})" if reason else ""
        message = f"log: {pid} voids {old.id} ({old.person} {old.metric}={_num(old.value)} "
        message += f"on {old.date.isoformat()}){why}"
        committed, commit_error = _commit(found, [row], message.replace("\n", " "))
    return LogResult(
        view, pid, old.date, old.duty, [row], files, warnings, standing, old, committed,
        commit_error,
    )


def parse_metric_args(
    view: LogView, args: Sequence[str], problems: list[Problem], where: Location | None = None
) -> list[tuple[str, float]]:
    """``photo=1 repost=2`` as (metric, value) pairs; every problem goes to ``problems``."""
    values: list[tuple[str, float]] = []
    seen: set[str] = set()
    for arg in args:
        name, equals, text = arg.partition("=")
        name, text = name.strip(), text.strip()
        if not equals or not name or not text:
            problems.append(
                Problem(
                    where,
                    f"'{arg}' is not METRIC=VALUE",
                    hint="write each metric with its value, such as photo=1",
                )
            )
            continue
        ok = True
        if name not in view.metrics:
            message, hint = unknown("metric", name, view.metrics)
            problems.append(Problem(where, message, hint))
            ok = False
        elif name in seen:
            problems.append(
                Problem(where, f"metric '{name}' is given twice", hint="add the values up")
            )
            ok = False
        value = _number(text, f"{name}={text}", "number", problems, where)
        if ok and value is not None:
            seen.add(name)
            values.append((name, value))
    return values


# -- KPI standing --------------------------------------------------------------------------


def standing_for(
    root: Path, view: LogView, duty_id: str, person: str, day: date, on_day: list[DaySlot],
    progress: Progress | None = None,
) -> tuple[Standing | None, list[Problem]]:
    """The KPI standing of the slot of ``duty_id`` that covers ``day`` (the person's if any).

    ``on_day``: the slots covering ``day`` (``rotation.on(day)``)."""
    from dutyctl.store.logindex import LogIndex

    duty = view.duties[duty_id]
    slots = [a for a in on_day if a.duty == duty_id]
    if not slots:
        return None, []
    slot = next((a for a in slots if person in a.people), slots[0])
    per_person = duty.kpi_per == "person"
    totals: dict[str, float] = {}
    with LogIndex(root, progress) as index:
        for item in index.sums(slot.start, slot.end, ("person", "duty", "metric")):
            if item.duty != duty_id or (per_person and item.person != person):
                continue
            totals[item.metric] = totals.get(item.metric, 0.0) + item.value
        problems = index.problems(months_between(slot.start, slot.end))
    items = tuple(KpiItem(m, totals.get(m, 0.0), b) for m, b in duty.kpi.items())
    standing = Standing(duty_id, slot.start, slot.end, slot.people, duty.kpi_per, person, items)
    return standing, problems


def standing_text(standing: Standing) -> str:
    """``photo 1/1 ok, repost 0/1 missing, news 1/1 ok``."""
    if not standing.items:
        return "no KPI"
    return ", ".join(
        f"{item.metric} {_num(item.done)}/{item.bound.text} {item.status}"
        for item in standing.items
    )


# -- entries -------------------------------------------------------------------------------


def list_entries(
    repo,
    *,
    month: str | None = None,
    all_months: bool = False,
    person: str | None = None,
    duty: str | None = None,
    progress: Progress | None = None,
) -> EntriesResult:
    """Active entries (voids applied, duplicates once) of a month or of the whole log."""
    from dutyctl.app.load import load, plan_today
    from dutyctl.core.syntax import parse_month

    found, plan = load(repo)
    if month and all_months:
        raise UsageError("--month and --all cannot be used together", hint="give one of them")
    problems: list[Problem] = []
    _known("person", person, plan.people, problems, "--person")
    _known("duty", duty, plan.duties, problems, "--duty")
    if problems:
        raise _refused(problems, "nothing to list")
    from dutyctl.store.logindex import LogIndex

    if all_months:
        label, months, first, last = "all", None, None, None
    else:
        period = parse_month(month or "this", plan_today(plan))
        label, months = period.label, {period.label}
        first, last = period.span.start, period.span.end
    index = LogIndex(found.root, progress)
    try:
        problems = index.problems(months)
    except BaseException:
        index.close()
        raise
    entries = index.entries(first, last, person=person, duty=duty,
                            order="date, recorded_at, id")
    return EntriesResult(plan, label, _closing(index, entries), problems)


def _closing(index, entries: Iterator[Entry]) -> Iterator[Entry]:
    """``entries`` as they come from the index (one month of 300,000 rows is never held),
    then the index closed."""
    with index:
        yield from entries


def entry_record(entry: Entry) -> dict:
    """An entry for JSON: the log's columns without ``voids``, numbers as numbers."""
    return {
        "id": entry.id,
        "recorded_at": entry.recorded_at,
        "date": entry.date.isoformat(),
        "person": entry.person,
        "duty": entry.duty,
        "channel": entry.channel,
        "metric": entry.metric,
        "value": _json_number(entry.value),
        "minutes": None if entry.minutes is None else _json_number(entry.minutes),
        "url": entry.url,
        "note": entry.note,
    }


# -- doctor --------------------------------------------------------------------------------


def doctor(repo, fix: bool = False, progress: Progress | None = None) -> DoctorResult:
    """Every problem of the log; with ``fix``, re-saved files written again in the log's
    format and then unreadable rows moved to quarantine.csv."""
    from dutyctl.app.load import load, plan_today
    from dutyctl.core.logchecks import check_entries
    from dutyctl.store.logfile import (
        _log_files,
        quarantine,
        repair_resaved,
        resaved_files,
        unread_files,
    )
    from dutyctl.store.logindex import LogIndex

    found, plan = load(repo)
    moved: list[Problem] = []
    skipped: list[Problem] = []
    repaired = []
    quarantine_file = None
    if fix:
        repaired = repair_resaved(found.root)
        done = quarantine(found.root)
        moved, skipped = done.moved, done.skipped
        if done.quarantine_file is not None:
            quarantine_file = found.relative(done.quarantine_file)
    today = plan_today(plan)
    with LogIndex(found.root, progress) as index:
        problems = index.problems()
        unknown_names: list[Problem] = []
        rows = index.suspects(set(plan.people), set(plan.metrics), set(plan.duties),
                              plan.start, today)
        checked = check_entries(_known_rows(rows, plan, unknown_names), start=plan.start,
                                today=today)
        count = index.count()
    problems += unknown_names + checked + unread_files(found.root)
    problems.sort(key=_file_order)
    resaved = resaved_files(found.root) if any(_wrong_header(p) for p in problems) else {}
    problems = [_resaved_problem(p, resaved) for p in problems]
    skipped = [_resaved_problem(p, resaved) for p in skipped]
    return DoctorResult(
        [found.relative(p) for p in _log_files(found.root, None)],
        count,
        problems,
        moved,
        quarantine_file,
        skipped,
        fix,
        repaired,
    )


def _known_rows(rows, plan: Plan, problems: list[Problem]):
    """The rows, on their way to the checks of what they mean, checked first against the
    plan's people, metrics and duties, and for a void of an id the log does not hold. A
    void row's duty is its entry's, copied: the entry is where a wrong one is named."""
    for entry, where, lost in rows:
        checks = [("person", entry.person, plan.people)]
        if not entry.is_void:
            checks.append(("metric", entry.metric, plan.metrics))
            if entry.duty:
                checks.append(("duty", entry.duty, plan.duties))
        for kind, word, known in checks:
            if word not in known:
                message, hint = unknown(kind, word, known)
                problems.append(Problem(where, message, hint))
        if lost:
            problems.append(Problem(
                where,
                f"void row {entry.id} cancels {entry.voids}, which is not in the log",
                hint="check the id; the entry may be in a file not yet merged",
                severity="warning",
            ))
        yield entry, where


def _file_order(problem: Problem) -> tuple[str, int]:
    where = problem.location
    return (where.file or "", where.line or 0) if where else ("", 0)


def _wrong_header(problem: Problem) -> bool:
    return problem.message.startswith("wrong header")


def _resaved_problem(problem: Problem, resaved: dict) -> Problem:
    """A wrong header said better when a spreadsheet re-saved the file."""
    found = resaved.get(problem.location.file) if problem.location else None
    if found is None or not _wrong_header(problem):
        return problem
    if found.repairable:
        return problem._replace(
            message=f"re-saved by a spreadsheet ({found.summary()}): none of its rows are read",
            hint="`dutyctl doctor --fix` writes it again in the log's format, keeping every "
            "row; or export it again as CSV UTF-8 with ',' separators",
        )
    return problem._replace(
        message=f"re-saved by a spreadsheet, and {found.blocker}: none of its rows are read",
        hint="`doctor --fix` cannot repair it without losing something: put the log's "
        "columns back (git show HEAD:" + problem.location.file + " has the last committed "
        "copy), then run doctor again",
    )


# -- import --------------------------------------------------------------------------------


def import_file(
    repo,
    file: Path,
    maps: Sequence[str] = (),
    *,
    person: str | None = None,
    dry_run: bool = False,
    progress=None,
) -> ImportResult:
    """Import a spreadsheet export: every row checked, nothing appended unless all are good.

    Columns are matched to entry fields by name (case-insensitive), or by
    ``--map COLUMN=FIELD``; ``--map COLUMN=metric:ID`` reads a column as the value of
    metric ID (a wide layout, one column per metric); ``--map COLUMN=`` ignores it.
    """
    from dutyctl.app.load import PlanViews, open_repo, plan_today
    from dutyctl.core.rotation import build_rotation
    from dutyctl.store.logfile import append_entries, next_entry_id

    found = open_repo(repo)
    views = PlanViews(found)
    plan = views.plan()  # the rotation of every row's day is built from it
    view = views.log_view()
    today = plan_today(plan)
    shown = str(file)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if person is not None:
        _known("person", person, view.people, problems, "--person")
    mapping = _parse_maps(view, maps, problems)
    text = _read_text(file)
    rows = _csv_rows(text, shown)
    if not rows:
        raise UsageError(f"{shown} is empty", hint="export the sheet with a header row")
    header_line, header = rows[0]
    columns = _map_columns(header, mapping, shown, header_line, problems, warnings)
    fields = {f for f, _ in columns.values()}
    metric_columns = [c for c, (f, _) in columns.items() if f == "metric-value"]
    if "date" not in fields:
        problems.append(
            Problem(
                Location(shown, header_line),
                "no date column",
                hint="name a column 'date' or map one: --map Day=date",
            )
        )
    if "person" not in fields and person is None:
        problems.append(
            Problem(
                Location(shown, header_line),
                "no person column and no --person",
                hint="map one (--map Who=person) or give --person ID for every row",
            )
        )
    if not metric_columns and not {"metric", "value"} <= fields:
        problems.append(
            Problem(
                Location(shown, header_line),
                "no metric and value columns",
                hint="name columns 'metric' and 'value', or map a column per metric: "
                "--map Photos=metric:photo",
            )
        )
    if problems:
        raise _refused(problems, "nothing was imported")

    drafts: list[tuple[int, dict]] = []
    rotation = None
    for number, (line, cells) in enumerate(rows[1:], start=1):
        if progress is not None and (number % 500 == 0 or number == len(rows) - 1):
            progress(number, len(rows) - 1)
        if not any(c.strip() for c in cells):
            continue
        where = Location(shown, line)
        if len(cells) > len(header):
            problems.append(
                Problem(
                    where,
                    f"row has {len(cells)} cells, the header {len(header)}",
                    hint="a cell may hold an unquoted delimiter",
                )
            )
            continue
        cells = cells + [""] * (len(header) - len(cells))
        raw: dict[str, str] = {}
        wide: list[tuple[str, str]] = []
        for index, (fieldname, metric) in columns.items():
            value = cells[index].strip() if fieldname != "note" else cells[index]
            if fieldname == "metric-value":
                if value.strip():
                    wide.append((metric, value.strip()))
            else:
                raw[fieldname] = value
        before = len(problems)
        row_person = raw.get("person") or person
        if not row_person:
            problems.append(Problem(where, "no person", hint="fill the cell or give --person"))
        elif row_person not in view.people:
            message, hint = unknown("person", row_person, view.people)
            problems.append(Problem(where, message, hint))
        day = None
        if not raw.get("date"):
            problems.append(Problem(where, "no date", hint="write dates as YYYY-MM-DD"))
        else:
            day = _row_date(view, raw["date"], today, where, problems)
        pairs: list[tuple[str, str]] = []
        if raw.get("metric") or raw.get("value"):
            pairs.append((raw.get("metric", ""), raw.get("value", "")))
        pairs.extend(wide)
        values: list[tuple[str, float]] = []
        for metric, value_text in pairs:
            if not metric:
                problems.append(Problem(where, f"value '{value_text}' has no metric"))
                continue
            values += parse_metric_args(view, [f"{metric}={value_text}"], problems, where)
        if not pairs:
            warnings.append(
                Problem(where, "no metric value on this row; skipped", severity="warning")
            )
        channel = raw.get("channel") or None
        duty = raw.get("duty") or None
        _known("channel", channel, view.channels, problems, "channel", where)
        _known("duty", duty, view.duties, problems, "duty", where)
        minutes = None
        if raw.get("minutes"):
            minutes = _minutes(raw["minutes"], "minutes", problems, where)
        for name in ("url", "note"):
            _text_ok(name, raw.get(name, ""), name, problems, where)
        if len(problems) > before or not pairs:
            continue
        assert day is not None and row_person is not None
        if rotation is None or rotation.until < day:
            rotation = build_rotation(plan, max(day, today))
        row_warnings: list[Problem] = []
        chosen = _duty_for(rotation.on(day), row_person, day, duty, problems, row_warnings, where)
        if len(problems) > before:
            continue
        _duty_warnings(view, chosen, [m for m, _ in values], channel, row_warnings, where)
        warnings.extend(row_warnings)
        drafts.append(
            (
                line,
                {
                    "date": day,
                    "person": row_person,
                    "duty": chosen,
                    "channel": channel or "",
                    "values": values,
                    "minutes": minutes,
                    "url": restore(raw.get("url", "")),
                    "note": restore(raw.get("note", "")),
                },
            )
        )
    if problems:
        raise _refused(problems, f"nothing was imported from {shown}")
    recorded_at = format_recorded_at(_now())
    entries: list[Entry] = []
    for _, draft in drafts:
        for index, (metric, value) in enumerate(draft["values"]):
            entries.append(
                Entry(
                    id=next_entry_id(),
                    recorded_at=recorded_at,
                    date=draft["date"],
                    person=draft["person"],
                    duty=draft["duty"],
                    channel=draft["channel"],
                    metric=metric,
                    value=value,
                    minutes=draft["minutes"] if index == 0 else None,
                    url=draft["url"],
                    note=draft["note"],
                )
            )
    files: list[str] = []
    if not dry_run and entries:
        appended = append_entries(found.root, entries)
        files = [found.relative(p) for p in appended.files]
        warnings.extend(appended.repaired)
    return ImportResult(plan, shown, entries, files, warnings, len(drafts), dry_run)


def _parse_maps(view: LogView, maps: Sequence[str], problems: list[Problem]) -> dict[str, tuple]:
    """``--map`` options: column name (lower case) -> (field, metric) or None to ignore."""
    mapping: dict[str, tuple | None] = {}
    for item in maps:
        column, equals, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not equals or not column:
            problems.append(
                Problem(
                    None,
                    f"--map '{item}' is not COLUMN=FIELD",
                    hint="e.g. --map Day=date, --map Photos=metric:photo, --map Comment=",
                )
            )
            continue
        if not target:
            mapping[column.lower()] = None
        elif target.startswith("metric:"):
            metric = target.removeprefix("metric:").strip()
            if metric not in view.metrics:
                message, hint = unknown("metric", metric, view.metrics)
                problems.append(Problem(None, f"--map '{item}': {message}", hint))
                continue
            mapping[column.lower()] = ("metric-value", metric)
        elif target in ENTRY_FIELDS:
            mapping[column.lower()] = (target, None)
        else:
            message, hint = unknown("field", target, ENTRY_FIELDS)
            problems.append(
                Problem(
                    None,
                    f"--map '{item}': {message}",
                    hint + "; or metric:ID for a column of one metric's values",
                )
            )
    return mapping


def _map_columns(
    header: list[str],
    mapping: dict[str, tuple | None],
    shown: str,
    line: int,
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[int, tuple[str, str | None]]:
    columns: dict[int, tuple[str, str | None]] = {}
    used: dict[tuple, str] = {}
    ignored = []
    for index, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").lower()
        if key in mapping:
            target = mapping[key]
        elif key in ENTRY_FIELDS:
            target = (key, None)
        else:
            target = None
            if key:
                ignored.append(name.strip())
        if target is None:
            continue
        if target in used:
            problems.append(
                Problem(
                    Location(shown, line),
                    f"columns '{used[target]}' and '{name.strip()}' both map to "
                    + (f"metric:{target[1]}" if target[1] else target[0]),
                    hint="map one of them elsewhere, or ignore it with --map COLUMN=",
                )
            )
            continue
        used[target] = name.strip()
        columns[index] = target
    unknown_maps = set(mapping) - {h.strip().lstrip("\ufeff").lower() for h in header}
    for key in sorted(unknown_maps):
        hint = did_you_mean(key, [h.strip() for h in header]) or "columns: " + ", ".join(header)
        problems.append(Problem(Location(shown, line), f"--map names no column '{key}'", hint))
    if ignored:
        warnings.append(
            Problem(
                Location(shown, line),
                "columns not imported: " + ", ".join(ignored),
                hint="map them with --map COLUMN=FIELD if they hold entry fields",
                severity="warning",
            )
        )
    return columns


def _read_text(file: Path) -> str:
    from dutyctl.store.safefiles import read_regular

    try:
        data = read_regular(file, str(file), "import file", IMPORT_MAX_BYTES, UsageError)
    except FileNotFoundError:
        raise UsageError(f"{file} does not exist", hint="give the path of a CSV file") from None
    except OSError as error:
        raise UsageError(
            f"cannot read {file}: {error.strerror or error}", hint="give the path of a CSV file"
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{file} is not UTF-8 text (byte {error.start + 1})",
            hint="export the sheet as CSV UTF-8",
        ) from None


def _csv_rows(text: str, shown: str) -> list[tuple[int, list[str]]]:
    """Rows with the 1-based line each starts on; the delimiter is sniffed from the header."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    import csv  # here: only `dutyctl log import` reads CSV with quoting rules

    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            # A quote opened on the row's first line runs to the end of the file.
            raise InputError(
                "a quoted cell opened on this line is never closed",
                location=Location(shown, line),
                hint='close the quote with another ", or write a quote inside a cell as ""',
            ) from None
        raise InputError(
            f"not a readable CSV file: {error}",
            location=Location(shown, reader.line_num or line),
            hint="check the quotes on that line",
        ) from None
    return rows


def _row_date(
    view: LogView, text: str, today: date, where: Location, problems: list[Problem]
) -> date | None:
    from dutyctl.core.dates import parse_date

    try:
        day = parse_date(text)
    except InputError as error:
        problems.append(Problem(where, error.message, error.hint))
        return None
    return day if _date_ok(view, day, today, problems, where) else None


# -- shared checks -------------------------------------------------------------------------


def _who(view: LogView, found: Repo, person: str | None, problems: list[Problem]) -> str | None:
    from dutyctl.store.identity import person_id

    if person is not None and person not in view.people:
        message, hint = unknown("person", person, view.people)
        problems.append(Problem(None, f"--person: {message}", hint))
        return None
    try:
        return person_id(view, found, person)
    except DutyctlError as error:
        problems.append(Problem(error.location, error.message, error.hint))
        return None


def _day(view: LogView, text: str | None, today: date, problems: list[Problem]) -> date | None:
    from dutyctl.core.dates import parse_day

    if text is None:
        day = today
    else:
        try:
            day = parse_day(text, today)
        except DutyctlError as error:
            problems.append(Problem(None, f"--date: {error.message}", error.hint))
            return None
    return day if _date_ok(view, day, today, problems, None) else None


def _date_ok(
    view: LogView, day: date, today: date, problems: list[Problem], where: Location | None
) -> bool:
    if day > today:
        problems.append(
            Problem(
                where,
                f"{day.isoformat()} is in the future (today is {today.isoformat()})",
                hint="log work once it is done",
            )
        )
        return False
    if day < view.start:
        problems.append(
            Problem(
                where,
                f"{day.isoformat()} is before the plan's start ({view.start.isoformat()})",
                hint="check the date",
            )
        )
        return False
    return True


def _known(
    kind: str,
    value: str | None,
    known,
    problems: list[Problem],
    label: str,
    where: Location | None = None,
) -> None:
    if value is not None and value not in known:
        message, hint = unknown(kind, value, known)
        problems.append(Problem(where, f"{label}: {message}", hint))


def _number(
    text: str,
    label: str,
    what: str,
    problems: list[Problem],
    where: Location | None = None,
) -> float | None:
    from dutyctl.core.dates import parse_number

    try:
        return parse_number(text.strip(), what=what)
    except InputError as error:
        problems.append(
            Problem(where, f"{label}: {error.message}", error.hint or "write a number such as 1")
        )
        return None


def _minutes(text: str, label: str, problems: list[Problem], where: Location | None = None):
    from dutyctl.core.dates import MAX_MINUTES

    value = _number(text, label, "number of minutes", problems, where)
    if value is not None and value > MAX_MINUTES:
        problems.append(
            Problem(
                where,
                f"{label}: {text.strip()} minutes is more than a day ({MAX_MINUTES})",
                hint="log the time of one day's work; several days are several entries",
            )
        )
        return None
    return value


def _text_ok(
    name: str, text: str, label: str, problems: list[Problem], where: Location | None = None
) -> None:
    """A url or note (``label`` as the user wrote it) that the log can store."""
    if not _utf8(text):
        problems.append(Problem(where, f"{label} holds characters UTF-8 cannot store"))
    elif len(text) > MAX_TEXT[name]:
        problems.append(
            Problem(
                where,
                f"{label} is {len(text)} characters long; a {name} may be at most "
                f"{MAX_TEXT[name]}",
                hint="keep the note short, and put a long text behind a link (--url)"
                if name == "note" else "shorten the link",
            )
        )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _duty_for(
    on_day: Sequence[DaySlot | Assignment],
    pid: str,
    day: date,
    duty: str | None,
    problems: list[Problem],
    warnings: list[Problem],
    where: Location | None = None,
) -> str:
    """The duty the entries count for: given, or the one duty the person holds that day.

    ``on_day``: the slots covering ``day`` (``rotation.on(day)``)."""
    held = sorted({a.duty for a in on_day if pid in a.people})
    if duty is not None:
        if duty not in held:
            warnings.append(
                Problem(
                    where,
                    f"{pid} is not on {duty} duty on {day.isoformat()}; logged for {duty} anyway",
                    hint=f"{pid} holds " + (", ".join(held) if held else "no duty") + " that day",
                    severity="warning",
                )
            )
        return duty
    if len(held) == 1:
        return held[0]
    if not held:
        warnings.append(
            Problem(
                where,
                f"{pid} is not on duty that day ({day.isoformat()}); logged without a duty",
                hint="pass --duty ID to count it for a duty",
                severity="warning",
            )
        )
        return ""
    problems.append(
        Problem(
            where,
            f"{pid} holds several duties on {day.isoformat()}: {', '.join(held)}",
            hint="say which one with " + " or ".join(f"--duty {d}" for d in held)
            if where is None
            else "fill the duty column with one of " + ", ".join(held),
        )
    )
    return ""


def _duty_warnings(
    view: LogView,
    duty_id: str,
    metrics: Iterable[str],
    channel: str | None,
    warnings: list[Problem],
    where: Location | None = None,
) -> None:
    if not duty_id:
        return
    duty = view.duties[duty_id]
    for metric in metrics:
        outcome = view.metrics.get(metric) == "outcome"
        if metric not in duty.kpi and not outcome:
            counted = ", ".join(duty.kpi) or "nothing"
            warnings.append(
                Problem(
                    where,
                    f"duty {duty_id} does not count {metric} (it counts {counted}); logged anyway",
                    severity="warning",
                )
            )
    if channel and duty.channels and channel not in duty.channels:
        warnings.append(
            Problem(
                where,
                f"channel {channel} is not one of {duty_id}'s channels "
                f"({', '.join(duty.channels)}); logged anyway",
                severity="warning",
            )
        )


def _refused(problems: list[Problem], what: str) -> UsageError:
    count = len(problems)
    return UsageError(f"{what}: {count} problem{'s' if count != 1 else ''}", problems=problems)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _now():
    from dutyctl.store.clock import utc_now

    return utc_now()


# -- git -----------------------------------------------------------------------------------


def _commit(
    found: Repo, entries: list[Entry], message: str
) -> tuple[CommitInfo | None, DutyctlError | None]:
    """The commit of the new rows, or why git could not make it (the rows stay logged)."""
    try:
        return commit_rows(found.root, entries, message), None
    except DutyctlError as error:
        return None, error


def commit_rows(root: Path, entries: list[Entry], message: str) -> CommitInfo:
    """Commit exactly these rows (appended to their month files) on top of HEAD.

    The commit is HEAD's tree with each month file's HEAD content plus the new rows,
    built in a temporary index: nothing else the user changed or staged goes in. The
    real index then gets the same rows added to what it held for those files, so
    ``git status`` shows the rows as committed and every other change as before.
    """
    from dutyctl.store.logfile import HEADER_LINE, encode_entries, log_path

    if shutil.which("git") is None:
        raise CommitFailed(
            "git is not installed: the entries are logged but not committed",
            hint="install git, then commit logs/ yourself",
        )
    top_text = _git(root, "rev-parse", "--show-toplevel", check=False)
    if top_text is None:
        raise CommitFailed(
            f"{root} is not in a git repository: the entries are logged but not committed",
            hint="run 'git init' there, or log without --commit",
        )
    top = Path(top_text.decode().strip())
    real_top = Path(os.path.realpath(top))
    rows: dict[str, bytes] = {}
    for month in sorted({e.month for e in entries}):
        chosen = [e for e in entries if e.month == month]
        path = Path(os.path.realpath(log_path(root, chosen[0].date)))
        rel = path.relative_to(real_top).as_posix()
        rows[rel] = encode_entries(chosen)

    def extended(base: bytes | None, block: bytes) -> bytes:
        if not base:
            return HEADER_LINE + block
        return base + (b"" if base.endswith(b"\n") else b"\n") + block

    for _attempt in range(20):
        head = _git(top, "rev-parse", "--verify", "-q", "HEAD", check=False)
        head_sha = head.decode().strip() if head else None
        # What HEAD and the index hold for each file, in one git call.
        specs = [f"{head_sha}:{rel}" if head_sha else "" for rel in rows]
        specs += [f":{rel}" for rel in rows]
        contents = _cat_files(top, specs)
        committed: dict[str, str] = {}
        staged: dict[str, str] = {}
        for index, (rel, block) in enumerate(rows.items()):
            in_head, in_index = contents[index], contents[len(rows) + index]
            committed[rel] = _hash(top, extended(in_head, block))
            same = in_index is None or in_index == in_head
            staged[rel] = committed[rel] if same else _hash(top, extended(in_index, block))
        import tempfile  # here: only --commit needs it, and `dutyctl log` starts faster

        with tempfile.TemporaryDirectory(prefix="dutyctl-commit-") as temp:
            env = {"GIT_INDEX_FILE": str(Path(temp) / "index")}
            if head_sha:
                _git(top, "read-tree", head_sha, env=env)
            _git(top, "update-index", "--add", *_cacheinfo(committed), env=env)
            tree = _git(top, "write-tree", env=env).decode().strip()
        parents = ["-p", head_sha] if head_sha else []
        commit = _git(top, "commit-tree", tree, *parents, "-m", message).decode().strip()
        old = head_sha or ""
        moved = _git(
            top, "update-ref", "-m", "dutyctl log --commit", "HEAD", commit, old, check=False
        )
        if moved is not None:
            break
        time.sleep(0.05)  # HEAD moved under us (another commit): build again on the new one
    else:
        raise CommitFailed(
            "HEAD kept moving; the entries are logged but not committed",
            hint="commit logs/ yourself",
        )
    # The real index: what it held for the files plus the same rows, so that the rows
    # show as committed and any other staged change stays staged.
    for _try in range(50):
        if _git(top, "update-index", "--add", *_cacheinfo(staged), check=False) is not None:
            break
        time.sleep(0.1)  # index.lock held by another git command
    else:
        unsynced = " ".join(rows)
        raise CommitFailed(
            f"committed {commit[:10]}, but git's index could not be updated for {unsynced}",
            hint=f"run 'git reset -q -- {unsynced}' before your next commit, "
            "or it would take the rows back out",
        )
    return CommitInfo(commit, message, tuple(rows))


def _cacheinfo(blobs: dict[str, str]) -> list[str]:
    args = []
    for rel, blob in blobs.items():
        args += ["--cacheinfo", f"100644,{blob},{rel}"]
    return args


def _cat_files(top: Path, specs: list[str]) -> list[bytes | None]:
    """The content of each ``REV:path`` (None when missing or when the spec is empty)."""
    wanted = [spec for spec in specs if spec]
    data = _git(top, "cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
    found: dict[str, bytes | None] = {}
    offset = 0
    for spec in wanted:
        end = data.index(b"\n", offset)
        head = data[offset:end].split()
        offset = end + 1
        if len(head) == 3 and head[1] == b"blob":
            size = int(head[2])
            found[spec] = data[offset : offset + size]
            offset += size + 1
        else:
            found[spec] = None  # "missing", or not a blob
    return [found.get(spec) if spec else None for spec in specs]


def _hash(top: Path, data: bytes) -> str:
    return _git(top, "hash-object", "-w", "--stdin", input=data).decode().strip()


def _git(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> bytes | None:
    """Run git with an argument list; its stdout, or None when ``check`` is off and it fails."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env={**os.environ, **(env or {})},
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except OSError as error:
        raise CommitFailed(
            f"cannot run git ({error.strerror}): the entries are logged but not committed"
        ) from None
    if done.returncode != 0:
        if not check:
            return None
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CommitFailed(
            f"git {args[0]} failed: {detail[-1] if detail else done.returncode}; "
            "the entries are logged but not committed",
            hint="commit logs/ yourself once git works",
        )
    return done.stdout


__all__ = [
    "CommitFailed",
    "DoctorResult",
    "EntriesResult",
    "ImportResult",
    "LogResult",
    "Standing",
    "commit_rows",
    "doctor",
    "entry_record",
    "import_file",
    "list_entries",
    "log_entries",
    "months_between",
    "standing_for",
    "standing_text",
    "void_entry",
]

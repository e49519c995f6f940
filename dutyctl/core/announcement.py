"""The daily announcement: who is on duty today, how the slots that just ended went,
the review, last month's award. Pure: plan, rotation and log entries in, text out.

What goes into the message for a day D
    * **Duties**: each slot whose *announce day* is D, with its people, KPI minimums
      and due days. A one-day slot is announced on its day; a longer slot (a week of
      blog duty) on its first working day (Monday, or the first working day after a
      holiday Monday), or on its first day when it has no working day.
    * **Due today**: a longer slot that covers D, announced earlier, whose duty has
      items due on D's weekday.
    * **Results** (on working days only): each slot with people that ended from the
      previous working day up to the day before D: met, or what was missing. On a
      Monday that covers Friday's slot and last week's.
    * **Review**: a reminder when D is a review day (moved off holidays: see
      :mod:`dutyctl.core.workdays`, as are due days).
    * **Award**: on the first working day of a month, last month's award by the
      plan's rule (:func:`dutyctl.core.reports.month_report`).

A working day is Monday to Friday and not a holiday of the plan. An announcement
with none of these is empty: there is nothing to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dutyctl.core.dates import months_between
from dutyctl.core.entries import Entry
from dutyctl.core.model import Plan, Span
from dutyctl.core.rotation import Assignment, Rotation
from dutyctl.core.workdays import short_day

# How far back the previous working day is looked for (a plan could list long holidays).
_MAX_LOOKBACK = 366
# English names whatever the locale (strftime's %A and %B follow LC_TIME).
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class DutyLine:
    """A slot announced today (``kind`` "start") or reminded because items are due."""

    kind: str  # "start" or "due"
    duty: str
    name: str
    start: date
    end: date
    people: tuple[str, ...]
    names: tuple[str, ...]
    kpi: tuple[tuple[str, str], ...]  # (metric, bound text), in the plan's order
    kpi_each: bool  # kpi_per person with more than one person
    due: tuple[str, ...]  # weekday codes
    due_today: bool
    # Due days of the slot moved off holidays: "Wed 2026-12-23, moved from Thu 2026-12-24, ..."
    due_moves: tuple[str, ...] = ()
    due_today_note: str | None = None  # "moved from Thu 2026-12-24, extra holiday"


@dataclass(frozen=True)
class ResultLine:
    """A slot that ended since the previous working day, and how it did."""

    duty: str
    start: date
    end: date
    people: tuple[str, ...]
    names: tuple[str, ...]
    met: bool
    met_by: tuple[str, ...]  # names credited with a met slot (kpi_per person)
    shortfall: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class AwardLine:
    title: str
    month: str  # "October 2026"
    winner: str | None  # the winner's name
    value: str  # "42 points"
    tie_break: str | None
    min_compliance: float


@dataclass(frozen=True)
class Announcement:
    team: str
    day: date
    working_day: bool
    holiday: str | None
    duties: tuple[DutyLine, ...]
    results: tuple[ResultLine, ...]
    review: str | None  # the review's title when D is a review day
    award: AwardLine | None
    on_duty: tuple[str, ...]  # ids of the people in ``duties``, in order, each once
    review_note: str | None = None  # "moved from Fri 2026-12-25, Christmas Day"

    @property
    def empty(self) -> bool:
        return not (self.duties or self.results or self.review or self.award)


# --- Days ---------------------------------------------------------------------------------


def is_working_day(plan: Plan, day: date) -> bool:
    return day.weekday() < 5 and not plan.is_holiday(day)


def previous_working_day(plan: Plan, day: date) -> date | None:
    for back in range(1, _MAX_LOOKBACK + 1):
        candidate = day - timedelta(days=back)
        if candidate < plan.start - timedelta(days=7):
            return None
        if is_working_day(plan, candidate):
            return candidate
    return None


def first_working_day(plan: Plan, start: date, end: date) -> date | None:
    day = start
    while day <= end:
        if is_working_day(plan, day):
            return day
        day += timedelta(days=1)
    return None


def announce_day(plan: Plan, slot: Assignment) -> date:
    """The day a slot is announced: its first working day, else its first day."""
    if slot.start == slot.end:
        return slot.start
    return first_working_day(plan, slot.start, slot.end) or slot.start


def is_first_working_day_of_month(plan: Plan, day: date) -> bool:
    return first_working_day(plan, day.replace(day=1), day) == day


def previous_month(day: date) -> Span:
    last = day.replace(day=1) - timedelta(days=1)
    return Span(last.replace(day=1), last)


def ended_slots(plan: Plan, rotation: Rotation, day: date) -> list[Assignment]:
    """The slots with people that ended from the previous working day to the day before."""
    if not is_working_day(plan, day):
        return []
    since = previous_working_day(plan, day) or plan.start
    yesterday = day - timedelta(days=1)
    return [a for a in rotation.assignments if since <= a.end <= yesterday and a.people]


def log_months(plan: Plan, rotation: Rotation, day: date) -> set[str]:
    """The months of the KPI log the announcement of ``day`` needs."""
    first = previous_month(day).start
    for slot in ended_slots(plan, rotation, day):
        first = min(first, slot.start)
    return months_between(first, day)


# --- Building -----------------------------------------------------------------------------


def build(plan: Plan, rotation: Rotation, entries: Sequence[Entry], day: date) -> Announcement:
    """The announcement of ``day``. ``rotation`` must reach ``day``; ``entries`` must hold
    the months :func:`log_months` names (more do no harm)."""
    from dutyctl.core.agenda import next_review_move, slot_due_days

    duties: list[DutyLine] = []
    for slot in sorted(rotation.on(day), key=lambda a: (a.start != a.end, a.duty)):
        duty = plan.duties[slot.duty]
        due = slot_due_days(plan, slot.duty, slot.start, slot.end)
        today_due = [m for m in due if m.day == day]
        due_today = bool(today_due)
        if announce_day(plan, slot) == day:
            kind = "start"
        elif due_today:
            kind = "due"
        else:
            continue
        duties.append(
            DutyLine(
                kind=kind,
                duty=slot.duty,
                name=duty.name,
                start=slot.start,
                end=slot.end,
                people=slot.people,
                names=tuple(_name(plan, p) for p in slot.people),
                kpi=tuple((m, str(b)) for m, b in duty.kpi.items()),
                kpi_each=duty.kpi_per == "person" and len(slot.people) > 1,
                due=duty.due_codes,
                due_today=due_today,
                due_moves=tuple(f"{short_day(m.day)}, {m.note()}" for m in due if m.moved),
                due_today_note=next((m.note() for m in today_due if m.moved), None),
            )
        )
    review = review_note = None
    move = next_review_move(plan, day)
    if plan.review is not None and move is not None and move.day == day:
        review = plan.review.title
        review_note = move.note()
    on_duty: list[str] = []
    for line in duties:
        on_duty.extend(p for p in line.people if p not in on_duty)
    return Announcement(
        team=plan.team,
        day=day,
        working_day=is_working_day(plan, day),
        holiday=plan.holiday_dates.get(day),
        duties=tuple(duties),
        results=tuple(_results(plan, rotation, entries, day)),
        review=review,
        award=_award(plan, rotation, entries, day),
        on_duty=tuple(on_duty),
        review_note=review_note,
    )


def _name(plan: Plan, person_id: str) -> str:
    person = plan.people.get(person_id)
    return person.name if person is not None else person_id


def _results(
    plan: Plan, rotation: Rotation, entries: Sequence[Entry], day: date
) -> list[ResultLine]:
    from dutyctl.core.compliance import judge_slots

    ended = ended_slots(plan, rotation, day)
    if not ended:
        return []
    wanted = {(a.duty, a.start) for a in ended}
    period = Span(min(a.start for a in ended), day - timedelta(days=1))
    lines = []
    for result in judge_slots(plan, rotation, entries, period, day):
        if (result.duty, result.start) not in wanted:
            continue
        lines.append(
            ResultLine(
                duty=result.duty,
                start=result.start,
                end=result.end,
                people=result.people,
                names=tuple(_name(plan, p) for p in result.people),
                met=result.met,
                met_by=tuple(_name(plan, p) for p in result.met_by) if not result.met else (),
                shortfall=tuple(
                    (m, result.shortfall[m])
                    for m in plan.duties[result.duty].kpi
                    if m in result.shortfall
                ),
            )
        )
    lines.sort(key=lambda r: (r.end - r.start, r.start, r.duty))
    return lines


def _award(plan: Plan, rotation: Rotation, entries: Sequence[Entry], day: date) -> AwardLine | None:
    from dutyctl.core.reports import describe, month_report

    if plan.award is None or not is_first_working_day_of_month(plan, day):
        return None
    span = previous_month(day)
    if span.end < plan.start:
        return None
    label = f"{span.start:%Y-%m}"
    report = month_report(plan, rotation, entries, label, span, day)
    result = report.award
    if result is None:
        return None
    winner = result.winner
    return AwardLine(
        title=result.title,
        month=f"{_MONTHS[span.start.month - 1]} {span.start.year}",
        winner=winner.name if winner else None,
        value=describe(result.by, getattr(winner, result.by)) if winner else "",
        tie_break=result.tie_break,
        min_compliance=result.min_compliance,
    )


# --- Rendering ----------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.isoformat()}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _and(names: Sequence[str]) -> str:
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def duty_phrase(name: str) -> str:
    """``Social media duty`` -> ``social media duty``; ``LinkedIn`` -> ``LinkedIn duty``."""
    first = name.split(" ", 1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        name = name[:1].lower() + name[1:]
    return name if "duty" in name.lower() else f"{name} duty"


def _when(line: DutyLine) -> str:
    if line.start == line.end:
        return "Today"
    if line.start.weekday() == 0 and (line.end - line.start).days == 6:
        return "This week"
    if line.start.day == 1 and (line.end + timedelta(days=1)).day == 1:
        return "This month"
    return f"From {line.start.isoformat()} to {line.end.isoformat()}"


def _ended(result: ResultLine, day: date) -> str:
    if result.start == result.end:
        if result.end == day - timedelta(days=1):
            return "Yesterday"
        return _day(result.end)
    if result.start.weekday() == 0 and (result.end - result.start).days == 6:
        return "Last week"
    if result.start.day == 1 and (result.end + timedelta(days=1)).day == 1:
        return "Last month"
    return str(Span(result.start, result.end))


def lines(announcement: Announcement, markdown: bool = False) -> list[str]:
    """The message's lines after its title, in the order they are shown."""

    def bold(text: str) -> str:
        return f"*{text}*" if markdown else text

    out = []
    for line in announcement.duties:
        who = _and([bold(n) for n in line.names])
        if line.kind == "due":
            note = f" ({line.due_today_note})" if line.due_today_note else ""
            out.append(f"Due today on {duty_phrase(line.name)}: {who}{note}")
            continue
        verb = "are" if len(line.names) > 1 else "is"
        text = f"{_when(line)} {who} {verb} on {duty_phrase(line.name)}"
        if not line.names:
            text += " (no one eligible)"
        if line.kpi:
            text += ": " + ("each " if line.kpi_each else "")
            text += ", ".join(f"{m} {b}" for m, b in line.kpi)
        if line.due and line.start != line.end:
            text += "; due " + ", ".join(line.due)
            text += "".join(f" ({move})" for move in line.due_moves)
        if line.due_today:
            text += " (due today)"
        out.append(text)
    for result in announcement.results:
        head = f"{_ended(result, announcement.day)}: {result.duty} ({', '.join(result.names)})"
        if result.met:
            out.append(f"{head} met")
            continue
        missing = ", ".join(f"{m} {_num(v)}" for m, v in result.shortfall)
        text = f"{head} missed {missing}"
        if result.met_by:
            text += f" (met by {', '.join(result.met_by)})"
        out.append(text)
    if announcement.review:
        note = f" ({announcement.review_note})" if announcement.review_note else ""
        out.append(f"Reminder: {bold(announcement.review)} today{note}")
    award = announcement.award
    if award is not None:
        if award.winner:
            text = f"{award.title}, {award.month}: {bold(award.winner)} ({award.value})"
            if award.tie_break:
                text += f"; {award.tie_break}"
        else:
            text = (
                f"{award.title}, {award.month}: nobody qualified "
                f"(minimum compliance {award.min_compliance * 100:.0f}%)"
            )
        out.append(text)
    return out


def title(announcement: Announcement) -> str:
    day = announcement.day
    text = f"{announcement.team}: {_day(day)}"
    if announcement.holiday:
        text += f" ({announcement.holiday})"
    return text


def subject(announcement: Announcement) -> str:
    """The e-mail subject."""
    day = announcement.day
    return f"{announcement.team}: duties for {_day(day)}"


def render_text(announcement: Announcement) -> str:
    """Plain text: for stdout (cron mails it) and e-mail."""
    return "\n".join([title(announcement), *lines(announcement)]) + "\n"


def render_markdown(announcement: Announcement) -> str:
    """Markdown for chat: a bold title and a bullet per line (Slack and Mattermost alike)."""
    body = [f"- {line}" for line in lines(announcement, markdown=True)]
    return "\n".join([f"*{title(announcement)}*", *body]) + "\n"


def render(announcement: Announcement, format: str) -> str:
    return render_markdown(announcement) if format == "markdown" else render_text(announcement)

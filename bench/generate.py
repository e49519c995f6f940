"""Benchmark data in shapes: duty repositories (plan.yaml + logs/YYYY-MM.csv), from a
fixed seed, into a cache folder outside git (bench/data/ by default), reused when present.

The rows are written here, in exactly the format `dutyctl log` writes (the header and
cell encoding of dutyctl/entries.py and the CSV dialect of the log file: minimal quoting,
"\\n" line ends, UTF-8 without a BOM, line breaks in a text field written as ``\\n``, a
leading ``'`` before what a spreadsheet would run as a formula). Nothing of dutyctl is
imported, so that one data set measures any checkout (tests/test_bench.py checks the
data with `dutyctl doctor` and against a row `dutyctl log` writes).

Shapes (see :data:`SHAPES`), all ending on :data:`TODAY`:

a. the 1000-person plan, 500 people logging 1,000,000 entries over 3 years;
b. the example plan (8 people, starts 2026-01-05), 1,000,000 entries dated from
   2024-01 (a team importing its old spreadsheet), every row naming a duty at random;
c. a 100-person plan, 300,000 entries over 3 years (a large real team);
d. the example plan, 10,000 entries in its first eleven months (a real small team);
e. as d with 300,000 entries of which 5% are void rows;
f. as d with 300,000 entries, every value fractional;
g. the example plan, one month holding 300,000 entries.

Also two repositories with an empty log for the start-up cases: ``startup-example``
(examples/plan.yaml) and ``startup-big`` (the 1000-person plan).

``python bench/generate.py [--quick] [--data DIR] [SHAPE...]`` makes them; bench/run.py
calls :func:`make`. A stamp beside each repository (its parameters, the generator's
version and the plan's hash) skips the work when the data is already there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ruamel.yaml import YAML  # dutyctl's own YAML library; only to read the example plan

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
EXAMPLE_PLAN = ROOT / "examples" / "plan.yaml"
VERSION = 2  # bump when the rows written for the same parameters change
SEED = 20261206
TODAY = date(2026, 11, 30)  # the last day of every history; DUTYCTL_TODAY of the report cases

HEADER = ("id", "recorded_at", "date", "person", "duty", "channel", "metric", "value",
          "minutes", "url", "note", "voids")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")

# The generated team plans (shapes a and c).
TEAM_METRICS = {"photo": 3, "repost": 1, "news": 2, "article": 10, "video": 5}
TEAM_OUTCOMES = ("followers", "clicks")
TEAM_CHANNELS = ("twitter", "instagram", "facebook", "linkedin", "blog", "youtube")
TEAM_DUTIES = [
    # id, cadence, people, kpi, channels
    ("social", "weekday", 1, "{photo: 1, repost: 1, news: 1}", "[twitter, instagram]"),
    ("facebook", "weekday", 1, "{photo: 1, repost: 2}", "[facebook]"),
    ("linkedin", "weekday", 1, "{news: 1}", "[linkedin]"),
    ("stories", "day", 1, "{photo: 2}", "[instagram]"),
    ("blog", "week", 2, "{article: 1..2}", "[blog]"),
    ("video", "week", 1, "{video: 1}", "[youtube]"),
    ("newsletter", "week", 1, "{news: 3}", "[blog]"),
    ("press", "weekday", 1, "{news: 1}", "[linkedin, twitter]"),
    ("community", "weekday", 2, "{repost: 3}", "[twitter, facebook]"),
    ("review", "month", 1, "{article: 1}", "[blog]"),
]
TEAM_START = date(2023, 12, 4)  # the first Monday of the month 35 months before TODAY


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    plan: str  # "example", or "team:N" (a generated N-person plan starting TEAM_START)
    entries: int
    quick_entries: int  # the size with --quick (tests/test_bench.py)
    first: date  # the day of the first entry
    loggers: int = 0  # how many of the roster log (0: all)
    voids: float = 0.004  # share of rows that are void rows
    fractional: bool = False  # every value (and minutes) fractional
    duty_rate: float = 0.0  # share of rows naming a duty picked at random (not the rotation's)


SHAPES: dict[str, Shape] = {s.key: s for s in (
    Shape("a", "1000-person plan, 500 loggers, 1,000,000 entries over 3 years",
          "team:1000", 1_000_000, 3_000, TEAM_START, loggers=500, duty_rate=0.3),
    Shape("b", "8 people, 1,000,000 entries from 2024-01, plan starts 2026-01, "
          "every row naming a random duty", "example", 1_000_000, 3_000, date(2024, 1, 1),
          duty_rate=1.0),
    Shape("c", "100 people, 300,000 entries over 3 years", "team:100", 300_000, 2_000,
          TEAM_START),
    Shape("d", "8 people, 10,000 entries in 2026", "example", 10_000, 400, date(2026, 1, 5)),
    Shape("e", "8 people, 300,000 entries in 2026, 5% void rows", "example", 300_000, 1_000,
          date(2026, 1, 5), voids=0.05),
    Shape("f", "8 people, 300,000 entries in 2026, fractional values", "example", 300_000,
          1_000, date(2026, 1, 5), fractional=True),
    Shape("g", "8 people, one month (2026-11) holding 300,000 entries", "example", 300_000,
          1_000, date(2026, 11, 1)),
)}


@dataclass(frozen=True)
class Made:
    """A generated repository and what the bench needs to know about it."""

    path: Path
    people: tuple[str, ...]  # who logs
    points: dict[str, float]  # metric -> points, of the plan
    start: date  # the plan's start
    months: int  # how many month files
    entries: int  # rows written

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "people": list(self.people), "points": self.points,
                "start": self.start.isoformat(), "months": self.months,
                "entries": self.entries}

    @staticmethod
    def from_json(data: dict[str, object]) -> Made:
        return Made(Path(str(data["path"])), tuple(data["people"]),  # type: ignore[arg-type]
                    dict(data["points"]), date.fromisoformat(str(data["start"])),  # type: ignore[call-overload]
                    int(data["months"]), int(data["entries"]))  # type: ignore[call-overload]


# -- the plans --------------------------------------------------------------------------------


def team_plan(people: int, start: date = TEAM_START) -> str:
    """A generated plan: ``people`` people, 10 duties, holidays, away periods."""
    rng = random.Random(SEED + people)
    lines = [
        f"# Generated by bench/generate.py: {people} people, {len(TEAM_DUTIES)} duties.",
        "team: Bench Corp",
        "timezone: Europe/Berlin",
        f"start: {start.isoformat()}",
        "holidays: {country: DE, subdivision: BE}",
        "channels:",
        *(f"  {c}: {{name: {c.title()}}}" for c in TEAM_CHANNELS),
        "metrics:",
        *(f"  {m}: {{points: {p}}}" for m, p in TEAM_METRICS.items()),
        *(f"  {m}: {{kind: outcome}}" for m in TEAM_OUTCOMES),
        "skills: [photo, writing, video]",
        "departments:",
        "  marketing: {name: Marketing}",
        "  sales: {name: Sales}",
        "  product: {name: Product}",
        "roster:",
    ]
    end = start + timedelta(days=36 * 31)
    for number in range(people):
        skills = [s for s in ("photo", "writing", "video") if rng.random() < 0.5]
        department = rng.choice(("marketing", "sales", "product"))
        extra = ""
        if rng.random() < 0.3:
            away = start + timedelta(days=rng.randint(0, (end - start).days - 30))
            back = away + timedelta(days=rng.randint(3, 20))
            extra += f", away: [{away.isoformat()}..{back.isoformat()}]"
        if rng.random() < 0.1:
            joined = start + timedelta(days=rng.randint(0, 600))
            extra += f", from: {joined.isoformat()}"
        lines.append(
            f"  - {{id: p{number:04d}, name: Person {number:04d}, department: {department}, "
            f"skills: [{', '.join(skills)}]{extra}}}"
        )
    lines.append("duties:")
    for duty, every, count, kpi, channels in TEAM_DUTIES:
        requires = "\n    requires: [video]" if duty == "video" else ""
        lines.append(
            f"  {duty}:\n    name: {duty.title()} duty\n    every: {every}\n    people: {count}"
            f"\n    channels: {channels}\n    kpi: {kpi}{requires}"
        )
    lines += [
        "review:",
        '  every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"',
        "award: {title: Best on duty, by: points, min_compliance: 0.5}",
    ]
    return "\n".join(lines) + "\n"


def big_plan(start: date) -> str:
    """The 1000-person plan starting ``start`` (tests/test_plan_libyaml.py reads it)."""
    return team_plan(1000, start)


@dataclass(frozen=True)
class PlanFacts:
    text: str
    start: date
    people: tuple[str, ...]
    duties: tuple[str, ...]
    channels: tuple[str, ...]
    points: dict[str, float]  # output metrics
    outcomes: tuple[str, ...]


def plan_facts(plan: str) -> PlanFacts:
    if plan == "example":
        text = EXAMPLE_PLAN.read_text(encoding="utf-8")
    else:
        text = team_plan(int(plan.split(":")[1]))
    data = YAML(typ="safe").load(text)
    metrics = data["metrics"]
    return PlanFacts(
        text=text,
        start=data["start"] if isinstance(data["start"], date) else date.fromisoformat(
            str(data["start"])),
        people=tuple(str(p["id"]) for p in data["roster"]),
        duties=tuple(data["duties"]),
        channels=tuple(data["channels"]),
        points={m: float(v["points"]) for m, v in metrics.items() if "points" in v},
        outcomes=tuple(m for m, v in metrics.items() if v.get("kind") == "outcome"),
    )


# -- the rows, as `dutyctl log` writes them -----------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r"})


def text_cell(text: str) -> str:
    """A text field as the log holds it: one line, and no spreadsheet formula."""
    text = text.translate(_ESCAPES)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_cell(number: float) -> str:
    """The shortest text that reads back as the same float; whole numbers without ".0"."""
    return str(int(number)) if number.is_integer() and number < 1e16 else repr(number)


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in CROCKFORD for b in CROCKFORD]  # 10 bits -> two characters


def ulid(ms: int, randomness: int) -> str:
    """A ULID: 48-bit time and 80 random bits, 26 characters of Crockford base32."""
    number = ms << 80 | randomness  # 128 bits, as 130 bits of text (the top two zero)
    return "".join([_PAIRS[(number >> shift) & 1023] for shift in range(120, -1, -10)])


NOTES = ('Launch, "day" photo', "=1+1 is not a formula here", "two lines\nof note",
         "back\\slash", "Grüße aus Berlin")


def write_log(folder: Path, shape: Shape, facts: PlanFacts,
              entries: int) -> tuple[int, int, tuple[str, ...]]:
    """Write ``entries`` rows from ``shape.first`` to TODAY; (rows, month files, loggers)."""
    rng = random.Random(f"{SEED}-{shape.key}")
    people = list(facts.people)
    if shape.loggers:
        people = sorted(rng.sample(people, shape.loggers))
    outputs = list(facts.points)
    metrics = outputs + list(facts.outcomes)
    weights = [20, 25, 12, 3, 2, 4, 4][: len(metrics)] + [4] * max(0, len(metrics) - 7)
    cumulative = []
    total = 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    duties = list(facts.duties)
    channels = list(facts.channels)
    days = (TODAY - shape.first).days + 1
    per_day = entries / days
    step = max(1, int(2 * 12 * 3600 * 1000 / max(per_day, 1)))  # a day's rows in ~12 hours
    folder.mkdir(parents=True, exist_ok=True)
    written = files = 0
    day = shape.first
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    month = (day.year, day.month)
    writer.writerow(HEADER)

    def flush() -> None:
        nonlocal files
        name = f"{month[0]:04d}-{month[1]:02d}.csv"
        (folder / name).write_bytes(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        files += 1

    persons = [text_cell(p) for p in people]
    duty_cells = [text_cell(d) for d in duties]
    channel_cells = [text_cell(c) for c in channels]
    notes = [text_cell(n) for n in NOTES]
    outcomes = set(facts.outcomes)
    rand, bits = rng.random, rng.getrandbits
    # (id, person cell, date) of entries a void row may cancel. As `dutyctl log --void`
    # does, a void row takes the date of the entry it cancels, so it is in the same month
    # file: victims are this month's entries.
    recent: list[tuple[str, str, str]] = []
    while day <= TODAY:
        if (day.year, day.month) != month:
            flush()
            month = (day.year, day.month)
            writer.writerow(HEADER)
            recent.clear()
        count = round(per_day * ((day - shape.first).days + 1)) - written
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
        ms = midnight + 6 * 3600 * 1000
        iso = day.isoformat()
        for _ in range(max(0, count)):
            ms += 1 + int(rand() * step)
            since = ms - midnight
            if since < 86_400_000:
                hours, rest = divmod(since, 3_600_000)
                minutes_, rest = divmod(rest, 60_000)
                at = f"{iso}T{hours:02d}:{minutes_:02d}:{rest // 1000:02d}.{rest % 1000:03d}Z"
            else:  # past midnight UTC (a very full day)
                at = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                at = at[:23] + "Z"
            if recent and rand() < shape.voids:
                victim, person, when = recent.pop(int(rand() * len(recent)))
                writer.writerow((ulid(ms, bits(80)), at, when, person, "", "", "", "0", "", "",
                                 "logged twice", victim))
                written += 1
                continue
            metric = rng.choices(metrics, cum_weights=cumulative)[0]
            if shape.fractional:
                value = round(0.1 + rand() * (400 if metric in outcomes else 3), 2)
                minutes = (7.5, 12.25, 0.5, 20.0)[int(rand() * 4)] if rand() < 0.4 else None
            else:
                value = float(1 + int(rand() * 400)) if metric in outcomes else float(
                    (1, 1, 1, 2, 3)[int(rand() * 5)])
                minutes = float((5, 10, 15, 30)[int(rand() * 4)]) if rand() < 0.4 else None
            person = persons[int(rand() * len(persons))]
            entry_id = ulid(ms, bits(80))
            writer.writerow((
                entry_id, at, iso, person,
                duty_cells[int(rand() * len(duty_cells))] if rand() < shape.duty_rate else "",
                channel_cells[int(rand() * len(channel_cells))], metric, number_cell(value),
                "" if minutes is None else number_cell(minutes),
                f"https://example.com/p/{ms}" if rand() < 0.2 else "",
                notes[int(rand() * len(notes))] if rand() < 0.01 else "", "",
            ))
            recent.append((entry_id, person, iso))
            if len(recent) > 50:
                recent.pop(0)
            written += 1
        day += timedelta(days=1)
    flush()
    return written, files, tuple(people)


# -- the repositories, cached -------------------------------------------------------------------


def _stamp(name: str, params: dict[str, object], plan_text: str) -> str:
    digest = hashlib.sha256(plan_text.encode("utf-8")).hexdigest()
    return json.dumps({"name": name, "version": VERSION, "seed": SEED, "today": str(TODAY),
                       "params": params, "plan": digest}, sort_keys=True, default=str)


def _cached(data: Path, name: str, stamp: str) -> Made | None:
    path = data / f"{name}.stamp.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if saved.get("stamp") != stamp or not (data / name / "plan.yaml").exists():
        return None
    return Made.from_json(saved["made"])


def _save(data: Path, name: str, stamp: str, made: Made) -> Made:
    (data / f"{name}.stamp.json").write_text(
        json.dumps({"stamp": stamp, "made": made.to_json()}, indent=1), encoding="utf-8")
    return made


def _fresh(folder: Path, plan_text: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "logs").mkdir(parents=True)
    (folder / "plan.yaml").write_text(plan_text, encoding="utf-8")


def make(key: str, data: Path = DATA, quick: bool = False) -> Made:
    """The repository of shape ``key`` under ``data`` (generated unless already there)."""
    shape = SHAPES[key]
    facts = plan_facts(shape.plan)
    entries = shape.quick_entries if quick else shape.entries
    name = f"{key}-quick" if quick else key
    stamp = _stamp(name, {**asdict(shape), "entries": entries}, facts.text)
    known = _cached(data, name, stamp)
    if known is not None:
        return known
    folder = data / name
    began = time.perf_counter()
    _fresh(folder, facts.text)
    rows, files, people = write_log(folder / "logs", shape, facts, entries)
    print(f"generated {name}: {rows} rows in {files} files, "
          f"{time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    return _save(data, name, stamp, Made(folder, people, facts.points, facts.start, files, rows))


def make_startup(data: Path = DATA) -> dict[str, Path]:
    """The empty-log repositories of the start-up cases: example plan, 1000-person plan."""
    paths = {}
    for name, plan in (("startup-example", "example"), ("startup-big", "team:1000")):
        facts = plan_facts(plan)
        stamp = _stamp(name, {}, facts.text)
        if _cached(data, name, stamp) is None:
            _fresh(data / name, facts.text)
            _save(data, name, stamp, Made(data / name, facts.people, facts.points,
                                          facts.start, 0, 0))
        paths[name] = data / name
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="*", default=list(SHAPES), help="shape keys (a-g)")
    parser.add_argument("--quick", action="store_true", help="the small sizes")
    parser.add_argument("--data", type=Path, default=DATA, help="the cache folder")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    make_startup(args.data)
    for key in args.shapes:
        made = make(key, args.data, args.quick)
        print(f"{key}: {made.entries} entries, {made.months} files in {made.path}")


if __name__ == "__main__":
    main()

"""`dutyctl report ...` through the real CLI, on the example plan and a generated log;
golden files for the Markdown and JSON outputs (set DUTYCTL_UPDATE_GOLDEN=1 to rewrite)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dutyctl.core.entries import Entry
from tests.conftest import git, init_git, run_cli

GOLDEN = Path(__file__).parent / "golden"
ENV = {"DUTYCTL_TODAY": "2026-11-24", "NO_COLOR": "1", "COLUMNS": "100"}


# For the golden files: a plan whose rotation is forced (one photographer for social,
# exactly two writers for the blog), so the files test the reports, not the rotation.
GOLDEN_PLAN = """\
team: Golden Team
timezone: UTC
start: 2026-10-05
channels:
  twitter: {name: X / Twitter}
  instagram: {name: Instagram}
  blog: {name: Company blog}
metrics:
  photo: {points: 3}
  repost: {points: 1}
  article: {points: 10}
  followers: {kind: outcome}
skills: [photo, writing]
departments:
  marketing: {name: Marketing}
  sales: {name: Sales}
roster:
  - {id: anna, name: Anna Berg, department: marketing, skills: [photo], budget: 2h/week}
  - {id: carl, name: Carl Olsen, department: sales, skills: [writing], budget: 1h/week}
  - {id: dana, name: Dana Kim, department: sales, skills: [writing], budget: 90m/week}
duties:
  social:
    name: Social media duty
    every: weekday
    requires: [photo]
    channels: [twitter, instagram]
    kpi: {photo: 1, repost: 1}
  blog:
    name: Blog duty
    every: week
    people: 2
    requires: [writing]
    channels: [blog]
    kpi: {article: 1..2}
    kpi_per: person
review:
  every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"
award:
  by: points
  min_compliance: 50%
goals:
  - {text: 500 followers on Instagram, metric: followers, channel: instagram, target: 500}
"""


def write_log(repo: Path) -> None:
    """A log for October and November that follows the rotation, with gaps on purpose."""
    from dutyctl.app.load import load
    from dutyctl.core.rotation import build_rotation
    from dutyctl.store.logfile import append_entries

    _, plan = load(repo)
    rotation = build_rotation(plan, date(2026, 11, 24))
    entries = []

    def add(day, person, duty, channel, metric, value, minutes=None, note="", url="", voids=""):
        entries.append(
            Entry(f"E{len(entries) + 1:05d}", "2026-11-24T08:00:00.000Z", day, person, duty,
                  channel, metric, value, minutes, url, note, voids)
        )

    for i, a in enumerate(rotation.between(date(2026, 10, 1), date(2026, 11, 24))):
        duty = plan.duties[a.duty]
        for j, person in enumerate(a.people):
            for k, (metric, bound) in enumerate(duty.kpi.items()):
                if (i + j + k) % 7 == 3:
                    continue  # a gap: this slot will miss its KPI
                channel = duty.channels[(i + k) % len(duty.channels)]
                add(a.start, person, a.duty if (i + k) % 2 else "", channel, metric,
                    bound.minimum, [None, 15, 30][(i + j + k) % 3], f"{metric} by {person}",
                    f"https://example.com/{a.duty}/{i}/{j}/{k}")
            if (i + j) % 3 == 0:
                add(a.start, person, "", "instagram", "followers", (i * 7) % 40 + 1, 10,
                    "story | with a pipe")
    add(date(2026, 11, 10), "emma", "", "", "", 0, note="logged twice", voids="E00002")
    append_entries(repo, entries)


@pytest.fixture
def repo(example_repo: Path) -> Path:
    write_log(example_repo)
    return example_repo


@pytest.fixture
def golden_repo(tmp_path: Path) -> Path:
    folder = tmp_path / "golden"
    (folder / "logs").mkdir(parents=True)
    (folder / "plan.yaml").write_text(GOLDEN_PLAN, encoding="utf-8")
    write_log(folder)
    return folder


def report(repo: Path, *args: str, env: dict | None = None):
    return run_cli("report", *args, "--repo", str(repo), env={**ENV, **(env or {})})


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DUTYCTL_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with DUTYCTL_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


GOLDEN_CASES = [
    ("month-2026-11", ("month", "2026-11")),
    ("leaderboard-2026-11", ("leaderboard", "--month", "2026-11")),
    ("week-2026-W47", ("week", "2026-W47")),
    ("person-carl", ("person", "carl", "--quarter", "2026-Q4")),
]


@pytest.mark.parametrize(("name", "args"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
@pytest.mark.parametrize("format", ["md", "json"])
def test_golden_outputs(golden_repo: Path, name: str, args: tuple, format: str):
    result = report(golden_repo, *args, "--format", format)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    check_golden(f"{name}.{format}", result.stdout)


def test_leaderboard_json_shape_and_ranking(repo: Path):
    data = json.loads(report(repo, "leaderboard", "--month", "2026-11", "-f", "json").stdout)
    assert data["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    keys = {"rank", "person", "points", "entries", "slots", "slots_met", "compliance",
            "minutes", "streak"}
    assert all(set(row) == keys for row in data["rows"])
    assert [r["rank"] for r in data["rows"]] == list(range(1, len(data["rows"]) + 1))
    order = [(-r["points"], -(r["compliance"] or -1), r["person"]) for r in data["rows"]]
    assert order == sorted(order)
    assert {r["person"] for r in data["rows"]} == {
        "anna", "bruno", "carl", "dana", "dave", "emma", "farid", "greta"
    }
    month = json.loads(report(repo, "month", "2026-11", "-f", "json").stdout)
    points = {p["person"]: p["points"] for p in month["people"]}
    assert points == {r["person"]: r["points"] for r in data["rows"]}


@pytest.mark.parametrize("month, said", [
    ("2027-03", "(the month has not begun: today is 2026-11-24)"),
    ("2025-03", "(before the plan's start, 2026-01-05: no slots)"),
])
@pytest.mark.parametrize("format", ["table", "md"])
def test_a_month_without_slots_says_why(repo: Path, month: str, said: str, format: str):
    result = report(repo, "month", month, "-f", format)
    assert result.exit_code == 0 and said in result.stdout.splitlines()[2 if format == "md"
                                                                         else 1]


@pytest.mark.parametrize("format", ["table", "md"])
def test_no_medals_for_nothing_earned(repo: Path, format: str):
    """In a month nobody has logged in yet, all are at 0: the first names in the alphabet
    are ranked first, as documented, but no medal says they won something."""
    empty = report(repo, "leaderboard", "--month", "2026-08", "-f", format)
    assert empty.exit_code == 0 and "1" in empty.stdout
    assert not any(medal in empty.stdout for medal in "🥇🥈🥉")
    full = report(repo, "leaderboard", "--month", "2026-11", "-f", format).stdout
    assert all(medal in full for medal in "🥇🥈🥉")


def test_leaderboard_table_csv_and_department(repo: Path):
    table = report(repo, "leaderboard", "--month", "2026-11")
    assert table.exit_code == 0 and "🥇 1" in table.stdout and "🥉 3" in table.stdout
    csv_out = report(repo, "leaderboard", "--month", "2026-11", "-f", "csv").stdout
    assert csv_out.splitlines()[0] == (
        "rank,person,name,points,entries,slots,slots_met,compliance,minutes,streak"
    )
    assert len(csv_out.splitlines()) == 9
    sales = json.loads(report(repo, "leaderboard", "--department", "sales", "-f", "json").stdout)
    assert {r["person"] for r in sales["rows"]} == {"carl", "dana", "dave", "greta"}
    for args in (("--all",), ("--year", "2026"), ("--quarter", "2026-Q4"), ("--week", "last")):
        result = report(repo, "leaderboard", *args, "-f", "json")
        assert result.exit_code == 0, (args, result.output)


def test_month_json_and_table(repo: Path):
    data = json.loads(report(repo, "month", "2026-11", "-f", "json").stdout)
    assert {"month", "slots", "people", "channels", "award", "next_review"} <= set(data)
    assert data["month"] == "2026-11" and data["next_review"] == "2026-11-27"
    assert set(data["slots"][0]) >= {"duty", "start", "end", "people", "met", "shortfall"}
    assert set(data["people"][0]) >= {"person", "slots", "slots_met", "compliance", "points",
                                      "minutes", "budget_minutes"}
    missed = [s for s in data["slots"] if not s["met"]]
    assert missed and all(s["shortfall"] for s in missed)
    assert data["summary"]["missed"] == len(missed)
    table = report(repo, "month", "2026-11")
    assert table.exit_code == 0
    for heading in ("Duties: target vs actual", "People", "Missed slots", "Channels",
                    "Best entries", "Goals", "Best on duty of the month", "Next review"):
        assert heading in table.stdout
    assert "Compliance by person" in table.stdout and "#" in table.stdout
    assert not any(ch in table.stdout for ch in "█▁▂▃▄▅▆▇")  # plain charts in a pipe


def test_month_defaults_to_the_previous_month_early_on(repo: Path):
    early = report(repo, "month", "-f", "json", env={"DUTYCTL_TODAY": "2026-12-03"})
    assert json.loads(early.stdout)["month"] == "2026-11"
    later = report(repo, "month", "-f", "json", env={"DUTYCTL_TODAY": "2026-12-06"})
    assert json.loads(later.stdout)["month"] == "2026-12"


class _Checker(HTMLParser):
    VOID = {"meta", "br", "img", "link", "hr", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize(
    "args", [("month", "2026-11"), ("leaderboard",), ("week", "2026-W47"), ("person", "emma")]
)
def test_html_is_a_complete_document(repo: Path, tmp_path: Path, args: tuple):
    out = tmp_path / "report.html"
    result = report(repo, *args, "-f", "html", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.stack == []
    assert {"html", "head", "meta", "title", "style", "body", "pre"} <= checker.seen
    assert "Acme Marketing" in "".join(checker.text)
    assert 'charset="UTF-8"' in text


def test_svg_and_output_files(repo: Path, tmp_path: Path):
    svg = tmp_path / "month.svg"
    assert report(repo, "month", "2026-11", "-f", "svg", "-o", str(svg)).exit_code == 0
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    md = tmp_path / "week.md"
    assert report(repo, "week", "2026-W47", "-o", str(md)).exit_code == 0
    assert md.read_text(encoding="utf-8") == report(repo, "week", "2026-W47").stdout
    table = tmp_path / "board.txt"
    assert report(repo, "leaderboard", "-o", str(table)).exit_code == 0
    assert "rank" in table.read_text(encoding="utf-8")


def test_week_and_person_reports(repo: Path):
    week = report(repo, "week", "2026-W47")
    assert week.exit_code == 0
    assert week.stdout.startswith("**Acme Marketing: week 2026-W47** (2026-11-16 to 2026-11-22)")
    assert "**Social media duty**" in week.stdout and "<https://example.com/" in week.stdout
    assert "story \\| with a pipe" in week.stdout  # user text is escaped
    data = json.loads(report(repo, "week", "2026-W47", "-f", "json").stdout)
    assert data["start"] == "2026-11-16" and data["duties"][0]["slots"]
    person = report(repo, "person", "anna")
    assert person.exit_code == 0 and "Points trend" in person.stdout
    history = json.loads(report(repo, "person", "anna", "-f", "json").stdout)
    assert history["period"] == {"start": "2026-01-05", "end": "2026-11-24"}
    assert len(history["months"]) == 11
    assert sum(m["points"] for m in history["months"]) == history["points"]
    assert sum(m["slots"] for m in history["months"]) == history["slots"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("month", "2026-13"), "'2026-13' is not a month"),
        (("week", "2026-W60"), "is not a week of 2026"),
        (("leaderboard", "--month", "this", "--week", "this"),
         "--month and --week cannot be used together"),
        (("leaderboard", "--month", "this", "--year", "2026"),
         "give one period: --month M, --week W, --quarter Q, --year Y or --all"),
        (("person", "anna", "--month", "this", "--year", "2026"),  # it has no --week
         "give one period: --month M, --quarter Q, --year Y or --all"),
        (("leaderboard", "--year", "20x6"), "'20x6' is not a year"),
        (("leaderboard", "--quarter", "2026-Q5"), "'2026-Q5' is not a quarter"),
        (("person", "annna"), "did you mean 'anna'?"),
        (("month", "--department", "salse"), "did you mean 'sales'?"),
        (("leaderboard", "--format", "pdf"), "pdf"),
        (("week", "--format", "csv"), "csv"),
    ],
)
def test_bad_usage_exits_2_with_a_message(repo: Path, args: tuple, message: str):
    result = report(repo, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_malformed_log_rows_are_warnings(repo: Path):
    with open(repo / "logs" / "2026-11.csv", "a", encoding="utf-8") as handle:
        handle.write("this,is,not,a,row\n")
    result = report(repo, "leaderboard", "--month", "2026-11", "-f", "json")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "logs/2026-11.csv" in result.stderr
    assert json.loads(result.stdout)["rows"]


STRANGERS = (
    "warning: 2 entries name metric 'fotos', which is not in the plan; they count as entries, "
    "for no points\n"
    "  hint: did you mean 'photo'? `dutyctl doctor` lists the rows: void each (dutyctl log "
    "--void ID) and log it again, or add the metric to the plan\n"
)
STRANGER = (
    "warning: 1 entry names person 'annna', who is not in the plan; the report counts it "
    "under that name\n"
    "  hint: did you mean 'anna'? `dutyctl doctor` lists the rows: void each (dutyctl log "
    "--void ID) and log it again, or add the person to the plan\n"
)


@pytest.mark.parametrize("args, said", [
    (("leaderboard", "--month", "2026-11"), STRANGERS + STRANGER),
    (("month", "2026-11", "-f", "json"), STRANGERS + STRANGER),
    (("week", "2026-W47"), STRANGERS + STRANGER),
    (("person", "anna", "--month", "2026-11"), STRANGERS),
    (("leaderboard", "--month", "2026-10"), ""),  # none of them is in October
])
def test_people_and_metrics_not_in_the_plan_are_warned_of(repo: Path, args: tuple, said: str):
    """A typo in a hand-edited or imported row is counted under its own name, and said."""
    from dutyctl.store.logfile import append_entries

    def entry(n: int, person: str, metric: str, value: float = 1) -> Entry:
        return Entry(f"S{n:05d}", "2026-11-24T08:00:00.000Z", date(2026, 11, 17), person,
                     "", "", metric, value, None, "", "", "")

    append_entries(repo, [entry(1, "anna", "fotos"), entry(2, "anna", "fotos"),
                          entry(3, "annna", "photo"), entry(4, "anna", "photo", 2)])
    result = report(repo, *args)
    assert result.exit_code == 0, result.output
    footer = "" if not said else (
        f"{said.count('warning:')} problem{'s' * (said.count('warning:') > 1)} in the log: "
        "`dutyctl doctor` checks every file and says what to do\n")
    assert result.stderr == said + footer
    if "json" in args:
        assert json.loads(result.stdout)


def test_rev_reads_the_plan_as_committed(repo: Path):
    init_git(repo)
    git(repo, "add", "plan.yaml")
    git(repo, "commit", "--quiet", "-m", "plan")
    before = json.loads(report(repo, "leaderboard", "--month", "2026-11", "-f", "json").stdout)
    plan = repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("photo: {points: 3,", "photo: {points: 100,"))
    now = json.loads(report(repo, "leaderboard", "--month", "2026-11", "-f", "json").stdout)
    then = report(repo, "leaderboard", "--month", "2026-11", "-f", "json", "--rev", "HEAD")
    assert then.exit_code == 0, then.output
    assert json.loads(then.stdout) == before
    assert sum(r["points"] for r in now["rows"]) > sum(
        r["points"] for r in json.loads(then.stdout)["rows"]
    )


def test_report_help_lists_every_command():
    result = run_cli("report", "--help")
    assert result.exit_code == 0
    for command in ("leaderboard", "month", "week", "person"):
        assert command in result.stdout


def test_month_report_says_the_next_review_moved_off_christmas(repo: Path):
    env = {"DUTYCTL_TODAY": "2026-12-01"}
    data = json.loads(report(repo, "month", "2026-11", "-f", "json", env=env).stdout)
    assert data["next_review"] == "2026-12-23"
    assert data["next_review_moved_from"] == "2026-12-25"
    assert data["next_review_moved_because"] == "Christmas Day"
    moved = "Next review: 2026-12-23 (moved from Fri 2026-12-25, Christmas Day)"
    assert moved in report(repo, "month", "2026-11", "-f", "md", env=env).stdout
    assert moved in report(repo, "month", "2026-11", env=env).stdout

"""dutyctl log, log --void, entries, doctor and import through the real CLI, on real files."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from tests.conftest import git, init_git, run_cli

DAY = "2026-11-24"
TODAY = {"DUTYCTL_TODAY": DAY}
EMPTY_PLAN = """\
team: Tiny
start: 2026-11-02
metrics: [photo, article]
channels: [blog, twitter]
roster:
  - {id: solo, name: Solo}
duties:
  social: {every: weekday, channels: [twitter], kpi: {photo: 1}}
  blog: {every: week, channels: [blog], kpi: {article: 1}}
rotation: {double_duty: true}
"""


def cli(repo: Path, *args: str, env: dict | None = None):
    return run_cli(*args, "--repo", str(repo), env={**TODAY, **(env or {})})


def on_duty(repo: Path, day: str = DAY) -> dict[str, list[str]]:
    """duty -> people on ``day``, from the rotation (so these tests follow its rules)."""
    result = cli(repo, "today", "--date", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return {d["duty"]: d["people"] for d in json.loads(result.stdout)["duties"]}


def social_person(repo: Path, day: str = DAY) -> str:
    return on_duty(repo, day)["social"][0]


def off_duty_person(repo: Path, day: str = DAY) -> str:
    busy = {p for people in on_duty(repo, day).values() for p in people}
    return next(p for p in ("farid", "greta", "bruno", "carl", "emma") if p not in busy)


def log_json(repo: Path, *args: str, env=None) -> dict:
    result = cli(repo, "log", *args, "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def entries(repo: Path, *args: str) -> list[dict]:
    result = cli(repo, "entries", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def log_bytes(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / "logs").glob("*.csv"))}


# -- log -----------------------------------------------------------------------------------


def test_several_metrics_share_one_timestamp_and_minutes_go_on_the_first_row(example_repo):
    who = social_person(example_repo)
    data = log_json(example_repo, "photo=1", "repost=2", "--person", who, "--minutes", "20")
    rows = data["entries"]
    assert [(r["metric"], r["value"], r["minutes"]) for r in rows] == [
        ("photo", 1, 20),
        ("repost", 2, None),
    ]
    assert rows[0]["recorded_at"] == rows[1]["recorded_at"]
    assert data["ids"] == [r["id"] for r in rows] and rows[0]["id"] < rows[1]["id"]
    assert {r["duty"] for r in rows} == {"social"} and data["duty"] == "social"
    assert data["files"] == ["logs/2026-11.csv"]
    lines = (example_repo / "logs" / "2026-11.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("id,recorded_at,date,")
    assert data["standing"]["text"] == "photo 1/1 ok, repost 2/1 ok, news 0/1 missing"
    assert sum(e["minutes"] or 0 for e in entries(example_repo)) == 20


def test_text_output_shows_ids_and_kpi_standing_of_the_slot(example_repo):
    who = social_person(example_repo)
    first = cli(example_repo, "log", "photo=1", "--person", who)
    assert first.exit_code == 0, first.output
    assert "Logged 1 entry" in first.stdout and "ids: " in first.stdout
    assert "photo 1/1 ok, repost 0/1 missing, news 0/1 missing" in first.stdout
    second = cli(example_repo, "log", "repost=1", "news=1", "--person", who)
    assert "photo 1/1 ok, repost 1/1 ok, news 1/1 ok" in second.stdout
    [ids_line] = [line for line in second.stdout.splitlines() if "ids:" in line]
    assert len(ids_line.split()) == 3  # "ids:" and two ids


def test_weekly_slot_sums_everyones_entries_and_reports_over_the_maximum(example_repo):
    writers = on_duty(example_repo)["blog"]
    log_json(example_repo, "article=1", "--person", writers[0], "--date", "2026-11-23")
    data = log_json(example_repo, "article=2", "--person", writers[1])
    assert data["duty"] == "blog"
    assert data["standing"]["start"] == "2026-11-23" and data["standing"]["end"] == "2026-11-29"
    assert data["standing"]["text"] == "article 3/1..2 over"
    # The slot before does not count.
    earlier = log_json(
        example_repo, "article=1", "--person", writers[0], "--duty", "blog", "--date", "2026-11-20"
    )
    assert "article 3/" not in earlier["standing"]["text"]


def test_not_on_duty_keeps_the_duty_empty_and_warns(example_repo):
    who = off_duty_person(example_repo)
    result = cli(example_repo, "log", "photo=1", "--person", who)
    assert result.exit_code == 0, result.output
    assert f"{who} is not on duty that day ({DAY})" in result.stderr
    assert "Not on duty that day" in result.stdout
    [row] = entries(example_repo)
    assert row["duty"] == "" and row["person"] == who


def test_given_duty_not_held_warns_and_counts_for_it(example_repo):
    who = off_duty_person(example_repo)
    data = log_json(example_repo, "photo=1", "--person", who, "--duty", "social")
    assert data["duty"] == "social"
    assert any(f"{who} is not on social duty" in w["message"] for w in data["warnings"])


def test_several_duties_that_day_ask_for_duty(write_plan):
    repo = write_plan(EMPTY_PLAN)
    result = cli(repo, "log", "photo=1", "--person", "solo")
    assert result.exit_code == 2
    assert "solo holds several duties on 2026-11-24: blog, social" in result.stderr
    assert "--duty blog or --duty social" in result.stderr
    assert not (repo / "logs").exists() or log_bytes(repo) == {}
    ok = log_json(repo, "photo=1", "--person", "solo", "--duty", "social", "--channel", "twitter")
    assert ok["duty"] == "social" and ok["warnings"] == []


def test_warnings_for_metrics_and_channels_the_duty_does_not_count(example_repo):
    who = social_person(example_repo)
    result = cli(
        example_repo, "log", "article=1", "followers=5", "--person", who, "--channel", "blog"
    )
    assert result.exit_code == 0, result.output
    assert "duty social does not count article" in result.stderr
    assert "does not count followers" not in result.stderr  # an outcome: measured, not required
    assert "channel blog is not one of social's channels" in result.stderr
    assert len(entries(example_repo)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("photo=1", "--person", "annna"), "unknown person 'annna'"),
        (("photo=1", "--person", "annna"), "did you mean 'anna'?"),
        (("phto=1",), "unknown metric 'phto'"),
        (("phto=1",), "did you mean 'photo'?"),
        (("photo=1", "--channel", "twiter"), "did you mean 'twitter'?"),
        (("photo=1", "--duty", "sociall"), "unknown duty 'sociall'"),
        (("photo=-1",), "photo=-1: expected a non-negative number, found '-1'"),
        (("photo=x",), "photo=x: expected a non-negative number, found 'x'"),
        (("photo",), "'photo' is not METRIC=VALUE"),
        (("=1",), "'=1' is not METRIC=VALUE"),
        (("photo=",), "'photo=' is not METRIC=VALUE"),
        (("photo=1", "photo=2"), "metric 'photo' is given twice"),
        ((), "nothing to log: give at least one METRIC=VALUE"),
        (("photo=1", "--date", "2026-11-25"), "2026-11-25 is in the future (today is 2026-11-24)"),
        (("photo=1", "--date", "tomorrow"), "is in the future"),
        (("photo=1", "--date", "2026-01-04"), "2026-01-04 is before the plan's start (2026-01-05)"),
        (("photo=1", "--date", "someday"), "'someday' is not a date"),
        (("photo=1", "--minutes", "-5"), "--minutes: expected a non-negative number of minutes"),
        (("photo=1", "--reason", "x"), "--reason goes with --void"),
        (("photo=1", "--void", "01ABC"), "--void takes no METRIC=VALUE"),
    ],
)
def test_bad_input_exits_2_and_appends_nothing(example_repo, args, message):
    if "--person" not in args:
        args = (*args, "--person", "anna")
    result = cli(example_repo, "log", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert log_bytes(example_repo) == {}


def test_every_problem_is_reported_at_once(example_repo):
    result = cli(
        example_repo,
        "log",
        "photo=-1",
        "repst=1",
        "news",
        "--person",
        "zed",
        "--date",
        "2030-01-01",
        "--channel",
        "tv",
    )
    assert result.exit_code == 2
    for message in (
        "unknown person 'zed'",
        "is in the future",
        "photo=-1",
        "unknown metric 'repst'",
        "'news' is not METRIC=VALUE",
        "unknown channel 'tv'",
        "nothing was logged: 6 problems",
    ):
        assert message in result.stderr
    assert log_bytes(example_repo) == {}


def test_person_from_environment_or_git_email(example_repo):
    data = log_json(example_repo, "photo=1", env={"DUTYCTL_PERSON": "bruno"})
    assert data["person"] == "bruno"
    init_git(example_repo)  # user.email anna@example.com
    assert log_json(example_repo, "photo=1")["person"] == "anna"
    missing = cli(example_repo, "log", "photo=1", env={"DUTYCTL_PERSON": "nobody"})
    assert missing.exit_code == 2 and "unknown person 'nobody'" in missing.stderr


def test_date_yesterday_and_month_file_of_the_date(example_repo):
    data = log_json(example_repo, "photo=1", "--person", "anna", "--date", "yesterday")
    assert data["date"] == "2026-11-23"
    log_json(example_repo, "photo=1", "--person", "anna", "--date", "2026-10-15")
    assert sorted(log_bytes(example_repo)) == ["2026-10.csv", "2026-11.csv"]


def test_quiet_prints_only_the_ids(example_repo):
    result = run_cli(
        "--quiet",
        "log",
        "photo=1",
        "repost=1",
        "--person",
        "anna",
        "--repo",
        str(example_repo),
        env=TODAY,
    )
    assert result.exit_code == 0
    ids = result.stdout.split()
    assert len(ids) == 2 and all(len(i) == 26 for i in ids)


# -- void ----------------------------------------------------------------------------------


def test_void_cancels_an_entry_for_every_reader(example_repo):
    who = social_person(example_repo)
    data = log_json(example_repo, "photo=1", "repost=1", "--person", who)
    photo_id = data["ids"][0]
    result = cli(
        example_repo, "log", "--void", photo_id, "--reason", "wrong day", "--person", "anna"
    )
    assert result.exit_code == 0, result.output
    assert f"Voided {photo_id}" in result.stdout
    assert "photo 0/1 missing, repost 1/1 ok" in result.stdout  # the slot's standing after
    assert [e["id"] for e in entries(example_repo)] == [data["ids"][1]]
    raw = (example_repo / "logs" / "2026-11.csv").read_text().splitlines()
    assert raw[-1].endswith(f",wrong day,{photo_id}") and len(raw) == 4  # appended, not edited
    again = cli(example_repo, "log", "--void", photo_id.lower(), "--person", "anna")
    assert again.exit_code == 2 and "was already voided by" in again.stderr
    after = log_bytes(example_repo)
    void_id = raw[-1].split(",")[0]
    of_void = cli(example_repo, "log", "--void", void_id, "--person", "anna")
    assert of_void.exit_code == 2 and "a void cannot be voided" in of_void.stderr
    typo = photo_id[:12] + ("Z" if photo_id[12] != "Z" else "Y") + photo_id[13:]
    unknown = cli(example_repo, "log", "--void", typo, "--person", "anna")
    assert unknown.exit_code == 2
    assert f"no entry with id '{typo}'" in unknown.stderr and "did you mean" in unknown.stderr
    assert log_bytes(example_repo) == after


def test_void_goes_to_the_month_file_of_the_voided_entry(example_repo):
    data = log_json(example_repo, "photo=1", "--person", "anna", "--date", "2026-10-15")
    before = (example_repo / "logs" / "2026-10.csv").read_bytes()
    voided = log_json(example_repo, "--void", data["ids"][0], "--person", "bruno")
    assert voided["files"] == ["logs/2026-10.csv"] and voided["entries"][0]["voids"]
    assert (example_repo / "logs" / "2026-10.csv").read_bytes().startswith(before)
    assert not (example_repo / "logs" / "2026-11.csv").exists()
    assert entries(example_repo, "--all") == []


# -- entries -------------------------------------------------------------------------------


def test_entries_filters_periods_and_output_file(example_repo, tmp_path):
    log_json(example_repo, "photo=1", "--person", "anna", "--date", "2026-10-15")
    log_json(example_repo, "photo=2", "--person", "bruno")
    log_json(example_repo, "article=1", "--person", "anna", "--duty", "blog")
    assert len(entries(example_repo)) == 2  # this month by default
    assert len(entries(example_repo, "--month", "2026-10")) == 1
    assert len(entries(example_repo, "--all")) == 3
    assert [e["value"] for e in entries(example_repo, "--all", "--person", "bruno")] == [2]
    assert [e["metric"] for e in entries(example_repo, "--duty", "blog")] == ["article"]
    assert set(entries(example_repo)[0]) == {
        "id",
        "recorded_at",
        "date",
        "person",
        "duty",
        "channel",
        "metric",
        "value",
        "minutes",
        "url",
        "note",
    }
    both = cli(example_repo, "entries", "--month", "this", "--all")
    assert both.exit_code == 2 and "cannot be used together" in both.stderr
    bad = cli(example_repo, "entries", "--person", "bruna")
    assert bad.exit_code == 2 and "did you mean 'bruno'?" in bad.stderr
    out = tmp_path / "out.csv"
    assert (
        cli(example_repo, "entries", "--all", "--format", "csv", "--output", str(out)).exit_code
        == 0
    )
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert rows[0][:3] == ["id", "recorded_at", "date"] and len(rows) == 4
    table = cli(example_repo, "entries", "--all")
    assert table.exit_code == 0 and "3 entries in the whole log" in table.stdout
    assert entries(example_repo)[0]["id"] in table.stdout  # whole ids, for --void


def test_entries_table_in_a_pipe_squeezes_no_column(example_repo):
    """Not a terminal: every column in full, the note too (at 100 columns it vanished)."""
    note = "Reposted the launch video with a caption"  # 40 characters: shown whole
    log_json(example_repo, "repost=1", "--person", "anna", "--note", note,
             "--channel", "instagram")
    result = cli(example_repo, "entries", env={"COLUMNS": None})  # as `entries | cat`
    assert result.exit_code == 0, result.output
    header, row = [line for line in result.stdout.splitlines() if "anna" in line or
                   line.strip().startswith("id ")]
    assert header.split() == ["id", "date", "person", "duty", "metric", "value", "minutes",
                              "channel", "note"]
    assert row.rstrip().endswith("instagram   " + note)


def test_entries_warns_of_unreadable_rows(example_repo):
    log_json(example_repo, "photo=1", "--person", "anna")
    with open(example_repo / "logs" / "2026-11.csv", "ab") as handle:
        handle.write(b"garbage,row\n")
    result = cli(example_repo, "entries", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 1
    assert "logs/2026-11.csv:3: error: unreadable row" in result.stderr


NASTY = [
    "Grüße, \"Zitat\" und 'quote' – 日本語 🎉",
    "first line\nsecond line\r\nthird, with comma",
    '=HYPERLINK("http://evil.example","click")',
    "+1",
    "-1",
    "@x",
    "'already quoted",
    "back\\slash \\n not a newline",
    "\ttab first",
]


def test_round_trip_of_text_through_log_and_entries(example_repo):
    for index, text in enumerate(NASTY):
        data = log_json(
            example_repo,
            "photo=1",
            "--person",
            "anna",
            "--note",
            text,
            "--url",
            text if index % 2 else f"https://example.com/{text}",
        )
        assert data["entries"][0]["note"] == text
    rows = entries(example_repo)
    assert [r["note"] for r in rows] == NASTY
    assert [r["url"] for r in rows][1::2] == NASTY[1::2]
    # One physical line per row in the log file itself.
    assert len((example_repo / "logs" / "2026-11.csv").read_bytes().splitlines()) == 1 + len(NASTY)
    out = example_repo.parent / "export.csv"
    assert cli(example_repo, "entries", "--format", "csv", "-o", str(out)).exit_code == 0
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    cells = [c for row in rows for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t")]
    notes = [row[10] for row in rows[1:]]
    assert [n[1:] if t[:1] in "=+-@\t'" else n for n, t in zip(notes, NASTY, strict=True)] == NASTY


# -- doctor --------------------------------------------------------------------------------


def test_doctor_exit_codes_and_fix(example_repo):
    clean = cli(example_repo, "doctor")
    assert clean.exit_code == 0 and "The log is clean: 0 entries" in clean.stdout
    log_json(example_repo, "photo=1", "--person", "anna")
    path = example_repo / "logs" / "2026-11.csv"
    good = path.read_bytes()
    with open(path, "ab") as handle:
        handle.write(b"01KTORN0000000000000000000,2026-11-24T0")  # a crash mid-write
    torn = cli(example_repo, "doctor")
    assert torn.exit_code == 1
    assert "logs/2026-11.csv:3: error: torn last line" in torn.stdout
    assert "1 problem in the log" in torn.stdout
    report = json.loads(cli(example_repo, "doctor", "--format", "json").stdout)
    assert report["clean"] is False and report["problems"][0]["line"] == 3
    fixed = cli(example_repo, "doctor", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "Moved 1 unreadable row to logs/quarantine.csv" in fixed.stdout
    assert "logs/2026-11.csv:3" in fixed.stdout
    assert path.read_bytes() == good
    quarantined = (example_repo / "logs" / "quarantine.csv").read_text()
    assert "01KTORN0000000000000000000" in quarantined
    assert cli(example_repo, "doctor").exit_code == 0


def test_doctor_finds_a_logs_that_is_a_file_and_a_month_that_does_not_exist(example_repo):
    (example_repo / "logs").rmdir()
    (example_repo / "logs").write_text("not a folder")
    result = cli(example_repo, "doctor")
    assert result.exit_code == 1, result.output
    assert "logs: error: logs is not a folder: no log is read" in result.stdout
    (example_repo / "logs").unlink()
    (example_repo / "logs").mkdir()
    (example_repo / "logs" / "2026-13.csv").write_text(
        "id,recorded_at,date,person,duty,channel,metric,value,minutes,url,note,voids\n")
    result = cli(example_repo, "doctor")
    assert result.exit_code == 0, result.output
    assert ("logs/2026-13.csv: warning: file name is not YYYY-MM.csv, so its dates cannot be "
            "checked") in result.stdout
    assert "The log is readable, with 1 warning (0 entries in 1 file)" in result.stdout


def test_voiding_settles_what_doctor_found_in_a_row(example_repo):
    """No row is ever edited, so voiding one is how its mistake is settled: doctor is
    clean again, and the void row (which copies the entry's date and duty) is not
    reported for them."""
    log_json(example_repo, "photo=1", "--person", "anna")
    with open(example_repo / "logs" / "2026-11.csv", "a", encoding="utf-8") as handle:
        handle.write("01KHANDEDITED0000000000000,2026-11-24T08:00:00.000Z,2026-11-24,"
                     "anne,socal,,phot,1,,,,\n")
    (example_repo / "logs" / "2025-12.csv").write_text(
        "id,recorded_at,date,person,duty,channel,metric,value,minutes,url,note,voids\n"
        "01KHANDEDITED0000000000001,2026-11-24T08:00:00.000Z,2025-12-01,anna,blog,,photo,1,"
        ",,,\n")
    found = cli(example_repo, "doctor")
    assert found.exit_code == 1
    assert "unknown person 'anne'" in found.stdout and "before the plan's start" in found.stdout
    for entry_id in ("01KHANDEDITED0000000000000", "01KHANDEDITED0000000000001"):
        voided = cli(example_repo, "log", "--void", entry_id, "--person", "anna")
        assert voided.exit_code == 0, voided.output
    settled = cli(example_repo, "doctor")
    assert settled.exit_code == 0, settled.output
    assert "The log is clean" in settled.stdout


def test_log_refuses_a_file_whose_header_is_gone_and_writes_nothing(example_repo):
    """The rows would be logged and never counted, and `doctor --fix` could quarantine
    them with the file's own."""
    log_json(example_repo, "photo=1", "--person", "anna")
    path = example_repo / "logs" / "2026-11.csv"
    path.write_bytes(path.read_bytes().split(b"\n", 1)[1])  # the header line deleted
    before = path.read_bytes()
    result = cli(example_repo, "log", "photo=1", "--person", "anna")
    assert result.exit_code == 2, result.output
    assert ("error: logs/2026-11.csv:1: wrong header: no row of this file is read, so "
            "nothing was written") in result.stderr
    assert "put the header line back: id,recorded_at,date," in result.stderr
    assert path.read_bytes() == before
    result = cli(example_repo, "log", "--void", before[:26].decode(), "--person", "anna")
    assert result.exit_code == 2, result.output
    assert path.read_bytes() == before


def test_doctor_names_unknown_people_metrics_and_duties(example_repo):
    log_json(example_repo, "photo=1", "--person", "anna")
    with open(example_repo / "logs" / "2026-11.csv", "a", encoding="utf-8") as handle:
        handle.write(
            "01KHANDEDITED0000000000000,2026-11-24T08:00:00.000Z,2026-11-24,"
            "anne,socal,,phot,1,,,,\n"
            "01KHANDEDITED0000000000001,2026-11-24T08:01:00.000Z,2026-11-24,"
            "anna,,,,0,,,typo,01KNOTINTHELOG000000000000\n"
        )
    result = cli(example_repo, "doctor")
    assert result.exit_code == 1
    for text in (
        "logs/2026-11.csv:3: error: unknown person 'anne'",
        "did you mean 'anna'?",
        "logs/2026-11.csv:3: error: unknown metric 'phot'",
        "logs/2026-11.csv:3: error: unknown duty 'socal'",
        "logs/2026-11.csv:4: warning: void row 01KHANDEDITED0000000000001 cancels "
        "01KNOTINTHELOG000000000000, which is not in the log",
    ):
        assert text in result.stdout
    fixed = cli(example_repo, "doctor", "--fix")  # readable rows are never moved
    assert fixed.exit_code == 1 and "Nothing to move to quarantine" in fixed.stdout


# -- import --------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_import_long_layout(example_repo, tmp_path):
    who = social_person(example_repo)
    sheet = write_csv(
        tmp_path / "sheet.csv",
        [
            ["Date", "Person", "Metric", "Value", "Minutes", "Note", "Comment"],
            ["2026-11-24", who, "photo", "1", "10", "multi\nline, note", "x"],
            ["2026-11-23", "emma", "article", "1", "", "=1+1", ""],
            ["", "", "", "", "", "", ""],
        ],
    )
    result = cli(example_repo, "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert "Imported 2 entries from 2 rows" in result.stdout
    assert "columns not imported: Comment" in result.stderr
    rows = entries(example_repo)
    assert [(r["person"], r["duty"], r["metric"], r["minutes"], r["note"]) for r in rows] == [
        ("emma", "blog", "article", None, "=1+1"),
        (who, "social", "photo", 10, "multi\nline, note"),
    ]
    assert rows[0]["recorded_at"] == rows[1]["recorded_at"]


def test_import_wide_layout_with_map_and_dry_run(example_repo, tmp_path):
    who = social_person(example_repo)
    sheet = write_csv(
        tmp_path / "wide.csv",
        [
            ["Tag", "Photos", "Reposts", "Zeit"],
            ["2026-11-24", "1", "2", "30"],
            ["2026-11-23", "", "1", ""],
        ],
        delimiter=";",
    )
    args = [
        "import",
        str(sheet),
        "--person",
        who,
        "--map",
        "Tag=date",
        "--map",
        "Photos=metric:photo",
        "--map",
        "Reposts=metric:repost",
        "--map",
        "Zeit=minutes",
    ]
    dry = cli(example_repo, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 3 entries from 2 rows" in dry.stdout and log_bytes(example_repo) == {}
    done = cli(example_repo, *args)
    assert done.exit_code == 0, done.output
    rows = entries(example_repo)
    assert sorted((r["date"], r["metric"], r["value"], r["minutes"]) for r in rows) == [
        ("2026-11-23", "repost", 1, None),
        ("2026-11-24", "photo", 1, 30),
        ("2026-11-24", "repost", 2, None),
    ]


def test_import_is_all_or_nothing_with_every_line_named(example_repo, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        "date,person,metric,value,note\n"
        "2026-11-24,anna,photo,1,fine\n"
        '2026-11-24,anna,photo,1,"a note\non two lines"\n'
        "2026-11-24,annna,photo,1,\n"
        "2026-13-01,anna,photo,1,\n"
        "2026-11-24,anna,phto,1,\n"
        "2026-11-24,anna,photo,-2,\n"
        "2027-01-01,anna,photo,1,\n",
        encoding="utf-8",
    )
    result = cli(example_repo, "import", str(sheet))
    assert result.exit_code == 2
    for where, message in [
        (5, "unknown person 'annna'"),
        (6, "'2026-13-01' is not a calendar date"),
        (7, "unknown metric 'phto'"),
        (8, "photo=-2: expected a non-negative number"),
        (9, "2027-01-01 is in the future"),
    ]:
        assert f"{sheet}:{where}: error: {message}" in result.stderr
    assert f"nothing was imported from {sheet}: 5 problems" in result.stderr
    assert log_bytes(example_repo) == {}


def test_import_refuses_bad_mappings(example_repo, tmp_path):
    sheet = write_csv(tmp_path / "s.csv", [["When", "Count"], ["2026-11-24", "1"]])
    result = cli(
        example_repo,
        "import",
        str(sheet),
        "--map",
        "Wen=date",
        "--map",
        "Count=metric:fotos",
        "--map",
        "When=day",
    )
    assert result.exit_code == 2
    assert "--map 'Count=metric:fotos': unknown metric 'fotos'" in result.stderr
    assert "unknown field 'day'" in result.stderr
    missing = cli(example_repo, "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert log_bytes(example_repo) == {}


# -- --commit ------------------------------------------------------------------------------


def test_commit_takes_only_the_new_rows(example_repo):
    init_git(example_repo)
    git(example_repo, "add", "plan.yaml")
    git(example_repo, "commit", "-q", "-m", "plan")
    log_json(example_repo, "photo=1", "--person", "anna")  # committed to the file? no
    git(example_repo, "add", "logs/2026-11.csv")
    git(example_repo, "commit", "-q", "-m", "first rows")
    log_json(example_repo, "repost=1", "--person", "anna")  # left uncommitted
    (example_repo / "notes.txt").write_text("staged, not mine\n")
    git(example_repo, "add", "notes.txt")
    who = social_person(example_repo)
    result = cli(example_repo, "log", "photo=1", "news=1", "--person", who, "--commit")
    assert result.exit_code == 0, result.output
    message = f"log: {who} photo=1 news=1 on {DAY}"
    assert "Committed " in result.stdout and message in result.stdout
    assert git(example_repo, "log", "-1", "--format=%s").strip() == message
    assert git(example_repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "logs/2026-11.csv"
    ]
    added = [
        line[1:]
        for line in git(example_repo, "show", "--format=", "HEAD").splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert [line.split(",")[6] for line in added] == ["photo", "news"]
    assert all(line in (example_repo / "logs" / "2026-11.csv").read_text() for line in added)
    status = git(example_repo, "status", "--porcelain").splitlines()
    assert "A  notes.txt" in status and " M logs/2026-11.csv" in status
    unstaged = git(example_repo, "diff", "--", "logs/2026-11.csv")
    assert unstaged.count("\n+0") == 1 and ",repost," in unstaged  # the uncommitted row


def test_commit_without_git_says_the_rows_are_logged(example_repo, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = cli(
        example_repo, "log", "photo=1", "--person", "anna", "--commit", env={"PATH": str(empty)}
    )
    assert result.exit_code == 1
    assert "git is not installed: the entries are logged but not committed" in result.stderr
    assert "Logged 1 entry" in result.stdout and len(entries(example_repo)) == 1
    outside = cli(
        example_repo,
        "log",
        "photo=1",
        "--person",
        "anna",
        "--commit",
        env={"GIT_CEILING_DIRECTORIES": str(example_repo.parent)},
    )
    assert outside.exit_code == 1 and "is not in a git repository" in outside.stderr
    assert len(entries(example_repo)) == 2


def test_commit_in_a_fresh_repository_without_commits(example_repo):
    init_git(example_repo)
    data = log_json(example_repo, "photo=1", "--person", "anna", "--commit")
    assert data["commit"]["message"] == f"log: anna photo=1 on {DAY}"
    assert git(example_repo, "ls-tree", "-r", "--name-only", "HEAD").split() == ["logs/2026-11.csv"]
    assert git(example_repo, "status", "--porcelain", "logs").strip() == ""
    assert os.environ.get("GIT_INDEX_FILE") is None


def test_commit_keeps_rows_staged_by_hand_staged_and_out_of_the_commit(example_repo):
    init_git(example_repo)
    git(example_repo, "add", "plan.yaml")
    git(example_repo, "commit", "-q", "-m", "plan")
    mine = log_json(example_repo, "repost=1", "--person", "anna")["ids"][0]
    git(example_repo, "add", "logs/2026-11.csv")  # staged, not committed
    new = log_json(example_repo, "photo=1", "--person", "anna", "--commit")["ids"][0]
    committed = git(example_repo, "show", "HEAD:logs/2026-11.csv")
    assert new in committed and mine not in committed
    staged = git(example_repo, "diff", "--cached", "--", "logs/2026-11.csv").splitlines()
    added = [line for line in staged if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 1 and mine in added[0]  # still staged; the new row is committed
    assert git(example_repo, "diff", "--", "logs/2026-11.csv") == ""  # index == file


def test_log_text_written_plain_is_what_rich_writes(example_repo: Path, monkeypatch, capsys):
    """On a pipe `dutyctl log` writes its text without Rich when Rich would write the
    same: the two are compared for logs, a void, off duty and lines Rich must wrap."""
    from dutyctl.app.log import log_entries, void_entry
    from dutyctl.render import log as render_log

    for name in render_log._RICH_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUTYCTL_TODAY", DAY)
    person, idle = social_person(example_repo), off_duty_person(example_repo)
    results = [
        log_entries(example_repo, ["photo=1"], person=person),
        log_entries(example_repo, ["photo=1", "repost=2"], person=person, minutes="5",
                    channel="twitter", url="https://example.com/a"),
        log_entries(example_repo, ["photo=1"], person=person, url="https://x.test/[b]"),
        log_entries(example_repo, ["photo=1"], person=person, url="https://x.test/" + "y" * 90),
        log_entries(example_repo, ["photo=1"], person=idle),
    ]
    results.append(void_entry(example_repo, results[0].entries[0].id, person=person))
    for index, result in enumerate(results):
        if index in (0, 1, 5):  # short ASCII lines, no warnings: no Rich console at all
            monkeypatch.setattr(render_log, "console", None)
        render_log.logged(result, "text")
        plain = capsys.readouterr().out
        monkeypatch.undo()
        monkeypatch.setattr(render_log, "_PLAIN_WIDTH", -1)  # Rich always
        render_log.logged(result, "text")
        monkeypatch.undo()
        for name in render_log._RICH_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DUTYCTL_TODAY", DAY)
        assert capsys.readouterr().out == plain
        assert plain

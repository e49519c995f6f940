"""Every validation rule of the plan: the message, and the line (and column) it points at."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from dutyctl.store.planfile import build_plan

BASE = """\
team: Acme
timezone: Europe/Berlin
start: 2026-01-05
channels: [twitter, instagram, blog]
metrics:
  photo: {points: 3}
  article: {points: 10}
  followers: {kind: outcome}
skills: [photo, writing]
coordinator: anna
departments:
  marketing: {coordinator: anna}
roster:
  - {id: anna, department: marketing, skills: [photo, writing], budget: 3h/week}
  - {id: bob, department: marketing, skills: [writing], channels: [blog]}
  - {id: cleo, department: marketing, skills: [photo], from: 2026-06-01}
duties:
  social: {every: weekday, people: 1, channels: [twitter], kpi: {photo: 1}}
  blog: {every: week, people: 1, requires: [writing], due: [TU, TH], kpi: {article: 1..2}}
review: {every: "RRULE:FREQ=MONTHLY;BYDAY=-1FR"}
award: {title: Best, by: points, min_compliance: 0.8}
goals: [{text: Grow, metric: followers, channel: instagram, target: 5000, by: 2027-06-30}]
overrides: [{date: 2026-02-03, duty: social, from: anna, to: bob}]
"""


def check(text: str):
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2028))
    return plan, problems


def one_error(text: str):
    plan, problems = check(text)
    errors = [p for p in problems if p.severity == "error"]
    assert plan is None
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_base_plan_is_valid():
    plan, problems = check(BASE)
    assert problems == []
    assert plan is not None
    assert [p.id for p in plan.roster] == ["anna", "bob", "cleo"]
    assert plan.duties["blog"].due == (1, 3)
    assert plan.duties["blog"].kpi["article"].maximum == 2
    assert plan.metrics["followers"].points == 0  # outcomes earn nothing by default
    assert plan.metrics["photo"].points == 3
    assert plan.people["cleo"].active_from == date(2026, 6, 1)
    assert plan.where("roster.bob.channels[0]").line == 15


CASES = [
    # (old, new, expected message fragment, line, column or None)
    ("coordinator: anna", "coordinater: anna", "unknown key 'coordinater'", 10, 1),
    ("team: Acme", "team: [Acme]", "team must be text", 1, 7),
    ("start: 2026-01-05", "start: 2026-02-30", "'2026-02-30' is not a calendar date", 3, 8),
    ("start: 2026-01-05", "start: soon", "'soon' is not a date", 3, 8),
    ("timezone: Europe/Berlin", "timezone: Mars/Olympus", "not an IANA time zone", 2, 11),
    ("- {id: bob,", "- {id: anna,", "person id 'anna' is used twice (first at line 14)", 15, 10),
    (
        "department: marketing, skills: [writing]",
        "department: marketng, skills: [writing]",
        "unknown department 'marketng'",
        15,
        27,
    ),
    ("channels: [blog]}", "channels: [blgo]}", "unknown channel 'blgo'", 15, 75),
    ("skills: [photo], from", "skills: [fotos], from", "unknown skill 'fotos'", 16, 51),
    ("kpi: {photo: 1}", "kpi: {phot: 1}", "unknown metric 'phot'", 18, 77),
    ("kpi: {article: 1..2}", "kpi: {article: 2..1}", "maximum below its minimum", 19, 87),
    ("kpi: {photo: 1}", "kpi: {photo: lots}", "'lots' is not a KPI minimum", 18, 83),
    ("every: weekday", "every: weekdays", "'weekdays' is not a cadence", 18, 19),
    (
        '"RRULE:FREQ=MONTHLY;BYDAY=-1FR"',
        '"RRULE:FREQ=MONTHLY;BYDAY=-1XX"',
        "not a valid RRULE",
        20,
        17,
    ),
    (
        '"RRULE:FREQ=MONTHLY;BYDAY=-1FR"',
        '"RRULE:FREQ=DAILY;UNTIL=20200101"',
        "yields no date",
        20,
        17,
    ),
    ('"RRULE:FREQ=MONTHLY;BYDAY=-1FR"', '"RRULE:FREQ=HOURLY"', "repeats hourly", 20, 17),
    (
        '"RRULE:FREQ=MONTHLY;BYDAY=-1FR"',
        '"RRULE:FREQ=DAILY;COUNT=3;UNTIL=20270101"',
        "has both COUNT and UNTIL",
        20,
        17,
    ),
    ("people: 1, requires", "people: 3, requires", "needs 3 people per slot but only 2", 19, 36),
    ("requires: [writing]", "requires: [video]", "unknown skill 'video'", 19, 56),
    ("budget: 3h/week", "budget: 3 hours", "'3 hours' is not a time budget", 14, 74),
    ("from: 2026-06-01", "from: 2026-06-01, until: 2026-05-01", "is after 'until'", 16, 69),
    ("to: bob}]", "to: bobby}]", "unknown person 'bobby'", 23, 62),
    ("from: anna, to", "from: ana, to", "unknown person 'ana'", 23, 51),
    ("duty: social, from", "duty: socal, from", "unknown duty 'socal'", 23, 38),
    ("coordinator: anna}", "coordinator: zed}", "unknown person 'zed'", 12, 28),
    ("metric: followers", "metric: follower", "unknown metric 'follower'", 22, 27),
    ("channel: instagram", "channel: insta", "unknown channel 'insta'", 22, 54),
    ("channels: [twitter, instagram, blog]", "channels: twitter",
     "channels must be a list of channel ids or a mapping of id -> settings, found "
     "'twitter'", 4, 11),
    ("by: points", "by: pointz", "'pointz' is not a ranking", 21, 33),
    ("min_compliance: 0.8", "min_compliance: 1.5", "more than 100%", 21, 61),
    ("due: [TU, TH]", "due: [TU, XX]", "'XX' is not a weekday", 19, 70),
    ("people: 1, channels", "people: 0, channels", "whole number of 1 or more", 18, 36),
    ("people: 1, channels", "people: 1, weight: 0, channels", "from 1 to 1000", 18, 46),
    ("people: 1, channels", "people: 1, weight: 1.5, channels", "from 1 to 1000", 18, 46),
    ("from: 2026-06-01", "from: 2026-06-01, days: [MO, XX]", "'XX' is not a weekday", 16, 81),
    ("from: 2026-06-01", "from: 2026-06-01, days: []", "lists no weekday", 16, 75),
    ("date: 2026-02-03", "date: 2025-02-03", "before the plan's start", 23, 20),
    ("- {id: anna, department", "- {id: 'anna smith', department", "is not a valid id", 14, 9),
    ("  photo: {points: 3}", "  photo: {points: -3}", "non-negative number", 6, 19),
    ("  followers: {kind: outcome}", "  followers: {kind: outcom}", "did you mean", 8, 21),
]


@pytest.mark.parametrize(("old", "new", "message", "line", "column"), CASES)
def test_each_rule_names_the_problem_and_its_line(old, new, message, line, column):
    plan, problems = check(edit(old, new))
    assert plan is None
    matching = [p for p in problems if message in p.message + " " + (p.hint or "")]
    assert len(matching) == 1, "\n".join(map(str, problems))
    problem = matching[0]
    assert problem.location.file == "plan.yaml"
    assert problem.location.line == line, str(problem)
    if column is not None and problem.location.column is not None:
        assert abs(problem.location.column - column) <= 12, str(problem)


def test_days_and_weight_are_read():
    plan, problems = check(
        edit("from: 2026-06-01", "from: 2026-06-01, days: [WE, MO, monday]")
        .replace("people: 1, channels", "people: 1, weight: 3, channels")
    )
    assert plan is not None, problems
    assert [p.days for p in plan.roster if p.days] == [(0, 2)]
    assert {d.weight for d in plan.duties.values()} == {1, 3}


def test_did_you_mean_for_unknown_key_and_id():
    problem = one_error(edit("coordinator: anna", "coordinater: anna"))
    assert problem.hint == "did you mean 'coordinator'?"
    problem = one_error(edit("to: bob}]", "to: bobb}]"))
    assert problem.hint == "did you mean 'bob'?"


def test_did_you_mean_prefers_swapped_letters():
    from dutyctl.errors import did_you_mean

    # 'hana' is as close to 'anan' as 'anna' by difflib's measure; two swapped letters
    # are the likelier typo.
    assert did_you_mean("anan", ["hana", "anna", "bruno"]) == "did you mean 'anna'?"
    assert did_you_mean("anan", ["hana", "bruno"]) == "did you mean 'hana'?"
    assert did_you_mean("zzz", ["hana"]) is None


def test_every_problem_is_reported_at_once():
    text = edit("coordinator: anna", "coordinater: anna")
    text = text.replace("kpi: {photo: 1}", "kpi: {phot: 1}").replace("to: bob}]", "to: zed}]")
    text = text.replace("start: 2026-01-05", "start: 2026-13-05")
    plan, problems = check(text)
    assert plan is None
    lines = [p.location.line for p in problems]
    assert lines == sorted(lines) and len(problems) == 4
    assert {3, 10, 18, 23} == set(lines)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("team: a\nteam: b\n", "duplicate key", 2),
        ("team: a\nroster:\n\t- {id: x}\n", "tab", 3),
        ("team: [a, b\n", "YAML", 2),
        ("", "the plan is empty", 1),
        ("- just\n- a list\n", "must be a mapping", 1),
        (
            "team: x\nstart: 2026-01-05\nroster: []\n"
            "duties: {a: {every: !!python/object:os.system x}}\n",
            "tags are not allowed",
            4,
        ),
    ],
)
def test_yaml_level_problems_have_a_line(text, message, line):
    plan, problems = check(text)
    assert plan is None
    assert any(message in p.message and p.location.line == line for p in problems), problems


def test_required_keys():
    plan, problems = check("team: x\n")
    messages = " / ".join(p.message for p in problems)
    assert "start is required" in messages
    assert "roster is required" in messages
    assert "duties is required" in messages


def test_holiday_country_and_extra_dates():
    plan, problems = check(BASE + "holidays: {country: DE, subdivision: BE, extra: [2026-12-24]}\n")
    assert problems == []
    assert date(2026, 12, 25) in plan.holiday_dates
    assert date(2026, 3, 8) in plan.holiday_dates  # International Women's Day in Berlin
    assert plan.holiday_dates[date(2026, 12, 24)]
    plan, problems = check(BASE + "holidays: {country: XY}\n")
    assert plan is None and "country 'XY' is not known" in problems[0].message
    assert problems[0].location.line == 24


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    bomb = "team: x\nstart: 2026-01-05\nroster: []\nduties: {}\n" + "\n".join(lines) + "\n"
    bomb += "goals: *a8\n"
    plan, problems = check(bomb)
    # Aliases share nodes and the loader never expands them: the bomb is refused as
    # what it is at the place it is used, without a walk through 10^9 values.
    assert plan is None
    assert any("goals[0] must be a mapping" in p.message for p in problems)


def test_roster_in_its_own_file(tmp_path):
    from dutyctl.store.planfile import check_plan_file
    from dutyctl.store.repo import Repo

    text = (
        BASE.split("roster:")[0] + "roster: people/roster.yaml\nduties:" + BASE.split("duties:")[1]
    )
    (tmp_path / "plan.yaml").write_text(text)
    (tmp_path / "people").mkdir()
    roster = textwrap.dedent("""\
        - {id: anna, department: marketing, skills: [photo, writing]}
        - {id: bob, department: marketng, skills: [writing]}
    """)
    (tmp_path / "people" / "roster.yaml").write_text(roster)
    plan, problems = check_plan_file(Repo(tmp_path))
    assert plan is None
    [problem] = [p for p in problems if "marketng" in p.message]
    assert problem.location.file == "people/roster.yaml" and problem.location.line == 2


def test_roster_path_may_not_leave_the_repository(tmp_path):
    from dutyctl.store.planfile import check_plan_file
    from dutyctl.store.repo import Repo

    outside = tmp_path / "outside.yaml"
    outside.write_text("- {id: anna}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    text = BASE.split("roster:")[0] + "roster: ../outside.yaml\nduties:" + BASE.split("duties:")[1]
    (repo / "plan.yaml").write_text(text)
    plan, problems = check_plan_file(Repo(repo))
    assert plan is None
    assert any("leads outside the repository" in p.message for p in problems)
    (repo / "link.yaml").symlink_to(outside)
    (repo / "plan.yaml").write_text(text.replace("../outside.yaml", "link.yaml"))
    plan, problems = check_plan_file(Repo(repo))
    assert plan is None
    assert any("leads outside the repository" in p.message for p in problems)


def test_non_utf8_bytes_point_at_line_and_column(tmp_path):
    from dutyctl.errors import InputError
    from dutyctl.store.planfile import decode

    with pytest.raises(InputError) as caught:
        decode(b"team: ok\nname: caf\xe9\n", "plan.yaml")
    assert str(caught.value.location) == "plan.yaml:2:10"
    assert "not UTF-8" in caught.value.message

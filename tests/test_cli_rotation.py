"""rotate, today, who, swap and the .ics export through the real CLI, on the example plan."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import git, init_git, run_cli

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}


def rotate(repo: Path, *args: str, env=None):
    return run_cli("rotate", "--repo", str(repo), *args, env={**TODAY, **(env or {})})


def slots(repo: Path, *args: str) -> list[dict]:
    result = rotate(repo, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_rotate_json_is_sorted_and_complete(example_repo: Path):
    data = slots(example_repo, "--month", "2026-11")
    assert data == sorted(data, key=lambda s: (s["start"], s["duty"]))
    assert set(data[0]) == {"duty", "start", "end", "people", "override"}
    social = [s for s in data if s["duty"] == "social"]
    assert len(social) == 21  # November 2026 has 21 weekdays and no public holiday in Berlin
    assert all(len(s["people"]) == 1 and s["start"] == s["end"] for s in social)
    blog = [s for s in data if s["duty"] == "blog"]
    assert blog[0]["start"] == "2026-10-26"  # the week under way on November 1st
    for s in blog:
        assert date.fromisoformat(s["start"]).weekday() == 0
        assert (date.fromisoformat(s["end"]) - date.fromisoformat(s["start"])).days == 6
        assert len(s["people"]) == 2
        assert set(s["people"]) <= {"anna", "carl", "dana", "emma"}  # the writers


def test_holidays_remove_day_slots_but_not_weeks(example_repo: Path):
    data = slots(example_repo, "--from", "2026-12-21", "--to", "2026-12-31")
    days = {s["start"] for s in data if s["duty"] == "social"}
    assert days == {
        "2026-12-21",
        "2026-12-22",
        "2026-12-23",
        "2026-12-28",
        "2026-12-29",
        "2026-12-30",
    }  # 24th and 31st extra, 25th Christmas
    assert {s["start"] for s in data if s["duty"] == "blog"} == {"2026-12-21", "2026-12-28"}


def test_override_from_the_plan_is_applied_and_marked(example_repo: Path):
    [slot] = [
        s
        for s in slots(example_repo, "--from", "2026-12-02", "--to", "2026-12-02")
        if s["duty"] == "social"
    ]
    assert slot == {
        "duty": "social",
        "start": "2026-12-02",
        "end": "2026-12-02",
        "people": ["anna"],
        "override": True,
    }
    table = rotate(example_repo, "--from", "2026-12-02", "--to", "2026-12-02")
    assert "override for farid" in table.stdout


def test_absent_and_not_yet_joined_people_get_no_slot(example_repo: Path):
    august = slots(example_repo, "--from", "2026-08-03", "--to", "2026-08-14")
    assert all("emma" not in s["people"] for s in august)
    spring = slots(example_repo, "--from", "2026-01-05", "--to", "2026-05-31")
    assert all("dave" not in s["people"] for s in spring)
    assert any("dave" in s["people"] for s in slots(example_repo, "--month", "2026-06"))


def test_filters_and_period_options(example_repo: Path):
    only_blog = slots(example_repo, "--weeks", "2", "--duty", "blog")
    assert {s["duty"] for s in only_blog} == {"blog"} and len(only_blog) == 2
    mine = slots(example_repo, "--month", "this", "--person", "emma")
    assert mine and all("emma" in s["people"] for s in mine)
    sales = slots(example_repo, "--month", "this", "--department", "sales")
    sales_people = {"carl", "dana", "dave", "greta"}
    assert sales and all(set(s["people"]) & sales_people for s in sales)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-13"), "'2026-13' is not a month"),
        (("--month", "this", "--weeks", "2"), "--month and --weeks cannot be used together"),
        (("--from", "2026-12-01"), "--from and --to go together"),
        (("--from", "2026-12-10", "--to", "2026-12-01"), "is before --from"),
        (("--from", "someday", "--to", "2026-12-01"), "'someday' is not a date"),
        (("--duty", "sociall"), "did you mean 'social'?"),
        (("--person", "annna"), "did you mean 'anna'?"),
        (("--format", "xml"), "xml"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(example_repo: Path, args, message):
    result = rotate(example_repo, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_rotate_table_groups_weeks_and_marks_today(example_repo: Path):
    result = rotate(example_repo, "--month", "2026-11")
    assert result.exit_code == 0
    assert "2026-W48" in result.stdout
    assert "Tue 2026-11-24 (today)" in result.stdout
    december = rotate(example_repo, "--month", "2026-12")
    assert "holiday: Christmas Day" in december.stdout


def test_rotate_markdown_and_stats(example_repo: Path):
    md = rotate(example_repo, "--month", "2026-11", "--format", "md")
    assert md.stdout.startswith("| start | end | duty | people | override |\n|---|")
    stats = rotate(
        example_repo, "--from", "2026-01-05", "--to", "2026-11-30", "--stats", "--format", "json"
    )
    data = json.loads(stats.stdout)
    blog = next(s for s in data["stats"] if s["duty"] == "blog")
    assert 0.8 < blog["balance"] <= 1
    for person in blog["people"]:
        assert abs(person["difference"]) < 2, person
    # A blog week weighs two social days, and only four people write: the writers are
    # over their fair share of the weighted load (they cannot shed blog weeks), the others
    # under it, by the same few units; so the writers hold few social days.
    load = data["load"]
    assert load["weights"] == {"social": 1, "blog": 2}
    assert sum(p["fair_share"] for p in load["people"]) == pytest.approx(load["units"], abs=1e-3)
    writers = {"anna", "carl", "dana", "emma"}
    for person in load["people"]:
        assert (person["difference"] > 0) == (person["person"] in writers), person
        assert abs(person["difference"]) < 6, person
        assert person["weighted"] == person["slots"].get("social", 0) + 2 * person[
            "slots"
        ].get("blog", 0)
    assert 0.8 < load["balance"] <= 1
    assert load["largest_difference"] == max(abs(p["difference"]) for p in load["people"])
    table = rotate(example_repo, "--month", "this", "--stats")
    assert "balance" in table.stdout and "fair share" in table.stdout
    assert "Load across duties" in table.stdout


def test_today_text_is_exact(example_repo: Path):
    result = run_cli("today", "--repo", str(example_repo), "--date", "2026-11-24")
    assert result.exit_code == 0
    assert result.stdout == (
        "Acme Marketing: Tuesday 2026-11-24\n"
        "Blog duty (week 2026-11-23..2026-11-29): Dana Kim, Emma Fischer\n"
        "  minimum: article 1..2\n"
        "  due: TU, TH (due today)\n"
        "Social media duty: Greta Lind\n"
        "  minimum: photo 1, repost 1, news 1\n"
        "Next review: 2026-11-27\n"
    )


def test_today_json_is_exact_and_knows_review_days(example_repo: Path):
    result = run_cli("today", "--repo", str(example_repo), "--date", "2026-11-27", "-f", "json")
    data = json.loads(result.stdout)
    assert data["review_today"] is True and data["next_review"] == "2026-11-27"
    assert data["duties"][1] == {
        "duty": "social",
        "start": "2026-11-27",
        "end": "2026-11-27",
        "people": ["bruno"],
        "kpi": {"photo": 1, "repost": 1, "news": 1},
        "kpi_max": {},
        "due": [],
        "due_today": False,
        "due_moves": [],
    }
    # The plan's `article: 1..2`: the minimum, and the maximum beside it
    blog = data["duties"][0]
    assert (blog["duty"], blog["kpi"], blog["kpi_max"]) == ("blog", {"article": 1}, {"article": 2})
    who = json.loads(run_cli("who", blog["people"][0], "--repo", str(example_repo), "--date",
                             "2026-11-27", "-f", "json").stdout)
    assert [(d["kpi"], d["kpi_max"]) for d in who["duties"] if d["duty"] == "blog"][0] == (
        {"article": 1}, {"article": 2})
    holiday = run_cli("today", "--repo", str(example_repo), "--date", "2026-12-25")
    assert "Holiday: Christmas Day" in holiday.stdout
    assert "Social media duty" not in holiday.stdout


def test_who_by_argument_environment_and_git_email(example_repo: Path):
    result = run_cli("who", "emma", "--repo", str(example_repo), "-f", "json", env=TODAY)
    data = json.loads(result.stdout)
    assert data["person"] == "emma" and len(data["duties"]) == 5
    assert all(d["end"] >= "2026-11-24" for d in data["duties"])
    by_env = run_cli(
        "who", "--repo", str(example_repo), "-f", "json", env={**TODAY, "DUTYCTL_PERSON": "emma"}
    )
    assert json.loads(by_env.stdout) == data
    init_git(example_repo)  # user.email anna@example.com
    by_git = run_cli("who", "--repo", str(example_repo), "-f", "json", env=TODAY)
    assert json.loads(by_git.stdout)["person"] == "anna"
    unknown = run_cli("who", "emmma", "--repo", str(example_repo), env=TODAY)
    assert unknown.exit_code == 2 and "did you mean 'emma'?" in unknown.stderr
    git(example_repo, "config", "user.email", "nobody@example.com")
    stranger = run_cli("who", "--repo", str(example_repo), env=TODAY)
    assert stranger.exit_code == 2
    assert "say who you are with a person id (dutyctl who ID)" in stranger.stderr
    assert "--person" not in stranger.stderr  # `who` has no such option


def on_social(repo: Path, day: str) -> str:
    [slot] = [s for s in slots(repo, "--from", day, "--to", day) if s["duty"] == "social"]
    return slot["people"][0]


def test_swap_writes_one_line_and_changes_the_calendar(example_repo: Path):
    plan = example_repo / "plan.yaml"
    before = plan.read_text()
    holder = on_social(example_repo, "2026-12-03")
    taker = "greta" if holder != "greta" else "farid"
    result = run_cli(
        "swap",
        "2026-12-03",
        "social",
        holder,
        taker,
        "--reason",
        "dentist",
        "--repo",
        str(example_repo),
        env=TODAY,
    )
    assert result.exit_code == 0, result.output
    assert "takes" in result.stdout and "social slot" in result.stdout
    after = plan.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [
        f'  - {{date: 2026-12-03, duty: social, from: {holder}, to: {taker}, reason: "dentist"}}'
    ]
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    [slot] = [
        s
        for s in slots(example_repo, "--from", "2026-12-03", "--to", "2026-12-03")
        if s["duty"] == "social"
    ]
    assert slot["people"] == [taker] and slot["override"] is True
    assert run_cli("plan", "check", "--repo", str(example_repo)).exit_code == 0


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("2026-12-02", "social", "farid", "greta"), "farid"),  # farid was swapped out
        (("2026-08-05", "social", "WHO", "emma"), "away"),  # emma away
        (("2026-12-07", "blog", "dana", "bruno"), "writing"),  # bruno lacks the skill
        (("2026-12-03", "social", "WHO", "WHO"), "already"),
        (("2026-12-03", "socal", "bruno", "greta"), "did you mean 'social'?"),
    ],
)
def test_swap_refuses_with_a_reason_and_writes_nothing(example_repo: Path, args, reason):
    if "WHO" in args:
        holder = on_social(example_repo, args[0])
        args = tuple(holder if a == "WHO" else a for a in args)
    before = (example_repo / "plan.yaml").read_bytes()
    result = run_cli("swap", *args, "--repo", str(example_repo), env=TODAY)
    assert result.exit_code == 2, result.output
    assert reason in result.stderr
    assert (example_repo / "plan.yaml").read_bytes() == before


def test_ics_loads_in_another_parser_with_stable_uids(example_repo: Path, tmp_path: Path):
    import vobject

    first = tmp_path / "a.ics"
    second = tmp_path / "b.ics"
    for out in (first, second):
        result = rotate(example_repo, "--month", "2026-12", "--format", "ics", "--output", str(out))
        assert result.exit_code == 0, result.output
    calendar = vobject.readOne(first.read_text())
    events = calendar.vevent_list
    social = [e for e in events if e.summary.value.startswith("Social media duty")]
    blog = [e for e in events if e.summary.value.startswith("Blog duty")]
    assert len(social) == 20 and len(blog) == 2 * 5
    swapped = next(e for e in social if e.dtstart.value == date(2026, 12, 2))
    assert swapped.summary.value == "Social media duty: Anna Berg"
    assert "Swapped in for farid" in swapped.description.value
    assert "KPI minimum: photo 1, repost 1, news 1" in swapped.description.value
    assert swapped.dtend.value == date(2026, 12, 3)  # all-day, exclusive end
    uids = lambda path: sorted(e.uid.value for e in vobject.readOne(path.read_text()).vevent_list)  # noqa: E731
    assert uids(first) == uids(second)
    assert len(set(uids(first))) == len(uids(first))
    personal = rotate(example_repo, "--month", "2026-12", "--format", "ics", "--person", "emma")
    events = vobject.readOne(personal.stdout).vevent_list
    assert events and all("Emma Fischer" in e.summary.value for e in events)


def test_explain_says_why(example_repo: Path):
    data = slots(example_repo, "--weeks", "1", "--explain")
    assert all(s["why"] for s in data)
    table = rotate(example_repo, "--weeks", "1", "--explain")
    assert "why" in table.stdout and "fair share" in table.stdout


def test_output_option_writes_files(example_repo: Path, tmp_path: Path):
    for args in (("today",), ("who", "emma"), ("plan", "show")):
        target = tmp_path / f"{args[0]}.json"
        result = run_cli(
            *args,
            "--repo",
            str(example_repo),
            "--format",
            "json",
            "--output",
            str(target),
            env=TODAY,
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert json.loads(target.read_text())


def test_holiday_names_do_not_depend_on_the_locale(example_repo: Path, tmp_path: Path):
    """Cron runs with next to no environment; the plan's holidays keep their English names."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DUTYCTL_TODAY": "2026-12-25"}
    result = subprocess.run(
        [sys.executable, "-m", "dutyctl", "today", "--repo", str(example_repo)],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "Holiday: Christmas Day" in result.stdout


def test_today_json_shows_the_december_review_moved_off_christmas(example_repo: Path):
    """Issue 21: the last Friday of December 2026 is Christmas Day and the day before an
    extra holiday of the plan, so the review is held on Wednesday the 23rd."""
    env = {"DUTYCTL_TODAY": "2026-12-01"}
    args = ("today", "--repo", str(example_repo), "--date", "2026-12-01")
    data = json.loads(run_cli(*args, "--format", "json", env=env).stdout)
    assert data["review_today"] is False
    assert data["next_review"] == "2026-12-23"
    assert data["next_review_moved_from"] == "2026-12-25"
    assert data["next_review_moved_because"] == "Christmas Day"
    blog = data["duties"][0]
    assert blog["duty"] == "blog" and blog["due"] == ["TU", "TH"] and blog["due_today"] is True
    assert blog["due_moves"] == []
    text = run_cli(*args, env=env).stdout
    assert "Next review: 2026-12-23 (moved from Fri 2026-12-25, Christmas Day)\n" in text


def test_today_shows_a_due_day_moved_off_an_extra_holiday(example_repo: Path):
    def today(day: str, *more: str):
        result = run_cli("today", "--repo", str(example_repo), "--date", day, *more,
                         env={"DUTYCTL_TODAY": day})
        assert result.exit_code == 0, result.output
        return result.stdout

    monday = today("2026-12-21")
    assert "  due: TU, TH; Wed 2026-12-23 (moved from Thu 2026-12-24, extra holiday)\n" in monday
    wednesday = today("2026-12-23")
    assert "  due: TU, TH (due today, moved from Thu 2026-12-24, extra holiday)\n" in wednesday
    assert "Review meeting today (moved from Fri 2026-12-25, Christmas Day).\n" in wednesday
    data = json.loads(today("2026-12-23", "--format", "json"))
    assert data["review_today"] is True and data["next_review"] == "2026-12-23"
    assert data["duties"][0]["due_today"] is True
    assert data["duties"][0]["due_moves"] == [
        {"date": "2026-12-23", "moved_from": "2026-12-24", "because": "extra holiday"}
    ]
    # Thursday the 24th: a holiday, nothing is due any more.
    assert json.loads(today("2026-12-24", "-f", "json"))["duties"][0]["due_today"] is False


def test_on_holiday_keep_leaves_the_review_on_christmas(example_repo: Path):
    plan = example_repo / "plan.yaml"
    text = plan.read_text()
    review = "  on_holiday: earlier            # earlier (the default), later or keep"
    assert review in text
    plan.write_text(text.replace(review, "  on_holiday: keep"))
    result = run_cli("today", "--repo", str(example_repo), "--date", "2026-12-01", "-f", "json")
    data = json.loads(result.stdout)
    assert data["next_review"] == "2026-12-25" and data["next_review_moved_from"] is None


def test_a_bad_on_holiday_is_exit_2_with_its_location(example_repo: Path):
    plan = example_repo / "plan.yaml"
    text = plan.read_text()
    review = "  on_holiday: earlier            # earlier (the default), later or keep"
    plan.write_text(text.replace(review, "  on_holiday: erlier"))
    line = next(n for n, t in enumerate(plan.read_text().splitlines(), 1) if "erlier" in t)
    for args in (("plan", "check"), ("today", "--date", "2026-12-01")):
        result = run_cli(*args, "--repo", str(example_repo))
        assert result.exit_code == 2, result.output
        assert f"plan.yaml:{line}:15: error: review.on_holiday 'erlier' must be earlier, " \
            "later or keep" in result.stderr
        assert "did you mean 'earlier'?" in result.stderr
        assert "Traceback" not in result.output


def test_a_part_timer_takes_only_their_days_and_explain_and_stats_say_so(example_repo: Path):
    # Hana joins on 2027-01-04 and works Monday to Wednesday (examples/plan.yaml).
    env = {"DUTYCTL_TODAY": "2027-02-01"}
    result = rotate(example_repo, "--from", "2027-01-04", "--to", "2027-03-31", "--person", "hana",
                    "--explain", "--format", "json", env=env)
    held = json.loads(result.stdout)
    assert held, result.output
    for slot in held:
        assert date.fromisoformat(slot["start"]).weekday() in (0, 1, 2), slot
        assert slot["why"].endswith("; works MO, TU, WE"), slot
    stats = rotate(example_repo, "--from", "2027-01-04", "--to", "2027-03-31", "--stats", env=env)
    assert "hana (MO, TU, WE)" in stats.stdout
    thursday = run_cli("swap", "2027-01-07", "social", on_social(example_repo, "2027-01-07"),
                       "hana", "--repo", str(example_repo), env=env)
    assert thursday.exit_code == 2
    assert "hana does not work on Thursdays (days: MO, TU, WE)" in thursday.stderr

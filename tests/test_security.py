"""Security: the threat model of SECURITY.md, one test per promise.

YAML builds no objects and alias bombs are refused; every file the plan or the log
names stays inside the repository; --rev never becomes a git option or shell; no
CSV dutyctl writes holds a cell a spreadsheet would run; caches and keys are private.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from dutyctl.errors import UsageError
from dutyctl.store.planfile import build_plan
from dutyctl.store.repo import check_rev
from tests.conftest import git, init_git, run_cli, run_process

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}
MIN = """team: Corpus
start: 2026-01-05
roster:
  - {id: anna}
  - {id: bruno}
metrics: [photo]
duties:
  social: {every: weekday}
"""


@pytest.fixture
def alarm():
    """A generous wall-clock limit: "refused quickly" means "finishes at all"."""

    def expired(signum, frame):
        raise TimeoutError("took far too long: an expansion was walked?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# -- YAML ------------------------------------------------------------------------------------

PAYLOADS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.call [["touch", "{marker}"]]',
    '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
    "!!python/name:os.system",
    "!!python/module:os",
    '!!python/object:subprocess.Popen {{args: ["touch", "{marker}"]}}',
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["team", "roster", "duty", "top"])
def test_yaml_tags_build_no_objects(tmp_path: Path, payload: str, where: str):
    marker = tmp_path / "pwned"
    value = payload.format(marker=marker)
    text = {
        "team": MIN.replace("team: Corpus", f"team: {value}"),
        "roster": MIN.replace("  - {id: bruno}", f"  - {value}"),
        "duty": MIN.replace("social: {every: weekday}", f"social: {value}"),
        "top": f"--- {value}\n",
    }[where]
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2027))
    assert plan is None
    assert any(p.location and p.location.line for p in problems), problems
    assert not marker.exists()


def test_yaml_tag_through_the_cli_runs_nothing(tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    marker = tmp_path / "pwned"
    (repo / "plan.yaml").write_text(
        MIN.replace("team: Corpus", f'team: !!python/object/apply:os.system ["touch {marker}"]')
    )
    for args in (["plan", "check"], ["today"], ["plan", "show"]):
        done = run_process(*args, cwd=repo, env=TODAY)
        assert done.returncode == 2 and "YAML tags are not allowed" in done.stderr
    assert not marker.exists()


def billion_laughs(depth: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, depth + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "use",
    [
        "team: *l9",
        "roster: *l9",
        "skills: *l9",
        "metrics: *l9",
        "channels: *l9",
        "goals: *l9",
        "overrides: *l9",
        "holidays: {extra: *l9}",
        "duties: {s: {every: weekday, due: *l9, requires: *l9, kpi: {a: *l9}}}",
        "roster: [{id: x, away: *l9, skills: *l9, channels: *l9}]",
    ],
)
def test_alias_bombs_are_refused_quickly(alarm, use: str):
    base = "team: t\nstart: 2026-01-05\nroster: [{id: anna}]\nduties: {s: {every: day}}\n"
    key = use.split(":")[0]
    kept = "\n".join(line for line in base.splitlines() if not line.startswith(key + ":"))
    plan, problems = build_plan(billion_laughs() + kept + "\n" + use + "\n", "plan.yaml")
    assert plan is None and problems


def test_alias_bomb_through_the_cli(tmp_path: Path, alarm):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.yaml").write_text(billion_laughs() + MIN.replace("team: Corpus", "team: *l9"))
    done = run_process("today", cwd=repo, env=TODAY)
    assert done.returncode == 2 and "plan.yaml:" in done.stderr


# -- paths stay inside the repository -----------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "roster.yaml").write_text("- {id: mallory}\n")
    (folder / "plan.yaml").write_text(MIN)
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "plan.yaml").write_text(MIN)
    (folder / "logs").mkdir()
    return folder


def with_roster(repo: Path, path: str) -> None:
    (repo / "plan.yaml").write_text(
        MIN.replace("roster:\n  - {id: anna}\n  - {id: bruno}\n", f"roster: {path}\n")
    )


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "symlinked-folder"])
def test_roster_path_leading_out_is_refused(repo: Path, outside: Path, how: str):
    if how == "dotdot":
        with_roster(repo, "../outside/roster.yaml")
    elif how == "absolute":
        with_roster(repo, str(outside / "roster.yaml"))
    elif how == "symlink":
        (repo / "people.yaml").symlink_to(outside / "roster.yaml")
        with_roster(repo, "people.yaml")
    else:
        (repo / "team").symlink_to(outside)
        with_roster(repo, "team/roster.yaml")
    result = run_cli("plan", "check", "--repo", str(repo))
    assert result.exit_code == 2
    assert "plan.yaml:3:9: error: roster file" in result.stdout + result.stderr
    assert "leads outside the repository" in result.stdout + result.stderr
    assert "mallory" not in result.output


def test_roster_symlink_inside_is_fine(repo: Path):
    (repo / "people").mkdir()
    (repo / "people" / "all.yaml").write_text("- {id: anna}\n- {id: bruno}\n")
    (repo / "roster.yaml").symlink_to(repo / "people" / "all.yaml")
    with_roster(repo, "roster.yaml")
    assert run_cli("plan", "check", "--repo", str(repo)).exit_code == 0


def test_plan_yaml_symlink_out_is_refused(tmp_path: Path, outside: Path):
    repo = tmp_path / "victim"
    repo.mkdir()
    (repo / "plan.yaml").symlink_to(outside / "plan.yaml")
    for args in (["today"], ["plan", "check"]):
        result = run_cli(*args, "--repo", str(repo), env=TODAY)
        assert result.exit_code == 2
        assert "leads outside the repository" in result.stderr


def test_logs_folder_symlinked_out_is_refused(repo: Path, outside: Path):
    (repo / "logs").rmdir()
    (repo / "logs").symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())
    result = run_cli("log", "photo=1", "--person", "anna", "--repo", str(repo), env=TODAY)
    assert result.exit_code == 2
    assert "logs is a symlink leading outside the repository" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written out there


def test_log_file_symlinked_out_is_refused_and_not_read(repo: Path, outside: Path):
    secret = outside / "secret.csv"
    secret.write_text("id,recorded_at\nnot,yours\n")
    (repo / "logs" / "2026-11.csv").symlink_to(secret)
    result = run_cli("log", "photo=1", "--person", "anna", "--repo", str(repo), env=TODAY)
    assert result.exit_code == 2 and "leading outside the repository" in result.stderr
    assert secret.read_text() == "id,recorded_at\nnot,yours\n"
    doctor = run_cli("doctor", "--repo", str(repo), env=TODAY)
    assert doctor.exit_code == 1
    assert "logs/2026-11.csv is a symlink leading outside" in doctor.output
    assert "not,yours" not in doctor.output


def test_cache_folder_symlinked_out_is_not_written_to(repo: Path, outside: Path, tmp_path: Path):
    (repo / ".dutyctl-cache").symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())
    env = {**TODAY, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert run_cli("today", "--repo", str(repo), env=env).exit_code == 0
    assert sorted(p.name for p in outside.iterdir()) == before


# -- --rev never becomes an option or shell ------------------------------------------------------

HOSTILE_REVS = [
    "--output=/tmp/dutyctl-pwned",
    "--output={marker}",
    "-p",
    "--exec=touch {marker}",
    "HEAD;touch {marker}",
    "HEAD && touch {marker}",
    "$(touch {marker})",
    "`touch {marker}`",
    "HEAD|touch {marker}",
    "HEAD\ntouch {marker}",
    "HEAD..HEAD",
    "",
    " HEAD",
    "HEAD:../../etc/passwd",
]


@pytest.fixture
def git_repo(repo: Path) -> Path:
    init_git(repo)
    git(repo, "add", "plan.yaml")
    git(repo, "commit", "--quiet", "-m", "plan")
    return repo


@pytest.mark.parametrize("rev", HOSTILE_REVS)
def test_hostile_revs_are_refused_before_git(git_repo: Path, tmp_path: Path, rev: str, monkeypatch):
    marker = tmp_path / "pwned"
    rev = rev.format(marker=marker)
    calls: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(args, *rest, **kwargs):
        calls.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    for args in (
        ["today", "--rev", rev],
        [f"--rev={rev}", "rotate"],
        ["plan", "check", "--rev", rev],
    ):
        result = run_cli(*args, "--repo", str(git_repo), env=TODAY)
        assert result.exit_code == 2, (args, result.output)
        assert "is not a git revision" in result.stderr or "unknown git revision" in result.stderr
    assert not marker.exists() and not Path("/tmp/dutyctl-pwned").exists()
    for call in calls:  # git ran (if at all) with an argument list, no user text as an option
        assert call[0] == "git" and not any(arg == rev for arg in call[1:] if arg.startswith("-"))


def test_check_rev_accepts_real_revisions():
    for rev in ("HEAD", "HEAD~3", "main", "v1.0", "a1b2c3d", "origin/main", "HEAD^", "main@{1}"):
        assert check_rev(rev) == rev
    with pytest.raises(UsageError):
        check_rev("--output=x")


def test_a_real_rev_still_works(git_repo: Path):
    assert run_cli("today", "--rev", "HEAD", "--repo", str(git_repo), env=TODAY).exit_code == 0


# -- CSV as a spreadsheet reads it ------------------------------------------------------------

FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']


def assert_no_formula_cells(text: str) -> None:
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (number, row)


@pytest.fixture
def example(example_repo: Path) -> Path:
    return example_repo


@pytest.mark.parametrize("formula", FORMULAS)
def test_log_neutralises_formulas(example: Path, formula: str):
    result = run_cli(
        "log",
        "photo=1",
        "--person",
        "farid",
        "--note",
        formula,
        "--url",
        formula,
        "--repo",
        str(example),
        env=TODAY,
    )
    assert result.exit_code == 0, result.output
    text = (example / "logs" / "2026-11.csv").read_text(encoding="utf-8")
    assert_no_formula_cells(text)
    listed = run_cli("entries", "--format", "json", "--repo", str(example), env=TODAY)
    assert [e["note"] for e in json.loads(listed.stdout)] == [formula]  # read back as typed


def test_every_csv_output_is_neutralised(example: Path, tmp_path: Path):
    # Formula-like text everywhere a person can put free text: notes, urls, an override reason.
    plan = example / "plan.yaml"
    plan.write_text(plan.read_text().replace("reason: Farid at a trade fair", 'reason: "=1+1"'))
    for formula in FORMULAS:
        if "\r" in formula:
            continue  # see test_csv_exports_keep_a_carriage_return_inside_its_cell
        run_cli(
            "log",
            "photo=1",
            "--person",
            "farid",
            "--note",
            formula,
            "--repo",
            str(example),
            env=TODAY,
        )
    source = tmp_path / "sheet.csv"
    source.write_text("date,person,metric,value,note\n2026-11-20,anna,photo,1,=2+3\n")
    assert run_cli("import", str(source), "--repo", str(example), env=TODAY).exit_code == 0
    outputs = {
        "log file": (example / "logs" / "2026-11.csv").read_text(encoding="utf-8"),
        "entries": run_cli("entries", "--format", "csv", "--repo", str(example), env=TODAY).stdout,
        "rotate": run_cli(
            "rotate", "--month", "2026-12", "--format", "csv", "--repo", str(example), env=TODAY
        ).stdout,
    }
    board = run_cli("report", "leaderboard", "--format", "csv", "--repo", str(example), env=TODAY)
    if board.exit_code == 0:
        outputs["leaderboard"] = board.stdout
    for name, text in outputs.items():
        assert text.strip(), name
        assert_no_formula_cells(text)


def test_csv_exports_keep_a_carriage_return_inside_its_cell(example: Path):
    logged = run_cli(
        "log",
        "photo=1",
        "--person",
        "farid",
        "--note",
        "x\r=1+1",
        "--repo",
        str(example),
        env=TODAY,
    )
    assert logged.exit_code == 0
    assert_no_formula_cells((example / "logs" / "2026-11.csv").read_text(encoding="utf-8"))
    exported = run_cli("entries", "--format", "csv", "--repo", str(example), env=TODAY).stdout
    # A spreadsheet ends an unquoted row at a bare CR: the note must come back as one
    # quoted cell that does not start a formula.
    assert '"x\r=1+1"' in exported
    assert_no_formula_cells(exported)
    [row] = [r for r in csv.DictReader(io.StringIO(exported, newline="")) if r["note"]]
    assert row["note"] == "x\r=1+1"


def test_ids_cannot_hold_formulas(example: Path):
    plan = example / "plan.yaml"
    plan.write_text(plan.read_text().replace("{id: greta,", '{id: "=greta",'))
    result = run_cli("plan", "check", "--repo", str(example))
    assert result.exit_code == 2 and "is not a valid id" in result.output


# -- permissions of what dutyctl creates ------------------------------------------------------


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cache_and_key_are_private(example: Path, tmp_path: Path, usual_umask):
    xdg = tmp_path / "xdg"
    assert run_cli("today", "--repo", str(example), env={**TODAY, "XDG_CACHE_HOME": str(xdg)})
    cache = example / ".dutyctl-cache"
    entries = list(cache.iterdir())
    assert entries and mode(cache) == 0o700
    assert all(mode(entry) == 0o600 for entry in entries)
    key = xdg / "dutyctl" / "cache-key"
    assert mode(key) == 0o600 and mode(key.parent) == 0o700


def test_cache_never_unpickles_what_it_did_not_sign(example: Path, tmp_path: Path, usual_umask):
    import pickle

    env = {**TODAY, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    marker = tmp_path / "pwned"
    assert run_cli("today", "--repo", str(example), env=env).exit_code == 0

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for entry in (example / ".dutyctl-cache").glob("plan-*.pickle"):
        entry.write_bytes(b"\x00" * 32 + pickle.dumps(Exploit()))
    assert run_cli("today", "--repo", str(example), env=env).exit_code == 0
    assert not marker.exists()


# -- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["webhook", "smtp_password", "token", "password", "secrets"])
def test_the_plan_has_no_place_for_secrets(example: Path, key: str):
    plan = example / "plan.yaml"
    plan.write_text(plan.read_text() + f"{key}: hunter2\n")
    result = run_cli("plan", "check", "--repo", str(example))
    assert result.exit_code == 2 and f"unknown key '{key}'" in result.output


def test_announce_secrets_never_printed(example: Path, tmp_path: Path):
    """Secrets come from the environment only, and no output or error repeats them."""
    token = "T0KEN-s3cr3t-9f8e7d"
    env = {
        **TODAY,
        "DUTYCTL_WEBHOOK_URL": f"http://127.0.0.1:9/hooks/{token}",  # port 9: nothing there
        "DUTYCTL_SMTP_HOST": "127.0.0.1",
        "DUTYCTL_SMTP_PORT": "9",
        "DUTYCTL_SMTP_TLS": "none",
        "DUTYCTL_SMTP_USER": "bot",
        "DUTYCTL_SMTP_PASSWORD": token,
        "DUTYCTL_SMTP_FROM": "bot@example.com",
        "DUTYCTL_RETRY_DELAY": "0",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    for args in (("--dry-run",), ()):
        result = run_cli("announce", "--to", "webhook", "--to", "email", *args,
                         "--repo", str(example), env=env)
        assert token not in result.output
        assert "hooks/" not in result.output
    assert result.exit_code == 1  # both sends failed, and said so without the secrets


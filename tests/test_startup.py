"""What each fast path imports: the cron path's speed, kept by a check that can fail.

Time is judged in bench/, never here; these tests pin down the reason it is fast: a
warm `dutyctl today` reads the plan's one signed cache entry and prints its start-up
values, without the plan model, the rotation, pickle, Rich, ruamel.yaml or the other
commands' modules. (It does import zoneinfo for today's date in the plan's time zone:
about 3 ms, measured in bench/, not worth a table of the zone's offsets.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import run_process

# Imports nothing itself (json neither): what it prints is what the command imported,
# on a line of its own after whatever the command wrote to stderr.
_PROBE = """
import sys
from dutyctl.cli import main
sys.argv = ["dutyctl", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("\\nMODULES", code, *sorted(sys.modules), file=sys.stderr)
"""


def _modules(args: list[str], env: dict[str, str]) -> tuple[str, set[str]]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    full_env.update({"NO_COLOR": "1", **env})
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    _, code, *modules = done.stderr.strip().splitlines()[-1].split()
    assert code in ("0", "None"), done.stderr
    return done.stdout, set(modules)


HEAVY = (
    "pickle",
    "pydantic",  # what typer 0.29 coerces options with: pinned below it
    "_hashlib",  # OpenSSL, which importing hashlib loads: signatures use _blake2
    "rich",
    "ruamel",
    "dateutil",
    "holidays",
    "icalendar",
    "json",
    "sqlite3",  # the log index: reports and `log`'s standing need it, `today` does not
    "dutyctl.store.logindex",
    "dutyctl.core.model",
    "dutyctl.core.syntax",
    "dutyctl.core.rotation",
    "dutyctl.store.planfile",
    "dutyctl.cli.log",
    "dutyctl.cli.report",
    "dutyctl.cli.plan",
    "dutyctl.cli.announce",
)


# What a minimal Typer app imports (bench/reference_app.py): the framework's own
# imports are not ours to avoid (a Typer release that imports json, say).
_FRAMEWORK = """
import sys, typer
app = typer.Typer()
app.command()(lambda: print("hello"))
sys.argv = ["hello"]
try:
    app()
except SystemExit:
    pass
print("MODULES", 0, *sorted(sys.modules), file=sys.stderr)
"""


@cache
def _framework_modules() -> frozenset[str]:
    done = subprocess.run(
        [sys.executable, "-c", _FRAMEWORK], capture_output=True, text=True, timeout=60,
        check=True,
    )
    return frozenset(done.stderr.strip().splitlines()[-1].split()[2:])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    ours = modules - _framework_modules()
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in ours)]


def test_warm_today_imports_nothing_heavy(example_repo: Path) -> None:
    env = {"DUTYCTL_TODAY": "2026-11-24"}
    first = run_process("--repo", str(example_repo), "today", env=env)  # fills the cache
    assert first.returncode == 0, first.stderr
    out, modules = _modules(["--repo", str(example_repo), "today"], env)
    assert out == first.stdout
    assert _loaded(modules, HEAVY) == []


def test_warm_today_with_output_checks_the_path_with_os_alone(example_repo: Path) -> None:
    """The --output guard (dutyctl.store.safefiles) on the cron path: an existing file inside
    the repository is compared with the plan's files through the signed cache note."""
    env = {"DUTYCTL_TODAY": "2026-11-24"}
    target = example_repo / "today.txt"
    target.write_text("yesterday's\n")
    first = run_process("--repo", str(example_repo), "today", env=env)  # fills the cache
    assert first.returncode == 0, first.stderr
    _, modules = _modules(["--repo", str(example_repo), "today", "-o", str(target)], env)
    assert target.read_text() == first.stdout
    assert _loaded(modules, (*HEAVY, "tempfile")) == []


def test_warm_today_on_the_clock_imports_nothing_heavy(example_repo: Path) -> None:
    """Cron runs with no pinned date: today's date in the plan's time zone picks the
    view from the plan's entry, and the answer is the one of that date pinned."""
    import zoneinfo
    from datetime import datetime

    first = run_process("--repo", str(example_repo), "today")  # fills the cache
    assert first.returncode == 0, first.stderr
    out, modules = _modules(["--repo", str(example_repo), "today"], {})
    assert _loaded(modules, HEAVY) == []
    day = datetime.now(zoneinfo.ZoneInfo("Europe/Berlin")).date().isoformat()
    pinned = run_process("--repo", str(example_repo), "today", env={"DUTYCTL_TODAY": day})
    assert out == first.stdout == pinned.stdout


def test_cold_today_loads_the_plan(example_repo: Path) -> None:
    """The probe can fail: without a cache, the same command needs the model and YAML."""
    out, modules = _modules(
        ["--repo", str(example_repo), "today"], {"DUTYCTL_TODAY": "2026-11-24"}
    )
    assert "Social media duty" in out
    assert {"dutyctl.core.model", "dutyctl.core.rotation", "dutyctl.store.planfile"} <= modules


def test_a_command_imports_only_its_own_cli_module(example_repo: Path) -> None:
    _, modules = _modules(["--repo", str(example_repo), "plan", "check"], {})
    assert "dutyctl.cli.plan" in modules
    assert _loaded(modules, ("dutyctl.cli.log", "dutyctl.cli.rotation", "dutyctl.cli.report")) == []


def test_warm_rotation_listing_reads_only_the_cached_rows(example_repo: Path) -> None:
    env = {"DUTYCTL_TODAY": "2026-11-24"}
    args = ["--repo", str(example_repo), "rotate", "--format", "json", "--weeks", "8"]
    first = run_process(*args, env=env)
    assert first.returncode == 0, first.stderr
    out, modules = _modules(args, env)
    assert out == first.stdout
    assert _loaded(modules, tuple(m for m in HEAVY if m != "json")) == []


# A warm `dutyctl log` checks against the start-up values of the plan's entry (its log
# view and the day's slots), appends and reads the slot's sums from the log index: none
# of the plan's machinery.
LOG_HEAVY = (
    *(m for m in HEAVY if m not in ("dutyctl.cli.log", "sqlite3", "dutyctl.store.logindex")),
    "dutyctl.cli.rotation",
    "dutyctl.core.agenda",
    "dutyctl.core.schedule",
    "dutyctl.app.report",
    "dutyctl.core.compliance",
    "csv",  # rows are written without it; it reads only lines that are not ordinary
)


def test_warm_log_reads_the_cached_view_not_the_plan(example_repo: Path) -> None:
    env = {"DUTYCTL_TODAY": "2026-11-26"}  # farid holds the social slot that day
    args = ["--repo", str(example_repo), "log", "photo=1", "--person", "farid"]
    first = run_process(*args, env=env)  # fills the cache
    assert first.returncode == 0, first.stderr
    out, modules = _modules(args, env)
    assert out.startswith("Logged 1 entry for Farid Haddad"), out
    assert _loaded(modules, LOG_HEAVY) == []
    out, modules = _modules([*args, "--format", "json"], env)
    assert out.startswith("{")
    assert _loaded(modules, tuple(m for m in LOG_HEAVY if m != "json")) == []


# What only reports need.
REPORT_MACHINERY = (
    "dutyctl.cli.report",
    "dutyctl.cli.rotation",
    "dutyctl.core.agenda",
    "dutyctl.app.report",
    "dutyctl.core.reports",
    "dutyctl.core.compliance",
    "icalendar",
)


@pytest.mark.parametrize(
    "day",
    ["2026-11-26", "2026-11-25", "2026-11-22", "2026-12-25"],
    ids=["on-duty", "off-duty", "sunday", "holiday"],
)
def test_warm_log_imports_no_report_machinery_on_any_kind_of_day(
    example_repo: Path, day: str
) -> None:
    env = {"DUTYCTL_TODAY": day}
    args = ["--repo", str(example_repo), "log", "photo=1", "--person", "farid"]
    assert run_process(*args, env=env).returncode == 0  # fills the cache for that day
    out, modules = _modules(args, env)
    assert out.startswith("Logged 1 entry for Farid Haddad"), out
    assert _loaded(modules, LOG_HEAVY) == []  # a warning on a pipe is written without Rich


def test_log_warnings_on_a_pipe_are_what_rich_writes(example_repo: Path) -> None:
    """Off duty, `log` warns on stderr. On a pipe it writes the lines itself; with a
    variable that changes Rich's output (COLUMNS, which run_process sets) Rich writes
    them: the same text."""
    env = {"DUTYCTL_TODAY": "2026-11-25"}  # farid is off duty
    args = ["--repo", str(example_repo), "log", "photo=1", "--person", "farid"]
    with_rich = run_process(*args, env=env)
    assert "COLUMNS" not in os.environ
    plain = subprocess.run(
        [sys.executable, "-m", "dutyctl", *args], capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")},
             "NO_COLOR": "1", **env}, check=False)
    assert with_rich.returncode == plain.returncode == 0
    assert "warning: farid is not on duty that day" in plain.stderr
    assert plain.stderr == with_rich.stderr


def test_warm_log_on_the_clock_imports_no_reports(example_repo: Path) -> None:
    """As people type it, whatever the day: a duty or not, a warning or not. (The plan
    starts in 2020 here, so that the real day is never before its start: a log dated
    before the start is refused, as it should be.)"""
    plan = example_repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("start: 2026-01-05", "start: 2020-01-06"))
    args = ["--repo", str(example_repo), "log", "photo=1", "--person", "farid"]
    assert run_process(*args).returncode == 0  # fills the cache for the real day
    out, modules = _modules(args, {})
    assert out.startswith("Logged 1 entry for Farid Haddad"), out
    assert _loaded(modules, REPORT_MACHINERY) == []


def test_cold_log_loads_the_plan(example_repo: Path) -> None:
    """The same probe, without a cache: the plan is loaded and its entry stored."""
    env = {"DUTYCTL_TODAY": "2026-11-24"}
    _, modules = _modules(["--repo", str(example_repo), "log", "photo=1", "--person", "farid"], env)
    assert {"dutyctl.core.model", "dutyctl.store.planfile", "dutyctl.core.rotation"} <= modules
    assert any(p.name.startswith("plan-") for p in (example_repo / ".dutyctl-cache").iterdir())


def test_every_command_is_found_by_its_name() -> None:
    """`dutyctl NAME` imports only the module _MODULES names for NAME: every command of
    the whole application must be listed there, and nothing else."""
    import dutyctl.cli as cli

    names = {c.name for c in cli.app.registered_commands} | {
        g.name for g in cli.app.registered_groups
    }
    assert names == set(cli._MODULES) | {"init"}


def test_every_object_alive_at_exit_is_frozen_out_of_the_last_collection(
    example_repo: Path,
) -> None:
    """Python's exit collects cycles once more over every object alive; `main` freezes
    them first (11 ms of a 100 ms `dutyctl log`, measured in bench/), whatever the
    command's exit code."""
    probe = (
        "import gc, sys\nfrom dutyctl.cli import main\n"
        "sys.argv = ['dutyctl', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print('\\nFROZEN', code, gc.get_freeze_count(), gc.get_count()[2], file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env.update({"NO_COLOR": "1", "DUTYCTL_TODAY": "2026-11-24"})
    for args, want in ((["today"], "0"), (["log", "nonsense"], "2")):
        done = subprocess.run([sys.executable, "-c", probe, "--repo", str(example_repo), *args],
                              env=env, capture_output=True, text=True, timeout=60)
        _, code, frozen, left = done.stderr.strip().splitlines()[-1].split()
        assert code == want, done.stderr
        assert int(frozen) > 10_000 and left == "0"

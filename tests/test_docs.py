"""The docs stay true: the README tour runs, docs/cli.md matches --help, completion works."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, run_process


def readme_tour() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("## A 60-second tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_tour_runs_as_written(tmp_path: Path):
    commands = readme_tour()
    assert [c.split()[0] for c in commands].count("dutyctl") >= 7
    cwd = tmp_path
    for command in commands:
        words = shlex.split(command)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        if words[0] == "$EDITOR":
            continue
        assert words[0] == "dutyctl", command
        result = run_process(*words[1:], cwd=cwd, env={"DUTYCTL_TODAY": "2026-11-24"})
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
    assert (cwd / "logs" / "2026-11.csv").exists()


def test_quick_start_commands_are_the_tasks_that_ci_runs():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip()]
    assert commands == ["python3 tasks.py demo", "python3 tasks.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in ci


def test_cli_reference_is_up_to_date():
    from dutyctl.cli.reference import reference_markdown

    current = (ROOT / "docs" / "cli.md").read_text()
    assert current == reference_markdown(), (
        "docs/cli.md is out of date: run  python -m dutyctl.cli.reference > docs/cli.md"
    )


def _complete(words: str, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1),
               _DUTYCTL_COMPLETE="complete_bash")
    result = subprocess.run([sys.executable, "-m", "dutyctl"], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=60)
    return result.stdout.split()


def test_completion_of_person_and_duty_ids(example_repo: Path):
    assert _complete("dutyctl who e", example_repo) == ["emma"]
    assert _complete("dutyctl rotate --person da", example_repo) == ["dana", "dave"]
    assert _complete("dutyctl rotate --duty b", example_repo) == ["blog"]
    assert _complete("dutyctl log ph", example_repo) == ["photo="]
    assert _complete("dutyctl log photo=1 --channel insta", example_repo) == ["instagram"]
    # Outside a repository completion offers nothing, and never breaks the shell.
    assert _complete("dutyctl who e", example_repo.parent) == []


def test_json_doc_has_an_example_for_every_listing():
    text = (ROOT / "docs" / "json.md").read_text()
    for command in ("plan check", "plan show", "rotate", "today", "who", "entries", "doctor",
                    "report leaderboard", "report month", "report week", "report person"):
        assert re.search(rf"^## dutyctl {command}\b", text, re.M), command


def test_docs_caches_names_every_entry_the_commands_make(example_repo: Path):
    """docs/caches.md lists the cache entries; each one listed is made by the commands
    it names, and every entry the commands make is listed."""
    text = (ROOT / "docs" / "caches.md").read_text()
    rows = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`([a-z-]+)-\*`", row)}
    documented |= {name for row in rows for name in re.findall(r"`([a-z-]+)\.sqlite3`", row)}
    env = {"DUTYCTL_TODAY": "2026-11-24", "DUTYCTL_PERSON": "farid"}
    for args in (
        ["today"],
        ["rotate", "--format", "json"],
        ["rotate"],
        ["log", "photo=1"],
        ["log", "photo=1", "--date", "2026-09-10"],
        ["log", "photo=1", "--date", "2026-06-10"],
        ["report", "leaderboard", "--all"],
        ["report", "month", "2026-11"],
    ):
        done = run_process("--repo", str(example_repo), *args, env=env)
        assert done.returncode == 0, (args, done.stderr)
    made = {
        re.sub(r"-[0-9a-f]{40}$", "", path.stem)
        for path in (example_repo / ".dutyctl-cache").iterdir()
    }
    assert made == documented

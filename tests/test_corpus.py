"""The bad-input corpus: every case in tests/corpus/ through the real CLI.

A case is a folder ``tests/corpus/AREA/NAME/`` holding ``case.yaml`` and ``files/``
(the duty repository's files, copied as they are, bytes and all). ``case.yaml`` keys:

``about``       what the case is (one line)
``args``        the command line after ``dutyctl``
``exit``        the exit code expected
``messages``    fragments that must all appear in stdout+stderr; where the input has a
                file and a line, one fragment names them (``plan.yaml:7:19``)
``base``        optional, ``example``: start from examples/plan.yaml and an empty logs/
``env``         optional extra environment variables
``git``         optional, true: ``git init`` and commit the files before running
``subprocess``  optional, true: run as ``python -m dutyctl`` in a separate process

Every case runs in a temp copy of its files with ``DUTYCTL_TODAY=2026-11-24``. No
case may print a traceback or exit 70 (an internal error is a bug, whatever the
input). Cases run in-process (Typer's runner with ``DUTYCTL_DEBUG=1``, so a bug
raises) unless marked ``subprocess``; ``DUTYCTL_CORPUS_SUBPROCESS=1`` runs every case
as a separate process (about 0.3 s each).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_PLAN, Outcome, git, init_git, run_cli, run_process

CORPUS = Path(__file__).resolve().parent / "corpus"
AREAS = ("plan", "log", "cli")
KEYS = {"about", "args", "exit", "messages", "base", "env", "git", "subprocess"}
ALL_IN_SUBPROCESSES = os.environ.get("DUTYCTL_CORPUS_SUBPROCESS") == "1"
TODAY = "2026-11-24"
INTERNAL_ERROR = 70


def load_case(folder: Path) -> dict:
    from ruamel.yaml import YAML

    spec = YAML(typ="safe", pure=True).load((folder / "case.yaml").read_text(encoding="utf-8"))
    assert isinstance(spec, dict), f"{folder}/case.yaml must be a mapping"
    unknown = set(spec) - KEYS
    assert not unknown, f"{folder}/case.yaml: unknown keys {sorted(unknown)}"
    messages = spec.get("messages", spec.get("message", []))
    spec["messages"] = [messages] if isinstance(messages, str) else list(messages)
    return spec


def case_folders() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/*/case.yaml"))


CASES = case_folders()


def case_id(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}"


def prepare(folder: Path, spec: dict, where: Path) -> Path:
    repo = where / "repo"
    repo.mkdir()
    if spec.get("base") == "example":
        shutil.copy(EXAMPLE_PLAN, repo / "plan.yaml")
    files = folder / "files"
    if files.is_dir():
        shutil.copytree(files, repo, dirs_exist_ok=True, symlinks=True)
    if spec.get("base") == "example" and not os.path.lexists(repo / "logs"):
        (repo / "logs").mkdir()
    if spec.get("git"):
        init_git(repo)
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "corpus case")
    return repo


def run_case(folder: Path, where: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Outcome]:
    spec = load_case(folder)
    repo = prepare(folder, spec, where)
    args = [str(a) for a in spec["args"]]
    env = {
        "DUTYCTL_TODAY": TODAY,
        "XDG_CACHE_HOME": str(where / "cache"),
        "COLUMNS": "400",
        **{str(k): str(v) for k, v in (spec.get("env") or {}).items()},
    }
    if spec.get("subprocess") or ALL_IN_SUBPROCESSES:
        done = run_process(*args, cwd=repo, env=env)
        return spec, Outcome(done.returncode, done.stdout, done.stderr)
    monkeypatch.chdir(repo)
    return spec, run_cli(*args, env=env)


@pytest.mark.parametrize("folder", CASES, ids=case_id)
def test_case(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec, result = run_case(folder, tmp_path, monkeypatch)
    output = result.stdout + result.stderr
    shown = f"\n--- exit {result.exit_code}; output:\n{output}"
    assert "Traceback" not in output, "a traceback reached the user" + shown
    assert result.exit_code != INTERNAL_ERROR, "internal error (a bug in dutyctl)" + shown
    assert result.exit_code == spec["exit"], f"expected exit {spec['exit']}" + shown
    for fragment in spec["messages"]:
        assert fragment in output, f"missing {fragment!r}" + shown


def test_corpus_is_large_and_well_formed():
    assert len(CASES) >= 60
    assert sum(bool(load_case(f).get("subprocess")) for f in CASES) >= 12
    by_area = {area: [f for f in CASES if f.parent.name == area] for area in AREAS}
    assert all(len(found) >= 15 for found in by_area.values()), {
        a: len(f) for a, f in by_area.items()
    }
    assert {f.parent.name for f in CASES} <= set(AREAS)
    for folder in CASES:
        spec = load_case(folder)
        assert spec.get("about") and spec.get("args") is not None, folder
        assert isinstance(spec["exit"], int) and spec["messages"], folder
        if spec["exit"] == 0:
            continue
        # A refused plan or log names the file, and the line where the input has one.
        if folder.parent.name == "plan" and (folder / "files" / "plan.yaml").is_file():
            assert any(".yaml" in m for m in spec["messages"]), f"{folder}: name the file"
        if folder.parent.name == "log" and spec["exit"] == 1:
            assert any(m.startswith("logs/") and ":" in m for m in spec["messages"]), folder

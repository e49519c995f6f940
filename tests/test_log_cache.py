"""`dutyctl log` answers the same from a warm cache as from the plan itself.

A warm `dutyctl log` checks its arguments against the start-up values of the plan's
cache entry (its log view and the slots of the days around today) without loading
the plan. Two copies of one
duty repository get the same commands: one keeps its cache, the other has it
deleted before every command. Their output, exit codes and log rows must be the
same (but for the entry ids and timestamps, new on every run), through edits of
the plan, past days, refusals, JSON and voids. Each run also says whether it
loaded the plan, so that the warm copy is seen to answer from the cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import init_git
from tests.test_startup import _PROBE  # runs the CLI, then names the modules it imported

DAY = "2026-11-24"

_ID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
_RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_SHA = re.compile(r"\b[0-9a-f]{10,40}\b")


class Run(NamedTuple):
    code: int
    stdout: str
    stderr: str
    loaded_plan: bool  # dutyctl.store.planfile was imported: the plan was read and checked


def _same_across_runs(text: str) -> str:
    """Entry ids, timestamps and commit hashes differ from run to run: masked."""
    text = _ID.sub("<id>", text)
    text = _RECORDED_AT.sub("<recorded_at>", text)
    return _SHA.sub("<sha>", text)


def dutyctl(repo: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    full_env.update({"NO_COLOR": "1", "DUTYCTL_TODAY": DAY, **(env or {})})
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "--repo", str(repo), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    stderr, _, last = done.stderr.rpartition("\nMODULES ")
    code, *modules = last.split()
    assert modules, done.stderr
    return Run(0 if code == "None" else int(code), done.stdout, stderr,
               "dutyctl.store.planfile" in modules)


def log_rows(repo: Path) -> dict[str, str]:
    return {
        p.name: _same_across_runs(p.read_text(encoding="utf-8"))
        for p in sorted((repo / "logs").glob("*.csv"))
    }


class Twins:
    """Two copies of one duty repository: ``warm`` keeps its cache, ``cold`` has it
    deleted before every command."""

    def __init__(self, source: Path, tmp_path: Path) -> None:
        self.warm = tmp_path / "warm"
        self.cold = tmp_path / "cold"
        for repo in (self.warm, self.cold):
            shutil.copytree(source, repo)

    def log(self, *args: str | Callable[[Path], str], warm: bool, env=None) -> Run:
        """``dutyctl log ARGS`` in both; ``warm``: the warm copy must not load the plan.
        An argument may be a function of the repository (an id logged there)."""
        runs = []
        for repo in (self.warm, self.cold):
            if repo == self.cold:
                shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)
            line = [a if isinstance(a, str) else a(repo) for a in args]
            runs.append(dutyctl(repo, "log", *line, env=env))
        hot, cold = runs
        assert cold.loaded_plan, "the cold copy had no cache"
        assert hot.loaded_plan is not warm, (args, "loaded the plan" if warm else "did not")
        assert (hot.code, _same_across_runs(hot.stdout), _same_across_runs(hot.stderr)) == (
            cold.code,
            _same_across_runs(cold.stdout),
            _same_across_runs(cold.stderr),
        ), args
        assert log_rows(self.warm) == log_rows(self.cold)
        return hot

    def edit_plan(self, old: str, new: str) -> None:
        for repo in (self.warm, self.cold):
            plan = repo / "plan.yaml"
            text = plan.read_text(encoding="utf-8")
            assert old in text
            plan.write_text(text.replace(old, new), encoding="utf-8")


def on_duty(repo: Path, day: str = DAY) -> dict[str, list[str]]:
    run = dutyctl(repo, "today", "--date", day, "--format", "json")
    assert run.code == 0, run.stderr
    return {d["duty"]: d["people"] for d in json.loads(run.stdout)["duties"]}


def last_id(repo: Path) -> str:
    rows = (repo / "logs" / f"{DAY[:7]}.csv").read_text(encoding="utf-8").splitlines()
    return rows[-1].split(",")[0]


@pytest.fixture
def twins(example_repo: Path, tmp_path: Path) -> Twins:
    return Twins(example_repo, tmp_path)


def test_warm_and_cold_log_give_the_same_answers(twins: Twins) -> None:
    busy = on_duty(twins.warm)
    who = busy["social"][0]
    idle = next(p for p in ("farid", "greta", "bruno", "carl", "emma")
                if all(p not in people for people in busy.values()))
    # `today` (in on_duty) filled the plan's one cache entry, which `log` reads too.
    first = twins.log("photo=1", "--person", who, warm=True)
    assert first.code == 0 and "photo 1/1 ok" in first.stdout
    twins.log("photo=1", "repost=2", "--person", who, "--minutes", "5", "--channel", "twitter",
              "--url", "https://example.com/a", "--note", "two", warm=True)
    twins.log("news=1", "--person", who, "--format", "json", warm=True)
    twins.log("article=1", "followers=3", "--person", who, "--channel", "blog", warm=True)
    twins.log("photo=1", "--person", idle, warm=True)  # not on duty: a warning, no KPI
    twins.log("photo=1", "--person", idle, "--duty", "social", warm=True)
    twins.log("photo=1", "--person", who, "--date", "yesterday", warm=True)
    twins.log("photo=1", "--person", who, "--date", "2026-10-25", warm=True)  # a month back
    # A day before the entry's days: its slots come from the cached plan (not re-read).
    twins.log("photo=1", "--person", who, "--date", "2026-10-14", "--duty", "social",
              warm=True)
    twins.log("repost=1", "--person", who, "--date", "2026-10-14", "--duty", "social",
              warm=True)
    twins.log("photo=1", "--person", who, "--date", "2026-10-14", "--format", "json",
              warm=True)
    twins.log("--void", last_id, "--person", who, warm=True)
    twins.log("--void", last_id, "--person", who, "--format", "json", warm=True)


@pytest.mark.parametrize(
    "args",
    [
        ("photo=1", "--person", "nobody"),
        ("fotos=1", "--person", "anna"),
        ("photo=1", "--person", "anna", "--duty", "socail"),
        ("photo=1", "--person", "anna", "--channel", "tiktok"),
        ("photo=1", "--person", "anna", "--date", "2026-01-04"),
        ("photo=1", "--person", "anna", "--date", "tomorrow"),
        ("photo=1", "--person", "anna", "--date", "someday"),
        ("photo=x", "repst=1", "news", "--person", "zed", "--date", "2030-01-01",
         "--channel", "tv", "--minutes", "-1"),
        ("photo=1", "photo=2", "--person", "anna"),
        ("--person", "anna"),
        ("photo=1", "--person", "anna", "--format", "json", "--channel", "tv"),
        ("--void", "01ABC", "--person", "anna"),
    ],
)
def test_refusals_are_the_same_warm_or_cold(twins: Twins, args: tuple[str, ...]) -> None:
    twins.log("photo=1", "--person", "anna", warm=False)
    refused = twins.log(*args, warm=True)
    assert refused.code == 2 and "problem" in refused.stderr


def test_a_changed_plan_is_read_again(twins: Twins) -> None:
    who = on_duty(twins.cold)["social"][0]
    twins.log("photo=1", "--person", who, warm=False)  # fills the cache
    twins.log("photo=1", "--person", who, warm=True)
    # A changed KPI: the standing is measured against the new bound.
    twins.edit_plan("kpi: {photo: 1, repost: 1, news: 1}", "kpi: {photo: 3..4, repost: 1}")
    changed = twins.log("photo=1", "--person", who, warm=False)
    assert "photo 3/3..4 ok, repost 0/1 missing" in changed.stdout
    twins.log("news=1", "--person", who, "--format", "json", warm=True)
    # A renamed duty: the new name is shown.
    twins.edit_plan("name: Social media duty", "name: Social posting")
    renamed = twins.log("repost=1", "--person", who, warm=False)
    assert "(Social posting)" in renamed.stdout
    twins.log("repost=1", "--person", who, warm=True)
    # A person added: known at once, warm or cold.
    twins.log("photo=1", "--person", "ines", warm=True)  # refused: not in the roster yet
    twins.edit_plan(
        "  - {id: greta,",
        "  - {id: ines, name: Ines Mori, email: ines@example.com}\n  - {id: greta,",
    )
    added = twins.log("photo=1", "--person", "ines", warm=False)
    assert added.code == 0 and "Ines Mori" in added.stdout
    twins.log("photo=1", "--person", "ines", warm=True)


def test_a_deleted_cache_folder_is_filled_again(twins: Twins) -> None:
    twins.log("photo=1", "--person", "anna", warm=False)
    shutil.rmtree(twins.warm / ".dutyctl-cache")
    twins.log("photo=1", "--person", "anna", warm=False)
    twins.log("photo=1", "--person", "anna", warm=True)


def test_the_person_found_by_git_email_warm_or_cold(twins: Twins) -> None:
    for repo in (twins.warm, twins.cold):
        init_git(repo)  # user.email anna@example.com
    twins.log("photo=1", warm=False)
    found = twins.log("photo=1", "--format", "json", warm=True)
    assert json.loads(found.stdout)["person"] == "anna"
    twins.log("photo=1", env={"DUTYCTL_PERSON": "carl"}, warm=True)
    twins.log("photo=1", "--commit", warm=True)

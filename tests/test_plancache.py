"""The plan cache: the same plan as a fresh load, and never trusted when damaged or stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutyctl.store.planfile import check_plan_file, load_plan
from dutyctl.store.repo import Repo


@pytest.fixture(autouse=True)
def private_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def entries(repo: Path) -> list[Path]:
    return sorted((repo / ".dutyctl-cache").glob("plan-*.pickle"))


def test_warm_load_equals_fresh_load(example_repo: Path):
    repo = Repo(example_repo)
    cold = load_plan(repo)
    assert len(entries(example_repo)) == 1
    warm = load_plan(repo)
    fresh, _ = check_plan_file(repo)
    assert warm == cold == fresh
    assert warm.locations == fresh.locations


def test_damaged_or_tampered_cache_is_rebuilt(example_repo: Path):
    repo = Repo(example_repo)
    load_plan(repo)
    [entry] = entries(example_repo)
    for damage in (b"", b"garbage", entry.read_bytes()[:-5], b"\0" * 32 + entry.read_bytes()[32:]):
        entry.write_bytes(damage)
        assert load_plan(repo) == check_plan_file(repo)[0]
        assert entry.read_bytes() != damage  # rewritten


def test_changed_plan_or_roster_file_is_not_served_stale(example_repo: Path):
    plan = example_repo / "plan.yaml"
    text = plan.read_text()
    roster_text = "roster:" + text.split("roster:")[1].split("duties:")[0]
    (example_repo / "people.yaml").write_text(roster_text)
    plan.write_text(text.split("roster:")[0] + "roster: people.yaml\nduties:"
                    + text.split("duties:", 1)[1])
    repo = Repo(example_repo)
    assert load_plan(repo).people["dave"].name == "Dave Ng"
    (example_repo / "people.yaml").write_text(roster_text.replace("Dave Ng", "David Ng"))
    assert load_plan(repo).people["dave"].name == "David Ng"
    plan.write_text(plan.read_text().replace("team: Acme Marketing", "team: Acme"))
    assert load_plan(repo).team == "Acme"


def test_deleted_cache_folder_and_read_only_repository(example_repo: Path):
    import shutil

    repo = Repo(example_repo)
    load_plan(repo)
    shutil.rmtree(example_repo / ".dutyctl-cache")
    assert load_plan(repo).team == "Acme Marketing"
    shutil.rmtree(example_repo / ".dutyctl-cache")
    example_repo.chmod(0o555)
    try:
        assert load_plan(repo).team == "Acme Marketing"  # no cache, no error
    finally:
        example_repo.chmod(0o755)


def test_cache_files_are_private(example_repo: Path, tmp_path: Path):
    load_plan(Repo(example_repo))
    assert (example_repo / ".dutyctl-cache").stat().st_mode & 0o077 == 0
    assert entries(example_repo)[0].stat().st_mode & 0o077 == 0
    assert (tmp_path / "xdg" / "dutyctl" / "cache-key").stat().st_mode & 0o077 == 0

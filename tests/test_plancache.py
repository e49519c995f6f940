"""The plan cache: one entry per plan, holding the plan a fresh load gives and start-up
values a fresh computation gives; never trusted when damaged, planted or stale."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from dutyctl.app import load as loading
from dutyctl.core.agenda import today_view
from dutyctl.core.logview import plain_view
from dutyctl.core.rotation import build_rotation
from dutyctl.store import plancache
from dutyctl.store.planfile import check_plan_file
from dutyctl.store.repo import Repo
from tests.conftest import run_cli

TODAY = "2026-11-24"


@pytest.fixture(autouse=True)
def private_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("DUTYCTL_TODAY", TODAY)


def entries(repo: Path) -> list[Path]:
    return sorted((repo / ".dutyctl-cache").glob("plan-*.pickle"))


def fresh(repo: Path):
    plan, _ = check_plan_file(Repo(repo))
    assert plan is not None
    return plan


def load(repo: Path):
    return loading.load(repo)[1]


def test_warm_load_equals_fresh_load(example_repo: Path):
    cold = load(example_repo)
    assert len(entries(example_repo)) == 1
    warm = load(example_repo)
    assert warm == cold == fresh(example_repo)
    assert warm.locations == fresh(example_repo).locations
    assert plancache.plan_key(warm) is not None  # derived entries can be keyed by it


def test_the_entry_is_read_back_without_parsing(example_repo: Path):
    """A second process's view: the entry decodes to the same plan and start-up values."""
    made = loading.plan_entry(Repo(example_repo))
    read = loading.warm_entry(Repo(example_repo))
    assert read is not None and read is not made
    assert read.key == made.key and read.startup == made.startup
    assert read.plan() == made.plan()


def test_startup_values_equal_a_fresh_computation(example_repo: Path):
    """today's view of every day of the window, from one rotation, is the view of that
    day's own rotation; the log view is the plan's."""
    entry = loading.plan_entry(Repo(example_repo))
    plan = fresh(example_repo)
    middle = date.fromisoformat(TODAY)
    days = [middle + timedelta(days=n)
            for n in range(-loading.DAYS_BEFORE, loading.DAYS_AFTER + 1)]
    assert sorted(entry.startup["days"]) == [d.isoformat() for d in days]
    for day in days:
        assert entry.startup["days"][day.isoformat()] == today_view(
            plan, build_rotation(plan, day), day
        )
    assert entry.startup["log_view"] == plain_view(plan)
    assert entry.startup["timezone"] == plan.timezone == "Europe/Berlin"


def test_damaged_or_tampered_entry_is_rebuilt(example_repo: Path):
    load(example_repo)
    [entry] = entries(example_repo)
    good = entry.read_bytes()
    pickle_at = 40 + int.from_bytes(good[32:40], "big")  # past the signed start-up values
    middle = (pickle_at + len(good)) // 2
    for damage in (b"", b"garbage", b"\0" * 32 + good[32:],
                   good[:40] + bytes([good[40] ^ 1]) + good[41:]):
        entry.write_bytes(damage)
        assert loading.warm_entry(Repo(example_repo)) is None  # never decoded
        assert load(example_repo) == fresh(example_repo)
        assert entry.read_bytes() == good  # rewritten
    # The pickled plan damaged: the signed start-up values still hold, the plan is
    # never unpickled (its digest is in the signed part), and loading it rebuilds.
    for damage in (good[:-5], good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1:]):
        entry.write_bytes(damage)
        warm = loading.warm_entry(Repo(example_repo))
        assert warm is not None and warm.plan() is None
        assert load(example_repo) == fresh(example_repo)
        assert entry.read_bytes() == good


def test_an_entry_signed_by_another_user_is_not_trusted(example_repo: Path, tmp_path, monkeypatch):
    load(example_repo)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert loading.warm_entry(Repo(example_repo)) is None
    assert load(example_repo) == fresh(example_repo)  # and rebuilt under this user's key
    assert loading.warm_entry(Repo(example_repo)) is not None


def test_changed_plan_or_roster_file_is_not_served_stale(example_repo: Path):
    plan = example_repo / "plan.yaml"
    text = plan.read_text()
    roster_text = "roster:" + text.split("roster:")[1].split("duties:")[0]
    (example_repo / "people.yaml").write_text(roster_text)
    plan.write_text(text.split("roster:")[0] + "roster: people.yaml\nduties:"
                    + text.split("duties:", 1)[1])
    assert load(example_repo).people["dave"].name == "Dave Ng"
    assert loading.included_files(Repo(example_repo)) == [example_repo / "people.yaml"]
    (example_repo / "people.yaml").write_text(roster_text.replace("Dave Ng", "David Ng"))
    assert loading.warm_entry(Repo(example_repo)) is None  # the roster file changed
    assert load(example_repo).people["dave"].name == "David Ng"
    plan.write_text(plan.read_text().replace("team: Acme Marketing", "team: Acme"))
    assert load(example_repo).team == "Acme"
    # What start-up reads follows too: `today` and `log` on a warm cache.
    (example_repo / "people.yaml").write_text(roster_text.replace("Greta Lind", "Greta L."))
    out = run_cli("--repo", str(example_repo), "today")  # Greta is on social duty that day
    assert out.exit_code == 0 and "Acme: Tuesday 2026-11-24" in out.stdout
    assert "Greta L." in out.stdout and "Greta Lind" not in out.stdout
    logged = run_cli("--repo", str(example_repo), "log", "photo=1", "--person", "greta")
    assert logged.exit_code == 0 and "Greta L." in logged.stdout


def test_another_dutyctl_version_does_not_read_the_entry(example_repo: Path, monkeypatch):
    load(example_repo)
    [old] = entries(example_repo)
    monkeypatch.setattr(plancache, "__version__", "99.0")
    assert loading.warm_entry(Repo(example_repo)) is None
    assert load(example_repo) == fresh(example_repo)
    assert len(entries(example_repo)) == 2 and old in entries(example_repo)
    # Even an old entry copied to the new name is refused: its key names the old version.
    [new] = [e for e in entries(example_repo) if e != old]
    new.write_bytes(old.read_bytes())
    assert loading.warm_entry(Repo(example_repo)) is None


def test_the_window_follows_today(example_repo: Path, monkeypatch):
    """A day past the entry's window rebuilds its start-up values (the plan unchanged);
    a day asked for outside the window is computed, not stored."""
    load(example_repo)
    monkeypatch.setenv("DUTYCTL_TODAY", "2027-02-10")
    plan = fresh(example_repo)
    entry = loading.plan_entry(Repo(example_repo))
    assert "2027-02-10" in entry.startup["days"] and TODAY not in entry.startup["days"]
    assert len(entries(example_repo)) == 1
    far = date(2027, 9, 1)
    assert loading.day_view(Repo(example_repo), "2027-09-01") == today_view(
        plan, build_rotation(plan, far), far
    )
    assert "2027-09-01" not in loading.warm_entry(Repo(example_repo)).startup["days"]  # type: ignore[union-attr]


def test_deleted_cache_folder_and_read_only_repository(example_repo: Path):
    load(example_repo)
    shutil.rmtree(example_repo / ".dutyctl-cache")
    assert load(example_repo).team == "Acme Marketing"
    shutil.rmtree(example_repo / ".dutyctl-cache")
    example_repo.chmod(0o555)
    try:
        assert load(example_repo).team == "Acme Marketing"  # no cache, no error
        assert run_cli("--repo", str(example_repo), "today").exit_code == 0
    finally:
        example_repo.chmod(0o755)


def test_cache_files_are_private(example_repo: Path, tmp_path: Path):
    load(example_repo)
    assert (example_repo / ".dutyctl-cache").stat().st_mode & 0o077 == 0
    assert entries(example_repo)[0].stat().st_mode & 0o077 == 0
    assert (tmp_path / "xdg" / "dutyctl" / "cache-key").stat().st_mode & 0o077 == 0

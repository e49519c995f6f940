"""The plan caches give the answers of the uncached code, whatever happens to the files.

Today's view and the rotation from the plan cache against a fresh computation. (The log
index is compared with the careful reader in test_logindex.py.)
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plan.yaml"
TODAY = "2026-11-24"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """The example plan and an empty log in a temp folder, today pinned, a cache key of
    its own."""
    monkeypatch.setenv("DUTYCTL_TODAY", TODAY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "duties"
    (root / "logs").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "plan.yaml")
    return root


def test_cache_folder_is_git_ignored():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert ".dutyctl-cache/" in ignored


def test_today_and_rotation_from_the_cache_equal_a_fresh_computation(repo: Path):
    from dutyctl.app.rotation import rotation_period, today_duties
    from dutyctl.core.agenda import today_view
    from dutyctl.core.rotation import build_rotation
    from dutyctl.store.planfile import load_plan
    from dutyctl.store.repo import Repo

    for day in ("2026-11-24", "2026-12-02", "2026-08-05"):
        first = today_duties(repo, None, day).view  # computes and caches
        second = today_duties(repo, None, day).view  # from the plan's entry
        plan = load_plan(Repo(repo))
        fresh = today_view(plan, build_rotation(plan, date.fromisoformat(day)),
                           date.fromisoformat(day))
        assert first == second == fresh
    args = ("2026-01-05", "2027-03-31", None, None, None, None, None)
    cached = [rotation_period(repo, None, *args).assignments for _ in range(2)]
    plan = load_plan(Repo(repo))
    fresh = build_rotation(plan, date(2027, 3, 31)).between(date(2026, 1, 5), date(2027, 3, 31))
    assert cached[0] == cached[1] == sorted(fresh, key=lambda a: (a.start, a.duty))
    # The plan changes: the cached view follows it.
    text = (repo / "plan.yaml").read_text().replace("Acme Marketing", "Acme Sales")
    (repo / "plan.yaml").write_text(text)
    assert today_duties(repo, None, "2026-11-24").view["team"] == "Acme Sales"
    # A damaged plan entry is ignored (and rebuilt).
    damaged = list((repo / ".dutyctl-cache").glob("plan-*.pickle"))
    assert damaged
    for entry in damaged:
        entry.write_bytes(b"x" * 40)
    assert today_duties(repo, None, "2026-11-24").view["team"] == "Acme Sales"


def test_rotation_listing_from_cached_rows_equals_a_fresh_computation(repo: Path):
    """`rotate --format json|csv` on a warm cache reads the cached slot rows only; what it
    prints is what the uncached path prints, also after the plan or the filters change."""
    from tests.conftest import run_cli

    def listing(*args: str) -> str:
        outcome = run_cli("--repo", str(repo), "rotate", *args)
        assert outcome.exit_code == 0, outcome.output
        return outcome.stdout

    def fresh(*args: str) -> str:
        shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)
        return listing(*args)

    queries = [
        ("--format", "json", "--from", "2026-01-05", "--to", "2027-03-31"),
        ("--format", "csv", "--from", "2026-01-05", "--to", "2027-03-31"),
        ("--format", "json", "--month", "2026-12", "--duty", "blog"),
        ("--format", "json", "--weeks", "6", "--person", "farid"),
        ("--format", "csv", "--month", "last", "--department", "sales"),
    ]
    for args in queries:
        expected = fresh(*args)
        assert listing(*args) == expected  # computed and stored
        assert listing(*args) == expected  # from the stored rows
        assert list((repo / ".dutyctl-cache").glob("slot-rows-*"))
    # The plan changes (Farid away in December): the cached rows follow it.
    json_args = queries[0]
    before = listing(*json_args)
    text = (repo / "plan.yaml").read_text()
    old = "skills: [photo], budget: 90m/week}"
    assert text.count(old) == 1
    text = text.replace(old, "skills: [photo], budget: 90m/week, away: [2026-12-01..2026-12-31]}")
    (repo / "plan.yaml").write_text(text)
    after = listing(*json_args)
    assert after != before
    assert after == fresh(*json_args)
    # An unknown id is refused on a warm cache too (nothing was stored for it).
    listing(*json_args)
    refused = run_cli("--repo", str(repo), "rotate", "--format", "json", "--duty", "blgo")
    assert refused.exit_code == 2 and "blgo" in refused.stderr

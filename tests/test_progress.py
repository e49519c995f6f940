"""Progress on long work: a first build of the log's index reports bytes done, and the
bar shows only on a terminal, only for a build big enough to wait for."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from dutyctl.core.entries import Entry
from dutyctl.store.logfile import HEADER_LINE, append_entries, encode_entries, next_entry_id
from dutyctl.store.logindex import PROGRESS_FROM, LogIndex
from tests.conftest import EXAMPLE_PLAN, on_a_terminal, run_cli, run_process


def _entries(month: int, count: int) -> list[Entry]:
    return [
        Entry(next_entry_id(), "2026-01-01T00:00:00.000Z", date(2026, month, 1 + i % 27), "anna",
              "social", "instagram", "photo", 1.0, None, "", f"note {i}")
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose log is just over PROGRESS_FROM bytes, never indexed."""
    repo = tmp_path_factory.mktemp("big") / "team"
    (repo / "logs").mkdir(parents=True)
    shutil.copy(EXAMPLE_PLAN, repo / "plan.yaml")
    for month in (10, 11):
        (repo / "logs" / f"2026-{month}.csv").write_bytes(
            HEADER_LINE + encode_entries(_entries(month, 25_000)))
    assert sum(p.stat().st_size for p in (repo / "logs").iterdir()) > PROGRESS_FROM
    return repo


@pytest.fixture
def cold(big_log: Path, tmp_path: Path) -> Path:
    """A copy of the big log with no index yet."""
    return Path(shutil.copytree(big_log, tmp_path / "cold"))


def test_a_first_build_reports_increasing_progress_ending_at_its_total(cold: Path):
    calls: list[tuple[int, int]] = []
    with LogIndex(cold, lambda done, of: calls.append((done, of))) as index:
        assert index.count() == 50_000
    totals = {of for _, of in calls}
    assert len(calls) > 10 and len(totals) == 1
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == totals.pop()


def test_a_warm_index_an_append_or_a_small_build_report_nothing(cold: Path, example_repo: Path):
    LogIndex(cold).close()
    append_entries(cold, _entries(11, 1))
    calls: list[tuple[int, int]] = []
    for _ in range(2):  # reads the appended row, then nothing
        with LogIndex(cold, lambda done, of: calls.append((done, of))) as index:
            assert index.count() == 50_001
    append_entries(example_repo, _entries(11, 2000))
    with LogIndex(example_repo, lambda done, of: calls.append((done, of))) as index:
        assert index.count() == 2000
    assert calls == []


def test_a_first_build_draws_a_bar_on_a_terminal_and_a_warm_run_does_not(cold: Path):
    month = ("report", "month", "2026-11")
    assert b"Indexing the log" in on_a_terminal(*month, cwd=cold, stream="stderr")
    assert b"Indexing" not in on_a_terminal(*month, cwd=cold, stream="stderr")


def test_a_first_build_draws_no_bar_in_a_pipe(cold: Path):
    result = run_process("entries", "--month", "2026-11", "--format", "csv", "--repo",
                         str(cold), env={"DUTYCTL_TODAY": "2026-11-30"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout.count("\n") == 25_001


def test_a_file_name_in_the_bar_is_text_not_markup(example_repo: Path, tmp_path: Path):
    sheet = tmp_path / "[bold]sheet.csv"
    sheet.write_text("date,person,metric,value\n" + "".join(
        f"2026-11-{1 + i % 20:02d},anna,photo,1\n" for i in range(1200)))
    err = on_a_terminal("import", str(sheet), "--dry-run", cwd=example_repo, stream="stderr")
    assert b"Checking [bold]sheet.csv" in err


def test_doctor_and_import_draw_no_bar_in_a_pipe(example_repo: Path, tmp_path: Path):
    append_entries(example_repo, _entries(11, 50))
    result = run_process("doctor", "--repo", str(example_repo))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "\x1b[" not in result.stdout
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("date,person,metric,value\n" + "".join(
        f"2026-11-{1 + i % 20:02d},anna,photo,1\n" for i in range(1200)))
    result = run_cli("import", str(sheet), "--dry-run", "--repo", str(example_repo),
                     env={"DUTYCTL_TODAY": "2026-11-24"})
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stderr and "Checking" not in result.stderr


def test_progress_bar_is_silent_off_a_terminal():
    from dutyctl.render import progress_bar

    with progress_bar("Reading") as progress:
        assert progress is None

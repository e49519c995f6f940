"""Progress on long reads: the loaders report bytes done, the bar shows only on a terminal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dutyctl.core.entries import Entry
from dutyctl.store.logfile import append_entries, next_entry_id, read_log
from tests.conftest import run_cli, run_process


def _entries(month: int, count: int) -> list[Entry]:
    return [
        Entry(next_entry_id(), "2026-01-01T00:00:00.000Z", date(2026, month, 1 + i % 27), "anna",
              "social", "instagram", "photo", 1.0, None, "", f"note {i}")
        for i in range(count)
    ]


def test_read_log_reports_increasing_bytes_ending_at_the_total(example_repo: Path):
    for month in (9, 10, 11):
        append_entries(example_repo, _entries(month, 300))
    total = sum(p.stat().st_size for p in (example_repo / "logs").glob("*.csv"))
    calls: list[tuple[int, int]] = []
    read = read_log(example_repo, progress=lambda done, of: calls.append((done, of)))
    assert len(read.entries) == 900
    assert calls and all(of == total for _, of in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == total


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

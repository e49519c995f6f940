"""The benchmark cannot rot: its data is a log dutyctl reads as written, and the bench
runs end to end (--quick, tiny data). Timings are not judged here: nothing is timed."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import compare
from bench.generate import SHAPES, TODAY, make, number_cell, text_cell
from tests.conftest import EXAMPLE_PLAN, ROOT

DUTYCTL = str(Path(sys.executable).parent / "dutyctl")


def dutyctl(repo: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env.update(NO_COLOR="1", DUTYCTL_TODAY=TODAY.isoformat(),
               XDG_CACHE_HOME=str(tmp_path / "xdg"))
    return subprocess.run([DUTYCTL, "--repo", str(repo), *args], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def active_ids(repo: Path) -> set[str]:
    """The entries that count, read with the csv module: each id once, no voids."""
    rows = []
    for path in sorted((repo / "logs").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    voided = {r["voids"] for r in rows if r["voids"]}
    return {r["id"] for r in rows if not r["voids"] and r["id"] not in voided}


@pytest.fixture(scope="module")
def quick_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bench-data")
    for key in SHAPES:
        make(key, data, quick=True)
    return data


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_every_shape_is_a_clean_log_that_reads_back_entry_for_entry(
    quick_data: Path, key: str, tmp_path: Path
) -> None:
    made = make(key, quick_data, quick=True)  # from the cache this time
    doctor = dutyctl(made.path, "doctor", "--format", "json", tmp_path=tmp_path)
    report = json.loads(doctor.stdout)
    # Shape b is history from before the plan's start, which doctor points out; nothing
    # else may be wrong with any shape.
    others = [p["message"] for p in report["problems"]
              if key != "b" or "before the plan's start" not in p["message"]]
    assert others == []
    assert doctor.returncode == (1 if key == "b" else 0), doctor.stderr
    assert report["entries"] == made.entries == SHAPES[key].quick_entries
    assert len(report["files"]) == made.months
    listed = dutyctl(made.path, "entries", "--all", "--format", "csv", tmp_path=tmp_path)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    ids = {row["id"] for row in csv.DictReader(io.StringIO(listed.stdout))}
    assert ids == active_ids(made.path)


def test_the_shapes_have_the_features_they_are_named_for(quick_data: Path) -> None:
    def rows(key: str) -> list[dict[str, str]]:
        found = []
        for path in sorted((quick_data / f"{key}-quick" / "logs").glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                found += list(csv.DictReader(handle))
        return found

    b = rows("b")
    assert min(r["date"] for r in b) < "2026-01-05" and all(r["duty"] or r["voids"] for r in b)
    e = rows("e")
    assert 0.03 < sum(1 for r in e if r["voids"]) / len(e) < 0.07
    f = [r for r in rows("f") if not r["voids"]]
    assert sum(1 for r in f if "." in r["value"]) > 0.9 * len(f)
    assert {r["date"][:7] for r in rows("g")} == {"2026-11"}
    assert len({r["person"] for r in rows("c")}) > 50


def test_the_generator_is_deterministic_and_reuses_its_data(tmp_path: Path) -> None:
    first, second = make("d", tmp_path / "one", quick=True), make("d", tmp_path / "two",
                                                                  quick=True)
    files = sorted(p.name for p in (first.path / "logs").iterdir())
    assert files == sorted(p.name for p in (second.path / "logs").iterdir())
    for name in files:
        assert (first.path / "logs" / name).read_bytes() == (
            second.path / "logs" / name).read_bytes()
    marker = first.path / "logs" / files[0]
    before = marker.stat().st_mtime_ns
    assert make("d", tmp_path / "one", quick=True) == first
    assert marker.stat().st_mtime_ns == before


def test_rows_are_encoded_as_dutyctl_log_writes_them(tmp_path: Path) -> None:
    repo = tmp_path / "team"
    (repo / "logs").mkdir(parents=True)
    (repo / "plan.yaml").write_bytes(EXAMPLE_PLAN.read_bytes())
    note = '=sum, "quoted"\nsecond line \\ end'
    logged = dutyctl(repo, "log", "photo=1.25", "--person", "anna", "--channel", "blog",
                     "--minutes", "7.5", "--url", "https://example.com/a,b", "--note", note,
                     tmp_path=tmp_path)
    assert logged.returncode == 0, logged.stderr
    written = (repo / "logs" / f"{TODAY:%Y-%m}.csv").read_bytes().decode("utf-8")
    header, line = written.splitlines()
    cells = next(csv.reader([line]))
    ours = io.StringIO()
    writer = csv.writer(ours, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    from bench.generate import HEADER

    writer.writerow(HEADER)
    writer.writerow([cells[0], cells[1], TODAY.isoformat(), text_cell("anna"), cells[4],
                     text_cell("blog"), text_cell("photo"), number_cell(1.25),
                     number_cell(7.5), text_cell("https://example.com/a,b"), text_cell(note),
                     ""])
    assert ours.getvalue() == written


def test_the_bench_runs_end_to_end_and_renders_before_and_after(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    argv = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--runs", "1",
            "--shapes", "startup,d", "--data", str(tmp_path / "data"), "--json", str(out),
            "--compare", str(ROOT / "bench" / "results-before.json"),
            "--markdown", str(tmp_path / "results.md")]
    duckdb = importlib.util.find_spec("duckdb") is not None
    if not duckdb:
        argv.append("--no-duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    cases = {c["id"]: c for c in result["cases"]}
    assert [c for c in cases.values() if c["status"] != "ok"] == []
    for case in cases.values():
        assert len(case["times_ms"]) == 1 and case["times_ms"][0] > 0
        assert len(case["cpu_ms"]) == 1 and case["cpu_ms"][0] > 0
        assert case["peak_mb"] > 1
        assert case["verdict"] in ("pass", "FAIL", "")
    for command in ("report leaderboard --all", "report month", "report person",
                    "entries --month", "doctor"):
        for how in ("warm", "cold", "after one `log`"):
            assert f"d: {command}, {how}" in cases
    history = cases["d: report month, 11 months of history vs one"]
    assert history["same_as"] == "d: report month, warm"
    assert history["reference"] == "d: report month, only its month in logs/, warm"
    assert (sum(1 for i in cases if "DuckDB" in i) == 3) == duckdb
    assert "startup: dutyctl log (8 people)" in cases
    assert cases["d: report month, warm"]["ratio"] is not None or not duckdb
    # A CPU ratio between two dutyctl runs, none against DuckDB (it uses both cores).
    assert cases["d: report month, after one `log`"]["cpu_ratio"] > 0
    assert cases["d: report month, warm"]["cpu_ratio"] is None
    page = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| case | target | to | before ms |" in page and "after ms" in page
    assert "## d. " + SHAPES["d"].title in page
    assert compare.render(result).count("## ") == 2  # start-up and d, before alone


def test_the_append_bench_measures_every_report_warm_and_after_one_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    argv = [sys.executable, str(ROOT / "bench" / "bench_append.py"), "--quick", "--runs", "2",
            "--shapes", "g", "--data", str(data)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYCTL_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.strip("|").split("|") for line in done.stdout.splitlines()
            if line.startswith("| g |")]
    assert [cells[1].strip() for cells in rows] == [
        "index refresh", "leaderboard --all", "month", "person"]
    for cells in rows:
        warm, after, ratio = float(cells[2]), float(cells[3]), float(cells[5].strip(" x"))
        assert warm > 0 and after > 0 and ratio == pytest.approx(after / warm, abs=0.2)
    # It measured a copy: the generated shape keeps its rows; the two `log`s went elsewhere.
    made = make("g", data, quick=True)
    lines = sum(len(path.read_bytes().splitlines()) - 1
                for path in (made.path / "logs").glob("*.csv"))
    assert lines == made.entries == SHAPES["g"].quick_entries


def test_the_append_bench_names_an_unknown_shape_with_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_append.py"), "--quick",
                           "--shapes", "d,zz", "--data", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "no shape zz; the shapes are a, b, c, d, e, f, g" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())

"""The benchmark suite: dutyctl against references measured side by side, in one table.

``python3 tasks.py bench`` (or ``.venv/bin/python bench/run.py [--quick] [--only TEXT]...``,
``--only`` keeping the cases whose name holds TEXT, with their references) generates the
data (bench/generate.py, fixed seed, into the git-ignored bench/data/), then runs every
case as a fresh process, round-robin (one run of each case per round, so that a busy
machine slows every case alike), and prints one table: the median wall time, min-max,
the child's peak RSS (``os.wait4``), and the ratio to the reference of the same run.
The table is written to bench/results.md too. Nothing is asserted: timings depend on
the machine; the targets are in the table, next to the ratios.

Byte-code is compiled first and PYTHONDONTWRITEBYTECODE is dropped for the children:
an installed dutyctl runs from .pyc files, and so does the reference app. Cases run
with DUTYCTL_TODAY set to the day the data was generated for, except the start-up
cases of `today` and `log`: they run on the clock, as cron and people run them.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PY = sys.executable
DUTYCTL = str(BIN / "dutyctl")
sys.path.insert(0, str(ROOT))

from bench.generate import DATA, METRICS, generate  # noqa: E402


@dataclass
class Case:
    name: str
    argv: list[str]
    reference: str | None = None  # the name of the case this one is compared with
    target: str = ""
    runs: int = 15
    before: object = None  # called before each run (e.g. drop a cache)
    clock: bool = False  # run on the clock, as cron does: no DUTYCTL_TODAY
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)


def run_once(case: Case, env: dict[str, str]) -> None:
    if case.before is not None:
        case.before()
    if case.clock:
        env = {k: v for k, v in env.items() if k != "DUTYCTL_TODAY"}
    began = time.perf_counter()
    child = subprocess.Popen(case.argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=env, cwd=ROOT)
    assert child.stdout is not None
    child.stdout.read()  # drained: the output goes to a pipe
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{case.name}: exit {child.returncode}: {' '.join(case.argv)}")
    case.times.append(elapsed * 1000)
    case.rss.append(usage.ru_maxrss // 1024)  # KiB -> MiB on Linux


def drop_cache(repo: Path):
    def drop() -> None:
        shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)

    return drop


def one_month_repo(source: Path, month: str) -> Path:
    target = DATA / "onemonth"
    shutil.rmtree(target, ignore_errors=True)
    (target / "logs").mkdir(parents=True)
    shutil.copy(source / "plan.yaml", target / "plan.yaml")
    shutil.copy(source / "logs" / f"{month}.csv", target / "logs" / f"{month}.csv")
    return target


def copied_repo(source: Path, name: str) -> Path:
    """A copy of the 1M-entry repository, for a case that changes it (appends to it, or
    deletes its cache before each run), so that other cases' caches stay as they are."""
    target = DATA / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".dutyctl-cache"))
    return target


def append_one(repo: Path, today: date):
    def append() -> None:
        import os as _os
        from datetime import UTC, datetime

        from dutyctl.core.entries import Entry, format_recorded_at, new_entry_id
        from dutyctl.store.logfile import append_entries

        month_file = repo / "logs" / f"{today.year:04d}-{today.month:02d}.csv"
        with open(month_file, encoding="utf-8") as handle:
            handle.readline()
            first = handle.readline().split(",")  # an ordinary row: its person and metric
        now = datetime.now(UTC)
        entry = Entry(new_entry_id(now, _os.urandom(10)), format_recorded_at(now), today,
                      first[3], "", "", first[6], 1.0, None, "", "")
        append_entries(repo, [entry])

    return append


def log_repo(source: Path) -> Path:
    """A scratch copy of the example repository that `dutyctl log` appends to."""
    target = DATA / "logrepo"
    shutil.rmtree(target, ignore_errors=True)
    (target / "logs").mkdir(parents=True)
    shutil.copy(source / "plan.yaml", target / "plan.yaml")
    return target


def cases(paths: dict[str, Path], today: date, quick: bool) -> list[Case]:
    example, big, log1m = paths["example"], paths["big"], paths["log1m"]
    month = f"{today.year:04d}-{today.month:02d}"
    onemonth = one_month_repo(log1m, month)
    logs = log_repo(example)
    appended = copied_repo(log1m, "appended")  # grows by one entry before each run
    cold = copied_repo(log1m, "cold")  # its cache deleted before each run
    fast = 7 if quick else 15
    slow = 1 if quick else 3
    five_years = str(date(today.year + 5, today.month, 1))
    points = json.dumps({m: p for m, p in METRICS.items()})
    lead = [DUTYCTL, "report", "leaderboard", "--all", "--format", "csv", "--repo"]
    return [
        Case("python -c pass", [PY, "-c", "pass"], runs=fast),
        Case("minimal Typer app", [PY, "bench/reference_app.py"], runs=fast),
        Case("minimal Typer app --help", [PY, "bench/reference_app.py", "--help"], runs=fast),
        Case("dutyctl --help", [DUTYCTL, "--help"], "minimal Typer app --help", "<= 1.1x",
             runs=fast),
        Case("dutyctl today (8 people)", [DUTYCTL, "--repo", str(example), "today"],
             "minimal Typer app", "<= 1.1x", runs=fast, clock=True),
        Case("dutyctl log (8 people)",
             [DUTYCTL, "--repo", str(logs), "log", "photo=1", "--person", "farid"],
             "dutyctl today (8 people)", "<= 1.1x", runs=fast, clock=True),
        Case("dutyctl today (1000 people, warm)", [DUTYCTL, "--repo", str(big), "today"],
             "dutyctl today (8 people)", "<= 1.2x", runs=fast, clock=True),
        Case("dutyctl rotate json (1000 people, 5 years)",
             [DUTYCTL, "--repo", str(big), "rotate", "--format", "json", "--from", "today",
              "--to", five_years], "dutyctl today (8 people)", "<= 1.5x", runs=max(3, fast // 3)),
        Case("DuckDB: points per person, metric (1M)",
             [PY, "bench/duckdb_points.py", str(log1m), points], runs=slow),
        Case("leaderboard --all (1M, warm)", [*lead, str(log1m)],
             "DuckDB: points per person, metric (1M)", "<= 0.7x, <= 60 MB", runs=slow),
        Case("leaderboard --all (1M, cold)", [*lead, str(cold)],
             "DuckDB: points per person, metric (1M)", "<= 3x, <= 60 MB", runs=slow,
             before=drop_cache(cold)),
        Case("leaderboard --all (1M, one entry appended)", [*lead, str(appended)],
             "DuckDB: points per person, metric (1M)", "<= 0.7x (only new bytes read)",
             runs=slow, before=append_one(appended, today)),
        Case("report month (1 month in the log)",
             [DUTYCTL, "--repo", str(onemonth), "report", "month", month, "--format", "json"],
             runs=slow),
        Case("report month (3 years in the log)",
             [DUTYCTL, "--repo", str(log1m), "report", "month", month, "--format", "json"],
             "report month (1 month in the log)", "~ 1x", runs=slow),
    ]


def table(all_cases: list[Case]) -> str:
    by_name = {c.name: c for c in all_cases}
    lines = [
        "| case | median ms | min-max ms | peak RSS MB | ratio | to | target |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for case in all_cases:
        median = statistics.median(case.times)
        ratio, to = "", ""
        if case.reference:
            ratio = f"{median / statistics.median(by_name[case.reference].times):.2f}x"
            to = case.reference
        lines.append(
            f"| {case.name} | {median:.0f} | {min(case.times):.0f}-{max(case.times):.0f} | "
            f"{max(case.rss)} | {ratio} | {to} | {case.target} |"
        )
    return "\n".join(lines)


def main() -> None:
    quick = "--quick" in sys.argv
    today = date.today()
    paths = generate(today)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(DUTYCTL_TODAY=today.isoformat(), NO_COLOR="1", DUTYCTL_PERSON="farid")
    compileall.compile_dir(str(ROOT / "dutyctl"), quiet=1)
    compileall.compile_file(str(ROOT / "bench" / "reference_app.py"), quiet=1)
    all_cases = cases(paths, today, quick)
    only = [sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--only"]
    if only:
        wanted = {c.name for c in all_cases if any(t in c.name for t in only)}
        by_name = {c.name: c for c in all_cases}
        for name in list(wanted):
            while by_name[name].reference:
                name = by_name[name].reference or ""
                wanted.add(name)
        all_cases = [c for c in all_cases if c.name in wanted]
    # Warm-up: byte-code, the plan caches and the log cache exist before timing.
    for case in all_cases:
        run_once(case, env)
        case.times.clear()
        case.rss.clear()
    rounds = max(c.runs for c in all_cases)
    for number in range(rounds):
        for case in all_cases:
            if number < case.runs:
                run_once(case, env)
        print(f"round {number + 1}/{rounds}", file=sys.stderr, flush=True)
    result = table(all_cases)
    print(result)
    header = (
        "# Benchmark results\n\n"
        "`python3 tasks.py bench` (bench/run.py) on "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {today}. "
        "Each case is a fresh process; medians over the runs, references measured in the "
        "same run, round-robin. `today` and `log` run on the clock, as cron and people "
        "run them; the other cases with DUTYCTL_TODAY pinned to the day of the data. "
        "The 1M-entry log: 36 monthly files, 500 people, ~97 MB "
        "(bench/generate.py, fixed seed).\n\n"
    )
    if not only:
        (ROOT / "bench" / "results.md").write_text(header + result + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The benchmark: dutyctl, through its CLI only, on shapes of data, beside DuckDB.

``python3 tasks.py bench [OPTIONS]`` (or ``.venv/bin/python bench/run.py [OPTIONS]``)
generates the data (bench/generate.py: fixed seed, cached in the git-ignored bench/data/),
then measures, each case as a fresh process:

* start-up: ``python -c pass``, a minimal Typer app (and its ``--help``), ``dutyctl
  --help``, ``today``, ``log``, ``today`` and ``rotate`` on the 1000-person plan;
* on every shape (a-g, see bench/generate.py): ``report leaderboard --all --format
  json``, ``report month M --format json``, ``report person P --format json``,
  ``entries --month M --format csv`` and ``doctor``, each cold (no .dutyctl-cache),
  warm, and right after one entry appended with ``dutyctl log``; DuckDB's GROUP BY over
  the same files for the leaderboard, the month and the person (bench/duckdb_points.py);
  and the month report with its history against the same report with one month file.

Every case of a group (start-up, or one shape) runs once per round, round-robin, so that
a busy machine slows dutyctl and its reference alike. A table (median, min-max, the
child's peak RSS from ``os.wait4``, the ratio to the reference, the target, pass/fail)
is printed, and every figure is written as JSON (``--json``, default
bench/data/results/<time>.json). ``--compare BEFORE.json`` also writes bench/results.md
with those figures beside this run's (bench/compare.py renders it from any two files).

dutyctl is whatever executable ``--dutyctl`` names (default: the one of this .venv), so
the same data and the same bench measure any checkout. Report cases run with
DUTYCTL_TODAY pinned to the last day of the data; ``today`` and ``log`` at start-up run
on the clock, as cron and people run them. A run over ``--timeout`` seconds is killed
and recorded as a timeout (the case's other runs are skipped). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.generate import DATA, SHAPES, TODAY, Made, make, make_startup  # noqa: E402

MONTH = f"{TODAY.year:04d}-{TODAY.month:02d}"
MB_TARGET = 60.0
LAUNCH = str(ROOT / "bench" / "launch.py")
GROUPS = ("startup", *SHAPES)


class BenchError(Exception):
    pass


@dataclass
class Case:
    group: str
    name: str
    argv: list[str]
    reference: str | None = None  # the id of the case this one is compared with
    ratio_target: float | None = None  # median / the reference's median, at most
    mb_target: float | None = None  # peak RSS, at most
    runs: int = 3
    before: Callable[[], None] | None = None  # before each timed run (not the warm-up)
    clock: bool = False  # on the clock, as cron runs it: no DUTYCTL_TODAY
    warm_up: bool = True  # one untimed run first (byte-code, caches)
    ok_codes: tuple[int, ...] = (0,)
    same_as: str | None = None  # a derived row: the figures of that case, another reference
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system ms of the command
    status: str = "ok"  # ok, timeout, error
    detail: str = ""

    @property
    def id(self) -> str:
        return f"{self.group}: {self.name}"


class Runner:
    def __init__(self, env: dict[str, str], timeout: float) -> None:
        self.env, self.timeout = env, timeout

    def once(self, case: Case, timed: bool = True) -> None:
        """One run of ``case``; a failure or a timeout ends the case."""
        try:
            if timed and case.before is not None:
                case.before()
            # The last run's writes (a cold build writes hundreds of MB) reach the disk
            # now, not in the background during this run.
            os.sync()
            elapsed, rss, cpu = self.measure(case.argv, case.clock, case.ok_codes)
        except BenchError as error:
            case.status, case.detail = str(error).split(":", 1)[0], str(error)
            return
        if timed:
            case.times.append(elapsed)
            case.rss.append(rss)
            case.cpu.append(cpu)

    def measure(self, argv: list[str], clock: bool = False,
                ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
        """Wall ms, peak RSS MiB and CPU ms of one run of ``argv``."""
        env = self.env
        if clock:
            env = {k: v for k, v in env.items() if k != "DUTYCTL_TODAY"}
        killed = threading.Event()
        read, write = os.pipe()
        with tempfile.TemporaryFile() as errors:
            child = subprocess.Popen([sys.executable, "-S", LAUNCH, str(write), *argv],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=errors, env=env, cwd=ROOT, pass_fds=(write,),
                                     start_new_session=True)
            os.close(write)

            def kill() -> None:
                killed.set()
                os.killpg(child.pid, signal.SIGKILL)  # the launcher and the command

            timer = threading.Timer(self.timeout, kill)
            timer.start()
            assert child.stdout is not None
            while child.stdout.read(1 << 16):  # drained: the output goes to a pipe
                pass
            child.wait()
            timer.cancel()
            child.stdout.close()
            with os.fdopen(read, "rb") as result:
                words = result.read().split()
            if killed.is_set():
                raise BenchError(f"timeout: over {self.timeout:g} s")
            if len(words) != 4:
                raise BenchError(f"error: the launcher failed (exit {child.returncode})")
            elapsed, rss, code, cpu = float(words[0]), int(words[1]), int(words[2]), float(
                words[3])
            if code not in ok_codes:
                errors.seek(0)
                tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                raise BenchError(f"error: exit {code}: {' | '.join(tail)}")
        return elapsed, rss / 1024, cpu  # KiB on Linux


# -- the repositories a group works on ---------------------------------------------------------


def copy_repo(source: Path, target: Path, months: list[str] | None = None) -> Path:
    """A copy of ``source`` without its cache (and with only ``months`` when given)."""
    shutil.rmtree(target, ignore_errors=True)
    (target / "logs").mkdir(parents=True)
    shutil.copy(source / "plan.yaml", target / "plan.yaml")
    for path in sorted((source / "logs").glob("*.csv")):
        if months is None or path.stem in months:
            shutil.copy(path, target / "logs" / path.name)
    return target


def drop_cache(repo: Path) -> Callable[[], None]:
    def drop() -> None:
        shutil.rmtree(repo / ".dutyctl-cache", ignore_errors=True)

    return drop


def log_one(runner: Runner, dutyctl: str, repo: Path, person: str,
            metric: str) -> Callable[[], None]:
    """Append one entry with `dutyctl log`, as a person does (for TODAY)."""

    def append() -> None:
        runner.measure([dutyctl, "--repo", str(repo), "log", f"{metric}=1", "--person", person])

    return append


# -- the cases ---------------------------------------------------------------------------------


def startup_cases(dutyctl: str, python: str, repos: dict[str, Path], runs: int,
                  scratch: Path) -> list[Case]:
    example, big = repos["startup-example"], repos["startup-big"]
    logs = copy_repo(example, scratch / "startup-log")  # `log` appends to it
    app = str(ROOT / "bench" / "reference_app.py")
    end = str(date(TODAY.year + 5, TODAY.month, 1))
    group = "startup"

    def case(name: str, argv: list[str], reference: str | None = None,
             ratio: float | None = None, clock: bool = False) -> Case:
        return Case(group, name, argv, f"{group}: {reference}" if reference else None, ratio,
                    runs=runs, clock=clock)

    return [
        case("python -c pass", [python, "-c", "pass"]),
        case("minimal Typer app", [python, app]),
        case("minimal Typer app --help", [python, app, "--help"]),
        case("dutyctl --help", [dutyctl, "--help"], "minimal Typer app --help", 1.1),
        case("dutyctl today (8 people)", [dutyctl, "--repo", str(example), "today"],
             "minimal Typer app", 1.2, clock=True),
        case("dutyctl log (8 people)",
             [dutyctl, "--repo", str(logs), "log", "photo=1", "--person", "farid"],
             "minimal Typer app", 1.2, clock=True),
        case("dutyctl today (1000 people, warm)", [dutyctl, "--repo", str(big), "today"],
             "dutyctl today (8 people)", 1.2, clock=True),
        case("dutyctl rotate json (1000 people, 5 years)",
             [dutyctl, "--repo", str(big), "rotate", "--format", "json", "--from", "today",
              "--to", end], "dutyctl today (8 people)", 1.5),
    ]


COMMANDS = (
    # name, arguments, the DuckDB query it is compared with, ratio targets (warm, cold)
    ("report leaderboard --all", ["report", "leaderboard", "--all", "--format", "json"],
     "leaderboard", (1.0, 3.0)),
    ("report month", ["report", "month", MONTH, "--format", "json"], "month", (1.0, 3.0)),
    ("report person", ["report", "person", "{person}", "--format", "json"], "person",
     (1.0, 3.0)),
    ("entries --month", ["entries", "--month", MONTH, "--format", "csv"], "month",
     (None, None)),
    ("doctor", ["doctor"], "leaderboard", (None, None)),
)


def shape_cases(key: str, made: Made, dutyctl: str, runner: Runner, runs: int,
                scratch: Path, duckdb: bool) -> list[Case]:
    warm = made.path
    drop_cache(warm)()  # warmed by this run's dutyctl, not another checkout's
    cold = copy_repo(warm, scratch / f"{key}-cold")
    person = made.people[0]
    metric = next(iter(made.points))
    points = json.dumps(made.points)
    queries = {
        "leaderboard": [made.start.isoformat(), TODAY.isoformat()],
        "month": [f"{MONTH}-01", TODAY.isoformat()],
        "person": [made.start.isoformat(), TODAY.isoformat(), "--person", person],
    }
    cases: list[Case] = []
    references = {}
    for query, span in queries.items():
        if duckdb:
            reference = Case(key, f"DuckDB: {query} query",
                             [sys.executable, str(ROOT / "bench" / "duckdb_points.py"),
                              str(warm), points, *span], runs=runs, warm_up=False)
            references[query] = reference.id
            cases.append(reference)
        for name, arguments, compared, (warm_ratio, cold_ratio) in COMMANDS:
            if compared != query:
                continue
            argv = [a.replace("{person}", person) for a in arguments]
            ok = (0, 1) if name == "doctor" else (0,)
            appended = copy_repo(warm, scratch / f"{key}-append-{name.split()[-1]}")
            warm_case = Case(key, f"{name}, warm", [dutyctl, "--repo", str(warm), *argv],
                             references.get(query), warm_ratio, MB_TARGET, runs, ok_codes=ok)
            cases += [
                warm_case,
                Case(key, f"{name}, cold", [dutyctl, "--repo", str(cold), *argv],
                     references.get(query), cold_ratio, MB_TARGET, runs,
                     before=drop_cache(cold), warm_up=False, ok_codes=ok),
                Case(key, f"{name}, after one `log`", [dutyctl, "--repo", str(appended), *argv],
                     warm_case.id, 1.1, MB_TARGET, runs,
                     before=log_one(runner, dutyctl, appended, person, metric), ok_codes=ok),
            ]
            if name == "report month" and made.months > 1:
                alone = copy_repo(warm, scratch / f"{key}-onemonth", [MONTH])
                only = Case(key, "report month, only its month in logs/, warm",
                            [dutyctl, "--repo", str(alone), *argv], runs=runs)
                cases += [
                    only,
                    Case(key, f"report month, {made.months} months of history vs one",
                         [], only.id, 1.2, same_as=warm_case.id),
                ]
    return cases


def run_group(cases: list[Case], runner: Runner, loads: list[float], warm_up: bool) -> None:
    timed = [c for c in cases if c.same_as is None]
    for case in timed:
        if warm_up and case.warm_up:
            runner.once(case, timed=False)
    rounds = max((c.runs for c in timed), default=0)
    for number in range(rounds):
        for case in timed:
            if case.status == "ok" and number < case.runs:
                runner.once(case)
        loads.append(os.getloadavg()[0])
        print(f"  {cases[0].group}: round {number + 1}/{rounds}", file=sys.stderr, flush=True)
    by_id = {c.id: c for c in cases}
    for case in cases:
        if case.same_as:
            source = by_id[case.same_as]
            case.times, case.rss, case.cpu = source.times, source.rss, source.cpu
            case.status, case.detail = source.status, source.detail


# -- results -----------------------------------------------------------------------------------


def results(cases: list[Case], data: Path, dutyctl: str) -> list[dict[str, object]]:
    by_id = {c.id: c for c in cases}

    def tidy(arg: str) -> str:
        return "dutyctl" if arg == dutyctl else arg.replace(str(data), "$DATA").replace(
            str(ROOT), "$ROOT").replace(sys.executable, "python")

    rows = []
    for case in cases:
        median = statistics.median(case.times) if case.times else None
        reference = by_id.get(case.reference or "")
        ratio = None
        cpu_ratio = None
        if median is not None and reference is not None and reference.times:
            ratio = median / statistics.median(reference.times)
            # CPU time is steadier than wall time on a shared machine, but DuckDB spends
            # it on both cores: a CPU ratio only between two single-threaded commands.
            if case.cpu and reference.cpu and "DuckDB" not in reference.name:
                cpu_ratio = statistics.median(case.cpu) / statistics.median(reference.cpu)
        row: dict[str, object] = {
            "id": case.id, "group": case.group, "name": case.name,
            "argv": [tidy(a) for a in case.argv], "same_as": case.same_as,
            "reference": case.reference if reference is not None else None,
            "ratio_target": case.ratio_target, "mb_target": case.mb_target,
            "clock": case.clock, "status": case.status, "detail": case.detail,
            "times_ms": [round(t, 1) for t in case.times],
            "rss_mb": [round(r, 1) for r in case.rss],
            "median_ms": None if median is None else round(median, 1),
            "min_ms": round(min(case.times), 1) if case.times else None,
            "max_ms": round(max(case.times), 1) if case.times else None,
            "peak_mb": round(max(case.rss), 1) if case.rss else None,
            "ratio": None if ratio is None else round(ratio, 3),
            "cpu_ms": [round(c, 1) for c in case.cpu],
            "cpu_ratio": None if cpu_ratio is None else round(cpu_ratio, 3),
        }
        row["verdict"] = compare.verdict(row)
        rows.append(row)
    return rows


def checkout_of(dutyctl: str) -> dict[str, str]:
    """The git checkout the dutyctl executable was installed from (a .venv inside it)."""
    folder = Path(dutyctl).resolve().parent
    while folder != folder.parent and not (folder / "pyproject.toml").exists():
        folder = folder.parent
    found = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%H %s"],
                           capture_output=True, text=True)
    commit, _, subject = found.stdout.strip().partition(" ")
    dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--",
                            "dutyctl", "pyproject.toml"], capture_output=True, text=True)
    return {"path": str(folder), "commit": commit, "subject": subject,
            "dirty": "yes" if dirty.stdout.strip() else "no"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dutyctl", default=str(Path(sys.executable).parent / "dutyctl"),
                        help="the dutyctl executable to measure (default: this .venv's)")
    parser.add_argument("--shapes", default=",".join(GROUPS),
                        help="comma-separated groups: startup and shapes a-g (default: all)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed runs of every shape case; start-up cases run 5x as often")
    parser.add_argument("--quick", action="store_true",
                        help="tiny data, no warm-up runs, --runs runs of the start-up cases "
                             "(a test that the bench still works; its figures mean nothing)")
    parser.add_argument("--timeout", type=float, default=90, help="seconds a run may take")
    parser.add_argument("--data", type=Path, default=DATA, help="the data cache folder")
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--compare", type=Path, metavar="BEFORE.json",
                        help="also write bench/results.md: BEFORE's figures beside this run's")
    parser.add_argument("--markdown", type=Path, default=ROOT / "bench" / "results.md",
                        help="where --compare writes (default: bench/results.md)")
    parser.add_argument("--no-duckdb", action="store_true", help="leave out the DuckDB cases")
    args = parser.parse_args(argv)
    groups = [g.strip() for g in args.shapes.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown shape {', '.join(unknown)}: choose from {', '.join(GROUPS)}")
    if not os.access(args.dutyctl, os.X_OK):
        parser.error(f"--dutyctl {args.dutyctl}: not an executable")
    if not args.no_duckdb and importlib.util.find_spec("duckdb") is None:
        parser.error("DuckDB is missing: python3 tasks.py bench installs it "
                         "(the bench extra), or pass --no-duckdb")
    dutyctl = str(Path(args.dutyctl).absolute())
    python = str(Path(dutyctl).parent / "python")  # the interpreter dutyctl runs on
    if not os.access(python, os.X_OK):
        python = sys.executable
    began = time.perf_counter()
    started = datetime.now(UTC)
    data: Path = args.data.absolute()
    data.mkdir(parents=True, exist_ok=True)
    scratch = data / "run"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "DUTYCTL_REPO")}
    env.update(DUTYCTL_TODAY=TODAY.isoformat(), NO_COLOR="1", DUTYCTL_PERSON="farid")
    runner = Runner(env, args.timeout)
    loads: list[float] = [os.getloadavg()[0]]
    all_cases: list[Case] = []
    shapes: dict[str, object] = {}
    seconds: dict[str, float] = {}
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = args.json or data / "results" / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)

    def write() -> dict[str, object]:
        rows = results(all_cases, data, dutyctl)
        report = {
            "format": 1,
            "started": started.isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - began, 1),
            "group_seconds": seconds,
            "dutyctl": checkout_of(dutyctl),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "load": {"min": min(loads), "median": statistics.median(loads), "max": max(loads),
                     "samples": [round(x, 2) for x in loads]},
            "runs": args.runs, "quick": args.quick, "timeout_s": args.timeout,
            "today": TODAY.isoformat(), "shapes": shapes, "cases": rows,
        }
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        return report

    report: dict[str, object] = {}
    for group in groups:
        at = time.perf_counter()
        if group == "startup":
            runs = args.runs if args.quick else 5 * args.runs
            cases = startup_cases(dutyctl, python, make_startup(data), runs, scratch)
        else:
            made = make(group, data, args.quick)
            size = sum(p.stat().st_size for p in (made.path / "logs").glob("*.csv"))
            shapes[group] = {"title": SHAPES[group].title, "entries": made.entries,
                             "months": made.months, "mb": round(size / 2**20, 1),
                             "person": made.people[0], "start": made.start.isoformat()}
            cases = shape_cases(group, made, dutyctl, runner, args.runs, scratch,
                                not args.no_duckdb)
        print(f"{group}: {len(cases)} cases", file=sys.stderr, flush=True)
        run_group(cases, runner, loads, warm_up=not args.quick)
        all_cases += cases
        shutil.rmtree(scratch, ignore_errors=True)
        seconds[group] = round(time.perf_counter() - at, 1)
        report = write()  # after every group: a stopped run keeps what it measured
    print(compare.plain_table(report["cases"]))  # type: ignore[arg-type]
    print(f"results: {out} ({report['seconds']} s)", file=sys.stderr)
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        args.markdown.write_text(compare.render(before, report), encoding="utf-8")
        print(f"written: {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()

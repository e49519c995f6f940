"""Benchmark of a report right after one appended entry, against the same report warm.

Run from the repository root: ``.venv/bin/python bench/bench_append.py [--shapes a,b,...]
[--runs N] [--data DIR] [--quick]``; the shapes are bench/generate.py's, made when missing
(``--quick``: their tiny versions, as tests/test_bench.py runs it).

bench/run.py measures "after one `log`" as whole processes, where start-up is most of a
warm report and the ratio of two medians moves by 10-30% from run to run. This measures
the part that differs, in one process: for each shape, a copy of its plan and logs; the
reports run once to fill the index; then N rounds of (the reports warm; ``dutyctl log``
appending one entry in a process of its own, as a person does; the same reports again),
each timed alone in CPU time (user + system of this process). The first of the round
opens the index, which reads the appended row, unless ``log`` did (it queries the index
when the person is on duty that day, to print the slot's KPI): that refresh is what an
append adds to the next command, and the reports after it should cost what they cost
warm. Prints, per shape, the CPU medians warm and after the append, the
difference and the ratio: without start-up (about 100 ms of every command), a stricter
ratio than the command's. Asserts nothing: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import SHAPES, TODAY, make  # noqa: E402
from bench.run import MONTH, copy_repo  # noqa: E402

os.environ["DUTYCTL_TODAY"] = TODAY.isoformat()  # bench/run.py's pinned day, before dutyctl

from dutyctl.app import report  # noqa: E402


def reports(root: Path, person: str) -> dict:
    from dutyctl.store.logindex import LogIndex

    return {
        "index refresh": lambda: LogIndex(root).close(),
        "leaderboard --all": lambda: report.leaderboard(root, None, all_time=True),
        "month": lambda: report.month(root, None, MONTH, None),
        "person": lambda: report.person(root, None, person, all_time=True),
    }


def cpu_ms(call) -> float:
    began = time.process_time()
    call()
    return (time.process_time() - began) * 1000


def shape(key: str, data: Path, quick: bool, scratch: Path, runs: int,
          dutyctl: str) -> list[tuple]:
    made = make(key, data, quick)
    person, metric = made.people[0], next(iter(made.points))
    root = copy_repo(made.path, scratch / key)
    cases = reports(root, person)
    for call in cases.values():  # the first build, and the plan's caches
        call()
    warm: dict[str, list[float]] = {name: [] for name in cases}
    after: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, call in cases.items():
            warm[name].append(cpu_ms(call))
        subprocess.run([dutyctl, "--repo", str(root), "log", f"{metric}=1", "--person",
                        person], check=True, capture_output=True)
        for name, call in cases.items():
            after[name].append(cpu_ms(call))
    shutil.rmtree(root)
    return [(key, name, statistics.median(warm[name]),
             statistics.median(after[name])) for name in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="a,b,c,d,e,f,g",
                        help="comma-separated shapes of bench/generate.py (default: all)")
    parser.add_argument("--runs", type=int, default=11,
                        help="interleaved rounds per shape (default 11)")
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data",
                        help="the data cache (default bench/data/)")
    parser.add_argument("--quick", action="store_true", help="the tiny shapes")
    parser.add_argument("--dutyctl", default=str(Path(sys.executable).parent / "dutyctl"),
                        help="the dutyctl that runs `log` (default: this Python's)")
    args = parser.parse_args()
    unknown = sorted(set(args.shapes.split(",")) - set(SHAPES))
    if unknown:
        parser.error(f"no shape {', '.join(unknown)}; the shapes are {', '.join(SHAPES)}")
    print(f"{args.runs} rounds per shape; CPU ms, medians")
    print("| shape | case | warm | after one `log` | more | ratio |\n"
          "|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="dutyctl-append-") as scratch:
        for key in args.shapes.split(","):
            for name, case, warm, after in shape(key, args.data, args.quick, Path(scratch),
                                                 args.runs, args.dutyctl):
                print(f"| {name} | {case} | {warm:.1f} | {after:.1f} | {after - warm:+.1f} | "
                      f"{after / warm:.2f}x |", flush=True)


if __name__ == "__main__":
    main()

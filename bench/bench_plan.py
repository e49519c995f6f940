"""Benchmark of the cold plan load: YAML text -> validated Plan, no plan cache.

Run from the repository root: ``.venv/bin/python bench/bench_plan.py [RUNS]``. For the
example plan and the 1000-person plan (bench/data/big/plan.yaml, made by
bench/generate.py when missing), prints the median and min-max of RUNS in-process runs
of parsing the YAML alone (``parse_yaml``) and of the whole check (``check_plan_file``
on a copy of the plan in a temporary folder, so no cache is read or written), each
with ruamel's pure-Python parser (``pure=True``) and as dutyctl reads plans (through
libyaml when ruamel.yaml.clib is installed). Asserts nothing: timings depend on the
machine.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dutyctl.store import planfile  # noqa: E402
from dutyctl.store.repo import Repo  # noqa: E402

BIG = ROOT / "bench" / "data" / "big" / "plan.yaml"
EXAMPLE = ROOT / "examples" / "plan.yaml"


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def row(name: str, times: list[float]) -> str:
    median = statistics.median(times)
    return f"| {name} | {median:.1f} | {min(times):.1f}-{max(times):.1f} |"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    if not BIG.exists():
        from bench.generate import generate

        generate(date.today())
    years = range(date.today().year, date.today().year + 1)
    libyaml = "installed" if planfile._libyaml() is not None else "not installed"
    print(f"ruamel.yaml.clib {libyaml}; {runs} runs")
    print("| case | median ms | min-max |\n|---|---|---|")
    for name, plan in (("example", EXAMPLE), ("1000 people", BIG)):
        text = plan.read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(plan, Path(folder) / "plan.yaml")
            repo = Repo(Path(folder))
            for pure in (True, False):
                how = "pure" if pure else "default"
                parse = timed(runs, partial(planfile.parse_yaml, text, "plan.yaml", pure=pure))
                check = timed(runs, partial(planfile.check_plan_file, repo, years=years, pure=pure))
                print(row(f"{name}: parse_yaml ({how})", parse))
                print(row(f"{name}: check_plan_file ({how})", check))

if __name__ == "__main__":
    main()

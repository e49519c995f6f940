"""Benchmark of the rotation core: big rosters over five years.

Run from the repository root: ``.venv/bin/python bench/bench_rotation.py``. Prints a
table (median of 5 runs, min-max) and exits 0; it asserts nothing, since timings
depend on the machine.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dutyctl.core.model import Duty, Person, Plan, Span  # noqa: E402
from dutyctl.core.rotation import build_rotation, rotation_stats  # noqa: E402
from dutyctl.core.schedule import _slots, all_slots  # noqa: E402
from dutyctl.core.syntax import parse_cadence  # noqa: E402

SEED = 20260105
START = date(2026, 1, 1)
UNTIL = date(2030, 12, 31)
RUNS = 5


def roster(size: int, rng: random.Random, churn: bool) -> tuple[Person, ...]:
    people = []
    for number in range(size):
        away: tuple[Span, ...] = ()
        active_from = active_until = None
        if churn:
            starts = sorted(rng.sample(range((UNTIL - START).days), 3))
            away = tuple(
                Span(START + timedelta(days=s), START + timedelta(days=s + rng.randint(3, 20)))
                for s in starts
            )
            if rng.random() < 0.2:
                active_from = START + timedelta(days=rng.randint(0, 900))
            if rng.random() < 0.2:
                active_until = START + timedelta(days=rng.randint(900, 1800))
        people.append(
            Person(
                f"p{number:04d}",
                f"Person {number}",
                skills=("video",) if rng.random() < 0.3 else (),
                away=away,
                active_from=active_from,
                active_until=active_until,
            )
        )
    return tuple(people)


def plan(size: int, churn: bool) -> Plan:
    rng = random.Random(SEED)
    duties = {
        f"duty{number}": Duty(
            f"duty{number}",
            f"Duty {number}",
            parse_cadence("day", START),
            requires=("video",) if number == 4 else (),
        )
        for number in range(5)
    }
    return Plan("bench", "UTC", START, roster(size, rng, churn), duties)


def timed(action: Callable[[], object], cold: Callable[[], None] | None = None) -> list[float]:
    times = []
    for _ in range(RUNS):
        if cold is not None:
            cold()
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> int:
    steady = plan(1000, churn=False)
    churning = plan(1000, churn=True)
    slots = len(all_slots(steady, UNTIL))
    rotation = build_rotation(churning, UNTIL)
    cases = [
        ("all_slots, 5 daily duties, cold cache", lambda: all_slots(steady, UNTIL),
         _slots.cache_clear),
        ("all_slots, 5 daily duties, cached", lambda: all_slots(steady, UNTIL), None),
        ("build_rotation, 1000 people", lambda: build_rotation(steady, UNTIL), None),
        ("build_rotation, 1000 people, cold slots", lambda: build_rotation(steady, UNTIL),
         _slots.cache_clear),
        ("build_rotation, 1000 people + 3000 absences, joins, leaves",
         lambda: build_rotation(churning, UNTIL), None),
        ("rotation_stats, 1000 people + churn, 5 years",
         lambda: rotation_stats(churning, rotation, START, UNTIL), None),
    ]
    print(f"{'case':<60} {'slots':>6} {'median ms':>10} {'min-max ms':>16}")
    for label, action, cold in cases:
        times = timed(action, cold)
        spread = f"{min(times):.1f}-{max(times):.1f}"
        print(f"{label:<60} {slots:>6} {statistics.median(times):>10.1f} {spread:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Developer tasks with nothing but Python 3.11+ and git: a venv, an install, a run.

python3 tasks.py demo    install into .venv and run dutyctl on examples/
python3 tasks.py test    install into .venv and run ruff, mypy and every test, one
                         worker per CPU (pytest-xdist; pytest options pass through,
                         `-n 0` for one process)
python3 tasks.py test --on 2027-12-31 [--at 23:30]
                         the same with the clock of every test process set to that
                         day (libfaketime: apt-get install faketime)
python3 tasks.py bench [OPTIONS]
                         install into .venv and run the benchmarks (bench/README.md)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from datetime import date, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install(extras: str = "test") -> None:
    """Create .venv and install dutyctl (editable) with its extras; skip when up to date."""
    if not (BIN / "python").exists():
        print(f"+ creating {VENV.name}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(
        BIN / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-e",
        f".[{extras}]",
    )
    stamp.write_text(digest)


def demo() -> None:
    install()
    dutyctl = BIN / "dutyctl"
    run(dutyctl, "--repo", "examples", "plan", "check")
    run(dutyctl, "--repo", "examples", "rotate", "--month", "this")
    run(dutyctl, "--repo", "examples", "today")


def test() -> None:
    args = sys.argv[2:]
    on, args = _take_option(args, "--on")
    at, args = _take_option(args, "--at")
    clock = _fake_clock(on, at) if on or at else None
    install()
    run(BIN / "ruff", "check", "dutyctl", "tests", "bench", "tasks.py")
    run(BIN / "mypy")  # the pure core, as listed in pyproject.toml
    if not any(arg.startswith(("-n", "--numprocesses")) for arg in args):
        # One worker per CPU (pytest-xdist); `-n 0` runs every test in this process.
        args = ["-n", "auto", "--durations=10", *args]
    if clock is None:
        run(BIN / "python", "-m", "pytest", *args)
        return
    prefix, env = clock
    _run_with_sleep_shim(*prefix, BIN / "python", "-m", "pytest", *args, env=env)


def _take_option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """``--on DAY`` or ``--on=DAY`` out of the arguments that go to pytest."""
    for number, arg in enumerate(args):
        if arg == name:
            if number + 1 == len(args):
                _usage(f"{name} needs a value")
            return args[number + 1], args[:number] + args[number + 2 :]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1], args[:number] + args[number + 1 :]
    return None, args


def _fake_clock(on: str | None, at: str | None) -> tuple[list[str], dict[str, str]]:
    """The command prefix and environment that run pytest, and every process it starts,
    with the clock starting at ``on`` ``at`` (libfaketime's LD_PRELOAD is inherited)."""
    try:
        day = date.fromisoformat(on) if on else date.today()
        hour = time.fromisoformat(at) if at else time(12, 0)
    except ValueError as error:
        _usage(f"--on takes YYYY-MM-DD and --at HH:MM[:SS] ({error})")
    faketime = shutil.which("faketime")
    if faketime is None:
        _usage(
            "--on needs libfaketime's faketime command: "
            "apt-get install faketime (Debian, Ubuntu), brew install libfaketime (macOS)"
        )
    moment = f"{day.isoformat()} {hour.isoformat(timespec='seconds')}"
    zone = os.environ.get("TZ", "the machine's")
    print(f"+ the clock starts at {moment}, time zone {zone}", flush=True)
    # The clock runs on from there. Monotonic clocks stay real, so that timeouts, locks
    # and waits keep working; the shim mends time.sleep, which that setting breaks.
    env = {**os.environ, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    return [faketime, moment], env


def _run_with_sleep_shim(*args: str | Path, env: dict[str, str]) -> None:
    """Run with the shim in the venv as a .pth file, so that every Python process of the
    run loads it, whatever PYTHONPATH a test gives its subprocesses."""
    site = subprocess.run(
        [BIN / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    module, pth = Path(site) / "_dutyctl_faketime_shim.py", Path(site) / "_dutyctl_faketime.pth"
    module.write_text(_SLEEP_SHIM)
    pth.write_text("import _dutyctl_faketime_shim\n")
    try:
        run(*args, env=env)
    finally:
        pth.unlink(missing_ok=True)
        module.unlink(missing_ok=True)


# libfaketime 0.9.10 fails clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) with EINVAL
# when monotonic clocks are left real, and time.sleep uses just that; a relative select()
# timeout is not faked. Every Python process of the run imports this at start-up.
_SLEEP_SHIM = """\
import os, select, time

if os.environ.get("FAKETIME"):
    def _sleep(seconds, _select=select.select):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        _select([], [], [], seconds)

    time.sleep = _sleep
"""


def _usage(message: str) -> None:
    print(f"tasks.py: {message}", file=sys.stderr)
    sys.exit(2)


def bench() -> None:
    install("bench")
    run(BIN / "python", "bench/run.py", *sys.argv[2:])


TASKS = {"demo": demo, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__.strip())
        sys.exit(2)
    TASKS[sys.argv[1]]()

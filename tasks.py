#!/usr/bin/env python3
"""Developer tasks with nothing but Python 3.11+ and git: a venv, an install, a run.

python3 tasks.py demo    install into .venv and run dutyctl on examples/
python3 tasks.py test    install into .venv and run ruff and every test
python3 tasks.py bench   install into .venv and run the benchmarks (bench/)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
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
    install()
    run(BIN / "ruff", "check", "dutyctl", "tests", "bench", "tasks.py")
    run(BIN / "mypy")  # the pure core, as listed in pyproject.toml
    run(BIN / "python", "-m", "pytest", *sys.argv[2:])


def bench() -> None:
    install("bench")
    run(BIN / "python", "bench/run.py", *sys.argv[2:])


TASKS = {"demo": demo, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__.strip())
        sys.exit(2)
    TASKS[sys.argv[1]]()

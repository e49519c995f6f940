"""A cache of the validated plan, so that a large plan costs nothing on a warm run.

Keyed by the plan file's bytes, the dutyctl version and the holiday years; every
file the plan pulled in (a roster file) is re-hashed on each hit. Entries are
pickles signed with HMAC-SHA256 under a per-user secret, so a damaged, stale or
planted cache file is ignored and rebuilt, never trusted. Any failure to read or
write the cache just means loading the plan the slow way.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import tempfile
from pathlib import Path

from dutyctl import __version__
from dutyctl.model import Plan
from dutyctl.repo import Repo

FORMAT = 1


def secret_key() -> bytes | None:
    """The per-user signing key (created once, readable by its owner only)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dutyctl"
    path = base / "cache-key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32))
        return path.read_bytes()
    except FileExistsError:
        return path.read_bytes()
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_path(repo: Repo, plan_bytes: bytes, years: range) -> Path:
    key = _digest(plan_bytes + f"|{__version__}|{FORMAT}|{years.start}-{years.stop}".encode())
    return repo.cache_dir / f"plan-{key[:40]}.pickle"


def read(repo: Repo, plan_bytes: bytes, years: range) -> Plan | None:
    key = secret_key()
    if key is None or repo.cache_dir.is_symlink():
        return None
    try:
        blob = entry_path(repo, plan_bytes, years).read_bytes()
    except OSError:
        return None
    tag, body = blob[:32], blob[32:]
    if len(tag) != 32 or not hmac.compare_digest(tag, hmac.new(key, body, "sha256").digest()):
        return None
    try:
        dependencies, plan = pickle.loads(body)
        for relpath, digest in dependencies:
            if _digest((repo.root / relpath).read_bytes()) != digest:
                return None
    except Exception:  # a cache that cannot be read is a cache miss, whatever the reason
        return None
    return plan if isinstance(plan, Plan) else None


def write(repo: Repo, plan_bytes: bytes, years: range, plan: Plan, dependencies: list[str]) -> None:
    key = secret_key()
    if key is None:
        return
    try:
        deps = [(rel, _digest((repo.root / rel).read_bytes())) for rel in dependencies]
        body = pickle.dumps((deps, plan), protocol=pickle.HIGHEST_PROTOCOL)
        tag = hmac.new(key, body, "sha256").digest()
        if repo.cache_dir.is_symlink():
            return  # a cache folder sent elsewhere (a committed symlink) is not written to
        repo.cache_dir.mkdir(mode=0o700, exist_ok=True)
        target = entry_path(repo, plan_bytes, years)
        fd, temp = tempfile.mkstemp(dir=repo.cache_dir, prefix=".plan-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(tag + body)
        os.replace(temp, target)  # atomic: two processes filling the cache at once are safe
    except OSError:
        return

"""A cache of the validated plan, so that a large plan costs nothing on a warm run.

Keyed by the plan file's bytes, the dutyctl version and the holiday years; every
file the plan pulled in (a roster file) is re-hashed on each hit. Entries are
pickles signed with keyed BLAKE2b (a MAC by design) under a per-user secret, so a damaged, stale or
planted cache file is ignored and rebuilt, never trusted. Any failure to read or
write the cache just means loading the plan the slow way.

Derived entries made only of plain values (today's view, the notes beside each plan
entry) are written with :mod:`marshal` rather than pickle: it is built in, so the
cron path (`dutyctl today` on a warm cache) does not even import pickle.
"""

from __future__ import annotations

import gc
import marshal
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl import __version__
from dutyctl.errors import DutyctlError
from dutyctl.store.repo import Repo

if TYPE_CHECKING:  # the cached view of `dutyctl today` is read without the model
    from dutyctl.core.model import Plan

try:
    # The C modules hashlib and hmac take these from, without the OpenSSL binding that
    # importing hashlib loads: about 2.5 ms of the cron path's start-up.
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # another Python: the public names
    from hashlib import blake2b
    from hmac import compare_digest

# 3: a .meta note next to each entry; 4: holiday names in English; 5: marshal;
# 6: BLAKE2b keys and signatures; 7: the time zone's offsets in the note;
# 8: on_holiday of the review and of due days; 9: a person's days, a duty's weight
FORMAT = 9

# The cache key of each plan served or stored here (by object id), so that results
# computed from that plan (a rotation, today's view) can be cached next to it.
_keys: dict[int, tuple[Plan, str]] = {}


_secret_keys: dict[str, bytes] = {}  # read once per process (a `log` checks 4 entries)


def secret_key() -> bytes | None:
    """The per-user signing key (created once, readable by its owner only)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    known = _secret_keys.get(base)
    if known is None:
        known = _read_secret_key(Path(base) / "dutyctl")
        if known is not None:
            _secret_keys[base] = known
    return known


def _read_secret_key(base: Path) -> bytes | None:
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
    return blake2b(data, digest_size=32).hexdigest()


def _sign(key: bytes, body: bytes) -> bytes:
    """The 32-byte signature of ``body`` under the secret ``key``."""
    return blake2b(body, key=key, digest_size=32).digest()


def _key(plan_bytes: bytes, years: range) -> str:
    return _digest(plan_bytes + f"|{__version__}|{FORMAT}|{years.start}-{years.stop}".encode())


def entry_path(repo: Repo, plan_bytes: bytes, years: range) -> Path:
    return repo.cache_dir / f"plan-{_key(plan_bytes, years)[:40]}.pickle"


def read(repo: Repo, plan_bytes: bytes, years: range) -> Plan | None:
    key = secret_key()
    if key is None or repo.cache_dir.is_symlink():
        return None
    try:
        blob = entry_path(repo, plan_bytes, years).read_bytes()
    except OSError:
        return None
    tag, body = blob[:32], blob[32:]
    if len(tag) != 32 or not compare_digest(tag, _sign(key, body)):
        return None
    try:
        import pickle

        with _no_collection():
            dependencies, plan = pickle.loads(body)
        for relpath, digest in dependencies:
            if _file_digest(repo, relpath) != digest:
                return None
    except Exception:  # a cache that cannot be read is a cache miss, whatever the reason
        return None
    from dutyctl.core.model import Plan  # loaded by the unpickling already

    if not isinstance(plan, Plan):
        return None
    _keys[id(plan)] = (plan, _digest(f"{_key(plan_bytes, years)}|{dependencies!r}".encode()))
    return plan


def _file_digest(repo: Repo, relpath: str) -> str:
    """The digest of a file the plan pulled in, read as the plan loader reads it (a regular
    file of bounded size; anything else raises, which every caller takes as a miss)."""
    from dutyctl.store.safefiles import MAX_PLAN_BYTES, read_regular

    return _digest(read_regular(repo.root / relpath, relpath, "roster file", MAX_PLAN_BYTES))


def write(repo: Repo, plan_bytes: bytes, years: range, plan: Plan, dependencies: list[str]) -> None:
    key = secret_key()
    if key is None:
        return
    try:
        deps = [(rel, _file_digest(repo, rel)) for rel in dependencies]
        import pickle

        body = pickle.dumps((deps, plan), protocol=pickle.HIGHEST_PROTOCOL)
        tag = _sign(key, body)
        if repo.cache_dir.is_symlink():
            return  # a cache folder sent elsewhere (a committed symlink) is not written to
        repo.cache_dir.mkdir(mode=0o700, exist_ok=True)
        target = entry_path(repo, plan_bytes, years)
        import tempfile

        fd, temp = tempfile.mkstemp(dir=repo.cache_dir, prefix=".plan-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(tag + body)
        os.replace(temp, target)  # atomic: two processes filling the cache at once are safe
        # Derived entries are keyed by the plan and every file it pulled in.
        derived_key = _digest(f"{_key(plan_bytes, years)}|{deps!r}".encode())
        _keys[id(plan)] = (plan, derived_key)
        # A small note next to the entry: what a derived lookup needs without the plan.
        # Bound to the entry's bytes: a damaged entry takes its note with it (rebuilt).
        meta = (_key(plan_bytes, years), deps, derived_key, plan.timezone,
                _zone_offsets(plan.timezone, years), _digest(tag + body))
        signed_write(repo, target.with_suffix(".meta"), meta)
    except (OSError, DutyctlError):
        return


def _zone_offsets(timezone: str, years: range) -> tuple | None:
    """The zone's offsets while this entry is the one looked up: in the years of its key,
    with two days more on each side, where the zone's date is another year."""
    from datetime import UTC, datetime

    from dutyctl.store.clock import zone_offsets

    first = int(datetime(years.start, 1, 1, tzinfo=UTC).timestamp()) - 2 * 86400
    end = int(datetime(years.stop, 1, 1, tzinfo=UTC).timestamp()) + 2 * 86400
    return zone_offsets(timezone, first, end)


def read_meta(repo: Repo, plan_bytes: bytes, years: range) -> tuple[str, str, tuple | None] | None:
    """(derived key, time zone, the zone's offsets for :func:`dutyctl.store.clock.today`) of a
    cached plan, without unpickling the plan.

    The files the plan pulled in are re-hashed, as on a plan cache hit."""
    entry = entry_path(repo, plan_bytes, years)
    meta = signed_read(entry.with_suffix(".meta"))
    try:
        key, deps, derived_key, timezone, offsets, entry_digest = meta  # type: ignore[misc]
        if key != _key(plan_bytes, years) or _digest(entry.read_bytes()) != entry_digest:
            return None
        for relpath, digest in deps:
            if _file_digest(repo, relpath) != digest:
                return None
    except Exception:
        return None
    return derived_key, timezone, offsets


def read_dependencies(repo: Repo, plan_bytes: bytes, years: range) -> list[str] | None:
    """The repository paths of the files a cached plan pulled in, from its signed note
    (without unpickling the plan), or None when the cache does not hold this plan."""
    meta = signed_read(entry_path(repo, plan_bytes, years).with_suffix(".meta"))
    try:
        key, deps, *_ = meta  # type: ignore[misc]
        if key != _key(plan_bytes, years):
            return None
        return [str(relpath) for relpath, _digest_ in deps]
    except Exception:
        return None


def _derived_path(repo: Repo, key: str, name: str, argument: str) -> Path:
    return repo.cache_dir / f"{name}-{_digest(f'{key}|{name}|{argument}'.encode())[:40]}.pickle"


def read_derived(repo: Repo, key: str, name: str, argument: str):
    """A derived entry (see :func:`derived`) by the plan's derived key, or None."""
    found = signed_read(_derived_path(repo, key, name, argument))
    if isinstance(found, tuple) and len(found) == 3 and found[:2] == (key, argument):
        return found[2]
    return None


def signed_read(path: Path) -> object | None:
    """What :func:`signed_write` stored at ``path``, or None: missing, damaged, planted
    (its signature does not match) or in a symlinked folder."""
    key = secret_key()
    if key is None or path.parent.is_symlink():
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    tag, body = blob[:32], blob[32:]
    if len(tag) != 32 or not compare_digest(tag, _sign(key, body)):
        return None
    try:
        return _decode(body)
    except Exception:  # damaged: a miss
        return None


def _encode(value: object) -> bytes:
    """Plain values (str, numbers, bools, None, tuples, lists, dicts of them: exact types
    only) by marshal, anything else by pickle; the first byte says which."""
    try:
        return b"M" + marshal.dumps(value)
    except ValueError:
        import pickle

        return b"P" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(body: bytes) -> object | None:
    kind, data = body[:1], body[1:]
    if kind == b"M":
        with _no_collection():
            return marshal.loads(data)
    if kind == b"P":
        import pickle

        with _no_collection():
            return pickle.loads(data)
    return None


@contextmanager
def _no_collection():
    """No cyclic garbage collection while an entry is decoded: decoding makes many
    containers and no garbage, yet each burst of them sets off a collection that walks
    everything alive (a plan, a rotation, the sums so far). Measured on the 1M-entry log,
    a warm leaderboard spent 160 ms decoding 36 file summaries with it, 44 ms without."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def signed_write(repo: Repo, path: Path, value: object) -> None:
    """Write ``value`` signed, atomically (temp file + os.replace); failures are ignored."""
    key = secret_key()
    if key is None:
        return
    try:
        body = _encode(value)
    except Exception:  # a value that cannot be stored is computed again next time
        return
    try:
        if repo.cache_dir.is_symlink():
            return
        repo.cache_dir.mkdir(mode=0o700, exist_ok=True)
        import tempfile

        fd, temp = tempfile.mkstemp(dir=repo.cache_dir, prefix=".derived-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_sign(key, body) + body)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        return


def plan_key(plan: Plan) -> str | None:
    """The cache key of a plan loaded through the plan cache, else None."""
    known = _keys.get(id(plan))
    return known[1] if known is not None and known[0] is plan else None


def derived(repo: Repo, plan: Plan, name: str, argument: str, compute):
    """``compute()``, cached next to the plan's cache entry under ``name`` and ``argument``.

    ``compute`` must be a pure function of the plan and ``argument`` (a rotation until a
    day, today's view on a day): the entry is keyed by the plan's cache key (its bytes,
    the dutyctl version, the holiday years) and signed like the plan entry; the files the
    plan pulled in (a roster file) are checked by the plan entry that gave ``plan``.
    Plans not loaded through the plan cache (``--rev``) are computed every time.
    """
    key = plan_key(plan)
    if key is None:
        return compute()
    found = signed_read(_derived_path(repo, key, name, argument))
    if isinstance(found, tuple) and len(found) == 3 and found[:2] == (key, argument):
        return found[2]
    value = compute()
    signed_write(repo, _derived_path(repo, key, name, argument), (key, argument, value))
    return value

"""The plan cache: one signed entry per plan, and the small entries derived from it.

The plan's entry (``plan-*.pickle``) is keyed by the plan file's bytes, the dutyctl
version and the holiday years; every file the plan pulled in (a roster file) is
re-hashed on each read. It holds the validated plan, pickled, beside plain values that
start-up needs without the plan (see :func:`dutyctl.app.load.startup_values`), so that a
warm `dutyctl today` or `log` decodes no pickle at all.

Every entry is signed with keyed BLAKE2b (a MAC by design) under a per-user secret, so
a damaged, stale or planted cache file is ignored and rebuilt, never decoded. Entries
made only of plain values are written with :mod:`marshal` (built in: the cron path does
not import pickle), others with pickle. Any failure to read or write the cache just
means computing again.
"""

from __future__ import annotations

import gc
import marshal
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl import __version__
from dutyctl.store.repo import Repo

if TYPE_CHECKING:  # the start-up values of an entry are read without the model
    from dutyctl.core.model import Plan

try:
    # The C modules hashlib and hmac take these from, without the OpenSSL binding that
    # importing hashlib loads: about 2.5 ms of the cron path's start-up.
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # another Python: the public names
    from hashlib import blake2b
    from hmac import compare_digest

# 9: the modules of the pickled classes moved (dutyctl/core);
# 10: one entry per plan (the plan and its start-up values), no note beside it
# 11: a person's days, a duty's weight (issue 21)
# 12: a duty's KPI maximums in the start-up views (today, who)
# 13: a person's place in the plan is roster.ID (was people.ID), as the file says
FORMAT = 13

# The cache key of each plan served or stored here (by object id), so that results
# computed from that plan (a rotation, the slot rows of a query) can be cached next to it.
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


def file_digest(data: bytes) -> str:
    """How an entry remembers a file the plan pulled in."""
    return _digest(data)


def entry_path(repo: Repo, plan_bytes: bytes, years: range) -> Path:
    return repo.cache_dir / f"plan-{_key(plan_bytes, years)[:40]}.pickle"


class Entry:
    """A plan's cache entry: its key, the files the plan pulled in, the start-up values
    (plain: readable without the model) and the plan, read and unpickled on first use."""

    __slots__ = ("key", "deps", "startup", "_path", "_offset", "_pickle_digest", "_plan")

    def __init__(self, key: str, deps: tuple, startup: dict, path: Path, offset: int,
                 digest: str, plan: Plan | None = None) -> None:
        self.key = key  # what derived entries are keyed by: the plan and its files
        self.deps = deps  # ((repository path, digest of its bytes), ...)
        self.startup = startup
        self._path, self._offset, self._pickle_digest = path, offset, digest  # the pickle
        self._plan = plan
        if plan is not None:
            _keys[id(plan)] = (plan, key)

    @property
    def files(self) -> list[str]:
        """The repository paths of the files the plan pulled in."""
        return [str(relpath) for relpath, _digest_ in self.deps]

    def plan(self) -> Plan | None:
        """The validated plan; None if it cannot be read: the entry was replaced since
        its start-up values were read (another process), or another Python wrote it."""
        if self._plan is None:
            try:
                with open(self._path, "rb") as handle:
                    handle.seek(self._offset)
                    pickled = handle.read()
                if _digest(pickled) != self._pickle_digest:  # named in the signed part
                    return None
                import pickle

                with _no_collection():
                    plan = pickle.loads(pickled)
            except Exception:  # a cache that cannot be read is a miss, whatever the reason
                return None
            from dutyctl.core.model import Plan  # loaded by the unpickling already

            if not isinstance(plan, Plan):
                return None
            self._plan = plan
            _keys[id(plan)] = (plan, self.key)
        return self._plan


# A plan entry is: signature (32 bytes) | length of the start-up part (8) | start-up part
# (marshal: key, files, start-up values, digest of the pickle) | the pickled plan. The
# signature covers the length and the start-up part, which names the pickle's digest: a
# warm `today` reads and checks the small part only, whatever the size of the plan.
_MAX_HEAD = 64 << 20


def read(repo: Repo, plan_bytes: bytes, years: range) -> Entry | None:
    """The entry of the plan whose bytes are ``plan_bytes``, or None: missing, damaged,
    planted, of another version, or a file the plan pulled in has changed since."""
    secret = secret_key()
    path = entry_path(repo, plan_bytes, years)
    try:
        if secret is None or repo.cache_dir.is_symlink():
            return None
        with open(path, "rb") as handle:
            tag, size = handle.read(32), handle.read(8)
            length = int.from_bytes(size, "big")
            if len(tag) != 32 or len(size) != 8 or length > _MAX_HEAD:
                return None
            head = handle.read(length)
        if not compare_digest(tag, _sign(secret, size + head)):
            return None
        with _no_collection():
            key, deps, startup, digest = marshal.loads(head)
        if key != _key(plan_bytes, years) or not isinstance(startup, dict):
            return None
        for relpath, file_hash in deps:
            if _file_digest(repo, relpath) != file_hash:
                return None
    except Exception:  # a cache that cannot be read is a cache miss, whatever the reason
        return None
    return Entry(_digest(f"{key}|{deps!r}".encode()), tuple(deps), startup, path,
                 40 + length, digest)


def _file_digest(repo: Repo, relpath: str) -> str:
    """The digest of a file the plan pulled in, read as the plan loader reads it (a regular
    file of bounded size; anything else raises, which every caller takes as a miss)."""
    from dutyctl.store.safefiles import MAX_PLAN_BYTES, read_regular

    return _digest(read_regular(repo.root / relpath, relpath, "roster file", MAX_PLAN_BYTES))


def write(repo: Repo, plan_bytes: bytes, years: range, plan: Plan, deps: tuple,
          startup: dict) -> Entry:
    """Store ``plan`` (and its start-up values) as the entry of ``plan_bytes``; the entry
    is returned whether or not it could be stored. ``deps``: ((path, file_digest), ...)
    of the bytes the plan was read from."""
    import pickle

    key = _key(plan_bytes, years)
    deps = tuple((str(relpath), str(digest)) for relpath, digest in deps)
    pickled = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    digest = _digest(pickled)
    head = marshal.dumps((key, deps, startup, digest))
    size = len(head).to_bytes(8, "big")
    path = entry_path(repo, plan_bytes, years)
    _write_signed(repo, path, size + head, pickled)
    return Entry(_digest(f"{key}|{deps!r}".encode()), deps, startup, path, 40 + len(head),
                 digest, plan)


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
    try:
        body = _encode(value)
    except Exception:  # a value that cannot be stored is computed again next time
        return
    _write_signed(repo, path, body)


def _write_signed(repo: Repo, path: Path, signed: bytes, tail: bytes = b"") -> None:
    """``path`` := signature of ``signed``, ``signed``, ``tail``: written to a temporary
    file and moved into place, so that a reader sees a whole entry or none."""
    key = secret_key()
    if key is None:
        return
    try:
        if repo.cache_dir.is_symlink():
            return  # a cache folder sent elsewhere (a committed symlink) is not written to
        repo.cache_dir.mkdir(mode=0o700, exist_ok=True)
        import tempfile

        fd, temp = tempfile.mkstemp(dir=repo.cache_dir, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_sign(key, signed) + signed + tail)
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
    the dutyctl version, the holiday years, the files it pulled in) and signed like the
    plan's entry.
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

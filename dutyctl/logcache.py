"""A cache of per-file aggregates of the KPI log, so that a leaderboard over years of
entries reads almost nothing on a warm run. A loader, like :mod:`dutyctl.logstore`.

What is kept, per month file and per (plan, rotation): for each person and metric the
sum of values and the count of active entries, each person's minutes, and for each slot
of the rotation, each of its people's sums per metric (entries attributed to the slot
exactly as :class:`dutyctl.compliance.Attribution` does), with the file's problems, the
first and last entry date, the void rows whose entry is not in the file, and 64-bit
hashes of the file's ids.

When it is used (otherwise the report reads every entry, as before):

* every value and minutes is a whole number and every metric's points too, so sums are
  exact whatever their order: the answer is identical to summing entry by entry;
* no void row cancels an entry of another file, and no id is in two files (checked
  with the id hashes: a hash shared by two files, even by chance, means no cache);
* every file's dates lie inside the report's period.

Invalidation: an entry is keyed by the file's path, the plan (its cache key, which
covers the plan file, the files it pulled in and the dutyctl version) and the rotation's
last day. It is used only when the file's size, mtime, ctime and inode are unchanged and
the SHA-256 of its first and last 64 KiB match (ctime cannot be set back by hand); a file
that changed in any way is read again in full (appends included: the rows of a month are
read again, which is what one month costs). Entries are signed with the per-user key of
the plan cache (``plancache.secret_key``) and written with a temporary file and
``os.replace``, so a damaged, stale or planted entry is ignored and rebuilt, and two
processes filling the cache at once are safe. The cache folder is the repository's
git-ignored ``.dutyctl-cache/``.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl.errors import DutyctlError, Location, Problem

if TYPE_CHECKING:
    from dutyctl.model import Plan
    from dutyctl.repo import Repo
    from dutyctl.rotation import Rotation

FORMAT = 1
EDGE = 64 * 1024  # bytes hashed at each end of a file to confirm it is unchanged


@dataclass
class FileAggregate:
    """What one log file adds to a report (see the module docstring)."""

    person_metric: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    minutes: dict[str, float] = field(default_factory=dict)
    slots: dict[tuple[str, date, str, str], float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    foreign_voids: int = 0  # void rows whose entry is not in this file
    exact: bool = True  # every value and minutes is a whole number
    ids: bytes = b""  # sorted 64-bit hashes of the file's ids (array 'Q')


def _id_hash(entry_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(entry_id.encode(), digest_size=8).digest(), "big")


def _whole(value: float) -> bool:
    return float(value).is_integer() and abs(value) < 2**52


def aggregate_file(root: Path, path: Path, rotation: Rotation) -> FileAggregate:
    """Read one log file exactly as ``logstore.iter_log`` does and sum it up."""
    from dutyctl import logstore
    from dutyctl.compliance import Attribution
    from dutyctl.entries import Entry

    result = FileAggregate()
    rel = logstore._rel(root, path)
    match = logstore._MONTH_FILE_RE.match(path.name)
    month = f"{match.group(1)}-{match.group(2)}" if match else None
    if month is None:
        result.problems.append(
            Problem(
                Location(rel),
                "file name is not YYYY-MM.csv, so its dates cannot be checked",
                hint="entries go in the file of their date's month, e.g. logs/2026-11.csv",
                severity="warning",
            )
        )
    entries: dict[str, Entry] = {}
    try:
        logstore._check_inside(root, path)
        timeout = logstore.lock_timeout(logstore.READ_LOCK_TIMEOUT)
        for item in logstore._read_file(root, path, rel, month, {}, timeout):
            if isinstance(item, Problem):
                result.problems.append(item)
            else:
                entries[item.entry.id] = item.entry
    except logstore.LogUnsafe as error:
        result.problems.append(Problem(error.location, error.message + "; not read", error.hint))
    except DutyctlError as error:
        result.problems.append(Problem(Location(rel), f"{error.message}; not read", error.hint))
    except OSError as error:
        result.problems.append(Problem(Location(rel), f"cannot read: {error.strerror}"))
    voided = {e.voids for e in entries.values() if e.is_void}
    result.foreign_voids = len(voided - entries.keys())
    attribution = Attribution(rotation.assignments)
    for entry in entries.values():
        if entry.is_void or entry.id in voided:
            continue
        if not _whole(entry.value) or (entry.minutes is not None and not _whole(entry.minutes)):
            result.exact = False
        key = (entry.person, entry.metric)
        sums = result.person_metric.get(key)
        if sums is None:
            result.person_metric[key] = [entry.value, 1]
        else:
            sums[0] += entry.value
            sums[1] += 1
        result.minutes[entry.person] = result.minutes.get(entry.person, 0.0) + (
            entry.minutes or 0.0
        )
        if result.first is None or entry.date < result.first:
            result.first = entry.date
        if result.last is None or entry.date > result.last:
            result.last = entry.date
        slot = attribution.slot_of(entry)
        if slot is not None:
            skey = (slot.duty, slot.start, entry.person, entry.metric)
            result.slots[skey] = result.slots.get(skey, 0.0) + entry.value
    result.ids = array("Q", sorted(_id_hash(i) for i in entries)).tobytes()
    return result


def _stamp(path: Path) -> tuple | None:
    """What must not have changed for a cached aggregate to stand (never the stat alone)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            head = handle.read(EDGE)
            handle.seek(max(0, info.st_size - EDGE))
            tail = handle.read(EDGE)
    except OSError:
        return None
    return (
        info.st_size,
        info.st_mtime_ns,
        info.st_ctime_ns,
        info.st_ino,
        hashlib.sha256(head).hexdigest(),
        hashlib.sha256(tail).hexdigest(),
    )


def _entry_path(repo: Repo, plan_key: str, until: date, rel: str) -> Path:
    name = hashlib.sha256(f"{FORMAT}|{plan_key}|{until}|{rel}".encode()).hexdigest()[:40]
    return repo.cache_dir / f"log-{name}.pickle"


def file_aggregates(
    repo: Repo, plan: Plan, rotation: Rotation, files: list[Path]
) -> list[FileAggregate]:
    """Each file's aggregate, from the cache when the file and the plan are unchanged."""
    from dutyctl import plancache

    key = plancache.plan_key(plan)
    out = []
    for path in files:
        rel = path.relative_to(repo.root).as_posix() if path.is_relative_to(repo.root) else str(
            path)
        stamp = _stamp(path)
        cache = _entry_path(repo, key, rotation.until, rel) if key and stamp else None
        if cache is not None:
            found = plancache._signed_read(cache)
            if (
                isinstance(found, tuple)
                and len(found) == 3
                and found[:2] == (rel, stamp)
                and isinstance(found[2], FileAggregate)
            ):
                out.append(found[2])
                continue
        aggregate = aggregate_file(repo.root, path, rotation)
        if cache is not None and _stamp(path) == stamp:  # unchanged while it was read
            plancache.signed_write(repo, cache, (rel, stamp, aggregate))
        out.append(aggregate)
    return out


def ids_disjoint(aggregates: list[FileAggregate]) -> bool:
    """No id hash is in two files (a chance collision only sends us the slow way)."""
    arrays = []
    for aggregate in aggregates:
        ids = array("Q")
        ids.frombytes(aggregate.ids)
        arrays.append(ids)
    total = sum(len(a) for a in arrays)
    if total == 0:
        return True
    parts = 16  # a few small sets instead of one of every id: memory stays low
    step = (1 << 64) // parts
    bounds = [[0] * len(arrays)]
    for part in range(1, parts + 1):
        limit = part * step if part < parts else 1 << 64
        bounds.append([bisect_left(a, limit) for a in arrays])
    for part in range(parts):
        seen: set[int] = set()
        count = 0
        for index, ids in enumerate(arrays):
            chunk = ids[bounds[part][index] : bounds[part + 1][index]]
            count += len(chunk)
            seen.update(chunk)
        if len(seen) != count:
            return False
    return True

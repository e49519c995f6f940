"""A cache of per-file aggregates of the KPI log, so that a leaderboard over years of
entries reads almost nothing on a warm run. A loader, like :mod:`dutyctl.logstore`.

What is kept, per month file and per (plan, rotation): for each person and metric the
sum of values and the count of active entries, each person's minutes, for each metric
and channel the sum of values, and for each slot
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

Invalidation: an entry is keyed by the file's path and the plan (its cache key, which
covers the plan file, the files it pulled in and the dutyctl version); the slot sums are
a separate entry, keyed by the rotation's last day too, so that what does not depend on
the rotation (person and metric sums, metric and channel sums for goals, problems, ids)
serves every report. It is used only when the file's size, mtime, ctime and inode are unchanged and
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
    from collections.abc import Iterable, Iterator

    from dutyctl.compliance import Attribution
    from dutyctl.logstore import Progress
    from dutyctl.model import Plan
    from dutyctl.repo import Repo
    from dutyctl.rotation import Rotation

FORMAT = 2
EDGE = 64 * 1024  # bytes hashed at each end of a file to confirm it is unchanged


@dataclass
class FileAggregate:
    """What one log file adds to a report (see the module docstring)."""

    person_metric: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    minutes: dict[str, float] = field(default_factory=dict)
    metric_channel: dict[tuple[str, str], float] = field(default_factory=dict)  # for goals
    slots: dict[tuple[str, date, str, str], float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    foreign_voids: int = 0  # void rows whose entry is not in this file
    exact: bool = True  # every value and minutes is a whole number
    ids: bytes = b""  # sorted 64-bit hashes of the file's ids (array 'Q')


_EXACT = float(2**52)  # values are non-negative: whole and below this sum exactly
_MASK = (1 << 64) - 1
_CROCKFORD = str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789ABCDEFGHIJKLMNOPQRSTUV")


def _id_hash(entry_id: str) -> int:
    """64 bits of an id: a ULID's low (random) bits, else a hash of the text. Equal ids
    always agree; two ids that differ agree by chance only, which costs speed, not truth."""
    if len(entry_id) == 26:
        try:
            return int(entry_id.translate(_CROCKFORD), 32) & _MASK
        except ValueError:
            pass
    return int.from_bytes(hashlib.blake2b(entry_id.encode(), digest_size=8).digest(), "big")


def id_hashes(ids: Iterable[str]) -> bytes:
    """The sorted 64-bit hashes of ``ids``, as ``FileAggregate.ids`` holds them."""
    return array("Q", sorted(_id_hash(i) for i in ids)).tobytes()


def aggregate_file(
    root: Path,
    path: Path,
    rotation: Rotation | None,
    progress: Progress | None = None,
    attribution: Attribution | None = None,
) -> FileAggregate:
    """Read one log file exactly as ``logstore.iter_log`` does and sum it up (the slots
    only with a rotation). Streams: one tuple per entry of this file at most."""
    from dutyctl import logstore
    from dutyctl.compliance import Attribution

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
    seen: dict[str, tuple] = {}
    rows = []
    voided = set()
    problems = result.problems
    try:
        logstore._check_inside(root, path)
        timeout = logstore.lock_timeout(logstore.READ_LOCK_TIMEOUT)
        for item in logstore._read_fields(root, path, rel, month, seen, timeout, progress):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            fields = item[1]
            if fields[11]:
                voided.add(fields[11])
            else:
                rows.append(fields)
    except logstore.LogUnsafe as error:
        problems.append(Problem(error.location, error.message + "; not read", error.hint))
    except DutyctlError as error:
        problems.append(Problem(Location(rel), f"{error.message}; not read", error.hint))
    except OSError as error:
        problems.append(Problem(Location(rel), f"cannot read: {error.strerror}"))
    result.foreign_voids = len(voided - seen.keys())
    result.ids = id_hashes(seen)
    del seen
    if rotation is not None and attribution is None:
        attribution = Attribution(rotation.assignments)
    slot_for = attribution.slot_for if attribution is not None else None
    memo: dict[tuple, tuple | None] = {}
    person_metric, minutes, by_channel = result.person_metric, result.minutes, result.metric_channel
    slots = result.slots
    exact = True
    first = last = None
    for entry_id, _, day, person, duty, channel, metric, value, spent, *_ in rows:
        if entry_id in voided:
            continue
        if exact and not (
            value.is_integer() and value < _EXACT
            and (spent is None or (spent.is_integer() and spent < _EXACT))
        ):
            exact = False
        key = (person, metric)
        sums = person_metric.get(key)
        if sums is None:
            person_metric[key] = [value, 1]
        else:
            sums[0] += value
            sums[1] += 1
        minutes[person] = minutes.get(person, 0.0) + (spent or 0.0)
        ckey = (metric, channel)
        by_channel[ckey] = by_channel.get(ckey, 0.0) + value
        if first is None or day < first:
            first = day
        if last is None or day > last:
            last = day
        if slot_for is not None:
            where = (person, duty, day)
            slot = memo.get(where, where)
            if slot is where:
                found = slot_for(person, duty, day)
                slot = memo[where] = (found.duty, found.start) if found is not None else None
            if slot is not None:
                skey = (slot[0], slot[1], person, metric)
                slots[skey] = slots.get(skey, 0.0) + value
    result.exact, result.first, result.last = exact, first, last
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


def _entry_path(repo: Repo, plan_key: str, part: str, rel: str) -> Path:
    name = hashlib.sha256(f"{FORMAT}|{plan_key}|{part}|{rel}".encode()).hexdigest()[:40]
    return repo.cache_dir / f"log-{name}.pickle"


def file_aggregates(
    repo: Repo,
    plan: Plan,
    rotation: Rotation | None,
    files: list[Path],
    progress: Progress | None = None,
) -> Iterator[FileAggregate]:
    """Each file's aggregate, one at a time, from the cache when the file and the plan
    are unchanged. The slots (rotation-dependent, keyed by its last day) are cached apart
    from the rest, which a report without slots (goals) can use alone."""
    from dutyctl import plancache

    key = plancache.plan_key(plan)
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total, done = sum(sizes), 0
    attribution = None
    for path, size in zip(files, sizes, strict=True):
        rel = path.relative_to(repo.root).as_posix() if path.is_relative_to(repo.root) else str(
            path)
        stamp = _stamp(path)
        base_path = slots_path = None
        if key and stamp:
            base_path = _entry_path(repo, key, "base", rel)
            if rotation is not None:
                slots_path = _entry_path(repo, key, f"slots|{rotation.until}", rel)
        if base_path is not None:
            base = plancache._signed_read(base_path)
            slots = plancache._signed_read(slots_path) if slots_path is not None else None
            if (
                isinstance(base, tuple)
                and len(base) == 3
                and base[:2] == (rel, stamp)
                and isinstance(base[2], FileAggregate)
                and (
                    slots_path is None
                    or (isinstance(slots, tuple) and len(slots) == 3 and slots[:2] == (rel, stamp)
                        and isinstance(slots[2], dict))
                )
            ):
                aggregate = base[2]
                if slots_path is not None and slots is not None:
                    aggregate.slots = slots[2]
                done += size
                if progress is not None:
                    progress(done, total)
                yield aggregate
                continue

        def step(read: int, _: int, before: int = done) -> None:
            if progress is not None:
                progress(before + read, total)

        if rotation is not None and attribution is None:
            from dutyctl.compliance import Attribution

            attribution = Attribution(rotation.assignments)
        aggregate = aggregate_file(repo.root, path, rotation, step, attribution)
        done += size
        if progress is not None:
            progress(done, total)
        if base_path is not None and _stamp(path) == stamp:  # unchanged while it was read
            slot_sums, aggregate.slots = aggregate.slots, {}
            plancache.signed_write(repo, base_path, (rel, stamp, aggregate))
            if slots_path is not None:
                plancache.signed_write(repo, slots_path, (rel, stamp, slot_sums))
            aggregate.slots = slot_sums
        yield aggregate


def ids_disjoint(blobs: list[bytes]) -> bool:
    """No id hash is in two files (a chance collision only sends us the slow way);
    ``blobs`` are the files' ``ids``."""
    arrays = []
    for blob in blobs:
        ids = array("Q")
        ids.frombytes(blob)
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

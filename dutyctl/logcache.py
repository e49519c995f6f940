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
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl.errors import DutyctlError, InputError, Location, Problem

if TYPE_CHECKING:
    import io
    from collections.abc import Callable, Iterable, Iterator

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
    ids = list(ids)
    hashes: list[int] | None = None
    if all(len(i) == 26 for i in ids):
        # ULIDs, the usual case: one translate for all of them, then int() each.
        text = "".join(ids).translate(_CROCKFORD)
        try:
            hashes = [int(text[at : at + 26], 32) & _MASK for at in range(0, len(text), 26)]
        except ValueError:
            hashes = None
    if hashes is None:
        hashes = [_id_hash(i) for i in ids]
    hashes.sort()
    return array("Q", hashes).tobytes()


_find_rows: Callable[[str], list[tuple[str, ...]]] | None = None


def _rows_finder() -> Callable[[str], list[tuple[str, ...]]]:
    """``findall`` of every line of a block: an ordinary row (logstore's fast pattern,
    matched as a whole line, so exactly what ``fast_fields`` matches) as its 12 groups
    and an empty 13th, any other line as 12 empty groups (an ordinary row's id is never
    empty) and the line in the 13th. One more empty match follows the last newline."""
    global _find_rows
    if _find_rows is None:
        from dutyctl import logstore

        pattern = logstore._FAST_ROW.__self__.pattern
        _find_rows = re.compile(f"^(?:{pattern})$|^(.*)$", re.MULTILINE).findall
    return _find_rows


def _blocks(
    handle: io.BufferedReader, size: int, rel: str, progress: Progress | None
) -> Iterator[tuple]:
    """What ``logstore._scan_fields`` reads, a block of lines at a time: ("lines", number
    of the line before the block, one :func:`_rows_finder` tuple per line) or ("items",
    [(line number, fields or None, problem or None), ...]) as _scan_fields has them."""
    from dutyctl import logstore

    find = _rows_finder()
    left = size
    line = None
    for line in logstore._scan(logstore._lines(handle, size), rel):
        left -= len(line.raw)
        if line.problem is not None:
            yield "items", [(line.number, None, line.problem)]
        if line.kind != "bad":
            break
    if line is None or line.kind != "header":
        return
    number = line.number
    carry = b""
    while left > 0:
        block = handle.read(min(logstore._BLOCK, left))
        if not block:
            break
        left -= len(block)
        data = carry + block
        cut = data.rfind(b"\n") + 1
        data, carry = data[:cut], data[cut:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            yield "items", list(logstore._exact(data.splitlines(keepends=True), rel, number))
            number += data.count(b"\n")
        else:
            count = text.count("\n")
            found = find(text)
            if len(found) == count + 1:
                found.pop()  # the empty match after the last newline
                yield "lines", number, found
            else:  # never expected; the line by line way is always right
                items: list[tuple] = []
                lines = text.split("\n")
                lines.pop()
                dates: dict[str, date] = {}
                for at, body in enumerate(lines, number + 1):
                    fields = logstore.fast_fields(body, dates)
                    if fields is not None:
                        items.append((at, fields, None))
                    else:
                        items.extend(logstore._exact([(body + "\n").encode()], rel, at - 1))
                yield "items", items
            number += count
        if progress is not None:
            progress(size - left, size)
    if carry:  # the last line, without a newline
        yield "items", list(logstore._exact([carry], rel, number))


def _fields_of(groups: tuple[str, ...], dates: dict[str, date]) -> tuple:
    """The fields ``fast_fields`` makes of a row's groups (its date already in ``dates``)."""
    (entry_id, recorded, day_text, person, duty, channel, metric, value, minutes, url, note,
     voids) = groups[:12]
    return (entry_id, recorded, dates[day_text], person, duty, channel, metric, float(value),
            float(minutes) if minutes else None, url, note, voids)


def _read_rows(
    root: Path, path: Path, rel: str, month: str | None, progress: Progress | None,
    problems: list[Problem], voided: set[str], rows: list[tuple], seen: dict[str, tuple],
) -> None:
    """Read one file as ``logstore._read_fields`` does (same problems, in the same order,
    each id once): void targets into ``voided``, every other entry into ``rows`` as
    (id, date, person, duty, channel, metric, value, minutes); ``seen`` gets every id."""
    import fcntl

    from dutyctl import logstore
    from dutyctl.syntax import parse_date

    timeout = logstore.lock_timeout(logstore.READ_LOCK_TIMEOUT)
    # seen: id -> (the row's text and a comma, or its fields; line number; text?): the
    # text is one string where its groups would be thirteen.
    dates: dict[str, date] = {}
    add_row, add_void = rows.append, voided.add
    names: dict[str, str] = {}  # one string object per person, duty, channel, metric
    name = names.setdefault

    def repeated(number: int, content: tuple, is_groups: bool) -> None:
        earlier, at, earlier_groups = seen[content[0]]
        if earlier_groups and is_groups and earlier == ",".join(content):
            return
        if not earlier_groups and not is_groups and earlier == content:
            return
        mine = _fields_of(content, dates) if is_groups else content
        theirs = logstore.fast_fields(earlier[:-1], dates) if earlier_groups else earlier
        if mine != theirs:
            problems.append(Problem(
                Location(rel, number),
                f"id {mine[0]} was already logged at {Location(rel, at)} with "
                "different content; this row is not counted",
                hint="void one of them and log the right entry again",
            ))

    def misplaced(number: int, day: date) -> None:
        problems.append(Problem(
            Location(rel, number),
            f"entry dated {day.isoformat()} is in the file for {month}; it is counted",
            hint=f"it belongs in logs/{day.year:04d}-{day.month:02d}.csv",
            severity="warning",
        ))

    def take(items: Iterable[tuple]) -> None:
        for number, fields, problem in items:
            if problem is not None:
                problems.append(problem)
            if fields is None:
                continue
            if fields[0] in seen:
                repeated(number, fields, False)
                continue
            day = fields[2]
            if month is not None and f"{day.year:04d}-{day.month:02d}" != month:
                misplaced(number, day)
            seen[fields[0]] = (fields, number, False)
            if fields[11]:
                add_void(fields[11])
            else:
                add_row((fields[0], *fields[2:9]))

    with logstore._locked(path, os.O_RDONLY, fcntl.LOCK_SH, timeout, rel) as fd:
        # As in _read_fields: whole rows up to `size`; later appends only add past it.
        size = os.fstat(fd).st_size
        fcntl.flock(fd, fcntl.LOCK_UN)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for block in _blocks(handle, size, rel, progress):
                if block[0] == "items":
                    take(block[1])
                    continue
                number = block[1]
                for groups in block[2]:
                    number += 1
                    entry_id = groups[0]
                    if not entry_id:  # not an ordinary row: the exact parser
                        take(logstore._exact([(groups[12] + "\n").encode()], rel, number - 1))
                        continue
                    day_text = groups[2]
                    day = dates.get(day_text)
                    if day is None:
                        try:
                            day = dates[day_text] = parse_date(day_text)
                        except InputError:  # as fast_fields: the exact parser says why
                            line = ",".join(groups[:12]) + "\n"
                            take(logstore._exact([line.encode()], rel, number - 1))
                            continue
                    if entry_id in seen:
                        repeated(number, groups, True)
                        continue
                    if month is not None and day_text[:7] != month:
                        misplaced(number, day)
                    seen[entry_id] = (",".join(groups), number, True)
                    if groups[11]:
                        add_void(groups[11])
                    else:
                        minutes = groups[8]
                        person, duty, channel, metric = groups[3:7]
                        add_row((entry_id, day, name(person, person), name(duty, duty),
                                 name(channel, channel), name(metric, metric),
                                 float(groups[7]), float(minutes) if minutes else None))


def aggregate_file(
    root: Path,
    path: Path,
    rotation: Rotation | None,
    progress: Progress | None = None,
    attribution: Attribution | None = None,
) -> FileAggregate:
    """Read one log file exactly as ``logstore.iter_log`` does and sum it up (the slots
    only with a rotation). Reads a block of rows at a time."""
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
    rows: list[tuple] = []
    voided: set[str] = set()
    problems = result.problems
    seen: dict[str, tuple] = {}
    try:
        logstore._check_inside(root, path)
        _read_rows(root, path, rel, month, progress, problems, voided, rows, seen)
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
    for entry_id, day, person, duty, channel, metric, value, spent in rows:
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


POOL_MIN_BYTES = 16 << 20  # files to read at least this big: two processes read them
_pool_state: tuple = ()  # (repo, rotation, attribution), inherited by the forked workers


def _store(repo: Repo, aggregate: FileAggregate, path: Path, job: tuple) -> None:
    """Cache a file's aggregate, unless the file changed while it was read."""
    from dutyctl import plancache

    rel, stamp, base_path, slots_path = job[1:]
    if base_path is not None and _stamp(path) == stamp:
        slot_sums, aggregate.slots = aggregate.slots, {}
        plancache.signed_write(repo, base_path, (rel, stamp, aggregate))
        if slots_path is not None:
            plancache.signed_write(repo, slots_path, (rel, stamp, slot_sums))
        aggregate.slots = slot_sums


def _pool_aggregate(job: tuple) -> FileAggregate:
    """In a forked worker: read one file and cache its aggregate."""
    repo, rotation, attribution = _pool_state
    aggregate = aggregate_file(repo.root, job[0], rotation, None, attribution)
    _store(repo, aggregate, job[0], job)
    return aggregate


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def file_aggregates(
    repo: Repo,
    plan: Plan,
    rotation: Rotation | None,
    files: list[Path],
    progress: Progress | None = None,
) -> Iterator[FileAggregate]:
    """Each file's aggregate, one at a time and in order, from the cache when the file
    and the plan are unchanged. The slots (rotation-dependent, keyed by its last day) are
    cached apart from the rest, which a report without slots (goals) can use alone.
    Without a progress callback, many megabytes of files with no cache entry are read
    by two forked processes (their answers are the same: each reads its files whole)."""
    from dutyctl import plancache

    global _pool_state
    key = plancache.plan_key(plan)
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total, done = sum(sizes), 0
    jobs = []  # (path, rel, stamp, base_path, slots_path)
    for path in files:
        rel = path.relative_to(repo.root).as_posix() if path.is_relative_to(repo.root) else str(
            path)
        stamp = _stamp(path)
        base_path = slots_path = None
        if key and stamp:
            base_path = _entry_path(repo, key, "base", rel)
            if rotation is not None:
                slots_path = _entry_path(repo, key, f"slots|{rotation.until}", rel)
        jobs.append((path, rel, stamp, base_path, slots_path))
    missing = [
        job for job in jobs
        if job[3] is None or not job[3].exists() or (job[4] is not None and not job[4].exists())
    ]
    attribution = None
    if rotation is not None and missing:
        from dutyctl.compliance import Attribution

        attribution = Attribution(rotation.assignments)
    size_of = {id(job): size for job, size in zip(jobs, sizes, strict=True)}
    pooled: Iterator[FileAggregate] | None = None
    pool = None
    if (
        progress is None
        and len(missing) >= 2
        and sum(size_of[id(job)] for job in missing) >= POOL_MIN_BYTES
        and _cpus() >= 2
    ):
        import multiprocessing

        _pool_state = (repo, rotation, attribution)
        try:
            pool = multiprocessing.get_context("fork").Pool(2)
        except (OSError, ValueError):
            pool = None
        finally:
            _pool_state = ()
        if pool is not None:
            pooled = pool.imap(_pool_aggregate, missing, chunksize=1)
    in_pool = {id(job) for job in missing} if pooled is not None else set()
    try:
        for job, size in zip(jobs, sizes, strict=True):
            path, rel, stamp, base_path, slots_path = job
            if pooled is not None and id(job) in in_pool:
                aggregate = next(pooled)
                done += size
                if progress is not None:
                    progress(done, total)
                yield aggregate
                continue
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
                        or (isinstance(slots, tuple) and len(slots) == 3
                            and slots[:2] == (rel, stamp) and isinstance(slots[2], dict))
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
            _store(repo, aggregate, path, job)
            yield aggregate
        if pool is not None:  # every file read: let the workers end on their own
            pool.close()
            pool.join()
            pool = None
    finally:
        if pool is not None:  # the caller stopped early
            pool.terminate()
            pool.join()


def ids_disjoint(blobs: list[bytes]) -> bool:
    """No id hash is in two files (a chance collision only sends us the slow way);
    ``blobs`` are the files' ``ids``."""
    if any(len(blob) % 8 for blob in blobs):
        return False  # not what id_hashes makes: the slow way
    # Views of the blobs, not copies: memory holds the hashes once.
    arrays = [memoryview(blob).cast("Q") for blob in blobs]
    total = sum(len(a) for a in arrays)
    if total == 0:
        return True
    parts = 64  # small sets instead of one of every id: memory stays low
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

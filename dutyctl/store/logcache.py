"""A cache of per-file aggregates of the KPI log, so that a leaderboard over years of
entries reads almost nothing on a warm run. A loader, like :mod:`dutyctl.store.logfile`.

What is kept, per month file and per (plan, rotation): for each person and metric the
sum of values and the count of active entries, each person's minutes, for each metric
and channel the sum of values, and for each slot
of the rotation, each of its people's sums per metric (entries attributed to the slot
exactly as :class:`dutyctl.core.compliance.Attribution` does), with the file's problems, the
first and last entry date, the void rows whose entry is not in the file, and 64-bit
hashes of the file's ids.

When it is used (otherwise the report reads every entry, as before):

* every value and minutes is a whole number and every metric's points too, so sums are
  exact whatever their order: the answer is identical to summing entry by entry;
* no void row cancels an entry of another file, and no id is in two files (checked
  with the id hashes: a hash shared by two files, even by chance, means no cache;
  :class:`IdHashes` keeps them on disk past a few megabytes);
* every file's dates lie inside the report's period.

Invalidation: an entry is keyed by the file's path and the plan (its cache key, which
covers the plan file, the files it pulled in and the dutyctl version); the slot sums are
a separate entry, keyed by the rotation's last day too, so that what does not depend on
the rotation (person and metric sums, metric and channel sums for goals, problems, ids)
serves every report. It is used only when the file's size, mtime, ctime and inode are
unchanged and the SHA-256 of its first and last 64 KiB match (ctime cannot be set back by
hand).

The log is append-only, so a file that only grew is not read again: when it is the same
inode, larger, and the SHA-256 of its first bytes is still that of every byte the cached
aggregate covered (which ended on a newline), only the new bytes are read and added to
the cached sums, in file order, as reading the whole file would add them, line numbers
following on (:func:`extend_file`). A new row whose id, or a new void whose target, may
be an id of the bytes read before (its 64-bit hash is in the cached ``ids``) needs the
earlier row, so that file is read in full, as is a file that shrank, changed before its
end, is another inode, or whose cached read ended without a newline (a torn last line).
Entries are signed with the per-user key of the plan cache (``plancache.secret_key``)
and written with a temporary file and ``os.replace``, so a damaged, stale or planted
entry is ignored and rebuilt, and two processes filling the cache at once are safe. The
cache folder is the repository's git-ignored ``.dutyctl-cache/``.
"""

from __future__ import annotations

import hashlib
import os
import re
from array import array
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl.errors import DutyctlError, InputError, Location, Problem

if TYPE_CHECKING:
    import io
    from collections import Counter
    from collections.abc import Callable, Iterable, Iterator

    from dutyctl.core.compliance import Attribution, SlotTable
    from dutyctl.core.model import Plan
    from dutyctl.core.rotation import Rotation
    from dutyctl.store.logfile import Progress
    from dutyctl.store.repo import Repo

FORMAT = 3
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
    # To extend the aggregate when the file only grew: the bytes read (ending on a line
    # boundary), their line count and SHA-256, the file's inode and the void rows' ids
    # whose entry is not in the file; None when the read cannot be extended.
    resume: tuple[int, int, bytes, int, frozenset[str]] | None = None


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
    ulids = _ulid_hashes(ids)
    if ulids is not None:
        return ulids
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


_ULID_DIGITS = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_INT_DIGITS = bytes.maketrans(_ULID_DIGITS, b"0123456789ABCDEFGHIJKLMNOPQRSTUV")


def _ulid_hashes(ids: list[str]) -> bytes | None:
    """:func:`id_hashes` of ids that are all ULIDs in capitals, with one int() for all
    of them rather than one each; None for any other ids. The low 64 bits of a ULID are
    those of its last 16 digits (80 bits, 10 bytes): the last 8 of each 10 bytes."""
    import sys

    count = len(ids)
    text = "".join(ids)
    if len(text) != 26 * count or not text.isascii() or count and set(map(len, ids)) != {26}:
        return None
    digits = text.encode()
    if digits.translate(None, _ULID_DIGITS):
        return None
    tails = bytearray(16 * count)
    for at in range(16):
        tails[at::16] = digits[10 + at :: 26]
    number = int(tails.translate(_TO_INT_DIGITS), 32) if count else 0
    packed = number.to_bytes(10 * count, "big")
    low = bytearray(8 * count)
    for at in range(8):
        low[at::8] = packed[2 + at :: 10]
    hashes = array("Q", low)
    if sys.byteorder == "little":
        hashes.byteswap()
    return array("Q", sorted(hashes)).tobytes()


_find_rows: Callable[[str], list[tuple[str, ...]]] | None = None


def _rows_finder() -> Callable[[str], list[tuple[str, ...]]]:
    """``findall`` of every line of a block: an ordinary row (logstore's fast pattern,
    matched as a whole line, so exactly what ``fast_fields`` matches) as its 12 groups
    and an empty 13th, any other line as 12 empty groups (an ordinary row's id is never
    empty) and the line in the 13th. One more empty match follows the last newline."""
    global _find_rows
    if _find_rows is None:
        _find_rows = _line_finder(frozenset(range(12)))
    return _find_rows


def _line_finder(columns: frozenset[int]) -> Callable[[str], list[tuple[str, ...]]]:
    from dutyctl.store import logfile

    # A row whose note is in quotes is ordinary when the note is not captured.
    pattern = logfile.fast_row_pattern(columns, quoted_note=10 not in columns)
    return re.compile(f"^(?:{pattern})$|^(.*)$", re.MULTILINE).findall


# The columns a sum needs: id, date, person, duty, channel, metric, value, minutes, voids.
_SUMMED = frozenset((0, 2, 3, 4, 5, 6, 7, 8, 11))
_find_summed: Callable[[str], list[tuple[str, ...]]] | None = None


def _blocks(
    handle: io.BufferedReader, size: int, rel: str, progress: Progress | None,
    start: int = 0, number: int | None = None, hasher=None, info: dict | None = None,
    find: Callable[[str], list[tuple[str, ...]]] | None = None,
) -> Iterator[tuple]:
    """What ``logfile._scan_fields`` reads, a block of lines at a time: ("lines", number
    of the line before the block, one ``find`` tuple per line) or ("items",
    [(line number, fields or None, problem or None), ...]) as _scan_fields has them.

    From byte ``start`` (the handle is there) after line ``number`` with no header to
    read when ``number`` is given. Every byte read goes to ``hasher``; ``info`` gets
    "lines" (the line count read) and "whole" (the header was read, and every byte up
    to ``size``, ending with a newline). ``find`` is :func:`_rows_finder` unless given:
    any findall whose tuples have a line that is not an ordinary row in the last group
    and an empty first."""
    from dutyctl.store import logfile

    if find is None:
        find = _rows_finder()
    left = size - start
    if info is not None:
        info["whole"] = False
    if number is None:
        line = None
        for line in logfile._scan(logfile._lines(handle, left), rel):
            left -= len(line.raw)
            if hasher is not None:
                hasher.update(line.raw)
            if line.problem is not None:
                yield "items", [(line.number, None, line.problem)]
            if line.kind != "bad":
                break
        if line is None or line.kind != "header":
            return
        number = line.number
    carry = b""
    while left > 0:
        block = handle.read(min(logfile._BLOCK, left))
        if not block:
            break
        if hasher is not None:
            hasher.update(block)
        left -= len(block)
        data = carry + block
        cut = data.rfind(b"\n") + 1
        data, carry = data[:cut], data[cut:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            yield "items", list(logfile._exact(logfile._split_lines(data), rel, number))
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
                    fields = logfile.fast_fields(body, dates)
                    if fields is not None:
                        items.append((at, fields, None))
                    else:
                        items.extend(logfile._exact([(body + "\n").encode()], rel, at - 1))
                yield "items", items
            number += count
        if progress is not None:
            progress(size - left, size)
    if carry:  # the last line, without a newline
        yield "items", list(logfile._exact([carry], rel, number))
        number += 1
    if info is not None:
        info["lines"] = number
        info["whole"] = left == 0 and not carry


def _fields_of(groups: tuple[str, ...], dates: dict[str, date]) -> tuple:
    """The fields ``fast_fields`` makes of a row's groups (its date already in ``dates``)."""
    (entry_id, recorded, day_text, person, duty, channel, metric, value, minutes, url, note,
     voids) = groups[:12]
    return (entry_id, recorded, dates[day_text], person, duty, channel, metric, float(value),
            float(minutes) if minutes else None, url, note, voids)


@contextmanager
def _snapshot(path: Path, rel: str) -> Iterator[tuple[io.BufferedReader, os.stat_result]]:
    """``path`` open for reading and its stat, taken under the shared lock, as in
    ``logfile._read_fields``: whole rows up to its size; later appends only add past it."""
    import fcntl

    from dutyctl.store import logfile

    timeout = logfile.lock_timeout(logfile.READ_LOCK_TIMEOUT)
    with logfile._locked(path, os.O_RDONLY, fcntl.LOCK_SH, timeout, rel) as fd:
        stat = os.fstat(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            yield handle, stat


def _read_rows(
    root: Path, path: Path, rel: str, month: str | None, progress: Progress | None,
    problems: list[Problem], voided: set[str], rows: list[tuple], seen: dict[str, tuple],
    info: dict, resume: tuple | None = None,
) -> bool:
    """Read one file as ``logfile._read_fields`` does (same problems, in the same order,
    each id once): void targets into ``voided``, every other entry into ``rows`` as
    (id, date, person, duty, channel, metric, value, minutes); ``seen`` gets every id.

    ``info`` gets "size" (the bytes read), "lines", "whole" (see :func:`_blocks`), "ino"
    and "sha256" (of the bytes read). With ``resume`` (a ``FileAggregate.resume``) only
    the bytes past it are read, as lines after its lines, and only if the file is the
    same inode, larger, and its first bytes are still the ones it covered: False (and
    nothing read) otherwise."""
    from dutyctl.core.syntax import parse_date
    from dutyctl.store import logfile

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
        theirs = logfile.fast_fields(earlier[:-1], dates) if earlier_groups else earlier
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

    with _snapshot(path, rel) as (handle, stat):
        size = stat.st_size
        hasher = hashlib.sha256()
        info.update(size=size, ino=stat.st_ino, sha256=hasher)
        start = 0
        first_number = None
        if resume is not None:
            start, first_number, digest, ino = resume[:4]
            if ino != stat.st_ino or size <= start:
                return False
            left = start
            while left > 0:
                chunk = handle.read(min(logfile._BLOCK, left))
                if not chunk:
                    return False
                hasher.update(chunk)
                left -= len(chunk)
            if hasher.digest() != digest:
                return False
        for block in _blocks(handle, size, rel, progress, start, first_number, hasher,
                             info):
            if block[0] == "items":
                take(block[1])
                continue
            number = block[1]
            for groups in block[2]:
                number += 1
                entry_id = groups[0]
                if not entry_id:  # not an ordinary row: the exact parser
                    take(logfile._exact([(groups[12] + "\n").encode()], rel, number - 1))
                    continue
                day_text = groups[2]
                day = dates.get(day_text)
                if day is None:
                    try:
                        day = dates[day_text] = parse_date(day_text)
                    except InputError:  # as fast_fields: the exact parser says why
                        line = ",".join(groups[:12]) + "\n"
                        take(logfile._exact([line.encode()], rel, number - 1))
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
    return True


class _Unusual(Exception):
    """A file :func:`_quick_aggregate` leaves to the careful reader."""


def _void_targets(handle: io.BufferedReader, size: int) -> set[str]:
    """The last cell of every line that does not end with a comma: a superset of the
    ids the file's void rows name (an ordinary row's last cell is its ``voids``)."""
    from dutyctl.store import logfile

    found: set[bytes] = set()
    carry = b""
    left = size
    while left > 0:
        block = handle.read(min(logfile._BLOCK, left))
        if not block:
            break
        left -= len(block)
        data = carry + block
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        found.update(
            line.rpartition(b",")[2] for line in data[:cut].split(b"\n") if line[-1:] != b","
        )
    found.add(carry.rpartition(b",")[2])
    handle.seek(0)
    return {target.decode("utf-8", "replace") for target in found}


def _quick_aggregate(
    path: Path, rel: str, month: str | None, progress: Progress | None,
    table: SlotTable | None, result: FileAggregate,
) -> None:
    """:func:`aggregate_file`'s sums of an ordinary file, a block of rows at a time,
    without keeping the rows (:func:`_read_rows` and :func:`_add_rows` keep them all, to
    be right about any file). Raises :class:`_Unusual`, having read part of the file,
    for what it leaves to them: an id met twice, an entry dated outside the file's
    month, a date that is not one, a void it did not see coming, or a value or minutes
    that is not a whole number (then sums depend on their order).

    A block's rows are counted, not added one by one: a count of each (person, metric,
    value) gives the person and metric sums, and so on. Whole numbers sum exactly in any
    order, so that is the sum _add_rows makes, and a count keeps the order in which keys
    first appear, so the dictionaries come out in the same order too. A file whose
    values add up to 2**53 or more, where floats stop being exact, is given up.

    Voids: a first pass collects each line's last cell when it is not empty, a superset
    of the void targets (:func:`_void_targets`); rows with such an id are held back, and
    must all turn out voided.

    Slots: each row is added to the slot ``table`` (``Attribution.slot_table``) says."""
    from collections import Counter
    from itertools import compress
    from operator import itemgetter, not_

    from dutyctl.core.dates import parse_date
    from dutyctl.store import logfile

    global _find_summed
    if _find_summed is None:
        _find_summed = _line_finder(_SUMMED)
    # The finder's groups: id, date, person, duty, channel, metric, value, minutes,
    # voids, and the line when it is not an ordinary row.
    ids_of, days_of, voids_of = itemgetter(0), itemgetter(1), itemgetter(8)
    person_metric_value, person_minutes = itemgetter(2, 5, 6), itemgetter(2, 7)
    metric_channel_value, person_day = itemgetter(5, 4, 6), itemgetter(2, 1)
    on_duty_row = itemgetter(2, 1, 3, 5, 6)
    person_metric, minutes, by_channel = result.person_metric, result.minutes, result.metric_channel
    slots, problems = result.slots, result.problems
    dates: dict[str, date] = {}  # every row's date, read and in the file's month
    wholes: dict[str, int] = {"": 0}  # each value and minutes text met, as a whole number
    summed_days: set[str] = set()
    ids: list[str] = []
    voided: set[str] = set()
    held: set[str] = set()  # ids of rows not added, as they may be voided
    total = 0  # of every value and minutes added: below 2**53, every sum is exact

    def exact_rows(items: Iterable[tuple]) -> list[tuple]:
        """Rows the exact parser read, as the finder's groups; their problems noted."""
        found = []
        for _, fields, problem in items:
            if problem is not None:
                problems.append(problem)
            if fields is None:
                continue
            entry_id, _, day, person, duty, channel, metric, value, spent = fields[:9]
            if month is not None and f"{day.year:04d}-{day.month:02d}" != month:
                raise _Unusual
            day_text = day.isoformat()
            dates[day_text] = day
            if fields[11]:
                value_text = spent_text = ""
            else:
                if not (value.is_integer() and value < _EXACT) or (
                    spent is not None and not (spent.is_integer() and spent < _EXACT)
                ):
                    raise _Unusual
                value_text = str(int(value))
                spent_text = "" if spent is None else str(int(spent))
            found.append((entry_id, day_text, person, duty, channel, metric, value_text,
                          spent_text, fields[11], ""))
        return found

    def whole(texts: set[str]) -> None:
        for text in texts.difference(wholes):
            number = float(text)
            if not (number.is_integer() and number < _EXACT):
                raise _Unusual
            wholes[text] = int(number)

    info: dict = {}
    with _snapshot(path, rel) as (handle, stat):
        size = stat.st_size
        targets = _void_targets(handle, size)
        hasher = hashlib.sha256()
        for block in _blocks(handle, size, rel, progress, hasher=hasher, info=info,
                             find=_find_summed):
            if block[0] == "items":
                rows = exact_rows(block[1])
                block_ids = list(map(ids_of, rows))
            else:
                number, rows = block[1], block[2]
                block_ids = list(map(ids_of, rows))
                if "" in block_ids:  # lines for the exact parser, read in their place
                    mixed: list[tuple] = []
                    start = 0
                    while True:
                        try:
                            at = block_ids.index("", start)
                        except ValueError:
                            break
                        mixed.extend(rows[start:at])
                        line = (rows[at][9] + "\n").encode()
                        mixed.extend(exact_rows(logfile._exact([line], rel, number + at)))
                        start = at + 1
                    mixed.extend(rows[start:])
                    rows = mixed
                    block_ids = list(map(ids_of, rows))
            ids.extend(block_ids)
            for day_text in set(map(days_of, rows)).difference(dates):
                if month is not None and day_text[:7] != month:
                    raise _Unusual
                try:
                    dates[day_text] = parse_date(day_text)
                except InputError:
                    raise _Unusual from None
            voids = list(map(voids_of, rows))
            skipped = set(compress(block_ids, voids))  # the void rows
            if skipped:
                voided.update(voids)
                voided.discard("")
            waiting = targets.intersection(block_ids) - skipped
            if waiting:
                held.update(waiting)
                skipped |= waiting
            if skipped:
                rows = list(compress(rows, map(not_, map(skipped.__contains__, block_ids))))
            counts = Counter(map(person_metric_value, rows))
            spent = Counter(map(person_minutes, rows))
            whole({value for _, _, value in counts})
            whole({text for _, text in spent})
            for (person, metric, value), count in counts.items():
                amount = wholes[value] * count
                total += amount
                sums = person_metric.get((person, metric))
                if sums is None:
                    person_metric[person, metric] = [float(amount), count]
                else:
                    sums[0] += amount
                    sums[1] += count
            for (person, text), count in spent.items():
                amount = wholes[text] * count
                total += amount
                minutes[person] = minutes.get(person, 0.0) + amount
            for (metric, channel, value), count in Counter(map(metric_channel_value, rows)).items():
                by_channel[metric, channel] = by_channel.get((metric, channel), 0.0) + (
                    wholes[value] * count)
            summed_days.update(map(days_of, rows))
            if table:
                duty_rows = map(on_duty_row, compress(
                    rows, map(table.__contains__, map(person_day, rows))))
                _add_slots(slots, Counter(duty_rows), table, wholes)
    unique = set(ids)
    if (len(unique) != len(ids) or not voided <= targets or not voided.issuperset(held)
            or total >= 2**53):
        raise _Unusual
    result.exact = True
    if summed_days:
        result.first, result.last = dates[min(summed_days)], dates[max(summed_days)]
    foreign = voided - unique
    result.foreign_voids = len(foreign)
    del unique
    result.ids = id_hashes(ids)
    info.update(size=size, ino=stat.st_ino, sha256=hasher)
    result.resume = _resume(info, foreign)


def _add_slots(
    slots: dict[tuple[str, date, str, str], float], counts: Counter, table: SlotTable,
    wholes: dict[str, int],
) -> None:
    """Add rows counted by (person, ISO day, duty, metric, value) to the slot sums, each
    to the slot ``table`` says it counts for (none: not added); in the order the counts
    met them, as :func:`_add_rows` adds them row by row."""
    from dutyctl.core.compliance import slot_in

    for (person, day, duty, metric, value), count in counts.items():
        found = slot_in(table, person, day, duty)
        if found is not None:
            key = (found[0], found[1], person, metric)
            slots[key] = slots.get(key, 0.0) + wholes[value] * count


def _month_of(root: Path, path: Path) -> tuple[str, str | None]:
    from dutyctl.store import logfile

    match = logfile._MONTH_FILE_RE.match(path.name)
    return logfile._rel(root, path), f"{match.group(1)}-{match.group(2)}" if match else None


def aggregate_file(
    root: Path,
    path: Path,
    rotation: Rotation | None,
    progress: Progress | None = None,
    attribution: Attribution | None = None,
    quick: bool = True,
) -> FileAggregate:
    """Read one log file exactly as ``logfile.iter_log`` does and sum it up (the slots
    only with a rotation). Reads a block of rows at a time: in one pass when the file
    is ordinary (:func:`_quick_aggregate`, unless ``quick`` is false), else keeping its
    rows to sum them after."""
    from dutyctl.store import logfile

    result = FileAggregate()
    rel, month = _month_of(root, path)
    if month is None:
        result.problems.append(
            Problem(
                Location(rel),
                "file name is not YYYY-MM.csv, so its dates cannot be checked",
                hint="entries go in the file of their date's month, e.g. logs/2026-11.csv",
                severity="warning",
            )
        )
    if rotation is None:
        attribution = None
    elif attribution is None:
        from dutyctl.core.compliance import Attribution

        attribution = Attribution(rotation.assignments)
    if quick:
        quick_result = FileAggregate(problems=list(result.problems))
        table = attribution.slot_table() if attribution is not None else None
        try:
            logfile._check_inside(root, path)
            _quick_aggregate(path, rel, month, progress, table, quick_result)
        except (_Unusual, DutyctlError, OSError):
            pass  # the careful way reads it again, and says what stopped it
        else:
            return quick_result
        del quick_result
    rows: list[tuple] = []
    voided: set[str] = set()
    problems = result.problems
    seen: dict[str, tuple] = {}
    info: dict = {}
    try:
        logfile._check_inside(root, path)
        _read_rows(root, path, rel, month, progress, problems, voided, rows, seen, info)
    except logfile.LogUnsafe as error:
        problems.append(Problem(error.location, error.message + "; not read", error.hint))
        info.clear()
    except DutyctlError as error:
        problems.append(Problem(Location(rel), f"{error.message}; not read", error.hint))
        info.clear()
    except OSError as error:
        problems.append(Problem(Location(rel), f"cannot read: {error.strerror}"))
        info.clear()
    foreign = voided - seen.keys()
    result.foreign_voids = len(foreign)
    result.ids = id_hashes(seen)
    del seen
    _add_rows(result, rows, voided, rotation, attribution)
    result.resume = _resume(info, foreign)
    return result


def _resume(info: dict, foreign: set[str]) -> tuple | None:
    """What extending the aggregate later needs (``FileAggregate.resume``), or None when
    the read did not end on a whole line."""
    if not info.get("whole"):
        return None
    return (info["size"], info["lines"], info["sha256"].digest(), info["ino"],
            frozenset(foreign))


def extend_file(
    root: Path,
    path: Path,
    base: FileAggregate,
    rotation: Rotation | None,
    attribution: Attribution | None = None,
) -> FileAggregate | None:
    """``base`` (the aggregate of the file as it was, its slot sums with ``rotation``)
    extended by the rows appended since: the aggregate :func:`aggregate_file` gives now,
    sums added in the same order. None when it cannot be that exactly: the file is not
    the one ``base`` read with bytes added (another inode, not larger, its first bytes
    changed, ``base`` ended without a newline or did not read its rows), or a new row's
    id or a new void's target may be an id of the bytes read before (a 64-bit hash in
    ``base.ids``): the caller reads the file in full. ``base`` is changed either way."""
    from dutyctl.store import logfile

    if base.resume is None:
        return None
    rel, month = _month_of(root, path)
    rows: list[tuple] = []
    voided: set[str] = set()
    problems: list[Problem] = []
    seen: dict[str, tuple] = {}
    info: dict = {}
    try:
        logfile._check_inside(root, path)
        if not _read_rows(root, path, rel, month, None, problems, voided, rows, seen, info,
                          base.resume):
            return None
    except (DutyctlError, OSError):
        return None  # read in full, which says why
    old = memoryview(base.ids).cast("Q") if len(base.ids) % 8 == 0 else None
    if old is None:
        return None
    new_ids = id_hashes(seen)
    for wanted in (new_ids, id_hashes(voided)):
        for hashed in memoryview(wanted).cast("Q"):
            at = bisect_left(old, hashed)
            if at < len(old) and old[at] == hashed:
                return None  # a duplicate, a void of an earlier row, or a chance: in full
    earlier_foreign = base.resume[4]
    foreign = (earlier_foreign | voided) - seen.keys()
    skip = voided | earlier_foreign
    base.problems.extend(problems)
    base.foreign_voids = len(foreign)
    merged = array("Q", old)
    merged.extend(array("Q", new_ids))
    base.ids = array("Q", sorted(merged)).tobytes()
    del seen, old, merged
    if rotation is not None and attribution is None and rows:
        # The slots around the new rows' days are enough: an entry counts for a slot that
        # covers its day, and the slots of a duty do not overlap. (The whole rotation's
        # lookup costs more than a few appended rows.)
        from dutyctl.core.compliance import Attribution

        days = [row[1] for row in rows]
        attribution = Attribution(rotation.between(min(days), max(days)))
    _add_rows(base, rows, skip, rotation, attribution)
    base.resume = _resume(info, foreign)
    return base


def _add_rows(
    result: FileAggregate,
    rows: list[tuple],
    voided: set[str],
    rotation: Rotation | None,
    attribution: Attribution | None,
) -> None:
    """Add ``rows`` (as :func:`_read_rows` gives them) but those in ``voided`` to the
    sums of ``result``, one at a time and in order (so that extending an aggregate sums
    exactly as reading the whole file would)."""
    from dutyctl.core.compliance import Attribution

    if rotation is not None and attribution is None:
        attribution = Attribution(rotation.assignments)
    slot_for = attribution.slot_for if attribution is not None and rotation is not None else None
    memo: dict[tuple, tuple | None] = {}
    person_metric, minutes, by_channel = result.person_metric, result.minutes, result.metric_channel
    slots = result.slots
    exact = result.exact
    first, last = result.first, result.last
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


def file_stamp(path: Path) -> tuple | None:
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
    from dutyctl.store import plancache

    rel, stamp, base_path, slots_path = job[1:]
    if base_path is not None and file_stamp(path) == stamp:
        slot_sums, aggregate.slots = aggregate.slots, {}
        plancache.signed_write(repo, base_path, (rel, stamp, aggregate))
        if slots_path is not None:
            plancache.signed_write(repo, slots_path, (rel, stamp, slot_sums))
        aggregate.slots = slot_sums


def _extended(
    repo: Repo, path: Path, rel: str, base: object, slots: object, slots_path: Path | None,
    rotation: Rotation | None, attribution: Attribution | None,
) -> FileAggregate | None:
    """A cached aggregate of the file as it was (``base``, and its slot sums ``slots``
    when ``slots_path`` is wanted, cached from the same bytes), extended by the rows
    appended since (:func:`extend_file`); None when they are not that or cannot be."""
    if not (isinstance(base, tuple) and len(base) == 3 and base[0] == rel
            and isinstance(base[2], FileAggregate)):
        return None
    aggregate = base[2]
    if aggregate.resume is None or aggregate.slots:
        return None
    if slots_path is not None:
        if not (isinstance(slots, tuple) and len(slots) == 3 and slots[:2] == base[:2]
                and isinstance(slots[2], dict)):
            return None
        aggregate.slots = slots[2]
    return extend_file(repo.root, path, aggregate, rotation if slots_path else None,
                       attribution if slots_path else None)


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
    from dutyctl.store import plancache

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
        stamp = file_stamp(path)
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
        from dutyctl.core.compliance import Attribution

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
                base = plancache.signed_read(base_path)
                slots = plancache.signed_read(slots_path) if slots_path is not None else None
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
                extended = _extended(repo, path, rel, base, slots, slots_path, rotation,
                                     attribution)
                del base, slots
                if extended is not None:
                    done += size
                    if progress is not None:
                        progress(done, total)
                    _store(repo, extended, path, job)
                    yield extended
                    continue

            def step(read: int, _: int, before: int = done) -> None:
                if progress is not None:
                    progress(before + read, total)

            if rotation is not None and attribution is None:
                from dutyctl.core.compliance import Attribution

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


class IdHashes:
    """Files' id hashes (``FileAggregate.ids``), gathered one file at a time for the
    check that no id is in two files, and a digest of each (``digests``) to name them.

    Past ``spill_after`` bytes (by default ``SPILL_AFTER``; None: never) they go to an
    unlinked temporary file, with where each of the ``PARTS`` ranges of hash values
    starts in each file's hashes: the check then holds one range of every file at a
    time, not every hash (8 MB for a million entries, a report's largest need). Held in
    memory if no file can be made; a file that cannot be written (a full disk) makes
    the check fail, which sends the report the slow way, never to a wrong answer."""

    PARTS = 64  # small sets instead of one of every id: memory stays low
    SPILL_AFTER = 2 << 20

    def __init__(self, spill_after: int | None = -1) -> None:
        if spill_after == -1:
            spill_after = self.SPILL_AFTER
        self.digests: list[bytes] = []
        self._spill_after = spill_after
        self._held = 0
        # Per file: its hashes (in memory) or their offset in the file, and where each
        # range of hash values starts among them.
        self._kept: list[tuple[bytes | int, list[int]]] = []
        self._file = None
        self._end = 0
        self._usable = True  # every blob is what id_hashes makes

    def add(self, blob: bytes) -> None:
        self.digests.append(hashlib.sha256(blob).digest())
        if len(blob) % 8:
            self._usable = False  # not what id_hashes makes: the slow way
            return
        hashes = memoryview(blob).cast("Q")
        step = (1 << 64) // self.PARTS
        bounds = [0, *(bisect_left(hashes, part * step) for part in range(1, self.PARTS)),
                  len(hashes)]
        self._held += len(blob)
        if self._spill_after is not None and self._held > self._spill_after:
            self._to_file()
        if self._file is not None:
            try:
                self._file.write(blob)
            except OSError:
                self._usable = False
                return
            self._kept.append((self._end, bounds))
            self._end += len(blob)
        else:
            self._kept.append((blob, bounds))

    def _to_file(self) -> None:
        """Move the hashes held so far to a temporary file (if one can be made)."""
        if self._file is not None:
            return
        import tempfile

        try:
            spill = tempfile.TemporaryFile()
        except OSError:
            self._spill_after = None
            return
        moved = []
        end = 0
        try:
            for blob, bounds in self._kept:
                spill.write(blob)
                moved.append((end, bounds))
                end += len(blob)
        except OSError:
            self._usable = False
        self._file, self._kept, self._end = spill, moved, end

    def disjoint(self) -> bool:
        """No hash is in two of the files added (each file's own are distinct; a chance
        collision only sends the report the slow way)."""
        if not self._usable:
            return False
        if self._file is not None:
            try:
                self._file.flush()
            except OSError:
                return False
            fd = self._file.fileno()

            def chunk(where: bytes | int, start: int, end: int) -> memoryview:
                read = os.pread(fd, (end - start) * 8, where + start * 8)
                if len(read) != (end - start) * 8:
                    raise OSError("short read of a temporary file")
                return memoryview(read).cast("Q")
        else:

            def chunk(where: bytes | int, start: int, end: int) -> memoryview:
                return memoryview(where).cast("Q")[start:end]

        try:
            for part in range(self.PARTS):
                seen: set[int] = set()
                count = 0
                for where, bounds in self._kept:
                    start, end = bounds[part], bounds[part + 1]
                    if start < end:
                        count += end - start
                        seen.update(chunk(where, start, end))
                if len(seen) != count:
                    return False
        except OSError:
            return False  # the slow way, which needs no temporary file
        return True

    def close(self) -> None:
        if self._file is not None:
            spill, self._file = self._file, None
            try:
                spill.close()
            except OSError:
                pass  # what could not be written is not needed any more

    def __enter__(self) -> IdHashes:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

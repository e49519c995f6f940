"""KPI log entries as values, and the one mapping between an entry and a CSV row.

Pure: nothing here touches a file (``dutyctl.store.logfile`` is the only module that does).

Format decisions, all for the sake of the log surviving concurrency, crashes,
spreadsheets and ``git merge=union``:

* Columns are :data:`HEADER`, always all twelve, in that order.
* Every row is exactly one physical line. Line breaks inside a text field are
  written as ``\\n`` / ``\\r`` and a backslash as ``\\\\``. A union merge works line by
  line: a quoted CSV field spanning lines gets interleaved with the other side's
  rows and both records are destroyed (a torn or hand-edited line also stays one
  line that can be reported and quarantined on its own).
* A text field a spreadsheet would run as a formula is written with a leading
  ``'`` (see :func:`neutralise`); reading strips exactly one (see :func:`restore`).
* A void row cancels an earlier entry: ``voids`` holds that entry's id, ``metric``
  is empty, ``value`` is 0 and ``note`` says why. Rows are never edited or removed.
* Numbers are non-negative and finite; ``minutes`` is empty when not given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from dutyctl.core.dates import parse_date  # not syntax: `dutyctl log` needs no plan model
from dutyctl.errors import InputError

HEADER: tuple[str, ...] = (
    "id",
    "recorded_at",
    "date",
    "person",
    "duty",
    "channel",
    "metric",
    "value",
    "minutes",
    "url",
    "note",
    "voids",
)
TEXT_FIELDS: tuple[str, ...] = ("person", "duty", "channel", "metric", "url", "note")

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"); a
# leading quote is added too so that restore() can always strip exactly one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")

_ID_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$")
_ID_MATCH = _ID_RE.match
# re.ASCII: without it \d also matches other scripts' digits (Arabic-Indic ٣, fullwidth １),
# which float() then reads as numbers.
_RECORDED_AT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z\Z", re.ASCII)
# Only what _format_number writes: no sign, no "nan"/"inf", no "1_000" (float() takes those).
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\Z", re.ASCII)

# The bound `dutyctl log` puts on what is typed (dates.parse_number): no KPI is that big,
# and points (value x points per unit) stay far from float overflow.
MAX_NUMBER = 1e12

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 26
RANDOM_BYTES = 10  # 80 bits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Entry(NamedTuple):
    """One logged row: what a person published (or a void row cancelling an entry).

    A NamedTuple, as beancount's records are: immutable like the core's frozen
    dataclasses, built from a row's cells in one call, and defined in a tenth of the
    time, which `dutyctl log` pays on every start.
    """

    id: str
    recorded_at: str  # UTC ISO 8601 with milliseconds, 2026-11-24T08:15:03.123Z
    date: date  # the day the work counts for; decides the month file
    person: str
    duty: str
    channel: str
    metric: str
    value: float
    minutes: float | None
    url: str
    note: str
    voids: str = ""  # id of the entry this row cancels; "" for a normal entry

    @property
    def is_void(self) -> bool:
        return self.voids != ""

    @property
    def month(self) -> str:
        return f"{self.date.year:04d}-{self.date.month:02d}"


# -- spreadsheet safety and one line per row ---------------------------------------------


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula: a leading ``'`` when needed."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`: strip exactly one leading ``'``."""
    return text[1:] if text.startswith("'") else text


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}
_ESCAPE_RE = re.compile(r"[\\\n\r]")
_UNESCAPE_RE = re.compile(r"\\(.?)", re.DOTALL)


def escape_breaks(text: str) -> str:
    """Keep a field on one line: line breaks become ``\\n``/``\\r``, ``\\`` becomes ``\\\\``."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def unescape_breaks(text: str) -> str:
    """The inverse of :func:`escape_breaks`; an unknown escape is kept as written."""

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        return _UNESCAPES.get(char, match.group(0))

    return _UNESCAPE_RE.sub(one, text)


def encode_text(text: str) -> str:
    """A text field as written to the log: one line, formula-safe."""
    return neutralise(escape_breaks(text))


def decode_text(cell: str) -> str:
    if "\\" in cell or cell.startswith("'"):
        return unescape_breaks(restore(cell))
    return cell  # nothing to undo: most cells


# -- rows ----------------------------------------------------------------------------------


def entry_to_row(entry: Entry) -> list[str]:
    """The CSV cells for an entry; refuses what could not be read back exactly."""
    _check_id(entry.id, "id")
    if entry.voids:
        _check_id(entry.voids, "voids")
    if not _RECORDED_AT_RE.match(entry.recorded_at):
        raise InputError(
            f"recorded_at '{entry.recorded_at}' is not a UTC timestamp",
            hint="write it like 2026-11-24T08:15:03.123Z (see format_recorded_at)",
        )
    if not isinstance(entry.date, date) or isinstance(entry.date, datetime):
        raise InputError(f"entry {entry.id}: date must be a calendar date, not {entry.date!r}")
    texts = {}
    for name in TEXT_FIELDS:
        value = getattr(entry, name)
        if not isinstance(value, str):
            raise InputError(f"entry {entry.id}: {name} must be text, not {value!r}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                f"entry {entry.id}: {name} holds characters UTF-8 cannot store",
                hint="remove unpaired surrogates from the text",
            ) from None
        texts[name] = encode_text(value)
    return [
        entry.id,
        entry.recorded_at,
        entry.date.isoformat(),
        texts["person"],
        texts["duty"],
        texts["channel"],
        texts["metric"],
        _format_number(entry.value, "value", entry.id),
        "" if entry.minutes is None else _format_number(entry.minutes, "minutes", entry.id),
        texts["url"],
        texts["note"],
        entry.voids,
    ]


def row_to_entry(row: list[str]) -> Entry:
    """The entry a CSV row holds, or an :class:`InputError` saying what is wrong with it."""
    if len(row) != len(HEADER):
        raise InputError(
            f"row has {len(row)} columns, expected {len(HEADER)}",
            hint="columns are " + ",".join(HEADER),
        )
    entry_id, recorded_at, day, person, duty, channel, metric, value, minutes, url, note, voids = (
        row
    )
    _check_id(entry_id, "id")
    if voids:
        _check_id(voids, "voids")
    if not _RECORDED_AT_RE.match(recorded_at):
        raise InputError(
            f"recorded_at '{recorded_at}' is not a UTC timestamp",
            hint="expected a time like 2026-11-24T08:15:03.123Z",
        )
    minutes = minutes.strip()
    texts = person + duty + channel + metric + url + note
    if "\\" in texts or "'" in texts:  # one look for the six: most rows have neither
        person, duty, channel, metric, url, note = map(
            decode_text, (person, duty, channel, metric, url, note))
    return Entry(
        entry_id,
        recorded_at,
        _row_date(day),
        person,
        duty,
        channel,
        metric,
        _row_number(value, "value"),
        None if minutes == "" else _row_number(minutes, "minutes"),
        url,
        note,
        voids,
    )


@lru_cache(maxsize=4096)
def _row_date(text: str) -> date:
    """A row's date (a log holds a few thousand distinct days: each is parsed once)."""
    try:
        return parse_date(text)
    except InputError as error:
        raise InputError(f"date: {error.message}", hint=error.hint) from None


@lru_cache(maxsize=4096)
def _row_number(text: str, column: str) -> float:
    return _parse_number(text, column)


def _check_id(text: str, column: str) -> None:
    if not isinstance(text, str) or not _ID_MATCH(text):
        raise InputError(
            f"{column} '{text}' is not an entry id",
            hint="ids are letters and digits (26-character ULIDs when dutyctl makes them)",
        )


def _format_number(number: float, column: str, entry_id: str) -> str:
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise InputError(f"entry {entry_id}: {column} must be a number, not {number!r}")
    number = float(number)
    if not math.isfinite(number) or number < 0:
        raise InputError(
            f"entry {entry_id}: {column} must be a non-negative number, not {number}",
            hint="to take back an entry, log a void row for it",
        )
    if number > MAX_NUMBER:
        raise InputError(f"entry {entry_id}: {column} {number:g} is over 10^12")
    # repr() is the shortest text that reads back as the same float.
    return str(int(number)) if number.is_integer() else repr(number)


def _parse_number(text: str, column: str) -> float:
    text = text.strip()
    if not _NUMBER_RE.match(text):
        raise InputError(
            f"{column} '{text}' is not a non-negative number", hint="write numbers like 3 or 1.5"
        )
    number = float(text)
    if not math.isfinite(number) or number > MAX_NUMBER:
        raise InputError(
            f"{column} '{text}' is too large", hint="dutyctl takes numbers up to 10^12"
        )
    return number


# -- ids and timestamps --------------------------------------------------------------------


def format_recorded_at(moment: datetime) -> str:
    """A moment as ``recorded_at`` text: UTC, milliseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at needs an aware datetime")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def timestamp_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, in exact integer arithmetic (no float rounding)."""
    if moment.tzinfo is None:
        raise ValueError("entry ids need an aware datetime")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def encode_id(ms: int, randomness: int) -> str:
    """A ULID from a 48-bit millisecond time and 80 random bits (Crockford base32)."""
    if not 0 <= ms < 1 << 48:
        raise ValueError("timestamp out of ULID range")
    if not 0 <= randomness < 1 << 80:
        raise ValueError("randomness must fit in 80 bits")
    number = (ms << 80) | randomness
    chars = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


def decode_id(entry_id: str) -> tuple[int, int]:
    """The (milliseconds, randomness) a ULID holds."""
    if len(entry_id) != ID_LENGTH:
        raise ValueError(f"'{entry_id}' is not a ULID")
    number = 0
    for char in entry_id.upper():
        number = number * 32 + CROCKFORD.index(char)
    return number >> 80, number & ((1 << 80) - 1)


def new_entry_id(now: datetime, rand: bytes) -> str:
    """A new entry id: unique (80 random bits) and sorting by the time it was made."""
    if len(rand) < RANDOM_BYTES:
        raise ValueError(f"need {RANDOM_BYTES} random bytes")
    return encode_id(timestamp_ms(now), int.from_bytes(rand[:RANDOM_BYTES], "big"))


# -- counting ------------------------------------------------------------------------------


def active_entries(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that count: each id once, without void rows and what they void.

    A union merge can leave the same row twice; it is one entry. Order is kept.
    """
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.id, entry)
    voided = {entry.voids for entry in unique.values() if entry.is_void}
    return [e for e in unique.values() if not e.is_void and e.id not in voided]


SUM_KEYS: tuple[str, ...] = ("date", "person", "duty", "metric", "channel")
_EMPTY = (date.min, "", "", "", "")


class Sum(NamedTuple):
    """Entries summed per some of :data:`SUM_KEYS` (``duty`` as written); the keys not
    summed by are empty (``""``, ``date.min``). What the log index answers, and what
    reports are made of."""

    date: date
    person: str
    duty: str
    metric: str
    channel: str
    value: float
    entries: int
    minutes: float


def resum(sums: Iterable[Sum], *groupings: Iterable[str]) -> tuple[list[Sum], ...]:
    """Sums per more keys summed again per the keys of each grouping: for each, what
    :func:`sums_of` gives per those keys of the same entries. One pass, and ``sums`` is
    never held: a month's sums per every key are as many as its entries."""
    groupers: list[tuple[list[int], Callable[[Sum], Any], dict[Any, list]]] = []
    for by in groupings:
        picks = [i for i, key in enumerate(SUM_KEYS) if key in set(by)]
        groupers.append((picks, itemgetter(*picks) if picks else _no_key, {}))
    for item in sums:
        for _, pick, groups in groupers:
            key = pick(item)
            group = groups.get(key)
            if group is None:
                groups[key] = [item.value, item.entries, item.minutes]
            else:
                group[0] += item.value
                group[1] += item.entries
                group[2] += item.minutes
    return tuple([Sum(*_full(picks, key), *group) for key, group in groups.items()]
                 for picks, _, groups in groupers)


def _no_key(item: Sum) -> tuple:
    return ()


def _full(picks: list[int], key: Any) -> list:
    """A grouping's key (what itemgetter gives: one value for one key) as a Sum's five
    keys, the ones not grouped by empty."""
    values = list(_EMPTY)
    for i, value in zip(picks, key if len(picks) != 1 else (key,), strict=True):
        values[i] = value
    return values


def sums_of(entries: Iterable[Entry], by: Iterable[str] = SUM_KEYS) -> list[Sum]:
    """The entries (active ones: see :func:`active_entries`) summed per the keys ``by``."""
    wanted = [key in set(by) for key in SUM_KEYS]
    groups: dict[tuple, list] = {}
    for entry in entries:
        key = tuple(value if keep else empty for value, keep, empty in zip(
            (entry.date, entry.person, entry.duty, entry.metric, entry.channel), wanted,
            _EMPTY, strict=True))
        group = groups.get(key)
        if group is None:
            groups[key] = [entry.value, 1, entry.minutes or 0.0]
        else:
            group[0] += entry.value
            group[1] += 1
            group[2] += entry.minutes or 0.0
    return [Sum(*key, *group) for key, group in groups.items()]

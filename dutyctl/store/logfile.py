"""The KPI log on disk: ``logs/YYYY-MM.csv``, appended to and never rewritten.

This is the only module that touches log files. What it promises:

* An append is one ``os.write`` of whole rows to a file opened ``O_APPEND``, under an
  exclusive ``flock``, followed by ``fsync``. Concurrent dutyctl processes never
  interleave rows, and a crash leaves at most one torn last line, never a torn row
  in the middle of the file.
* A torn last line left by an earlier crash is never hidden: the next append starts
  on a fresh line and says so, and :func:`read_log` names the torn row.
* A failed write (disk full, I/O error) takes its own partial bytes back, so the
  file is exactly as it was before the append.
* Reading never raises on a bad row: it reports the row with file and line and
  goes on. Identical duplicate rows, as a ``git merge=union`` can leave, count once.
* A write never goes through a symlink: a log file, ``logs/`` or ``quarantine.csv``
  that is a link (or not a regular file) is refused, whatever it points at.
* The one rewrite is :func:`quarantine`, and it only moves rows no reader can read
  into ``logs/quarantine.csv``; every other byte of the source file is kept.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutyctl.core.entries import (
    HEADER,
    RANDOM_BYTES,
    Entry,
    encode_id,
    encode_text,
    entry_to_row,
    format_recorded_at,
    row_to_entry,
    timestamp_ms,
)
from dutyctl.errors import DutyctlError, InputError, Location, Problem, UsageError

if TYPE_CHECKING:
    from dutyctl.core.spreadsheet import Resaved

LOGS_DIR = "logs"
QUARANTINE_NAME = "quarantine.csv"
QUARANTINE_HEADER: tuple[str, ...] = ("source", "quarantined_at", "reason", "raw", "raw_base64")
READ_LOCK_TIMEOUT = 5.0
WRITE_LOCK_TIMEOUT = 10.0
LOCK_TIMEOUT_ENV = "DUTYCTL_LOCK_TIMEOUT"  # seconds to wait for a lock, reads and writes
FILE_MODE = 0o644
# A re-saved file is read whole to be judged and repaired; bigger ones are left alone.
RESAVED_MAX_BYTES = 64 << 20

_BOM = b"\xef\xbb\xbf"
_MONTH_FILE_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.csv\Z", re.ASCII)
_POLL_SECONDS = 0.01
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # a write never follows a symlink
_QUARANTINE_HINT = (
    "the row was probably cut short by an interrupted write; quarantine "
    "moves unreadable rows to logs/quarantine.csv and keeps everything else"
)


class LogLocked(DutyctlError):
    """Another process holds a log file's lock for longer than we were willing to wait."""


class LogUnsafe(DutyctlError):
    """The log folder or a log file is a symlink leading outside the repository."""


class LogWriteFailed(DutyctlError):
    """The file system refused a write; ``written_ids`` were logged before it did."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        *,
        written_ids: Iterable[str] = (),
    ) -> None:
        super().__init__(message, location, hint)
        self.written_ids = tuple(written_ids)


# Results are NamedTuples, as the entries are: `dutyctl log` imports this module on every
# start, where each dataclass definition cost a quarter of a millisecond. The lists in
# them are filled while a function works and handed over when it returns.


class LoggedEntry(NamedTuple):
    entry: Entry
    location: Location


class AppendResult(NamedTuple):
    files: list[Path]
    ids: list[str]
    repaired: list[Problem]  # torn last lines found on the way


class LogRead(NamedTuple):
    entries: list[LoggedEntry]  # in file order, each id once
    problems: list[Problem]
    files: list[Path]

    def all_entries(self) -> list[Entry]:
        return [logged.entry for logged in self.entries]


class QuarantineResult(NamedTuple):
    moved: list[Problem]  # each moved row: where it was and why
    rewritten: list[Path]
    quarantine_file: Path | None
    skipped: list[Problem]  # files left alone, and why


# -- paths ---------------------------------------------------------------------------------


def log_path(root: Path, day: date) -> Path:
    return Path(root) / LOGS_DIR / f"{day.year:04d}-{day.month:02d}.csv"


def _rel(root: Path, path: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _check_inside(root: Path, path: Path) -> None:
    """Refuse a log folder or file that a symlink sends outside the repository."""
    real_root = Path(os.path.realpath(root))
    for candidate in (Path(root) / LOGS_DIR, path):
        real = Path(os.path.realpath(candidate))
        if not real.is_relative_to(real_root):
            raise LogUnsafe(
                f"{_rel(root, candidate)} is a symlink leading outside the repository (to {real})",
                location=Location(_rel(root, candidate)),
                hint="KPI logs must live inside the duty repository, where git keeps them; "
                "replace the symlink with a real folder or file",
            )


def _check_writable(root: Path, path: Path) -> None:
    """Refuse to write a log file that is a symlink or not a regular file, or one in a
    ``logs`` that is a symlink or not a folder: a write never follows a link."""
    from dutyctl.store.safefiles import refuse_link

    _check_inside(root, path)
    refuse_link(Path(root) / LOGS_DIR, LOGS_DIR, "log folder", LogUnsafe)
    refuse_link(path, _rel(root, path), "log file", LogUnsafe)


# -- locking -------------------------------------------------------------------------------


def lock_timeout(default: float) -> float:
    """Seconds to wait for a log lock: ``$DUTYCTL_LOCK_TIMEOUT`` when set, else ``default``."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # also refuses nan
        raise UsageError(
            f"{LOCK_TIMEOUT_ENV}='{text}' is not a number of seconds from 0 to 3600",
            hint=f"set it to a number of seconds such as 30, or unset it (default {default:g})",
        )
    return seconds


def _flock(fd: int, operation: int, deadline: float, rel: str) -> bool:
    """Take a flock, polling until the deadline; False when it stays taken."""
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(_POLL_SECONDS, remaining))
        except OSError as error:
            raise LogWriteFailed(
                f"cannot lock {rel}: {error.strerror}",
                location=Location(rel),
                hint="the file system may not support flock (some network drives do not); "
                "keep the duty repository on a local disk",
            ) from None


@contextmanager
def _locked(path: Path, flags: int, operation: int, timeout: float, rel: str) -> Iterator[int]:
    """An open descriptor of ``path`` holding a flock, or :class:`LogLocked`.

    quarantine() replaces a file while holding its lock; a process that was waiting
    on the old file would then write into a file no longer in the folder. So once
    locked, check that the descriptor is still what the path names, and reopen if not.
    """
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(path, flags | os.O_CLOEXEC, FILE_MODE)
        try:
            if not _flock(fd, operation, deadline, rel):
                raise LogLocked(
                    f"{rel} is locked by another process (waited {timeout:g}s)",
                    location=Location(rel),
                    hint="another dutyctl is writing this log; try again in a moment. "
                    f"If none is running, find what holds it with `fuser {rel}`",
                )
            opened = os.fstat(fd)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is None or (current.st_dev, current.st_ino) != (
                opened.st_dev,
                opened.st_ino,
            ):
                os.close(fd)
                fd = -1
                continue
            yield fd
            return
        finally:
            if fd >= 0:
                os.close(fd)  # closing the last descriptor releases the flock


# -- appending -----------------------------------------------------------------------------


def _cell(text: str) -> str:
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _encode_rows(rows: Iterable[Iterable[str]]) -> bytes:
    """The rows as ``csv.writer`` (minimal quoting, "\\n" line ends) writes them, byte
    for byte (a property test compares): a cell with a comma, a quote or a line break
    is quoted. Without the csv module, which `dutyctl log` would import for one row."""
    lines = []
    for row in rows:
        cells = list(row)
        lines.append('""\n' if cells == [""] else ",".join(map(_cell, cells)) + "\n")
    return "".join(lines).encode("utf-8")


HEADER_LINE = _encode_rows([HEADER])


def encode_entries(entries: Iterable[Entry]) -> bytes:
    """The exact bytes :func:`append_entries` writes for these rows (no header).

    For callers that must reproduce an append elsewhere, such as a git commit of
    just the new rows.
    """
    return _encode_rows(entry_to_row(entry) for entry in entries)


def append_entries(
    root: Path, entries: Iterable[Entry], *, lock_timeout: float | None = None
) -> AppendResult:
    """Append entries to their month files: all or nothing per file, durable on return.

    ``lock_timeout`` defaults to ``$DUTYCTL_LOCK_TIMEOUT``, else 10 seconds.
    """
    root = Path(root)
    timeout = _lock_timeout_arg(lock_timeout, WRITE_LOCK_TIMEOUT)
    by_month: dict[str, list[Entry]] = {}
    rows: dict[str, list[list[str]]] = {}
    # Every row is checked before anything is written, so a bad entry writes nothing.
    for entry in entries:
        by_month.setdefault(entry.month, []).append(entry)
        rows.setdefault(entry.month, []).append(entry_to_row(entry))
    result = AppendResult([], [], [])
    for month in sorted(by_month):
        path = log_path(root, by_month[month][0].date)
        try:
            repaired = _append_block(root, path, _encode_rows(rows[month]), timeout)
        except DutyctlError as error:
            if result.ids:
                done = ", ".join(_rel(root, p) for p in result.files)
                error.message += f" (entries for {done} were logged before this)"
                error.args = (error.message,)
            if isinstance(error, LogWriteFailed):
                error.written_ids = tuple(result.ids)
            raise
        result.files.append(path)
        result.ids.extend(entry.id for entry in by_month[month])
        if repaired is not None:
            result.repaired.append(repaired)
    return result


def _lock_timeout_arg(given: float | None, default: float) -> float:
    return lock_timeout(default) if given is None else given


def _append_block(root: Path, path: Path, block: bytes, timeout: float) -> Problem | None:
    rel = _rel(root, path)
    _check_writable(root, path)
    try:
        path.parent.mkdir(exist_ok=True)
    except OSError as error:
        raise _write_error(rel, error, "could not create the logs folder") from None
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | _NOFOLLOW
    try:
        with _locked(path, flags, fcntl.LOCK_EX, timeout, rel) as fd:
            return _append_locked(root, path, fd, block, rel)
    except OSError as error:
        raise _write_error(rel, error, "nothing was written") from None


def _append_locked(root: Path, path: Path, fd: int, block: bytes, rel: str) -> Problem | None:
    # O_RDWR rather than O_WRONLY only so this descriptor can pread the file's end.
    size = os.fstat(fd).st_size
    repaired: Problem | None = None
    if size:
        _refuse_unread(fd, size, rel)
    if size == 0:
        # The header goes in the same write as the first rows: a new month's file
        # never exists with rows but no header, whoever creates it first.
        prefix = HEADER_LINE
    elif os.pread(fd, 1, size - 1) == b"\n":
        prefix = b""
    else:
        line = _count_lines(fd, size)
        first = os.pread(fd, len(_BOM) + len(HEADER_LINE), 0).removeprefix(_BOM)
        if line == 1 and first == HEADER_LINE[:-1]:
            prefix = b"\n"  # a whole header that only lacks its newline: nothing torn
        else:
            if line == 1 and HEADER_LINE.startswith(first):
                # Only a cut-short header: write a whole one so the rows can be read.
                prefix, what = b"\n" + HEADER_LINE, "the header line was cut short"
            else:
                prefix, what = b"\n", "the last line was cut short (no newline at the end)"
            repaired = Problem(
                Location(rel, line),
                f"{what}; new rows start on a fresh line and the torn line is left as found",
                hint=_QUARANTINE_HINT,
                severity="warning",
            )
    data = prefix + block
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes were written")
        os.fsync(fd)
    except OSError as error:
        # Our own bytes past `size` are all that can be there: we hold the lock.
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError:
            raise _write_error(
                rel,
                error,
                "and the partial row could not be taken back",
                hint="the file may end in a torn row; read_log names it and quarantine "
                "moves it aside; log the entries again once the disk is fixed",
            ) from None
        raise _write_error(rel, error, "nothing was written; the file is as it was") from None
    if size == 0:
        _fsync_dir(path.parent)
    return repaired


def _refuse_unread(fd: int, size: int, rel: str) -> None:
    """Refuse to append to a file whose rows the reader does not read (a wrong header, a
    spreadsheet's re-save): the new rows would be written and never counted."""
    head = os.pread(fd, min(size, 8192), 0)  # the header is one short line
    for line in _scan(_lines(io.BytesIO(head), len(head)), rel):
        if line.kind == "header":
            return
        if line.kind == "stop" and line.problem is not None:
            raise InputError(
                "wrong header: no row of this file is read, so nothing was written",
                line.problem.location,
                hint="`dutyctl doctor` says what is wrong with it, and `dutyctl doctor --fix` "
                "writes a file a spreadsheet re-saved in the log's format again; else put "
                "the header line back: " + ",".join(HEADER),
            )
    # No whole header yet: a header cut short, which the append completes.


def _count_lines(fd: int, size: int) -> int:
    """The 1-based number of the last line of a file (which has no newline yet)."""
    newlines, offset = 0, 0
    while offset < size:
        chunk = os.pread(fd, min(1 << 20, size - offset), offset)
        if not chunk:
            break
        newlines += chunk.count(b"\n")
        offset += len(chunk)
    return newlines + 1


def _fsync_dir(folder: Path) -> None:
    """Make a new or replaced file's name durable (the file's own fsync does not)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the data itself is synced
    finally:
        os.close(fd)


def _write_error(
    rel: str, error: OSError, outcome: str, hint: str | None = None
) -> LogWriteFailed:
    reason = error.strerror or str(error)
    if hint is None:
        if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
            hint = "free some disk space, then log the entries again"
        elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            hint = "the file or file system is not writable; check permissions and mounts"
        else:
            hint = "check the disk, then log the entries again"
    return LogWriteFailed(f"could not write {rel}: {reason}; {outcome}", Location(rel), hint)


# -- ids -----------------------------------------------------------------------------------


class EntryIdGenerator:
    """Entry ids that strictly increase within a process, even within one millisecond.

    Inside one millisecond (or when the clock steps back) the random part of the last
    id is incremented, as ULID's monotonic mode does; across processes the 80 random
    bits keep ids apart.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._random = random
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        # A forked child must not continue its parent's sequence: two children in the
        # same millisecond would both make "last + 1".
        self._last_ms = -1
        self._last_random = 0

    def __call__(self, now: datetime | None = None) -> str:
        with self._lock:
            ms = timestamp_ms(now if now is not None else self._clock())
            if ms <= self._last_ms:
                ms, randomness = self._last_ms, self._last_random + 1
                if randomness >= 1 << 80:
                    ms, randomness = ms + 1, self._fresh()
            else:
                randomness = self._fresh()
            self._last_ms, self._last_random = ms, randomness
            return encode_id(ms, randomness)

    def _fresh(self) -> int:
        # The top bit stays clear so increments within a millisecond cannot overflow.
        return int.from_bytes(self._random(RANDOM_BYTES), "big") >> 1


next_entry_id = EntryIdGenerator()
os.register_at_fork(after_in_child=next_entry_id.reset)


# -- reading -------------------------------------------------------------------------------

# The longest line read as a row: a row dutyctl writes is a few hundred bytes; a longer
# line (a file that is not a log, a binary blob) is reported by number, never held.
MAX_LINE = 64 * 1024
Progress = Callable[[int, int], None]  # (done, total): see LogIndex


class _Line(NamedTuple):
    number: int
    raw: bytes  # exactly as in the file, newline included (b"" for a line too long)
    kind: str  # "header", "blank", "entry", "bad" (no reader can read it) or "stop"
    entry: Entry | None = None
    problem: Problem | None = None


class _Long(int):
    """A line longer than :data:`MAX_LINE` bytes, in place of its bytes: its length."""


def _decode_cells(body: bytes) -> list[str]:
    """One physical line as CSV cells; InputError when it is not one readable row."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte {error.start + 1})", hint="the row is damaged"
        ) from None
    if '"' not in text and "\r" not in text:
        return text.split(",")  # what csv.reader makes of it (a property test compares)
    import csv

    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as error:
        raise InputError(f"not a CSV row: {error}") from None
    return rows[0] if rows else []


def _lines(handle: io.BufferedReader, size: int) -> Iterator[bytes]:
    """The file's lines up to byte ``size``, one at a time; a line longer than
    :data:`MAX_LINE` comes as a :class:`_Long`, read past in blocks, never held."""
    left = size
    while left > 0:
        raw = handle.readline(min(left, MAX_LINE + 1))
        if not raw:
            return
        left -= len(raw)
        if len(raw) <= MAX_LINE or raw.endswith(b"\n"):
            yield raw
            continue
        length = len(raw)
        while left > 0 and not raw.endswith(b"\n"):
            raw = handle.readline(min(left, 1 << 20))
            if not raw:
                break
            left -= len(raw)
            length += len(raw)
        yield _Long(length)


def _scan(
    lines: Iterable[bytes], rel: str, *, number: int = 0, expect_header: bool = True
) -> Iterator[_Line]:
    """Classify each line of one log file, streaming (the lines after line ``number``)."""
    header_text = ",".join(HEADER)
    for raw in lines:
        number += 1
        if isinstance(raw, _Long):
            problem = Problem(
                Location(rel, number),
                f"line {number} is longer than {MAX_LINE} bytes ({int(raw)} bytes); not read",
                hint="a log row is one short line; this is not one (move it out of the file)",
            )
            yield _Line(number, b"", "stop" if expect_header else "bad", problem=problem)
            if expect_header:
                return
            continue
        newline = raw.endswith(b"\n")
        body = raw[:-1] if newline else raw
        if body.endswith(b"\r"):
            body = body[:-1]  # CRLF, e.g. after a checkout with core.autocrlf
        if number == 1 and body.startswith(_BOM):
            body = body[len(_BOM) :]
        if expect_header:
            where = Location(rel, number)
            if body == HEADER_LINE[:-1]:  # as dutyctl writes it: no csv module needed
                cells = list(HEADER)
            else:
                try:
                    cells = _decode_cells(body)
                except InputError:
                    cells = []
            if tuple(cells) == HEADER:
                expect_header = False
                yield _Line(number, raw, "header")
                continue
            text = body.decode("utf-8", "replace")
            if number == 1 and header_text.startswith(text) and text != header_text:
                # A header cut short by a crash; append wrote a whole one after it.
                yield _Line(
                    number,
                    raw,
                    "bad",
                    problem=Problem(where, "torn header line", hint=_QUARANTINE_HINT),
                )
                continue
            yield _Line(
                number,
                raw,
                "stop",
                problem=Problem(
                    where,
                    "wrong header: the rows of this file are not read",
                    hint="the first line must be exactly: " + header_text
                    + "; `dutyctl doctor` says whether a spreadsheet re-saved the file",
                ),
            )
            return
        if not body:
            yield _Line(number, raw, "blank")
            continue
        try:
            entry = row_to_entry(_decode_cells(body))
        except InputError as error:
            where = Location(rel, number)
            if newline:
                problem = Problem(where, f"unreadable row: {error.message}", error.hint)
            else:
                problem = Problem(
                    where,
                    f"torn last line (no newline at the end and the row is incomplete: "
                    f"{error.message})",
                    hint=_QUARANTINE_HINT,
                )
            yield _Line(number, raw, "bad", problem=problem)
            continue
        problem = None
        if not newline:
            problem = Problem(
                Location(rel, number),
                "the file does not end in a newline; the row reads fine and is counted",
                hint="the next append starts on a fresh line",
                severity="warning",
            )
        yield _Line(number, raw, "entry", entry=entry, problem=problem)


def _log_files(root: Path, months: set[str] | None) -> list[Path]:
    folder = Path(root) / LOGS_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []  # a linked logs/ is neither read nor written: doctor says so
    if months is not None:  # no listing of the folder: `dutyctl log` reads one month
        named = (folder / f"{month}.csv" for month in sorted(months))
        return [path for path in named if path.name != QUARANTINE_NAME and path.is_file()]
    files = []
    for path in sorted(folder.glob("*.csv")):
        if path.name == QUARANTINE_NAME or not path.is_file():
            continue
        files.append(path)
    return files


def file_month(path: Path) -> str | None:
    """``2026-11`` for ``logs/2026-11.csv``; None for a file not named by its month."""
    match = _MONTH_FILE_RE.match(path.name)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def misplaced(rel: str, month: str, entry: Entry, number: int) -> Problem:
    """The warning for an entry in the file of another month."""
    return Problem(
        Location(rel, number),
        f"entry dated {entry.date.isoformat()} is in the file for {month}; it is counted",
        hint=f"it belongs in logs/{entry.month}.csv",
        severity="warning",
    )


def unreadable_file(root: Path, path: Path) -> Problem | None:
    """Why a log file is not read at all (a link out of the repository), or None."""
    try:
        _check_inside(root, path)
    except LogUnsafe as error:
        return Problem(error.location, error.message + "; not read", error.hint)
    return None


def badly_named(rel: str) -> Problem:
    return Problem(
        Location(rel),
        "file name is not YYYY-MM.csv, so its dates cannot be checked",
        hint="entries go in the file of their date's month, e.g. logs/2026-11.csv",
        severity="warning",
    )


@contextmanager
def snapshot(path: Path, rel: str, timeout: float | None = None) -> Iterator[
        tuple[io.BufferedReader, os.stat_result]]:
    """``path`` open for reading and its stat, taken under the shared lock.

    With the shared lock no append is half done, so the first ``st_size`` bytes are
    whole rows (or a torn line a crash left). Later appends only add bytes past it and
    quarantine replaces the file rather than changing it, so those bytes stay as they
    are: the lock is released at once, not held while the caller reads."""
    timeout = lock_timeout(READ_LOCK_TIMEOUT) if timeout is None else timeout
    with _locked(path, os.O_RDONLY, fcntl.LOCK_SH, timeout, rel) as fd:
        stat = os.fstat(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            yield handle, stat


def unread_files(root: Path) -> list[Problem]:
    """What sits in ``logs/`` looking like a log file but is never read: a name ending
    in ``.CSV`` in another case, or a folder named like a month file."""
    folder = Path(root) / LOGS_DIR
    if folder.is_symlink():
        return [Problem(
            Location(LOGS_DIR), f"{LOGS_DIR}/ is a symlink (to {os.readlink(folder)}): "
            "dutyctl reads no log through it and writes none",
            hint=f"make {LOGS_DIR}/ a real folder in the repository: "
            f"rm {LOGS_DIR} && mkdir {LOGS_DIR}, then put the month files in it")]
    if not folder.is_dir():
        if not os.path.lexists(folder):
            return []
        return [Problem(
            Location(LOGS_DIR), f"{LOGS_DIR} is not a folder: no log is read, and "
            "`dutyctl log` cannot write one",
            hint=f"move it aside (mv {LOGS_DIR} {LOGS_DIR}.old), then mkdir {LOGS_DIR}")]
    problems = []
    for path in sorted(folder.iterdir()):
        rel = _rel(root, path)
        if path.suffix.lower() != ".csv":
            continue
        if path.is_dir():
            problems.append(Problem(Location(rel), f"{rel} is a folder: nothing in it is read",
                                    hint="log files are plain files named logs/YYYY-MM.csv"))
        elif path.suffix != ".csv":
            fixed = path.with_suffix(".csv").name
            problems.append(Problem(
                Location(rel), f"{rel} is not read: log files end in '.csv', in lower case",
                hint=f"rename it: git mv {rel} {LOGS_DIR}/{fixed} (if that file exists, "
                "`dutyctl import` the rows into it instead)"))
    return problems


def iter_log(root: Path, months: set[str] | None = None) -> Iterator[LoggedEntry | Problem]:
    """Entries (each id once) and problems, in file order, one line at a time: the
    careful reader, which the index (:mod:`dutyctl.store.logindex`) must always agree with.
    """
    root = Path(root)
    seen: dict[str, tuple[Entry, Location]] = {}
    for path in _log_files(root, months):
        rel = _rel(root, path)
        unsafe = unreadable_file(root, path)
        if unsafe is not None:
            yield unsafe
            continue
        month = file_month(path)
        if month is None:
            yield badly_named(rel)
        try:
            with snapshot(path, rel) as (handle, stat):
                for line in _scan(_lines(handle, stat.st_size), rel):
                    if line.problem is not None:
                        yield line.problem
                    entry = line.entry
                    if entry is None:
                        continue
                    earlier = seen.get(entry.id)
                    if earlier is not None:
                        if earlier[0] != entry:
                            yield Problem(
                                Location(rel, line.number),
                                f"id {entry.id} was already logged at {earlier[1]} with "
                                "different content; this row is not counted",
                                hint="void one of them and log the right entry again",
                            )
                        continue  # an identical copy, as a union merge leaves: one entry
                    if month is not None and entry.month != month:
                        yield misplaced(rel, month, entry, line.number)
                    where = Location(rel, line.number)
                    seen[entry.id] = (entry, where)
                    yield LoggedEntry(entry, where)
        except DutyctlError as error:
            yield Problem(Location(rel), f"{error.message}; not read", error.hint)
        except OSError as error:
            yield Problem(Location(rel), f"cannot read: {error.strerror}")


def read_log(root: Path, months: set[str] | None = None) -> LogRead:
    """Every readable entry of ``logs/*.csv`` (or of some months) and every problem."""
    result = LogRead([], [], _log_files(root, months))
    for item in iter_log(root, months):
        if isinstance(item, Problem):
            result.problems.append(item)
        else:
            result.entries.append(item)
    return result


# -- quarantine ----------------------------------------------------------------------------


def quarantine(root: Path, *, lock_timeout: float | None = None) -> QuarantineResult:
    """Move every unreadable row of every log file to ``logs/quarantine.csv``.

    Each source file is rewritten atomically, under its lock, with every other byte
    as it was. The quarantined rows are durable in quarantine.csv before the source
    changes, so a crash in between leaves a row in both places, never in neither.
    """
    root = Path(root)
    lock_timeout = _lock_timeout_arg(lock_timeout, WRITE_LOCK_TIMEOUT)
    result = QuarantineResult([], [], None, [])
    target = root / LOGS_DIR / QUARANTINE_NAME
    files = _log_files(root, None)
    for path in [*files, target]:  # every file is checked before any is rewritten
        _check_writable(root, path)
    for path in files:
        rel = _rel(root, path)
        try:
            with _locked(path, os.O_RDWR | _NOFOLLOW, fcntl.LOCK_EX, lock_timeout, rel) as fd:
                moved = _quarantine_file(root, path, fd, rel, target, lock_timeout, result)
        except OSError as error:
            raise _write_error(rel, error, "the file was left as it was") from None
        if moved:
            result.rewritten.append(path)
    return result._replace(quarantine_file=target) if result.rewritten else result


def _quarantine_file(
    root: Path,
    path: Path,
    fd: int,
    rel: str,
    target: Path,
    lock_timeout: float,
    result: QuarantineResult,
) -> bool:
    os.lseek(fd, 0, os.SEEK_SET)
    size = os.fstat(fd).st_size
    bad: list[_Line] = []
    with os.fdopen(fd, "rb", closefd=False) as handle:
        for line in _scan(_lines(handle, size), rel):
            if line.kind == "stop" and line.problem is not None:
                # Without the header no row can be judged: leave the whole file alone.
                result.skipped.append(line.problem)
                return False
            if line.kind == "bad" and not line.raw and line.problem is not None:
                # A line too long to hold is never moved: it is left for a person to see.
                result.skipped.append(line.problem)
                return False
            if line.kind == "bad":
                bad.append(line)
    if not bad:
        return False
    from base64 import b64encode  # here: only `dutyctl doctor --quarantine` needs it

    stamp = format_recorded_at(datetime.now(UTC))
    rows = []
    for line in bad:
        body = line.raw[:-1] if line.raw.endswith(b"\n") else line.raw
        reason = line.problem.message if line.problem else "unreadable"
        rows.append(
            [
                encode_text(f"{rel}:{line.number}"),
                stamp,
                encode_text(reason),
                encode_text(body.decode("utf-8", "replace")),
                encode_text(b64encode(body).decode("ascii")),
            ]
        )
    _append_quarantine(root, target, _encode_rows(rows), lock_timeout)
    skip = {line.number for line in bad}

    def kept(sink: io.BufferedWriter) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for number, raw in enumerate(_lines(handle, size), start=1):
                if number not in skip:
                    sink.write(raw)

    _replace_locked(path, fd, kept)
    for line in bad:
        if line.problem is not None:
            result.moved.append(line.problem)
    return True


def _replace_locked(path: Path, fd: int, write: Callable[[io.BufferedWriter], None]) -> None:
    """Replace the file that ``fd`` (locked exclusively) opens with what ``write`` writes:
    a temporary file in the same folder, fsynced, renamed over it. Processes waiting on
    the lock notice the new file (:func:`_locked`) and use it."""
    folder = path.parent
    temp = folder / f".{path.name}.{os.getpid()}.tmp"
    mode = os.fstat(fd).st_mode & 0o7777
    temp.unlink(missing_ok=True)  # a stale one (or a planted link) goes; never followed
    out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(out, "wb") as sink:
            out = -1  # the file object owns it now
            write(sink)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temp, path)
    except BaseException:
        if out >= 0:
            os.close(out)
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


# -- files a spreadsheet re-saved ----------------------------------------------------------


class Repaired(NamedTuple):
    """A month file written again in dutyctl's format: what was undone, rows kept."""

    file: str
    changes: str
    rows: int


def _looks_like_log(head: bytes) -> bool:
    head = head.removeprefix(_BOM)
    return head.startswith((HEADER_LINE, HEADER_LINE[:-1] + b"\r\n")) or head == HEADER_LINE[:-1]


def resaved_files(root: Path) -> dict[str, Resaved]:
    """Each month file whose header is not the log's, as a spreadsheet would leave it."""
    from dutyctl.core.spreadsheet import diagnose

    found: dict[str, Resaved] = {}
    for path in _log_files(root, None):
        try:
            with path.open("rb") as handle:
                head = handle.read(len(_BOM) + len(HEADER_LINE) + 1)
                if _looks_like_log(head) or os.fstat(handle.fileno()).st_size > RESAVED_MAX_BYTES:
                    continue
                data = head + handle.read()
        except OSError:
            continue  # the reader names a file it cannot open
        resaved = diagnose(data)
        if resaved is not None:
            found[_rel(root, path)] = resaved
    return found


def repair_resaved(root: Path, *, lock_timeout: float | None = None) -> list[Repaired]:
    """Write each repairable re-saved month file again in dutyctl's format, every row kept.

    Under the file's exclusive lock, like quarantine: a temporary file renamed over it.
    Rows are kept cell for cell; a row the reader then refuses is for quarantine.
    """
    from dutyctl.core.spreadsheet import canonical_rows, diagnose

    root = Path(root)
    lock_timeout = _lock_timeout_arg(lock_timeout, WRITE_LOCK_TIMEOUT)
    done: list[Repaired] = []
    for rel in resaved_files(root):
        path = root / rel
        _check_writable(root, path)
        try:
            with _locked(path, os.O_RDWR | _NOFOLLOW, fcntl.LOCK_EX, lock_timeout, rel) as fd:
                size = os.fstat(fd).st_size
                if size > RESAVED_MAX_BYTES:
                    continue
                data = os.pread(fd, size, 0)
                resaved = diagnose(data)  # again, under the lock
                if resaved is None or not resaved.repairable:
                    continue
                rows = canonical_rows(data, resaved)
                block = HEADER_LINE + _encode_rows(rows)
                _replace_locked(path, fd, lambda sink, block=block: sink.write(block))
        except OSError as error:
            raise _write_error(rel, error, "the file was left as it was") from None
        done.append(Repaired(rel, resaved.summary(), len(rows)))
    return done


def _append_quarantine(root: Path, target: Path, block: bytes, lock_timeout: float) -> None:
    rel = _rel(root, target)
    _check_writable(root, target)
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | _NOFOLLOW
    with _locked(target, flags, fcntl.LOCK_EX, lock_timeout, rel) as fd:
        size = os.fstat(fd).st_size
        prefix = b""
        if size == 0:
            prefix = _encode_rows([QUARANTINE_HEADER])
        elif os.pread(fd, 1, size - 1) != b"\n":
            prefix = b"\n"
        data = prefix + block
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            raise

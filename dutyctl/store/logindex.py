"""The index of the KPI log: one SQLite database, ``.dutyctl-cache/log-index.sqlite3``.

Derived from ``logs/*.csv`` at any time and never the only copy of anything: delete it
and the next command builds it again. It holds every row the careful reader
(:func:`dutyctl.store.logfile._scan`) reads, with its file and line, the problems it finds,
and per file how far it was read (a byte offset at a line's end), the file's identity
(size, mtime_ns, inode) and a BLAKE2b hash of every byte before that offset.

Refresh (before every query): a file whose size, mtime and inode are unchanged is not
opened. A file that grew and whose hash of the bytes read so far still matches is read
on from the offset (an append); any other change (rewrite, merge, truncation, hand
edit, quarantine) reads that file again from its start. One transaction per refresh
(``BEGIN IMMEDIATE``, WAL mode): two processes refreshing at once are safe, and a
reader sees the index before or after a refresh, never half of one. A damaged or
foreign database file is deleted and built again.

What counts is decided here, in SQL, as :func:`dutyctl.entries.active_entries` does:
of the rows sharing an id the first (by file name, then line) is ``first``; a row is
``counted`` when it is first, not a void row, and no first void row names it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dutyctl.core.entries import SUM_KEYS, Entry, Sum
from dutyctl.errors import DutyctlError, Location, Problem
from dutyctl.store import logfile

if TYPE_CHECKING:
    from dutyctl.core.compliance import SlotDay, SlotSum

VERSION = 4  # the reader's rules are part of what is stored: a change rebuilds it
# The indexes of the rows. A refresh that reads more than the index holds (the first
# build) drops them and sorts the rows into them afterwards, as SQLite loads in bulk:
# on 1,000,000 rows the inserts took 13.6 s instead of 20 s with the indexes kept up to
# date row by row, and need no large page cache.
_ROW_INDEXES = (
    "CREATE INDEX rows_id ON rows (id)",
    "CREATE INDEX rows_voids ON rows (voids) WHERE voids != ''",
    "CREATE INDEX rows_sums ON rows (counted, date, person, duty, metric, channel, value,"
    " minutes)",
    "CREATE INDEX rows_later ON rows (id) WHERE NOT first",
    "CREATE INDEX rows_people ON rows (counted, person, metric, date, duty, channel, value,"
    " minutes)",
)
NAME = "log-index.sqlite3"
_SCHEMA = """
CREATE TABLE files (file TEXT PRIMARY KEY, size INT, mtime_ns INT, ino INT,
    read_to INT, lines INT, header INT, digest BLOB);
CREATE TABLE rows (file TEXT, line INT, id TEXT, recorded_at TEXT, date TEXT,
    person TEXT, duty TEXT, channel TEXT, metric TEXT, value REAL, minutes REAL,
    url TEXT, note TEXT, voids TEXT, first INT, counted INT);
CREATE UNIQUE INDEX rows_at ON rows (file, line);
CREATE TABLE problems (file TEXT, line INT, message TEXT, hint TEXT, severity TEXT,
    misplaced INT);
CREATE INDEX problems_at ON problems (file, line);
""" + ";".join(_ROW_INDEXES)
ENTRY = "id, recorded_at, date, person, duty, channel, metric, value, minutes, url, note, voids"
_BATCH = 2000  # rows inserted at a time: memory stays small, whatever the file


_SCAN_PER_SORTED = 0.4  # see LogIndex._index_for
# A first build reads about 8 MB of CSV a second (shape c: 28 MB in 3.7 s): from this size
# on it takes long enough that a terminal is shown how far it is.
PROGRESS_FROM = 4 << 20


def _json_list(items: Iterable[str]) -> str:
    import json  # not at the top: a warm `log` imports no json

    return json.dumps(sorted(items))


def entry_of(row: tuple) -> Entry:
    return Entry(row[0], row[1], date.fromisoformat(row[2]), *row[3:12])


class LogIndex:
    """An open, refreshed index of one repository's log.

    ``progress(bytes_done, bytes_total)`` is called while a refresh reads more than the
    index held and at least :data:`PROGRESS_FROM` bytes (a first build), never otherwise."""

    def __init__(self, root: Path, progress: logfile.Progress | None = None) -> None:
        self.root = Path(root)
        self._progress = progress
        self._done: tuple[int, int] | None = None  # bytes read so far and to read, shown
        folder = self.root / ".dutyctl-cache"
        path = folder / NAME
        try:
            if folder.is_symlink():
                raise OSError("the cache folder is a link")
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            path = None  # no place for it: an index in memory, built for this command
        # A damaged or foreign file is deleted and built again; one that cannot be written
        # (a read-only disk) leaves an index in memory, built for this command.
        targets = [path, path, None] if path is not None else [None]
        while targets:
            target = targets.pop(0)
            self.db = sqlite3.connect(":memory:" if target is None else target, timeout=60,
                                      isolation_level=None)
            try:
                self._open()
                self.refresh()
                return
            except sqlite3.DatabaseError as error:
                self.db.close()
                if "locked" in str(error) or "busy" in str(error):
                    raise IndexBusy(
                        "the log index is busy: another dutyctl has been filling it for a "
                        "minute", hint="try again when it is done") from None
                if target is None:
                    raise
                if any(why in str(error) for why in ("readonly", "unable to open", "I/O")):
                    targets = [None]  # not writable here: in memory
                else:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{target}{suffix}").unlink(missing_ok=True)

    def _open(self) -> None:
        db = self.db
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if db.execute("PRAGMA user_version").fetchone()[0] == VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if version != VERSION and (version or tables):
                raise sqlite3.DatabaseError(f"index version {version}, not {VERSION}")
            if version != VERSION:
                for statement in _SCHEMA.split(";"):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- refresh ---------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, Path], dict[str, tuple], dict[str, tuple]]:
        paths = {logfile._rel(self.root, p): p for p in logfile._log_files(self.root, None)}
        stats = {}
        for rel, path in paths.items():
            try:
                stat = path.stat()
                stats[rel] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
            except OSError:
                stats[rel] = (-1, -1, -1)
        known = {row[0]: row[1:] for row in self.db.execute("SELECT * FROM files")}
        return paths, stats, known

    def refresh(self) -> None:
        """Bring the index up to date with ``logs/*.csv``: one transaction, or none."""
        paths, stats, known = self._state()
        if known.keys() == paths.keys() and all(known[r][:3] == stats[r] for r in paths):
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            paths, stats, known = self._state()  # another process may have done it
            touched: set[str] | None = set() if known else None  # None: every id
            reading, held = _to_read(stats, known)
            bulk = reading > held
            if bulk and reading >= PROGRESS_FROM and self._progress is not None:
                # Reading is two thirds of a first build; sorting the indexes and the
                # commit the rest (bench, shape a).
                self._done = (0, reading * 3 // 2)
            if bulk:
                for statement in _ROW_INDEXES:
                    self.db.execute(f"DROP INDEX {statement.split()[2]}")
                # A second thread for SQLite's sorter while it builds them: 1,000,000 rows
                # in 6.4 s instead of 7.9 s, in no more memory.
                self.db.execute("PRAGMA threads = 2")
            else:  # KiB, while it updates the indexes row by row: faster
                self.db.execute("PRAGMA cache_size = -16384")
            for rel in known.keys() - paths.keys():
                self._drop(rel, 0, touched)
                self.db.execute("DELETE FROM files WHERE file = ?", (rel,))
            for rel, path in paths.items():
                if rel not in known or known[rel][:3] != stats[rel] or stats[rel][0] < 0:
                    self._read(rel, path, known.get(rel), touched)
            if bulk:
                for number, statement in enumerate(_ROW_INDEXES, 1):
                    self.db.execute(statement)
                    self._tick(reading * number // (3 * len(_ROW_INDEXES)))
            self._recount(touched)
            self.db.execute("COMMIT")
            self._tick(reading)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._done = None
            self.db.execute("PRAGMA cache_size = -2000")

    def _tick(self, read: int) -> None:
        """Show the build ``read`` bytes past the end of the last file read."""
        if self._done is not None and self._progress is not None:
            self._progress(min(self._done[0] + read, self._done[1]), self._done[1])

    def _drop(self, rel: str, after: int, touched: set[str] | None) -> None:
        """Forget the rows and problems of ``rel`` after line ``after``."""
        if touched is not None:
            found = self.db.execute("SELECT id, voids FROM rows WHERE file = ? AND line > ?",
                                    (rel, after))
            touched.update(i for row in found for i in row if i)
        self.db.execute("DELETE FROM rows WHERE file = ? AND line > ?", (rel, after))
        self.db.execute("DELETE FROM problems WHERE file = ?1 AND (?2 = 0 OR line > ?2)",
                        (rel, after))

    def _read(self, rel: str, path: Path, old: tuple | None, touched: set[str] | None) -> None:
        from _blake2 import blake2b

        problems: list[tuple] = []
        state: tuple = (-1, -1, -1, 0, 0, 1, b"")  # size -1: read again next time
        unsafe = logfile.unreadable_file(self.root, path)
        try:
            if unsafe is not None:
                raise _NotRead(unsafe)
            with logfile.snapshot(path, rel) as (handle, stat):
                size = stat.st_size
                start, number, header, hasher = 0, 0, True, blake2b(digest_size=32)
                if old is not None and 0 < old[3] <= size:
                    _hash(handle, 0, old[3], hasher)
                    if hasher.digest() == old[6]:
                        start, number, header = old[3], old[4], bool(old[5])
                    else:
                        hasher = blake2b(digest_size=32)
                self._drop(rel, number, touched)
                if start == 0 and logfile.file_month(path) is None:
                    problems.append((logfile.badly_named(rel), False))
                handle.seek(start)
                read_to, lines, header = self._rows(handle, rel, size, start, number,
                                                    header, problems, touched,
                                                    logfile.file_month(path))
                _hash(handle, start, read_to, hasher)
                if self._done is not None:
                    self._done = (self._done[0] + size - start, self._done[1])
                    self._tick(0)
                state = (size, stat.st_mtime_ns, stat.st_ino, read_to, lines, int(header),
                         hasher.digest())
        except _NotRead as why:
            self._drop(rel, 0, touched)
            problems.append((why.args[0], False))
        except DutyctlError as error:
            self._drop(rel, 0, touched)
            problems.append((Problem(Location(rel), f"{error.message}; not read", error.hint),
                             False))
        except OSError as error:
            self._drop(rel, 0, touched)
            problems.append((Problem(Location(rel), f"cannot read: {error.strerror}"), False))
        self.db.executemany(
            "INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)",
            [(rel, p.location.line if p.location else None, p.message, p.hint, p.severity,
              wrong) for p, wrong in problems])
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (rel, *state))

    def _rows(self, handle, rel: str, size: int, start: int, number: int, header: bool,
              problems: list[tuple[Problem, bool]], touched: set[str] | None,
              month: str | None) -> tuple[int, int, bool]:
        """Read one file from byte ``start`` (after line ``number``) into the index: the
        offset and line number of the last whole line read, and whether a header is
        still expected there."""
        rows: list[tuple] = []
        insert = "INSERT INTO rows VALUES (" + ", ".join("?" * 16) + ")"
        wanted = (int(month[:4]), int(month[5:7])) if month else None
        line = None
        lines_of = logfile._lines(handle, size - start)
        for line in logfile._scan(lines_of, rel, number=number, expect_header=header):
            if line.problem is not None:
                problems.append((line.problem, False))
            if line.kind == "stop":  # no row is read until the header is right
                return 0, 0, True
            header = header and line.kind != "header"
            entry = line.entry
            if entry is not None:
                rows.append((rel, line.number, entry.id, entry.recorded_at,
                             entry.date.isoformat(), *entry[3:], 1, not entry.voids))
                if touched is not None:
                    touched.add(entry.id)
                    if entry.voids:
                        touched.add(entry.voids)
                day = entry.date
                if wanted is not None and (day.year, day.month) != wanted:
                    # shown only while the row is the first of its id
                    problems.append((logfile.misplaced(rel, month, entry, line.number), True))
                if len(rows) >= _BATCH:
                    self.db.executemany(insert, rows)
                    rows.clear()
                    self._tick(handle.tell() - start)
        self.db.executemany(insert, rows)
        if line is None:
            return start, number, header
        end = size if line.raw.endswith(b"\n") else _after_last_newline(handle, start, size)
        if end == size:
            return size, line.number, header
        return end, line.number - 1, header or line.kind == "header"  # torn: read it again

    def _recount(self, touched: set[str] | None) -> None:
        """Decide ``first`` and ``counted`` again for the rows of the ``touched`` ids (None:
        every id). A row is inserted as first and counted unless a void row; only rows
        whose id is repeated or voided can be otherwise, so only those are looked at."""
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY)")
        db.execute("DELETE FROM touched")
        if touched is None:
            db.execute("INSERT INTO touched SELECT id FROM rows GROUP BY id HAVING count(*) > 1")
            db.execute("INSERT OR IGNORE INTO touched SELECT voids FROM rows WHERE voids != ''")
        else:
            db.executemany("INSERT OR IGNORE INTO touched VALUES (?)", ((i,) for i in touched))
        db.execute("INSERT OR IGNORE INTO touched SELECT voids FROM rows"
                   " WHERE voids != '' AND id IN touched")
        db.execute("""UPDATE rows SET first = w.n = 1 FROM (SELECT rowid AS r,
            row_number() OVER (PARTITION BY id ORDER BY file, line) AS n FROM rows
            WHERE id IN touched) AS w WHERE rows.rowid = w.r AND first != (w.n = 1)""")
        db.execute("""UPDATE rows SET counted = w.c FROM (SELECT rowid AS r, (first AND
            voids = '' AND NOT EXISTS (SELECT 1 FROM rows AS v WHERE v.voids = rows.id AND
            v.voids != '' AND v.first)) AS c FROM rows WHERE id IN touched) AS w
            WHERE rows.rowid = w.r AND counted != w.c""")

    # -- queries ---------------------------------------------------------------------------

    def sums(self, first: date, last: date, by: Iterable[str] = SUM_KEYS,
             people: Iterable[str] | None = None) -> Iterator[Sum]:
        """The counted entries dated from ``first`` to ``last`` (of ``people``, if given),
        summed per the keys ``by`` (of :data:`~dutyctl.entries.SUM_KEYS`), as
        :func:`~dutyctl.entries.sums_of` sums."""
        by = [key for key in SUM_KEYS if key in set(by)]
        columns = ", ".join(key if key in by else "''" for key in SUM_KEYS)
        args: list = [first.isoformat(), last.isoformat()]
        where, index = "", self._index_for(first, last, by)
        if people is not None:
            where, index = " AND person IN (SELECT value FROM json_each(?3))", "rows_people"
            args.append(_json_list(people))
        query = f"""SELECT {columns}, sum(value), count(*), total(minutes) FROM rows
            INDEXED BY {index} WHERE counted = 1 AND date BETWEEN ?1 AND ?2{where}
            GROUP BY {", ".join(by)}"""
        days: dict[str, date] = {"": date.min}
        for row in self.db.execute(query, args):
            day = days.get(row[0]) or days.setdefault(row[0], date.fromisoformat(row[0]))
            yield Sum(day, *row[1:])

    def _index_for(self, first: date, last: date, by: list[str]) -> str:
        """The index that sums the span's rows per ``by`` fastest. ``rows_sums`` reads only
        the span but GROUP BY sorts what it reads; ``rows_people`` reads every counted row
        already in (person, metric) order. Measured on 1,000,000 rows, the scan costs
        :data:`_SCAN_PER_SORTED` of sorting as many: so the scan, when the span holds a
        larger share of the rows than that (counted from the files' months and lines)."""
        if by not in (["person"], ["person", "metric"]):
            return "rows_sums"
        inside, total = self.db.execute(
            "SELECT total(lines) FILTER (WHERE substr(file, 6, 7) BETWEEN ?1 AND ?2),"
            " total(lines) FROM files", (first.isoformat()[:7], last.isoformat()[:7])
        ).fetchone()
        return "rows_people" if inside > _SCAN_PER_SORTED * total else "rows_sums"

    def slot_sums(self, days: Iterable[SlotDay]) -> Iterator[SlotSum]:
        """The counted entries that count for slots, summed per slot, day, person and
        metric (a slot, person and metric comes once per day: the caller adds them up):
        ``days`` says which (:func:`~dutyctl.core.compliance.slot_days`), and each of its
        rows is one look-up in the index, whatever the length of the log.

        The days are kept in their key's order, so the rows found come grouped and
        nothing is sorted: grouping per slot, person and metric alone sorted every row
        found, 33 ms of 42 on a month of 300,000 entries."""
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS slot_days (slot INT, date TEXT,"
                   " person TEXT, duty TEXT, PRIMARY KEY (slot, date, person, duty))"
                   " WITHOUT ROWID")
        db.execute("DELETE FROM slot_days")
        db.executemany("INSERT OR IGNORE INTO slot_days (date, person, duty, slot)"
                       " VALUES (?, ?, ?, ?)", days)
        yield from db.execute("""SELECT d.slot, d.person, r.metric, sum(r.value) FROM
            slot_days AS d CROSS JOIN rows AS r INDEXED BY rows_sums WHERE r.counted = 1 AND
            r.date = d.date AND r.person = d.person AND r.duty = d.duty
            GROUP BY d.slot, d.date, d.person, d.duty, r.metric""")

    def values(self, first: date, last: date,
               wanted: Sequence[tuple[str, str | None]]) -> list[float]:
        """The counted values dated from ``first`` to ``last`` summed per (metric, channel
        or None for any) of ``wanted``, reading only the rows of the wanted metrics.

        Goals sum from the plan's start, so a scan of the span would cost the month report
        its whole history. ``rows_people`` holds each person's rows by metric and date:
        the people are found one seek at a time (a skip-scan, written out since SQLite
        makes one only from ANALYZE's statistics), then each person's wanted metrics are
        read by range. On shape e's 300,000 rows the goals took 6 ms instead of 26-53."""
        if not wanted:
            return []
        columns = ", ".join("total(r.value) FILTER (WHERE r.metric = ? AND (? IS NULL OR "
                            "r.channel = ?))" for _ in wanted)
        args = [a for metric, channel in wanted for a in (metric, channel, channel)]
        query = f"""WITH RECURSIVE people(person) AS (
                SELECT min(person) FROM rows INDEXED BY rows_people WHERE counted = 1
                UNION ALL SELECT (SELECT min(person) FROM rows INDEXED BY rows_people
                    WHERE counted = 1 AND person > people.person)
                FROM people WHERE person IS NOT NULL)
            SELECT {columns} FROM people CROSS JOIN rows AS r INDEXED BY rows_people
            WHERE r.counted = 1 AND r.person = people.person AND r.metric IN
            (SELECT value FROM json_each(?)) AND r.date BETWEEN ? AND ?"""
        metrics = _json_list({metric for metric, _ in wanted})
        return list(self.db.execute(
            query, (*args, metrics, first.isoformat(), last.isoformat())).fetchone())

    def entries(self, first: date | None = None, last: date | None = None, *,
                person: str | None = None, duty: str | None = None,
                order: str = "file, line") -> Iterator[Entry]:
        """The counted entries dated from ``first`` to ``last``, in log order."""
        query = f"SELECT {ENTRY} FROM rows WHERE counted AND date BETWEEN ? AND ?"
        args: list = [(first or date.min).isoformat(), (last or date.max).isoformat()]
        for column, value in (("person", person), ("duty", duty)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        for row in self.db.execute(f"{query} ORDER BY {order}", args):
            yield entry_of(row)

    def best(self, first: date, last: date, points: dict[str, tuple[float, bool]],
             people: Iterable[str] | None, count: int) -> list[Entry]:
        """The ``count`` counted entries with the highest outcome, then points (``points``:
        metric -> (points, is an outcome)), ties by date and id: ``reports.best_entries``."""
        db = self.db
        # Each row's outcome and points from a CASE over the plan's metrics (bound, never
        # written into the SQL): a join with a table of them cost a look-up a row, a fifth
        # of the query on a month of 300,000 entries.
        args: dict = {"first": first.isoformat(), "last": last.isoformat(), "count": count,
                      "people": None if people is None else _json_list(people)}
        outcome, worth = [], []
        for number, (metric, (point, is_outcome)) in enumerate(points.items()):
            args[f"m{number}"], args[f"p{number}"] = metric, point
            worth.append(f"WHEN :m{number} THEN r.value * :p{number}")
            if is_outcome:
                outcome.append(f"WHEN :m{number} THEN r.value")
        where, index = "", "rows_sums"
        if people is not None:
            where, index = " AND r.person IN (SELECT value FROM json_each(:people))", \
                "rows_people"
        # Ranked from the covering index alone, and only the rows shown are read from the
        # table: the best ``count`` by (outcome, points, date), then, since ties are broken
        # by id, every row that ties with the last of them, which are all of its day.
        ranked = f"""SELECT r.rid, o, pt, r.date FROM (SELECT r.rowid AS rid, r.date,
            {_case(outcome)} AS o, {_case(worth)} AS pt
            FROM rows AS r INDEXED BY {index} WHERE r.counted = 1 AND
            r.date BETWEEN :first AND :last{where}) AS r WHERE (o > 0 OR pt > 0)"""
        top = db.execute(f"{ranked} ORDER BY o DESC, pt DESC, r.date LIMIT :count",
                         args).fetchall()
        if len(top) == count and count > 0:
            cut = top[-1][1:]
            o, pt, day = cut
            tied = db.execute(f"{ranked} AND o = :o AND pt = :pt", {
                **args, "first": day, "last": day, "o": o, "pt": pt}).fetchall()
            top = [row for row in top if row[1:] != cut] + tied
        db.execute("CREATE TEMP TABLE IF NOT EXISTS best (rid INT, o REAL, pt REAL, date TEXT)")
        db.execute("DELETE FROM best")
        db.executemany("INSERT INTO best VALUES (?, ?, ?, ?)", top)
        found = db.execute(f"""SELECT {", ".join(f"t.{c}" for c in ENTRY.split(", "))}
            FROM best AS b JOIN rows AS t ON t.rowid = b.rid
            ORDER BY b.o DESC, b.pt DESC, t.date, t.id LIMIT ?""", (count,))
        return [entry_of(row) for row in found]

    def find(self, entry_id: str) -> list[tuple[Entry, Location]]:
        """The first row of an id and the first void rows naming it."""
        query = f"""SELECT {ENTRY}, file, line FROM rows WHERE first AND (id = ?1 OR
            (voids = ?1 AND voids != '')) ORDER BY id != ?1, file, line"""
        return [(entry_of(row), Location(row[12], row[13]))
                for row in self.db.execute(query, (entry_id,))]

    def ids(self) -> Iterator[str]:
        for (entry_id,) in self.db.execute("SELECT id FROM rows WHERE first AND voids = ''"):
            yield entry_id

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM rows WHERE first").fetchone()[0]

    def problems(self, months: Iterable[str] | None = None) -> list[Problem]:
        """What the careful reader reports of the files of ``months`` (every file: None),
        in its order: a file's own problems, then each line's."""
        files = [] if months is None else sorted(f"{logfile.LOGS_DIR}/{m}.csv" for m in months)
        chosen = "TRUE" if months is None else f"file IN ({', '.join('?' * len(files))})"
        arg = tuple(files)
        found: list[tuple[tuple, Problem]] = []
        for rel, line, message, hint, severity, wrong in self.db.execute(
                f"""SELECT * FROM problems AS p WHERE ({chosen}) AND (NOT misplaced OR EXISTS
                (SELECT 1 FROM rows AS r WHERE r.file = p.file AND r.line = p.line AND
                r.first))""", arg):
            found.append(((rel, line or 0, wrong), Problem(Location(rel, line), message, hint,
                                                           severity)))
        for rel, line, entry_id, at, at_line in self.db.execute(f"""SELECT r.file, r.line,
                r.id, w.file, w.line FROM rows AS r INDEXED BY rows_later JOIN rows AS w ON
                w.id = r.id AND w.first WHERE NOT r.first AND ({chosen.replace('file',
                'r.file')}) AND (r.recorded_at, r.date, r.person, r.duty, r.channel,
                r.metric, r.value, r.minutes, r.url, r.note, r.voids) IS NOT (w.recorded_at,
                w.date, w.person, w.duty, w.channel, w.metric, w.value, w.minutes, w.url,
                w.note, w.voids)""", arg):
            found.append(((rel, line, 1), Problem(
                Location(rel, line),
                f"id {entry_id} was already logged at {Location(at, at_line)} with "
                "different content; this row is not counted",
                hint="void one of them and log the right entry again")))
        found.sort(key=lambda item: item[0])
        return [problem for _, problem in found]

    def suspects(self, people: set[str], metrics: set[str], duties: set[str], start: date,
                 today: date) -> Iterator[tuple[Entry, Location, bool]]:
        """The first rows of their ids that ``doctor`` may find wrong, in log order: naming
        a person, metric or duty not in these sets, dated before ``start`` or after
        ``today``, and every void row, with whether it voids an id the log does not hold.
        A voided row counts for nothing and is left out: voiding is how a mistake is
        settled, since no row is ever edited."""
        lost = "voids != '' AND NOT EXISTS (SELECT 1 FROM rows AS t WHERE t.id = rows.voids"
        query = f"""SELECT {ENTRY}, file, line, {lost} AND t.first) FROM rows WHERE first AND
            (counted OR voids != '') AND (person NOT IN (SELECT value FROM json_each(?1)) OR
            (voids = '' AND metric NOT IN (SELECT value FROM json_each(?2))) OR (duty != ''
            AND duty NOT IN (SELECT value FROM json_each(?3))) OR voids != '' OR date < ?4
            OR date > ?5) ORDER BY file, line"""
        args = [_json_list(known) for known in (people, metrics, duties)]
        for row in self.db.execute(query, [*args, start.isoformat(), today.isoformat()]):
            yield entry_of(row), Location(row[12], row[13]), bool(row[14])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LogIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _case(whens: list[str]) -> str:
    """A row's value per metric (``WHEN :m THEN ...``), 0 for any other; SQL has no CASE
    without a WHEN."""
    return f"CASE r.metric {' '.join(whens)} ELSE 0 END" if whens else "0"


def _to_read(stats: dict[str, tuple], known: dict[str, tuple]) -> tuple[int, int]:
    """How many bytes of the files (``stats``: size, mtime_ns, inode) a refresh reads, and
    how many the index holds of them already (``known``: the files table)."""
    held = reading = 0
    for rel, stat in stats.items():
        size, old = max(stat[0], 0), known.get(rel)
        if old is None:
            reading += size
        elif old[:3] == stat:
            held += old[3]
        elif size >= old[3]:  # an append, most likely: read from the offset
            held, reading = held + old[3], reading + size - old[3]
        else:
            reading += size
    return reading, held


class IndexBusy(DutyctlError):
    """Another process holds the index's write lock for longer than we wait."""


class _NotRead(Exception):
    """A file that is not read (its problem says why)."""


def _hash(handle, start: int, end: int, hasher) -> None:
    handle.seek(start)
    left = end - start
    while left > 0:
        block = handle.read(min(left, 1 << 20))
        if not block:
            break
        hasher.update(block)
        left -= len(block)


def _after_last_newline(handle, start: int, end: int) -> int:
    """Where the last line ending between ``start`` and ``end`` ends (``start``: none)."""
    while end > start:
        begin = max(start, end - (1 << 16))
        handle.seek(begin)
        at = handle.read(end - begin).rfind(b"\n")
        if at >= 0:
            return begin + at + 1
        end = begin
    return start

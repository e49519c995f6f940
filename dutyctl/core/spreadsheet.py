"""What a spreadsheet does to a log file when it saves it, and how to undo it. Pure.

Opened and saved again in Excel, LibreOffice or Numbers, ``logs/2026-11.csv`` can come
back in another encoding (UTF-16 with a byte-order mark, Windows-1252), with ``;`` or
tab separators (the list separator of many locales), with CR-only or CRLF line ends,
and with its header re-cased or its columns reordered or dropped. The log reader then
sees a wrong header and reads no row of that file. :func:`diagnose` says which of
these happened; :func:`canonical_rows` gives the file's rows back in the log's own
columns, every row kept, so that ``dutyctl doctor --fix`` can write the file again in
dutyctl's format. Cells are returned exactly as the file holds them: a value a
spreadsheet changed (``1,5`` for 1.5, a date as ``24/11/2026``) stays as it is, the
reader refuses that row, and ``doctor --fix`` moves it to quarantine with the rest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from dutyctl.core.entries import HEADER

# Without these a row means nothing; the others may be absent and are written empty.
REQUIRED = ("id", "recorded_at", "date", "person", "metric", "value")
_SEPARATORS = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True)
class Resaved:
    """How a log file differs from what dutyctl writes, and whether that can be undone."""

    encoding: str  # a Python codec name
    separator: str
    columns: tuple[int | None, ...]  # for each HEADER column, its index in the file
    changes: tuple[str, ...]  # what differs, in words
    blocker: str | None  # why the file cannot be rewritten without losing something

    @property
    def repairable(self) -> bool:
        return self.blocker is None

    def summary(self) -> str:
        return "; ".join(self.changes)


def _decode(data: bytes) -> tuple[str, str, list[str]] | None:
    changes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, words = "utf-16", "UTF-16 with a byte-order mark"
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding, words = "utf-16-le", "UTF-16 without a byte-order mark"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding, words = "utf-8-sig", ""
    else:
        encoding, words = "utf-8", ""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            return None
        # Excel's "CSV" on Windows writes the ANSI code page.
        encoding, words = "cp1252", "Windows-1252 encoding instead of UTF-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            return None
    if words:
        changes.append(words)
    return encoding, text, changes


def _line_end_change(text: str) -> str | None:
    if "\r" in text and "\n" not in text:
        return "CR-only line ends (an old Mac format)"
    return None


def _header_cells(first_line: str, separator: str) -> list[str]:
    return next(csv.reader([first_line], delimiter=separator), [])


def _normal(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_")


def diagnose(data: bytes) -> Resaved | None:
    """How ``data`` (a whole month file) was re-saved; None if it is not a re-saved log.

    None covers both a file in dutyctl's own format and one that is no log at all
    (no separator gives a header made of the log's column names).
    """
    decoded = _decode(data)
    if decoded is None:
        return None
    encoding, text, changes = decoded
    line_end = _line_end_change(text)
    first_line = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    best: tuple[int, str, list[str]] | None = None
    for separator in _SEPARATORS:
        names = [_normal(cell) for cell in _header_cells(first_line, separator)]
        known = sum(1 for name in names if name in HEADER)
        if best is None or known > best[0]:
            best = (known, separator, names)
    assert best is not None
    known, separator, names = best
    if known < len(REQUIRED) or not set(REQUIRED) <= set(names):
        if known >= 3:  # recognisably the log's header, but what it needs is gone
            missing = [name for name in REQUIRED if name not in names]
            return Resaved(
                encoding,
                separator,
                (),
                tuple(changes),
                f"the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing",
            )
        return None
    raw_names = [cell.strip() for cell in _header_cells(first_line, separator)]
    if separator != ",":
        changes.append(f"{_SEPARATORS[separator]} separators instead of ','")
    if line_end:
        changes.append(line_end)
    if any(raw != raw.lower() for raw in raw_names):
        changes.append("the header's column names re-cased")
    present = [name for name in names if name in HEADER]
    if present != [name for name in HEADER if name in present]:
        changes.append("columns in another order")
    missing = [name for name in HEADER if name not in names]
    if missing:
        changes.append(f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} left out")
    blocker = None
    unknown = [raw for raw, name in zip(raw_names, names, strict=True) if name not in HEADER]
    twice = sorted({name for name in present if present.count(name) > 1})
    if unknown:
        blocker = f"it has columns the log does not know ({', '.join(unknown)})"
    elif twice:
        blocker = f"the column{'s' if len(twice) > 1 else ''} {', '.join(twice)} appear twice"
    if not changes and blocker is None:
        return None  # dutyctl's own header: whatever is wrong is in the rows
    columns = tuple(names.index(name) if name in names else None for name in HEADER)
    return Resaved(encoding, separator, columns, tuple(changes), blocker)


def canonical_rows(data: bytes, resaved: Resaved) -> list[list[str]]:
    """Every row of ``data`` after the header, its cells in :data:`HEADER` order.

    A row with more or fewer cells than the header keeps its cells in the file's order
    (which cell is which cannot be known), so that the reader names it and quarantine
    keeps it whole.
    """
    if not resaved.repairable:
        raise ValueError(f"not repairable: {resaved.blocker}")
    text = data.decode(resaved.encoding)
    if resaved.encoding == "utf-16" or text.startswith("\ufeff"):
        text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=resaved.separator)
    width = max((i for i in resaved.columns if i is not None), default=-1) + 1
    rows: list[list[str]] = []
    for number, cells in enumerate(reader):
        if number == 0 or not cells or cells == [""]:
            continue  # the header, and blank lines a spreadsheet adds at the end
        if len(cells) != width:
            rows.append(cells)
            continue
        rows.append(["" if i is None else cells[i] for i in resaved.columns])
    return rows

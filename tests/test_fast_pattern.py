"""The ordinary-row pattern matches, and splits, every line exactly as the pattern it
replaced did. A text cell was an optional group and is now a lookahead and a possessive
run; optional parts were "(?:X)?" and are "(?:X|)"; fixed-width digits were "[0-9]{4}"
and are spelled out. The regular expression engine reads a month file a third faster."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dutyctl.store import logcache, logfile

_ID = r"[0-9A-Za-z][0-9A-Za-z._:-]{0,63}"
_TEXT = r"(?:[^,\"'\\\x00-\x1f][^,\"\\\x00-\x1f]*)?"  # the cell as the former pattern read it
_NUMBER = r"[0-9]{1,12}(?:\.[0-9]{1,20})?"  # under 10^12 (entries.MAX_NUMBER)


def former_pattern(captured: frozenset[int], quoted_note: bool) -> str:
    note = rf'(?:{_TEXT}|"(?:[^"\\\x00-\x1f]|"")*")' if quoted_note else _TEXT
    columns = (
        _ID,
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z",
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
        _TEXT, _TEXT, _TEXT, _TEXT, _NUMBER, f"(?:{_NUMBER})?", _TEXT, note, f"(?:{_ID})?",
    )
    return ",".join(
        f"({column})" if number in captured else f"(?:{column})"
        for number, column in enumerate(columns)
    )


# Cells near the edges of what each column may hold: quotes, a leading ', backslashes,
# control characters, commas, blanks, non-ASCII; ids, times, dates and numbers.
EDGES = ["", "farid", "'x", "x'", "''", '"a, b"', '"say ""hi"""', '"x', "a\\b",
                     "01JD0000000000000000000001", "2026-11-24T08:00:00Z",
                     "2026-11-24T08:00:00.123456Z", "2026-11-24T08:00:00.Z", "2026-1-24",
                     "2026-11-24T08:00:00.1234567Z", "20261-11-24", "2026-11-24T8:00:00Z",
                     "12", "0.5", "1.", ".5", "1" * 12, "1" * 13, "1" * 20, "1" * 21,
                     "1." + "2" * 20, "1." + "2" * 21,
                     "x" * 63, "x" * 64, "x" * 65, "a.b:c-d_e", "-a", "ü", "a\x00", "a\tb", " "]
CELL = st.one_of(st.text(alphabet="ab'\"\\,\t\r\x00\x1f ü-.:T0Z", max_size=6),
                 st.sampled_from(EDGES))
SHAPE = ["01JD0000000000000000000001", "2026-11-24T08:00:00Z", "2026-11-24", "farid", "",
         "twitter", "photo", "1", "", "", "", ""]


@st.composite
def lines(draw) -> str:
    cells = draw(st.lists(CELL, min_size=10, max_size=14))
    # Mostly a row of the right shape, so that both patterns match now and then.
    if draw(st.booleans()):
        shape = list(SHAPE)
        for at, cell in enumerate(cells[:12]):
            if draw(st.integers(0, 3)) == 0:
                shape[at] = cell
        cells = shape
    return ",".join(cells)


PATTERNS = [
    (frozenset(range(12)), False),
    (logcache._SUMMED, True),
    (frozenset((0, 2, 3)), True),
]


def _same_as_before(line: str) -> None:
    for captured, quoted_note in PATTERNS:
        now = re.fullmatch(logfile.fast_row_pattern(captured, quoted_note), line)
        before = re.fullmatch(former_pattern(captured, quoted_note), line)
        assert (now and now.groups()) == (before and before.groups()), line


def test_every_edge_cell_in_every_column_reads_as_before() -> None:
    for at in range(12):
        for cell in EDGES:
            _same_as_before(",".join([*SHAPE[:at], cell, *SHAPE[at + 1 :]]))


@settings(max_examples=1500, deadline=None)
@given(lines())
@example("01JD0000000000000000000001,2026-11-24T08:00:00Z,2026-11-24,'farid,,x,photo,1,,,,")
@example("01JD0000000000000000000001,2026-11-24T08:00:00Z,2026-11-24,f'arid,,x,photo,1,,,,")
@example("a,2026-11-24T08:00:00Z,2026-11-24,farid,,x,photo,1,,,'\"a, b\",")
def test_the_row_pattern_reads_every_line_as_before(line: str) -> None:
    _same_as_before(line)


@settings(max_examples=300, deadline=None)
@given(st.lists(lines(), max_size=8))
def test_the_block_finder_splits_every_block_as_before(block: list[str]) -> None:
    text = "\n".join(block) + "\n"
    now = logcache._line_finder(logcache._SUMMED)(text)
    before = re.compile(
        f"^(?:{former_pattern(logcache._SUMMED, True)})$|^(.*)$", re.MULTILINE
    ).findall(text)
    assert now == before

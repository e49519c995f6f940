"""Bars and sparklines for reports, drawn as Rich text.

``fancy`` (a terminal, or an HTML/SVG export) draws with block characters; otherwise
the charts are plain ASCII (``#`` bars, a ``_.-=+*#`` ramp), so that a pipe, a log
file or a chat message shows them the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from dutyctl.render import escape, visible

_BLOCKS = " ▁▂▃▄▅▆▇█"
_RAMP = " _.-=+*#"
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, top: float, width: int = 30, *, fancy: bool, style: str = "") -> Text:
    """A horizontal bar of ``value`` out of ``top`` in ``width`` cells."""
    if top <= 0 or value <= 0:
        return Text("")
    share = min(value / top, 1.0)
    if not fancy:
        cells = round(share * width)
        return Text("#" * max(cells, 1), style=style)
    eighths = max(round(share * width * 8), 1)
    full, rest = divmod(eighths, 8)
    return Text("█" * full + (_EIGHTHS[rest] if rest else ""), style=style)


def sparkline(values: Sequence[float], *, fancy: bool, style: str = "") -> Text:
    """One character per value, taller for larger values (blank for zero)."""
    ramp = _BLOCKS if fancy else _RAMP
    top = max(values, default=0)
    if top <= 0:
        return Text((ramp[1] if fancy else "_") * len(values), style=style)
    steps = len(ramp) - 1
    chars = [ramp[0] if v <= 0 else ramp[max(1, round(v / top * steps))] for v in values]
    return Text("".join(chars), style=style)


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    fancy: bool,
    top: float | None = None,
    width: int = 30,
    style: str = "cyan",
) -> Table:
    """Labelled bars: rows of (label, value, value as text)."""
    grid = Table.grid(padding=(0, 1))
    grid.title = escape(title)
    grid.title_justify = "left"
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    highest = top if top is not None else max((v for _, v, _ in rows), default=0)
    for label, value, shown in rows:
        drawn = bar(value, highest, width, fancy=fancy, style=style)
        grid.add_row(Text(visible(label)), escape(shown), drawn)
    return grid

"""Rendering for people (Rich) and for programs (JSON, CSV). The only place Rich is used.

Colour only on a terminal; ``NO_COLOR`` (any value) and ``--no-color`` turn it off.

Text from the plan, the log and the environment is data, never markup and never a
terminal command: every such string goes through :func:`escape` before it reaches
Rich markup (a name like ``[bold]Farid[/]`` prints as written) and through
:func:`visible` in plain text, which shows control characters (``\x1b``, ``\n``)
instead of letting the terminal obey them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from dutyctl.errors import DutyctlError, Problem

if TYPE_CHECKING:
    from rich.console import Console

_settings = {"color": True, "quiet": False}

# C0 and C1 control characters and DEL (ESC starts a terminal's escape sequences), shown
# as Python writes them; a tab and line breaks keep their short names.
_SHOWN = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_SHOWN.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})


def visible(text: object) -> str:
    """``text`` with its control characters shown (``\\x1b``), for any terminal output."""
    return str(text).translate(_SHOWN)


def visible_lines(text: str) -> str:
    """Lines of text for a terminal, each with its control characters shown: the line
    breaks between them stay line breaks."""
    return "\n".join(visible(line) for line in text.split("\n"))


def escape(text: object) -> str:
    """``text`` as data inside Rich markup: control characters shown, markup escaped.
    The one way a plan, log or environment string reaches a Rich string."""
    from rich.markup import escape as markup_escape

    return markup_escape(visible(text))


def configure(*, color: bool | None = None, quiet: bool | None = None) -> None:
    if color is not None:
        _settings["color"] = color
    if quiet is not None:
        _settings["quiet"] = quiet


def quiet() -> bool:
    return bool(_settings["quiet"])


@cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class OneRuleForBrokenPipes(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1 itself; the CLI ends every command the same way when its
            # reader goes away (`| head`), quietly and with 0 (cli.common).
            self.quiet = True
            raise BrokenPipeError

    return OneRuleForBrokenPipes


def console(*, stderr: bool = False, file: IO[str] | None = None, record: bool = False,
            pipe_width: int = 100) -> Console:
    """A console on stdout (or stderr, or ``file``): the terminal's width, else
    ``$COLUMNS``, else ``pipe_width``."""
    no_color = not _settings["color"] or "NO_COLOR" in os.environ
    stream = file or (sys.stderr if stderr else sys.stdout)
    return _console_class()(
        file=stream,
        no_color=no_color,
        highlight=False,
        emoji=False,
        record=record,
        soft_wrap=stderr,  # messages stay one line each, for grep and for cron mail
        width=None if stream.isatty() or "COLUMNS" in os.environ else pipe_width,
    )


def table(*columns: str, title: str | None = None, **options: Any):
    """A table that is boxed on a terminal and plain, stable text in a pipe."""
    from rich import box
    from rich.table import Table

    boxed = sys.stdout.isatty()
    result = Table(
        title=title,
        box=box.ROUNDED if boxed else box.SIMPLE_HEAD,
        title_justify="left",
        header_style="bold" if boxed else "",
        **options,
    )
    for column in columns:
        result.add_column(column)
    return result


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback ``(done, total)`` drawing a bar on a terminal's stderr.

    Yields None (draw nothing) when stderr is not a terminal or with --quiet, so
    pipes, cron mail and tests see no bar. The bar (and Rich's progress module) starts
    at the first call: a command that has nothing long to do never draws one.
    """
    if quiet() or not sys.stderr.isatty():
        yield None
        return
    shown: list = []  # the Progress and its task, once started

    def update(done: int, total: int) -> None:
        if not shown:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

            bar = Progress(
                f"[bold]{escape(description)}",
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=console(stderr=True),
                transient=True,
            )
            shown.extend((bar, bar.add_task(description, total=total or None)))
            bar.start()
        shown[0].update(shown[1], completed=done, total=total or None)

    try:
        yield update
    finally:
        if shown:
            shown[0].stop()


def write_json(data: Any, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    import json  # not at the top: `dutyctl today` in text prints no JSON

    out.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def write_json_array(items: Iterable[Any], out: IO[str] | None = None) -> None:
    """What :func:`write_json` writes of ``list(items)``, byte for byte, one item at a
    time: a long listing is never held."""
    out = out or sys.stdout
    import gc
    import json

    # json's encoder with an indent is Python whose every call leaves a reference cycle;
    # with the collector off for the command (cli.main) 300,000 calls held 860 MB.
    collecting = gc.isenabled()
    gc.enable()
    try:
        opening = "["
        for item in items:
            text = json.dumps(item, indent=2, ensure_ascii=False)
            out.write(opening + "\n  " + text.replace("\n", "\n  "))
            opening = ","
        out.write("[]\n" if opening == "[" else "\n]\n")
    finally:
        if not collecting:
            gc.disable()


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str] | None = None
) -> None:
    import csv

    from dutyctl.core.entries import neutralise

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        return neutralise(value) if isinstance(value, str) else value

    # RFC 4180 line ends: with "\r\n" as the terminator the writer quotes every cell
    # holding a CR or an LF, so no spreadsheet starts a row (or a formula) inside one.
    writer = csv.writer(out or sys.stdout, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])


def print_error(exc: DutyctlError) -> None:
    """Every problem an error carries, then the error itself, on stderr."""
    err = console(stderr=True)
    for problem in exc.problems:
        print_problem(problem, err)
    if not exc.problems or exc.message:
        head = f"{exc.location}: " if exc.location else ""
        err.print(f"[bold red]error:[/] {escape(head + exc.message)}")
        if exc.hint:
            err.print(f"  hint: {escape(exc.hint)}")


def print_problem(problem: Problem, out: Console | None = None) -> None:
    out = out or console(stderr=True)
    style = "bold red" if problem.severity == "error" else "bold yellow"
    head = f"{problem.location}: " if problem.location else ""
    out.print(
        f"{escape(head)}[{style}]{problem.severity}:[/] {escape(problem.message)}", soft_wrap=True
    )
    if problem.hint:
        out.print(f"  hint: {escape(problem.hint)}", soft_wrap=True)


def print_log_problems(problems, out: Console | None = None) -> None:
    """A command's warnings about the log, then one line that sends the reader to doctor."""
    if not problems:
        return
    out = out or console(stderr=True)
    for problem in problems:
        print_problem(problem, out)
    count = len(problems)
    out.print(
        f"{count} problem{'s' if count != 1 else ''} in the log: `dutyctl doctor` checks "
        "every file and says what to do",
        soft_wrap=True,
    )

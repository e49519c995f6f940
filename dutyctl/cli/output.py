"""One place that sends a command's result to the renderer for the chosen format."""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from pathlib import Path


def emit(result, kind: str, format: str, output: Path | None) -> None:
    format = str(format)
    if output is None:
        _render(result, kind, format)
        return
    if format == "ics":
        from dutyctl.render.export import rendered_bytes

        output.write_bytes(rendered_bytes(result, kind, format))
        return
    with open(output, "w", encoding="utf-8", newline="") as handle, redirect_stdout(handle):
        _render(result, kind, format)


def _render(result, kind: str, format: str) -> None:
    from dutyctl.render.export import render

    render(result, kind, format, sys.stdout)

"""One place that sends a command's result to the renderer for the chosen format."""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from pathlib import Path


def emit(result, kind: str, format: str, output: Path | None) -> None:
    """``output`` is checked already (:func:`dutyctl.cli.common.output_arg`); it is
    replaced whole or not at all."""
    format = str(format)
    if output is None:
        _render(result, kind, format)
        return
    from dutyctl.store.safefiles import output_file

    if format == "ics":
        from dutyctl.render.export import rendered_bytes

        data = rendered_bytes(result, kind, format)
        with output_file(output, binary=True) as handle:
            handle.write(data)
        return
    with output_file(output) as handle, redirect_stdout(handle):
        _render(result, kind, format)


def _render(result, kind: str, format: str) -> None:
    from dutyctl.render.export import render

    render(result, kind, format, sys.stdout)

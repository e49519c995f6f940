"""Dispatch from (result kind, format) to the renderer: one data structure, many formats."""

from __future__ import annotations

import io
from typing import IO


def rendered_bytes(result, kind: str, format: str) -> bytes:
    if kind == "rotation" and format == "ics":
        from dutyctl.clock import utc_now
        from dutyctl.render.ics import rotation_ics

        return rotation_ics(
            result.plan, result.assignments, utc_now().replace(microsecond=0), result.person
        )
    raise ValueError(f"no bytes for {kind}/{format}")


def slots_json(assignments) -> str:
    """``write_json`` of the slots' ``slot_record`` list, byte for byte, written directly
    (json's indented output runs its pure-Python encoder, a call per value)."""
    from json.encoder import encode_basestring  # what json.dumps uses without ensure_ascii

    from dutyctl.render import write_json

    names: dict[str, str] = {}

    def text(value: str) -> str:
        found = names.get(value)
        if found is None:
            found = names[value] = encode_basestring(value)
        return found

    parts = []
    for a in assignments:
        if a.override is not True and a.override is not False:
            buffer = io.StringIO()  # not a plain record: the general writer
            from dutyctl.agenda import slot_record

            write_json([slot_record(x) for x in assignments], buffer)
            return buffer.getvalue()
        people = (
            "[\n      " + ",\n      ".join([text(p) for p in a.people]) + "\n    ]"
            if a.people
            else "[]"
        )
        parts.append(
            '  {\n    "duty": ' + text(a.duty)
            + ',\n    "start": ' + text(a.start.isoformat())
            + ',\n    "end": ' + text(a.end.isoformat())
            + ',\n    "people": ' + people
            + ',\n    "override": ' + ("true" if a.override else "false") + "\n  }"
        )
    return ("[\n" + ",\n".join(parts) + "\n]\n") if parts else "[]\n"


def render(result, kind: str, format: str, out: IO[str]) -> None:
    from dutyctl.render import write_csv, write_json
    from dutyctl.serialize import jsonable

    if kind == "rotation":
        from dutyctl.agenda import slot_record
        from dutyctl.render import rotation as r

        if format == "json" and not result.explain and result.stats is None:
            out.write(slots_json(result.assignments))
        elif format == "json":
            slots = [
                {**slot_record(a), "why": a.why} if result.explain else slot_record(a)
                for a in result.assignments
            ]
            if result.stats is None:
                write_json(slots, out)
            else:
                write_json({"slots": slots, "stats": jsonable(result.stats)}, out)
        elif format == "csv":
            write_csv(
                ["duty", "start", "end", "people", "override"],
                (
                    [
                        a.duty,
                        a.start.isoformat(),
                        a.end.isoformat(),
                        " ".join(a.people),
                        "yes" if a.override else "",
                    ]
                    for a in result.assignments
                ),
                out,
            )
        elif format == "md":
            out.write(r.rotation_markdown(result.plan, result.assignments))
        elif format == "ics":
            out.flush()
            stream = getattr(out, "buffer", None)
            data = rendered_bytes(result, kind, format)
            stream.write(data) if stream is not None else out.write(data.decode("utf-8"))
        else:
            r.rotation_table(
                result.plan,
                result.assignments,
                result.start,
                result.end,
                result.today,
                explain=result.explain,
            )
            if result.stats is not None:
                r.stats_table(result.plan, result.stats)
    elif kind == "today":
        from dutyctl.render.text import today_text

        view = dict(result.view)
        if format == "json":
            write_json(
                jsonable(
                    {
                        "date": view["date"],
                        "duties": [
                            {k: d[k] for k in ("duty", "start", "end", "people", "kpi")}
                            for d in view["duties"]
                        ],
                        "review_today": view["review_today"],
                        "next_review": view["next_review"],
                    }
                ),
                out,
            )
        else:
            out.write(today_text(result.plan, view))
    elif kind == "who":
        from dutyctl.render.rotation import upcoming_table

        if format == "json":
            write_json(jsonable(result.view), out)
        else:
            upcoming_table(result.plan, result.view)
    elif kind == "plan":
        from dutyctl.render.plan import show_plan

        write_json(result.view, out) if format == "json" else show_plan(result.view)
    else:
        raise ValueError(f"no renderer for {kind}")

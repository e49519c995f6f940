"""Dispatch from (result kind, format) to the renderer: one data structure, many formats."""

from __future__ import annotations

from typing import IO


def rendered_bytes(result, kind: str, format: str) -> bytes:
    if kind == "rotation" and format == "ics":
        from dutyctl.render.ics import rotation_ics
        from dutyctl.store.clock import utc_now

        return rotation_ics(
            result.plan, result.assignments, utc_now().replace(microsecond=0), result.person
        )
    raise ValueError(f"no bytes for {kind}/{format}")


def slots_json(rows) -> str:
    """``write_json`` of the slot records, byte for byte, from the plain rows of
    :func:`dutyctl.core.agenda.slot_rows`, written directly (json's indented output runs its
    pure-Python encoder, a call per value)."""
    from json.encoder import encode_basestring  # what json.dumps uses without ensure_ascii

    names: dict[str, str] = {}

    def text(value: str) -> str:
        found = names.get(value)
        if found is None:
            found = names[value] = encode_basestring(value)
        return found

    parts = []
    for duty, start, end, people, override in rows:
        listed = "[\n      " + ",\n      ".join([text(p) for p in people]) + "\n    ]"
        parts.append(
            '  {\n    "duty": ' + text(duty)
            + ',\n    "start": ' + text(start)
            + ',\n    "end": ' + text(end)
            + ',\n    "people": ' + (listed if people else "[]")
            + ',\n    "override": ' + ("true" if override else "false") + "\n  }"
        )
    return ("[\n" + ",\n".join(parts) + "\n]\n") if parts else "[]\n"


def _rows(result) -> list:
    """The slot rows of a rotation result: cached ones, or made from its assignments."""
    if result.rows is not None:
        return result.rows
    from dutyctl.core.agenda import slot_rows

    return slot_rows(result.assignments)


def render(result, kind: str, format: str, out: IO[str]) -> None:
    from dutyctl.core.serialize import jsonable
    from dutyctl.render import write_csv, write_json

    if kind == "rotation":
        if format == "json" and not result.explain and result.stats is None:
            out.write(slots_json(_rows(result)))
        elif format == "json":
            from dutyctl.core.agenda import slot_record

            slots = [
                {**slot_record(a), "why": a.why} if result.explain else slot_record(a)
                for a in result.assignments
            ]
            if result.stats is None:
                write_json(slots, out)
            else:
                write_json(
                    {
                        "slots": slots,
                        "stats": jsonable(result.stats),
                        "load": jsonable(result.load),
                    },
                    out,
                )
        elif format == "csv":
            write_csv(
                ["duty", "start", "end", "people", "override"],
                (
                    [duty, start, end, " ".join(people), "yes" if override else ""]
                    for duty, start, end, people, override in _rows(result)
                ),
                out,
            )
        elif format == "md":
            from dutyctl.render import rotation as r

            out.write(r.rotation_markdown(result.plan, result.assignments))
        elif format == "ics":
            out.flush()
            stream = getattr(out, "buffer", None)
            data = rendered_bytes(result, kind, format)
            stream.write(data) if stream is not None else out.write(data.decode("utf-8"))
        else:
            from dutyctl.render import rotation as r

            r.rotation_table(
                result.plan,
                result.assignments,
                result.start,
                result.end,
                result.today,
                explain=result.explain,
            )
            if result.stats is not None:
                r.stats_table(result.plan, result.stats, result.load)
    elif kind == "today":
        from dutyctl.render.text import today_text

        view = dict(result.view)
        if format == "json":
            write_json(
                jsonable(
                    {
                        "date": view["date"],
                        "duties": [
                            {
                                **{k: d[k] for k in ("duty", "start", "end", "people", "kpi",
                                                     "kpi_max", "due", "due_today",
                                                     "due_moves")},
                            }
                            for d in view["duties"]
                        ],
                        "review_today": view["review_today"],
                        "next_review": view["next_review"],
                        "next_review_moved_from": view["next_review_moved_from"],
                        "next_review_moved_because": view["next_review_moved_because"],
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

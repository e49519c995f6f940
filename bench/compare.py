"""bench/results.md from two result files of bench/run.py: BEFORE's figures beside AFTER's.

Usage: python bench/compare.py BEFORE.json [AFTER.json] [-o bench/results.md]
(without AFTER, the BEFORE figures alone; ``bench/run.py --compare BEFORE.json`` renders
with the run it has just made). Also the verdict and the plain table of one run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

Row = dict[str, object]


def verdict(row: Row) -> str:
    """pass, FAIL, timeout, error, or "" for a case without a target."""
    if row["status"] != "ok":
        return str(row["status"])
    checks = []
    ratio, ratio_target = row.get("ratio"), row.get("ratio_target")
    if isinstance(ratio, float | int) and isinstance(ratio_target, float | int):
        checks.append(ratio <= ratio_target)
    peak, mb_target = row.get("peak_mb"), row.get("mb_target")
    if isinstance(peak, float | int) and isinstance(mb_target, float | int):
        checks.append(peak <= mb_target)
    if not checks:
        return ""
    return "pass" if all(checks) else "FAIL"


def target(row: Row) -> str:
    parts = []
    if row.get("ratio_target") is not None:
        parts.append(f"<= {row['ratio_target']:g}x")
    if row.get("mb_target") is not None:
        parts.append(f"<= {row['mb_target']:g} MB")
    return ", ".join(parts)


def to(row: Row) -> str:
    reference = row.get("reference")
    return str(reference).split(": ", 1)[1] if reference else ""


def figures(row: Row | None) -> list[str]:
    """median, min-max, peak MB, ratio, verdict."""
    if row is None:
        return ["", "", "", "", ""]
    if row["status"] != "ok" and not row["times_ms"]:
        return [str(row["status"]), "", "", "", str(row["status"])]

    def number(key: str) -> str:
        value = row.get(key)
        return "" if value is None else f"{value:.0f}"

    span = f"{number('min_ms')}-{number('max_ms')}" if row.get("min_ms") is not None else ""
    ratio = "" if row.get("ratio") is None else f"{row['ratio']:.2f}x"
    if row.get("cpu_ratio") is not None:
        ratio += f" (CPU {row['cpu_ratio']:.2f}x)"
    return [number("median_ms"), span, number("peak_mb"), ratio, str(row["verdict"])]


def plain_table(rows: list[Row]) -> str:
    lines = ["| case | median ms | min-max ms | peak MB | ratio | to | target | result |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for row in rows:
        median, span, peak, ratio, result = figures(row)
        lines.append(f"| {row['id']} | {median} | {span} | {peak} | {ratio} | {to(row)} | "
                     f"{target(row)} | {result} |")
    return "\n".join(lines)


def _about(label: str, run: dict[str, object]) -> str:
    checkout = run["dutyctl"]
    load = run["load"]
    assert isinstance(checkout, dict) and isinstance(load, dict)
    dirty = " (with uncommitted changes)" if checkout.get("dirty") == "yes" else ""
    minutes = float(str(run["seconds"])) / 60
    return (f"- **{label}**: dutyctl at `{str(checkout.get('commit', ''))[:10]}` "
            f"({checkout.get('subject', '')}){dirty}; {run['started']}, {run['python']}, "
            f"{run['machine']}; {run['runs']} runs per case; the whole bench took "
            f"{minutes:.0f} min (with the data generation when its cache was empty); "
            f"load average (1 min) during the run {load['min']:.1f}-{load['max']:.1f}, "
            f"median {load['median']:.1f}.")


def render(before: dict[str, object], after: dict[str, object] | None = None) -> str:
    runs = [("before", before)] + ([("after", after)] if after is not None else [])
    shapes = dict(before["shapes"])  # type: ignore[call-overload]
    if after is not None:
        shapes.update(after["shapes"])  # type: ignore[call-overload]
    out = [
        "# Benchmark results",
        "",
        "`python3 tasks.py bench` (bench/run.py; bench/README.md says how to re-run it). "
        "Every case is a fresh process of the dutyctl CLI; a group (start-up, or one shape "
        "of data) runs round-robin, one run of each case per round, so that a busy machine "
        "slows a case and its reference alike. Medians over the runs; peak MB is the "
        "child's peak RSS. Report cases run with DUTYCTL_TODAY pinned to "
        f"{before['today']}; `today` and `log` at start-up on the clock. Cold: no "
        ".dutyctl-cache; warm: the same command ran before; after one `log`: one entry "
        "appended with `dutyctl log` since the command last ran. The machine is shared "
        "(2 CPUs, other agents at work): compare ratios, not milliseconds. Where a case "
        "and its reference are both single-threaded (not DuckDB), the ratio of their "
        "median CPU times (user + system) follows in brackets: the steadier figure when "
        "other work shares the machine; the verdict is on wall time.",
        "",
        *(_about(label, run) for label, run in runs),
        "",
        "| shape | data | entries | month files | MB of CSV |",
        "|---|---|---:|---:|---:|",
        *(f"| {key} | {info['title']} | {info['entries']:,} | {info['months']} | {info['mb']} |"
          for key, info in sorted(shapes.items())),
        "",
    ]
    by_run = [{str(r["id"]): r for r in run["cases"]} for _, run in runs]  # type: ignore[attr-defined]
    ids: list[str] = []
    for table in reversed(by_run):
        ids += [i for i in table if i not in ids]
    groups: list[str] = []
    for case_id in ids:
        group = case_id.split(": ", 1)[0]
        if group not in groups:
            groups.append(group)
    heads = [label for label, _ in runs]
    columns = " | ".join(f"{h} ms | {h} min-max | {h} MB | {h} ratio | {h}" for h in heads)
    for group in groups:
        title = "start-up" if group == "startup" else f"{group}. {shapes[group]['title']}"
        out += [f"## {title}", "", f"| case | target | to | {columns} |",
                "|---|---|---|" + "---:|---:|---:|---:|---|" * len(heads)]
        for case_id in ids:
            if case_id.split(": ", 1)[0] != group:
                continue
            rows = [table.get(case_id) for table in by_run]
            known = next(r for r in rows if r is not None)
            cells = [c for row in rows for c in figures(row)]
            out.append(f"| {known['name']} | {target(known)} | {to(known)} | "
                       + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?")
    parser.add_argument("-o", "--output", type=Path,
                        default=Path(__file__).resolve().parent / "results.md")
    args = parser.parse_args()
    before = json.loads(args.before.read_text(encoding="utf-8"))
    after = json.loads(args.after.read_text(encoding="utf-8")) if args.after else None
    args.output.write_text(render(before, after), encoding="utf-8")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()

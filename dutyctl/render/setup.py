"""Output of `dutyctl init` and `dutyctl plan check`."""

from __future__ import annotations

from rich.markup import escape

from dutyctl.core.model import Plan
from dutyctl.errors import Problem
from dutyctl.render import console, print_problem, quiet, write_json
from dutyctl.store.scaffold import InitResult


def init_done(result: InitResult) -> None:
    if quiet():
        return
    out = console()
    out.print(f"Created a duty repository in {escape(str(result.root))}")
    for name in result.created:
        out.print(f"  created  {escape(name)}")
    for name in result.extended:
        out.print(f"  extended {escape(name)}")
    if result.git_initialised:
        out.print("  ran git init")
    out.print("\nNext: edit plan.yaml, then run 'dutyctl plan check' and 'dutyctl rotate'.")


def check_report(source: str, plan: Plan | None, problems: list[Problem], format: str) -> None:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if format == "json":
        write_json(
            {
                "file": source,
                "ok": plan is not None,
                "errors": len(errors),
                "warnings": len(warnings),
                "problems": [p.as_dict() for p in problems],
            }
        )
        return
    out = console(stderr=plan is None)
    err = console(stderr=True)
    for problem in problems:
        print_problem(problem, err)
    if plan is None:
        out.print(
            f"{escape(source)}: [bold red]{len(errors)} error{'s' if len(errors) != 1 else ''}[/]"
            + (f", {len(warnings)} warnings" if warnings else "")
        )
    elif not quiet():
        suffix = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
        out.print(
            f"{escape(source)}: [green]OK[/] ({len(plan.roster)} people, "
            f"{len(plan.duties)} duties{suffix})"
        )

"""`dutyctl plan ...`: check and show the plan."""

from __future__ import annotations

import typer

from dutyctl.cli.common import (
    OutputOption,
    RepoOption,
    RevOption,
    format_option,
    output_arg,
    repo_arg,
    rev_arg,
    typer_app,
)

app = typer_app("Check and show the plan (team, roster, duties, KPIs, review, award, goals).")


@app.command("check")
def check(
    repo: RepoOption = None,
    rev: RevOption = None,
    format: format_option("text", "json") = "text",
) -> None:
    """Validate plan.yaml and report every problem with file:line:column (exit 0 ok, 2 problems)."""
    from dutyctl.app.rotation import check_plan
    from dutyctl.render.setup import check_report

    source, plan, problems = check_plan(repo_arg(repo), rev_arg(rev))
    check_report(source, plan, problems, format)
    if plan is None:
        raise typer.Exit(2)


@app.command("show")
def show(
    ctx: typer.Context,
    repo: RepoOption = None,
    rev: RevOption = None,
    format: format_option("table", "json") = "table",
    output: OutputOption = None,
) -> None:
    """Show the team, roster, channels, duties and KPIs, review dates, award rule and goals."""
    from dutyctl.app.load import load, plan_today
    from dutyctl.app.rotation import ViewResult
    from dutyctl.cli.output import emit
    from dutyctl.core.overview import plan_overview

    output, format = output_arg(ctx, output, repo, format)
    _, plan = load(repo_arg(repo), rev_arg(rev))
    emit(ViewResult(plan, plan_overview(plan, plan_today(plan))), "plan", format, output)

"""`dutyctl plan ...`: check and show the plan."""

from __future__ import annotations

import typer

from dutyctl.cli.common import RepoOption, RevOption, format_option, repo_arg, rev_arg, typer_app

app = typer_app("Check and show the plan (team, roster, duties, KPIs, review, award, goals).")


@app.command("check")
def check(
    repo: RepoOption = None,
    rev: RevOption = None,
    format: format_option("text", "json") = "text",
) -> None:
    """Validate plan.yaml and report every problem with file:line:column (exit 0 ok, 2 problems)."""
    from dutyctl.commands import check_plan
    from dutyctl.render.setup import check_report

    source, plan, problems = check_plan(repo_arg(repo), rev_arg(rev))
    check_report(source, plan, problems, format)
    if plan is None:
        raise typer.Exit(2)


@app.command("show")
def show(
    repo: RepoOption = None,
    rev: RevOption = None,
    format: format_option("table", "json") = "table",
) -> None:
    """Show the team, roster, channels, duties and KPIs, review dates, award rule and goals."""
    from dutyctl.loading import load, plan_today
    from dutyctl.overview import plan_overview
    from dutyctl.render import write_json
    from dutyctl.render.plan import show_plan

    _, plan = load(repo_arg(repo), rev_arg(rev))
    view = plan_overview(plan, plan_today(plan))
    write_json(view) if format == "json" else show_plan(view)

"""`dutyctl report leaderboard|month|week|person`: KPI compliance and the monthly review."""

from __future__ import annotations

from typing import Annotated

import typer

from dutyctl.cli.common import (
    INDEXING,
    DepartmentOption,
    OutputOption,
    RepoOption,
    RevOption,
    complete_from_plan,
    format_option,
    output_arg,
    repo_arg,
    rev_arg,
    typer_app,
)

app = typer_app(
    "Reports on the KPI log: leaderboard, the monthly review, the week, one person.\n\n"
    "Every report takes --format and --output FILE; html and svg look like the terminal."
)

WeekOption = Annotated[
    str | None,
    typer.Option("--week", metavar="WEEK", help="An ISO week: YYYY-Www, this or last."),
]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", "-m", metavar="MONTH", help="A month: YYYY-MM, this or last."),
]
QuarterOption = Annotated[
    str | None,
    typer.Option("--quarter", metavar="QUARTER", help="A quarter: YYYY-Qn, this or last."),
]
YearOption = Annotated[
    str | None, typer.Option("--year", metavar="YEAR", help="A year: YYYY, this or last.")
]
AllOption = Annotated[
    bool, typer.Option("--all", help="From the plan's start to today.")
]


def _emit(result, kind: str, format, output) -> None:
    from dutyctl.render.report import emit

    emit(result, kind, str(format), output)  # checked by output_arg before the work


@app.command("leaderboard")
def leaderboard(
    ctx: typer.Context,
    month: MonthOption = None,
    week: WeekOption = None,
    quarter: QuarterOption = None,
    year: YearOption = None,
    all_time: AllOption = False,
    department: DepartmentOption = None,
    format: format_option("table", "json", "csv", "md", "html", "svg") = "table",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """Rank people by points, then compliance: entries, slots met, minutes, streak
    (default: this month)."""
    from dutyctl.app import report
    from dutyctl.render import progress_bar

    output, format = output_arg(ctx, output, repo, format)

    with progress_bar(INDEXING) as progress:
        result = report.leaderboard(
            repo_arg(repo), rev_arg(rev), month=month, week=week, quarter=quarter, year=year,
            all_time=all_time, department=department, progress=progress,
        )
    _emit(result, "leaderboard", format, output)


@app.command("month")
def month(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(
            metavar="[MONTH]",
            help="YYYY-MM, this or last (default: this month, or last month during the "
            "first five days).",
            show_default=False,
        ),
    ] = None,
    department: DepartmentOption = None,
    format: format_option("table", "md", "html", "svg", "json") = "table",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """The monthly review: compliance, targets vs actual, missed slots, channels and ROI,
    best entries, time budgets, goals, the award and the next review."""
    from dutyctl.app import report
    from dutyctl.render import progress_bar

    output, format = output_arg(ctx, output, repo, format)
    with progress_bar(INDEXING) as progress:
        result = report.month(repo_arg(repo), rev_arg(rev), month, department, progress)
    _emit(result, "month", format, output)


@app.command("week")
def week(
    ctx: typer.Context,
    week: Annotated[
        str | None,
        typer.Argument(
            metavar="[WEEK]", help="YYYY-Www, this or last (default: this week).",
            show_default=False,
        ),
    ] = None,
    department: DepartmentOption = None,
    format: format_option("md", "json", "table", "html", "svg") = "md",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """A short weekly report per duty and person, in Markdown ready to paste in a chat."""
    from dutyctl.app import report
    from dutyctl.render import progress_bar

    output, format = output_arg(ctx, output, repo, format)
    with progress_bar(INDEXING) as progress:
        result = report.week(repo_arg(repo), rev_arg(rev), week, department, progress)
    _emit(result, "week", format, output)


@app.command("person")
def person(
    ctx: typer.Context,
    person_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="A person id.", autocompletion=complete_from_plan("person")
        ),
    ],
    month: MonthOption = None,
    quarter: QuarterOption = None,
    year: YearOption = None,
    all_time: AllOption = False,
    format: format_option("table", "json", "md", "html", "svg") = "table",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """One person's history: slots, compliance by month, points trend, best entries
    (default: from the plan's start)."""
    from dutyctl.app import report
    from dutyctl.render import progress_bar

    output, format = output_arg(ctx, output, repo, format)
    with progress_bar(INDEXING) as progress:
        result = report.person(
            repo_arg(repo), rev_arg(rev), person_id, month=month, quarter=quarter, year=year,
            all_time=all_time, progress=progress,
        )
    _emit(result, "person", format, output)

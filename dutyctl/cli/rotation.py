"""`dutyctl rotate`, `today`, `who`, `swap`: the rotation calendar."""

from typing import Annotated

import typer

from dutyctl.cli.common import (
    DateOption,
    DepartmentOption,
    DutyOption,
    MonthOption,
    OutputOption,
    PersonOption,
    RepoOption,
    RevOption,
    complete_from_plan,
    format_option,
    output_arg,
    repo_arg,
    rev_arg,
)


def rotate(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="First day (with --to): YYYY-MM-DD, today..."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last day (with --from).")
    ] = None,
    month: MonthOption = None,
    weeks: Annotated[
        int | None,
        typer.Option("--weeks", "-w", min=1, max=520, help="N weeks from this week's Monday."),
    ] = None,
    duty: DutyOption = None,
    person: PersonOption = None,
    department: DepartmentOption = None,
    format: format_option("table", "json", "csv", "md", "ics") = "table",
    stats: Annotated[
        bool,
        typer.Option(
            "--stats",
            help="Add per duty and person: slots, available days, fair "
            "share, difference, and a balance score; and the weighted load across duties "
            "per person, with its balance and largest difference.",
        ),
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Say why each slot went to its people (load, fair share, last turn)."
        ),
    ] = False,
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """Show the rotation calendar: who is on which duty, week by week (default: this month)."""
    from dutyctl.app.rotation import rotation_period
    from dutyctl.cli.output import emit

    output, format = output_arg(ctx, output, repo, format)
    result = rotation_period(
        repo_arg(repo),
        rev_arg(rev),
        start,
        end,
        month,
        weeks,
        duty,
        person,
        department,
        stats,
        explain,
        rows_only=str(format) in ("json", "csv"),
    )
    emit(result, "rotation", format, output)


def today(
    ctx: typer.Context,
    date: DateOption = None,
    format: format_option("text", "json") = "text",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """Who is on duty today (or --date), their KPI minimums and due days, and the next review."""
    from dutyctl.app.rotation import today_duties
    from dutyctl.cli.output import emit

    output, format = output_arg(ctx, output, repo, format)
    emit(today_duties(repo_arg(repo), rev_arg(rev), date), "today", format, output)


def who(
    ctx: typer.Context,
    person: Annotated[
        str | None,
        typer.Argument(
            help="A person id (default: you, by DUTYCTL_PERSON or git user.email).",
            autocompletion=complete_from_plan("person"),
            show_default=False,
        ),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=1000, help="How many duties.")
    ] = 5,
    date: DateOption = None,
    format: format_option("table", "json") = "table",
    output: OutputOption = None,
    repo: RepoOption = None,
    rev: RevOption = None,
) -> None:
    """A person's next duties."""
    from dutyctl.app.rotation import next_duties
    from dutyctl.cli.output import emit

    output, format = output_arg(ctx, output, repo, format)
    emit(next_duties(repo_arg(repo), rev_arg(rev), person, count, date), "who", format, output)


def swap(
    day: Annotated[str, typer.Argument(metavar="DATE", help="A day of the slot (YYYY-MM-DD).")],
    duty: Annotated[
        str, typer.Argument(help="The duty id.", autocompletion=complete_from_plan("duty"))
    ],
    from_person: Annotated[
        str,
        typer.Argument(
            metavar="FROM",
            help="Who the rotation chose.",
            autocompletion=complete_from_plan("person"),
        ),
    ],
    to_person: Annotated[
        str,
        typer.Argument(
            metavar="TO",
            help="Who takes the slot instead.",
            autocompletion=complete_from_plan("person"),
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, kept in the plan.")] = None,
    repo: RepoOption = None,
) -> None:
    """Give FROM's slot of DUTY on DATE to TO: writes an override into plan.yaml, keeping
    its comments and layout, after checking that TO can take it."""
    from dutyctl.app.rotation import swap_slot
    from dutyctl.render.rotation import swapped

    swapped(swap_slot(repo_arg(repo), day, duty, from_person, to_person, reason))


def register(app: typer.Typer) -> None:
    app.command("rotate")(rotate)
    app.command("today")(today)
    app.command("who")(who)
    app.command("swap")(swap)

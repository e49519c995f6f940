"""`dutyctl log`, `entries`, `doctor`, `import`: the KPI log."""

from pathlib import Path
from typing import Annotated

import typer

from dutyctl.cli.common import (
    INDEXING,
    DateOption,
    MonthOption,
    OutputOption,
    RepoOption,
    complete_from_plan,
    format_option,
    id_option,
    output_arg,
    repo_arg,
)

WhoOption = id_option(
    "--person",
    "person",
    "Who did the work (default: $DUTYCTL_PERSON, else your git user.email in the roster).",
    "-p",
)
ForDutyOption = id_option(
    "--duty", "duty", "The duty it counts for (default: the one duty you hold that day)."
)
# Built once: annotations are evaluated each time Typer builds the command.
TextOrJson = format_option("text", "json")
EntriesFormat = format_option("table", "json", "csv")
CommitOption = Annotated[
    bool,
    typer.Option(
        "--commit",
        help="Also make a git commit of just the new rows (nothing else you changed or "
        "staged goes in).",
    ),
]


def log(
    metrics: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="METRIC=VALUE...",
            help="What was done, such as photo=1 repost=2; one row per metric.",
            autocompletion=complete_from_plan("metric", suffix="="),
            show_default=False,
        ),
    ] = None,
    person: WhoOption = None,
    date: DateOption = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            "-c",
            metavar="ID",
            help="Where it was published.",
            autocompletion=complete_from_plan("channel"),
            show_default=False,
        ),
    ] = None,
    duty: ForDutyOption = None,
    minutes: Annotated[
        str | None,
        typer.Option(
            "--minutes",
            metavar="N",
            help="Time spent; recorded once, on the first row.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", metavar="URL", help="Link to the post.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A note.")] = None,
    void: Annotated[
        str | None,
        typer.Option(
            "--void",
            metavar="ID",
            help="Cancel the entry with this id (appends a void row; nothing is deleted).",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", metavar="TEXT", help="Why, with --void.")
    ] = None,
    commit: CommitOption = False,
    format: TextOrJson = "text",
    repo: RepoOption = None,
) -> None:
    """Log KPI entries (dutyctl log photo=1 repost=1), or cancel one with --void ID.

    Shows the entry ids and where you stand against the KPI of your slot. Bad input
    exits 2 and logs nothing. With --commit, a git failure exits 1 (the rows stay logged).
    """
    from dutyctl.app.log import log_entries, void_entry
    from dutyctl.errors import UsageError
    from dutyctl.render import progress_bar
    from dutyctl.render.log import logged

    if void is not None:
        extra = [
            name
            for name, value in (
                ("METRIC=VALUE", metrics),
                ("--date", date),
                ("--channel", channel),
                ("--duty", duty),
                ("--minutes", minutes),
                ("--url", url),
                ("--note", note),
            )
            if value
        ]
        if extra:
            raise UsageError(
                f"--void takes no {', '.join(extra)}",
                hint="a void row only names the entry it cancels; say why with --reason",
            )
        with progress_bar(INDEXING) as progress:
            result = void_entry(repo_arg(repo), void, person=person, reason=reason,
                                commit=commit, progress=progress)
    else:
        if reason is not None:
            raise UsageError("--reason goes with --void", hint="use --note for a note")
        with progress_bar(INDEXING) as progress:
            result = log_entries(
                repo_arg(repo),
                metrics or [],
                person=person,
                day_text=date,
                channel=channel,
                duty=duty,
                minutes=minutes,
                url=url,
                note=note,
                commit=commit,
                progress=progress,
            )
    logged(result, format)
    if result.commit_error is not None:
        raise result.commit_error


def entries(
    ctx: typer.Context,
    month: MonthOption = None,
    all_months: Annotated[bool, typer.Option("--all", help="The whole log.")] = False,
    person: id_option("--person", "person", "Only this person's entries.", "-p") = None,
    duty: id_option("--duty", "duty", "Only this duty's entries.") = None,
    format: EntriesFormat = "table",
    output: OutputOption = None,
    repo: RepoOption = None,
) -> None:
    """List the entries that count (voided ones left out), this month by default.

    Problems found reading the log are warnings on stderr (see dutyctl doctor)."""
    from dutyctl.app.log import list_entries
    from dutyctl.render import progress_bar

    output, format = output_arg(ctx, output, repo, format)
    with progress_bar(INDEXING) as progress:
        result = list_entries(repo_arg(repo), month=month, all_months=all_months,
                              person=person, duty=duty, progress=progress)
    _emit_entries(result, str(format), output)


def _emit_entries(result, format: str, output: Path | None) -> None:
    import sys

    from dutyctl.render.log import entries_list

    if output is None:
        entries_list(result, format, sys.stdout)
        return
    from dutyctl.store.safefiles import output_file

    with output_file(output) as handle:
        entries_list(result, format, handle)


def doctor(
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Write files a spreadsheet re-saved (other separators, encoding, column "
            "order) again in the log's format, every row kept; then move unreadable rows to "
            "logs/quarantine.csv (kept there; nothing else is rewritten).",
        ),
    ] = False,
    format: TextOrJson = "text",
    repo: RepoOption = None,
) -> None:
    """Check the KPI log: unreadable or torn rows, unknown people, metrics and duties.

    Exits 1 when it finds problems, 0 when the log is clean (warnings alone do not count)."""
    from dutyctl.app.log import doctor as run_doctor
    from dutyctl.render import progress_bar
    from dutyctl.render.log import doctor_report

    with progress_bar(INDEXING) as progress:
        result = run_doctor(repo_arg(repo), fix=fix, progress=progress)
    doctor_report(result, str(format))
    if result.errors:
        raise typer.Exit(1)


def import_(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE.csv", help="A spreadsheet exported as CSV (UTF-8)."),
    ],
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COLUMN=FIELD",
            help="Read COLUMN as FIELD (date, person, duty, channel, metric, value, minutes, "
            "url, note), as metric:ID (a column of that metric's values), or ignore it "
            "(COLUMN=). Columns named like a field need no --map.",
            show_default=False,
        ),
    ] = None,
    person: id_option(
        "--person", "person", "The person of rows without a person column (or with it empty).", "-p"
    ) = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and show what would be logged.")
    ] = False,
    repo: RepoOption = None,
) -> None:
    """Import entries from a CSV file: all rows or none (every problem listed as FILE:line)."""
    from dutyctl.app.log import import_file
    from dutyctl.render import progress_bar
    from dutyctl.render.log import imported

    with progress_bar(f"Checking {file.name}") as progress:
        result = import_file(
            repo_arg(repo), file, maps or [], person=person, dry_run=dry_run, progress=progress
        )
    imported(result)


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.command("entries")(entries)
    app.command("doctor")(doctor)
    app.command("import")(import_)

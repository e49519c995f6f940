"""The command line: a thin Typer shell over the library."""


def main() -> None:
    raise SystemExit("not yet")

"""The reference for start-up time: a minimal Typer app with one command printing one line.

``python bench/reference_app.py`` and ``python bench/reference_app.py --help`` are what
``dutyctl today`` and ``dutyctl --help`` are compared with in bench/run.py.
"""

import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    """Print one line."""
    print("hello")


if __name__ == "__main__":
    app()

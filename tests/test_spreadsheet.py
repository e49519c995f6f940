"""A log file re-saved by a spreadsheet: doctor says what changed, doctor --fix undoes it.

Pure tests of :mod:`dutyctl.core.spreadsheet` (including a property: whatever a
spreadsheet does among separators, encodings, line ends, header case and column order,
the rows come back cell for cell), then the real CLI on real files.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dutyctl.cli import app
from dutyctl.core.entries import HEADER, entry_to_row, row_to_entry
from dutyctl.core.spreadsheet import canonical_rows, diagnose
from tests.test_entries import entries, entry

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROWS = [
    entry_to_row(entry(id="01JDA0000000000000000000A1", note="Zoë's post, with a comma")),
    entry_to_row(entry(id="01JDA0000000000000000000A2", minutes=None, url="")),
]


def save(
    rows: list[list[str]],
    *,
    separator: str = ",",
    encoding: str = "utf-8",
    line_end: str = "\n",
    order: list[int] | None = None,
    header: list[str] | None = None,
) -> bytes:
    """What a spreadsheet writes when it saves these rows."""
    order = order if order is not None else list(range(len(HEADER)))
    names = header if header is not None else [HEADER[i] for i in order]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator=line_end)
    writer.writerow(names)
    for row in rows:
        writer.writerow([row[i] for i in order])
    return out.getvalue().encode(encoding)


def test_the_logs_own_format_is_not_a_resave() -> None:
    assert diagnose(save(ROWS)) is None


@pytest.mark.parametrize(
    ("saved", "words"),
    [
        (save(ROWS, separator=";"), "';' separators instead of ','"),
        (save(ROWS, separator="\t"), "tab separators instead of ','"),
        (save(ROWS, encoding="utf-16"), "UTF-16 with a byte-order mark"),
        (save(ROWS, encoding="utf-16-le"), "UTF-16 without a byte-order mark"),
        (save(ROWS, encoding="cp1252"), "Windows-1252 encoding instead of UTF-8"),
        (save(ROWS, line_end="\r"), "CR-only line ends"),
        (save(ROWS, header=[h.upper() for h in HEADER]), "re-cased"),
        (save(ROWS, order=[1, 0, *range(2, 12)]), "columns in another order"),
        (save(ROWS, order=list(range(11))), "column voids left out"),
    ],
)
def test_each_change_is_named_and_undone(saved: bytes, words: str) -> None:
    resaved = diagnose(saved)
    assert resaved is not None and resaved.repairable
    assert words in resaved.summary()
    assert canonical_rows(saved, resaved) == ROWS


@pytest.mark.parametrize(
    ("saved", "blocker"),
    [
        (save(ROWS, order=[0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]), "the column value is missing"),
        (save(ROWS, header=[*HEADER[:11], "comment"]), "columns the log does not know (comment)"),
        (save(ROWS, header=[*HEADER[:11], "note"]), "note appear twice"),
    ],
)
def test_what_cannot_be_undone_without_loss_is_said(saved: bytes, blocker: str) -> None:
    resaved = diagnose(saved)
    assert resaved is not None and not resaved.repairable
    assert blocker in (resaved.blocker or "")
    with pytest.raises(ValueError):
        canonical_rows(saved, resaved)


def test_a_file_that_is_no_log_at_all_is_not_judged() -> None:
    assert diagnose(b"name;age\nanna;3\n") is None
    assert diagnose(b"\x00\x01\x02garbage") is None


def test_a_row_of_another_width_keeps_its_cells_for_quarantine() -> None:
    saved = save(ROWS, separator=";") + b"a;b;c\n"
    resaved = diagnose(saved)
    assert resaved is not None
    assert canonical_rows(saved, resaved) == [*ROWS, ["a", "b", "c"]]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(entries, min_size=1, max_size=5),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.permutations(range(len(HEADER))),
    st.booleans(),
)
def test_every_resave_comes_back_cell_for_cell(
    logged, separator, encoding, line_end, order, upper
) -> None:
    rows = [entry_to_row(e) for e in logged]
    header = [HEADER[i].upper() if upper else HEADER[i] for i in order]
    saved = save(rows, separator=separator, encoding=encoding, line_end=line_end,
                 order=list(order), header=header)
    resaved = diagnose(saved)
    if resaved is None:  # nothing changed at all: the log's own format
        assert (separator, list(order), upper) == (",", list(range(12)), False)
        return
    assert resaved.repairable
    back = canonical_rows(saved, resaved)
    assert back == rows
    assert [row_to_entry(row) for row in back] == [row_to_entry(row) for row in rows]


# -- the CLI on real files -------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "duties"
    shutil.copytree(EXAMPLES, root)
    monkeypatch.setenv("DUTYCTL_TODAY", "2026-11-24")
    monkeypatch.setenv("DUTYCTL_PERSON", "farid")
    runner = CliRunner()
    for args in (["log", "photo=1", "repost=2"], ["log", "news=1", "--note", "hi, there; Zoë"]):
        result = runner.invoke(app, ["--repo", str(root), *args])
        assert result.exit_code == 0, result.output
    return root


def run(repo: Path, *args: str):
    return CliRunner().invoke(app, ["--repo", str(repo), *args])


def entries_json(repo: Path) -> list[dict]:
    result = run(repo, "entries", "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def respell(path: Path, **how) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))[1:]
    path.write_bytes(save(rows, **how))


@pytest.mark.parametrize(
    "how",
    [
        {"separator": ";"},
        {"encoding": "utf-16"},
        {"encoding": "cp1252", "separator": ";", "line_end": "\r\n"},
        {"line_end": "\r"},
        {"order": [3, 2, 1, 0, *range(4, 12)], "header": None},
    ],
)
def test_doctor_names_a_resaved_file_and_fix_undoes_it_keeping_every_row(repo, how) -> None:
    logged = entries_json(repo)
    month = repo / "logs" / "2026-11.csv"
    canonical = month.read_bytes()
    respell(month, **how)

    checked = run(repo, "doctor")
    assert checked.exit_code == 1
    assert "logs/2026-11.csv:1: error: re-saved by a spreadsheet (" in checked.output
    assert "doctor --fix" in checked.output
    report = run(repo, "report", "leaderboard")  # another command points at doctor
    assert "dutyctl doctor" in report.output

    fixed = run(repo, "doctor", "--fix", "--format", "json")
    assert fixed.exit_code == 0, fixed.output
    body = json.loads(fixed.stdout)
    assert [r["file"] for r in body["repaired"]] == ["logs/2026-11.csv"]
    assert body["repaired"][0]["rows"] == 3 and body["clean"]
    assert month.read_bytes() == canonical  # exactly what dutyctl wrote in the first place
    assert entries_json(repo) == logged


def test_fix_leaves_a_file_it_cannot_repair_byte_for_byte(repo) -> None:
    month = repo / "logs" / "2026-11.csv"
    rows = list(csv.reader(io.StringIO(month.read_text())))[1:]
    month.write_bytes(save(rows, separator=";", header=[*HEADER[:11], "comment"]))
    before = month.read_bytes()
    fixed = run(repo, "doctor", "--fix")
    assert fixed.exit_code == 1
    assert "columns the log does not know (comment)" in fixed.output
    assert month.read_bytes() == before
    assert not (repo / "logs" / "quarantine.csv").exists()


def test_fix_repairs_then_quarantines_the_rows_a_spreadsheet_changed(repo) -> None:
    month = repo / "logs" / "2026-11.csv"
    rows = list(csv.reader(io.StringIO(month.read_text())))[1:]
    rows[0][HEADER.index("value")] = "1,5"  # a decimal comma: no number the log knows
    month.write_bytes(save(rows, separator=";"))
    fixed = run(repo, "doctor", "--fix", "--format", "json")
    body = json.loads(fixed.stdout)
    assert body["repaired"][0]["rows"] == 3
    assert [p["line"] for p in body["moved"]] == [2]
    assert body["entries"] == 2
    kept = (repo / "logs" / "quarantine.csv").read_text()
    assert "1,5" in kept

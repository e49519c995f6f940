"""The plan read through libyaml (ruamel.yaml.clib) is the plan the pure-Python parser reads.

parse_yaml composes libyaml's events when the two parsers agree on a text and hands
anything else to the pure parser; these tests compare both paths on the example plan,
a 1000-person plan, random edits of the example, and the cases the fast path declines:
the same Plan, the same problems (messages, files, lines, columns), the same YAML
values with the same positions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import big_plan
from dutyctl.store import planfile
from dutyctl.store.planfile import build_plan, check_plan_file, parse_yaml
from dutyctl.store.repo import Repo
from tests.conftest import EXAMPLE_PLAN
from tests.test_plan_fuzz import EDITS, edited_plans

pytest.importorskip("_ruamel_yaml", reason="ruamel.yaml.clib is not installed")

VALID = EXAMPLE_PLAN.read_text(encoding="utf-8")
YEARS = range(2026, 2028)
PIECES = [
    ":", "-", "[", "]", "{", "}", ",", "&a ", "*a", "!!str", "'", '"', "\t", "  ", "\n", "#",
    " #", "..", "2026-02-30", "null", "true", "-1", "1e309", "RRULE:FREQ=", "?", "|", ">", "%",
    "@", "\x00", "\u00e9", "ｱ", "0x1F", "~", "\r\n", "\r", "\u2028", "\ufeff", "---", "...",
    "<<: ", "\\", "\\/", "\\x41", "|-", ">+", "|2", "? ", ": ", "- ", "\U0001F600", "''",
    '"\\t"', "1_000", "0o17", ".inf", "1:20", "yes", "&b [1, *b]", "<<: {a: 1}", "\n  - ",
    "|\n  x\n", ">\n  x\n\n  y\n", "`", "\x7f", "\xa0", "*", "&", "!",
]


def shape(value: Any, path: tuple[int, ...] = ()) -> Any:
    """A value as nested tuples: types, items, and every position ruamel recorded."""
    if id(value) in path:
        return ("recursive",)  # '&a [*a]': a list that holds itself
    if isinstance(value, dict | list):
        path = (*path, id(value))
        lc = value.lc
        where = lc.data or {}  # None in a mapping made by a merge key ('<<')
        if isinstance(value, dict):
            items = [(shape(k, path), shape(v, path), where.get(k)) for k, v in value.items()]
        else:
            items = [(shape(v, path), where.get(i)) for i, v in enumerate(value)]
        return (type(value).__name__, lc.line, lc.col, value.fa.flow_style(), items)
    return (type(value).__name__, repr(value))


def parsed(text: str, *, pure: bool) -> Any:
    try:
        return ("value", shape(parse_yaml(text, "plan.yaml", pure=pure)))
    except planfile.DutyctlError as exc:
        return ("error", exc.message, exc.location, exc.hint)


def assert_same(text: str) -> None:
    try:
        reference = parsed(text, pure=True)
    except AssertionError:
        # ruamel's pure parser trips over some layouts of comments around an empty
        # value ('x:', a comment line, then '| #c' at column 1), a bug of its own;
        # libyaml reads them. There is no reference result to compare with.
        return
    assert parsed(text, pure=False) == reference
    assert checked(text, pure=False) == checked(text, pure=True)


def checked(text: str, *, pure: bool) -> Any:
    """build_plan's result, or the exception it raised (the same on both paths too)."""
    try:
        return build_plan(text, "plan.yaml", years=YEARS, pure=pure)
    except Exception as exc:  # a validation bug is not the parser's: compare it all the same
        return ("raised", type(exc).__name__, str(exc))


def test_the_example_plan_is_read_through_libyaml_with_the_same_result():
    assert planfile._parse_libyaml(VALID) is not planfile._USE_PURE
    assert_same(VALID)
    plan, problems = build_plan(VALID, "plan.yaml", years=YEARS)
    assert plan is not None and not [p for p in problems if p.severity == "error"]


def test_a_plan_with_windows_line_ends_is_read_through_libyaml_the_same():
    text = VALID.replace("\n", "\r\n")
    assert planfile._parse_libyaml(text) is not planfile._USE_PURE
    assert_same(text)
    assert_same(text.replace("team: Acme Marketing", "team: [Acme,\r\n  Marketing"))


def test_a_1000_person_plan_is_the_same_plan():
    text = big_plan(date(2026, 1, 5))
    assert planfile._parse_libyaml(text) is not planfile._USE_PURE
    assert_same(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_plans(tuple(PIECES), (*EDITS, "indent"), most=5), st.booleans())
def test_random_edits_read_the_same_through_both_parsers(text: str, windows: bool):
    assert_same(text.replace("\n", "\r\n") if windows else text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "a", "b", " ", "\n", "x: ", "- "]), max_size=30))
def test_yaml_fragments_read_the_same_through_both_parsers(pieces: list[str]):
    assert_same("".join(pieces))


@pytest.mark.parametrize(
    "edit",
    [
        ("coordinator: anna", "coordinator: &c anna\nowner: *c"),  # an anchor, an alias
        (  # a merge key
            "  blog: {name: Company blog, owner: emma}",
            "  blog: &b {name: Blog, owner: emma}\n  news: {<<: *b, name: News}",
        ),
        ("team: Acme Marketing", "team: 'Acme ''Social'''"),
        ("team: Acme Marketing", 'team: "Acme\\tSocial \\u00e9"'),
        ("team: Acme Marketing", "team: |\n  Acme\n  Social\n"),
        ("team: Acme Marketing", "team: >-\n  Acme\n\n  Social\n"),
        ("team: Acme Marketing", "team: [Acme, [Social]]"),
        ("team: Acme Marketing", "? team\n: Acme"),
        ("team: Acme Marketing", "team:"),  # an empty value, placed at the next key
        ("  title: Best on duty of the month", "  title:\n\n  "),  # the same, blank lines
    ],
)
def test_yaml_features_the_fast_path_reads(edit: tuple[str, str]):
    old, new = edit
    assert old in VALID
    text = VALID.replace(old, new, 1)
    assert planfile._parse_libyaml(text) is not planfile._USE_PURE
    assert_same(text)


@pytest.mark.parametrize(
    "edit",
    [
        ("team: Acme Marketing", "team:   # none yet"),  # an empty value, then a comment
        ("  title: Monthly duty review", "  title:"),  # an empty value ending a mapping
        ("{name: Facebook}", "{name: }"),  # an empty value in a flow mapping
        ("team: Acme Marketing", "team: !!str Acme"),  # a tag
        ("team: Acme Marketing", "%YAML 1.1\n---\nteam: yes"),  # a directive
        ("team: Acme Marketing", "team: Acme\tSocial"),  # a tab
        ("team: Acme Marketing", "team: Acme\rSocial"),  # a carriage return not before LF
        ("team: Acme Marketing", "team: |#\n  Acme"),  # libyaml accepts this, ruamel does not
        ("team: Acme Marketing", "team: &t Acme\nskills: &t [x]"),  # a reused anchor
        ("team: Acme Marketing", "team: Acme\n---\nteam: Other"),  # two documents
        ("team: Acme Marketing", "team: Acme\nteam: Other"),  # a duplicate key (an error)
    ],
)
@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
def test_texts_the_fast_path_declines_read_the_same(edit: tuple[str, str]):
    old, new = edit
    text = VALID.replace(old, new, 1)
    assert planfile._parse_libyaml(text) is planfile._USE_PURE
    assert_same(text)


@pytest.mark.parametrize("depth", [65, 100_000])
def test_nesting_deeper_than_64_is_an_error_where_it_starts(depth: int):
    # No parser is asked: the pure one would recurse for seconds and fail without a place.
    text = "team: Acme\nskills: " + "[" * depth + "]" * depth + "\n"
    plan, problems = build_plan(text, "plan.yaml", years=YEARS)
    assert plan is None
    [problem] = problems
    assert problem.message == "the YAML is nested too deeply (more than 64 levels)"
    assert (problem.location.line, problem.location.column) == (2, 8 + 64)


def test_nesting_of_64_levels_is_read():
    text = VALID.replace("team: Acme Marketing", "team: Acme\nx: " + "[" * 63 + "]" * 63)
    assert planfile._parse_libyaml(text) is not planfile._USE_PURE
    assert_same(text)


def test_plan_files_with_a_roster_file_read_the_same(tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    plan_text = big_plan(date(2026, 1, 5))
    head, _, rest = plan_text.partition("roster:\n")
    people = "".join(line for line in rest.splitlines(keepends=True) if line.startswith("  - "))
    rest = rest[len(people) :]
    (repo / "plan.yaml").write_text(head + "roster: people.yaml\n" + rest, encoding="utf-8")
    (repo / "people.yaml").write_text("roster:\n" + people, encoding="utf-8")
    fast = check_plan_file(Repo(repo), years=YEARS)
    assert fast[0] is not None and len(fast[0].roster) == 1000
    assert fast == check_plan_file(Repo(repo), years=YEARS, pure=True)
    # A problem inside the roster file is located there, the same way on both paths.
    (repo / "people.yaml").write_text("roster:\n" + people.replace("p0007", "p0003"))
    fast = check_plan_file(Repo(repo), years=YEARS)
    assert fast[0] is None and any(p.location.file == "people.yaml" for p in fast[1])
    assert fast == check_plan_file(Repo(repo), years=YEARS, pure=True)

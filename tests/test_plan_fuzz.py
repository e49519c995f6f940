"""Random edits of a valid plan never produce a traceback: a plan, or located problems."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyctl.errors import Problem
from dutyctl.store.planfile import build_plan
from tests.conftest import EXAMPLE_PLAN

VALID = EXAMPLE_PLAN.read_text(encoding="utf-8")
LINES = VALID.splitlines(keepends=True)
PIECES = [
    ":", "-", "[", "]", "{", "}", ",", "&a", "*a", "!!str", "'", '"', "\t", "  ", "\n", "#",
    "..", "2026-02-30", "null", "true", "-1", "1e309", "RRULE:FREQ=", "?", "|", ">", "%", "@",
    "\x00", "\u00e9", "ｱ", "0x1F", "~",
]
EDITS = ("delete", "duplicate", "insert", "truncate", "swap")


@st.composite
def edited_plans(draw, pieces=tuple(PIECES), edits=EDITS, most: int = 4) -> str:
    """The example plan with 1 to ``most`` random line edits: ``edits`` are the kinds
    drawn from ("indent" too, if listed), ``pieces`` the YAML-ish text an insert puts in."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, most))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(edits))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "insert":
            at = draw(st.integers(0, len(line)))
            piece = draw(st.one_of(st.sampled_from(pieces), st.text(max_size=8)))
            lines[index] = line[:at] + piece + line[at:]
        elif action == "truncate":
            lines[index] = line[: draw(st.integers(0, len(line)))] + "\n"
        elif action == "indent":
            lines[index] = " " * draw(st.integers(1, 4)) + line
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        if not lines:
            lines = [""]
    return "".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_plans())
def test_random_edits_give_a_plan_or_located_problems(text: str):
    plan, problems = build_plan(text, "plan.yaml", years=range(2026, 2028))
    assert all(isinstance(p, Problem) for p in problems)
    if plan is None:
        errors = [p for p in problems if p.severity == "error"]
        assert errors, "a refused plan must say why"
        assert all(p.location is not None and p.location.file == "plan.yaml" for p in errors)
        assert all(p.message for p in errors)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str):
    build_plan(text, "plan.yaml", years=range(2026, 2027))

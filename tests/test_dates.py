"""The shapes of dates and numbers, checked with str methods, read as the patterns they
replace read them with re.ASCII (dates and numbers are stripped of blanks before the
check): digits are the ASCII 0-9 only, never fullwidth or Arabic-Indic ones (issue 19)."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from dutyctl.core.dates import _is_date_text, _is_number_text

# Digits of two scripts (ASCII and Arabic-Indic), the separators, blanks and a few others.
TEXT = st.text(alphabet="0123456789٣٤-. \t\n+ex", max_size=14)


@given(TEXT | st.from_regex(re.compile(r"\A\d{4}-\d{2}-\d{2}\Z", re.ASCII)))
@example("2026-11-24")
@example("٢٠٢٦-١١-٢٤")
@example("2026-1-245")
def test_a_date_shape_is_what_the_pattern_matched(text: str) -> None:
    text = text.strip()
    assert _is_date_text(text) == bool(re.match(r"^\d{4}-\d{2}-\d{2}$", text, re.ASCII))


@given(TEXT | st.from_regex(re.compile(r"\A\s*\d+(\.\d+)?\s*\Z", re.ASCII)))
@example(" 12.5 ")
@example("1.")
@example(".5")
@example("1.2.3")
@example("１２")
@example("٣")
def test_a_number_shape_is_what_the_pattern_matched(text: str) -> None:
    assert _is_number_text(text) == bool(re.match(r"^\s*\d+(?:\.\d+)?\s*$", text, re.ASCII))

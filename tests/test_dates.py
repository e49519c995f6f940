"""The shapes of dates and numbers, checked with str methods, read as the patterns they
replace read them (dates and numbers are stripped of blanks before the check)."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from dutyctl.core.dates import _is_date_text, _is_number_text

# Digits of two scripts (ASCII and Arabic-Indic), the separators, blanks and a few others.
TEXT = st.text(alphabet="0123456789٣٤-. \t\n+ex", max_size=14)


@given(TEXT | st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"))
@example("2026-11-24")
@example("٢٠٢٦-١١-٢٤")
@example("2026-1-245")
def test_a_date_shape_is_what_the_pattern_matched(text: str) -> None:
    text = text.strip()
    assert _is_date_text(text) == bool(re.match(r"^\d{4}-\d{2}-\d{2}$", text))


@given(TEXT | st.from_regex(r"\A\s*\d+(\.\d+)?\s*\Z"))
@example(" 12.5 ")
@example("1.")
@example(".5")
@example("1.2.3")
def test_a_number_shape_is_what_the_pattern_matched(text: str) -> None:
    assert _is_number_text(text) == bool(re.match(r"^\s*\d+(?:\.\d+)?\s*$", text))

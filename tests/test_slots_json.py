"""The rotation's JSON, written directly from the plain slot rows (what the cache keeps),
is byte for byte what json.dumps writes of the slot records."""

from __future__ import annotations

import io
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.core.agenda import slot_record, slot_rows
from dutyctl.core.rotation import Assignment
from dutyctl.render import write_json
from dutyctl.render.export import slots_json

NAMES = st.one_of(st.sampled_from(["farid", "émilie", 'a"b', "back\\slash", "tab\t", "\u2028",
                                   "日本", "😀", ""]), st.text(max_size=8))
SLOTS = st.builds(
    Assignment,
    NAMES,
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    st.lists(NAMES, max_size=3).map(tuple),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SLOTS, max_size=6))
def test_slots_json_is_write_json(slots: list[Assignment]) -> None:
    expected = io.StringIO()
    write_json([slot_record(a) for a in slots], expected)
    assert slots_json(slot_rows(slots)) == expected.getvalue()

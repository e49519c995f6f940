"""A streamed JSON array is what ``json.dumps`` makes of the whole list, byte for byte."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from dutyctl.render import write_json, write_json_array

_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.lists(_VALUE, max_size=5))
def test_a_streamed_array_is_the_whole_list_dumped(items: list) -> None:
    whole, streamed = io.StringIO(), io.StringIO()
    write_json(items, whole)
    write_json_array(iter(items), streamed)
    assert streamed.getvalue() == whole.getvalue()


def test_an_empty_stream_is_an_empty_array() -> None:
    out = io.StringIO()
    write_json_array(iter([]), out)
    assert out.getvalue() == "[]\n"


def test_streaming_leaves_no_garbage_with_the_collector_off() -> None:
    """cli.main turns the cyclic collector off; json's indenting encoder leaves a cycle
    per call, so a stream of 20,000 items must not leave 20,000 of them behind."""
    import gc

    gc.disable()
    try:
        gc.collect()
        before = len(gc.get_objects())
        write_json_array(({"id": str(n), "value": n} for n in range(20_000)), io.StringIO())
        left = len(gc.get_objects()) - before
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert left < 5_000

"""The check that no id is in two files (``logcache.IdHashes``) finds every shared hash,
and only those, whether it holds the hashes in memory or in a temporary file, and when
no temporary file can be made."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyctl.store import logcache

IDS = st.lists(
    st.lists(st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZab", min_size=1, max_size=26),
             max_size=30, unique=True),
    max_size=8,
)


def check(files: list[list[str]], spill_after: int | None) -> bool:
    with logcache.IdHashes(spill_after=spill_after) as hashes:
        for ids in files:
            hashes.add(logcache.id_hashes(ids))
        assert len(hashes.digests) == len(files)
        return hashes.disjoint()


@settings(max_examples=200, deadline=None)
@given(IDS, st.sampled_from([None, 0, 64]))
def test_disjoint_exactly_when_no_hash_is_in_two_files(files, spill_after) -> None:
    seen: set[bytes] = set()
    shared = False
    for ids in files:
        blob = logcache.id_hashes(ids)
        mine = {blob[at : at + 8] for at in range(0, len(blob), 8)}
        shared = shared or bool(seen & mine)
        seen |= mine
    assert check(files, spill_after) == (not shared)


def test_an_id_of_the_first_file_in_the_last_is_found_on_disk() -> None:
    files = [[f"01JD{n:022d}" for n in range(k * 1000, k * 1000 + 1000)] for k in range(6)]
    assert check(files, 0)
    files[-1].append(files[0][500])
    assert not check(files, 0)
    assert not check(files, None)


def test_hashes_not_made_by_id_hashes_send_the_report_the_slow_way() -> None:
    with logcache.IdHashes(spill_after=0) as hashes:
        hashes.add(logcache.id_hashes(["a"]))
        hashes.add(b"\x00" * 7)
        assert not hashes.disjoint()


def test_without_a_temporary_folder_the_hashes_stay_in_memory(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(OSError):
        tempfile.TemporaryFile()
    files = [["a", "b"], ["c"], ["d", "a"]]
    assert check(files[:2], 0)
    assert not check(files, 0)


def test_a_temporary_file_that_cannot_be_written_sends_the_report_the_slow_way() -> None:
    """Writes past a file size limit fail as on a full disk (EFBIG instead of ENOSPC):
    the check says no, so the report reads entry by entry; it never says yes wrongly."""
    import subprocess
    import sys

    code = """
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
from dutyctl.store import logcache
with logcache.IdHashes(spill_after=0) as hashes:
    for k in range(4):
        hashes.add(logcache.id_hashes([f"01JD{n:022d}" for n in range(k * 900, k * 900 + 900)]))
    print(hashes.disjoint())
with logcache.IdHashes(spill_after=None) as hashes:
    for k in range(4):
        hashes.add(logcache.id_hashes([f"01JD{n:022d}" for n in range(k * 900, k * 900 + 900)]))
    print(hashes.disjoint())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]

"""Public holidays by country, read with only that country's module imported: the same
table as the holidays package gives, and really without importing every country."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Each in a fresh interpreter: the one-country way first (nothing else imported), then
# the package's own way, whose import of holidays.countries takes every country.
_COMPARE = """
import sys
from dutyctl.store.planfile import _one_country
import holidays
country, subdivision = sys.argv[1], sys.argv[2] or None
years = range(2024, 2031)
mine = _one_country(country, subdivision, years)
assert mine is not None, "fell back"
alone = "holidays.countries" not in sys.modules
theirs = holidays.country_holidays(country, subdiv=subdivision, years=years, language="en_US")
print(alone, {d: str(n) for d, n in mine.items()} == {d: str(n) for d, n in theirs.items()},
      len(mine))
"""


@pytest.mark.parametrize(
    ("country", "subdivision"),
    [("DE", "BE"), ("DE", ""), ("US", "CA"), ("FR", ""), ("GB", "SCT"), ("JP", ""),
     ("Germany", ""), ("SZ", "")],
)
def test_one_country_gives_the_package_table(country: str, subdivision: str) -> None:
    done = subprocess.run([sys.executable, "-c", _COMPARE, country, subdivision],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    alone, same, count = done.stdout.split()
    assert (alone, same) == ("True", "True")
    assert int(count) > 0


def test_an_unknown_country_or_subdivision_is_left_to_the_package() -> None:
    from dutyctl.store.planfile import _one_country

    assert _one_country("XX", None, range(2026, 2027)) is None
    assert _one_country("DE", "XX", range(2026, 2027)) is None

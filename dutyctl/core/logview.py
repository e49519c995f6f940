"""What the log commands need of the plan, as plain values a cache entry can hold.

`dutyctl log` checks its arguments against the roster, the metrics, the channels and
the duties, and shows a slot's standing against its duty's KPI: nothing else of the
plan. :func:`plain_view` projects a plan to exactly that, as values :mod:`marshal`
stores (so that a warm `dutyctl log` reads it without the plan model, pickle or the
YAML loader), and :func:`log_view` gives it back with names to read it by. Both the
cached and the uncached path check through the same :class:`LogView`.

Pure: no I/O, and no import of the model (a plan is only read through its attributes).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dutyctl.core.model import Plan

# NamedTuples, not dataclasses: they are made on the warm `dutyctl log` path, where
# defining a dataclass costs about ten times as much.


class Rostered(NamedTuple):
    """A person as the log commands know them (what identity.person_id reads)."""

    name: str
    email: str | None


class KpiBound(NamedTuple):
    """A KPI bound of a duty; ``text`` is the bound as the plan's model writes it."""

    minimum: float
    maximum: float | None
    text: str

    def __str__(self) -> str:
        return self.text


class DutyTerms(NamedTuple):
    """What a duty asks of whoever logs for it."""

    name: str
    kpi: dict[str, KpiBound]
    kpi_per: str  # "slot" or "person"
    channels: tuple[str, ...]


class LogView(NamedTuple):
    timezone: str
    start: date
    people: dict[str, Rostered]  # in roster order: the first e-mail match wins
    metrics: dict[str, str]  # id -> kind ("output" or "outcome"), in the plan's order
    channels: tuple[str, ...]
    duties: dict[str, DutyTerms]


def plain_view(plan: Plan) -> dict:
    """The plan as the log commands see it, in plain values only (dates as ISO text)."""
    return {
        "timezone": plan.timezone,
        "start": plan.start.isoformat(),
        "people": {p.id: (p.name, p.email) for p in plan.roster},
        "metrics": {mid: metric.kind for mid, metric in plan.metrics.items()},
        "channels": tuple(plan.channels),
        "duties": {
            did: (
                duty.name,
                {m: (b.minimum, b.maximum, str(b)) for m, b in duty.kpi.items()},
                duty.kpi_per,
                tuple(duty.channels),
            )
            for did, duty in plan.duties.items()
        },
    }


def log_view(plain: dict) -> LogView:
    """A :func:`plain_view` (computed now, or read back from the cache) to read by name."""
    return LogView(
        plain["timezone"],
        date.fromisoformat(plain["start"]),
        {pid: Rostered(name, email) for pid, (name, email) in plain["people"].items()},
        dict(plain["metrics"]),
        tuple(plain["channels"]),
        {
            did: DutyTerms(
                name,
                {m: KpiBound(low, high, text) for m, (low, high, text) in kpi.items()},
                per,
                tuple(channels),
            )
            for did, (name, kpi, per, channels) in plain["duties"].items()
        },
    )

"""Records -> JSON-able data, one way for every command's ``--format json``. Pure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def jsonable(value: Any) -> Any:
    if hasattr(type(value), "__dataclass_fields__"):  # dataclasses.is_dataclass, for instances
        import dataclasses  # here: the cron path renders no dataclass

        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "locations"
        }
    if isinstance(value, dict):
        return {
            str(k if not isinstance(k, date) else k.isoformat()): jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

"""Writing an override into plan.yaml without touching anything else in the file.

A full YAML round trip re-flows flow-style mappings (``- {id: anna, ...}`` spread
over two lines comes back as one), so the edit is made on the text: ruamel.yaml
says where the ``overrides:`` list is, the new item is inserted as one line, and
the result is checked to be the old text plus that line, and to load as the old
plan plus the override. Every comment and the layout of the rest stay as they were.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from dutyctl.core.model import Override
from dutyctl.errors import InputError, Location
from dutyctl.store.repo import Repo


def override_item(override: Override) -> str:
    """The override as a one-line YAML flow mapping."""
    parts = [
        f"date: {override.date.isoformat()}",
        f"duty: {override.duty}",
        f"from: {override.from_person}",
        f"to: {override.to_person}",
    ]
    if override.reason:
        parts.append(f"reason: {json.dumps(override.reason, ensure_ascii=False)}")
    return "{" + ", ".join(parts) + "}"


def insert_override(text: str, override: Override, source: str = "plan.yaml") -> str:
    """The plan text with ``override`` appended to its ``overrides:`` list."""
    from dutyctl.store.planfile import parse_yaml

    data = parse_yaml(text, source)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    item = override_item(override)
    if not isinstance(data, dict) or "overrides" not in data:
        return "".join(lines) + f"\noverrides:\n  - {item}\n"
    value = data["overrides"]
    key_line = data.lc.key("overrides")[0]
    if value is None or (isinstance(value, list) and not value):
        line = lines[key_line]
        comment = line[line.index("#") :].rstrip("\n") if "#" in line else ""
        lines[key_line] = "overrides:" + (f"  {comment}" if comment else "") + "\n"
        lines.insert(key_line + 1, f"  - {item}\n")
        return "".join(lines)
    if not isinstance(value, list) or value.fa.flow_style():
        raise InputError(
            "cannot add to 'overrides': it is not a block list",
            location=Location(source, key_line + 1, 1),
            hint="write overrides as a list with one '- {...}' item per line, then try again",
        )
    first_line, first_col = value.lc.item(0)
    dash_col = max(lines[first_line].find("-"), 0) if "-" in lines[first_line] else first_col - 2
    # The list ends before the next top-level key (or at the end of the file); comments
    # and blank lines just above that key belong to what follows.
    keys = list(data)
    position = keys.index("overrides")
    end = data.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else len(lines)
    while end > first_line + 1 and _blank_or_comment(lines[end - 1]):
        end -= 1
    lines.insert(end, " " * dash_col + f"- {item}\n")
    return "".join(lines)


def add_override(repo: Repo, override: Override) -> None:
    """Append an override to the repository's plan.yaml, atomically, or refuse."""
    from dutyctl.store.planfile import build_plan, decode, read_source, repo_roster_source
    from dutyctl.store.safefiles import refuse_link

    path = repo.plan_path
    source = repo.relative(path)
    refuse_link(path, path.name, "plan")  # the edit replaces plan.yaml: never a link's target
    before_bytes = read_source(repo, path, None)
    before = decode(before_bytes, source)
    after = insert_override(before, override, source)
    # Both plans read the roster file, when the plan keeps its people in one.
    roster = repo_roster_source(repo)
    old_plan, _ = build_plan(before, source, roster_source=roster)
    new_plan, problems = build_plan(after, source, roster_source=roster)
    expected = (*(old_plan.overrides if old_plan else ()), override)
    inserted_only = _is_insertion(before, after)
    if new_plan is None or new_plan.overrides != expected or not inserted_only:
        raise InputError(
            "could not add the override to plan.yaml without changing anything else",
            location=Location(source),
            hint=f"add it by hand under 'overrides:': - {override_item(override)}",
        )
    mode = path.stat().st_mode & 0o7777
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".plan.", suffix=".yaml")
    except OSError as error:
        raise _write_failed(source, error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(after)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _write_failed(source, error) from None
        raise


def _write_failed(source: str, error: OSError) -> InputError:
    """A refused write (disk full, read-only): the plan file was left as it was."""
    return InputError(
        f"could not write {source}: {error.strerror or error}; {source} is as it was",
        location=Location(source),
        hint="free some disk space or make the folder writable, then run the command again",
    )


def _is_insertion(before: str, after: str) -> bool:
    """Whether ``after`` is ``before`` with lines added (an empty ``overrides: []`` aside)."""
    new = iter(after.splitlines())
    return all(
        any(line == candidate for candidate in new)
        for line in before.splitlines()
        if line and not line.startswith("overrides:")
    )


def _blank_or_comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")

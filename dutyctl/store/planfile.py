"""Loading the plan: YAML bytes -> a validated :class:`~dutyctl.core.model.Plan`.

The YAML is read with ruamel.yaml's round-trip loader, which builds no Python
objects from tags and remembers where every value was written; those positions
stay inside this module and in ``Plan.locations``. libyaml (ruamel.yaml.clib)
scans and parses the text when it is installed and agrees with ruamel's pure-Python
parser on it, which is most plans; the result is the same either way. Every problem
found is collected (never the first one only) as a :class:`Problem` with file, line
and column, and :func:`load_plan` raises one :class:`PlanInvalid` that carries them all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dutyctl.core.model import (
    Award,
    Bound,
    Cadence,
    Channel,
    Department,
    Duty,
    Goal,
    HolidayRule,
    Metric,
    Override,
    Person,
    Plan,
    Review,
    Span,
)
from dutyctl.core.syntax import (
    parse_bound,
    parse_cadence,
    parse_date,
    parse_duration,
    parse_number,
    parse_span,
    parse_weekday,
)
from dutyctl.core.workdays import DEFAULT_ON_HOLIDAY, ON_HOLIDAY
from dutyctl.errors import (
    DutyctlError,
    InputError,
    Location,
    PlanInvalid,
    Problem,
    did_you_mean,
)
from dutyctl.store.repo import Repo, read_at_rev
from dutyctl.store.safefiles import MAX_PLAN_BYTES, read_regular

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ID_HINT = "ids are letters, digits, '.', '_' or '-', starting with a letter or digit"
_ID_QUOTE_HINT = (
    "YAML reads 007, 1e3, true and null as numbers, booleans or nothing: "
    "write the id in quotes, such as '007', or pick a word"
)
# Alias bombs ("billion laughs") share nodes; walking them is what explodes, so the
# walk has a budget far above any real plan (a 1000-person plan is ~20,000 values).
NODE_BUDGET = 500_000

TOP_KEYS = {
    "team": "the team's name",
    "timezone": "IANA time zone such as Europe/Berlin",
    "start": "the rotation's first day",
    "holidays": "public holidays: {country, subdivision, extra}",
    "channels": "the networks the team posts to",
    "metrics": "what people log",
    "skills": "the skills people can have",
    "coordinator": "the person who owns the plan",
    "departments": "departments and their coordinators",
    "roster": "the people (a list, or a path to a YAML file)",
    "duties": "recurring duties and their KPIs",
    "review": "the review meeting's cadence",
    "award": "how the best person on duty is chosen",
    "goals": "targets to reach",
    "overrides": "one-off replacements in the rotation",
    "rotation": "rotation settings",
}
PERSON_KEYS = ("id name email department skills channels budget away from until days note").split()
DUTY_KEYS = (
    "name every people weight channels requires kpi kpi_per due department description"
).split()
METRIC_KEYS = ["kind", "points", "unit", "description"]
CHANNEL_KEYS = ["name", "owner"]
DEPARTMENT_KEYS = ["name", "coordinator"]
HOLIDAY_KEYS = ["country", "subdivision", "extra"]
REVIEW_KEYS = ["every", "title", "on_holiday"]
DUE_KEYS = ["days", "on_holiday"]  # `due: {days: [TU, TH], on_holiday: later}`
AWARD_KEYS = ["title", "by", "min_compliance", "department"]
GOAL_KEYS = ["text", "metric", "channel", "target", "by"]
OVERRIDE_KEYS = ["date", "duty", "from", "to", "reason"]
ROTATION_KEYS = ["double_duty"]
AWARD_BY = ("points", "compliance", "entries")
METRIC_KINDS = ("output", "outcome")
KPI_PER = ("slot", "person")


@dataclass
class _Reader:
    """Walks the YAML tree, building records and collecting located problems."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    locations: dict[str, Location] = field(default_factory=dict)
    visited: int = 0
    pure: bool = False  # read YAML with the pure-Python parser only (see parse_yaml)

    # --- locations and problems ------------------------------------------------

    def at(self, container: Any, key: Any = None, *, of_key: bool = False) -> Location:
        """Where ``container[key]`` (or the container itself) was written."""
        lc = getattr(container, "lc", None)
        try:
            if lc is None:
                return Location(self.source)
            if key is None:
                line, col = lc.line, lc.col
            elif isinstance(key, int) and isinstance(container, list):
                line, col = lc.item(key)
            elif key not in container:
                # A missing value is reported where its mapping starts.
                line, col = lc.line, lc.col
            elif of_key:
                line, col = lc.key(key)
            else:
                line, col = lc.value(key)
            return Location(self.source, line + 1, col + 1)
        except (AttributeError, KeyError, TypeError, IndexError):
            return Location(self.source)

    def error(self, location: Location, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(location, message, hint))

    def warn(self, location: Location, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(location, message, hint, severity="warning"))

    def remember(self, path: str, location: Location) -> None:
        self.locations[path] = location

    # --- typed access ------------------------------------------------------------

    def tick(self) -> None:
        self.visited += 1
        if self.visited > NODE_BUDGET:
            raise InputError(
                "the plan is too large or expands too much (YAML aliases nested in aliases?)",
                location=Location(self.source),
                hint="a plan needs no nested anchors and aliases; write values out",
            )

    def mapping(
        self, value: Any, path: str, location: Location, allowed: list[str] | dict | None = None
    ) -> dict | None:
        self.tick()
        if _tagged(value):
            self.error(location, f"{path}: YAML tags are not allowed", "remove the '!tag'")
            return None
        if not isinstance(value, dict):
            self.error(location, f"{path} must be a mapping (key: value), found {_kind(value)}")
            return None
        if allowed is not None:
            for key in value:
                if str(key) not in allowed:
                    where = self.at(value, key, of_key=True)
                    hint = did_you_mean(str(key), allowed) or "known keys: " + ", ".join(allowed)
                    self.error(where, f"unknown key '{key}' in {path}", hint)
        return value

    def sequence(self, value: Any, path: str, location: Location) -> list:
        self.tick()
        if value is None:
            return []
        if _tagged(value):
            self.error(location, f"{path}: YAML tags are not allowed", "remove the '!tag'")
            return []
        if isinstance(value, str | int | float | date) and not isinstance(value, bool):
            return [value]  # a single item where a list is expected: accept it
        if not isinstance(value, list):
            self.error(location, f"{path} must be a list, found {_kind(value)}")
            return []
        return value

    def scalar(
        self, container: Any, key: Any, path: str, *, required: bool, what: str
    ) -> Any | None:
        """A plain value at ``key`` (None when absent or refused, the problem reported)."""
        value = _get(container, key)
        location = self.at(container, key)
        self.remember(path, location)
        self.tick()
        if value is None:
            if required:
                self.error(self.at(container), f"{path} is required", f"add '{key}: ...'")
            return None
        if _tagged(value):
            self.error(location, f"{path}: YAML tags are not allowed", "remove the '!tag'")
            return None
        if isinstance(value, dict | list) or (what == "text" and isinstance(value, bool)):
            self.error(location, f"{path} must be {what}, found {_kind(value)}")
            return None
        return value

    def text(self, container: Any, key: Any, path: str, *, required: bool = False) -> str | None:
        value = self.scalar(container, key, path, required=required, what="text")
        return None if value is None else str(value)

    def ident(self, container: Any, key: Any, path: str, *, required: bool = False) -> str | None:
        raw = _get(container, key)
        if raw is None and isinstance(container, dict | list) and _has(container, key):
            # `id: null`, `id: ~` or `id:` with nothing: written, but not an id.
            self.error(self.at(container, key), f"{path} is empty (null)", _ID_QUOTE_HINT)
            return None
        if raw is not None and not isinstance(raw, str | dict | list) and not _tagged(raw):
            # YAML reads `007` as 7, `1e3` as 1000.0 and `true` as a boolean: refuse them
            # rather than turn them into other ids.
            self.error(
                self.at(container, key),
                f"{path}: YAML reads this value as {_kind(raw)}, not as an id (text)",
                _ID_QUOTE_HINT,
            )
            return None
        value = self.text(container, key, path, required=required)
        if value is not None and not ID_RE.match(value):
            self.error(self.at(container, key), f"{path} '{value}' is not a valid id", ID_HINT)
            return None
        return value

    def ident_list(self, container: Any, key: Any, path: str) -> tuple[str, ...]:
        raw = _get(container, key)
        location = self.at(container, key)
        self.remember(path, location)
        items = []
        for index, _item in enumerate(self.sequence(raw, path, location)):
            holder = raw if isinstance(raw, list) else {key: raw}
            where = index if isinstance(raw, list) else key
            item = self.ident(holder, where, f"{path}[{index}]")
            if item is not None:
                items.append(item)
        return tuple(items)

    def mapping_items(self, top: dict, key: str, allowed: list[str]):
        """(index, path, body) of each mapping in the list ``top[key]``; others reported."""
        raw = top.get(key)
        for index, item in enumerate(self.sequence(raw, key, self.at(top, key))):
            path = f"{key}[{index}]"
            holder = raw if isinstance(raw, list) else [item]
            self.remember(path, self.at(holder, index))
            body = self.mapping(item, path, self.at(holder, index), allowed)
            if body is not None:
                yield index, path, body

    def parsed_list(self, container: Any, key: Any, path: str, parser: Callable) -> list:
        """Each item of a list (or a lone value standing for one) through ``parser``."""
        raw = _get(container, key)
        items = self.sequence(raw, path, self.at(container, key))
        holder = raw if isinstance(raw, list) else {key: raw}
        values = []
        for index in range(len(items)):
            where = index if isinstance(raw, list) else key
            value = self.parsed(holder, where, f"{path}[{index}]", parser)
            if value is not None:
                values.append(value)
        return values

    def parsed(self, container: Any, key: Any, path: str, parser: Callable, *, required=False):
        value = self.scalar(container, key, path, required=required, what="a single value")
        if value is None:
            return None
        location = self.at(container, key)
        try:
            return parser(value)
        except DutyctlError as exc:
            self.error(location, f"{path}: {exc.message}", exc.hint)
            return None

    def flag(self, container: Any, key: Any, path: str, default: bool) -> bool:
        value = _get(container, key)
        self.remember(path, self.at(container, key))
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(self.at(container, key), f"{path} must be true or false, found '{value}'")
            return default
        return value


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        return container[key]
    return None


def _tagged(value: Any) -> bool:
    """A value written with a YAML tag (``!!python/object...``, ``!custom``)."""
    if type(value).__name__ == "TaggedScalar":
        return True
    # Round-trip mappings and lists keep their tag without acting on it.
    tag = getattr(value, "tag", None) if isinstance(value, dict | list) else None
    return getattr(tag, "value", None) is not None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, date):
        return f"the date {value}"
    if _tagged(value):
        return "a tagged value"
    return f"'{value}'"


# --- YAML ---------------------------------------------------------------------------


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, or an error that points at the first bad byte's line and column."""
    if len(data) > MAX_PLAN_BYTES:
        raise InputError(
            f"{source} is {len(data)} bytes; a plan is at most {MAX_PLAN_BYTES} bytes",
            location=Location(source),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8",
            location=Location(source, line, column),
            hint="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def parse_yaml(text: str, source: str, *, pure: bool = False) -> Any:
    """The YAML tree (round-trip, so positions are kept), or an InputError with line:column.

    The tree is composed from libyaml's events (ruamel.yaml.clib) when the text is one
    on which libyaml and ruamel's pure-Python parser agree (see :func:`_parse_libyaml`),
    about five times faster; otherwise, on any error, and with ``pure=True``, the text is
    read by the pure-Python parser, whose errors and positions are the reference.
    """
    if not pure:
        try:
            data = _parse_libyaml(text)
        except _TooDeep as exc:
            # The pure composer recurses: it would take seconds to fail, without a place.
            raise InputError(
                f"the YAML is nested too deeply (more than {_MAX_DEPTH} levels)",
                location=Location(source, exc.mark.line + 1, exc.mark.column + 1),
                hint="flatten the file",
            ) from None
        if data is not _USE_PURE:
            return data
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="rt")
    yaml.Constructor = _plan_constructor()
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source)
        problem = (exc.problem or exc.context or "YAML syntax error").strip()
        hint = "fix the YAML syntax at this place"
        if "\\t" in problem or "'\\t'" in problem:
            problem = "a tab character where YAML expects indentation or a value"
            hint = "YAML does not allow tabs for indentation: use spaces"
        elif "duplicate key" in problem:
            hint = "each key may appear once in a mapping: remove or rename one of them"
        raise InputError(f"YAML: {problem}", location=location, hint=hint) from None
    except ReaderError as exc:
        # A character YAML does not allow (a NUL byte, a control character): say where.
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InputError(
            f"YAML: the character U+{ord(char):04X} is not allowed",
            location=Location(source, line, column),
            hint="remove it; a YAML file holds printable text only",
        ) from None
    except YAMLError as exc:
        raise InputError(f"YAML: {exc}", location=Location(source)) from None
    except RecursionError:
        raise InputError(
            "the YAML is nested too deeply", location=Location(source), hint="flatten the file"
        ) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"YAML: {exc}", location=Location(source)) from None


@functools.cache
def _plan_constructor() -> type:
    from ruamel.yaml.constructor import RoundTripConstructor

    class PlanConstructor(RoundTripConstructor):
        """Dates stay text, so that a bad date is reported by our parser with its place."""

    PlanConstructor.add_constructor(
        "tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str
    )
    return PlanConstructor


# --- YAML through libyaml ----------------------------------------------------------
#
# libyaml (ruamel.yaml.clib's CParser) scans and parses in C; its events are composed
# here into the same nodes as ruamel's composer makes, and ruamel's round-trip
# constructor builds the same CommentedMap/CommentedSeq values with the same .lc
# positions. The two parsers agree on plain plans but not on everything, so the fast
# path gives up (and the pure parser reads the text) whenever they could differ:
# - characters the two treat differently: tabs, a CR not before an LF, NEL, LS, PS,
#   a BOM inside the text, control characters (these give the pure parser's errors);
# - a block scalar header with a comment glued to it ('|#'), or followed by a line of
#   spaces then a more indented line: libyaml accepts both, ruamel refuses them;
# - an anchor or alias name followed by one of '?:%@`', where libyaml ends the name
#   (its names are letters, digits, '-' and '_') and ruamel goes on;
# - empty values ('key:' with nothing) other than in a block mapping before the next
#   key with only blank lines between (ruamel places those at that key: done here);
# - tags, '%' directives, a reused anchor, more than one document, a document that
#   is a lone scalar;
# - any error at all, so that every message and location is the pure parser's, except
#   nesting deeper than _MAX_DEPTH: an error here, where the pure composer would recurse
#   for seconds before it failed without a place.
# A test compares both paths on random edits of the example plan.

_USE_PURE = object()
_MAX_DEPTH = 64
_UNSHARED_TEXT = re.compile(
    "[^\r\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    "|\r(?!\n)"
    "|[|>][-+0-9]*#"
    "|[|>][^\n]*\n +\r?\n"
    "|(?<![^\\s\\[\\]{},])[&*][-0-9A-Za-z_]*[?:%@`]"
)


@functools.cache
def _libyaml() -> tuple | None:
    """What the fast path needs from ruamel.yaml.clib, or None when it is not installed."""
    try:
        from _ruamel_yaml import CParser  # ruamel.yaml.clib
    except ImportError:
        return None
    from ruamel.yaml import events
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from ruamel.yaml.resolver import VersionedResolver

    return (CParser, events, ScalarNode, SequenceNode, MappingNode, VersionedResolver)


class _NoDirectives:
    """Stands for the scanner the resolver asks about a '%YAML' directive (none here)."""

    yaml_version = None


class _Loader:
    """What ruamel's constructor and resolver look up on their loader."""

    comment_handling = None
    _scanner = _NoDirectives()
    _resolver: Any = None


def _parse_libyaml(text: str) -> Any:
    """The YAML tree through libyaml, or _USE_PURE when the pure parser must read it."""
    parts = _libyaml()
    if parts is None or _UNSHARED_TEXT.search(text) is not None:
        return _USE_PURE
    cparser, resolver_class = parts[0], parts[-1]
    loader = _Loader()
    resolver = resolver_class(loadumper=loader)
    loader._resolver = resolver
    if resolver.yaml_path_resolvers:
        return _USE_PURE
    try:
        node = _compose(text, cparser(text), resolver, parts)
        if node is _USE_PURE or node is None:
            return node
        constructor = _plan_constructor()(loader=loader)
        constructor.allow_duplicate_keys = False
        return constructor.construct_document(node)
    except _TooDeep:
        raise
    except Exception:
        return _USE_PURE


def _compose(text: str, parser: Any, resolver: Any, parts: tuple) -> Any:
    """The document's node tree as ruamel's Composer makes it, without recursion."""
    _, events, scalar_node, sequence_node, mapping_node, _ = parts
    resolve = resolver.resolve
    get_event = parser.get_event
    scalar, alias = events.ScalarEvent, events.AliasEvent
    sequence_start, mapping_start = events.SequenceStartEvent, events.MappingStartEvent
    sequence_end, mapping_end = events.SequenceEndEvent, events.MappingEndEvent
    if type(get_event()) is not events.StreamStartEvent:
        return _USE_PURE
    event = get_event()
    if type(event) is events.StreamEndEvent:
        return None  # an empty stream: no document
    if type(event) is not events.DocumentStartEvent or event.version or event.tags:
        return _USE_PURE
    anchors: dict[str, Any] = {}
    tags: dict[tuple, Any] = {}
    # Open collections: [node, key waiting for its value (mappings)].
    stack: list[list] = []
    root: Any = None
    # An empty value in a block mapping, which ruamel places where the next key starts
    # (libyaml: right after the ':'): (its node, libyaml's place).
    empty: tuple | None = None
    lines: list[str] = []  # the text's lines, split when an empty value needs them
    while True:
        event = get_event()
        kind = type(event)
        if empty is not None:
            if kind is not scalar or event.anchor is not None or event.tag is not None:
                return _USE_PURE
            lines = lines or text.split("\n")
            if not _blank_between(lines, empty[1], event.start_mark):
                return _USE_PURE  # a comment, a '?': ruamel's place would differ
            empty[0].start_mark = empty[0].end_mark = event.start_mark
            empty = None
        if kind is sequence_end or kind is mapping_end:
            node = stack.pop()[0]
            node.end_mark = event.end_mark
            if not stack:
                root = node
                break
            continue
        if kind is alias:
            if event.anchor not in anchors:
                return _USE_PURE
            node = anchors[event.anchor]
        else:
            anchor = event.anchor
            if event.tag is not None or (anchor is not None and anchor in anchors):
                return _USE_PURE
            if kind is scalar:
                value, style = event.value, event.style or None
                if value == "" and style is None:
                    top = stack[-1] if stack else None
                    if (
                        top is None
                        or top[0].id != "mapping"
                        or top[0].flow_style is not False
                        or top[1] is _NO_KEY
                        or anchor is not None
                    ):
                        return _USE_PURE  # an empty key, item or flow value
                # The tag depends on the text and its quoting only: resolve each once.
                tag = tags.get((value, event.implicit))
                if tag is None:
                    tag = tags[value, event.implicit] = resolve(scalar_node, value, event.implicit)
                node = scalar_node(
                    tag, value, event.start_mark, event.end_mark, style=style, anchor=anchor
                )
                if value == "" and style is None:
                    empty = (node, event.start_mark)
            elif kind is sequence_start or kind is mapping_start:
                node_class = sequence_node if kind is sequence_start else mapping_node
                tag = resolve(node_class, None, event.implicit)
                node = node_class(
                    tag, [], event.start_mark, None, flow_style=event.flow_style, anchor=anchor
                )
            else:
                return _USE_PURE
            if anchor is not None:
                anchors[anchor] = node
            if kind is not scalar:
                if len(stack) >= _MAX_DEPTH:
                    raise _TooDeep(event.start_mark)
                if stack:
                    _attach(stack[-1], node)
                stack.append([node, _NO_KEY])
                continue
        if not stack:
            # A lone scalar is never a plan, and libyaml ends a block scalar at the top
            # level ('|' then lines at column 1) earlier than ruamel: leave it to ruamel.
            return _USE_PURE
        _attach(stack[-1], node)
    if type(get_event()) is not events.DocumentEndEvent:
        return _USE_PURE
    if type(get_event()) is not events.StreamEndEvent:
        return _USE_PURE  # another document: the pure parser says so
    return root


_NO_KEY = object()


class _TooDeep(Exception):
    """Nesting deeper than _MAX_DEPTH, at ``mark``: no plan is, and no parser is asked."""

    def __init__(self, mark: Any) -> None:
        super().__init__(mark)
        self.mark = mark


def _blank_between(lines: list[str], start: Any, end: Any) -> bool:
    """Whether the text from mark ``start`` to mark ``end`` is spaces and line breaks."""
    if end.line <= start.line:
        return False
    gap = [lines[start.line][start.column :]]
    gap += lines[start.line + 1 : end.line]
    gap.append(lines[end.line][: end.column])
    return all(not part.strip(" \r") for part in gap)


def _attach(top: list, node: Any) -> None:
    """Add ``node`` to the innermost open collection ``top``: an item, a key or a value."""
    parent = top[0]
    if parent.id == "sequence":
        parent.value.append(node)
    elif top[1] is _NO_KEY:
        top[1] = node
    else:
        parent.value.append((top[1], node))
        top[1] = _NO_KEY


# --- the plan ------------------------------------------------------------------------


RosterSource = Callable[[str, Location], tuple[str, str]]


def build_plan(
    text: str,
    source: str,
    *,
    roster_source: RosterSource | None = None,
    years: range | None = None,
    pure: bool = False,
) -> tuple[Plan | None, list[Problem]]:
    """Text of a plan -> (plan, problems). The plan is None when any problem is an error.

    ``roster_source(relpath, location)`` returns (text, source name) for a roster kept
    in its own file; ``years`` says for which years to resolve public holidays;
    ``pure=True`` reads the YAML without libyaml (see :func:`parse_yaml`).
    """
    from dutyctl.core.checks import check_plan

    reader = _Reader(source, pure=pure)
    try:
        data = parse_yaml(text, source, pure=pure)
        if data is None:
            raise InputError(
                "the plan is empty",
                location=Location(source, 1, 1),
                hint="start from 'dutyctl init' or examples/plan.yaml",
            )
        if not isinstance(data, dict | list):
            # A bare scalar has no position of its own: point at its first line.
            raise InputError(
                f"the plan must be a mapping (key: value), found {_kind(data)}",
                location=Location(source, _first_content_line(text), 1),
                hint="start from 'dutyctl init' or examples/plan.yaml",
            )
        plan = _read_plan(reader, data, roster_source, years)
    except DutyctlError as exc:
        return None, [
            *reader.problems,
            Problem(exc.location or Location(source), exc.message, exc.hint),
        ]
    if plan is not None:
        reader.problems.extend(check_plan(plan))
    problems = sorted(reader.problems, key=_problem_order)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return plan, problems


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith(("#", "%", "---")):
            return number
    return 1


def _problem_order(problem: Problem) -> tuple:
    loc = problem.location
    if loc is None:
        return ("", 0, 0)
    return (loc.file, loc.line or 0, loc.column or 0)


def _read_plan(
    reader: _Reader, data: Any, roster_source: RosterSource | None, years: range | None
) -> Plan | None:
    top = reader.mapping(data, "the plan", reader.at(data), list(TOP_KEYS))
    if top is None:
        return None
    team = reader.text(top, "team", "team", required=True)
    if team is not None and not team.strip():
        reader.error(reader.at(top, "team"), "team is empty", "write the team's name: team: Acme")
        team = None
    timezone = reader.text(top, "timezone", "timezone") or "UTC"
    if "timezone" in top:
        _check_timezone(reader, timezone, reader.at(top, "timezone"))
    start = reader.parsed(top, "start", "start", parse_date, required=True)

    skills = reader.ident_list(top, "skills", "skills") if "skills" in top else None
    channels = _read_channels(reader, top)
    metrics = _read_metrics(reader, top)
    departments = _read_departments(reader, top)
    coordinator = reader.ident(top, "coordinator", "coordinator")
    roster = _read_roster(reader, top, roster_source)
    duties = _read_duties(reader, top, start)
    holidays = _read_holidays(reader, top)
    review = _read_review(reader, top, start)
    award = _read_award(reader, top)
    goals = _read_goals(reader, top)
    overrides = _read_overrides(reader, top)
    rotation = top.get("rotation")
    double_duty = False
    if rotation is not None:
        settings = reader.mapping(rotation, "rotation", reader.at(top, "rotation"), ROTATION_KEYS)
        if settings is not None:
            double_duty = reader.flag(settings, "double_duty", "rotation.double_duty", False)

    # A missing team or start is already reported; go on with stand-ins so that the
    # cross-reference checks still run and the user sees every problem at once.
    team = team if team is not None else ""
    start = start if start is not None else date(2000, 1, 3)
    holiday_dates = _resolve_holidays(reader, holidays, start, years, reader.at(top, "holidays"))
    locations = dict(reader.locations)
    if skills is not None:
        locations["skills"] = reader.at(top, "skills")
    return Plan(
        team=team,
        timezone=timezone,
        start=start,
        roster=roster,
        duties=duties,
        metrics=metrics,
        channels=channels,
        departments=departments,
        coordinator=coordinator,
        holidays=holidays,
        holiday_dates=holiday_dates,
        review=review,
        award=award,
        goals=goals,
        overrides=overrides,
        double_duty=double_duty,
        skills=skills,
        source=reader.source,
        locations=locations,
    )


def _check_timezone(reader: _Reader, name: str, location: Location) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Europe")
        reader.error(
            location,
            f"timezone '{name}' is not an IANA time zone",
            "use a name such as Europe/Berlin, America/New_York or UTC",
        )


def _entries(reader: _Reader, top: dict, key: str, what: str):
    """Items of a section written as a mapping of id -> settings, or a list of ids."""
    raw = top.get(key)
    if raw is None:
        return
    location = reader.at(top, key)
    if isinstance(raw, list):
        for index in range(len(raw)):
            item_id = reader.ident(raw, index, f"{key}[{index}]")
            if item_id is not None:
                yield item_id, None, f"{key}.{item_id}", reader.at(raw, index), raw, index
        return
    if not isinstance(raw, dict) and not _tagged(raw):
        reader.error(
            location,
            f"{key} must be a list of {what} ids or a mapping of id -> settings, found "
            f"{_kind(raw)}",
            f"write a list, even of one: {key}: [{raw if isinstance(raw, str) else 'id'}]",
        )
        return
    section = reader.mapping(raw, key, location)
    if section is None:
        return
    for item_id in section:
        where = reader.at(section, item_id, of_key=True)
        if not isinstance(item_id, str):
            reader.error(
                where,
                f"{what} id: YAML reads this key as {_kind(item_id)}, not as text",
                _ID_QUOTE_HINT.replace("write the id", "write the key"),
            )
            continue
        if not ID_RE.match(str(item_id)):
            reader.error(where, f"{what} id '{item_id}' is not a valid id", ID_HINT)
            continue
        reader.remember(f"{key}.{item_id}", where)
        yield str(item_id), section[item_id], f"{key}.{item_id}", where, section, item_id


def _read_channels(reader: _Reader, top: dict) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for cid, settings, path, where, _, _ in _entries(reader, top, "channels", "channel"):
        if cid in channels:
            reader.error(where, f"channel '{cid}' is listed twice", "list each channel once")
            continue
        name, owner = cid, None
        if settings is not None:
            body = reader.mapping(settings, path, where, CHANNEL_KEYS)
            if body is not None:
                name = reader.text(body, "name", f"{path}.name") or cid
                owner = reader.ident(body, "owner", f"{path}.owner")
        channels[cid] = Channel(cid, name, owner)
    return channels


def _read_metrics(reader: _Reader, top: dict) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    for mid, settings, path, where, _, _ in _entries(reader, top, "metrics", "metric"):
        kind, points, unit, description = "output", None, None, None
        if settings is not None:
            body = reader.mapping(settings, path, where, METRIC_KEYS)
            if body is not None:
                kind = reader.text(body, "kind", f"{path}.kind") or "output"
                if kind not in METRIC_KINDS:
                    reader.error(
                        reader.at(body, "kind"),
                        f"{path}.kind '{kind}' is not a metric kind",
                        did_you_mean(kind, METRIC_KINDS) or "use output or outcome",
                    )
                    kind = "output"
                points = reader.parsed(body, "points", f"{path}.points", parse_number)
                unit = reader.text(body, "unit", f"{path}.unit")
                description = reader.text(body, "description", f"{path}.description")
        if points is None:
            # Outcomes are measured, not earned: no points unless the plan says so.
            points = 0.0 if kind == "outcome" else 1.0
        metrics[mid] = Metric(mid, kind, points, unit, description)
    return metrics


def _read_departments(reader: _Reader, top: dict) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for did, settings, path, where, _, _ in _entries(reader, top, "departments", "department"):
        name, coordinator = did, None
        if settings is not None:
            body = reader.mapping(settings, path, where, DEPARTMENT_KEYS)
            if body is not None:
                name = reader.text(body, "name", f"{path}.name") or did
                coordinator = reader.ident(body, "coordinator", f"{path}.coordinator")
        departments[did] = Department(did, name, coordinator)
    return departments


def _read_roster(reader: _Reader, top: dict, roster_source: RosterSource | None) -> tuple:
    raw = top.get("roster")
    location = reader.at(top, "roster")
    if raw is None:
        reader.error(reader.at(top), "roster is required", "add 'roster:' with a list of people")
        return ()
    outer = reader
    if isinstance(raw, str) and not _tagged(raw):
        if roster_source is None:
            reader.error(location, "roster: a roster file cannot be read here")
            return ()
        try:
            text, source = roster_source(str(raw), location)
            data = parse_yaml(text, source, pure=reader.pure)
        except DutyctlError as exc:
            # A problem inside the roster file is located there; one with the file as a
            # whole (missing, a folder, outside) where the plan names it.
            inside = exc.location is not None and exc.location.line is not None
            reader.error(exc.location if inside else location, exc.message, exc.hint)
            return ()
        # The roster file's values are located in the roster file.
        reader = _Reader(source, locations=outer.locations, visited=outer.visited, pure=outer.pure)
        if isinstance(data, dict) and "roster" in data:
            reader.mapping(data, source, reader.at(data), ["roster"])
            data = data["roster"]
        location = reader.at(data)
        raw = data
    people: list[Person] = []
    seen: dict[str, Location] = {}
    items = reader.sequence(raw, "roster", location)
    if items and not isinstance(raw, list):
        # A single number or date where the people should be (sequence() lets one
        # item stand for a list, but a person is never a scalar).
        reader.error(
            location,
            f"roster must be a list of people, found {_kind(raw)}",
            "write one '- {id: ...}' item per person, or the path of a roster file",
        )
        items = []
    for index in range(len(items)):
        person = _read_person(reader, raw, index, seen)
        if person is not None:
            people.append(person)
    if reader is not outer:
        outer.problems.extend(reader.problems)
        outer.visited = reader.visited
    return tuple(people)


def _read_person(reader: _Reader, roster: list, index: int, seen: dict) -> Person | None:
    path = f"roster[{index}]"
    where = reader.at(roster, index)
    body = reader.mapping(roster[index], path, where, PERSON_KEYS)
    if body is None:
        return None
    pid = reader.ident(body, "id", f"{path}.id", required=True)
    if pid is None:
        return None
    if pid in seen:
        reader.error(
            reader.at(body, "id"),
            f"person id '{pid}' is used twice (first at line {seen[pid].line})",
            "give each person a unique id",
        )
        return None
    seen[pid] = reader.at(body, "id")
    path = f"roster.{pid}"
    reader.remember(path, where)
    away: list[Span] = reader.parsed_list(body, "away", f"{path}.away", parse_span)
    return Person(
        id=pid,
        name=reader.text(body, "name", f"{path}.name") or pid,
        email=reader.text(body, "email", f"{path}.email"),
        department=reader.ident(body, "department", f"{path}.department"),
        skills=reader.ident_list(body, "skills", f"{path}.skills"),
        channels=reader.ident_list(body, "channels", f"{path}.channels"),
        budget=reader.parsed(body, "budget", f"{path}.budget", parse_duration),
        away=tuple(sorted(away)),
        active_from=reader.parsed(body, "from", f"{path}.from", parse_date),
        active_until=reader.parsed(body, "until", f"{path}.until", parse_date),
        days=_working_days(reader, body, path),
    )


def _working_days(reader: _Reader, body: dict, path: str) -> tuple[int, ...] | None:
    """``days: [MO, TU, WE]``: the weekdays a part-timer works; absent means every day."""
    if "days" not in body:
        return None
    before = len(reader.problems)
    days = reader.parsed_list(body, "days", f"{path}.days", parse_weekday)
    if not days and len(reader.problems) == before:
        reader.error(
            reader.at(body, "days"),
            f"{path}.days lists no weekday",
            "list the weekdays they work, such as [MO, TU, WE], or leave days out",
        )
    return tuple(sorted(set(days))) or None


def _read_duties(reader: _Reader, top: dict, start: date | None) -> dict[str, Duty]:
    duties: dict[str, Duty] = {}
    if "duties" not in top:
        reader.error(reader.at(top), "duties is required", "add 'duties:' with at least one duty")
        return duties
    for did, settings, path, where, _, _ in _entries(reader, top, "duties", "duty"):
        body = reader.mapping(settings, path, where, DUTY_KEYS) if settings is not None else None
        if body is None:
            if settings is None:
                reader.error(where, f"duty '{did}' needs settings", "add at least 'every: weekday'")
            continue
        every = reader.parsed(
            body, "every", f"{path}.every", lambda v: parse_cadence(v, start), required=True
        )
        people = reader.parsed(body, "people", f"{path}.people", _positive_int)
        weight = reader.parsed(body, "weight", f"{path}.weight", _weight)
        kpi: dict[str, Bound] = {}
        raw_kpi = body.get("kpi")
        if raw_kpi is not None:
            section = reader.mapping(raw_kpi, f"{path}.kpi", reader.at(body, "kpi"))
            for metric in section or {}:
                reader.remember(f"{path}.kpi.{metric}", reader.at(section, metric, of_key=True))
                bound = reader.parsed(section, metric, f"{path}.kpi.{metric}", _kpi_bound)
                if bound is not None:
                    kpi[str(metric)] = bound
                reader.remember(f"{path}.kpi.{metric}", reader.at(section, metric, of_key=True))
        kpi_per = reader.text(body, "kpi_per", f"{path}.kpi_per") or "slot"
        if kpi_per not in KPI_PER:
            reader.error(
                reader.at(body, "kpi_per"),
                f"{path}.kpi_per '{kpi_per}' must be slot or person",
                did_you_mean(kpi_per, KPI_PER),
            )
        due, due_on_holiday = _read_due(reader, body, path)
        if every is None:
            # Already reported; a stand-in lets the other checks of this duty run.
            every = Cadence("day", "FREQ=DAILY", "DAILY")
        duties[did] = Duty(
            id=did,
            name=reader.text(body, "name", f"{path}.name") or did.replace("_", " ").capitalize(),
            every=every,
            people=people or 1,
            channels=reader.ident_list(body, "channels", f"{path}.channels"),
            requires=reader.ident_list(body, "requires", f"{path}.requires"),
            kpi=kpi,
            kpi_per=kpi_per if kpi_per in KPI_PER else "slot",
            due=tuple(sorted(set(due))),
            due_on_holiday=due_on_holiday,
            department=reader.ident(body, "department", f"{path}.department"),
            description=reader.text(body, "description", f"{path}.description"),
            weight=weight or 1,
        )
    return duties


def _read_due(reader: _Reader, body: dict, path: str) -> tuple[list[int], str]:
    """``due: [TU, TH]``, or ``due: {days: [TU, TH], on_holiday: later}``."""
    raw = body.get("due")
    if not isinstance(raw, dict):
        return reader.parsed_list(body, "due", f"{path}.due", parse_weekday), DEFAULT_ON_HOLIDAY
    section = reader.mapping(raw, f"{path}.due", reader.at(body, "due"), DUE_KEYS)
    if section is None:
        return [], DEFAULT_ON_HOLIDAY
    days = reader.parsed_list(section, "days", f"{path}.due.days", parse_weekday)
    return days, _on_holiday(reader, section, f"{path}.due.on_holiday")


def _on_holiday(reader: _Reader, body: dict, path: str) -> str:
    """What a date on a holiday does: earlier (the default), later or keep."""
    rule = reader.text(body, "on_holiday", path) or DEFAULT_ON_HOLIDAY
    if rule not in ON_HOLIDAY:
        reader.error(
            reader.at(body, "on_holiday"),
            f"{path} '{rule}' must be earlier, later or keep",
            did_you_mean(rule, ON_HOLIDAY)
            or "earlier: the previous working day; later: the next; keep: stay on the holiday",
        )
        return DEFAULT_ON_HOLIDAY
    return rule


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"expected a whole number of 1 or more, found '{value}'")
    if value > 10_000:
        raise InputError(
            f"{value} is more people than a slot can need", hint="use a smaller number"
        )
    return value


def _weight(value: Any) -> int:
    """``weight:``: how many units of load one slot of a duty is, a whole number."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise InputError(
            f"expected a whole number from 1 to 1000, found '{value}'",
            hint="weight: 3 makes one slot of this duty count as three slots of a weight-1 duty",
        )
    return value


def _kpi_bound(value: Any) -> Bound:
    if isinstance(value, dict):
        raise InputError("write a minimum (1) or a range (1..2)")
    return parse_bound(value)


def _read_holidays(reader: _Reader, top: dict) -> HolidayRule:
    raw = top.get("holidays")
    if raw is None:
        return HolidayRule()
    body = reader.mapping(raw, "holidays", reader.at(top, "holidays"), HOLIDAY_KEYS)
    if body is None:
        return HolidayRule()
    extra: list[Span] = reader.parsed_list(body, "extra", "holidays.extra", parse_span)
    country = reader.text(body, "country", "holidays.country")
    return HolidayRule(
        country=country.upper() if country else None,
        subdivision=reader.text(body, "subdivision", "holidays.subdivision"),
        extra=tuple(extra),
    )


def _resolve_holidays(
    reader: _Reader, rule: HolidayRule, start: date, years: range | None, location: Location
) -> dict[date, str]:
    dates: dict[date, str] = {}
    if years is None:
        years = range(start.year, max(start.year, date.today().year) + 6)
    if rule.country:
        import holidays  # lazy: about 40 ms, and only plans with a country need it

        try:
            # English names whatever the locale (cron runs with LANG=C), like the rest of
            # dutyctl's text; a country without them keeps its own language.
            table = _one_country(rule.country, rule.subdivision, years)
            if table is None:
                table = holidays.country_holidays(
                    rule.country, subdiv=rule.subdivision, years=years, language="en_US"
                )
        except NotImplementedError:
            what = f"subdivision '{rule.subdivision}' of " if rule.subdivision else ""
            supported = holidays.list_supported_countries()
            hint = did_you_mean(rule.country, supported) or "use an ISO 3166 code such as DE or US"
            if rule.subdivision and rule.country in supported:
                subs = supported[rule.country]
                hint = did_you_mean(rule.subdivision, subs) or "known: " + ", ".join(subs[:20])
            reader.error(location, f"holidays: {what}country '{rule.country}' is not known", hint)
            table = {}
        dates.update({day: str(name) for day, name in table.items()})
    for span in rule.extra:
        for day in span:
            dates.setdefault(day, "extra holiday")
    return dates


def _one_country(country: str, subdivision: str | None, years: range):
    """``holidays.country_holidays(country, ...)``, importing that country's module alone,
    or None (then the caller asks holidays itself). Importing any country the usual way
    runs ``holidays.countries``, which imports all 250 of them: about 30 ms and 7 MB of a
    cold plan load, for one table. Relies on the package's registry and layout; anything
    unexpected, an unknown country or subdivision included, is None."""
    import importlib.util
    import sys

    try:
        import holidays
        from holidays.registry import COUNTRIES

        module = next((name for name, names in COUNTRIES.items() if country in names), None)
        if module is None:
            return None
        qualified = f"holidays.countries.{module}"
        loaded = sys.modules.get(qualified)
        if loaded is None:
            path = Path(holidays.__file__).parent / "countries" / f"{module}.py"
            spec = importlib.util.spec_from_file_location(qualified, path)
            if spec is None or spec.loader is None:
                return None
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
            sys.modules[qualified] = loaded  # what `import holidays.countries` will use
        entity = getattr(loaded, country)
        return entity(years=years, subdiv=subdivision, language="en_US")
    except Exception:
        return None


def _read_review(reader: _Reader, top: dict, start: date | None) -> Review | None:
    raw = top.get("review")
    if raw is None:
        return None
    body = reader.mapping(raw, "review", reader.at(top, "review"), REVIEW_KEYS)
    if body is None:
        return None
    every = reader.parsed(
        body, "every", "review.every", lambda v: parse_cadence(v, start), required=True
    )
    title = reader.text(body, "title", "review.title") or "Monthly review"
    on_holiday = _on_holiday(reader, body, "review.on_holiday")
    return Review(every, title, on_holiday) if every else None


def _read_award(reader: _Reader, top: dict) -> Award | None:
    raw = top.get("award")
    if raw is None:
        return None
    body = reader.mapping(raw, "award", reader.at(top, "award"), AWARD_KEYS)
    if body is None:
        return None
    by = reader.text(body, "by", "award.by") or "points"
    if by not in AWARD_BY:
        reader.error(
            reader.at(body, "by"),
            f"award.by '{by}' is not a ranking",
            did_you_mean(by, AWARD_BY) or "use points, compliance or entries",
        )
        by = "points"
    share = reader.parsed(body, "min_compliance", "award.min_compliance", _share)
    return Award(
        title=reader.text(body, "title", "award.title") or "Best on duty of the month",
        by=by,
        min_compliance=share or 0.0,
        department=reader.ident(body, "department", "award.department"),
    )


def _share(value: Any) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        number = parse_number(value.strip()[:-1], what="percentage") / 100
    else:
        number = parse_number(value, what="share")
    if number > 1:
        raise InputError(f"'{value}' is more than 100%", hint="write a share from 0 to 1, or 80%")
    return number


def _read_goals(reader: _Reader, top: dict) -> tuple[Goal, ...]:
    goals = []
    for _, path, body in reader.mapping_items(top, "goals", GOAL_KEYS):
        text = reader.text(body, "text", f"{path}.text", required=True)
        metric = reader.ident(body, "metric", f"{path}.metric", required=True)
        target = reader.parsed(body, "target", f"{path}.target", parse_number, required=True)
        if text is None or metric is None or target is None:
            continue
        goals.append(
            Goal(
                text=text,
                metric=metric,
                target=target,
                channel=reader.ident(body, "channel", f"{path}.channel"),
                by=reader.parsed(body, "by", f"{path}.by", parse_date),
            )
        )
    return tuple(goals)


def _read_overrides(reader: _Reader, top: dict) -> tuple[Override, ...]:
    overrides = []
    for _, path, body in reader.mapping_items(top, "overrides", OVERRIDE_KEYS):
        day = reader.parsed(body, "date", f"{path}.date", parse_date, required=True)
        duty = reader.ident(body, "duty", f"{path}.duty", required=True)
        from_person = reader.ident(body, "from", f"{path}.from", required=True)
        to_person = reader.ident(body, "to", f"{path}.to", required=True)
        if None in (day, duty, from_person, to_person):
            continue
        overrides.append(
            Override(
                day, duty, from_person, to_person, reader.text(body, "reason", f"{path}.reason")
            )
        )
    return tuple(overrides)


# --- from files ----------------------------------------------------------------------


def read_source(repo: Repo, path: Path, rev: str | None) -> bytes:
    """A file of the repository as bytes, from the work tree or from git at ``rev``."""
    shown = repo.relative(path)
    if rev is not None:
        return read_at_rev(repo, path, rev)
    if path.is_symlink():
        repo.inside(str(path.resolve()), what="file", location=Location(shown))
    if path.is_dir():
        raise InputError(
            f"{shown} is a directory, not a file",
            location=Location(shown),
            hint=f"remove the directory or rename it, then create {path.name}",
        )
    what = "plan" if path == repo.plan_path else "roster file"
    try:
        return read_regular(path, shown, what, MAX_PLAN_BYTES)
    except FileNotFoundError:
        raise InputError(
            f"{shown} does not exist",
            location=Location(shown),
            hint="create it, or run 'dutyctl init' for a new duty repository",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror}", location=Location(shown)) from None


def check_plan_file(
    repo: Repo,
    rev: str | None = None,
    years: range | None = None,
    *,
    plan_bytes: bytes | None = None,
    read_files: list[tuple[str, bytes]] | None = None,
    pure: bool = False,
) -> tuple[Plan | None, list[Problem]]:
    """Read and validate the repository's plan: (plan or None, every problem found).

    ``read_files`` collects (repository path, bytes read) of the other files the plan
    pulled in; ``pure`` is as for :func:`build_plan`.
    """
    source = repo.relative(repo.plan_path) if rev is None else f"{rev}:plan.yaml"
    if plan_bytes is None:
        plan_bytes = read_source(repo, repo.plan_path, rev)
    text = decode(plan_bytes, source)
    roster_source = repo_roster_source(repo, rev, read_files)
    return build_plan(text, source, roster_source=roster_source, years=years, pure=pure)


def repo_roster_source(
    repo: Repo, rev: str | None = None, read_files: list[tuple[str, bytes]] | None = None
) -> RosterSource:
    """How :func:`build_plan` reads a roster file of ``repo`` (at ``rev``), noting its path
    and the bytes read in ``read_files``."""

    def roster_source(relpath: str, location: Location) -> tuple[str, str]:
        path = repo.inside(relpath, what="roster file", location=location)
        name = repo.relative(path) if rev is None else f"{rev}:{repo.relative(path)}"
        data = read_source(repo, path, rev)
        if read_files is not None:
            read_files.append((repo.relative(path), data))
        return decode(data, name), name

    return roster_source


def load_plan(
    repo: Repo,
    rev: str | None = None,
    years: range | None = None,
    *,
    plan_bytes: bytes | None = None,
    read_files: list[tuple[str, bytes]] | None = None,
) -> Plan:
    """The repository's valid plan, or PlanInvalid carrying every problem.

    (The plan cache is :func:`dutyctl.app.load.plan_entry`'s: this reads the files.)
    """
    plan, problems = check_plan_file(
        repo, rev, years, plan_bytes=plan_bytes, read_files=read_files
    )
    if plan is None:
        errors = [p for p in problems if p.severity == "error"]
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        raise PlanInvalid(
            f"the plan has {count}", hint="run 'dutyctl plan check' after fixing", problems=problems
        )
    return plan

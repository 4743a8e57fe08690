"""The shapes of one cluster.log line (cluster-offline §8): where the prefix ends and the message starts.

The full shape is ``pid.tid::YYYY/MM/DD-HH:MM:SS.mmm LEVEL [COMP] text`` (8 hex digits each, the level
left-justified to five characters plus a space). Copies in blogs, tickets and docs trim it to
``YYYY/MM/DD-HH:MM:SS.mmm …``, ``HH:MM:SS.mmm …`` or ``LEVEL [COMP] …``; some lines put a function before
the tag (``rcm::RcmResource::OnlineWorker[RCM] …``) or have no tag at all; older logs have no level and
ids of other widths (``378.32c::1999/06/09-18:00:18.874 [NM] …``); pasted copies carry an event-log
channel (``[System] 0000…``), a viewer's line number, markdown quote marks, indentation and escapes
(``\\<ag>``, a sub-tag in backticks). `parse_line` reads all of them; a line with none of the prefix
parts is not the start of an entry (the reader joins it to the entry above as a continuation).

The full shape takes a fast path of fixed positions; everything else goes through one regular expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = frozenset({"INFO", "WARN", "ERR", "DBG"})
"""The level words seen in cluster.log (§8: ``INFO  [``, ``WARN  [``, ``ERR   [``, ``DBG   [``)."""


@dataclass(slots=True)
class Prefix:
    """What the prefix of one line says, and the message after it."""

    text: str
    """The message after the tag (or after whatever prefix there is), markdown escapes undone."""
    pid: str | None = None
    """Process id as written (hex), None when the line has no ``pid.tid::``."""
    tid: str | None = None
    """Thread id as written (hex)."""
    date: str | None = None
    """``YYYY/MM/DD`` as written; None for a time-only stamp or no stamp."""
    clock: str | None = None
    """``HH:MM:SS`` as written; None when the line carries no time."""
    fraction: str = ""
    """The digits after the seconds' point (milliseconds, as written)."""
    level: str | None = None
    """INFO, WARN, ERR or DBG; None for older formats and trimmed copies without one."""
    function: str | None = None
    """A function written before the tag (``rcm::RcmMonitor::RestartResources``)."""
    component: str | None = None
    """The tag without brackets (``RCM``, ``RES``, ``CHANNEL 10.0.0.1:~3343~``); None without a tag."""
    channel: str | None = None
    """An event-log channel written before the prefix (``System``)."""
    raw: str | None = None
    """The line as written, when quote marks, indentation, a line number or escapes were taken off."""


# The canonical prefix by position: pid 0-7, '.', tid 9-16, '::', date 19-28, '-', time 30-41, ' ', level
# 43-47 (left-justified), ' ', then the tag from 49 on.
_CANONICAL_LEVELS = {"INFO ": "INFO", "WARN ": "WARN", "ERR  ": "ERR", "DBG  ": "DBG"}

_LINE = re.compile(
    r"""
    (?P<lead>[ \t]*(?:>[ \t]?)*[ \t]*)                                     # markdown quote, indentation
    (?:\[(?P<channel>[A-Za-z][^\[\]]{0,80})\][ \t]*                        # event-log channel, only
       (?=[0-9A-Fa-f]{1,16}\.[0-9A-Fa-f]{1,16}::|\d{4}/\d\d/\d\d[-_ T]|\d\d:\d\d:\d\d))?   # before a prefix
    (?:(?P<pid>[0-9A-Fa-f]{1,16})\.(?P<tid>[0-9A-Fa-f]{1,16})::[ \t]*)?    # ids, any width
    (?:(?:(?P<date>\d{4}/\d\d/\d\d)[-_ T])?                                # date (optional)
       (?P<clock>\d\d:\d\d:\d\d)(?:[.,](?P<fraction>\d{1,7}))?             # time of day
       (?:[ \t]+|$))?
    (?:(?P<level>INFO|WARN|ERR|DBG)(?:[ \t]+|(?=\[)|$))?                   # level word, any padding
    (?:(?P<function>[A-Za-z_][\w~]*(?:::[\w~<>]+)+)?                       # function before the tag
       \[(?P<component>[A-Za-z][^\[\]]{0,63})\][ \t]?)?                    # the tag
    (?P<text>.*)
    """,
    re.VERBOSE | re.DOTALL,
)
_FUNCTION_TAG = re.compile(
    r"(?P<function>[A-Za-z_][\w~]*(?:::[\w~<>]+)+)\[(?P<component>[A-Za-z][^\[\]]{0,63})\][ \t]?"
)
_BARE_TAG = re.compile(r"[A-Z][A-Z0-9_]*(?: [0-9][^\s]*)?")
"""A tag alone at the start of a line (no time, no level) must look like one: ``RCM``, ``CHANNEL 1.2.3.4``."""
_VIEWER = re.compile(r"[ \t]*(?P<number>\d{1,9})(?:[ \t]*[:|][ \t]*|[ \t]+)")
_ESCAPES = re.compile(r"\\([<>_*|#\[\]])|`(\[[^\[\]`]{1,40}\])`")


def parse_line(line: str) -> Prefix | None:
    """The prefix and message of ``line`` (without its line end); None when it has no prefix at all."""
    fast = _canonical(line)
    if fast is not None:
        return fast
    found = _general(line)
    if found is not None:
        return found
    viewer = _VIEWER.match(line)
    if viewer is not None:
        found = _general(line[viewer.end() :])
        if found is not None and (found.pid or found.clock or found.level):
            found.raw = line
            return found
    return None


def _canonical(line: str) -> Prefix | None:
    """The full shape by position, or None when the line is not exactly that shape."""
    if len(line) < 50 or line[8] != "." or line[17:19] != "::" or line[29] != "-" or line[42] != " ":
        return None
    level = _CANONICAL_LEVELS.get(line[43:48])
    if level is None or line[48] != " " or line[38] != ".":
        return None
    rest = line[49:]
    component: str | None
    function: str | None
    if rest[:1] == "[":
        end = rest.find("]", 1, 66)
        if end <= 1:
            return None
        component = rest[1:end]
        text = rest[end + 2 :] if rest[end + 1 : end + 2] == " " else rest[end + 1 :]
        function = None
    else:
        tag = _FUNCTION_TAG.match(rest)  # a function before the tag, or no tag at all
        if tag is None:
            component = function = None
            text = rest
        else:
            component, function, text = tag.group("component"), tag.group("function"), rest[tag.end() :]
    found = Prefix(
        text, line[0:8], line[9:17], line[19:29], line[30:38], line[39:42], level, function, component
    )
    if "\\" in text or "`" in text:
        _unescape(found, line)
    return found


def _general(line: str) -> Prefix | None:
    """Any of the shapes through the regular expression; None when no prefix part is there."""
    match = _LINE.match(line)
    assert match is not None  # every part of the pattern is optional
    pid, clock, level, component = match.group("pid", "clock", "level", "component")
    function = match.group("function")
    bare = (
        component is not None
        and _BARE_TAG.fullmatch(component) is not None
        and line[match.end("component") + 1 : match.end("component") + 2] in ("", " ", "\t")
    )
    if not (pid or clock or level or function or bare):
        return None
    found = Prefix(
        match.group("text"),
        pid,
        match.group("tid"),
        match.group("date"),
        clock,
        match.group("fraction") or "",
        level,
        function,
        component,
        match.group("channel"),
        line if match.group("lead") else None,
    )
    if "\\" in found.text or "`" in found.text:
        _unescape(found, line)
    return found


def _unescape(found: Prefix, line: str) -> None:
    """Undo markdown escapes (``\\<ag>`` → ``<ag>``, a sub-tag in backticks → the sub-tag)."""
    text = _ESCAPES.sub(lambda m: m.group(1) or m.group(2), found.text)
    if text != found.text:
        found.text = text
        found.raw = line


def bare_line(line: str) -> Prefix:
    """A line without any prefix part, read as a message on its own (escapes undone)."""
    found = Prefix(line)
    if "\\" in line or "`" in line:
        _unescape(found, line)
    return found

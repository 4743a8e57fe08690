"""One cluster.log file as a stream of entries in time order.

An entry is a line with a prefix (`labkit.clusterlog.shapes`) and the continuation lines under it (lines
without any prefix, which the reader joins to the entry above). A line without a prefix that follows no
prefixed line (a pasted message without its prefix, before any line that has one) is an entry of its own.
Every entry gets a UTC time in ms:

- its own stamp, minus the file's UTC offset;
- a time of day without a date takes the date of the line before it (the next day after midnight);
- a line without a time carries the time of the line before it (leading lines: of the first line after
  them), like crmsh's log reader;
- a file with no time at all puts its entries at the start of the trace.

Section tables at the top go to `sections`, not to entries. Entries come out sorted by time: the log body
through a window (`REORDER_WINDOW_MS` of log time), so a multi-GB file is never held in memory; lines that
were out of order are counted and reported. A line more than the window out of order is kept at the time of
the line before it, with its own stamp in ``logged_at`` and a problem saying so.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labkit.clusterlog import sections as sec
from labkit.clusterlog import stamps
from labkit.clusterlog.decode import TextFile
from labkit.clusterlog.shapes import Prefix, bare_line, parse_line

REORDER_WINDOW_MS = 10_000
"""How far back in log time an out-of-order line is still sorted into place."""
MAX_HELD = 200_000
"""Entries held for sorting at most (a very busy log holds fewer than the window)."""
UNTIMED = -(2**62)
"""The stamp of entries in a file without any time: before everything else."""
_DAY_MS = 86_400_000


@dataclass(slots=True)
class Entry:
    """One log entry: its first line's prefix, its continuation lines, its place and time."""

    stamp: int
    """UTC ms since 1970 (`UNTIMED` when the file has no time at all)."""
    file: int
    """Index of its file among the files read."""
    first: int
    """Line number of its first line."""
    prefix: Prefix
    last: int = 0
    """Line number of its last line (its first when it has no continuation lines)."""
    more: list[str] | None = None
    """Continuation lines as written."""
    carried: bool = False
    """Whether the time was carried from another line (this line had none of its own)."""
    logged_at: int | None = None
    """The entry's own stamp when it had to be placed later than that (out of order beyond the window)."""
    bare: bool = False
    """A line without any prefix part (a pasted message): it takes no continuation lines."""

    @property
    def text(self) -> str:
        """The message, continuation lines joined with newlines."""
        return self.prefix.text if self.more is None else "\n".join([self.prefix.text, *self.more])


@dataclass
class FileStats:
    """How the lines of one file were accounted for."""

    blank: int = 0
    header: int = 0
    """Lines the header holds: section markers and table rows."""
    entries: int = 0
    recognised: int = 0
    """Entries a pattern recognised (counted as events are made)."""
    log_lines: int = 0
    """Entries kept as LogLine notes."""
    continuations: int = 0
    reordered: int = 0
    late: int = 0
    carried: int = 0
    untimed: int = 0


@dataclass
class LogFile:
    """A file being read: its text, offset, sections and statistics; `open` then `entries`."""

    text: TextFile
    index: int
    offset_minutes: int | None
    """Minutes east of UTC the stamps are in; None: from the file's Cluster section, else 0 (UTC)."""
    offset_from: str = "given"
    stats: FileStats = field(default_factory=FileStats)
    sections: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    """What the Cluster section says (node, bias, local time)."""
    first_stamp: int | None = None
    last_stamp: int | None = None
    _preamble: list[Entry] = field(default_factory=list)
    _lookahead: Entry | None = None
    _scan: Iterator[tuple[bool, Entry]] | None = None

    def open(self) -> None:
        """Read up to the first entry of the log body: the section tables and event-log sections."""
        if self.offset_minutes is None:
            self.offset_from = "default (Get-ClusterLog stamps are UTC unless -UseLocalTime)"
        self._scan = _Scanner(self).scan()
        for in_preamble, entry in self._scan:
            if not in_preamble:
                self._lookahead = entry
                break
            self._preamble.append(entry)

    def entries(self) -> Iterator[Entry]:
        """Every entry of the file in time order (stable for equal times)."""
        assert self._scan is not None, "open() first"
        self._preamble.sort(key=_key)
        preamble, self._preamble = self._preamble, []
        body = self._ordered(self._body())
        return heapq.merge(preamble, body, key=_key) if preamble else body

    def _body(self) -> Iterator[Entry]:
        assert self._scan is not None
        if self._lookahead is not None:
            yield self._lookahead
            self._lookahead = None
        for _, entry in self._scan:
            yield entry

    def _ordered(self, entries: Iterator[Entry]) -> Iterator[Entry]:
        """Sort through a window of log time; count and report lines that were out of order.

        Entries wait in arrival order until they are `REORDER_WINDOW_MS` older than the newest one; the
        rare entry older than one already waiting is inserted in its place (after equal stamps: stable).
        """
        held: deque[Entry] = deque()
        newest = released = UNTIMED
        for entry in entries:
            stamp = entry.stamp
            if stamp >= newest:
                newest = stamp
                held.append(entry)
                limit = newest - REORDER_WINDOW_MS
                while held and (held[0].stamp <= limit or len(held) > MAX_HELD):
                    first = held.popleft()
                    released = first.stamp
                    yield first
                continue
            if stamp < released:
                self._late(entry, released)
            else:
                self._reordered(entry)
            held.insert(bisect.bisect_right(held, entry.stamp, key=_stamp), entry)
        yield from held

    def _reordered(self, entry: Entry) -> None:
        self.stats.reordered += 1
        if self.stats.reordered <= 20:
            self.text.problems.add(
                entry.first,
                f"stamped {stamps.log_text(entry.stamp)}, before a line above it: sorted into place",
            )

    def _late(self, entry: Entry, released: int) -> None:
        self.stats.late += 1
        self.text.problems.add(
            entry.first,
            f"stamped {stamps.log_text(entry.stamp)}, more than {REORDER_WINDOW_MS} ms before lines above "
            f"it: kept at {stamps.log_text(released)} (its own stamp is in logged_at)",
        )
        entry.logged_at, entry.stamp = entry.stamp, released


def _key(entry: Entry) -> tuple[int, int, int]:
    return entry.stamp, entry.file, entry.first


def _stamp(entry: Entry) -> int:
    return entry.stamp


class _Scanner:
    """One pass over a file's lines: sections, entries, continuations and times."""

    def __init__(self, log: LogFile) -> None:
        self.log = log
        self.stats = log.stats
        self.section: sec.Section | None = None
        self.in_preamble = False
        self.day_base: int | None = None  # local ms of the last date's midnight
        self.last_local: int | None = None
        self.waiting: list[Entry] = []  # entries before the first time of the stream
        self.dateless_reported = False
        self.offset_ms = (log.offset_minutes or 0) * 60_000

    def scan(self) -> Iterator[tuple[bool, Entry]]:
        """Every entry with its time, and whether it belongs to the preamble (the part before the log)."""
        current: Entry | None = None
        index, stats = self.log.index, self.stats
        for number, line in self.log.text.lines():
            if not line or line.isspace():
                stats.blank += 1
                continue
            marker = line.startswith("[===") or (line[:1] in " \t" and line.lstrip().startswith("[==="))
            if marker or self.section is not None:
                if marker and current is not None and sec.section_title(line):
                    yield from self._done(current)  # before the marker changes the section
                    current = None
                if self._sectioned(number, line):
                    continue
            prefix = parse_line(line)
            if prefix is None and current is not None and not current.bare:
                if current.more is None:
                    current.more = []
                current.more.append(line)
                current.last = number
                stats.continuations += 1
                continue
            if current is not None and self._finish(current):
                if self.waiting:
                    yield from self._release_waiting(current.stamp)
                yield self.in_preamble, current
            current = Entry(0, index, number, prefix or bare_line(line), number, bare=prefix is None)
        if current is not None:
            yield from self._done(current)
        self._close_section()
        yield from self._release_waiting(UNTIMED)

    def _done(self, entry: Entry) -> Iterator[tuple[bool, Entry]]:
        if self._finish(entry):
            yield from self._release_waiting(entry.stamp)
            yield self.in_preamble, entry

    def _sectioned(self, number: int, line: str) -> bool:
        """Handle a section marker or a table line; False for a line that belongs to the log."""
        title = sec.section_title(line) if line.lstrip().startswith("[===") else None
        if title is not None:
            self._close_section()
            self.stats.header += 1
            self.in_preamble = title.lower() != sec.BODY.lower()
            if not sec.is_log_section(title):
                self.section = sec.Section(title, number)
            return True
        if self.section is None:
            return False
        prefix = parse_line(line)
        if prefix is not None and (prefix.pid is not None or prefix.date is not None):
            self._close_section()  # a dated log line: the section holds log lines after all
            return False
        self.section.add(number, line)
        self.stats.header += 1
        return True

    def _close_section(self) -> None:
        if self.section is None:
            return
        found = self.section.to_dict(self.log.text.name)
        self.log.sections.append(found)
        if self.section.title.lower() == "cluster":
            self.log.facts.update(sec.cluster_facts(found))
            self._offset_from_facts()
        self.section = None

    def _offset_from_facts(self) -> None:
        facts, log = self.log.facts, self.log
        if log.offset_minutes is not None:
            return
        if facts.get("local_time") is False:
            log.offset_from = "the log's Cluster section (UTC)"
        elif facts.get("local_time") and "bias_minutes" in facts:
            log.offset_minutes = -facts["bias_minutes"]  # UTC = local + bias
            self.offset_ms = log.offset_minutes * 60_000
            log.offset_from = "the log's Cluster section (local time, time zone bias)"
        elif facts.get("local_time"):
            log.text.problems.add(
                self.section.first if self.section else 0,
                "the log is in local time but does not say its time zone: read as UTC (give --utc-offset)",
            )

    def _finish(self, entry: Entry) -> bool:
        """Give the entry its UTC time; False when it has none yet (it waits for the first time)."""
        self.stats.entries += 1
        local = self._local_time(entry)
        if local is None:
            if self.last_local is None:
                self.waiting.append(entry)
                return False
            local = self.last_local
            entry.carried = True
            self.stats.carried += 1
        else:
            self.last_local = local
        stamp = entry.stamp = local - self.offset_ms
        log = self.log
        if log.first_stamp is None or stamp < log.first_stamp:
            log.first_stamp = stamp
        if log.last_stamp is None or stamp > log.last_stamp:
            log.last_stamp = stamp
        return True

    def _release_waiting(self, stamp: int) -> Iterator[tuple[bool, Entry]]:
        for waiting in self.waiting:
            waiting.stamp, waiting.carried = stamp, True
            if stamp == UNTIMED:
                self.stats.untimed += 1
            else:
                self.stats.carried += 1
            yield self.in_preamble, waiting
        self.waiting = []

    def _local_time(self, entry: Entry) -> int | None:
        """The entry's own time as written (local ms since 1970), or None when it has none."""
        prefix = entry.prefix
        if prefix.clock is None:
            return None
        try:
            if prefix.date is not None:
                second = stamps.second_ms(prefix.date, prefix.clock)
                self.day_base = second - second % _DAY_MS
                return second + stamps.fraction_ms(prefix.fraction)
            return self._time_of_day(entry.first, prefix.clock, prefix.fraction)
        except ValueError as exc:
            self.log.text.problems.add(entry.first, f"{exc}: the line carries the time of the line above")
            return None

    def _time_of_day(self, line: int, clock: str, fraction: str) -> int:
        if self.day_base is None:
            self.day_base = 0
            if not self.dateless_reported:
                self.dateless_reported = True
                self.log.text.problems.add(
                    line,
                    "a time of day with no date before it: the date is unknown, taken as 1970/01/01",
                )
        local = self.day_base + stamps.second_ms("1970/01/01", clock) + stamps.fraction_ms(fraction)
        if self.last_local is not None and local < self.last_local - _DAY_MS // 2:
            self.day_base += _DAY_MS  # past midnight
            local += _DAY_MS
        return local

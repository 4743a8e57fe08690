"""The wall clock of a trace imported from logs: when its time 0 was, and the offset its stamps were in.

A simulated trace runs on virtual time only (None here); an imported one counts milliseconds from the
header's ``params.source.utc_start``, and ``utc_offset`` says how far from UTC the logs' stamps were
(``Get-ClusterLog -UseLocalTime``). Views draw such a trace on the clock the log was written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from labkit.trace import Trace


@dataclass(frozen=True)
class WallClock:
    """Time 0 of a trace in UTC ms since 1970, and the minutes east of UTC its logs were stamped in."""

    start_ms: int
    offset_minutes: int = 0

    def at(self, t: float) -> datetime:
        """The moment of virtual time ``t`` (ms) on the log's own clock (UTC + offset), without a zone."""
        moment = datetime.fromtimestamp((self.start_ms + t) / 1000, UTC)
        return (moment + timedelta(minutes=self.offset_minutes)).replace(tzinfo=None)

    @property
    def origin_ms(self) -> int:
        """Time 0 on the log's own clock, in ms since 1970 (for ticks at round times of that clock)."""
        return self.start_ms + self.offset_minutes * 60_000

    @property
    def zone(self) -> str:
        """``UTC`` or ``UTC+02:00``."""
        if not self.offset_minutes:
            return "UTC"
        sign = "-" if self.offset_minutes < 0 else "+"
        minutes = abs(self.offset_minutes)
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def wall_clock(trace: Trace) -> WallClock | None:
    """The wall clock of an imported trace (its header's UTC start and offset); None for a trace that
    has none (a simulation, or logs without any time stamp)."""
    source = trace.header.params.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("utc_start"), str):
        return None
    try:
        start = datetime.fromisoformat(source["utc_start"].replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = _minutes(source.get("utc_offset"))
    return WallClock(round(start.timestamp() * 1000), offset)


def _minutes(text: object) -> int:
    """``+02:00`` → 120; anything else (several offsets, none) → 0: the axis then reads UTC."""
    if not isinstance(text, str) or len(text) != 6 or text[0] not in "+-":
        return 0
    try:
        minutes = int(text[1:3]) * 60 + int(text[4:6])
    except ValueError:
        return 0
    return -minutes if text[0] == "-" else minutes

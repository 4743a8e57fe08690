"""Time stamps of cluster.log lines: ``2011/08/05-13:47:42.543`` to milliseconds, UTC offsets, ISO text.

A stamp is read as written (cluster-offline §8: UTC by default, local time with ``-UseLocalTime``); the
reader subtracts the offset it assumes. Conversions are cached per second: a log repeats the same second
on many lines, and the calendar arithmetic is the expensive part.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

_SECONDS: dict[str, int] = {}
_CACHE_LIMIT = 100_000
_OFFSET = re.compile(r"^\s*([+-])?(\d{1,2})(?::?(\d{2}))?\s*$")
_MAX_OFFSET_MINUTES = 14 * 60


def second_ms(date: str, clock: str) -> int:
    """Milliseconds since 1970 of ``YYYY/MM/DD`` at ``HH:MM:SS`` (no zone: as written).

    Raises ValueError naming what is wrong for a date or time that does not exist (month 13, 25 o'clock).
    """
    key = date + clock
    cached = _SECONDS.get(key)
    if cached is not None:
        return cached
    try:
        year, month, day = int(date[0:4]), int(date[5:7]), int(date[8:10])
        hour, minute, second = int(clock[0:2]), int(clock[3:5]), int(clock[6:8])
        datetime(year, month, day, hour, minute, second)  # validates the calendar (30 February, hour 24)
    except ValueError as exc:
        raise ValueError(f"no such time {date}-{clock} ({exc})") from None
    value = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) * 1000
    if len(_SECONDS) >= _CACHE_LIMIT:
        _SECONDS.clear()
    _SECONDS[key] = value
    return value


def fraction_ms(digits: str) -> int:
    """The milliseconds of a fraction of a second as written: ``543`` → 543, ``5`` → 500, ``5437`` → 543."""
    return int((digits + "00")[:3]) if digits else 0


def parse_offset(text: str) -> int:
    """``+02:00`` / ``-05:30`` / ``+0200`` / ``2`` → minutes east of UTC. ValueError says what is wrong."""
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(f"UTC offset {text!r} is not ±HH:MM (for example +02:00 or -05:00)")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes >= 60:
        raise ValueError(f"UTC offset {text!r}: minutes must be below 60")
    total = hours * 60 + minutes
    if total > _MAX_OFFSET_MINUTES:
        raise ValueError(f"UTC offset {text!r} is more than 14 hours away from UTC")
    return -total if sign == "-" else total


def offset_text(minutes: int) -> str:
    """Minutes east of UTC as ``+HH:MM``."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def iso(ms: int) -> str:
    """Milliseconds since 1970 (UTC) as ``2011-08-05T13:47:42.543Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_text(ms: int) -> str:
    """Milliseconds since 1970 as a cluster.log stamp, ``2011/08/05-13:47:42.543``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y/%m/%d-%H:%M:%S.") + f"{ms % 1000:03d}"

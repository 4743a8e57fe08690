"""Type stub of the C module `labkit.store._canonical` (see _canonical.c)."""

from typing import Any

MAX_LINE_BYTES: int
MAX_T: float

def scan(
    data: bytes,
    start: int,
    typed: tuple[tuple[str, tuple[str, ...], bool], ...],
    flags: tuple[tuple[str, int], ...],
) -> dict[str, Any]:
    """The event columns of the canonical lines of ``data`` from ``start``: for each column its buffers
    (strings: offsets, data, validity; numbers: values, validity), plus ``rows``, ``ok`` and ``ends``."""

def is_float_repr(token: bytes) -> bool:
    """Whether ``token`` is exactly ``repr(float(token))``: the check every float of a line goes through."""

"""Recording: `Tracer` gives events strictly increasing ``seq`` from any thread and hands them to sinks.

`MemorySink` keeps them; `JsonlFileSink` appends one flushed line per event, so a killed writer loses at
most the line being written.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from labkit import winapi
from labkit.exceptions import OutputExistsError
from labkit.trace.encode import dumps
from labkit.trace.events import _CALL, StateChange, Trace, TraceEvent, TraceHeader, _UnfrozenEvent
from labkit.trace.rules import Rule
from labkit.trace.vocab import Evidence, Kind


class MemorySink:
    """Keeps events in a list (the usual sink)."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []

    def emit(self, event: TraceEvent) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass


class JsonlFileSink:
    """Appends one JSON line per event and flushes it, so a killed writer loses at most one line.

    The file is created with the header line; an existing file is refused unless ``force``.
    """

    def __init__(self, path: str | os.PathLike[str], header: TraceHeader, *, force: bool = False) -> None:
        self.path = Path(path)
        mode = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
        try:
            self._fd: int | None = os.open(self.path, mode, 0o666)
        except FileExistsError:
            raise OutputExistsError(
                f"{self.path}: file exists; pass force=True (--force) to overwrite it"
            ) from None
        self._write(dumps(header.to_dict()) + "\n")

    def emit(self, event: TraceEvent) -> None:
        self._write(event.to_json() + "\n")

    def _write(self, line: str) -> None:
        # One unbuffered write per line: the line is in the kernel when emit returns, as a flush would
        # leave it, without the text and buffer layers of a file object. (ASCII only: see _dumps.)
        if self._fd is None:
            raise ValueError(f"{self.path}: the sink is closed")
        data = line.encode("ascii")
        written = os.write(self._fd, data)
        while written < len(data):  # a short write is rare (signal, full disk): finish the line
            written += os.write(self._fd, data[written:])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Sink:
    """What a sink looks like: `emit` gets every event in seq order, `close` ends recording."""

    def emit(self, event: TraceEvent) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - protocol
        raise NotImplementedError


_NO_RULE = "for an event no rule produced, its evidence (evidence=...)"


def _refuse(message: str) -> NoReturn:
    raise TypeError(message)


class Tracer:
    """Records events with strictly increasing ``seq``, from any number of threads.

    ``clock`` gives the virtual time of an event when the caller does not pass ``t`` (a simulator passes
    ``lambda: env.now``). Sinks see events in ``seq`` order. `trace` is a snapshot of the memory sink.

    Every event says what it rests on. A simulator passes the `Rule` that made the host do it or judge it
    (``rule=``): the event's ``evidence`` and ``ref`` come from the rule, so they cannot disagree. An
    event no rule produced (a line imported from a log, a synthetic benchmark event) passes ``evidence``
    (and its own ``ref``) instead. There is no default: an event without either is a `TypeError`.
    """

    def __init__(
        self,
        header: TraceHeader,
        *,
        sinks: Sequence[MemorySink | JsonlFileSink | Sink] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.header = header
        self._memory = MemorySink()
        self._sinks: list[MemorySink | JsonlFileSink | Sink] = [self._memory, *(sinks or ())]
        self._clock = clock or (lambda: 0.0)
        self._lock = threading.Lock()
        self._seq = 0
        self._last_t = 0.0

    def record(
        self,
        kind: Kind | str,
        name: str,
        *,
        actor: str,
        subject: str = "",
        args: Mapping[str, Any] | None = None,
        result: int | None = None,
        result_name: str | None = None,
        span: int | None = None,
        rule: Rule | None = None,
        evidence: Evidence | str | None = None,
        state: StateChange | tuple[str | None, str] | None = None,
        ref: str | None = None,
        t: float | None = None,
    ) -> TraceEvent:
        """Record one event and return it. A ``call`` with no ``span`` opens its own span.

        ``rule`` gives the event's evidence and ``ref`` (the rule's id); without a rule, ``evidence`` is
        required. ``result_name`` defaults to the SDK name of ``result`` in the trace's domain.
        """
        if kind.__class__ is not Kind:
            kind = Kind(kind)
        if rule is not None:
            if evidence is not None or ref is not None:
                _refuse(f"record({name!r}) got rule {rule.id} and evidence or ref too: the rule gives both")
            evidence, ref = rule.evidence, rule.id
        elif evidence is None:
            _refuse(f"record({name!r}) needs the rule it follows (rule=...) or, {_NO_RULE}")
        elif evidence.__class__ is not Evidence:
            evidence = Evidence(evidence)
        if result is not None and result_name is None:
            result_name = winapi.error_name(result, self.header.domain)
        if isinstance(state, tuple):
            state = StateChange(*state)
        payload = dict(args) if args else {}
        with self._lock:
            seq = self._seq
            now = float(self._clock() if t is None else t)
            if now < self._last_t:
                now = self._last_t  # threads may read the clock out of order; time never runs back
            if span is None and kind is _CALL:
                span = seq
            event: TraceEvent = _UnfrozenEvent(  # in field order
                seq, now, kind, name, actor, subject, payload, result, result_name, span, evidence, state, ref
            )
            event.__class__ = TraceEvent  # see _UnfrozenEvent
            # Advance first: a sink that fails (disk full) raises to the caller, and the next event
            # must still get a new seq rather than repeat this one in the sinks that did take it.
            self._seq = seq + 1
            self._last_t = now
            for sink in self._sinks:
                sink.emit(event)
        return event

    @property
    def trace(self) -> Trace:
        with self._lock:
            return Trace(self.header, self._memory.events)

    def close(self) -> Trace:
        """Close every sink and return the trace."""
        with self._lock:
            for sink in self._sinks:
                sink.close()
        return self.trace

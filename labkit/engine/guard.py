"""Runs user code (providers and DLLs written in a notebook) so that misbehaviour becomes data.

A routine that raises, or blocks in real time past the wall-clock limit, gives a `Misbehaviour` the
simulator records as a ``fault`` event; the simulation goes on and the lab keeps working.

The wall-clock guard uses ``SIGALRM`` (``signal.setitimer``), which interrupts pure-Python loops and
``time.sleep`` but only works on the main thread, where Jupyter kernels and the command line run user
code. Elsewhere the limit cannot stop the routine; the overrun is still reported once it returns.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

DEFAULT_LIMIT_S = 5.0
"""Real seconds one user routine may run before the guard stops it."""


@dataclass(frozen=True)
class Misbehaviour:
    """What a user routine did wrong."""

    routine: str
    """The routine's SDK name (``OfflineV2``)."""
    rule: str
    """``raised`` or ``blocked``."""
    message: str
    """A sentence a person understands, naming the routine and where it went wrong."""


@dataclass(frozen=True)
class Guarded:
    """The outcome of a guarded call: the routine's return value, or what went wrong."""

    value: Any = None
    fault: Misbehaviour | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None


class _Blocked(BaseException):
    """Raised into a routine by the alarm. A BaseException, so ``except Exception`` in user code
    cannot swallow it."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Blocked


class UserCodeGuard:
    """Calls user routines for one simulation run.

    Use as a context manager around the run so the alarm handler is installed once::

        with UserCodeGuard(limit_s=5) as guard:
            outcome = guard.call("OfflineV2", dll.OfflineV2, resid, None, flags, None, 0, 0)
    """

    def __init__(self, limit_s: float = DEFAULT_LIMIT_S) -> None:
        if limit_s <= 0:
            raise ValueError(f"limit_s must be positive, not {limit_s!r}")
        self.limit_s = limit_s
        self._previous: Any = None
        self._armed = False

    def __enter__(self) -> UserCodeGuard:
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGALRM, _alarm)
            self._armed = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self._armed = False

    def call(self, routine: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Guarded:
        """Call ``fn(*args, **kwargs)``; exceptions and overruns come back as `Guarded.fault`."""
        start = time.perf_counter()
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, self.limit_s)
        try:
            value = fn(*args, **kwargs)
        except _Blocked:
            return Guarded(fault=self._blocked(routine, time.perf_counter() - start, stopped=True))
        except (Exception, SystemExit) as exc:  # user code: anything it raises is a fault, not a crash
            return Guarded(fault=Misbehaviour(routine, "raised", _describe(routine, exc)))
        finally:
            if self._armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        if elapsed > self.limit_s:
            return Guarded(value, self._blocked(routine, elapsed, stopped=False))
        return Guarded(value)

    def _blocked(self, routine: str, elapsed: float, *, stopped: bool) -> Misbehaviour:
        how = (
            "was stopped by the wall-clock guard" if stopped else "could not be stopped (not the main thread)"
        )
        return Misbehaviour(
            routine,
            "blocked",
            f"{routine} blocked for {elapsed:.1f} s of real time (limit {self.limit_s:g} s) and {how}; "
            "a routine must return quickly and leave long work to a worker",
        )


def _describe(routine: str, exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {last.filename}:{last.lineno} in {last.name}"
    text = str(exc)
    return f"{routine} raised {type(exc).__name__}{': ' + text if text else ''}{where}"

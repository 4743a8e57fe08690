"""What a provider's ``self.host`` offers: the Winsock helpers and workers that run in virtual time.

- ``WSASetLastError(code)`` before an INT routine returns SOCKET_ERROR;
- ``WSAProviderCompleteAsyncCall(hAsyncCall, iRetCode)`` to finish NextEx / SetServiceEx, exactly once;
- ``spawn(generator)`` starts a worker "thread"; inside it ``yield self.host.sleep(ms)`` waits virtual
  milliseconds, and ``worker.cancel(cause)`` interrupts it with ``simpy.Interrupt`` (``exc.cause``);
- ``log(text)`` adds a note to the trace, ``now`` is the virtual time, ``random`` a seeded generator.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from labkit.engine.guard import UserCodeGuard
from labkit.nspv2.queryset import show
from labkit.trace import Kind

if TYPE_CHECKING:
    from labkit.nspv2.broker import Broker

WorkerBody = Generator[Any, Any, Any]
SPIN_LIMIT = 1000
"""Resumptions in a row at one virtual instant after which a worker is stopped: time would not advance."""


class ProviderHost:
    """The host side as one advertised provider instance sees it."""

    def __init__(self, broker: Broker, name: str) -> None:
        self._broker = broker
        self.name = name
        """The instance's name in traces (``provider:<name>``)."""
        self.actor = "provider"
        """Who is running provider code right now: ``provider`` or ``worker:<n>``."""
        self.subject = f"provider:{name}"
        """The session or lookup the running provider code works for (workers inherit it)."""
        self.last_error: int | None = None
        """What WSASetLastError set during the current routine (None: not called)."""
        self.random: random.Random = broker.random

    @property
    def now(self) -> float:
        """Virtual time in milliseconds."""
        return float(self._broker.env.now)

    def WSASetLastError(self, iError: int) -> None:
        """Set the error an INT routine reports with SOCKET_ERROR."""
        self.last_error = iError

    def WSAProviderCompleteAsyncCall(self, hAsyncCall: int, iRetCode: int) -> int:
        """Finish the NextEx / SetServiceEx call ``hAsyncCall`` with ``iRetCode`` (NO_ERROR or a WSA code).

        Returns NO_ERROR, or SOCKET_ERROR for a handle that is unknown or already finished.
        """
        return self._broker.calls.complete(self, hAsyncCall, iRetCode)

    def sleep(self, ms: float) -> simpy.Event:
        """An event a worker yields to wait ``ms`` virtual milliseconds."""
        return self._broker.env.timeout(ms)

    def spawn(self, body: WorkerBody, *, routine: str = "worker") -> Worker:
        """Run the generator ``body`` as a worker thread in virtual time; returns the `Worker`."""
        return Worker(self, body, routine, self._broker.next_worker_id())

    def log(self, text: str, **args: Any) -> None:
        """A note in the trace, by whoever runs provider code now."""
        self._broker.tracer.record(
            Kind.NOTE,
            "ProviderLog",
            actor=self.actor,
            subject=self.subject,
            args={
                "text": str(text),
                **{k: v if isinstance(v, int | float | str) else show(v) for k, v in args.items()},
            },
        )

    def run_user_code(self, routine: str, actor: str, subject: str, fn: Callable[[], Any]) -> Any:
        """Call provider code as ``actor`` under the guard; a fault is recorded and `FAILED` returned."""
        guard: UserCodeGuard = self._broker.guard
        previous = (self.actor, self.subject)
        self.actor, self.subject = actor, subject
        self._broker.dispatch.last_user_code = (routine if actor == "provider" else actor, subject)
        try:
            outcome = guard.call(routine, fn)
        finally:
            self.actor, self.subject = previous
        if outcome.fault is None:
            return outcome.value
        self._broker.dispatch.user_code_fault(outcome.fault, subject=subject)
        return FAILED


class _Failed:
    """Marks provider code that raised or blocked (the fault is already in the trace)."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED = _Failed()
_DONE = object()


class Worker:
    """A provider worker thread: a generator driven in virtual time, each step under the guard."""

    def __init__(self, host: ProviderHost, body: WorkerBody, routine: str, number: int) -> None:
        self.host = host
        self.name = f"worker:{number}"
        self._body = body
        self._routine = routine
        self.subject = host.subject
        self._process = host._broker.env.process(self._run())

    @property
    def is_alive(self) -> bool:
        return bool(self._process.is_alive)

    def cancel(self, cause: Any = None) -> None:
        """Interrupt the worker where it waits; it sees ``simpy.Interrupt`` with ``.cause``."""
        if self._process.is_alive and self._process is not self.host._broker.env.active_process:
            self._process.interrupt(cause)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env, dispatch = self.host._broker.env, self.host._broker.dispatch
        value: Any = None
        thrown: simpy.Interrupt | None = None
        instant, spins = env.now, 0
        while True:
            step = functools.partial(_step, self._body, value, thrown)
            event = self.host.run_user_code(self._routine, self.name, self.subject, step)
            if event is _DONE or event is FAILED:
                return
            if not isinstance(event, simpy.Event):
                dispatch.bad_yield(self, event)
                return
            spins = spins + 1 if env.now == instant else 0
            instant = env.now
            if spins >= SPIN_LIMIT:
                dispatch.no_progress(self, spins)
                self.host.run_user_code(self._routine, self.name, self.subject, self._body.close)
                return
            try:
                value, thrown = (yield event), None
            except simpy.Interrupt as interrupt:
                value, thrown = None, interrupt


def _step(body: WorkerBody, value: Any, thrown: simpy.Interrupt | None) -> Any:
    """One resumption of a worker generator; its normal end (or an uncaught cancel) is `_DONE`."""
    try:
        return body.send(value) if thrown is None else body.throw(thrown)
    except StopIteration:
        return _DONE
    except simpy.Interrupt:
        return _DONE  # a worker that does not catch its own cancel() just ends

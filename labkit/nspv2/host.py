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
from typing import Any, Protocol

import simpy

from labkit.engine.guard import Misbehaviour, UserCodeGuard
from labkit.engine.scaffold import InstantCounter
from labkit.nspv2.queryset import show

WorkerBody = Generator[Any, Any, Any]


class HostServices(Protocol):
    """What a provider host needs from the broker, and all it may use of it (the broker implements it)."""

    env: simpy.Environment
    random: random.Random
    guard: UserCodeGuard

    def next_worker_id(self) -> int:
        """A number for a new worker thread."""
        ...

    def complete_async_call(self, host: ProviderHost, hAsyncCall: int, iRetCode: int) -> int:
        """WSAProviderCompleteAsyncCall from ``host``: NO_ERROR, or SOCKET_ERROR for a bad handle."""
        ...

    def provider_log(self, actor: str, subject: str, args: dict[str, Any]) -> None:
        """A ``ProviderLog`` note in the trace."""
        ...

    def user_code_started(self, routine: str, subject: str) -> None:
        """Provider code starts to run: a runaway run is blamed on it."""
        ...

    def user_code_fault(self, fault: Misbehaviour, *, subject: str) -> None:
        """Provider code raised or blocked."""
        ...

    def bad_yield(self, worker: Worker, value: Any) -> None:
        """A worker yielded something that is not a simpy event."""
        ...

    def no_progress(self, worker: Worker, yields: int) -> None:
        """A worker yielded ``yields`` times in a row without virtual time advancing."""
        ...


class ProviderHost:
    """The host side as one advertised provider instance sees it."""

    def __init__(self, services: HostServices, name: str) -> None:
        self._services = services
        self.name = name
        """The instance's name in traces (``provider:<name>``)."""
        self.actor = "provider"
        """Who is running provider code right now: ``provider`` or ``worker:<n>``."""
        self.subject = f"provider:{name}"
        """The session or lookup the running provider code works for (workers inherit it)."""
        self.last_error: int | None = None
        """What WSASetLastError set during the current routine (None: not called)."""
        self.random: random.Random = services.random

    @property
    def now(self) -> float:
        """Virtual time in milliseconds."""
        return float(self._services.env.now)

    def WSASetLastError(self, iError: int) -> None:
        """Set the error an INT routine reports with SOCKET_ERROR."""
        self.last_error = iError

    def WSAProviderCompleteAsyncCall(self, hAsyncCall: int, iRetCode: int) -> int:
        """Finish the NextEx / SetServiceEx call ``hAsyncCall`` with ``iRetCode`` (NO_ERROR or a WSA code).

        Returns NO_ERROR, or SOCKET_ERROR for a handle that is unknown or already finished.
        """
        return self._services.complete_async_call(self, hAsyncCall, iRetCode)

    def sleep(self, ms: float) -> simpy.Event:
        """An event a worker yields to wait ``ms`` virtual milliseconds."""
        return self._services.env.timeout(ms)

    def spawn(self, body: WorkerBody, *, routine: str = "worker") -> Worker:
        """Run the generator ``body`` as a worker thread in virtual time; returns the `Worker`."""
        return Worker(self, body, routine, self._services.next_worker_id())

    def log(self, text: str, **args: Any) -> None:
        """A note in the trace, by whoever runs provider code now."""
        shown = {k: v if isinstance(v, int | float | str) else show(v) for k, v in args.items()}
        self._services.provider_log(self.actor, self.subject, {"text": str(text), **shown})

    def run_user_code(self, routine: str, actor: str, subject: str, fn: Callable[[], Any]) -> Any:
        """Call provider code as ``actor`` under the guard; a fault is recorded and `FAILED` returned."""
        guard: UserCodeGuard = self._services.guard
        previous = (self.actor, self.subject)
        self.actor, self.subject = actor, subject
        self._services.user_code_started(routine if actor == "provider" else actor, subject)
        try:
            outcome = guard.call(routine, fn)
        finally:
            self.actor, self.subject = previous
        if outcome.fault is None:
            return outcome.value
        self._services.user_code_fault(outcome.fault, subject=subject)
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
        self._env = host._services.env
        self._process = self._env.process(self._run())

    @property
    def is_alive(self) -> bool:
        return bool(self._process.is_alive)

    def cancel(self, cause: Any = None) -> None:
        """Interrupt the worker where it waits; it sees ``simpy.Interrupt`` with ``.cause``."""
        if self._process.is_alive and self._process is not self._env.active_process:
            self._process.interrupt(cause)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        services = self.host._services
        value: Any = None
        thrown: simpy.Interrupt | None = None
        counter = InstantCounter(self._env.now)
        while True:
            step = functools.partial(_step, self._body, value, thrown)
            event = self.host.run_user_code(self._routine, self.name, self.subject, step)
            if event is _DONE or event is FAILED:
                return
            if not isinstance(event, simpy.Event):
                services.bad_yield(self, event)
                return
            if counter.stalled(self._env.now):
                services.no_progress(self, counter.count)
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

"""Reference solutions for notebook 07 (Write Your Own), shown on demand with `solution`.

Each solution keeps every rule the contract checks enforce, so running a scenario with it records no
fault. The notebook's starter code breaks some of those rules on purpose.
"""

from __future__ import annotations

import html
import inspect
import itertools
import uuid
from collections.abc import Generator
from typing import Any

from labkit import winapi
from labkit.cluster.resdll import RESOURCE_STATUS_EX, ClusWorker, ResourceDll, Sleep
from labkit.nspv2.provider import Box, NamespaceProvider
from labkit.nspv2.queryset import WSAQUERYSET2, addresses, buffer_size
from labkit.text import LITERAL
from labkit.winapi import CLUSTER_RESOURCE_STATE as S
from labkit.winapi import LupFlags, OfflineFlags


class ReferenceDirectory(NamespaceProvider):
    """An NSPv2 provider that knows one address per e-mail name and keeps every contract rule.

    - Startup produces a per-session value; Cleanup and Rundown free what the session holds, including
      lookups a crashed client never ended.
    - Begin validates the query and creates a handle; End frees it. The namespace has no containers, so
      LUP_CONTAINERS gets WSANO_DATA.
    - NextEx completes every call exactly once: one result, then WSA_E_NO_MORE; WSAEFAULT with the
      required size when the client's buffer is too small. Its flags combine with Begin's as restrictions
      (a name only if both ask for LUP_RETURN_NAME, addresses only if both ask for LUP_RETURN_ADDR), and
      LUP_FLUSHPREVIOUS skips the result that did not fit.
    - Failing INT routines return SOCKET_ERROR (-1, not 1) after WSASetLastError.
    """

    ADDRESS = addresses("[2001:db8::25]:25")

    def __init__(self) -> None:
        super().__init__()
        self._numbers = itertools.count(1)

    def NSPv2Startup(self, lpProviderId: uuid.UUID, ppvClientSessionArg: Box[Any]) -> int:
        session = f"session#{next(self._numbers)}"
        self.session_store[session] = set()  # the session's open lookup handles
        ppvClientSessionArg.value = session
        return winapi.NO_ERROR

    def NSPv2LookupServiceBegin(
        self,
        lpProviderId: uuid.UUID,
        lpqsRestrictions: WSAQUERYSET2,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
        lphLookup: Box[Any],
    ) -> int:
        if dwControlFlags & LupFlags.CONTAINERS:
            self.host.WSASetLastError(winapi.WSANO_DATA)  # no containers in this namespace
            return winapi.SOCKET_ERROR
        if not lpqsRestrictions.lpszServiceInstanceName:
            self.host.WSASetLastError(winapi.WSAEINVAL)
            return winapi.SOCKET_ERROR
        handle = next(self._numbers)
        self.lookup_store[handle] = (lpqsRestrictions.lpszServiceInstanceName, dwControlFlags)
        self.session_store.get(lpvClientSessionArg, set()).add(handle)
        lphLookup.value = handle
        return winapi.NO_ERROR

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        if hLookup not in self.lookup_store:
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_INVALID_HANDLE)
            return
        name, begin_flags = self.lookup_store[hLookup]
        if name is None or dwControlFlags & LupFlags.FLUSHPREVIOUS:
            self.lookup_store[hLookup] = (None, begin_flags)  # delivered, or skipped: no more
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)
            return
        wanted = begin_flags & dwControlFlags  # restrictions combine: never more than Begin asked for
        result = WSAQUERYSET2(
            lpszServiceInstanceName=name if wanted & LupFlags.RETURN_NAME else None,
            lpcsaBuffer=self.ADDRESS if wanted & LupFlags.RETURN_ADDR else (),
        )
        if lpdwBufferLength.value < buffer_size(result):
            lpdwBufferLength.value = buffer_size(result)
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSAEFAULT)
            return
        lpqsResults.value = result
        self.lookup_store[hLookup] = (None, begin_flags)  # delivered: the next call says no more
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.NO_ERROR)

    def NSPv2LookupServiceEnd(self, hLookup: Any) -> int:
        if self.lookup_store.pop(hLookup, _MISSING) is _MISSING:
            self.host.WSASetLastError(winapi.WSA_INVALID_HANDLE)
            return winapi.SOCKET_ERROR
        return winapi.NO_ERROR

    def NSPv2Cleanup(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> int:
        self._end_session(pvClientSessionArg)
        return winapi.NO_ERROR

    def NSPv2ClientSessionRundown(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> None:
        # A crashed client never calls End: its lookups die with the session.
        self._end_session(pvClientSessionArg)

    def _end_session(self, session: Any) -> None:
        for handle in self.session_store.pop(session, set()):
            self.lookup_store.pop(handle, None)


_MISSING = object()


class ReferenceDll(ResourceDll):
    """A resource DLL whose offline flushes on a worker and keeps every rule of the pending protocol.

    - OfflineV2 returns ERROR_IO_PENDING at once and leaves the work to a worker (no entry point over 300 ms).
    - The worker reports OfflinePending with CheckPoints 1, 2, … then Offline, each report well within
      PendingTimeout of the previous one, and stops when told (ClusWorkerCheckTerminate, or
      SetResourceStatusEx answering ResourceExitStateTerminate).
    - Terminate stops the worker.
    """

    STEPS = 3
    STEP_MS = 500.0

    def __init__(self) -> None:
        self.worker: ClusWorker | None = None

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: Any,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.worker = self.monitor.ClusWorkerCreate(self._flush, DestinationNodeName)
        return winapi.ERROR_IO_PENDING

    def _flush(self, worker: ClusWorker, destination: str | None) -> Generator[Sleep, None, None]:
        for checkpoint in range(1, self.STEPS + 1):
            yield self.monitor.sleep(self.STEP_MS)
            if self.monitor.ClusWorkerCheckTerminate(worker):
                return
            state = S.ClusterResourceOffline if checkpoint == self.STEPS else S.ClusterResourceOfflinePending
            exit_state = self.monitor.SetResourceStatusEx(
                self.ResourceHandle, RESOURCE_STATUS_EX(state, CheckPoint=checkpoint)
            )
            if exit_state == winapi.RESOURCE_EXIT_STATE.ResourceExitStateTerminate:
                return

    def Terminate(self, Resource: object) -> None:
        if self.worker is not None:
            self.monitor.ClusWorkerTerminate(self.worker)


SOLUTIONS: dict[str, type] = {"provider": ReferenceDirectory, "dll": ReferenceDll}


class Source:
    """Source code that shows itself highlighted-free but readable in Jupyter, escaped."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre class='{LITERAL}'><code>{html.escape(self.text)}</code></pre>"


def solution(name: str) -> Source:
    """The source of the reference solution ``provider`` or ``dll``, to read or copy into a cell."""
    if name not in SOLUTIONS:
        from labkit.exceptions import UnknownNameError

        raise UnknownNameError("exercise", name, list(SOLUTIONS))
    return Source(inspect.getsource(SOLUTIONS[name]))

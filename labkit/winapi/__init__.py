"""Windows names and numbers exactly as the SDK headers spell them.

Values come from ws2spi.h / winsock2.h / winerror.h / nsemail.h (NSPv2, `winsock`) and resapi.h /
clusapi.h / winerror.h (failover clustering, `clusapi`), as recorded in the reference sheets. Flags are
`SdkFlag` (`IntFlag`) classes that print by name (`str(OfflineFlags(6))` is
``RETURN_TO_SOURCE_NODE_ON_ERROR|QUEUE_ENABLED``); enumerations are `IntEnum` classes whose members keep
the SDK spelling. Every SDK constant is also a name of this package (``winapi.ERROR_IO_PENDING == 997``,
``winapi.CLUS_RESDLL_OFFLINE_QUEUE_ENABLED == 4``). `names` shows codes by name; `profiles` are the
Windows releases each simulator knows.

Nothing here simulates anything: it is the vocabulary the rest of labkit speaks.
"""

from __future__ import annotations

import enum

from labkit.winapi import clusapi, winsock
from labkit.winapi.clusapi import *  # noqa: F403 - the package is the SDK's flat namespace
from labkit.winapi.flags import SdkFlag as SdkFlag
from labkit.winapi.names import *  # noqa: F403
from labkit.winapi.profiles import *  # noqa: F403
from labkit.winapi.winsock import *  # noqa: F403


def _export_members() -> None:
    """Every flag and enumeration member also as a package name, spelt as in the SDK."""
    namespace = globals()  # the flat SDK namespace: one package name per member
    for module in (winsock, clusapi):
        classes = [
            c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__
        ]
        for flag_cls in (c for c in classes if issubclass(c, SdkFlag)):
            for name, member in flag_cls.__members__.items():
                namespace[flag_cls.sdk_prefix() + name] = int(member)
        for enum_cls in (c for c in classes if issubclass(c, enum.IntEnum)):
            for name, enum_member in enum_cls.__members__.items():
                namespace[name] = int(enum_member)


_export_members()

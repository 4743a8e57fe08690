"""Windows names and numbers exactly as the SDK headers spell them.

Values come from ws2spi.h / winsock2.h / winerror.h / nsemail.h (NSPv2) and resapi.h / clusapi.h /
winerror.h (failover clustering), as recorded in the reference sheets. Flags are `IntFlag` classes that
print by name (`str(OfflineFlags(6))` is ``RETURN_TO_SOURCE_NODE_ON_ERROR|QUEUE_ENABLED``); enumerations
are `IntEnum` classes whose members keep the SDK spelling. Every SDK constant is also a module-level name
(``winapi.ERROR_IO_PENDING == 997``).

Nothing here simulates anything: it is the vocabulary the rest of labkit speaks.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Self

from labkit.exceptions import UnknownNameError

# --------------------------------------------------------------------------------------------------------
# Flags that print by name
# --------------------------------------------------------------------------------------------------------


class SdkFlag(enum.IntFlag):
    """An `IntFlag` that prints as member names joined by ``|`` in bit order, ``0`` when empty.

    Bits without a name print as hex, so nothing is hidden. Subclasses set the SDK prefix their
    members drop (``CLUS_RESDLL_OFFLINE_`` for `OfflineFlags`) through `sdk_prefix`.
    """

    @classmethod
    def sdk_prefix(cls) -> str:
        return _SDK_PREFIX.get(cls.__name__, "")

    @classmethod
    def mask(cls) -> int:
        """All bits that have a name."""
        bits = 0
        for member in cls.__members__.values():
            bits |= int(member)
        return bits

    @classmethod
    def single_flags(cls) -> list[Self]:
        """The one-bit members in bit order (aliases and composites left out)."""
        seen: dict[int, Self] = {}
        for member in cls.__members__.values():
            value = int(member)
            if value and value & (value - 1) == 0 and value not in seen:
                seen[value] = member
        return [seen[v] for v in sorted(seen)]

    def names(self) -> list[str]:
        """Short names of the set bits in bit order; unnamed bits as hex."""
        value = int(self)
        out: list[str] = []
        for member in type(self).single_flags():
            if value & int(member):
                out.append(str(member.name))
                value &= ~int(member)
        if value:
            out.append(hex(value))
        return out

    def sdk_names(self) -> list[str]:
        """Full SDK names of the set bits (``CLUS_RESDLL_OFFLINE_QUEUE_ENABLED``)."""
        prefix = type(self).sdk_prefix()
        return [n if n.startswith("0x") else prefix + n for n in self.names()]

    def __str__(self) -> str:
        return "|".join(self.names()) or "0"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)

    @classmethod
    def parse(cls, text: str | int | Iterable[str]) -> Self:
        """Parse ``"QUEUE_ENABLED,RETURN_TO_SOURCE_NODE_ON_ERROR"``, ``"A|B"``, ``"0x6"``, ``6`` or SDK names.

        An unknown name is an `UnknownNameError` that lists the valid ones.
        """
        if isinstance(text, int):
            return cls._checked(text, repr(text))
        parts = re.split(r"[,|+\s]+", text.strip()) if isinstance(text, str) else list(text)
        value = 0
        prefix = cls.sdk_prefix()
        for raw in (p.strip() for p in parts):
            if not raw:
                continue
            if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", raw):
                value |= cls._checked(int(raw, 0), raw)
                continue
            name = raw.upper()
            if prefix and name.startswith(prefix):
                name = name[len(prefix) :]
            if name not in cls.__members__:
                raise UnknownNameError(cls.__name__ + " flag", raw, [str(m.name) for m in cls.single_flags()])
            value |= int(cls.__members__[name])
        return cls(value)

    @classmethod
    def _checked(cls, value: int, shown: str) -> Self:
        if value < 0 or value & ~cls.mask():
            raise UnknownNameError(
                cls.__name__ + " value", shown, [f"{m.name}={int(m):#x}" for m in cls.single_flags()]
            )
        return cls(value)


_SDK_PREFIX = {
    "OfflineFlags": "CLUS_RESDLL_OFFLINE_",
    "OnlineFlags": "CLUS_RESDLL_ONLINE_",
    "ResourceStatusFlags": "CLUSRESDLL_STATUS_",
    "LupFlags": "LUP_",
    "ResultFlags": "RESULT_IS_",
    "GroupMoveFlags": "CLUSAPI_GROUP_MOVE_",
    "ResourceOfflineFlags": "CLUSAPI_RESOURCE_OFFLINE_",
    "GroupOfflineFlags": "CLUSAPI_GROUP_OFFLINE_",
    "ResourceOnlineFlags": "CLUSAPI_RESOURCE_ONLINE_",
    "OfflineReason": "CLUSAPI_RESOURCE_OFFLINE_REASON_",
    "SetServiceFlags": "",
    "GroupStatusFlags": "CLUSGRP_STATUS_",
}

# --------------------------------------------------------------------------------------------------------
# Winsock / NSPv2 (ws2spi.h, winsock2.h, winerror.h, _wsa_errnos.h, nsemail.h)
# --------------------------------------------------------------------------------------------------------

NO_ERROR = 0
SOCKET_ERROR = -1  # the docs say "(that is, 1)": see reference nspv2 §5 D2
WSA_INVALID_HANDLE = 6
WSA_NOT_ENOUGH_MEMORY = 8
WSA_INVALID_PARAMETER = 87
WSA_IO_PENDING = 997
WSABASEERR = 10000
WSAEACCES = 10013
WSAEFAULT = 10014
WSAEINVAL = 10022
WSAEOPNOTSUPP = 10045
WSAENOBUFS = 10055
WSASYSNOTREADY = 10091
WSANOTINITIALISED = 10093
WSAENOMORE = 10102  # legacy; providers should use WSA_E_NO_MORE
WSAECANCELLED = 10103  # legacy; providers should use WSA_E_CANCELLED
WSAEINVALIDPROCTABLE = 10104
WSAEINVALIDPROVIDER = 10105
WSAEPROVIDERFAILEDINIT = 10106
WSASYSCALLFAILURE = 10107
WSASERVICE_NOT_FOUND = 10108
WSATYPE_NOT_FOUND = 10109
WSA_E_NO_MORE = 10110
WSA_E_CANCELLED = 10111
WSAHOST_NOT_FOUND = 11001
WSATRY_AGAIN = 11002
WSANO_RECOVERY = 11003
WSANO_DATA = 11004

NS_ALL = 0
NS_SAP = 1
NS_NDS = 2
NS_PEER_BROWSE = 3
NS_SLP = 5
NS_DHCP = 6
NS_TCPIP_LOCAL = 10
NS_TCPIP_HOSTS = 11
NS_DNS = 12
NS_NETBT = 13
NS_WINS = 14
NS_NLA = 15
NS_BTH = 16
NS_NBP = 20
NS_MS = 30
NS_STDA = 31
NS_NTDS = 32
NS_EMAIL = 37
NS_PNRPNAME = 38
NS_PNRPCLOUD = 39
NS_X500 = 40
NS_NIS = 41
NS_NISPLUS = 42
NS_WRQ = 50
NS_NETDES = 60


class LupFlags(SdkFlag):
    """LUP_* control flags of WSALookupServiceBegin / NSPv2LookupServiceBegin / NextEx (winsock2.h)."""

    DEEP = 0x0001
    CONTAINERS = 0x0002
    NOCONTAINERS = 0x0004
    NEAREST = 0x0008
    RETURN_NAME = 0x0010
    RETURN_TYPE = 0x0020
    RETURN_VERSION = 0x0040
    RETURN_COMMENT = 0x0080
    RETURN_ADDR = 0x0100
    RETURN_BLOB = 0x0200
    RETURN_ALIASES = 0x0400
    RETURN_QUERY_STRING = 0x0800
    FLUSHCACHE = 0x1000  # the client docs swap FLUSHCACHE and FLUSHPREVIOUS: §5 D14
    FLUSHPREVIOUS = 0x2000
    NON_AUTHORITATIVE = 0x4000
    RES_SERVICE = 0x8000
    SECURE = 0x8000  # shares the bit with RES_SERVICE (alias)
    RETURN_PREFERRED_NAMES = 0x00010000
    DNS_ONLY = 0x00020000
    RETURN_RESPONSE_FLAGS = 0x00040000
    RESERVED_UNUSED = 0x00080000
    ADDRCONFIG = 0x00100000
    DUAL_ADDR = 0x00200000
    FILESERVER = 0x00400000
    DISABLE_IDN_ENCODING = 0x00800000
    API_ANSI = 0x01000000
    EXTENDED_QUERYSET = 0x02000000
    SECURE_WITH_FALLBACK = 0x04000000
    EXCLUSIVE_CUSTOM_SERVERS = 0x08000000
    REQUIRE_SECURE = 0x10000000
    RETURN_TTL = 0x20000000
    FORCE_CLEAR_TEXT = 0x40000000
    RESOLUTION_HANDLE = 0x80000000
    RETURN_ALL = 0x0FF0


class ResultFlags(SdkFlag):
    """RESULT_IS_* bits of WSAQUERYSET2.dwOutputFlags."""

    ALIAS = 0x0001
    ADDED = 0x0010
    CHANGED = 0x0020
    DELETED = 0x0040


class WSAESETSERVICEOP(enum.IntEnum):
    """The essOperation argument of WSASetService / NSPv2SetServiceEx."""

    RNRSERVICE_REGISTER = 0
    RNRSERVICE_DEREGISTER = 1
    RNRSERVICE_DELETE = 2


class SetServiceFlags(SdkFlag):
    """dwControlFlags of WSASetService / NSPv2SetServiceEx."""

    SERVICE_MULTIPLE = 0x00000001


class NAPI_PROVIDER_TYPE(enum.IntEnum):
    ProviderType_Application = 1
    ProviderType_Service = 2


class NAPI_PROVIDER_LEVEL(enum.IntEnum):
    ProviderLevel_None = 0
    ProviderLevel_Secondary = 1
    ProviderLevel_Primary = 2


# --------------------------------------------------------------------------------------------------------
# Failover clustering (resapi.h, clusapi.h, winerror.h)
# --------------------------------------------------------------------------------------------------------

ERROR_SUCCESS = 0
ERROR_INVALID_FUNCTION = 1
ERROR_INVALID_HANDLE = 6
ERROR_NOT_ENOUGH_MEMORY = 8
ERROR_INVALID_PARAMETER = 87
ERROR_OPERATION_ABORTED = 995
ERROR_IO_PENDING = 997
ERROR_CANCELLED = 1223
ERROR_REVISION_MISMATCH = 1306
ERROR_TIMEOUT = 1460
ERROR_RESOURCE_NOT_ONLINE = 5004
ERROR_RESOURCE_NOT_AVAILABLE = 5006
ERROR_RESOURCE_NOT_FOUND = 5007
ERROR_GROUP_NOT_AVAILABLE = 5012
ERROR_RESMON_ONLINE_FAILED = 5018
ERROR_RESOURCE_ONLINE = 5019
ERROR_RESOURCE_FAILED = 5038
ERROR_CLUSTER_RESNAME_NOT_FOUND = 5080
ERROR_RESMON_INVALID_STATE = 5084
ERROR_CLUSTER_GROUP_MOVING = 5908
ERROR_RESOURCE_CALL_TIMED_OUT = 5910
ERROR_CLUSTER_GROUP_BUSY = 5944
ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES = 5953
ERROR_RESMON_SYSTEM_RESOURCES_LACKING = 5956
ERROR_CLUSTER_GROUP_QUEUED = 5959
ERROR_CLUSTER_RESOURCE_LOCKED_STATUS = 5960
ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS = 5962
ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE = 5970
ERROR_CLUSTER_RESOURCE_NOT_MONITORED = 5981


class CLUSTER_RESOURCE_STATE(enum.IntEnum):
    """Resource states (clusapi.h). The state machine of a simulated resource moves through these."""

    ClusterResourceStateUnknown = -1
    ClusterResourceInherited = 0
    ClusterResourceInitializing = 1
    ClusterResourceOnline = 2
    ClusterResourceOffline = 3
    ClusterResourceFailed = 4
    ClusterResourcePending = 128
    ClusterResourceOnlinePending = 129
    ClusterResourceOfflinePending = 130


# Pseudo-states: macros in resapi.h (Pending-1, Pending-2), not enum members.
ClusterResourceCannotComeOnlineOnThisNode = 127
ClusterResourceCannotComeOnlineOnAnyNode = 126


class RESOURCE_EXIT_STATE(enum.IntEnum):
    """What SetResourceStatusEx returns to the DLL."""

    ResourceExitStateContinue = 0
    ResourceExitStateTerminate = 1
    ResourceExitStateMax = 2


class FAILURE_TYPE(enum.IntEnum):
    """SignalFailure's failure type (Windows Server 2012 R2 and later)."""

    FAILURE_TYPE_GENERAL = 0
    FAILURE_TYPE_EMBEDDED = 1
    FAILURE_TYPE_NETWORK_LOSS = 2


class LOG_LEVEL(enum.IntEnum):
    LOG_INFORMATION = 0
    LOG_WARNING = 1
    LOG_ERROR = 2
    LOG_SEVERE = 3


class CLUSTER_RESOURCE_RESTART_ACTION(enum.IntEnum):
    ClusterResourceDontRestart = 0
    ClusterResourceRestartNoNotify = 1
    ClusterResourceRestartNotify = 2


class CLUSTER_RESOURCE_STATE_CHANGE_REASON(enum.IntEnum):
    eResourceStateChangeReasonUnknown = 0
    eResourceStateChangeReasonMove = 1
    eResourceStateChangeReasonFailover = 2
    eResourceStateChangeReasonFailedMove = 3
    eResourceStateChangeReasonShutdown = 4
    eResourceStateChangeReasonRundown = 5


class RESDLL_CONTEXT_OPERATION_TYPE(enum.IntEnum):
    ResdllContextOperationTypeFailback = 0
    ResdllContextOperationTypeDrain = 1
    ResdllContextOperationTypeDrainFailure = 2
    ResdllContextOperationTypeEmbeddedFailure = 3
    ResdllContextOperationTypePreemption = 4
    ResdllContextOperationTypeNetworkDisconnect = 5
    ResdllContextOperationTypeNetworkDisconnectMoveRetry = 6


class VM_RESDLL_CONTEXT(enum.IntEnum):
    VmResdllContextTurnOff = 0
    VmResdllContextSave = 1
    VmResdllContextShutdown = 2
    VmResdllContextShutdownForce = 3
    VmResdllContextLiveMigration = 4


class ResourceStatusFlags(SdkFlag):
    """CLUSRESDLL_STATUS_* bits of RESOURCE_STATUS_EX.Flags."""

    OFFLINE_BUSY = 0x00000001
    OFFLINE_SOURCE_THROTTLED = 0x00000002
    OFFLINE_DESTINATION_THROTTLED = 0x00000004
    OFFLINE_DESTINATION_REJECTED = 0x00000008
    INSUFFICIENT_MEMORY = 0x00000010
    INSUFFICIENT_PROCESSOR = 0x00000020
    INSUFFICIENT_OTHER_RESOURCES = 0x00000040
    INVALID_PARAMETERS = 0x00000080
    NETWORK_NOT_AVAILABLE = 0x00000100  # Windows Server 2012 R2 and later
    DO_NOT_COLLECT_WER_REPORT = 0x40000000
    DUMP_NOW = 0x80000000


class OfflineFlags(SdkFlag):
    """CLUS_RESDLL_OFFLINE_* bits passed to OfflineV2 (resapi.h). Not the same bits as `OnlineFlags`."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000002
    QUEUE_ENABLED = 0x00000004
    RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR = 0x00000008
    DUE_TO_EMBEDDED_FAILURE = 0x00000010
    IGNORE_NETWORK_CONNECTIVITY = 0x00000020  # Windows Server 2012 R2 and later
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000040  # Windows Server 2016 and later


class OnlineFlags(SdkFlag):
    """CLUS_RESDLL_ONLINE_* bits passed to OnlineV2: same names as some offline flags, other bits (G6)."""

    RECOVER_MONITOR_STATE = 0x00000001
    IGNORE_RESOURCE_STATUS = 0x00000002
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000004
    RESTORE_ONLINE_STATE = 0x00000008
    IGNORE_NETWORK_CONNECTIVITY = 0x00000010


class GroupMoveFlags(SdkFlag):
    """CLUSAPI_GROUP_MOVE_* flags of MoveClusterGroupEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000002
    QUEUE_ENABLED = 0x00000004
    HIGH_PRIORITY_START = 0x00000008
    FAILBACK = 0x00000010
    IGNORE_AFFINITY_RULE = 0x00000020


class ResourceOfflineFlags(SdkFlag):
    """CLUSAPI_RESOURCE_OFFLINE_* flags of OfflineClusterResourceEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    FORCE_WITH_TERMINATION = 0x00000002
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000004  # 0x40 at the DLL: §6.4, G6


class GroupOfflineFlags(SdkFlag):
    """CLUSAPI_GROUP_OFFLINE_* flags of OfflineClusterGroupEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001


class ResourceOnlineFlags(SdkFlag):
    """CLUSAPI_RESOURCE_ONLINE_* flags of OnlineClusterResourceEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000002
    NECESSARY_FOR_QUORUM = 0x00000004
    BEST_POSSIBLE_NODE = 0x00000008
    IGNORE_AFFINITY_RULE = 0x00000020


class OfflineReason(SdkFlag):
    """CLUSAPI_RESOURCE_OFFLINE_REASON_* codes (the OfflineClusterResourceEx page mixes them up: G7)."""

    UNKNOWN = 0x00000001
    MOVING = 0x00000002
    USER_REQUESTED = 0x00000004
    BEING_DELETED = 0x00000008
    BEING_RESTARTED = 0x00000010
    PREEMPTED = 0x00000020
    SHUTTING_DOWN = 0x00000040


class GroupStatusFlags(SdkFlag):
    """CLUSGRP_STATUS_* bits the cluster keeps on a group (only those labkit models)."""

    WAITING_IN_QUEUE_FOR_MOVE = 0x00000004
    EMBEDDED_FAILURE = 0x00000020
    NETWORK_FAILURE = 0x00000080


CLUSAPI_RESOURCE_OFFLINE_REASON_NONE = 0
CLUS_RESDLL_OPEN_RECOVER_MONITOR_STATE = 0x00000001
CLUS_RESDLL_OPEN_DONT_DELETE_TEMP_DISK = 0x00000002
LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE = 0x00000001

CLRES_VERSION_V1_00 = 0x100
CLRES_VERSION_V2_00 = 0x200
CLRES_VERSION_V3_00 = 0x300
CLRES_VERSION_V4_00 = 0x400

CLUSAPI_VERSION_SERVER2008 = 0x00000600
CLUSAPI_VERSION_SERVER2008R2 = 0x00000700
CLUSAPI_VERSION_WINDOWS8 = 0x00000701
CLUSAPI_VERSION_WINDOWSBLUE = 0x00000702
CLUSAPI_VERSION_WINTHRESHOLD = 0x00000703
CLUSAPI_VERSION_RS3 = 0x00000A00
CLUSAPI_VERSION_NI = 0x00000A0C
CLUSAPI_VERSION_CU = 0x00000C03
CLUSAPI_VERSION_ZN = 0x00000C04
CLUSAPI_VERSION_GA = 0x00000C05

# --------------------------------------------------------------------------------------------------------
# Module-level SDK names for every enum and flag member (``winapi.CLUS_RESDLL_OFFLINE_QUEUE_ENABLED``)
# --------------------------------------------------------------------------------------------------------

_FLAG_CLASSES: tuple[type[SdkFlag], ...] = (
    LupFlags,
    ResultFlags,
    SetServiceFlags,
    ResourceStatusFlags,
    OfflineFlags,
    OnlineFlags,
    GroupMoveFlags,
    ResourceOfflineFlags,
    GroupOfflineFlags,
    ResourceOnlineFlags,
    OfflineReason,
    GroupStatusFlags,
)
_ENUM_CLASSES: tuple[type[enum.IntEnum], ...] = (
    WSAESETSERVICEOP,
    NAPI_PROVIDER_TYPE,
    NAPI_PROVIDER_LEVEL,
    CLUSTER_RESOURCE_STATE,
    RESOURCE_EXIT_STATE,
    FAILURE_TYPE,
    LOG_LEVEL,
    CLUSTER_RESOURCE_RESTART_ACTION,
    CLUSTER_RESOURCE_STATE_CHANGE_REASON,
    RESDLL_CONTEXT_OPERATION_TYPE,
    VM_RESDLL_CONTEXT,
)


def _export_members() -> None:
    namespace = globals()
    for flag_cls in _FLAG_CLASSES:
        for name, member in flag_cls.__members__.items():
            namespace[flag_cls.sdk_prefix() + name] = int(member)
    for enum_cls in _ENUM_CLASSES:
        for name, enum_member in enum_cls.__members__.items():
            namespace[name] = int(enum_member)


_export_members()

# --------------------------------------------------------------------------------------------------------
# Display names for codes
# --------------------------------------------------------------------------------------------------------

Domain = Literal["nspv2", "cluster"]
DOMAINS: tuple[Domain, ...] = ("nspv2", "cluster")


def _codes(prefixes: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict[int, str]:
    table: dict[int, str] = {}
    for name, value in globals().items():
        if (name.startswith(prefixes) or name in extra) and isinstance(value, int) and name != "WSABASEERR":
            table.setdefault(value, name)
    return table


# Winsock names first for NSPv2 traces, Win32 names first for cluster traces: 0, 6, 8, 87 and 997 have both.
_WSA_CODES = _codes(("WSA",), ("NO_ERROR", "SOCKET_ERROR"))
_WIN32_CODES = _codes(("ERROR_",))
_WIN32_CODES[0] = "ERROR_SUCCESS"


def error_name(code: int | None, domain: Domain | None = None) -> str:
    """The SDK name of an error code for display; an unknown code displays as its number.

    `domain` picks the spelling where Winsock and Win32 share a value: ``error_name(997, "nspv2")`` is
    ``WSA_IO_PENDING``; ``error_name(997, "cluster")`` and ``error_name(997)`` are ``ERROR_IO_PENDING``.
    """
    if code is None:
        return ""
    first, second = (_WSA_CODES, _WIN32_CODES) if domain == "nspv2" else (_WIN32_CODES, _WSA_CODES)
    return first.get(code) or second.get(code) or str(code)


def state_name(state: int | None) -> str:
    """``ClusterResourceOnline`` for 2; the pseudo-states 126/127 by their macro names."""
    if state is None:
        return ""
    pseudo = {
        ClusterResourceCannotComeOnlineOnThisNode: "ClusterResourceCannotComeOnlineOnThisNode",
        ClusterResourceCannotComeOnlineOnAnyNode: "ClusterResourceCannotComeOnlineOnAnyNode",
    }
    if state in pseudo:
        return pseudo[state]
    try:
        return CLUSTER_RESOURCE_STATE(state).name
    except ValueError:
        return str(state)


def status_name(flags: int) -> str:
    """``CLUSRESDLL_STATUS_OFFLINE_BUSY`` for 1; several bits joined by ``|``; ``0`` for none."""
    return "|".join(ResourceStatusFlags(flags).sdk_names()) or "0"


# Arguments whose value is a flag word, by argument name: readers check their bits, views print names.
FLAG_ARGUMENTS: dict[str, type[SdkFlag]] = {
    "OfflineFlags": OfflineFlags,
    "OnlineFlags": OnlineFlags,
    "StatusFlags": ResourceStatusFlags,
    # Client API flag words (cluster traces). OfflineClusterGroupEx's dwOfflineFlags has only bit 0x1,
    # which ResourceOfflineFlags names the same way.
    "dwMoveFlags": GroupMoveFlags,
    "dwOfflineFlags": ResourceOfflineFlags,
    "StatusInformation": GroupStatusFlags,
}
# Where one parameter name means different flags in different routines (dwControlFlags).
ROUTINE_FLAG_ARGUMENTS: dict[tuple[str, str], type[SdkFlag]] = {
    **{
        (routine, "dwControlFlags"): LupFlags
        for routine in (
            "NSPv2LookupServiceBegin",
            "NSPv2LookupServiceNextEx",
            "WSALookupServiceBegin",
            "WSALookupServiceNext",
        )
    },
    **{(routine, "dwControlFlags"): SetServiceFlags for routine in ("NSPv2SetServiceEx", "WSASetService")},
}
# Arguments whose value is an enumeration member.
ENUM_ARGUMENTS: dict[str, type[enum.IntEnum]] = {
    "essOperation": WSAESETSERVICEOP,
    "essoperation": WSAESETSERVICEOP,
    "ResourceState": CLUSTER_RESOURCE_STATE,
    "FailureType": FAILURE_TYPE,
}


def flag_type(argument: str, routine: str = "") -> type[SdkFlag] | None:
    """The flag class of ``argument`` in ``routine`` (``dwControlFlags`` of a lookup is `LupFlags`)."""
    return ROUTINE_FLAG_ARGUMENTS.get((routine, argument)) or FLAG_ARGUMENTS.get(argument)


def namespace_name(value: int) -> str:
    """``NS_EMAIL`` for 37; unknown namespaces display as the number."""
    for name, number in globals().items():
        if name.startswith("NS_") and number == value:
            return name
    return str(value)


# --------------------------------------------------------------------------------------------------------
# OS profiles
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterOsProfile:
    """A Windows Server release as the cluster simulator sees it."""

    name: str
    """Short name used on the command line (``2012r2``)."""
    title: str
    """What people call it (``Windows Server 2012 R2``)."""
    clusapi_version: int
    """The CLUSAPI_VERSION_* of the release."""
    offline_flags: OfflineFlags
    """The CLUS_RESDLL_OFFLINE_* bits this release knows (OfflineV2 page, min OS per flag)."""
    signal_failure_has_type: bool
    """SignalFailure takes FAILURE_TYPE (2012 R2+) rather than BOOL IsEmbeddedFailure (2012): G11."""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class NspOsProfile:
    """A Windows client release as the NSPv2 simulator sees it."""

    name: str
    """Short name used on the command line (``vista``)."""
    title: str
    """What people call it."""
    email_only: bool
    """Vista / Server 2008: NSPv2 works with NS_EMAIL providers only (every NSPv2 page's remarks)."""

    def __str__(self) -> str:
        return self.name


_O = OfflineFlags
CLUSTER_PROFILES: dict[str, ClusterOsProfile] = {
    p.name: p
    for p in (
        ClusterOsProfile(
            "2012",
            "Windows Server 2012",
            CLUSAPI_VERSION_WINDOWS8,
            _O(0x1F),
            signal_failure_has_type=False,
        ),
        ClusterOsProfile(
            "2012r2",
            "Windows Server 2012 R2",
            CLUSAPI_VERSION_WINDOWSBLUE,
            _O(0x3F),
            signal_failure_has_type=True,
        ),
        ClusterOsProfile(
            "2016",
            "Windows Server 2016 and later",
            CLUSAPI_VERSION_WINTHRESHOLD,
            _O(0x7F),
            signal_failure_has_type=True,
        ),
    )
}
NSP_PROFILES: dict[str, NspOsProfile] = {
    p.name: p
    for p in (
        NspOsProfile("vista", "Windows Vista / Server 2008", email_only=True),
        NspOsProfile("win7", "Windows 7 / Server 2008 R2 and later", email_only=False),
    )
}


def cluster_profile(name: str | ClusterOsProfile) -> ClusterOsProfile:
    """Look up a cluster OS profile (``2012``, ``2012r2``, ``2016``); unknown names list the valid ones."""
    if isinstance(name, ClusterOsProfile):
        return name
    key = str(name).strip().lower().replace(" ", "").replace("-", "")
    if key not in CLUSTER_PROFILES:
        raise UnknownNameError("cluster OS profile", str(name), list(CLUSTER_PROFILES))
    return CLUSTER_PROFILES[key]


def nsp_profile(name: str | NspOsProfile) -> NspOsProfile:
    """Look up an NSPv2 OS profile (``vista``, ``win7``); unknown names list the valid ones."""
    if isinstance(name, NspOsProfile):
        return name
    key = str(name).strip().lower()
    if key not in NSP_PROFILES:
        raise UnknownNameError("NSPv2 OS profile", str(name), list(NSP_PROFILES))
    return NSP_PROFILES[key]

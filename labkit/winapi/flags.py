"""`SdkFlag`: an IntFlag that prints by its SDK names, the base of every flag word labkit shows."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Self

from labkit.exceptions import UnknownNameError


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

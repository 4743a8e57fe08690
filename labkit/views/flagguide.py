"""The seven OfflineV2 flags explained: what each means, what it changes, since which Windows Server, who
sets it, and on what evidence; and the same-name-different-bits table of gap G6.

Values, OS support and the client-side twins come from `labkit.winapi`; the words paraphrase
shared/reference/cluster-offline.md §6.1 (meaning), §6.2 (what changes) and §6.4 (who sets it). The
explorer widgets use `flag_info` for their checkboxes' tooltips; `labkit.views` shows the two tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from labkit import winapi
from labkit.cluster import rules as R
from labkit.trace import Evidence, Rule
from labkit.trace.literal import LiteralFrame
from labkit.winapi import OfflineFlags, SdkFlag

CLIENT_FLAG_TYPES: tuple[type[SdkFlag], ...] = (
    winapi.GroupMoveFlags,
    winapi.ResourceOfflineFlags,
    winapi.GroupOfflineFlags,
)
"""The client API flag words whose flags the cluster forwards to OfflineV2 (§6.4)."""

BIT_FAMILIES: tuple[tuple[str, type[SdkFlag]], ...] = (
    ("OfflineV2", winapi.OfflineFlags),
    ("OnlineV2", winapi.OnlineFlags),
    ("MoveClusterGroupEx", winapi.GroupMoveFlags),
    ("OfflineClusterResourceEx", winapi.ResourceOfflineFlags),
    ("OfflineClusterGroupEx", winapi.GroupOfflineFlags),
    ("OnlineClusterResourceEx", winapi.ResourceOnlineFlags),
)
"""The flag words compared in `flag_bits_table`: the routine that takes each, and its flag class."""


@dataclass(frozen=True)
class FlagText:
    """What the reference sheet says about one flag, in labkit's words."""

    meaning: str
    """What the flag asks for (§6.1, documented on the OfflineV2 page)."""
    effect: str
    """What the cluster or the DLL does differently (§6.2)."""
    effect_rules: tuple[Rule, ...]
    """The catalogue rules `effect` rests on (`labkit.cluster.rules`)."""

    @property
    def effect_evidence(self) -> Evidence:
        """The weakest evidence of `effect_rules`: inferred when any part of the effect is inferred."""
        return weakest(rule.evidence for rule in self.effect_rules)


def weakest(levels: Iterable[Evidence]) -> Evidence:
    """The least certain of some evidence levels (inferred < observed < sample < header < documented)."""
    order = [Evidence.INFERRED, Evidence.OBSERVED, Evidence.SAMPLE, Evidence.HEADER, Evidence.DOCUMENTED]
    return min(levels, key=order.index)


_TEXT: dict[OfflineFlags, FlagText] = {
    OfflineFlags.IGNORE_RESOURCE_STATUS: FlagText(
        "Take the resource offline even if it says it must stay locked.",
        "Without it, a resource in locked mode makes the client call fail with "
        "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS before OfflineV2 is called; with it the cluster ignores "
        "locked mode and terminates the resource if it has to.",
        (R.LOCKED_REFUSES,),
    ),
    OfflineFlags.RETURN_TO_SOURCE_NODE_ON_ERROR: FlagText(
        "If the operation fails, bring the resource back to the node it came from.",
        "When the group cannot reach its persistent state on the destination, the cluster moves it back "
        "and brings it up on the source node; the offline on the destination then carries "
        "RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR.",
        (R.RETURN_TO_SOURCE, R.RETURNING_FLAG),
    ),
    OfflineFlags.QUEUE_ENABLED: FlagText(
        "If a resource DLL delays the operation, queue it and retry until it is done or the client "
        "cancels it.",
        "A DLL's 'not now' (CLUSRESDLL_STATUS_OFFLINE_BUSY) puts the move in the cluster's queue "
        "(CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE) instead of failing it; CancelClusterGroupOperation "
        "ends the wait.",
        (R.QUEUE, R.BUSY_QUEUES),
    ),
    OfflineFlags.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR: FlagText(
        "Tells the DLL that the resource hit an error and is on its way back to the source node.",
        "The cluster sets it on the return trip of a failed move that asked for "
        "RETURN_TO_SOURCE_NODE_ON_ERROR; DestinationNodeName is then the source node.",
        (R.RETURNING_FLAG,),
    ),
    OfflineFlags.DUE_TO_EMBEDDED_FAILURE: FlagText(
        "Tells the DLL that an embedded failure occurred.",
        "After the DLL reported SignalFailure(FAILURE_TYPE_EMBEDDED) for a failure inside its workload, the "
        "cluster takes the resource offline with this flag so the DLL can shut down ready for a restart.",
        (R.EMBEDDED_FAILURE,),
    ),
    OfflineFlags.IGNORE_NETWORK_CONNECTIVITY: FlagText(
        "Carry out the offline even though the network is unreachable.",
        "The cluster sets it when it moves a resource because its node lost the network; the DLL must not "
        "fail the offline only because the network is gone.",
        (R.NETWORK_LOSS,),
    ),
    OfflineFlags.DO_NOT_UPDATE_PERSISTENT_STATE: FlagText(
        "Do not change the resource's persistent state.",
        "A plain offline records 'stay offline' (PersistentState FALSE); with this flag the recorded state "
        "stays online, so the cluster brings the resource back later. The client asks for it with "
        "CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, which is 0x4, not 0x40.",
        (R.DO_NOT_UPDATE, R.OFFLINE_RECORDS_STATE, R.FLAGS_FORWARDED),
    ),
}


@dataclass(frozen=True)
class FlagInfo:
    """One CLUS_RESDLL_OFFLINE_* flag, explained."""

    flag: OfflineFlags
    """The flag (prints by its short name)."""
    sdk_name: str
    """``CLUS_RESDLL_OFFLINE_QUEUE_ENABLED``."""
    meaning: str
    """What it asks for."""
    effect: str
    """What changes when it is set."""
    min_os: str
    """The first Windows Server release whose profile knows it (``Windows Server 2012 R2``)."""
    profiles: tuple[str, ...]
    """The labkit OS profiles that know it (``2012r2``, ``2016``)."""
    set_by: str
    """``caller`` when a client API flag of the same name exists (the cluster forwards it), else
    ``cluster`` (the cluster sets it on its own)."""
    client_flags: tuple[str, ...]
    """The client API flags of the same name, with their own values (``CLUSAPI_GROUP_MOVE_QUEUE_ENABLED
    (0x4)``)."""
    effect_evidence: Evidence
    """What `effect` rests on (the weakest of its rules); the meaning is documented and the value is from
    resapi.h."""
    effect_rules: tuple[str, ...] = ()
    """The ids of the catalogue rules the effect rests on."""

    @property
    def evidence(self) -> str:
        """``meaning documented · value header · effect inferred · who sets it inferred``."""
        return (
            f"meaning {Evidence.DOCUMENTED} · value {Evidence.HEADER} · effect {self.effect_evidence}"
            f" · who sets it {Evidence.INFERRED}"
        )

    @property
    def tooltip(self) -> str:
        """One paragraph for a checkbox's tooltip: name and value, meaning, who sets it, OS, evidence."""
        twins = f" (client flag: {', '.join(self.client_flags)})" if self.client_flags else ""
        return (
            f"{self.sdk_name} = {int(self.flag):#04x}: {self.meaning} {self.effect} "
            f"Set by the {self.set_by}{twins}. Since {self.min_os}. Evidence: {self.evidence} "
            "(cluster-offline §6.1, §6.2, §6.4)."
        )


def flag_info(flag: OfflineFlags) -> FlagInfo:
    """Everything labkit knows about one offline flag."""
    single = OfflineFlags(flag)
    name = str(single.name)
    profiles = tuple(p.name for p in winapi.CLUSTER_PROFILES.values() if single in p.offline_flags)
    first = winapi.cluster_profile(profiles[0]).title.removesuffix(" and later") if profiles else "none"
    twins = tuple(
        f"{cls.sdk_prefix()}{name} ({int(cls.__members__[name]):#x})"
        for cls in CLIENT_FLAG_TYPES
        if name in cls.__members__
    )
    text = _TEXT[single]
    return FlagInfo(
        flag=single,
        sdk_name=single.sdk_names()[0],
        meaning=text.meaning,
        effect=text.effect,
        min_os=first,
        profiles=profiles,
        set_by="caller" if twins else "cluster",
        client_flags=twins,
        effect_evidence=text.effect_evidence,
        effect_rules=tuple(rule.id for rule in text.effect_rules),
    )


def flag_guide() -> pd.DataFrame:
    """One row per offline flag, in bit order: value, name (SDK), meaning, effect, min_os, set_by
    (caller / cluster), client_flags (same-named client API flags and their values), evidence, and the
    catalogue rules the effect rests on."""
    infos = [flag_info(f) for f in OfflineFlags.single_flags()]
    return LiteralFrame(
        {
            "value": [f"{int(i.flag):#04x}" for i in infos],
            "name": [i.sdk_name for i in infos],
            "meaning": [i.meaning for i in infos],
            "effect": [i.effect for i in infos],
            "min_os": [i.min_os for i in infos],
            "set_by": [i.set_by for i in infos],
            "client_flags": [", ".join(i.client_flags) for i in infos],
            "evidence": [i.evidence for i in infos],
            "rules": [", ".join(i.effect_rules) for i in infos],
        },
        dtype="string",
    )


def flag_bits_table() -> pd.DataFrame:
    """Gap G6: the flag names that appear in more than one flag word, with their bit in each.

    One row per such name (offline flags first, in bit order); one column per flag word, named by the
    routine that takes it (OfflineV2, OnlineV2, MoveClusterGroupEx, …), holding the value in hex or
    nothing when the word has no flag of that name; ``same_bit`` says whether every word that has the
    name gives it the same value.
    """
    names: dict[str, None] = {}
    for _, cls in BIT_FAMILIES[:2]:
        names.update((str(m.name), None) for m in cls.single_flags())
    rows = []
    for name in names:
        values = [int(cls.__members__[name]) if name in cls.__members__ else None for _, cls in BIT_FAMILIES]
        present = [v for v in values if v is not None]
        if len(present) < 2:
            continue
        rows.append((name, *("" if v is None else f"{v:#04x}" for v in values), len(set(present)) == 1))
    columns = ["name", *(routine for routine, _ in BIT_FAMILIES), "same_bit"]
    frame = LiteralFrame(rows, columns=columns)
    return frame.astype({c: "string" for c in columns[:-1]} | {"same_bit": "bool"})

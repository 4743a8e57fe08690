"""Tests of labkit.cluster. `story` renders a trace one line per event for whole-trace assertions."""

from labkit.winapi import OfflineFlags, OnlineFlags, state_name

_SHOWN_ARGS = {
    "OfflineV2": ("OfflineFlags", "DestinationNodeName"),
    "OnlineV2": ("OnlineFlags",),
    "SetResourceStatusEx": ("ResourceState", "CheckPoint", "StatusFlags"),
}


def story(trace):
    """``t actor kind name [details]`` per event; flags and states by name."""
    lines = []
    for e in trace:
        text = f"{e.t:g} {e.actor} {e.kind} {e.name}"
        if e.kind == "call":
            for key in _SHOWN_ARGS.get(e.name, ()):
                value = e.args[key]
                if key == "OfflineFlags":
                    value = OfflineFlags(value)
                elif key == "OnlineFlags":
                    value = OnlineFlags(value)
                elif key == "ResourceState":
                    value = state_name(value).removeprefix("ClusterResource")
                elif key == "StatusFlags" and not value:
                    continue
                text += f" {key}={value}"
        elif e.kind in ("return", "complete") and e.result_name:
            text += f" -> {e.result_name}"
        elif e.kind == "state":
            text += f" {e.subject} @{e.args['node']}"
        lines.append(text)
    return lines

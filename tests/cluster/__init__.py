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


def folded(lines):
    """`story` lines with each run of healthy polls (a LooksAlive or IsAlive call answered TRUE at once)
    folded into one line, ``t0-t1 polls LooksAlive×n IsAlive×m``: hours of health checks read in a line,
    while a FALSE answer, a poll that blocks and everything else stay as they are."""
    out, run = [], []

    def flush():
        if run:
            counts = {name: sum(1 for _, n in run if n == name) for name in ("LooksAlive", "IsAlive")}
            shown = " ".join(f"{name}×{count}" for name, count in counts.items() if count)
            out.append(f"{run[0][0]}-{run[-1][0]} polls {shown}")
            run.clear()

    index = 0
    while index < len(lines):
        t, _, rest = lines[index].partition(" ")
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        for name in ("LooksAlive", "IsAlive"):
            if rest == f"rhs call {name}" and nxt == f"{t} dll return {name} -> TRUE":
                run.append((t, name))
                index += 2
                break
        else:
            flush()
            out.append(lines[index])
            index += 1
    flush()
    return out

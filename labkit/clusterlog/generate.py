"""Generate cluster.log sets: the small constructed ones in ``data/clusterlogs/`` and large ones to measure.

    python -m labkit.clusterlog.generate data/clusterlogs            # the committed sets, byte for byte
    python -m labkit.clusterlog.generate /tmp/big --nodes 4 --size 1GB --seed 0

The large sets repeat constructed episodes (moves, failures, status reports in the shapes of
cluster-offline §8) among the chatter of the other components, on every node, until the files together
reach the size asked for. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from labkit.clusterlog import logsets
from labkit.clusterlog.stamps import second_ms
from labkit.clusterlog.writer import ENCODINGS, encode, full_line, write_file
from labkit.exceptions import LabkitError

_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMG]?B?)", re.I)
_UNITS = {
    "": 1,
    "B": 1,
    "K": 1 << 10,
    "KB": 1 << 10,
    "M": 1 << 20,
    "MB": 1 << 20,
    "G": 1 << 30,
    "GB": 1 << 30,
}
_DISK = (
    "Physical Disk <Cluster Disk {n}>: VolumeIsNtfs: Volume \\\\?\\GLOBALROOT\\Device\\Harddisk{n} is NTFS"
)
_CHATTER = (
    ("GUM", "Node {n}: Executing locally gumId: {k}, updates: 1, first action: /dm/update"),
    ("NM", "Received request from client address {node}."),
    ("DM", "Paxos Tag Read from Hive: 86:86:{k}"),
    ("CHM", "Received notification for two consecutive missed HBs to the remote endpoint 10.0.1.{n}:~3343~"),
    ("API", "s_ApiGetQuorumResource final status 0."),
    ("RES", _DISK),
    ("RES", "Network Name <Cluster Name>: Netname IsAlive check succeeded."),
    ("RHS", "Resource Cluster Disk {n} IsAlive returned TRUE."),
)


def write_sets(out: Path, names: Sequence[str] = tuple(logsets.SETS), *, force: bool = False) -> list[Path]:
    """Write the named constructed sets, each in its own directory under ``out``."""
    written = []
    for name in names:
        for file_name, (text, encoding) in logsets.SETS[name]().items():
            written.append(write_file(out / name / file_name, text, encoding, force=force))
    return written


def write_large(
    out: Path, *, nodes: int, size: int, seed: int = 0, encoding: str = "utf-16", force: bool = False
) -> list[Path]:
    """``nodes`` files ``NODEn_cluster.log`` of about ``size`` bytes together."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    names = [f"NODE{i}" for i in range(1, nodes + 1)]
    per_file = max(1, size // nodes)
    written = []
    for index, node in enumerate(names):
        target = out / f"{node}_cluster.log"
        if target.exists() and not force:
            write_file(target, "", encoding)  # raises OutputExistsError
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as stream:
            stream.write(encode("", encoding))  # the BOM, if the encoding has one
            _fill(stream, node, index, names, per_file, rng, encoding)
        written.append(target)
    return written


def _fill(
    stream: BinaryIO, node: str, index: int, nodes: list[str], size: int, rng: random.Random, encoding: str
) -> None:
    write = stream.write
    codec = "utf-16-le" if encoding == "utf-16" else "utf-8"
    now = second_ms("2024/03/14", "00:00:00") + index * 3
    written, episode = 0, 0
    clussvc, rhs = 0x1000 + index * 0x10, 0x2000 + index * 0x10
    while written < size:
        block = []
        for _ in range(2000):
            now += rng.randint(0, 40)
            component, text = _CHATTER[rng.randrange(len(_CHATTER))]
            pid = rhs if component in ("RES", "RHS") else clussvc
            line = text.format(
                n=rng.randint(1, 8), k=rng.randint(1000, 99999), node=nodes[rng.randrange(len(nodes))]
            )
            block.append(full_line(now, pid, rng.randint(0x100, 0x2000), "INFO", component, line))
        episode += 1
        block.extend(_episode(now, episode, node, nodes, clussvc, rhs))
        now += 50
        data = ("\r\n".join(block) + "\r\n").encode(codec)
        write(data)
        written += len(data)


def _episode(now: int, k: int, node: str, nodes: list[str], clussvc: int, rhs: int) -> list[str]:
    """A move of a group off this node, in the recognised shapes (and a deadlock every tenth time)."""
    group, target = f"vm{k % 50}", nodes[(nodes.index(node) + 1) % len(nodes)]
    status = f"Resource {group} called SetResourceStatusEx: checkpoint 1. Old state OfflinePending, "
    status += "new state Offline, AppSpErrorCode 0, Flags 0, nores=false"
    move = (
        f"move of group {group} from {node}(1) to {target}(2) of type MoveType::Manual is about to succeed, "
    )
    move += "failoverCount=0, lastFailoverTime=1601/01/01-00:00:00.000 targeted=true"
    lines = [
        (clussvc, "INFO", "RCM", f"rcm::RcmApi::MoveGroup: ({group}, 2)"),
        (clussvc, "INFO", "RCM", f"rcm::RcmGroup::Move: Bringing group '{group}' offline first..."),
        (clussvc, "INFO", "RCM", f"TransitionToState({group}) Online-->OfflineCallIssued."),
        (rhs, "INFO", "RES", f"Virtual Machine <{group}>: [VM] Offline request."),
        (rhs, "INFO", "RHS", status),
        (
            rhs,
            "INFO",
            "RHS",
            f"Resource {group} has come offline. RHS is about to report resource status to RCM.",
        ),
        (clussvc, "INFO", "RCM", f"TransitionToState({group}) OfflineCallIssued-->Offline."),
        (clussvc, "INFO", "RCM", move),
    ]
    if k % 10 == 0:
        late = f"RhsCall::DeadlockMonitor: Call ISALIVE timed out by 5 milliseconds for resource '{group}'."
        lines.append((rhs, "ERR", "RHS", late))
    return [
        full_line(now + i, pid, 0xF80, level, comp, text) for i, (pid, level, comp, text) in enumerate(lines)
    ]


def parse_size(text: str) -> int:
    """``1GB`` → 1073741824, ``250MB``, ``64K``, ``1000``."""
    match = _SIZE.fullmatch(text.strip())
    if not match or match.group("unit").upper() not in _UNITS:
        raise ValueError(f"size {text!r} is not a number with K, M or G (e.g. 250MB, 1GB)")
    return int(float(match.group("number")) * _UNITS[match.group("unit").upper()])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labkit.clusterlog.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("out", help="directory to write into")
    parser.add_argument(
        "--set", action="append", choices=list(logsets.SETS), help="only this constructed set"
    )
    parser.add_argument("--nodes", type=int, help="write a large set of this many nodes instead")
    parser.add_argument("--size", default="1GB", help="total size of a large set (default 1GB)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of a large set (default 0)")
    parser.add_argument(
        "--encoding", choices=ENCODINGS, default="utf-16", help="of a large set (default utf-16)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    try:
        if args.nodes:
            files = write_large(Path(args.out), nodes=args.nodes, size=parse_size(args.size), seed=args.seed,
                                encoding=args.encoding, force=args.force)  # fmt: skip
        else:
            files = write_sets(Path(args.out), args.set or tuple(logsets.SETS), force=args.force)
    except (LabkitError, ValueError) as exc:
        print(f"generate: error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files)} bytes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

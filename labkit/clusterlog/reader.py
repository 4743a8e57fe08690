"""Reading cluster.log files from every node onto one timeline: `read` (a Trace) and `import_logs` (a file).

The files (or the logs in a directory) are opened one by one, their section tables read into the header,
then their entries merged by UTC time (stable for equal stamps: file order, then line order) and turned
into events one at a time. `import_logs` streams them to disk, so a log set of several GB never sits in
memory; `read` collects them into a `Trace`.

Each file is one node: the name given (``node=``), else the name before ``_cluster.log`` in the file name
(how ``Get-ClusterLog -Destination`` names them), else the node the log's Cluster section names, else the
file name. Times count milliseconds from the first stamp of the whole set (the header's ``utc_start``).
"""

from __future__ import annotations

import heapq
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from labkit.clusterlog import header as head
from labkit.clusterlog.decode import TextFile
from labkit.clusterlog.entries import UNTIMED, Entry, LogFile
from labkit.clusterlog.events import event_for
from labkit.clusterlog.stamps import parse_offset
from labkit.exceptions import ClusterLogError, OutputExistsError
from labkit.trace import Evidence, Trace, TraceEvent, TraceHeader, gc_paused
from labkit.trace.files import write_new

PathLike = str | os.PathLike[str]
_NODE_IN_NAME = re.compile(r"(?P<node>.+?)[_.-]cluster\.log$", re.I)


@dataclass
class Import:
    """An import under way: the files, their nodes and what became of their lines."""

    files: list[LogFile]
    nodes: list[str]
    utc_start: int | None = None
    _reading: bool = False

    def events(self) -> Iterator[TraceEvent]:
        """The events of every file, merged by time, numbered from 0 (once: the files are read as it goes)."""
        if self._reading:
            raise ValueError("the events of an import can be read once; call start() again")
        self._reading = True
        streams = [log.entries() for log in self.files]
        names = [log.text.name for log in self.files]
        rendered = [bool(log.facts.get("rendered_by")) for log in self.files]
        evidence = [Evidence.INFERRED if r else Evidence.OBSERVED for r in rendered]
        calls: list[dict[int, int] | None] = [{} if r else None for r in rendered]
        for seq, entry in enumerate(merge(streams)):
            if self.utc_start is None and entry.stamp != UNTIMED:
                self.utc_start = entry.stamp
            t = (
                0.0
                if entry.stamp == UNTIMED or self.utc_start is None
                else float(entry.stamp - self.utc_start)
            )
            index = entry.file
            event, known = event_for(
                entry,
                seq=seq,
                t=t,
                node=self.nodes[index],
                file_name=names[index],
                evidence=evidence[index],
                calls=calls[index],
            )
            stats = self.files[index].stats
            if known:
                stats.recognised += 1
            else:
                stats.log_lines += 1
            yield event

    @property
    def events_read(self) -> int:
        """How many events `events` has given so far."""
        return sum(log.stats.recognised + log.stats.log_lines for log in self.files)

    def header(self) -> TraceHeader:
        """The trace header, once every event has been read."""
        return head.build(self.files, self.nodes, self.utc_start)

    def summary(self) -> str:
        """One line: lines read, recognised, kept as log lines, joined as continuations (and the rest)."""
        return head.summary(self.files, self.nodes)


def merge(streams: list[Iterator[Entry]]) -> Iterator[Entry]:
    """Entries of sorted streams (one per file, in file order) by (time, file, line): heapq.merge without
    a key function per entry."""
    heap: list[tuple[int, int, int, Entry, Iterator[Entry]]] = []
    for index, stream in enumerate(streams):
        first = next(stream, None)
        if first is not None:
            heap.append((first.stamp, index, first.first, first, stream))
    heapq.heapify(heap)
    while len(heap) > 1:
        _, index, _, entry, stream = heap[0]
        yield entry
        following = next(stream, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following.stamp, index, following.first, following, stream))
    if heap:
        yield heap[0][3]
        yield from heap[0][4]


def start(
    paths: PathLike | Iterable[PathLike], *, utc_offset: str | int | None = None, node: str | None = None
) -> Import:
    """Open every file and read its section tables; the events follow from `Import.events`."""
    files = expand(paths)
    offset = _offset(utc_offset)
    names = display_names(files)
    logs = [
        LogFile(TextFile(path, name), index, offset)
        for index, (path, name) in enumerate(zip(files, names, strict=True))
    ]
    for log in logs:
        log.open()
    nodes = [node or node_of(log) for log in logs]
    return Import(logs, nodes)


def read(
    paths: PathLike | Iterable[PathLike], *, utc_offset: str | int | None = None, node: str | None = None
) -> Trace:
    """Read cluster.log files (or directories of them) into one cluster-domain trace.

    ``utc_offset`` (``"+02:00"`` or minutes) is the offset of the stamps from UTC, for logs written with
    ``-UseLocalTime``; by default a log's Cluster section decides, else the stamps are UTC. ``node`` names
    the node of every file (by default each file's node comes from its name or its Cluster section).
    """
    job = start(paths, utc_offset=utc_offset, node=node)
    with gc_paused():
        events = list(job.events())
    return Trace(job.header(), events)


def import_logs(
    paths: PathLike | Iterable[PathLike],
    out: PathLike,
    *,
    force: bool = False,
    utc_offset: str | int | None = None,
    node: str | None = None,
) -> Import:
    """`read`, written to the trace file ``out`` as it goes (memory stays flat for any size of input).

    The events go to a temporary file beside ``out`` first: the header, which counts them, comes first
    in the file. An existing ``out`` is kept unless ``force`` (`labkit.exceptions.OutputExistsError`).
    """
    _offset(utc_offset)  # a bad offset is refused before anything else
    target = Path(out)
    if target.exists() and not force:  # say so before reading gigabytes
        raise OutputExistsError(f"{target}: file exists; pass force=True (--force) to overwrite it")
    job = start(paths, utc_offset=utc_offset, node=node)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="ascii", dir=target.parent) as events:
        for event in job.events():
            events.write(event.to_json() + "\n")
        events.seek(0)

        def write(stream: IO[str]) -> None:
            stream.write(head.json_line(job.header()))
            while block := events.read(1 << 20):
                stream.write(block)

        write_new(target, write, force=force)
    return job


def expand(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The files to read: files as given, directories by their cluster logs (sorted by name)."""
    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not given:
        raise ClusterLogError("(no files)", 0, "give at least one cluster.log file or directory")
    files: list[Path] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            files.extend(_logs_in(path))
        elif path.is_file():
            files.append(path)
        else:
            raise ClusterLogError(str(path), 0, "no such file or directory")
    return files


def _logs_in(directory: Path) -> list[Path]:
    logs = sorted(p for p in directory.iterdir() if p.is_file() and p.name.lower().endswith("cluster.log"))
    logs = logs or sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".log")
    if not logs:
        raise ClusterLogError(str(directory), 0, "a directory without cluster logs (*cluster.log, *.log)")
    return logs


def display_names(files: list[Path]) -> list[str]:
    """How refs name each file: its name, or enough of its path to tell files of the same name apart."""
    names = [f.name for f in files]
    depth = 1
    while len(set(names)) < len(names) and depth < 32:
        depth += 1
        names = ["/".join(f.parts[-depth:]) for f in files]
    return names


def node_of_path(path: Path) -> str:
    """The node a file's name says (``NODE1_cluster.log``), else the file's stem."""
    match = _NODE_IN_NAME.fullmatch(path.name)
    return match.group("node") if match else path.stem


def node_of(log: LogFile) -> str:
    """The node a file comes from: its file name, else its Cluster section, else the file's stem."""
    match = _NODE_IN_NAME.fullmatch(log.text.path.name)
    if match:
        return match.group("node")
    return str(log.facts.get("node") or log.text.path.stem)


def _offset(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        return parse_offset(value)
    except ValueError as exc:
        raise ClusterLogError("--utc-offset", 0, str(exc)) from None

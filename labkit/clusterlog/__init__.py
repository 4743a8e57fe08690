"""Real cluster logs: ``cluster.log`` from every node imported onto one labkit trace.

    from labkit import clusterlog

    trace = clusterlog.read(["logs/"])                     # every node's cluster.log on one timeline
    trace.filter(kind="state", subject="ag").names()       # RCM's transitions of resource ag
    clusterlog.import_logs(["logs/"], "logs.jsonl")        # the same, streamed to a trace file
    clusterlog.render.write(simulated_trace, "predicted/")  # a simulation as the logs it predicts

Lines in the shapes of the reference sheet (cluster-offline §8) become typed events (`PATTERNS`, one row
per shape); every other entry is kept as a ``LogLine`` note; the section tables at the top of newer logs
go to the header. Every event is ``observed`` and cites its file and line in ``ref``.
"""

from labkit.clusterlog import render
from labkit.clusterlog.events import LOG_LINE, event_for
from labkit.clusterlog.patterns import PATTERNS, Found, Pattern, recognise
from labkit.clusterlog.reader import Import, import_logs, read, start
from labkit.clusterlog.shapes import Prefix, parse_line

__all__ = [
    "LOG_LINE",
    "PATTERNS",
    "Found",
    "Import",
    "Pattern",
    "Prefix",
    "event_for",
    "import_logs",
    "parse_line",
    "read",
    "recognise",
    "render",
    "start",
]

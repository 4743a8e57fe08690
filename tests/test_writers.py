"""Writers under stress: many threads into one Tracer, a writer killed by SIGKILL, failures while writing."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from labkit.exceptions import OutputExistsError, TraceFormatError
from labkit.trace import JsonlFileSink, Kind, TraceEvent, Tracer, read_trace
from tests.conftest import make_tracer


class CountingSink:
    """A sink that records the seqs it sees and fails once on request, like a full disk."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.seqs: list[int] = []
        self.fail_at = fail_at
        self.closed = False

    def emit(self, event: TraceEvent) -> None:
        if event.seq == self.fail_at:
            raise OSError(28, "No space left on device")
        self.seqs.append(event.seq)

    def close(self) -> None:
        self.closed = True


def test_threads_sinks_and_snapshots(tmp_path):
    """8 threads × 2000 events into two file sinks and a third sink while another thread keeps taking
    snapshots: every snapshot is a gapless prefix, and every sink gets every event once, in seq order."""
    header = make_tracer().header
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    counting = CountingSink()
    tracer = Tracer(header, sinks=[JsonlFileSink(a, header), counting, JsonlFileSink(b, header)])
    writers_done = threading.Event()
    snapshots = []

    def write(n):
        for i in range(2000):
            tracer.record(
                Kind.NOTE,
                "tick",
                actor=f"worker:{n}",
                subject=str(i),
                args={"i": i},
                t=i,
                evidence="documented",
            )

    def watch():
        while not writers_done.is_set():
            snapshots.append(tracer.trace)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writers_done.set()
    watcher.join()
    final = tracer.close()

    assert [e.seq for e in final] == list(range(16_000))
    assert sorted((e.actor, e.subject) for e in final) == sorted(
        (f"worker:{n}", str(i)) for n in range(8) for i in range(2000)
    )
    assert [e.t for e in final] == sorted(e.t for e in final)  # time never runs back, whatever the threads
    assert counting.seqs == list(range(16_000)) and counting.closed
    assert read_trace(a) == final and a.read_bytes() == b.read_bytes()
    assert len(snapshots) > 1
    for snap in snapshots:
        assert list(snap) == list(final[: len(snap)])


def test_a_failing_sink_does_not_repeat_a_seq():
    """When a sink fails (disk full) the error reaches the caller, and the next event still gets a new seq."""
    tracer = make_tracer(sinks=[CountingSink(fail_at=1)])
    tracer.record(Kind.NOTE, "a", actor="rcm", evidence="documented")
    with pytest.raises(OSError, match="No space left"):
        tracer.record(Kind.NOTE, "b", actor="rcm", evidence="documented")
    tracer.record(Kind.NOTE, "c", actor="rcm", evidence="documented")
    assert [(e.seq, e.name) for e in tracer.trace] == [(0, "a"), (1, "b"), (2, "c")]


WRITER = textwrap.dedent(
    """
    import sys
    from labkit.trace import JsonlFileSink, Kind, TraceHeader, Tracer

    header = TraceHeader(domain="cluster", scenario="killed", params={"seed": 0}, labkit="0.1.0")
    tracer = Tracer(header, sinks=[JsonlFileSink(sys.argv[1], header)])
    i = 0
    while True:  # until killed
        # After 3000 small events every event carries 1 MB: its write spans many pages, so the test
        # can catch the file ending inside a line and kill the writer half way through that write.
        payload = "x" * (1 << 20 if i >= 3000 else 16) + str(i)
        tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject=f"Disk{i % 5}",
                      args={"OfflineFlags": i % 128, "payload": payload}, t=i, evidence="documented")
        i += 1
    """
)


def test_sigkilled_writer_loses_at_most_the_line_being_written(tmp_path):
    """A writer killed with SIGKILL after thousands of events: a lenient read recovers every complete line
    and names the partial one (if the kill cut a line); a strict read says exactly that the file was cut."""
    path = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    try:
        deadline = time.monotonic() + 120  # a bound against a stuck writer, not a timing assertion
        while not path.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.01)
        lines, mid_line = 0, False
        with path.open("rb") as growing:
            # Kill past line 3000 the moment the file ends inside a line (a write under way), or give
            # up waiting for that moment 50 lines later.
            while not (lines > 3000 and (mid_line or lines > 3050)):
                assert proc.poll() is None, "the writer process ended by itself"
                assert time.monotonic() < deadline, "the writer did not reach 3000 lines"
                new = growing.read()
                lines += new.count(b"\n")
                mid_line = bool(new) and not new.endswith(b"\n")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    data = path.read_bytes()
    complete_lines = data.count(b"\n")
    cut = not data.endswith(b"\n")
    trace = read_trace(path, strict=False)
    assert [e.seq for e in trace] == list(range(complete_lines - 1))  # every complete event, in order
    assert all(e.args["payload"].endswith(str(e.seq)) for e in trace)
    cut_message = "truncated: the file ends in the middle of this line (was the writer killed?)"
    expected = [f"{path}:{complete_lines + 1}: {cut_message}"] if cut else []
    assert [str(p) for p in trace.problems] == expected
    if cut:
        with pytest.raises(TraceFormatError) as err:
            read_trace(path)
        assert [str(p) for p in err.value.problems] == expected
    else:  # the kill fell between two lines: nothing was cut, the file is a valid trace
        assert read_trace(path) == trace


def test_failed_write_leaves_the_old_file_and_no_temp_file(small_trace, tmp_path, monkeypatch):
    """If writing fails half way (here the third event cannot be serialised), the existing file is untouched
    and no temporary file is left behind."""
    path = small_trace[:1].write(tmp_path / "t.jsonl")
    before = path.read_bytes()
    calls = 0
    original = TraceEvent.to_json

    def failing_to_json(self):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        return original(self)

    monkeypatch.setattr(TraceEvent, "to_json", failing_to_json)
    with pytest.raises(OSError, match="No space left"):
        small_trace.write(path, force=True)
    assert calls == 3
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]


def test_interrupted_write_cleans_up(small_trace, tmp_path, monkeypatch):
    """Ctrl-C during the final fsync leaves no file and no temporary file."""

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        small_trace.write(tmp_path / "t.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_appears_while_writing_is_not_overwritten(small_trace, tmp_path, monkeypatch):
    """Another process creating the target while the trace is being written keeps its file."""
    path = tmp_path / "t.jsonl"
    real_fsync = os.fsync

    def someone_else_writes(fd):
        real_fsync(fd)
        path.write_text("theirs\n")

    monkeypatch.setattr(os, "fsync", someone_else_writes)
    with pytest.raises(OutputExistsError, match="appeared while writing"):
        small_trace.write(path)
    assert path.read_text() == "theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]

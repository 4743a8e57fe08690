"""The trace format: recording, deterministic writing, exact round trips, strict and lenient reading."""

import dataclasses
import json
import threading

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import labkit
from labkit.exceptions import OutputExistsError, TraceFormatError
from labkit.trace import Evidence, JsonlFileSink, Kind, StateChange, TraceEvent, Tracer, read_trace
from tests.conftest import make_tracer


def test_recorded_events_in_order(small_trace):
    """seq counts up, a call opens its own span and its return carries it, result names follow the domain."""
    assert [(e.seq, e.kind, e.name) for e in small_trace] == [
        (0, Kind.CALL, "OfflineV2"),
        (1, Kind.STATE, "ClusterResourceOfflinePending"),
        (2, Kind.RETURN, "OfflineV2"),
        (3, Kind.COMPLETE, "SetResourceStatusEx"),
        (4, Kind.FAULT, "LateReport"),
    ]
    assert small_trace[0].span == 0 and small_trace[2].span == 0
    assert small_trace[2].result_name == "ERROR_IO_PENDING"
    assert small_trace[1].state == StateChange("ClusterResourceOnline", "ClusterResourceOfflinePending")
    assert small_trace[4].evidence is Evidence.INFERRED


def test_write_read_round_trip_is_byte_exact(small_trace, tmp_path):
    path = small_trace.write(tmp_path / "t.jsonl")
    again = read_trace(path)
    assert again == small_trace
    path2 = again.write(tmp_path / "t2.jsonl")
    assert path.read_bytes() == path2.read_bytes()
    assert again.to_jsonl() == path.read_text()


def test_writing_is_deterministic(small_trace):
    lines = small_trace.to_jsonl().splitlines()
    assert json.loads(lines[0]) == {
        "format": "labkit-trace",
        "version": 1,
        "domain": "cluster",
        "scenario": "inline",
        "params": {"seed": 0},
        "labkit": "0.1.0",
    }
    assert lines[1] == (
        '{"seq":0,"t":0.0,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk",'
        '"args":{"OfflineFlags":6},"result":null,"result_name":null,"span":0,"evidence":"documented"}'
    )
    assert small_trace.to_jsonl() == small_trace.to_jsonl()


def test_write_never_overwrites_unless_forced(small_trace, tmp_path):
    path = small_trace.write(tmp_path / "t.jsonl")
    with pytest.raises(OutputExistsError, match="file exists"):
        small_trace.write(path)
    small_trace[:2].write(path, force=True)
    assert len(read_trace(path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["t.jsonl"]  # no temporary file left behind


def test_filter_and_slices(small_trace):
    assert small_trace.filter(kind="fault").names() == ["LateReport"]
    assert small_trace.filter(name=["OfflineV2"], kind=Kind.RETURN)[0].seq == 2
    assert small_trace.faults[0].ref == "cluster-offline §4"
    assert len(small_trace[1:3]) == 2 and small_trace[1:3].header == small_trace.header


def test_many_threads_one_file(tmp_path):
    """Eight threads recording 500 events each: nothing lost or duplicated, seq strictly increasing."""
    path = tmp_path / "threads.jsonl"
    header = make_tracer().header
    tracer = Tracer(header, sinks=[JsonlFileSink(path, header)])

    def work(n):
        for i in range(500):
            tracer.record(Kind.NOTE, "tick", actor=f"worker:{n}", subject=str(i), t=i, evidence="documented")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    tracer.close()
    trace = read_trace(path)
    assert [e.seq for e in trace] == list(range(4000))
    assert sorted((e.actor, e.subject) for e in trace) == sorted(
        (f"worker:{n}", str(i)) for n in range(8) for i in range(500)
    )
    assert trace == tracer.trace


def test_file_sink_refuses_an_existing_file(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("keep me\n")
    with pytest.raises(OutputExistsError):
        JsonlFileSink(path, make_tracer().header)
    assert path.read_text() == "keep me\n"


def test_events_frame_dtypes(small_trace):
    frame = small_trace.to_frame()
    assert len(frame) == 5
    assert str(frame["seq"].dtype) == "int64" and str(frame["t"].dtype) == "float64"
    assert isinstance(frame["kind"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["name"].dtype, pd.CategoricalDtype)
    assert str(frame["result"].dtype) == "Int64" and frame["result"].tolist()[2] == 997
    assert frame["result_name"].dtype == "string"
    assert frame["args"][0] == {"OfflineFlags": 6}
    assert frame["state_to"][1] == "ClusterResourceOfflinePending"


def test_html_repr_escapes_everything():
    tracer = make_tracer(scenario="<b>x</b>")
    tracer.record(
        Kind.CALL,
        "OfflineV2",
        actor="rhs",
        subject="<img src=x onerror=alert(1)>",
        args={"DestinationNodeName": "<script>alert(1)</script>"},
        evidence="documented",
    )
    html = tracer.trace._repr_html_()
    assert "<img" not in html and "<script" not in html and "<b>x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_read_trace_is_public():
    assert labkit.read_trace is read_trace


# ----------------------------------------------------------------------------------------------------
# Bad input: each gets its own clear message with path:line
# ----------------------------------------------------------------------------------------------------

HEADER = (
    '{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"s","params":{},"labkit":"0.1.0"}\n'
)
EVENT = (
    '{{"seq":{seq},"t":{t},"kind":"note","name":"n","actor":"rcm","subject":"",'
    '"args":{{}},"result":null,"result_name":null,"span":null,"evidence":"documented"}}\n'
)


def ev(seq, t=0.0):
    return EVENT.format(seq=seq, t=t)


def problems_of(tmp_path, content: bytes):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(TraceFormatError) as err:
        read_trace(path)
    return [str(p).replace(str(path), "F") for p in err.value.problems]


def test_empty_file(tmp_path):
    assert problems_of(tmp_path, b"") == ["F:1: the file is empty; a trace starts with a header line"]


def test_truncated_last_line(tmp_path):
    content = (HEADER + ev(0) + ev(1)[:30]).encode()
    assert problems_of(tmp_path, content) == [
        "F:3: truncated: the file ends in the middle of this line (was the writer killed?)"
    ]


def test_wrong_version(tmp_path):
    content = (HEADER.replace('"version":1', '"version":2') + ev(0)).encode()
    assert problems_of(tmp_path, content) == [
        "F:1: version: trace format version 2 is not supported; this labkit reads version 1"
    ]


def test_non_utf8(tmp_path):
    content = HEADER.encode() + ev(0).encode().replace(b'"n"', b'"\xff"')
    assert problems_of(tmp_path, content) == ["F:2: not valid UTF-8 (byte 0xff at column 40)"]


def test_no_header(tmp_path):
    assert problems_of(tmp_path, (ev(0) + ev(1)).encode()) == [
        "F:1: the file has no header: line 1 is an event; a trace starts with a header line"
    ]


def test_seq_and_time_going_backwards(tmp_path):
    content = (HEADER + ev(0, 5) + ev(0, 6) + ev(2, 4) + ev(3, 7)).encode()
    assert problems_of(tmp_path, content) == [
        "F:3: seq: seq 0 repeats the previous event's",
        "F:4: t: time goes backwards (4 ms after 5 ms)",
    ]


def test_field_errors_name_the_field(tmp_path):
    content = (
        HEADER
        + ev(0).replace('"kind":"note"', '"kind":"oops"')
        + ev(1).replace('"args":{}', '"args":{"OfflineFlags":128}')
        + ev(2).replace(',"evidence":"documented"', "")
    ).encode()
    assert problems_of(tmp_path, content) == [
        'F:2: kind: must be one of call, complete, fault, note, return, state, not "oops"',
        "F:3: args: OfflineFlags 128 has bits outside the OfflineFlags mask 0x7f "
        "(0x80 has no CLUS_RESDLL_OFFLINE_* name)",
        "F:4: evidence: missing required field",
    ]


def test_lenient_reading_keeps_every_good_event(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes((HEADER + ev(0) + "not json\n" + ev(2) + ev(3)[:20]).encode())
    trace = read_trace(path, strict=False)
    assert [e.seq for e in trace] == [0, 2]
    assert [(p.line, p.message.split(" (")[0]) for p in trace.problems] == [
        (3, "not valid JSON"),
        (5, "truncated: the file ends in the middle of this line"),
    ]


_text = st.text(max_size=12)


@given(
    seq=st.integers(0, 2**63 - 1),
    t=st.floats(min_value=0, max_value=1e15, allow_nan=False),
    name=_text,
    subject=_text,
    args=st.dictionaries(_text, st.one_of(st.integers(-(2**63), 2**63 - 1), _text, st.none(), st.booleans())),
    result=st.one_of(st.none(), st.integers(-(2**31), 2**31)),
    result_name=st.one_of(st.none(), _text),
    state=st.one_of(st.none(), st.tuples(st.one_of(st.none(), _text), _text)),
    ref=st.one_of(st.none(), _text),
)
def test_fast_line_writer_matches_the_json_encoder(
    seq, t, name, subject, args, result, result_name, state, ref
):
    """The hand-assembled line of the file sink is byte for byte what encoding to_dict() gives."""
    event = TraceEvent(
        seq=seq,
        t=t,
        kind=Kind.CALL,
        name=name,
        actor="rhs",
        subject=subject,
        args=args,
        result=result,
        result_name=result_name,
        span=seq,
        evidence=Evidence.SAMPLE,
        state=StateChange(*state) if state else None,
        ref=ref,
    )
    expected = json.dumps(event.to_dict(), separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    assert event.to_json() == expected
    assert json.loads(event.to_json()) == event.to_dict()


def test_unusual_field_types_take_the_encoder_path():
    """A bool result or an int time still encodes as JSON would, and NaN is refused."""
    event = TraceEvent(seq=0, t=5, kind=Kind.NOTE, name="n", actor="a", result=True, evidence=Evidence.HEADER)  # type: ignore[arg-type]
    assert '"t":5,' in event.to_json() and '"result":true' in event.to_json()
    with pytest.raises(ValueError):
        TraceEvent(
            seq=0, t=float("nan"), kind=Kind.NOTE, name="n", actor="a", evidence=Evidence.HEADER
        ).to_json()


def test_recorded_events_are_ordinary_frozen_trace_events(small_trace):
    """An event the tracer built is a TraceEvent like one built by hand: equal, same fields, frozen."""
    event = small_trace[1]
    by_hand = TraceEvent(
        seq=1,
        t=event.t,
        kind=Kind.STATE,
        name="ClusterResourceOfflinePending",
        actor=event.actor,
        subject=event.subject,
        args=event.args,
        evidence=event.evidence,
        state=StateChange("ClusterResourceOnline", "ClusterResourceOfflinePending"),
        ref=event.ref,
    )
    assert type(event) is TraceEvent
    assert (event, repr(event)) == (by_hand, repr(by_hand))
    assert dataclasses.asdict(event) == dataclasses.asdict(by_hand)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.name = "OfflineV2"  # type: ignore[misc]

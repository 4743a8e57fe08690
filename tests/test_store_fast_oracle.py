"""An oracle for the store's fast path (`labkit.store.fast.read_canonical`), held against labkit's own reader.

Whatever file the fast path takes, `read_trace` must read it, the file must be byte for byte the text
labkit writes for that trace (its canonical spelling), and the rows must be exactly the rows the event
path builds (`convert.event_columns`). The fast path may decline any file; it may never take a wrong one.

The files are written by labkit, damaged (`tests.strategies`), or assembled token by token with labkit's
spelling or another one (`tests.spellings`), and a table spells the numbers and characters where
spellings differ most. Only the wrapper `fast_columns` calls the fast path; every test runs once per
reader (the C reader, then DuckDB). Examples are derandomized (the same files every run); a test's
failure message counts how many files the fast path took.
"""

import math
import re
from collections import Counter

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit import read_trace
from labkit.exceptions import TraceFormatError
from labkit.store import convert, fast, onepass
from labkit.trace import Evidence, Kind
from labkit.trace.encode import dumps
from tests.conftest import make_tracer
from tests.spellings import BEYOND_INT64, FLOATS, INTS, ODD_TEXT, STRING_KEYS, TIMES, odd_args, spelled_files
from tests.strategies import JSON_VALUES, byte_mutations, field_mutations, line_mutations, traces

READER = {}
"""The fast reader the module's tests are running against (see `reader`)."""


@pytest.fixture(scope="module", params=["onepass", "duckdb"], autouse=True)
def reader(request):
    """Every test runs against each fast reader: the one-pass C reader (`labkit.store.onepass`, what
    `fast.read_canonical` uses where labkit was built with it) and DuckDB (`fast.read_with_duckdb`)."""
    if request.param == "onepass":
        if not onepass.available():
            pytest.skip("labkit was built without its C reader (no compiler)")
        READER["read"] = onepass.read_canonical
    else:
        con = duckdb.connect()
        READER["read"] = lambda path: fast.read_with_duckdb(path, con)
    yield request.param
    READER.clear()


def fast_columns(path):
    """The fast path, called only here: ``(header, trace_id, columns)`` or None."""
    return READER["read"](path)


ORACLE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
TAKEN, DECLINED_CANONICAL, DECLINED = "taken", "declined a valid canonical file", "declined"


# --- the oracle ---------------------------------------------------------------------------------------


def outcome(path, data: bytes) -> str:
    """Write ``data`` to ``path``, run the fast path, and hold whatever it takes to contract 1."""
    path.write_bytes(data)
    result = fast_columns(path)
    try:
        trace = read_trace(path)
    except TraceFormatError as exc:
        trace, refused = None, exc
    canonical = trace is not None and trace.to_jsonl().encode() == data
    if result is None:
        return DECLINED_CANONICAL if canonical and len(trace) > 0 else DECLINED
    assert trace is not None, f"the fast path took a file read_trace refuses ({refused}):\n{data!r}"
    assert canonical, (
        f"the fast path took a file that is not labkit's spelling of its trace:\n"
        f"file:   {data!r}\nlabkit: {trace.to_jsonl().encode()!r}"
    )
    header, trace_id, columns = result
    assert (header, trace_id) == (trace.header, convert.trace_id(trace)), data
    got = convert.finish(trace_id, header, columns, "x").events
    want = convert.finish(trace_id, header, convert.event_columns(trace), "x").events
    assert_same_rows(got, want, data)
    return TAKEN


def assert_same_rows(got, want, data: bytes) -> None:
    """``got.equals(want)``; else the first differing row of each differing column. Values are also
    compared by ``repr`` (``-0.0`` is not ``0.0``, which Arrow's equality does not see)."""
    problems = []
    if got.schema != want.schema:
        problems.append(f"schema:\n{got.schema}\n!=\n{want.schema}")
    elif got.num_rows != want.num_rows:
        problems.append(f"{got.num_rows} rows, read_trace gives {want.num_rows}")
    else:
        for name in want.column_names:
            fast_values, exact_values = got[name].to_pylist(), want[name].to_pylist()
            rows = [
                i
                for i, pair in enumerate(zip(fast_values, exact_values, strict=True))
                if repr(pair[0]) != repr(pair[1])
            ]
            if rows:
                row = rows[0]
                problems.append(
                    f"column {name!r} row {row} ({len(rows)} rows differ): fast path "
                    f"{fast_values[row]!r}, read_trace {exact_values[row]!r}"
                )
        if not problems and not got.equals(want):
            problems.append("the tables differ (Table.equals), though every value has the same repr")
    assert not problems, "\n".join(problems) + f"\nfile: {data!r}"


def run(family, examples: int, path, label=lambda data: ""):
    """Run contract 1 on ``examples`` files drawn from ``family``; the count of each outcome (with the
    ``label`` of the file in front when one is given). Each test also asserts that its family still
    yields enough valid canonical files, the ones the fast path may take, so that it cannot go hollow."""
    counts: Counter[str] = Counter()

    @settings(ORACLE, max_examples=examples)
    @given(data=family)
    def check(data):
        counts[label(data) + outcome(path, data)] += 1

    check()
    return counts


# --- damaged files -----------------------------------------------------------------------------------


@st.composite
def structure_mutations(draw) -> bytes:
    """A file labkit wrote, its lines joined, blanked, padded with spaces, or cut at a line end."""
    lines = draw(traces(max_events=5)).to_jsonl().encode().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["join", "blank", "spaces", "lead", "trail", "cut", "bom", "crlf"]))
        if op == "join" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i][:-1] + lines[i + 1]]
        elif op in ("blank", "spaces"):
            lines.insert(i, b"\n" if op == "blank" else b" \t \n")
        elif op in ("lead", "trail"):
            lines[i] = b" " + lines[i] if op == "lead" else lines[i][:-1] + b" \n"
        elif op == "cut":
            lines[i] = lines[i][:-1]
        elif op == "bom":
            lines[i] = b"\xef\xbb\xbf" + lines[i]
        else:
            lines[i] = lines[i][:-1] + b"\r\n"
    return b"".join(lines)


# --- properties -------------------------------------------------------------------------------------


def test_traces_labkit_writes_are_taken_and_read_exactly(tmp_path):
    """Valid traces written by labkit: whatever is taken holds to contract 1, and most are taken. Files
    with astral characters are counted apart: the fast path may send their surrogate-pair escapes
    (about three files in four from `traces`, whose text is any Unicode) to read_trace."""

    def label(data: bytes) -> str:
        return "astral, " if re.search(rb"\\u[dD][89abAB]", data) else ""

    counts = run(traces().map(lambda trace: trace.to_jsonl().encode()), 80, tmp_path / "t.jsonl", label)
    assert counts[DECLINED] == counts["astral, " + DECLINED] == 0, counts  # labkit wrote them: all valid
    assert counts[TAKEN] >= 6 and counts[TAKEN] >= 0.8 * (counts[TAKEN] + counts[DECLINED_CANONICAL]), counts


def test_damaged_files_taken_only_when_exact(tmp_path):
    """Bytes flipped, fields replaced (pretty or compact), lines dropped, joined, blanked or padded."""
    family = (
        byte_mutations()
        | field_mutations()
        | line_mutations().map(lambda mutation: mutation[1])
        | field_mutations(encode=dumps, values=JSON_VALUES | INTS | FLOATS | BEYOND_INT64)
        | structure_mutations()
    )
    counts = run(family, 200, tmp_path / "t.jsonl")
    assert counts[TAKEN] + counts[DECLINED_CANONICAL] >= 5, counts  # some stay valid and canonical


def test_number_spellings(tmp_path):
    """``t``, seq, results and args numbers at the edges of repr's forms, spelled labkit's way or another."""
    keys = st.sampled_from(["x", "y", "CheckPoint", "ResourceState"])
    args = st.lists(st.tuples(keys, FLOATS | INTS), max_size=3, unique_by=lambda pair: pair[0])
    counts = run(spelled_files(("t", "num", "int"), times=TIMES, args=args), 180, tmp_path / "t.jsonl")
    assert counts[TAKEN] + counts[DECLINED_CANONICAL] >= 25, counts


def test_string_spellings(tmp_path):
    """Names, subjects, refs, states and args strings of every character class, escaped every way."""
    keys = ODD_TEXT | st.sampled_from(STRING_KEYS)
    args = st.lists(st.tuples(keys, ODD_TEXT), max_size=3, unique_by=lambda pair: pair[0])
    files = spelled_files(("text", "key", "argtext"), texts=ODD_TEXT, args=args)
    counts = run(files, 180, tmp_path / "t.jsonl")
    assert counts[TAKEN] + counts[DECLINED_CANONICAL] >= 12, counts


def test_args_values(tmp_path):
    """Flag words in and out of their masks, typed keys of the wrong type, 64-bit edges, repeated keys."""
    files = spelled_files(("num", "argtext", "key", "value"), args=odd_args())
    counts = run(files, 180, tmp_path / "t.jsonl")
    assert counts[TAKEN] + counts[DECLINED_CANONICAL] >= 20, counts


# --- the spellings where labkit's and others differ most, one file each ----------------------------------

HEADER = (
    '{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"x","params":{},"labkit":"0.1.0"}\n'
)
LINE = (
    '{{"seq":{seq},"t":{t},"kind":{kind},"name":{name},"actor":{actor},"subject":{subject},"args":{args},'
    '"result":{result},"result_name":null,"span":{span},"evidence":{evidence},"state":{state},"ref":{ref}}}\n'
)
SLOTS = {
    "seq": "1",
    "t": "2.0",
    "kind": '"state"',
    "name": '"OfflineV2"',
    "actor": '"rhs"',
    "subject": '"Disk"',
}
SLOTS |= {"result": "null", "span": "null", "evidence": '"documented"', "ref": '"cluster-offline \\u00a74"'}
SLOTS |= {"flags": "4", "key": '"x"', "x": "1", "node": '"N1"', "to": '"Online"'}
"""The text of each slot of `LINE` in labkit's spelling; ``flags``, ``key``, ``x`` and ``node`` fill
``args``, ``to`` fills ``state``, unless a table replaces the whole object."""


def line(**slots: str) -> str:
    values = SLOTS | slots
    values.setdefault("args", '{{"OfflineFlags":{flags},{key}:{x},"node":{node}}}'.format(**values))
    values.setdefault("state", '{{"from":null,"to":{to}}}'.format(**values))
    return LINE.format(**values)


def table_file(header: str = HEADER, first: dict[str, str] | None = None, **slots: str) -> bytes:
    """Three events (seq 0, 1, 2 at 0, 2 and 1e15 ms) in labkit's spelling, but ``slots`` of the second
    (and ``first`` of the first)."""
    text = (
        header
        + line(**{"seq": "0", "t": "0.0", **(first or {})})
        + line(**slots)
        + line(seq="2", t=repr(1e15))
    )
    return text.encode("utf-8", "surrogatepass")


NUMBERS = [
    *((0.1, "0.10"), (1e-05, "0.00001"), (1e-05, "1e-5"), (1e-05, "1E-05"), (5.0, "5"), (5.0, "5.00")),
    *(
        (1e16, "1E+16"),
        (1e16, "1e16"),
        (1e16, "10000000000000000.0"),
        (0.30000000000000004, "0.30000000000000003"),
    ),
    *((-0.0, "-0"), (1e22, "1e22"), (1.5e-07, "1.5e-7"), (9999999999999998.0, "9999999999999998")),
    *((5e-324, "4.9406564584124654e-324"), (1e-4, "1e-4"), (1e15, "1e15"), (1e15, "1000000000000000")),
    *((12345.678901234567, "12345.6789012345670"), (math.inf, "1e400"), (2.0**63, "9223372036854775808")),
]
"""(value, another spelling of it): where ``repr`` and DuckDB's shortest spelling part (1e-4, 1e16)."""
CHARACTERS = [
    *(("A", '"\\u0041"'), ("§", '"\\u00A7"'), ("/", '"\\/"'), ("é", '"é"'), ("\x7f", '"\x7f"')),
    *(("\x1f", '"\\u001F"'), ("\n", '"\\u000a"'), ('"', '"\\u0022"'), ("\\", '"\\u005c"'), ("\t", '"\t"')),
    *(("\U0001f600", '"\\uD83D\\uDE00"'), ("\U0001f600", '"\U0001f600"'), ("\x00", '"\\u0000"')),
]
"""(text, another spelling of it), or of raw control characters, which JSON refuses."""


def spelling_cases():
    """(slots in labkit's spelling or None, slots spelled another way)."""
    for value, spelling in NUMBERS:
        canonical = dumps(value) if math.isfinite(value) else None
        for slot in ("t", "x") if 0 <= value <= 1e15 else ("x",):
            yield {slot: canonical} if canonical else None, {slot: spelling}
    for text, spelling in CHARACTERS:  # a name, a typed argument (a column of its own), an args key
        for slot in ("node", "name", "key"):
            yield {slot: dumps("a" + text)} if slot == "node" else None, {slot: '"a' + spelling[1:]}


def test_number_and_character_spellings_table(tmp_path):
    """Each value spelled labkit's way and another way, in one slot of an otherwise canonical file: each
    file is read exactly or declined (the other spelling is taken only where it is labkit's spelling of
    another value: ``5`` in args is the integer 5)."""
    path, counts = tmp_path / "t.jsonl", Counter()
    for canonical, other in spelling_cases():
        if canonical is not None:  # labkit has no spelling of infinity; each text in one slot is enough
            counts["canonical " + outcome(path, table_file(**canonical))] += 1
        counts["other " + outcome(path, table_file(**other))] += 1
    assert counts["canonical " + DECLINED] == 0, counts  # labkit's spellings are valid: the table is right


DEEP = "[" * 33 + "]" * 33
REFUSED = [
    *({"t": t} for t in ("-5e-324", "-1.0", repr(math.nextafter(1e15, 2e15)), "1e+16")),
    *({"seq": seq} for seq in ("-1", "0", "2", "9223372036854775808", "1.0")),
    *(
        {"name": '""'},
        {"actor": '""'},
        {"name": "5"},
        {"name": "null"},
        {"actor": "true"},
        {"subject": "null"},
    ),
    *({"kind": kind} for kind in ('"Call"', '""', '"call "', "1", "null")),
    *({"evidence": evidence} for evidence in ('"Documented"', '""', "null")),
    *({"result": n} for n in ("9223372036854775808", "-9223372036854775809", "1.0", "true", '"0"')),
    *({"span": "9223372036854775808"}, {"span": "1.5"}, {"ref": "5"}),
    *({"args": args} for args in ("[]", '"x"', "5", "null", "[{}]")),
    *(
        {"x": x}
        for x in ("9223372036854775808", "-9223372036854775809", "18446744073709551616", "1" + "0" * 30, DEEP)
    ),
    *({"flags": flags} for flags in ("128", "-1", "4.0", '"4"', "true", "9223372036854775807")),
    *({"key": '"node"'}, {"key": '"OfflineFlags"', "x": "4"}),
    *({"state": state} for state in ('{"from":null,"to":null}', '{"from":5,"to":"A"}', '{"to":"A"}', "[]")),
    {"state": '{"from":"A","to":"B","x":1}'},
    *({"name": text} for text in ('"a\\udc00"', '"\\ud800"', '"\\ude00\\ud83d"', '"\\ud800\\u00e9"')),
    *({"node": '"\\udfff"'}, {"key": '"\\udbffx"'}, {"ref": '"\\udc00 \\u00a7"'}, {"to": '"\\ud800"'}),
]
"""A value read_trace refuses, spelled labkit's way (lone surrogates: ``json.dumps`` escapes them)."""
TAKEN_AS_THEY_ARE = [
    *({"key": '"CheckPoint"', "x": x} for x in ("1.5", "2.0", "true", '"5"', "null", "-9223372036854775808")),
    *({"key": '"dwControlFlags"', "x": "-7"}, {"key": '"ResourceState"', "x": "{}"}, {"flags": "null"}),
    *({"node": node} for node in ("5", "null", "true", '{"a":1}', '""', '"N1 N2"', "[]")),
    {"args": '{"lpvClientSessionArg":5,"pvClientSessionArg":"s","ppvClientSessionArg":"t"}'},
    {"args": '{"ppvClientSessionArg":"t","lpvClientSessionArg":null,"hLookup":"h","routine":"Open"}'},
    *({"args": args} for args in ("{}", '{"StatusFlags":3221225983}', '{"StatusInformation":164}')),
    *(
        {"args": '{"DestinationNodeName":"N2","node":"N1","x":[1,{"a":null}]}'},
        {"state": '{"from":"A","to":"B"}'},
    ),
    *({"ref": '""'}, {"subject": '""'}, {"t": "-0.0"}, {"x": "-0.0"}, {"x": "9223372036854775807"}),
    *({"x": "1e-05"}, {"x": "1e+16"}, {"x": "[" * 31 + "]" * 31}, {"result": "-9223372036854775808"}),
]
"""Values read_trace accepts, spelled labkit's way: odd types under typed keys, several keys of one
typed column, flag words at their masks' edges, the 64-bit edges, the deepest nesting."""
HEADERS = [
    HEADER.replace(":", ": ").replace(",", ", "),
    HEADER.replace('"format":"labkit-trace","version":1', '"version":1,"format":"labkit-trace"'),
    *(
        HEADER.replace('"version":1', version)
        for version in ('"version":1.0', '"version":true', '"version":2')
    ),
    *(HEADER.replace('"x"', scenario) for scenario in ('"\\ud800"', '"é"', '"\\u00E9"', '"a\\/b"', "5")),
    *(HEADER.replace('"params":{}', params) for params in ('"params":{"a":NaN}', '"params":{"a":1,"a":1}')),
    *(HEADER.replace('"params":{}', params) for params in ('"params":{"a":1e400}', '"params":{"a":1.0E2}')),
    *("\ufeff" + HEADER, HEADER.replace(',"labkit":"0.1.0"', ""), HEADER.replace("}\n", ',"x":1}\n')),
    *(HEADER.replace("cluster", "Cluster"), HEADER.replace("\n", "\r\n"), HEADER.replace("\n", " \n")),
    HEADER.replace(
        '"params":{}', '"params":{"source":{"files":[{"path":"C:\\\\logs\\\\N1_cluster.log","node":"N1"}]}}'
    ),
]
"""Headers spelled another way, or wrong, and one in labkit's spelling that names the log's nodes."""


def test_values_and_headers_table(tmp_path):
    """Values read_trace refuses are declined though spelled labkit's way; odd values it accepts are
    read exactly if taken; headers spelled another way are declined."""
    path = tmp_path / "t.jsonl"
    # In the first event, a seq or t below 0 is not caught by the order of the events.
    first = [{"first": {"seq": "-1"}}, {"first": {"t": "-1.0"}}, {"first": {"t": "-5e-324"}}]
    for slots in [*REFUSED, *first]:
        assert outcome(path, table_file(**slots)) == DECLINED, slots
        assert exact_trace(path) is None, f"the table is wrong: read_trace accepts {slots}"
    for slots in TAKEN_AS_THEY_ARE:
        assert outcome(path, table_file(**slots)) != DECLINED, f"the table is wrong: {slots} is not canonical"
    for header in HEADERS:
        outcome(path, table_file(header))


def exact_trace(path):
    try:
        return read_trace(path)
    except TraceFormatError:
        return None


# --- a plain file the fast path must take -------------------------------------------------------------


def test_plain_canonical_events_take_the_fast_path(tmp_path):
    """A few hundred plain events (flat args of ints, floats and plain strings, refs with a section sign,
    state changes from nothing and from a state) are taken, with exactly read_trace's rows."""
    tracer = make_tracer(domain="cluster")
    kinds = [Kind.CALL, Kind.RETURN, Kind.COMPLETE, Kind.STATE, Kind.NOTE, Kind.FAULT]
    for i in range(300):
        kind = kinds[i % len(kinds)]
        args = {
            "OfflineFlags": i % 0x80,
            "StatusFlags": i % 4,
            "CheckPoint": i,
            "node": f"N{i % 3}",
            "lpvClientSessionArg": f"session:{i}",
            "Timeout": i * 0.25 + 0.125,
            "Ratio": i / 7,
        }
        state = None
        if kind is Kind.STATE:
            state = (None if i % 4 == 3 else f"State{i % 5}", f"State{(i + 1) % 5}")
        tracer.record(
            kind,
            ["OfflineV2", "SetResourceStatusEx", "ClusterResourceOffline"][i % 3],
            actor=["rhs", "dll", "rcm"][i % 3],
            subject=f"Disk {i % 4}",
            args=args,
            result=[None, 0, 997, -5][i % 4],
            evidence=list(Evidence)[i % len(Evidence)],
            state=state,
            ref=["cluster-offline §4", None, "cluster-offline §8.2"][i % 3],
            t=i * 1.5 + (i % 3) / 10,
        )
    path = tracer.trace.write(tmp_path / "plain.jsonl")
    data = path.read_bytes()
    assert data.count(b"\\u00a7") >= 200 and data.count(b'"from":null') >= 10
    assert fast_columns(path) is not None
    assert outcome(path, data) == TAKEN

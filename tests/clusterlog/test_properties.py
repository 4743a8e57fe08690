"""Properties of any log set: nothing lost, time in order, each file's lines in their order at equal times."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit import clusterlog

from .helpers import accounted, line

PROPERTY = settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Any printable text but markdown's escape characters (a message with "\\<" reads as "<", by design).
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\\`"),
    max_size=30,
).filter(lambda t: not t.startswith("["))  # after the level, "[" starts a tag
# Continuation lines: "    - " and then text that cannot start a prefix.
MORE = st.text(st.sampled_from("abcXYZ .,;:()-_/éü日"), max_size=20).map(lambda t: "    - " + t)
ENTRY = st.tuples(
    st.integers(0, 5_000),  # ms after the start; out of order within a file on purpose
    st.sampled_from(["RCM", "RHS", "RES", "GUM", None]),
    TEXT,
    st.lists(MORE, max_size=2),
)


@PROPERTY
@given(files=st.lists(st.lists(ENTRY, min_size=1, max_size=12), min_size=1, max_size=3), crlf=st.booleans())
def test_every_entry_is_one_event_in_time_order(tmp_path_factory, files, crlf):
    """Each written entry is exactly one event with its own text and lines; times never go back; the
    accounting identity holds for every file."""
    directory = tmp_path_factory.mktemp("set")
    written = {}
    for index, entries in enumerate(files):
        lines, number = [], 0
        name = f"N{index}_cluster.log"
        for ms, component, text, more in entries:
            first = number + 1
            lines.append(line(ms, component, text))
            lines.extend(more)
            number += 1 + len(more)
            ref = f"{name}:{first}" if not more else f"{name}:{first}-{number}"
            written[ref] = "\n".join([text, *more])
        newline = "\r\n" if crlf else "\n"
        (directory / name).write_bytes((newline.join(lines) + newline).encode("utf-8"))
    trace = clusterlog.read(directory)
    assert {e.ref: e.args["text"] for e in trace} == written
    assert len(trace) == len(written)
    assert [e.t for e in trace] == sorted(e.t for e in trace)
    assert accounted(trace.header) == []
    for name in {ref.split(":")[0] for ref in written}:
        mine = [e for e in trace if e.ref.startswith(name + ":")]
        keys = [(e.t, int(e.ref.split(":")[1].split("-")[0])) for e in mine]
        assert keys == sorted(keys)  # equal times keep the file's line order

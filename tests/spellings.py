"""Hypothesis strategies: trace files assembled token by token, each token in labkit's spelling or another.

A token (a number, a string, a key, a separator, a line end) has the text labkit writes for it, other
texts of the *same* JSON value (``1e-5`` for ``1e-05``, ``5.00`` for ``5.0``, ``\\u0041`` for ``A``, raw
UTF-8, a space), and *odd* texts: not JSON, or JSON of another value. A file keeps labkit's spelling
everywhere, or but for one or two tokens of the tags a test is about, or holds one or two values that
labkit's reader refuses though they are spelled labkit's way (`WRONG`). Used by
tests/test_store_fast_oracle.py.
"""

import json
import math
import re
import string
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import strategies as st

from labkit import winapi
from labkit.store.schema import TYPED_ARGS
from labkit.trace import Evidence, Kind, TraceHeader
from labkit.trace.encode import dumps
from tests.strategies import JSON_VALUES


@dataclass(frozen=True)
class Token:
    text: str
    """labkit's spelling."""
    same: tuple[str, ...] = ()
    """Other spellings of the same JSON value (labkit's reader reads the same; the file is not canonical)."""
    odd: tuple[str, ...] = ()
    """Spellings that are not JSON, or are JSON of another value."""
    tag: str = "shape"
    """What the token is: shape, t, int, text, key, num, argtext, value."""


def _same_value(text: str, value) -> bool:
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return type(parsed) is type(value) and repr(parsed) == repr(value)


def token(value, others, tag: str) -> Token:
    """``value`` as labkit spells it (``dumps``); ``others`` sorted into same and odd by Python's reader."""
    canonical = dumps(value)
    rest = [o for o in dict.fromkeys(others) if o != canonical]
    same = tuple(o for o in rest if _same_value(o, value))
    return Token(canonical, same, tuple(o for o in rest if o not in same), tag)


def float_texts(v: float) -> list[str]:
    """Other decimal texts of ``v`` (``1e-5``, ``0.00001``, ``1E+16``, ``5``, ``0.10``, all the digits of
    the binary value, 17-digit neighbours that round to it), and texts JSON has not (``.5``, ``+1.0``)."""
    if not math.isfinite(v):
        return ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]
    canonical = repr(v)
    exact = Decimal(canonical)
    mantissa, e, exponent = canonical.partition("e")
    positional = format(exact, "f")
    texts = [
        *(f"{v:.17g}", f"{v:.16g}", f"{v:.17e}", canonical.upper(), str(Decimal(v)), format(exact, "e")),
        *(positional, positional if "." in positional else positional + ".0", mantissa + "0" + e + exponent),
        mantissa + e + exponent.replace("+", "").replace("-0", "-") if e else canonical + "e0",
        mantissa + e + exponent.replace("-", "-00") if e else canonical + "E-0",
        *(canonical.replace("0.", ".", 1), "+" + canonical, "-0" if v == 0 else canonical.removesuffix(".0")),
        "1e400" if v > 0 else "-1e400",
    ]
    for digits in (15, 16):  # 16 and 17 significant digits that round to the same double
        head, _, tail = f"{v:.{digits}e}".partition("e")
        for step in (-1, 1):
            last = int(head[-1]) + step
            if 0 <= last <= 9 and float(near := f"{head[:-1]}{last}e{tail}") == v:
                texts.append(near)
    return texts


def int_texts(n: int) -> list[str]:
    return [
        f"{n}.0",
        f"{n}e0",
        f"{n}E+00",
        f"-0{-n}" if n < 0 else f"0{n}",
        f"+{n}",
        "-0" if n == 0 else f"{n} ",
    ]


_UNSHORT = {'\\"': '"', "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\b": "\b", "\\f": "\f"}


def string_texts(text: str) -> list[str]:
    """Other spellings of ``text`` (raw UTF-8, upper-case hex, ``\\/``, ``\\u0041`` for ``A``, ``\\u000a``
    for ``\\n``), raw control characters and bare quotes (not JSON), lone surrogates and astral characters."""
    body = dumps(text)[1:-1]
    texts = [
        json.dumps(text, ensure_ascii=False)[1:-1],
        re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), body),
        re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), body, count=1),
        body.replace("/", "\\/"),
        re.sub(r"[A-Za-z0-9 ]", lambda m: f"\\u{ord(m[0]):04x}", body, count=1),
        re.sub(r'\\["\\nrtbf]', lambda m: f"\\u{ord(_UNSHORT[m[0]]):04x}", body, count=1),
        re.sub(r"\\u00([01][0-9a-f]|7f)", lambda m: chr(int(m[1], 16)), body, count=1),  # raw control, DEL
        re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), body, count=1),  # one character raw
        re.sub(r'\\(["\\])', r"\1", body, count=1),
        *(body + "\\ud800", "\\udfff" + body, body + "\udc00"),  # lone surrogates, escaped or raw
        *(body + "\\ud83d\\ude00", body + "\\uD83D\\uDE00", "\U0010ffff" + body),  # astral characters
    ]
    return ['"' + t + '"' for t in texts]


def value_token(value, tag: str) -> Token:
    if isinstance(value, bool) or value is None:
        return token(value, ["True" if value else "nil", f" {dumps(value)}"], "value")
    if isinstance(value, int):
        return token(value, int_texts(value), "int" if tag == "int" else "num")
    if isinstance(value, float):
        return token(value, float_texts(value), "t" if tag == "t" else "num")
    if isinstance(value, str):
        return token(value, string_texts(value), tag)
    return token(value, [json.dumps(value), json.dumps(value, ensure_ascii=False)], "value")


def fixed(text: str) -> Token:
    return Token(text)


# --- values -------------------------------------------------------------------------------------------

EDGE_TIMES = [
    *(
        0.0,
        1e-4,
        math.nextafter(1e-4, 0),
        math.nextafter(1e-4, 1),
        1e-5,
        1.5e-7,
        5e-324,
        2.2250738585072014e-308,
    ),
    *(2.225073858507201e-308, 0.1, 0.30000000000000004, 1 / 3, 5.0, 123456789.12345679, 1e15, -0.0),
    *(math.nextafter(1e15, 0), 999999999999999.9, 0.5, 1e-3, 12345.678901234567),
]
"""Where ``repr`` changes form (below 1e-4: an exponent), subnormals, 15-17 significant digits, 1e15."""
EDGE_FLOATS = [*EDGE_TIMES, 1e16, 9999999999999998.0, 1.7976931348623157e308, 1e22, 2.0**63, 2.0**53 + 1]


def significant(exponents: st.SearchStrategy[int]) -> st.SearchStrategy[float]:
    """Doubles from decimals of 15 to 17 significant digits."""
    return st.builds(lambda m, e: float(f"{m}e{e}"), st.integers(10**14, 10**17 - 1), exponents)


TIMES = (
    st.sampled_from(EDGE_TIMES) | st.floats(0, 1e15) | significant(st.integers(-31, -2)) | st.floats(0, 1e-3)
)
FLOATS = (
    st.sampled_from(EDGE_FLOATS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | significant(st.integers(-28, 5))
).flatmap(lambda v: st.sampled_from([v, -v]))
INT_EDGES = [0, -1, 1, 2**31, 2**32, 2**53, 2**53 + 1, 10**16, 10**17, 2**63 - 1, -(2**63)]
INTS = st.sampled_from(INT_EDGES) | st.integers(-(2**63), 2**63 - 1) | st.integers(-1000, 1000)
BEYOND_INT64 = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30])

PLAIN_TEXT = st.sampled_from(["OfflineV2", "rhs", "Disk", "", "cluster-offline §4"]) | st.text(
    string.ascii_letters + string.digits + " :-_./§é", max_size=8
)
ODD_CHARS = [
    *("\x00", "\x01", "\x08", "\t", "\n", "\x0c", "\r", "\x1f", '"', "\\", "/", "\x7f", "A", "z", " ", "~"),
    *("é", "§", "\u00a0", "\u2028", "\ufeff", "\uffff", "€", "\ud7ff", "\ue000"),
]
"""Every class of character labkit escapes or not. Astral characters come only as odd spellings (see
`string_texts`): the fast path may send every file that has one to read_trace."""
ODD_TEXT = (
    st.text(
        st.sampled_from(ODD_CHARS) | st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]),
        max_size=6,
    )
    | PLAIN_TEXT
)

TYPED_KEYS = [k for typed in TYPED_ARGS for k in typed.keys]
STRING_KEYS = [k for typed in TYPED_ARGS if typed.type == "str" for k in typed.keys]
SESSION_KEYS = next(typed.keys for typed in TYPED_ARGS if len(typed.keys) > 1)
FLAG_KEYS = list(winapi.FLAG_ARGUMENTS)
PLAIN_ARGS = st.lists(
    st.tuples(
        st.sampled_from(["x", "node", "hResource", "ResourceState", "CheckPoint", "lpvClientSessionArg"]),
        st.integers(-1000, 10**6) | st.sampled_from([0.5, 2.25, 1234.5]) | PLAIN_TEXT | st.none(),
    ),
    max_size=3,
    unique_by=lambda pair: pair[0],
)


@st.composite
def flag_words(draw, key: str) -> int:
    """A word of flag ``key``: bits of its mask, or a bit outside it, or negative."""
    mask = winapi.FLAG_ARGUMENTS[key].mask()
    word = draw(st.integers(0, 2**32 - 1)) & mask
    return draw(st.sampled_from([word, word, word | (1 << (mask.bit_length() + 1)), -1 - word, mask]))


@st.composite
def odd_args(draw) -> list[tuple[str, object]]:
    """Args as (key, value) pairs: flag words in and out of their masks, typed keys holding any JSON type
    (several keys of one typed column), ints at the 64-bit edges, floats, odd text, nested values."""
    values = (
        INTS | FLOATS | ODD_TEXT | st.booleans() | st.none() | JSON_VALUES | st.sampled_from([{}, [], [{}]])
    )
    keys = st.sampled_from([*TYPED_KEYS, *FLAG_KEYS, "x"]) | ODD_TEXT
    pairs = []
    for key in draw(st.lists(keys, max_size=5, unique=not rarely(draw, 10))):
        value = draw(flag_words(key)) if key in FLAG_KEYS and not rarely(draw, 4) else draw(values)
        pairs.append((key, value))
    if rarely(draw, 4):  # one typed column from several keys: the first string wins
        group = draw(st.permutations(SESSION_KEYS))[: draw(st.integers(2, 3))]
        pairs = [p for p in pairs if p[0] not in group]
        pairs += [(key, draw(ODD_TEXT | st.none() | INTS | st.booleans())) for key in group]
    return pairs


# --- files ------------------------------------------------------------------------------------------

WRONG = (
    *("t<0", "t>1e15", "seq<0", "seq>int64", "name empty", "actor empty", "name type", "kind", "evidence"),
    *("result>int64", "span>int64", "arg>int64", "flag", "repeated key", "args type", "state", "deep"),
)
"""Values labkit's reader refuses though spelled labkit's way (a file in four holds one or two)."""
PARAMS = [{}, {"seed": 0}, {"source": {"files": [{"path": "C:\\logs\\N1_cluster.log", "node": "N1"}]}}]
REFS = st.none() | st.sampled_from(
    ["cluster-offline §4", "N1_cluster.log:12", "N2_cluster.log:3-4", "nspv2 §2.2"]
)


def object_tokens(pairs) -> list[Token]:
    """An object's tokens; with keys unique, labkit's spellings joined are ``dumps(dict(pairs))``."""
    tokens = [fixed("{")]
    for i, (key, value) in enumerate(pairs):
        tokens += [
            fixed("," if i else ""),
            value_token(key, "key"),
            fixed(":"),
            value_token(value, "argtext"),
        ]
    return [*tokens, fixed("}")]


@st.composite
def wrong_fields(draw, wrong: str | None, fields: dict) -> dict:
    """``fields`` with the ``wrong`` value in (see `WRONG`)."""
    pairs = fields["args"]
    if wrong == "t<0":
        fields["t"] = draw(st.sampled_from([-5e-324, -1.0, -0.5]))
    elif wrong == "t>1e15":
        fields["t"] = draw(st.sampled_from([math.nextafter(1e15, 2e15), 1e16, 1.7976931348623157e308]))
    elif wrong in ("seq<0", "seq>int64"):
        fields["seq"] = -1 if wrong == "seq<0" else 2**63
    elif wrong in ("name empty", "actor empty", "name type"):
        fields[wrong.split()[0]] = (
            draw(st.sampled_from([5, None, True, ["a"]])) if wrong == "name type" else ""
        )
    elif wrong in ("kind", "evidence"):
        fields[wrong] = draw(st.sampled_from(["Call", "", "Documented", "calls", 1]))
    elif wrong in ("result>int64", "span>int64"):
        fields[wrong[:-6]] = draw(BEYOND_INT64)
    elif wrong in ("arg>int64", "deep"):
        pairs.append(("x", draw(BEYOND_INT64) if wrong == "arg>int64" else _deep(33)))
    elif wrong == "flag":
        key = draw(st.sampled_from(FLAG_KEYS))
        pairs.append((key, draw(st.sampled_from([-1, 1.0, "4", True, 1 << 40, 2**63 - 1]))))
    elif wrong == "repeated key":
        pairs.append(draw(st.sampled_from(pairs)) if pairs and draw(st.booleans()) else ("x", 1))
        pairs.append(("x", 2) if pairs[-1] == ("x", 1) else pairs[-1])
    elif wrong == "args type":
        fields["args"] = NotAnObject(draw(st.sampled_from([[], "x", 5, None, [{}]])))
    elif wrong == "state":
        fields["state"] = draw(
            st.sampled_from([{"from": None, "to": None}, {"from": 5, "to": "A"}, {"to": "A"}])
        )
    return fields


@dataclass(frozen=True)
class NotAnObject:
    """``args`` that are not an object."""

    value: object


def rarely(draw, one_in: int) -> bool:
    """True once in ``one_in`` draws (the rare case last: Hypothesis favours the first)."""
    return draw(st.sampled_from([False] * (one_in - 1) + [True]))


def _deep(depth: int):
    return [] if depth == 0 else [_deep(depth - 1)]


def event_tokens(fields: dict) -> list[Token]:
    """One event line's tokens; labkit's spellings joined are ``TraceEvent.to_json()`` and a newline."""
    args = fields["args"]
    tokens = [
        Token("{", same=(" {",)),
        Token('"seq"', same=('"s\\u0065q"',)),
        fixed(":"),
        value_token(fields["seq"], "int"),
        fixed(',"t":'),
        value_token(fields["t"], "t"),
    ]
    for key in ("kind", "name", "actor", "subject"):
        tokens += [fixed(f',"{key}":'), value_token(fields[key], "text")]
    tokens.append(Token(',"args":', same=(',"args": ',)))
    tokens += [value_token(args.value, "value")] if isinstance(args, NotAnObject) else object_tokens(args)
    for key, tag in (("result", "int"), ("result_name", "text"), ("span", "int"), ("evidence", "text")):
        tokens += [fixed(f',"{key}":'), value_token(fields[key], tag)]
    state = fields["state"]
    if state is None:
        tokens.append(Token("", same=(',"state":null',)))
    elif isinstance(state, tuple):
        tokens += [fixed(',"state":{"from":'), value_token(state[0], "text"), fixed(',"to":')]
        tokens += [value_token(state[1], "text"), Token("}", odd=(',"to":null}', ',"to":"x"}'))]
    else:
        tokens.append(fixed(',"state":' + dumps(state)))
    if fields["ref"] is None:
        tokens.append(Token("", same=(',"ref":null',)))
    else:
        tokens += [fixed(',"ref":'), value_token(fields["ref"], "text")]
    return [*tokens, Token("}\n", same=("} \n", "}\t\n"), odd=("}\r\n", "}\n\n", "}", "}\n \n"))]


@st.composite
def spelled_files(draw, focus, times=TIMES, texts=PLAIN_TEXT, args=PLAIN_ARGS) -> bytes:
    """A file of 1-6 events in labkit's spelling (three files in eight), or with one or two tokens
    tagged ``focus`` (or the header or a shape token) spelled another way, of the same value three
    times in four (three in eight), or with one or two wrong values (`WRONG`) spelled labkit's way."""
    header = TraceHeader(
        domain=draw(st.sampled_from(["cluster", "nspv2"])),
        scenario=draw(texts),
        params=draw(st.sampled_from(PARAMS)),
        labkit="0.1.0",
    )
    head = dumps(header.to_dict()) + "\n"
    tokens = [Token(head, same=(json.dumps(header.to_dict()) + "\n",), odd=("\ufeff" + head,), tag="header")]
    stamps = sorted(draw(st.lists(times, min_size=1, max_size=6)))
    if rarely(draw, 10):
        stamps = draw(st.permutations(stamps))  # time may go backwards
    mode = draw(
        st.sampled_from(["canonical", "respelled", "canonical", "respelled", "wrong"] * 3 + ["wrong"])
    )
    wrong = {
        draw(st.integers(0, len(stamps) - 1)): draw(st.sampled_from(WRONG)) for _ in range(mode == "wrong")
    }
    if mode == "wrong" and not rarely(draw, 3):
        wrong[draw(st.integers(0, len(stamps) - 1))] = draw(st.sampled_from(WRONG))
    seq = draw(st.sampled_from([0, 1, 2**63 - 40]))
    for i, t in enumerate(stamps):
        kind = draw(st.sampled_from([k.value for k in Kind]))
        state = draw(st.none() | st.tuples(st.none() | texts, texts)) if kind == "state" else None
        fields = {
            **{
                "seq": seq,
                "t": t,
                "kind": kind,
                "name": draw(texts.filter(bool)),
                "actor": draw(texts.filter(bool)),
            },
            **{"subject": draw(texts), "args": list(draw(args)), "result": draw(st.none() | INTS)},
            **{"result_name": draw(st.none() | texts), "span": draw(st.none() | st.integers(0, 2**63 - 1))},
            **{"evidence": draw(st.sampled_from([e.value for e in Evidence])), "state": state},
            "ref": draw(REFS | texts),
        }
        tokens += event_tokens(draw(wrong_fields(wrong.get(i), fields)))
        seq += draw(st.sampled_from([1] * 16 + [2, 7, 100, 0]))
    respell = draw(st.sampled_from([1, 1, 2])) if mode == "respelled" else 0
    return _respelled(draw, tokens, focus, respell).encode("utf-8", "surrogatepass")


def _respelled(draw, tokens: list[Token], focus, respell: int) -> str:
    texts = [t.text for t in tokens]
    for _ in range(respell):
        tags = draw(st.sampled_from([focus] * 6 + [("shape",), ("header",)]))
        candidates = [i for i, t in enumerate(tokens) if t.tag in tags and (t.same or t.odd)]
        if candidates:
            i = draw(st.sampled_from(candidates))
            same, odd = tokens[i].same, tokens[i].odd
            texts[i] = draw(st.sampled_from(same if same and (not odd or not rarely(draw, 4)) else odd))
    return "".join(texts)

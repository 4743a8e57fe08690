"""Run by tests/test_store_onepass.py in a child built with AddressSanitizer: the C reader on damaged lines.

``python tests/asan_fuzz.py BUILD_DIR ROUNDS`` imports ``_canonical`` from BUILD_DIR (a sanitizer build) and
scans thousands of randomly damaged canonical lines; the sanitizers abort the child on any bad access.
"""

import random
import sys

sys.path.insert(0, sys.argv[1])

import _canonical

from labkit.store import onepass

LINE = (
    b'{"seq":0,"t":0.5,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk",'
    b'"args":{"OfflineFlags":4,"node":"N1","x":1.5,"s":"a\\u00e9\\ud83d\\ude00\\"\\\\"},"result":null,'
    b'"result_name":null,"span":0,"evidence":"documented","state":{"from":null,"to":"Online"},'
    b'"ref":"cluster-offline \\u00a74"}\n'
)


def damaged(rng: random.Random) -> bytes:
    data = bytearray(LINE * rng.randint(1, 3))
    for _ in range(rng.randint(0, 4)):
        at = rng.randrange(len(data)) if data else 0
        op = rng.random()
        if op < 0.4 and data:
            data[at] = rng.randrange(256)
        elif op < 0.7:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        else:
            del data[at : at + rng.randint(1, 10)]
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    return bytes(data)


def main() -> None:
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    taken = 0
    for _ in range(int(sys.argv[2])):
        data = damaged(rng)
        out = _canonical.scan(data, rng.randrange(len(data) + 1), onepass._TYPED, onepass._FLAGS)
        taken += sum(out["ok"])
        _canonical.is_float_repr(data[: rng.randint(0, 30)])
    print(taken)


if __name__ == "__main__":
    main()

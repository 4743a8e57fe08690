"""How fast is the cluster flag matrix? Best of five timings: .venv/bin/python bench/cluster_matrix.py

The matrix should stay well under 2 s for 128 flag combinations × 3 OS profiles of move-busy-dll, and cost
no more than 1.1 × the same 384 simulate() calls made one by one.
"""

import time

from labkit import cluster
from labkit.winapi import OfflineFlags

SCENARIO = "move-busy-dll"
PROFILES = ("2012", "2012r2", "2016")


def best_of(runs, work):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def singles():
    for profile in PROFILES:
        for bits in range(128):
            cluster.simulate(SCENARIO, flags=OfflineFlags(bits), os=profile)


def matrix():
    cluster.flag_matrix(SCENARIO, os=PROFILES)


if __name__ == "__main__":
    matrix()  # import pandas and warm caches outside the timings
    one = best_of(50, lambda: cluster.simulate(SCENARIO))
    alone, table = best_of(5, singles), best_of(5, matrix)
    print(f"one {SCENARIO} run (QUEUE_ENABLED, 70 events): {one * 1000:.2f} ms")
    print(f"384 simulate() calls: {alone:.3f} s; flag_matrix over the same 384: {table:.3f} s")
    print(f"matrix / singles: {table / alone:.3f}")

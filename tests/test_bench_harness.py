"""The benchmark harness's memory figure: a child's own peak, whatever its parent held."""

from bench.harness import run_child


def test_a_child_does_not_report_its_parents_peak_memory():
    """Linux carries a process's peak across exec (ru_maxrss); the harness reads the child's own."""
    held = bytearray(300 << 20)
    held[::4096] = b"\1" * len(held[::4096])  # touch every page: the parent's peak is now >= 300 MiB
    small = run_child("result = {}")
    big = run_child("block = bytearray(200 << 20)\nblock[::4096] = b'\\1' * len(block[::4096])\nresult = {}")
    del held
    assert small["peak_rss_mib"] < 100
    assert 200 <= big["peak_rss_mib"] < 300

"""The user-code guard turns exceptions and real-time blocking into Misbehaviour values."""

import time

from labkit.engine.guard import UserCodeGuard


def test_value_passes_through():
    with UserCodeGuard() as guard:
        out = guard.call("NSPv2Startup", lambda a, b: a + b, 1, 2)
    assert out.ok and out.value == 3


def test_exception_becomes_a_fault_naming_routine_and_place():
    def provider_startup():
        raise KeyError("session")

    with UserCodeGuard() as guard:
        out = guard.call("NSPv2Startup", provider_startup)
    assert out.fault.rule == "raised"
    assert out.fault.message.startswith("NSPv2Startup raised KeyError: 'session' at ")
    assert "in provider_startup" in out.fault.message


def test_blocking_routine_is_stopped():
    """A routine that sleeps or spins is interrupted, even if it catches Exception."""

    def spins():
        while True:
            try:  # noqa: SIM105 - user code that swallows every Exception
                time.sleep(0.01)
            except Exception:
                pass

    with UserCodeGuard(limit_s=0.2) as guard:
        start = time.perf_counter()
        out = guard.call("OfflineV2", spins)
        elapsed = time.perf_counter() - start
        after = guard.call("Terminate", lambda: "still works")
    assert out.fault.rule == "blocked"
    assert (
        "OfflineV2 blocked for" in out.fault.message
        and "stopped by the wall-clock guard" in out.fault.message
    )
    assert elapsed < 2
    assert after.value == "still works"


def test_system_exit_in_user_code_does_not_end_the_lab():
    import sys

    with UserCodeGuard() as guard:
        out = guard.call("Close", sys.exit, 3)
    assert out.fault.rule == "raised" and "SystemExit" in out.fault.message

"""The collector scope of a simulation run: survivors frozen during the run, everything handed back after."""

import gc
import weakref

import pytest

from labkit import cluster, nspv2
from labkit.engine.gcfreeze import freeze_survivors
from labkit.nspv2 import Client, Exit, Lookup
from labkit.nspv2.sample_providers import EmailDirectory


class Cycle:
    """Two of these pointing at each other are garbage only the cyclic collector can free."""

    other: "Cycle | None" = None


def cycle() -> weakref.ref[Cycle]:
    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture(autouse=True)
def clean_collector():
    """Each test starts and ends with nothing frozen and the collector's hooks as they were."""
    hooks = list(gc.callbacks)
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()
    assert gc.callbacks == hooks


def test_what_is_alive_at_the_start_and_after_a_full_collection_is_frozen_until_the_end():
    """The scope freezes the heap as it finds it, then each full collection's survivors; the end undoes it."""
    hooks = list(gc.callbacks)
    with freeze_survivors():
        at_start = gc.get_freeze_count()
        made_inside = [[] for _ in range(1000)]
        gc.collect()
        after_collection = gc.get_freeze_count()
    assert at_start > 0
    assert after_collection >= at_start + len(made_inside)
    assert (gc.get_freeze_count(), gc.callbacks) == (0, hooks)


def test_survivors_of_the_middle_generation_are_frozen_rather_than_kept_for_full_collections():
    """What survives a collection of generation 1 is frozen at once: the oldest generation stays empty."""
    gc.disable()  # only the collections below: an automatic one could freeze the objects too early
    try:
        with freeze_survivors():
            before = gc.get_freeze_count()
            made_inside = [[] for _ in range(1000)]
            gc.collect(0)
            after_young = gc.get_freeze_count()
            gc.collect(1)
            after_middle = gc.get_freeze_count()
    finally:
        gc.enable()
    assert after_young == before
    assert after_middle >= before + len(made_inside)


def test_young_cyclic_garbage_is_still_collected():
    """A cycle created after the last full collection and dropped is freed by the next one."""
    gc.disable()  # only the collections below: an automatic one could catch the cycle while alive
    try:
        with freeze_survivors():
            gc.collect()
            ref = cycle()
            gc.collect()
            assert ref() is None
    finally:
        gc.enable()


def test_a_cycle_frozen_alive_is_freed_after_the_scope():
    """A cycle alive at a full collection and dropped later is freed only after the scope (the price)."""
    with freeze_survivors():
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        gc.collect()
        del a, b
        gc.collect()
        assert ref() is not None
    gc.collect()
    assert ref() is None


def test_nested_scopes_unfreeze_once_when_the_outermost_ends():
    """An inner scope's end leaves the outer scope's hook in place and its frozen objects frozen."""
    hooks = len(gc.callbacks)
    with freeze_survivors():
        with freeze_survivors():
            assert len(gc.callbacks) == hooks + 1
            gc.collect()
        assert len(gc.callbacks) == hooks + 1
        assert gc.get_freeze_count() > 0
    assert (len(gc.callbacks), gc.get_freeze_count()) == (hooks, 0)


def test_a_process_that_froze_objects_itself_is_left_alone():
    """Objects the caller froze before the scope stay frozen, and the scope adds no hook of its own."""
    hooks = list(gc.callbacks)
    gc.freeze()
    before = gc.get_freeze_count()
    with freeze_survivors():
        assert gc.callbacks == hooks
        gc.collect()
        assert gc.get_freeze_count() == before
    assert gc.get_freeze_count() == before


class CollectingDirectory(EmailDirectory):
    """The sample provider, plus a full collection at every Cleanup noting how much is frozen after it."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen: list[int] = []

    def NSPv2Cleanup(self, lpProviderId, pvClientSessionArg):
        gc.collect()
        self.frozen.append(gc.get_freeze_count())
        return super().NSPv2Cleanup(lpProviderId, pvClientSessionArg)


def events_json(run):
    return [event.to_json() for event in run.trace]


def test_an_nspv2_run_freezes_its_trace_and_records_the_same_events():
    """A run freezes its trace so far at each full collection and records the events of a plain run."""
    clients = [Client(1000 + i, (Lookup(), Exit())) for i in range(3)]
    provider = CollectingDirectory()
    run = nspv2.simulate("happy-path", clients=clients, provider=provider)
    assert len(provider.frozen) == 3
    assert all(count > 0 for count in provider.frozen)
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        plain = nspv2.simulate("happy-path", clients=clients, provider=EmailDirectory())
    finally:
        gc.enable()
    assert events_json(run) == events_json(plain)


def test_a_cluster_run_hands_everything_back():
    """A cluster run leaves nothing frozen and gives the same trace with the collector off."""
    run = cluster.simulate("move-busy-dll")
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        plain = cluster.simulate("move-busy-dll")
    finally:
        gc.enable()
    assert events_json(run) == events_json(plain)

"""The cluster (RCM): what it does with the requests, moves and failures of one run.

`Cluster` brings every group online on its node, then plays the scenario's steps at their times. Its
parts, one concept each: `labkit.cluster.core` (nodes, groups, resources and the operations all parts
use), `labkit.cluster.requests` and `labkit.cluster.admission` (client requests and their flags),
`labkit.cluster.moves` and `labkit.cluster.queue` (moves, the move queue, cancel),
`labkit.cluster.recovery` (SignalFailure, network loss), `labkit.cluster.failures` (restart, failover,
RetryPeriodOnFailure), `labkit.cluster.crashes` (a monitor killed after a deadlock) and
`labkit.cluster.persistent` (PersistentState). The monitors poll online resources
(`labkit.cluster.health`) in runs that ask for health checks.

- Client requests carry their own flags; the cluster forwards them to OfflineV2 per §6.4 and sets 0x08 on
  a return trip, 0x10 after an embedded failure and 0x20 on network loss, when the OS profile knows the bit.
- Locked mode refuses a request without IGNORE_RESOURCE_STATUS (ERROR_CLUSTER_RESOURCE_LOCKED_STATUS)
  before OfflineV2 is called. A DLL's "not now" queues a move with QUEUE_ENABLED and fails it without.
- A destination that cannot bring the group online sends it back with RETURN_TO_SOURCE_NODE_ON_ERROR;
  otherwise the failure policy restarts the resource and then fails the group over.
- Every offline a client asked for records PersistentState, unless DO_NOT_UPDATE_PERSISTENT_STATE; a
  move, a failover or a restart never changes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.cluster.client import (
    CancelGroupOperation,
    MoveGroup,
    OfflineGroup,
    OfflineResource,
    Step,
)
from labkit.cluster.core import Process
from labkit.cluster.moves import Moves
from labkit.cluster.recovery import Recovery
from labkit.cluster.requests import Requests
from labkit.winapi import OnlineFlags


class Cluster(Requests, Moves, Recovery):
    """The cluster of one run."""

    def run(self, steps: Sequence[Step]) -> Process:
        """Bring every group online on its node, then play the steps at their times."""
        for group in self.groups.values():
            for res in group.resources:
                if (yield from self.rhs[group.node].open(res, self.factory)):
                    yield from self.rhs[group.node].online(res, OnlineFlags(0), None)
        start = self.ctx.env.now
        for step in steps:
            self.ctx.spawn(self._at(start + step.at_ms, step))

    def _at(self, when: float, step: Step) -> Process:
        yield self.ctx.env.timeout(when - self.ctx.env.now)
        if isinstance(step, OfflineResource):
            yield from self._offline_resource(step)
        elif isinstance(step, OfflineGroup):
            yield from self._offline_group(step)
        elif isinstance(step, MoveGroup):
            yield from self._move_group(step)
        elif isinstance(step, CancelGroupOperation):
            yield from self._cancel(step)
        else:
            yield from self._network_loss(step)

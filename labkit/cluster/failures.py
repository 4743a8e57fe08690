"""The failure policy: what the cluster does with a failed resource (§5.3).

After RestartDelay the resource is restarted on its node, up to RestartThreshold times within
RestartPeriod. Past that, RestartAction decides: ClusterResourceDontRestart (0) leaves it failed,
ClusterResourceRestartNoNotify (1) leaves it failed without failing the group over,
ClusterResourceRestartNotify (2, the default) fails the group over to the next node, unless the group
already failed over FailoverThreshold times within FailoverPeriod ("Not failing over group", with the
counts). A resource left failed gets one more attempt after RetryPeriodOnFailure when RestartAction allows
restarts. Each step is a note citing its rule.
"""

from __future__ import annotations

from typing import Any

from labkit.cluster import rules as R
from labkit.cluster.core import ClusterCore, Process
from labkit.cluster.model import HOUR_MS, NEVER, Group, Resource
from labkit.cluster.pending import FAILED, ONLINE
from labkit.trace.rules import Rule
from labkit.winapi import ERROR_SUCCESS, OfflineFlags, OnlineFlags

RESTART, FAIL_OVER, STAY = "restart", "failover", "stay"


class Failures(ClusterCore):
    """Restarts, failovers and the retry after RetryPeriodOnFailure."""

    def on_health_failure(self, res: Resource) -> None:
        """IsAlive said FALSE (the monitor already marked the resource Failed and terminated it)."""
        self.ctx.spawn(self._recover_when_idle(res.group))

    def _recover_when_idle(self, group: Group) -> Process:
        """Apply the failure policy once the group is not busy with another operation."""
        while group.name in self.active:
            yield self.active[group.name].done
        op = self._begin(group, cancellable=False)
        yield from self._recover(group)
        self._end(group, op)

    def _recover(self, group: Group, *, first: Resource | None = None) -> Process:
        """Restart, fail over or leave failed each failed resource the cluster wants online, in turn
        (``first``: a resource to treat as failed first, as one taken offline after an embedded failure)."""
        env, tried = self.ctx.env, {group.node}
        while True:
            res = next((r for r in group.resources if r.state == FAILED and r.persistent_state), None)
            if first is not None and first.state != ONLINE and first.persistent_state:
                res, first = first, None
            if res is None:
                yield from self._online_group(group, OnlineFlags(0), None)
                return
            step, target = self._decide(res, tried)
            if step == RESTART:
                res.restarts.append(float(env.now))
                self.ctx.note(
                    "Restart",
                    R.RESTART,
                    actor="rcm",
                    subject=res.name,
                    node=res.node,
                    attempt=len(self._recent_restarts(res)),
                    RestartThreshold=res.properties["RestartThreshold"],
                    RestartPeriod=res.properties["RestartPeriod"],
                    RestartDelay=res.properties["RestartDelay"],
                )
                yield env.timeout(res.properties["RestartDelay"])
                yield from self._online(res, OnlineFlags(0), None, rule=R.RESTART_DELAY)
            elif step == FAIL_OVER and target is not None:
                tried.add(target)
                yield from self._fail_over(group, target)
            else:
                return

    def _decide(self, res: Resource, tried: set[str]) -> tuple[str, str | None]:
        """Restart ``res``, fail its group over (to the node returned), or leave it failed (noted)."""
        action = res.properties["RestartAction"]
        if action == 0:
            self._stays_failed(res, "NoRestart", R.DONT_RESTART, retry=False, RestartAction=0)
            return STAY, None
        if len(self._recent_restarts(res)) < res.properties["RestartThreshold"]:
            return RESTART, None
        if action == 1:
            self._stays_failed(res, "NoFailover", R.NO_FAILOVER, RestartAction=1)
            return STAY, None
        group = res.group
        count, setting, computed = self._failover_count(group)
        if count > computed:
            self._stays_failed(
                res,
                "NotFailingOver",
                R.FAILOVER_THRESHOLD,
                subject=group.subject,
                failoverCount=count,
                failoverThresholdSetting=setting,
                computedFailoverThreshold=computed,
                FailoverPeriod=group.properties["FailoverPeriod"],
                log=f"Not failing over group {group.name}, failoverCount {count}, failoverThresholdSetting "
                f"{setting}, computedFailoverThreshold {computed}.",
            )
            return STAY, None
        target = self._best_node(group, tried)
        if target is None:
            self._stays_failed(res, "NoNodeLeft", R.NO_NODE_LEFT, subject=group.subject)
            return STAY, None
        return FAIL_OVER, target

    def _recent_restarts(self, res: Resource) -> list[float]:
        window = self.ctx.env.now - res.properties["RestartPeriod"]
        return [t for t in res.restarts if t > window]

    def _failover_count(self, group: Group) -> tuple[int, int, int]:
        """(failovers within FailoverPeriod counting the one to decide, the setting, the threshold)."""
        window = self.ctx.env.now - group.properties["FailoverPeriod"] * HOUR_MS
        count = len([t for t in group.failovers if t > window]) + 1
        setting = group.properties["FailoverThreshold"]
        computed = len(self.nodes) - 1 if setting == 0xFFFFFFFF else setting
        return count, setting, computed

    def _stays_failed(
        self, res: Resource, name: str, rule: Rule, *, retry: bool = True, subject: str = "", **args: object
    ) -> None:
        """Note why ``res`` stays failed; schedule the retry after RetryPeriodOnFailure when there is one."""
        period = res.properties["RetryPeriodOnFailure"]
        retry = retry and period != NEVER
        details: dict[str, Any] = {"resource": res.name, **args}
        details["retry_at_ms"] = float(self.ctx.env.now + period) if retry else None
        self.ctx.note(name, rule, actor="rcm", subject=subject or res.name, **details)
        if retry:
            self.ctx.spawn(self._retry_later(res, period))

    def _retry_later(self, res: Resource, period: int) -> Process:
        """RetryPeriodOnFailure after it was left failed, one final attempt to bring ``res`` online."""
        yield self.ctx.env.timeout(period)
        group = res.group
        while group.name in self.active:
            yield self.active[group.name].done
        if res.state != FAILED or not res.persistent_state:
            return
        op = self._begin(group, cancellable=False)
        self.ctx.note(
            "RetryAfterFailure", R.RETRY_PERIOD, actor="rcm", subject=res.name, RetryPeriodOnFailure=period
        )
        code = yield from self._online(res, OnlineFlags(0), None, rule=R.RETRY_PERIOD)
        if code == ERROR_SUCCESS:
            yield from self._online_group(group, OnlineFlags(0), None)
        self._end(group, op)

    def _fail_over(self, group: Group, target: str) -> Process:
        """Move a failed group to ``target`` and bring it online there, restarts counted afresh (§5.3)."""
        group.failovers.append(float(self.ctx.env.now))
        self.ctx.note("Failover", R.FAILOVER, actor="rcm", subject=group.subject, node=target)
        for other in reversed(group.resources):
            if other.state == ONLINE:
                yield from self._take_offline(other, OfflineFlags(0), target, None, persist=False)
        yield from self._hand_over(group, target)
        for member in group.resources:
            member.restarts.clear()
        yield from self._online_group(group, OnlineFlags(0), None)

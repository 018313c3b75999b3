"""Contact outcomes: first-contact resolution, repeat contacts, resolution and
self-service per queue and channel; channel mix; cost per resolution per queue."""

from __future__ import annotations

from collections.abc import Mapping

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner
from ccpulse.state.reader import SiteView
from ccpulse.windows.agents.family import AGENT_TIME, STAFFED
from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.outcomes import family as f
from ccpulse.windows.outcomes.kpis import OutcomeKpis, compute, cost_per_resolution
from ccpulse.windows.outcomes.metrics import METRICS, WINDOWS


class OutcomesCollector:
    name = "outcomes"
    specs: tuple[MetricSpec, ...] = METRICS

    def __init__(self, agent_hour_cost: Mapping[str, float]) -> None:
        self.agent_hour_cost = dict(agent_hour_cost)

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        series = sorted(view.series(f.OUTCOME.name))
        base.windowed(view, f.OUTCOME, self.specs, series,
                      lambda key: inner(queue=key[1], channel=key[2]), compute,
                      OutcomeKpis._fields, out)
        queues = sorted({key[1] for key in series})
        channels = sorted({key[2] for key in series})
        for window in WINDOWS:
            per_series = view.windows.get(window, {})
            contacts: dict[str, int] = dict.fromkeys(channels, 0)
            resolved: dict[str, int] = dict.fromkeys(queues, 0)
            for key in series:
                values = per_series.get(key)
                if values is not None:
                    contacts[key[2]] += values[f.CONTACTS]
                    resolved[key[1]] += values[f.RESOLVED]
            total = sum(contacts.values())
            for channel, n in contacts.items():
                out["ccpulse_channel_share_ratio"].add(
                    "{" + inner(channel=channel, window=window) + "}", ratio(n, total))
            for queue in queues:
                hourly = self.agent_hour_cost.get(queue, self.agent_hour_cost.get("*"))
                if hourly is None:
                    continue
                staffed = per_series.get((AGENT_TIME.name, queue))
                cost = cost_per_resolution(staffed[STAFFED] if staffed else 0, hourly,
                                           resolved[queue])
                out["ccpulse_cost_per_resolution"].add(
                    "{" + inner(queue=queue, window=window) + "}", cost)
        base.counters(view, f.OUTCOME, self.specs,
                      lambda key: inner(queue=key[1], channel=key[2]), out)
        return list(out.values())

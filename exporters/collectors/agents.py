"""Agents logged in, paused and available, per queue."""

from __future__ import annotations

from ccpulse.exporters.collectors import base
from ccpulse.exporters.collectors.contacts import LIVE_PREFIXES
from ccpulse.exporters.exposition import Family, labels_text
from ccpulse.state.reader import SiteView
from ccpulse.windows.agents.domain import LIVE, staffing
from ccpulse.windows.agents.metrics import METRICS
from ccpulse.windows.metrics import MetricSpec


class AgentsCollector:
    name = "agents"
    specs: tuple[MetricSpec, ...] = METRICS

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        busy: dict[str, int] = {}
        for prefix in LIVE_PREFIXES:
            for _, key, entry in view.live(prefix):
                busy[key[1]] = busy.get(key[1], 0) + entry["s"]
        newest: dict[str, list[list[str]]] = {}
        for _, key, entry in view.live(LIVE):
            newest[key[1]] = entry  # one partition knows an agent (keyed by agent)
        for queue, (members, paused) in sorted(staffing(newest.values()).items()):
            labels = labels_text(queue=queue)
            out["ccpulse_agents_logged_in"].add(labels, members)
            out["ccpulse_agents_paused"].add(labels, paused)
            out["ccpulse_agents_available"].add(labels, max(0, members - paused
                                                            - busy.get(queue, 0)))
        return list(out.values())

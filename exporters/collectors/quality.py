"""Quality reviews: the internal quality score per queue and channel and per agent."""

from __future__ import annotations

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner
from ccpulse.state.reader import SiteView
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.quality import family as f
from ccpulse.windows.quality.kpis import quality_score
from ccpulse.windows.quality.metrics import METRICS


class QualityCollector:
    name = "quality"

    def __init__(self, per_agent: bool = True) -> None:
        self.specs: tuple[MetricSpec, ...] = METRICS if per_agent else tuple(
            s for s in METRICS if s.family != f.QUALITY_AGENT.name)

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        base.windowed(view, f.QUALITY, self.specs, sorted(view.series(f.QUALITY.name)),
                      lambda key: inner(queue=key[1], channel=key[2]), quality_score,
                      ("quality",), out)
        if f.QUALITY_AGENT.name in {s.family for s in self.specs}:
            base.windowed(view, f.QUALITY_AGENT, self.specs,
                          sorted(view.series(f.QUALITY_AGENT.name)),
                          lambda key: inner(agent=key[1]), quality_score, ("quality",), out)
        base.counters(view, f.QUALITY, self.specs,
                      lambda key: inner(queue=key[1], channel=key[2]), out)
        return list(out.values())

"""What customers say: CSAT, NPS, CES, response and follow-up rates."""

from __future__ import annotations

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner
from ccpulse.state.reader import SiteView
from ccpulse.windows.families import Vec
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.surveys import family as f
from ccpulse.windows.surveys.event import CES, CSAT, KINDS, NPS
from ccpulse.windows.surveys.kpis import SurveyKpis, compute
from ccpulse.windows.surveys.metrics import METRICS, WINDOWS

GAUGES = dict(zip(("ccpulse_csat_ratio", "ccpulse_nps_score", "ccpulse_ces_score",
                   "ccpulse_ces_agree_ratio", "ccpulse_survey_response_ratio",
                   "ccpulse_feedback_follow_up_ratio"), SurveyKpis._fields, strict=True))


class SurveysCollector:
    name = "surveys"
    specs: tuple[MetricSpec, ...] = METRICS

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        pairs = sorted({(key[1], key[2]) for key in view.series(f.SURVEY.name)})
        agents = sorted({key[1] for key in view.series(f.SURVEY_AGENT.name)})
        empty = f.SURVEY.empty()
        for window in WINDOWS:
            per_series = view.windows.get(window, {})

            def vec(*key: str, per: dict[tuple[str, ...], Vec] = per_series) -> Vec:
                return per.get(key) or empty

            for queue, channel in pairs:
                kpis = compute(*(vec(f.SURVEY.name, queue, channel, kind) for kind in KINDS))
                labels = "{" + inner(queue=queue, channel=channel, window=window) + "}"
                for name, field in GAUGES.items():
                    out[name].add(labels, getattr(kpis, field))
            for agent in agents:
                kpis = compute(vec(f.SURVEY_AGENT.name, agent, CSAT),
                               vec(f.SURVEY_AGENT.name, agent, NPS),
                               vec(f.SURVEY_AGENT.name, agent, CES))
                labels = "{" + inner(agent=agent, window=window) + "}"
                out["ccpulse_agent_csat_ratio"].add(labels, kpis.csat)
                out["ccpulse_agent_nps_score"].add(labels, kpis.nps)
        base.counters(view, f.SURVEY, self.specs,
                      lambda key: inner(queue=key[1], channel=key[2], kind=key[3]), out)
        return list(out.values())

"""Response times of conversations, per queue and channel."""

from __future__ import annotations

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner
from ccpulse.state.reader import SiteView
from ccpulse.windows.chats.family import CHAT
from ccpulse.windows.chats.kpis import ChatKpis, compute
from ccpulse.windows.chats.metrics import METRICS
from ccpulse.windows.chats.responses import LIVE
from ccpulse.windows.families import SeriesKey, Vec
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.policy import PolicyBook


class ChatsCollector:
    name = "chats"
    specs: tuple[MetricSpec, ...] = METRICS

    def __init__(self, policies: PolicyBook) -> None:
        self.policies = policies

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        series = set(view.series(CHAT.name))
        awaiting: dict[tuple[str, str], list[int]] = {}  # since when each one awaits
        for _, key, entry in view.live(LIVE):
            qkey = (key[1], key[2])
            awaiting.setdefault(qkey, []).extend(entry)
            series.add((CHAT.name, *qkey))
        ordered = sorted(series)
        labels = {key: inner(queue=key[1], channel=key[2]) for key in ordered}

        def kpis(values: Vec, key: SeriesKey) -> ChatKpis:
            return compute(values)

        base.windowed(view, CHAT, self.specs, ordered, labels.__getitem__, kpis,
                      ChatKpis._fields, out)
        base.counters(view, CHAT, self.specs, labels.__getitem__, out)
        base.histograms(view, self.specs, lambda key: inner(queue=key[1], channel=key[2]), out)
        for key in ordered:
            qkey = (key[1], key[2])
            text = "{" + labels[key] + "}"
            since = awaiting.get(qkey, [])
            policy = self.policies.for_queue(*qkey)
            out["ccpulse_chats_awaiting_reply"].add(text, len(since))
            oldest = max(0, view.now_ms - min(since)) if since else 0
            out["ccpulse_oldest_unanswered_seconds"].add(text, oldest / 1000)
            out["ccpulse_first_response_target_seconds"].add(text,
                                                             policy.first_response_target_s)
            out["ccpulse_response_target_seconds"].add(text, policy.response_target_s)
        return list(out.values())

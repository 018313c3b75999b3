"""Queue figures of contacts that wait for an agent (voice, callback, chat...)."""

from __future__ import annotations

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner
from ccpulse.state.reader import SiteView
from ccpulse.windows.contacts.family import CONTACT
from ccpulse.windows.contacts.kpis import Kpis, compute
from ccpulse.windows.contacts.metrics import METRICS
from ccpulse.windows.families import SeriesKey, Vec
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.policy import PolicyBook

LIVE_PREFIXES = ("call", "chat")  # the trackers whose waiting contacts are counted here


class ContactsCollector:
    name = "contacts"
    specs: tuple[MetricSpec, ...] = METRICS

    def __init__(self, policies: PolicyBook) -> None:
        self.policies = policies

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        series = set(view.series(CONTACT.name))
        waiting: dict[tuple[str, str], list[int]] = {}  # wait so far (ms) of each waiting
        serving: dict[tuple[str, str], int] = {}
        for prefix in LIVE_PREFIXES:
            for _, key, entry in view.live(prefix):
                qkey = (key[1], key[2])
                waiting.setdefault(qkey, []).extend(view.now_ms - t for t in entry["w"])
                serving[qkey] = serving.get(qkey, 0) + entry["s"]
                series.add((CONTACT.name, *qkey))
        ordered = sorted(series)
        labels = {key: inner(queue=key[1], channel=key[2]) for key in ordered}

        def kpis(values: Vec, key: SeriesKey) -> Kpis:
            return compute(values, self.policies.for_queue(key[1], key[2]))

        base.windowed(view, CONTACT, self.specs, ordered, labels.__getitem__, kpis,
                      Kpis._fields, out)
        base.counters(view, CONTACT, self.specs, labels.__getitem__, out)
        base.histograms(view, self.specs, lambda key: inner(queue=key[1], channel=key[2]), out)
        for key in ordered:
            qkey = (key[1], key[2])
            text = "{" + labels[key] + "}"
            policy = self.policies.for_queue(*qkey)
            waits = waiting.get(qkey, [])
            out["ccpulse_contacts_waiting"].add(text, len(waits))
            out["ccpulse_oldest_waiting_seconds"].add(text, max(0, max(waits, default=0)) / 1000)
            out["ccpulse_contacts_waiting_over_threshold"].add(
                text, sum(1 for w in waits if w > policy.threshold_ms))
            out["ccpulse_contacts_in_service"].add(text, serving.get(qkey, 0))
            out["ccpulse_service_level_target_ratio"].add(text, policy.target)
            out["ccpulse_service_level_threshold_seconds"].add(text, policy.threshold_s)
        return list(out.values())

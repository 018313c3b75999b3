"""Agents: live states and slots per queue and for the site, time in state and occupancy per
window, and (when on) figures per agent."""

from __future__ import annotations

from typing import Any

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, inner, labels_text
from ccpulse.state.reader import SiteView
from ccpulse.windows.agents import family as f
from ccpulse.windows.agents.kpis import TimeKpis, WorkKpis, time_kpis, work_kpis
from ccpulse.windows.agents.metrics import METRICS, PER_AGENT
from ccpulse.windows.agents.roster import AVAILABLE, AWAY, LIVE, OFFLINE, STATES
from ccpulse.windows.contacts.family import CONTACT, HANDLED
from ccpulse.windows.families import SeriesKey, Vec
from ccpulse.windows.metrics import MetricSpec

SHOWN_STATES = tuple(s for s in STATES if s != OFFLINE)


class AgentsCollector:
    name = "agents"

    def __init__(self, per_agent: bool = True) -> None:
        self.per_agent = per_agent
        self.specs: tuple[MetricSpec, ...] = METRICS if per_agent else tuple(
            s for s in METRICS if s not in PER_AGENT)

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        agents = {key[1]: entry for _, key, entry in view.live(LIVE)}
        self._live(view, agents, out)
        self._windows(view, out)
        base.counters(view, f.AGENT_TIME, self.specs, lambda key: inner(queue=key[1]), out)
        if self.per_agent:
            self._per_agent(view, agents, out)
        return list(out.values())

    def _live(self, view: SiteView, agents: dict[str, Any], out: dict[str, Family]) -> None:
        in_state: dict[tuple[str, str], int] = {}
        site = dict.fromkeys(SHOWN_STATES, 0)
        slots: dict[tuple[str, str], list[int]] = {}  # (queue, channel) -> [free agents,
        for entry in agents.values():                 # slots, used]
            paused = set(entry["p"])
            state = entry["s"]
            queues = entry["q"]
            if state == OFFLINE:
                continue
            site_state = AWAY if queues and paused >= set(queues) else state
            site[site_state] = site.get(site_state, 0) + 1
            capacity: dict[str, int] = entry["c"]
            used: dict[str, int] = entry["n"]
            for queue in queues:
                queue_state = AWAY if queue in paused else state
                in_state[(queue, queue_state)] = in_state.get((queue, queue_state), 0) + 1
                for channel in sorted({*capacity, *used}):
                    cell = slots.setdefault((queue, channel), [0, 0, 0])
                    taken = used.get(channel, 0)
                    if queue_state != AWAY:
                        cell[1] += capacity.get(channel, 0)
                    cell[2] += taken
                    if queue_state == AVAILABLE and taken < capacity.get(channel, 0):
                        cell[0] += 1
        for queue in sorted({q for q, _ in in_state}):
            members = sum(in_state.get((queue, s), 0) for s in SHOWN_STATES)
            labels = labels_text(queue=queue)
            out["ccpulse_agents_logged_in"].add(labels, members)
            out["ccpulse_agents_paused"].add(labels, in_state.get((queue, AWAY), 0))
            for state in SHOWN_STATES:
                out["ccpulse_agents_in_state"].add(labels_text(queue=queue, state=state),
                                                   in_state.get((queue, state), 0))
        for state in SHOWN_STATES:
            out["ccpulse_site_agents_in_state"].add(labels_text(state=state), site[state])
        for (queue, channel), (free, slot_count, slots_used) in sorted(slots.items()):
            labels = labels_text(queue=queue, channel=channel)
            out["ccpulse_agents_available"].add(labels, free)
            out["ccpulse_agent_slots"].add(labels, slot_count)
            out["ccpulse_agent_slots_used"].add(labels, slots_used)

    def _windows(self, view: SiteView, out: dict[str, Family]) -> None:
        queues = view.series(f.AGENT_TIME.name)
        state_fields = [(state, f.STATE_FIELD[state]) for state in SHOWN_STATES]
        for window, per_series in view.windows.items():
            if window not in f.AGENT_TIME.windows:
                continue
            handled: dict[str, int] = {}
            for key, values in per_series.items():
                if key[0] == CONTACT.name:
                    handled[key[1]] = handled.get(key[1], 0) + values[HANDLED]
            for key in queues:
                values = per_series.get(key) or f.AGENT_TIME.empty()
                kpis = time_kpis(values, handled.get(key[1], 0))
                labels = labels_text(queue=key[1], window=window)
                self._add_time(out, labels, kpis)
                for state, index in state_fields:
                    out["ccpulse_window_agent_state_seconds"].add(
                        labels_text(queue=key[1], state=state, window=window),
                        values[index] / 1000)
            site = per_series.get((f.AGENT_SITE.name,)) or f.AGENT_SITE.empty()
            kpis = time_kpis(site, sum(handled.values()))
            labels = labels_text(window=window)
            out["ccpulse_site_occupancy_ratio"].add(labels, kpis.occupancy)
            out["ccpulse_site_slot_occupancy_ratio"].add(labels, kpis.slot_occupancy)
            for state, index in state_fields:
                out["ccpulse_window_site_agent_state_seconds"].add(
                    labels_text(state=state, window=window), site[index] / 1000)

    @staticmethod
    def _add_time(out: dict[str, Family], labels: str, kpis: TimeKpis) -> None:
        out["ccpulse_occupancy_ratio"].add(labels, kpis.occupancy)
        out["ccpulse_slot_occupancy_ratio"].add(labels, kpis.slot_occupancy)
        out["ccpulse_window_staffed_agent_seconds"].add(labels, kpis.staffed_s)
        out["ccpulse_contacts_handled_per_agent_hour"].add(labels, kpis.handled_per_agent_hour)

    def _per_agent(self, view: SiteView, agents: dict[str, Any],
                   out: dict[str, Family]) -> None:
        for agent_id, entry in sorted(agents.items()):
            if entry["s"] == OFFLINE:
                continue
            out["ccpulse_agent_state"].add(labels_text(agent=agent_id, state=entry["s"]), 1)
            out["ccpulse_agent_state_seconds"].add(
                labels_text(agent=agent_id), max(0, view.now_ms - entry["t"]) / 1000)
            for channel in sorted({*entry["c"], *entry["n"]}):
                labels = labels_text(agent=agent_id, channel=channel)
                out["ccpulse_agent_contacts_in_service"].add(labels, entry["n"].get(channel, 0))
                out["ccpulse_agent_capacity"].add(labels, entry["c"].get(channel, 0))
        series = view.series(f.AGENT_WORK.name)
        agent_labels = {key: inner(agent=key[1]) for key in series}

        def kpis(values: Vec, key: SeriesKey) -> WorkKpis:
            return work_kpis(values)

        base.windowed(view, f.AGENT_WORK, self.specs, series, agent_labels.__getitem__, kpis,
                      WorkKpis._fields, out)

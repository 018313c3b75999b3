"""The Grafana dashboards, written as code: ``python -m ccpulse.devtools.dashboards``
writes them to ``deploy/grafana/dashboards`` (a test keeps the files identical).

Every panel has a description and one unit; every query goes through the
``datasource`` variable (no hard-coded data source); colours that judge a queue
compare it with its own target; figures over channels are weighted sums, never
averages of averages; windows longer than the served ones come from counters,
which carry each queue's own threshold.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
Q = 'queue=~"$queue",channel=~"$channel"'  # the usual selection
GREEN, ORANGE, RED = "green", "orange", "red"


@dataclass
class Target:
    expr: str
    legend: str


@dataclass
class Panel:
    title: str
    description: str
    kind: str  # stat, timeseries or table
    unit: str
    targets: list[Target]
    width: int = 6
    height: int = 6
    thresholds: list[tuple[str, float | None]] = field(default_factory=list)
    decimals: int | None = None
    # a table's value columns, one per query, merged on their common labels ("": hidden)
    columns: tuple[str, ...] = ()

    def render(self, panel_id: int, x: int, y: int) -> dict[str, Any]:
        defaults: dict[str, Any] = {"unit": self.unit}
        if self.decimals is not None:
            defaults["decimals"] = self.decimals
        if self.thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": [
                {"color": color, "value": value} for color, value in self.thresholds]}
            defaults["color"] = {"mode": "thresholds"}
        else:
            defaults["color"] = {"mode": "fixed" if self.kind == "stat" else "palette-classic",
                                 "fixedColor": "blue"}
        panel: dict[str, Any] = {
            "id": panel_id, "type": self.kind, "title": self.title,
            "description": self.description, "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE,
                         "expr": t.expr, "legendFormat": t.legend}
                        for i, t in enumerate(self.targets)],
            "fieldConfig": {"defaults": defaults, "overrides": []},
        }
        if self.kind == "table":
            for target in panel["targets"]:
                target.update({"format": "table", "instant": True})
            panel["transformations"] = [
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True, **{
                        f"Value #{chr(ord('A') + i)}": True
                        for i, name in enumerate(self.columns) if not name}},
                    "renameByName": {f"Value #{chr(ord('A') + i)}": name
                                     for i, name in enumerate(self.columns) if name}}}]
        if self.kind == "stat":
            panel["options"] = {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "colorMode": "background" if self.thresholds else "value",
                "graphMode": "none", "textMode": "value_and_name",
                "orientation": "horizontal", "justifyMode": "center"}
        elif self.kind == "timeseries":
            panel["options"] = {"legend": {"displayMode": "list", "placement": "bottom"},
                                "tooltip": {"mode": "multi"}}
        return panel


def variable(name: str, label: str, metric: str) -> dict[str, Any]:
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": f"label_values({metric}, {name})", "refId": name},
            "definition": f"label_values({metric}, {name})", "multi": True,
            "includeAll": True, "allValue": ".*", "refresh": 2, "sort": 1,
            "current": {"text": "All", "value": "$__all"}}


DATASOURCE_VARIABLE = {"name": "datasource", "label": "Data source", "type": "datasource",
                       "query": "prometheus", "current": {}, "hide": 0}


def dashboard(uid: str, title: str, description: str, panels: Iterable[Panel],
              variables: Iterable[dict[str, Any]] = (), refresh: str = "10s") -> dict[str, Any]:
    rendered, x, y, row_height = [], 0, 0, 0
    for i, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        rendered.append(panel.render(i, x, y))
        x += panel.width
        row_height = max(row_height, panel.height)
    return {
        "uid": uid, "title": title, "description": description, "tags": ["ccpulse"],
        "timezone": "browser", "schemaVersion": 39, "version": 1, "editable": False,
        "refresh": refresh, "time": {"from": "now-3h", "to": "now"},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["ccpulse"], "asDropdown": True,
                   "title": "ccpulse", "includeVars": True, "keepTime": True}],
        "templating": {"list": [DATASOURCE_VARIABLE, *variables]},
        "panels": rendered,
    }


QUEUE_VARIABLES = (variable("queue", "Queue", "ccpulse_service_level_ratio"),
                   variable("channel", "Channel", "ccpulse_service_level_ratio"))
AGAINST_TARGET = [(RED, None), (ORANGE, -0.2), (GREEN, 0.0)]


def sl_vs_target(window: str) -> str:
    return (f'ccpulse_service_level_ratio{{window="{window}",{Q}}} '
            "- on(queue, channel) group_left() ccpulse_service_level_target_ratio")


def wallboard() -> dict[str, Any]:
    by = "{{queue}} {{channel}}"
    return dashboard("ccpulse-wallboard", "ccpulse wallboard",
                     "Each queue now: service level against its own target, waiting contacts "
                     "and today's volumes.", [
        Panel("Service level, last 15 min", "Share of contacts answered within the queue's "
              "threshold over the last 15 minutes, by the queue's abandon policy.", "stat",
              "percentunit", [Target(f'ccpulse_service_level_ratio{{window="15m",{Q}}}', by)],
              width=12, height=8, decimals=0),
        Panel("Against its own target", "Service level minus the queue's own target, in "
              "points: green at or above target, orange below it, red 20 points below.",
              "stat", "percentunit", [Target(sl_vs_target("15m"), by)], width=12, height=8,
              thresholds=AGAINST_TARGET, decimals=0),
        Panel("Speed of answer, last 15 min", "Mean wait of the contacts answered in the "
              "last 15 minutes.", "stat", "s",
              [Target(f'ccpulse_average_speed_of_answer_seconds{{window="15m",{Q}}}', by)],
              decimals=0),
        Panel("Waiting now", "Contacts waiting in the queue at this moment.", "stat", "short",
              [Target(f"ccpulse_contacts_waiting{{{Q}}}", by)]),
        Panel("Waiting longer than the threshold", "Contacts waiting now whose wait already "
              "exceeds the queue's threshold: they will count against the service level.",
              "stat", "short", [Target(f"ccpulse_contacts_waiting_over_threshold{{{Q}}}", by)]),
        Panel("Oldest waiting", "How long the longest-waiting contact of each queue has "
              "waited so far.", "stat", "s", [Target(f"ccpulse_oldest_waiting_seconds{{{Q}}}",
                                                     by)], decimals=0),
        Panel("Offered today", "Contacts that left the queue today (answered, abandoned or "
              "transferred; short abandons excluded).", "stat", "short",
              [Target(f'ccpulse_window_contacts_offered{{window="today",{Q}}}', by)]),
        Panel("Abandoned today", "Contacts that hung up while waiting today (short abandons "
              "excluded).", "stat", "short",
              [Target(f'ccpulse_window_contacts_abandoned{{window="today",{Q}}}', by)]),
        Panel("Agents available", "Agents logged in to the queue, not paused and not on a "
              "contact of it (queues that send agent events).", "stat", "short",
              [Target('ccpulse_agents_available{queue=~"$queue"}', "{{queue}} {{channel}}")]),
        Panel("Abandon ratio, last 15 min", "Abandoned / offered over the last 15 minutes.",
              "stat", "percentunit",
              [Target(f'ccpulse_abandon_ratio{{window="15m",{Q}}}', by)], decimals=0),
    ], QUEUE_VARIABLES, refresh="5s")


def queue_detail() -> dict[str, Any]:
    by = "{{queue}} {{channel}}"
    within_30m = (f"sum by (queue, channel) (increase(ccpulse_contacts_answered_within_"
                  f"threshold_total{{{Q}}}[30m]))")
    handled_30m = (f"sum by (queue, channel) (increase(ccpulse_contacts_answered_total{{{Q}}}"
                   f"[30m]) + increase(ccpulse_contacts_abandoned_total{{{Q}}}[30m]))")
    return dashboard("ccpulse-queue-detail", "ccpulse queue detail",
                     "One queue over the day: service level by window, volumes, waits and "
                     "handle time.", [
        Panel("Service level by window", "The served windows side by side, with the queue's "
              "own target.", "timeseries", "percentunit", [
                  Target(f"ccpulse_service_level_ratio{{{Q}}}", "{{queue}} {{window}}"),
                  Target('ccpulse_service_level_target_ratio{queue=~"$queue",'
                         'channel=~"$channel"}', "{{queue}} target")], width=12, height=8),
        Panel("Service level over 30 min", "From the counters, so any window works: answered "
              "within each queue's own threshold / (answered + abandoned), the negative "
              "abandon policy.", "timeseries", "percentunit",
              [Target(f"{within_30m} / {handled_30m}", by)], width=12, height=8),
        Panel("Offered, answered, abandoned (15 min)", "Contacts that left the queue in the "
              "last 15 minutes, and how.", "timeseries", "short", [
                  Target(f'ccpulse_window_contacts_offered{{window="15m",{Q}}}',
                         "{{queue}} offered"),
                  Target(f'ccpulse_window_contacts_answered{{window="15m",{Q}}}',
                         "{{queue}} answered"),
                  Target(f'ccpulse_window_contacts_abandoned{{window="15m",{Q}}}',
                         "{{queue}} abandoned")], width=12),
        Panel("Offered in the current interval", "Contacts offered since the start of the "
              "current 15- or 30-minute interval (site time).", "timeseries", "short",
              [Target(f'ccpulse_window_contacts_offered{{window="interval",{Q}}}', by)],
              width=12),
        Panel("Service level in the current interval", "Service level since the start of the "
              "current interval.", "timeseries", "percentunit",
              [Target(f'ccpulse_service_level_ratio{{window="interval",{Q}}}', by)], width=12),
        Panel("Speed of answer and handle time (1 h)", "Mean wait of answered contacts and "
              "mean handle time (talk + hold + wrap-up) over the last hour.", "timeseries", "s",
              [Target(f'ccpulse_average_speed_of_answer_seconds{{window="1h",{Q}}}',
                      "{{queue}} speed of answer"),
               Target(f'ccpulse_average_handle_seconds{{window="1h",{Q}}}',
                      "{{queue}} handle time")], width=12),
        Panel("Waiting now", "Contacts waiting, and of those, waiting longer than the "
              "threshold.", "timeseries", "short", [
                  Target(f"ccpulse_contacts_waiting{{{Q}}}", "{{queue}} waiting"),
                  Target(f"ccpulse_contacts_waiting_over_threshold{{{Q}}}",
                         "{{queue}} over threshold")], width=8),
        Panel("Oldest wait", "The longest current wait of each queue.", "timeseries", "s",
              [Target(f"ccpulse_oldest_waiting_seconds{{{Q}}}", by)], width=8),
        Panel("Answer wait, 90th percentile (15 min)", "Nine in ten answered contacts waited "
              "less than this, from the wait histogram.", "timeseries", "s",
              [Target(f"histogram_quantile(0.9, sum by (queue, le) (rate(ccpulse_answer_wait_"
                      f"seconds_bucket{{{Q}}}[15m])))", "{{queue}}")], width=8),
        Panel("Abandon ratio by window", "Abandoned / offered, for each served window.",
              "timeseries", "percentunit",
              [Target(f"ccpulse_abandon_ratio{{{Q}}}", "{{queue}} {{window}}")], width=24),
    ], QUEUE_VARIABLES)


def channels() -> dict[str, Any]:
    return dashboard("ccpulse-channels", "ccpulse channels",
                     "Channels compared, weighted by their volume (sums over sums, never "
                     "averages of averages).", [
        Panel("Service level by channel, 15 min", "Answered within threshold / (answered + "
              "abandoned), summed over the selected queues of each channel.", "stat",
              "percentunit", [Target(
                  f'sum by (channel) (ccpulse_window_contacts_answered_within_threshold'
                  f'{{window="15m",{Q}}}) / sum by (channel) (ccpulse_window_contacts_'
                  f'answered{{window="15m",{Q}}} + ccpulse_window_contacts_abandoned'
                  f'{{window="15m",{Q}}})', "{{channel}}")], width=12, decimals=0),
        Panel("Speed of answer by channel, 15 min", "Σ wait / answered over the selected "
              "queues of each channel, from the wait histogram's sum and count.", "stat", "s",
              [Target(f"sum by (channel) (increase(ccpulse_answer_wait_seconds_sum{{{Q}}}"
                      f"[15m])) / sum by (channel) (increase(ccpulse_answer_wait_seconds_"
                      f"count{{{Q}}}[15m]))", "{{channel}}")], width=12, decimals=0),
        Panel("Offered today by channel", "Contacts offered today, per channel.",
              "timeseries", "short", [Target(
                  f'sum by (channel) (ccpulse_window_contacts_offered{{window="today",{Q}}})',
                  "{{channel}}")], width=12),
        Panel("Waiting by channel", "Contacts waiting now, per channel.", "timeseries",
              "short", [Target(f"sum by (channel) (ccpulse_contacts_waiting{{{Q}}})",
                               "{{channel}}")], width=12),
        Panel("Handle time by channel, 1 h", "Σ handle time / contacts that ended, over the "
              "last hour, per channel.", "timeseries", "s", [Target(
                  f"sum by (channel) (increase(ccpulse_handle_seconds_total{{{Q}}}[1h])) / "
                  f"sum by (channel) (increase(ccpulse_contacts_handled_total{{{Q}}}[1h]))",
                  "{{channel}}")], width=24),
    ], QUEUE_VARIABLES)


def processor() -> dict[str, Any]:
    return dashboard("ccpulse-processor", "ccpulse processor health",
                     "ccpulse itself: throughput, rejections, lag, workers and the exporter.", [
        Panel("Events applied per second", "Events applied, and repeats dropped as "
              "duplicates.", "timeseries", "ops", [
                  Target("sum(rate(ccpulse_events_processed_total[$__rate_interval]))",
                         "applied"),
                  Target("sum(rate(ccpulse_events_duplicate_total[$__rate_interval]))",
                         "duplicates")], width=12),
        Panel("Rejected per second, by reason", "Events sent to the dead-letter topic; the "
              "README lists what each reason means.", "timeseries", "ops",
              [Target("sum by (reason) (rate(ccpulse_events_rejected_total"
                      "[$__rate_interval])) > 0", "{{reason}}")], width=12),
        Panel("Consumer lag", "Records in each input partition not yet applied.",
              "timeseries", "short", [Target("sum by (topic, partition) (ccpulse_consumer_lag)",
                                             "{{topic}}:{{partition}}")], width=12),
        Panel("Age of the newest event", "How far the newest applied event lies behind the "
              "clock (live use: seconds; more means a late feed).", "stat", "s",
              [Target("time() - max(ccpulse_newest_event_timestamp_seconds)", "age")],
              width=6, thresholds=[(GREEN, None), (ORANGE, 60.0), (RED, 300.0)], decimals=0),
        Panel("Workers up", "Workers Prometheus scrapes successfully.", "stat", "short",
              [Target('sum(up{job="ccpulse-worker"})', "workers")], width=3,
              thresholds=[(RED, None), (GREEN, 1.0)]),
        Panel("Redis reachable", "1 if the exporter read Redis at its last scrape.", "stat",
              "short", [Target("ccpulse_redis_up", "redis")], width=3,
              thresholds=[(RED, None), (GREEN, 1.0)]),
        Panel("Batch fold-and-save time, p99", "99th percentile of the time a worker takes "
              "to fold and save a batch.", "timeseries", "s",
              [Target("histogram_quantile(0.99, sum by (le) (rate(ccpulse_worker_batch_"
                      "seconds_bucket[$__rate_interval])))", "p99")], width=8),
        Panel("Scrape time", "Time the exporter spends reading Redis and building a scrape.",
              "timeseries", "s", [Target("ccpulse_scrape_seconds", "scrape")], width=8),
        Panel("Partitions per worker", "Input partitions each worker owns.", "timeseries",
              "short", [Target("ccpulse_worker_partitions", "{{instance}}")], width=8),
    ])


CHAT = 'queue=~"$queue",channel=~"$channel"'
TARGET_SHARE = [(GREEN, None), (ORANGE, 1.0), (RED, 1.5)]  # of the queue's own target


def against(metric: str, target: str) -> str:
    return f"{metric} / on(queue, channel) group_left() {target}"


def quantile(q: float, histogram: str, window: str) -> str:
    return (f"histogram_quantile({q}, sum by (queue, channel, le) (rate({histogram}_bucket"
            f"{{{CHAT}}}[{window}])))")


def chats() -> dict[str, Any]:
    by = "{{queue}} {{channel}}"
    return dashboard("ccpulse-chats", "ccpulse chats",
                     "Conversations: how fast a human answers, who waits for an answer now, "
                     "and what the bot and the agents write.", [
        Panel("First response, last 15 min", "Mean time from queue entry, bot handoff or "
              "reopen to the first public message of a human agent.", "stat", "s",
              [Target(f'ccpulse_average_first_response_seconds{{window="15m",{CHAT}}}', by)],
              decimals=0),
        Panel("First response against its target", "The 15-minute mean first response as a "
              "share of the queue's own target: green within it, orange over it, red 50 % "
              "over.", "stat", "percentunit", [Target(against(
                  f'ccpulse_average_first_response_seconds{{window="15m",{CHAT}}}',
                  "ccpulse_first_response_target_seconds"), by)],
              thresholds=TARGET_SHARE, decimals=0),
        Panel("Awaiting a reply now", "Conversations whose customer waits for a human answer: "
              "no first response yet, or customer messages not yet answered.", "stat",
              "short", [Target(f"ccpulse_chats_awaiting_reply{{{CHAT}}}", by)]),
        Panel("Oldest unanswered", "How long the customer who has waited longest for a human "
              "answer has waited so far.", "stat", "s",
              [Target(f"ccpulse_oldest_unanswered_seconds{{{CHAT}}}", by)], decimals=0),
        Panel("First response, 90th percentile and target", "Nine in ten first responses of "
              "the last 15 minutes came faster than this, from the histogram; the dashed "
              "series is the queue's target.", "timeseries", "s", [
                  Target(quantile(0.9, "ccpulse_first_response_seconds", "15m"),
                         "{{queue}} {{channel}} p90"),
                  Target(f"ccpulse_first_response_target_seconds{{{CHAT}}}",
                         "{{queue}} {{channel}} target")], width=12, height=8),
        Panel("Response, 90th percentile and target", "Nine in ten replies to a customer's "
              "run of messages came faster than this (15 minutes); one value per run, timed "
              "from its first message.", "timeseries", "s", [
                  Target(quantile(0.9, "ccpulse_response_seconds", "15m"),
                         "{{queue}} {{channel}} p90"),
                  Target(f"ccpulse_response_target_seconds{{{CHAT}}}",
                         "{{queue}} {{channel}} target")], width=12, height=8),
        Panel("Within target, last hour", "First responses and responses within the queue's "
              "targets, from the counters: within / all.", "timeseries", "percentunit", [
                  Target(f"sum by (queue, channel) (increase(ccpulse_first_responses_within_"
                         f"target_total{{{CHAT}}}[1h])) / sum by (queue, channel) (increase("
                         f"ccpulse_first_responses_total{{{CHAT}}}[1h]))",
                         "{{queue}} {{channel}} first"),
                  Target(f"sum by (queue, channel) (increase(ccpulse_responses_within_target_"
                         f"total{{{CHAT}}}[1h])) / sum by (queue, channel) (increase("
                         f"ccpulse_responses_total{{{CHAT}}}[1h]))",
                         "{{queue}} {{channel}} reply")], width=12),
        Panel("Average response by window", "Mean response time to a customer's run of "
              "messages, for each served window.", "timeseries", "s",
              [Target(f"ccpulse_average_response_seconds{{{CHAT}}}",
                      "{{queue}} {{channel}} {{window}}")], width=12),
        Panel("Messages per minute", "Public messages by author, and agents' internal notes "
              "(bot messages and notes never count as an answer).", "timeseries", "short", [
                  Target(f"sum by (queue) (rate(ccpulse_chat_customer_messages_total{{{CHAT}}}"
                         "[$__rate_interval])) * 60", "{{queue}} customer"),
                  Target(f"sum by (queue) (rate(ccpulse_chat_agent_messages_total{{{CHAT}}}"
                         "[$__rate_interval])) * 60", "{{queue}} agent"),
                  Target(f"sum by (queue) (rate(ccpulse_chat_bot_messages_total{{{CHAT}}}"
                         "[$__rate_interval])) * 60", "{{queue}} bot"),
                  Target(f"sum by (queue) (rate(ccpulse_chat_internal_notes_total{{{CHAT}}}"
                         "[$__rate_interval])) * 60", "{{queue}} internal notes")], width=12),
        Panel("Handoffs, reopens, unanswered, last hour", "Conversations the bot handed to a "
              "queue, conversations reopened, and conversations that ended before any human "
              "answer.", "timeseries", "short", [
                  Target(f"sum by (queue) (increase(ccpulse_chat_handoffs_total{{{CHAT}}}"
                         "[1h]))", "{{queue}} handoffs"),
                  Target(f"sum by (queue) (increase(ccpulse_chat_reopens_total{{{CHAT}}}"
                         "[1h]))", "{{queue}} reopens"),
                  Target(f"sum by (queue) (increase(ccpulse_chats_unresponded_total{{{CHAT}}}"
                         "[1h]))", "{{queue}} unanswered")], width=12),
    ], QUEUE_VARIABLES)


AGENT_QUEUE = 'queue=~"$queue"'


def agents() -> dict[str, Any]:
    return dashboard("ccpulse-agents", "ccpulse agents",
                     "Agents by state, free capacity, occupancy and each agent's figures.", [
        Panel("Agents by state, site", "Each agent once, whatever its queues.", "stat",
              "short", [Target("ccpulse_site_agents_in_state", "{{state}}")], width=12),
        Panel("Occupancy, last 15 min, site", "Time on at least one contact (or busy, or in "
              "after-contact work) / time ready; slot-weighted: contact slots used / slots "
              "available.", "stat", "percentunit", [
                  Target('ccpulse_site_occupancy_ratio{window="15m"}', "occupancy"),
                  Target('ccpulse_site_slot_occupancy_ratio{window="15m"}',
                         "slot occupancy")], width=12, decimals=0),
        Panel("Agents by state, per queue", "An agent serving several queues counts in each.",
              "timeseries", "short", [Target(f"ccpulse_agents_in_state{{{AGENT_QUEUE}}}",
                                             "{{queue}} {{state}}")], width=12),
        Panel("Agents available", "Agents of the queue in state available with a free slot "
              "for the channel.", "timeseries", "short",
              [Target(f"ccpulse_agents_available{{{AGENT_QUEUE}}}", "{{queue}} {{channel}}")],
              width=12),
        Panel("Slots used and slots", "Contacts in service with the queue's agents, against "
              "the capacity of its agents who are not away.", "timeseries", "short", [
                  Target(f"ccpulse_agent_slots_used{{{AGENT_QUEUE}}}",
                         "{{queue}} {{channel}} used"),
                  Target(f"ccpulse_agent_slots{{{AGENT_QUEUE}}}",
                         "{{queue}} {{channel}} slots")], width=12),
        Panel("Occupancy by queue, last hour", "Connect-style occupancy and slot-weighted "
              "occupancy of each queue's agents.", "timeseries", "percentunit", [
                  Target(f'ccpulse_occupancy_ratio{{window="1h",{AGENT_QUEUE}}}',
                         "{{queue}} occupancy"),
                  Target(f'ccpulse_slot_occupancy_ratio{{window="1h",{AGENT_QUEUE}}}',
                         "{{queue}} slot occupancy")], width=12),
        Panel("Contacts per staffed agent-hour, last hour", "Contacts of the queue that ended, "
              "per hour its agents were staffed.", "timeseries", "short",
              [Target(f'ccpulse_contacts_handled_per_agent_hour{{window="1h",{AGENT_QUEUE}}}',
                      "{{queue}}")], width=12),
        Panel("Time in state today, site", "Agent time in each state since midnight (site "
              "time), each agent once.", "timeseries", "s",
              [Target('ccpulse_window_site_agent_state_seconds{window="today"}', "{{state}}")],
              width=12),
        Panel("Agents", "Each agent now and today (CCPULSE_PER_AGENT_METRICS): state, time "
              "in it, contacts in service, contacts handled, handle and response times.",
              "table", "short", [
                  Target("max by (agent, state) (ccpulse_agent_state == 1)", ""),
                  Target("max by (agent) (ccpulse_agent_state_seconds)", ""),
                  Target("sum by (agent) (ccpulse_agent_contacts_in_service)", ""),
                  Target('max by (agent) (ccpulse_agent_contacts_handled{window="today"})', ""),
                  Target('max by (agent) (ccpulse_agent_average_handle_seconds'
                         '{window="today"})', ""),
                  Target('max by (agent) (ccpulse_agent_average_response_seconds'
                         '{window="today"})', "")],
              width=24, height=10,
              columns=("", "seconds in state", "in service", "handled today",
                       "handle time today (s)", "response time today (s)")),
    ], (variable("queue", "Queue", "ccpulse_agents_in_state"),))


TICKET_QUEUE = 'queue=~"$queue"'


def weighted_mean(histogram: str, clock: str, window: str = "1h") -> str:
    """Σ seconds / count from a ticket histogram, per queue: weighted over priorities."""
    selector = f'{TICKET_QUEUE},clock="{clock}"'
    return (f"sum by (queue) (increase({histogram}_sum{{{selector}}}[{window}])) / "
            f"sum by (queue) (increase({histogram}_count{{{selector}}}[{window}]))")


def tickets() -> dict[str, Any]:
    def times(title: str, histogram: str, what: str) -> Panel:
        return Panel(title, f"Mean {what} over the last hour, from the histogram (weighted "
                     "over priorities), in business time (the queue's calendar) and in "
                     "calendar time.", "timeseries", "s", [
                         Target(weighted_mean(histogram, "business"), "{{queue}} business"),
                         Target(weighted_mean(histogram, "calendar"), "{{queue}} calendar")],
                     width=8)

    def counted(metric: str, window: str = "1d") -> str:
        return f"sum by (queue) (increase({metric}{{{TICKET_QUEUE}}}[{window}]))"

    return dashboard("ccpulse-tickets", "ccpulse tickets",
                     "Tickets: the open backlog by status and age, SLA targets breached and "
                     "at risk, reply and resolution times in both clocks.", [
        Panel("Open tickets by status", "Open tickets now (new, open, pending, on hold), over "
              "the selected queues.", "stat", "short",
              [Target(f"sum by (status) (ccpulse_tickets_open{{{TICKET_QUEUE}}})",
                      "{{status}}")], width=8),
        Panel("SLA breached now", "Open tickets past an SLA target that still runs, by "
              "target.", "stat", "short",
              [Target(f"sum by (target) (ccpulse_ticket_sla_breached{{{TICKET_QUEUE}}})",
                      "{{target}}")], width=8),
        Panel("At risk now", "Open tickets due within their target's lead time, by target.",
              "stat", "short",
              [Target(f"sum by (target) (ccpulse_ticket_sla_at_risk{{{TICKET_QUEUE}}})",
                      "{{target}}")], width=8),
        Panel("Backlog by age", "Open tickets by age band (now − created).", "timeseries",
              "short", [Target(f"sum by (age) (ccpulse_tickets_open{{{TICKET_QUEUE}}})",
                               "{{age}}")], width=12),
        Panel("Oldest open ticket", "Age of each queue's oldest open ticket.", "timeseries",
              "s", [Target(f"ccpulse_oldest_open_ticket_seconds{{{TICKET_QUEUE}}}",
                           "{{queue}}")], width=12),
        times("First reply time", "ccpulse_ticket_first_reply_time_seconds",
              "time to the first public agent reply"),
        times("Next reply time", "ccpulse_ticket_next_reply_time_seconds",
              "time from a customer's unanswered reply to the agent's answer"),
        times("Full resolution time", "ccpulse_ticket_resolution_time_seconds",
              "time from creation to the last solve, of tickets resolved for good"),
        Panel("SLA targets met, today", "Targets met / (met + breached) over the last day, "
              "by target, from the counters.", "timeseries", "percentunit", [Target(
                  f"sum by (target) (increase(ccpulse_ticket_sla_met_total{{{TICKET_QUEUE}}}"
                  f"[1d])) / (sum by (target) (increase(ccpulse_ticket_sla_met_total"
                  f"{{{TICKET_QUEUE}}}[1d])) + sum by (target) (increase("
                  f"ccpulse_ticket_sla_breaches_total{{{TICKET_QUEUE}}}[1d])))",
                  "{{target}}")], width=12),
        Panel("Created and solved per hour", "Tickets created, and solves (a reopened "
              "ticket solved again counts again).", "timeseries", "short", [
                  Target(counted("ccpulse_tickets_created_total", "1h"), "{{queue}} created"),
                  Target(counted("ccpulse_tickets_solved_total", "1h"), "{{queue}} solved")],
              width=12),
        Panel("Reopens and one-touch, last day", "Reopens / solves, and final tickets with "
              "at most one public agent reply and never reopened / final tickets.",
              "timeseries", "percentunit", [
                  Target(f"{counted('ccpulse_tickets_reopened_total')} / "
                         f"{counted('ccpulse_tickets_solved_total')}", "{{queue}} reopens"),
                  Target(f"{counted('ccpulse_tickets_one_touch_total')} / "
                         f"{counted('ccpulse_tickets_final_total')}", "{{queue}} one-touch")],
              width=12),
        Panel("Top categories today", "Tickets created today by category (the recurring "
              "questions).", "timeseries", "short", [Target(
                  f'topk(10, sum by (category) (ccpulse_window_tickets_by_category{{window='
                  f'"today",{TICKET_QUEUE}}}))', "{{category}}")], width=12),
    ], (variable("queue", "Queue", "ccpulse_tickets_open"),))


def per_queue(numerator: str, denominator: str, window: str = "1d") -> str:
    return (f"sum by (queue) (increase({numerator}[{window}])) / "
            f"sum by (queue) (increase({denominator}[{window}]))")


def quality() -> dict[str, Any]:
    q = '{queue=~"$queue",channel=~"$channel"'
    answers = "ccpulse_survey_answers_total" + q + ',kind="%s"}'
    promoters = per_queue("ccpulse_nps_promoters_total" + q + "}", answers % "nps")
    detractors = per_queue("ccpulse_nps_detractors_total" + q + "}", answers % "nps")
    return dashboard("ccpulse-quality", "ccpulse quality",
                     "What customers say: CSAT, NPS and CES over the last day, from the "
                     "counters (weighted over channels), and how many answer.", [
        Panel("CSAT, last day", "Satisfied answers (top boxes of their scale) / CSAT answers.",
              "stat", "percentunit", [Target(per_queue(
                  "ccpulse_csat_satisfied_total" + q + "}", answers % "csat"), "{{queue}}")],
              width=8, decimals=0),
        Panel("NPS, last day", "100 × (promoters − detractors) / NPS answers.", "stat", "none",
              [Target(f"100 * ({promoters} - {detractors})", "{{queue}}")], width=8,
              decimals=0),
        Panel("CES, last day", "Mean Customer Effort Score answer.", "stat", "none",
              [Target(per_queue("ccpulse_survey_score_points_total" + q + ',kind="ces"}',
                                answers % "ces"), "{{queue}}")], width=8, decimals=1),
        Panel("CSAT by window", "The served windows of each queue and channel.",
              "timeseries", "percentunit",
              [Target(f"ccpulse_csat_ratio{q}}}", "{{queue}} {{channel}} {{window}}")],
              width=12),
        Panel("Survey response and follow-up, last day", "Answers / surveys sent, and "
              "commented answers followed up / answers with a comment.", "timeseries",
              "percentunit", [
                  Target(per_queue("ccpulse_survey_answers_total" + q + "}",
                                   "ccpulse_surveys_sent_total" + q + "}"),
                         "{{queue}} response"),
                  Target(per_queue("ccpulse_feedback_followed_up_total" + q + "}",
                                   "ccpulse_survey_comments_total" + q + "}"),
                         "{{queue}} follow-up")], width=12),
        Panel("CSAT by agent, today", "Satisfied / answers of the contacts each agent "
              "served (per-agent figures on).", "timeseries", "percentunit",
              [Target('ccpulse_agent_csat_ratio{window="today"}', "{{agent}}")], width=24),
    ], QUEUE_VARIABLES)


def outcomes() -> dict[str, Any]:
    q = '{queue=~"$queue",channel=~"$channel"}'

    def share(counter: str, of: str = "ccpulse_outcome_contacts_total") -> str:
        return per_queue(counter + q, of + q)

    return dashboard("ccpulse-outcomes", "ccpulse outcomes",
                     "What contacts achieve: first-contact resolution, repeat contacts, "
                     "self-service, channel mix, cost per resolution and the internal quality "
                     "score from reviews.", [
        Panel("First-contact resolution, last day", "First contacts resolved with no "
              "contact on the matter within the repeat window / first contacts decided.",
              "stat", "percentunit", [Target(share(
                  "ccpulse_first_contact_resolutions_total",
                  "ccpulse_first_contacts_decided_total"), "{{queue}}")], width=6,
              decimals=0),
        Panel("Repeat contacts, last day", "Contacts within the repeat window after one "
              "on the same matter / contacts.", "stat", "percentunit",
              [Target(share("ccpulse_repeat_contacts_total"), "{{queue}}")], width=6,
              decimals=0),
        Panel("Self-service, last day", "Matters resolved without an agent / (those + "
              "contacts that reached an agent).", "stat", "percentunit",
              [Target(share("ccpulse_self_served_contacts_total"), "{{queue}}")], width=6,
              decimals=0),
        Panel("Quality score, last day", "Mean review score (internal quality score).",
              "stat", "percentunit", [Target(per_queue(
                  "ccpulse_quality_score_sum_total" + q, "ccpulse_quality_reviews_total" + q),
                  "{{queue}}")], width=6, decimals=0),
        Panel("Channel mix, today", "Each channel's share of the site's contacts.",
              "timeseries", "percentunit",
              [Target('ccpulse_channel_share_ratio{window="today"}', "{{channel}}")],
              width=8),
        Panel("Cost per resolution, today", "Staffed agent-hours × their cost / resolved "
              "contacts.", "timeseries", "currencyEUR",
              [Target('ccpulse_cost_per_resolution{queue=~"$queue",window="today"}',
                      "{{queue}}")], width=8),
        Panel("Resolution, 1h", "Contacts that ended resolved / contacts, per queue and "
              "channel.", "timeseries", "percentunit",
              [Target('ccpulse_resolution_ratio{queue=~"$queue",channel=~"$channel",'
                      'window="1h"}', "{{queue}} {{channel}}")], width=8),
        Panel("Quality score by agent, today", "Mean review score of each agent's reviewed "
              "contacts (per-agent figures on).", "timeseries", "percentunit",
              [Target('ccpulse_agent_quality_score_ratio{window="today"}', "{{agent}}")],
              width=24),
    ], QUEUE_VARIABLES)


DASHBOARDS = {
    "ccpulse-wallboard": wallboard,
    "ccpulse-queue-detail": queue_detail,
    "ccpulse-channels": channels,
    "ccpulse-chats": chats,
    "ccpulse-agents": agents,
    "ccpulse-tickets": tickets,
    "ccpulse-quality": quality,
    "ccpulse-outcomes": outcomes,
    "ccpulse-processor": processor,
}


def render_all() -> dict[str, str]:
    """File name -> JSON text, as committed."""
    return {f"{name}.json": json.dumps(build(), indent=2) + "\n"
            for name, build in DASHBOARDS.items()}


def main(directory: str) -> None:
    target = Path(directory)
    for name, text in render_all().items():
        (target / name).write_text(text)
        print(f"wrote {target / name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "deploy/grafana/dashboards")

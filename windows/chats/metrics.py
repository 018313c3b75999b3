"""The metrics of conversations' response times, per queue and channel."""

from __future__ import annotations

from ccpulse.windows.chats.family import CHAT, FIRST_RESPONSE, RESPONSE
from ccpulse.windows.metrics import COUNTER, GAUGE, HISTOGRAM, MetricSpec

QC = ("queue", "channel")
QCW = ("queue", "channel", "window")
WINDOWS = tuple(w for w in CHAT.windows if w != "total")


def _windowed(name: str, kpi: str, help_: str, unit: str, formula: str) -> MetricSpec:
    return MetricSpec(name, GAUGE, help_, QCW, unit, formula, WINDOWS, family=CHAT.name,
                      kpi=kpi)


def _counter(name: str, field: str, help_: str, unit: str = "conversations") -> MetricSpec:
    return MetricSpec(name, COUNTER, help_, QC, unit, f"cumulative `{field}`",
                      family=CHAT.name, field=field)


WINDOWED = (
    _windowed("ccpulse_average_first_response_seconds", "average_first_response_s",
              "Mean first response time of conversations first answered in the window",
              "seconds", "Σ first response time / first responses"),
    _windowed("ccpulse_average_response_seconds", "average_response_s",
              "Mean response time of the customer runs answered in the window", "seconds",
              "Σ (reply − first message of the run) / responses"),
    _windowed("ccpulse_first_response_within_target_ratio", "first_response_within_target",
              "Share of first responses within the queue's first-response target", "ratio",
              "first responses ≤ target / first responses"),
    _windowed("ccpulse_response_within_target_ratio", "response_within_target",
              "Share of responses within the queue's response target", "ratio",
              "responses ≤ target / responses"),
    _windowed("ccpulse_window_first_responses", "first_responses",
              "First responses given", "conversations", "first responses"),
    _windowed("ccpulse_window_responses", "responses", "Customer runs answered",
              "responses", "responses"),
    _windowed("ccpulse_window_chats_unresponded", "unresponded",
              "Conversations that ended while awaiting their first response",
              "conversations", "ended with the first-response clock running"),
)

LIVE = (
    MetricSpec("ccpulse_chats_awaiting_reply", GAUGE,
               "Conversations with humans whose customer awaits a human answer now", QC,
               "conversations", "first-response clock running, or an unanswered run"),
    MetricSpec("ccpulse_oldest_unanswered_seconds", GAUGE,
               "How long the longest-awaiting customer has waited for a human answer (0 if "
               "none)", QC, "seconds", "now − the earliest start of an awaited answer"),
    MetricSpec("ccpulse_first_response_target_seconds", GAUGE,
               "The queue's first-response target (for alert rules)", QC, "seconds",
               "configured first_response_target_s"),
    MetricSpec("ccpulse_response_target_seconds", GAUGE,
               "The queue's response target (for alert rules)", QC, "seconds",
               "configured response_target_s"),
)

COUNTERS = (
    _counter("ccpulse_first_responses_total", "first_responses", "First responses given"),
    _counter("ccpulse_first_responses_within_target_total", "first_responses_within",
             "First responses within the first-response target"),
    _counter("ccpulse_responses_total", "responses", "Customer runs answered", "responses"),
    _counter("ccpulse_responses_within_target_total", "responses_within",
             "Responses within the response target", "responses"),
    _counter("ccpulse_chat_customer_messages_total", "customer_messages",
             "Public customer messages", "messages"),
    _counter("ccpulse_chat_agent_messages_total", "agent_messages", "Public agent messages",
             "messages"),
    _counter("ccpulse_chat_bot_messages_total", "bot_messages",
             "Bot messages (never a response)", "messages"),
    _counter("ccpulse_chat_internal_notes_total", "internal_notes",
             "Agents' internal notes (never a response)", "messages"),
    _counter("ccpulse_chat_handoffs_total", "handoffs", "Conversations a bot handed to the "
             "queue"),
    _counter("ccpulse_chat_reopens_total", "reopens", "Conversations reopened"),
    _counter("ccpulse_chats_unresponded_total", "unresponded",
             "Conversations that ended awaiting their first response"),
)

HISTOGRAMS = (
    MetricSpec("ccpulse_first_response_seconds", HISTOGRAM,
               "First response times; every queue's targets are bucket bounds", QC,
               "seconds", "entry, handoff or reopen → first public agent message",
               histogram=FIRST_RESPONSE),
    MetricSpec("ccpulse_response_seconds", HISTOGRAM,
               "Response times, one per customer run; every queue's targets are bucket "
               "bounds", QC, "seconds", "first message of the run → public agent reply",
               histogram=RESPONSE),
)

METRICS = (*WINDOWED, *LIVE, *COUNTERS, *HISTOGRAMS)

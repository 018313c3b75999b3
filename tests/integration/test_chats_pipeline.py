"""A known chat and agent script through broker -> worker -> Redis -> exporter -> /metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import Stack, sample, scrape, wait_for

B = 1_714_989_600_000  # 2024-05-06T10:00:00Z
S = 1_000


def chat(event_id: str, type_: str, at_s: int, conversation: str, **extra: Any
         ) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "ts": B + at_s * S,
            "conversation_id": conversation, "queue": "sales", "channel": "chat", **extra}


def said(event_id: str, at_s: int, conversation: str, author: str, **extra: Any
         ) -> dict[str, Any]:
    return chat(event_id, "chat.message", at_s, conversation, author=author, **extra)


SCRIPT = [
    {"event_id": "s1", "type": "agent.state", "ts": B - 600 * S, "agent_id": "ann",
     "state": "available", "queues": ["sales"], "capacity": {"chat": 2, "voice": 1}},
    said("k1-1", 0, "k1", "customer"),  # to the bot: no human's clock runs yet
    said("k1-2", 2, "k1", "bot"),
    chat("k1-3", "chat.handoff", 30, "k1"),  # clock and run start here
    chat("k2-1", "chat.queued", 10, "k2"),
    said("k2-2", 15, "k2", "customer"),  # k2 waits on: oldest unanswered at 10 s
    chat("k1-4", "chat.answered", 40, "k1", agent_id="ann"),
    said("k1-5", 50, "k1", "agent", agent_id="ann"),  # first response 20 s, response 20 s
    said("k1-6", 60, "k1", "customer"),
    said("k1-7", 65, "k1", "customer"),  # the same run
    said("k1-8", 70, "k1", "agent", agent_id="ann", visibility="internal"),  # answers nothing
    said("k1-9", 95, "k1", "agent", agent_id="ann"),  # response 35 s (from 60 s)
    said("k1-9", 95, "k1", "agent", agent_id="ann"),  # a repeat: a duplicate
    chat("k1-10", "chat.ended", 120, "k1", agent_id="ann"),
]


@pytest.mark.integration
def test_known_chat_script_gives_exact_metrics(stack: Stack) -> None:
    stack.produce(SCRIPT)
    worker = stack.start_worker(CCPULSE_CLOCK="event")
    derived = 2  # agent.assigned and agent.released for ann
    wait_for(lambda: stack.consumed() >= len(SCRIPT) + derived, 60, "the worker to apply it",
             worker)
    port = stack.start_exporter(CCPULSE_CLOCK="event")
    wait_for(lambda: sample(scrape(port), "ccpulse_agent_used_slot_seconds_total",
                            queue="sales") == 80, 30, "the derived agent events")
    m = scrape(port)
    q = {"queue": "sales", "channel": "chat"}
    for window in ("5m", "1h", "today"):
        assert sample(m, "ccpulse_average_first_response_seconds", window=window, **q) == 20
        assert sample(m, "ccpulse_average_response_seconds", window=window, **q) == 27.5
        assert sample(m, "ccpulse_first_response_within_target_ratio", window=window, **q) == 1
        assert sample(m, "ccpulse_window_responses", window=window, **q) == 2
        assert sample(m, "ccpulse_average_speed_of_answer_seconds", window=window, **q) == 10
    assert sample(m, "ccpulse_first_response_seconds_bucket", le="20", **q) == 1
    assert sample(m, "ccpulse_response_seconds_bucket", le="20", **q) == 1
    assert sample(m, "ccpulse_response_seconds_bucket", le="45", **q) == 2
    assert sample(m, "ccpulse_response_seconds_sum", **q) == 55
    assert sample(m, "ccpulse_chat_customer_messages_total", **q) == 4
    assert sample(m, "ccpulse_chat_agent_messages_total", **q) == 2
    assert sample(m, "ccpulse_chat_bot_messages_total", **q) == 1
    assert sample(m, "ccpulse_chat_internal_notes_total", **q) == 1
    assert sample(m, "ccpulse_chat_handoffs_total", **q) == 1
    assert sample(m, "ccpulse_chats_awaiting_reply", **q) == 1
    assert sample(m, "ccpulse_oldest_unanswered_seconds", **q) == 110
    assert sample(m, "ccpulse_contacts_waiting", **q) == 1
    assert sample(m, "ccpulse_first_response_target_seconds", **q) == 60

    assert sample(m, "ccpulse_agents_in_state", queue="sales", state="available") == 1
    assert sample(m, "ccpulse_site_agents_in_state", state="available") == 1
    assert sample(m, "ccpulse_agents_available", queue="sales", channel="chat") == 1
    assert sample(m, "ccpulse_agent_slots", queue="sales", channel="chat") == 2
    assert sample(m, "ccpulse_agent_slots_used", queue="sales", channel="chat") == 0
    assert sample(m, "ccpulse_agent_staffed_seconds_total", queue="sales") == 720
    assert sample(m, "ccpulse_agent_occupied_seconds_total", queue="sales") == 80
    assert sample(m, "ccpulse_agent_slot_seconds_total", queue="sales") == 720 * 3
    assert sample(m, "ccpulse_occupancy_ratio", queue="sales", window="today") == \
        pytest.approx(80 / 720)
    assert sample(m, "ccpulse_slot_occupancy_ratio", queue="sales", window="today") == \
        pytest.approx(80 / 2160)
    assert sample(m, "ccpulse_agent_contacts_handled", agent="ann", window="today") == 1
    assert sample(m, "ccpulse_agent_average_handle_seconds", agent="ann", window="today") == 80
    assert sample(m, "ccpulse_agent_average_response_seconds", agent="ann",
                  window="today") == 27.5
    assert sample(m, "ccpulse_agent_average_first_response_seconds", agent="ann",
                  window="today") == 20
    assert sample(m, "ccpulse_agent_state", agent="ann", state="available") == 1
    assert sample(m, "ccpulse_events_duplicate_total") == 1
    assert worker.poll() is None

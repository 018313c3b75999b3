"""Collectors serve exactly what they declare, and one failing collector blanks nothing else."""

from __future__ import annotations

import orjson
import pytest
import redis

from ccpulse.exporters.catalog import EXPORTER_METRICS, collectors_for
from ccpulse.exporters.collector import SiteCollector
from ccpulse.exporters.collectors.base import Collector
from ccpulse.exporters.exposition import Family
from ccpulse.state.reader import SiteView
from ccpulse.state.redis_store import RedisStore
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.registry import build_registry
from ccpulse.windows.tickets.config import TicketConfig
from ccpulse.windows.tickets.sla import ANY, FIRST_REPLY, RESOLUTION, SlaBook, SlaPolicy
from tests.published import calls, fold, scrape

SLA = SlaBook({(ANY, ANY): SlaPolicy({FIRST_REPLY: 3_600_000, RESOLUTION: 86_400_000},
                                     business=False)})
REGISTRY = build_registry(EngineConfig(tickets=TicketConfig(sla=SLA),
                                      agent_hour_cost={"*": 30.0}))
AGENT = (b'{"event_id":"g1","type":"agent.login","ts":1700000000000,"agent_id":"ann",'
         b'"queue":"sales","channel":"voice"}')

CHAT = [orjson.dumps({"event_id": f"h{i}", "ts": 1700000000000 + i * 10_000,
                      "conversation_id": conversation, "queue": "sales", "channel": "chat", **doc})
        for i, (conversation, doc) in enumerate([
            ("k1", {"type": "chat.queued"}),
            ("k1", {"type": "chat.message", "author": "customer"}),
            ("k1", {"type": "chat.answered", "agent_id": "bob"}),
            ("k1", {"type": "chat.message", "author": "agent", "agent_id": "bob"}),
            ("k1", {"type": "chat.message", "author": "customer"}),
            ("k1", {"type": "chat.ended", "agent_id": "bob"}),
            ("k2", {"type": "chat.handoff"})])]
AGENT_STATES = [orjson.dumps(doc) for doc in (
    {"event_id": "s1", "type": "agent.state", "ts": 1700000000000, "agent_id": "bob",
     "state": "available", "queues": ["sales"], "capacity": {"chat": 2}},
    {"event_id": "s2", "type": "agent.assigned", "ts": 1700000020000, "agent_id": "bob",
     "contact_id": "k1", "queue": "sales", "channel": "chat"})]

TICKETS = [orjson.dumps({"event_id": f"t{i}", "ts": 1700000000000 + i * 600_000,
                         "ticket_id": ticket, **doc})
           for i, (ticket, doc) in enumerate([
               ("t1", {"type": "ticket.created", "queue": "sales", "priority": "high",
                       "category": "refund"}),
               ("t2", {"type": "ticket.created", "queue": "sales"}),
               ("t1", {"type": "ticket.replied", "author": "agent", "agent_id": "bob"}),
               ("t1", {"type": "ticket.replied", "author": "customer"}),
               ("t1", {"type": "ticket.replied", "author": "agent", "agent_id": "bob"}),
               ("t1", {"type": "ticket.status_changed", "status": "solved"}),
               ("t1", {"type": "ticket.status_changed", "status": "closed"})])]

SURVEYS = [orjson.dumps({"event_id": f"v{i}", "ts": 1700000000000 + i * 60_000,
                         "survey_id": survey, "queue": "sales", "channel": "voice",
                         "agent_id": "ann", **doc})
           for i, (survey, doc) in enumerate([
               ("v1", {"type": "survey.sent", "kind": "csat"}),
               ("v1", {"type": "survey.answered", "kind": "csat", "score": 5,
                       "comment": True}),
               ("v1", {"type": "survey.followed_up", "kind": "csat"}),
               ("v2", {"type": "survey.answered", "kind": "nps", "score": 9}),
               ("v3", {"type": "survey.answered", "kind": "ces", "score": 6})])]

OUTCOMES = [orjson.dumps({"event_id": f"o{i}", "ts": 1700000000000 + i * 60_000,
                          "customer_id": customer, "queue": "sales", "channel": channel,
                          "type": f"contact.{kind}"})
            for i, (customer, channel, kind) in enumerate([
                ("c1", "voice", "resolved"), ("c1", "chat", "unresolved"),
                ("c2", "chat", "self_served")])]
REVIEWS = [orjson.dumps({"event_id": "r1", "type": "qa.evaluated", "ts": 1700000000000,
                         "review_id": "r1", "queue": "sales", "agent_id": "ann",
                         "scores": {"greeting": 5, "accuracy": 3}})]


@pytest.fixture
def published(redis_client: redis.Redis) -> redis.Redis:
    waiting = (b'{"event_id":"x","type":"call.queued","ts":1700000100000,"contact_id":"w",'
               b'"queue":"sales","channel":"voice"}')
    abandoned = (b'{"event_id":"y","type":"call.abandoned","ts":1700000130000,"contact_id":"w",'
                 b'"queue":"sales","channel":"voice"}')
    values = [AGENT, *calls([3, 30, 61]), waiting, abandoned, waiting.replace(b'"w"', b'"v"'),
              *CHAT, *AGENT_STATES, *TICKETS, *SURVEYS, *OUTCOMES, *REVIEWS]
    fold(REGISTRY, RedisStore(redis_client, REGISTRY, "c"), values)
    return redis_client


def test_each_collector_serves_exactly_the_metrics_it_declares(published: redis.Redis) -> None:
    collector = SiteCollector(published, "c", REGISTRY, event_clock=True)
    families = collector.collect()
    served = {f.spec.name for f in families if f.lines}
    declared = {s.name for s in EXPORTER_METRICS} | {
        s.name for c in collectors_for(REGISTRY) for s in c.specs}
    assert served == declared - {"ccpulse_consumer_lag"}  # no high-water mark without Kafka
    assert all(f.spec.name in declared for f in families)


class Broken:
    name = "broken"
    specs: tuple[MetricSpec, ...] = ()

    def collect(self, view: SiteView) -> list[Family]:
        raise KeyError("data it cannot interpret")


def test_a_failing_collector_is_left_out_and_named(published: redis.Redis,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    collectors: list[Collector] = [Broken(), *collectors_for(REGISTRY)]
    m = scrape(published, REGISTRY, "c", collectors=collectors)
    assert m[("ccpulse_collector_up", (("collector", "broken"),))] == 0
    assert m[("ccpulse_collector_up", (("collector", "contacts"),))] == 1
    assert m[("ccpulse_contacts_answered_total", (("channel", "voice"), ("queue", "sales")))] == 3
    assert m[("ccpulse_contacts_abandoned_total", (("channel", "voice"), ("queue", "sales")))] == 1
    assert "collector broken failed" in caplog.text


def test_every_known_rejection_reason_is_served_from_zero(published: redis.Redis) -> None:
    m = scrape(published, REGISTRY, "c")
    reasons = {dict(labels)["reason"] for name, labels in m
               if name == "ccpulse_events_rejected_total"}
    assert reasons == set(REGISTRY.reasons)

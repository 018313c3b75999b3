"""Producing simulated traffic to Kafka in real time."""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Iterator
from typing import Any

from ccpulse.sources.chat_simulation import ChatSimulation, chat_queues
from ccpulse.sources.outcome_simulation import with_outcomes
from ccpulse.sources.producer import EventProducer
from ccpulse.sources.simulation import QueueModel, Simulation
from ccpulse.sources.survey_simulation import with_surveys
from ccpulse.sources.ticket_simulation import TicketSimulation

log = logging.getLogger(__name__)


def traffic(queues: tuple[QueueModel, ...], calls_per_s: float, seed: int, start_s: float,
            chats_per_s: float = 0.0, tickets_per_s: float = 0.0, ticket_pace: float = 1.0,
            survey_share: float = 0.0, outcomes: bool = False
            ) -> Iterator[tuple[float, dict[str, Any]]]:
    """Calls, and chats and tickets in the same queues at the rates given, merged in time
    order (``ticket_pace`` scales the tickets' delays); a ``survey_share`` of the calls and
    chats that end get a survey; with ``outcomes``, contacts end resolved or not for their
    customers, bots resolve some alone, and some are reviewed."""
    merged = _contacts(queues, calls_per_s, seed, start_s, chats_per_s, tickets_per_s,
                       ticket_pace)
    if outcomes:
        merged = with_outcomes(merged, seed)
    return with_surveys(merged, survey_share, seed) if survey_share else merged


def _contacts(queues: tuple[QueueModel, ...], calls_per_s: float, seed: int, start_s: float,
              chats_per_s: float, tickets_per_s: float, ticket_pace: float
              ) -> Iterator[tuple[float, dict[str, Any]]]:
    sources: list[Iterator[tuple[float, dict[str, Any]]]] = [
        iter(Simulation(queues, calls_per_s, seed, start_s))]
    if chats_per_s:
        sources.append(iter(ChatSimulation(chat_queues(queues), chats_per_s, seed, start_s)))
    if tickets_per_s:
        sources.append(iter(TicketSimulation(queues, tickets_per_s, seed, start_s,
                                             ticket_pace)))
    if len(sources) == 1:
        return sources[0]
    return heapq.merge(*sources, key=lambda item: item[0])


async def simulate(producer: EventProducer, queues: tuple[QueueModel, ...], calls_per_s: float,
                   seed: int, duration_s: float | None = None, chats_per_s: float = 0.0,
                   tickets_per_s: float = 0.0, ticket_pace: float = 1.0,
                   survey_share: float = 0.0, outcomes: bool = False) -> int:
    """Send events as their simulated time comes; returns how many were sent."""
    start_s = time.time()
    sent = 0
    async with producer:
        for at_s, doc in traffic(queues, calls_per_s, seed, start_s, chats_per_s,
                                 tickets_per_s, ticket_pace, survey_share, outcomes):
            if duration_s is not None and at_s - start_s > duration_s:
                break
            delay = at_s - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send(doc)
            sent += 1
            if sent % 5000 == 0:
                log.info("simulator: %d events sent", sent)
    return sent

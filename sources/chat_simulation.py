"""Chats in miniature: conversations with a bot in front, agents serving several at once.

Poisson arrivals per chat queue. Most conversations start with a bot, which
answers the customer and resolves some on its own; the rest are handed to the
queue (or queued there directly). Agents take up to their capacity of
conversations at once; the customer writes in bursts, the agent replies after a
while that grows with the agent's load, sometimes leaves an internal note, and
ends the chat after a few exchanges. Customers who wait too long leave; a few
come back to a chat that ended and reopen it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ccpulse.sources.simulation import Due, QueueModel

Emitted = Iterator[tuple[float, dict[str, Any]]]


@dataclass(frozen=True)
class ChatQueueModel:
    name: str
    share: float  # of the chat arrival rate
    staffing: float  # slots per conversation of mean load; below ~1 the queue struggles
    capacity: int = 3
    bot_share: float = 0.6  # conversations that start with the bot
    bot_resolves: float = 0.35  # of those, resolved by the bot alone
    reply_s: float = 25.0  # an agent's mean reply time with one chat
    exchanges: float = 4.0  # mean customer turns per chat
    patience_s: float = 150.0


def chat_queues(queues: tuple[QueueModel, ...]) -> tuple[ChatQueueModel, ...]:
    """Chats in the same queues as the calls, with the same share and staffing."""
    return tuple(ChatQueueModel(q.name, q.share, q.staffing) for q in queues)


@dataclass
class _Agent:
    name: str
    queue: str
    capacity: int
    chats: set[int] = field(default_factory=set)


class ChatSimulation:
    """Yields ``(time_s, event_doc)`` pairs in time order, from ``start_s`` on."""

    def __init__(self, queues: tuple[ChatQueueModel, ...], chats_per_s: float, seed: int,
                 start_s: float) -> None:
        self.rng = random.Random(seed + 7919)
        self.models = {q.name: q for q in queues}
        self.chats_per_s = chats_per_s
        self.start_s = start_s
        self.agents = {q.name: [_Agent(f"{q.name}-chat-{i:02d}", q.name, q.capacity)
                                for i in range(self._agents(q))] for q in queues}
        self.waiting: dict[str, deque[int]] = {q.name: deque() for q in queues}
        self.chats: dict[int, dict[str, Any]] = {}
        self.due: list[Due] = []
        self.seq = itertools.count()
        self.ids = itertools.count(1)
        self.chat_ids = itertools.count(1)
        self.run_id = f"{seed:x}{int(start_s):x}"
        for q in queues:
            self._next_arrival(q, start_s)

    def _agents(self, model: ChatQueueModel) -> int:
        """Enough agents for the mean load: conversations reaching an agent, times their
        length (turns of a reply and a customer's answer), in slots."""
        human = 1 - model.bot_share * model.bot_resolves
        length_s = (1 + model.exchanges) * (model.reply_s + 30)
        load = self.chats_per_s * model.share * human * length_s
        return max(1, math.ceil(load * model.staffing / model.capacity))

    def _at(self, at_s: float, action: str, data: Any) -> None:
        heapq.heappush(self.due, Due(at_s, next(self.seq), action, data))

    def _later(self, event: tuple[float, dict[str, Any]]) -> None:
        """Send an event prepared now when its time comes (the output stays in time order)."""
        self._at(event[0], "emit", event[1])

    def _emit(self, t: float, doc: dict[str, Any]) -> Emitted:
        yield t, doc

    def _next_arrival(self, model: ChatQueueModel, now_s: float) -> None:
        swell = 1 + 0.4 * math.sin(2 * math.pi * (now_s - self.start_s) / 900)
        rate = max(self.chats_per_s * model.share * swell, 1e-6)
        self._at(now_s + self.rng.expovariate(rate), "arrive", model.name)

    def _doc(self, type_: str, t: float, chat: int, **extra: Any) -> tuple[float, dict[str, Any]]:
        return t, {"event_id": f"simc-{self.run_id}-{next(self.ids)}", "type": type_,
                   "ts": round(t * 1000), "conversation_id": f"simc-{self.run_id}-k{chat}",
                   "queue": self.chats[chat]["queue"], "channel": "chat", **extra}

    def _message(self, t: float, chat: int, author: str, **extra: Any
                 ) -> tuple[float, dict[str, Any]]:
        return self._doc("chat.message", t, chat, author=author,
                         message_id=f"m{next(self.ids)}", **extra)

    def __iter__(self) -> Emitted:
        for queue, agents in self.agents.items():
            for agent in agents:
                yield self.start_s, {
                    "event_id": f"simc-{self.run_id}-login-{agent.name}", "type": "agent.state",
                    "ts": round(self.start_s * 1000), "agent_id": agent.name,
                    "state": "available", "queues": [queue], "capacity": {"chat": agent.capacity}}
        while self.due:
            due = heapq.heappop(self.due)
            yield from getattr(self, f"_{due.action}")(due.at_s, due.data)

    def _arrive(self, t: float, queue: str) -> Emitted:
        model = self.models[queue]
        self._next_arrival(model, t)
        chat = next(self.chat_ids)
        self.chats[chat] = {"queue": queue, "state": "bot", "agent": None, "turns": 0}
        yield self._message(t, chat, "customer")
        if self.rng.random() < model.bot_share:
            self._later(self._message(t + 1.5, chat, "bot"))
            if self.rng.random() < model.bot_resolves:
                self._later(self._message(t + 20, chat, "customer"))
                self._later(self._message(t + 21, chat, "bot"))
                self._later(self._doc("chat.ended", t + 30, chat))
                del self.chats[chat]
                return
            self._at(t + self.rng.uniform(10, 40), "handoff", chat)
        else:
            yield from self._enter(t, chat, "chat.queued")

    def _handoff(self, t: float, chat: int) -> Emitted:
        yield from self._enter(t, chat, "chat.handoff")

    def _enter(self, t: float, chat: int, type_: str) -> Emitted:
        info = self.chats[chat]
        info["state"] = "waiting"
        yield self._doc(type_, t, chat)
        self.waiting[info["queue"]].append(chat)
        self._at(t + self.rng.expovariate(1 / self.models[info["queue"]].patience_s),
                 "give_up", chat)
        yield from self._assign(t, info["queue"])

    def _assign(self, t: float, queue: str) -> Emitted:
        waiting = self.waiting[queue]
        while waiting:
            free = [a for a in self.agents[queue] if len(a.chats) < a.capacity]
            if not free:
                return
            chat = waiting.popleft()
            info = self.chats.get(chat)
            if info is None or info["state"] != "waiting":
                continue
            agent = min(free, key=lambda a: (len(a.chats), a.name))
            agent.chats.add(chat)
            info.update(state="served", agent=agent)
            yield self._doc("chat.answered", t, chat, agent_id=agent.name)
            self._at(t + self._reply_delay(agent), "reply", chat)

    def _reply_delay(self, agent: _Agent) -> float:
        model = self.models[agent.queue]
        return self.rng.expovariate(1 / (model.reply_s * (0.6 + 0.4 * len(agent.chats))))

    def _give_up(self, t: float, chat: int) -> Emitted:
        info = self.chats.get(chat)
        if info is not None and info["state"] == "waiting":
            yield self._doc("chat.abandoned", t, chat)
            del self.chats[chat]

    def _reply(self, t: float, chat: int) -> Emitted:
        info = self.chats.get(chat)
        if info is None or info["state"] != "served":
            return
        agent: _Agent = info["agent"]
        if self.rng.random() < 0.1:
            yield self._message(t, chat, "agent", agent_id=agent.name, visibility="internal")
        yield self._message(t, chat, "agent", agent_id=agent.name)
        model = self.models[info["queue"]]
        info["turns"] += 1
        if info["turns"] >= 1 + self.rng.expovariate(1 / model.exchanges):
            self._at(t + self.rng.uniform(20, 60), "end", chat)
            return
        at = t + self.rng.uniform(5, 40)
        for _ in range(self.rng.choice((1, 1, 2, 3))):  # a burst
            self._at(at, "customer", chat)
            at += self.rng.uniform(2, 10)
        self._at(at + self._reply_delay(agent), "reply", chat)

    def _customer(self, t: float, chat: int) -> Emitted:
        if chat in self.chats:
            yield self._message(t, chat, "customer")

    def _end(self, t: float, chat: int) -> Emitted:
        info = self.chats.get(chat)
        if info is None:
            return
        agent: _Agent = info["agent"]
        yield self._doc("chat.ended", t, chat, agent_id=agent.name)
        agent.chats.discard(chat)
        info["state"] = "ended"
        if self.rng.random() < 0.05:
            self._at(t + self.rng.uniform(60, 300), "reopen", chat)
        else:
            del self.chats[chat]
        yield from self._assign(t, info["queue"])

    def _reopen(self, t: float, chat: int) -> Emitted:
        info = self.chats[chat]
        yield self._message(t, chat, "customer")
        yield self._doc("chat.reopened", t, chat)
        agent: _Agent = info["agent"]
        reply_at = t + self._reply_delay(agent)
        self._later(self._message(reply_at, chat, "agent", agent_id=agent.name))
        self._later(self._doc("chat.ended", reply_at + 30, chat, agent_id=agent.name))
        del self.chats[chat]

"""Response times of conversations: what a customer waits for a human answer.

Rules (the README's "Chats" section says the same):

- a conversation is *with humans* from its queue entry (``chat.queued``), bot handoff
  (``chat.handoff``) or reopen (``chat.reopened``) until ``chat.ended``;
- the *first-response clock* starts at the first queue entry or handoff and restarts at
  each reopen; a later entry or handoff while it runs moves its start to that moment
  ("the later of"); the first public agent message stops it and is its first response.
  A conversation that ends with the clock running counts as ``unresponded``;
- a *run* is the customer's consecutive public messages not yet answered: it starts at the
  first of them, never earlier than the latest entry, handoff or reopen (time with a bot
  is not a human's response time), and the next public agent message ends it, one
  response per run;
- bot messages and internal notes are counted but never answer anything;
- measures stop at ``chat.ended``: an agent message after it (without a reopen) is counted
  only, and a customer message after it starts a run that a reopen then moves to its time.

A response is credited at the moment of the reply, to the conversation's queue and
channel at that moment (after a transfer: the new queue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from ccpulse.windows.agents import family as agent_family
from ccpulse.windows.agents.work import AgentWork
from ccpulse.windows.chats import family as f
from ccpulse.windows.chats.event import AGENT, BOT, CUSTOMER, ChatEvent
from ccpulse.windows.config import Limits, Retention
from ccpulse.windows.domain import Context, LiveKey, RecordKey
from ccpulse.windows.families import canonical
from ccpulse.windows.outcome import APPLIED
from ccpulse.windows.policy import PolicyBook


class Measure(NamedTuple):
    """Where one kind of response is counted: ``chat`` and ``agent_work`` fields, histogram."""

    counted: int
    sum_ms: int
    within: int
    histogram: str
    agent_count: int
    agent_sum_ms: int


FIRST: Final = Measure(f.FIRST_RESPONSES, f.FIRST_RESPONSE_MS, f.FIRST_RESPONSES_WITHIN,
                       f.FIRST_RESPONSE, agent_family.FIRST_RESPONSES,
                       agent_family.FIRST_RESPONSE_MS)
REPLY: Final = Measure(f.RESPONSES, f.RESPONSE_MS, f.RESPONSES_WITHIN, f.RESPONSE,
                       agent_family.RESPONSES, agent_family.RESPONSE_MS)
NONE: Final = -1  # no clock running, no run open
KEPT_EVENT_IDS: Final = 16  # per conversation, for dropping repeated events
LIVE: Final = "awaiting"  # live entries: when each conversation began to await a reply


class Conversation:
    __slots__ = ("channel", "clock_ms", "ended", "event_ids", "human", "queue", "responded",
                 "run_ms", "stored", "touched_ms")

    def __init__(self, queue: str, channel: str, touched_ms: int, clock_ms: int = NONE,
                 run_ms: int = NONE, human: bool = False, event_ids: list[str] | None = None,
                 ended: bool = False, responded: bool = False) -> None:
        self.queue = queue
        self.channel = channel
        self.clock_ms = clock_ms  # the first-response clock's start (NONE: not running)
        self.run_ms = run_ms  # the start of the customer's unanswered run (NONE: none)
        self.human = human  # with humans (entered, not ended)
        self.touched_ms = touched_ms
        self.event_ids = event_ids if event_ids is not None else []
        self.ended = ended
        self.responded = responded  # its first response given (since the last reopen)
        self.stored = False

    def awaiting_since(self) -> int:
        """Since when the customer awaits a human answer (NONE: not awaiting)."""
        if not self.human:
            return NONE
        if self.clock_ms != NONE and (self.run_ms == NONE or self.clock_ms < self.run_ms):
            return self.clock_ms
        return self.run_ms

    def to_list(self) -> list[Any]:
        return [self.queue, self.channel, self.clock_ms, self.run_ms, self.human,
                self.touched_ms, self.event_ids, self.ended, self.responded]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Conversation:
        queue, channel, clock_ms, run_ms, human, touched_ms, ids, ended, responded = raw
        return cls(str(queue), str(channel), int(touched_ms), int(clock_ms), int(run_ms),
                   bool(human), [str(i) for i in ids], bool(ended), bool(responded))


class ResponseTracker:
    def __init__(self, ctx: Context, policies: PolicyBook, retention: Retention,
                 limits: Limits, work: AgentWork) -> None:
        self.ctx = ctx
        self.windows = ctx.windows
        self.histograms = ctx.histograms
        self.policies = policies
        self.retention = retention
        self.limits = limits
        self.work = work  # credits the replying agent
        self.conversations: dict[str, Conversation] = {}  # in the order last touched
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()
        self._awaiting: dict[tuple[str, str], dict[str, int]] = {}  # queue key -> id -> since
        self._live_dirty: set[tuple[str, str]] = set()

    # -- applying ---------------------------------------------------------------------
    def seen(self, event: ChatEvent) -> bool:
        conversation = self.conversations.get(event.contact_id)
        return conversation is not None and event.event_id in conversation.event_ids

    def full_for(self, cid: str) -> bool:
        """Whether a conversation not tracked yet would be one too many."""
        return cid not in self.conversations \
            and len(self.conversations) >= self.limits.max_contacts

    def _get(self, event: ChatEvent) -> Conversation | None:
        cid = event.contact_id
        conversation = self.conversations.pop(cid, None)
        if conversation is None:
            if len(self.conversations) >= self.limits.max_contacts:
                return None
            conversation = Conversation(event.queue, event.channel, event.ts_ms)
        else:
            self._unlist(cid, conversation)
        self.conversations[cid] = conversation  # last touched: last in order
        if event.ts_ms > conversation.touched_ms:
            conversation.touched_ms = event.ts_ms
        ids = conversation.event_ids
        ids.append(event.event_id)
        if len(ids) > KEPT_EVENT_IDS:
            del ids[0]
        self.dirty.add(cid)
        return conversation

    def entered(self, event: ChatEvent, restart: bool, counted: int | None) -> str:
        """A queue entry, handoff (``restart`` False) or reopen (``restart`` True): with
        humans from now on. ``counted``: the family field this counts in, if any."""
        conversation = self._get(event)
        if conversation is None:
            return "entity_limit"
        ts = event.ts_ms
        conversation.queue, conversation.channel = event.queue, event.channel
        if restart:
            conversation.responded = False
            conversation.clock_ms = ts
        elif not conversation.responded:
            conversation.clock_ms = max(ts, conversation.clock_ms)
        if conversation.run_ms != NONE and conversation.run_ms < ts:
            conversation.run_ms = ts
        conversation.human = True
        conversation.ended = False
        if counted is not None:
            self._values(conversation, ts)[counted] += 1
        self._list(event.contact_id, conversation)
        return APPLIED

    def moved(self, event: ChatEvent) -> None:
        """A transfer: later responses count in the new queue."""
        conversation = self.conversations.get(event.contact_id)
        if conversation is not None and event.to_queue is not None:
            self._get(event)
            conversation.queue = event.to_queue
            self._list(event.contact_id, conversation)

    def ended(self, event: ChatEvent) -> None:
        conversation = self.conversations.get(event.contact_id)
        if conversation is None:
            return
        self._get(event)
        if conversation.human and conversation.clock_ms != NONE:
            self._values(conversation, event.ts_ms)[f.UNRESPONDED] += 1
        conversation.human = False
        conversation.ended = True
        conversation.clock_ms = conversation.run_ms = NONE

    def message(self, event: ChatEvent) -> str:
        conversation = self._get(event)
        if conversation is None:
            return "entity_limit"
        ts = event.ts_ms
        author = event.author
        values = self._values(conversation, ts)
        if not event.public:
            if author == AGENT:
                values[f.INTERNAL_NOTES] += 1
            self._list(event.contact_id, conversation)
            return APPLIED  # a customer's or bot's internal message: counted nowhere
        if author == CUSTOMER:
            values[f.CUSTOMER_MESSAGES] += 1
            if conversation.run_ms == NONE:
                conversation.run_ms = ts
        elif author == BOT:
            values[f.BOT_MESSAGES] += 1
        else:
            values[f.AGENT_MESSAGES] += 1
            if not conversation.ended:
                self._answer(conversation, values, event)
        self._list(event.contact_id, conversation)
        return APPLIED

    def _answer(self, conversation: Conversation, values: list[int], event: ChatEvent) -> None:
        policy = self.policies.for_queue(conversation.queue, conversation.channel)
        if conversation.clock_ms != NONE:
            self._credit(FIRST, conversation, values, event, conversation.clock_ms,
                         policy.first_response_target_ms)
            conversation.clock_ms = NONE
            conversation.responded = True
        if conversation.run_ms != NONE:
            self._credit(REPLY, conversation, values, event, conversation.run_ms,
                         policy.response_target_ms)
            conversation.run_ms = NONE

    def _credit(self, measure: Measure, conversation: Conversation, values: list[int],
                event: ChatEvent, start_ms: int, target_ms: int) -> None:
        """One first response or response, ending at the reply ``event``."""
        wait = max(0, event.ts_ms - start_ms)
        values[measure.counted] += 1
        values[measure.sum_ms] += wait
        if wait <= target_ms:
            values[measure.within] += 1
        self.histograms.observe(
            canonical((measure.histogram, conversation.queue, conversation.channel)), wait)
        if event.agent_id:
            self.work.credit(event.agent_id, measure.agent_count, measure.agent_sum_ms, wait,
                             event.ts_ms)

    def _values(self, conversation: Conversation, ts_ms: int) -> list[int]:
        series = canonical((f.CHAT.name, conversation.queue, conversation.channel))
        return self.windows.slot(series, ts_ms)

    # -- live entries -------------------------------------------------------------------
    def _unlist(self, cid: str, conversation: Conversation) -> None:
        key = (conversation.queue, conversation.channel)
        awaiting = self._awaiting.get(key)
        if awaiting is not None and awaiting.pop(cid, None) is not None:
            self._live_dirty.add(key)

    def _list(self, cid: str, conversation: Conversation) -> None:
        since = conversation.awaiting_since()
        if since != NONE:
            key = (conversation.queue, conversation.channel)
            self._awaiting.setdefault(key, {})[cid] = since
            self._live_dirty.add(key)

    def _entry(self, key: tuple[str, str]) -> list[int] | None:
        awaiting = self._awaiting.get(key)
        if not awaiting:
            self._awaiting.pop(key, None)
            return None
        return sorted(awaiting.values())

    def live_changes(self) -> dict[LiveKey, Any]:
        out: dict[LiveKey, Any] = {(LIVE, *key): self._entry(key) for key in self._live_dirty}
        self._live_dirty = set()
        return out

    def live_all(self) -> dict[LiveKey, Any]:
        self._live_dirty = set()
        return {(LIVE, *key): entry for key in list(self._awaiting)
                if (entry := self._entry(key)) is not None}

    # -- time and persistence --------------------------------------------------------
    def advance(self, now_ms: int) -> None:
        """Forget ended conversations after the dedupe window, idle ones after the longest
        wait (counted as ``expired_conversations``)."""
        idle_cutoff = now_ms - self.retention.max_wait_ms
        ended_cutoff = now_ms - self.retention.dedupe_ms
        gone = []
        for cid, conversation in self.conversations.items():
            if conversation.touched_ms >= ended_cutoff:
                break
            if conversation.ended or conversation.touched_ms < idle_cutoff:
                gone.append(cid)
        expired = 0
        for cid in gone:
            conversation = self.conversations.pop(cid)
            self._unlist(cid, conversation)
            expired += not conversation.ended
            self.dirty.discard(cid)
            if conversation.stored:
                self.dropped.add(cid)
        if expired:
            self.ctx.count("expired_conversations", expired)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        name = f.CONVERSATION_RECORDS.name
        out: dict[RecordKey, list[Any] | None] = {(name, cid): None for cid in self.dropped}
        for cid in self.dirty:
            conversation = self.conversations.get(cid)
            if conversation is not None:
                conversation.stored = True
                out[(name, cid)] = conversation.to_list()
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        loaded = sorted(((cid, Conversation.from_list(raw)) for cid, raw
                         in records.get(f.CONVERSATION_RECORDS.name, {}).items()),
                        key=lambda item: item[1].touched_ms)
        for cid, conversation in loaded:
            conversation.stored = True
            self.conversations[cid] = conversation
            self._list(cid, conversation)
        self._live_dirty = set()


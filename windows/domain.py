"""What a domain is: the owner of some event types, their state and their figures.

A domain (voice contacts, chats, agents, tickets...) declares its event types,
how their payloads decode, the aggregate families, histograms and records it
keeps, the metrics it serves and the rejection reasons it can give. For each
partition it makes a :class:`DomainState`, which applies its events, credits the
shared window engine and histograms through a :class:`Context`, and says what
changed for the next publication and checkpoint. The partition calls domains;
they are not Faust agents of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ccpulse.windows.engine import WindowSet
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.families import LiveKey as LiveKey
from ccpulse.windows.families import RecordKey as RecordKey
from ccpulse.windows.fields import FieldSpec
from ccpulse.windows.histograms import Histograms, HistogramSpec
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.metrics import MetricSpec


@dataclass(frozen=True)
class EventType:
    type: str  # "call.queued"
    kind: str  # "queued": what the domain's state switches on
    topic: str  # the topic suffix producers send it to ("calls")
    key: str  # the field whose value is its Kafka key (all of one entity's events in order)
    fields: tuple[FieldSpec, ...] = ()  # beyond the envelope (event_id, type, ts)
    description: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)  # a valid document


class Derived:
    """An event a domain derives for another partition (keyed by another entity, such as
    the agent of a contact): sent to ``topic`` with ``key``, folded there like any other.
    Its ``event_id`` is derived from its source, so a copy sent again is recognised.
    (A plain class: thousands are made per batch.)"""

    __slots__ = ("doc", "key", "topic")

    def __init__(self, topic: str, key: str, doc: dict[str, Any]) -> None:
        self.topic = topic
        self.key = key
        self.doc = doc

    def __repr__(self) -> str:
        return f"Derived({self.topic!r}, {self.key!r}, {self.doc!r})"


@dataclass
class Context:
    """What a domain's state reads and writes beyond its own records."""

    windows: WindowSet
    histograms: Histograms
    queues: LabelGuard
    counters: dict[str, int] = field(default_factory=dict)
    agents: LabelGuard | None = None  # agent names of per-agent series
    # derived events, with the position in its batch of the event each came from
    outbox: list[tuple[int, Derived]] = field(default_factory=list)
    position: int = -1  # of the event being applied (-1: none, time moved)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def emit(self, topic: str, key: str, doc: dict[str, Any]) -> None:
        self.outbox.append((self.position, Derived(topic, key, doc)))
        self.count("derived")


class DomainState(Protocol):
    def apply(self, event: Event) -> str:
        """Apply one event: ``applied``, ``duplicate`` or a rejection reason."""

    def advance(self, now_ms: int) -> None:
        """Time has moved to ``now_ms`` (after a batch, or on a tick): expire, settle."""

    def live_changes(self) -> dict[LiveKey, Any]:
        """Live entries changed since the last call (``None``: gone)."""

    def live_all(self) -> dict[LiveKey, Any]:
        """Every live entry (after a load, when what was published is unknown)."""

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        """Records changed since the last checkpoint (``None``: forgotten)."""

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        """Take back checkpointed records, by spec name and id, in the specs' field order."""


class Tracker(Protocol):
    """A domain's entities with no live entries: applied, aged, checkpointed."""

    def apply(self, event: Any) -> str: ...
    def advance(self, now_ms: int) -> None: ...
    def record_changes(self) -> dict[RecordKey, list[Any] | None]: ...
    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None: ...


class TrackedState:
    """The :class:`DomainState` of a domain whose state is one :class:`Tracker` (surveys,
    reviews, customers)."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def apply(self, event: Event) -> str:
        return self.tracker.apply(event)

    def advance(self, now_ms: int) -> None:
        self.tracker.advance(now_ms)

    def live_changes(self) -> dict[LiveKey, Any]:
        return {}

    def live_all(self) -> dict[LiveKey, Any]:
        return {}

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        return self.tracker.record_changes()

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        self.tracker.restore(records)


class Domain(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def types(self) -> tuple[EventType, ...]: ...
    @property
    def families(self) -> tuple[FamilySpec, ...]: ...
    @property
    def histograms(self) -> tuple[HistogramSpec, ...]: ...
    @property
    def records(self) -> tuple[RecordSpec, ...]: ...
    @property
    def metrics(self) -> tuple[MetricSpec, ...]: ...
    @property
    def reasons(self) -> Mapping[str, str]:
        """The sequence rejections it can give, and what each means."""

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        """The event of a document whose envelope is valid, or :class:`Rejected`.
        ``plain``: its record holds no control character (``events.control_free``), so
        names need only their type and length checked; a domain may ignore it."""

    def new_state(self, ctx: Context) -> DomainState: ...

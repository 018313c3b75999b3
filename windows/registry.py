"""The one place an event type is mapped to the domain that owns it.

The registry lists the domains of this build; every event's ``type`` is looked
up here (an unknown type is rejected, never defaulted), its envelope checked,
and the owning domain decodes the rest. The same table tells producers which
topic a type goes to and which field is its key, and tells the engine which
families, histograms and records exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ccpulse.windows.agents.domain import AgentsDomain
from ccpulse.windows.chats.domain import ChatDomain
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.voice import VoiceDomain
from ccpulse.windows.domain import Domain, EventType
from ccpulse.windows.events import MAX_NAME_LENGTH, MAX_TS_MS, Event, Rejected, parse_ts_ms, text
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.labels import LABEL_RECORDS
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.outcome import ENVELOPE_REASONS
from ccpulse.windows.outcomes.domain import OutcomeDomain
from ccpulse.windows.quality.domain import QualityDomain
from ccpulse.windows.surveys.domain import SurveyDomain
from ccpulse.windows.tickets.domain import TicketDomain
from ccpulse.windows.timeframes import CONTACT_WINDOWS, WindowSpec, day_window

Decoder = Callable[[dict[str, Any], EventType, str, int, bool], Event]


class Registry:
    def __init__(self, config: EngineConfig, domains: Sequence[Domain],
                 windows: tuple[WindowSpec, ...] = CONTACT_WINDOWS) -> None:
        self.config = config
        self.domains = list(domains)
        self.windows = windows
        self._types: dict[str, tuple[int, EventType, Decoder]] = {}
        self.families: dict[str, FamilySpec] = {}
        self.histograms: dict[str, HistogramSpec] = {}
        self.records: dict[str, RecordSpec] = {}
        self.reasons: dict[str, str] = dict(ENVELOPE_REASONS)
        self.metrics: dict[str, MetricSpec] = {}
        self.records[LABEL_RECORDS.name] = LABEL_RECORDS
        window_names = {w.name for w in windows}
        for index, domain in enumerate(self.domains):
            for etype in domain.types:
                if etype.type in self._types:
                    raise ValueError(f"event type {etype.type} is claimed twice")
                if not any(f.name == etype.key and f.required for f in etype.fields):
                    raise ValueError(f"event type {etype.type}: its key {etype.key} must be a "
                                     "required field")
                self._types[etype.type] = (index, etype, domain.decode)
            for family in domain.families:
                _claim(self.families, family.name, family)
                missing = set(family.windows) - window_names
                if missing:
                    raise ValueError(f"family {family.name} needs windows {sorted(missing)}")
            for spec in domain.histograms:
                _claim(self.histograms, spec.name, spec)
            for record in domain.records:
                _claim(self.records, record.name, record)
            self.reasons.update(domain.reasons)
            for metric in domain.metrics:
                _claim(self.metrics, metric.name, metric)

    @property
    def types(self) -> list[str]:
        return sorted(self._types)

    def event_types(self) -> list[EventType]:
        """Every event type, domain by domain, as declared."""
        return [etype for domain in self.domains for etype in domain.types]

    def event_type(self, type_: str) -> EventType | None:
        entry = self._types.get(type_)
        return None if entry is None else entry[1]

    def topics(self) -> list[str]:
        """Every topic suffix an event type is sent to."""
        return sorted({entry[1].topic for entry in self._types.values()})

    def route(self, doc: dict[str, Any]) -> tuple[str, str | None]:
        """The topic suffix and key of an event document (the key None where the document
        lacks it: it will be dead-lettered, with its reason, wherever it goes)."""
        type_ = doc.get("type")
        etype = self.event_type(type_) if isinstance(type_, str) else None
        if etype is None:
            return self.domains[0].types[0].topic, None
        key = doc.get(etype.key)
        return etype.topic, (key if isinstance(key, str) and key else None)

    def decode(self, doc: object, now_ms: int, future_tolerance_ms: int,
               plain: bool = False) -> Event:
        """Check the envelope and let the owning domain decode the rest (``plain``: the
        document's record holds no control character, see ``events.control_free``)."""
        if type(doc) is not dict:
            from ccpulse.windows.events import type_name

            raise Rejected("not_an_object", f"an event is a JSON object, got {type_name(doc)}")
        type_: Any = doc.get("type")
        entry = self._types.get(type_) if type(type_) is str else None
        if entry is None:
            shown = type_ if isinstance(type_, str) else repr(type_)
            raise Rejected("unknown_type", f"type {shown[:MAX_NAME_LENGTH]!r} is not one of "
                           f"{self.types}")
        ts_ms: Any = doc.get("ts")
        if type(ts_ms) is not int or not 0 <= ts_ms <= MAX_TS_MS:
            if "ts" not in doc:
                raise Rejected("missing_field", "ts is required")
            ts_ms = parse_ts_ms(ts_ms)
        if ts_ms > now_ms + future_tolerance_ms:
            ahead_s = (ts_ms - now_ms) / 1000
            raise Rejected("ts_in_future", f"ts is {ahead_s:.0f} s ahead of the clock")
        event_id: Any = doc.get("event_id")
        if not (type(event_id) is str and 0 < len(event_id) <= MAX_NAME_LENGTH
                and (plain or event_id.isprintable())):
            event_id = text(doc, "event_id")
        index, etype, decoder = entry
        event = decoder(doc, etype, event_id, ts_ms, plain)
        event.domain = index
        return event


def _claim(table: dict[str, Any], name: str, spec: object) -> None:
    existing = table.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"{name} is declared twice, differently")
    table[name] = spec


def build_registry(config: EngineConfig) -> Registry:
    """The domains of this build."""
    return Registry(config, [VoiceDomain(config), ChatDomain(config), AgentsDomain(config),
                             TicketDomain(config), SurveyDomain(config), QualityDomain(config),
                             OutcomeDomain(config)],
                    (*CONTACT_WINDOWS, day_window(config.tickets.days)))

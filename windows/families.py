"""Aggregate families: named, versioned vectors of integer counters.

A family is what a domain credits into the window engine: for example the
``contact`` family counts offered, answered and abandoned contacts and sums
their waits, per queue and channel. Values are plain lists of integers indexed
by the family's field positions, so that adding two is a loop over a short list
and storing one is a JSON array; durations are summed in milliseconds to stay
exact. The field names and the version are stored beside the values, so a
reader maps what it reads by name and refuses a version it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Vec = list[int]
SeriesKey = tuple[str, ...]  # (family name, *label values)
LiveKey = tuple[str, ...]  # (a domain's live prefix, *labels)
RecordKey = tuple[str, str]  # (record spec name, entity id)


@dataclass(frozen=True)
class FamilySpec:
    name: str
    version: int
    fields: tuple[str, ...]
    labels: tuple[str, ...]  # the label names of a series, after the family name
    windows: tuple[str, ...]  # the windows kept for it (see ``timeframes``)
    # earlier versions whose fields mean the same (read by name, missing fields 0)
    readable_versions: frozenset[int] = field(default_factory=frozenset)

    @property
    def size(self) -> int:
        return len(self.fields)

    def index(self, name: str) -> int:
        return self.fields.index(name)

    def empty(self) -> Vec:
        return [0] * len(self.fields)

    def can_read(self, version: int) -> bool:
        return version == self.version or version in self.readable_versions

    def schema(self) -> dict[str, Any]:
        return {"v": self.version, "fields": list(self.fields), "labels": list(self.labels)}


@dataclass(frozen=True)
class RecordSpec:
    """The stored shape of a domain's per-entity records (a contact, an agent)."""

    name: str
    version: int
    fields: tuple[str, ...]
    readable_versions: frozenset[int] = field(default_factory=frozenset)

    def can_read(self, version: int) -> bool:
        return version == self.version or version in self.readable_versions

    def schema(self) -> dict[str, Any]:
        return {"v": self.version, "fields": list(self.fields)}


class Unreadable(Exception):
    """Stored values of a version this code cannot read."""


def mapper(stored: Mapping[str, Any] | None, spec: FamilySpec | RecordSpec
           ) -> list[int] | None:
    """How to read stored vectors into the spec's field order: ``None`` when they are
    already in it, else the stored position of each field (-1: absent, read as 0).

    Raises :class:`Unreadable` for a version the spec cannot read."""
    if stored is None:
        return None
    version = int(stored.get("v", -1))
    if not spec.can_read(version):
        raise Unreadable(f"{spec.name} version {version} (this version reads "
                         f"{sorted({spec.version, *spec.readable_versions})})")
    fields = list(stored.get("fields", []))
    if fields == list(spec.fields):
        return None
    return [fields.index(name) if name in fields else -1 for name in spec.fields]


def remap(values: Sequence[Any], positions: list[int] | None, default: Any = 0) -> list[Any]:
    if positions is None:
        return list(values)
    return [values[p] if 0 <= p < len(values) else default for p in positions]


_canonical: dict[tuple[str, ...], tuple[str, ...]] = {}


def canonical(key: tuple[str, ...]) -> tuple[str, ...]:
    """The one tuple object for ``key``: dictionaries keyed by canonical tuples find them by
    identity, without comparing their strings (series, histogram keys)."""
    return _canonical.setdefault(key, key)


# ``v[i] = v[i] + x`` rather than ``v[i] += x`` in the loops that run per field of every
# credit (here and in the agents' roster): mypyc compiles the augmented form on a list
# item to a generic number call, the plain form to integer addition
def add_into(target: Vec, delta: Vec) -> None:
    for i, value in enumerate(delta):
        if value:
            target[i] = target[i] + value


def subtract_into(target: Vec, delta: Vec) -> None:
    for i, value in enumerate(delta):
        if value:
            target[i] = target[i] - value


def is_empty(values: Vec) -> bool:
    return not any(values)

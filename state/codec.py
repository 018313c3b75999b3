"""Encoding partition state for Redis, and reading it back through its stored schema.

Writes travel as one argument per section (its fields and values, then the fields
to delete, one per line; see ``Section``) that the save script splits, so the client
packs a handful of arguments however many fields changed. Reads interpret a
partition's vectors and records by the field names its ``schema`` section gives,
and name what they cannot read instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
from orjson import dumps

from ccpulse.state.layout import LAYOUT_VERSION, META_NOT_COUNTERS
from ccpulse.windows.engine import BucketKey, TotalKey
from ccpulse.windows.families import FamilySpec, RecordSpec, Unreadable, Vec, mapper, remap
from ccpulse.windows.histograms import Histogram, HistogramKey
from ccpulse.windows.store import Write

Raw = Mapping[bytes, bytes]
K = TypeVar("K")


# -- writing -------------------------------------------------------------------------
# A section is its fields and values, a NUL, then the fields to delete, each part ended
# by a newline: ``f1 \n v1 \n f2 \n v2 \n \0 \n f3 \n`` (spaces added).
# Fields and values are compact JSON (or, in ``meta`` and ``schema``, names and numbers
# this code writes), which never hold a raw newline or NUL, so the save script splits a
# section with plain string searches and the values travel as written, not quoted again.
SEPARATOR = b"\n"
DELETIONS = b"\0"
CHUNK_PARTS = 256  # parts joined at a time (see ``Section``)


def save_arguments(write: Write, reset: bool = False) -> list[Any]:
    """The save script's arguments (see ``ccpulse.state.redis_store``)."""
    published, checkpoint = write.published, write.checkpoint
    meta: dict[str, Any] = {**published.counters, **write.extra_meta, "layout": LAYOUT_VERSION,
                            "offset": published.offset, "now_ms": published.now_ms}
    flags = ("c" if published.complete else "") + ("r" if reset else "")
    meta_section, schema_section, histograms = Section(), Section(), Section()
    for name, value in meta.items():
        meta_section.set(_name(name), str(value).encode())
    for name, value in (published.schema or {}).items():
        schema_section.set(_name(name), dumps(value))
    for key, histogram in published.histograms.items():
        histograms.set(dumps(key), dumps(histogram.stored()))
    args: list[Any] = [
        str(write.expected_offset), write.partition_id, flags, meta_section.encode(),
        schema_section.encode(), Section.of(published.totals, _total_field),
        histograms.encode(), Section.of(published.live, dumps),
    ]
    if checkpoint is None:
        return [*args, "", "", ""]
    return [*args, "1", Section.of(checkpoint.buckets, _bucket_field),
            Section.of(checkpoint.records, dumps)]


class Section:
    """One section as it is written: the fields and values to set, and the fields to
    delete. The bytes ``orjson.dumps`` returns keep the room it wrote them in (a few
    kilobytes each), so parts are joined a few hundred at a time rather than all kept
    until the end."""

    __slots__ = ("deleted", "written")

    def __init__(self) -> None:
        self.written = _Parts()
        self.deleted = _Parts()

    def set(self, field: bytes, value: bytes) -> None:
        self.written.add(field)
        self.written.add(value)

    def delete(self, field: bytes) -> None:
        self.deleted.add(field)

    def encode(self) -> bytes:
        return b"".join([*self.written.joined(), DELETIONS, SEPARATOR, *self.deleted.joined()])

    @staticmethod
    def of(entries: Mapping[K, Any], field_of: Callable[[K], bytes]) -> bytes:
        """The section of ``entries``: each key's field set to its value as JSON, or
        deleted where the value is ``None``."""
        section = Section()
        for key, value in entries.items():
            if value is None:
                section.delete(field_of(key))
            else:
                section.set(field_of(key), dumps(value))
        return section.encode()


class _Parts:
    """Parts each ended by a newline, joined into chunks as they come."""

    __slots__ = ("chunks", "pending")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.pending: list[bytes] = []

    def add(self, part: bytes) -> None:
        pending = self.pending
        pending.append(part)
        if len(pending) >= CHUNK_PARTS:
            self._join()

    def joined(self) -> list[bytes]:
        if self.pending:
            self._join()
        return self.chunks

    def _join(self) -> None:
        pending = self.pending
        pending.append(b"")  # (the last part's newline)
        self.chunks.append(SEPARATOR.join(pending))
        pending.clear()


def _name(name: str) -> bytes:
    """A field name of ``meta`` or ``schema``, which a newline or NUL would break."""
    raw = name.encode()
    if SEPARATOR in raw or DELETIONS in raw:
        raise ValueError(f"{name!r} cannot be a field name: it holds a newline or NUL")
    return raw


_TOTAL_FIELDS: dict[TotalKey, bytes] = {}  # the same totals are written batch after batch
MAX_CACHED_FIELDS = 200_000


def _total_field(key: TotalKey) -> bytes:
    field = _TOTAL_FIELDS.get(key)
    if field is None:
        window, series = key
        field = memoryview(dumps([window, *series])).tobytes()  # (kept: its own size)
        if len(_TOTAL_FIELDS) >= MAX_CACHED_FIELDS:
            _TOTAL_FIELDS.clear()
        _TOTAL_FIELDS[key] = field
    return field


def _bucket_field(key: BucketKey) -> bytes:
    granularity, series, start = key
    return dumps([granularity, start, *series])


# -- reading -----------------------------------------------------------------------
class Schema:
    """A partition's stored schema, and what this code can read of it."""

    def __init__(self, meta: Raw, raw: Raw) -> None:
        layout = meta.get(b"layout")
        self.layout = 1 if layout is None else int(layout)
        self.entries = {k.decode(): orjson.loads(v) for k, v in raw.items()}
        self.problems: list[str] = []
        self._positions: dict[str, list[int] | None] = {}
        self.unreadable: set[str] = set()
        if self.layout != LAYOUT_VERSION:
            self.problems.append(f"stored layout {self.layout}, this version reads "
                                 f"{LAYOUT_VERSION}")

    @property
    def readable(self) -> bool:
        return self.layout == LAYOUT_VERSION

    def positions(self, spec: FamilySpec | RecordSpec, kind: str) -> list[int] | None:
        """Where each of the spec's fields is stored; raises Unreadable."""
        name = f"{kind}:{spec.name}"
        if name in self.unreadable:
            raise Unreadable(name)
        if name not in self._positions:
            try:
                self._positions[name] = mapper(self.entries.get(name), spec)
            except Unreadable as exc:
                self.unreadable.add(name)
                self.problems.append(str(exc))
                raise
        return self._positions[name]


def counters(meta: Raw) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in meta.items() if k.decode() not in META_NOT_COUNTERS}


class Skip(Exception):
    """A stored entry of a family or record this version has not, or cannot read."""


def _positions(schema: Schema, specs: Mapping[str, FamilySpec] | Mapping[str, RecordSpec],
               name: str, kind: str) -> list[int] | None:
    spec = specs.get(name)
    if spec is None:
        raise Skip  # a family this version does not have
    try:
        return schema.positions(spec, kind)
    except Unreadable:
        raise Skip from None


def totals(raw: Raw, schema: Schema, families: Mapping[str, FamilySpec]
           ) -> list[tuple[TotalKey, Vec]]:
    out: list[tuple[TotalKey, Vec]] = []
    for field, value in raw.items():
        window, family, *labels = orjson.loads(field)
        try:
            positions = _positions(schema, families, family, "family")
        except Skip:
            continue
        out.append(((window, (family, *labels)), remap(orjson.loads(value), positions)))
    return out


def buckets(raw: Raw, schema: Schema, families: Mapping[str, FamilySpec]
            ) -> list[tuple[BucketKey, Vec]]:
    out: list[tuple[BucketKey, Vec]] = []
    for field, value in raw.items():
        granularity, start, family, *labels = orjson.loads(field)
        try:
            positions = _positions(schema, families, family, "family")
        except Skip:
            continue
        out.append(((granularity, (family, *labels), int(start)),
                    remap(orjson.loads(value), positions)))
    return out


def histograms(raw: Raw) -> list[tuple[HistogramKey, Histogram]]:
    return [(tuple(orjson.loads(k)), Histogram.from_stored(orjson.loads(v)))
            for k, v in raw.items()]


def records(raw: Raw, schema: Schema, specs: Mapping[str, RecordSpec]
            ) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for field, value in raw.items():
        name, entity = orjson.loads(field)
        try:
            positions = _positions(schema, specs, name, "record")
        except Skip:
            continue
        out.setdefault(name, {})[entity] = remap(orjson.loads(value), positions, None)
    return out


def live(raw: Raw) -> dict[tuple[str, ...], Any]:
    return {tuple(orjson.loads(k)): orjson.loads(v) for k, v in raw.items()}

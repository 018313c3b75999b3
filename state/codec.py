"""Encoding partition state for Redis, and reading it back through its stored schema.

Writes travel as one JSON document per section, ``[[field, value, field, value,
...], [field to delete, ...]]``, that the save script decodes, so the client packs
a handful of arguments however many fields changed. Reads interpret a
partition's vectors and records by the field names its ``schema`` section gives,
and name what they cannot read instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from orjson import dumps

from ccpulse.state.layout import LAYOUT_VERSION, META_NOT_COUNTERS
from ccpulse.windows.engine import BucketKey, TotalKey
from ccpulse.windows.families import FamilySpec, RecordSpec, Unreadable, Vec, mapper, remap
from ccpulse.windows.histograms import Histogram, HistogramKey
from ccpulse.windows.store import Write

Raw = Mapping[bytes, bytes]


# -- writing -------------------------------------------------------------------------
def save_arguments(write: Write, reset: bool = False) -> list[Any]:
    """The save script's arguments (see ``ccpulse.state.redis_store``)."""
    published, checkpoint = write.published, write.checkpoint
    meta: dict[str, Any] = {**published.counters, **write.extra_meta, "layout": LAYOUT_VERSION,
                            "offset": published.offset, "now_ms": published.now_ms}
    flags = ("c" if published.complete else "") + ("r" if reset else "")
    schema = published.schema or {}
    args: list[Any] = [
        str(write.expected_offset), write.partition_id, flags,
        section(((k, str(v)) for k, v in meta.items()), ()),
        section(((k, _json(v)) for k, v in schema.items()), ()),
        section(*split((_total_field(k), v) for k, v in published.totals.items())),
        section(((_json(k), _json(h.stored())) for k, h in published.histograms.items()), ()),
        section(*split((_json(k), v) for k, v in published.live.items())),
    ]
    if checkpoint is None:
        return [*args, "", "", ""]
    return [*args, "1",
            section(*split((_bucket_field(k), v) for k, v in checkpoint.buckets.items())),
            section(*split((_json(k), v) for k, v in checkpoint.records.items()))]


def _json(value: Any) -> str:
    return dumps(value).decode()  # a name of this module: cheaper than orjson's attribute


_TOTAL_FIELDS: dict[TotalKey, str] = {}  # the same totals are written batch after batch
MAX_CACHED_FIELDS = 200_000


def _total_field(key: TotalKey) -> str:
    field = _TOTAL_FIELDS.get(key)
    if field is None:
        window, series = key
        field = _json([window, *series])
        if len(_TOTAL_FIELDS) >= MAX_CACHED_FIELDS:
            _TOTAL_FIELDS.clear()
        _TOTAL_FIELDS[key] = field
    return field


def _bucket_field(key: BucketKey) -> str:
    granularity, series, start = key
    return _json([granularity, start, *series])


def split(items: Iterable[tuple[str, Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    to_set: list[tuple[str, str]] = []
    to_del: list[str] = []
    for field, value in items:
        if value is None:
            to_del.append(field)
        else:
            to_set.append((field, _json(value)))
    return to_set, to_del


def section(to_set: Iterable[tuple[str, str]], to_del: Iterable[str]) -> bytes:
    flat = [part for pair in to_set for part in pair]
    return dumps([flat, list(to_del)])


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

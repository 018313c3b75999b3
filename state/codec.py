"""Encoding partition state for Redis, and reading it back through its stored schema.

Writes travel as one argument per section (its fields and values, then the fields
to delete, one per line; see ``section``) that the save script splits, so the client
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


def save_arguments(write: Write, reset: bool = False) -> list[Any]:
    """The save script's arguments (see ``ccpulse.state.redis_store``)."""
    published, checkpoint = write.published, write.checkpoint
    meta: dict[str, Any] = {**published.counters, **write.extra_meta, "layout": LAYOUT_VERSION,
                            "offset": published.offset, "now_ms": published.now_ms}
    flags = ("c" if published.complete else "") + ("r" if reset else "")
    schema = published.schema or {}
    args: list[Any] = [
        str(write.expected_offset), write.partition_id, flags,
        section([part for k, v in meta.items() for part in (_name(k), str(v).encode())], []),
        section([part for k, v in schema.items() for part in (_name(k), dumps(v))], []),
        section(*split(published.totals, _total_field)),
        section([part for k, h in published.histograms.items()
                 for part in (dumps(k), dumps(h.stored()))], []),
        section(*split(published.live, dumps)),
    ]
    if checkpoint is None:
        return [*args, "", "", ""]
    return [*args, "1", section(*split(checkpoint.buckets, _bucket_field)),
            section(*split(checkpoint.records, dumps))]


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
        field = dumps([window, *series])
        if len(_TOTAL_FIELDS) >= MAX_CACHED_FIELDS:
            _TOTAL_FIELDS.clear()
        _TOTAL_FIELDS[key] = field
    return field


def _bucket_field(key: BucketKey) -> bytes:
    granularity, series, start = key
    return dumps([granularity, start, *series])


def split(entries: Mapping[K, Any], field_of: Callable[[K], bytes]
          ) -> tuple[list[bytes], list[bytes]]:
    """The entries as fields and values to set (flat) and fields to delete (``None``)."""
    to_set: list[bytes] = []
    to_del: list[bytes] = []
    for key, value in entries.items():
        if value is None:
            to_del.append(field_of(key))
        else:
            to_set.append(field_of(key))
            to_set.append(dumps(value))
    return to_set, to_del


def section(to_set: list[bytes], to_del: list[bytes]) -> bytes:
    """Fields and values (flat), and fields to delete, as the save script reads them."""
    parts = to_set
    parts.append(DELETIONS)
    parts.extend(to_del)
    parts.append(b"")
    return SEPARATOR.join(parts)


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

"""Partition state in Redis.

Keys per partition (``{pid}`` is ``topic:partition``, a hash tag)::

    PREFIX:{pid}:meta      offset, now_ms and counters
    PREFIX:{pid}:totals    ["window","queue","channel"] -> aggregate   (read by the exporter)
    PREFIX:{pid}:live      ["queue","channel"] -> {"w": queue times of the waiting, "s": in service}
    PREFIX:{pid}:agents    agent id -> [queues logged in, queues paused in]
    PREFIX:{pid}:hist      ["queue","channel","outcome"] -> cumulative wait counts
    PREFIX:{pid}:buckets   ["queue","channel",bucket_ms] -> aggregate  (worker recovery)
    PREFIX:{pid}:contacts  contact id -> contact record                 (worker recovery)
    PREFIX:partitions      set of partition ids

What a scrape reads (meta, totals, live, hist) grows with queues, channels,
partitions and the contacts waiting right now: never with event count or window
length. A batch's changes
and its offset are written by one Lua script, so they land together or not at
all, and only if the stored offset is still the one the worker loaded. Each
section travels as one JSON document that the script decodes, so the client
packs a handful of arguments however many fields a batch changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import redis

from windows.contacts import ContactRecord
from windows.partition import Changes, StoredPartition

SECTIONS = ("meta", "totals", "buckets", "contacts", "hist", "agents", "live")

SAVE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'offset')
if not current then current = '-1' end
if current ~= ARGV[1] then return current end
for k = 1, 7 do
  local key = KEYS[k]
  if k == 7 then redis.call('DEL', key) end
  local section = cjson.decode(ARGV[k + 2])
  local pairs_, deletions = section[1], section[2]
  local n = #pairs_
  local i = 1
  while i <= n do
    local last = math.min(n, i + 399)
    redis.call('HSET', key, unpack(pairs_, i, last))
    i = last + 1
  end
  n = #deletions
  i = 1
  while i <= n do
    local last = math.min(n, i + 399)
    redis.call('HDEL', key, unpack(deletions, i, last))
    i = last + 1
  end
end
redis.call('SADD', KEYS[8], ARGV[2])
return 'ok'
"""


def partition_key(prefix: str, partition_id: str, section: str) -> str:
    return f"{prefix}:{{{partition_id}}}:{section}"


def partitions_key(prefix: str) -> str:
    return f"{prefix}:partitions"


class RedisStore:
    """A :class:`windows.store.PartitionStore` in Redis (synchronous client)."""

    def __init__(self, client: redis.Redis, prefix: str = "ccpulse") -> None:
        self.client = client
        self.prefix = prefix
        self._save = client.register_script(SAVE_SCRIPT)

    def keys(self, partition_id: str) -> list[str]:
        return [partition_key(self.prefix, partition_id, s) for s in SECTIONS]

    def load(self, partition_id: str) -> StoredPartition:
        pipe = self.client.pipeline(transaction=True)
        for key in self.keys(partition_id)[:6]:
            pipe.hgetall(key)
        meta, totals, buckets, contacts, hist, agents = pipe.execute()
        if not meta:
            return StoredPartition()
        counters = {k.decode(): int(v) for k, v in meta.items()
                    if k not in (b"offset", b"now_ms", b"highwater")}
        return StoredPartition(
            offset=int(meta[b"offset"]),
            now_ms=int(meta[b"now_ms"]),
            totals=[(tuple(orjson.loads(k)), orjson.loads(v)) for k, v in totals.items()],
            buckets=[(tuple(orjson.loads(k)), orjson.loads(v)) for k, v in buckets.items()],
            contacts={k.decode(): ContactRecord.from_list(orjson.loads(v))
                      for k, v in contacts.items()},
            histograms={tuple(orjson.loads(k)): orjson.loads(v) for k, v in hist.items()},
            agents={k.decode(): orjson.loads(v) for k, v in agents.items()},
            counters=counters,
        )

    def save(self, partition_id: str, expected_offset: int, changes: Changes,
             extra_meta: dict[str, int] | None = None) -> bool:
        args = save_arguments(partition_id, expected_offset, changes, extra_meta or {})
        keys = [*self.keys(partition_id), partitions_key(self.prefix)]
        return bool(self._save(keys=keys, args=args) == b"ok")


def save_arguments(partition_id: str, expected_offset: int, changes: Changes,
                   extra_meta: dict[str, int]) -> list[Any]:
    """The script's arguments: the offsets, then per section one JSON document
    ``[[field, value, field, value, ...], [field to delete, ...]]``."""
    meta: dict[str, Any] = {**changes.counters, **extra_meta,
                            "offset": changes.offset, "now_ms": changes.now_ms}
    contacts_set = [(cid, r.to_list()) for cid, r in changes.contacts.items() if r is not None]
    contacts_del = [cid for cid, r in changes.contacts.items() if r is None]
    sections = [
        _section(((k, str(v)) for k, v in meta.items()), ()),
        _section(*_split(changes.totals.items())),
        _section(*_split(changes.buckets.items())),
        _section(((cid, _text(v)) for cid, v in contacts_set), contacts_del),
        _section(((_text(k), _text(v)) for k, v in changes.histograms.items()), ()),
        _section(((a, _text(v)) for a, v in changes.agents.items() if v is not None),
                 [a for a, v in changes.agents.items() if v is None]),
        _section(((_text(k), _text(v)) for k, v in changes.live.items()), ()),
    ]
    return [str(expected_offset), partition_id, *sections]


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _split(items: Iterable[tuple[Sequence[Any], Any]]) -> tuple[list[tuple[str, str]],
                                                                  list[str]]:
    to_set: list[tuple[str, str]] = []
    to_del: list[str] = []
    for key, value in items:
        if value is None:
            to_del.append(_text(key))
        else:
            to_set.append((_text(key), _text(value)))
    return to_set, to_del


def _section(to_set: Iterable[tuple[str, str]], to_del: Iterable[str]) -> bytes:
    flat = [part for pair in to_set for part in pair]
    return orjson.dumps([flat, list(to_del)])

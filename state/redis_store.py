"""Partition state in Redis: the fenced writer and the checkpoint loader.

One Lua script writes a publication, and at a checkpoint the buckets and records
plus a server-side copy of the published sections, so they land together or not
at all, and only if the published offset is still the one the worker expects.
All of a partition's keys share a hash tag, so the script stays within one
Redis Cluster slot. ``COPY`` needs Redis 6.2 or newer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from redis.cluster import RedisCluster

from ccpulse.state import codec
from ccpulse.state.layout import (
    ALL_SECTIONS,
    CHECKPOINT_COPIES,
    FIRST_LAYOUT_ONLY,
    LAYOUT_VERSION,
    partition_key,
    partitions_key,
)
from ccpulse.state.reader import read_partition
from ccpulse.windows.partition import StoredPartition
from ccpulse.windows.registry import Registry
from ccpulse.windows.store import View, Write

# KEYS: meta schema totals hist live | ckpt:meta ckpt:schema ckpt:totals ckpt:hist |
#       buckets records | the first layout's own sections (deleted with a reset)
# ARGV: expected offset, partition id, flags (c: complete, r: reset), meta, schema,
#       totals, hist, live sections, checkpoint ("1" or ""), buckets, records sections
SAVE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'offset')
if not current then current = '-1' end
if current ~= ARGV[1] then return current end
local function lines(doc, from, to)
  local out, n, i = {}, 0, from
  while i < to do
    local j = string.find(doc, '\\n', i, true)
    n = n + 1
    out[n] = string.sub(doc, i, j - 1)
    i = j + 1
  end
  return out
end
local function apply(key, doc)
  local nul = string.find(doc, '\\0', 1, true)
  local pairs_, deletions = lines(doc, 1, nul), lines(doc, nul + 2, #doc + 1)
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
if string.find(ARGV[3], 'r', 1, true) then
  for k = 1, #KEYS do redis.call('DEL', KEYS[k]) end
end
if string.find(ARGV[3], 'c', 1, true) then
  redis.call('DEL', KEYS[5])
  redis.call('DEL', KEYS[3])
  redis.call('DEL', KEYS[2])
end
for k = 1, 5 do apply(KEYS[k], ARGV[k + 3]) end
if ARGV[9] ~= '' then
  for k = 1, 4 do
    redis.call('DEL', KEYS[k + 5])
    redis.call('COPY', KEYS[k], KEYS[k + 5])
  end
  apply(KEYS[10], ARGV[10])
  apply(KEYS[11], ARGV[11])
end
return 'ok'
"""


class RedisStore:
    """A :class:`ccpulse.windows.store.PartitionStore` in Redis (synchronous client)."""

    def __init__(self, client: redis.Redis, registry: Registry, prefix: str = "ccpulse") -> None:
        self.client = client
        self.registry = registry
        self.prefix = prefix
        self._save = client.register_script(SAVE_SCRIPT)
        self._registered: set[str] = set()

    def keys(self, partition_id: str, sections: Sequence[str] = ALL_SECTIONS) -> list[str]:
        return [partition_key(self.prefix, partition_id, s) for s in sections]

    def load(self, partition_id: str) -> StoredPartition:
        pipe = self.client.pipeline(transaction=False)
        pipe.hmget(partition_key(self.prefix, partition_id, "meta"), ["offset", "layout"])
        for key in self.keys(partition_id, (*CHECKPOINT_COPIES, "buckets", "records")):
            pipe.hgetall(key)
        (published, layout), meta, schema_raw, totals, hist, buckets, records = pipe.execute()
        published_offset = -1 if published is None else int(published)
        if published is not None and (layout is None or int(layout) != LAYOUT_VERSION):
            return StoredPartition(published_offset=published_offset, reset_reason=(
                f"its published view has layout {1 if layout is None else int(layout)}, "
                f"this version writes {LAYOUT_VERSION}"))
        if not meta:
            return StoredPartition(published_offset=published_offset)
        schema = codec.Schema(meta, schema_raw)
        families, specs = self.registry.families, self.registry.records
        loaded = StoredPartition(
            offset=int(meta[b"offset"]),
            now_ms=int(meta[b"now_ms"]),
            totals=codec.totals(totals, schema, families) if schema.readable else [],
            buckets=codec.buckets(buckets, schema, families) if schema.readable else [],
            histograms=codec.histograms(hist),
            records=codec.records(records, schema, specs) if schema.readable else {},
            counters=codec.counters(meta),
            published_offset=published_offset,
        )
        if schema.problems:
            return StoredPartition(published_offset=published_offset,
                                   reset_reason="; ".join(schema.problems))
        return loaded

    def prepare(self, writes: Sequence[Write]) -> list[tuple[str, list[str], list[Any]]]:
        """Each write as its partition, the script's keys and its encoded arguments."""
        return [(write.partition_id,
                 self.keys(write.partition_id, (*ALL_SECTIONS, *FIRST_LAYOUT_ONLY)),
                 codec.save_arguments(write, write.reset)) for write in writes]

    def execute(self, prepared: list[tuple[str, list[str], list[Any]]]) -> list[bool]:
        """Every write, each its own atomic script call: in one round trip on a single
        server; on a cluster (whose pipelines refuse scripts) one call per partition, each
        sent to the node that owns the partition's slot."""
        new = [pid for pid, _, _ in prepared if pid not in self._registered]
        if isinstance(self.client, RedisCluster):
            replies = [self._save(keys=keys, args=args) for _, keys, args in prepared]
            if new:
                self.client.sadd(partitions_key(self.prefix), *new)
        else:
            pipe = self.client.pipeline(transaction=False)
            for _, keys, args in prepared:
                self._save(keys=keys, args=args, client=pipe)
            if new:
                pipe.sadd(partitions_key(self.prefix), *new)
            replies = pipe.execute()
        self._registered.update(new)
        return [reply == b"ok" for reply in replies[:len(prepared)]]

    def save(self, writes: Sequence[Write]) -> list[bool]:
        return self.execute(self.prepare(writes))

    def view(self, partition_id: str) -> View:
        return read_partition(self.client, self.prefix, partition_id, self.registry).view()

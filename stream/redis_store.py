"""Partition state in Redis.

Keys per partition (``{pid}`` is ``topic:partition``, a hash tag)::

    PREFIX:{pid}:meta      offset, now_ms and counters                      (published)
    PREFIX:{pid}:totals    ["window","queue","channel"] -> aggregate         (published)
    PREFIX:{pid}:hist      ["queue","channel","outcome"] -> cumulative wait counts (published)
    PREFIX:{pid}:agents    agent id -> [queues logged in, queues paused in]  (published)
    PREFIX:{pid}:live      ["queue","channel"] -> {"w": queue times of the waiting,
                                                   "s": in service}         (published)
    PREFIX:{pid}:ckpt:meta, :ckpt:totals, :ckpt:hist, :ckpt:agents
                           the published sections as they were at the checkpoint
    PREFIX:{pid}:buckets   ["queue","channel",bucket_ms] -> aggregate         (checkpoint)
    PREFIX:{pid}:contacts  contact id -> contact record                       (checkpoint)
    PREFIX:partitions      set of partition ids

What a scrape reads (the published sections) grows with queues, channels,
partitions and the contacts waiting right now: never with event count or window
length. One Lua script writes a publication, and at a checkpoint the buckets and
contacts plus a server-side copy of the published sections, so they land together
or not at all, and only if the published offset is still the one the worker
expects. Each section travels as one JSON document that the script decodes, so
the client packs a handful of arguments however many fields changed. ``COPY``
needs Redis 6.2 or newer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import redis

from windows.contacts import ContactRecord
from windows.partition import StoredPartition
from windows.store import Write

PUBLISHED = ("meta", "totals", "hist", "agents", "live")
CHECKPOINT = ("ckpt:meta", "ckpt:totals", "ckpt:hist", "ckpt:agents", "buckets", "contacts")
NOT_COUNTERS = (b"offset", b"now_ms", b"highwater")

SAVE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'offset')
if not current then current = '-1' end
if current ~= ARGV[1] then return current end
local function apply(key, doc)
  local section = cjson.decode(doc)
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
if ARGV[8] == '1' then redis.call('DEL', KEYS[5]) end
for k = 1, 5 do apply(KEYS[k], ARGV[k + 2]) end
if ARGV[9] ~= '' then
  for k = 1, 4 do
    redis.call('DEL', KEYS[k + 5])
    redis.call('COPY', KEYS[k], KEYS[k + 5])
  end
  apply(KEYS[10], ARGV[9])
  apply(KEYS[11], ARGV[10])
end
redis.call('SADD', KEYS[12], ARGV[2])
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

    def keys(self, partition_id: str, sections: Sequence[str]) -> list[str]:
        return [partition_key(self.prefix, partition_id, s) for s in sections]

    def load(self, partition_id: str) -> StoredPartition:
        pipe = self.client.pipeline(transaction=True)
        pipe.hget(partition_key(self.prefix, partition_id, "meta"), "offset")
        for key in self.keys(partition_id, CHECKPOINT):
            pipe.hgetall(key)
        published, meta, totals, hist, agents, buckets, contacts = pipe.execute()
        published_offset = -1 if published is None else int(published)
        if not meta:
            return StoredPartition(published_offset=published_offset)
        return StoredPartition(
            offset=int(meta[b"offset"]),
            now_ms=int(meta[b"now_ms"]),
            totals=[(tuple(orjson.loads(k)), orjson.loads(v)) for k, v in totals.items()],
            buckets=[(tuple(orjson.loads(k)), orjson.loads(v)) for k, v in buckets.items()],
            contacts={k.decode(): ContactRecord.from_list(orjson.loads(v))
                      for k, v in contacts.items()},
            histograms={tuple(orjson.loads(k)): orjson.loads(v) for k, v in hist.items()},
            agents={k.decode(): orjson.loads(v) for k, v in agents.items()},
            counters={k.decode(): int(v) for k, v in meta.items() if k not in NOT_COUNTERS},
            published_offset=published_offset,
        )

    def save(self, writes: Sequence[Write]) -> list[bool]:
        """All writes in one round trip, each its own atomic script call."""
        pipe = self.client.pipeline(transaction=False)
        for write in writes:
            keys = [*self.keys(write.partition_id, PUBLISHED),
                    *self.keys(write.partition_id, CHECKPOINT), partitions_key(self.prefix)]
            self._save(keys=keys, args=save_arguments(write), client=pipe)
        return [reply == b"ok" for reply in pipe.execute()]


def save_arguments(write: Write) -> list[Any]:
    """The script's arguments: the expected offset and partition, then per section one
    JSON document ``[[field, value, field, value, ...], [field to delete, ...]]``."""
    published, checkpoint = write.published, write.checkpoint
    meta: dict[str, Any] = {**published.counters, **write.extra_meta,
                            "offset": published.offset, "now_ms": published.now_ms}
    args = [
        str(write.expected_offset), write.partition_id,
        _section(((k, str(v)) for k, v in meta.items()), ()),
        _section(*_split(published.totals.items())),
        _section(*_split(published.histograms.items())),
        _section(*_split(published.agents.items(), text_keys=True)),
        _section(*_split(published.live.items())),
        "1" if published.live_complete else "0",
    ]
    if checkpoint is None:
        return [*args, "", ""]
    contacts = ((cid, None if r is None else r.to_list()) for cid, r in checkpoint.contacts.items())
    return [*args, _section(*_split(checkpoint.buckets.items())),
            _section(*_split(contacts, text_keys=True))]


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _split(items: Iterable[tuple[Any, Any]], text_keys: bool = False
           ) -> tuple[list[tuple[str, str]], list[str]]:
    to_set: list[tuple[str, str]] = []
    to_del: list[str] = []
    for key, value in items:
        field = key if text_keys else _text(key)
        if value is None:
            to_del.append(field)
        else:
            to_set.append((field, _text(value)))
    return to_set, to_del


def _section(to_set: Iterable[tuple[str, str]], to_del: Iterable[str]) -> bytes:
    flat = [part for pair in to_set for part in pair]
    return orjson.dumps([flat, list(to_del)])

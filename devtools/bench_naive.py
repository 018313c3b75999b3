"""The naive peer for the benchmark: a Faust table updated once per event.

Run as ``python -m ccpulse.devtools.bench_naive BROKER TOPIC[,TOPIC...] REDIS_URL KEY
worker``; it counts events per queue in a Faust table (each event of a pack, as the
events a worker derives come) and reports its progress in Redis.
"""

from __future__ import annotations

import sys
from typing import Any

import faust
import orjson
import redis

broker, topic_name, redis_url, progress_key = sys.argv[1:5]
del sys.argv[1:5]

app = faust.App(f"naive-{progress_key}", broker=f"kafka://{broker}", value_serializer="raw",
                key_serializer="raw", store="memory://", web_enabled=False,
                consumer_auto_offset_reset="earliest", broker_session_timeout=10.0,
                broker_heartbeat_interval=1.0, topic_partitions=4)
topic = app.topic(*topic_name.split(","))
offered = app.Table("offered", default=int, partitions=4)
progress = redis.Redis.from_url(redis_url)


@app.agent(topic)
async def count(stream: faust.StreamT[Any]) -> None:
    seen = 0
    async for value in stream:
        doc = orjson.loads(value)
        for event in doc if isinstance(doc, list) else [doc]:  # a pack: a list of events
            offered[event.get("queue", "-")] += 1
            seen += 1
            if seen % 2000 == 0:
                progress.incrby(progress_key, 2000)


if __name__ == "__main__":
    app.main()

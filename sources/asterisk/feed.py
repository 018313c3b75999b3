"""``ccpulse asterisk``: follow an Asterisk queue_log and publish its events to Kafka."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

from ccpulse.sources.adapters import Unusable
from ccpulse.sources.asterisk.follow import Follower, Position
from ccpulse.sources.asterisk.queue_log import QueueLogConverter
from ccpulse.sources.producer import EventProducer

log = logging.getLogger(__name__)
REPORT_EVERY_S = 30.0


def load_position(state: Path | None) -> Position | None:
    if state is None or not state.exists():
        return None
    raw = json.loads(state.read_text())
    return Position(int(raw["inode"]), int(raw["offset"]))


def save_position(state: Path | None, position: Position) -> None:
    if state is not None:
        tmp = state.with_suffix(".tmp")
        tmp.write_text(json.dumps({"inode": position.inode, "offset": position.offset}))
        tmp.replace(state)


async def feed(producer: EventProducer, path: Path, state: Path | None, from_start: bool,
               poll_s: float = 0.25, idle_exit_s: float | None = None) -> QueueLogConverter:
    """Publish every new line's events; the position is saved after each delivered batch."""
    follower = Follower(path, start=load_position(state), from_end=not from_start,
                        poll_s=poll_s)
    converter = QueueLogConverter()
    await producer.start()
    last_report = time.monotonic()
    idle = 0.0
    try:
        while idle_exit_s is None or idle < idle_exit_s:
            lines = follower.read_available()
            if not lines:
                await asyncio.sleep(poll_s)
                idle += poll_s
                continue
            idle = 0.0
            for line in lines:
                try:
                    events = converter.convert(line)
                except Unusable as exc:
                    log.warning("queue_log line rejected: %s (%s): %r", exc.reason, exc.detail,
                                line[:200])
                    continue
                for event in events:
                    await producer.send(event)
            await producer.flush()
            save_position(state, follower.position)
            if time.monotonic() - last_report > REPORT_EVERY_S:
                log.info("asterisk: %s", converter.summary())
                last_report = time.monotonic()
    finally:
        await producer.stop()
        log.info("asterisk: %s", converter.summary())
    return converter

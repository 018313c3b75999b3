"""Fetched records as aiokafka's record batches hold them: no object built per record.

aiokafka's consumer turns every record it hands over into a ``ConsumerRecord``, built
by interpreted code with eleven attributes (timestamps, headers, sizes, checksum) and
one step of a generator: about a third of what consuming a record costs. The worker
reads a record's offset, key and value only, which the records of a batch already
have. A consumer created with ``key_deserializer=key_as_is`` (the key unchanged: the
mark) gets those records themselves, a record batch at a time; every other consumer
is served by aiokafka's own code.

What aiokafka does with a fetched partition is kept: batches whose CRC fails raise
(and are fetched again), control batches are skipped, records before the fetch
position (a batch starts where it starts, not at the offset asked for) are dropped,
``max_records`` is honoured, and the position moves exactly as far as the records
handed over. A consumer reading committed records only is served by aiokafka's code.

The hook replaces one method of aiokafka's fetch results (``FetchResult.getall``);
:func:`install` checks first that the parts of aiokafka it relies on are there, and
leaves aiokafka as it is, with a warning, when they are not.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from aiokafka.consumer import fetcher
from aiokafka.errors import CorruptRecordException

log = logging.getLogger(__name__)

NO_LIMIT: Final = 1 << 62
# what the hook reads of aiokafka's partition records and fetch results
PARTITION_RECORDS_ATTRIBUTES: Final = ("_records", "_check_crcs", "_isolation_level",
                                       "_key_deserializer", "next_fetch_offset",
                                       "_records_iterator")
FETCH_RESULT_METHODS: Final = ("getall", "check_assignment", "has_more", "_update_position")


def key_as_is(key: bytes | None) -> bytes | None:
    """A key deserializer that keeps the key; a consumer made with it fetches lean."""
    return key


_original_getall: Any = None


def install() -> bool:
    """Serve consumers marked with :func:`key_as_is` lean (once per process); False,
    with a warning, if this aiokafka lacks what the hook relies on."""
    global _original_getall
    if _original_getall is not None:
        return True
    result_class: Any = fetcher.FetchResult
    names = set(fetcher.PartitionRecords.__init__.__code__.co_names)
    missing = [f"PartitionRecords.{a}" for a in PARTITION_RECORDS_ATTRIBUTES if a not in names]
    missing += [f"FetchResult.{m}" for m in FETCH_RESULT_METHODS if not hasattr(result_class, m)]
    missing += [] if hasattr(fetcher, "READ_UNCOMMITTED") else ["READ_UNCOMMITTED"]
    if missing:
        log.warning("records are fetched through aiokafka's own code: this aiokafka has no %s",
                    ", ".join(missing))
        return False
    _original_getall = result_class.getall
    result_class.getall = _getall
    return True


def _getall(result: Any, max_records: int | None = None) -> list[Any]:
    part = result._partition_records
    if (part is None or part._key_deserializer is not key_as_is
            or part._isolation_level != fetcher.READ_UNCOMMITTED):
        return _original_getall(result, max_records)  # type: ignore[no-any-return]
    if not result.check_assignment(result._topic_partition) or not result.has_more():
        return []
    return take(result, part, NO_LIMIT if max_records is None else max_records)


def take(result: Any, part: Any, room: int) -> list[Any]:
    """Up to ``room`` records of the partition, whole batches at a time where they fit;
    the rest of a batch cut short waits on ``part`` for the next call."""
    # aiokafka's record generator, never started here, refers back to ``part``: a cycle
    # that would keep the fetched bytes until a full collection, which a worker seldom runs
    part._records_iterator = None
    taken: list[Any] = []
    rest: list[Any]
    rest, end = getattr(part, "_lean_rest", ([], 0))
    batches = part._records
    while room > 0:
        if not rest:
            if not batches.has_next():
                break
            batch = batches.next_batch()
            if part._check_crcs and not batch.validate_crc():
                result._update_position()  # at this batch: it is fetched again
                result._partition_records = None
                raise CorruptRecordException(f"Invalid CRC - {result._topic_partition}")
            end = batch.next_offset
            if not batch.is_control_batch:
                rest = list(batch)
                start = part.next_fetch_offset
                if rest and rest[0].offset < start:
                    rest = [record for record in rest if record.offset >= start]
            if not rest:
                part.next_fetch_offset = max(part.next_fetch_offset, end)
                continue
        if len(rest) <= room:
            taken += rest
            room -= len(rest)
            rest = []
            part.next_fetch_offset = max(part.next_fetch_offset, end)
        else:
            taken += rest[:room]
            part.next_fetch_offset = rest[room - 1].offset + 1
            rest = rest[room:]
            room = 0
    part._lean_rest = (rest, end)
    result._update_position()
    if not rest and not batches.has_next():
        result._partition_records = None  # all handed over: the partition is fetched anew
    return taken

"""Every Redis key ccpulse uses, and what each holds: the one description of the layout.

Per input partition (``{pid}`` is ``topic:partition``, a hash tag, so one
partition's keys share a Redis Cluster slot and one script can write them all)::

    PREFIX:{pid}:meta        layout version, offset, now_ms, counters, highwater  (published)
    PREFIX:{pid}:schema      "family:NAME" / "record:NAME" -> {"v": version, "fields": [...]}
    PREFIX:{pid}:totals      [window, family, *labels] -> [values]                  (published)
    PREFIX:{pid}:hist        [histogram, *labels] -> {"b": bounds ms, "c": cumulative
                             counts, "n": count, "s": sum ms}                        (published)
    PREFIX:{pid}:live        [prefix, *labels] -> the domain's live entry            (published)
    PREFIX:{pid}:ckpt:meta, :ckpt:schema, :ckpt:totals, :ckpt:hist
                             the published sections as they were at the checkpoint
    PREFIX:{pid}:buckets     ["m" or "d", start ms, family, *labels] -> [values]   (checkpoint)
    PREFIX:{pid}:records     [record, id] -> [values]                              (checkpoint)
    PREFIX:partitions        set of partition ids (written apart from the script: another slot)

Values are JSON. A reader interprets a partition's vectors and records through
its ``schema`` section, by field name, and refuses versions it cannot read; the
``layout`` number in ``meta`` covers the shape of the keys themselves (a
partition without one was written by the first layout, before versions).
"""

from __future__ import annotations

from typing import Final

from ccpulse.windows.partition import LAYOUT_VERSION

__all__ = ["LAYOUT_VERSION", "partition_key", "partitions_key", "split_partition_id"]

PUBLISHED: Final = ("meta", "schema", "totals", "hist", "live")
CHECKPOINT_COPIES: Final = ("ckpt:meta", "ckpt:schema", "ckpt:totals", "ckpt:hist")
CHECKPOINT_OWN: Final = ("buckets", "records")
ALL_SECTIONS: Final = (*PUBLISHED, *CHECKPOINT_COPIES, *CHECKPOINT_OWN)
# sections of the first layout that this one no longer has: removed when it is replaced
FIRST_LAYOUT_ONLY: Final = ("agents", "ckpt:agents", "contacts")
META_NOT_COUNTERS: Final = frozenset({"layout", "offset", "now_ms", "highwater"})


def partition_key(prefix: str, partition_id: str, section: str) -> str:
    return f"{prefix}:{{{partition_id}}}:{section}"


def partitions_key(prefix: str) -> str:
    return f"{prefix}:partitions"


def split_partition_id(partition_id: str) -> tuple[str, int]:
    """``ccpulse.calls:3`` as (``ccpulse.calls``, 3)."""
    topic, _, partition = partition_id.rpartition(":")
    return topic, int(partition)

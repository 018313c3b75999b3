"""A partition restarted from its checkpoint, and the totals of both lives added up."""

from __future__ import annotations

from typing import Any

from ccpulse.windows.partition import PartitionState, StoredPartition
from ccpulse.windows.registry import Registry

Totals = dict[tuple[str, ...], list[int]]


def restart(registry: Registry, state: PartitionState) -> tuple[PartitionState, Totals]:
    """A new partition from ``state``'s checkpointed records, and the totals so far."""
    records: dict[str, dict[str, list[Any]]] = {}
    for (spec, entity), raw in state.checkpoint().records.items():
        if raw is not None:
            records.setdefault(spec, {})[entity] = raw
    totals = dict(state.windows.totals["total"])
    again = PartitionState(registry, state.now_ms, StoredPartition(now_ms=state.now_ms,
                                                                   records=records))
    return again, totals


def add_totals(totals: Totals, state: PartitionState) -> Totals:
    """``totals`` with ``state``'s own added (its pending credits folded first)."""
    state.windows.fold()
    out = dict(totals)
    for key, values in state.windows.totals["total"].items():
        before = out.get(key, [0] * len(values))
        out[key] = [a + b for a, b in zip(before, values, strict=True)]
    return out

"""Process-wide tuning that the long-running processes (worker and exporter) share."""

from __future__ import annotations

import gc

# container allocations between young collections (CPython's default: 700), then young
# collections per older one, and those per full one; see tune_gc
GC_THRESHOLDS = (1_000_000, 50, 1000)


def tune_gc() -> None:
    """Fewer, later garbage collections once a process is up.

    Both processes allocate many short-lived containers, nearly all freed by
    reference counting as they go: a worker's batch keeps its records and events
    alive until it is folded, a scrape builds the lines and lists of hundreds of
    thousands of series. With the default threshold (700 allocations) they survive
    several young collections and are promoted, which then triggers full
    collections over everything the process holds (a worker's contacts, a
    scrape's view of every partition). A young collection walks every young object
    still alive, so the fewer there are the better: only garbage in reference
    cycles waits for them, and neither makes much of it. Objects created at
    start-up are frozen out of collection altogether."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)

"""The worker's own health, served at the worker's ``/metrics``."""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

# the steps of the worker's own work whose CPU time it counts (see ``WorkerMetrics``)
FOLD: Final = "fold"
PUBLISH: Final = "publish"
SAVE: Final = "save"
STEPS: Final = (FOLD, PUBLISH, SAVE)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)  # process_cpu_seconds_total, memory, open files
        self.batches = Counter("ccpulse_worker_batches", "Batches folded and saved", registry=r)
        self.records = Counter("ccpulse_worker_records", "Records consumed by this worker",
                               registry=r)
        self.deadlettered = Counter("ccpulse_worker_deadlettered",
                                    "Records sent to the dead-letter topic", ["reason"],
                                    registry=r)
        self.derived = Counter("ccpulse_worker_derived",
                               "Events derived for other partitions (agent activity and the "
                               "like) and sent", registry=r)
        self.batch_seconds = Histogram("ccpulse_worker_batch_seconds",
                                       "Time to fold and save one batch",
                                       buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5),
                                       registry=r)
        self.step_cpu = Counter("ccpulse_worker_cpu_seconds",
                                "CPU time of the worker's steps while consuming, on the thread "
                                "that runs each: fold (decoding and applying records, moving "
                                "time on), publish (preparing publications and checkpoints), "
                                "save (writing them to Redis). The rest of the process's CPU "
                                "goes to fetching records, sending derived events and dead "
                                "letters, and the event loop", ["step"], registry=r)
        for step in STEPS:
            self.step_cpu.labels(step)  # (each step shows from the start, at 0)
        self.held = Gauge("ccpulse_worker_records_held",
                          "Records held on the event clock: one far ahead of its partition's "
                          "time and those after it, until later records confirm the jump",
                          registry=r)
        self.partitions = Gauge("ccpulse_worker_partitions", "Input partitions this worker owns",
                                registry=r)
        self.assigned_at = Gauge("ccpulse_worker_last_assignment_timestamp_seconds",
                                 "When partitions were last assigned to this worker (its start "
                                 "or a rebalance) and taken up from Redis, in Unix time",
                                 registry=r)
        self.store_up = Gauge("ccpulse_worker_store_up",
                              "1 while the worker can write to Redis, else 0", registry=r)
        self.broker_up = Gauge("ccpulse_worker_broker_up",
                               "1 while the worker's consumer is connected, else 0", registry=r)

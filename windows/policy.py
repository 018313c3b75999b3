"""Service-level policy per queue: threshold, target and how abandons count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class AbandonPolicy(StrEnum):
    NEGATIVE = "negative"  # abandons are in the denominator and never meet the target
    IGNORED = "ignored"  # abandons are left out of service level altogether
    POSITIVE = "positive"  # abandons within the threshold count as met


@dataclass(frozen=True, slots=True)
class ServiceLevelPolicy:
    threshold_s: float = 20.0
    target: float = 0.8
    abandons: AbandonPolicy = AbandonPolicy.NEGATIVE
    short_abandon_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.threshold_s > 0:
            raise ValueError(f"threshold_s must be > 0, got {self.threshold_s}")
        if not 0 < self.target <= 1:
            raise ValueError(f"target must be in (0, 1], got {self.target}")
        if self.short_abandon_s < 0:
            raise ValueError(f"short_abandon_s must be >= 0, got {self.short_abandon_s}")

    @property
    def threshold_ms(self) -> int:
        return round(self.threshold_s * 1000)

    @property
    def short_abandon_ms(self) -> int:
        return round(self.short_abandon_s * 1000)


@dataclass(frozen=True)
class PolicyBook:
    """The default policy plus overrides for named queues."""

    default: ServiceLevelPolicy = field(default_factory=ServiceLevelPolicy)
    queues: Mapping[str, ServiceLevelPolicy] = field(default_factory=dict)

    def for_queue(self, queue: str) -> ServiceLevelPolicy:
        return self.queues.get(queue, self.default)

    def thresholds_s(self) -> list[float]:
        return sorted({self.default.threshold_s, *(p.threshold_s for p in self.queues.values())})

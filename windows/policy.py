"""Service-level policy per queue and channel: threshold, target and how abandons count,
and the response-time targets of conversations (chats)."""

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
    first_response_target_s: float = 60.0  # queue entry, handoff or reopen -> first reply
    response_target_s: float = 60.0  # a customer's unanswered run -> the reply

    def __post_init__(self) -> None:
        if not (self.first_response_target_s > 0 and self.response_target_s > 0):
            raise ValueError("response targets must be > 0")
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

    @property
    def first_response_target_ms(self) -> int:
        return round(self.first_response_target_s * 1000)

    @property
    def response_target_ms(self) -> int:
        return round(self.response_target_s * 1000)


@dataclass(frozen=True)
class PolicyBook:
    """The default policy, overrides per queue, and per queue and channel.

    ``for_queue(q, c)`` takes the (q, c) override if there is one, else q's, else the
    default: a chat queue can have a threshold of its own beside the queue's voice."""

    default: ServiceLevelPolicy = field(default_factory=ServiceLevelPolicy)
    queues: Mapping[str, ServiceLevelPolicy] = field(default_factory=dict)
    channels: Mapping[tuple[str, str], ServiceLevelPolicy] = field(default_factory=dict)

    def for_queue(self, queue: str, channel: str = "") -> ServiceLevelPolicy:
        policy = self.channels.get((queue, channel))
        if policy is not None:
            return policy
        return self.queues.get(queue, self.default)

    def thresholds_ms(self) -> list[int]:
        every = [self.default, *self.queues.values(), *self.channels.values()]
        return sorted({p.threshold_ms for p in every})

    def response_targets_ms(self) -> list[int]:
        every = [self.default, *self.queues.values(), *self.channels.values()]
        return sorted({ms for p in every
                       for ms in (p.first_response_target_ms, p.response_target_ms)})

    def configured(self) -> list[tuple[str, str]]:
        """The (queue, channel) pairs with a policy of their own ("" channel: any)."""
        return sorted({*((q, "") for q in self.queues), *self.channels})

"""Review criteria and a review's score (imports nothing of the engine: the engine's
configuration holds criteria)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Criterion:
    weight: float = 1.0
    max_score: float = 5.0


DEFAULT_CRITERION: Final[Criterion] = Criterion()


def review_score(scores: dict[str, float], criteria: dict[str, Criterion]) -> float | None:
    """Σ weight × score / Σ weight × maximum over the criteria scored (``None``: a criterion
    is unknown or a score above its maximum; with no criteria configured, any criterion
    counts with weight 1 and maximum 5)."""
    earned = possible = 0.0
    for name, score in scores.items():
        criterion = criteria.get(name) if criteria else DEFAULT_CRITERION
        if criterion is None or score > criterion.max_score:
            return None
        earned += criterion.weight * score
        possible += criterion.weight * criterion.max_score
    return earned / possible if possible else None

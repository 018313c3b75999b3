"""The internal quality score; the formula is written out in the README."""

from __future__ import annotations

from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec
from ccpulse.windows.quality import family as f


def quality_score(values: Vec, key: object = None) -> tuple[float]:
    """IQS: the mean of the reviews' scores, 0 to 1 (NaN with no review)."""
    return (ratio(values[f.SCORE_PPM] / f.PPM, values[f.REVIEWS]),)

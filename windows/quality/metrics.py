"""The metrics of quality reviews: the internal quality score per queue and channel and per
agent, and the counters behind it."""

from __future__ import annotations

from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec
from ccpulse.windows.quality import family as f

WINDOWS: tuple[str, ...] = tuple(w for w in f.WINDOWS if w != "total")
IQS = "Σ review scores / reviews; a review's score is Σ weight × score / Σ weight × maximum"

METRICS = (
    MetricSpec("ccpulse_quality_score_ratio", GAUGE, "Internal quality score: the mean "
               "review score, 0 to 1", ("queue", "channel", "window"), "ratio", IQS, WINDOWS,
               family=f.QUALITY.name, kpi="quality"),
    MetricSpec("ccpulse_agent_quality_score_ratio", GAUGE, "Internal quality score of each "
               "agent's reviewed contacts", ("agent", "window"), "ratio", IQS, WINDOWS,
               family=f.QUALITY_AGENT.name, kpi="quality"),
    MetricSpec("ccpulse_quality_reviews_total", COUNTER, "Contacts reviewed",
               ("queue", "channel"), "reviews", "cumulative `reviews`",
               family=f.QUALITY.name, field="reviews"),
    MetricSpec("ccpulse_quality_score_sum_total", COUNTER, "The reviews' scores (0 to 1 each) "
               "added up, for the mean over any range", ("queue", "channel"), "ratio",
               "cumulative `score_ppm` / 1,000,000", family=f.QUALITY.name,
               field="score_ppm", scale=f.PPM),
)

"""The metrics of surveys: CSAT, NPS, CES, response and follow-up rates, per queue and
channel, per agent, and the counters behind them."""

from __future__ import annotations

from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec
from ccpulse.windows.surveys import family as f

QCW = ("queue", "channel", "window")
WINDOWS: tuple[str, ...] = tuple(w for w in f.WINDOWS if w != "total")


def _windowed(name: str, help_: str, unit: str, formula: str) -> MetricSpec:
    return MetricSpec(name, GAUGE, help_, QCW, unit, formula, WINDOWS)


def _counter(name: str, field: str, help_: str, unit: str = "answers") -> MetricSpec:
    return MetricSpec(name, COUNTER, help_, ("queue", "channel", "kind"), unit,
                      f"cumulative `{field}`", family=f.SURVEY.name, field=field)


METRICS = (
    _windowed("ccpulse_csat_ratio", "CSAT: satisfied answers (top boxes of their scale) / "
              "CSAT answers", "ratio", "satisfied / answers (1-5: 4-5; 1-7: 6-7; 1-10: 8-10; "
              "1-2: 2)"),
    _windowed("ccpulse_nps_score", "Net Promoter Score, -100 to 100", "score",
              "100 × (promoters 9-10 − detractors 0-6) / answers"),
    _windowed("ccpulse_ces_score", "Customer Effort Score: the mean answer", "score",
              "Σ score / answers"),
    _windowed("ccpulse_ces_agree_ratio", "Share of CES answers that agree it was easy",
              "ratio", "answers 5-7 of 1-7 (4-5 of 1-5) / answers"),
    _windowed("ccpulse_survey_response_ratio", "Surveys answered per survey sent", "ratio",
              "answers / surveys sent, in the window"),
    _windowed("ccpulse_feedback_follow_up_ratio", "Feedback with a comment that the team "
              "followed up", "ratio", "followed up / answers with a comment"),
    MetricSpec("ccpulse_agent_csat_ratio", GAUGE, "CSAT of the contacts each agent served",
               ("agent", "window"), "ratio", "satisfied / answers", WINDOWS),
    MetricSpec("ccpulse_agent_nps_score", GAUGE, "NPS of the contacts each agent served",
               ("agent", "window"), "score", "100 × (promoters − detractors) / answers",
               WINDOWS),
    _counter("ccpulse_surveys_sent_total", "sent", "Surveys sent", "surveys"),
    _counter("ccpulse_survey_answers_total", "responses", "Surveys answered"),
    _counter("ccpulse_csat_satisfied_total", "satisfied", "CSAT answers in the top boxes"),
    _counter("ccpulse_nps_promoters_total", "promoters", "NPS answers of 9 or 10"),
    _counter("ccpulse_nps_detractors_total", "detractors", "NPS answers of 0 to 6"),
    _counter("ccpulse_survey_score_points_total", "score_sum", "The answers' scores added "
             "up (for means over any range)", "points"),
    _counter("ccpulse_ces_agree_total", "agree", "CES answers agreeing it was easy"),
    _counter("ccpulse_survey_comments_total", "comments", "Answers with a comment"),
    _counter("ccpulse_feedback_followed_up_total", "followed_up", "Commented answers the "
             "team followed up"),
)

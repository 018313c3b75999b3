from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from ccpulse.exporters.exposition import Family, format_value, labels_text, render
from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec


def test_rendered_text_parses_back_with_awkward_label_values() -> None:
    family = Family(MetricSpec("ccpulse_x", GAUGE, "help with \\ and\nnewline"))
    family.add(labels_text(queue='say "hi"\\now', channel="voice"), 0.25)
    family.add(labels_text(queue="line\nbreak", channel="voice"), float("nan"))
    counter = Family(MetricSpec("ccpulse_y_total", COUNTER, "a counter"))
    counter.add("", 3)
    parsed = {f.name: f for f in text_string_to_metric_families(render([family, counter]).decode())}
    samples = parsed["ccpulse_x"].samples
    assert samples[0].labels == {"queue": 'say "hi"\\now', "channel": "voice"}
    assert samples[0].value == 0.25
    assert samples[1].labels["queue"] == "line\nbreak"
    assert parsed["ccpulse_y"].type == "counter" and parsed["ccpulse_y"].samples[0].value == 3


def test_value_formats() -> None:
    assert [format_value(v) for v in (1, 0.5, float("inf"), float("-inf"), 1e20)] == [
        "1", "0.5", "+Inf", "-Inf", "1e+20"]

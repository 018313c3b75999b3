"""The batches the stage measurement folds: as a catching-up worker reads its topics."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccpulse.devtools.stages import Logs, main


@given(sizes=st.lists(st.integers(0, 40), min_size=1, max_size=6).filter(any),
       batch_size=st.integers(1, 30), chunk=st.integers(1, 12),
       appended=st.integers(0, 8))
def test_every_record_is_fetched_once_in_order_within_the_limits(
        sizes: list[int], batch_size: int, chunk: int, appended: int) -> None:
    logs = Logs(batch_size, chunk)
    for partition, size in enumerate(sizes):
        for i in range(size):
            logs.append("calls", partition, b"k", str(i).encode())
    seen: dict[tuple[str, int], list[int]] = {}
    batches = 0
    while batch := logs.fetch():
        batches += 1
        assert sum(len(records) for records in batch.values()) <= batch_size
        for tp, records in batch.items():
            assert 0 < len(records) <= chunk
            seen.setdefault(tp, []).extend(record.offset for record in records)
        if batches == 1 and appended:  # records appended while reading come after the rest
            for _ in range(appended):
                logs.append("agents", 0, None, b"[]")
    expected = {("calls", p): list(range(size)) for p, size in enumerate(sizes) if size}
    if appended:
        expected[("agents", 0)] = list(range(appended))
    assert seen == expected


def test_each_batch_starts_one_partition_further_on() -> None:
    logs = Logs(batch_size=2, chunk=1)
    for partition in range(3):
        for i in range(4):
            logs.append("calls", partition, b"k", str(i).encode())
    firsts = [next(iter(logs.fetch()))[1] for _ in range(3)]
    assert firsts == [1, 2, 0]


def test_the_measurement_alone_folds_the_mix_and_says_what_each_stage_took(
        capsys: pytest.CaptureFixture[str]) -> None:
    main(["--events", "15000", "--rounds", "2"])
    rounds = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rounds) == 2
    for figures in rounds:
        assert figures["events"] == 15000
        assert figures["parse_us"] > 0 and figures["apply_us"] > 0
        assert figures["publish_us"] > 0
        assert figures["derived_per_event"] > 0  # agents take the contacts (after the logins)

"""The Anonymous Bank call-centre log (Technion SEE lab, 1999) as ccpulse events.

The mapping, as the dataset README fixes it:

- a call is offered to its queue (``type``) when it reaches the agent queue: at
  ``q_start``, or at ``vru_exit`` for an AGENT call that never queued (wait 0);
- AGENT: answered at offer + ``q_time``; ends ``ser_time`` later (handle time);
- HANG that queued: abandoned at ``q_start`` + ``q_time``;
- PHANTOM rows and HANG rows that never queued are offered to no queue (skipped,
  and counted as such);
- rows with a negative duration, or that do not parse, are rejected with a reason.

Times are naive local times of ``date``; a stage time earlier than ``vru_entry``
belongs to the next day (the call crossed midnight).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ccpulse.sources.adapters import Unusable, non_negative

FIELDS = ("vru_line", "call_id", "customer_id", "priority", "type", "date", "vru_entry",
          "vru_exit", "vru_time", "q_start", "q_exit", "q_time", "outcome", "ser_start",
          "ser_exit", "ser_time", "server")
QUEUES = frozenset({"PS", "PE", "IN", "NE", "NW", "TT"})
NEVER = 0  # 0:00:00 means the call never reached that stage


@dataclass
class Conversion:
    events: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    calls_offered: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # line, reason, detail

    def summary(self) -> str:
        return (f"{self.rows} rows: {self.calls_offered} calls offered, "
                f"{sum(self.skipped.values())} not offered {dict(self.skipped)}, "
                f"{sum(self.rejected.values())} rejected {dict(self.rejected)}")


def _seconds(text: str, name: str) -> int:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise Unusable("bad_field", f"{name} {text!r} is not H:MM:SS")
    h, m, s = (int(p) for p in parts)
    if m > 59 or s > 59 or h > 23:
        raise Unusable("bad_field", f"{name} {text!r} is not a time of day")
    return h * 3600 + m * 60 + s


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise Unusable("bad_field", f"date {text!r} is not yymmdd") from None


def convert_row(fields: list[str], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The events of one row (empty if the call was offered to no queue)."""
    if len(fields) != len(FIELDS):
        raise Unusable("malformed_row", f"{len(fields)} tab-separated fields, expected "
                          f"{len(FIELDS)}")
    row = dict(zip(FIELDS, (f.strip() for f in fields), strict=True))
    outcome, queue = row["outcome"], row["type"]
    if outcome not in ("AGENT", "HANG", "PHANTOM"):
        raise Unusable("unknown_outcome", f"outcome {outcome!r}")
    day = _date(row["date"])
    vru_entry = _seconds(row["vru_entry"], "vru_entry")
    vru_exit = _seconds(row["vru_exit"], "vru_exit")
    q_start = _seconds(row["q_start"], "q_start")
    non_negative(row["vru_time"], "vru_time", int)
    q_time = non_negative(row["q_time"], "q_time", int)
    ser_time = non_negative(row["ser_time"], "ser_time", int)
    if outcome == "PHANTOM":
        raise _Skip("phantom")
    if outcome == "HANG" and q_start == NEVER:
        raise _Skip("hang_never_queued")
    if queue not in QUEUES:
        raise Unusable("unknown_call_type", f"type {queue!r} is not one of {sorted(QUEUES)}")

    def at(seconds_of_day: int) -> int:
        """Epoch ms of a local time of the call's day (or the next, past midnight)."""
        days = 1 if seconds_of_day < vru_entry else 0
        local = datetime.combine(day, datetime.min.time()) + timedelta(days=days,
                                                                      seconds=seconds_of_day)
        return round(local.replace(tzinfo=zone).timestamp() * 1000)

    offered_ms = at(q_start) if q_start != NEVER else at(vru_exit)
    wait_ms = q_time * 1000 if q_start != NEVER else 0
    contact = f"{row['vru_line']}-{row['date']}-{row['call_id']}"
    base = {"contact_id": contact, "queue": queue, "channel": "voice"}
    events = [{"event_id": f"{contact}-q", "type": "call.queued", "ts": offered_ms, **base}]
    exit_ms = offered_ms + wait_ms
    if outcome == "HANG":
        events.append({"event_id": f"{contact}-x", "type": "call.abandoned", "ts": exit_ms,
                       **base})
        return events
    agent = None if row["server"] == "NO_SERVER" else row["server"]
    events.append({"event_id": f"{contact}-a", "type": "call.answered", "ts": exit_ms,
                   "agent_id": agent, **base})
    events.append({"event_id": f"{contact}-e", "type": "call.ended",
                   "ts": exit_ms + ser_time * 1000, "agent_id": agent, "talk_s": ser_time,
                   **base})
    return events


class _Skip(Unusable):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, "offered to no queue")


def convert_lines(lines: Iterable[str], timezone: str) -> Conversion:
    """Convert a whole file; events come out in time order."""
    zone = ZoneInfo(timezone)
    result = Conversion()
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or (number == 1 and line.startswith("vru+line")):
            continue
        result.rows += 1
        try:
            events = convert_row(line.split("\t"), zone)
        except _Skip as skip:
            result.skipped[skip.reason] += 1
            continue
        except Unusable as exc:
            result.rejected[exc.reason] += 1
            result.rejects.append((number, exc.reason, exc.detail))
            continue
        result.calls_offered += 1
        result.events.extend(events)
    result.events.sort(key=lambda e: e["ts"])
    return result


def convert_file(path: Path, timezone: str) -> Conversion:
    with path.open(encoding="latin-1", newline="") as lines:
        return convert_lines(lines, timezone)

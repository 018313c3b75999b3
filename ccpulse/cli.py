"""The ``ccpulse`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from windows.errors import CcpulseError

if TYPE_CHECKING:
    from ccpulse.replay import Recorded


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    from ccpulse.settings import load_settings

    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def cmd_version(args: argparse.Namespace) -> None:
    from ccpulse import __version__
    from ccpulse.native import describe

    print(f"ccpulse {__version__}, {describe()}")


def cmd_worker(args: argparse.Namespace) -> None:
    from stream.agents import run_worker

    settings = _settings()
    if not settings.redis_url:
        raise CcpulseError("CCPULSE_REDIS_URL is required for the worker "
                           "(`ccpulse demo` starts an embedded Redis instead)")
    sys.argv = [sys.argv[0], "worker"]  # Faust's worker reads its own command line
    run_worker(settings)


def cmd_exporter(args: argparse.Namespace) -> None:
    import redis

    from exporters.collector import CcpulseCollector
    from exporters.server import make_server

    settings = _settings(exporter_port=args.port)
    if not settings.redis_url:
        raise CcpulseError("CCPULSE_REDIS_URL is required for the exporter")
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2,
                                  socket_connect_timeout=2)
    collector = CcpulseCollector(client, settings.redis_prefix, settings.engine_config(),
                                 event_clock=settings.clock == "event")
    server = make_server(collector, settings.exporter_host, settings.exporter_port)
    logging.info("exporter serving http://%s:%d/metrics", settings.exporter_host,
                 settings.exporter_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def cmd_simulate(args: argparse.Namespace) -> None:
    from ccpulse.simulate import simulate
    from ccpulse.simulation import default_queues

    settings = _settings()
    if not settings.kafka_bootstrap:
        raise CcpulseError("CCPULSE_KAFKA_BOOTSTRAP is required for the simulator")
    staffing = {}
    for item in (args.staffing or "").split(","):
        if item.strip():
            name, _, ratio = item.partition("=")
            try:
                staffing[name.strip()] = float(ratio)
            except ValueError:
                raise CcpulseError(f"--staffing: {item!r} is not QUEUE=RATIO") from None
    queues = default_queues(args.queues.split(",") if args.queues else None, staffing)
    try:
        sent = asyncio.run(simulate(settings, queues, args.rate, args.seed, args.duration))
    except KeyboardInterrupt:
        return
    logging.info("simulator: done, %d events sent", sent)


def cmd_demo(args: argparse.Namespace) -> None:
    from ccpulse.demo import run_demo

    settings = _settings()
    run_demo(settings, args.port, args.rate, args.seed, args.queues, args.duration)


def cmd_report(args: argparse.Namespace) -> None:
    from ccpulse.report import (
        as_json,
        as_table,
        build_report,
        read_documents,
        read_event_lines,
    )

    settings = _settings(timezone=args.tz)
    path = Path(args.file)
    if not path.exists():
        raise CcpulseError(f"no such file: {path}")
    by_queue = args.group_by == "day,queue"
    config = settings.engine_config()
    source: dict[str, object] = {}
    if args.format == "anonymous-bank":
        from ccpulse.adapters.anonymous_bank import convert_file

        conversion = convert_file(path, settings.timezone)
        events, rejected = read_documents(conversion.events)
        for reason, count in conversion.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + count
        source = {"rows_read": conversion.rows, "not_offered": dict(conversion.skipped)}
    else:
        with path.open("rb") as lines:
            events, rejected = read_event_lines(lines)
    report = build_report(events, config, by_queue, rejected, source)
    if args.json:
        sys.stdout.buffer.write(as_json(report) + b"\n")
    else:
        print(as_table(report))


def load_records(path: Path, file_format: str, timezone: str) -> list[Recorded]:
    """The file's events in order; an anonymous-bank row that cannot be used is reported."""
    from ccpulse.replay import from_document, from_line

    if not path.exists():
        raise CcpulseError(f"no such file: {path}")
    if file_format == "anonymous-bank":
        from ccpulse.adapters.anonymous_bank import convert_file

        conversion = convert_file(path, timezone)
        logging.info("anonymous-bank: %s", conversion.summary())
        for number, reason, detail in conversion.rejects[:20]:
            logging.warning("line %d rejected: %s (%s)", number, reason, detail)
        return [from_document(doc) for doc in conversion.events]
    records: list[Recorded] = []
    with path.open("rb") as lines:
        records.extend(from_line(raw) for raw in lines if raw.strip())
    return records


def cmd_replay(args: argparse.Namespace) -> None:
    from ccpulse.replay import replay
    from stream.events import parse_ts_ms

    settings = _settings(timezone=args.tz)
    records = load_records(Path(args.file), args.format, settings.timezone)
    if args.since or args.until:
        low = parse_ts_ms(args.since) if args.since else -(2**62)
        high = parse_ts_ms(args.until) if args.until else 2**62
        records = [r for r in records if r.ts_ms is None or low <= r.ts_ms < high]
    if args.out:
        with open(args.out, "wb") as out:
            for record in records:
                out.write(record.value + b"\n")
        logging.info("wrote %d events to %s", len(records), args.out)
        return
    if not settings.kafka_bootstrap:
        raise CcpulseError("CCPULSE_KAFKA_BOOTSTRAP is required to replay into Kafka "
                           "(or write JSON lines with --out)")
    speed = None if args.speed == "max" else float(args.speed)
    asyncio.run(replay(settings, records, speed))


def cmd_asterisk(args: argparse.Namespace) -> None:
    from ccpulse.asterisk_feed import feed

    settings = _settings()
    if not settings.kafka_bootstrap:
        raise CcpulseError("CCPULSE_KAFKA_BOOTSTRAP is required to publish queue_log events")
    state = Path(args.state) if args.state else None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(feed(settings, Path(args.queue_log), state, args.from_start,
                         idle_exit_s=args.idle_exit))


def cmd_bench(args: argparse.Namespace) -> None:
    import orjson

    from ccpulse.bench import SMOKE, Plan, lines_of, run_bench

    if not args.smoke and args.days < 2:
        raise CcpulseError("--days must be at least 2 (memory growth is compared day to day)")
    plan = SMOKE if args.smoke else Plan(events=args.events, freshness_s=args.freshness_s,
                                         contacts_per_queue=args.contacts_per_queue,
                                         days=args.days)
    result = run_bench(plan)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print("\n".join(lines_of(result)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccpulse",
        description="Live contact-centre metrics: Kafka events in, Prometheus gauges out. "
                    "Settings come from CCPULSE_* environment variables (see the README).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("worker", help="run the Faust processor (joins the consumer group)"
                   ).set_defaults(run=cmd_worker)

    exporter = sub.add_parser("exporter", help="serve /metrics from Redis")
    exporter.add_argument("--port", type=int, help="HTTP port (default 9464)")
    exporter.set_defaults(run=cmd_exporter)

    simulate = sub.add_parser("simulate", help="send simulated voice traffic to Kafka")
    simulate.add_argument("--rate", type=float, default=5.0, help="calls per second, all queues")
    simulate.add_argument("--queues", help="comma-separated queue names "
                          "(default sales,support,billing,general)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--staffing", help="agents per Erlang of load, per queue, e.g. "
                          "'support=0.8,sales=1.3' (below about 1.05 a queue falls behind)")
    simulate.add_argument("--duration", type=float, help="stop after this many seconds")
    simulate.set_defaults(run=cmd_simulate)

    demo = sub.add_parser("demo", help="everything at once, embedded broker and Redis included")
    demo.add_argument("--port", type=int, default=9464, help="exporter port (default 9464)")
    demo.add_argument("--rate", type=float, default=5.0, help="simulated calls per second")
    demo.add_argument("--queues", help="comma-separated queue names")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--duration", type=float, help="stop after this many seconds")
    demo.set_defaults(run=cmd_demo)

    report = sub.add_parser("report", help="KPIs per day from a file of events (no broker)")
    report.add_argument("file", help="JSON lines of ccpulse events, or a dataset file")
    report.add_argument("--format", choices=["ccpulse", "anonymous-bank"], default="ccpulse")
    report.add_argument("--group-by", choices=["day", "day,queue"], default="day")
    report.add_argument("--tz", help="time zone for days (default: CCPULSE_TIMEZONE or UTC)")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(run=cmd_report)

    replay = sub.add_parser("replay", help="send a recorded file to Kafka (or convert it to "
                            "JSON lines); run the worker with CCPULSE_CLOCK=event")
    replay.add_argument("file")
    replay.add_argument("--format", choices=["ccpulse", "anonymous-bank"], default="ccpulse")
    replay.add_argument("--tz", help="time zone of the file's local times (default: "
                        "CCPULSE_TIMEZONE or UTC)")
    replay.add_argument("--speed", default="max",
                        help="'max' (as fast as possible, default) or N times real time")
    replay.add_argument("--since", help="only events at or after this time (ISO-8601)")
    replay.add_argument("--until", help="only events before this time (ISO-8601)")
    replay.add_argument("--out", help="write JSON lines here instead of sending to Kafka")
    replay.set_defaults(run=cmd_replay)

    asterisk = sub.add_parser("asterisk", help="follow an Asterisk queue_log (like tail -F, "
                              "across rotation) and publish its events to Kafka")
    asterisk.add_argument("queue_log", help="e.g. /var/log/asterisk/queue_log")
    asterisk.add_argument("--from-start", action="store_true",
                          help="read the file from its start (default: only new lines)")
    asterisk.add_argument("--state", help="file keeping the read position across restarts")
    asterisk.add_argument("--idle-exit", type=float,
                          help="stop after this many seconds without new lines")
    asterisk.set_defaults(run=cmd_asterisk)

    version = sub.add_parser("version", help="print the version and whether the per-event "
                             "path runs compiled")
    version.set_defaults(run=cmd_version)

    bench = sub.add_parser("bench", help="measure throughput, freshness and memory in one run "
                           "(starts its own broker and Redis)")
    bench.add_argument("--events", type=int, default=200_000, help="events for the catch-up runs")
    bench.add_argument("--freshness-s", type=float, default=10.0,
                       help="seconds of steady load per rate")
    bench.add_argument("--contacts-per-queue", type=int, default=12,
                       help="contacts per queue and channel per day in the memory run")
    bench.add_argument("--days", type=int, default=4,
                       help="days of traffic in the memory run (at least 2)")
    bench.add_argument("--smoke", action="store_true", help="a tiny run that checks the bench")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(run=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args.run(args)
    except CcpulseError as exc:
        print(f"ccpulse: {exc}", file=sys.stderr)
        sys.exit(2)

"""The ``ccpulse`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from windows.errors import CcpulseError


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    from ccpulse.settings import load_settings

    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


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
    from prometheus_client import CollectorRegistry

    from exporters.collector import CcpulseCollector
    from exporters.server import make_server

    settings = _settings(exporter_port=args.port)
    if not settings.redis_url:
        raise CcpulseError("CCPULSE_REDIS_URL is required for the exporter")
    registry = CollectorRegistry(auto_describe=False)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2,
                                  socket_connect_timeout=2)
    registry.register(CcpulseCollector(client, settings.redis_prefix, settings.engine_config(),
                                       event_clock=settings.clock == "event"))
    server = make_server(registry, settings.exporter_host, settings.exporter_port)
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
    queues = default_queues(args.queues.split(",") if args.queues else None)
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
    from ccpulse.report import as_json, as_table, build_report, read_event_lines

    settings = _settings(timezone=args.tz)
    path = Path(args.file)
    if not path.exists():
        raise CcpulseError(f"no such file: {path}")
    by_queue = args.group_by == "day,queue"
    config = settings.engine_config()
    if args.format == "anonymous-bank":
        from ccpulse.adapters.anonymous_bank import read_calls

        events, rejected = read_calls(path, config.calendar)
    else:
        with path.open("rb") as lines:
            events, rejected = read_event_lines(lines)
    report = build_report(events, config, by_queue, rejected)
    if args.json:
        sys.stdout.buffer.write(as_json(report) + b"\n")
    else:
        print(as_table(report))


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

"""The ``ccpulse`` command.

Every expected failure (a bad setting, a missing file, a taken port, a broker
that does not answer) ends with one line on stderr and exit code 2; Ctrl-C ends
with 130, as shells expect.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from ccpulse import __version__
from ccpulse.errors import CcpulseError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _settings(**overrides: Any) -> Any:
    from ccpulse.settings import load_settings

    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    return path


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
        return value
    parse.__name__ = kind.__name__
    return parse


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (1-65535)")
    return value


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither 'max' nor a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def _instant(text: str) -> int:
    from ccpulse.windows.events import Rejected, parse_ts_ms

    try:
        return parse_ts_ms(text)
    except Rejected as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def cmd_version(args: argparse.Namespace) -> None:
    from ccpulse.native import describe

    print(f"ccpulse {__version__}, {describe()}")


def cmd_metrics(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.exporters.catalog import catalog, markdown, reasons_markdown

    registry = wiring.registry(_settings())
    specs = catalog(registry)
    if args.reasons:
        print(reasons_markdown(registry), end="")
    elif args.markdown:
        print(markdown(specs), end="")
    else:
        for spec in specs:
            print(f"{spec.name:<58} {spec.type:<9} {', '.join(spec.labels)}")


def cmd_schema(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.stream.schema import markdown, schema_json

    registry = wiring.registry(_settings())
    if args.markdown:
        print(markdown(registry), end="")
    else:
        sys.stdout.buffer.write(schema_json(registry))


def cmd_worker(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.native import describe
    from ccpulse.stream.app import run_worker

    settings = _settings()
    config = wiring.worker_config(settings)
    sys.argv = [sys.argv[0], "worker"]  # Faust's worker reads its own command line
    run_worker(config, wiring.registry(settings), describe())


def cmd_exporter(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.exporters.collector import SiteCollector
    from ccpulse.exporters.server import make_server
    from ccpulse.native import describe
    from ccpulse.runtime import tune_gc
    from ccpulse.state.connect import connect

    settings = _settings(exporter_port=args.port, exporter_host=args.host)
    client = connect(wiring.redis_config(settings))
    collector = SiteCollector(client, settings.redis_prefix, wiring.registry(settings),
                              event_clock=settings.clock == "event",
                              build={"version": __version__, "build": describe()})
    server = make_server(collector, settings.exporter_host, settings.exporter_port)
    logging.info("exporter serving http://%s:%d/metrics", settings.exporter_host,
                 server.server_address[1])
    tune_gc()  # a 1,000-queue scrape spent a fifth of its time in collections
    try:
        server.serve_forever()
    finally:
        server.server_close()


def cmd_simulate(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.sources.producer import EventProducer
    from ccpulse.sources.simulate import simulate
    from ccpulse.sources.simulation import default_queues

    settings = _settings()
    staffing = {}
    for item in (args.staffing or "").split(","):
        if item.strip():
            name, _, ratio = item.partition("=")
            try:
                staffing[name.strip()] = float(ratio)
            except ValueError:
                raise CcpulseError(f"--staffing: {item!r} is not QUEUE=RATIO") from None
    queues = default_queues(args.queues.split(",") if args.queues else None, staffing)
    producer = EventProducer(wiring.kafka_config(settings), wiring.topics(settings),
                             wiring.registry(settings), settings.partitions)
    sent = asyncio.run(simulate(producer, queues, args.rate, args.seed, args.duration,
                                args.chat_rate, args.ticket_rate, args.ticket_pace,
                                args.survey_share, args.outcomes))
    logging.info("simulator: done, %d events sent", sent)


def cmd_demo(args: argparse.Namespace) -> None:
    from ccpulse.devtools.demo import run_demo

    settings = _settings()
    run_demo(settings, args.port, args.rate, args.seed, args.queues, args.duration)


def cmd_report(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.report import (
        GROUPINGS,
        TimeRule,
        as_json,
        as_table,
        build_report,
        read_documents,
        read_event_lines,
    )

    settings = _settings(timezone=args.tz)
    registry = wiring.registry(settings)
    rule = TimeRule(round(settings.event_jump_tolerance_s * 1000),
                    settings.event_jump_confirmations)
    source: dict[str, object] = {}
    if args.format == "anonymous-bank":
        from ccpulse.sources.anonymous_bank import convert_file

        conversion = convert_file(args.file, settings.timezone)
        events, rejected = read_documents(conversion.events, registry, rule)
        for reason, count in conversion.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + count
        source = {"rows_read": conversion.rows, "not_offered": dict(conversion.skipped)}
    else:
        with args.file.open("rb") as lines:
            events, rejected = read_event_lines(lines, registry, rule)
    report = build_report(events, registry, GROUPINGS[args.group_by], rejected, source)
    if args.json:
        sys.stdout.buffer.write(as_json(report) + b"\n")
    else:
        print(as_table(report))


def cmd_replay(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.sources.producer import EventProducer, Routed, route, routed
    from ccpulse.sources.replay import replay

    settings = _settings(timezone=args.tz)
    registry = wiring.registry(settings)
    records: list[Routed]
    if args.format == "anonymous-bank":
        from ccpulse.sources.anonymous_bank import convert_file

        conversion = convert_file(args.file, settings.timezone)
        logging.info("anonymous-bank: %s", conversion.summary())
        for number, reason, detail in conversion.rejects[:20]:
            logging.warning("line %d rejected: %s (%s)", number, reason, detail)
        records = [routed(registry, doc) for doc in conversion.events]
    else:
        with args.file.open("rb") as lines:
            records = [route(registry, raw.rstrip(b"\r\n")) for raw in lines if raw.strip()]
    if args.since is not None or args.until is not None:
        low = args.since if args.since is not None else -(2**62)
        high = args.until if args.until is not None else 2**62
        records = [r for r in records if r.ts_ms is None or low <= r.ts_ms < high]
    if args.out:
        with open(args.out, "wb") as out:
            for record in records:
                out.write(record.value + b"\n")
        logging.info("wrote %d events to %s", len(records), args.out)
        return
    producer = EventProducer(wiring.kafka_config(settings), wiring.topics(settings), registry,
                             settings.partitions)
    asyncio.run(replay(producer, records, args.speed))


def cmd_asterisk(args: argparse.Namespace) -> None:
    from ccpulse import wiring
    from ccpulse.sources.asterisk.feed import feed
    from ccpulse.sources.producer import EventProducer

    settings = _settings()
    producer = EventProducer(wiring.kafka_config(settings), wiring.topics(settings),
                             wiring.registry(settings), settings.partitions, linger_ms=10)
    state = Path(args.state) if args.state else None
    asyncio.run(feed(producer, args.queue_log, state, args.from_start,
                     idle_exit_s=args.idle_exit))


def cmd_bench(args: argparse.Namespace) -> None:
    import orjson

    from ccpulse.devtools.bench import SMOKE, Plan, lines_of, run_bench

    if not args.smoke and args.days < 2:
        raise CcpulseError("--days must be at least 2 (memory growth is compared day to day)")
    plan = SMOKE if args.smoke else Plan(events=args.events, freshness_s=args.freshness_s,
                                         contacts_per_queue=args.contacts_per_queue,
                                         days=args.days, tickets=args.tickets)
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
    parser.add_argument("--version", action="version", version=f"ccpulse {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("worker", help="run the Faust processor (joins the consumer group)"
                   ).set_defaults(run=cmd_worker)

    exporter = sub.add_parser("exporter", help="serve /metrics from Redis")
    exporter.add_argument("--port", type=_port, help="HTTP port (default 9464)")
    exporter.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 "
                          "for every interface)")
    exporter.set_defaults(run=cmd_exporter)

    simulate = sub.add_parser("simulate", help="send simulated traffic to Kafka")
    simulate.add_argument("--rate", type=_positive(float), default=5.0,
                          help="calls per second, all queues")
    simulate.add_argument("--queues", help="comma-separated queue names "
                          "(default sales,support,billing,general)")
    simulate.add_argument("--chat-rate", type=float, default=0.0,
                          help="conversations per second (default 0: calls only)")
    simulate.add_argument("--ticket-rate", type=float, default=0.0,
                          help="tickets per second (default 0: none)")
    simulate.add_argument("--ticket-pace", type=_positive(float), default=1.0,
                          help="scale of the tickets' delays (1: real time, about 20 min to "
                          "a first reply; the demo uses 0.02)")
    simulate.add_argument("--survey-share", type=float, default=0.0,
                          help="share of the calls and chats that end with a survey "
                          "(default 0: none)")
    simulate.add_argument("--outcomes", action="store_true",
                          help="contacts end resolved or not for returning customers, bots "
                          "resolve some alone, and some are reviewed for quality")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--staffing", help="agents per Erlang of load, per queue, e.g. "
                          "'support=0.8,sales=1.3' (below about 1.05 a queue falls behind)")
    simulate.add_argument("--duration", type=_positive(float),
                          help="stop after this many seconds")
    simulate.set_defaults(run=cmd_simulate)

    demo = sub.add_parser("demo", help="everything at once, embedded broker and Redis included")
    demo.add_argument("--port", type=_port, default=9464, help="exporter port (default 9464)")
    demo.add_argument("--rate", type=_positive(float), default=5.0,
                      help="simulated calls per second")
    demo.add_argument("--queues", help="comma-separated queue names")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--duration", type=_positive(float), help="stop after this many seconds")
    demo.set_defaults(run=cmd_demo)

    report = sub.add_parser("report", help="KPIs per day from a file of events (no broker)")
    report.add_argument("file", type=_existing_file,
                        help="JSON lines of ccpulse events, or a dataset file")
    report.add_argument("--format", choices=["ccpulse", "anonymous-bank"], default="ccpulse")
    report.add_argument("--group-by", choices=["day", "day,queue", "day,queue,channel"],
                        default="day")
    report.add_argument("--tz", help="time zone for days (default: CCPULSE_TIMEZONE or UTC)")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(run=cmd_report)

    replay = sub.add_parser("replay", help="send a recorded file to Kafka (or convert it to "
                            "JSON lines); run the worker with CCPULSE_CLOCK=event")
    replay.add_argument("file", type=_existing_file)
    replay.add_argument("--format", choices=["ccpulse", "anonymous-bank"], default="ccpulse")
    replay.add_argument("--tz", help="time zone of the file's local times (default: "
                        "CCPULSE_TIMEZONE or UTC)")
    replay.add_argument("--speed", type=_speed, default=None, metavar="max|N",
                        help="'max' (as fast as possible, default) or N times real time")
    replay.add_argument("--since", type=_instant,
                        help="only events at or after this time (ISO-8601 with offset)")
    replay.add_argument("--until", type=_instant,
                        help="only events before this time (ISO-8601 with offset)")
    replay.add_argument("--out", help="write JSON lines here instead of sending to Kafka")
    replay.set_defaults(run=cmd_replay)

    asterisk = sub.add_parser("asterisk", help="follow an Asterisk queue_log (like tail -F, "
                              "across rotation) and publish its events to Kafka")
    asterisk.add_argument("queue_log", type=_existing_file,
                          help="e.g. /var/log/asterisk/queue_log")
    asterisk.add_argument("--from-start", action="store_true",
                          help="read the file from its start (default: only new lines)")
    asterisk.add_argument("--state", help="file keeping the read position across restarts")
    asterisk.add_argument("--idle-exit", type=_positive(float),
                          help="stop after this many seconds without new lines")
    asterisk.set_defaults(run=cmd_asterisk)

    version = sub.add_parser("version", help="print the version and whether the per-event "
                             "path runs compiled")
    version.set_defaults(run=cmd_version)

    metrics = sub.add_parser("metrics", help="list every metric the exporter serves")
    metrics.add_argument("--markdown", action="store_true",
                         help="as the README's reference table")
    metrics.add_argument("--reasons", action="store_true",
                         help="the rejection reasons instead, as the README's table")
    metrics.set_defaults(run=cmd_metrics)

    schema = sub.add_parser("schema", help="print the JSON Schema of the events "
                            "(stream/events.schema.json)")
    schema.add_argument("--markdown", action="store_true",
                        help="the README's tables of event types and fields instead")
    schema.set_defaults(run=cmd_schema)

    bench = sub.add_parser("bench", help="measure throughput, freshness and memory in one run "
                           "(starts its own broker and Redis)")
    bench.add_argument("--events", type=_positive(int), default=200_000,
                       help="events for the catch-up runs")
    bench.add_argument("--freshness-s", type=_positive(float), default=10.0,
                       help="seconds of steady load per rate")
    bench.add_argument("--contacts-per-queue", type=_positive(int), default=12,
                       help="contacts per queue and channel per day in the memory run")
    bench.add_argument("--days", type=_positive(int), default=4,
                       help="days of traffic in the memory run (at least 2)")
    bench.add_argument("--tickets", type=int, default=1_000_000,
                       help="open tickets in the tickets run (0: skip it)")
    bench.add_argument("--smoke", action="store_true", help="a tiny run that checks the bench")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(run=cmd_bench)
    return parser


class Repeats(logging.Filter):
    """Lets a message through once a minute: the Kafka client logs every failed connection
    attempt, which would otherwise be a line every few hundred milliseconds while a broker
    is away. The next one through says how many were held back."""

    def __init__(self, every_s: float = 60.0) -> None:
        super().__init__()
        self.every_s = every_s
        self.seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        last, held = self.seen.get(key, (-self.every_s, 0))
        if record.created - last < self.every_s:
            self.seen[key] = (last, held + 1)
            return False
        self.seen[key] = (record.created, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last minute)"
        return True


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        repeats = Repeats()
        for name in ("aiokafka", "kafka"):
            logging.getLogger(name).addFilter(repeats)
    try:
        args.run(args)
    except CcpulseError as exc:
        print(f"ccpulse: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)

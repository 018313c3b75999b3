"""The exporter's HTTP server: ``/metrics``, ``/healthz`` and ``/readyz``.

HTTP/1.1 with keep-alive, ``HEAD``, gzip when the scraper accepts it, and the
OpenMetrics format when it asks for it (Prometheus does), else text 0.0.4.
``/healthz`` says the process answers; ``/readyz`` says whether Redis did at the
last look (503 when not), for load balancers and orchestrators.
"""

from __future__ import annotations

import errno
import gzip
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import redis

from ccpulse.errors import CcpulseError, PortTaken
from ccpulse.exporters.collector import SiteCollector
from ccpulse.exporters.exposition import OPENMETRICS, TEXT, render
from ccpulse.state.connect import UNAVAILABLE

log = logging.getLogger(__name__)

INDEX = b"""<html><head><title>ccpulse exporter</title></head>
<body><h1>ccpulse exporter</h1><p><a href="/metrics">/metrics</a></p></body></html>"""
GZIP_LEVEL = 1  # a 1,000-queue scrape: 21 MB of text to 2.6 MB in 0.08 s


def wants_openmetrics(accept: str) -> bool:
    return "application/openmetrics-text" in accept


def make_server(collector: SiteCollector, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a scraper reuses its connection

        def do_GET(self) -> None:
            self._respond(head=False)

        def do_HEAD(self) -> None:
            self._respond(head=True)

        def _respond(self, head: bool) -> None:
            path = self.path.split("?", 1)[0]
            encoding = None
            if path == "/metrics":
                openmetrics = wants_openmetrics(self.headers.get("Accept", ""))
                body = render(collector.collect(), openmetrics)
                ctype, status = (OPENMETRICS if openmetrics else TEXT), 200
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    body, encoding = gzip.compress(body, GZIP_LEVEL), "gzip"
            elif path == "/":
                body, ctype, status = INDEX, "text/html; charset=utf-8", 200
            elif path == "/healthz":
                body, ctype, status = b"ok\n", "text/plain; charset=utf-8", 200
            elif path == "/readyz":
                ready = _redis_answers(collector.client)
                body = b"ready\n" if ready else b"not ready: Redis does not answer\n"
                ctype, status = "text/plain; charset=utf-8", 200 if ready else 503
            else:
                body, ctype, status = b"not found\n", "text/plain; charset=utf-8", 404
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept, Accept-Encoding")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(f"port {port} on {host} is already in use "
                            "(choose another with --port or CCPULSE_EXPORTER_PORT)") from None
        raise CcpulseError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    return server


def _redis_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except UNAVAILABLE:
        return False

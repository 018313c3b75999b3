"""A small HTTP server for ``/metrics``, in the Prometheus text format 0.0.4."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from exporters.collector import CcpulseCollector
from exporters.exposition import CONTENT_TYPE, render

log = logging.getLogger(__name__)

INDEX = b"""<html><head><title>ccpulse exporter</title></head>
<body><h1>ccpulse exporter</h1><p><a href="/metrics">/metrics</a></p></body></html>"""


def make_server(collector: CcpulseCollector, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                body, ctype, status = render(collector.collect()), CONTENT_TYPE, 200
            elif path == "/":
                body, ctype, status = INDEX, "text/html", 200
            elif path == "/healthz":
                body, ctype, status = b"ok\n", "text/plain", 200
            else:
                body, ctype, status = b"not found\n", "text/plain", 404
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server

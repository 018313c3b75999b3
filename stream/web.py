"""The worker's small web server: ``/metrics``, ``/healthz`` and ``/readyz``, nothing else."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ccpulse.errors import CcpulseError, PortTaken
from ccpulse.stream.metrics import WorkerMetrics


def check_free(host: str, port: int) -> None:
    """Raise :class:`PortTaken` if ``host:port`` cannot be listened on."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortTaken(f"port {port} on {host} is already in use (give each worker "
                                "its own CCPULSE_WORKER_WEB_PORT)") from None
            raise CcpulseError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


class WorkerWeb:
    def __init__(self, metrics: WorkerMetrics, ready: Callable[[], str | None], host: str,
                 port: int) -> None:
        """``ready`` returns None when ready, else why not."""
        self.metrics = metrics
        self.ready = ready
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.metrics.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        problem = self.ready()
        if problem is None:
            return web.Response(text="ready\n")
        return web.Response(status=503, text=f"not ready: {problem}\n")

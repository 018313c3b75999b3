"""The root of every ccpulse exception, and the policy for the retriable ones.

The bottom layer: imported by every other. An error either ends the process
with a one-line message (:class:`CcpulseError`, caught by the CLI) or is
retriable (a broker or store that is not there right now), and is then retried
with :class:`Backoff`: capped exponential delays with jitter, one log line when
the trouble starts and one when it ends, never a line per attempt.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable


class CcpulseError(Exception):
    """Base class for errors raised by ccpulse."""


class ConfigError(CcpulseError):
    """A setting is missing or wrong; the message names the setting."""


class PortTaken(CcpulseError):
    """A port to listen on is already in use (the message names it)."""


class Backoff:
    """Retry delays for one resource, and the log lines of its changes of state."""

    def __init__(self, what: str, log: logging.Logger, initial_s: float = 0.5,
                 cap_s: float = 30.0, jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.log = log
        self.initial_s = initial_s
        self.cap_s = cap_s
        self.jitter = jitter
        self.clock = clock
        self.failures = 0
        self.since = 0.0

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self, error: BaseException | str) -> float:
        """Note a failure; returns how long to wait before the next attempt."""
        if not self.failures:
            self.since = self.clock()
            self.log.warning("%s unavailable (%s); retrying with backoff up to %.0f s",
                             self.what, _short(error), self.cap_s)
        self.failures += 1
        ceiling = min(self.cap_s, self.initial_s * 2.0 ** min(self.failures - 1, 30))
        return ceiling / 2 + self.jitter() * ceiling / 2

    def succeeded(self) -> None:
        if self.failures:
            self.log.warning("%s available again after %.1f s (%d attempts failed)",
                             self.what, self.clock() - self.since, self.failures)
        self.failures = 0


def _short(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__

"""Following a growing log file like ``tail -F``: across rotation and truncation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass
class Position:
    inode: int
    offset: int


class Follower:
    """Yields complete lines as they are written.

    When the file is renamed away (rotation), the rest of the old file is read
    first, then the new file from its start. When it shrinks (truncation), reading
    starts again from the top. A line still being written is held back until its
    newline arrives.
    """

    def __init__(self, path: Path, start: Position | None = None, from_end: bool = False,
                 poll_s: float = 0.25, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = path
        self.poll_s = poll_s
        self.sleep = sleep
        self._file: IO[bytes] | None = None
        self._inode = -1
        self._partial = b""
        self._start = start
        self._from_end = from_end

    @property
    def position(self) -> Position:
        offset = self._file.tell() - len(self._partial) if self._file else 0
        return Position(self._inode, offset)

    def _open(self) -> bool:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return False
        self._file = handle
        self._inode = os.fstat(handle.fileno()).st_ino
        self._partial = b""
        if self._start is not None and self._start.inode == self._inode:
            handle.seek(self._start.offset)
        elif self._from_end:
            handle.seek(0, os.SEEK_END)
        self._start = None
        self._from_end = False
        return True

    def _replaced_or_truncated(self) -> bool:
        assert self._file is not None
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return False  # rotated away, new file not there yet: keep the old one
        if stat.st_ino != self._inode:
            return True
        return stat.st_size < self._file.tell()

    def read_available(self) -> list[str]:
        """Every complete line written since the last call (none if nothing new)."""
        out: list[str] = []
        while True:
            if self._file is None and not self._open():
                return out
            assert self._file is not None
            chunk = self._file.readline()
            if chunk:
                if chunk.endswith(b"\n"):
                    line, self._partial = self._partial + chunk, b""
                    out.append(line.decode("utf-8", errors="replace"))
                else:
                    self._partial += chunk
                continue
            if not self._replaced_or_truncated():
                return out
            if self.path.stat().st_ino == self._inode:  # truncated in place
                self._file.seek(0)
                self._partial = b""
            else:  # rotated: the old file is read to its end, now the new one
                self._file.close()
                self._file = None

    def lines(self, idle_timeout_s: float | None = None) -> Iterator[str]:
        """Lines forever (or until nothing new came for ``idle_timeout_s``)."""
        idle = 0.0
        while True:
            batch = self.read_available()
            if batch:
                idle = 0.0
                yield from batch
                continue
            if idle_timeout_s is not None and idle >= idle_timeout_s:
                return
            self.sleep(self.poll_s)
            idle += self.poll_s

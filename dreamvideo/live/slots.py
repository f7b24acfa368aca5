"""Hand-overs between the live stages that keep only the newest item: a slower stage skips, never queues.

Every frame is stamped once, at capture, with :func:`time.monotonic` (the one clock of a
live run), so its latency is measured where it leaves: at the sinks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")
clock = time.monotonic  # the one clock: capture stamps, latency, rates


@dataclass(frozen=True)
class Stamped:
    """A captured frame: uint8 RGB, its capture time on :data:`clock`, its capture number from 0."""

    frame: np.ndarray
    stamp: float
    seq: int


class Latest(Generic[T]):
    """One slot holding the newest item and how many were put; readers wait for a newer one.

    Putting replaces what was there, so a reader that falls behind gets the newest item
    and the ones it missed are gone (counted as dropped by whoever cares). ``close``
    wakes every waiting reader: the run is ending.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._count = 0
        self.closed = False

    def put(self, item: T) -> None:
        with self._cond:
            self._item, self._count = item, self._count + 1
            self._cond.notify_all()

    def peek(self) -> tuple[int, T | None]:
        """(items put so far, the newest) without waiting."""
        with self._cond:
            return self._count, self._item

    def newer(self, seen: int, timeout: float) -> tuple[int, T] | None:
        """The newest item once more than ``seen`` were put; None on timeout or when closed."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._count > seen or self.closed, timeout):
                return None
            if self._count <= seen:
                return None
            return self._count, self._item  # type: ignore[return-value]

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

"""What a live run measures: frames captured, shown and dreamed, and each shown frame's latency.

Latency is the :data:`~.slots.clock` time from a frame's capture to its hand-over to
the sinks, so it covers the flow, the warp and the sinks' own work, not the camera's.
"""

from __future__ import annotations

import threading

import numpy as np

from .slots import Stamped, clock


class LiveStats:
    """Counters the stages add to from their own threads; :meth:`summary` is the one line a run ends with.

    Counting starts with the first frame shown (the model's first dream is warm-up): a
    frame captured between the first and the last shown one that never reached the
    sinks is dropped, and dreams are counted from then on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.shown = self.dreamed = 0
        self.latencies: list[float] = []
        self.first: tuple[float, int] | None = None  # (time, capture number) of the first frame shown
        self.last: tuple[float, int] | None = None

    def show(self, source: Stamped) -> float:
        """Frame ``source`` reached the sinks now; its latency in seconds."""
        now = clock()
        with self._lock:
            self.shown += 1
            self.latencies.append(now - source.stamp)
            self.last = (now, source.seq)
            self.first = self.first or self.last
        return now - source.stamp

    def dream(self) -> None:
        with self._lock:
            self.dreamed += self.first is not None

    @property
    def captured(self) -> int:
        return 0 if self.first is None or self.last is None else self.last[1] - self.first[1] + 1

    def figures(self) -> dict[str, float]:
        """Shown fps, dreams per second, latency p50/p95 in ms, dropped % (captured, never shown)."""
        with self._lock:
            span = (self.last[0] - self.first[0]) if self.first and self.last else 0.0
            late = np.asarray(self.latencies or [0.0]) * 1000
            return {"shown_fps": (self.shown - 1) / span if span > 0 else 0.0,
                    "dreamed_per_s": self.dreamed / span if span > 0 else 0.0,
                    "p50_ms": float(np.percentile(late, 50)), "p95_ms": float(np.percentile(late, 95)),
                    "dropped_pct": 100 * (self.captured - self.shown) / max(1, self.captured)}

    def summary(self) -> str:
        f = self.figures()
        return (f"live: shown {f['shown_fps']:.1f} fps, dreamed {f['dreamed_per_s']:.1f}/s, latency p50 "
                f"{f['p50_ms']:.0f} ms p95 {f['p95_ms']:.0f} ms, dropped {f['dropped_pct']:.0f}%")

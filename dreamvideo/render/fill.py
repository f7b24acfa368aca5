"""The one resumable render loop: fill a frame store by following a frame plan.

A plan says which frame indices it needs and how each is made. The loop loads a
finished frame when the store has it (and lets the plan pick up its chain state
from it) or asks the plan to make it and saves it. Encoding is a separate pass
(:mod:`.assemble`), so a store can also be filled by several workers.
"""

from __future__ import annotations

from typing import Iterator, Protocol

import numpy as np

from ..errors import interrupted
from ..progress import Advance, Reporter
from .store import FrameStore


class FramePlan(Protocol):
    """How a render makes its frames, one index after another."""

    total: int | None  # frames expected, for the progress bar (None when unknown)
    steps: int         # gradient steps per frame, for the progress bar

    def indices(self) -> Iterator[int]:
        """The frame indices to fill, in order; may end early (a short video)."""
        ...

    def make(self, index: int, advance: Advance) -> np.ndarray:
        """Dream frame ``index`` (the plan keeps whatever chain state it needs)."""
        ...

    def resume(self, index: int, frame: np.ndarray) -> None:
        """Frame ``index`` was already finished: carry its chain state forward."""
        ...


def fill(plan: FramePlan, store: FrameStore, progress: Reporter) -> list[int]:
    """Make every frame the plan needs that the store lacks; returns the indices filled.

    Ctrl-C becomes :class:`Interrupted`, naming the folder where finished frames wait.
    """
    advance_frames = progress.task("frames", plan.total)
    advance_steps = progress.task("steps", plan.steps)
    done: list[int] = []
    if kept := store.count():
        progress.note(f"resuming from frame {store.first_missing()}: {kept} finished frame(s) "
                      f"kept in {store.folder}")
    try:
        for index in plan.indices():
            frame = store.load(index)
            if frame is None:
                progress.reset(advance_steps)
                frame = plan.make(index, advance_steps)
                store.save(index, frame)
            else:
                plan.resume(index, frame)
            done.append(index)
            advance_frames(1)
    except KeyboardInterrupt:
        raise interrupted(f"{store.count()} finished frame(s)", store.folder) from None
    return done

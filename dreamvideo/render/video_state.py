"""A video's chain state between runs: which frame's coherence state a frame needs, and the repair
of a resume whose state is missing or damaged.

Frame i of a coherent clip is made from the coherence state its keyframe chain left: the
state after the last keyframe before it (every frame is a keyframe at `cadence` 1). That
state (per-octave float detail) is not in the PNGs, so it is saved beside the keyframe as
``frame_N.coherence.npz``. The last two keyframes' states are kept, and every
``CHECKPOINT``-th keyframe's, so a bad state never costs more than that many frames.

On resume the state the first missing frame needs is read (``allow_pickle=False``: a state
file holds plain arrays only). If it is missing or damaged, the render goes back to the
newest good state, deletes the finished frames made after it and their states (they depend
on the lost state) and dreams them again: the result is byte for byte the uninterrupted
render. With no good state at all it starts over from frame 0, which needs none. Only the
store's own files are deleted (:meth:`FrameStore.drop_from`), never a user's in a `frames_dir`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..motion.coherence import read_state
from .store import FrameStore

CHECKPOINT = 50  # every CHECKPOINT-th keyframe keeps its state for good
Arrays = dict[str, np.ndarray]


class ChainStates:
    """The saved states of one video plan; ``start`` is where its chain begins (0, or a chunk's start)."""

    def __init__(self, store: FrameStore, cadence: int = 1, start: int = 0) -> None:
        self.store, self.cadence, self.start = store, cadence, start

    def path(self, index: int) -> Path:
        return self.store.state_path(index)

    def is_key(self, index: int) -> bool:
        """Keyframes are dreamed; the chain's first frame always is one."""
        return index == self.start or index % self.cadence == 0

    def needed(self, index: int) -> int | None:
        """The keyframe whose state frame ``index`` is made from (None: the chain's first frame)."""
        if index <= self.start:
            return None
        return max(self.start, (index - 1) // self.cadence * self.cadence)

    def saved(self, index: int) -> None:
        """After keyframe ``index`` was saved: drop the state two keyframes back, unless a checkpoint."""
        old = index - 2 * self.cadence
        if old > self.start and (old // self.cadence) % CHECKPOINT:
            self.path(old).unlink(missing_ok=True)

    def _newest_good(self, below: int) -> tuple[int, Arrays] | None:
        """The newest keyframe before ``below`` with a readable state."""
        for index in (i for i in reversed(self.store.states()) if i < below):
            if (arrays := read_state(self.path(index))) is not None:
                return index, arrays
        return None

    def repair(self, missing: int) -> tuple[Arrays | None, int | None]:
        """Make the chain resumable at the first missing frame ``missing``.

        Returns the state to continue from (None when none is needed) and, when finished
        frames had to be deleted, the first of them (None when the state was good).
        """
        need = self.needed(missing)
        if need is None:
            return None, None
        if (arrays := read_state(self.path(need))) is not None:
            return arrays, None
        good = self._newest_good(need)
        redo = self.start if good is None else (good[0] // self.cadence + 1) * self.cadence
        self.store.drop_from(redo)  # only the store's own files: a user's frame_01.png stays
        return (None if good is None else good[1]), redo

    def lost(self, index: int, redo: int) -> str:
        """One line: what a resume dreams again because frame ``index``'s state was bad."""
        return (f"the coherence state of frame {self.needed(index)} is missing or damaged: dreaming again "
                f"from frame {redo} (the frames after it depend on it)")

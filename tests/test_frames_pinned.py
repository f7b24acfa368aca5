"""Frames are pinned: the same settings and seed give the same pictures as the stored goldens.

The goldens (tests/data/golden_*.png, written by ``python -m tests.golden write``) are
compared within a tolerance, never byte for byte: float rounding differs between CPUs
and the dream feeds each frame into the next, so a last-bit difference grows frame by
frame. Measured on an AMD EPYC (AVX-512) against the same code, per frame (max/mean |diff|, 1/255):

- 1 torch thread instead of 2: zoom 0/0, 0/0, 1/0.00, 84/3.6; every video frame equal.
- ``ATEN_CPU_CAPABILITY=avx2`` (+ ``ONEDNN_MAX_CPU_ISA=AVX2``, OpenCV SIMD off): all equal.
- ``ATEN_CPU_CAPABILITY=default`` (no vector kernels, the harshest): zoom 0/0, 34/1.15,
  73/6.2, 116/8.6; flow 0/0, 0/0, 2/0.004, 18/0.53, 50/2.3, 49/3.4; blend and none equal.

So early frames are held to max <= 3/255 and mean <= 0.3/255 (zoom frame 0; flow frames
0-2; all six blend and none frames, which only mix dreams of the clip), and the first
frame past them (zoom 1, flow 3) to mean <= 3/255 only: a real change moves it far more
(rotating the other way, zoom 1.08 or 1.12, or 3 steps instead of 2 each gave a mean of 10-14/255
on zoom frame 1). Later feedback frames are not compared: their drift (up to 8.6/255
mean) comes too close to what a real change does. If a new *default* changes frames, set
the old behaviour explicitly in tests/golden.py; never rewrite a golden to make this pass.
"""

import numpy as np
import pytest

from .golden import DATA, MODES, read_strip, strip_name, video_frames, zoom_frames

MAX, MEAN, LOOSE_MEAN = 3, 0.3, 3.0   # in 1/255
# render -> (frames held to MAX and MEAN, frames after them held to LOOSE_MEAN)
COMPARED = {None: (1, 1), "flow": (3, 1), "blend": (6, 0), "none": (6, 0)}


def assert_close(frames, mode):
    strict, loose = COMPARED[mode]
    golden = read_strip(DATA / strip_name(mode), 4 if mode is None else 6)
    assert len(frames) == len(golden)
    for index, (frame, want) in enumerate(zip(frames[:strict + loose], golden)):
        diff = np.abs(frame.astype(np.int16) - want.astype(np.int16))
        if index < strict:
            assert diff.max() <= MAX and diff.mean() <= MEAN, (index, diff.max(), diff.mean())
        else:
            assert diff.mean() <= LOOSE_MEAN, (index, diff.mean())


def test_zoom_frames_are_unchanged(tmp_path):
    assert_close(zoom_frames(tmp_path), None)


@pytest.mark.parametrize("mode", MODES)
def test_video_frames_are_unchanged(tmp_path, mode):
    assert_close(video_frames(tmp_path, mode), mode)

"""Chunk plans: every frame kept exactly once, warm-ups and fades where the plan says."""

from __future__ import annotations

import pytest

from dreamvideo.errors import DreamError
from dreamvideo.distributed.chunks import fade_weight, plan, seam_steps


def kept(chunks, total):
    """Which chunks keep each frame (shared frames are kept by two)."""
    owners = {i: [] for i in range(total)}
    for c in chunks:
        stop = total if c.stop is None else c.stop + c.tail
        for i in range(c.first, stop):
            if c.role(i) != "warmup":
                owners[i].append(c.number)
    return owners


@pytest.mark.parametrize("total,size,warmup,overlap", [(10, 4, 2, 0), (250, 120, 10, 0), (37, 10, 3, 2),
                                                       (5, 120, 10, 0), (121, 120, 10, 0)])
def test_every_frame_is_kept_once_or_faded_between_two(total, size, warmup, overlap):
    chunks = plan(total, size, warmup, overlap)
    owners = kept(chunks, total)
    for index, who in owners.items():
        assert len(who) in (1, 2), index
        if len(who) == 2:
            assert sum(fade_weight(chunks[k], index) for k in who) == pytest.approx(1.0)
            assert all(0 < fade_weight(chunks[k], index) < 1 for k in who)
        else:
            assert fade_weight(chunks[who[0]], index) == 1.0


def test_warmup_starts_early_and_never_before_frame_zero():
    chunks = plan(250, 120, 10)
    assert [(c.first, c.stop, c.dream_start) for c in chunks] == [(0, 120, 0), (120, 240, 110), (240, 250, 230)]
    assert plan(30, 4, 10)[1].dream_start == 0


def test_a_last_chunk_too_short_to_fade_into_is_merged():
    chunks = plan(124, 60, 5, overlap=8)
    assert [c.stop for c in chunks] == [60, 124]
    assert chunks[0].dream_stop == 68 and chunks[1].role(60) == "head" and chunks[1].role(68) == "own"


def test_open_end_reads_to_the_end_of_the_stream():
    chunks = plan(100, 40, 4, open_end=True)
    assert chunks[-1].stop is None and chunks[-1].dream_stop is None
    assert "frames 80-end" in chunks[-1].label


def test_seam_steps_cover_each_fade_and_the_step_out_of_it():
    assert seam_steps(plan(30, 10, 2)) == {10, 20}
    assert seam_steps(plan(30, 10, 2, overlap=3)) == {10, 11, 12, 13, 20, 21, 22, 23}


@pytest.mark.parametrize("args,field", [((10, 0, 1), "chunk_frames"), ((10, 4, -1), "warmup_frames"),
                                        ((10, 4, 1, 4), "overlap")])
def test_nonsense_plans_name_the_setting(args, field):
    with pytest.raises(DreamError, match=field):
        plan(*args)


def test_the_seam_figure_compares_flicker_at_seams_with_flicker_inside_chunks():
    import numpy as np

    from dreamvideo.distributed.chunks import seam_flicker
    from dreamvideo.motion.metrics import measured

    inputs = [np.full((2, 2, 3), v, np.uint8) for v in (0, 10, 20, 30, 40)]
    outputs = [np.full((2, 2, 3), v, np.uint8) for v in (0, 10, 20, 60, 70)]  # a pop at step 3
    assert seam_flicker(measured(inputs, outputs), {3}) == pytest.approx((4.0, 1.0, 4.0))
    assert seam_flicker(measured(inputs, inputs), set()) is None  # no seams
    assert seam_flicker(measured([inputs[0]] * 5, outputs), {3}) is None  # no motion to compare with

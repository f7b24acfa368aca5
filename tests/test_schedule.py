import math
from typing import Annotated

import numpy as np
import pytest
from pydantic import BaseModel, Field, ValidationError

from dreamvideo.errors import DreamError
from dreamvideo.settings.expressions import parse_keyframes
from dreamvideo.settings.schedule import Timeline, schedule, series

Zoom = Annotated[float, Field(ge=0.5, le=2.0)]
Shift = Annotated[float, Field(ge=-100, le=100)]


class Motion(BaseModel):
    zoom: schedule(Zoom) = {0: 1.04}
    translate: schedule(tuple[Shift, Shift]) = {0: (0.0, 0.0)}


def zooms(value, frames=130, interpolation="linear", **features):
    return series("zoom", Motion(zoom=value).zoom, Timeline(frames, 24, features), interpolation, Zoom)


def test_deforum_string_interpolates_numbers_and_evaluates_expressions_per_frame():
    z = zooms("0:(1.04), 60:(1.0025+0.02*sin(2*pi*t/48)), 120:(1.06)")
    expr = lambda t: 1.0025 + 0.02 * math.sin(2 * math.pi * t / 48)  # noqa: E731
    assert z[0] == pytest.approx(1.04)
    assert z[30] == pytest.approx((1.04 + expr(60)) / 2)  # a number ramps towards the next keyframe
    assert z[60] == pytest.approx(expr(60)) and z[97] == pytest.approx(expr(97))
    assert z[119] == pytest.approx(expr(119)) and z[120] == z[129] == pytest.approx(1.06)


def test_positions_may_be_expressions_of_the_run_length():
    r = series("rotate", "0:(0), (max_f/2):(10), (max_f-1):(0)", Timeline(21), "linear", float)
    assert (r[0], r[5], r[10], r[20]) == pytest.approx((0, 5, 10, 0))


def test_plain_number_string_and_mapping_stay_simple():
    assert Motion(zoom="1.05").zoom == {0: 1.05}
    assert Motion(zoom=1.1).model_dump(mode="json")["zoom"] == {"0": 1.1}
    text = "0:(1.04), 60:(1.06)"
    assert Motion(zoom=text).model_dump(mode="json")["zoom"] == text  # sidecars keep what was written
    assert list(zooms({0: 1.0, 10: 2.0}, 11)) == pytest.approx(np.linspace(1, 2, 11))


def test_pairs_take_two_values_per_keyframe():
    t = series("translate", Motion(translate="0:(0, 0), 10:(4*sin(t), -1)").translate,
               Timeline(12), "linear", tuple[Shift, Shift])
    assert t.shape == (12, 2)
    assert tuple(t[5]) == pytest.approx((2 * math.sin(10), -0.5))  # ramps to the expression's value at 10
    assert tuple(t[11]) == pytest.approx((4 * math.sin(11), -1))


def test_interpolation_modes():
    keys = {0: 1.1, 10: 1.5, 20: 1.2}
    linear, cubic, step = (zooms(keys, 21, mode) for mode in ("linear", "cubic", "step"))
    assert linear[5] == pytest.approx(1.3) and step[5] == 1.1 and step[10] == 1.5
    assert cubic[10] == pytest.approx(1.5) and cubic[5] != pytest.approx(1.3)
    assert np.abs(np.diff(cubic, 2)).max() < np.abs(np.diff(linear, 2)).max()  # smooth turn at 10


def test_audio_features_are_variables():
    onset = np.zeros(10)
    onset[4] = 1.0
    z = zooms("0:(1.01 + 0.08*onset)", 10, onset=onset)
    assert z[4] == pytest.approx(1.09) and z[3] == pytest.approx(1.01)


@pytest.mark.parametrize("text, message", [
    ("0:(1.04), 60:(1+tt)", "keyframe 60: unknown name 'tt'"),
    ("0:(1.04), (max_f/2):(sin(t)", "unbalanced '('"),
    ("0:(1.04), 30:(foo(t))", "keyframe 30: unknown function 'foo'"),
    ("0:(__import__('os').system('true'))", "keyframe 0: only numbers, names, arithmetic and functions"),
    ("0:(t.real)", "keyframe 0: only numbers, names, arithmetic and functions such as sin(t) are allowed, "
                   "not 't.real'"),
    ("0:(sum(t))", "keyframe 0: unknown function 'sum'"),
    ("0:(1.04), 60", "'60' is not position:(value)"),
    ("(t):(1.04)", "keyframe (t): position: unknown name 't'"),
])
def test_bad_expressions_are_one_line_errors_naming_the_keyframe(text, message):
    with pytest.raises(ValidationError) as error:
        Motion(zoom=text)
    (problem,) = error.value.errors()
    assert problem["loc"] == ("zoom",) and message in problem["msg"] and "\n" not in problem["msg"]


SUM = "+".join(["0.0001"] * 30000)


@pytest.mark.parametrize("text, message", [
    ("0:(9**9**9**9)", "keyframe 0: '9**9**9' is too large a number (beyond 1e308)"),
    ("0:(1+(9**99)**99*t)", "keyframe 0: '(9**99)**99' is too large a number"),
    ("0:(1e400*t)", "keyframe 0: '1e400' is too large a number"),
    (f"0:({SUM})", "keyframe 0: expression of 209999 characters; at most 2000"),
    ("0:(" + "+".join(["t"] * 300) + ")", "keyframe 0: expression nested more than 200 levels deep"),
    ("0:(" + "sin(" * 300 + "t" + ")" * 300 + ")", "keyframe 0: expression nested more than 200 levels deep"),
    ("0:(1+" + "(" * 300 + "t" + ")" * 300 + ")", "keyframe 0: expression nested more than 200 levels deep"),
    ("0:(1.04), (1e6*max_f):(1.05)", None),
])
def test_expressions_that_would_hang_or_overflow_the_stack_are_refused_at_once(text, message):
    """``9**9**9**9`` used to never return (numexpr folds constants in Python integers) and a
    long sum raised RecursionError; each is now one line, found before numexpr runs."""
    if message is None:  # a far position passes the parse and is refused when placed
        with pytest.raises(DreamError, match=r"^`zoom`: keyframe \(1e6\*max_f\): position 2e\+07 is beyond the last "
                                             r"frame \(a render has at most 100000 frames\)$"):
            zooms(text, 20)
        return
    with pytest.raises(ValidationError) as error:
        Motion(zoom=text)
    (problem,) = error.value.errors()
    assert message in problem["msg"] and "\n" not in problem["msg"]
    assert len(problem["msg"]) < 200  # parentheses nested 300 deep were a "syntax error" echoing them all


def test_a_long_bad_expression_is_quoted_by_its_start():
    with pytest.raises(ValidationError) as error:
        Motion(zoom="0:(" + "+".join(["t"] * 150) + "+tt)")
    (problem,) = error.value.errors()
    assert "keyframe 0: unknown name 'tt' in 't+t+t+" in problem["msg"] and "...'" in problem["msg"]
    assert len(problem["msg"]) < 200


def test_a_keyframe_far_beyond_the_last_frame_is_refused_not_allocated():
    """``1e15`` as a position used to size the series (1e15 floats: "out of memory");
    a keyframe past the last frame still shapes the ramp up to it."""
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 1e15: position 1e\+15 is beyond the last frame"):
        zooms("0:(1.0), 1e15:(1.1)", 20)
    with pytest.raises(ValidationError, match="position 1e\\+15 is beyond the last frame"):
        Motion(zoom={0: 1.0, 10**15: 1.1})
    assert zooms("0:(1.0), 40:(1.2)", 21)[20] == pytest.approx(1.1)


def test_values_out_of_range_or_not_finite_are_caught_before_rendering():
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 10: value 2.1 at frame 11 is out of range \(must be <= 2\)$"):
        zooms("0:(1.04), 10:(1 + t/10)", 20)
    # between two keyframes, the one whose own value is out of range, though the ramp to it crosses first
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 4: value 3 at frame 4 is out of range \(must be <= 2\)$"):
        zooms("0:(1.5), 4:(3)", 20)
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 24: value 3.5 at frame 24 is out of range"):
        zooms("0:(1.5), 24:(3.5)", 20)  # past the last frame, still what the ramp heads for
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 0: value 2.5 at frame 0 is out of range"):
        zooms("0:(2.5), 4:(1)", 20)
    assert zooms("0:(1.5), 40:(2.5)", 20)[-1] == pytest.approx(1.975)  # out of range only after the last frame
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 0: '1/\(t-3\)' is not a finite number at frame 3$"):
        zooms("0:(1/(t-3))", 20)
    with pytest.raises(DreamError, match=r"^`zoom`: keyframe 0: .bass. needs an audio track: set `audio`$"):
        zooms("0:(1 + bass)", 20)


def test_parse_keeps_nested_parentheses():
    (key,) = parse_keyframes("(max_f-1):((1+2)*(3))")
    assert key.position == "max_f-1" and key.values == ("(1+2)*(3)",)

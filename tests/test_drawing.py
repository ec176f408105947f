"""The drawing model without a widget: strokes, jitter, undo, clear, the picture, the pen."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_pad.core.drawing import DEFAULT_PEN, PEN_RANGE, Drawing


def test_strokes_are_made_point_by_point_and_jitter_adds_nothing():
    d = Drawing()
    assert d.is_empty() and not d.extend(0.5, 0.5, 1.0) and not d.end()  # nothing to extend or end yet
    d.begin(0.2, 0.2, 1.0)
    assert d.is_drawing() and not d.is_empty()
    assert d.extend(0.3, 0.4, 0.5)
    assert not d.extend(0.30004, 0.40004, 0.5)  # a sub-pixel tremble
    assert d.end() and not d.is_drawing()
    (stroke,) = d.arrays()
    np.testing.assert_allclose(stroke, [[0.2, 0.2, 1.0], [0.3, 0.4, 0.5]])
    assert d.strokes[0].width == DEFAULT_PEN


def test_undo_takes_the_stroke_in_progress_then_strokes_then_the_picture():
    d = Drawing()
    d.set_picture("a picture")
    for x in (0.1, 0.5):
        d.begin(x, 0.1, 1.0)
        d.extend(x, 0.9, 1.0)
        d.end()
    d.begin(0.9, 0.1, 1.0)
    assert len(d.all_strokes()) == 3
    assert d.undo() and d.current is None and len(d.strokes) == 2
    assert d.undo() and d.undo() and d.strokes == [] and d.picture == "a picture"
    assert d.undo() and d.is_empty()
    assert not d.undo() and not d.clear()  # nothing left: no change to report


def test_replace_checks_strokes_and_the_pen_is_clamped():
    d = Drawing()
    d.set_picture("old")
    d.replace([np.array([[0.1, 0.2], [0.3, 0.4]])], pen=0.08)
    assert d.picture is None and d.strokes[0].width == 0.08 and d.arrays()[0][:, 2].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="stroke 0"):
        d.replace([np.array([[np.nan, 0.1, 1.0]])])
    assert d.set_pen(1.0) and d.pen == PEN_RANGE[1]
    assert not d.set_pen(5.0)  # clamped to the same width: no change
    d.begin(0.5, 0.5, 1.0)
    assert d.current.width == PEN_RANGE[1]  # a new stroke takes the pen of its time

"""The window fits the small screens people have (1366x768, 1024x768): every named control of every tab lies
within the window when it is that size."""

from __future__ import annotations

import pytest
import torch
from qt_setups import placed, window_at

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.models import build
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    torch.manual_seed(0)
    w = MainWindow(AppState(load(save(tmp_path / "m.safetensors", build("fast"), name="m"))))
    qtbot.addWidget(w)
    yield w
    w.close()


def controls(window: MainWindow) -> dict[str, list]:
    train, evaluate, pad = window.train, window.evaluate, window.pad
    return {
        "Pad": [pad.canvas, pad.chart, pad.saliency, pad.steps, pad.feature_maps],
        "Train": [train.collect, train.gallery.import_button, train.gallery.export_button, train.gallery.delete_button,
                  train.picker.combo, train.picker.revert_button, train.data_row.edit, train.finetune_options.button,
                  train.cancel_button, train.curves, train.results],
        "Evaluate": [evaluate.evaluate_button, evaluate.compare_button, evaluate.export_button, evaluate.cancel_button,
                     evaluate.confusion, evaluate.metrics, evaluate.pages],
    }


@pytest.mark.parametrize("size", [(1366, 768), (1024, 768)])
def test_every_control_is_inside_the_window(qtbot, window, size):
    assert window.minimumSizeHint().width() <= size[0] and window.minimumSizeHint().height() <= size[1] - 40
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= size[0] and window.height() <= size[1]
    for tab, widgets in controls(window).items():
        window.tabs.setCurrentIndex([window.tabs.tabText(i) for i in range(window.tabs.count())].index(tab))
        qtbot.wait(10)
        for widget in widgets:
            assert widget.isVisible(), (tab, type(widget).__name__)
            rect = placed(widget, window)
            assert window.rect().contains(rect), (tab, type(widget).__name__, rect, window.rect())


def test_an_onnx_model_with_its_occlusion_and_attribution_fits_1024_wide(qtbot, tmp_path):
    """A model without gradients gets longer texts (its saliency is occlusion, the Attribution tab says what needs
    gradients): they must not widen the window past a 1024-pixel screen."""
    from mnist_pad.core.export import export_onnx

    torch.manual_seed(0)
    onnx = export_onnx(build("fast"), tmp_path / "theirs.onnx")
    window = window_at(qtbot, tmp_path, (1024, 768), load(onnx))
    window.pad.side_tabs.setCurrentWidget(window.pad.attribution)
    window.pad.canvas.set_strokes([[(0.5, 0.2, 1.0), (0.5, 0.8, 1.0)]])
    window.pad.refresh()
    qtbot.waitUntil(lambda: bool(window.pad.attribution.maps), timeout=10_000)
    window.pad._update_slow_views()
    qtbot.wait(50)
    assert window.minimumSizeHint().width() <= 1024 and window.width() <= 1024
    window.close()

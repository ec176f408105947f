"""The Train tab's models and data as a user meets them: names that do not chain, renaming and deleting,
a new model that reads worse than the one in use is kept aside, the status says which model is in use, and
missing MNIST is a question in the window's words (choose a folder, or download after asking)."""

from __future__ import annotations

import pytest
import torch

from mnist_pad.core.checkpoint import save
from mnist_pad.core.data import DataMissing
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir
from mnist_pad.qt import data_prompt, dialogs
from mnist_pad.qt.train_tab import TrainTab

from qt_setups import make_train_tab
from synthetic import NoData, Synthetic, synthetic_split


@pytest.fixture
def tab(qtbot, tmp_path):
    torch.manual_seed(0)
    base = save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist", test_accuracy=0.995)
    widget = make_train_tab(qtbot, base, tmp_path)
    yield widget
    widget.shutdown()
    widget.app.close()


def fill(tab: TrainTab, n: int = 20) -> None:
    split = synthetic_split(n, seed=5)
    for image, label in zip(split.images.numpy(), split.labels.tolist()):
        tab.store.add(int(label), image)


def finetune(tab: TrainTab, qtbot) -> None:
    tab.finetune_options.steps.setValue(4)
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_finetune()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)


def test_fine_tunes_of_fine_tunes_do_not_chain_names(tab, qtbot):
    fill(tab)
    finetune(tab, qtbot)
    assert tab.app.checkpoint.name == "base-tuned"
    finetune(tab, qtbot)
    assert tab.app.checkpoint.name == "base-tuned-2" and tab.app.checkpoint.meta["base"] == "base-tuned"


def test_rename_and_delete_the_model_in_use(tab, qtbot, monkeypatch):
    fill(tab)
    finetune(tab, qtbot)
    assert tab.picker.rename_action.isEnabled() and tab.picker.delete_action.isEnabled()
    monkeypatch.setattr(dialogs, "ask_text", lambda *a: "my hand")
    tab.picker.rename_current()
    ckpt = tab.app.checkpoint
    assert ckpt.path == models_dir() / "my-hand.safetensors" and ckpt.path.exists() and ckpt.name == "my-hand"
    assert "my-hand" in tab.picker.combo.currentText() and "Renamed" in tab.status.text()
    assert not (models_dir() / "base-tuned.safetensors").exists()

    monkeypatch.setattr(dialogs, "confirm", lambda *a: False)
    tab.picker.delete_current()
    assert ckpt.path.exists()
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)
    tab.picker.delete_current()
    assert not ckpt.path.exists() and tab.app.checkpoint.name == "base"
    assert "Deleted my-hand" in tab.status.text()


def test_a_shipped_model_cannot_be_renamed_or_deleted(tab):
    shipped = next(e for e in tab.picker.entries if e.shipped)
    tab.picker.open_file(str(shipped.path))
    assert tab.picker.current_entry().shipped
    assert not tab.picker.rename_action.isEnabled() and not tab.picker.delete_action.isEnabled()
    tab.picker.delete_current()
    assert "cannot be deleted" in tab.status.text() and shipped.path.exists()


def test_a_model_trained_from_scratch_that_reads_worse_is_kept_aside(tab, qtbot):
    current = tab.app.checkpoint
    tab.scratch_options.epochs.setValue(1)
    tab.start_training(batch_size=50, val_size=50, log_every=2)
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert tab.app.checkpoint is current  # 99.5% beats a tiny model trained for one epoch on 300 images
    saved = list(models_dir().glob("fast-mnist*.safetensors"))
    assert len(saved) == 1 and "Still using base" in tab.status.text()
    assert tab.picker.combo.findData(str(saved[0])) >= 0  # a click away


def test_the_status_says_which_model_is_in_use_after_revert(tab, qtbot):
    fill(tab)
    finetune(tab, qtbot)
    tab.picker.revert()
    assert tab.status.text().startswith("Now using base")


def test_missing_mnist_asks_and_a_chosen_folder_runs_the_job_again(tab, qtbot, tmp_path, monkeypatch):
    fill(tab)
    tab.app.load_split = NoData()
    asked = []

    def choose_folder(parent, missing):
        asked.append(missing)
        tab.app.load_split = Synthetic()  # as if the folder chosen held the files
        return "folder"

    monkeypatch.setattr(data_prompt, "ask", choose_folder)
    monkeypatch.setattr(data_prompt.QFileDialog, "getExistingDirectory", lambda *a: str(tmp_path))
    tab.finetune_options.steps.setValue(4)
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_finetune()
    assert isinstance(asked[0], DataMissing) and asked[0].dataset == "mnist"
    assert tab.app.data_dir == str(tmp_path) and tab.app.checkpoint.name == "base-tuned"


def test_missing_mnist_is_said_in_the_windows_words_and_nothing_downloads_unasked(tab, qtbot, monkeypatch):
    fill(tab)
    tab.app.load_split = NoData()
    monkeypatch.setattr(data_prompt, "ask", lambda *a: None)
    tab.start_finetune()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=30_000)
    text = tab.status.text()
    assert "MNIST images are not on this computer" in text and "download" in text
    assert "--data-dir" not in text and "MNIST_PAD_DATA" not in text
    assert tab.app.data_source is not None and not tab.app.allow_download
    tab.app.load_split = None
    assert tab.app.data_source().allow_download is False
    monkeypatch.setattr(data_prompt, "ask", lambda *a: "download")
    retried = []
    data_prompt.offer_data(tab, tab.app, DataMissing("x", "mnist"), lambda: retried.append(1), lambda _: None)
    assert retried and tab.app.data_source().allow_download is True


def test_rename_and_delete_wait_while_a_job_runs_and_never_touch_a_model_from_elsewhere(tab, qtbot, tmp_path):
    fill(tab)
    finetune(tab, qtbot)
    assert tab.picker.rename_action.isEnabled()
    tab.picker.set_busy(True)  # the window does this while either tab's job runs
    assert not tab.picker.rename_action.isEnabled() and not tab.picker.delete_action.isEnabled()
    tab.picker.set_busy(False)
    elsewhere = save(tmp_path / "elsewhere.safetensors", build("fast"), name="elsewhere")
    assert tab.picker.open_file(str(elsewhere))
    assert not tab.picker.rename_action.isEnabled() and not tab.picker.delete_action.isEnabled()


def test_the_mnist_check_after_a_fine_tune_asks_for_mnist_and_runs_again(tab, qtbot, monkeypatch):
    fill(tab)
    tab.finetune_options.replay.setValue(0)  # the fine-tune itself needs no MNIST: only its check does
    tab.app.load_split = NoData()
    asked = []

    def choose_download(parent, missing):
        asked.append(missing.dataset)
        tab.app.load_split = Synthetic()  # as if the download had brought it
        return "download"

    monkeypatch.setattr(data_prompt, "ask", choose_download)
    finetune(tab, qtbot)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved base-tuned and switched to it ("), timeout=60_000)
    assert asked == ["mnist"] and tab.app.checkpoint.meta.get("test_accuracy") is not None

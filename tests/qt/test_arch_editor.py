"""The architecture editor and the techniques of Train from scratch: the layer list read as the core's ArchConfig
(and every registry net written back as layers), the live shapes and parameter counts, the reasons a net cannot
be built (and the Train button waiting meanwhile), and a net of one's own trained with chosen techniques in the job
process, loaded back as it was built. Tiny synthetic data keeps the training fast; no real MNIST is loaded."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest
import torch

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.models import ARCHS, ArchConfig, build, parameter_count
from mnist_pad.core.paths import models_dir
from mnist_pad.core.tensorboard_log import CSV_NAME
from mnist_pad.qt.arch_editor import ArchEditor, shape_text
from mnist_pad.qt.layer_list import Layer, LayerError, layers_of, summarize, to_arch
from mnist_pad.qt.theme import error_colour
from qt_setups import close_train_tab, make_train_tab, placed, window_at


@pytest.fixture
def editor(qtbot) -> ArchEditor:
    widget = ArchEditor()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def tab(qtbot, tmp_path):
    torch.manual_seed(0)
    widget = make_train_tab(qtbot, save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist"),
                            tmp_path)
    yield widget
    close_train_tab(widget, qtbot)


def built(arch: ArchConfig) -> int:
    return parameter_count(build(arch))


def kinds(editor: ArchEditor) -> list[str]:
    return [layer.kind for layer in editor.layers()]


# --- the layer list and ArchConfig -------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(ARCHS))
def test_every_registry_net_reads_back_as_itself_with_the_cores_counts(name):
    cfg = ARCHS[name]
    layers = layers_of(cfg)
    assert to_arch(layers, cfg) == cfg
    summary = summarize(layers, cfg)
    net = build(cfg)
    assert summary.arch == cfg and summary.total == parameter_count(net)
    assert sum(summary.params) + summary.output_params == summary.total  # every parameter is in one row
    convs = [shape for layer, shape in zip(layers, summary.shapes) if layer.kind == "conv"]
    assert [shape[0] for shape in convs] == [c.out_channels for c in net.conv_layers().values()]
    with torch.no_grad():  # the flattened (or pooled) features the table shows are what the classifier takes
        features = net.embed(torch.zeros(1, *cfg.input_shape))
    head = next(i for i, layer in enumerate(layers) if layer.kind in ("flatten", "global_pool"))
    assert summary.shapes[head] == tuple(features.shape[1:])


CONV, RELU, POOL, NORM, FLAT = (Layer("conv", 8), Layer("activation", function="relu"), Layer("pool", function="max"),
                                Layer("batchnorm"), Layer("flatten"))


@pytest.mark.parametrize("layers, row, words", [
    ([], None, "starts with a conv"),
    ([CONV, RELU, Layer("dropout"), FLAT], 2, "dropout goes after the flatten"),
    ([CONV, POOL, RELU, FLAT], 1, "needs its activation"),
    ([CONV, RELU, POOL], 2, "add a flatten"),
    ([CONV, RELU, FLAT, POOL], 3, "pooling belongs in a conv block"),
    ([CONV, NORM, RELU, CONV, RELU, FLAT], 3, "every conv block or in none"),
    ([CONV, NORM, RELU, CONV, RELU, NORM, FLAT], 3, "every conv block or in none"),
    ([CONV, RELU, Layer("activation", function="tanh"), FLAT], 2, "one activation per conv block"),
    ([CONV, RELU, CONV, Layer("activation", function="tanh"), FLAT], 3, "activation function of layer 2"),
    ([CONV, RELU, FLAT, Layer("dense", 16), RELU, Layer("dropout"), Layer("dense", 16), RELU], 6,
     "dropout goes after every dense block"),
    ([CONV, RELU, FLAT, Layer("dropout", rate=0.5), Layer("dense", 16), RELU, Layer("dropout", rate=0.3)], 6,
     "dropout rate of layer 4"),
])
def test_a_list_the_core_cannot_build_names_the_layer_and_why(layers, row, words):
    with pytest.raises(LayerError) as caught:
        to_arch(layers, ARCHS["fast"])
    assert caught.value.row == row and words in str(caught.value)


def test_vanishing_feature_maps_name_the_conv_and_keep_the_shapes_before_it():
    layers = [CONV, RELU, POOL, Layer("conv", 8, kernel=5, padding=0), RELU, POOL,
              Layer("conv", 8, kernel=7, padding=0), RELU, FLAT]
    summary = summarize(layers, ARCHS["fast"])
    assert summary.arch is None and summary.total is None and summary.error_row == 6
    assert "vanish" in summary.error and "conv3" in summary.error
    assert summary.shapes[:6] == ((8, 28, 28), (8, 28, 28), (8, 14, 14), (8, 10, 10), (8, 10, 10), (8, 5, 5))
    assert summary.shapes[6:] == (None,) * 3


# --- the editor ---------------------------------------------------------------------------------------------
def test_the_seed_convnet_preset_shows_its_layers_and_the_cores_parameter_count(editor):
    editor.preset.setCurrentText("seed-convnet")
    assert kinds(editor) == ["conv", "activation", "pool", "conv", "activation", "pool", "flatten", "dense",
                             "activation", "dropout"]
    assert editor.table.rowCount() == len(editor.layers()) + 2  # with the input and the output
    assert editor.table.item(7, 0).text() == "flatten" and editor.table.item(7, 2).text() == "6272"
    total = parameter_count(build("seed-convnet"))
    assert editor.summary().total == total and f"{total:,}" in editor.total.text()
    assert editor.arch() == ARCHS["seed-convnet"] and not editor.edited()
    assert editor.table.item(editor.table.rowCount() - 1, 2).text() == "10"


def test_adding_a_conv_changes_the_shapes_and_the_count(editor):
    editor.preset.setCurrentText("seed-convnet")
    before = editor.summary().total
    editor.select_layer(3)  # conv2: the new conv goes after its block (after its pooling)
    at = editor.add_layer("conv")
    assert at == 6 and kinds(editor)[6:9] == ["conv", "activation", "flatten"]
    assert editor.table.item(at + 1, 2).text() == shape_text((32, 7, 7))
    assert editor.summary().shapes[8] == (32 * 7 * 7,)  # the flatten: a quarter of seed-convnet's 6272
    arch = editor.arch()
    assert editor.edited() and arch.name == "seed-convnet-custom" and len(arch.convs) == 3
    assert editor.summary().total == built(arch) != before
    assert f"{built(arch):,}" in editor.total.text() and f"seed-convnet: {before:,}" in editor.total.text()
    editor.editor(at, "channels").setValue(64)  # typed into the row's editor
    assert editor.table.item(at + 1, 2).text() == shape_text((64, 7, 7))
    assert editor.summary().total == built(editor.arch()) and editor.arch().convs[2].channels == 64


def test_layers_move_and_go_and_the_preset_comes_back(editor):
    editor.preset.setCurrentText("seed-convnet")
    editor.select_layer(9)  # the dropout after the dense layer
    editor.move_layer(-1)
    assert kinds(editor)[7:] == ["dense", "dropout", "activation"] and editor.current_layer() == 8
    assert editor.arch() is None and "dense layer 1 needs its activation next" in editor.total.text()
    editor.move_layer(-1)
    assert editor.arch() is None and "dropout goes after every dense block" in editor.total.text()
    editor.down_button.click()
    editor.down_button.click()
    assert editor.arch() == ARCHS["seed-convnet"] and not editor.edited()
    editor.remove_layer()  # the dropout (selected): seed-convnet without it
    assert editor.arch().dropout == 0.0 and editor.summary().total == built(ARCHS["seed-convnet"])
    editor.load_preset("seed-convnet")  # choosing the preset again undoes the changes
    assert editor.arch() == ARCHS["seed-convnet"]


def test_the_activation_is_the_whole_nets(editor):
    editor.preset.setCurrentText("lenet5")
    assert editor.arch().activation == "tanh"
    box = editor.editor(1, "function")
    box.setCurrentIndex(box.findData("relu"))
    functions = [layer.function for layer in editor.layers() if layer.kind == "activation"]
    assert functions == ["relu"] * 4 and editor.arch().activation == "relu"
    assert editor.editor(4, "function").currentData() == "relu"  # the other rows' editors show it too


# --- the tab ------------------------------------------------------------------------------------------------
def test_an_impossible_net_disables_train_with_the_reason_shown(tab):
    options = tab.scratch_options
    options.arch.setCurrentText("fast")
    assert options.button.isEnabled()
    conv3 = [i for i, layer in enumerate(options.editor.layers()) if layer.kind == "conv"][2]
    options.editor.editor(conv3, "kernel").setValue(9)  # 7x7 maps, no padding: nothing left
    assert not options.button.isEnabled()
    for shown in (options.editor.total.text(), options.button.toolTip()):
        assert "vanish" in shown and "conv3" in shown
    assert "cannot be built" in options.net.text()
    red = [row for row in range(options.editor.table.rowCount())
           if options.editor.table.item(row, 0).foreground().color().name() == error_colour(options.palette())]
    assert red == [conv3 + 1]  # the layer is marked in the table (below the input row)
    options.editor.editor(conv3, "padding").setValue(1)
    assert options.button.isEnabled() and options.button.toolTip() == ""


def test_the_net_page_follows_the_job_tab(tab):
    jobs = tab.scratch_options.parentWidget().parentWidget()
    assert tab.material.currentIndex() == 0  # fine-tuning: the samples
    jobs.setCurrentWidget(tab.scratch_options)
    assert tab.material.currentWidget().isAncestorOf(tab.scratch_options.editor)
    assert tab.material.currentWidget().isAncestorOf(tab.scratch_options.techniques)


def test_a_net_of_ones_own_trains_with_the_chosen_techniques_and_loads_back(tab, qtbot, tmp_path):
    options, techniques = tab.scratch_options, tab.scratch_options.techniques
    options.arch.setCurrentText("sprint")
    assert techniques.optimizer.currentData() == "adam" and options.epochs.value() == 1  # its recipe's
    techniques.optimizer.setCurrentIndex(techniques.optimizer.findData("adamw"))
    techniques.patience.setValue(2)
    techniques.elastic.setChecked(True)
    conv2 = [i for i, layer in enumerate(options.editor.layers()) if layer.kind == "conv"][1]
    options.editor.editor(conv2, "channels").setValue(8)
    options.editor.select_layer(conv2)
    options.editor.add_layer("batchnorm")  # right after the conv: before its activation
    assert options.editor.arch() is None  # conv1 has none: every conv block or none
    options.editor.select_layer(0)
    options.editor.add_layer("batchnorm")
    net = options.editor.arch()
    assert net.batchnorm and not net.bn_after_pool and net.convs[1].channels == 8 and net.name == "sprint-custom"
    options.epochs.setValue(1)
    options.tensorboard.setChecked(True)
    options.logdir.setText(str(tmp_path / "runs"))
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_training(batch_size=50, val_size=50, log_every=2)
    ckpt = tab.app.checkpoint
    assert ckpt.path.parent == models_dir() and ckpt.path.stem == "sprint-custom-mnist"
    again = load(ckpt.path)
    assert again.model.cfg == net and parameter_count(again.model) == options.editor.summary().total
    recipe = ckpt.meta["recipe"]
    assert recipe["optimizer"] == "adamw" and recipe["early_stopping"] == 2 and recipe["arch"] == net.name
    assert recipe["augment"]["elastic"] > 0 and recipe["betas"] == [0.7, 0.9]  # over the rest of sprint's recipe
    log = tmp_path / "runs" / ckpt.path.stem
    rows = list(csv.DictReader((log / CSV_NAME).read_text().splitlines()))
    assert [row["kind"] for row in rows].count("epoch") == ckpt.meta["epochs_run"] == 1
    assert any(p.name.startswith("events.out.tfevents") for p in log.iterdir())
    assert "tensorboard --logdir" in tab.status.text() and str(tmp_path / "runs") in tab.status.text()


def test_a_learner_rebuilds_article_000s_net_from_another_and_trains_it(tab, qtbot):
    """From the small ``fast`` net, by the editor's own actions, to article 000's code version: the editor says it
    is that net, and it trains and loads back as it."""
    options = tab.scratch_options
    options.arch.setCurrentText("fast")
    editor = options.editor
    for i in reversed([i for i, layer in enumerate(editor.layers()) if layer.kind == "batchnorm"]):
        editor.remove_layer(i)
    for _ in range(3):  # the third conv block: its conv, activation and global pooling
        editor.remove_layer(6)
    editor.select_layer(5)
    editor.add_layer("flatten")
    dense = editor.add_layer("dense")
    editor.select_layer(dense + 1)  # its activation: the dropout goes after it
    editor.add_layer("dropout")
    first, second = [i for i, layer in enumerate(editor.layers()) if layer.kind == "conv"]
    for field, value in (("channels", 64), ("kernel", 3), ("padding", 1)):
        editor.editor(first, field).setValue(value)
    editor.editor(second, "channels").setValue(128)
    editor.editor(dense, "channels").setValue(1024)
    net = editor.arch()
    assert replace(net, name="", description="") == replace(ARCHS["seed-convnet"], name="", description="")
    assert editor.summary().total == 6_508_298 and "the same net as seed-convnet" in editor.total.text()
    options.epochs.setValue(1)
    with qtbot.waitSignal(tab.app.model_changed, timeout=120_000):
        tab.start_training(batch_size=50, val_size=50, log_every=2)
    again = load(tab.app.checkpoint.path)
    assert again.model.cfg == net and parameter_count(again.model) == 6_508_298


@pytest.mark.parametrize("name", list(ARCHS))
def test_the_techniques_start_at_the_recipe_and_override_only_what_changed(qtbot, name):
    from mnist_pad.core.recipes import recipe_for
    from mnist_pad.qt.technique_options import TechniqueOptions

    techniques = TechniqueOptions()
    qtbot.addWidget(techniques)
    techniques.load(name)
    for i in range(techniques.recipe.count()):
        techniques.recipe.setCurrentIndex(i)
        cfg = techniques.load(name)
        assert cfg == recipe_for(name, techniques.recipe_name()) and techniques.overrides() == {}
    techniques.recipe.setCurrentIndex(techniques.recipe.findData("ours"))
    assert techniques.load(name).optimizer != "sgd"
    techniques.optimizer.setCurrentIndex(techniques.optimizer.findData("sgd"))
    techniques.nesterov.setChecked(True)
    techniques.l1.setValue(1e-5)
    assert techniques.overrides() == {"optimizer": "sgd", "nesterov": True, "l1": 1e-5}  # momentum: the recipe's


@pytest.mark.parametrize("size", [(1366, 768), (1024, 768)])
def test_the_net_and_its_techniques_fit_small_screens(qtbot, tmp_path, size):
    window = window_at(qtbot, tmp_path, size)
    window.tabs.setCurrentWidget(window.train)
    options = window.train.scratch_options
    options.parentWidget().parentWidget().setCurrentWidget(options)
    options.arch.setCurrentText("seed-convnet-bn")  # the longest list of the presets but default's
    qtbot.wait(10)
    editor, techniques = options.editor, options.techniques
    for widget in (editor.preset, editor.table, editor.add_button, editor.down_button, editor.total, editor.note,
                   techniques.recipe, techniques.patience, techniques.elastic, options.tensorboard, options.button):
        rect = placed(widget, window)
        assert widget.isVisible() and window.rect().contains(rect), (type(widget).__name__, rect, window.rect())
    assert editor.table.viewport().height() >= 5 * editor.table.verticalHeader().defaultSectionSize()
    window.close()

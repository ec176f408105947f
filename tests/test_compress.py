"""Compression (issue 15): global magnitude pruning whose fine-tune keeps the zeros, int8 ONNX quantisation,
and ``mnist-pad prune`` / ``export --int8`` end to end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from bad_inputs import one_error_line, tiny_checkpoint
from synthetic import synthetic_split

from mnist_pad.cli import run
from mnist_pad.core.checkpoint import load
from mnist_pad.core.compress import PruneConfig, prunable, prune, quantize_onnx, sparsity
from mnist_pad.core.export import onnx_bytes
from mnist_pad.core.inference import OnnxEngine, onnx_session, to_array
from mnist_pad.core.models import build
from mnist_pad.core.paths import shipped_weights
from mnist_pad.core.steps import drive

onnx = pytest.importorskip("onnx", reason="quantisation reads ONNX graphs")
pytest.importorskip("onnxruntime.quantization", reason="int8 quantisation is ONNX Runtime's")

QUICK = PruneConfig(amount=0.6, steps=4, batch_size=16, device="cpu", log_every=2)


def zeros(model) -> list[torch.Tensor]:
    return [(module.weight == 0) for module, _ in prunable(model)]


def test_pruning_reaches_the_sparsity_asked_and_leaves_the_base_alone():
    torch.manual_seed(0)
    base = build("fast").eval()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    pruned = drive(prune(base, None, replace(QUICK, steps=0)))
    total = sum(module.weight.numel() for module, _ in prunable(pruned))
    assert abs(sparsity(pruned) - 0.6) <= 1 / total  # one global threshold over every conv and linear weight
    assert sparsity(base) == 0 and all(torch.equal(v, before[k]) for k, v in base.state_dict().items())
    assert not any(name.endswith(("_orig", "_mask")) for name in pruned.state_dict())  # the masks made permanent
    assert set(pruned.state_dict()) == set(base.state_dict())  # a normal checkpoint's tensors
    with torch.no_grad():
        logits = pruned(torch.rand(3, 1, 28, 28))
    assert logits.shape == (3, 10) and torch.isfinite(logits).all()


def test_the_fine_tune_after_pruning_keeps_the_zeros_and_trains_the_rest(one_torch_thread):
    torch.manual_seed(0)
    base = build("fast").eval()
    train = synthetic_split(QUICK.steps * QUICK.batch_size)
    untrained = drive(prune(base, train, replace(QUICK, steps=0)))
    items = []
    tuned = drive(prune(base, train, QUICK), items.append)
    assert items and items[-1].step == QUICK.steps  # the training loop's progress came through
    for mask_before, mask_after in zip(zeros(untrained), zeros(tuned)):
        assert torch.equal(mask_before, mask_after)  # the same weights are zero, and only those
    changed = [not torch.equal(a.weight, b.weight) for (a, _), (b, _) in zip(prunable(untrained), prunable(tuned))]
    assert all(changed)  # every layer's remaining weights trained
    assert not tuned.training


def test_too_few_images_for_the_steps_are_refused_before_the_job():
    with pytest.raises(ValueError, match="need 64 training images"):
        prune(build("fast"), synthetic_split(63), QUICK)


@pytest.fixture(scope="module")
def small_int8(mnist_test):
    """The shipped `small` net, its float classifier graph and that graph in int8, calibrated on 100 test
    images that the checks below do not use."""
    model = load(shipped_weights("small")).model
    graph = onnx_bytes(model)
    return model, graph, quantize_onnx(graph, to_array(mnist_test.images[5000:5100]))


def test_int8_graph_is_quantised_smaller_and_reads_like_the_float_one(small_int8, mnist_test):
    _, graph, int8 = small_int8
    proto = onnx.load_from_string(int8)
    ops = {node.op_type for node in proto.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    weights = {onnx.helper.tensor_dtype_to_np_dtype(t.data_type) for t in proto.graph.initializer if len(t.dims) == 4}
    assert weights == {np.dtype(np.int8)}  # every conv kernel stored as int8
    assert len(int8) < 0.4 * len(graph)  # a byte a weight instead of four, and the scales
    assert [i.name for i in proto.graph.input] == ["image"] and [o.name for o in proto.graph.output] == ["logits"]

    x = to_array(mnist_test.images[:200])
    (float_logits,) = onnx_session(graph).run(None, {"image": x})
    (int8_logits,) = onnx_session(int8).run(None, {"image": x})
    agree = (float_logits.argmax(1) == int8_logits.argmax(1)).mean()
    assert agree >= 0.97, agree
    assert (int8_logits.argmax(1) == mnist_test.labels[:200].numpy()).mean() >= 0.95


def test_int8_pad_graph_keeps_the_feature_maps(small_int8, mnist_test):
    model = small_int8[0]
    graph = quantize_onnx(onnx_bytes(model, with_activations=True), to_array(mnist_test.images[5000:5100]))
    x = to_array(mnist_test.images[:8])
    logits, maps = OnnxEngine(model, graph=graph)(x)
    float_logits, float_maps = OnnxEngine(model)(x)
    assert np.array_equal(logits.argmax(1), float_logits.argmax(1))
    assert maps.keys() == float_maps.keys()
    for name, fmap in maps.items():
        assert fmap.shape == float_maps[name].shape
        assert np.abs(fmap - float_maps[name]).max() < 0.05 * np.abs(float_maps[name]).max()  # within a few steps


def test_cli_export_int8_end_to_end(tmp_path, mnist_dir, capsys):
    weights = tiny_checkpoint(tmp_path / "tiny.safetensors")
    out = tmp_path / "tiny-int8.onnx"
    assert run(["export", "--weights", str(weights), "--onnx", str(out), "--int8", "--data-dir", str(mnist_dir),
                "--no-download"]) == 0
    assert f"wrote {out} (int8)" in capsys.readouterr().out
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in onnx.load(out).graph.node}
    (logits,) = onnx_session(out.read_bytes()).run(None, {"image": np.zeros((2, 1, 28, 28), np.float32)})
    assert logits.shape == (2, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name, weights.name]  # no temporary file left


def test_cli_prune_writes_a_pruned_checkpoint(tmp_path, mnist_dir, capsys, one_torch_thread):
    weights = tiny_checkpoint(tmp_path / "tiny.safetensors")
    out = tmp_path / "pruned.safetensors"
    assert run(["prune", "--weights", str(weights), "--amount", "0.5", "--steps", "2", "--out", str(out),
                "--device", "cpu", "--data-dir", str(mnist_dir), "--no-download"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    ckpt = load(out)
    assert ckpt.meta["pruned"]["amount"] == 0.5 and ckpt.meta["pruned"]["steps"] == 2
    assert ckpt.meta["pruned"]["sparsity"] == pytest.approx(sparsity(ckpt.model)) == pytest.approx(0.5, abs=1e-3)
    assert ckpt.meta["base"] == "tiny" and 0 <= ckpt.meta["test_accuracy"] <= 1


@pytest.mark.parametrize("args, message", [
    (["export", "--onnx", "{out}", "--data-dir", "{tmp}"], "--dataset, --data-dir and --no-download choose"),
    (["export", "--onnx", "{out}", "--int8", "--data-dir", "{tmp}"], "the mnist files are not there"),
    (["export", "--onnx", "{out}", "--int8", "--dataset", "nope"], "unknown dataset 'nope'"),
    (["export", "--onnx", "{out}", "--int8", "--dataset", "cifar10"], "takes 1x28x28 images, cifar10's are 3x32x32"),
    (["prune", "--amount", "0.5", "--out", "{out}", "--dataset", "cifar10"], "takes 1x28x28 images"),
    (["prune", "--amount", "0.5", "--out", "{tmp}"], "is a folder"),
    (["prune", "--amount", "0.5", "--out", "{out}", "--weights", "{tmp}/missing.safetensors"], "missing.safetensors"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "out.onnx"
    argv = [a.format(out=out, tmp=tmp_path) for a in args]
    assert run(argv) == 2
    assert message in one_error_line(capsys.readouterr().err, argv[0])
    assert not out.exists()


@pytest.mark.parametrize("amount", ["0", "1", "x"])
def test_amount_outside_zero_to_one_is_a_usage_error(tmp_path, capsys, amount):
    with pytest.raises(SystemExit) as done:
        run(["prune", "--amount", amount, "--out", str(tmp_path / "p.safetensors")])
    assert done.value.code == 2
    assert "--amount" in one_error_line(capsys.readouterr().err, "prune")

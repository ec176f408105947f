"""Snapshots of a net while it learns (core/snapshots.py): taken at the right steps by the trainer, the fine-tune and
the jobs, of the right things (the initial weights first, the saved model last), saved beside the checkpoint and read
back equal; a damaged or foreign sidecar is refused in one line naming it. Tiny nets and synthetic data keep it fast."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bad_inputs import one_error_line
from synthetic import Synthetic, drain, synthetic_split

from mnist_pad.cli import run
from mnist_pad.core import snapshots
from mnist_pad.core.checkpoint import read_meta, save
from mnist_pad.core.evaluate import report
from mnist_pad.core.finetune import FinetuneConfig
from mnist_pad.core.jobs import finetune_job, train_job
from mnist_pad.core.models import build
from mnist_pad.core.recipes import recipe_for
from mnist_pad.core.snapshots import SnapshotError, load_for, sidecar_path, start_recording
from mnist_pad.core.train import Trainer, split_validation

pytestmark = pytest.mark.usefixtures("one_torch_thread")
DATA = Synthetic(train=300, test=100)


def probabilities(model, image: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return F.softmax(model.eval()(torch.from_numpy(image)[None]), 1)[0].numpy()


def assert_same(a: snapshots.Recording, b: snapshots.Recording) -> None:
    assert (a.probe_label, a.classes, a.model_created) == (b.probe_label, b.classes, b.model_created)
    assert np.array_equal(a.probe, b.probe) and len(a.snapshots) == len(b.snapshots)
    for x, y in zip(a.snapshots, b.snapshots):
        assert (x.step, x.epoch) == (y.step, y.epoch) and list(x.filters) == list(y.filters) == list(x.maps)
        for k in x.filters:
            assert np.array_equal(x.filters[k], y.filters[k]) and np.array_equal(x.maps[k], y.maps[k])
        assert np.array_equal(x.probabilities, y.probabilities) and np.array_equal(x.confusion, y.confusion)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 2-epoch run of 5 steps each, snapshots every 3 steps, of a drawing: (the saved model, its path)."""
    out = tmp_path_factory.mktemp("run") / "fast-mnist.safetensors"
    drawing = synthetic_split(10, seed=9).images[7].numpy() / 255
    items, saved = drain(train_job("fast", "mnist", 2, DATA, out, batch_size=50, val_size=50, log_every=2,
                                   snapshots=3, probe=drawing))
    return saved, out, drawing


def test_the_trainer_hands_its_net_to_the_recorder_after_every_step_and_filters_form_from_the_first():
    cfg = replace(recipe_for("fast", "ours"), epochs=2, batch_size=50, log_every=2, device="cpu")
    train, val = split_validation(synthetic_split(300, seed=1), 50)
    trainer = Trainer(cfg, train, val)
    initial = {name: conv.weight.detach().clone() for name, conv in trainer.net.conv_layers().items()}
    recorder = start_recording(2, 10, trainer.net, val)
    drain(trainer.run(recorder))
    shots = recorder.snapshots
    assert [s.step for s in shots] == [0, 2, 4, 6, 8, 10] and [s.epoch for s in shots] == [1, 1, 1, 2, 2, 2]
    assert list(shots[0].filters) == ["conv1", "conv2"] == list(shots[0].maps)  # the first two conv layers
    for name, kernels in shots[0].filters.items():
        assert np.array_equal(kernels, initial[name].numpy().astype(np.float16))
        assert not np.array_equal(shots[-1].filters[name], kernels)  # they changed as it learnt
    assert recorder.probe_label == int(val.labels[0])  # no drawing given: a validation digit
    assert np.array_equal(recorder.probe, val.images[0].numpy()[None] / np.float32(255))
    assert all(s.confusion.sum() == 50 and s.probabilities.shape == (10,) for s in shots)


def test_the_train_job_keeps_the_first_snapshot_each_interval_and_the_saved_model_last(trained):
    saved, out, drawing = trained
    recording = saved.snapshots
    assert [s.step for s in recording.snapshots] == [0, 3, 6, 9, 10]
    assert recording.probe_label is None and np.array_equal(recording.probe, drawing[None].astype(np.float32))
    model = saved.checkpoint().model
    last = recording.snapshots[-1]
    assert np.allclose(last.probabilities, probabilities(model, recording.probe), atol=1e-4)
    assert last.val_accuracy == pytest.approx(np.trace(last.confusion) / 50)
    kernels = model.features["conv1"].conv.weight.detach().numpy()
    assert np.array_equal(last.filters["conv1"], kernels.astype(np.float16))
    maps = last.maps["conv1"]
    with torch.no_grad():
        expected = model.forward_with_activations(torch.from_numpy(recording.probe)[None])[1]["conv1"][0].numpy()
    assert maps.shape == expected.shape and np.allclose(maps, expected, atol=1e-2)
    result = last.result(recording.classes)  # what the replay's confusion view shows
    assert result.report.confusion == last.confusion.tolist() and result.report.n == 50


def test_the_sidecar_reads_back_equal_and_bound_to_its_checkpoint(trained, tmp_path):
    saved, out, _ = trained
    assert sidecar_path(out) == out.with_name("fast-mnist.snapshots.npz") and sidecar_path(out).is_file()
    again = load_for(out, read_meta(out))
    assert again.model_created == read_meta(out)["created"]
    assert_same(again, saved.snapshots)
    # another model of that name (a later one, at the same path) does not show these snapshots
    other = save(tmp_path / "fast-mnist.safetensors", build("fast"), name="fast-mnist")
    sidecar_path(other).write_bytes(sidecar_path(out).read_bytes())
    meta = {**read_meta(other), "created": "2000-01-01T00:00:00+00:00"}
    with pytest.raises(SnapshotError, match="another model of that name"):
        load_for(other, meta)
    assert load_for(tmp_path / "none.safetensors", {}) is None  # no sidecar: nothing to replay


def damaged_copies(good: bytes, tmp_path):
    """Files of the sidecar's name that are not a whole sidecar: (what is wrong, its bytes)."""
    members = {}
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)

    def rezipped(change) -> bytes:
        path = tmp_path / "rezipped.npz"
        arrays = {name.removesuffix(".npy"): np.load(io.BytesIO(data)) for name, data in members.items()}
        change(arrays)
        np.savez(path, **arrays)
        return path.read_bytes()

    middle = bytearray(good)
    middle[len(good) // 2] ^= 0xFF
    yield "truncated", good[: len(good) // 2]
    yield "a byte flipped", bytes(middle)
    yield "not a zip", b"PNG" * 100
    yield "empty", b""
    yield "no confusion", rezipped(lambda a: a.pop("confusion"))
    yield "NaN filters", rezipped(lambda a: a["filters.conv1"].__setitem__((0, 0, 0, 0, 0), np.nan))
    yield "steps backwards", rezipped(lambda a: a.__setitem__("step", a["step"][::-1].copy()))
    yield "another format", rezipped(lambda a: a.__setitem__("format", np.array(99)))
    yield "a pickled object", rezipped(lambda a: a.__setitem__("classes", np.array([object()], dtype=object)))


def test_a_damaged_sidecar_is_refused_in_one_line_naming_it(trained, tmp_path):
    saved, out, _ = trained
    good = sidecar_path(out).read_bytes()
    path = tmp_path / "m.snapshots.npz"
    for what, data in damaged_copies(good, tmp_path):
        path.write_bytes(data)
        with pytest.raises(SnapshotError) as refused:
            snapshots.load(path)
        message = str(refused.value)
        assert message.startswith(f"{path}: ") and "\n" not in message, (what, message)
    path.write_bytes(good)
    assert_same(snapshots.load(path), saved.snapshots)  # the same bytes, whole, read fine


def test_a_finetune_keeps_about_twelve_snapshots_and_its_frozen_layers_stay_as_they_were(tmp_path):
    torch.manual_seed(0)
    base = save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist")
    cfg = FinetuneConfig(steps=24, batch_size=8, log_every=4, mnist_eval=0)
    _, saved = drain(finetune_job(base, synthetic_split(30, seed=3), cfg, DATA, tmp_path / "t.safetensors",
                                  snapshots=None))
    shots = saved.snapshots.snapshots
    assert [s.step for s in shots] == list(range(0, 25, 2))  # 24 steps / 12
    assert saved.snapshots.probe_label == int(DATA("mnist", "test").labels[0])  # no drawing: a test digit
    for name in ("conv1", "conv2"):  # "top" trains the last conv block and the classifier only
        assert np.array_equal(shots[0].filters[name], shots[-1].filters[name])
    assert not np.allclose(shots[0].probabilities, shots[-1].probabilities)
    model = saved.checkpoint().model
    assert np.allclose(shots[-1].probabilities, probabilities(model, saved.snapshots.probe), atol=1e-4)
    # the frozen blocks' kept output gives the counts a whole pass of the saved model gives
    test = DATA("mnist", "test")
    with torch.no_grad():
        predicted = model(test.images[:, None].float() / 255).argmax(1)
    assert shots[-1].confusion.tolist() == report(test.labels, predicted).confusion
    assert_same(load_for(saved.path, saved.meta), saved.snapshots)


def test_the_recorder_gives_each_module_its_mode_back():
    net = build("fast")
    net.eval()
    net.classifier.train()  # as a fine-tune of the top runs it
    modes = [m.training for m in net.modules()]
    train, val = split_validation(synthetic_split(100, seed=1), 20)
    start_recording(1, 5, net, val)
    assert [m.training for m in net.modules()] == modes


def test_the_kept_pass_of_unchanged_blocks_is_dropped_when_one_of_them_changes():
    torch.manual_seed(0)
    net = build("fast").eval()
    _, val = split_validation(synthetic_split(300, seed=1), 100)
    recorder = start_recording(1, 5, net, val)
    recorder.take(net, 1, 1)  # nothing changed: every block's output is kept
    with torch.no_grad():
        net.features["conv1"].conv.weight.mul_(-1.0)  # the first block changes after all
    shot = recorder.take(net, 2, 1)
    with torch.no_grad():
        predicted = net(val.images[:, None].float() / 255).argmax(1)
    assert shot.confusion.tolist() == report(val.labels, predicted).confusion
    assert shot.confusion.tolist() != recorder.snapshots[1].confusion.tolist()  # and it did change the answers


def test_too_many_snapshots_or_no_validation_images_are_refused_before_any_work():
    net = build("fast")
    _, val = split_validation(synthetic_split(100, seed=1), 20)
    with pytest.raises(ValueError, match=r"every 1 steps of 10,000 would keep 10,002, more than 500"):
        start_recording(1, 10_000, net, val)
    with pytest.raises(ValueError, match="need validation images"):
        start_recording(5, 100, net, None)
    assert start_recording(0, 100, net, None) is None  # none asked for
    assert start_recording(None, 100, net, None) is None  # as many as fit: none without validation images
    assert start_recording(None, 6400, net, val).every == 100  # about 64 in the run


def test_train_snapshots_on_the_command_line(capsys, mnist_dir, tmp_path):
    out = tmp_path / "f.safetensors"
    args = ["train", "--arch", "fast", "--epochs", "1", "--limit", "740", "--val-size", "100", "--device", "cpu",
            "--data-dir", str(mnist_dir), "--no-download", "--out", str(out)]
    assert run([*args, "--snapshots", "1"]) == 0
    recording = load_for(out, read_meta(out))
    assert [s.step for s in recording.snapshots] == [0, 1, 2] and recording.probe_label is not None  # 640 / 256
    assert f"3 snapshots in {sidecar_path(out)}" in capsys.readouterr().err
    assert run([*args, "--snapshots", "1", "--val-size", "0"]) == 2
    assert one_error_line(capsys.readouterr().err, "train").endswith(
        "--snapshots: their confusion matrices need validation images, and --val-size is 0")
    with pytest.raises(SystemExit) as refused:
        run([*args, "--snapshots", "often"])
    assert refused.value.code == 2
    assert "argument --snapshots: 'often' is not a number of steps nor 'auto'" in capsys.readouterr().err

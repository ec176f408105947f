"""Bad inputs of every class (issue 9): each gets one clear line naming the file or argument, the right exit
code (2 bad input or usage, 1 failure while running), before any work, and nothing is written, changed or
lost. docs/reliability.md lists the cases and points here."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import (
    DEEP_JSON, cli, digit_image, one_error_line, poison_models, poison_store, snapshot, tiny_checkpoint, with_meta, with_tensors,
)
from PIL import Image

from mnist_pad.core import files
from mnist_pad.core.catalog import list_models
from mnist_pad.core.checkpoint import CheckpointError, load
from mnist_pad.core.files import BadInput, dumps_json
from mnist_pad.core.paths import models_dir, resources_dir, samples_dir, shipped_weights
from mnist_pad.core.preprocess import PreprocessError, load_image
from mnist_pad.core.exchange import read_folder
from mnist_pad.core.sample_file import read_store
from mnist_pad.core.samples import SampleStore

REPO = Path(__file__).resolve().parent.parent
LINUX = sys.platform.startswith("linux")


@pytest.fixture
def weights(tmp_path) -> Path:
    return tiny_checkpoint(tmp_path / "tiny.safetensors")


@pytest.fixture
def exported(tmp_path) -> Path:
    """An exchange folder of three samples (what the Train tab's Export writes)."""
    store = SampleStore(tmp_path / "store")
    for label in (1, 4, 7):
        store.add(label, digit_image())
    return store.export_folder(tmp_path / "exchange")


# --- security: nothing read from a file becomes a path unchecked ---------------------------------------------
@pytest.mark.parametrize("bad_id", ["../../escaped", "/tmp/absolute-escape", "sub/x", "..", "", 12, None])
def test_import_never_builds_a_path_from_a_manifest_id(exported, tmp_path, bad_id):
    manifest = json.loads((exported / "manifest.json").read_text())
    for entry in manifest["samples"]:
        entry["id"] = bad_id
    (exported / "manifest.json").write_text(json.dumps(manifest))
    outside = snapshot(tmp_path)
    store = SampleStore(tmp_path / "home" / "samples")
    ids, problems = store.import_folder(exported)
    assert len(ids) == 3 and problems == []  # every sample kept, each under a fresh id of the store's own
    assert sorted(p.name for p in store.root.iterdir()) == sorted(f"{i}.json" for i in ids)
    after = snapshot(tmp_path)
    new = {k for k in after if k not in outside}
    assert all(k.startswith("home") for k in new), new  # nothing written outside the store
    assert not Path("/tmp/absolute-escape.json").exists()


def test_a_store_file_whose_id_is_not_an_id_is_reported(tmp_path):
    store = SampleStore(tmp_path)
    sample_id = store.add(3, digit_image())
    doc = json.loads((tmp_path / f"{sample_id}.json").read_text())
    doc["id"] = "../x"
    (tmp_path / "x.json").write_text(json.dumps(doc))
    samples, problems = read_store(tmp_path)
    assert [s.id for s in samples] == [sample_id]
    assert [p.path.name for p in problems] == ["x.json"] and "not a sample id" in problems[0].message


def test_labels_outside_0_9_are_refused(tmp_path):
    store = SampleStore(tmp_path)
    sample_id = store.add(3, digit_image())
    path = tmp_path / f"{sample_id}.json"
    doc = json.loads(path.read_text())
    for label in (10, -1, "3", 2.5, True):
        doc["label"] = label
        path.write_text(json.dumps(doc))
        samples, problems = read_store(tmp_path)
        assert samples == [] and "label" in problems[0].message


# --- one bad entry never stops anything -----------------------------------------------------------------------
@pytest.mark.skipif(not LINUX, reason="FIFOs and symlinks as a Linux user makes them")
def test_a_poisoned_samples_folder_loads_the_good_and_lists_the_bad_once(tmp_path):
    bad = poison_store(tmp_path)
    before = snapshot(tmp_path)
    store = SampleStore(tmp_path)
    assert [s.id for s in store.samples()] == [bad.pop("good")]
    assert sorted(p.path.name for p in store.problems) == sorted(bad)  # each once, each with its file
    assert all(p.message for p in store.problems)
    store.add(2, digit_image())  # the store still works
    assert len(SampleStore(tmp_path)) == 2
    assert {k: v for k, v in snapshot(tmp_path).items() if k in before} == before  # the bad files are left alone


@pytest.mark.skipif(not LINUX, reason="FIFOs and symlinks as a Linux user makes them")
def test_finetune_cli_reads_a_poisoned_folder_and_names_what_it_skipped(tmp_path, capsys, weights):
    bad = poison_store(tmp_path / "samples")
    code, out, err = cli(capsys, "finetune", "--samples", str(tmp_path / "samples"), "--weights", str(weights),
                         "--out", str(tmp_path / "x.safetensors"), "--steps", "1", "--replay", "0",
                         "--mnist-eval", "0", "--holdout", "0", "--json")
    assert code == 0, err
    for name in list(bad)[1:]:
        assert f"skipped {tmp_path / 'samples' / name}" in err
    assert json.loads(out)["samples_used"] == 1


def test_a_deeply_nested_manifest_is_reported_and_the_images_still_read(exported):
    (exported / "manifest.json").write_bytes(DEEP_JSON)
    samples, problems = read_folder(exported)
    assert sorted(s.label for s in samples) == [1, 4, 7]
    assert [p.path.name for p in problems] == ["manifest.json"] and "nested too deeply" in problems[0].message


def test_folders_that_are_not_labels_are_reported(exported):
    (exported / "7s").mkdir()
    (exported / "12").mkdir()
    Image.fromarray(digit_image()).save(exported / "7s" / "a.png")
    samples, problems = read_folder(exported)
    assert len(samples) == 3
    assert sorted(p.path.name for p in problems) == ["12", "7s"] and "not a label folder" in problems[0].message


@pytest.mark.skipif(not LINUX, reason="symlinks as a Linux user makes them")
def test_dangling_looping_and_damaged_model_files_are_skipped_and_listed(weights):
    bad = poison_models(models_dir(), weights)
    entries, problems = list_models()
    assert [e.name for e in entries if not e.shipped] == ["mine"]
    assert sorted(p.split(":")[0] for p in problems) == sorted(str(models_dir() / f"{n}.safetensors") for n in bad)


# --- silently wrong answers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparent_images_with_ink_of_the_background_colour_are_read(tmp_path, mode):
    ink = digit_image() < 128
    for colour in (0, 255):  # black ink on transparent black, white ink on transparent white
        pixels = np.zeros((*ink.shape, len(mode)), np.uint8)
        pixels[..., :-1] = colour
        pixels[..., -1] = np.where(ink, 255, 0)
        path = tmp_path / f"{mode}-{colour}.png"
        Image.fromarray(pixels, mode).save(path)
        read = load_image(path)
        assert np.array_equal(read > 0.5, ink), f"{mode} ink {colour}"


@pytest.mark.parametrize("orientation, undo", [(3, 180), (6, 90), (8, 270)])
def test_exif_orientation_is_applied(tmp_path, orientation, undo):
    upright = digit_image()
    stored = Image.fromarray(upright).rotate(undo, expand=True)  # as a camera stores it, EXIF saying how to turn
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    stored.convert("RGB").save(path, exif=exif, quality=95)
    read = load_image(path)
    assert read.shape == upright.shape
    assert np.mean((read > 0.5) == (upright < 128)) > 0.99


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weights_are_refused_everywhere(tmp_path, capsys, weights, value):
    def poison(tensors):
        tensors["classifier.0.weight"][0, 0] = value
        return tensors

    bad = with_tensors(tmp_path / "bad.safetensors", weights, poison)
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        load(bad)
    image = tmp_path / "seven.png"
    Image.fromarray(digit_image()).save(image)
    for args in (["predict", str(image), "--json"], ["export", "--onnx", str(tmp_path / "x.onnx")]):
        code, out, err = cli(capsys, *args, "--weights", str(bad))
        assert code == 2 and out == ""
        assert str(bad) in one_error_line(err, args[0]) and "NaN or infinite" in err
    assert not (tmp_path / "x.onnx").exists()


def test_json_output_is_always_json():
    text = dumps_json({"a": float("nan"), "b": [1.0, float("inf"), {"c": -float("inf")}], "d": 0.5})
    assert json.loads(text) == {"a": None, "b": [1.0, None, {"c": None}], "d": 0.5}


# --- writes that destroy, or fail only at the end ---------------------------------------------------------------
@pytest.mark.skipif(not LINUX, reason="a Linux device file")
def test_out_onto_a_device_is_refused_and_the_device_stays(tmp_path, capsys, weights):
    code, _, err = cli(capsys, "export", "--weights", str(weights), "--onnx", "/dev/null")
    assert code == 2 and "not a regular file" in one_error_line(err, "export")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_out_onto_shipped_weights_is_refused_before_any_work(tmp_path, capsys):
    shipped = shipped_weights("small")
    before = snapshot(resources_dir())
    for args in (["train", "--arch", "fast", "--out", str(shipped)],
                 ["finetune", "--samples", str(tmp_path), "--out", str(shipped)],
                 ["export", "--onnx", str(resources_dir() / "weights" / "x.onnx")]):
        code, _, err = cli(capsys, *args)
        assert code == 2 and "is shipped with mnist-pad" in one_error_line(err, args[0])
    assert snapshot(resources_dir()) == before


def test_out_onto_a_folder_or_the_input_is_refused(tmp_path, capsys, weights):
    before = snapshot(tmp_path)
    code, _, err = cli(capsys, "export", "--weights", str(weights), "--onnx", str(tmp_path))
    assert code == 2 and "is a folder" in one_error_line(err, "export")
    code, _, err = cli(capsys, "export", "--weights", str(weights), "--onnx", str(weights))
    assert code == 2 and "this command's input" in one_error_line(err, "export")
    code, _, err = cli(capsys, "finetune", "--samples", str(tmp_path), "--weights", str(weights), "--out", str(weights))
    assert code == 2 and "never overwrites it" in one_error_line(err, "finetune")
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not LINUX, reason="/proc is Linux's; no one, root included, creates files there")
def test_out_where_nothing_can_be_written_is_refused_before_training(capsys):
    code, _, err = cli(capsys, "train", "--arch", "fast", "--out", "/proc/mnist-pad.safetensors")
    assert code == 2 and "cannot write in /proc" in one_error_line(err, "train")


def test_a_full_disk_is_refused_before_training(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(files.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    code, _, err = cli(capsys, "train", "--arch", "fast", "--out", str(tmp_path / "x.safetensors"))
    assert code == 2 and "only 1,000 bytes free" in one_error_line(err, "train")
    assert list(tmp_path.iterdir()) == []


def test_a_disk_that_fills_while_writing_fails_with_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch, weights):
    out = tmp_path / "out" / "model.onnx"
    out.parent.mkdir()
    out.write_bytes(b"the previous export")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = cli(capsys, "export", "--weights", str(weights), "--onnx", str(out))
    assert code == 1
    line = one_error_line(err, "export")
    assert str(out) in line and "No space left on device" in line
    assert [p.name for p in out.parent.iterdir()] == ["model.onnx"]  # no temporary file left
    assert out.read_bytes() == b"the previous export"  # the old file is whole


def test_download_dest_onto_a_file_is_refused(tmp_path, capsys):
    dest = tmp_path / "a-file"
    dest.write_text("keep me")
    code, _, err = cli(capsys, "download", "--dest", str(dest))
    assert code == 2 and "is a file, not a folder" in one_error_line(err, "download")
    assert dest.read_text() == "keep me"


def test_stale_temporary_files_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    target = tmp_path / "model.safetensors"
    stale = tmp_path / f".model.safetensors.{dead_pid}.0123abcd.tmp"
    live = tmp_path / f".model.safetensors.{os.getppid()}.0123abcd.tmp"  # our parent is alive
    old_style = tmp_path / ".model.safetensors.k3j_9xq2.tmp"
    other = tmp_path / ".other.safetensors.99999999.0123abcd.tmp"
    for path in (stale, live, old_style, other):
        path.write_bytes(b"half")
    os.utime(old_style, (0, 0))  # an hour-old leftover of the previous naming
    files.write_atomic(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, live.name, other.name])


# --- arguments and inputs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, argument", [
    (["train", "--epochs", "0"], "--epochs"), (["train", "--epochs", "-1"], "--epochs"),
    (["train", "--batch-size", "0"], "--batch-size"), (["train", "--limit", "-5"], "--limit"),
    (["train", "--lr", "nan"], "--lr"), (["train", "--lr", "0"], "--lr"), (["train", "--val-size", "x"], "--val-size"),
    (["finetune", "--samples", ".", "--holdout", "1.5"], "--holdout"), (["finetune", "--samples", ".", "--threads", "0"], "--threads"),
    (["finetune", "--samples", ".", "--replay", "-1"], "--replay"), (["finetune", "--samples", ".", "--steps", "0"], "--steps"),
])
def test_numbers_out_of_range_are_usage_errors(tmp_path, capsys, args, argument):
    with pytest.raises(SystemExit) as exit_:
        cli(capsys, *args, "--out", str(tmp_path / "x.safetensors"))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {argument}:" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["finetune", "--samples", "{tmp}", "--dataset", "bogus", "--out", "{tmp}/x.safetensors"], "unknown dataset 'bogus'"),
    (["finetune", "--samples", "{tmp}", "--layers", "most", "--out", "{tmp}/x.safetensors"], "layers must be one of"),
    (["finetune", "--samples", "{tmp}/missing", "--out", "{tmp}/x.safetensors"], "no such samples folder"),
    (["train", "--arch", "fast", "--recipe", "best", "--out", "{tmp}/x.safetensors"], "unknown recipe 'best'"),
    (["train", "--arch", "fast", "--device", "tpu", "--out", "{tmp}/x.safetensors"], "'tpu' is not a device"),
    (["eval", "--weights", "{tmp}/none.safetensors"], "no such checkpoint file"),
    (["predict", "{tmp}/none.png"], "no such image file"),
])
def test_wrong_values_get_one_line_naming_them(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == "" and message in one_error_line(err, args[0])
    assert not (tmp_path / "x.safetensors").exists()


def test_an_explicit_data_dir_is_used_or_refused_never_replaced(tmp_path, capsys, monkeypatch, mnist_dir):
    monkeypatch.setenv("MNIST_PAD_DATA", str(mnist_dir))  # a good fallback that must not be taken
    lacking = tmp_path / "lacking"
    lacking.mkdir()
    shutil.copy(mnist_dir / "t10k-images-idx3-ubyte.gz", lacking)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for folder, message in ((tmp_path / "missing", "no such folder"), (a_file, "is not a folder"),
                            (lacking, "the mnist files are not there")):
        code, _, err = cli(capsys, "eval", "--data-dir", str(folder))
        assert code == 2 and message in err and str(folder) in err
        assert str(mnist_dir) not in err and "Traceback" not in err
    code, out, err = cli(capsys, "eval", "--data-dir", str(mnist_dir), "--json")
    assert code == 0 and f"mnist data: {mnist_dir}" in err  # the output names the folder it used
    assert json.loads(out)["n"] == 10_000


@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc")
def test_metadata_asking_for_huge_layers_is_refused_before_building(tmp_path, weights):
    def huge(meta):
        meta["arch"]["convs"][0]["channels"] = 120_000
        return meta

    bad = with_meta(tmp_path / "huge.safetensors", weights, huge)
    # In a child process, so that its peak memory can be read: building the layers first took 9.3 GB. VmHWM, not
    # getrusage: a child's ru_maxrss starts at its parent's size at fork (this test process's).
    code = ("import re\nfrom mnist_pad.core.checkpoint import load, CheckpointError\n"
            f"try:\n    load({str(bad)!r})\nexcept CheckpointError as exc:\n    print(exc)\n"
            "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]) // 1024)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    message, peak_mib = result.stdout.strip().splitlines()
    assert str(bad) in message and "do not fit architecture" in message
    assert int(peak_mib) < 1500, f"{peak_mib} MiB to refuse a 600 KB file"


@pytest.mark.parametrize("change, message", [
    (lambda m: {**m, "normalize": [0.1, 0.0]}, "positive std"),
    (lambda m: {**m, "arch": {**m["arch"], "activation": "swish"}}, "cannot be built"),
    (lambda m: {**m, "arch": "default"}, "cannot be built"),
])
def test_nonsense_metadata_is_refused(tmp_path, weights, change, message):
    with pytest.raises(CheckpointError, match=message):
        load(with_meta(tmp_path / "bad.safetensors", weights, change))


def test_deeply_nested_checkpoint_metadata_is_refused(tmp_path, weights):
    from safetensors.torch import load_file, save_file

    bad = tmp_path / "deep.safetensors"
    save_file(dict(load_file(weights)), bad, metadata={"mnist_pad": DEEP_JSON.decode()})
    with pytest.raises(CheckpointError, match="nested too deeply"):
        load(bad)


def test_huge_images_are_refused_by_their_header_and_big_jpegs_read_small(tmp_path):
    png = tmp_path / "huge.png"
    Image.new("L", (12_000, 12_000), 255).save(png)  # 62 KB on disk, 144 megapixels
    with pytest.raises(PreprocessError, match="megapixels"):
        load_image(png)
    jpeg = tmp_path / "photo.jpg"
    Image.fromarray(digit_image(2800)).convert("RGB").resize((8000, 8000)).save(jpeg, quality=70)
    read = load_image(jpeg)
    assert max(read.shape) <= 2048 and read.max() > 0.5  # decoded at a reduced scale, ink kept


@pytest.mark.skipif(not LINUX, reason="FIFOs as Linux makes them")
def test_inputs_that_are_not_regular_files_never_hang(tmp_path):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    weights_fifo = tmp_path / "w.safetensors"
    os.mkfifo(weights_fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["predict", str(fifo)], ["eval", "--weights", str(weights_fifo)], ["predict", "/dev/zero"]):
        result = subprocess.run([sys.executable, "-m", "mnist_pad", *args], capture_output=True, text=True,
                                timeout=60, env=env, cwd=tmp_path)
        assert result.returncode == 2
        assert "not a regular file" in one_error_line(result.stderr, args[0])


def test_the_exit_codes_are_documented():
    readme = (REPO / "README.md").read_text()
    for line in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert line in readme


def test_check_output_probes_the_folder_and_leaves_nothing(tmp_path):
    assert files.check_output(tmp_path / "new" / "deeper" / "x.bin") == tmp_path / "new" / "deeper" / "x.bin"
    assert list(tmp_path.iterdir()) == []  # the probe is gone and no folder was made yet
    with pytest.raises(BadInput, match="an empty path"):
        files.check_output("")


def test_samples_dir_that_is_a_file_does_not_stop_the_store(capsys):
    samples_dir().parent.mkdir(parents=True, exist_ok=True)
    samples_dir().write_text("not a folder")
    store = SampleStore()
    assert len(store) == 0 and "cannot be read" in store.problems[0].message
    with pytest.raises(files.FILE_ERRORS):
        store.add(1, digit_image())
    assert len(store.as_split()) == 0


def test_a_malformed_tensor_table_is_refused(tmp_path, capsys, weights):
    raw = weights.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    name = next(k for k in header if k != "__metadata__")
    header[name]["shape"] = 7  # a number where a list belongs
    text = json.dumps(header).encode()
    bad = tmp_path / "bad-table.safetensors"
    bad.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])
    code, _, err = cli(capsys, "eval", "--weights", str(bad))
    assert code == 2 and "table of tensors is malformed" in one_error_line(err, "eval")

"""The sample store: round trips, damaged files reported and skipped, SIGKILL mid-add loses at most one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_pad.core.files import BadInput
from mnist_pad.core.data import read_idx
import mnist_pad.core.samples as samples_module
from mnist_pad.core.exchange import read_folder
from mnist_pad.core.samples import SampleStore
from mnist_pad.core.strokes import render

REPO = Path(__file__).resolve().parent.parent


def digit_one() -> list[np.ndarray]:
    return [np.array([[0.5, 0.2, 1.0], [0.52, 0.5, 0.8], [0.5, 0.8, 0.6]], np.float32)]


def image28(value: int) -> np.ndarray:
    img = np.zeros((28, 28), np.uint8)
    img[6:22, 12:16] = value
    return img


def test_default_root_is_the_user_samples_dir(_private_user_dir):
    store = SampleStore()
    store.add(3, image28(200))
    assert store.root == _private_user_dir / "samples"
    assert len(list(store.root.glob("*.json"))) == 1


def test_add_get_counts_and_reload(tmp_path):
    store = SampleStore(tmp_path / "s")
    a = store.add(1, render(digit_one()), digit_one(), meta={"pen": 14})
    b = store.add(7, image28(255))
    c = store.add(7, strokes=digit_one())  # rendered and preprocessed here
    assert store.counts() == [0, 1, 0, 0, 0, 0, 0, 2, 0, 0]
    assert store.fewest(2) == [0, 2]
    again = SampleStore(tmp_path / "s")
    assert again.problems == []
    assert [s.id for s in again] == [a, b, c]
    s = again.get(a)
    assert s.label == 1 and s.meta == {"pen": 14} and s.image.dtype == np.uint8 and s.image.shape == (28, 28)
    assert s.image.max() > 200  # preprocessed: ink scaled to the 20 px box
    np.testing.assert_array_equal(s.strokes[0], digit_one()[0])
    np.testing.assert_array_equal(again.get(b).image, image28(255))
    assert again.get(b).strokes is None
    split = again.as_split()
    assert split.images.shape == (3, 28, 28) and split.labels.tolist() == [1, 7, 7]


def test_delete_and_relabel_persist(tmp_path):
    store = SampleStore(tmp_path)
    a, b = store.add(2, image28(100)), store.add(3, image28(120))
    store.relabel(a, 5)
    store.delete(b)
    again = SampleStore(tmp_path)
    assert [(s.id, s.label) for s in again] == [(a, 5)]
    with pytest.raises(KeyError):
        again.delete(b)


@pytest.mark.parametrize("label", [-1, 10, 3.0, "3", True])
def test_bad_labels_are_refused(tmp_path, label):
    with pytest.raises(ValueError, match="label must be a digit"):
        SampleStore(tmp_path).add(label, image28(1))


def test_empty_drawing_and_bad_strokes_are_refused(tmp_path):
    store = SampleStore(tmp_path)
    with pytest.raises(ValueError, match="no ink"):
        store.add(1, np.zeros((200, 200), np.uint8))
    with pytest.raises(ValueError, match="stroke 0"):
        store.add(1, strokes=[np.zeros((3, 4))])
    assert len(SampleStore(tmp_path)) == 0


def test_corrupt_files_are_reported_and_skipped(tmp_path):
    store = SampleStore(tmp_path)
    ids = [store.add(i % 10, image28(50 + i)) for i in range(6)]
    (tmp_path / f"{ids[0]}.json").write_bytes(b"\x00garbage")
    doc = json.loads((tmp_path / f"{ids[1]}.json").read_text())
    doc["image"] = doc["image"][:40]  # truncated image
    (tmp_path / f"{ids[1]}.json").write_text(json.dumps(doc))
    full = (tmp_path / f"{ids[2]}.json").read_bytes()
    (tmp_path / f"{ids[2]}.json").write_bytes(full[: len(full) // 2])  # cut mid-write
    (tmp_path / f".{ids[3]}.json.abc.tmp").write_bytes(b"{")  # a killed write's leftover: ignored
    again = SampleStore(tmp_path)
    assert sorted(s.id for s in again) == sorted(ids[3:])
    assert sorted(p.path.name for p in again.problems) == sorted(f"{i}.json" for i in ids[:3])
    assert all(str(p) for p in again.problems)


def test_import_keeps_the_creation_order_of_samples_made_in_the_same_millisecond(tmp_path, monkeypatch):
    """Ids sort by their millisecond, then by a random part: the import must not let that part reorder."""
    suffixes = iter(["ffffffff", "00000000", "88888888"])
    monkeypatch.setattr(samples_module, "new_id", lambda: f"1795380200324-{next(suffixes)}")
    store = SampleStore(tmp_path / "a")
    ids = [store.add(4, image28(v)) for v in (60, 120, 180)]
    out = store.export_folder(tmp_path / "export")
    monkeypatch.undo()
    imported = SampleStore(tmp_path / "b")
    new_ids, _ = imported.import_folder(out)
    assert new_ids == ids and [s.id for s in imported] == ids


def test_export_import_round_trip(tmp_path):
    store = SampleStore(tmp_path / "a")
    ids = [store.add(1, render(digit_one()), digit_one()), store.add(4, image28(180)), store.add(4, image28(90))]
    out = store.export_folder(tmp_path / "export")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == sorted(
        [f"1/{ids[0]}.png", f"4/{ids[1]}.png", f"4/{ids[2]}.png"]
    )
    other = SampleStore(tmp_path / "b")
    new_ids, problems = other.import_folder(out)
    assert problems == [] and new_ids == ids
    for a, b in zip(store, SampleStore(tmp_path / "b")):
        assert (a.id, a.label, a.created) == (b.id, b.label, b.created)
        np.testing.assert_array_equal(a.image, b.image)
        if a.strokes is None:
            assert b.strokes is None
        else:
            np.testing.assert_allclose(a.strokes[0], b.strokes[0], atol=1e-5)
    _, problems = other.import_folder(out)  # importing again: new ids, no clash
    assert len(other) == 6 and problems == []


def test_import_reports_corrupt_manifest_and_image(tmp_path):
    store = SampleStore(tmp_path / "a")
    ids = [store.add(c, image28(200)) for c in (0, 3, 3)]
    out = store.export_folder(tmp_path / "export")
    (out / "manifest.json").write_text('{"samples": [')
    (out / "3" / f"{ids[1]}.png").write_bytes(b"not a png")
    samples, problems = read_folder(out)
    assert sorted((s.id, s.label) for s in samples) == sorted([(ids[0], 0), (ids[2], 3)])
    assert {p.path.name for p in problems} == {"manifest.json", f"{ids[1]}.png"}


def test_import_of_plain_png_tree_labels_by_folder(tmp_path):
    from PIL import Image

    (tmp_path / "7").mkdir()
    big = np.full((100, 80), 255, np.uint8)  # dark ink on white paper, larger than 28x28
    big[20:80, 35:45] = 0
    Image.fromarray(big).save(tmp_path / "7" / "scan.png")
    samples, problems = read_folder(tmp_path)
    assert problems == [] and [s.label for s in samples] == [7]
    assert samples[0].image.shape == (28, 28) and samples[0].image[14, 14] > 128  # inverted, preprocessed


def test_read_folder_also_reads_a_store(tmp_path):
    store = SampleStore(tmp_path)
    store.add(8, image28(99))
    samples, problems = read_folder(tmp_path)
    assert [s.label for s in samples] == [8] and problems == []
    with pytest.raises(BadInput, match="no such samples folder"):
        read_folder(tmp_path / "missing")


def test_export_idx_and_npz(tmp_path):
    store = SampleStore(tmp_path / "s")
    store.add(2, image28(10))
    store.add(9, image28(20))
    images, labels = store.export_idx(tmp_path / "idx")
    assert read_idx(images).shape == (2, 28, 28) and read_idx(labels).tolist() == [2, 9]
    data = np.load(store.export_npz(tmp_path / "s.npz"))
    assert data["images"].shape == (2, 28, 28) and data["labels"].tolist() == [2, 9] and len(data["ids"]) == 2


ADD_LOOP = """
import sys, numpy as np
from mnist_pad.core.samples import SampleStore
store = SampleStore(sys.argv[1])
strokes = [np.random.default_rng(0).random((400, 3), dtype=np.float32)]  # a long stroke: slower writes
img = np.zeros((28, 28), np.uint8); img[5:20, 10:15] = 255
i = 0
while True:
    store.add(i % 10, img, strokes)
    i += 1
    if i == 20:
        print("ready", flush=True)
"""


def test_sigkill_while_adding_loses_at_most_one(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", ADD_LOOP, str(tmp_path)], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    store = SampleStore(tmp_path)
    files = list(tmp_path.glob("*.json"))
    assert store.problems == []
    assert len(store) == len(files) >= 20
    assert len(list(tmp_path.glob(".*.tmp"))) <= 1  # at most the sample being written is lost


def test_render_is_resolution_independent_and_pressure_thins_the_pen():
    from mnist_pad.core.preprocess import preprocess

    small, big = render(digit_one(), 112), render(digit_one(), 448)
    assert small.shape == (112, 112) and small.dtype == np.uint8 and small.max() == 255
    other = render([np.array([[0.2, 0.3, 1.0], [0.8, 0.3, 1.0], [0.4, 0.9, 1.0]], np.float32)], 448)
    same = np.abs(preprocess(small).image - preprocess(big).image).mean()
    different = np.abs(preprocess(other).image - preprocess(big).image).mean()
    assert same < 0.5 * different  # the same digit once preprocessed, whatever the canvas size
    light = [np.concatenate([digit_one()[0][:, :2], np.full((3, 1), 0.3, np.float32)], 1)]
    assert (render(light) > 127).sum() < 0.5 * (render(digit_one()) > 127).sum()
    with pytest.raises(ValueError, match="stroke"):
        render([np.zeros(5)])

"""``mnist-pad predict``: image files of either polarity, any size, through the pad's preprocessing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mnist_pad.core.checkpoint import save
from mnist_pad.core.models import build
from mnist_pad.core.paths import shipped_weights

REPO = Path(__file__).resolve().parent.parent


def predict(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mnist_pad", "predict", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _write_both_polarities(image28: np.ndarray, folder, stem: str, size: int) -> tuple[str, str]:
    """An MNIST digit scaled up to ``size`` px and pasted off-centre on a larger sheet, saved as light ink on
    dark (PNG) and dark ink on light (JPEG)."""
    big = np.asarray(Image.fromarray(image28).resize((size, size), Image.Resampling.BILINEAR))
    sheet = np.zeros((size * 2, int(size * 2.5)), np.uint8)
    sheet[size // 3 : size // 3 + size, size // 2 : size // 2 + size] = big
    light, dark = folder / f"{stem}-light-on-dark.png", folder / f"{stem}-dark-on-light.jpg"
    Image.fromarray(sheet).save(light)
    Image.fromarray(255 - sheet).convert("RGB").save(dark, quality=95)
    return str(light), str(dark)


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_either_polarity_gives_the_same_probabilities_and_bad_files_are_reported(tmp_path, mnist_test):
    torch.manual_seed(0)
    weights = save(tmp_path / "random.safetensors", build("fast"))  # the same input gives the same output
    files = []
    for i in range(3):
        files += _write_both_polarities(mnist_test.images[i].numpy(), tmp_path, f"d{i}", 90 + 40 * i)
    blank, text = tmp_path / "blank.png", tmp_path / "notes.png"
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(blank)
    text.write_text("not an image")
    result = predict(*files, str(blank), str(text), "--json", "--weights", str(weights))
    assert result.returncode == 2  # one file is not an image: bad input (the others are still read)
    assert "notes.png" in result.stderr and "cannot read" in result.stderr
    rows = _json_lines(result.stdout)
    assert [r["file"] for r in rows] == files + [str(blank)]
    assert rows[-1]["prediction"] is None and rows[-1]["probabilities"] is None  # no ink: no guess
    for light, dark in zip(rows[:-1:2], rows[1:-1:2]):
        assert light["prediction"] == dark["prediction"]
        assert np.allclose(light["probabilities"], dark["probabilities"], atol=0.02)


def test_a_real_model_reads_both_polarities_right(tmp_path, mnist_test):
    weights = shipped_weights("default")
    if not weights.is_file():
        pytest.skip(f"no shipped weights at {weights} yet")
    files, labels = [], []
    for i in range(5):
        files += _write_both_polarities(mnist_test.images[i].numpy(), tmp_path, f"d{i}", 120)
        labels += [int(mnist_test.labels[i])] * 2
    result = predict(*files, "--json")
    assert result.returncode == 0, result.stderr
    assert [r["prediction"] for r in _json_lines(result.stdout)] == labels


def test_missing_weights_are_reported(tmp_path):
    image = tmp_path / "digit.png"
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(image)
    result = predict(str(image), "--weights", str(tmp_path / "missing.safetensors"))
    assert result.returncode == 2 and "missing.safetensors" in result.stderr


def _number_sheet(mnist_test, indices: list[int], path: Path) -> str:
    """MNIST test digits side by side (never touching) as dark ink on light paper, saved as a PNG."""
    digits = [mnist_test.images[i].numpy() for i in indices]
    sheet = np.full((120, 60 + 90 * len(digits)), 255, np.uint8)
    for k, d in enumerate(digits):
        big = np.asarray(Image.fromarray(d).resize((84, 84), Image.Resampling.BILINEAR))
        region = sheet[18:102, 30 + 90 * k : 114 + 90 * k]
        np.minimum(region, 255 - big, out=region)
    Image.fromarray(sheet).save(path)
    return str(path)


def test_predict_number_reads_the_digits_left_to_right_with_boxes_and_statuses(tmp_path, mnist_test):
    indices = [0, 1, 2, 3]  # 7 2 1 0 in MNIST's test set
    sheet = _number_sheet(mnist_test, indices, tmp_path / "number.png")
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((80, 200), 255, np.uint8)).save(blank)
    result = predict("--number", "--json", sheet, str(blank))
    assert result.returncode == 0, result.stderr
    rows = _json_lines(result.stdout)
    assert [list(r) for r in rows] == [["file", "number", "digits", "status"]] * 2  # the fixed interface
    read, empty = rows
    expected = "".join(str(int(mnist_test.labels[i])) for i in indices)
    assert read["file"] == sheet and read["number"] == expected and read["status"] in ("ok", "unsure")
    lefts = []
    for k, digit in enumerate(read["digits"]):
        assert list(digit) == ["prediction", "probabilities", "box", "status"]
        x0, y0, x1, y1 = digit["box"]
        assert 30 + 90 * k - 2 <= x0 < x1 <= 114 + 90 * k + 2 and 18 - 2 <= y0 < y1 <= 102 + 2  # its own digit's place
        assert len(digit["probabilities"]) == 10 and digit["prediction"] == int(np.argmax(digit["probabilities"]))
        lefts.append(x0)
    assert lefts == sorted(lefts)
    assert empty == {"file": str(blank), "number": "", "digits": [], "status": "no_ink"}

    text = predict("--number", sheet, str(blank))
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"{sheet}: {expected} (") and "least sure: digit" in lines[0]
    assert lines[1] == f"{blank}: no ink found"

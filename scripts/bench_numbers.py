"""Numbers and photos (issue 13's bars): how often the pad reads a whole number exactly, and a digit from a
photo of paper, and how long a 5-digit drawing takes to read.

    python scripts/bench_numbers.py [--weights NAME|FILE] [--data-dir DIR] [--numbers 500] [--photos 200]
                                    [--quick] [--sheets DIR]

Evaluation sets, made here with fixed seeds from digits that training never sees:

- **MNIST numbers**: 2 to 6 MNIST *test* digits side by side, each scaled to the number's height (70-180 px)
  within +-15%, its baseline jittered by 6% of the height, gaps of 5 to 40 px (never touching);
- **stroke numbers**: the same from the stroke writer's digits (every style of core.styles in the evaluation
  hands, styles.EVAL_HANDS), each rendered on the 280 px canvas with its hand's pen;
- **touching**: MNIST numbers again, with one pair of neighbours pushed together until their ink touches
  (then 0-2 px further);
- **photos**: one MNIST test digit or stroke digit, dark on paper (white, cream, yellow, blue, pink, green,
  grey; lined with a margin, squared or plain) or light on a board, in black, blue, red, green or pencil,
  under a light gradient and often a soft shadow, tilted up to 2 degrees, blurred, with noise, saved as JPEG
  (quality 45-90) with a random EXIF orientation (the pixels stored turned the other way), read back through
  ``load_photo``; also photos of MNIST numbers (2-5 digits, not a bar).
- **timing**: a 5-digit stroke drawing on a 280 px high canvas read by ``read_number`` (segmentation,
  preprocessing, inference), p50 and p99 over ``--runs`` after a warm-up.

Writes docs/results/numbers.json and prints the bars.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_pad import cpu_name  # noqa: E402  (scripts/ is on the path when a script runs)

from mnist_pad.core.number import read_number  # noqa: E402
from mnist_pad.core.photo import load_photo  # noqa: E402
from mnist_pad.core.preprocess import INK_THRESHOLD, stroke_width  # noqa: E402
from mnist_pad.core.strokes import render  # noqa: E402
from mnist_pad.core.styles import EVAL_HANDS, STYLE_KEYS, draw_style  # noqa: E402

SEED = 20261213  # no training, validation or other benchmark drawing uses it
MAX_OVERLAP = 0.3  # touching digits' boxes overlap by at most this share of the narrower one's width
CANVAS = 280  # the pad's canvas side: stroke digits are drawn on it, as a person would, then composed
PAPERS = [(246, 245, 240), (240, 230, 200), (247, 236, 150), (205, 222, 242), (245, 212, 218), (212, 236, 204),
          (214, 210, 200)]
PENS = [(20, 20, 25), (25, 45, 150), (35, 30, 95), (160, 25, 25), (20, 95, 45), (85, 85, 90)]
BOARDS = [(40, 62, 52), (32, 32, 34), (50, 50, 70)]
RULES = [(150, 180, 225), (175, 175, 175), (140, 200, 200)]
MARGIN = (220, 90, 100)
ORIENTATIONS = range(1, 9)
# EXIF orientation -> the transpose that turns an upright picture into what a camera stores with that tag
STORED = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
          5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_270}


# --- digits and numbers ------------------------------------------------------------------------------------
def cropped(ink: np.ndarray) -> np.ndarray:
    """Ink-high float 0..1 cropped to its ink."""
    m = ink > INK_THRESHOLD
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def scaled(ink: np.ndarray, height: float) -> np.ndarray:
    """``ink`` resized to ``height`` rows, its aspect kept (bilinear: as a bigger writing would look)."""
    h, w = ink.shape
    size = (max(1, round(w * height / h)), max(1, round(height)))
    return np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR))


def mnist_digit(images: np.ndarray, index: int) -> np.ndarray:
    return cropped(images[index].astype(np.float32) / 255)


def stroke_digit(digit: int, rng: np.random.Generator) -> np.ndarray:
    """A digit in a random style and evaluation hand, drawn on the 280 px canvas with the hand's pen."""
    styles = [s for d, s in STYLE_KEYS if d == digit]
    style = styles[int(rng.integers(len(styles)))]
    hand = EVAL_HANDS[int(rng.integers(len(EVAL_HANDS)))]
    return cropped(render(draw_style(digit, style, rng, hand), CANVAS, hand.pen).astype(np.float32) / 255)


def any_digit(label: int, rng: np.random.Generator, images: np.ndarray | None,
              by_digit: list[np.ndarray]) -> np.ndarray:
    """A digit's cropped ink: a random MNIST test digit of that label from ``images``, or with ``images``
    None a stroke digit."""
    return stroke_digit(label, rng) if images is None else mnist_digit(images, int(rng.choice(by_digit[label])))


def _touch_shift(left: np.ndarray, right: np.ndarray, dy: int) -> tuple[int, bool]:
    """How many columns ``right`` (placed ``dy`` rows below ``left``'s top) must overlap ``left``'s box for
    their inks to touch (8-connected), and whether they touch by then: the overlap is kept under
    :data:`MAX_OVERLAP` of the narrower one, as a writer's digits may touch but do not interlock."""
    a, b = left > INK_THRESHOLD, right > INK_THRESHOLD
    top, bottom = min(0, dy), max(a.shape[0], dy + b.shape[0])
    limit = int(MAX_OVERLAP * min(a.shape[1], b.shape[1]))
    for overlap in range(limit + 1):
        width = a.shape[1] + b.shape[1] - overlap
        ca = np.zeros((bottom - top, width), bool)
        ca[-top : -top + a.shape[0], : a.shape[1]] = a
        cb = np.zeros_like(ca)
        cb[dy - top : dy - top + b.shape[0], width - b.shape[1] :] = b
        if (ndimage.binary_dilation(ca, np.ones((3, 3), bool)) & cb).any():
            return overlap, True
    return limit, False


def _ligature(canvas: np.ndarray, a: tuple[np.ndarray, int, int], b: tuple[np.ndarray, int, int]) -> None:
    """Join two placed digits (image, x, y on ``canvas``) by a stroke between their nearest ink, in place: a
    writer who joins digits up."""
    points = []
    for img, x, y in (a, b):
        ys, xs = np.nonzero(img > 0.5)
        points.append(np.stack([xs + x, ys + y], 1))
    dist, which = cKDTree(points[1]).query(points[0])
    i = int(np.argmin(dist))
    width = max(1, round(stroke_width(a[0] > 0.5)))
    line = Image.new("L", (canvas.shape[1], canvas.shape[0]), 0)
    ImageDraw.Draw(line).line((*map(int, points[0][i]), *map(int, points[1][which[i]])), fill=255, width=width)
    np.maximum(canvas, np.asarray(line, np.float32) / 255, out=canvas)


def compose(digits: list[np.ndarray], rng: np.random.Generator, touch: int | None = None,
            height: float | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cropped digits side by side as one ink-high image: the number's ``height`` (default: 70-180 px at
    random), each digit's within +-15% of it, baselines jittered, gaps 5-40 px; digits ``touch`` and
    ``touch + 1`` touching (joined by a stroke where their shapes do not meet). Also each digit as scaled."""
    height = rng.uniform(70, 180) if height is None else height
    placed, right, joined = [], 20, True
    for i, d in enumerate(digits):
        img = scaled(d, height * rng.uniform(0.85, 1.15))
        dy = int(round((height - img.shape[0]) / 2 + rng.normal(0, 0.06 * height)))
        if i and touch == i - 1:
            prev, _, py = placed[-1]
            overlap, joined = _touch_shift(prev, img, dy - py)
            x = right - overlap - (int(rng.integers(0, 3)) if joined else 0)
        else:
            x = right + (int(rng.integers(5, 41)) if i else 0)
        placed.append((img, x, dy))
        right = max(right, x + img.shape[1])
    top = min(y for _, _, y in placed) - 20
    placed = [(img, x, y - top) for img, x, y in placed]
    canvas = np.zeros((max(y + im.shape[0] for im, _, y in placed) + 20, right + 20), np.float32)
    for img, x, y in placed:
        region = canvas[y : y + img.shape[0], x : x + img.shape[1]]
        np.maximum(region, img, out=region)
    if not joined:
        _ligature(canvas, placed[touch], placed[touch + 1])
    return np.clip(canvas, 0, 1), [img for img, _, _ in placed]


def number_set(count: int, rng: np.random.Generator, digit_of,
               touching: bool) -> tuple[list[np.ndarray], list[str], list[list[np.ndarray]]]:
    """``count`` numbers of 2-6 digits (``digit_of(label)`` gives each digit's cropped ink): the images,
    their labels and each one's digits as placed."""
    images, labels, digits = [], [], []
    for _ in range(count):
        n = int(rng.integers(2, 7))
        label = rng.integers(0, 10, n)
        touch = int(rng.integers(0, n - 1)) if touching else None
        image, placed = compose([digit_of(int(d)) for d in label], rng, touch)
        images.append(image)
        labels.append("".join(map(str, label)))
        digits.append(placed)
    return images, labels, digits


# --- photos --------------------------------------------------------------------------------------------------
def _ramp(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """0..1 along a random direction across the page."""
    h, w = shape
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w]
    t = np.cos(angle) * xs / w + np.sin(angle) * ys / h
    return (t - t.min()) / max(1e-6, np.ptp(t))


def _light(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """How much light falls on each pixel: a gradient and, often, a soft shadow with a straight edge."""
    light = 1 - rng.uniform(0.1, 0.45) * _ramp(shape, rng)
    if rng.random() < 0.6:
        edge = (_ramp(shape, rng) - rng.uniform(0.3, 0.7)) * max(shape) / rng.uniform(15, 45)
        light *= 1 - rng.uniform(0.2, 0.45) / (1 + np.exp(-edge))
    return light


def _rules(page: np.ndarray, rng: np.random.Generator) -> None:
    """Lines on the paper, in place: lined (with a margin half the time), squared, or none."""
    h, w, _ = page.shape
    kind = rng.choice(["lined", "squared", "plain"], p=[0.5, 0.3, 0.2])
    colour = np.array(RULES[int(rng.integers(len(RULES)))], np.float32)
    spacing = int(rng.integers(22, 42)) if kind == "lined" else int(rng.integers(18, 32))
    thick = int(rng.integers(1, 3))
    if kind != "plain":
        for y in range(int(rng.integers(5, spacing)), h, spacing):
            page[y : y + thick] = colour
    if kind == "squared":
        for x in range(int(rng.integers(5, spacing)), w, spacing):
            page[:, x : x + thick] = colour
    if kind == "lined" and rng.random() < 0.5:
        x = int(w * rng.uniform(0.08, 0.15))
        page[:, x : x + 2] = MARGIN


def photo(ink: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``ink`` (cropped ink-high digits) written on paper or a board, as a phone stores it."""
    w = int(rng.integers(360, 800))
    h = int(w * rng.uniform(0.75, 1.35))
    board = rng.random() < 0.15
    ground = (BOARDS if board else PAPERS)[int(rng.integers(len(BOARDS if board else PAPERS)))]
    page = np.empty((h, w, 3), np.float32)
    page[:] = ground
    if not board:
        _rules(page, rng)
    pen = np.array((230, 230, 220) if board else PENS[int(rng.integers(len(PENS)))], np.float32)
    digit = scaled(ink, rng.uniform(50, 0.5 * min(h, w)))
    if digit.shape[1] > 0.9 * w:
        digit = scaled(ink, digit.shape[0] * 0.9 * w / digit.shape[1])
    y, x = int(rng.integers(10, h - digit.shape[0] - 10)), int(rng.integers(10, w - digit.shape[1] - 10))
    alpha = (np.clip(digit, 0, 1) * rng.uniform(0.75, 1.0))[..., None]
    region = page[y : y + digit.shape[0], x : x + digit.shape[1]]
    region[:] = region * (1 - alpha) + pen * alpha
    page *= _light((h, w), rng)[..., None]
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
    img = img.rotate(rng.uniform(-2, 2), Image.Resampling.BILINEAR, fillcolor=tuple(int(v * 0.8) for v in ground))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    noisy = np.asarray(img, np.float32) + rng.normal(0, rng.uniform(2, 8), (h, w, 3))
    img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    orientation = int(rng.choice(ORIENTATIONS))
    if orientation in STORED:
        img = img.transpose(STORED[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", quality=int(rng.integers(45, 91)), exif=exif)
    return out.getvalue()


def photo_set(count: int, rng: np.random.Generator, test_images: np.ndarray, test_labels: np.ndarray,
              numbers: bool) -> tuple[list[bytes], list[str]]:
    """``count`` photos: single digits (half MNIST test digits, half stroke digits) or MNIST numbers."""
    photos, labels = [], []
    for i in range(count):
        if numbers:
            digits = rng.integers(len(test_labels), size=int(rng.integers(2, 6)))
            ink = compose([mnist_digit(test_images, int(k)) for k in digits], rng)[0]
            label = "".join(str(int(test_labels[k])) for k in digits)
        elif i % 2:
            k = int(rng.integers(len(test_labels)))
            ink, label = mnist_digit(test_images, k), str(int(test_labels[k]))
        else:
            d = int(rng.integers(10))
            ink, label = stroke_digit(d, rng), str(d)
        photos.append(photo(cropped(ink), rng))
        labels.append(label)
    return photos, labels


# --- measuring ---------------------------------------------------------------------------------------------
def exact(readings: list[str], labels: list[str]) -> float:
    return float(np.mean([r == t for r, t in zip(readings, labels)]))


def ceiling(predictor, digits: list[list[np.ndarray]], labels: list[str]) -> float:
    """The share of numbers whose digits all read right when each (as placed in the number) is read alone
    through the pad's single-digit path: what a perfect segmentation would reach with this model."""
    return exact(["".join(str(predictor.predict(d).top) for d in number) for number in digits], labels)


def read_photos(predictor, photos: list[bytes], folder: Path) -> list[str]:
    """Each photo saved as a file and read back as the CLI reads one."""
    out = []
    for i, data in enumerate(photos):
        path = folder / f"photo{i}.jpg"
        path.write_bytes(data)
        out.append(read_number(predictor, load_photo(path)).number)
    return out


def timing_drawing(rng: np.random.Generator) -> np.ndarray:
    """A 5-digit stroke number, digits about 200 px high, on a 280 px high canvas as the pad's would be."""
    number = compose([stroke_digit(d, rng) for d in (2, 0, 2, 6, 7)], rng, height=200)[0]
    canvas = np.zeros((CANVAS, max(4 * CANVAS, number.shape[1])), np.float32)
    top, left = (CANVAS - number.shape[0]) // 2, (canvas.shape[1] - number.shape[1]) // 2
    canvas[max(0, top) : top + number.shape[0], left : left + number.shape[1]] = number[max(0, -top) :]
    return canvas


def timing(predictor, drawing: np.ndarray, runs: int) -> dict:
    """p50 and p99 in ms of ``read_number`` on one drawing, after a warm-up."""
    for _ in range(20):
        read_number(predictor, drawing)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        read_number(predictor, drawing)
        times.append((time.perf_counter() - t) * 1000)
    return {"runs": runs, "p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "shape": list(drawing.shape), "read": read_number(predictor, drawing).number}


def sheet(images: list[np.ndarray], path: Path) -> None:
    """Some of a set's images stacked as one PNG, dark on white (for docs/numbers.md)."""
    tiles = [Image.fromarray((255 - np.clip(im, 0, 1) * 255).astype(np.uint8)) for im in images]
    width = max(t.width for t in tiles)
    out = Image.new("L", (width, sum(t.height for t in tiles)), 255)
    y = 0
    for t in tiles:
        out.paste(t, (0, y))
        y += t.height
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)


def number_sets(predictor, args, images: np.ndarray, labels: np.ndarray) -> dict:
    """The four number sets read; MNIST digits of each label drawn from the test split."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    sets = {}
    for name, seed, touching, strokes in (("mnist", 1, False, False), ("strokes", 2, False, True),
                                          ("touching", 3, True, False), ("touching_strokes", 4, True, True)):
        rng = np.random.default_rng([SEED, seed])
        digit_of = partial(any_digit, rng=rng, images=images if not strokes else None, by_digit=by_digit)
        drawn, truth, digits = number_set(args.numbers, rng, digit_of, touching)
        read = [read_number(predictor, im).number for im in drawn]
        sets[name] = {"numbers": len(truth), "exact": exact(read, truth),
                      "each_digit_alone": ceiling(predictor, digits, truth),
                      "wrong_examples": [[t, r] for t, r in zip(truth, read) if t != r][:12]}
        print(f"{name:17s} {sets[name]['exact'] * 100:6.2f}% exact of {len(truth)} "
              f"(each digit read alone: {sets[name]['each_digit_alone'] * 100:.2f}%)")
        if args.sheets:
            sheet(drawn[:8], Path(args.sheets) / f"numbers-{name}.png")
    return sets


def photo_sets(predictor, args, images: np.ndarray, labels: np.ndarray) -> dict:
    sets = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, seed, count, numbers in (("photo_digits", 5, args.photos, False),
                                           ("photo_numbers", 6, args.number_photos, True)):
            photos, truth = photo_set(count, np.random.default_rng([SEED, seed]), images, labels, numbers)
            read = read_photos(predictor, photos, Path(tmp))
            sets[name] = {"photos": len(truth), "exact": exact(read, truth),
                          "wrong_examples": [[t, r] for t, r in zip(truth, read) if t != r][:12]}
            print(f"{name:17s} {sets[name]['exact'] * 100:6.2f}% exact of {len(truth)}")
            if args.sheets:
                for i, data in enumerate(photos[:6]):
                    (Path(args.sheets) / f"{name}-{i}.jpg").write_bytes(data)
    return sets


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", help="a model's name or checkpoint file (default: the shipped default)")
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA")
                    or str(REPO.parent / "shared" / "datasets" / "mnist"))
    ap.add_argument("--numbers", type=int, default=500, help="numbers in each number set (the bar asks >= 500)")
    ap.add_argument("--photos", type=int, default=200, help="single-digit photos (the bar asks >= 200)")
    ap.add_argument("--number-photos", type=int, default=100, help="photos of numbers (no bar)")
    ap.add_argument("--runs", type=int, default=200, help="timed readings of the 5-digit drawing")
    ap.add_argument("--quick", action="store_true", help="50 of each, 50 timed runs: a short try")
    ap.add_argument("--sheets", help="write PNG sheets of some numbers and some photos into this folder")
    ap.add_argument("--out", default=str(REPO / "docs" / "results" / "numbers.json"))
    args = ap.parse_args()
    if args.quick:
        args.numbers, args.photos, args.number_photos, args.runs = 50, 50, 20, 50

    from mnist_pad.core.catalog import resolve_model
    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.data import load_split
    from mnist_pad.core.explain import Predictor
    from mnist_pad.core.paths import shipped_weights

    ckpt = load(resolve_model(args.weights) if args.weights else shipped_weights("default"))
    predictor = Predictor.for_checkpoint(ckpt)
    print(f"model {ckpt.name}, engine {predictor.engine.name}")
    test = load_split("mnist", "test", args.data_dir)
    images, labels = test.images.numpy(), test.labels.numpy()
    t0 = time.perf_counter()
    sets = {**number_sets(predictor, args, images, labels), **photo_sets(predictor, args, images, labels)}
    sets["timing_5_digits"] = timed = timing(predictor, timing_drawing(np.random.default_rng([SEED, 7])), args.runs)
    load_average = os.getloadavg()[0]
    print(f"5-digit drawing   p50 {timed['p50_ms']:.2f} ms, p99 {timed['p99_ms']:.2f} ms, read {timed['read']} "
          f"(load average {load_average:.1f})")

    record = {"machine": f"{cpu_name()}, {os.cpu_count()} cores", "load_average": load_average,
              "date": time.strftime("%Y-%m-%d %H:%M"), "model": ckpt.name, "weights": Path(ckpt.path).name,
              "weights_sha256": hashlib.sha256(Path(ckpt.path).read_bytes()).hexdigest(),
              "engine": predictor.engine.name, **sets, "seconds": time.perf_counter() - t0}
    shares = (("MNIST numbers exact >= 98%", sets["mnist"]["exact"], 0.98),
              ("stroke numbers exact >= 98%", sets["strokes"]["exact"], 0.98),
              ("numbers with a touching pair >= 90%", sets["touching"]["exact"], 0.9),
              ("photos of single digits >= 98%", sets["photo_digits"]["exact"], 0.98))
    bars = [(name, value >= bar, f"{value * 100:7.2f}%") for name, value, bar in shares]
    bars.append(("5-digit drawing p50 <= 5 ms", timed["p50_ms"] <= 5, f"{timed['p50_ms']:7.2f} ms"))
    record["bars_met"] = {name: met for name, met, _ in bars}
    for name, met, text in bars:
        print(f"{'met ' if met else 'MISS'}  {name:38s} {text}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.out} ({record['seconds']:.0f} s)")
    return 0 if all(met for _, met, _ in bars) else 1


if __name__ == "__main__":
    sys.exit(main())

"""How the pad reads the world's handwriting and what is not a digit (issue 12's bars), through the pad's own
path: a 280x280 canvas image -> preprocess -> the model -> calibrated probabilities and a status.

    python scripts/bench_reading.py [--weights NAME|FILE] [--data-dir DIR] [--per-style 100] [--sheets DIR]

Evaluation sets that training never sees, from generators that differ from the training ones:

- **styles**: every national style of every digit (mnist_pad.core.styles.STYLES) in the eight evaluation hands
  (styles.EVAL_HANDS: fixed habits and a bend of the whole glyph that training drawings never have), other
  seeds, rendered at the canvas's 280 px (training renders at 84 px);
- **non-digits**: letters and symbols typeset in the machine's fonts (training draws its own stroke letters),
  polygons and stars, wave and hatch scribbles (other generators than training's), and pairs of MNIST *test*
  digits side by side;
- **MNIST test drawn**: the 10,000 test digits scaled and placed on the canvas at random (as
  scripts/bench_drawn_digits.py does).

Writes docs/results/reading.json and prints the bars.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mnist_pad.core.calibrate import CANVAS, canvas_drawing  # noqa: E402
from mnist_pad.core.reading import NOT_A_DIGIT, OK, UNSURE, Reading, ece  # noqa: E402
from mnist_pad.core.styles import EVAL_HANDS, STYLE_KEYS, draw_style, place  # noqa: E402
from mnist_pad.core.strokes import render  # noqa: E402

SEED = 20261130  # no training or validation drawing uses it
# Letters people also write as digits (or nearly): never counted as non-digits.
CONFUSABLE = set("OoQDIliJjSsZzBbGgqTty")
LETTERS = [c for c in "ACEFHKLMNPRUVWXYacdefhkmnpruvwx" if c not in CONFUSABLE]
SYMBOLS = list("+-=#%@&?*<>~×÷→✓")


# --- the sets ------------------------------------------------------------------------------------------------
def style_set(per_style: int, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    images, labels, keys = [], [], []
    for digit, style in STYLE_KEYS:
        for i in range(per_style):
            hand = EVAL_HANDS[i % len(EVAL_HANDS)]
            images.append(render(draw_style(digit, style, rng, hand), CANVAS, hand.pen * rng.uniform(0.85, 1.15)))
            labels.append(digit)
            keys.append(f"{digit} {style}")
    return images, np.array(labels), keys


def fonts() -> list[Path]:
    found = sorted(p for d in ("/usr/share/fonts", "/usr/local/share/fonts") for p in Path(d).rglob("*")
                   if p.suffix.lower() in (".ttf", ".otf") and "Fallback" not in p.name and "Math" not in p.name)
    if not found:
        raise SystemExit("no TrueType/OpenType fonts found: the non-digit letters are typeset in them")
    return found


def typeset(text: str, font: Path, rng: np.random.Generator) -> np.ndarray | None:
    """``text`` in ``font`` at a random size, rotation and place on the canvas (ink high, uint8); None when
    the font has no ink for it."""
    size = int(rng.integers(90, 220))
    img = Image.new("L", (CANVAS * 2, CANVAS * 2), 0)
    ImageDraw.Draw(img).text((CANVAS // 2, CANVAS // 2), text, fill=255, font=ImageFont.truetype(str(font), size))
    img = img.rotate(float(rng.normal(0, 8)), resample=Image.Resampling.BILINEAR)
    box = img.getbbox()
    if box is None:
        return None
    glyph = img.crop(box)
    scale = min(1.0, (CANVAS - 20) / max(glyph.size))
    glyph = glyph.resize((max(1, int(glyph.width * scale)), max(1, int(glyph.height * scale))))
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    canvas.paste(glyph, (int(rng.integers(0, CANVAS - glyph.width + 1)), int(rng.integers(0, CANVAS - glyph.height + 1))))
    return np.asarray(canvas)


def polygon(rng: np.random.Generator) -> list[np.ndarray]:
    """A triangle, a square or a star (5 to 7 points), closed, in the unit box. (Polygons of more sides are
    drawn much like a 0 and are left out.)"""
    star = rng.random() < 0.5
    sides = int(rng.integers(5, 8)) if star else int(rng.integers(3, 5))
    turn = rng.uniform(0, 2 * np.pi)
    k = np.arange(sides * (2 if star else 1) + 1)
    radius = np.where(k % 2 == 1, 0.45, 1.0) if star else np.ones(len(k))
    angle = turn + 2 * np.pi * k / (sides * (2 if star else 1))
    return [np.stack([0.5 + 0.5 * radius * np.cos(angle), 0.5 + 0.5 * radius * np.sin(angle)], 1)]


def wave_or_hatch(rng: np.random.Generator) -> list[np.ndarray]:
    """A sine wave of 2 to 5 periods, or 3 to 7 parallel hatch lines."""
    if rng.random() < 0.5:
        t = np.linspace(0, 1, 80)
        return [np.stack([t, 0.5 + 0.35 * np.sin(2 * np.pi * rng.uniform(2, 5) * t)], 1)]
    n = int(rng.integers(3, 8))
    return [np.array([[x, 0.0], [x + 0.3, 1.0]]) for x in np.linspace(0, 0.7, n)]


def digit_pair(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    gap = int(rng.integers(0, 8))
    pair = np.concatenate([a, np.zeros((28, gap), np.uint8), b], 1)
    side = int(rng.integers(150, 271))
    h = max(1, int(side * 28 / pair.shape[1]))
    big = np.asarray(Image.fromarray(pair).resize((side, h), Image.Resampling.BILINEAR))
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    top, left = int(rng.integers(0, CANVAS - h + 1)), int(rng.integers(0, CANVAS - side + 1))
    canvas[top : top + h, left : left + side] = big
    return canvas


def non_digits(test_images: np.ndarray, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    images, kinds = [], []
    font_files = fonts()

    def add(image, kind):
        if image is not None and image.max() > 0:
            images.append(image)
            kinds.append(kind)

    for i in range(260):
        add(typeset(LETTERS[i % len(LETTERS)], font_files[int(rng.integers(len(font_files)))], rng), "letter")
    for i in range(100):
        add(typeset(SYMBOLS[i % len(SYMBOLS)], font_files[int(rng.integers(len(font_files)))], rng), "symbol")
    for kind, make in (("shape", polygon), ("scribble", wave_or_hatch)):
        for i in range(100):
            hand = EVAL_HANDS[i % len(EVAL_HANDS)]
            add(render(place(make(rng), rng, hand), CANVAS, hand.pen), kind)
    for _ in range(100):
        a, b = rng.integers(len(test_images), size=2)
        add(digit_pair(test_images[a], test_images[b], rng), "pair")
    return images, kinds


# --- reading them --------------------------------------------------------------------------------------------
def read(predictor, images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(calibrated probabilities (n, 10), raw logits' softmax (n, 10), statuses (n,)) through the pad's path."""
    probs, statuses = [], []
    for image in images:
        pred = predictor.predict(image)
        probs.append(pred.probabilities)
        statuses.append(pred.status)
    probs = np.stack(probs)
    raw = Reading().probabilities(np.log(np.maximum(probs, 1e-30)) * predictor.reading.temperature)
    return probs, raw, np.array(statuses)


def best_ok_but_wrong(probs: np.ndarray, right: np.ndarray, flagged: float) -> float:
    """A diagnosis, never a threshold: the share of drawings left confidently wrong when the least sure
    ``flagged`` of them (by top probability) are flagged, as if a threshold were chosen on this very set. When it
    misses the ok-but-wrong bar, no unsure threshold on the top probability meets both bars: the model must make
    fewer errors."""
    keep = np.argsort(probs.max(1), kind="stable")[int(round(flagged * len(probs))):]
    return float((~right[keep]).sum() / len(probs))


def sheet(images: list[np.ndarray], path: Path, columns: int = 20) -> None:
    """The first drawings of a set as one PNG (dark ink on white), for docs/reading.md."""
    tiles = [Image.fromarray(255 - im).resize((56, 56)) for im in images]
    rows = (len(tiles) + columns - 1) // columns
    out = Image.new("L", (columns * 56, rows * 56), 255)
    for i, tile in enumerate(tiles):
        out.paste(tile, ((i % columns) * 56, (i // columns) * 56))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", help="a model's name or checkpoint file (default: the shipped default)")
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA") or str(REPO.parent / "shared" / "datasets" / "mnist"))
    ap.add_argument("--per-style", type=int, default=100, help="drawings per (digit, style); the bar asks >= 50")
    ap.add_argument("--limit", type=int, help="only the first N MNIST test digits (quick tries)")
    ap.add_argument("--sheets", help="write PNG sheets of each set into this folder")
    ap.add_argument("--out", default=str(REPO / "docs" / "results" / "reading.json"))
    args = ap.parse_args()

    from mnist_pad.core.catalog import resolve_model
    from mnist_pad.core.checkpoint import CheckpointError, load
    from mnist_pad.core.data import load_split
    from mnist_pad.core.explain import Predictor
    from mnist_pad.core.files import BadInput
    from mnist_pad.core.paths import shipped_weights

    try:
        ckpt = load(resolve_model(args.weights) if args.weights else shipped_weights("default"))
    except (BadInput, CheckpointError) as exc:  # a missing, damaged or foreign file: one line, exit 2
        ap.error(f"--weights: {exc}")
    predictor = Predictor.for_checkpoint(ckpt)
    print(f"model {ckpt.name}: {predictor.reading}")
    rng = np.random.default_rng(SEED)
    test = load_split("mnist", "test", args.data_dir)
    test_images, test_labels = test.images.numpy(), test.labels.numpy()
    t0 = time.perf_counter()

    style_images, style_labels, style_keys = style_set(args.per_style, rng)
    s_probs, _, s_status = read(predictor, style_images)
    s_right = s_probs.argmax(1) == style_labels
    per_style = {k: float(s_right[np.array(style_keys) == k].mean()) for k in dict.fromkeys(style_keys)}

    neg_images, neg_kinds = non_digits(test_images, rng)
    _, _, n_status = read(predictor, neg_images)
    kinds = np.array(neg_kinds)
    flagged_by_kind = {k: float((n_status[kinds == k] != OK).mean()) for k in dict.fromkeys(neg_kinds)}

    n = min(args.limit or len(test_labels), len(test_labels))
    drawn = [canvas_drawing(test_images[i], rng) for i in range(n)]
    m_probs, m_raw, m_status = read(predictor, drawn)
    y = test_labels[:n]
    m_right = m_probs.argmax(1) == y

    record = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'CPU'}",
        "date": time.strftime("%Y-%m-%d"), "model": ckpt.name, "reading": predictor.reading.to_dict(),
        "styles": {"drawings": len(style_labels), "accuracy": float(s_right.mean()), "per_style": per_style,
                   "worst": min(per_style.values()), "flagged": float((s_status != OK).mean())},
        "non_digits": {"drawings": len(n_status), "flagged": float((n_status != OK).mean()),
                       "not_a_digit": float((n_status == NOT_A_DIGIT).mean()),
                       "unsure": float((n_status == UNSURE).mean()), "flagged_by_kind": flagged_by_kind},
        "mnist_drawn": {"drawings": n, "accuracy": float(m_right.mean()), "flagged": float((m_status != OK).mean()),
                        "ok_but_wrong": float(((m_status == OK) & ~m_right).mean()),
                        "ece": ece(m_probs, y), "ece_before_temperature": ece(m_raw, y),
                        "ok_but_wrong_at_best_1pct": best_ok_but_wrong(m_probs, m_right, 0.01)},
        "seconds": time.perf_counter() - t0,
    }
    bars = [
        ("style set overall >= 99%", record["styles"]["accuracy"] >= 0.99, record["styles"]["accuracy"]),
        ("every (digit, style) >= 97%", record["styles"]["worst"] >= 0.97, record["styles"]["worst"]),
        ("non-digits flagged >= 95%", record["non_digits"]["flagged"] >= 0.95, record["non_digits"]["flagged"]),
        ("MNIST test drawn flagged <= 1%", record["mnist_drawn"]["flagged"] <= 0.01, record["mnist_drawn"]["flagged"]),
        ("MNIST test drawn ok but wrong <= 0.1%", record["mnist_drawn"]["ok_but_wrong"] <= 0.001,
         record["mnist_drawn"]["ok_but_wrong"]),
        ("ECE on MNIST test drawn <= 1.5%", record["mnist_drawn"]["ece"] <= 0.015, record["mnist_drawn"]["ece"]),
        ("MNIST test drawn >= 99.5%", record["mnist_drawn"]["accuracy"] >= 0.995, record["mnist_drawn"]["accuracy"]),
    ]
    record["bars"] = {name: {"met": bool(ok), "value": value} for name, ok, value in bars}
    for name, ok, value in bars:
        print(f"{'met ' if ok else 'MISS'}  {name:40s} {value * 100:7.2f}%")
    for k, v in per_style.items():
        if v < 1:
            print(f"      style {k:16s} {v * 100:6.1f}%")
    for k, v in flagged_by_kind.items():
        print(f"      non-digits {k:9s} flagged {v * 100:6.1f}%")
    print(f"      ok but wrong if the least sure 1% were flagged (a threshold chosen on the test set: diagnosis only) "
          f"{record['mnist_drawn']['ok_but_wrong_at_best_1pct'] * 100:.2f}%")
    print(f"      ECE before temperature scaling {record['mnist_drawn']['ece_before_temperature'] * 100:.2f}%")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.out} ({record['seconds']:.0f} s)")
    if args.sheets:
        order = np.argsort(np.arange(len(style_images)) % args.per_style, kind="stable")[: len(STYLE_KEYS) * 6]
        sheet([style_images[i] for i in order], Path(args.sheets) / "styles.png", columns=len(STYLE_KEYS))
        sheet(neg_images[::max(1, len(neg_images) // 120)][:120], Path(args.sheets) / "non_digits.png")
    return 0 if all(ok for _, ok, _ in bars) else 1


if __name__ == "__main__":
    sys.exit(main())

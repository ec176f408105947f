"""Drive the real mnist-pad window under Xvfb as a new user would, and save a screenshot of every step.

    python scripts/user_tour.py [--size 1366x768] [--size 1024x768] [--out docs/tour] [--data DIR] [--quick]
                                [--maximise]

For each screen size: its own Xvfb (a free display, ``-screen 0 WxHx24``), private settings and user folders
(temporary ``MNIST_PAD_HOME``, ``XDG_CONFIG_HOME``, ``XDG_CACHE_HOME``, ``XDG_DATA_HOME``: the tour never
touches the user's own settings, samples or models), the venv's ``mnist-pad``; then only what a user does,
sent with xdotool: mouse strokes, key presses, menus opened with Alt+letter.

The tour: draw a 7 and a 3 on the pad, F1 (help), Help > About, a digit key to keep a drawing as a sample;
the Train tab (Ctrl+2): one drawn and labelled sample per digit, a fine-tune; the Evaluate tab (Ctrl+3): an
evaluation; View > Theme > Dark and every tab in it; View > Language > Chinese, quit, start again and every
tab in Chinese; quit. Screenshots go to ``<out>/<size>/NN-step.png``, and ``<out>/README.md`` lists them with
the log of every step and whether it passed. ``--quick`` does not wait for the fine-tune and the evaluation.

How the tour finds things without asking Qt: the drawing canvas is the largest area of the paper colour
(#fbfbf8); a button is found by its label, rendered with the same font by Qt on the same display and
matched in the screenshot. No window manager runs under Xvfb, so the tour gives the keyboard focus to a
window that opens (a dialog) and back to the main window after it closes, as a window manager would.

Exit status: 0 every step passed, 1 a step failed (the log says which), 2 the tour could not run (a tool or
the data missing, bad arguments). Needs Xvfb, xdotool and ImageMagick's ``import`` on the PATH.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import numpy as np
    from PIL import Image
    from scipy import ndimage
except ImportError as exc:  # the system python: the venv's has both
    print(f"user_tour: error: no {exc.name} here: run this with the venv's python (.venv/bin/python)", file=sys.stderr)
    sys.exit(2)

REPO = Path(__file__).resolve().parent.parent
PAPER = (0xFB, 0xFB, 0xF8)  # mnist_pad.qt.canvas.PAPER: the drawing square, whatever the theme
MAIN_TITLE = "^mnist-pad$"
START_TIMEOUT_S = 90  # the window's first start imports torch
JOB_TIMEOUT_S = 180  # a fine-tune (with its MNIST check) or an evaluation
ERROR_RED = ((0xB0, 0x00, 0x20), (0xC0, 0x39, 0x2B), (0xFF, 0x7B, 0x72))  # the tabs' error colours
TAG_GREEN = (0x2E, 0x8B, 0x57)  # mnist_pad.qt.canvas.BOX_COLOURS["ok"]: a surely read digit's tag


class SetupError(Exception):
    """The tour cannot run here (exit status 2)."""


class StepFailed(Exception):
    """A step that later steps need failed: the rest of this size's tour is skipped."""


# --- digits as a person draws them --------------------------------------------------------------------------
def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 18) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))) for i in range(n + 1)]


# Strokes in fractions of the canvas square (x right, y down), in the order and direction a hand draws them.
DIGITS: dict[int, list[list[tuple[float, float]]]] = {
    0: [_arc(0.50, 0.50, 0.17, 0.27, -100, 265, 28)],
    1: [[(0.44, 0.30), (0.53, 0.22), (0.52, 0.50), (0.51, 0.78)]],
    2: [_arc(0.50, 0.37, 0.17, 0.14, -170, 20) + [(0.55, 0.55), (0.42, 0.66), (0.32, 0.77), (0.50, 0.765),
                                                   (0.70, 0.76)]],
    3: [_arc(0.49, 0.36, 0.16, 0.12, -160, 90) + _arc(0.49, 0.61, 0.19, 0.14, -90, 160)],
    4: [[(0.52, 0.22), (0.41, 0.42), (0.30, 0.60), (0.50, 0.60), (0.72, 0.59)], [(0.60, 0.36), (0.59, 0.58),
                                                                                  (0.58, 0.80)]],
    5: [[(0.68, 0.23), (0.54, 0.23), (0.40, 0.24)],
        [(0.405, 0.245), (0.39, 0.35), (0.375, 0.46)] + _arc(0.50, 0.61, 0.18, 0.16, -140, 140) + [(0.31, 0.72)]],
    6: [[(0.62, 0.22), (0.50, 0.33), (0.40, 0.48), (0.35, 0.62)] + _arc(0.50, 0.64, 0.15, 0.14, 180, 535)],
    7: [[(0.30, 0.25), (0.50, 0.24), (0.70, 0.25), (0.62, 0.40), (0.54, 0.56), (0.47, 0.77)]],
    8: [_arc(0.50, 0.35, 0.14, 0.12, 80, 440), _arc(0.50, 0.62, 0.17, 0.15, -90, 270)],
    9: [_arc(0.48, 0.38, 0.15, 0.13, 10, 370), [(0.63, 0.38), (0.62, 0.58), (0.60, 0.79)]],
}


def digit_strokes(digit: int, rng: random.Random) -> list[list[tuple[float, float]]]:
    """The digit's strokes, a little shifted, scaled and wobbled: no two drawings alike, like a person's."""
    dx, dy, s = rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04), rng.uniform(0.9, 1.08)
    out = []
    for stroke in DIGITS[digit]:
        phase = rng.uniform(0, 2 * math.pi)
        out.append([(0.5 + (x - 0.5) * s + dx + 0.006 * math.sin(phase + 9 * i / len(stroke)),
                     0.5 + (y - 0.5) * s + dy + 0.006 * math.cos(phase + 7 * i / len(stroke)))
                    for i, (x, y) in enumerate(stroke)])
    return out


# --- pictures -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rect:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def __str__(self) -> str:
        return f"{self.width}x{self.height}+{self.x0}+{self.y0}"


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    best, start = (0, 0), None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def find_paper(img: np.ndarray) -> Rect | None:
    """The drawing square: the largest block of the paper colour (ink inside it, or the hint text, does not
    matter: columns and then rows that are mostly paper)."""
    mask = np.all(img == PAPER, axis=2)
    x0, x1 = _longest_run(mask.sum(axis=0) > 60)
    if x1 - x0 < 60:
        return None
    y0, y1 = _longest_run(mask[:, x0:x1].sum(axis=1) > 0.3 * (x1 - x0))
    if y1 - y0 < 60:
        return None
    return Rect(x0, y0, x1, y1)


def luminance(img: np.ndarray) -> np.ndarray:
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def ink_pixels(img: np.ndarray, rect: Rect) -> int:
    """Dark pixels inside the paper (the hint text is mid grey, the ink near black)."""
    inside = img[rect.y0 + 2:rect.y1 - 2, rect.x0 + 2:rect.x1 - 2]
    return int((luminance(inside.astype(np.float32)) < 80).sum())


def is_dark(img: np.ndarray, window: Rect) -> bool:
    region = img[window.y0:window.y1, window.x0:window.x1].astype(np.float32)
    return float(np.median(luminance(region))) < 110


def red_pixels(img: np.ndarray) -> int:
    return int(sum(np.all(img == colour, axis=2).sum() for colour in ERROR_RED))


def changed_pixels(a: np.ndarray, b: np.ndarray, outside: Rect | None = None) -> int:
    diff = np.any(a != b, axis=2)
    if outside is not None:
        diff[outside.y0:outside.y1, outside.x0:outside.x1] = False
    return int(diff.sum())


# --- finding a text on the screen ---------------------------------------------------------------------------
RENDER = r"""
import json, sys
import numpy as np
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QImage, QPainter
app = QGuiApplication(sys.argv[:1])
out = {}
for key, (text, points, bold) in json.loads(sys.argv[1]).items():
    font = QGuiApplication.font()
    if points:
        font.setPointSizeF(points)
    font.setBold(bool(bold))
    fm = QFontMetrics(font)
    img = QImage(fm.horizontalAdvance(text) + 8, fm.height() + 8, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(4, 4 + fm.ascent(), text)
    painter.end()
    ptr = img.constBits()
    a = np.frombuffer(ptr, np.uint8, count=img.bytesPerLine() * img.height()).reshape(img.height(), -1)
    out[key] = a[:, : img.width() * 4 : 4].copy()  # the blue channel: grey text on white
np.savez(sys.argv[2], **out)
"""


@dataclass
class Found:
    score: float
    rect: Rect

    @property
    def centre(self) -> tuple[int, int]:
        return (self.rect.x0 + self.rect.x1) // 2, (self.rect.y0 + self.rect.y1) // 2


class TextFinder:
    """Labels rendered by Qt with the application's font on the tour's display, matched in screenshots by
    the shape of their ink (dark text on a light background, or light on dark)."""

    def __init__(self, env: dict[str, str], work: Path) -> None:
        self.env, self.work = env, work
        self.templates: dict[tuple[str, float, bool], np.ndarray] = {}

    def prepare(self, specs: list[tuple[str, float, bool]]) -> None:
        todo = {f"t{i}": spec for i, spec in enumerate(specs) if spec not in self.templates}
        if not todo:
            return
        out = self.work / "templates.npz"
        subprocess.run([sys.executable, "-c", RENDER, json.dumps(todo), str(out)], env=self.env, check=True,
                       timeout=60, capture_output=True)
        with np.load(out) as data:
            for key, spec in todo.items():
                ink = 1 - data[key].astype(np.float32) / 255
                ys, xs = np.nonzero(ink > 0.5)
                self.templates[spec] = _blur(ink)[ys.min() - 1:ys.max() + 2, xs.min() - 1:xs.max() + 2]

    def find(self, img: np.ndarray, text: str, points: float = 0, bold: bool = False, threshold: float = 0.85,
             region: Rect | None = None, isolated: bool = True, contrast: float = 0.5) -> list[Found]:
        """Where ``text`` is, best first (at most 5 places, each scored by normalised cross-correlation of the
        slightly blurred ink, which forgives a glyph placed a pixel off). ``isolated``: only places with no
        other ink just left and right of it (a button's label, not the same letters in a longer line).
        ``contrast``: the least difference between ink and background, 0-1 (a disabled widget's grey text on
        its background has less than 0.5; normal text more)."""
        spec = (text, float(points), bool(bold))
        self.prepare([spec])
        t = self.templates[spec]
        lum = luminance(img.astype(np.float32)) / 255
        ox = oy = 0
        if region is not None:
            lum, ox, oy = lum[region.y0:region.y1, region.x0:region.x1], region.x0, region.y0
        found = []
        for ink in (1 - lum, lum):  # dark text on a light background, light text on a dark one
            found += self._match(ink, t, threshold, ox, oy, isolated, contrast)
        found.sort(key=lambda f: -f.score)
        return found[:5]

    @staticmethod
    def _match(raw: np.ndarray, t: np.ndarray, threshold: float, ox: int, oy: int, isolated: bool,
               contrast: float) -> list[Found]:
        ink = _blur(raw)
        H, W = ink.shape
        h, w = t.shape
        if H < h or W < w:
            return []
        tz = t - t.mean()
        shape = (H + h, W + w)
        corr = np.fft.irfft2(np.fft.rfft2(ink, s=shape) * np.fft.rfft2(tz[::-1, ::-1], s=shape), s=shape)
        corr = corr[h - 1:H, w - 1:W]
        s1, s2 = _window_sums(ink, h, w), _window_sums(ink * ink, h, w)
        spread = np.sqrt(np.maximum(s2 - s1 * s1 / (h * w), 0))
        score = corr / (np.linalg.norm(tz) * spread + 1e-3 * h * w)
        found = []
        for _ in range(12):
            y, x = np.unravel_index(int(np.argmax(score)), score.shape)
            best = float(score[y, x])
            if best < threshold:
                break
            score[max(0, y - h):y + h, max(0, x - w):x + w] = -1
            window = raw[y:y + h, x:x + w]
            if window.max() - np.median(window) < contrast:
                continue
            row = ink[y:y + h] > np.median(window) + 0.35
            if isolated and (row[:, max(0, x - 7):max(0, x - 1)].any() or row[:, x + w + 1:x + w + 7].any()):
                continue
            found.append(Found(best, Rect(int(x) + ox, int(y) + oy, int(x + w) + ox, int(y + h) + oy)))
        return found


def _blur(a: np.ndarray) -> np.ndarray:
    """A 3x3 box blur."""
    p = np.pad(a, 1, mode="edge")
    return sum(p[dy:dy + a.shape[0], dx:dx + a.shape[1]] for dy in range(3) for dx in range(3)) / 9


def _window_sums(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """The sum of every h x w window of ``a`` (top-left corner indexing), from an integral image."""
    c = np.pad(a.astype(np.float64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return c[h:, w:] - c[:-h, w:] - c[h:, :-w] + c[:-h, :-w]


# --- the display and the app ----------------------------------------------------------------------------------
class Xvfb:
    def __init__(self, width: int, height: int, log: Path) -> None:
        read, write = os.pipe()
        self._log = open(log, "wb")
        try:
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
                 "-noreset"], pass_fds=(write,), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            os.close(write)
        try:
            number = b""
            deadline = time.monotonic() + 20
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
                chunk = os.read(read, 16) if ready else b""
                if not chunk:
                    self.stop()
                    raise SetupError(f"Xvfb did not start (see {log})")
                number += chunk
        finally:
            os.close(read)
        self.display = f":{int(number)}"

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


def stop_process(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    """End a process the tour started, and its children (its own process group)."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- the tour -------------------------------------------------------------------------------------------------
@dataclass
class Step:
    name: str
    ok: bool | None  # None: a note
    detail: str
    shots: list[str] = field(default_factory=list)


class Tour:
    def __init__(self, size: str, out: Path, data: Path, quick: bool, maximise: bool) -> None:
        self.size = size
        self.width, self.height = (int(v) for v in size.split("x"))
        self.out = out / size
        self.data, self.quick, self.maximise = data, quick, maximise
        self.steps: list[Step] = []
        self.pending_shots: list[str] = []
        self.rng = random.Random(7)
        self.app: subprocess.Popen | None = None
        self.app_log = None
        self.main: str | None = None  # the main window's X id
        self.work = Path(tempfile.mkdtemp(prefix="mnist-pad-tour-"))
        self.launches = 0

    # --- bookkeeping ---
    def record(self, name: str, ok: bool | None, detail: str = "") -> bool:
        """Log a step: passed (True), failed (False), or a note (None: what a user would notice, not a failure)."""
        step = Step(name, ok, detail, self.pending_shots)
        self.pending_shots = []
        self.steps.append(step)
        word = {True: "PASS", False: "FAIL", None: "NOTE"}[ok]
        print(f"  [{self.size}] {word}  {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok is not False

    def require(self, ok: bool, name: str, detail: str = "") -> None:
        if not self.record(name, ok, detail):
            raise StepFailed(f"{name}: {detail}")

    # --- X ---
    def xdo(self, *args: str, timeout: float = 30, check: bool = True) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise StepFailed(f"xdotool {' '.join(args[:3])}... failed: {done.stderr.strip() or done.returncode}")
        return done.stdout.strip()

    def windows(self, title: str) -> list[str]:
        out = self.xdo("search", "--onlyvisible", "--name", title, check=False)
        return out.split()

    def wait_window(self, title: str, timeout: float = 10) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [w for w in self.windows(title) if w != self.main]
            if found:
                return found[-1]
            time.sleep(0.2)
        return None

    def wait_gone(self, window: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.viewable(window):
                return True
            time.sleep(0.2)
        return False

    def viewable(self, window: str) -> bool:
        done = subprocess.run(["xwininfo", "-id", window], env=self.env, capture_output=True, text=True, timeout=10)
        return done.returncode == 0 and "IsViewable" in done.stdout

    def focus(self, window: str | None = None) -> None:
        """What a window manager does: the keyboard to the window that opened, or back to the main window."""
        window = window or self.main
        if window:
            self.xdo("windowfocus", "--sync", window, check=False, timeout=5)
            time.sleep(0.1)

    def key(self, *keys: str, pause: float = 0.4) -> None:
        for k in keys:
            self.xdo("key", "--clearmodifiers", k)
            time.sleep(pause)

    def click(self, x: int, y: int) -> None:
        self.xdo("mousemove", "--sync", str(x), str(y), "sleep", "0.15", "click", "1")
        time.sleep(0.4)

    def park_mouse(self) -> None:
        """Out of the way, so that no tooltip or hover covers what the screenshot shows."""
        self.xdo("mousemove", str(self.width - 2), str(self.height - 2))

    def grab(self) -> np.ndarray:
        path = self.work / "screen.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=30,
                       capture_output=True)
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB")).copy()

    def settle(self, limit: float = 4.0) -> np.ndarray:
        """A screenshot once the screen has stopped changing (or after ``limit`` seconds)."""
        deadline = time.monotonic() + limit
        img = self.grab()
        while time.monotonic() < deadline:
            time.sleep(0.4)
            again = self.grab()
            if np.array_equal(img, again):
                return again
            img = again
        return img

    def shot(self, name: str, img: np.ndarray | None = None, settle: bool = True) -> np.ndarray:
        if img is None:
            img = self.settle() if settle else self.grab()
        Image.fromarray(img).save(self.out / f"{name}.png", optimize=True)
        self.pending_shots.append(f"{name}.png")
        return img

    # --- the app ---
    def launch(self, *args: str) -> None:
        self.launches += 1
        self.app_log = open(self.work / f"app-{self.launches}.log", "wb")
        self.app = subprocess.Popen([str(Path(sys.executable).with_name("mnist-pad")), *args], env=self.env, cwd=self.work,
                                    stdout=self.app_log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.app.poll() is not None:
                raise StepFailed(f"mnist-pad exited with status {self.app.returncode} before showing its window"
                                 f"{self.log_tail()}")
            found = self.windows(MAIN_TITLE)
            if found:
                self.main = max(found, key=self.area)
                break
            time.sleep(0.5)
        else:
            raise StepFailed(f"no mnist-pad window within {START_TIMEOUT_S} s")
        if self.maximise:
            self.xdo("windowmove", "--sync", self.main, "0", "0", check=False)
            self.xdo("windowsize", "--sync", self.main, "100%", "100%", check=False)
        time.sleep(2)  # the first paint, the ONNX engine
        self.focus()

    def area(self, window: str) -> int:
        geometry = self.xdo("getwindowgeometry", window, check=False)
        m = re.search(r"Geometry: (\d+)x(\d+)", geometry)
        return int(m[1]) * int(m[2]) if m else 0

    def window_rect(self) -> Rect:
        geometry = self.xdo("getwindowgeometry", self.main)
        pos = re.search(r"Position: (-?\d+),(-?\d+)", geometry)
        size = re.search(r"Geometry: (\d+)x(\d+)", geometry)
        x, y, w, h = int(pos[1]), int(pos[2]), int(size[1]), int(size[2])
        return Rect(max(0, x), max(0, y), min(self.width, x + w), min(self.height, y + h))

    def alive(self) -> bool:
        return self.app is not None and self.app.poll() is None and self.main is not None and self.viewable(self.main)

    def log_tail(self) -> str:
        try:
            lines = (self.work / f"app-{self.launches}.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return (": " + " | ".join(lines[-3:])) if lines else ""

    def quit_app(self, name: str, shot: str) -> None:
        """Ctrl+Q; when a dialog asks about a running job, stop it ("Stop and quit"); the exit status must be 0."""
        self.focus()
        self.key("ctrl+q", pause=0.5)
        asked = ""
        for attempt in range(3):
            try:
                code = self.app.wait(3 if attempt < 2 else 30)
                break
            except subprocess.TimeoutExpired:
                pass
            box = next((w for w in self.windows(".") if w != self.main and self.area(w) > 2000), None)
            if box is None:
                continue
            self.focus(box)
            if not asked:
                self.shot(shot)
                asked = "a dialog asked first and was answered \"Stop and quit\"; "
            button = self.finder.find(self.grab(), "Stop and quit")
            if button:
                self.click(*button[0].centre)
            else:  # by keyboard (a translated button): from the default Cancel to the other button
                self.key("Tab", "space")
        else:
            self.require(False, name, f"{asked}still running 30 s after Ctrl+Q{self.log_tail()}")
        self.app_log.close()
        self.main = None
        self.require(code == 0, name, f"{asked}exit status {code}" + ("" if code == 0 else self.log_tail()))

    def focus_canvas(self, rect: Rect) -> None:
        """A right click on the paper gives the canvas the keyboard focus without drawing; Esc closes its menu."""
        self.xdo("mousemove", "--sync", str(rect.x0 + 6), str(rect.y1 - 6), "sleep", "0.1", "click", "3")
        time.sleep(0.5)
        self.key("Escape", pause=0.3)

    # --- helpers for the steps ---
    def paper(self, img: np.ndarray | None = None) -> Rect:
        rect = find_paper(self.grab() if img is None else img)
        if rect is None:
            raise StepFailed("no drawing canvas (an area of #fbfbf8) on the screen")
        return rect

    def draw(self, rect: Rect, strokes: list[list[tuple[float, float]]], step_px: float = 7) -> None:
        """Press, move in small steps at a hand's pace, release: one xdotool call per stroke."""
        for stroke in strokes:
            pts = [(rect.x0 + x * rect.width, rect.y0 + y * rect.height) for x, y in stroke]
            dense = [pts[0]]
            for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
                n = max(1, round(math.hypot(bx - ax, by - ay) / step_px))
                dense += [(ax + (bx - ax) * i / n, ay + (by - ay) * i / n) for i in range(1, n + 1)]
            cmd = ["mousemove", str(round(dense[0][0])), str(round(dense[0][1])), "sleep", "0.05", "mousedown", "1"]
            for x, y in dense[1:]:
                cmd += ["mousemove", str(round(x)), str(round(y)), "sleep", "0.01"]
            cmd += ["sleep", "0.05", "mouseup", "1", "sleep", "0.15"]
            self.xdo(*cmd, timeout=60)

    def draw_digit(self, digit: int, rect: Rect) -> None:
        self.draw(rect, digit_strokes(digit, self.rng))
        time.sleep(0.3)

    def read_answer(self, img: np.ndarray) -> str:
        """The pad's answer as the user reads it: "it's a D" or "unsure (maybe D", D read from the screen."""
        for prefix in ("it's a", "unsure (maybe"):
            found = self.finder.find(img, prefix, 18, isolated=False)
            if not found:
                continue
            r = found[0].rect
            region = Rect(r.x1, max(0, r.y0 - 6), min(img.shape[1], r.x1 + 45), min(img.shape[0], r.y1 + 6))
            scores = {d: max((f.score for f in self.finder.find(img, str(d), 18, region=region, isolated=False,
                                                                 threshold=0.5)), default=0) for d in range(10)}
            digit = max(scores, key=scores.get)
            return f"{prefix} {digit}" if scores[digit] > 0.8 else f"{prefix} ?"
        return "no answer"

    def read_number(self, img: np.ndarray) -> str:
        """The digits after "the number" on the screen, left to right ("" when the pad does not say it)."""
        found = self.finder.find(img, "the number", 18, isolated=False)
        if not found:
            return ""
        r = found[0].rect
        region = Rect(r.x1, max(0, r.y0 - 6), min(img.shape[1], r.x1 + 200), min(img.shape[0], r.y1 + 6))
        hits = sorted((f.score, f.rect.x0, d) for d in range(10)
                      for f in self.finder.find(img, str(d), 18, region=region, isolated=False, threshold=0.8))
        placed: list[tuple[int, int]] = []  # (x, digit), the best match of each place
        for _, x, d in reversed(hits):
            if all(abs(x - other) > 6 for other, _ in placed):
                placed.append((x, d))
        return "".join(str(d) for _, d in sorted(placed))

    def wait_until(self, check: Callable[[np.ndarray], bool], timeout: float, every: float = 2.0,
                   times: int = 1) -> tuple[bool, np.ndarray]:
        """Poll screenshots until ``check`` holds ``times`` polls in a row."""
        deadline = time.monotonic() + timeout
        streak = 0
        while True:
            img = self.grab()
            streak = streak + 1 if check(img) else 0
            if streak >= times or time.monotonic() > deadline or not self.alive():
                return streak >= times, img
            time.sleep(every)

    def menu(self, letter: str, downs: int, rights_then_downs: int | None = None) -> None:
        """Alt+letter opens a menu with its first item highlighted; Down to the item; Right opens a submenu."""
        self.focus()
        self.key(f"alt+{letter}")
        for _ in range(downs):
            self.key("Down", pause=0.15)
        if rights_then_downs is not None:
            self.key("Right", pause=0.3)
            for _ in range(rights_then_downs):
                self.key("Down", pause=0.15)

    # --- the run ---
    def run(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for old in self.out.glob("*.png"):
            old.unlink()
        home = self.work / "home"
        for sub in ("home", "config", "cache", "data", "runtime"):
            (self.work / sub).mkdir(mode=0o700)
        xvfb = Xvfb(self.width, self.height, self.work / "xvfb.log")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_", "WAYLAND", "LC_"))}
            env.update(DISPLAY=xvfb.display, QT_QPA_PLATFORM="xcb", LANG="C.UTF-8", LANGUAGE="",
                       MNIST_PAD_HOME=str(home), MNIST_PAD_DATA=str(self.data),
                       XDG_CONFIG_HOME=str(self.work / "config"), XDG_CACHE_HOME=str(self.work / "cache"),
                       XDG_DATA_HOME=str(self.work / "data"), XDG_RUNTIME_DIR=str(self.work / "runtime"))
            self.env = env
            print(f"[{self.size}] Xvfb on {xvfb.display}; private folders in {self.work}", flush=True)
            self.finder = TextFinder(env, self.work)
            self.finder.prepare([("Fine-tune on my samples", 0, False), ("Evaluate", 0, False),
                                 ("correct", 16, False), ("Kept as a", 18, False), ("Stop and quit", 0, False)]
                                + [("it's a", 18, False), ("unsure (maybe", 18, False), ("not a digit", 18, False), ("the number", 18, False)]
                                + [(str(d), 18, False) for d in range(10)])
            try:
                self.tour()
            except StepFailed as exc:
                if not self.steps or self.steps[-1].ok:
                    self.record("(tour stopped)", False, str(exc))
                else:
                    print(f"  [{self.size}] the rest of the tour is skipped", flush=True)
            except subprocess.TimeoutExpired as exc:
                self.record("(tour stopped)", False, f"{exc.cmd[0]} did not answer within {exc.timeout} s")
        finally:
            stop_process(self.app)
            if self.app_log:
                self.app_log.close()
            xvfb.stop()
            shutil.rmtree(self.work, ignore_errors=True)

    def wide_canvas(self) -> None:
        """N widens the canvas; a number written on it is read; a digit's tag shows that digit; N goes back."""
        self.focus()
        self.key("Escape", "n", pause=0.8)
        self.park_mouse()
        wide = self.paper(self.settle())
        self.record("N widens the canvas for a number", wide.width > 3 * wide.height, f"the canvas is {wide}")
        side, written = round(0.8 * wide.height), [2, 0, 2, 6]
        for k, digit in enumerate(written):
            x0 = wide.x0 + round((0.15 + 0.75 * k) * wide.height)
            self.draw(Rect(x0, wide.y0 + round(0.1 * wide.height), x0 + side, wide.y0 + round(0.1 * wide.height) + side),
                      digit_strokes(digit, self.rng))
        self.park_mouse()
        img = self.shot("02e-pad-wide-number")
        read = self.read_number(img)
        self.record("write 2026 on the wide canvas", read == "2026", f"the pad says \"the number {read}\"")
        inside = img[wide.y0:wide.y1, wide.x0:wide.x1]
        tags, count = ndimage.label(np.all(np.abs(inside.astype(int) - TAG_GREEN) < 12, axis=2))
        boxes = [b for b in ndimage.find_objects(tags) if (b[0].stop - b[0].start) > 10 and (b[1].stop - b[1].start) > 10]
        boxes.sort(key=lambda b: b[1].start)
        if len(boxes) >= 2:
            before = self.grab()
            y, x = (boxes[1][0].start + boxes[1][0].stop) // 2, (boxes[1][1].start + boxes[1][1].stop) // 2
            self.click(wide.x0 + x, wide.y0 + y)
            self.park_mouse()
            img = self.shot("02f-pad-digit-clicked")
            changed = changed_pixels(before, img, outside=wide)
            self.record("click the second digit's tag: the views show that digit", changed > 500 and
                        ink_pixels(img, wide) == ink_pixels(before, wide),
                        f"{changed} pixels changed outside the canvas, the drawing unchanged")
        else:
            self.record("click the second digit's tag: the views show that digit", False,
                        f"{len(boxes)} green digit tags found on the canvas")
        self.focus()
        self.key("n", pause=0.8)
        self.park_mouse()
        square = self.paper(self.shot("02g-pad-square-again"))
        self.record("N again: the square canvas, the number kept in Recent drawings",
                    abs(square.width - square.height) < 8 and ink_pixels(self.grab(), square) < 20, f"the canvas is {square}")

    def tour(self) -> None:
        # 1. the pad
        self.launch()
        self.park_mouse()
        start = self.shot("00-start")
        self.require(True, "start", f"window {self.window_rect()} on a {self.size} screen")
        pad = self.paper(start)

        for digit, name in ((7, "01-pad-seven"), (3, "02-pad-three")):
            self.focus()
            self.key("Escape", pause=0.3)  # a clear pad for each digit
            before = self.grab()
            self.draw_digit(digit, pad)
            self.park_mouse()
            img = self.shot(name)
            ink, changed = ink_pixels(img, pad), changed_pixels(before, img, outside=pad)
            self.record(f"draw a {digit} on the pad", ink > 200 and changed > 500,
                        f"{ink} ink pixels on the canvas, {changed} pixels changed around it; "
                        f"the answer reads \"{self.read_answer(img)}\"")

        # the reader (issue 12) from the command line: it says when a drawing is not a digit, and reads numbers
        self.quit_app("Ctrl+Q quits the default model's window (exit status 0)", "02a-quit-confirm")
        self.launch("--weights", "reader")
        self.park_mouse()
        pad = self.paper(self.shot("02a-reader-start"))
        # (screenshot, what is drawn, its strokes, what the pad must say)
        readings = [("02b-pad-dash", "a dash is not a digit", [[(0.3, 0.5), (0.7, 0.5)]], "not a digit"),
                    ("02c-pad-zigzag", "a zigzag is not a digit",
                     [[(0.2, 0.35), (0.35, 0.65), (0.5, 0.35), (0.65, 0.65), (0.8, 0.35)]], "not a digit"),
                    ("02d-pad-number", "a 1 and a 7 side by side read as a number",
                     [[(0.22, 0.3), (0.22, 0.72)], [(0.45, 0.3), (0.8, 0.3), (0.6, 0.72)]], "the number")]
        for shot, name, strokes, answer in readings:
            self.focus()
            self.key("Escape", pause=0.3)
            self.draw(pad, strokes)
            self.park_mouse()
            img = self.shot(shot)
            said = bool(self.finder.find(img, answer, 18, isolated=False))
            self.record(name, said, f"the pad says \"{answer} ...\": {said}; otherwise it reads "
                                    f"\"{self.read_answer(img)}\"")

        self.wide_canvas()

        self.key("F1", pause=0.8)
        help_box = self.wait_window("^mnist-pad help$", timeout=8)
        if help_box:
            self.park_mouse()
            self.shot("03-help-f1")
            self.focus(help_box)
            self.key("Escape")
            closed = self.wait_gone(help_box)
            self.record("F1 opens the help; Esc closes it", closed, "" if closed else "still open after Esc")
        else:
            self.shot("03-help-f1")
            self.record("F1 opens the help; Esc closes it", False, "no help window after F1")
        self.focus()

        self.menu("h", 1)
        self.shot("04-help-menu", settle=False)
        self.key("Return", pause=0.8)
        about = self.wait_window("^About mnist-pad$", timeout=8)
        if about:
            self.park_mouse()
            self.shot("05-about")
            self.focus(about)
            self.key("Escape")
            closed = self.wait_gone(about)
            self.record("Help > About opens; Esc closes it", closed, "" if closed else "still open after Esc")
        else:
            self.shot("05-about")
            self.key("Escape", "Escape")
            self.record("Help > About opens; Esc closes it", False, "no About window after Alt+H, Down, Enter")
        self.focus()

        # 2. keep the pad's drawing as a sample with a digit key
        self.key("Escape", pause=0.3)
        self.draw_digit(7, pad)
        self.key("7", pause=0.8)
        self.park_mouse()
        img = self.shot("06-pad-kept-seven")
        said = bool(self.finder.find(img, "Kept as a", 18))
        self.record("digit key 7 keeps the drawing", ink_pixels(img, pad) < 20 and said,
                    f"canvas cleared: {ink_pixels(img, pad) < 20}; the pad says \"Kept as a sample...\": {said}")
        self.require(self.alive(), "the window is still there after the pad")

        # 3. the Train tab: one labelled sample of each digit, then a fine-tune
        self.key("ctrl+2", pause=1.0)
        img = self.settle()
        train = self.paper(img)
        self.require(True, "Ctrl+2 shows the Train tab", f"its canvas is {train} (the pad's was {pad})")
        kept = 0
        for digit in range(10):
            self.draw_digit(digit, train)
            drawn = ink_pixels(self.grab(), train)
            self.key(str(digit), "Return", pause=0.3)
            left = ink_pixels(self.grab(), train)
            kept += drawn > 200 and left < 20
        self.park_mouse()
        self.shot("07-train-samples")
        self.record("draw and label 0-9 in the Train tab (digit key, Enter)", kept == 10,
                    f"{kept} of 10 drawings were taken (the canvas cleared after Enter)")

        img = self.grab()
        button = self.finder.find(img, "Fine-tune on my samples")
        if not button:
            self.shot("08-train-finetune", img)
            self.require(False, "start a fine-tune", "no enabled \"Fine-tune on my samples\" button on the screen")
        self.click(*button[0].centre)
        self.park_mouse()
        time.sleep(1.5)
        started = not self.finder.find(self.grab(), "Fine-tune on my samples")
        self.shot("08-train-finetune-running", settle=False)
        self.record("click \"Fine-tune on my samples\"", started,
                    f"button at {button[0].rect}; " + ("it greyed out: a job runs" if started else "nothing started"))
        if started and not self.quick:
            t0 = time.monotonic()
            done, img = self.wait_until(lambda im: bool(self.finder.find(im, "Fine-tune on my samples")),
                                        JOB_TIMEOUT_S, times=2)
            self.park_mouse()
            img = self.shot("09-train-finetune-done")
            red = red_pixels(img)
            self.record("the fine-tune (and its MNIST check) finishes", done and red < 30,
                        f"{time.monotonic() - t0:.0f} s" + (f"; {red} pixels of error red on the screen" if red >= 30
                                                            else "") + ("" if done else "; still running"))
        self.require(self.alive(), "the window is still there after the Train tab")

        # 4. the Evaluate tab
        self.key("ctrl+3", pause=1.0)
        img = self.settle()
        self.shot("10-evaluate", img)
        header = 45  # the menu bar and the tabs: the "Evaluate" there is the tab's title, not the button
        buttons = [f for f in self.finder.find(img, "Evaluate") if f.rect.y0 > header]
        if buttons:
            self.click(*buttons[0].centre)
            self.park_mouse()
            if self.quick:
                time.sleep(2)
                self.shot("11-evaluate-result", settle=False)
                self.record("click Evaluate", True, "--quick: not waiting for the result")
            else:
                t0 = time.monotonic()
                done, img = self.wait_until(lambda im: bool(self.finder.find(im, "correct", 16)), JOB_TIMEOUT_S)
                time.sleep(1)
                img = self.shot("11-evaluate-result")
                red = red_pixels(img)
                self.record("click Evaluate; the accuracy appears", done and red < 30,
                            f"{time.monotonic() - t0:.0f} s" + (f"; {red} pixels of error red" if red >= 30 else "")
                            + ("" if done else "; no \"... correct\" within the time"))
        else:
            self.record("click Evaluate", False, "no enabled Evaluate button below the tabs")
        self.require(self.alive(), "the window is still there after the Evaluate tab")

        # 5. View > Theme > Dark
        self.menu("v", 3, 2)  # Pad, Train, Evaluate, (separator), Theme > Follow the system, Light, Dark
        self.shot("12-view-theme-dark", settle=False)
        self.key("Return", pause=1.5)
        window = self.window_rect()
        dark = is_dark(self.settle(), window)
        self.record("View > Theme > Dark", dark, "the window is dark" if dark else "the window is still light")
        self.focus()
        self.key("ctrl+1", pause=1.0)
        self.key("Escape", pause=0.3)
        self.draw_digit(5, self.paper())
        self.park_mouse()
        for key, name in (("", "13-dark-pad"), ("ctrl+2", "14-dark-train"), ("ctrl+3", "15-dark-evaluate")):
            if key:
                self.key(key, pause=1.0)
            img = self.shot(name)
            self.record(f"dark: {name[8:]} tab", is_dark(img, window) and self.alive())

        # 6. View > Language > Chinese; quit; start again
        self.menu("v", 4, 2)  # ... Language > Follow the system, English, 中文 (简体)
        self.shot("16-view-language-chinese", settle=False)
        self.key("Return", pause=1.0)
        box = self.wait_window("^Language$", timeout=8)
        if box:
            self.shot("17-language-message")
            self.focus(box)
            self.key("Return", pause=0.8)
            closed = self.wait_gone(box)
            self.record("View > Language > 中文: the message says when; Enter accepts it", closed,
                        "" if closed else "the message stayed open after Enter")
        else:
            self.shot("17-language-message")
            self.record("View > Language > 中文: the message says when; Enter accepts it", False, "no message")
        self.quit_app("Ctrl+Q quits (exit status 0)", "18-quit-confirm")

        self.launch()
        self.park_mouse()
        img = self.shot("19-zh-start")
        self.record("start again", self.alive(), f"window {self.window_rect()}")
        self.key("ctrl+1", pause=1.0)
        img = self.grab()
        pad = self.paper(img)
        if ink_pixels(img, pad) > 200:  # the last drawing is back; a user presses Esc to clear it
            self.key("Escape", pause=0.5)
            cleared = ink_pixels(self.grab(), pad) < 20
            self.record("Esc clears the drawing kept from last time (Ctrl+1, Esc)", True if cleared else None,
                        "" if cleared else "Esc did nothing: the keyboard focus is not in the pad until the canvas "
                        "is clicked")
            if not cleared:
                self.focus_canvas(pad)
                self.key("Escape", pause=0.5)
        self.draw_digit(3, pad)
        self.park_mouse()
        english = {
            "20-zh-pad": ["Pad", "Train", "Evaluate", "File", "View", "Help", "Undo", "Clear", "Feature maps",
                          "Filters", "Timeline", "Grad-CAM", "Pen"],
            "21-zh-train": ["Draw and label", "Your samples", "Fine-tune on my samples", "Layers to train", "Steps",
                            "Browse...", "Add", "Clear", "Import...", "Export...", "Fine-tune", "loss", "step"],
            "22-zh-evaluate": ["Evaluate", "Compare", "Dataset", "Compare with", "Export report…", "Cancel",
                               "Pick a model and a dataset, then Evaluate."],
        }
        for key, name in (("", "20-zh-pad"), ("ctrl+2", "21-zh-train"), ("ctrl+3", "22-zh-evaluate")):
            if key:
                self.key(key, pause=1.0)
            img = self.shot(name)
            left = [t for t in english[name] if self.finder.find(img, t, threshold=0.9)]
            self.record(f"in Chinese: {name[6:]} tab", self.alive(),
                        "English still on the screen: " + ", ".join(f'"{t}"' for t in left) if left
                        else "none of the checked English labels is left")
        self.key("ctrl+1", pause=0.8)
        self.key("F1", pause=0.8)
        help_box = self.wait_window("mnist-pad", timeout=8)
        self.shot("23-zh-help")
        if help_box:
            self.focus(help_box)
            self.key("Escape")
            self.wait_gone(help_box)
        self.record("in Chinese: F1 help", help_box is not None, "" if help_box else "no help window")
        self.focus()
        self.menu("v", 3, 1)  # back to the light theme, still in Chinese
        self.key("Return", pause=1.5)
        img = self.shot("24-zh-light-pad")
        self.record("in Chinese: View > Theme > Light", not is_dark(img, self.window_rect()))

        # 7. quit
        self.quit_app("Ctrl+Q quits the Chinese window (exit status 0)", "25-quit-confirm")


# --- the report -----------------------------------------------------------------------------------------------
def write_readme(out: Path, tours: list[Tour], quick: bool) -> None:
    lines = ["# A user's tour of mnist-pad", "",
             "Screenshots of the real window under Xvfb, driven with xdotool as a new user would: draw, label, "
             "fine-tune, evaluate, switch the theme and the language. Regenerate them with",
             "", "    .venv/bin/python scripts/user_tour.py" + "".join(f" --size {t.size}" for t in tours)
             + (" --quick" if quick else ""), "",
             "No window manager runs under Xvfb: windows and dialogs have no title bars, the tour gives the keyboard "
             "focus to a dialog that opens, and the window keeps the size it opens with. The details of each step "
             "are what the tour measured on the screen.", ""]
    for tour in tours:
        passed = sum(s.ok is True for s in tour.steps)
        notes = sum(s.ok is None for s in tour.steps)
        lines += [f"## {tour.size}", "", f"{passed} of {len(tour.steps) - notes} steps passed"
                  + (f", and {notes} note(s)." if notes else "."), "",
                  "| step | result | screenshots |", "|---|---|---|"]
        for s in tour.steps:
            shots = " ".join(f"[{n}]({tour.size}/{n})" for n in s.shots)
            detail = (" — " + s.detail.replace("|", "\\|")) if s.detail else ""
            result = {True: "pass", False: "**FAIL**", None: "note"}[s.ok]
            lines.append(f"| {s.name}{detail} | {result} | {shots} |")
        lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def default_data() -> Path:
    env = os.environ.get("MNIST_PAD_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "datasets" / "mnist")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="screen size WxH (repeatable; default 1366x768 and 1024x768)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "tour", help="where the screenshots go")
    parser.add_argument("--data", type=Path, default=None,
                        help="the MNIST folder (default: $MNIST_PAD_DATA, else ../shared/datasets/mnist)")
    parser.add_argument("--quick", action="store_true", help="do not wait for the fine-tune and the evaluation")
    parser.add_argument("--maximise", action="store_true", help="make the window fill the screen")
    args = parser.parse_args()
    sizes = args.size or ["1366x768", "1024x768"]
    try:
        for size in sizes:
            if not re.fullmatch(r"\d{3,5}x\d{3,5}", size):
                raise SetupError(f"--size {size!r}: use WIDTHxHEIGHT, e.g. 1366x768")
        missing = [tool for tool in ("Xvfb", "xdotool", "import", "xwininfo") if shutil.which(tool) is None]
        if missing:
            raise SetupError(f"not on the PATH: {', '.join(missing)} (install xvfb, xdotool, x11-utils, imagemagick)")
        if not Path(sys.executable).with_name("mnist-pad").exists():
            raise SetupError(f"no mnist-pad beside {sys.executable}: run this with the venv's python")
        data = (args.data or default_data()).resolve()
        if not any(data.glob("train-images-idx3-ubyte*")):
            raise SetupError(f"no MNIST files in {data}: pass --data DIR")
        args.out.mkdir(parents=True, exist_ok=True)
    except SetupError as exc:
        print(f"user_tour: error: {exc}", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally blocks stop Xvfb and the app
    tours = []
    try:
        for size in sizes:
            tour = Tour(size, args.out, data, args.quick, args.maximise)
            tours.append(tour)
            tour.run()
    except SetupError as exc:
        print(f"user_tour: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if tours:
            write_readme(args.out, tours, args.quick)
    failed = [(t.size, s) for t in tours for s in t.steps if s.ok is False]
    total = sum(s.ok is not None for t in tours for s in t.steps)
    if failed:
        size, step = failed[0]
        print(f"user_tour: FAILED: {len(failed)} of {total} steps; first: [{size}] {step.name}"
              + (f": {step.detail}" if step.detail else ""), file=sys.stderr)
        return 1
    print(f"user_tour: all {total} steps passed; screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

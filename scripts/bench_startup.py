"""How long ``mnist-pad`` takes to show its window: wall time from starting the command until the main window
is mapped and painted on an X display, observed from outside (the app is not changed or instrumented).

Each run starts the command as a user would (``mnist-pad`` with no subcommand, the user's own settings), and
this process watches the X server:

  mapped   the X server maps a top-level window titled "mnist-pad" whose _NET_WM_PID is the child's pid
           (MapNotify: the root window's SubstructureNotify, or the window's own StructureNotify);
  painted  the first drawing into that window after it was mapped (a DAMAGE extension event: Qt creates its
           windows without a background, so nothing but Qt's first backing-store flush damages it). Where
           DAMAGE is missing or was attached too late, the window's pixels are polled every --poll-ms
           instead, until they are no longer uniform ("pixels" in the method column);
  CPU s    the CPU time (user + system, all threads) the app had used when it was shown: unlike the wall
           time it hardly changes when other work shares the CPUs, so it tells what a change saved on a
           busy machine;
  closed   after --hold seconds the window is closed as a user would (Ctrl+Q through XTEST, with xdotool),
           and the time until the process has exited is recorded. A process that does not exit within
           10 s is terminated (then "killed" in the table).

"shown" is "painted". The window's position and size play no part (a stale saved geometry, a window half off
the screen, a window manager's frame): it is found by its title and pid, and only its on-screen part is
read. The app writes its state (geometry, tab, drawing) to its settings file on closing: the file is put
back as it was before every run, so every run starts from the same settings, and after the last. The
settings that change what a start does (the tab it opens on: Train and Evaluate start the job process; the
model; a drawing to predict) are printed. --fresh-settings runs with an empty settings folder instead.

The first run is reported as "cold-ish": the first start after whatever ran before; with --drop-caches (root
only) the page cache is dropped before it, which makes it a real cold start (torch, Qt and onnxruntime read
from disk). The other runs are "warm": their p50, min and max are the figures to compare with the target
(issue: window shown <= 2 s warm on the 2-core CPU).

Then ``python -X importtime`` of what the window imports (``--import-modules``) says where the import part
of the time goes: self time grouped by top-level package, the cumulative time of the heavy modules (torch,
PySide6, pyqtgraph, onnxruntime, onnx, mnist_pad.*), and the top modules by cumulative time; once as the
app runs and once with the garbage collector off (-X importtime books a collection that fires during an
import as that module's self time; the difference is what the collections cost). See docs/startup.md.

Usage (from the repository root; the venv's ``mnist-pad`` is used when it is there):

    .venv/bin/python scripts/bench_startup.py [--runs 5] [--xvfb] [--json] [--out FILE] [--fresh-settings]
        [--command ".venv/bin/mnist-pad"] [--hold 0.5] [--drop-caches] [--no-imports]

To time a changed copy of the package: PYTHONPATH=/path/to/copy (the console script puts it first).

Without DISPLAY (or with --xvfb) it starts its own Xvfb (1366x768x24) and stops it at the end. The load
average before each run is recorded: other work on a 2-core machine makes every figure slower, so the
script warns when the load is over 0.5.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TITLE = b"mnist-pad"

# --- Xlib through ctypes (no third-party package: the script runs with any python3) -------------------------
Window = ctypes.c_ulong
Atom = ctypes.c_ulong
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
STRUCTURE_NOTIFY_MASK = 1 << 17
CREATE_NOTIFY, DESTROY_NOTIFY, MAP_NOTIFY, REPARENT_NOTIFY = 16, 17, 19, 21
IS_VIEWABLE = 2
Z_PIXMAP = 2
ALL_PLANES = ctypes.c_ulong(0xFFFFFFFFFFFFFFFF)
DAMAGE_REPORT_NON_EMPTY = 3


class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("root", Window), ("c_class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


class XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)), ("byte_order", ctypes.c_int),
                ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int)]


class XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("longs", ctypes.c_ulong * 24)]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class X:
    """The few Xlib (and DAMAGE) calls the watcher needs. X errors (a window destroyed under us, a read off
    the screen) are counted, never fatal."""

    def __init__(self, display: str) -> None:
        self.x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        x = self.x
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = Window
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XSelectInput.argtypes = [ctypes.c_void_p, Window, ctypes.c_long]
        x.XConnectionNumber.argtypes = [ctypes.c_void_p]
        x.XPending.argtypes = [ctypes.c_void_p]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(XEvent)]
        x.XFlush.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(XWindowAttributes)]
        x.XFetchName.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(ctypes.c_char_p)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XInternAtom.restype = Atom
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XGetWindowProperty.argtypes = [ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long, ctypes.c_int,
                                         Atom, ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int),
                                         ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                         ctypes.POINTER(ctypes.c_void_p)]
        x.XTranslateCoordinates.argtypes = [ctypes.c_void_p, Window, Window, ctypes.c_int, ctypes.c_int,
                                            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
                                            ctypes.POINTER(Window)]
        x.XGetImage.restype = ctypes.POINTER(XImage)
        x.XGetImage.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                ctypes.c_ulong, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.errors = 0

        def on_error(_display, _event) -> int:
            self.errors += 1
            return 0

        self._handler = ERROR_HANDLER(on_error)  # kept alive: Xlib holds the pointer
        x.XSetErrorHandler(self._handler)
        self.dpy = x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open X display {display!r}")
        self.root = x.XDefaultRootWindow(self.dpy)
        self.fd = x.XConnectionNumber(self.dpy)
        self.net_wm_pid = x.XInternAtom(self.dpy, b"_NET_WM_PID", 0)
        self.cardinal = x.XInternAtom(self.dpy, b"CARDINAL", 0)
        self.damage_event = None
        try:
            self.d = ctypes.CDLL(ctypes.util.find_library("Xdamage") or "libXdamage.so.1")
            self.d.XDamageQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                                     ctypes.POINTER(ctypes.c_int)]
            self.d.XDamageCreate.restype = ctypes.c_ulong
            self.d.XDamageCreate.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]
            self.d.XDamageDestroy.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
            base, error = ctypes.c_int(), ctypes.c_int()
            if self.d.XDamageQueryExtension(self.dpy, ctypes.byref(base), ctypes.byref(error)):
                self.damage_event = base.value  # + XDamageNotify (0)
        except OSError:
            pass
        x.XSelectInput(self.dpy, self.root, SUBSTRUCTURE_NOTIFY_MASK)
        x.XSync(self.dpy, 0)

    def close(self) -> None:
        self.x.XCloseDisplay(self.dpy)

    def screen_size(self) -> tuple[int, int]:
        a = self.attributes(self.root)
        return (a.width, a.height) if a else (0, 0)

    def attributes(self, w: int) -> XWindowAttributes | None:
        a = XWindowAttributes()
        return a if self.x.XGetWindowAttributes(self.dpy, w, ctypes.byref(a)) else None

    def name(self, w: int) -> bytes | None:
        p = ctypes.c_char_p()
        if not self.x.XFetchName(self.dpy, w, ctypes.byref(p)) or not p.value:
            return None
        value = p.value
        self.x.XFree(p)
        return value

    def pid(self, w: int) -> int | None:
        kind, fmt, n, left, data = Atom(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        ok = self.x.XGetWindowProperty(self.dpy, w, self.net_wm_pid, 0, 1, 0, self.cardinal, ctypes.byref(kind),
                                       ctypes.byref(fmt), ctypes.byref(n), ctypes.byref(left), ctypes.byref(data))
        if ok != 0 or not data.value:
            return None
        value = ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0] if n.value else None
        self.x.XFree(data)
        return value

    def watch(self, w: int) -> bool:
        """Its own map/unmap/destroy events, and (with DAMAGE) every drawing into it. False when the window
        was already mapped by the time DAMAGE was attached (its first paint may have been missed)."""
        self.x.XSelectInput(self.dpy, w, STRUCTURE_NOTIFY_MASK)
        if self.damage_event is not None:
            self.d.XDamageCreate(self.dpy, w, DAMAGE_REPORT_NON_EMPTY)
        self.x.XSync(self.dpy, 0)
        a = self.attributes(w)
        return a is None or a.map_state != IS_VIEWABLE

    def distinct_colours(self, w: int, limit: int = 64) -> int:
        """How many distinct pixel values a sample of the window's on-screen part has (0: not readable)."""
        a = self.attributes(w)
        if a is None or a.map_state != IS_VIEWABLE:
            return 0
        ax, ay, child = ctypes.c_int(), ctypes.c_int(), Window()
        self.x.XTranslateCoordinates(self.dpy, w, self.root, 0, 0, ctypes.byref(ax), ctypes.byref(ay),
                                     ctypes.byref(child))
        sw, sh = self.screen_size()
        x0, y0 = max(0, -ax.value), max(0, -ay.value)
        x1, y1 = min(a.width, sw - ax.value), min(a.height, sh - ay.value)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return 0
        img = self.x.XGetImage(self.dpy, w, x0, y0, x1 - x0, y1 - y0, ALL_PLANES, Z_PIXMAP)
        if not img:
            return 0
        try:
            im = img.contents
            raw = ctypes.string_at(im.data, im.bytes_per_line * im.height)
            step = max(1, im.bits_per_pixel // 8)
            colours = set()
            for row in range(0, im.height, max(1, im.height // 48)):
                line = raw[row * im.bytes_per_line: row * im.bytes_per_line + im.width * step]
                for i in range(0, len(line), step * max(1, im.width // 64)):
                    colours.add(line[i:i + step])
                if len(colours) >= limit:
                    break
            return len(colours)
        finally:
            self.x.XDestroyImage(img)

    def events(self, timeout: float):
        """The pending events (waits up to ``timeout`` s for the first): (type, window a, window b)."""
        if not self.x.XPending(self.dpy):
            select.select([self.fd], [], [], timeout)
        out = []
        ev = XEvent()
        while self.x.XPending(self.dpy):
            self.x.XNextEvent(self.dpy, ctypes.byref(ev))
            out.append((ev.type, ev.longs[4], ev.longs[5]))
        return out


# --- one run ----------------------------------------------------------------------------------------------
@dataclass
class Run:
    index: int
    load_before: float  # 1-minute load average just before the start
    mapped_s: float | None = None
    painted_s: float | None = None
    method: str = ""  # damage | pixels
    cpu_s: float | None = None  # CPU time (user + system, all threads) the app had used when it was shown
    colours_at_paint: int = 0  # distinct colours in a sample of the window just after "painted" (a sanity check)
    close_s: float | None = None  # Ctrl+Q until the process exited
    closed_by: str = ""  # ctrl+q | terminated | killed | exited
    exit_code: int | None = None
    error: str = ""
    stderr_tail: str = ""


def start_xvfb() -> tuple[subprocess.Popen, str]:
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        sys.exit("bench_startup: no DISPLAY and no Xvfb to start (apt-get install xvfb)")
    r, w = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        if select.select([r], [], [], 0.5)[0]:
            chunk = os.read(r, 16)
            if not chunk:
                break
            number += chunk
    os.close(r)
    if not number.strip():
        proc.kill()
        sys.exit("bench_startup: Xvfb did not start")
    return proc, f":{number.strip().decode()}"


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all its threads) process ``pid`` has used so far: unlike the wall time, it
    hardly changes when other work competes for the CPUs, so it shows what a change saved on a busy machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, ValueError, IndexError):
        return None


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def close_window(proc: subprocess.Popen, window: int | None, display: str, env: dict) -> tuple[str, float]:
    """Ctrl+Q as a user presses it (focus the window, then XTEST key events); SIGTERM, SIGKILL as fallbacks.
    Returns (how, seconds until the process had exited)."""
    t0 = time.perf_counter()
    how = "exited"
    if proc.poll() is None:
        how = "ctrl+q"
        xdotool = shutil.which("xdotool")
        if window and xdotool:
            subprocess.run([xdotool, "windowfocus", "--sync", str(window)], env=env, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run([xdotool, "key", "--clearmodifiers", "ctrl+q"], env=env, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            how = "terminated"
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            how = "terminated"
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                how = "killed"
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    elapsed = time.perf_counter() - t0
    try:  # whatever the app left in its process group (a job process): gone before the next run
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return how, elapsed


def one_run(index: int, command: list[str], display: str, x: X, args) -> Run:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")  # a window on X, whatever the caller's Qt env
    run = Run(index, load_average())
    x.events(0)  # drop what earlier runs left
    known: dict[int, dict] = {}  # window -> {"damaged": t, "mapped": t}
    target = None
    err = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    deadline = t0 + args.timeout
    poll = args.poll_ms / 1000
    try:
        while time.perf_counter() < deadline:
            for kind, a, b in x.events(poll):
                now = time.perf_counter() - t0
                if kind == CREATE_NOTIFY:  # a = parent, b = the new window
                    seen = known.setdefault(b, {})
                    if not x.watch(b):
                        seen["created_late"] = True
                elif kind == REPARENT_NOTIFY:  # a window manager framed it: keep watching the client itself
                    known.setdefault(b, {})
                elif kind == MAP_NOTIFY:  # a = the window told, b = the window mapped
                    known.setdefault(b, {}).setdefault("mapped", now)
                elif x.damage_event is not None and kind == x.damage_event:  # a = the damaged drawable
                    known.setdefault(a, {}).setdefault("damaged", now)
            if target is None:
                for w, seen in known.items():
                    if "mapped" in seen and x.name(w) == TITLE and x.pid(w) in (None, proc.pid):
                        target = w
                        run.mapped_s = seen["mapped"]
                        damaged = seen.get("damaged")
                        # damage before the map cannot be Qt's first paint; a window that was mapped before
                        # we could attach DAMAGE to it is read pixel by pixel instead
                        if x.damage_event is None or "created_late" in seen:
                            run.method = "pixels"
                        elif damaged is not None:
                            run.method, run.painted_s = "damage", max(damaged, run.mapped_s)
                        break
            if target is not None and run.painted_s is None:
                seen = known[target]
                if run.method != "pixels" and "damaged" in seen:
                    run.method, run.painted_s = "damage", max(seen["damaged"], run.mapped_s)
                elif run.method == "pixels" or time.perf_counter() - t0 - run.mapped_s > args.damage_grace:
                    run.method = "pixels"  # no DAMAGE event yet: look at the pixels
                    if x.distinct_colours(target) >= args.min_colours:
                        run.painted_s = time.perf_counter() - t0
            if run.painted_s is not None:
                run.cpu_s = cpu_seconds(proc.pid)
                run.colours_at_paint = x.distinct_colours(target)
                break
            if proc.poll() is not None:
                run.error = f"the process exited (code {proc.returncode}) before its window was shown"
                break
        else:
            run.error = f"no window within {args.timeout:.0f} s"
        if run.painted_s is not None and args.hold > 0:
            time.sleep(args.hold)
    finally:
        run.closed_by, run.close_s = close_window(proc, target, display, env)
        run.exit_code = proc.returncode
        err.seek(0)
        text = err.read().decode(errors="replace").strip()
        err.close()
        run.stderr_tail = text[-600:]
    return run


# --- import times -----------------------------------------------------------------------------------------
HEAVY = ["torch", "PySide6", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "pyqtgraph", "numpy",
         "onnxruntime", "onnx", "torch.onnx", "safetensors", "PIL", "scipy", "mnist_pad.qt.app", "mnist_pad.qt.window",
         "mnist_pad.qt.pad", "mnist_pad.qt.train_tab", "mnist_pad.qt.eval_tab", "mnist_pad.core.export"]


def _importtime(python: str, code: str, env: dict) -> tuple[list[tuple[str, float, float]], float] | str:
    """(rows (module, self ms, cumulative ms), process wall s) of ``python -X importtime -c code``, or the
    error text."""
    t0 = time.perf_counter()
    done = subprocess.run([python, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return done.stderr[-800:]
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s*(\S+)", line)
        if m:
            rows.append((m.group(3), int(m.group(1)) / 1000, int(m.group(2)) / 1000))
    return rows, wall


def import_times(python: str, modules: list[str]) -> dict:
    """``python -X importtime -c 'import ...'``, warm (after one unmeasured run), twice: as the app imports
    (the garbage collector on) and with ``gc.disable()`` first. -X importtime counts a collection that fires
    during an import in that module's self time; the difference between the two is what the collections
    cost. Self time summed per top-level package, cumulative time of the HEAVY modules and of the mnist_pad
    modules ('cumulative' of a module counts its first import only: what the process pays). Times in ms."""
    imports = "import " + ", ".join(modules)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    runs = {}
    for label, code in (("warm-up", imports), ("gc_on", imports), ("gc_off", "import gc; gc.disable(); " + imports)):
        out = _importtime(python, code, env)
        if isinstance(out, str):
            return {"error": out}
        runs[label] = out

    def tables(rows):
        by_package: dict[str, float] = {}
        cumulative: dict[str, float] = {}
        for name, self_ms, cum_ms in rows:
            top = name.split(".")[0]
            by_package[top] = by_package.get(top, 0.0) + self_ms
            cumulative.setdefault(name, cum_ms)
        return by_package, cumulative

    (rows_on, wall_on), (rows_off, wall_off) = runs["gc_on"], runs["gc_off"]
    pkg_on, cum_on = tables(rows_on)
    pkg_off, cum_off = tables(rows_off)
    total_on, total_off = sum(r[1] for r in rows_on), sum(r[1] for r in rows_off)
    packages = sorted(pkg_on, key=lambda k: -pkg_on[k])[:15]
    heavy = [name for name in HEAVY if name in cum_on]
    ours = sorted((n for n in cum_on if n.startswith("mnist_pad")), key=lambda n: -cum_on[n])[:15]
    pair = lambda on, off, k: [round(on.get(k, 0.0), 1), round(off.get(k, 0.0), 1)]  # noqa: E731
    return {
        "command": f"{python} -X importtime -c {imports!r}",
        "modules": len(rows_on),
        "wall_s": [round(wall_on, 3), round(wall_off, 3)],
        "total_self_ms": [round(total_on, 1), round(total_off, 1)],
        "gc_cost_ms": round(total_on - total_off, 1),
        "columns": ["gc on (as the app runs)", "gc disabled"],
        "self_ms_by_package": {k: pair(pkg_on, pkg_off, k) for k in packages},
        "cumulative_ms": {k: pair(cum_on, cum_off, k) for k in heavy},
        "mnist_pad_cumulative_ms": {k: pair(cum_on, cum_off, k) for k in ours},
        "top_cumulative_ms": {k: round(v, 1) for k, v in sorted(cum_on.items(), key=lambda kv: -kv[1])[:15]},
    }


# --- the settings file the app writes on closing ---------------------------------------------------------
def settings_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mnist-pad" / "mnist-pad.conf"


def snapshot(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def restore(path: Path, before: bytes | None) -> None:
    if snapshot(path) == before:
        return
    if before is None:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass
    else:
        path.write_bytes(before)


def startup_settings(data: bytes | None) -> dict:
    """The saved settings that change what a start does: the tab it opens on (the Train and Evaluate tabs
    start the job process when shown), the model it loads, a drawing to predict, the theme and language."""
    out, section = {}, ""
    for line in (data or b"").decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, eq, value = line.partition("=")
        name = f"{section}/{key}" if section and section != "General" else key
        if eq and name in ("window/tab", "model/path", "view/theme", "view/language", "data/dir"):
            out[name] = value
        elif eq and name == "pad/drawing":
            strokes = value.count("], [[") + 1 if value.strip('"[]') else 0
            out[name] = f"{strokes} strokes"
    return out


# --- report -----------------------------------------------------------------------------------------------
def summary(runs: list[Run]) -> dict:
    def stats(values: list[float]) -> dict:
        if not values:
            return {}
        return {"p50": round(statistics.median(values), 3), "min": round(min(values), 3),
                "max": round(max(values), 3), "n": len(values)}

    shown = [r for r in runs if r.painted_s is not None]
    warm = [r for r in shown if r.index > 0]
    return {
        "cold_ish": {"shown_s": runs[0].painted_s, "mapped_s": runs[0].mapped_s} if runs else {},
        "warm_shown_s": stats([r.painted_s for r in warm]),
        "warm_mapped_s": stats([r.mapped_s for r in warm]),
        "warm_cpu_s": stats([r.cpu_s for r in warm if r.cpu_s is not None]),
        "warm_close_s": stats([r.close_s for r in warm if r.closed_by == "ctrl+q"]),
        "failed_runs": sum(r.painted_s is None for r in runs),
    }


def machine() -> dict:
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": sys.version.split()[0],
            "platform": platform.platform(), "cpus": os.cpu_count(),
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "")}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor"):
                info[key.strip()] = value.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def print_report(result: dict) -> None:
    m = result["machine"]
    print(f"# mnist-pad start-up, {m['date']}, {m.get('Model name', platform.processor())}, {m['cpus']} CPUs")
    print(f"# command: {result['command']}   display: {result['display']}")
    print(f"# settings: {result['settings']['file']} {result['settings']['start_up_relevant']}")
    print()
    print("| run | load | mapped s | shown s | CPU s | method (colours) | close s | closed by | exit |")
    print("|-----|------|----------|---------|-------|------------------|---------|-----------|------|")
    for r in result["runs"]:
        label = "1 (cold-ish)" if r["index"] == 0 else str(r["index"] + 1)
        f = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"| {label} | {r['load_before']:.2f} | {f(r['mapped_s'])} | {f(r['painted_s'])} | {f(r['cpu_s'])} | {r['method'] or '-'} ({r['colours_at_paint']}) "
              f"| {f(r['close_s'])} | {r['closed_by']} | {r['exit_code']} |")
        if r["error"]:
            print(f"|   | error: {r['error']} {r['stderr_tail'][-200:]!r} |")
    s = result["summary"]
    print()
    if s["warm_shown_s"]:
        w = s["warm_shown_s"]
        print(f"cold-ish (run 1): shown {s['cold_ish']['shown_s']} s")
        print(f"warm (runs 2-{w['n'] + 1}): shown p50 {w['p50']:.3f} s, min {w['min']:.3f} s, max {w['max']:.3f} s"
              f"   (mapped p50 {s['warm_mapped_s']['p50']:.3f} s"
              + (f", CPU p50 {s['warm_cpu_s']['p50']:.2f} s" if s["warm_cpu_s"] else "") + ")   target <= 2.0 s: "
              f"{'met' if w['p50'] <= 2.0 else 'NOT met'}")
    if result["machine"].get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: a source checkout's modules are compiled at every start "
              "(40-80 ms here), which an installed wheel does not pay")
    if any(r["load_before"] > 0.5 for r in result["runs"]):
        print("warning: the load average was over 0.5 before some runs: other work was competing for the CPUs")
    imp = result.get("imports")
    if imp:
        print()
        if "error" in imp:
            print(f"import times: failed: {imp['error']}")
            return
        print(f"# import times, warm, {imp['modules']} modules: {imp['command']}")
        print(f"# all imports: {imp['total_self_ms'][0]:.0f} ms; {imp['total_self_ms'][1]:.0f} ms with the garbage "
              f"collector off: the collections that fire during the imports cost {imp['gc_cost_ms']:.0f} ms")
        print("| package (self time, all its modules) | ms | ms, gc off |")
        print("|---|---|---|")
        for k, (on, off) in imp["self_ms_by_package"].items():
            print(f"| {k} | {on:.0f} | {off:.0f} |")
        print()
        print("| module (cumulative, first import) | ms | ms, gc off |")
        print("|---|---|---|")
        for k, (on, off) in {**imp["cumulative_ms"], **imp["mnist_pad_cumulative_ms"]}.items():
            print(f"| {k} | {on:.0f} | {off:.0f} |")


def default_command() -> str:
    venv = REPO / ".venv" / "bin" / "mnist-pad"
    return str(venv) if venv.exists() else (shutil.which("mnist-pad") or f"{sys.executable} -m mnist_pad")


def default_python(command: list[str]) -> str:
    """The interpreter the command runs (its shebang), for the import-time measurement."""
    try:
        first = Path(command[0]).read_bytes()[:200].split(b"\n")[0]
        if first.startswith(b"#!"):
            return first[2:].decode().strip().split()[0]
    except OSError:
        pass
    return command[0] if "python" in Path(command[0]).name else sys.executable


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="starts to time (default 5; the first is the cold-ish one)")
    p.add_argument("--command", default=default_command(), help="what to start (default: %(default)s)")
    p.add_argument("--xvfb", action="store_true", help="start an Xvfb of our own even when DISPLAY is set")
    p.add_argument("--hold", type=float, default=0.5, help="seconds the window stays open once shown (default 0.5)")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between runs (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="give a run up after this many seconds (default 60)")
    p.add_argument("--poll-ms", type=float, default=10.0, help="event wait / pixel poll period (default 10 ms)")
    p.add_argument("--damage-grace", type=float, default=2.0,
                   help="seconds after the map without a DAMAGE event before falling back to pixels (default 2)")
    p.add_argument("--no-damage", action="store_true",
                   help="detect the paint by polling pixels only (to cross-check the DAMAGE method)")
    p.add_argument("--min-colours", type=int, default=8, help="pixel method: distinct colours that mean painted")
    p.add_argument("--fresh-settings", action="store_true",
                   help="run with an empty settings folder (XDG_CONFIG_HOME): a first start, on the Pad tab")
    p.add_argument("--drop-caches", action="store_true", help="drop the page cache before run 1 (root): a real cold start")
    p.add_argument("--no-imports", action="store_true", help="skip the -X importtime measurement")
    p.add_argument("--import-modules", default="mnist_pad.qt.app,mnist_pad.qt.window,onnxruntime,onnx,torch.onnx",
                   help="what -X importtime imports (default: what the window imports, eagerly or in its first "
                        "second: %(default)s)")
    p.add_argument("--python", help="interpreter for -X importtime (default: the command's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of tables")
    p.add_argument("--out", help="also write the JSON result to this file")
    args = p.parse_args()

    command = shlex.split(args.command)
    xvfb = None
    display = os.environ.get("DISPLAY", "")
    if args.xvfb or not display:
        xvfb, display = start_xvfb()
    fresh = tempfile.TemporaryDirectory(prefix="bench-startup-config-") if args.fresh_settings else None
    if fresh is not None:
        os.environ["XDG_CONFIG_HOME"] = fresh.name  # the child inherits it: a first start's settings
    conf = settings_file()
    before = snapshot(conf)
    runs: list[Run] = []
    x = X(display)
    if args.no_damage:
        x.damage_event = None
    try:
        for i in range(args.runs):
            restore(conf, before)  # every run starts from the same settings (the app writes them on closing)
            if i == 0 and args.drop_caches:
                try:
                    os.sync()
                    Path("/proc/sys/vm/drop_caches").write_text("3\n")
                except OSError as exc:
                    print(f"bench_startup: cannot drop the page cache ({exc}); run 1 is only cold-ish", file=sys.stderr)
            elif i:
                time.sleep(args.pause)
            run = one_run(i, command, display, x, args)
            runs.append(run)
            if not args.json:
                print(f"run {i + 1}/{args.runs}: shown {run.painted_s if run.painted_s is None else round(run.painted_s, 3)} s"
                      f" ({run.method or run.error})", file=sys.stderr)
    finally:
        x.close()
        restore(conf, before)
        if fresh is not None:
            fresh.cleanup()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
    result = {
        "machine": machine(),
        "command": args.command,
        "display": display + (" (own Xvfb)" if xvfb is not None else ""),
        "settings": {"file": str(conf) if fresh is None else "(fresh, empty)",
                     "start_up_relevant": startup_settings(before)},
        "runs": [asdict(r) for r in runs],
        "summary": summary(runs),
    }
    if not args.no_imports:
        python = args.python or default_python(command)
        result["imports"] = import_times(python, [m for m in args.import_modules.split(",") if m])
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    return 0 if result["summary"]["failed_runs"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

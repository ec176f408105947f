"""Try the CLI with every kind of bad input a careless user (or a hostile file) brings, as docs/reliability.md
reports: each case runs ``python -m mnist_pad`` in a fresh process inside a sandbox folder, and is *handled*
when the exit code is the expected one, an error is one line without a traceback that names the file or
argument, the process ends within the time limit (a pipe or device never hangs it), and nothing in the
sandbox, the shipped resources or the user folder was written, changed or lost (except the output a
successful case was asked to write).

    PYTHONPATH=. python3 scripts/try_bad_inputs.py [--data-dir ../shared/datasets/mnist] [--only SUBSTRING]

Prints a Markdown table (case, exit code, first line of stderr, verdict) and the counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import load_file, save_file

from mnist_pad.core.checkpoint import META_KEY, read_meta, save
from mnist_pad.core.models import build
from mnist_pad.core.paths import resources_dir
from mnist_pad.core.samples import SampleStore

REPO = Path(__file__).resolve().parent.parent
DEEP = b"[" * 100_000 + b"]" * 100_000
LIMIT_S = 90.0


@dataclass(frozen=True)
class Case:
    group: str
    what: str
    args: tuple[str, ...]
    code: int  # the expected exit code
    names: str = ""  # text the error line must contain (the file or argument); "" for successes
    stdout: str = ""  # for successes: text stdout must contain


def seven(size: int = 280) -> Image.Image:
    img = Image.new("L", (size, size), 255)
    s = size / 280
    ImageDraw.Draw(img).line([(90 * s, 60 * s), (190 * s, 60 * s), (120 * s, 230 * s)], fill=0, width=int(20 * s))
    return img


def make_sandbox(root: Path, mnist: Path | None) -> dict[str, Path]:
    """Poisoned files and folders of every kind; name -> path."""
    p: dict[str, Path] = {}

    def at(name: str) -> Path:
        p[name] = root / name
        return p[name]

    torch.manual_seed(0)
    good = save(at("good.safetensors"), build("fast"), name="good")
    tensors, meta = dict(load_file(good)), read_meta(good)

    def ckpt(name: str, t: dict | None = None, m: object = None, raw_meta: str | None = None) -> None:
        save_file(t or tensors, at(name), metadata={META_KEY: raw_meta if raw_meta is not None else json.dumps(m or meta)})

    for name, value in (("nan", float("nan")), ("inf", float("inf"))):
        bad = {k: v.clone() for k, v in tensors.items()}
        bad["classifier.0.weight"][0, 0] = value
        ckpt(f"{name}.safetensors", bad)
    for name, channels in (("huge120k", 120_000), ("huge16k", 16_000)):
        m = json.loads(json.dumps(meta))
        m["arch"]["convs"][0]["channels"] = channels
        ckpt(f"{name}.safetensors", m=m)
    ckpt("deepmeta.safetensors", raw_meta=DEEP.decode())
    ckpt("notjson.safetensors", raw_meta="{not json")
    ckpt("std0.safetensors", m={**meta, "normalize": [0.1, 0.0]})
    ckpt("swish.safetensors", m={**meta, "arch": {**meta["arch"], "activation": "swish"}})
    ckpt("format99.safetensors", m={**meta, "format": 99})
    save_file(tensors, at("foreign.safetensors"))
    at("truncated.safetensors").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    at("empty.bin").write_bytes(b"")
    at("text.safetensors").write_text("hello")
    os.symlink(root / "gone", at("dangling.safetensors"))
    os.symlink("loop.safetensors", at("loop.safetensors"))
    os.mkfifo(at("fifo.safetensors"))
    at("a-folder").mkdir()
    at("a-file").write_text("keep me")

    seven().save(at("seven.png"))
    ink = np.asarray(seven()) < 128
    for mode in ("RGBA", "LA"):
        px = np.zeros((*ink.shape, len(mode)), np.uint8)
        px[..., -1] = np.where(ink, 255, 0)
        Image.fromarray(px, mode).save(at(f"seven-{mode}.png"))
    exif = Image.Exif()
    exif[0x0112] = 3
    seven().rotate(180).convert("RGB").save(at("seven-exif180.jpg"), exif=exif)
    Image.fromarray((np.asarray(seven()).astype(np.uint16) * 257)).save(at("seven-16bit.png"))
    Image.new("L", (12_000, 12_000), 255).save(at("huge.png"))
    at("text.png").write_text("not an image")
    at("empty.png").write_bytes(b"")
    at("truncated.png").write_bytes(p["seven.png"].read_bytes()[:200])
    os.mkfifo(at("fifo.png"))
    Image.new("L", (1, 1), 255).save(at("onepixel.png"))

    store = SampleStore(at("store"))
    for label in (1, 4, 7, 7):
        store.add(label, (np.asarray(seven()) < 128).astype(np.uint8) * 255)
    exchange = store.export_folder(at("exchange"))
    for name, bad_id in (("id-dotdot", "../../escaped"), ("id-absolute", str(root / "absolute-escape")), ("id-sub", "sub/x")):
        shutil.copytree(exchange, at(name))
        doc = json.loads((p[name] / "manifest.json").read_text())
        for e in doc["samples"]:
            e["id"] = bad_id
        (p[name] / "manifest.json").write_text(json.dumps(doc))
    store_files = sorted(p["store"].glob("*.json"))
    poisons = {
        "nested": lambda f: f.write_bytes(DEEP), "symloop": lambda f: (f.unlink(), os.symlink(f.name, f)),
        "dangling": lambda f: (f.unlink(), os.symlink(root / "gone.json", f)), "fifo": lambda f: (f.unlink(), os.mkfifo(f)),
        "folder": lambda f: (f.unlink(), f.mkdir()), "big": lambda f: f.write_bytes(b" " * (20 << 20)),
        "notutf8": lambda f: f.write_bytes(b"\xff\xfe\x00"), "label10": lambda f: f.write_text(f.read_text().replace('"label":1', '"label":10')),
    }
    for name, poison in poisons.items():
        shutil.copytree(p["store"], at(f"store-{name}"))
        poison(p[f"store-{name}"] / store_files[0].name)
    for name, poison in (("manifest-nested", lambda d: (d / "manifest.json").write_bytes(DEEP)),
                         ("manifest-fifo", lambda d: ((d / "manifest.json").unlink(), os.mkfifo(d / "manifest.json"))),
                         ("labels-not-digits", lambda d: ((d / "7s").mkdir(), (d / "12").mkdir())),
                         ("png-text", lambda d: next((d / "4").iterdir()).write_text("no")),
                         ("png-empty", lambda d: next((d / "4").iterdir()).write_bytes(b"")),
                         ("png-huge", lambda d: shutil.copy(p["huge.png"], d / "4" / "huge.png"))):
        shutil.copytree(exchange, at(f"exchange-{name}"))
        poison(p[f"exchange-{name}"])
    at("empty-folder").mkdir()

    if mnist is not None:
        lacking = at("data-lacking")
        lacking.mkdir()
        for f in sorted(mnist.glob("*ubyte*"))[:3]:
            shutil.copy(f, lacking)
        trunc = at("data-truncated")
        trunc.mkdir()
        for f in mnist.glob("*ubyte*"):
            shutil.copy(f, trunc)
        t10k = next(trunc.glob("t10k-images*"))
        t10k.write_bytes(t10k.read_bytes()[:5000])
        fifos = at("data-fifos")
        fifos.mkdir()
        for f in mnist.glob("*ubyte*"):
            os.mkfifo(fifos / f.name)
    return p


# What the Train tab's Import button runs (into the user's store, in MNIST_PAD_HOME).
IMPORT = ("import sys\nfrom mnist_pad.core.samples import SampleStore\n"
          "ids, problems = SampleStore().import_folder(sys.argv[1])\nprint('imported', len(ids), 'problems', len(problems))")


def cases(p: dict[str, Path], mnist: Path | None) -> list[Case]:
    s = {k: str(v) for k, v in p.items()}
    ft = ("finetune", "--weights", s["good.safetensors"], "--steps", "1", "--replay", "0", "--mnist-eval", "0", "--holdout", "0")
    out = str(p["a-folder"].parent / "new-out.safetensors")
    c = []
    for name, what in (("id-dotdot", "'../../escaped'"), ("id-absolute", "an absolute path"), ("id-sub", "'sub/x'")):
        c += [Case("security", f"Train tab Import: manifest ids {what}", ("-c", IMPORT, s[name]), 0, stdout="imported 4"),
              Case("security", f"finetune --samples: manifest ids {what}", (*ft, "--samples", s[name], "--out", out), 0)]
    for name in ("nested", "symloop", "dangling", "fifo", "folder", "big", "notutf8", "label10"):
        c.append(Case("one bad entry", f"samples store with a {name} sample file", (*ft, "--samples", s[f"store-{name}"], "--out", out), 0))
    for name in ("manifest-nested", "manifest-fifo", "labels-not-digits", "png-text", "png-empty", "png-huge"):
        c.append(Case("one bad entry", f"exchange folder: {name}", (*ft, "--samples", s[f"exchange-{name}"], "--out", out), 0))
    c += [
        Case("one bad entry", "--samples is a file", (*ft, "--samples", s["a-file"], "--out", out), 2, s["a-file"]),
        Case("one bad entry", "--samples does not exist", (*ft, "--samples", s["a-file"] + "-no", "--out", out), 2, "-no"),
        Case("one bad entry", "--samples is an empty folder", (*ft, "--samples", s["empty-folder"], "--out", out), 2, s["empty-folder"]),
    ]
    for name in ("dangling", "loop", "fifo", "nan", "inf", "huge120k", "huge16k", "deepmeta", "notjson", "std0", "swish",
                 "format99", "foreign", "truncated", "text"):
        c.append(Case("checkpoints", f"--weights {name}.safetensors", ("eval", "--weights", s[f"{name}.safetensors"]), 2,
                      s[f"{name}.safetensors"]))
    c += [
        Case("checkpoints", "--weights a folder", ("predict", s["seven.png"], "--weights", s["a-folder"]), 2, s["a-folder"]),
        Case("checkpoints", "--weights /dev/zero", ("predict", s["seven.png"], "--weights", "/dev/zero"), 2, "/dev/zero"),
        Case("checkpoints", "--weights an empty file", ("predict", s["seven.png"], "--weights", s["empty.bin"]), 2, s["empty.bin"]),
    ]
    for name in ("missing.png", "a-folder", "fifo.png", "text.png", "empty.png", "truncated.png", "huge.png"):
        path = s.get(name, str(p["a-folder"].parent / name))
        c.append(Case("images", f"predict {name}", ("predict", path), 2, path))
    c.append(Case("images", "predict /dev/zero", ("predict", "/dev/zero"), 2, "/dev/zero"))
    for name in ("seven-RGBA.png", "seven-LA.png", "seven-exif180.jpg", "seven-16bit.png"):
        c.append(Case("images", f"predict {name} (read right)", ("predict", s[name]), 0, stdout=": 7 ("))
    c.append(Case("images", "predict a 1x1 white image", ("predict", s["onepixel.png"]), 0, stdout="no ink"))
    shipped_default = str(resources_dir() / "weights" / "default.safetensors")
    shipped_small = str(resources_dir() / "weights" / "small.safetensors")
    for cmd, flag in (("train", "--out"), ("finetune", "--out"), ("export", "--onnx")):
        base = {"train": ("train", "--arch", "fast"), "finetune": (*ft, "--samples", s["store"]), "export": ("export",)}[cmd]
        for target, what in (("/dev/null", "/dev/null"), (shipped_small if cmd != "export" else str(resources_dir() / "weights" / "x.onnx"), "a shipped file"),
                             (s["a-folder"], "a folder"), ("/proc/mnist-pad-x", "an unwritable place"),
                             (s["a-file"] + "/x", "a path under a file")):
            c.append(Case("outputs", f"{cmd} {flag} {what}", (*base, flag, target), 2, target.split("/x")[0] if what == "a path under a file" else target))
    c += [
        Case("outputs", "train --out the shipped default", ("train", "--arch", "fast", "--out", shipped_default), 2, shipped_default),
        Case("outputs", "export --onnx onto its own --weights", ("export", "--weights", s["good.safetensors"], "--onnx", s["good.safetensors"]), 2, s["good.safetensors"]),
        Case("outputs", "finetune --out onto its base", (*ft, "--samples", s["store"], "--out", s["good.safetensors"]), 2, s["good.safetensors"]),
        Case("outputs", "download --dest a file", ("download", "--dest", s["a-file"]), 2, s["a-file"]),
        Case("outputs", "download --dest /proc", ("download", "--dest", "/proc/mnist-pad"), 2, "/proc/mnist-pad"),
    ]
    tr = ("train", "--arch", "fast", "--out", out)
    for flag, value in (("--epochs", "0"), ("--epochs", "-1"), ("--batch-size", "0"), ("--limit", "-5"), ("--lr", "0"),
                        ("--lr", "nan"), ("--val-size", "-1"), ("--seed", "x")):
        c.append(Case("arguments", f"train {flag} {value}", (*tr, flag, value), 2, flag))
    for flag, value, names in (("--dataset", "bogus", "bogus"), ("--layers", "most", "most"), ("--holdout", "1.5", "--holdout"),
                               ("--threads", "0", "--threads"), ("--steps", "0", "--steps"), ("--replay", "-1", "--replay")):
        c.append(Case("arguments", f"finetune {flag} {value}", (*ft, "--samples", s["store"], "--out", out, flag, value), 2, names))
    c += [
        Case("arguments", "train --arch resnet", ("train", "--arch", "resnet", "--out", out), 2, "resnet"),
        Case("arguments", "train --recipe best", ("train", "--arch", "fast", "--recipe", "best", "--out", out), 2, "best"),
        Case("arguments", "--device tpu", ("eval", "--device", "tpu"), 2, "tpu"),
        Case("arguments", "eval --dataset kmnist", ("eval", "--dataset", "kmnist"), 2, "kmnist"),
        Case("arguments", "an unknown subcommand", ("fly",), 2, "fly"),
        Case("arguments", "an unknown option", ("eval", "--colour"), 2, "--colour"),
        Case("arguments", "train without --out", ("train",), 2, "--out"),
    ]
    if not torch.cuda.is_available():
        c.append(Case("arguments", "--device cuda without a GPU", ("eval", "--device", "cuda"), 2, "cuda"))
    c += [
        Case("data", "--data-dir does not exist", ("eval", "--data-dir", s["a-file"] + "-no"), 2, "-no"),
        Case("data", "--data-dir is a file", ("eval", "--data-dir", s["a-file"]), 2, s["a-file"]),
        Case("data", "--data-dir empty (MNIST_PAD_DATA set)", ("eval", "--data-dir", s["empty-folder"]), 2, s["empty-folder"]),
    ]
    if mnist is not None:
        c += [
            Case("data", "--data-dir lacks a file (MNIST_PAD_DATA set)", ("eval", "--data-dir", s["data-lacking"]), 2, s["data-lacking"]),
            Case("data", "--data-dir with a truncated file", ("eval", "--data-dir", s["data-truncated"]), 2, "t10k-images"),
            Case("data", "--data-dir whose files are FIFOs", ("eval", "--data-dir", s["data-fifos"]), 2, s["data-fifos"]),
        ]
    return c


def snapshot(*roots: Path) -> dict[str, tuple]:
    out = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(folder, name)
                if path.is_symlink():
                    out[str(path)] = ("link", os.readlink(path))
                elif path.is_file():
                    out[str(path)] = ("file", hashlib.sha1(path.read_bytes()).hexdigest())
                elif path.is_dir():
                    out[str(path)] = ("dir",)
                else:
                    out[str(path)] = ("special",)
    return out


def run_case(case: Case, sandbox: Path, env: dict) -> tuple[str, int | None, str, list[str]]:
    """(verdict, exit code, first stderr line, problems)."""
    before = snapshot(sandbox, resources_dir())
    t = time.monotonic()
    try:
        command = [sys.executable, *case.args] if case.args[0] == "-c" else [sys.executable, "-m", "mnist_pad", *case.args]
        r = subprocess.run(command, capture_output=True, text=True, env=env,
                           cwd=sandbox, timeout=LIMIT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "FAILED", None, "", [f"hung for {LIMIT_S:.0f} s"]
    seconds = time.monotonic() - t
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and "%|" not in ln and "data: " not in ln]
    problems = []
    if r.returncode != case.code:
        problems.append(f"exit {r.returncode}, expected {case.code}")
    if "Traceback" in r.stderr:
        problems.append("a traceback")
    errors = [ln for ln in lines if "error:" in ln]
    if case.code != 0:
        if len(errors) != 1:
            problems.append(f"{len(errors)} error lines")
        elif case.names not in errors[0]:
            problems.append(f"the error does not name {case.names!r}")
    elif case.stdout and case.stdout not in r.stdout:
        problems.append(f"stdout lacks {case.stdout!r}: {r.stdout.strip()[:80]}")
    after = snapshot(sandbox, resources_dir())
    allowed = {str(sandbox / "new-out.safetensors")} if case.code == 0 else set()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) and k not in allowed)
    if changed:
        problems.append(f"changed {changed[:3]}")
    if Path(sandbox / "new-out.safetensors").exists():
        Path(sandbox / "new-out.safetensors").unlink()
    first = (errors or lines or [""])[0] if case.code else (r.stdout.strip().splitlines() or [""])[0]
    return ("handled" if not problems else "FAILED"), r.returncode, f"{first[:150]} ({seconds:.1f} s)", problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "datasets" / "mnist"))
    parser.add_argument("--only", default="", help="run only the cases whose description holds this text")
    args = parser.parse_args()
    mnist = Path(args.data_dir).resolve() if Path(args.data_dir).is_dir() else None
    with tempfile.TemporaryDirectory() as tmp:
        sandbox, home = Path(tmp) / "sandbox", Path(tmp) / "home"
        sandbox.mkdir()
        paths = make_sandbox(sandbox, mnist)
        env = {**os.environ, "PYTHONPATH": str(REPO), "MNIST_PAD_HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
               "OMP_NUM_THREADS": "1"}
        if mnist is not None:
            env["MNIST_PAD_DATA"] = str(mnist)  # a good fallback that an explicit --data-dir must not fall back to
        results = []
        print("| group | case | exit | what it said | verdict |\n| --- | --- | ---: | --- | --- |")
        for case in cases(paths, mnist):
            if args.only not in case.what:
                continue
            verdict, code, said, problems = run_case(case, sandbox, env)
            said = said.replace(str(sandbox) + "/", "").replace("|", "\\|")
            note = verdict if not problems else f"{verdict}: {'; '.join(problems)}"
            what = case.what.replace("|", "\\|")
            print(f"| {case.group} | {what} | {code} | {said} | {note} |", flush=True)
            results.append(verdict == "handled")
            escaped = [p for p in (sandbox.parent / "escaped.json", sandbox / "absolute-escape.json") if p.exists()]
            if escaped:
                raise SystemExit(f"a file escaped the store: {escaped}")
    print(f"\n{sum(results)} of {len(results)} handled")


if __name__ == "__main__":
    main()

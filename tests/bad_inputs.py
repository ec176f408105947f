"""Helpers for the bad-input tests: poisoned files and folders as a careless user (or a hostile file) makes
them, a snapshot of a folder tree to prove that nothing was written or changed, and the CLI run in-process."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from mnist_pad.cli import run
from mnist_pad.core.checkpoint import META_KEY, read_meta, save
from mnist_pad.core.models import build
from mnist_pad.core.samples import SampleStore

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000  # far deeper than Python's parser recursion allows


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every entry under ``root`` (links not followed): file -> (size, sha1); link -> target; folder."""
    out: dict[str, tuple[int, str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = (-1, os.readlink(path))
            elif path.is_file():
                out[rel] = (path.stat().st_size, hashlib.sha1(path.read_bytes()).hexdigest())
            elif path.is_dir():
                out[rel] = (0, "dir")
    return out


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """``mnist-pad ARGS`` in this process: (exit code, stdout, stderr)."""
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str, command: str) -> str:
    """The stderr of a refused command: one line, ``mnist-pad COMMAND: error: ...``, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"mnist-pad {command}: error: "), err
    assert "Traceback" not in err
    return lines[0]


def tiny_checkpoint(path: Path) -> Path:
    """A small real checkpoint (the fast architecture, untrained)."""
    torch.manual_seed(0)
    return save(path, build("fast"), name=path.stem)


def with_tensors(path: Path, source: Path, change) -> Path:
    """A copy of the checkpoint ``source`` whose state dict went through ``change`` (same metadata)."""
    from safetensors.torch import load_file

    tensors = change(dict(load_file(source)))
    save_file(tensors, path, metadata={META_KEY: json.dumps(read_meta(source))})
    return path


def with_meta(path: Path, source: Path, change) -> Path:
    """A copy of the checkpoint ``source`` with the same tensors and metadata that went through ``change``."""
    from safetensors.torch import load_file

    save_file(dict(load_file(source)), path, metadata={META_KEY: json.dumps(change(read_meta(source)))})
    return path


def digit_image(size: int = 280) -> np.ndarray:
    """A dark 7 on white, (size, size) uint8: a flag and a slanted stem."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (size, size), 255)
    s = size / 280
    ImageDraw.Draw(img).line([(90 * s, 60 * s), (190 * s, 60 * s), (120 * s, 230 * s)], fill=0, width=int(20 * s))
    return np.asarray(img)


def poison_store(folder: Path) -> dict[str, str]:
    """A samples folder with one good sample and one of each kind of bad entry; name -> what it is."""
    store = SampleStore(folder)
    good = store.add(5, digit_image())
    bad = {
        "1700000000000-00000001.json": "deeply nested JSON",
        "1700000000000-00000002.json": "a symlink loop",
        "1700000000000-00000003.json": "a dangling symlink",
        "1700000000000-00000004.json": "a folder",
        "1700000000000-00000005.json": "a FIFO",
        "1700000000000-00000006.json": "NaN creation time",
        "1700000000000-00000007.json": "not UTF-8",
    }
    names = list(bad)
    (folder / names[0]).write_bytes(DEEP_JSON)
    os.symlink(names[1], folder / names[1])
    os.symlink(folder / "gone.json", folder / names[2])
    (folder / names[3]).mkdir()
    os.mkfifo(folder / names[4])
    doc = json.loads((folder / f"{good}.json").read_text())
    doc.update(id=names[5][:-5], created=float("nan"))
    (folder / names[5]).write_text(json.dumps(doc))
    (folder / names[6]).write_bytes(b"\xff\xfe\x00garbage")
    return {"good": good, **bad}


def poison_models(folder: Path, good: Path) -> list[str]:
    """A models folder with one good checkpoint and one of each kind of bad file; the bad files' names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.safetensors").write_bytes(good.read_bytes())
    os.symlink(folder / "gone.safetensors", folder / "dangling.safetensors")
    os.symlink("loop.safetensors", folder / "loop.safetensors")
    (folder / "garbage.safetensors").write_bytes(b"\x00" * 100)
    (folder / "deep.safetensors").write_bytes(len(DEEP_JSON).to_bytes(8, "little") + DEEP_JSON)
    return ["dangling", "loop", "garbage", "deep"]

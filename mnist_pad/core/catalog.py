"""The models a user can pick from: the shipped ones and those they trained or fine-tuned (saved in the
user's models folder). Fine-tuned and from-scratch models are always saved there, never over a shipped file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .checkpoint import CheckpointError, read_meta
from .files import BadInput
from .paths import models_dir, resources_dir

SHIPPED = ("default", "small")


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    shipped: bool
    meta: dict


def list_models() -> tuple[list[ModelEntry], list[str]]:
    """(usable models, shipped first then the user's newest first; messages about files that were skipped)."""
    entries, problems = [], []
    shipped = [resources_dir() / "weights" / f"{n}.safetensors" for n in SHIPPED]
    user = []
    for path in models_dir().glob("*.safetensors"):  # any entry may be a dangling link or a link loop
        try:
            user.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            problems.append(f"{path}: a link to a missing file")
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror or exc}")
    for path in shipped + [path for _, path in sorted(user, reverse=True)]:
        if path in shipped and not path.exists():
            continue
        try:
            entries.append(ModelEntry(path.stem, path, path in shipped, read_meta(path)))
        except CheckpointError as exc:
            problems.append(str(exc))
    return entries, problems


def new_model_path(stem: str) -> Path:
    """A fresh path in the user's models folder: ``stem``, ``stem-2``, ``stem-3``, ..."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "model"
    folder = models_dir()
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder}: the models folder is a file")
    folder.mkdir(parents=True, exist_ok=True)
    path, i = folder / f"{stem}.safetensors", 1
    while path.exists():
        i += 1
        path = folder / f"{stem}-{i}.safetensors"
    return path

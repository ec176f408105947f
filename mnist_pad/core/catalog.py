"""The models a user can pick from: the shipped ones and those they trained or fine-tuned (saved in the
user's models folder). Fine-tuned and from-scratch models are always saved there, never over a shipped file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .checkpoint import CheckpointError, load, read_meta, weights, write
from .files import BadInput, WriteFailed, fsync_dir, reason
from .paths import models_dir, resources_dir
from .snapshots import sidecar_path

SHIPPED = ("default", "small", "reader")
MAX_NAME = 64  # characters in a model's name
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")  # what new_model_path makes; no leading dot (hidden files)
_TUNED = re.compile(r"-tuned(?:-\d+)?$")


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


def resolve_model(text: str) -> Path:
    """The checkpoint ``text`` names: an existing file (whatever it holds: loading it says what is wrong), else
    a model's name as :func:`list_models` gives it (the window shows these), else :class:`BadInput`."""
    if not text.strip():
        raise BadInput("an empty model name or path")
    if os.path.isfile(text):  # a file: no need to read every model's metadata
        return Path(text)
    entries, _ = list_models()
    named = next((entry.path for entry in entries if entry.name == text), None)
    if named is not None:  # before other paths: a folder "small" here is not the model
        return named
    if os.path.lexists(text):  # a dangling link, a folder...: loading it says what is wrong
        return Path(text)
    own = models_dir() / f"{text}.safetensors"
    if _NAME.fullmatch(text) and os.path.lexists(own):  # a model list_models skipped as damaged: load() says why
        return own
    names = [entry.name for entry in entries]
    listed = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
    raise BadInput(f"{text}: no such checkpoint file, and no model of that name (models: {listed or 'none'})")


def tuned_stem(base_name: str) -> str:
    """The stem for a model fine-tuned from ``base_name``: ``default`` -> ``default-tuned``, and a tuned model
    tuned again keeps that stem (``default-tuned-3`` -> ``default-tuned``; :func:`new_model_path` numbers it)
    instead of growing ``default-tuned-tuned-tuned``."""
    return _TUNED.sub("", base_name) + "-tuned"


def rename_model(path: Path, new_name: str) -> Path:
    """Rename the user's model ``path`` to ``new_name`` (its new path is returned): the checkpoint is written
    anew under the new name with the name in its metadata changed too (what the window and a fine-tune's
    ``base`` show), then the old file is removed, so at every moment one whole copy exists. Its modification
    time is kept: the list of models, newest first, keeps its order. Shipped models are refused."""
    path = _user_model(path, "renamed")
    name = new_name.strip()
    if not name or len(name) > MAX_NAME or not _NAME.fullmatch(name):
        raise BadInput(f"{new_name!r}: a model name is 1 to {MAX_NAME} letters, digits, '-', '_' or '.', "
                       "not starting with '.'")
    if name == path.stem:
        return path
    target = path.with_name(f"{name}.safetensors")
    if name in SHIPPED or os.path.lexists(target):
        raise BadInput(f"{name}: a model of that name exists already; choose another name")
    try:
        ckpt = load(path)
    except CheckpointError as exc:
        raise BadInput(f"{exc}; it cannot be renamed (delete it instead)") from None
    times = os.stat(path)
    write(target, weights(ckpt.model), {**ckpt.meta, "name": name})
    try:
        os.utime(target, ns=(times.st_atime_ns, times.st_mtime_ns))
        path.unlink()
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise WriteFailed(f"{path}: cannot be renamed ({reason(exc)}); nothing changed") from exc
    if sidecar_path(path).exists():  # its training replay goes with it (tied to the checkpoint, not the name)
        try:
            os.replace(sidecar_path(path), sidecar_path(target))
        except OSError:
            pass  # the model is renamed; only its replay is lost
    fsync_dir(path.parent)
    return target


def delete_model(path: Path) -> None:
    """Delete the user's model ``path``; shipped models and files outside the models folder are refused."""
    path = _user_model(path, "deleted")
    path.unlink()
    sidecar_path(path).unlink(missing_ok=True)  # its training replay
    fsync_dir(path.parent)


def _user_model(path: Path, done: str) -> Path:
    """``path`` if it is a model in the user's models folder (a link there counts: it is the entry, not what
    it points to); :class:`BadInput` saying why it cannot be ``done`` otherwise."""
    path = Path(path)
    folder = path.parent.resolve()
    if folder.is_relative_to(resources_dir().resolve()):
        raise BadInput(f"{path}: a model shipped with mnist-pad cannot be {done}")
    if folder != models_dir().resolve() or path.suffix != ".safetensors":
        raise BadInput(f"{path}: not a model in your models folder ({models_dir()}); only those can be {done}")
    if not os.path.lexists(path):
        raise BadInput(f"{path}: no such model file")
    return path

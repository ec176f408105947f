"""Where things live: the shipped resources and the user's own data (samples, trained models)."""

from __future__ import annotations

import os
from pathlib import Path


_PACKAGE = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "MNIST_PAD_HOME"  # overrides the user data directory (tests, portable installs)


def resources_dir() -> Path:
    """``resources/``: inside the installed package (the wheel maps it there), or beside the package in a
    source checkout and editable install."""
    installed = _PACKAGE / "resources"
    return installed if installed.is_dir() else _PACKAGE.parent / "resources"


def shipped_weights(name: str = "default") -> Path:
    return resources_dir() / "weights" / f"{name}.safetensors"


def user_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs  # here: the headless training path runs where only torch and numpy are (gpu_check.py)

    return Path(platformdirs.user_data_dir("mnist-pad"))


def models_dir() -> Path:
    return user_dir() / "models"


def samples_dir() -> Path:
    return user_dir() / "samples"

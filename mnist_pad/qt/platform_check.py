"""Before the window: can Qt show one here? Without a display, or with a system library that Qt's X11 plugin
needs missing (a minimal Linux lacks libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, ...), Qt aborts the
process with a message that names the wrong library. This finds out first and says what to do in one line."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path


def platform_problem() -> str | None:
    """Why the window cannot open here, with what to do; None when it can (or when it cannot be told)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "xcb") not in ("", "xcb"):
        return None
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in os.environ:
            return None  # Qt takes Wayland there
        return ("no display to open the window on (DISPLAY is not set): run mnist-pad on a desktop, or use "
                "the headless commands (mnist-pad --help)")
    packages = missing_packages()
    if packages:
        return ("Qt's X11 support needs system libraries that are missing; install them, e.g. "
                f"'sudo apt-get install {' '.join(packages)}' (Debian/Ubuntu), then start mnist-pad again")
    return None


def missing_packages() -> list[str]:
    """Debian package names of the shared libraries that Qt's xcb platform plugin needs and cannot find."""
    spec = importlib.util.find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or not spec.submodule_search_locations or ldd is None:
        return []
    qt = Path(spec.submodule_search_locations[0]) / "Qt"
    missing: list[str] = []
    for library in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
        if not library.is_file():
            continue
        try:
            out = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing += [line.split()[0] for line in out.splitlines() if "not found" in line]
    return sorted({debian_package(soname) for soname in missing})


def debian_package(soname: str) -> str:
    """The Debian package that ships a library, by Debian's naming rule: ``libxcb-icccm.so.4`` is in
    ``libxcb-icccm4``, ``libxkbcommon-x11.so.0`` in ``libxkbcommon-x11-0``, ``libEGL.so.1`` in ``libegl1``."""
    name, _, version = soname.partition(".so.")
    name, version = name.lower(), version.split(".")[0]
    return f"{name}{'-' if name[-1:].isdigit() else ''}{version}"

"""The check before the window: no display, or Qt's X11 libraries missing, is one line naming what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mnist_pad.qt import platform_check
from mnist_pad.qt.platform_check import debian_package, platform_problem

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 check is Linux's")


@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"), ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
])
def test_library_names_become_debian_package_names(soname, package):
    assert debian_package(soname) == package


def test_missing_libraries_are_named_as_packages_to_install(monkeypatch):
    ldd_output = "\tlibxcb-icccm.so.4 => not found\n\tlibxcb.so.1 => /usr/lib/libxcb.so.1 (0x0)\n\tlibxcb-keysyms.so.1 => not found\n"
    monkeypatch.setattr(platform_check.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=ldd_output, stderr=""))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    problem = platform_problem()
    assert problem is not None and "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in problem


def test_no_display_is_said_before_qt_aborts(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert "no display" in platform_problem()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # as the tests run: nothing to check
    assert platform_problem() is None


"""Work around a reference-counting bug of PySide6 6.12.0 on Python < 3.12.

Every ``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so each emit leaves
``True``'s reference count one lower. On Python 3.11 ``True`` is an ordinary object with a refcount of a
few thousand: after that many emits (a minute of drawing: every mouse move emits, and pyqtgraph emits
several signals per update) the interpreter aborts with "Fatal Python error: bool_dealloc: deallocating
True or False". Python 3.12+ makes ``True``/``False`` immortal, so there the bug is harmless.

Until PySide6 is fixed, :func:`apply` gives ``True`` and ``False`` a reference count so large that no
session can exhaust it (2**40 emits), which is what 3.12 does. Importing this module applies it once.
"""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40


def apply() -> None:
    if sys.version_info >= (3, 12) or getattr(sys, "_mnist_pad_bool_refcount_fix", False):
        return
    for obj in (True, False):
        # ob_refcnt is the first field of every object in release builds of CPython
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN
    sys._mnist_pad_bool_refcount_fix = True


apply()

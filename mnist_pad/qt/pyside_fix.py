"""Guard against a reference-counting bug of PySide6 6.12.0 on Python < 3.12 (pyproject pins PySide6 below
6.12; this protects environments that ignore the pin).

Measured with PySide6 6.12.0 on Python 3.11.7: every call of a PySide6 method that returns nothing leaves
``None``'s reference count one lower, and every ``Signal.emit()`` (which returns ``True``) does the same to
``True``: the bindings hand out these singletons without taking a reference, which is only correct on
Python 3.12+, where they are immortal. Drawing makes hundreds of such calls per update; within a minute
the interpreter aborts with "Fatal Python error: none_dealloc: deallocating None" (or ``bool_dealloc``).

On an affected combination, :func:`apply` gives ``None``, ``True`` and ``False`` a reference count so large
(2**40) that no session can exhaust it, which is what Python 3.12 does by design. Importing this module
applies it once.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

_MARGIN = 1 << 40


def affected() -> bool:
    major_minor = tuple(int(p) for p in PySide6.__version__.split(".")[:2])
    return sys.version_info < (3, 12) and major_minor >= (6, 12)


def apply() -> None:
    if not affected() or getattr(sys, "_mnist_pad_singleton_refcount_fix", False):
        return
    for obj in (None, True, False):
        # ob_refcnt is the first field of every object in release builds of CPython
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN
    sys._mnist_pad_singleton_refcount_fix = True


apply()

"""``mnist-pad`` and ``python -m mnist_pad``: no arguments opens the window, subcommands run headless."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from .cli import run

    try:
        return run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:  # 'mnist-pad predict *.png | head -1': the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 1


if __name__ == "__main__":
    sys.exit(main())

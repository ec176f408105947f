"""Long jobs are generators: they yield progress and ``return`` their result (docs/architecture.md). The one helper that
runs such a generator to its end where nobody shows the progress item by item (the CLI's bars take ``each``)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def drive(steps: Generator[Item, None, Result], each: Callable[[Item], None] | None = None) -> Result:
    """Run ``steps`` to its end, handing every yielded item to ``each``; returns the generator's return value."""
    while True:
        try:
            item = next(steps)
        except StopIteration as stop:
            return stop.value
        if each is not None:
            each(item)

"""An evaluation's report as files: JSON (every metric) and the confusion matrix as a PNG, in the colours the
Evaluate tab uses."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .evaluate import EvalResult
from .files import check_output, dumps_json, write_atomic

# Viridis at five stops (matplotlib's values): the PNG and the tab share this colour map.
COLOUR_GAMMA = 0.3  # colour = fraction ** gamma, so that a 1% confusion shows (0.25) beside a 99% diagonal
VIRIDIS = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))


def colour(value: float) -> tuple[int, int, int]:
    """A fraction 0..1 through :data:`COLOUR_GAMMA` and :data:`VIRIDIS`, linearly interpolated."""
    value = min(max(float(value), 0.0), 1.0) ** COLOUR_GAMMA
    for (p0, c0), (p1, c1) in zip(VIRIDIS, VIRIDIS[1:]):
        if value <= p1:
            t = (value - p0) / (p1 - p0)
            return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))  # type: ignore[return-value]
    return VIRIDIS[-1][1]


def cell_text(count: int, fraction: float, normalised: bool) -> str:
    """A confusion cell's label: the count, or the percentage of its row (0 only when no image at all)."""
    if not normalised:
        return str(count)
    return "0" if count == 0 else f"{fraction * 100:.1f}"


def report_dict(result: EvalResult, **meta) -> dict:
    """The report as plain JSON types: ``meta`` (model, dataset, device, ...) first, then the metrics."""
    return {**meta, "engine": result.engine, "seconds": result.seconds, **result.report.to_dict(),
            "confusion_normalised": result.normalised_confusion().round(6).tolist()}


def confusion_image(result: EvalResult, normalised: bool = False, title: str = "", cell: int = 48) -> Image.Image:
    """The confusion matrix drawn with PIL: rows true class, columns predicted, colour = row fraction."""
    k = len(result.report.classes)
    fractions = result.normalised_confusion()
    counts = np.asarray(result.report.confusion)
    font = ImageFont.load_default(size=max(10, cell // 4))
    margin_left, margin_top = cell * 2, cell * 3 // 2 + (cell // 2 if title else 0)
    img = Image.new("RGB", (margin_left + k * cell + cell // 2, margin_top + k * cell + cell), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((margin_left, cell // 6), title, fill="black", font=font)
    draw.text((margin_left + k * cell // 2, margin_top - cell), "predicted", fill="black", font=font, anchor="mm")
    draw.text((cell // 6, margin_top + k * cell + cell // 2), "rows: true class", fill="black", font=font, anchor="lm")
    for i, name in enumerate(result.report.classes):
        short = name[:7]
        draw.text((margin_left - 6, margin_top + i * cell + cell // 2), short, fill="black", font=font, anchor="rm")
        draw.text((margin_left + i * cell + cell // 2, margin_top - 6), short[:3], fill="black", font=font, anchor="md")
        for j in range(k):
            x, y = margin_left + j * cell, margin_top + i * cell
            fill = colour(fractions[i, j])
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=fill)
            text = cell_text(counts[i, j], fractions[i, j], normalised)
            ink = "black" if sum(fill) > 380 else "white"
            draw.text((x + cell // 2, y + cell // 2), text, fill=ink, font=font, anchor="mm")
    return img


def export_report(result: EvalResult, json_path: str | os.PathLike, png_path: str | os.PathLike | None = None,
                  normalised: bool = False, **meta) -> list[Path]:
    """Write the report as JSON (and the confusion matrix as PNG), each atomically; returns the paths."""
    outputs = [json_path] + ([png_path] if png_path is not None else [])
    for path in outputs:
        check_output(path, "report file")
    written = [write_atomic(json_path, dumps_json(report_dict(result, **meta), indent=2).encode())]
    if png_path is not None:
        title = " - ".join(str(meta[k]) for k in ("model", "dataset") if k in meta)
        png = io.BytesIO()
        confusion_image(result, normalised, title).save(png, format="PNG")
        written.append(write_atomic(png_path, png.getvalue()))
    return written

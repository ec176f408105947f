"""Find the digits of a number written in one row: each digit's box and ink, left to right, from an ink-high
image of any size (a drawing, or a photo made into ink by :mod:`mnist_pad.core.photo`).

1. **Pieces**: the ink (above :data:`~mnist_pad.core.preprocess.INK_THRESHOLD`) in 8-connected pieces, in
   the ink's bounding box only (labelling costs per pixel; a wide canvas is mostly empty).
2. **Specks** (dust, noise, a pen's slip) go: pieces with less ink than :data:`SPECK_SHARE` of the largest
   or smaller than :data:`SPECK_SIZE` of its size. Relative, so that it works at every scale.
3. **Grouping**: digits of a number stand side by side, so pieces one above the other, or whose columns
   mostly overlap, are one digit (:func:`_same_digit`): a 5's flag, a 4 or a 7 drawn in two strokes, a
   broken stroke. A group too low to be a digit (:data:`SHORT`) joins the neighbour it nearly touches, or
   goes (a dash).
4. **Splitting**: a group wider than :data:`WIDE` times its height (MNIST's widest digits are 1.7 to 2 times
   their height) holds touching digits. It is cut one digit at a time (:func:`split_into`) along the path
   from top to bottom that crosses the least ink (:func:`cut_paths`), and pieces from a cut are marked
   touching.

Touching digits narrower than that (a 1 against a 0 is no wider than a wide 2) look like one digit to
geometry; :func:`mnist_pad.core.number.read_number` lets the reader judge the :func:`cuts` of any part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .preprocess import INK_THRESHOLD, as_ink, stroke_width

SPECK_SHARE = 0.03  # a piece with less ink than this share of the largest piece is a speck
SPECK_SIZE = 0.25  # and so is one whose box is within this share of the largest piece's longer side
MIN_SIDE = 4  # and one of fewer pixels than this both ways: no digit can be read from it
SHORT = 0.4  # a group lower than this share of the tallest is no digit on its own: a stray flag, a dash
NEAR = 0.1  # ... and belongs to a neighbour no further than this share of the tallest's height away
OVERLAP_SHARE = 0.5  # pieces overlapping by this share of the narrower one's width are one digit
STACKED = 0.3  # ... when no further apart up or down than this share of the taller one's height
WIDE = 2.0  # wider than this many times its height: more than one digit (MNIST's widest 0.1% are 1.7 to 2)
DIGIT_ASPECT = 1.0  # a wide digit's width / height, for how many digits a wide part holds (MNIST's median: 0.8)
CUT_ZONE = 0.6  # a cut is looked for within this share of a digit's width either side of where it should fall
STEP_COST = 0.1  # a cut's step sideways costs this much of an ink pixel crossed: straight unless ink is in the way
PULL = 0.5  # cuts crossing alike ink differ by this per digit width away from where a typical digit would end
APART = 0.08  # cuts tried lie at least this share of the part's width apart
CUTS = 6  # cuts tried on a part, best first, until one leaves two plausible digits
EIGHT = np.ones((3, 3), bool)  # 8-connectivity: a diagonal stroke one pixel wide stays one piece

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in image pixels, the ends exclusive (image[y0:y1, x0:x1])


@dataclass(frozen=True)
class Part:
    """One digit's place in the image."""

    box: Box
    ink: np.ndarray  # image[y0:y1, x0:x1] with the other digits' ink cleared (float32 0..1, ink high)
    mask: np.ndarray  # this digit's ink pixels under the box (bool)
    touching: bool = False  # cut out of touching digits: its box and ink are a guess

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def components(mask: np.ndarray) -> tuple[np.ndarray, list[tuple[slice, slice]], np.ndarray]:
    """The 8-connected pieces of ``mask``: the label image (0 = background, piece i has label i + 1), each
    piece's slices and its area in pixels."""
    labels, _ = ndimage.label(mask, EIGHT)
    slices = ndimage.find_objects(labels)
    areas = np.array([np.count_nonzero(labels[sl] == i + 1) for i, sl in enumerate(slices)], np.int64)
    return labels, slices, areas  # areas piece by piece: cheaper than counting over the whole image


def kept(slices: list[tuple[slice, slice]], areas: np.ndarray) -> np.ndarray:
    """Which pieces are not specks. A speck has less than :data:`SPECK_SHARE` of the largest piece's ink, or
    fits in a square of :data:`SPECK_SIZE` of that piece's longer side, or of :data:`MIN_SIDE` pixels:
    relative, so that it works at every scale, from a 280 px canvas to a photo."""
    if not len(areas):
        return np.zeros(0, bool)
    extent = np.array([max(ys.stop - ys.start, xs.stop - xs.start) for ys, xs in slices])
    largest = int(np.argmax(areas))
    return (areas >= SPECK_SHARE * areas[largest]) & (extent > max(SPECK_SIZE * extent[largest], MIN_SIDE - 1))


def remove_specks(ink: np.ndarray) -> np.ndarray:
    """``ink`` (ink high, 0..1) with its specks cleared."""
    labels, slices, areas = components(ink > INK_THRESHOLD)
    speck = np.concatenate([[False], ~kept(slices, areas)])
    return np.where(speck[labels], 0, ink).astype(np.float32)


def _same_digit(box: Box, piece: tuple[slice, slice]) -> bool:
    """Whether a piece belongs to the digit in ``box``: no further apart up or down than :data:`STACKED` of
    the taller one's height, and either their column ranges overlap by :data:`OVERLAP_SHARE` of the narrower
    one's width (a 7's crossbar, a 4's second stroke), or the piece lies above or below the box and their
    columns meet at all (a 5's flag drawn apart from its body and reaching out to the right); digits side
    by side share their rows."""
    ys, xs = piece
    x0, y0, x1, y1 = box
    tall = max(y1 - y0, ys.stop - ys.start)
    if max(ys.start - y1, y0 - ys.stop) > STACKED * tall:
        return False
    overlap = min(x1, xs.stop) - max(x0, xs.start)
    rows_shared = min(y1, ys.stop) - max(y0, ys.start)
    stacked = overlap > 0 and rows_shared <= STACKED * min(y1 - y0, ys.stop - ys.start)
    return overlap >= OVERLAP_SHARE * min(x1 - x0, xs.stop - xs.start) or stacked


def _groups(slices: list[tuple[slice, slice]], pieces: np.ndarray) -> list[list[int]]:
    """The ``pieces`` (indices into ``slices``) grouped into digits (:func:`_same_digit`), left to right."""
    groups: list[list[int]] = []
    box = (0, 0, 0, 0)
    for i in sorted(pieces, key=lambda i: slices[i][1].start):
        ys, xs = slices[i]
        if groups and _same_digit(box, slices[i]):
            groups[-1].append(i)
            box = (min(box[0], xs.start), min(box[1], ys.start), max(box[2], xs.stop), max(box[3], ys.stop))
        else:
            groups.append([i])
            box = (xs.start, ys.start, xs.stop, ys.stop)
    return groups


def _extent(slices: list[tuple[slice, slice]], group: list[int]) -> Box:
    """The box around a group of pieces."""
    return (min(slices[i][1].start for i in group), min(slices[i][0].start for i in group),
            max(slices[i][1].stop for i in group), max(slices[i][0].stop for i in group))


def _distance(a: Box, b: Box) -> int:
    """How far apart two boxes are: the larger of their horizontal and vertical gaps (negative: overlap)."""
    return max(a[0] - b[2], b[0] - a[2], a[1] - b[3], b[1] - a[3])


def _attach_short(slices: list[tuple[slice, slice]], groups: list[list[int]]) -> list[list[int]]:
    """``groups`` with each one too low to be a digit (:data:`SHORT`) joined to its nearer neighbour when
    that one is :data:`NEAR`, else dropped: a 5's flag drawn clear of its body stays with the 5, a dash
    between digits goes."""
    boxes = [_extent(slices, g) for g in groups]
    tallest = max(b[3] - b[1] for b in boxes)
    out: list[list[int]] = [list(g) for g in groups]
    short = [b[3] - b[1] < SHORT * tallest for b in boxes]
    for i in np.flatnonzero(short):
        gaps = {j: _distance(boxes[i], boxes[j]) for j in (i - 1, i + 1) if 0 <= j < len(groups) and not short[j]}
        if gaps and min(gaps.values()) <= NEAR * tallest:
            out[min(gaps, key=gaps.get)] += groups[i]
        out[i] = []
    return [g for g in out if g]


def _part(image: np.ndarray, labels: np.ndarray, slices: list[tuple[slice, slice]], group: list[int],
          offset: tuple[int, int]) -> Part:
    """The part of a group of pieces: its box (in the whole image's pixels) and its ink, the other pieces'
    ink under its box cleared. Faint ink (under the threshold, never labelled) is kept: it is the
    anti-aliased edge of this digit's strokes."""
    x0, y0, x1, y1 = _extent(slices, group)
    under = labels[y0:y1, x0:x1]
    member = np.zeros(len(slices) + 1, bool)
    member[np.asarray(group) + 1] = True
    mine = member[under]
    ink = np.where(mine | (under == 0), image[y0:y1, x0:x1], 0).astype(np.float32)
    dy, dx = offset
    return Part((x0 + dx, y0 + dy, x1 + dx, y1 + dy), ink, mine)


def _zone(width: int, count: int) -> tuple[int, int]:
    """Where the first of ``count`` digits side by side in ``width`` columns ends: [start, stop) columns."""
    end = width / count
    reach = CUT_ZONE * end
    return max(1, int(end - reach)), min(width - 1, int(np.ceil(end + reach)) + 1)


def _sweep(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dynamic programming down the rows of ``ink`` (h, w): for each pixel the least ink a path from the top
    row to it crosses (a step sideways per row at most, costing :data:`STEP_COST`), and the moves (-1, 0, +1
    column) that led to it."""
    h, w = ink.shape
    totals = np.empty((h, w), np.float32)
    totals[0] = ink[0]
    moves = np.zeros((h, w), np.int8)
    options = np.empty((3, w), np.float32)
    for y in range(1, h):
        above = totals[y - 1]
        options[0, 0], options[0, 1:] = np.inf, above[:-1] + STEP_COST  # from the column on the left
        options[1] = above
        options[2, :-1], options[2, -1] = above[1:] + STEP_COST, np.inf  # from the column on the right
        choice = options.argmin(0)
        totals[y] = options[choice, np.arange(w)] + ink[y]
        moves[y] = choice - 1
    return totals, moves


def _trace(moves: np.ndarray, row: int, column: int) -> np.ndarray:
    """The columns of rows 0..``row`` of the path that :func:`_sweep` found to (``row``, ``column``)."""
    path = np.empty(row + 1, np.int32)
    path[row] = column
    for y in range(row, 0, -1):
        path[y - 1] = path[y] + moves[y, path[y]]
    return path


def cut_paths(part: Part, count: int = 2, limit: int = 1) -> list[tuple[np.ndarray, float]]:
    """Up to ``limit`` cuts that part the first of ``count`` touching digits from the rest, best first, each
    with the ink it crosses (pixels). A cut is a path from the top row to the bottom row (its column in each
    row) crossing as little ink as it can, so that it slips between slanted or interlocking digits where a
    straight cut would slice one of them. Paths are swept from the top and from the bottom; the cuts tried
    are the cheapest through the local minima of ink crossed at a quarter, half and three quarters of the
    height (:data:`APART` apart), ranked with a pull towards where a digit of typical width would end:
    different ways between the digits (through the join, or through a stroke leaning over it), not one way
    with different ends."""
    start, stop = _zone(part.width, count)
    if stop <= start or part.height < 4:
        return []
    ink = part.mask[:, start:stop].astype(np.float32)
    h = part.height
    down, moves_down = _sweep(ink)
    up, moves_up = _sweep(ink[::-1])
    target = part.width / count - start
    apart = max(2, int(APART * part.width))
    found = []
    for row in (h // 4, h // 2, 3 * h // 4):
        crossed = down[row] + up[h - 1 - row] - ink[row]
        low = np.flatnonzero(ndimage.minimum_filter1d(crossed, 2 * apart + 1, mode="nearest") == crossed)
        score = crossed[low] / h + PULL * np.abs(low - target) / (part.width / count)
        found += [(float(sc), row, int(x), float(crossed[x])) for sc, x in zip(score, low)]
    paths: list[tuple[np.ndarray, float]] = []
    for _, row, x, crossed in sorted(found):
        path = start + np.concatenate([_trace(moves_down, row, x)[:-1], _trace(moves_up, h - 1 - row, x)[::-1]])
        if all(np.abs(path - other).mean() > apart for other, _ in paths):  # a plateau is one cut, not many
            paths.append((path, crossed))
        if len(paths) == limit:
            break
    return paths


def _assign(part: Part, path: np.ndarray) -> np.ndarray:
    """Which of ``part``'s pixels go left of the cut ``path``. The ink the cut runs through is taken out and
    the rest falls into pieces, each on one side; a small piece that the cut sliced off the other side's
    main body (the overhanging bar of a 7, the leaning stem of a 6) goes back to it."""
    columns = np.arange(part.width)[None, :]
    left = columns < path[:, None]
    on_cut = (columns >= path[:, None] - 1) & (columns <= path[:, None])  # two wide: no diagonal leak
    labels, slices, areas = components(part.mask & ~on_cut)
    if len(areas) < 2:
        return left
    sides = np.array([left[sl][labels[sl] == i + 1].any() for i, sl in enumerate(slices)])
    mains = {side: int(np.flatnonzero(sides == side)[np.argmax(areas[sides == side])])
             for side in (True, False) if (sides == side).any()}
    if len(mains) < 2:
        return left
    near = {side: ndimage.binary_dilation(labels == main + 1, EIGHT, iterations=2) for side, main in mains.items()}
    out = left.copy()
    for i, side in enumerate(sides.tolist()):
        if i in mains.values():
            continue
        piece = labels == i + 1
        if near[not side][piece].any() and not near[side][piece].any():  # cut off the other side's body
            out[piece] = not side
    return out


def _side(part: Part, keep: np.ndarray) -> Part | None:
    """The pixels ``keep`` of ``part`` cropped to their ink, marked touching; None without ink."""
    mask = part.mask & keep
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not len(rows):
        return None
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    ink = np.where(keep, part.ink, 0)[r0:r1, c0:c1].astype(np.float32)
    bx, by = part.box[:2]
    return Part((int(bx + c0), int(by + r0), int(bx + c1), int(by + r1)), ink, mask[r0:r1, c0:c1], True)


def split(part: Part, path: np.ndarray) -> list[Part]:
    """``part`` cut along ``path`` (:func:`cut_paths`) into the parts left and right of it that have ink."""
    left = _assign(part, path)
    return [p for p in (_side(part, left), _side(part, ~left)) if p is not None]


@dataclass(frozen=True)
class Cut:
    """``part`` cut in two: the first digit and the rest, and how many strokes the cut crosses (the ink it
    crosses over the stroke width): about one where two digits touch, two or more through a digit's loop."""

    pieces: list[Part]
    strokes: float


def cuts(part: Part, count: int = 2, limit: int = 1) -> list[Cut]:
    """``part`` cut along each of its best :func:`cut_paths` into the first of ``count`` digits and the
    rest, keeping only cuts that leave two pieces each at least :data:`SHORT` of its height: a cut that
    slices off a 2's long base or a 5's flag is not between two digits."""
    width = max(1.0, stroke_width(part.mask))
    out = []
    for path, crossed in cut_paths(part, count, limit):
        pieces = split(part, path)
        if len(pieces) == 2 and min(p.height for p in pieces) >= SHORT * part.height:
            out.append(Cut(pieces, crossed / width))
    return out


def split_into(part: Part, count: int) -> list[Part]:
    """``part`` cut into ``count`` touching digits: the first cut off at its best cut, the rest recursively."""
    options = cuts(part, count, CUTS) if count > 1 else []
    if not options:
        return [part]
    first, rest = options[0].pieces
    return [first, *split_into(rest, count - 1)]


def digit_count(part: Part) -> int:
    """How many digits a part of this shape holds by geometry alone: one unless it is wider than :data:`WIDE`
    times its height."""
    if part.width <= WIDE * part.height:
        return 1
    return max(2, round(part.width / (DIGIT_ASPECT * part.height)))


def segment(ink: np.ndarray, split_wide: bool = True) -> list[Part]:
    """The digits of the ink-high image ``ink`` (2-D, float 0..1 or uint8), left to right; [] without ink.
    ``split_wide``: cut parts wider than :data:`WIDE` times their height by geometry alone (a reader that
    can judge cuts, :func:`mnist_pad.core.number.read_number`, does its own)."""
    image = as_ink(ink)
    mask = image > INK_THRESHOLD
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not len(rows):
        return []
    # Labelling costs per pixel: only the ink's bounding box is labelled (a wide canvas is mostly empty).
    y0, x0 = rows[0], cols[0]
    crop = image[y0 : rows[-1] + 1, x0 : cols[-1] + 1]
    labels, slices, areas = components(mask[y0 : rows[-1] + 1, x0 : cols[-1] + 1])
    groups = _attach_short(slices, _groups(slices, np.flatnonzero(kept(slices, areas))))
    parts = [_part(crop, labels, slices, g, (int(y0), int(x0))) for g in groups]
    return [piece for part in parts for piece in split_into(part, digit_count(part) if split_wide else 1)]

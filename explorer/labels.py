"""Server-side label placement for the network view: no two drawn labels overlap.

The browser draws what this module decides: the view box (hence the font size), which labels are
shown and their (shortened) text. Every label's box is estimated from its text length and the font
size; labels are placed greedily by importance (the focus, the highlighted path, groups and "and N
more" handles, nodes with findings, then the rest, top to bottom), each at its full short form or
truncated to fit, or not at all when no form of at least ``MIN_CHARS`` characters fits beside the
labels and node shapes already placed. A node whose label is thinned out keeps its full name on hover.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from tierwatch.explorer.style import RISK_COLOURS

#: Average glyph width of the sans-serif labels as a share of the font size (generous, so that
#: an estimated box holds the drawn text: Latin text in DejaVu/Liberation Sans runs about 0.55).
CHAR_WIDTH = 0.62
LINE_HEIGHT = 1.15
MIN_CHARS = 6
LABEL_SHOWN = 32  # node flag: draw this node's label
SIDE_LR, PAD = 230.0, 60.0  # room for labels beside the outer columns / around the picture
MIN_W, MIN_H = 1100.0, 480.0  # a small graph is not blown up to fill the frame
_CELL = 120.0
_PLAIN = list(RISK_COLOURS).index("")  # the colour index of "no finding known"

_SUFFIX = re.compile(
    r"[,.]?\s+(co\.?,?\s*ltd\.?|co\.?,?\s*limited|ltd\.?|limited|inc\.?|incorporated|corp\.?|"
    r"corporation|gmbh|s\.?a\.?|llc|plc|ag|co\.?|company)$",
    re.IGNORECASE,
)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def view_box(points: Sequence[tuple[float, float]], lr: bool) -> list[float]:
    """The SVG view box ``[x, y, width, height]`` the component starts with."""
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    side = SIDE_LR if lr else PAD
    vb = [min(xs) - side, min(ys) - PAD, max(max(xs) - min(xs), 1) + 2 * side]
    vb.append(max(max(ys) - min(ys), 1) + 2 * PAD)
    if vb[2] < MIN_W:
        vb[0] -= (MIN_W - vb[2]) / 2
        vb[2] = MIN_W
    if vb[3] < MIN_H:
        vb[1] -= (MIN_H - vb[3]) / 2
        vb[3] = MIN_H
    return [round(v, 1) for v in vb]


def view_scale(vb: Sequence[float]) -> float:
    """Layout units per screen unit of a 1000-unit frame: node sizes and fonts grow with it."""
    return max(vb[2], vb[3]) / 1000


def font_size(scale: float) -> float:
    return round(max(9.0, 11.0 * scale), 2)


def shorten(text: str, limit: int) -> str:
    """A name without its legal-form suffix, cut to ``limit`` characters (with an ellipsis)."""
    out = text
    for _ in range(3):
        if not _SUFFIX.search(out):
            break
        out = _SUFFIX.sub("", out)
    out = out or text
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"


def label_box(
    x: float, y: float, radius: float, lines: Sequence[str], left: bool, fs: float, scale: float
) -> Box:
    """The box a label takes, as graph_component.js draws it (beside the shape, vertically centred)."""
    off = radius * max(1.0, scale) * 1.35 + 3
    width = max(len(line) for line in lines) * CHAR_WIDTH * fs
    if len(lines) == 1:
        top, bottom = y + 4 - 0.8 * fs, y + 4 + 0.25 * fs
    else:
        first = y + 4 - 0.35 * fs
        top, bottom = first - 0.8 * fs, first + (len(lines) - 1) * LINE_HEIGHT * fs + 0.25 * fs
    x0 = x - off - width if left else x + off
    return (x0, top, x0 + width, bottom)


def shape_box(x: float, y: float, radius: float, scale: float) -> Box:
    """The square inside a node's shape: no label covers a node's body (its rims and tips may touch)."""
    r = radius * max(1.0, scale) * 0.7
    return (x - r, y - r, x + r, y + r)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Grid:
    """Boxes bucketed by cell, so a placement checks only its neighbours."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[int, Box]]] = defaultdict(list)

    def _keys(self, box: Box) -> Iterator[tuple[int, int]]:
        for cx in range(math.floor(box[0] / _CELL), math.floor(box[2] / _CELL) + 1):
            for cy in range(math.floor(box[1] / _CELL), math.floor(box[3] / _CELL) + 1):
                yield (cx, cy)

    def add(self, owner: int, box: Box) -> None:
        for key in self._keys(box):
            self.cells[key].append((owner, box))

    def hits(self, owner: int, box: Box) -> bool:
        return any(
            other != owner and overlaps(box, placed)
            for key in self._keys(box)
            for other, placed in self.cells[key]
        )


def _candidates(label: str, flags: int) -> list[list[str]]:
    """The forms a label may take, longest first: full short form, then truncations."""
    if flags & 10:  # group or "and N more": several lines, the first says what it is
        lines = label.split("\n")
        first = lines[0]
        forms = [lines, [first]]
        forms += [[shorten(first, k)] for k in (20, 14, 10) if k < len(first)]
        return forms
    limit = 40 if flags & 1 else 26
    full = shorten(label, limit)
    forms = [[full]]
    forms += [[shorten(label, k)] for k in (18, 12, 8, MIN_CHARS) if k < len(full)]
    return forms


def _priority(node: Sequence[Any]) -> tuple[int, float, float]:
    flags, colour_index = node[7], node[5]
    rank = 0 if flags & 1 else 1 if flags & 16 else 2 if flags & 8 else 3 if flags & 2 else 4
    if rank == 4 and colour_index == _PLAIN:
        rank = 5  # nodes with findings are labelled before the others
    return (rank, node[3], node[2])


def place_labels(out_nodes: list[list[Any]], lr: bool, selected: str | None = None) -> dict[str, Any]:
    """Decide which labels are drawn and how: sets flag ``LABEL_SHOWN`` on each shown node and appends
    the drawn text (lines joined by a newline) as element 8 where it differs from the full label.
    Returns the view settings the component draws with: ``vb`` and ``fs``."""
    vb = view_box([(n[2], n[3]) for n in out_nodes], lr)
    scale = view_scale(vb)
    fs = font_size(scale)
    grid = _Grid()
    for i, node in enumerate(out_nodes):
        grid.add(i, shape_box(node[2], node[3], node[6], scale))
    order = sorted(
        range(len(out_nodes)),
        key=lambda i: (0 if out_nodes[i][0] == selected else 1, *_priority(out_nodes[i])),
    )
    for i in order:
        label, x, y, _shape, _colour, radius, flags = out_nodes[i][1:8]
        left = lr and x < 0 and not flags & 1
        for lines in _candidates(label, flags):
            box = label_box(x, y, radius, lines, left, fs, scale)
            if grid.hits(i, box):
                continue
            grid.add(i, box)
            out_nodes[i][7] = flags | LABEL_SHOWN
            text = "\n".join(lines)
            if text != label:
                out_nodes[i].append(text)
            break
    return {"vb": vb, "fs": fs}


def shown_label_boxes(data: dict[str, Any]) -> list[tuple[str, Box]]:
    """The boxes of the labels a payload draws (for checks): ``(node id, box)``."""
    scale = view_scale(data["vb"])
    out = []
    for node in data["n"]:
        if not node[7] & LABEL_SHOWN:
            continue
        text = node[8] if len(node) > 8 else node[1]
        left = data["lr"] and node[2] < 0 and not node[7] & 1
        out.append((node[0], label_box(node[2], node[3], node[6], text.split("\n"), left, data["fs"], scale)))
    return out

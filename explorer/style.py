"""Colours, shapes and legends: one place, colour-blind safe (Okabe-Ito), used by every page.

Colour carries risk, shape carries the node's type, so neither depends on the other and a reader who
cannot tell two colours apart still has the legend's words and the shape.
"""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
# deficiencies. Grey (not part of the eight) stands for "no finding known".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
UNKNOWN_GREY = "#BBBBBB"

#: Risk category -> (colour, legend text). Categories come from graph.schema.RiskCategory.
RISK_COLOURS: dict[str, tuple[str, str]] = {
    "forced_labour": (OKABE_ITO["vermillion"], "forced labour"),
    "forced_child_labour": (OKABE_ITO["reddish_purple"], "forced child labour"),
    "child_labour": (OKABE_ITO["orange"], "child labour"),
    "conflict_and_armed_groups": (OKABE_ITO["black"], "conflict and armed groups"),
    "export_control": (OKABE_ITO["blue"], "export control"),
    "freedom_of_association": (OKABE_ITO["sky_blue"], "freedom of association"),
    "health_and_safety": (OKABE_ITO["yellow"], "health and safety"),
    "governance": (OKABE_ITO["bluish_green"], "governance"),
    "other": ("#8C6D31", "other risk"),
    "": (UNKNOWN_GREY, "no finding known"),
}

#: When an entity has findings in several categories, the node shows the first in this order.
RISK_ORDER = [k for k in RISK_COLOURS if k]

#: Node type -> (shape, legend text). Shapes are drawn by the graph component and the map legend.
TYPE_SHAPES: dict[str, tuple[str, str]] = {
    "PublicBuyer": ("square", "public buyer"),
    "Contract": ("rect", "contract"),
    "Brand": ("diamond", "brand"),
    "Company": ("diamond", "company"),
    "Facility": ("triangle", "factory / facility"),
    "Smelter": ("hexagon", "smelter / refiner"),
    "Mine": ("triangle_down", "mine"),
    "Country": ("circle", "country"),
    "Region": ("circle", "region"),
    "OriginCategory": ("circle", "origin category"),
    "Commodity": ("star", "commodity"),
    "RiskFinding": ("cross", "risk finding"),
    "more": ("more", "and N more (click to expand)"),
}
SHAPE_NAMES = sorted({shape for shape, _ in TYPE_SHAPES.values()})

#: Supply-chain tier of each type, buyer at 0 down to mine at 5 (layered layout, map legend).
TYPE_TIER = {
    "PublicBuyer": 0,
    "Contract": 1,
    "Brand": 2,
    "Company": 3,
    "Facility": 3,
    "Smelter": 4,
    "Mine": 5,
    "Country": 6,
    "Region": 6,
    "OriginCategory": 6,
    "Commodity": 6,
    "RiskFinding": 7,
}

TYPE_NAMES = {t: text for t, (_, text) in TYPE_SHAPES.items()}

#: Entity types an analyst searches for (the issue's six).
SEARCHABLE_TYPES = ("PublicBuyer", "Contract", "Brand", "Facility", "Smelter", "Mine")

SHAPE_GLYPH = {
    "square": "■",
    "rect": "▬",
    "diamond": "◆",
    "triangle": "▲",
    "hexagon": "⬢",
    "triangle_down": "▼",
    "circle": "●",
    "star": "★",
    "cross": "✚",
    "more": "◌",
}


def risk_colour(categories: list[str] | tuple[str, ...] | set[str] | None) -> str:
    return RISK_COLOURS[primary_risk(categories)][0]


def primary_risk(categories: list[str] | tuple[str, ...] | set[str] | None) -> str:
    """The category a node is coloured by: the first of RISK_ORDER it has, '' for none."""
    if not categories:
        return ""
    have = set(categories)
    for cat in RISK_ORDER:
        if cat in have:
            return cat
    return "other"


def hex_to_rgb(colour: str, alpha: int = 220) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def risk_legend_html(categories: list[str] | None = None) -> str:
    """A compact HTML legend of risk colours (only the given categories, when given)."""
    keys = [k for k in RISK_COLOURS if categories is None or k in categories or k == ""]
    items = []
    for key in keys:
        colour, text = RISK_COLOURS[key]
        items.append(
            f'<span style="display:inline-flex;align-items:center;margin:0 12px 4px 0">'
            f'<span style="width:12px;height:12px;border-radius:50%;background:{colour};'
            f'border:1px solid #444;display:inline-block;margin-right:4px"></span>{text}</span>'
        )
    return '<div class="tw-legend" style="font-size:0.85rem;line-height:1.4">' + "".join(items) + "</div>"


def type_legend_html(types: list[str] | None = None) -> str:
    keys = [t for t in TYPE_SHAPES if types is None or t in types]
    items = [
        f'<span style="margin:0 12px 4px 0;display:inline-block">'
        f"{SHAPE_GLYPH[TYPE_SHAPES[t][0]]} {TYPE_SHAPES[t][1]}"
        f"</span>"
        for t in keys
    ]
    return '<div class="tw-legend" style="font-size:0.85rem;line-height:1.4">' + "".join(items) + "</div>"


#: Link style -> (stroke colour, SVG dash pattern, legend text); codes as explorer.layout.LINK_STYLES.
LINK_LEGEND = [
    ("#6f6f6f", "", "declared by a party"),
    ("#222222", "", "confirmed or reviewed"),
    ("#6f6f6f", "8 4", "reported by a third party"),
    ("#8a8a8a", "3 3", "candidate (not confirmed)"),
    ("#8a8a8a", "1 3", "text mention or inferred"),
    ("#9a9a9a", "", "to a group of entities (thick)"),
]


def link_legend_html() -> str:
    items = [
        f'<span style="display:inline-flex;align-items:center;margin:0 12px 4px 0">'
        f'<svg width="34" height="10"><line x1="2" y1="5" x2="32" y2="5" stroke="{colour}" '
        f'stroke-width="{4 if i == 5 else 2}" stroke-dasharray="{dash}" stroke-linecap="round"/></svg>'
        f"&nbsp;{text}</span>"
        for i, (colour, dash, text) in enumerate(LINK_LEGEND)
    ]
    return '<div class="tw-legend" style="font-size:0.85rem;line-height:1.4">' + "".join(items) + "</div>"

"""The network component: server-laid-out SVG, drawn by explorer/graph_component.js.

Registered with ``st.components.v2.component`` and its JavaScript passed inline, so Streamlit serves
it from this process: no CDN, no third-party script. Clicks come back as the trigger ``clicked``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import streamlit as st

PRELUDE = Path(__file__).with_name("component_prelude.js").read_text(encoding="utf-8")
_JS = PRELUDE + Path(__file__).with_name("graph_component.js").read_text(encoding="utf-8")
_CSS = (
    ".tw-graph { width: 100%; } .tw-node:hover polygon, .tw-node:hover rect, .tw-node:hover circle "
    "{ stroke-width: 3; }"
)

_component = st.components.v2.component("tierwatch_network", js=_JS, css=_CSS)


def encode(data: dict[str, Any]) -> bytes:
    """The payload as compact JSON bytes: what goes over the websocket (measured against 150 KB)."""
    return orjson.dumps(data)


def network(data: dict[str, Any], key: str, height: int = 640) -> str | None:
    """Draw the payload (explorer.layout.payload); returns the id of a clicked node, if any this run."""
    result = _component(data=encode(data), key=key, height=height + 30, on_clicked_change=lambda: None)
    return getattr(result, "clicked", None)

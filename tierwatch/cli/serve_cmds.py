"""Serving commands (API and explorer) arrive with the query API and explorer issues."""

from __future__ import annotations

from rich.console import Console

out = Console()


def serve_all(store: str) -> None:
    out.print("The graph is loaded. The API and explorer are not part of this version yet; "
              "use `tierwatch stats` and `tierwatch sources` to look at it.")

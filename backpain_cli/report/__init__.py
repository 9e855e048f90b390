"""Renderers: each turns one Assessment into text in one format. They never call the engine.

Each renderer module is imported only when its format is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Assessment

#: format name -> module in this package with `render(assessment, *, color, width) -> str`
RENDERERS = {
    "text": "text",
    "json": "json",
    "markdown": "markdown",
    "html": "html",
    "fhir": "fhir",
}
FORMATS = tuple(RENDERERS)


def render(assessment: Assessment, fmt: str, *, color: bool = False, width: int = 80) -> str:
    """Render an assessment in `fmt` (one of FORMATS)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{RENDERERS[fmt]}", __name__)
    return str(module.render(assessment, color=color, width=width))

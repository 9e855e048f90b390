"""Renderers: each turns one Assessment into text in one format. They never call the engine.

text, markdown and html draw the one document document.py builds (which sections, in which
order, what each shows); json and fhir are machine formats. Each renderer module is imported
only when its format is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from ..engine import Assessment

#: format name -> module in this package with `render(assessment, *, color, width, made)`
RENDERERS = {
    "text": "text",
    "json": "json",
    "markdown": "markdown",
    "html": "html",
    "fhir": "fhir",
}
FORMATS = tuple(RENDERERS)


def render(
    assessment: Assessment,
    fmt: str,
    *,
    color: bool = False,
    width: int = 80,
    made: datetime | None = None,
) -> str:
    """Render an assessment in `fmt` (one of FORMATS). `made` is the time markdown, html and
    fhir give the report (default: now, or SOURCE_DATE_EPOCH when it is set)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{RENDERERS[fmt]}", __name__)
    return str(module.render(assessment, color=color, width=width, made=made))

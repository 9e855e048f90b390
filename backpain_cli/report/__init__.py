"""Renderers: each turns one Assessment into text in one format. They never call the engine."""

from __future__ import annotations

from ..engine import Assessment

FORMATS = ("text", "json")


def render(assessment: Assessment, fmt: str, *, color: bool = False, width: int = 80) -> str:
    """Render an assessment in `fmt`; the renderer module is imported only when used."""
    if fmt == "json":
        from . import json as json_report

        return json_report.render(assessment)
    if fmt == "text":
        from . import text

        return text.render(assessment, color=color, width=width)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")

"""The machine-readable report: the stable output shape, version 1."""

from __future__ import annotations

import json

from ..engine import Assessment


def render(assessment: Assessment, *, color: bool = False, width: int = 80) -> str:
    """The JSON report; `color` and `width` do not apply."""
    return json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"

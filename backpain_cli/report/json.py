"""The machine-readable report: the stable output shape, version 1."""

from __future__ import annotations

import json
from datetime import datetime

from ..engine import Assessment


def render(
    assessment: Assessment, *, color: bool = False, width: int = 80, made: datetime | None = None
) -> str:
    """The JSON report; `color`, `width` and `made` do not apply (the same answers always give
    the same JSON)."""
    return json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"

"""The machine-readable report: the stable output shape, version 1."""

from __future__ import annotations

import json

from ..engine import Assessment


def render(assessment: Assessment) -> str:
    return json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"

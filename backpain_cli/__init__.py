"""backpain: a calm, cited self-assessment for back pain.

The same three steps the command line takes, as a library:

    from backpain_cli import parse_answers, assess
    result = assess(parse_answers({"age": 41, "side": "left", "area": "middle"}))
    result.level                # "self_care" | "see_doctor_soon" | "urgent" | "emergency"
    result.to_dict()            # the same structure as `backpain assess --format json`

Names are imported on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .answers import Answers, AnswersError, json_schema, parse_answers, read_answers_file
    from .engine import Assessment, assess
    from .knowledge import Knowledge, load_knowledge
    from .report import render

__all__ = [
    "Answers",
    "AnswersError",
    "Assessment",
    "Knowledge",
    "assess",
    "json_schema",
    "load_knowledge",
    "parse_answers",
    "read_answers_file",
    "render",
]

_WHERE = {
    "Answers": "answers",
    "AnswersError": "answers",
    "json_schema": "answers",
    "parse_answers": "answers",
    "read_answers_file": "answers",
    "Assessment": "engine",
    "assess": "engine",
    "Knowledge": "knowledge",
    "load_knowledge": "knowledge",
    "render": "report",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

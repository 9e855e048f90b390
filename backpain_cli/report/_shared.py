"""What the document renderers (markdown, html, fhir) share: words for levels and grades, source
numbering and the answers given, as labels in the person's own words.

Plain Python only: no rich, so these renderers import fast.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..knowledge import Question, Questions, load_questions

if TYPE_CHECKING:
    from ..engine import Assessment

#: level -> (symbol, the level in words). The symbol and word carry the meaning, never colour.
LEVEL_NAMES = {
    "emergency": ("!!!", "EMERGENCY"),
    "urgent": ("!!", "URGENT"),
    "see_doctor_soon": ("!", "SEE A DOCTOR SOON"),
    "self_care": ("*", "SELF-CARE"),
}
#: grade -> (symbol, the grade in words)
GRADE_NAMES = {
    "recommended": ("+", "Recommended"),
    "may_help": ("~", "May help"),
    "guidelines_disagree": ("?", "Guidelines disagree"),
    "not_recommended": ("x", "Not recommended"),
}
TOPIC_TITLE = {
    "getting_help": "While you get help",
    "self_care": "Looking after yourself",
    "medicines": "Medicines",
    "treatments": "Treatments",
    "lifestyle": "Your lifestyle",
    "prevention": "Stopping it coming back",
}
#: what a cause usually needs, in words
LEVEL_WORDS = {
    "emergency": "emergency",
    "urgent": "same-day care",
    "see_doctor_soon": "a doctor's appointment",
    "self_care": "self-care",
}
NONE_OF_THESE = "none of these"


def made_at() -> datetime:
    """When a report is made: now, with the local time zone; or, when SOURCE_DATE_EPOCH is set
    (the reproducible-builds convention), that moment in UTC, so that output can be compared."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now().astimezone()


def made_text(made: datetime) -> str:
    """ "Made on 5 May 2025 at 03:12 (UTC+01:00)": the date in words, which reads the same
    everywhere (5/6 does not)."""
    offset = made.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("", "+0000") else "UTC"
    return f"{made.day} {made:%B %Y} at {made:%H:%M} ({zone})"


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backpain")
    except PackageNotFoundError:  # pragma: no cover - run from a tree that was never installed
        return "unknown"


class Refs:
    """Numbers the sources in the order they are first cited: [1], [2], ... (as the text report)."""

    def __init__(self, assessment: Assessment) -> None:
        self.order: list[str] = []
        self.sources = assessment.sources

    def numbers(self, ids: tuple[str, ...]) -> list[int]:
        found = []
        for sid in ids:
            if sid not in self.order:
                self.order.append(sid)
            found.append(self.order.index(sid) + 1)
        return sorted(set(found))

    def cite(self, ids: tuple[str, ...]) -> str:
        numbers = self.numbers(ids)
        return f"[{', '.join(map(str, numbers))}]" if numbers else ""


def asked(question: Question) -> bool:
    """Questions a person answers (not the format version)."""
    return question.wizard


def enabled(question: Question, facts: frozenset[str], numbers: dict[str, float]) -> bool:
    return question.when is None or question.when(facts, numbers)


def selected(question: Question, value: Any) -> list[str]:
    """The ids of this question's own choices in a choice or list answer, in the asked order."""
    chosen = {value} if isinstance(value, str) else set(value)
    return [choice.id for choice in question.choices if choice.id in chosen]


def answer_rows(
    assessment: Assessment, questions: Questions | None = None
) -> list[tuple[Question, list[str]]]:
    """(question, answer labels) for each question answered, in the order they are asked.

    A list key split over several questions (symptoms) gives one row per question with only its
    own choices; a question whose choices were all left out of an answered list key reads
    "none of these" (in answers v1, an id left out of a given list means no), unless the question
    would not have been asked.
    """
    questions = questions or load_questions()
    answers = assessment.answers
    numbers = dict(answers.numbers)
    rows: list[tuple[Question, list[str]]] = []
    for question in questions.questions:
        if not asked(question) or question.key not in answers.values:
            continue
        value = answers.values[question.key]
        if question.type in ("int", "number"):
            rows.append((question, [number_text(question, value)]))
            continue
        ids = selected(question, value)
        if ids:
            rows.append((question, [questions.labels[f"{question.key}.{i}"] for i in ids]))
        elif question.type == "multi" and enabled(question, answers.facts, numbers):
            rows.append((question, [NONE_OF_THESE]))
    return rows


def number_text(question: Question, value: float) -> str:
    text = question.words(value)  # "3 days" for a duration
    if question.min == 0 and question.max == 10:
        return f"{text} out of 10"
    return text


def safe_url(url: str) -> str | None:
    """The URL when it is a web address a reader may follow, else None."""
    return url if url.startswith(("https://", "http://")) and " " not in url else None

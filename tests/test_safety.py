"""Safety invariants over the whole vocabulary, derived from the data rather than listed by hand.

The wizard tells people the alarm question lists things that "need help quickly"; the NHS back
pain page sends each of them to 999 or to same-day care. So every alarm answer, alone and beside
reassuring answers, must reach at least same-day care.
"""

from __future__ import annotations

import pytest
from conftest import run_assessment

from backpain_cli.knowledge import LEVEL_RANK, load_questions

#: every answer of the alarm questions (the alarm signs are asked in two groups)
ALARMS = [c for q in load_questions().questions if q.alarm for c in q.choices]
REASSURING = {
    "trigger": "lifting_or_twisting",
    "pattern": ["worse_with_movement", "eases_with_rest"],
    "character": ["dull_ache"],
    "severity": 3,
}


@pytest.mark.parametrize("alarm", [c.id for c in ALARMS])
@pytest.mark.parametrize("age", [8, 30, 67])
@pytest.mark.parametrize("area", ["upper", "middle", "lower"])
@pytest.mark.parametrize("reassured", [False, True])
def test_every_alarm_answer_alone_reaches_same_day_care(
    alarm: str, age: int, area: str, reassured: bool
) -> None:
    answers = {"age": age, "side": "left", "area": area, "symptoms": [alarm]}
    if reassured:
        answers.update(REASSURING)
    result = run_assessment(answers)
    assert LEVEL_RANK[result.level] >= LEVEL_RANK["urgent"], (alarm, age, area, result.level)

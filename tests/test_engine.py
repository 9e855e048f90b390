"""How the engine ranks possible causes (design: score = prior + weights of answers present;
causes a red flag points to come first; at most five; impossible ones excluded)."""

from __future__ import annotations

from typing import Any

from conftest import run_assessment

from backpain_cli.answers import parse_answers
from backpain_cli.engine import score
from backpain_cli.knowledge import Knowledge


def ids(answers: dict[str, Any]) -> list[str]:
    return [cause.id for cause in run_assessment(answers).conditions]


def test_the_cause_most_red_flags_point_to_comes_first() -> None:
    """Upper back pain with a cold sweat at 67: two flags point to the heart, one to the aorta."""
    shown = ids({"age": 67, "side": "left", "area": "upper", "symptoms": ["cold_sweat"]})
    assert shown[0] == "heart_attack"


def test_impossible_causes_are_never_shown() -> None:
    """Clinical brief: sex and age make a cause impossible (ectopic pregnancy in a male)."""
    shown = ids(
        {
            "age": 30,
            "sex": "male",
            "side": "left",
            "area": "lower",
            "symptoms": ["missed_period", "abdominal_pain"],
            "radiates_to": ["shoulder"],
        }
    )
    assert "ectopic_pregnancy" not in shown
    assert "ovarian_cyst_or_torsion" not in shown


def test_at_most_five_causes_each_with_its_reasons() -> None:
    result = run_assessment(
        {
            "age": 70,
            "sex": "female",
            "side": "left",
            "area": "middle",
            "onset": "sudden",
            "severity": 9,
            "character": ["tearing", "comes_in_waves"],
            "radiates_to": ["groin"],
            "symptoms": ["fever", "blood_in_urine", "nausea_or_vomiting", "shortness_of_breath"],
            "history": ["high_blood_pressure", "osteoporosis", "cancer"],
        }
    )
    assert 1 <= len(result.conditions) <= 5
    assert all(cause.because for cause in result.conditions)


def test_a_left_side_lifts_left_organs_and_never_lowers_the_spine(kb: Knowledge) -> None:
    """Clinical brief section 3: left-sidedness adds nothing to musculoskeletal causes."""
    base = {"age": 45, "sex": "male", "area": "middle", "character": ["dull_ache"]}
    left, centre = (
        parse_answers({**base, "side": "left"}),
        parse_answers({**base, "side": "centre"}),
    )
    for cid in ("spleen_injury", "diverticulitis", "heart_attack", "kidney_stone"):
        assert score(kb.conditions[cid], left)[0] > score(kb.conditions[cid], centre)[0], cid
    for condition in kb.conditions.values():
        if condition.group == "musculoskeletal":
            assert score(condition, left)[0] >= score(condition, centre)[0], condition.id

"""Advice follows the cause and the urgency (clinical brief section 4: stretching advice for a
suspected kidney stone, or heat for a suspected aneurysm, is harmful noise; when the level is
urgent or emergency, advice is about getting help, not self-care)."""

from __future__ import annotations

from typing import Any

from conftest import run_assessment
from hypothesis import given, settings
from test_properties import answers_dicts

SELF_CARE_TREATMENTS = {
    "stay_active",
    "heat",
    "ice",
    "exercise_programme",
    "manual_therapy_with_exercise",
    "acupuncture",
    "sciatica_self_care",
}


def advice_ids(answers: dict[str, Any]) -> set[str]:
    return {item.id for item in run_assessment(answers).advice}


def test_a_suspected_fracture_gets_no_manual_therapy_or_acupuncture() -> None:
    """Downie 2013 / NOGG 2022: an osteoporotic fracture needs an X-ray first, not manipulation."""
    answers: dict[str, Any] = {
        "age": 74,
        "sex": "female",
        "side": "centre",
        "area": "middle",
        "onset": "sudden",
        "history": ["osteoporosis"],
        "severity": 6,
    }
    ids = advice_ids(answers)
    assert "osteoporosis_bone_health" in ids
    assert not ids & {"manual_therapy_with_exercise", "acupuncture", "heat"}
    # After a fall with thin bones: a doctor's check (Downie 2013), and still no manipulation.
    after_fall = run_assessment({**answers, "trigger": "minor_trauma"})
    assert after_fall.level in ("see_doctor_soon", "urgent")
    assert "vertebral_fracture" in [cause.id for cause in after_fall.conditions[:1]]
    assert not {item.id for item in after_fall.advice} & {"manual_therapy_with_exercise", "heat"}


def test_kidney_stone_gets_hydration_and_no_stretching() -> None:
    """NICE NG118: fluids to prevent stones; exercise advice does not treat renal colic."""
    ids = advice_ids(
        {
            "age": 41,
            "sex": "male",
            "side": "left",
            "area": "middle",
            "onset": "sudden",
            "character": ["comes_in_waves"],
            "radiates_to": ["groin"],
            "symptoms": ["blood_in_urine", "nausea_or_vomiting"],
            "history": ["kidney_stones"],
        }
    )
    assert "hydration_for_stones" in ids
    assert not ids & SELF_CARE_TREATMENTS


def test_mechanical_back_pain_never_gets_hydration_advice() -> None:
    ids = advice_ids(
        {
            "age": 33,
            "side": "right",
            "area": "lower",
            "trigger": "lifting_or_twisting",
            "pattern": ["worse_with_movement", "eases_with_rest"],
        }
    )
    assert "stay_active" in ids
    assert "hydration_for_stones" not in ids


def test_acupuncture_is_offered_honestly_for_mechanical_pain() -> None:
    result = run_assessment(
        {
            "age": 45,
            "side": "left",
            "area": "lower",
            "duration_days": 120,
            "pattern": ["worse_with_movement"],
            "character": ["dull_ache"],
        }
    )
    graded = {item.id: item.grade for item in result.advice}
    assert graded.get("acupuncture") == "guidelines_disagree"


@settings(max_examples=300, deadline=None)
@given(answers_dicts())
def test_no_self_care_treatment_at_urgent_or_emergency(document: dict[str, Any]) -> None:
    result = run_assessment(document)
    if result.level in ("urgent", "emergency"):
        assert not {item.id for item in result.advice} & SELF_CARE_TREATMENTS
    if result.level == "emergency":
        assert {item.topic for item in result.advice} <= {"getting_help"}


def test_no_anti_inflammatories_in_pregnancy() -> None:
    """NHS: ibuprofen is not advised in pregnancy unless a doctor prescribes it."""
    ids = advice_ids(
        {
            "age": 30,
            "sex": "female",
            "pregnant": "yes",
            "side": "both",
            "area": "lower",
            "pattern": ["worse_with_movement"],
            "character": ["dull_ache"],
        }
    )
    assert "pregnancy_back_care" in ids
    assert "nsaid_with_cautions" not in ids


def test_no_anti_inflammatories_beside_a_possible_ulcer() -> None:
    """NICE CG184: NSAIDs cause and worsen peptic ulcers."""
    result = run_assessment(
        {
            "age": 52,
            "side": "left",
            "area": "upper",
            "character": ["dull_ache"],
            "pattern": ["worse_after_eating_or_alcohol"],
            "symptoms": ["nausea_or_vomiting"],
            "history": ["heart_disease"],
        }
    )
    if "peptic_ulcer" in [c.id for c in result.conditions[:3]]:
        assert "nsaid_with_cautions" not in {item.id for item in result.advice}


def test_no_kidney_stone_fluids_advice_beside_a_suspected_aneurysm() -> None:
    """NICE CKS renal colic: over 60, 'renal colic' may be a leaking aneurysm."""
    result = run_assessment(
        {
            "age": 68,
            "sex": "male",
            "side": "left",
            "area": "middle",
            "character": ["comes_in_waves"],
            "radiates_to": ["groin"],
        }
    )
    assert "aortic_aneurysm" in [c.id for c in result.conditions]
    assert "hydration_for_stones" not in {item.id for item in result.advice}

"""The case-suite evaluation: the safety metrics gate the suite, and they can fail.

Emergency sensitivity and safe triage must be 100% on tests/cases (under-triage is a defect).
Exact triage, over-triage and the top-three rate are printed, not asserted here
(tests/test_cases.py checks each case on its own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES_DIR, load_cases

from backpain_cli.answers import parse_answers
from backpain_cli.engine import assess
from backpain_cli.evaluate import (
    Case,
    CaseError,
    Rate,
    case_from_dict,
    contradictions,
    evaluate,
    format_text,
    generated_answers,
    load_case_files,
    main,
)
from backpain_cli.knowledge import load_knowledge


@pytest.fixture(scope="module")
def suite_report() -> Any:
    return evaluate(load_case_files(CASES_DIR))


def _misses(report: Any, kind: str) -> str:
    return "\n".join(
        f"{m.name}: expected {m.expected}, got {m.got}" for m in report.misses if m.kind == kind
    )


def test_every_emergency_case_reaches_emergency(suite_report: Any) -> None:
    rate = suite_report.emergency_sensitivity
    assert rate.total > 0
    assert rate.hits == rate.total, (
        f"emergency sensitivity {rate}:\n{_misses(suite_report, 'under-triage')}"
    )


def test_no_case_is_under_triaged(suite_report: Any) -> None:
    rate = suite_report.safe_triage
    assert rate.total == len(list(CASES_DIR.glob("*.json")))
    assert rate.hits == rate.total, f"safe triage {rate}:\n{_misses(suite_report, 'under-triage')}"


def test_print_the_other_metrics(suite_report: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a gate: the headline numbers, shown on every run (the full list: run the module)."""
    headline = format_text(suite_report).split("\n\n")[0]
    with capsys.disabled():
        print("\ncase suite:\n" + headline)


# -- the metrics compute correctly on a tiny synthetic list ----------------------------------

STRAIN = {"age": 35, "side": "left", "area": "lower", "trigger": "lifting_or_twisting"}
SADDLE = {"age": 40, "side": "centre", "area": "lower", "symptoms": ["saddle_numbness"]}


def case(
    name: str, answers: dict[str, Any], levels: list[str], lowest: str, top3: list[str]
) -> Case:
    return case_from_dict(
        name,
        {
            "title": name,
            "answers": answers,
            "expect": {"levels": levels, "lowest_safe": lowest, "top3": top3},
        },
    )


SYNTHETIC = [
    # correct: emergency, cauda equina first
    case("saddle_ok", SADDLE, ["emergency"], "emergency", ["cauda_equina_syndrome"]),
    # deliberately under-triaged: a plain strain that the case says must be an emergency
    case("strain_said_emergency", STRAIN, ["emergency"], "emergency", ["muscle_strain"]),
    # deliberately over-triaged: saddle numbness that the case accepts as self-care
    case("saddle_said_self_care", SADDLE, ["self_care"], "self_care", []),
    # right level, wrong cause expected
    case("strain_wrong_cause", STRAIN, ["self_care"], "self_care", ["kidney_stone"]),
]


def test_the_metrics_on_a_synthetic_list() -> None:
    report = evaluate(SYNTHETIC)
    assert report.cases == 4
    assert report.emergency_sensitivity == Rate(1, 2)
    assert report.safe_triage == Rate(3, 4)
    assert report.exact_triage == Rate(2, 4)
    assert report.over_triage == Rate(1, 4)
    assert report.top3 == Rate(2, 3)
    assert report.per_condition == {
        "cauda_equina_syndrome": 1,
        "kidney_stone": 1,
        "muscle_strain": 1,
    }
    assert not report.safe
    kinds = [(m.kind, m.name) for m in report.misses]
    assert kinds == [
        ("under-triage", "strain_said_emergency"),
        ("over-triage", "saddle_said_self_care"),
        ("cause not in top three", "strain_wrong_cause"),
    ]
    under = report.misses[0]
    assert under.expected.startswith("at least emergency")
    assert under.got.startswith("self_care")
    text = format_text(report)
    assert "emergency sensitivity:        50.0% (1/2)" in text
    assert "[under-triage] strain_said_emergency" in text


def test_a_safe_list_is_safe() -> None:
    report = evaluate(SYNTHETIC[:1])
    assert report.safe
    assert report.misses == ()


def test_an_empty_denominator_is_not_a_pass_or_a_crash() -> None:
    report = evaluate([case("strain", STRAIN, ["self_care"], "self_care", [])])
    assert report.emergency_sensitivity == Rate(0, 0)
    assert report.emergency_sensitivity.fraction is None
    assert str(report.top3) == "n/a (0/0)"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "JSON object"),
        ({"answers": {}}, "'answers' and 'expect'"),
        ({"answers": {}, "expect": {"levels": ["soon"], "lowest_safe": "urgent"}}, "expect.levels"),
        ({"answers": {}, "expect": {"levels": ["urgent"], "lowest_safe": "now"}}, "lowest_safe"),
    ],
)
def test_a_malformed_case_names_itself(data: object, words: str) -> None:
    with pytest.raises(CaseError, match=words) as caught:
        case_from_dict("bad_case", data)
    assert str(caught.value).startswith("bad_case:")


def test_main_exits_1_on_under_triage_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = {"title": "t", "sources": [], "answers": STRAIN}
    (tmp_path / "ok.json").write_text(
        json.dumps(
            {**raw, "expect": {"levels": ["self_care"], "lowest_safe": "self_care", "top3": []}}
        )
    )
    assert main([str(tmp_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["safe_triage"]["hits"] == 1
    (tmp_path / "under.json").write_text(
        json.dumps({**raw, "expect": {"levels": ["urgent"], "lowest_safe": "urgent", "top3": []}})
    )
    assert main([str(tmp_path)]) == 1
    assert "[under-triage] under" in capsys.readouterr().out


# -- reports that contradict themselves ----------------------------------------------------------


def test_no_report_of_4000_generated_presentations_contradicts_itself() -> None:
    """Over realistic presentations (the cases changed a little, and fresh ones drawn a few
    answers at a time), no report lists a likely cause that needs more than its level, gives a
    reason above its level, asks the person to watch for a sign they reported, calls a cause
    both likely and one to rule out, or names a cause to rule out and says to stay at home."""
    kb = load_knowledge()
    bases = [case["answers"] for _name, case in load_cases()]
    found = {}
    for answers in generated_answers(4000, bases, seed=12):
        clash = contradictions(assess(parse_answers(answers), kb), kb)
        if clash:
            found[len(found)] = (answers, clash)
    assert not found, list(found.values())[:3]


def test_the_contradiction_check_can_fail() -> None:
    kb = load_knowledge()
    result = assess(parse_answers({"age": 40, "side": "left", "area": "lower"}), kb)
    stone = assess(
        parse_answers({"age": 40, "side": "left", "area": "middle", "radiates_to": ["groin"]}), kb
    ).conditions[0]
    assert stone.urgency == "urgent"
    wrong = result._replace(conditions=(stone, *result.conditions))
    assert contradictions(wrong, kb) == ["kidney_stone usually needs urgent, above self_care"]
    sign = next(s for s in kb.safety_net if s.id == "sign_fever")
    told = assess(parse_answers({"age": 40, "side": "left", "area": "lower"}), kb)
    feverish = told._replace(
        answers=parse_answers({"age": 40, "side": "left", "area": "lower", "symptoms": ["fever"]})
    )
    assert sign.text in {t for g in feverish.see_a_doctor for t in g.signs}
    assert any("sign_fever" in clash for clash in contradictions(feverish, kb))
    spleen = assess(
        parse_answers(
            {"age": 23, "sex": "male", "side": "left", "area": "upper", "radiates_to": ["shoulder"]}
        ),
        kb,
    )
    assert [c.id for c in spleen.rule_out] == ["spleen_injury"]
    home = told._replace(rule_out=spleen.rule_out)
    assert contradictions(home, kb) == ["spleen_injury is to rule out, in a self_care report"]
    check = next(r for r in spleen.reasons if r.kind == "check")
    listed = spleen._replace(conditions=(*spleen.conditions, *spleen.rule_out), rule_out=())
    assert f"{check.rule} is a cause to check and a likely cause" in contradictions(listed, kb)

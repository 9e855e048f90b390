"""The condition language of data/: every construct, its fast paths, and its errors."""

from __future__ import annotations

import pytest

from backpain_cli.expr import ExprError, parse

FACTS = frozenset({"symptoms.fever", "side.left", "area.middle"})
NUMBERS = {"age": 64.0, "severity": 8.0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("symptoms.fever", True),
        ("symptoms.chills", False),
        ("symptoms.fever and side.left", True),
        ("symptoms.fever and side.right", False),
        ("symptoms.chills or side.left", True),
        ("symptoms.chills or side.right", False),
        ("not symptoms.chills", True),
        ("not (symptoms.fever or side.right)", False),
        ("age >= 64", True),
        ("age > 64", False),
        ("age < 18 or severity == 8", True),
        ("duration_days >= 0", False),  # not answered is never true
        ("not duration_days >= 0", True),
        ("atleast(2, symptoms.fever, side.left, symptoms.chills)", True),
        ("atleast(3, symptoms.fever, side.left, symptoms.chills)", False),
        ("symptoms.fever and (side.right or age >= 60)", True),
        ("(symptoms.chills or side.left) and (area.middle and severity >= 8)", True),
        ("symptoms.fever and not side.left", False),
    ],
)
def test_conditions_evaluate_as_written(text: str, expected: bool) -> None:
    assert parse(text)(FACTS, NUMBERS) is expected


def test_what_an_expression_refers_to() -> None:
    expr = parse("symptoms.fever and (age >= 50 or not side.left)")
    assert expr.facts == {"symptoms.fever", "side.left"}
    assert expr.numbers == {("age", ">=", 50.0)}
    assert expr.negated
    assert parse(" side.left ").single_fact == "side.left"
    assert parse("side.left or side.right").single_fact is None


def test_nothing_answered_makes_a_positive_condition_false() -> None:
    for text in ("symptoms.fever", "symptoms.fever or side.left", "atleast(1, side.left)"):
        assert parse(text)(frozenset(), {}) is False


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("symptoms.fever and", "ends too early"),
        ("symptoms.fever side.left", "unexpected"),
        ("symptoms", "expected '.' or a comparison"),
        ("age >= old", "expected a number"),
        ("atleast(3, side.left, side.right)", "has 2 parts"),
        ("side.left $", "cannot read"),
        ("(side.left", "ends too early"),
    ],
)
def test_malformed_conditions_are_errors(text: str, words: str) -> None:
    with pytest.raises(ExprError, match=words):
        parse(text)

"""The shortcuts taken for speed give exactly what the plain way gives.

- A condition evaluated over atoms (`Expr.holds`) agrees with the condition over answers
  (`Expr.test`), and its trigger atoms are necessary: it never holds without one of them.
- The engine's lookup of the comparisons that hold for a number agrees with evaluating each
  (`engine.index.Comparisons`).
- The quick checks of `parse_answers` take a value only where the full check would.
(Batch's reader is not a shortcut but the one validator behind msgspec's decoder; that it
agrees with the strict reader line for line is tested in tests/test_batch.py.)
"""

from __future__ import annotations

import json
import math
from typing import Any

from conftest import load_cases, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import answers_dicts

from backpain_cli.answers import (
    AnswersError,
    _check_value,
    parse_answers,
)
from backpain_cli.engine import assess, summarize
from backpain_cli.engine.index import index_of
from backpain_cli.expr import Expr, comparison_atoms, parse
from backpain_cli.knowledge import load_knowledge

KB = load_knowledge()
QUESTIONS = KB.questions
INDEX = index_of(KB)
EXPRESSIONS: list[Expr] = [rule.when for rule in KB.rules]
EXPRESSIONS += [f.when for c in KB.conditions.values() for f in c.features]
EXPRESSIONS += [ex for c in KB.conditions.values() for ex in c.exclude]
EXPRESSIONS += [e for a in KB.advice.values() for e in (a.when, a.unless) if e is not None]
#: the comparisons the engine looks up: those of the conditions above
ENGINE_COMPARISONS = frozenset(c for e in EXPRESSIONS for c in e.numbers)
EXPRESSIONS += [q.when for q in QUESTIONS.questions if q.when is not None]
EXPRESSIONS += [
    parse("not symptoms.fever or age < 18"),
    parse("atleast(2, symptoms.fever, age >= 50, not side.left)"),
    parse("(side.left or side.right) and not (age > 30 and severity <= 4)"),
]
ALL_FACTS = sorted(QUESTIONS.labels)
COMPARISONS = sorted({c for e in EXPRESSIONS for c in e.numbers})
#: the numbers the knowledge base compares against, and their neighbours
EDGES = sorted({v + d for _key, _op, v in COMPARISONS for d in (-1, -0.5, 0, 0.5, 1)})

facts_strategy = st.frozensets(st.sampled_from(ALL_FACTS), max_size=25)
numbers_strategy = st.dictionaries(
    st.sampled_from(sorted({key for key, _op, _v in COMPARISONS})),
    st.one_of(st.sampled_from(EDGES), st.floats(-10, 40000, allow_nan=False)),
)


@settings(max_examples=400, deadline=None)
@given(facts=facts_strategy, numbers=numbers_strategy)
def test_atoms_agree_with_answers_and_triggers_are_necessary(
    facts: frozenset[str], numbers: dict[str, float]
) -> None:
    assert INDEX.comparisons.atoms((), numbers) == comparison_atoms(ENGINE_COMPARISONS, numbers)
    atoms = facts | comparison_atoms(frozenset(COMPARISONS), numbers)
    for expr in EXPRESSIONS:
        holds = expr.holds(atoms)
        assert holds is expr.test(facts, numbers), expr.text
        if holds and expr.trigger is not None:
            assert not expr.trigger.isdisjoint(atoms), expr.text


def test_every_condition_without_not_has_a_trigger() -> None:
    for expr in EXPRESSIONS:
        if not expr.negated:
            assert expr.trigger, expr.text
    assert parse("not sex.male").trigger is None
    assert parse("not sex.male and age >= 10").trigger == {"age>=10.0"}


def test_a_trigger_prefers_an_answer_to_a_common_comparison() -> None:
    expr = parse("age >= 50 and symptoms.fever and (onset.sudden or severity >= 7)")
    assert expr.trigger == {"symptoms.fever"}


# -- answers ------------------------------------------------------------------------------------

near_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 40000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "left", "fever", "male", "yes", "Left", "fevr"]),
    st.lists(
        st.one_of(st.sampled_from(["fever", "chills", "fever", "groin", "x"]), st.integers()),
        max_size=4,
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    data=st.dictionaries(st.sampled_from(sorted(QUESTIONS.keys)), near_values, max_size=8),
    base=st.fixed_dictionaries({"age": st.integers(0, 120), "side": st.just("left")}),
)
def test_the_quick_checks_take_only_what_the_full_check_would(
    data: dict[str, Any], base: dict[str, Any]
) -> None:
    document = {**base, "area": "lower", **data}
    expected: dict[str, Any] = {}
    error = None
    for key, raw in document.items():
        if raw is None:
            continue
        try:
            expected[key] = _check_value(key, raw, QUESTIONS.keys[key], QUESTIONS)
        except AnswersError as problem:
            error = problem
            break
    try:
        answers = parse_answers(document)
    except AnswersError as problem:
        assert error is not None or problem.path in ("pregnant", "side", "area", "age")
        if error is not None:
            assert str(problem) == str(error)
        return
    assert error is None
    assert dict(answers.values) == expected
    assert {k: type(v) for k, v in answers.values.items()} == {
        k: type(v) for k, v in expected.items()
    }


# -- the batch summary --------------------------------------------------------------------------


def test_the_summary_is_the_reports_summary_for_every_case() -> None:
    for name, case in load_cases():
        answers = parse_answers(case["answers"])
        assert summarize(answers) == assess(answers).to_summary(), name


@settings(max_examples=300, deadline=None)
@given(document=answers_dicts())
def test_the_summary_is_the_reports_summary(document: dict[str, Any]) -> None:
    answers = parse_answers(document)
    assert summarize(answers) == assess(answers).to_summary()


@settings(max_examples=200, deadline=None)
@given(document=answers_dicts())
def test_no_score_is_shown_as_minus_zero(document: dict[str, Any]) -> None:
    answers = parse_answers(document)
    scores = [cause["score"] for cause in summarize(answers)["conditions"]]
    scores += [cause.score for cause in assess(answers).conditions]
    assert all(math.copysign(1, score) > 0 or score != 0 for score in scores)
    assert all(score == round(score, 2) for score in scores)


def test_batch_gives_the_same_bytes_whatever_the_hash_seed() -> None:
    """Scores are sums of weights taken in an order that does not depend on how Python hashes
    strings in this process, so every run writes the same bytes."""
    lines = b"".join(json.dumps(case["answers"]).encode() + b"\n" for _name, case in load_cases())
    runs = [
        run_cli("batch", "-", input=lines, env={"PYTHONHASHSEED": seed})
        for seed in ("0", "1", "12345")
    ]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout

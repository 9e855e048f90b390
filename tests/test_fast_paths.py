"""The shortcuts taken for speed give exactly what the plain way gives.

- A condition evaluated over atoms (`Expr.holds`) agrees with the condition over answers
  (`Expr.test`), and its trigger atoms are necessary: it never holds without one of them.
- The engine's lookup of the comparisons that hold for a number agrees with evaluating each.
- The quick checks of `parse_answers` take a value only where the full check would.
- Batch's fast JSON reader gives the same value, or the same error, as the strict reader, and
  batch writes the same results with it or without it.
"""

from __future__ import annotations

import builtins
import json
from typing import Any

import pytest
from conftest import load_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import answers_dicts

from backpain_cli import batch
from backpain_cli.answers import AnswersError, _check_value, loads_answers_json, parse_answers
from backpain_cli.engine import _index, assess, summarize
from backpain_cli.expr import Expr, comparison_atoms, parse
from backpain_cli.knowledge import load_knowledge

KB = load_knowledge()
QUESTIONS = KB.questions
INDEX = _index(KB)
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
    assert INDEX.comparisons.holding(numbers) == comparison_atoms(ENGINE_COMPARISONS, numbers)
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


# -- batch JSON ---------------------------------------------------------------------------------

GOOD = {"version": 1, "age": 41, "side": "left", "area": "middle", "symptoms": ["fever"]}
LINES = [
    json.dumps(GOOD).encode(),
    b'{"age": 41, "age": 42, "side": "left", "area": "middle"}',
    b'{"age" : 41, "age":42, "side": "left", "area": "middle"}',
    b'{"age":41,"side":"left","area":"middle","symptoms":["x\\":"],"age":3}',
    b'{"age": 123456789012345678901234567890, "side": "left", "area": "lower"}',
    b'{"age": NaN, "side": "left", "area": "lower"}',
    b'{"age": 1e400, "side": "left", "area": "lower"}',
    b'\xef\xbb\xbf{"age": 41, "side": "left", "area": "lower"}',
    b'{"age": 41, "side": "left", "area": "lower", "symptoms": [{"a": 1, "a": 2}]}',
    b'{"age": 41, "side": "\\ud800", "area": "lower"}',
    b'{"age": 41.0, "side": "left", "area": "lower"}',
    b"[1, 2]",
    b'"text"',
    b"{",
    b"\x00\x01",
    b"\xff\xfe{}",
]


def _strict(raw: bytes) -> object:
    try:
        return ("value", loads_answers_json(raw))
    except AnswersError as error:
        return ("error", str(error))


def _fast(raw: bytes) -> object:
    try:
        return ("value", batch._decoder()(raw))
    except AnswersError as error:
        return ("error", str(error))


@pytest.mark.parametrize("raw", LINES)
def test_the_fast_reader_reads_as_the_strict_one(raw: bytes) -> None:
    assert _fast(raw) == _strict(raw)


def test_a_repeated_key_is_refused_by_the_fast_reader_too() -> None:
    assert _fast(LINES[1]) == ("error", "age: given twice; keep one")
    assert _fast(LINES[2]) == ("error", "age: given twice; keep one")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, spaced=st.booleans())
def test_the_fast_reader_agrees_on_any_json(value: object, spaced: bool) -> None:
    text = json.dumps(value, separators=(", ", " : ") if spaced else (",", ":"))
    raw = text.encode()
    assert _fast(raw) == _strict(raw)


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 200), junk=st.binary(max_size=4), at=st.integers(0, 200))
def test_the_fast_reader_agrees_on_broken_lines(cut: int, junk: bytes, at: int) -> None:
    raw = LINES[0][:cut] + junk + LINES[0][cut:][at % 7 :]
    assert _fast(raw) == _strict(raw)


def _without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "orjson":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)


def test_batch_writes_the_same_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [*LINES, b"", json.dumps({**GOOD, "symptoms": ["saddle_numbness"]}).encode()]
    for full in (False, True):
        counts = batch.BatchCounts()
        fast = [json.loads(line) for line in batch.assess_lines(lines, counts, full=full)]
        with monkeypatch.context() as patch:
            _without_orjson(patch)
            assert batch._decoder() is loads_answers_json
            plain_counts = batch.BatchCounts()
            plain = [
                json.loads(line) for line in batch.assess_lines(lines, plain_counts, full=full)
            ]
        assert fast == plain
        assert counts == plain_counts


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

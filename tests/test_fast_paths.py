"""The shortcuts taken for speed give exactly what the plain way gives.

- A condition evaluated over atoms (`Expr.holds`) agrees with the condition over answers
  (`Expr.test`), and its trigger atoms are necessary: it never holds without one of them.
- The engine's lookup of the comparisons that hold for a number agrees with evaluating each
  (`engine.index.Comparisons`).
- The quick checks of `parse_answers` take a value only where the full check would.
- Batch's schema (msgspec) takes a line only when the strict reader would, reads it as the
  strict reader does, and batch writes the same results with msgspec or without it.
"""

from __future__ import annotations

import builtins
import io
import json
import math
from typing import Any

import pytest
from conftest import load_cases, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import answers_dicts

from backpain_cli import batch
from backpain_cli.answers import (
    MAX_FILE_BYTES,
    Answers,
    AnswersError,
    _check_value,
    loads_answers_json,
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


SCHEMA = batch._Schema.made(QUESTIONS)


def _strict(raw: bytes) -> object:
    """What the strict reader makes of a line: the answers, or the error."""
    try:
        return ("answers", parse_answers(loads_answers_json(raw), QUESTIONS))
    except AnswersError as error:
        return ("error", str(error))


def _agrees(raw: bytes) -> bool:
    """The schema takes a line only when the strict reader takes it, and reads it alike: the
    same facts and numbers (all a summary needs), and the same Answers made from them."""
    assert SCHEMA is not None
    read = SCHEMA.read(raw)
    if read is None:
        return True  # the strict reader decides
    kind, strict = _strict(raw)
    assert kind == "answers", (raw, strict)
    assert isinstance(strict, Answers)
    facts, numbers, _ = read
    assert frozenset(facts) == strict.facts
    assert numbers == strict.numbers
    assert {k: type(v) for k, v in numbers.items()} == {
        k: type(v) for k, v in strict.numbers.items()
    }
    made = SCHEMA.answers(read)
    assert made == strict
    assert list(made.values) == list(strict.values)  # in the questions' order
    return True


@pytest.mark.parametrize("raw", LINES)
def test_the_schema_takes_only_what_the_strict_reader_takes(raw: bytes) -> None:
    assert _agrees(raw)


def test_the_schema_takes_plain_good_lines_and_leaves_the_rest() -> None:
    assert SCHEMA is not None
    assert SCHEMA.read(LINES[0]) is not None
    leaves = [
        b'{"age": 41, "age": 42, "side": "left", "area": "middle"}',  # a key twice
        b'{"age" : 41, "age":42, "side": "left", "area": "middle"}',
        b'{"age": 41.0, "side": "left", "area": "lower"}',  # good, but the strict reader's job
        b'{"age": 41, "side": "left", "area": "lower", "sex": null}',
        rb'{"ag\u0065": 41, "side": "left", "area": "lower"}',
        b'{"age": 41, "side": "left", "area": "lower", "sex": "male", "pregnant": "yes"}',
        b'\xef\xbb\xbf{"age": 41, "side": "left", "area": "lower"}',
        b'{"age": 41, "side": "left", "area": "lower", "symptoms": ["fever", "fevr"]}',
        b'{"age": true, "side": "left", "area": "lower"}',
        b'{"age": 41, "side": "left"}',
        b"",
    ]
    for raw in leaves:
        assert SCHEMA.read(raw) is None, raw


def test_a_line_too_long_is_left_to_the_strict_reader() -> None:
    assert SCHEMA is not None
    symptoms = ", ".join(['"fever"'] * 130_000)
    raw = f'{{"age": 41, "side": "left", "area": "lower", "symptoms": [{symptoms}]}}'.encode()
    assert len(raw) > MAX_FILE_BYTES
    assert SCHEMA.read(raw) is None
    counts = batch.BatchCounts()
    assert list(batch.assess_records([raw], counts)) == [
        {"line": 1, "error": f"the line is longer than {MAX_FILE_BYTES:,} bytes"}
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, spaced=st.booleans())
def test_the_schema_agrees_on_any_json(value: object, spaced: bool) -> None:
    text = json.dumps(value, separators=(", ", " : ") if spaced else (",", ":"))
    assert _agrees(text.encode())


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 200), junk=st.binary(max_size=4), at=st.integers(0, 200))
def test_the_schema_agrees_on_broken_lines(cut: int, junk: bytes, at: int) -> None:
    raw = LINES[0][:cut] + junk + LINES[0][cut:][at % 7 :]
    assert _agrees(raw)


@settings(max_examples=400, deadline=None)
@given(document=answers_dicts(), near=near_values, key=st.sampled_from(sorted(QUESTIONS.keys)))
def test_the_schema_agrees_on_answers_good_and_nearly_good(
    document: dict[str, Any], near: object, key: str
) -> None:
    """Valid answers in any key order (a float where a number may be one, an id twice in a
    list), and the same with one value changed to something near (null, 41.0, a typo)."""
    items = list(document.items())
    items.reverse()
    assert _agrees(json.dumps(dict(items)).encode())
    assert _agrees(json.dumps({**document, key: near}).encode())
    if document.get("symptoms"):
        twice = {**document, "symptoms": document["symptoms"] * 2}
        assert _agrees(json.dumps(twice).encode())


def _without_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "msgspec" or name.startswith("msgspec."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)


def test_batch_writes_the_same_without_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [*LINES, b"", json.dumps({**GOOD, "symptoms": ["saddle_numbness"]}).encode()]
    lines += [json.dumps(case["answers"]).encode() for _name, case in load_cases()[:40]]
    for full in (False, True):
        counts = batch.BatchCounts()
        out = io.BytesIO()
        batch.write_results(lines, out, counts, full=full)
        fast = out.getvalue()
        with monkeypatch.context() as patch:
            _without_msgspec(patch)
            assert batch._Schema.made(QUESTIONS) is None
            plain_counts = batch.BatchCounts()
            plain = io.BytesIO()
            batch.write_results(lines, plain, plain_counts, full=full)
        assert [json.loads(line) for line in fast.splitlines()] == [
            json.loads(line) for line in plain.getvalue().splitlines()
        ]
        assert counts == plain_counts
        assert list(batch.assess_lines(lines, batch.BatchCounts(), full=full)) == [
            line + b"\n" for line in fast.splitlines()
        ]


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

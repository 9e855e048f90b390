"""Safety properties that must hold for every possible set of answers (hypothesis).

- Adding an alarm answer never lowers the level.
- Adding an answer that raises a cause's score, and lowers none, never lowers the level.
- The level is never below a fired red-flag rule, nor below a safety-net sign the answers hold;
  so adding any answer, reassuring ones included, never takes the level below the red flags of
  the answers before it (NICE NG59 red flags are "any of", never "unless").
- No likely cause listed usually needs more than the level.
- An alarm symptom reaches its level whatever else was answered.
- No answers within the format make the engine or a renderer raise.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backpain_cli.answers import parse_answers
from backpain_cli.engine import assess, decision
from backpain_cli.engine.index import index_of
from backpain_cli.knowledge import LEVEL_RANK, load_knowledge, load_questions
from backpain_cli.report import render

QUESTIONS = load_questions()
KB = load_knowledge()
INDEX = index_of(KB)


def _value(key: str) -> st.SearchStrategy[Any]:
    question = QUESTIONS.keys[key]
    if key == "version":
        return st.just(1)
    if question.type == "int":
        return st.integers(int(question.min or 0), int(question.max or 0))
    if question.type == "number":
        return st.floats(question.min or 0, min(question.max or 0, 400), allow_nan=False)
    ids = QUESTIONS.vocabulary[key]
    if question.type == "choice":
        return st.sampled_from(ids)
    return st.lists(st.sampled_from(ids), unique=True, max_size=6)


@st.composite
def answers_dicts(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, question in QUESTIONS.keys.items():
        if question.required or draw(st.booleans()):
            document[key] = draw(_value(key))
    if document.get("sex") == "male" and document.get("pregnant") == "yes":
        document["pregnant"] = "no"
    return document


@st.composite
def an_added_answer(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The same answers plus one more: a new id in a list, or a key that was not answered."""
    bigger = json.loads(json.dumps(document))
    key = draw(st.sampled_from(sorted(QUESTIONS.keys)))
    question = QUESTIONS.keys[key]
    if question.type == "multi":
        missing = [i for i in QUESTIONS.vocabulary[key] if i not in bigger.get(key, [])]
        assume(missing)
        bigger[key] = [*bigger.get(key, []), draw(st.sampled_from(missing))]
    else:
        assume(key not in bigger)
        bigger[key] = draw(_value(key))
    assume(not (bigger.get("sex") == "male" and bigger.get("pregnant") == "yes"))
    return bigger


def level_of(document: dict[str, Any]) -> int:
    return LEVEL_RANK[assess(parse_answers(document)).level]


def floor_of(document: dict[str, Any]) -> int:
    """The level from the red flags alone: rules fired and safety-net signs held."""
    made = decision(parse_answers(document), KB)
    levels = [INDEX.rules[n].level for n in made.fired] + [
        INDEX.signs[n].level for n in made.matched
    ]
    return max((LEVEL_RANK[level] for level in levels), default=0)


ALARMS = sorted(QUESTIONS.alarms)


@settings(max_examples=400, deadline=None)
@given(answers_dicts(), st.sampled_from(ALARMS))
def test_adding_an_alarm_answer_never_lowers_the_level(
    document: dict[str, Any], alarm: str
) -> None:
    key, value = alarm.split(".")
    assume(value not in document.get(key, []))
    bigger = {**document, key: [*document.get(key, []), value]}
    assert level_of(bigger) >= level_of(document), (document, alarm)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data())
def test_adding_an_answer_never_lowers_the_red_flag_floor(data: st.DataObject) -> None:
    """Reassuring answers may lower the part of the level that rests on scores, never the
    part that rests on red flags."""
    before = data.draw(answers_dicts())
    after = data.draw(an_added_answer(before))
    assert floor_of(after) >= floor_of(before), (before, after)
    assert level_of(after) >= floor_of(before), (before, after)


#: Answers that only ever raise scores: some cause counts them for it, none against it, and
#: none is ruled out by them.
RAISING = sorted(
    fact
    for fact in QUESTIONS.labels
    if any(fact in f.when.facts for c in KB.conditions.values() for f in c.features if f.weight > 0)
    and not any(
        fact in f.when.facts for c in KB.conditions.values() for f in c.features if f.weight < 0
    )
    and not any(fact in ex.facts for c in KB.conditions.values() for ex in c.exclude)
)


@settings(max_examples=400, deadline=None)
@given(answers_dicts(), st.sampled_from(RAISING))
def test_adding_an_answer_that_only_raises_scores_never_lowers_the_level(
    document: dict[str, Any], fact: str
) -> None:
    key, value = fact.split(".")
    if QUESTIONS.keys[key].type == "multi":
        assume(value not in document.get(key, []))
        bigger = {**document, key: [*document.get(key, []), value]}
    else:
        assume(key not in document)
        bigger = {**document, key: value}
    assume(not (bigger.get("sex") == "male" and bigger.get("pregnant") == "yes"))
    old = decision(parse_answers(document), KB).raw
    new = decision(parse_answers(bigger), KB).raw
    # (None: ruled out, as by age; an answer from RAISING never rules a cause out)
    assert all(a is None or (b is not None and b >= a) for a, b in zip(old, new, strict=True))
    assert level_of(bigger) >= level_of(document), (document, fact)


def test_most_answers_only_raise_scores() -> None:
    # The property above must not be vacuous: most answers are counted only for causes.
    assert len(RAISING) >= len(QUESTIONS.labels) // 3, len(RAISING)


@settings(max_examples=300, deadline=None)
@given(answers_dicts())
def test_the_level_is_never_below_a_red_flag_and_no_likely_cause_needs_more(
    document: dict[str, Any],
) -> None:
    result = assess(parse_answers(document))
    level = LEVEL_RANK[result.level]
    assert level >= floor_of(document)
    assert all(LEVEL_RANK[cause.urgency] <= level for cause in result.conditions), document
    assert all(LEVEL_RANK[reason.level] <= level for reason in result.reasons), document


@settings(max_examples=300, deadline=None)
@given(answers_dicts())
def test_a_report_that_names_a_cause_to_rule_out_is_never_self_care(
    document: dict[str, Any],
) -> None:
    result = assess(parse_answers(document))
    assert not result.rule_out or result.level != "self_care", document


SINGLE_FACT_RULES = [rule for rule in KB.rules if rule.when.single_fact]


@settings(max_examples=300, deadline=None)
@given(answers_dicts(), st.sampled_from(SINGLE_FACT_RULES))
def test_an_alarm_answer_reaches_its_level_whatever_else_was_said(
    document: dict[str, Any], rule: Any
) -> None:
    fact = rule.when.single_fact
    key, value = fact.split(".")
    if QUESTIONS.keys[key].type == "multi":
        document[key] = [*[i for i in document.get(key, []) if i != value], value]
    else:
        document[key] = value
    assume(not (document.get("sex") == "male" and document.get("pregnant") == "yes"))
    assert level_of(document) >= LEVEL_RANK[rule.level], (rule.id, document)


@settings(max_examples=300, deadline=None)
@given(answers_dicts())
def test_saddle_numbness_with_anything_else_is_an_emergency(document: dict[str, Any]) -> None:
    document["symptoms"] = [*document.get("symptoms", []), "saddle_numbness"]
    document["symptoms"] = list(dict.fromkeys(document["symptoms"]))
    assert assess(parse_answers(document)).level == "emergency"


@settings(max_examples=300, deadline=None)
@given(answers_dicts())
def test_under_18_is_never_self_care(document: dict[str, Any]) -> None:
    document["age"] = document["age"] % 18
    assert assess(parse_answers(document)).level != "self_care"


@settings(max_examples=150, deadline=None)
@given(answers_dicts(), st.sampled_from(["text", "json"]), st.booleans())
def test_no_answers_within_the_format_raise(
    document: dict[str, Any], fmt: str, color: bool
) -> None:
    result = assess(parse_answers(document))
    output = render(result, fmt, color=color)
    flat = " ".join(output.split())
    assert " ".join(result.disclaimer.split()) in flat
    assert result.emergency_number in flat
    assert len(result.conditions) <= 5
    if fmt == "json":
        assert json.loads(output)["urgency"]["level"] == result.level

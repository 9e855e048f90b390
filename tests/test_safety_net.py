"""The safety net never names, under a lower level, a sign the person has already reported (H12).

Each safety-net line in data/levels.toml may say, with `when`, which answers describe its sign.
When those answers were given, the urgency rules must already reach the line's level: otherwise
the report would say "self-care" and then, further down, "call for help if you notice ..." the
very thing the person told us.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import run_assessment
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import answers_dicts

from backpain_cli.answers import parse_answers
from backpain_cli.engine import assess
from backpain_cli.knowledge import LEVEL_RANK, SafetyNet, load_knowledge, load_questions

KB = load_knowledge()
QUESTIONS = load_questions()
CHECKED = [(i, entry) for i, entry in enumerate(KB.safety_net) if entry.when is not None]
BASES = [
    {"age": age, "side": "left", "area": area} for age in (30, 70) for area in ("lower", "upper")
]


def _document(facts: tuple[str, ...], base: dict[str, Any]) -> dict[str, Any] | None:
    """Answers holding exactly these facts on top of the base; None when they cannot go together
    (two ids for a one-answer question)."""
    document: dict[str, Any] = dict(base)
    for fact in facts:
        key, value = fact.split(".")
        if QUESTIONS.keys[key].type == "multi":
            document[key] = [*document.get(key, []), value]
        elif key in document:
            return None
        else:
            document[key] = value
    return document


def _holds(entry: SafetyNet, facts: tuple[str, ...]) -> bool:
    assert entry.when is not None
    return entry.when(frozenset(facts), {})


def minimal_sets(entry: SafetyNet) -> list[tuple[str, ...]]:
    """Every smallest set of the facts the entry names that makes its `when` hold."""
    assert entry.when is not None
    facts = sorted(entry.when.facts)
    found: list[tuple[str, ...]] = []
    for size in range(1, len(facts) + 1):
        for chosen in itertools.combinations(facts, size):
            if _holds(entry, chosen) and not any(set(f) <= set(chosen) for f in found):
                found.append(chosen)
    return found


def _entry_id(item: tuple[int, SafetyNet]) -> str:
    return f"{item[0] + 1}-{item[1].level}"


def test_the_data_gives_most_lines_a_when() -> None:
    # A line left without `when` has no answer that describes its sign; keep that the exception.
    assert len(CHECKED) >= len(KB.safety_net) - 1


@pytest.mark.parametrize("item", CHECKED, ids=[_entry_id(i) for i in CHECKED])
def test_a_safety_net_condition_names_facts_only(item: tuple[int, SafetyNet]) -> None:
    _, entry = item
    assert entry.when is not None
    assert not entry.when.negated and not entry.when.numbers, entry.when.text
    assert not {f.split(".")[0] for f in entry.when.facts} & {"age", "side", "area"}


@pytest.mark.parametrize("item", CHECKED, ids=[_entry_id(i) for i in CHECKED])
@pytest.mark.parametrize("base", BASES, ids=[f"{b['age']}-{b['area']}" for b in BASES])
def test_every_fact_of_a_sign_reaches_its_level(
    item: tuple[int, SafetyNet], base: dict[str, Any]
) -> None:
    """Each fact named, alone (or with the fewest others it needs), reaches the line's level."""
    _, entry = item
    assert entry.when is not None
    sets = minimal_sets(entry)
    covered = {fact for chosen in sets for fact in chosen}
    assert covered == set(entry.when.facts), (entry.when.text, sorted(covered))
    for chosen in sets:
        document = _document(chosen, base)
        assert document is not None, chosen
        result = run_assessment(document)
        assert LEVEL_RANK[result.level] >= LEVEL_RANK[entry.level], (
            entry.text,
            chosen,
            base,
            result.level,
        )


def test_single_facts_are_tested_alone() -> None:
    # The check above must not hide a single answer inside a pair: a line made only of `or`
    # tests each of its facts on its own.
    entry = next(e for _, e in CHECKED if e.text.startswith("numbness around"))
    assert minimal_sets(entry) == [(fact,) for fact in sorted(entry.when.facts)]  # type: ignore[union-attr]


@settings(max_examples=400, deadline=None)
@given(answers_dicts())
def test_whenever_a_sign_was_reported_the_level_is_at_least_its_line(
    document: dict[str, Any],
) -> None:
    answers = parse_answers(document)
    level = LEVEL_RANK[assess(answers).level]
    for _, entry in CHECKED:
        assert entry.when is not None
        if entry.when(answers.facts, answers.numbers):
            assert level >= LEVEL_RANK[entry.level], (entry.text, document)


@settings(max_examples=300, deadline=None)
@given(answers_dicts(), st.sampled_from(CHECKED), st.data())
def test_adding_a_sign_to_any_answers_reaches_its_line(
    document: dict[str, Any], item: tuple[int, SafetyNet], data: st.DataObject
) -> None:
    """Random answers rarely hold a given sign, so put one minimal set in and check again."""
    _, entry = item
    chosen = data.draw(st.sampled_from(minimal_sets(entry)))
    for fact in chosen:
        key, value = fact.split(".")
        if QUESTIONS.keys[key].type == "multi":
            document[key] = [*[i for i in document.get(key, []) if i != value], value]
        else:
            document[key] = value
    result = run_assessment(document)
    assert LEVEL_RANK[result.level] >= LEVEL_RANK[entry.level], (entry.text, document)

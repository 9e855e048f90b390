"""The safety net, generalised (H12): whenever the answers already describe a safety-net sign,
the level reaches that sign's level, for every sign.

Each sign in data/levels.toml says with `when` which answers describe it, and the engine counts a
sign the answers match as it counts a red flag. So a report never says "self-care" and then,
further down, "call for help if you notice ..." the very thing the person told us.
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
from backpain_cli.expr import comparison_atoms
from backpain_cli.knowledge import LEVEL_RANK, SafetyNet, load_knowledge, load_questions

KB = load_knowledge()
QUESTIONS = load_questions()
SIGNS = list(KB.safety_net)
BASES = [
    {"age": age, "side": "left", "area": area} for age in (30, 70) for area in ("lower", "upper")
]
#: a comparison made true by a value at its edge: `age >= 50` by 50, `age < 18` by 17
_EDGE = {">=": 0, ">": 1, "<=": 0, "<": -1, "==": 0}


def _atoms(sign: SafetyNet) -> list[tuple[str, Any]]:
    """Every answer the sign's condition names: ("fact", "key.id") or ("number", (key, value))
    with a value that makes that comparison true."""
    found: list[tuple[str, Any]] = [("fact", fact) for fact in sorted(sign.when.facts)]
    found += [("number", (key, value + _EDGE[op])) for key, op, value in sorted(sign.when.numbers)]
    return found


def _holds(sign: SafetyNet, chosen: tuple[tuple[str, Any], ...]) -> bool:
    facts = frozenset(item for kind, item in chosen if kind == "fact")
    numbers = dict(item for kind, item in chosen if kind == "number")
    if len(numbers) < sum(1 for kind, _ in chosen if kind == "number"):
        return False  # two values for one key
    return bool(sign.when.holds(facts | comparison_atoms(sign.when.numbers, numbers)))


def minimal_sets(sign: SafetyNet) -> list[tuple[tuple[str, Any], ...]]:
    """Every smallest set of the answers the sign names that makes its `when` hold."""
    atoms = _atoms(sign)
    found: list[tuple[tuple[str, Any], ...]] = []
    for size in range(1, len(atoms) + 1):
        for chosen in itertools.combinations(atoms, size):
            if _holds(sign, chosen) and not any(set(f) <= set(chosen) for f in found):
                found.append(chosen)
    return found


def _document(chosen: tuple[tuple[str, Any], ...], base: dict[str, Any]) -> dict[str, Any] | None:
    """The base answers with these answers added; None when they cannot go together."""
    document: dict[str, Any] = dict(base)
    for kind, item in chosen:
        if kind == "number":
            key, value = item
            document[key] = value
            continue
        key, value = item.split(".")
        if QUESTIONS.keys[key].type == "multi":
            document[key] = [*document.get(key, []), value]
        elif key in document and key not in base:
            return None
        else:
            document[key] = value
    return document


def _sign_id(sign: SafetyNet) -> str:
    return sign.id


def test_every_sign_names_the_answers_that_describe_it() -> None:
    assert SIGNS, "the safety net is empty"
    assert len({sign.id for sign in SIGNS}) == len(SIGNS)
    for sign in SIGNS:
        assert not sign.when.negated, sign.id
        assert minimal_sets(sign), f"{sign.id}: no answers make its condition hold"


@pytest.mark.parametrize("sign", SIGNS, ids=_sign_id)
@pytest.mark.parametrize("base", BASES, ids=[f"{b['age']}-{b['area']}" for b in BASES])
def test_every_way_of_reporting_a_sign_reaches_its_level(
    sign: SafetyNet, base: dict[str, Any]
) -> None:
    """Each answer the sign names, alone or with the fewest others it needs, reaches its level."""
    for chosen in minimal_sets(sign):
        document = _document(chosen, base)
        if document is None:
            continue
        result = run_assessment(document)
        assert LEVEL_RANK[result.level] >= LEVEL_RANK[sign.level], (sign.id, document)


def test_single_answers_are_tested_alone() -> None:
    # The check above must not hide a single answer inside a pair: a sign made only of `or`
    # tests each of its answers on its own.
    sign = next(s for s in SIGNS if s.id == "sign_nerves_at_the_base_of_the_spine")
    assert minimal_sets(sign) == [(("fact", fact),) for fact in sorted(sign.when.facts)]


def test_a_sign_with_numbers_is_tested_at_the_edge() -> None:
    sign = next(s for s in SIGNS if s.id == "sign_tearing_or_collapse")
    sets = minimal_sets(sign)
    assert (("fact", "onset.sudden"), ("number", ("age", 50.0)), ("number", ("severity", 7.0))) in [
        tuple(sorted(chosen)) for chosen in sets
    ]


@settings(max_examples=400, deadline=None)
@given(answers_dicts())
def test_whenever_a_sign_was_reported_the_level_is_at_least_its_sign(
    document: dict[str, Any],
) -> None:
    answers = parse_answers(document)
    level = LEVEL_RANK[assess(answers).level]
    for sign in SIGNS:
        if sign.when(answers.facts, answers.numbers):
            assert level >= LEVEL_RANK[sign.level], (sign.id, document)


@settings(max_examples=300, deadline=None)
@given(answers_dicts(), st.sampled_from(SIGNS), st.data())
def test_adding_a_sign_to_any_answers_reaches_its_level(
    document: dict[str, Any], sign: SafetyNet, data: st.DataObject
) -> None:
    """Random answers rarely hold a given sign, so put one minimal set in and check again."""
    chosen = data.draw(st.sampled_from(minimal_sets(sign)))
    for kind, item in chosen:
        if kind == "number":
            document[item[0]] = item[1]
            continue
        key, value = item.split(".")
        if QUESTIONS.keys[key].type == "multi":
            document[key] = [*[i for i in document.get(key, []) if i != value], value]
        else:
            document[key] = value
    if document.get("sex") == "male" and document.get("pregnant") == "yes":
        document["pregnant"] = "no"
    result = run_assessment(document)
    assert LEVEL_RANK[result.level] >= LEVEL_RANK[sign.level], (sign.id, document)


def test_a_sign_the_engine_alone_raises_is_given_as_a_reason() -> None:
    """A matched sign that lifts the level above every rule is named among the reasons."""
    from backpain_cli.engine import decision
    from backpain_cli.engine.index import index_of

    index = index_of(KB)
    for sign in SIGNS:
        for chosen in minimal_sets(sign):
            document = _document(chosen, BASES[0])
            if document is None:
                continue
            answers = parse_answers(document)
            made = decision(answers, KB)
            rule_floor = max((LEVEL_RANK[index.rules[n].level] for n in made.fired), default=0)
            result = assess(answers)
            if LEVEL_RANK[sign.level] > rule_floor:
                assert sign.id in {r.rule for r in result.reasons}, (sign.id, document)

"""Answers format v1: the parser, its error messages, and its agreement with the JSON Schema."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpain_cli.answers import (
    AnswersError,
    json_schema,
    loads_answers_json,
    parse_answers,
)
from backpain_cli.knowledge import load_questions

GOOD: dict[str, Any] = {
    "version": 1,
    "age": 42,
    "sex": "female",
    "pregnant": "no",
    "side": "left",
    "area": "middle",
    "onset": "sudden",
    "trigger": "none",
    "duration_days": 1.5,
    "severity": 8,
    "character": ["comes_in_waves", "sharp"],
    "radiates_to": ["groin"],
    "pattern": ["cannot_get_comfortable"],
    "history": ["kidney_stones"],
    "lifestyle": ["smoker"],
    "symptoms": ["blood_in_urine", "nausea_or_vomiting"],
}


def error_of(data: object) -> AnswersError:
    with pytest.raises(AnswersError) as caught:
        parse_answers(data)
    return caught.value


def test_a_full_answers_file_parses() -> None:
    answers = parse_answers(GOOD)
    assert answers.has("symptoms.blood_in_urine")
    assert answers.has("side.left")
    assert answers.numbers["severity"] == 8
    assert answers.to_dict() == GOOD


def test_only_age_side_and_area_are_required() -> None:
    answers = parse_answers({"age": 30, "side": "right", "area": "lower"})
    assert answers.get("symptoms") is None  # not answered, not "no"
    for key in ("age", "side", "area"):
        partial = {"age": 30, "side": "right", "area": "lower"}
        del partial[key]
        assert error_of(partial).path == key


def test_a_typo_in_an_id_names_the_field_and_suggests_the_id() -> None:
    error = error_of({**GOOD, "symptoms": ["nausea_or_vomiting", "blood_in_urine", "fevr"]})
    assert str(error) == "symptoms[2]: unknown symptom 'fevr'; did you mean 'fever'?"


def test_a_typo_in_a_key_is_an_error_not_a_silently_dropped_answer() -> None:
    error = error_of({**GOOD, "symptom": ["saddle_numbness"]})
    assert error.path == "symptom"
    assert "did you mean 'symptoms'?" in str(error)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"age": "42"}, "age", "expected a whole number from 0 to 120"),
        ({"age": 121}, "age", "out of range"),
        ({"age": -1}, "age", "out of range"),
        ({"age": 4.5}, "age", "whole number"),
        ({"age": True}, "age", "got true"),
        ({"severity": 11}, "severity", "out of range"),
        ({"duration_days": -2}, "duration_days", "out of range"),
        ({"side": "leftt"}, "side", "did you mean 'left'?"),
        ({"side": ["left"]}, "side", "got a list"),
        ({"symptoms": "fever"}, "symptoms", "expected a list"),
        ({"symptoms": [3]}, "symptoms[0]", "got the number 3"),
        ({"version": 2}, "version", "version 2 is not supported"),
        ({"sex": "male", "pregnant": "yes"}, "pregnant", "does not fit sex 'male'"),
    ],
)
def test_bad_values_name_the_field(change: dict[str, Any], path: str, words: str) -> None:
    error = error_of({**GOOD, **change})
    assert error.path == path
    assert words in str(error)


def test_the_top_level_must_be_an_object() -> None:
    assert "must be a JSON object, not a list" in str(error_of([GOOD]))


def test_null_means_not_answered() -> None:
    answers = parse_answers({**GOOD, "onset": None})
    assert answers.get("onset") is None


def test_a_whole_float_is_a_whole_number() -> None:
    assert parse_answers({**GOOD, "age": 42.0}).get("age") == 42


def test_repeated_ids_count_once() -> None:
    answers = parse_answers({**GOOD, "symptoms": ["fever", "fever"]})
    assert answers.get("symptoms") == ["fever"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"{", "not valid JSON"),
        (b'{"age": NaN}', "NaN is not a valid JSON number"),
        (b'{"age": Infinity}', "Infinity"),
        (b'{"age": 3, "age": 4}', "given twice"),
        (b"\x00\x01\x02", "binary"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"[" * 100 + b"]" * 100, "nested"),
    ],
)
def test_bad_json_is_explained(raw: bytes, words: str) -> None:
    with pytest.raises(AnswersError) as caught:
        loads_answers_json(raw)
    assert words in str(caught.value)


def test_a_byte_order_mark_is_accepted() -> None:
    assert loads_answers_json(b'\xef\xbb\xbf{"age": 3}') == {"age": 3}


# -- the schema and the parser agree ---------------------------------------------------------

SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_lists_every_key_and_id() -> None:
    questions = load_questions()
    assert set(SCHEMA["properties"]) == set(questions.keys)
    symptoms = SCHEMA["properties"]["symptoms"]["anyOf"][0]["items"]["enum"]
    assert set(symptoms) == set(questions.vocabulary["symptoms"])


def parser_accepts(document: object) -> bool:
    try:
        parse_answers(document)
    except AnswersError:
        return False
    return True


CORPUS: list[object] = [
    GOOD,
    {"age": 0, "side": "centre", "area": "upper"},
    {"age": 120, "side": "both", "area": "lower", "symptoms": []},
    {**GOOD, "age": 42.0},
    {**GOOD, "onset": None},
    {**GOOD, "sex": "male", "pregnant": "no"},
    {**GOOD, "sex": "male", "pregnant": "yes"},
    {**GOOD, "sex": "male", "pregnant": "unsure"},
    {**GOOD, "age": None},
    {**GOOD, "extra": 1},
    {**GOOD, "symptoms": ["fevr"]},
    {**GOOD, "age": 4.5},
    {**GOOD, "age": True},
    {**GOOD, "severity": "8"},
    {**GOOD, "version": 2},
    {**GOOD, "duration_days": -0.5},
    {**GOOD, "character": "sharp"},
    [],
    "answers",
    42,
    None,
    {},
]


@pytest.mark.parametrize("document", CORPUS)
def test_schema_and_parser_agree_on_the_corpus(document: object) -> None:
    assert VALIDATOR.is_valid(document) == parser_accepts(document), document


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(-5, 200) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    questions = load_questions()
    keys = sorted(questions.keys)
    ids = sorted({i for values in questions.vocabulary.values() for i in values})
    replacement = _values | st.sampled_from(ids) | st.lists(st.sampled_from(ids), max_size=3)

    @st.composite
    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        document = copy.deepcopy(GOOD)
        for _ in range(draw(st.integers(1, 3))):
            action = draw(st.sampled_from(["set", "delete", "add"]))
            key = draw(st.sampled_from(keys))
            if action == "delete":
                document.pop(key, None)
            elif action == "add":
                document[draw(st.text(min_size=1, max_size=10))] = draw(replacement)
            else:
                document[key] = draw(replacement)
        return document

    return mutate()


@settings(max_examples=300, deadline=None)
@given(_mutations())
def test_schema_and_parser_agree_on_mutated_files(document: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(document) == parser_accepts(document)

"""Answers format v1: read, validate and describe (JSON Schema) the answers to an assessment.

Every rule of the format comes from the question definitions in data/questions.toml, so the
parser, the schema and the wizard cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .echo import quoted, shown
from .knowledge import Question, Questions, load_questions
from .records import Record

FORMAT_VERSION = 1
#: An answers file is a few hundred bytes; anything this large is a mistake, not a person.
MAX_FILE_BYTES = 1_000_000
MAX_NESTING = 32
#: `parse_answers(..., errors=[])` collects at most this many errors, then stops checking.
MAX_ERRORS = 20
#: Larger numbers fit no answer; messages describe them by size rather than print them.
_LARGEST_SHOWN = 10**15
#: Answers that cannot both be given: the two facts, the field an error names, and its message.
CONFLICTS = (
    (
        "sex.male",
        "pregnant.yes",
        "pregnant",
        "'yes' does not fit sex 'male' (sex assigned at birth); check both answers",
    ),
)


class AnswersError(ValueError):
    """Answers that do not fit the format. `path` names the field (`symptoms[2]`), or is empty."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class Answers(Record):
    """Validated answers. Keys not answered are absent (not answered is not the same as 'no').
    Made by `parse_answers`, whose types (a frozenset of facts, numbers as int or float) a
    compiled install checks."""

    values: Mapping[str, Any]
    facts: frozenset[str]
    numbers: Mapping[str, float]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def has(self, fact: str) -> bool:
        """True when the answer `key.id` was given, e.g. `symptoms.fever` or `side.left`."""
        return fact in self.facts

    def to_dict(self) -> dict[str, Any]:
        """The answers as an answers-v1 mapping, ready to save and replay."""
        out: dict[str, Any] = {"version": FORMAT_VERSION}
        out.update({key: value for key, value in self.values.items() if key != "version"})
        return out


def parse_answers(
    data: object,
    questions: Questions | None = None,
    *,
    errors: list[AnswersError] | None = None,
) -> Answers:
    """Validate a decoded answers mapping and return typed Answers, or raise AnswersError.

    With `errors` (a list), checking goes on after a problem: each one found is appended, up to
    MAX_ERRORS, and the first is raised at the end (`backpain validate` lists them all). The
    checks and messages are the same either way.
    """
    questions = questions or load_questions()
    if type(data) is not dict and not isinstance(data, Mapping):
        raise AnswersError("", f"the answers must be a JSON object, not {_json_type(data)}")
    keys, fact_names, order = questions.keys, questions.fact_names, questions.order
    in_order, last = True, -1
    values: dict[str, Any] = {}
    facts: list[str] = []
    numbers: dict[str, float] = {}
    value: Any
    for key, raw in data.items():
        question = keys.get(key)
        if question is None:
            _found(errors, AnswersError(shown(key), "unknown key" + _suggest(str(key), keys)))
            continue
        if raw is None:
            continue  # null is "not answered", the same as leaving the key out
        kind = question.type
        # The usual, valid answer is taken as it is; anything else goes through _check_value,
        # which converts what may be converted and words the error for the rest.
        try:
            if kind == "choice":
                names = fact_names[key]
                if type(raw) is str and raw in names:
                    value = raw
                else:
                    value = _check_value(key, raw, question, questions, errors)
                facts.append(names[value])
            elif kind == "multi":
                names = fact_names[key]
                try:
                    found = [names[item] for item in raw] if type(raw) is list else None
                except (KeyError, TypeError):  # an unknown id, or not a text
                    found = None
                if found is not None and len(set(found)) == len(found):
                    value = list(raw)
                else:
                    value = _check_value(key, raw, question, questions, errors)
                    found = [names[item] for item in value]
                facts += found
            else:
                if type(raw) is int and question.min <= raw <= question.max:  # type: ignore[operator]
                    value = raw
                else:
                    value = _check_value(key, raw, question, questions, errors)
                numbers[key] = value
        except AnswersError as error:
            _found(errors, error)
            continue
        values[key] = value
        if in_order:
            in_order, last = order[key] > last, order[key]
    for key in questions.required:
        if key not in values and not (errors and key in data):
            question = keys[key]
            expected = (
                f"one of {_list(questions.vocabulary[key])}"
                if question.type == "choice"
                else question.expected()
            )
            _found(errors, AnswersError(key, f"missing; this answer is required: {expected}"))
    checked = frozenset(facts)
    for one, other, path, message in CONFLICTS:
        if one in checked and other in checked:
            _found(errors, AnswersError(path, message))
    if errors:
        raise errors[0]
    if not in_order:
        # in the order the questions come
        values = {key: values[key] for key in sorted(values, key=order.__getitem__)}
    return Answers(values, checked, numbers)


def _found(errors: list[AnswersError] | None, error: AnswersError) -> None:
    """Raise `error`, or note it when collecting (and raise once MAX_ERRORS are noted)."""
    if errors is None or len(errors) >= MAX_ERRORS:
        raise error
    errors.append(error)


def _check_value(
    key: str,
    raw: object,
    question: Question,
    questions: Questions,
    errors: list[AnswersError] | None = None,
) -> Any:
    kind = question.type
    if kind in ("int", "number"):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise AnswersError(key, f"expected {question.expected()}, got {_json_type(raw)}")
        if raw != raw:  # NaN
            raise AnswersError(key, f"expected {question.expected()}, got NaN")
        if not -_LARGEST_SHOWN <= raw <= _LARGEST_SHOWN:  # also infinity, and 400 digits
            raise AnswersError(
                key, f"the number is far out of range; expected {question.expected()}"
            )
        if key == "version" and raw != FORMAT_VERSION:
            raise AnswersError(key, f"version {raw} is not supported; this program reads version 1")
        if kind == "int":
            if raw != int(raw):
                raise AnswersError(key, f"expected a whole number, got {raw}")
            raw = int(raw)
        assert question.min is not None and question.max is not None
        if not question.min <= raw <= question.max:
            raise AnswersError(key, f"{raw} is out of range; expected {question.expected()}")
        return raw
    ids = questions.vocabulary[key]
    if kind == "choice":
        if not isinstance(raw, str):
            raise AnswersError(key, f"expected one of {_list(ids)}, got {_json_type(raw)}")
        if raw not in ids:
            raise AnswersError(key, f"unknown {_noun(key)} {quoted(raw)}" + _suggest(raw, ids))
        return raw
    if not isinstance(raw, list):
        raise AnswersError(key, f"expected a list of ids, got {_json_type(raw)}")
    items: list[str] = []
    bad: list[AnswersError] = []
    for index, item in enumerate(raw):
        where = f"{key}[{index}]"
        if not isinstance(item, str):
            problem = AnswersError(where, f"expected an id as a string, got {_json_type(item)}")
        elif item not in ids:
            problem = AnswersError(
                where, f"unknown {_noun(key)} {quoted(item)}" + _suggest(item, ids)
            )
        else:
            if item not in items:
                items.append(item)
            continue
        if errors is None:
            raise problem
        if len(errors) + len(bad) >= MAX_ERRORS:  # one past the limit: checking stops here
            errors.extend(bad)
            raise problem
        bad.append(problem)
    if bad:  # the caller notes the last; these come before it
        assert errors is not None
        errors.extend(bad[:-1])
        raise bad[-1]
    return items


def _noun(key: str) -> str:
    nouns = {"symptoms": "symptom", "radiates_to": "place", "history": "history item"}
    return nouns.get(key, key.replace("_", " "))


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # only on the error path

    if len(word) > 100:  # no id is this long, and difflib's time grows with the length
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {quoted(close[0])}?" if close else ""


def _list(ids: Iterable[str]) -> str:
    return ", ".join(map(quoted, ids))


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if not -_LARGEST_SHOWN <= value <= _LARGEST_SHOWN:
            return "a very large number"
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {quoted(value)}" if len(value) <= 40 else "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# -- reading files ------------------------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise AnswersError("", f"{name} is not a valid JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise AnswersError(shown(key), "given twice; keep one")
        out[key] = value
    return out


def _integer(text: str) -> int | float:
    """A JSON integer. Python will not convert more than a few thousand digits to an int (a
    guard against slow conversions); no answer is anywhere near that size, so a number this
    long is read as the float it rounds to (infinity), and `parse_answers` says it is out of
    range for its field."""
    return int(text) if len(text) <= 100 else float(text)


def loads_answers_json(text: str | bytes) -> object:
    """Decode answers JSON strictly: no NaN or Infinity, no duplicate keys, a BOM is fine."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise AnswersError("", f"the answers are larger than {MAX_FILE_BYTES:,} bytes")
        if b"\x00" in text:
            raise AnswersError("", "the answers look like a binary file, not JSON text")
        try:
            text = text.decode("utf-8")  # a BOM, if any, is taken off below
        except UnicodeDecodeError as error:
            raise AnswersError("", f"the answers are not UTF-8 text (byte {error.start})") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise AnswersError("", "the answers are empty; expected a JSON object")
    if _nesting(text) > MAX_NESTING:
        raise AnswersError("", f"the answers are nested more than {MAX_NESTING} levels deep")
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_integer,
        )
    except json.JSONDecodeError as error:
        raise AnswersError(
            "", f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def _nesting(text: str) -> int:
    """A cheap upper bound on bracket depth (brackets inside strings count too)."""
    opened = text.count("[") + text.count("{")
    if opened <= MAX_NESTING:  # the usual case, counted in C
        return opened
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def open_input(path: Path, what: str = "an answers file") -> BinaryIO:
    """Open a file of answers for reading; every problem is an AnswersError naming the file."""
    name = shown(path)
    try:
        if path.is_dir():
            raise AnswersError("", f"{name} is a directory, not {what}")
        return path.open("rb")
    except FileNotFoundError:
        raise AnswersError("", f"{name}: no such file") from None
    except PermissionError:
        raise AnswersError("", f"{name}: permission denied") from None
    except OSError as error:
        raise AnswersError("", f"{name}: cannot read ({error.strerror})") from None


def read_answers(handle: BinaryIO, name: str, errors: list[AnswersError] | None = None) -> Answers:
    """Read and validate the answers in an open file (at most MAX_FILE_BYTES + 1 bytes are
    read); `name` says where they came from in an error. `errors` as for parse_answers."""
    try:
        data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise AnswersError("", f"{shown(name)}: cannot read ({error.strerror})") from None
    return parse_answers(loads_answers_json(data), errors=errors)


def read_answers_file(path: Path, errors: list[AnswersError] | None = None) -> Answers:
    """Read and validate an answers file; every problem is an AnswersError naming the file."""
    with open_input(path) as handle:
        return read_answers(handle, str(path), errors)


# -- JSON Schema --------------------------------------------------------------------------------


def json_schema(questions: Questions | None = None) -> dict[str, Any]:
    """The JSON Schema (2020-12) of answers format v1, generated from the question definitions."""
    questions = questions or load_questions()
    properties: dict[str, Any] = {}
    for key, question in questions.keys.items():
        prop: dict[str, Any] = {"description": question.prompt}
        if question.type in ("int", "number"):
            prop["type"] = "integer" if question.type == "int" else "number"
            prop["minimum"], prop["maximum"] = question.min, question.max
        elif question.type == "choice":
            prop["enum"] = list(questions.vocabulary[key])
        else:
            prop["type"] = "array"
            prop["items"] = {"enum": list(questions.vocabulary[key])}
        properties[key] = (
            {"anyOf": [prop, {"type": "null"}]} if key not in questions.required else prop
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backpain.invalid/schema/answers-v1.json",
        "title": "backpain answers, format v1",
        "description": "Answers to one back pain self-assessment. A key left out, or null, "
        "means 'not answered'.",
        "type": "object",
        "properties": properties,
        "required": list(questions.required),
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"sex": {"const": "male"}}, "required": ["sex"]},
                "then": {
                    "not": {"properties": {"pregnant": {"const": "yes"}}, "required": ["pregnant"]}
                },
            }
        ],
    }

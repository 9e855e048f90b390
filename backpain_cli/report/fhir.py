"""The answers as a FHIR R4 QuestionnaireResponse, with the assessment contained in it.

`render()` gives the QuestionnaireResponse as JSON; `questionnaire()` gives the matching FHIR R4
Questionnaire, generated from the same question definitions (data/questions.toml). Both are
plain dicts built at run time: no FHIR library is needed. No network: every URL is a placeholder
under https://backpain.invalid/.

The QuestionnaireResponse
- `status` "completed", `questionnaire` QUESTIONNAIRE_URL, `language` "en", `authored` the time
  the report was made (with its time zone; SOURCE_DATE_EPOCH sets it, for output that can be
  compared); no random ids.
- one `item` per question answered, `linkId` = the question id. A list key split over several
  questions (symptoms) gives each question's item only its own choices. Choices are
  `valueCoding` (system CODE_SYSTEM + key, code = id, display = the label); numbers are
  `valueInteger` (int questions) or `valueDecimal` (number questions).
- "None of these": in the answers format, an id left out of an answered list means no. A list
  question with none of its choices given is therefore answered with the code `none` of the
  system NONE_SYSTEM, an exclusive option in the Questionnaire; only when the question would
  have been asked (its `when` holds). Answers given to a question the form would not have asked
  are still included: the answers are kept whole.

The contained assessment: a RiskAssessment (id "assessment"), chosen over ClinicalImpression
because it has a place for each possible cause (`prediction`) and for what to do (`mitigation`).
- `prediction`: one per possible cause, in the report's order (most urgent, then most likely
  first); `outcome` codes the cause (system CODE_SYSTEM + "condition"), `rationale` gives
  "Because you said ..." and what the cause usually needs. No probability: the scores are
  weights of evidence, not calibrated chances, so none is claimed.
- the urgency: the extension URGENCY_EXTENSION (valueCodeableConcept, system CODE_SYSTEM +
  "urgency", code = the level, display = the level in words), `mitigation` = what to do now,
  and a `note` with the level, headline and each reason; a last `note` holds the disclaimer.
- `subject` is required by FHIR but this tool knows no patient: a Reference with only a
  `display`. `basis` refers to the containing QuestionnaireResponse ("#"), which satisfies the
  rule that a contained resource is referenced (dom-3); the QuestionnaireResponse also points
  to it with the extension ASSESSMENT_EXTENSION (valueReference "#assessment").

Translating `when` into `enableWhen` (see `enable_when()`)
- a fact `key.id` becomes operator "=" with answerCoding (for a multi question "=" holds when
  any answer matches); a comparison `age >= 10` becomes ">=" with answerInteger (answerDecimal
  for number questions; "==" becomes "=");
- `not` of a fact becomes "!=", `not` of a comparison the opposite comparison (not age >= 10:
  age < 10). One difference: FHIR counts a question left unanswered as matching no condition,
  where backpain counts `not X` as true when X was not answered; so a form may skip a question
  behind a `not` when the earlier question was skipped (pregnancy, when sex is not given);
- an `and` of these gives enableBehavior "all", an `or` gives "any" (nested ones of the same
  kind are flattened);
- what cannot be expressed is dropped so that the form asks at least as often as backpain: a
  part of an `and` that is an `or` or `atleast` is left out; an `or` with an `and` or `atleast`
  inside, or an `atleast`, gives no enableWhen at all (the question is always asked).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..answers import FORMAT_VERSION
from ..engine import Assessment
from ..expr import Expr, Node
from ..knowledge import Question, Questions, load_questions
from ._shared import LEVEL_NAMES, LEVEL_WORDS, NONE_OF_THESE, asked, enabled, made_at, selected

BASE = "https://backpain.invalid/fhir"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/backpain-answers-v{FORMAT_VERSION}"
CODE_SYSTEM = f"{BASE}/CodeSystem/"
NONE_SYSTEM = f"{BASE}/CodeSystem/none-of-these"
ASSESSMENT_EXTENSION = f"{BASE}/StructureDefinition/assessment"
URGENCY_EXTENSION = f"{BASE}/StructureDefinition/urgency"
HL7_EXTENSION = "http://hl7.org/fhir/StructureDefinition/"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
#: answers-format question types -> FHIR R4 Questionnaire item types
ITEM_TYPE = {"int": "integer", "number": "decimal", "choice": "choice", "multi": "choice"}
NONE_CODING = {"system": NONE_SYSTEM, "code": "none", "display": NONE_OF_THESE}


def render(
    assessment: Assessment, *, color: bool = False, width: int = 80, made: datetime | None = None
) -> str:
    """The QuestionnaireResponse as JSON, authored `made` (default now); `color` and `width` do
    not apply."""
    data = questionnaire_response(assessment, made=made)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# -- the QuestionnaireResponse ------------------------------------------------------------------


def questionnaire_response(
    assessment: Assessment, questions: Questions | None = None, made: datetime | None = None
) -> dict[str, Any]:
    questions = questions or load_questions()
    authored = (made or made_at()).isoformat(timespec="seconds")
    return {
        "resourceType": "QuestionnaireResponse",
        "language": "en",
        "contained": [risk_assessment(assessment)],
        "extension": [
            {"url": ASSESSMENT_EXTENSION, "valueReference": {"reference": "#assessment"}}
        ],
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "authored": authored,
        "item": _items(assessment, questions),
    }


def _items(assessment: Assessment, questions: Questions) -> list[dict[str, Any]]:
    answers = assessment.answers
    numbers = dict(answers.numbers)
    items: list[dict[str, Any]] = []
    for question in questions.questions:
        if not asked(question) or question.key not in answers.values:
            continue
        value = answers.values[question.key]
        found: list[dict[str, Any]]
        if question.type == "int":
            found = [{"valueInteger": int(value)}]
        elif question.type == "number":
            found = [{"valueDecimal": value}]
        else:
            found = [
                {"valueCoding": _coding(question, cid, questions)}
                for cid in selected(question, value)
            ]
            if not found and question.type == "multi" and enabled(question, answers.facts, numbers):
                found = [{"valueCoding": dict(NONE_CODING)}]
        if found:
            items.append({"linkId": question.id, "text": question.prompt, "answer": found})
    return items


def _coding(question: Question, cid: str, questions: Questions) -> dict[str, str]:
    return {
        "system": CODE_SYSTEM + question.key,
        "code": cid,
        "display": questions.labels[f"{question.key}.{cid}"],
    }


def risk_assessment(assessment: Assessment) -> dict[str, Any]:
    """The assessment as a RiskAssessment, to be contained (id "assessment")."""
    a = assessment
    symbol, word = LEVEL_NAMES[a.level]
    notes = [{"text": f"Urgency: {word} ({symbol}). {a.headline}."}]
    notes += [{"text": f"Why: {reason.text}"} for reason in a.reasons]
    notes.append({"text": a.disclaimer})
    predictions = []
    for cause in a.conditions:
        rationale = f"Usually needs: {LEVEL_WORDS[cause.urgency]}."
        if cause.because:
            rationale = f"Because you said: {'; '.join(cause.because)}. {rationale}"
        predictions.append(
            {
                "outcome": {
                    "coding": [
                        {
                            "system": CODE_SYSTEM + "condition",
                            "code": cause.id,
                            "display": cause.name,
                        }
                    ],
                    "text": cause.name,
                },
                "rationale": rationale,
            }
        )
    result: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": "assessment",
        "extension": [
            {
                "url": URGENCY_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [
                        {"system": CODE_SYSTEM + "urgency", "code": a.level, "display": word}
                    ],
                    "text": a.headline,
                },
            }
        ],
        "status": "final",
        "method": {"text": "backpain self-assessment rules: not a diagnosis"},
        "subject": {"display": "The person who answered the questionnaire"},
        "basis": [{"reference": "#"}],
        "mitigation": a.action,
        "note": notes,
    }
    if predictions:
        result["prediction"] = predictions
    return result


# -- the Questionnaire --------------------------------------------------------------------------


def questionnaire(questions: Questions | None = None) -> dict[str, Any]:
    """The FHIR R4 Questionnaire the QuestionnaireResponse answers (see the module docstring)."""
    questions = questions or load_questions()
    return {
        "resourceType": "Questionnaire",
        "id": f"backpain-answers-v{FORMAT_VERSION}",
        "language": "en",
        "url": QUESTIONNAIRE_URL,
        "version": str(FORMAT_VERSION),
        "name": "BackpainAnswers",
        "title": "Back pain self-assessment",
        "status": "draft",
        "subjectType": ["Patient"],
        "description": "The questions of the backpain self-assessment (answers format "
        f"v{FORMAT_VERSION}). The answers guide how soon to get help; they are not a diagnosis.",
        "item": [_question_item(q, questions) for q in questions.questions if asked(q)],
    }


def _question_item(question: Question, questions: Questions) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.id,
        "text": question.prompt,
        "type": ITEM_TYPE[question.type],
    }
    if question.type in ("int", "number"):
        kind = "valueInteger" if question.type == "int" else "valueDecimal"
        item["extension"] = [
            {"url": HL7_EXTENSION + "minValue", kind: _number(question, question.min)},
            {"url": HL7_EXTENSION + "maxValue", kind: _number(question, question.max)},
        ]
    if question.when is not None:
        conditions, behavior = enable_when(question.when, questions)
        if conditions:
            item["enableWhen"] = conditions
        if behavior:
            item["enableBehavior"] = behavior
    item["required"] = question.required
    item["repeats"] = question.type == "multi"
    if question.choices:
        item["answerOption"] = [
            {"valueCoding": _coding(question, choice.id, questions)} for choice in question.choices
        ]
        if question.type == "multi":
            exclusive = {
                "url": HL7_EXTENSION + "questionnaire-optionExclusive",
                "valueBoolean": True,
            }
            item["answerOption"].append(
                {"extension": [exclusive], "valueCoding": dict(NONE_CODING)}
            )
    if question.help:
        item["item"] = [
            {
                "linkId": f"{question.id}.help",
                "text": question.help,
                "type": "display",
                "extension": [
                    {
                        "url": HL7_EXTENSION + "questionnaire-itemControl",
                        "valueCodeableConcept": {
                            "coding": [
                                {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help"}
                            ]
                        },
                    }
                ],
            }
        ]
    return item


def _number(question: Question, value: float | None) -> int | float:
    assert value is not None
    return int(value) if question.type == "int" else value


# -- `when` -> enableWhen -----------------------------------------------------------------------

_NEGATE = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!="}
_FHIR_OP = {"==": "="}


def enable_when(condition: Expr, questions: Questions) -> tuple[list[dict[str, Any]], str | None]:
    """FHIR enableWhen conditions and enableBehavior for a `when` condition (module docstring),
    translated from the tree the condition language's own parser built.

    ([], None) means the question is always enabled.
    """
    node = condition.tree
    if node[0] in ("fact", "cmp", "not"):
        atom = _atom(node, questions)
        return ([atom], None) if atom else ([], None)
    if node[0] == "and":
        atoms = [_atom(part, questions) for part in _flatten(node)]
        kept = [atom for atom in atoms if atom is not None]
        return kept, ("all" if len(kept) > 1 else None)
    if node[0] == "or":
        parts = _flatten(node)
        atoms = [_atom(part, questions) for part in parts]
        if any(atom is None for atom in atoms):
            return [], None  # dropping part of an `or` would ask less often: ask always
        exact = [atom for atom in atoms if atom is not None]
        return exact, ("any" if len(exact) > 1 else None)
    return [], None  # atleast(...)


def _flatten(node: Node) -> list[Node]:
    parts: list[Node] = []
    for part in node[1]:
        parts += _flatten(part) if part[0] == node[0] else [part]
    return parts


def _atom(node: Node, questions: Questions) -> dict[str, Any] | None:
    """One enableWhen, or None when the node is not a (negated) fact or comparison."""
    negated = False
    while node[0] == "not":
        negated, node = not negated, node[1]
    if node[0] == "fact":
        _tag, key, cid = node
        question = next(q for q in questions.questions if q.key == key and cid in selected(q, cid))
        return {
            "question": question.id,
            "operator": "!=" if negated else "=",
            "answerCoding": _coding(question, cid, questions),
        }
    if node[0] == "cmp":
        _tag, key, op, number = node
        question = questions.keys[key]
        op = _NEGATE[op] if negated else op
        if question.type == "int":
            if number != int(number):
                return None
            answer: dict[str, Any] = {"answerInteger": int(number)}
        else:
            answer = {"answerDecimal": number}
        return {"question": question.id, "operator": _FHIR_OP.get(op, op), **answer}
    return None

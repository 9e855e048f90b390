"""The engine: answers in, assessment out. Pure: no I/O, no printing, no prompts.

    index.py       the knowledge base filed for assessing (built once per knowledge base), and
                   answers as one set of atoms (facts, and the comparisons that hold)
    decide.py      the one decision: level, likely causes, causes to rule out, advice
    assessment.py  the records an assessment is made of, and its JSON

`assess` gives the whole assessment a report is drawn from; `summarize` the compact form batch
writes for each line, from the same decision.
"""

from __future__ import annotations

from typing import Any

from ..answers import Answers
from ..expr import Expr
from ..knowledge import LEVEL_RANK, LEVELS, Knowledge, Questions, load_knowledge
from .assessment import (
    OUTPUT_VERSION,
    AdviceItem,
    Assessment,
    PossibleCause,
    Reason,
    RuleOut,
    SafetyNetGroup,
)
from .decide import Decision, decide
from .index import Index, index_of

__all__ = [
    "AdviceItem",
    "Assessment",
    "Decision",
    "PossibleCause",
    "Reason",
    "RuleOut",
    "SafetyNetGroup",
    "assess",
    "decision",
    "summarize",
    "urgency",
]

#: What a cause's usual urgency is called in a reason that rests on it.
_NEEDS = {
    "emergency": "emergency care now",
    "urgent": "a doctor today",
    "see_doctor_soon": "a doctor's appointment",
    "self_care": "self-care",
}


def decision(answers: Answers, kb: Knowledge | None = None) -> Decision:
    """The engine's decision about these answers, by number (what tests look inside)."""
    index = index_of(kb or load_knowledge())
    return decide(index.comparisons.atoms(answers.facts, answers.numbers), index)


def urgency(answers: Answers, kb: Knowledge | None = None) -> tuple[str, tuple[Reason, ...]]:
    """The level and the reasons for it, highest level first."""
    index = index_of(kb or load_knowledge())
    atoms = index.comparisons.atoms(answers.facts, answers.numbers)
    made = decide(atoms, index)
    return made.level, _reasons(atoms, answers, index, made)


def assess(answers: Answers, kb: Knowledge | None = None, region: str = "default") -> Assessment:
    """Assess validated answers against the knowledge base."""
    kb = kb or load_knowledge()
    index = index_of(kb)
    atoms = index.comparisons.atoms(answers.facts, answers.numbers)
    made = decide(atoms, index)
    place = kb.regions.get(region, kb.regions["default"])
    fill = {"emergency": place.emergency, "urgent": place.urgent}
    level = kb.levels[made.level]
    return Assessment(
        level=made.level,
        headline=level.headline.format(**fill),
        action=level.action.format(**fill),
        reasons=_reasons(atoms, answers, index, made),
        conditions=tuple(_possible_cause(atoms, index, made, c) for c in made.conditions),
        advice=tuple(_advice_item(kb, aid) for aid in made.advice),
        see_a_doctor=_safety_net(kb, made.level, fill),
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        library=kb.sources,
        rule_out=tuple(_rule_out(atoms, index, made, c) for c in made.rule_out),
    )


def summarize(answers: Answers, kb: Knowledge | None = None) -> dict[str, Any]:
    """`assess(answers, kb).to_summary()`, without the prose: what batch writes for a line."""
    index = index_of(kb or load_knowledge())
    atoms = index.comparisons.atoms(answers.facts, answers.numbers)
    made = decide(atoms, index)
    return {
        "version": OUTPUT_VERSION,
        "urgency": made.level,
        "reasons": [reason.rule for reason in _reasons(atoms, answers, index, made)],
        "conditions": [
            {
                "id": index.causes[c].id,
                "score": _score(made, c),
                "because": list(_because(atoms, index, made, c)),
            }
            for c in made.conditions
        ],
        "rule_out": [index.causes[c].id for c in made.rule_out],
        "advice": list(made.advice),
    }


def _reasons(
    atoms: frozenset[str], answers: Answers, index: Index, made: Decision
) -> tuple[Reason, ...]:
    """The rules fired, then the signs and likely causes that lift the level above them, each
    with the answers that made it hold."""
    reasons = [
        Reason(
            rule.id,
            rule.level,
            rule.reason,
            rule.sources,
            "rule",
            _said(rule.when, atoms, answers, index.kb.questions),
        )
        for rule in (index.rules[n] for n in made.fired)
    ]
    floor = max((LEVEL_RANK[r.level] for r in reasons), default=0)
    for sign in (index.signs[n] for n in made.matched):
        if LEVEL_RANK[sign.level] > floor:
            text = f"You told us about {sign.text}. That is a sign to get help at once."
            if sign.level != "emergency":
                text = f"You told us about {sign.text}. A doctor should check this."
            said = _said(sign.when, atoms, answers, index.kb.questions)
            reasons.append(Reason(sign.id, sign.level, text, sign.sources, "sign", said))
    for c in made.drivers:
        cause = index.causes[c]
        text = f"Your answers fit {cause.name}, which usually needs {_NEEDS[cause.urgency]}."
        said = tuple(_because(atoms, index, made, c))
        reasons.append(Reason(cause.id, cause.urgency, text, cause.sources, "cause", said))
    reasons.sort(key=lambda reason: -LEVEL_RANK[reason.level])
    return tuple(reasons)


def _said(
    when: Expr, atoms: frozenset[str], answers: Answers, questions: Questions
) -> tuple[str, ...]:
    """The answers a condition names that were given, in the person's words, in the order the
    questions ask them."""
    facts = when.facts & atoms
    keys = {key for key, _op, _value in when.numbers if key in answers.numbers}
    keys.update(fact.partition(".")[0] for fact in facts)
    found = []
    for key in sorted(keys, key=questions.order.__getitem__):
        if key in answers.numbers:
            found.append(questions.keys[key].quote(answers.numbers[key]))
        else:
            found += [
                questions.labels[f"{key}.{value}"]
                for value in questions.vocabulary[key]
                if f"{key}.{value}" in facts
            ]
    return tuple(found)


def _score(made: Decision, cause: int) -> float:
    score = made.scores[cause]
    assert score is not None  # a cause ruled out is never listed
    return score / 100


def _because(atoms: frozenset[str], index: Index, made: Decision, cause: int) -> list[str]:
    """The answers for a cause, strongest first; then, for a cause a rule points to, the
    answers that made the rule fire."""
    features = index.features
    found = list(dict.fromkeys(features[n][2] for n in made.present[cause] if features[n][1] > 0))
    names = index.kb.questions.labels
    for n in made.suspected.get(cause, ()):
        for fact in sorted(index.rules[n].when.facts & atoms):
            if names[fact] not in found:
                found.append(names[fact])
    return found


def _possible_cause(atoms: frozenset[str], index: Index, made: Decision, c: int) -> PossibleCause:
    cause = index.causes[c]
    return PossibleCause(
        cause.id,
        cause.name,
        _score(made, c),
        cause.urgency,
        cause.summary,
        tuple(_because(atoms, index, made, c)),
        tuple(
            dict.fromkeys(
                index.features[n][2] for n in made.present[c] if index.features[n][1] <= 0
            )
        ),
        tuple(index.rules[n].id for n in made.suspected.get(c, ())),
        cause.doctor_checks,
        cause.see_doctor,
        cause.sources,
        c in made.likely,
    )


def _rule_out(atoms: frozenset[str], index: Index, made: Decision, c: int) -> RuleOut:
    cause = index.causes[c]
    return RuleOut(
        cause.id,
        cause.name,
        cause.urgency,
        cause.summary,
        tuple(_because(atoms, index, made, c)),
        tuple(index.rules[n].id for n in made.suspected.get(c, ())),
        cause.urgent_if,
        cause.doctor_checks,
        cause.sources,
    )


def _advice_item(kb: Knowledge, aid: str) -> AdviceItem:
    item = kb.advice[aid]
    return AdviceItem(item.id, item.topic, item.title, item.text, item.grade, item.sources)


def _safety_net(kb: Knowledge, level: str, fill: dict[str, str]) -> tuple[SafetyNetGroup, ...]:
    """For each level above this one, most urgent first: what to do, and the signs that mean
    doing it."""
    groups = []
    for higher in reversed(LEVELS[LEVEL_RANK[level] + 1 :]):
        signs = tuple(sign.text for sign in kb.safety_net if sign.level == higher)
        if signs:
            groups.append(SafetyNetGroup(higher, kb.levels[higher].headline.format(**fill), signs))
    return tuple(groups)

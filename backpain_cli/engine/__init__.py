"""The engine: answers in, assessment out. Pure: no I/O, no printing, no prompts.

    index.py       the knowledge base filed for assessing (built once per knowledge base), and
                   answers as one set of atoms (facts, and the comparisons that hold)
    decide.py      the one decision: level, likely causes, causes to rule out, advice
    assessment.py  the records an assessment is made of, and its JSON

`assess` gives the whole assessment a report is drawn from; `summarize` the compact form batch
writes for each line, from the same decision.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from ..answers import Answers
from ..expr import Expr, atom
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
from .decide import SEE_DOCTOR, Decision, decide
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
        conditions=tuple(_possible_cause(atoms, answers, index, made, c) for c in made.conditions),
        advice=tuple(_advice_item(kb, aid) for aid in made.advice),
        see_a_doctor=_safety_net(kb, made.level, fill),
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        library=kb.sources,
        rule_out=tuple(_rule_out(atoms, answers, index, made, c) for c in made.rule_out),
    )


def summarize(answers: Answers, kb: Knowledge | None = None) -> dict[str, Any]:
    """`assess(answers, kb).to_summary()`, without the prose: what batch writes for a line."""
    index = index_of(kb or load_knowledge())
    atoms = index.comparisons.atoms(answers.facts, answers.numbers)
    made = decide(atoms, index)
    return {
        "version": OUTPUT_VERSION,
        "urgency": made.level,
        "reasons": [_reason_id(index, kind, n) for kind, n in _why(index, made)],
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


def _why(index: Index, made: Decision) -> list[tuple[str, int]]:
    """What the level rests on, highest level first: the rules fired, then the signs and the
    likely causes that lift it above them, as (kind, number)."""
    found = [("rule", n) for n in made.fired]
    floor = index.rule_rank[made.fired[0]] if made.fired else 0
    found += [("sign", n) for n in made.matched if index.sign_rank[n] > floor]
    found += [("cause", c) for c in made.drivers]
    found += [("check", c) for c in made.checks]
    rank = {"rule": index.rule_rank, "sign": index.sign_rank, "cause": index.urgency}
    rank["check"] = [SEE_DOCTOR] * len(index.causes)  # what a check asks for
    found.sort(key=lambda item: -rank[item[0]][item[1]])  # stable: each kind keeps its order
    return found


def _reason_id(index: Index, kind: str, n: int) -> str:
    if kind == "rule":
        return index.rules[n].id
    return index.signs[n].id if kind == "sign" else index.causes[n].id


def _reasons(
    atoms: frozenset[str], answers: Answers, index: Index, made: Decision
) -> tuple[Reason, ...]:
    """Why the level is what it is, each with the answers that made it hold."""
    questions = index.kb.questions
    reasons = []
    for kind, n in _why(index, made):
        if kind == "rule":
            rule = index.rules[n]
            said = _said(rule.when, atoms, answers, questions)
            reasons.append(Reason(rule.id, rule.level, rule.reason, rule.sources, kind, said))
        elif kind == "sign":
            # The sign's own text lists every way to have it: say only what was answered.
            sign = index.signs[n]
            said = _said(sign.when, atoms, answers, questions)
            tail = "That is a sign to get help at once."
            if sign.level != "emergency":
                tail = "A doctor should check this."
            text = f"You told us about {'; '.join(said)}. {tail}"
            reasons.append(Reason(sign.id, sign.level, text, sign.sources, kind, said))
        else:  # a likely cause ("cause") or a cause to rule out ("check")
            cause = index.causes[n]
            said = tuple(_because(atoms, index, made, n))
            if kind == "cause":
                level = cause.urgency
                text = f"Your answers fit {cause.name}, which usually needs {_NEEDS[level]}."
            else:
                level = LEVELS[SEE_DOCTOR]  # what a check asks for, as its rank in _why
                text = (
                    "Some of your answers can point to a cause a doctor should rule out: "
                    f"{cause.name}. It is not the most likely cause, but it needs checking."
                )
            reasons.append(Reason(cause.id, level, text, cause.sources, kind, said))
    return tuple(reasons)


def _said(
    when: Expr, atoms: frozenset[str], answers: Answers, questions: Questions
) -> tuple[str, ...]:
    """The answers a condition names that were given, in the person's words, in the order the
    questions ask them."""
    facts = when.facts & atoms
    # a number only where a comparison of it holds (age 30 is no reason for "50 or over")
    keys = {key for key, op, value in when.numbers if atom(key, op, value) in atoms}
    keys.update(fact.partition(".")[0] for fact in facts)
    found = []
    for key in sorted(keys, key=questions.order.__getitem__):
        if key in answers.numbers:
            found.append(questions.keys[key].quote(answers.numbers[key]))
        else:
            found += [
                questions.quoted[f"{key}.{value}"]
                for value in questions.vocabulary[key]
                if f"{key}.{value}" in facts
            ]
    return tuple(found)


def _score(made: Decision, cause: int) -> float:
    return made.scores[cause] / 100


def _present(index: Index, made: Decision, cause: int) -> list[int]:
    """The numbers of a cause's features present, strongest first."""
    first, last = index.first_feature[cause], index.first_feature[cause + 1]
    return made.present[bisect_left(made.present, first) : bisect_left(made.present, last)]


def _words(atoms: frozenset[str], index: Index, feature: int) -> list[str]:
    """A feature present, in words: for an `or` of answers, the ones given; else its label."""
    return [words for fact, words in index.said_as[feature][1] if fact is None or fact in atoms]


def _because(atoms: frozenset[str], index: Index, made: Decision, cause: int) -> list[str]:
    """The answers for a cause, strongest first, each once; then, for a cause a rule points
    to, the answers that made the rule fire."""
    features, said_as = index.features, index.said_as
    said: dict[str, None] = {}
    numbers: set[str] = set()
    for n in _present(index, made, cause):
        if features[n][1] <= 0:
            continue
        number, words = said_as[n]
        if number is not None:
            if number in numbers:
                continue  # each number said once: "age 65 or over", not also "age 50 or over"
            numbers.add(number)
        for fact, text in words:
            if fact is None or fact in atoms:
                said[text] = None
    found = list(said)
    names = index.kb.questions.quoted
    for n in made.suspected.get(cause, ()):
        for fact in sorted(index.rules[n].when.facts & atoms):
            if names[fact] not in found:
                found.append(names[fact])
    return found


def _possible_cause(
    atoms: frozenset[str], answers: Answers, index: Index, made: Decision, c: int
) -> PossibleCause:
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
                words
                for n in _present(index, made, c)
                if index.features[n][1] <= 0
                for words in _words(atoms, index, n)
            )
        ),
        tuple(index.rules[n].id for n in made.suspected.get(c, ())),
        cause.checks_for(answers.facts, answers.numbers),
        cause.see_doctor,
        cause.sources,
        c in made.likely,
    )


def _rule_out(
    atoms: frozenset[str], answers: Answers, index: Index, made: Decision, c: int
) -> RuleOut:
    cause = index.causes[c]
    return RuleOut(
        cause.id,
        cause.name,
        cause.urgency,
        cause.summary,
        tuple(_because(atoms, index, made, c)),
        tuple(index.rules[n].id for n in made.suspected.get(c, ())),
        cause.urgent_if,
        cause.checks_for(answers.facts, answers.numbers),
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

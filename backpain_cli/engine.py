"""The rule engine: answers in, assessment out. Pure: no I/O, no printing, no prompts.

Two separate questions, as in the design:
1. How urgent? Every urgency rule that fires sets a minimum level; the level is the highest of
   them (or self-care when none fires). Rules cannot use `not`, so adding an answer can only keep
   or raise the level.
2. What might it be? Each condition scores its prior plus the weights of the features present;
   conditions an urgency rule points to come first, then the rest by score. At most five are shown,
   each with the answers that raised it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .answers import Answers
from .knowledge import LEVEL_RANK, LEVELS, Condition, Knowledge, Rule, load_knowledge

#: At most this many possible causes are shown: a handful, never a long tail.
MAX_CONDITIONS = 5
#: A cause no rule points to is shown only when it scores at least this (ln odds, about 1 in 400)
MIN_SCORE = -6.0
#: ... and when the answers for it add up to at least this much evidence (a moderate likelihood
#: ratio, about 2.7), or it is common enough to be likely anyway (score above LIKELY_SCORE).
MIN_EVIDENCE = 1.0
LIKELY_SCORE = -1.0
#: Advice comes from the causes ranked this high.
ADVICE_FROM_TOP = 3
OUTPUT_VERSION = 1


@dataclass(frozen=True)
class Reason:
    rule: str
    level: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PossibleCause:
    id: str
    name: str
    score: float
    urgency: str
    summary: str
    because: tuple[str, ...]
    against: tuple[str, ...]
    suspected_by: tuple[str, ...]
    doctor_checks: tuple[str, ...]
    see_doctor: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AdviceItem:
    id: str
    topic: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SafetyNetGroup:
    level: str
    action: str
    signs: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    level: str
    headline: str
    action: str
    reasons: tuple[Reason, ...]
    conditions: tuple[PossibleCause, ...]
    advice: tuple[AdviceItem, ...]
    see_a_doctor: tuple[SafetyNetGroup, ...]
    region: str
    emergency_number: str
    disclaimer: str
    answers: Answers = field(repr=False)
    sources: dict[str, dict[str, str]] = field(repr=False, default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON output (version 1)."""
        return {
            "version": OUTPUT_VERSION,
            "urgency": {
                "level": self.level,
                "headline": self.headline,
                "action": self.action,
                "reasons": [asdict(reason) for reason in self.reasons],
            },
            "conditions": [asdict(cause) for cause in self.conditions],
            "advice": [asdict(item) for item in self.advice],
            "see_a_doctor": [asdict(group) for group in self.see_a_doctor],
            "emergency_number": self.emergency_number,
            "region": self.region,
            "disclaimer": self.disclaimer,
            "sources": self.sources,
            "answers": self.answers.to_dict(),
        }


def urgency(answers: Answers, kb: Knowledge) -> tuple[str, tuple[Rule, ...]]:
    """The level and the rules that set it, highest level first."""
    fired = tuple(
        sorted(
            (rule for rule in kb.rules if rule.when(answers.facts, answers.numbers)),
            key=lambda rule: -LEVEL_RANK[rule.level],
        )
    )
    level = fired[0].level if fired else LEVELS[0]
    return level, fired


def assess(answers: Answers, kb: Knowledge | None = None, region: str = "default") -> Assessment:
    """Assess validated answers against the knowledge base."""
    kb = kb or load_knowledge()
    place = kb.regions.get(region, kb.regions["default"])
    level, fired = urgency(answers, kb)
    causes = _rank(answers, kb, fired)
    fill = {"emergency": place.emergency, "urgent": place.urgent}
    chosen = _advice(answers, kb, level, causes)
    cited = {sid for rule in fired for sid in rule.sources}
    cited.update(sid for cause in causes for sid in cause.sources)
    cited.update(sid for item in chosen for sid in item.sources)
    return Assessment(
        level=level,
        headline=kb.levels[level].headline.format(**fill),
        action=kb.levels[level].action.format(**fill),
        reasons=tuple(Reason(r.id, r.level, r.reason, r.sources) for r in fired),
        conditions=causes,
        advice=chosen,
        see_a_doctor=_safety_net(kb, level, fill),
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        sources={
            sid: {"citation": kb.sources[sid].citation, "url": kb.sources[sid].url}
            for sid in sorted(cited)
        },
    )


def score(condition: Condition, answers: Answers) -> tuple[float, list[str], list[str]]:
    """A condition's score with the labels of the answers for and against it."""
    total, because, against, _evidence = _score(condition, answers)
    return total, because, against


def _score(condition: Condition, answers: Answers) -> tuple[float, list[str], list[str], float]:
    total = condition.prior
    weighted_for: list[tuple[float, str]] = []
    weighted_against: list[tuple[float, str]] = []
    for feature in condition.features:
        if feature.when(answers.facts, answers.numbers):
            total += feature.weight
            bucket = weighted_for if feature.weight > 0 else weighted_against
            bucket.append((abs(feature.weight), feature.label))
    because = [label for _weight, label in sorted(weighted_for, key=lambda item: -item[0])]
    against = [label for _weight, label in sorted(weighted_against, key=lambda item: -item[0])]
    evidence = sum(weight for weight, _label in weighted_for)
    return total, because, against, evidence


def _rank(answers: Answers, kb: Knowledge, fired: tuple[Rule, ...]) -> tuple[PossibleCause, ...]:
    suspected: dict[str, list[Rule]] = {}
    for rule in fired:
        for cid in rule.suspects:
            suspected.setdefault(cid, []).append(rule)
    candidates: list[tuple[tuple[int, float], PossibleCause]] = []
    for condition in kb.conditions.values():
        if any(ex(answers.facts, answers.numbers) for ex in condition.exclude):
            continue
        total, because, against, evidence = _score(condition, answers)
        rules = suspected.get(condition.id, [])
        enough = evidence >= MIN_EVIDENCE or total >= LIKELY_SCORE
        if not rules and (not because or total < MIN_SCORE or not enough):
            continue
        if not because:
            because = _rule_labels(rules, answers, kb)
        rank = max((LEVEL_RANK[rule.level] for rule in rules), default=-1)
        cause = PossibleCause(
            id=condition.id,
            name=condition.name,
            score=round(total, 2),
            urgency=condition.urgency,
            summary=condition.summary,
            because=tuple(because),
            against=tuple(against),
            suspected_by=tuple(rule.id for rule in rules),
            doctor_checks=condition.doctor_checks,
            see_doctor=condition.see_doctor,
            sources=condition.sources,
        )
        candidates.append(((rank, total), cause))
    candidates.sort(key=lambda item: item[0], reverse=True)
    return tuple(cause for _key, cause in candidates[:MAX_CONDITIONS])


def _rule_labels(rules: list[Rule], answers: Answers, kb: Knowledge) -> list[str]:
    labels: list[str] = []
    for rule in rules:
        for fact in sorted(rule.when.facts & answers.facts):
            label = kb.questions.labels[fact]
            if label not in labels:
                labels.append(label)
    return labels


def _advice(
    answers: Answers, kb: Knowledge, level: str, causes: tuple[PossibleCause, ...]
) -> tuple[AdviceItem, ...]:
    wanted: list[str] = []
    for cause in causes[:ADVICE_FROM_TOP]:
        wanted.extend(kb.conditions[cause.id].advice)
    wanted.extend(aid for aid, advice in kb.advice.items() if advice.general or advice.when)
    chosen: dict[str, AdviceItem] = {}
    for aid in wanted:
        advice = kb.advice[aid]
        if aid in chosen or level not in advice.levels:
            continue
        if advice.when is not None and not advice.when(answers.facts, answers.numbers):
            continue
        chosen[aid] = AdviceItem(
            advice.id, advice.topic, advice.title, advice.text, advice.grade, advice.sources
        )
    return tuple(chosen.values())


def _safety_net(kb: Knowledge, level: str, fill: dict[str, str]) -> tuple[SafetyNetGroup, ...]:
    groups = []
    for higher in LEVELS[LEVEL_RANK[level] + 1 :]:
        signs = tuple(item.text for item in kb.safety_net if item.level == higher)
        if signs:
            groups.append(SafetyNetGroup(higher, kb.levels[higher].headline.format(**fill), signs))
    return tuple(reversed(groups))

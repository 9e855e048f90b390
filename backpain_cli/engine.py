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

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, TypeVar

from .answers import Answers
from .expr import Expr
from .knowledge import (
    LEVEL_RANK,
    LEVELS,
    Condition,
    Feature,
    Knowledge,
    Region,
    Rule,
    Source,
    load_knowledge,
)

#: At most this many possible causes are shown: a handful, never a long tail.
MAX_CONDITIONS = 5
#: A cause no rule points to is shown only when it scores at least this (ln odds, about 1 in 400)
MIN_SCORE = -6.0
#: ... and when the answers for it add up to at least this much evidence (a likelihood ratio of
#: about 2), or it is common enough to be likely anyway (score above LIKELY_SCORE). Only
#: clinical answers count as evidence here: who the person is (age, sex) and where it hurts
#: (side, area) shape the score but cannot put a rare cause on the list alone.
MIN_EVIDENCE = 0.75
LIKELY_SCORE = -1.0
CONTEXT_KEYS = frozenset({"age", "sex", "side", "area"})
#: Advice comes from the causes ranked this high.
ADVICE_FROM_TOP = 3
OUTPUT_VERSION = 1
T = TypeVar("T")


class Reason(NamedTuple):
    rule: str
    level: str
    text: str
    sources: tuple[str, ...]


class PossibleCause(NamedTuple):
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


class AdviceItem(NamedTuple):
    id: str
    topic: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]


class SafetyNetGroup(NamedTuple):
    level: str
    action: str
    signs: tuple[str, ...]


class Assessment(NamedTuple):
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
    answers: Answers
    cited: tuple[str, ...] = ()
    library: Mapping[str, Source] = MappingProxyType({})

    @property
    def sources(self) -> dict[str, dict[str, str]]:
        """Every source cited in this assessment: id -> citation and url."""
        return {
            sid: {"citation": self.library[sid].citation, "url": self.library[sid].url}
            for sid in self.cited
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON output (version 1)."""
        return {
            "version": OUTPUT_VERSION,
            "urgency": {
                "level": self.level,
                "headline": self.headline,
                "action": self.action,
                "reasons": [
                    {"rule": r.rule, "level": r.level, "text": r.text, "sources": list(r.sources)}
                    for r in self.reasons
                ],
            },
            "conditions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "score": c.score,
                    "urgency": c.urgency,
                    "summary": c.summary,
                    "because": list(c.because),
                    "against": list(c.against),
                    "suspected_by": list(c.suspected_by),
                    "doctor_checks": list(c.doctor_checks),
                    "see_doctor": c.see_doctor,
                    "sources": list(c.sources),
                }
                for c in self.conditions
            ],
            "advice": [
                {
                    "id": a.id,
                    "topic": a.topic,
                    "title": a.title,
                    "text": a.text,
                    "grade": a.grade,
                    "sources": list(a.sources),
                }
                for a in self.advice
            ],
            "see_a_doctor": [
                {"level": g.level, "action": g.action, "signs": list(g.signs)}
                for g in self.see_a_doctor
            ],
            "emergency_number": self.emergency_number,
            "region": self.region,
            "disclaimer": self.disclaimer,
            "sources": self.sources,
            "answers": self.answers.to_dict(),
        }

    def to_summary(self) -> dict[str, Any]:
        """A compact form for cohorts: the same decisions, with ids instead of prose."""
        return {
            "version": OUTPUT_VERSION,
            "urgency": self.level,
            "reasons": [r.rule for r in self.reasons],
            "conditions": [
                {"id": c.id, "score": c.score, "because": list(c.because)} for c in self.conditions
            ],
            "advice": [a.id for a in self.advice],
        }


class _Index:
    """The knowledge base arranged for speed. A condition without `not` or numbers can only hold
    when one of its facts was answered, so each is filed under its facts and tested only when
    one of them is present; the few with `not` or numbers are tested every time."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.conditions = list(kb.conditions.values())
        self.priors = [c.prior for c in self.conditions]
        self.position = {c.id: position for position, c in enumerate(self.conditions)}
        # Strongest first within each condition, so "because" lists come out in order unsorted.
        # Each item: (position of its condition, the feature, whether it is clinical evidence).
        features = [
            (p, f, _is_clinical(f.when))
            for p, c in enumerate(self.conditions)
            for f in sorted(c.features, key=lambda f: -abs(f.weight))
        ]
        self.features = _Filed(features, lambda item: item[1].when)
        self.rules = _Filed(list(kb.rules), lambda rule: rule.when)
        self._wording: dict[tuple[str, str], tuple[str, str, tuple[SafetyNetGroup, ...]]] = {}

    def wording(self, level: str, place: Region) -> tuple[str, str, tuple[SafetyNetGroup, ...]]:
        """Headline, action and safety net for a level in a region (the same for everyone)."""
        key = (level, place.id)
        if key not in self._wording:
            fill = {"emergency": place.emergency, "urgent": place.urgent}
            self._wording[key] = (
                self.kb.levels[level].headline.format(**fill),
                self.kb.levels[level].action.format(**fill),
                _safety_net(self.kb, level, fill),
            )
        return self._wording[key]


class _Filed(Generic[T]):
    """Items with a condition, filed for `matching(facts, numbers)`."""

    def __init__(self, items: list[T], condition: Callable[[T], Expr]) -> None:
        self.items = items
        self.conditions = [condition(item) for item in items]
        self.single: dict[str, list[int]] = {}  # the condition is this one fact
        self.mentions: dict[str, list[int]] = {}  # may hold only if this fact or number is given
        self.always: list[int] = []  # has `not`: may hold with nothing given
        for number, expr in enumerate(self.conditions):
            fact = expr.single_fact
            if fact is not None:
                self.single.setdefault(fact, []).append(number)
            elif expr.negated:
                self.always.append(number)
            else:
                keys = {f"{key}#" for key, _op, _value in expr.numbers}
                for mentioned in expr.facts | keys:
                    self.mentions.setdefault(mentioned, []).append(number)

    def matching(self, facts: frozenset[str], numbers: Mapping[str, float]) -> list[T]:
        found = [n for fact in facts for n in self.single.get(fact, ())]
        maybe = {n for fact in facts for n in self.mentions.get(fact, ())}
        maybe.update(n for key in numbers for n in self.mentions.get(f"{key}#", ()))
        maybe.update(self.always)
        found += [n for n in maybe if self.conditions[n].test(facts, numbers)]
        found.sort()
        return [self.items[n] for n in found]


def _is_clinical(when: Expr) -> bool:
    """Does the condition mention anything beyond who the person is and where it hurts?"""
    keys = {fact.split(".")[0] for fact in when.facts} | {key for key, _, _ in when.numbers}
    return not keys <= CONTEXT_KEYS


_INDEXES: dict[int, _Index] = {}


def _index(kb: Knowledge) -> _Index:
    index = _INDEXES.get(id(kb))
    if index is None or index.kb is not kb:
        index = _INDEXES[id(kb)] = _Index(kb)
    return index


def urgency(answers: Answers, kb: Knowledge) -> tuple[str, tuple[Rule, ...]]:
    """The level and the rules that set it, highest level first."""
    index = _index(kb)
    fired = index.rules.matching(answers.facts, answers.numbers)
    fired.sort(key=lambda rule: -LEVEL_RANK[rule.level])  # stable: data order within a level
    level = fired[0].level if fired else LEVELS[0]
    return level, tuple(fired)


def assess(answers: Answers, kb: Knowledge | None = None, region: str = "default") -> Assessment:
    """Assess validated answers against the knowledge base."""
    kb = kb or load_knowledge()
    index = _index(kb)
    place = kb.regions.get(region, kb.regions["default"])
    level, fired = urgency(answers, kb)
    causes = _rank(answers, kb, fired)
    chosen = _advice(answers, kb, level, causes)
    cited = {sid for rule in fired for sid in rule.sources}
    cited.update(sid for cause in causes for sid in cause.sources)
    cited.update(sid for item in chosen for sid in item.sources)
    headline, action, net = index.wording(level, place)
    return Assessment(
        level=level,
        headline=headline,
        action=action,
        reasons=tuple(Reason(r.id, r.level, r.reason, r.sources) for r in fired),
        conditions=causes,
        advice=chosen,
        see_a_doctor=net,
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        cited=tuple(sorted(cited)),
        library=kb.sources,
    )


def score(condition: Condition, answers: Answers) -> tuple[float, list[str], list[str]]:
    """A condition's score with the labels of the answers for and against it."""
    total = condition.prior
    present = [f for f in condition.features if f.when(answers.facts, answers.numbers)]
    total += sum(f.weight for f in present)
    return total, _labels(present, positive=True), _labels(present, positive=False)


def _labels(features: list[Feature], positive: bool) -> list[str]:
    """Labels of the features for (or against) a cause, strongest first."""
    chosen = [f for f in features if (f.weight > 0) == positive]
    chosen.sort(key=lambda f: -abs(f.weight))  # already in order from the index: cheap
    return [f.label for f in chosen]


def _rank(answers: Answers, kb: Knowledge, fired: tuple[Rule, ...]) -> tuple[PossibleCause, ...]:
    index = _index(kb)
    facts, numbers = answers.facts, answers.numbers
    totals = list(index.priors)
    evidence = [0.0] * len(totals)
    present: dict[int, list[Feature]] = {}
    for position, feature, clinical in index.features.matching(facts, numbers):
        totals[position] += feature.weight
        if clinical and feature.weight > 0:
            evidence[position] += feature.weight
        present.setdefault(position, []).append(feature)

    suspected: dict[str, list[Rule]] = {}
    for rule in fired:
        for cid in rule.suspects:
            suspected.setdefault(cid, []).append(rule)
    candidates: list[tuple[int, int, float, int]] = []
    for position in set(present) | {index.position[cid] for cid in suspected}:
        condition = index.conditions[position]
        rules = suspected.get(condition.id)
        if not rules:
            total = totals[position]
            if evidence[position] <= 0 or total < MIN_SCORE:
                continue
            if evidence[position] < MIN_EVIDENCE and total < LIKELY_SCORE:
                continue
        if condition.exclude and any(ex.test(facts, numbers) for ex in condition.exclude):
            continue
        rank, votes = -1, 0
        if rules:
            rank = max(LEVEL_RANK[rule.level] for rule in rules)
            votes = sum(1 for rule in rules if LEVEL_RANK[rule.level] == rank)
        candidates.append((rank, votes, totals[position], -position))
    # Most urgent suspicion first, then the number of red flags at that level pointing to it,
    # then the score, then the order of the data.
    candidates.sort(reverse=True)

    causes = []
    for _, _, total, negative_position in candidates[:MAX_CONDITIONS]:
        position = -negative_position
        condition = index.conditions[position]
        rules = suspected.get(condition.id, [])
        features = present.get(position, [])
        because = _labels(features, positive=True) or _rule_labels(rules, answers, kb)
        causes.append(
            PossibleCause(
                id=condition.id,
                name=condition.name,
                score=round(total, 2),
                urgency=condition.urgency,
                summary=condition.summary,
                because=tuple(because),
                against=tuple(_labels(features, positive=False)),
                suspected_by=tuple(rule.id for rule in rules),
                doctor_checks=condition.doctor_checks,
                see_doctor=condition.see_doctor,
                sources=condition.sources,
            )
        )
    return tuple(causes)


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
    # Advice follows the cause: when a red flag points to a cause, the self-care of milder causes
    # ranked below it (manual therapy beside a suspected fracture, say) is left out.
    suspected = [cause for cause in causes if cause.suspected_by]
    pool = suspected or list(causes[:ADVICE_FROM_TOP])
    in_pool = {cause.id for cause in pool}
    wanted: list[str] = []
    for cause in pool:
        wanted.extend(kb.conditions[cause.id].advice)
    wanted.extend(aid for aid, advice in kb.advice.items() if advice.general or advice.when)
    chosen: dict[str, AdviceItem] = {}
    for aid in wanted:
        advice = kb.advice[aid]
        if aid in chosen or level not in advice.levels:
            continue
        if advice.when is not None and not advice.when(answers.facts, answers.numbers):
            continue
        if advice.unless is not None and advice.unless(answers.facts, answers.numbers):
            continue
        if in_pool.intersection(advice.avoid_with):
            continue  # wrong for a cause this advice would sit beside
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

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

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .answers import Answers
from .expr import OPERATORS, AtomPredicate, Expr, atom
from .knowledge import (
    LEVEL_RANK,
    LEVELS,
    Condition,
    Knowledge,
    Region,
    Rule,
    Source,
    load_knowledge,
    prepared,
)
from .records import Record

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

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


class Reason(Record):
    rule: str
    level: str
    text: str
    sources: tuple[str, ...]


class PossibleCause(Record):
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


class AdviceItem(Record):
    id: str
    topic: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]


class SafetyNetGroup(Record):
    level: str
    action: str
    signs: tuple[str, ...]


class Assessment(Record):
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
    library: Mapping[str, Source] = MappingProxyType({})

    @property
    def cited(self) -> tuple[str, ...]:
        """The ids of every source the reasons, causes and advice rest on, sorted."""
        cited = {sid for reason in self.reasons for sid in reason.sources}
        cited.update(sid for cause in self.conditions for sid in cause.sources)
        cited.update(sid for item in self.advice for sid in item.sources)
        return tuple(sorted(cited))

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
        """A compact form for cohorts: the same decisions, with ids instead of prose (what
        `summarize` makes straight from the answers)."""
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
    """The knowledge base arranged for speed, built once per knowledge base.

    Conditions are evaluated over atoms: the facts answered plus the comparisons that hold
    (`expr.atom`), looked up by value in `_Comparisons`. Each condition is filed under its
    trigger atoms (one of which must be present for it to hold), so an assessment tests only
    the few conditions its answers could make true.
    """

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.conditions = list(kb.conditions.values())
        self.priors = [c.prior for c in self.conditions]
        self.position = {c.id: position for position, c in enumerate(self.conditions)}
        # Rules in the order a report lists them: highest level first, then data order.
        self.rules = sorted(kb.rules, key=lambda rule: -LEVEL_RANK[rule.level])
        self.reasons = [Reason(r.id, r.level, r.reason, r.sources) for r in self.rules]
        self.rule_rank = [LEVEL_RANK[r.level] for r in self.rules]
        self.rule_suspects = [tuple(self.position[c] for c in r.suspects) for r in self.rules]
        self.fired = _Filed(list(enumerate(rule.when for rule in self.rules)))
        # Features strongest first within each condition, so that "because" lists come out in
        # order from sorted feature numbers.
        features = [
            (p, f)
            for p, c in enumerate(self.conditions)
            for f in sorted(c.features, key=lambda f: -abs(f.weight))
        ]
        self.feature_position = [p for p, _ in features]
        #: the number of each condition's first feature (and one past the end)
        self.first_feature = [self.feature_position.index(p) for p in range(len(self.conditions))]
        self.first_feature.append(len(features))
        self.feature_weight = [f.weight for _, f in features]
        self.feature_label = [f.label for _, f in features]
        #: the label of each feature that counts for its cause (weight > 0), else ""
        self.label_for = [f.label if f.weight > 0 else "" for _, f in features]
        # Only clinical answers count as evidence, and only for (weight > 0) a cause.
        clinical = [_is_clinical(f.when) for _, f in features]
        self.feature_evidence = [
            f.weight > 0 and c for (_, f), c in zip(features, clinical, strict=True)
        ]
        # Features about who the person is and where it hurts (age, sex, side, area) are the
        # same for everyone with that context: worked out once per context, and kept.
        self.present = _Filed([(n, f.when) for n, (_, f) in enumerate(features) if clinical[n]])
        self.context = _Filed([(n, f.when) for n, (_, f) in enumerate(features) if not clinical[n]])
        self.context_atoms = frozenset(
            name
            for condition in self.context.conditions
            for name in condition.facts | {atom(*c) for c in condition.numbers}
        )
        self.context_parts: dict[frozenset[str], tuple[list[float], list[int]]] = {}
        self.exclude = [c.exclude for c in self.conditions]
        # For each level (by rank), each condition's advice given at that level, in order, and
        # last the advice for everyone (general, or given on a `when`): each as its id, its
        # `when` and `unless` tests, the causes it must not sit beside, and the item a report
        # shows.
        plan = {
            a.id: (
                a.id,
                a.when,
                a.unless,
                frozenset(a.avoid_with),
                AdviceItem(a.id, a.topic, a.title, a.text, a.grade, a.sources),
            )
            for a in kb.advice.values()
        }
        for_all = [aid for aid, a in kb.advice.items() if a.general or a.when]
        self.advice_plans = [
            [
                [plan[aid] for aid in ids if level in kb.advice[aid].levels]
                for ids in [*(c.advice for c in self.conditions), for_all]
            ]
            for level in LEVELS
        ]
        expressions = [rule.when for rule in kb.rules] + [f.when for _, f in features]
        expressions += [ex for c in self.conditions for ex in c.exclude]
        expressions += [e for a in kb.advice.values() for e in (a.when, a.unless) if e]
        self.comparisons = _Comparisons(c for e in expressions for c in e.numbers)
        self._wording: dict[tuple[str, str], tuple[str, str, tuple[SafetyNetGroup, ...]]] = {}

    def context_part(self, atoms: frozenset[str]) -> tuple[list[float], list[int]]:
        """The scores of every condition from its prior and the context features present, and
        those features' numbers, for the context (age, sex, side, area) in these atoms."""
        context = atoms & self.context_atoms
        part = self.context_parts.get(context)
        if part is None:
            totals = list(self.priors)
            present = self.context.matching(context)
            for n in present:
                totals[self.feature_position[n]] += self.feature_weight[n]
            if len(self.context_parts) >= 10_000:  # a bound; contexts number a few thousand
                self.context_parts.clear()
            part = self.context_parts[context] = (totals, present)
        return part

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


class _Comparisons:
    """Every comparison the knowledge base makes (`age >= 50`), by key, so that the atoms that
    hold for a value are one lookup: the thresholds of a key split the numbers into regions
    (below the first, at it, between it and the next, ...) on each of which every comparison
    keeps one truth value."""

    def __init__(self, comparisons: Iterable[tuple[str, str, float]]) -> None:
        by_key: dict[str, set[tuple[str, float]]] = {}
        for key, op, value in comparisons:
            by_key.setdefault(key, set()).add((op, value))
        self.tables: dict[str, tuple[list[float], list[frozenset[str]]]] = {}
        for key, made in by_key.items():
            thresholds = sorted({value for _op, value in made})
            samples: list[float] = []
            for i, value in enumerate(thresholds):
                below = thresholds[i - 1] if i else value - 1
                samples += [(below + value) / 2, value]
            samples.append(thresholds[-1] + 1)
            self.tables[key] = (
                thresholds,
                [
                    frozenset(atom(key, op, value) for op, value in made if OPERATORS[op](x, value))
                    for x in samples
                ],
            )

    def atoms(self, answers: Answers) -> frozenset[str]:
        """The facts answered and the atoms of the comparisons that hold."""
        holding = self.holding(answers.numbers)
        return answers.facts | holding if holding else answers.facts

    def holding(self, numbers: Mapping[str, float]) -> frozenset[str]:
        """The atoms of the comparisons that hold for these numbers."""
        found = []
        for key, value in numbers.items():
            table = self.tables.get(key)
            if table is not None:
                thresholds, regions = table
                i = bisect_left(thresholds, value)
                at = i < len(thresholds) and thresholds[i] == value
                found.append(regions[2 * i + 1 if at else 2 * i])
        return frozenset().union(*found)


class _Filed:
    """Numbered conditions filed for `matching(atoms)`: the numbers of those that hold, in
    order. `exact` holds numbers; `maybe`, `always` and `holds` go by place in the list."""

    def __init__(self, conditions: list[tuple[int, Expr]]) -> None:
        self.conditions = [condition for _number, condition in conditions]
        self.numbers = [number for number, _condition in conditions]
        #: compiled tests, filled in as each is first needed (a start pays only for those)
        self.holds: list[AtomPredicate | None] = [None] * len(conditions)
        # atom -> conditions that hold whenever it is present (the condition is that atom, or
        # an `or` of atoms: present with any of them)
        self.exact: dict[str, list[int]] = {}
        self.maybe: dict[str, list[int]] = {}  # atom -> conditions to test when it is present
        self.always: list[int] = []  # has `not`: may hold with nothing given
        for local, (number, condition) in enumerate(conditions):
            trigger = condition.trigger
            if trigger is None:
                self.always.append(local)
                continue
            if _any_of_atoms(condition.tree):
                for name in trigger:
                    self.exact.setdefault(name, []).append(number)
            else:
                for name in trigger:
                    self.maybe.setdefault(name, []).append(local)
        self.filed = frozenset(self.exact) | frozenset(self.maybe)

    def matching(self, atoms: frozenset[str]) -> list[int]:
        exact, maybe, holds = self.exact, self.maybe, self.holds
        filed = atoms & self.filed  # in C: the atoms answered that anything here is filed under
        found = {n for name in filed if name in exact for n in exact[name]}
        tested = {n for name in filed if name in maybe for n in maybe[name]}
        tested.update(self.always)
        for local in tested:
            test = holds[local]
            if test is None:
                test = holds[local] = self.conditions[local].holds
            if test(atoms):
                found.add(self.numbers[local])
        return sorted(found)


def _any_of_atoms(tree: tuple[Any, ...]) -> bool:
    """Is the condition one atom, or an `or` of atoms (true exactly when one is present)?"""
    if tree[0] in ("fact", "cmp"):
        return True
    return tree[0] == "or" and all(part[0] in ("fact", "cmp") for part in tree[1])


def _is_clinical(when: Expr) -> bool:
    """Does the condition mention anything beyond who the person is and where it hurts?"""
    keys = {fact.split(".")[0] for fact in when.facts} | {key for key, _, _ in when.numbers}
    return not keys <= CONTEXT_KEYS


_INDEXES: dict[int, _Index] = {}


def _index(kb: Knowledge) -> _Index:
    index = _INDEXES.get(id(kb))
    if index is None or index.kb is not kb:
        index = prepared(kb, "index")  # built with the installed knowledge base
        if not isinstance(index, _Index) or index.kb is not kb:
            index = _Index(kb)
        _INDEXES[id(kb)] = index
    return index


def compile_knowledge(root: Traversable) -> bytes:
    """The knowledge base in `root` (TOML), loaded and checked, with the engine's index of it,
    as the bytes of knowledge.COMPILED: what the wheel build hook ships for a fast start."""
    import pickle

    kb = load_knowledge(root)
    return pickle.dumps({"knowledge": kb, "index": _Index(kb)}, protocol=5)


def urgency(answers: Answers, kb: Knowledge) -> tuple[str, tuple[Rule, ...]]:
    """The level and the rules that set it, highest level first."""
    index = _index(kb)
    level, fired = _urgency(index.comparisons.atoms(answers), index)
    return level, tuple(index.rules[n] for n in fired)


def _urgency(atoms: frozenset[str], index: _Index) -> tuple[str, list[int]]:
    """The level and the numbers of the rules that fired, in report order (highest level
    first): the level is the first one's, or self-care when none fired."""
    fired = index.fired.matching(atoms)
    return (index.rules[fired[0]].level if fired else LEVELS[0]), fired


def assess(answers: Answers, kb: Knowledge | None = None, region: str = "default") -> Assessment:
    """Assess validated answers against the knowledge base."""
    kb = kb or load_knowledge()
    index = _index(kb)
    place = kb.regions.get(region, kb.regions["default"])
    level, fired, shown, chosen = _decide(answers, index)
    headline, action, net = index.wording(level, place)
    return Assessment(
        level=level,
        headline=headline,
        action=action,
        reasons=tuple(index.reasons[n] for n in fired),
        conditions=tuple(_possible_cause(answers, index, cause) for cause in shown),
        advice=chosen,
        see_a_doctor=net,
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        library=kb.sources,
    )


def summarize(answers: Answers, kb: Knowledge | None = None) -> dict[str, Any]:
    """`assess(answers, kb).to_summary()`, without building the report around it: what batch
    writes for each line."""
    index = _index(kb or load_knowledge())
    level, fired, shown, chosen = _decide(answers, index)
    rules, conditions = index.rules, index.conditions
    return {
        "version": OUTPUT_VERSION,
        "urgency": level,
        "reasons": [rules[n].id for n in fired],
        "conditions": [
            {
                "id": conditions[cause[0]].id,
                "score": round(cause[1], 2),
                "because": _because(answers, index, cause),
            }
            for cause in shown
        ],
        "advice": [item.id for item in chosen],
    }


#: A cause chosen to be shown, as the engine found it: its place in index.conditions, its score,
#: the features present (strongest first) and the fired rules pointing to it (most urgent first).
#: A plain tuple: one is made for every cause shown in every assessment.
_Shown = tuple[int, float, list[int], list[int]]


def _decide(
    answers: Answers, index: _Index
) -> tuple[str, list[int], list[_Shown], tuple[AdviceItem, ...]]:
    """The level, the rules fired (report order), the causes shown and the advice chosen."""
    atoms = index.comparisons.atoms(answers)
    level, fired = _urgency(atoms, index)
    shown = _rank(atoms, index, fired)
    return level, fired, shown, _advice(atoms, index, level, shown)


def _possible_cause(answers: Answers, index: _Index, cause: _Shown) -> PossibleCause:
    position, total, features, pointing = cause
    condition = index.conditions[position]
    weights, labels = index.feature_weight, index.feature_label
    return PossibleCause(
        condition.id,
        condition.name,
        round(total, 2),
        condition.urgency,
        condition.summary,
        tuple(_because(answers, index, cause)),
        tuple(labels[n] for n in features if weights[n] <= 0),
        tuple(index.rules[n].id for n in pointing),
        condition.doctor_checks,
        condition.see_doctor,
        condition.sources,
    )


def _because(answers: Answers, index: _Index, cause: _Shown) -> list[str]:
    """The answers for a cause, strongest first; for a cause only a rule points to, the
    answers that made the rule fire."""
    for_it = index.label_for
    found = [for_it[n] for n in cause[2] if for_it[n]]
    if found or not cause[3]:
        return found
    names = index.kb.questions.labels
    for n in cause[3]:
        for fact in sorted(index.rules[n].when.facts & answers.facts):
            if names[fact] not in found:
                found.append(names[fact])
    return found


def score(condition: Condition, answers: Answers) -> tuple[float, list[str], list[str]]:
    """A condition's score with the labels of the answers for and against it."""
    total = condition.prior
    present = [f for f in condition.features if f.when(answers.facts, answers.numbers)]
    present.sort(key=lambda f: -abs(f.weight))
    total += sum(f.weight for f in present)
    return (
        total,
        [f.label for f in present if f.weight > 0],
        [f.label for f in present if f.weight <= 0],
    )


def _rank(atoms: frozenset[str], index: _Index, fired: list[int]) -> list[_Shown]:
    context_totals, context_present = index.context_part(atoms)
    totals = list(context_totals)
    evidence: dict[int, float] = {}  # position -> the clinical evidence for it, where there is
    where, weights, counts = index.feature_position, index.feature_weight, index.feature_evidence
    clinical = index.present.matching(atoms)
    for n in clinical:
        position = where[n]
        totals[position] += weights[n]
        if counts[n]:
            evidence[position] = evidence.get(position, 0.0) + weights[n]
    # sorted: grouped by condition, strongest first
    present = sorted(context_present + clinical) if context_present else clinical

    # rule numbers pointing to each suspected condition, most urgent first (the fired order)
    suspected: dict[int, list[int]] = {}
    rank_of = index.rule_rank
    for n in fired:
        for position in index.rule_suspects[n]:
            if position in suspected:
                suspected[position].append(n)
            else:
                suspected[position] = [n]
    candidates: list[tuple[int, int, float, int]] = []
    exclude = index.exclude
    for position, numbers in suspected.items():
        excluded = exclude[position]
        if excluded and any(ex.holds(atoms) for ex in excluded):
            continue
        rank = rank_of[numbers[0]]
        votes = sum(1 for n in numbers if rank_of[n] == rank)
        candidates.append((rank, votes, round(totals[position], 9), -position))
    # A cause no rule points to needs clinical evidence for it (so evidence > 0).
    for position, found in evidence.items():
        if position in suspected:
            continue
        total = totals[position]
        if total < MIN_SCORE or (found < MIN_EVIDENCE and total < LIKELY_SCORE):
            continue
        excluded = exclude[position]
        if excluded and any(ex.holds(atoms) for ex in excluded):
            continue
        candidates.append((-1, 0, round(total, 9), -position))
    # Most urgent suspicion first, then the number of red flags at that level pointing to it,
    # then the score, then the order of the data. Scores are compared rounded to 1e-9, so that
    # the order in which weights were added cannot break a tie.
    candidates.sort(reverse=True)

    first = index.first_feature
    shown = []
    for _, _, total, negative_position in candidates[:MAX_CONDITIONS]:
        position = -negative_position
        features = present[
            bisect_left(present, first[position]) : bisect_left(present, first[position + 1])
        ]
        shown.append((position, total, features, suspected.get(position, [])))
    return shown


def _advice(
    atoms: frozenset[str], index: _Index, level: str, causes: list[_Shown]
) -> tuple[AdviceItem, ...]:
    # Advice follows the cause: when a red flag points to a cause, the self-care of milder causes
    # ranked below it (manual therapy beside a suspected fracture, say) is left out.
    pool = [cause[0] for cause in causes if cause[3]] or [c[0] for c in causes[:ADVICE_FROM_TOP]]
    in_pool = {index.conditions[position].id for position in pool}
    plans = index.advice_plans[LEVEL_RANK[level]]
    chosen: dict[str, AdviceItem] = {}
    for plan in [p for position in pool for p in plans[position]] + plans[-1]:
        aid, when, unless, avoid_with, item = plan
        if aid in chosen:
            continue
        if when is not None and not when.holds(atoms):
            continue
        if unless is not None and unless.holds(atoms):
            continue
        if avoid_with and not avoid_with.isdisjoint(in_pool):
            continue  # wrong for a cause this advice would sit beside
        chosen[aid] = item
    return tuple(chosen.values())


def _safety_net(kb: Knowledge, level: str, fill: dict[str, str]) -> tuple[SafetyNetGroup, ...]:
    groups = []
    for higher in LEVELS[LEVEL_RANK[level] + 1 :]:
        signs = tuple(item.text for item in kb.safety_net if item.level == higher)
        if signs:
            groups.append(SafetyNetGroup(higher, kb.levels[higher].headline.format(**fill), signs))
    return tuple(reversed(groups))

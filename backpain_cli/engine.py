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
from collections.abc import Callable, Iterable, Mapping
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
# The thresholds above in hundredths, as the engine adds scores (see _Index.priors).
_MIN_SCORE, _MIN_EVIDENCE, _LIKELY_SCORE = (
    round(x * 100) for x in (MIN_SCORE, MIN_EVIDENCE, LIKELY_SCORE)
)
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
        #: Scores are added in whole hundredths (ints; the data has two decimal places, checked
        #: as it loads): exact, so no order of adding can change a score, a tie or a threshold.
        self.priors = [round(c.prior * 100) for c in self.conditions]
        self.position = {c.id: position for position, c in enumerate(self.conditions)}
        # Rules in the order a report lists them: highest level first, then data order.
        self.rules = sorted(kb.rules, key=lambda rule: -LEVEL_RANK[rule.level])
        self.reasons = [Reason(r.id, r.level, r.reason, r.sources) for r in self.rules]
        self.rule_rank = [LEVEL_RANK[r.level] for r in self.rules]
        self.rule_ids = [r.id for r in self.rules]
        self.condition_ids = [c.id for c in self.conditions]
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
        self.feature_hundredths = [round(f.weight * 100) for _, f in features]
        self.feature_label = [f.label for _, f in features]
        #: the label of each feature that counts for its cause (weight > 0), else ""
        self.label_for = [f.label if f.weight > 0 else "" for _, f in features]
        # Only clinical answers count as evidence, and only for (weight > 0) a cause.
        clinical = [_is_clinical(f.when) for _, f in features]
        self.feature_evidence = [
            f.weight > 0 and c for (_, f), c in zip(features, clinical, strict=True)
        ]
        self.present = _Features(
            [
                (n, self.feature_position[n], hundredths, self.feature_evidence[n], f.when)
                for n, ((_, f), hundredths) in enumerate(
                    zip(features, self.feature_hundredths, strict=True)
                )
                if clinical[n]
            ]
        )
        # Features about who the person is and where it hurts (age, sex, side, area) are the
        # same for everyone with that context: worked out once per context, and kept.
        self.context = _Filed([(n, f.when) for n, (_, f) in enumerate(features) if not clinical[n]])
        self.context_atoms = frozenset(
            name
            for condition in self.context.conditions
            for name in condition.facts | {atom(*c) for c in condition.numbers}
        )
        self.context_parts: dict[frozenset[str], tuple[list[int], list[int]]] = {}
        #: each condition's exclusions (or None), and the test of them once first needed
        self.excluded = [c.exclude or None for c in self.conditions]
        self.exclusions: list[AtomPredicate | None] = [None] * len(self.conditions)
        #: fired rules (their numbers) -> {place of a cause they point to: (the level of the
        #: most urgent, how many at that level, the rules, most urgent first)}
        self.suspected: dict[tuple[int, ...], dict[int, tuple[int, int, list[int]]]] = {}
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
        #: (level rank, the causes advice comes from) -> the advice that may be given, with
        #: its `when` and `unless` tests
        self.advice_steps: dict[tuple[int, ...], tuple[_AdviceStep, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        """What pickles: the index without what assessments added to it (caches, tests)."""
        state = dict(self.__dict__)
        state["context_parts"], state["suspected"], state["advice_steps"] = {}, {}, {}
        state["_wording"] = {}
        state["exclusions"] = [None] * len(self.exclusions)
        return state

    def advice_for(self, rank: int, pool: list[int]) -> tuple[_AdviceStep, ...]:
        """The advice that may be given at a level (by rank) for the causes in the pool, in
        order, each once: what its `when` and `unless` say of the answers decides. Kept, as
        the same few pools come again and again."""
        key = (rank, *pool)
        steps = self.advice_steps.get(key)
        if steps is None:
            plans = self.advice_plans[rank]
            in_pool = {self.conditions[position].id for position in pool}
            seen: set[str] = set()
            found = []
            for aid, when, unless, avoid_with, item in [
                *(plan for position in pool for plan in plans[position]),
                *plans[-1],
            ]:
                if aid in seen:
                    continue
                seen.add(aid)
                if avoid_with.isdisjoint(in_pool):  # else wrong for a cause it would sit beside
                    found.append(
                        (
                            when.holds if when is not None else None,
                            unless.holds if unless is not None else None,
                            item,
                        )
                    )
            if len(self.advice_steps) >= 10_000:  # a bound, as for contexts
                self.advice_steps.clear()
            steps = self.advice_steps[key] = tuple(found)
        return steps

    def context_part(self, atoms: frozenset[str]) -> tuple[list[int], list[int]]:
        """The scores of every condition from its prior and the context features present, and
        those features' numbers, for the context (age, sex, side, area) in these atoms."""
        context = atoms & self.context_atoms
        part = self.context_parts.get(context)
        if part is None:
            totals = list(self.priors)
            present = self.context.matching(context)
            for n in present:
                totals[self.feature_position[n]] += self.feature_hundredths[n]
            if len(self.context_parts) >= 10_000:  # a bound; contexts number a few thousand
                self.context_parts.clear()
            part = self.context_parts[context] = (totals, present)
        return part

    def exclusion(self, position: int) -> AtomPredicate:
        """The test of whether any exclusion of the condition in this place holds."""
        test = self.exclusions[position]
        if test is None:
            tests = [ex.holds for ex in self.excluded[position] or ()]
            test = self.exclusions[position] = lambda atoms: any(t(atoms) for t in tests)
        return test

    def suspicions(self, fired: list[int]) -> dict[int, tuple[int, int, list[int]]]:
        """The causes these fired rules point to (see `suspected`); kept, as the same few sets
        of rules fire again and again."""
        key = tuple(fired)
        found = self.suspected.get(key)
        if found is None:
            pointing: dict[int, list[int]] = {}
            for n in fired:
                for position in self.rule_suspects[n]:
                    pointing.setdefault(position, []).append(n)
            rank_of = self.rule_rank
            found = {}
            for position, numbers in pointing.items():
                rank = rank_of[numbers[0]]
                votes = sum(1 for n in numbers if rank_of[n] == rank)
                found[position] = (rank, votes, numbers)
            if len(self.suspected) >= 10_000:  # a bound, as for contexts
                self.suspected.clear()
            self.suspected[key] = found
        return found

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
        self.known: dict[tuple[str, float], frozenset[str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "known": {}}

    def atoms(self, answers: Answers) -> frozenset[str]:
        """The facts answered and the atoms of the comparisons that hold."""
        return self.atoms_of(answers.facts, answers.numbers)

    def atoms_of(self, facts: Iterable[str], numbers: Mapping[str, float]) -> frozenset[str]:
        """As `atoms`, from the facts and numbers of checked answers."""
        return frozenset(facts).union(*self.holding_each(numbers))

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

    def holding_each(self, numbers: Mapping[str, float]) -> list[frozenset[str]]:
        """As `holding`, a set for each number (kept by value: ages and scores repeat)."""
        known = self.known
        found = []
        for key, value in numbers.items():
            atoms = known.get((key, value))
            if atoms is None:
                atoms = self.holding({key: value})
                if len(known) >= 100_000:  # a bound: there are few ages, scores and durations
                    known.clear()
                known[(key, value)] = atoms
            found.append(atoms)
        return found


class _Filed:
    """Numbered conditions filed for `matching(atoms)`: the numbers of those that hold, in
    order. `always` and `holds` go by place in the list."""

    def __init__(self, conditions: list[tuple[int, Expr]]) -> None:
        self.conditions = [condition for _number, condition in conditions]
        self.numbers = [number for number, _condition in conditions]
        #: compiled tests, filled in as each is first needed (a start pays only for those)
        self.holds: list[AtomPredicate | None] = [None] * len(conditions)
        # atom -> the numbers of the conditions that hold whenever it is present (the condition
        # is that atom, or an `or` of atoms: present with any of them), and the places of those
        # to test when it is present
        exact: dict[str, list[int]] = {}
        maybe: dict[str, list[int]] = {}
        self.always: list[int] = []  # has `not`: may hold with nothing given
        for local, (number, condition) in enumerate(conditions):
            trigger = condition.trigger
            if trigger is None:
                self.always.append(local)
                continue
            if _any_of_atoms(condition.tree):
                for name in trigger:
                    exact.setdefault(name, []).append(number)
            else:
                for name in trigger:
                    maybe.setdefault(name, []).append(local)
        self.filed = frozenset(exact) | frozenset(maybe)
        #: atom -> (exact numbers, maybe places): one lookup for each atom present
        self.under = {
            name: (tuple(exact.get(name, ())), tuple(maybe.get(name, ()))) for name in self.filed
        }

    def __getstate__(self) -> dict[str, Any]:
        """What pickles: without the tests compiled so far (functions do not pickle)."""
        return {**self.__dict__, "holds": [None] * len(self.holds)}

    def matching(self, atoms: frozenset[str]) -> list[int]:
        filed = atoms & self.filed  # in C: the atoms answered that anything here is filed under
        if not filed and not self.always:
            return []
        under, holds = self.under, self.holds
        found: list[int] = []
        tested: set[int] = set(self.always)
        for name in filed:
            exact, maybe = under[name]
            if exact:
                found += exact
            if maybe:
                tested.update(maybe)
        for local in tested:
            test = holds[local]
            if test is None:
                test = holds[local] = self.conditions[local].holds
            if test(atoms):
                found.append(self.numbers[local])
        return sorted(set(found))


class _Features:
    """The clinical features, filed for scoring. Under each atom, the features that hold
    whenever it is present: those that are that atom alone, as their numbers, the places of
    the causes that those counting as evidence raise, and (place, weight) pairs of those that
    count as evidence and of the others; and the features that are an `or` of atoms (under each
    of their atoms, to be counted once) as (number, place, weight, counts as evidence). The
    rest (an `and`, an `atleast`) are tested as `_Filed` tests them."""

    def __init__(self, features: list[tuple[int, int, int, bool, Expr]]) -> None:
        by_atom: dict[str, tuple[list[Any], ...]] = {}
        tested = []
        for number, position, weight, evidence, when in features:
            tree = when.tree
            if not _any_of_atoms(tree):
                tested.append((number, when))
                continue
            for name in sorted(when.trigger or ()):
                numbers, raised, strong, other, shared = by_atom.setdefault(
                    name, ([], [], [], [], [])
                )
                if tree[0] == "or":
                    shared.append((number, position, weight, evidence))
                    continue
                numbers.append(number)
                if evidence:
                    raised.append(position)
                    strong.append((position, weight))
                else:
                    other.append((position, weight))
        self.by_atom = {name: tuple(map(tuple, parts)) for name, parts in by_atom.items()}
        self.tested = _Filed(tested)
        self.atoms = frozenset(self.by_atom)


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
    atoms = index.comparisons.atoms(answers)
    level, fired, shown, chosen = _decide(atoms, index)
    headline, action, net = index.wording(level, place)
    return Assessment(
        level=level,
        headline=headline,
        action=action,
        reasons=tuple(index.reasons[n] for n in fired),
        conditions=tuple(_possible_cause(atoms, index, cause) for cause in shown),
        advice=chosen,
        see_a_doctor=net,
        region=place.id,
        emergency_number=place.emergency,
        disclaimer=kb.disclaimer,
        answers=answers,
        library=kb.sources,
    )


def summarize(answers: Answers, kb: Knowledge | None = None) -> dict[str, Any]:
    """`assess(answers, kb).to_summary()`, without building the report around it."""
    index = _index(kb or load_knowledge())
    return _summary(index.comparisons.atoms(answers), index)


def summarizer(kb: Knowledge) -> Callable[[Iterable[str], Mapping[str, float]], dict[str, Any]]:
    """`summarize` for many assessments (what batch writes for each line): a function from the
    facts and numbers of checked answers (as `Answers` holds them) to the summary."""
    index = _index(kb)
    atoms_of = index.comparisons.atoms_of

    def summary(facts: Iterable[str], numbers: Mapping[str, float]) -> dict[str, Any]:
        return _summary(atoms_of(facts, numbers), index)

    return summary


def _summary(atoms: frozenset[str], index: _Index) -> dict[str, Any]:
    level, fired, shown, chosen = _decide(atoms, index)
    ids = index.condition_ids
    return {
        "version": OUTPUT_VERSION,
        "urgency": level,
        "reasons": list(map(index.rule_ids.__getitem__, fired)),
        "conditions": [
            {
                "id": ids[cause[0]],
                "score": cause[1],
                "because": _because(atoms, index, cause),
            }
            for cause in shown
        ],
        "advice": [item.id for item in chosen],
    }


#: A cause chosen to be shown, as the engine found it: its place in index.conditions, its score,
#: the features present (strongest first) and the fired rules pointing to it (most urgent first).
#: A plain tuple: one is made for every cause shown in every assessment.
_Shown = tuple[int, float, list[int], list[int]]
#: An advice item that may be given, with the tests of its `when` and `unless` (None: none).
_AdviceStep = tuple[AtomPredicate | None, AtomPredicate | None, AdviceItem]


def _decide(
    atoms: frozenset[str], index: _Index
) -> tuple[str, list[int], list[_Shown], tuple[AdviceItem, ...]]:
    """The level, the rules fired (report order), the causes shown and the advice chosen."""
    level, fired = _urgency(atoms, index)
    shown = _rank(atoms, index, fired)
    return level, fired, shown, _advice(atoms, index, level, shown)


def _possible_cause(atoms: frozenset[str], index: _Index, cause: _Shown) -> PossibleCause:
    position, total, features, pointing = cause
    condition = index.conditions[position]
    weights, labels = index.feature_weight, index.feature_label
    return PossibleCause(
        condition.id,
        condition.name,
        total,
        condition.urgency,
        condition.summary,
        tuple(_because(atoms, index, cause)),
        tuple(labels[n] for n in features if weights[n] <= 0),
        tuple(index.rules[n].id for n in pointing),
        condition.doctor_checks,
        condition.see_doctor,
        condition.sources,
    )


def _because(atoms: frozenset[str], index: _Index, cause: _Shown) -> list[str]:
    """The answers for a cause, strongest first; for a cause only a rule points to, the
    answers that made the rule fire (its facts among the atoms: no comparison is a fact)."""
    found = list(filter(None, map(index.label_for.__getitem__, cause[2])))
    if found or not cause[3]:
        return found
    names = index.kb.questions.labels
    for n in cause[3]:
        for fact in sorted(index.rules[n].when.facts & atoms):
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
    present = list(context_present)  # the numbers of the features present
    evidence = [0] * len(totals)  # the clinical evidence for each cause
    with_evidence: list[int] = []  # the places of the causes with some (repeated)
    scoring = index.present
    counted: set[int] | None = None  # the `or` features counted
    for name in atoms & scoring.atoms:
        numbers, raised, strong, other, shared = scoring.by_atom[name]
        present += numbers
        with_evidence += raised
        for position, weight in strong:
            totals[position] += weight
            evidence[position] += weight
        for position, weight in other:
            totals[position] += weight
        if shared:
            if counted is None:
                counted = set()
            for n, position, weight, counts in shared:
                if n not in counted:
                    counted.add(n)
                    totals[position] += weight
                    present.append(n)
                    if counts:
                        evidence[position] += weight
                        with_evidence.append(position)
    for n in scoring.tested.matching(atoms):
        position, weight = index.feature_position[n], index.feature_hundredths[n]
        totals[position] += weight
        present.append(n)
        if index.feature_evidence[n]:
            evidence[position] += weight
            with_evidence.append(position)
    present.sort()  # grouped by condition, strongest first

    candidates: list[tuple[int, int, int, int]] = []
    excluded = index.excluded
    suspected = index.suspicions(fired)
    for position, (rank, votes, _pointing) in suspected.items():
        if excluded[position] is not None and index.exclusion(position)(atoms):
            continue
        candidates.append((rank, votes, totals[position], -position))
    # A cause no rule points to needs clinical evidence for it (so evidence > 0).
    for position in set(with_evidence).difference(suspected):
        total = totals[position]
        if total < _MIN_SCORE or (total < _LIKELY_SCORE and evidence[position] < _MIN_EVIDENCE):
            continue
        if excluded[position] is not None and index.exclusion(position)(atoms):
            continue
        candidates.append((-1, 0, total, -position))
    # Most urgent suspicion first, then the number of red flags at that level pointing to it,
    # then the score, then the order of the data.
    candidates.sort(reverse=True)

    first = index.first_feature
    shown = []
    for _rank, _votes, _total, negative_position in candidates[:MAX_CONDITIONS]:
        position = -negative_position
        features = present[
            bisect_left(present, first[position]) : bisect_left(present, first[position + 1])
        ]
        pointing = suspected[position][2] if position in suspected else []
        shown.append((position, totals[position] / 100, features, pointing))
    return shown


def _advice(
    atoms: frozenset[str], index: _Index, level: str, causes: list[_Shown]
) -> tuple[AdviceItem, ...]:
    # Advice follows the cause: when a red flag points to a cause, the self-care of milder causes
    # ranked below it (manual therapy beside a suspected fracture, say) is left out.
    pool = [cause[0] for cause in causes if cause[3]] or [c[0] for c in causes[:ADVICE_FROM_TOP]]
    return tuple(
        item
        for when, unless, item in index.advice_for(LEVEL_RANK[level], pool)
        if (when is None or when(atoms)) and (unless is None or not unless(atoms))
    )


def _safety_net(kb: Knowledge, level: str, fill: dict[str, str]) -> tuple[SafetyNetGroup, ...]:
    groups = []
    for higher in LEVELS[LEVEL_RANK[level] + 1 :]:
        signs = tuple(item.text for item in kb.safety_net if item.level == higher)
        if signs:
            groups.append(SafetyNetGroup(higher, kb.levels[higher].headline.format(**fill), signs))
    return tuple(reversed(groups))

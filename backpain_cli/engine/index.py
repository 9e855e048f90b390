"""The knowledge base arranged for assessing: built once per knowledge base, in a few
milliseconds, the first time one is assessed.

Answers are tested as atoms: the facts answered ("symptoms.fever") and the comparisons that hold
("age>=50.0"), in one set (`Comparisons`).

Every condition (urgency rules, safety-net signs, scoring features, exclusions) is filed under its
trigger atoms (`Expr.trigger`): one of them must be present for it to hold, so an assessment
tests only the few conditions its answers could make true, not the hundreds there are.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from ..expr import OPERATORS, AtomPredicate, Atoms, Expr, atom
from ..knowledge import LEVEL_RANK, LEVELS, SERIOUS, Condition, Knowledge, Rule, SafetyNet


class Comparisons:
    """Every comparison the knowledge base makes (`age >= 50`), by key, so that the atoms that
    hold for a number are one lookup: the thresholds of a key split the numbers into regions
    (below the first, at it, between it and the next, ...) on each of which every comparison
    keeps one truth value."""

    def __init__(self, comparisons: Iterable[tuple[str, str, float]]) -> None:
        by_key: dict[str, set[tuple[str, float]]] = {}
        for key, op, value in comparisons:
            by_key.setdefault(key, set()).add((op, value))
        #: key -> (its thresholds, sorted; the atoms that hold on each region, in order)
        self.tables: dict[str, tuple[list[float], list[frozenset[str]]]] = {}
        for key, made in by_key.items():
            thresholds = sorted({value for _op, value in made})
            samples: list[float] = []  # a number inside each region
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

    def atoms(self, facts: Iterable[str], numbers: Mapping[str, float]) -> Atoms:
        """The facts, and the atoms of the comparisons that hold for the numbers."""
        found = set(facts)
        for key, number in numbers.items():
            table = self.tables.get(key)
            if table is not None:
                thresholds, regions = table
                i = bisect_left(thresholds, number)
                found.update(
                    regions[2 * i + 1 if i < len(thresholds) and thresholds[i] == number else 2 * i]
                )
        return frozenset(found)


class Filed:
    """Numbered conditions, filed by trigger atom; `matching(atoms)` gives the numbers of those
    that hold, in order. A condition that is one atom, or an `or` of atoms, holds exactly when
    one of its trigger atoms is present: it is taken without a test. The others are tested."""

    def __init__(self, conditions: list[Expr], numbers: list[int] | None = None) -> None:
        self.conditions = conditions
        #: the number `matching` gives for each condition (default: its place in the list)
        self.numbers = numbers if numbers is not None else list(range(len(conditions)))
        #: conditions with `not` may hold whatever was answered: tested every time
        self.always = [n for n, c in enumerate(conditions) if c.trigger is None]
        #: atom -> (the numbers of the conditions that hold when it is present, the places of
        #: those to test when it is present)
        self.filed: dict[str, tuple[list[int], list[int]]] = {}
        for n, condition in enumerate(conditions):
            holds = _any_of_atoms(condition.tree)
            for name in condition.trigger or ():
                holding, testing = self.filed.setdefault(name, ([], []))
                if holds:
                    holding.append(self.numbers[n])
                else:
                    testing.append(n)
        #: compiled tests, made as each is first needed, so a start pays only for those
        self.tests: list[AtomPredicate | None] = [None] * len(conditions)

    def matching(self, atoms: Atoms) -> list[int]:
        found: set[int] = set()
        tested = set(self.always)
        for name in self.filed.keys() & atoms:  # a set (atoms & keys is one too, typed frozenset)
            holding, testing = self.filed[name]
            found.update(holding)
            tested.update(testing)
        for n in tested:
            test = self.tests[n]
            if test is None:
                test = self.tests[n] = self.conditions[n].holds
            if test(atoms):
                found.add(self.numbers[n])
        return sorted(found)


def _said_as(
    when: Expr, label: str, weight: float, quoted: Mapping[str, str], asked: Mapping[str, int]
) -> tuple[str | None, tuple[tuple[str | None, str], ...]]:
    """A feature in words (see `Index.said_as`). A feature against a cause keeps its label,
    which says what it stands for ("a warning sign of another cause")."""
    tree = when.tree
    number = tree[1] if tree[0] == "cmp" else None
    if weight <= 0 or tree[0] != "or" or not all(part[0] == "fact" for part in tree[1]):
        return number, ((None, label),)
    facts = sorted(when.facts, key=asked.__getitem__)
    return number, tuple((fact, quoted[fact]) for fact in facts)


def _any_of_atoms(tree: tuple[Any, ...]) -> bool:
    """Is the condition one atom, or an `or` of atoms (true exactly when one is present)?"""
    if tree[0] in ("fact", "cmp"):
        return True
    return tree[0] == "or" and all(part[0] in ("fact", "cmp") for part in tree[1])


#: A scoring feature as the engine adds it up: the place of its cause in Index.causes, its
#: weight in hundredths of ln odds, its label, whether it is specific to the cause's organ, and
#: whether it says anything beyond who the person is and where it hurts.
Feature = tuple[int, int, str, bool, bool]


class Index:
    """What an assessment reads: the causes in data order with their priors and thresholds in
    hundredths (scores are added exactly, as whole numbers), and the filed conditions."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.causes: list[Condition] = list(kb.conditions.values())
        self.place = {cause.id: n for n, cause in enumerate(self.causes)}
        self.priors = [_hundredths(cause.prior) for cause in self.causes]
        self.thresholds = [_hundredths(cause.threshold) for cause in self.causes]
        self.urgency = [LEVEL_RANK[cause.urgency] for cause in self.causes]
        #: rules highest level first, then in data order: the order a report gives reasons in
        self.rules: list[Rule] = sorted(kb.rules, key=lambda rule: -LEVEL_RANK[rule.level])
        #: safety-net signs highest level first, as rules
        self.signs: list[SafetyNet] = sorted(
            kb.safety_net, key=lambda sign: -LEVEL_RANK[sign.level]
        )
        self.sign_rank = [LEVEL_RANK[sign.level] for sign in self.signs]
        self.suspects = [[self.place[cid] for cid in rule.suspects] for rule in self.rules]
        #: the causes each rule is a warning sign of, to rule out (its `rule_out`)
        self.warns_of = [[self.place[cid] for cid in rule.rule_out] for rule in self.rules]
        # (each cause's features come strongest first, as the loader sorts them)
        pairs = [(n, feature) for n, cause in enumerate(self.causes) for feature in cause.features]
        self.features: list[Feature] = [
            (n, _hundredths(f.weight), f.label, f.specific, f.clinical) for n, f in pairs
        ]
        #: each feature in words, for "because you said": (the key of the number it compares
        #: when it is one comparison, else None; its words, each with the answer it needs, None
        #: for none). A feature for a cause that is an `or` of answers gives each answer given
        #: in its own words, in the order the questions ask them, not its label (which names
        #: them all); a number is said once, by its strongest feature ("age 65 or over", not
        #: also "age 50 or over").
        quoted = kb.questions.quoted
        asked = {fact: n for n, fact in enumerate(quoted)}  # the facts in the questions' order
        self.said_as = [_said_as(f.when, f.label, f.weight, quoted, asked) for _n, f in pairs]
        #: the answers each feature reads
        self.feature_facts = [f.when.facts for _n, f in pairs]
        #: each feature as it is added up: its cause, its weight, and what it adds to the
        #: cause's specific and clinical evidence (only a weight for the cause counts)
        self.weights = [
            (
                n,
                weight,
                weight if weight > 0 and specific else 0,
                weight if weight > 0 and clinical else 0,
            )
            for n, weight, _label, specific, clinical in self.features
        ]
        #: each feature's first and last-plus-one place among the features, by cause
        self.first_feature = [0] * (len(self.causes) + 1)
        for n, _feature in pairs:
            self.first_feature[n + 1] += 1
        for n in range(len(self.causes)):
            self.first_feature[n + 1] += self.first_feature[n]
        exclusions = [(n, ex) for n, cause in enumerate(self.causes) for ex in cause.exclude]
        self.serious = [rank >= SERIOUS for rank in self.urgency]
        self.exclusion_causes = frozenset(
            n for n, cause in enumerate(self.causes) if cause.diagnosis_of_exclusion
        )
        self.rule_rank = [LEVEL_RANK[rule.level] for rule in self.rules]
        #: advice id -> (the levels, by rank, where it may be shown, the causes it must not sit
        #: beside, by place, the tests of its `when` and `unless`)
        self.advice = {
            aid: (
                frozenset(LEVEL_RANK[level] for level in item.levels),
                frozenset(self.place[cid] for cid in item.avoid_with),
                item.when.holds if item.when is not None else None,
                item.unless.holds if item.unless is not None else None,
            )
            for aid, item in kb.advice.items()
        }
        #: by level (rank), the advice for everyone at it: general, or given on a `when`
        self.advice_for_everyone = [
            [
                aid
                for aid, item in kb.advice.items()
                if (item.general or item.when is not None) and level in item.levels
            ]
            for level in LEVELS
        ]

        self.fired = Filed([rule.when for rule in self.rules])
        self.matched = Filed([sign.when for sign in self.signs])
        # Features about who the person is and where it hurts alone (age, sex, side, area) add
        # the same for everyone in the same context: that part of the scores is worked out once
        # per context and kept (`context_part`); the clinical features are found each time.
        context: list[int] = []
        clinical: list[int] = []
        for n, (_cause, _weight, _label, specific, evidence) in enumerate(self.features):
            (clinical if specific or evidence else context).append(n)
        self.context_features = Filed([pairs[n][1].when for n in context], context)
        self.clinical_features = Filed([pairs[n][1].when for n in clinical], clinical)
        self.context_atoms = frozenset(
            name
            for n in context
            for name in pairs[n][1].when.facts | {atom(*c) for c in pairs[n][1].when.numbers}
        )
        self.contexts: dict[Atoms, tuple[list[int], list[int]]] = {}
        #: the exclusions, filed as the rest: `matching` gives the causes ruled out
        self.exclusions = Filed([ex for _, ex in exclusions], [n for n, _ in exclusions])
        expressions = [rule.when for rule in self.rules] + [sign.when for sign in self.signs]
        expressions += [f.when for _, f in pairs] + [ex for _, ex in exclusions]
        expressions += [e for a in kb.advice.values() for e in (a.when, a.unless) if e]
        self.comparisons = Comparisons(c for e in expressions for c in e.numbers)

    def context_part(self, atoms: Atoms) -> tuple[list[int], list[int]]:
        """Every cause's prior plus its context features present, in hundredths, and those
        features' numbers: the same for everyone of this age, sex, side and area."""
        key = atoms & self.context_atoms
        part = self.contexts.get(key)
        if part is None:
            scores = list(self.priors)
            present = self.context_features.matching(key)
            for n in present:
                scores[self.weights[n][0]] += self.weights[n][1]
            if len(self.contexts) >= 10_000:  # a bound: the contexts number a few thousand
                self.contexts.clear()
            part = self.contexts[key] = (scores, present)
        return part


def _hundredths(value: float) -> int:
    """A log odds as whole hundredths (the loader checks there are no more decimal places)."""
    return round(value * 100)


_INDEXES: dict[int, Index] = {}


def index_of(kb: Knowledge) -> Index:
    """The index of this knowledge base, built the first time it is asked for."""
    found = _INDEXES.get(id(kb))
    if found is None or found.kb is not kb:
        found = _INDEXES[id(kb)] = Index(kb)
    return found

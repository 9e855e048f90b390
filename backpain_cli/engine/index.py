"""The knowledge base arranged for assessing: built once per knowledge base, in a few
milliseconds, the first time one is assessed.

Answers are tested as atoms: the facts answered ("symptoms.fever") and the comparisons that hold
("age>=50.0"), in one set (`Comparisons`).

Every condition (urgency rules, safety-net signs, scoring features, exclusions) is filed under its
trigger atoms (`Expr.trigger`): one of them must be present for it to hold, so an assessment
tests only the few conditions its answers could make true, not the hundreds there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..expr import OPERATORS, AtomPredicate, Atoms, Expr, atom
from ..knowledge import LEVEL_RANK, Condition, Knowledge, Rule, SafetyNet


class Comparisons:
    """Every comparison the knowledge base makes, by the key it compares."""

    def __init__(self, comparisons: Iterable[tuple[str, str, float]]) -> None:
        self.by_key: dict[str, list[tuple[str, float, str]]] = {}
        for key, op, value in sorted(set(comparisons)):
            self.by_key.setdefault(key, []).append((op, value, atom(key, op, value)))

    def atoms(self, facts: Iterable[str], numbers: Mapping[str, float]) -> Atoms:
        """The facts, and the atoms of the comparisons that hold for the numbers."""
        found = set(facts)
        for key, number in numbers.items():
            for op, value, name in self.by_key.get(key, ()):
                if OPERATORS[op](number, value):
                    found.add(name)
        return frozenset(found)


class Filed:
    """Numbered conditions, filed by trigger atom; `matching(atoms)` gives the numbers of those
    that hold, in order. A condition that is one atom, or an `or` of atoms, holds exactly when
    one of its trigger atoms is present, so only the others are tested."""

    def __init__(self, conditions: list[Expr]) -> None:
        self.conditions = conditions
        #: conditions with `not` may hold whatever was answered: tested every time
        self.always = [n for n, c in enumerate(conditions) if c.trigger is None]
        #: atom -> the numbers of the conditions it triggers
        self.under: dict[str, list[int]] = {}
        for n, condition in enumerate(conditions):
            for name in condition.trigger or ():
                self.under.setdefault(name, []).append(n)
        self.exact = [_any_of_atoms(condition.tree) for condition in conditions]
        #: compiled tests, made as each is first needed, so a start pays only for those
        self.tests: list[AtomPredicate | None] = [None] * len(conditions)

    def matching(self, atoms: Atoms) -> list[int]:
        candidates = set(self.always)
        for name in atoms:
            filed = self.under.get(name)
            if filed is not None:
                candidates.update(filed)
        found = []
        for n in sorted(candidates):
            if self.exact[n]:
                found.append(n)
                continue
            test = self.tests[n]
            if test is None:
                test = self.tests[n] = self.conditions[n].holds
            if test(atoms):
                found.append(n)
        return found


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
        self.signs: list[SafetyNet] = list(kb.safety_net)
        self.suspects = [[self.place[cid] for cid in rule.suspects] for rule in self.rules]
        # (each cause's features come strongest first, as the loader sorts them)
        pairs = [(n, feature) for n, cause in enumerate(self.causes) for feature in cause.features]
        self.features: list[Feature] = [
            (n, _hundredths(f.weight), f.label, f.specific, f.clinical) for n, f in pairs
        ]
        exclusions = [(n, ex) for n, cause in enumerate(self.causes) for ex in cause.exclude]
        self.excluded_cause = [n for n, _ in exclusions]

        self.fired = Filed([rule.when for rule in self.rules])
        self.matched = Filed([sign.when for sign in self.signs])
        self.present = Filed([f.when for _, f in pairs])
        self.exclusions = Filed([ex for _, ex in exclusions])
        expressions = [rule.when for rule in self.rules] + [sign.when for sign in self.signs]
        expressions += [f.when for _, f in pairs] + [ex for _, ex in exclusions]
        expressions += [e for a in kb.advice.values() for e in (a.when, a.unless) if e]
        self.comparisons = Comparisons(c for e in expressions for c in e.numbers)


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

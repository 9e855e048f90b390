"""Answers as atoms: the facts answered ("symptoms.fever") plus the comparisons that hold
("age>=50.0"), in one set, which is what every condition in the knowledge base is tested on.

The thresholds the knowledge base compares a key against split its numbers into regions (below
the first threshold, at it, between it and the next, ...); every comparison keeps one truth value
on each region, so the comparisons that hold for a number are one bisect away.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping

from ..expr import OPERATORS, Atoms, atom


class Comparisons:
    """Every comparison the knowledge base makes, by key, as regions of numbers."""

    def __init__(self, comparisons: Iterable[tuple[str, str, float]]) -> None:
        by_key: dict[str, set[tuple[str, float]]] = {}
        for key, op, value in comparisons:
            by_key.setdefault(key, set()).add((op, value))
        #: key -> (its thresholds, sorted; the atoms that hold on each region)
        self.tables: dict[str, tuple[list[float], list[frozenset[str]]]] = {}
        for key, made in by_key.items():
            thresholds = sorted({value for _op, value in made})
            samples: list[float] = []  # one number inside each region, in order
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
        for key, value in numbers.items():
            table = self.tables.get(key)
            if table is not None:
                thresholds, regions = table
                i = bisect_left(thresholds, value)
                at = i < len(thresholds) and thresholds[i] == value
                found.update(regions[2 * i + 1 if at else 2 * i])
        return frozenset(found)

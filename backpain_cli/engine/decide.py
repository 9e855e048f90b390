"""One decision: how urgent, the most likely causes, the serious causes to rule out, the advice.

1. Every cause scores its prior plus the weights of its features present (ln odds, added as
   whole hundredths). A red flag (urgency rule) that sends the person to the care a cause
   usually needs lifts that cause's score to at least its threshold: the guideline's call to
   act says the cause is at least that likely.
2. A cause is *likely* when its score reaches its threshold, the score at which it must be acted
   on (lower for the dangerous causes: the threshold approach, Pauker and Kassirer 1980), with
   evidence of its own: an answer specific to it, or a red flag that points to it. Who the
   person is and where it hurts shape the score but cannot make a cause likely alone. A
   diagnosis of exclusion (non-specific back pain) is likely on its score alone, but never
   beside a red flag or a likely cause that needs same-day care or more.
3. The level is the highest of: the urgency rules that fire (written without `not`, so they
   only ever add), the safety-net signs the answers already describe, and the usual urgency of
   every likely cause.
4. `conditions` are the most likely causes: the likely ones first, most urgent first (the level
   rests on them), then milder causes with evidence for them whose usual urgency is within the
   level, by score. So none of them usually needs more than the level. `rule_out` are the
   other causes worth naming: those a fired rule points to, and serious ones with real
   evidence below their threshold.
"""

from __future__ import annotations

from ..expr import Atoms
from ..knowledge import LEVEL_RANK, LEVELS, SERIOUS
from ..records import Record
from .index import Index

#: At most this many likely causes, and this many causes to rule out, are shown.
MAX_CONDITIONS = 5
MAX_RULE_OUT = 4
#: A cause no rule points to and not likely is shown only with this much evidence for it (ln of
#: a likelihood ratio of about 2), from its organ's own answers for a serious cause ...
MIN_EVIDENCE = 75
#: ... and a score of at least this (about 1 in 400). Both in hundredths.
MIN_SCORE = -600
#: Advice comes from the causes ranked this high.
ADVICE_FROM_TOP = 3


class Decision(Record):
    """What the engine decided, by number: rules and signs by their place in the index, causes
    by theirs. `scores` are every cause's score in hundredths (None where ruled out)."""

    level: str
    fired: list[int]
    matched: list[int]
    drivers: list[int]  # the likely causes whose urgency lifts the level above rules and signs
    conditions: list[int]
    rule_out: list[int]
    likely: frozenset[int]
    suspected: dict[int, list[int]]
    scores: list[int | None]
    raw: list[int | None]  # the scores before any red flag lifted them
    present: list[list[int]]  # feature numbers present, per cause, strongest first
    advice: list[str]


def decide(atoms: Atoms, index: Index) -> Decision:
    fired = index.fired.matching(atoms)
    matched = index.matched.matching(atoms)
    count = len(index.causes)
    totals = list(index.priors)
    specific = [0] * count
    clinical = [0] * count
    present: list[list[int]] = [[] for _ in range(count)]
    features = index.features
    for number in index.present.matching(atoms):
        cause, weight, _label, is_specific, is_clinical = features[number]
        totals[cause] += weight
        present[cause].append(number)
        if weight > 0:
            specific[cause] += weight * is_specific
            clinical[cause] += weight * is_clinical
    excluded = {index.excluded_cause[n] for n in index.exclusions.matching(atoms)}
    suspected: dict[int, list[int]] = {}
    for rule in fired:
        for cause in index.suspects[rule]:
            if cause not in excluded:
                suspected.setdefault(cause, []).append(rule)

    urgency, serious = index.urgency, [rank >= SERIOUS for rank in index.urgency]
    raw = list(totals)
    # A red flag that sends a person to the care a cause usually needs says the cause is worth
    # acting on: the guideline's call to act is the evidence that it is at least that likely.
    for cause, rules in suspected.items():
        if max(LEVEL_RANK[index.rules[n].level] for n in rules) >= urgency[cause]:
            totals[cause] = max(totals[cause], index.thresholds[cause])
    evidence = [specific[c] if serious[c] else clinical[c] for c in range(count)]
    floor = max([LEVEL_RANK[index.rules[n].level] for n in fired], default=0)
    floor = max([floor, *(LEVEL_RANK[index.signs[n].level] for n in matched)])
    # A cause is likely when its score reaches its threshold with evidence of its own: an answer
    # specific to it, or a red flag that points to it (who the person is and where it hurts
    # cannot make it likely alone).
    reached = [c not in excluded and totals[c] >= index.thresholds[c] for c in range(count)]
    exclusion = [cause.diagnosis_of_exclusion for cause in index.causes]
    likely_set = {
        c
        for c in range(count)
        if reached[c] and not exclusion[c] and (specific[c] > 0 or c in suspected)
    }
    # A diagnosis of exclusion (non-specific back pain, say) is what is left when the signs of
    # other causes are absent: likely on its score alone, but never beside a red flag or a
    # likely cause that needs same-day care or more.
    if max([floor, *(urgency[c] for c in likely_set)]) < SERIOUS:
        likely_set.update(c for c in range(count) if reached[c] and exclusion[c])
    likely = frozenset(likely_set)
    rank = max([floor, *(urgency[c] for c in likely)])
    drivers = sorted((c for c in likely if urgency[c] > floor), key=lambda c: (-urgency[c], c))

    shown = [
        c
        for c in range(count)
        if c not in excluded
        and (
            c in suspected
            or c in likely
            or (totals[c] >= MIN_SCORE and evidence[c] >= MIN_EVIDENCE)
        )
    ]
    fits = [c for c in shown if c in likely or (not serious[c] and urgency[c] <= rank)]
    # Every likely cause has a place before any other (they are what the level rests on).
    # Likely causes first, the most urgent first, as the level rests on them; then by score
    # (for causes a red flag lifted to their threshold, by their own score), then data order.
    conditions = sorted(
        fits,
        key=lambda c: (c not in likely, -urgency[c] if c in likely else 0, -totals[c], -raw[c], c),
    )
    chosen = conditions[:MAX_CONDITIONS]
    others = [
        c for c in shown if c not in chosen and (c in suspected or serious[c] or urgency[c] > rank)
    ]
    rule_out = sorted(
        others, key=lambda c: (-urgency[c], c not in suspected, -totals[c], -raw[c], c)
    )

    return Decision(
        LEVELS[rank],
        fired,
        matched,
        drivers,
        chosen,
        rule_out[:MAX_RULE_OUT],
        likely,
        suspected,
        [None if c in excluded else totals[c] for c in range(count)],
        [None if c in excluded else raw[c] for c in range(count)],
        present,
        _advice(atoms, index, rank, chosen, [*chosen, *rule_out]),
    )


def _advice(
    atoms: Atoms, index: Index, rank: int, conditions: list[int], named: list[int]
) -> list[str]:
    """The advice ids for this level: from the causes ranked highest, then for everyone (general
    or given on a `when`), each once; never beside a cause it would be wrong for."""
    kb = index.kb
    level = LEVELS[rank]
    beside = {index.causes[c].id for c in named}
    ids = [aid for c in conditions[:ADVICE_FROM_TOP] for aid in index.causes[c].advice]
    ids += [aid for aid, item in kb.advice.items() if item.general or item.when is not None]
    chosen: list[str] = []
    for aid in dict.fromkeys(ids):
        item = kb.advice[aid]
        if level not in item.levels or not beside.isdisjoint(item.avoid_with):
            continue
        if item.when is not None and not item.when.holds(atoms):
            continue
        if item.unless is not None and item.unless.holds(atoms):
            continue
        chosen.append(aid)
    return chosen

"""One decision: how urgent, the most likely causes, the serious causes to rule out, the advice.

1. Every cause scores its prior plus the weights of its features present (ln odds, added as
   whole hundredths). A red flag (urgency rule) that sends the person to the care a cause
   usually needs lifts that cause's score to at least its threshold: the guideline's call to
   act says the cause is at least that likely. A warning sign of several causes that makes none
   of them likely by itself (a rule's `rule_out`) names them to rule out, never lifting them or
   counting as evidence that they are likely, unless another likely cause with an answer
   specific to it accounts for the sign (a feature of its own present, itself evidence, reads
   it) and their own scores stay below their thresholds.
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
   rests on them), then milder causes with evidence for them (answers specific to them, for a
   cause that needs a doctor) whose usual urgency is within the level, by score. So none of
   them usually needs more than the level. `rule_out` are the other causes worth naming: those
   a fired rule points to, and serious ones with real evidence below their threshold.
5. A report that names a cause to rule out never says to look after the pain at home: a
   self-care level rises to seeing a doctor soon, with those causes as its reasons, and the
   lists are made again at that level (which can bring milder causes into `conditions`).
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
#: a likelihood ratio of about 2), from its own specific answers for a cause that needs a
#: doctor, from any answers beyond age, sex, side and area for a self-care one ...
MIN_EVIDENCE = 75
#: ... and a score of at least this (about 1 in 400). Both in hundredths.
MIN_SCORE = -600
#: The rank of self-care: a cause that needs more needs a doctor.
SELF_CARE = LEVEL_RANK["self_care"]
SEE_DOCTOR = LEVEL_RANK["see_doctor_soon"]
#: Advice comes from the causes ranked this high.
ADVICE_FROM_TOP = 3


class Decision(Record):
    """What the engine decided, by number: rules and signs by their place in the index, causes
    by theirs, features by theirs. `scores` are every cause's score in hundredths after red
    flags lifted them, `raw` before; a cause in `excluded` is ruled out by the answers."""

    level: str
    fired: list[int]
    matched: list[int]
    drivers: list[int]  # the listed likely causes whose urgency lifts the level
    checks: list[int]  # the causes to rule out that lift the level from self-care to a doctor
    conditions: list[int]
    rule_out: list[int]
    likely: frozenset[int]
    suspected: dict[int, list[int]]
    scores: list[int]
    raw: list[int]
    excluded: frozenset[int]
    present: list[int]  # the features present, in order: grouped by cause, strongest first
    advice: list[str]


def decide(atoms: Atoms, index: Index) -> Decision:
    fired = index.fired.matching(atoms)
    matched = index.matched.matching(atoms)
    base, context = index.context_part(atoms)
    raw = list(base)
    found = index.clinical_features.matching(atoms)
    present = sorted(context + found)
    specific: dict[int, int] = {}  # cause -> weight of its specific features present
    clinical: dict[int, int] = {}  # cause -> weight of its clinical features present
    weights = index.weights
    for number in found:
        cause, weight, for_specific, for_clinical = weights[number]
        raw[cause] += weight
        if for_specific:
            specific[cause] = specific.get(cause, 0) + for_specific
        if for_clinical:
            clinical[cause] = clinical.get(cause, 0) + for_clinical
    excluded = frozenset(index.exclusions.matching(atoms))
    suspected: dict[int, list[int]] = {}
    for rule in fired:
        for cause in index.suspects[rule]:
            if cause not in excluded:
                suspected.setdefault(cause, []).append(rule)

    urgency, thresholds = index.urgency, index.thresholds
    # A red flag that sends the person to the care a cause usually needs says the cause is worth
    # acting on: the guideline's call to act is the evidence that it is at least that likely.
    # (Rules come highest level first, so a cause's first rule is its most urgent.)
    totals = list(raw)
    for cause, rules in suspected.items():
        if index.rule_rank[rules[0]] >= urgency[cause]:
            totals[cause] = max(totals[cause], thresholds[cause])
    # Rules and signs are in the index highest level first, so the first to hold is the highest.
    floor = max(
        index.rule_rank[fired[0]] if fired else 0, index.sign_rank[matched[0]] if matched else 0
    )
    # Only a cause with evidence of its own, a red flag pointing to it, or a diagnosis of
    # exclusion can be likely or listed.
    candidates = specific.keys() | clinical.keys() | suspected.keys() | index.exclusion_causes
    candidates -= excluded
    # A cause is likely when its score reaches its threshold with evidence of its own: an answer
    # specific to it, or a red flag that points to it (who the person is and where it hurts
    # cannot make it likely alone).
    likely = {
        c
        for c in candidates
        if totals[c] >= thresholds[c]
        and (c in specific or c in suspected)
        and c not in index.exclusion_causes
    }
    # A warning sign of several causes (night pain, say) names them for a doctor to rule out,
    # without lifting their scores or making them likely, unless another likely cause accounts
    # for it: one with an answer specific to it, and a feature of its own present, itself
    # evidence (MIN_EVIDENCE), that reads the sign (night pain in a pattern of inflammatory back
    # pain; a fever with pain passing urine). A warned-of cause whose own score reaches its
    # threshold is named all the same. As this makes nothing likely, it cannot change the level,
    # and a later answer that accounts for the sign cannot lower one.
    warnings = [rule for rule in fired if index.warns_of[rule]]
    reads: dict[int, set[str]] = {}  # a likely cause with evidence of its own -> what it reads
    for n in found if warnings else ():
        cause, _weight, _specific, for_clinical = weights[n]
        if for_clinical >= MIN_EVIDENCE and cause in likely and cause in specific:
            reads.setdefault(cause, set()).update(index.feature_facts[n] & atoms)
    for rule in warnings:
        warned = index.warns_of[rule]
        sign = index.rules[rule].when.facts
        accounted = any(not sign.isdisjoint(read) for c, read in reads.items() if c not in warned)
        for cause in warned:
            if cause not in excluded and (not accounted or totals[cause] >= thresholds[cause]):
                rules = suspected.setdefault(cause, [])
                rules.append(rule)
                rules.sort()  # as the index has them: highest level first
                candidates.add(cause)
    # A diagnosis of exclusion (non-specific back pain, say) is what is left when the signs of
    # other causes are absent: likely on its score alone, but never beside a red flag or a
    # likely cause that needs same-day care or more.
    if max([floor, *(urgency[c] for c in likely)]) < SERIOUS:
        likely.update(c for c in index.exclusion_causes - excluded if totals[c] >= thresholds[c])
    rank = max([floor, *(urgency[c] for c in likely)])
    drivers = sorted((c for c in likely if urgency[c] > floor), key=lambda c: (-urgency[c], c))

    shown = [
        c
        for c in candidates
        if c in suspected
        or c in likely
        or (
            totals[c] >= MIN_SCORE
            and (specific if urgency[c] > SELF_CARE else clinical).get(c, 0) >= MIN_EVIDENCE
        )
    ]
    conditions, rule_out = _lists(index, shown, likely, suspected, totals, raw, rank)
    # A cause a doctor should rule out needs a doctor: a report that names one never says to
    # look after the pain at home. Those causes are then the reasons for the level: as causes to
    # check where they stay to rule out, as causes the answers fit where the new level brings
    # them among the likely ones (a milder cause that needs a doctor's appointment).
    checks: list[int] = []
    if rank < SEE_DOCTOR and rule_out:
        raised, rank = rule_out, SEE_DOCTOR
        conditions, rule_out = _lists(index, shown, likely, suspected, totals, raw, rank)
        checks = [c for c in raised if c in rule_out]
        drivers += [c for c in raised if c in conditions]

    return Decision(
        LEVELS[rank],
        fired,
        matched,
        drivers,
        checks,
        conditions,
        rule_out,
        frozenset(likely),
        suspected,
        totals,
        raw,
        excluded,
        present,
        _advice(atoms, index, rank, conditions, {*conditions, *rule_out}),
    )


def _lists(
    index: Index,
    shown: list[int],
    likely: set[int],
    suspected: dict[int, list[int]],
    totals: list[int],
    raw: list[int],
    rank: int,
) -> tuple[list[int], list[int]]:
    """The causes shown, as the most likely (`conditions`) and those to rule out, at this level."""
    serious, urgency = index.serious, index.urgency
    fits = [c for c in shown if c in likely or (not serious[c] and urgency[c] <= rank)]
    # Likely causes first, the most urgent first, as the level rests on them; then by score
    # (for causes a red flag lifted to their threshold, by their own score), then data order.
    conditions = sorted(
        fits,
        key=lambda c: (c not in likely, -urgency[c] if c in likely else 0, -totals[c], -raw[c], c),
    )[:MAX_CONDITIONS]
    others = [
        c
        for c in shown
        if c not in conditions and (c in suspected or serious[c] or urgency[c] > rank)
    ]
    rule_out = sorted(
        others, key=lambda c: (-urgency[c], c not in suspected, -totals[c], -raw[c], c)
    )[:MAX_RULE_OUT]
    return conditions, rule_out


def _advice(
    atoms: Atoms, index: Index, rank: int, conditions: list[int], named: set[int]
) -> list[str]:
    """The advice ids for this level: from the causes ranked highest, then for everyone (general
    or given on a `when`), each once; never beside a cause it would be wrong for."""
    ids = [aid for c in conditions[:ADVICE_FROM_TOP] for aid in index.causes[c].advice]
    chosen: list[str] = []
    for aid in dict.fromkeys([*ids, *index.advice_for_everyone[rank]]):
        ranks, avoid, when, unless = index.advice[aid]
        if rank not in ranks or not avoid.isdisjoint(named):
            continue
        if when is not None and not when(atoms):
            continue
        if unless is not None and unless(atoms):
            continue
        chosen.append(aid)
    return chosen

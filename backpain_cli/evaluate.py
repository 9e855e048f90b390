"""How well the engine triages the clinical cases: run every case and count what matters.

    python -m backpain_cli.evaluate tests/cases
    python -m backpain_cli.evaluate tests/cases --format json

The metrics, safety first:

- emergency sensitivity: of the cases whose lowest safe level is `emergency`, how many got it;
- safe triage: level at or above the case's lowest safe level (below it is under-triage, a defect);
- exact triage: level among the levels a careful clinician would accept;
- over-triage: level above the highest accepted level (a cost, not a defect);
- right cause in the top three: of the cases that name causes, how many have one among the first
  three likely causes (`conditions`);
- right cause named: ... among the first three likely causes or the serious causes to rule out
  (`rule_out`), the two lists a report leads with;
- cases per condition: how many cases expect each condition among the first three.

`evaluate()` and `format_text()` are pure: no files, no printing (the knowledge base is read once
per process by the loader when no `kb` is passed). `main()` reads the case files and prints.
The exit status is 1 when any case is under-triaged, so the command can gate a build.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .answers import parse_answers
from .engine import Assessment, assess
from .knowledge import LEVEL_RANK, Knowledge, load_knowledge

#: Miss kinds, most severe first (the order misses are listed in).
MISS_KINDS = ("under-triage", "over-triage", "inexact", "cause not in top three")


@dataclass(frozen=True)
class Case:
    """One clinical case: a presentation and what a careful clinician would accept."""

    name: str
    title: str
    answers: Mapping[str, Any]
    levels: tuple[str, ...]
    lowest_safe: str
    top3: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def fraction(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        fraction = self.fraction
        share = "n/a" if fraction is None else f"{100 * fraction:.1f}%"
        return f"{share} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Miss:
    name: str
    kind: str
    expected: str
    got: str


@dataclass(frozen=True)
class Report:
    cases: int
    emergency_sensitivity: Rate
    safe_triage: Rate
    exact_triage: Rate
    over_triage: Rate
    top3: Rate
    named: Rate
    per_condition: Mapping[str, int]
    misses: tuple[Miss, ...]

    @property
    def safe(self) -> bool:
        """No under-triage: every emergency case reached emergency, every case its safe level."""
        return (
            self.emergency_sensitivity.hits == self.emergency_sensitivity.total
            and self.safe_triage.hits == self.safe_triage.total
        )

    def to_dict(self) -> dict[str, Any]:
        rates = {
            "emergency_sensitivity": self.emergency_sensitivity,
            "safe_triage": self.safe_triage,
            "exact_triage": self.exact_triage,
            "over_triage": self.over_triage,
            "top3": self.top3,
            "named": self.named,
        }
        return {
            "cases": self.cases,
            **{key: {**asdict(rate), "fraction": rate.fraction} for key, rate in rates.items()},
            "per_condition": dict(self.per_condition),
            "misses": [asdict(miss) for miss in self.misses],
        }


class CaseError(ValueError):
    """A case file that does not follow tests/cases/README.md; the message names the case."""


def case_from_dict(name: str, data: object) -> Case:
    """A Case from a decoded case file, or CaseError naming what is wrong."""
    if not isinstance(data, Mapping):
        raise CaseError(f"{name}: a case must be a JSON object")
    expect = data.get("expect")
    answers = data.get("answers")
    if not isinstance(expect, Mapping) or not isinstance(answers, Mapping):
        raise CaseError(f"{name}: a case needs 'answers' and 'expect' objects")
    levels = expect.get("levels")
    lowest = expect.get("lowest_safe")
    top3 = expect.get("top3", [])
    if not isinstance(levels, list) or not levels or any(lv not in LEVEL_RANK for lv in levels):
        raise CaseError(f"{name}: expect.levels must list levels from {list(LEVEL_RANK)}")
    if lowest not in LEVEL_RANK:
        raise CaseError(f"{name}: expect.lowest_safe must be one of {list(LEVEL_RANK)}")
    if not isinstance(top3, list) or not all(isinstance(cid, str) for cid in top3):
        raise CaseError(f"{name}: expect.top3 must be a list of condition ids")
    return Case(
        name=name,
        title=str(data.get("title", "")),
        answers=answers,
        levels=tuple(levels),
        lowest_safe=str(lowest),
        top3=tuple(top3),
    )


def evaluate(cases: Iterable[Case], kb: Knowledge | None = None) -> Report:
    """Run every case through parse_answers and assess, and count the outcomes."""
    kb = kb or load_knowledge()
    total = 0
    emergency = emergency_hit = safe = exact = over = 0
    with_top3 = top3_hit = named_hit = 0
    per_condition: dict[str, int] = {}
    misses: list[Miss] = []
    for case in cases:
        total += 1
        result = assess(parse_answers(case.answers), kb)
        level = result.level
        rank = LEVEL_RANK[level]
        shown = [cause.id for cause in result.conditions]
        to_rule_out = [cause.id for cause in result.rule_out]
        accepted = ", ".join(case.levels)
        if case.lowest_safe == "emergency":
            emergency += 1
            emergency_hit += level == "emergency"
        if rank >= LEVEL_RANK[case.lowest_safe]:
            safe += 1
        else:
            rules = ", ".join(reason.rule for reason in result.reasons) or "no rule fired"
            misses.append(
                Miss(
                    case.name,
                    "under-triage",
                    f"at least {case.lowest_safe} ({accepted})",
                    f"{level} ({rules})",
                )
            )
        if level in case.levels:
            exact += 1
        elif rank > max(LEVEL_RANK[accepted_level] for accepted_level in case.levels):
            over += 1
            fired = ", ".join(r.rule for r in result.reasons if LEVEL_RANK[r.level] == rank)
            misses.append(Miss(case.name, "over-triage", accepted, f"{level} ({fired})"))
        elif rank >= LEVEL_RANK[case.lowest_safe]:
            misses.append(Miss(case.name, "inexact", accepted, level))
        for cid in case.top3:
            per_condition[cid] = per_condition.get(cid, 0) + 1
        if case.top3:
            with_top3 += 1
            named_hit += bool(set(shown[:3] + to_rule_out) & set(case.top3))
            if set(shown[:3]) & set(case.top3):
                top3_hit += 1
            else:
                misses.append(
                    Miss(
                        case.name,
                        "cause not in top three",
                        "one of " + ", ".join(case.top3),
                        (", ".join(shown[:3]) or "no cause shown")
                        + (f"; to rule out: {', '.join(to_rule_out)}" if to_rule_out else ""),
                    )
                )
    misses.sort(key=lambda miss: (MISS_KINDS.index(miss.kind), miss.name))
    return Report(
        cases=total,
        emergency_sensitivity=Rate(emergency_hit, emergency),
        safe_triage=Rate(safe, total),
        exact_triage=Rate(exact, total),
        over_triage=Rate(over, total),
        top3=Rate(top3_hit, with_top3),
        named=Rate(named_hit, with_top3),
        per_condition=dict(sorted(per_condition.items(), key=lambda item: (-item[1], item[0]))),
        misses=tuple(misses),
    )


def format_text(report: Report) -> str:
    """The report as plain text, for people."""
    lines = [
        f"cases:                        {report.cases}",
        f"emergency sensitivity:        {report.emergency_sensitivity}",
        f"safe triage (>= lowest safe): {report.safe_triage}",
        f"exact triage:                 {report.exact_triage}",
        f"over-triage:                  {report.over_triage}",
        f"right cause in top three:     {report.top3}",
        f"right cause named:            {report.named} (top three, or to rule out)",
        "",
        "cases per condition (expected in the top three):",
    ]
    lines += [f"  {cid:32} {count}" for cid, count in report.per_condition.items()]
    lines.append("")
    if report.misses:
        lines.append(f"misses ({len(report.misses)}):")
        for miss in report.misses:
            lines.append(f"  [{miss.kind}] {miss.name}")
            lines.append(f"      expected: {miss.expected}")
            lines.append(f"      got:      {miss.got}")
    else:
        lines.append("misses: none")
    return "\n".join(lines) + "\n"


# -- reports that contradict themselves ---------------------------------------------------------


def contradictions(result: Assessment, kb: Knowledge | None = None) -> list[str]:
    """What in one assessment says two things at once; empty when it is consistent.

    - a likely cause listed that usually needs more than the level given;
    - a reason at a level above the one given;
    - a safety-net sign shown as "get help sooner if you notice" that the answers already hold;
    - a cause both among the likely causes and among those to rule out;
    - a self-care report that names a cause a doctor should rule out;
    - a reason that calls a cause not the most likely while it is listed among the likely ones.
    """
    kb = kb or load_knowledge()
    rank = LEVEL_RANK[result.level]
    found = [
        f"{cause.id} usually needs {cause.urgency}, above {result.level}"
        for cause in result.conditions
        if LEVEL_RANK[cause.urgency] > rank
    ]
    found += [
        f"reason {reason.rule} is {reason.level}, above {result.level}"
        for reason in result.reasons
        if LEVEL_RANK[reason.level] > rank
    ]
    facts, numbers = result.answers.facts, result.answers.numbers
    shown = {text for group in result.see_a_doctor for text in group.signs}
    found += [
        f"the safety net asks to watch for {sign.id}, which was reported"
        for sign in kb.safety_net
        if sign.text in shown and sign.when(facts, numbers)
    ]
    likely = {c.id for c in result.conditions}
    both = likely & {c.id for c in result.rule_out}
    found += [f"{cid} is both likely and to rule out" for cid in sorted(both)]
    found += [
        f"{reason.rule} is a cause to check and a likely cause"
        for reason in result.reasons
        if reason.kind == "check" and reason.rule in likely
    ]
    if rank < LEVEL_RANK["see_doctor_soon"]:
        found += [
            f"{cause.id} is to rule out, in a {result.level} report" for cause in result.rule_out
        ]
    return found


def generated_answers(
    count: int, bases: Sequence[Mapping[str, Any]] = (), seed: int = 0
) -> Iterator[dict[str, Any]]:
    """`count` realistic presentations: half are the answers in `bases` (case files) changed a
    little (an answer left out, one added, numbers moved), half drawn afresh a few answers at a
    time, as people give them. The same seed gives the same presentations."""
    import random

    from .knowledge import load_questions

    rng = random.Random(seed)
    questions = load_questions()
    keys = [key for key in questions.keys if key != "version"]
    for n in range(count):
        answers: dict[str, Any] = dict(rng.choice(bases)) if bases and n % 2 else {}
        answers.setdefault("age", rng.randint(16, 90))
        for key in ("side", "area"):
            answers.setdefault(key, rng.choice(questions.vocabulary[key]))
        for _ in range(rng.randint(1, 6)):
            key = rng.choice(keys)
            question = questions.keys[key]
            if question.required and rng.random() < 0.7:
                continue
            if key in answers and not question.required and rng.random() < 0.3:
                del answers[key]
            elif question.type in ("int", "number"):
                top = min(question.max or 0, 120 if key == "age" else 400)
                answers[key] = rng.randint(int(question.min or 0), int(top))
            elif question.type == "choice":
                answers[key] = rng.choice(questions.vocabulary[key])
            else:
                ids = questions.vocabulary[key]
                answers[key] = sorted(set(answers.get(key, [])) | {rng.choice(ids)})
        if answers.get("sex") == "male" and answers.get("pregnant") == "yes":
            answers["pregnant"] = "no"
        yield answers


# -- I/O ----------------------------------------------------------------------------------------


def load_case_files(folder: Path) -> list[Case]:
    """Every *.json case in a folder, sorted by name."""
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise CaseError(f"{folder}: no case files (*.json)")
    cases = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise CaseError(f"{path.stem}: not valid JSON: {error}") from None
        cases.append(case_from_dict(path.stem, data))
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backpain_cli.evaluate",
        description="Run the clinical cases through the engine and report triage safety, "
        "accuracy and the misses. Exit status 1 when any case is under-triaged.",
    )
    parser.add_argument("folder", type=Path, help="folder of case files, e.g. tests/cases")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--contradictions",
        type=int,
        metavar="N",
        help="also assess N generated presentations and count the reports that contradict "
        "themselves (exit status 1 when any does)",
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    try:
        cases = load_case_files(args.folder)
        report = evaluate(cases)
    except (CaseError, ValueError) as error:
        print(f"evaluate: error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(format_text(report))
    clashing = 0
    if args.contradictions:
        kb = load_knowledge()
        examples: list[str] = []
        bases = [case.answers for case in cases]
        for answers in generated_answers(args.contradictions, bases):
            found = contradictions(assess(parse_answers(answers), kb), kb)
            if found:
                clashing += 1
                examples += found[:1]
        sys.stdout.write(
            f"\nreports that contradict themselves: {clashing} of {args.contradictions}"
            + "".join(f"\n  {example}" for example in examples[:10])
            + "\n"
        )
    return 0 if report.safe and not clashing else 1


if __name__ == "__main__":
    sys.exit(main())

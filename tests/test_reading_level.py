"""The words a person reads stay plain: Flesch-Kincaid grade of the texts in data/, per kind.

The target (data/README.md) is a reading age of about 11 to 12, which is US school grade 6 to 7.
Each kind of text is measured as one combined text (a grade for one short sentence says little)
and must stay at or below its bound. The bounds are set from what the texts measure today, so a
harder text fails the suite; lower them as the texts are simplified, down to TARGET.

Needs the optional `textstat` package. Releases from 0.7.9 on fetch a pronouncing dictionary
over the network the first time they count syllables; this test never lets them (the tests make
no network calls) and is skipped instead. textstat 0.7.5 to 0.7.8 ship the dictionary.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest

from backpain_cli.knowledge import Knowledge

textstat = pytest.importorskip("textstat")

#: Reading age 11 to 12.
TARGET = 7.0
#: Every text a person reads, combined.
OVERALL_BOUND = 6.0  # 5.7
#: Per kind: measured grade today, rounded up a little. Lower towards TARGET, never raise.
BOUNDS = {
    "advice": 6.0,  # 5.8
    "condition summary": 6.0,  # 5.9
    "level action": 4.0,  # 3.7
    "safety net": 6.0,  # 5.6
    "when to see a doctor": 6.0,  # 5.9
    "what a doctor may check": 5.5,  # 5.3
    "rule reason": 6.0,  # 5.8
}


def _needs_download() -> bool:
    """True when this textstat would download its dictionary (nltk-based, data not present)."""
    if importlib.util.find_spec("nltk") is None:
        return False
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        return True
    return False


if _needs_download():
    pytest.skip(
        "this textstat release downloads a dictionary at run time; install textstat>=0.7.5,<0.7.9",
        allow_module_level=True,
    )


def _sentence(text: str) -> str:
    """Each text as its own sentence: bullet lines without a full stop are still sentences."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def person_texts(kb: Knowledge) -> dict[str, dict[str, str]]:
    """kind -> {name: text} for every text in data/ the report shows a person."""
    place = kb.regions["default"]
    fill = {"emergency": place.emergency, "urgent": place.urgent}
    texts: dict[str, dict[str, str]] = {
        "advice": {f"advice {a.id}": a.text for a in kb.advice.values()},
        "condition summary": {f"summary {c.id}": c.summary for c in kb.conditions.values()},
        "level action": {f"level {lv.id}": lv.action.format(**fill) for lv in kb.levels.values()},
        "safety net": {
            f"safety net {i + 1} ({s.level})": s.text for i, s in enumerate(kb.safety_net)
        },
        "when to see a doctor": {
            f"see_doctor {c.id}": c.see_doctor for c in kb.conditions.values() if c.see_doctor
        },
        "what a doctor may check": {
            f"doctor_checks {c.id} {i + 1}": check
            for c in kb.conditions.values()
            for i, check in enumerate(c.doctor_checks)
        },
        "rule reason": {f"reason {r.id}": r.reason for r in kb.rules},
    }
    return {kind: {n: _sentence(t) for n, t in items.items()} for kind, items in texts.items()}


GRADE: Callable[[str], float] = textstat.flesch_kincaid_grade


def test_bounds_cover_every_kind(kb: Knowledge) -> None:
    assert set(BOUNDS) == set(person_texts(kb))


@pytest.mark.parametrize("kind", sorted(BOUNDS))
def test_each_kind_reads_plainly(kb: Knowledge, kind: str) -> None:
    items = person_texts(kb)[kind]
    grade = GRADE(" ".join(items.values()))
    hardest = sorted(((GRADE(text), name) for name, text in items.items()), reverse=True)[:5]
    listing = "\n".join(f"  {g:5.1f}  {name}" for g, name in hardest)
    assert grade <= BOUNDS[kind], (
        f"{kind}: Flesch-Kincaid grade {grade:.1f} > {BOUNDS[kind]}; hardest:\n{listing}"
    )


def test_all_texts_together_read_plainly(kb: Knowledge) -> None:
    everything = [t for items in person_texts(kb).values() for t in items.values()]
    grade = GRADE(" ".join(everything))
    assert grade <= OVERALL_BOUND, f"all texts: Flesch-Kincaid grade {grade:.1f}"


def test_print_the_hardest_texts(kb: Knowledge, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a gate: the ten hardest single texts, to simplify first (shown with -s)."""
    scored = sorted(
        (
            (GRADE(text), name)
            for items in person_texts(kb).values()
            for name, text in items.items()
        ),
        reverse=True,
    )
    print("\nhardest texts (Flesch-Kincaid grade):")
    for grade, name in scored[:10]:
        print(f"  {grade:5.1f}  {name}")
    assert scored

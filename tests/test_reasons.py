"""Every reason says only what the person answered.

A rule's reason is read as being about the person ("Why: ..."), beside "You said: ..." (the
answers that made it fire). So its text may name a symptom, a pattern, an age or a risk only
when the rule cannot fire without it: whatever way the rule's `when` holds, that answer is
there. VOCABULARY lists the words a reason may use for answers, each with the answers it
stands for; a reason using the word must have one of those answers in every way its rule can
fire. A word no answer stands for ("new back pain": no question asks whether the pain is new)
is never allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from backpain_cli.expr import Node
from backpain_cli.knowledge import Knowledge, load_knowledge

#: an answer as the condition language has it: ("fact", key, id) or ("cmp", key, op, number)
Atom = tuple[Any, ...]
Stands = Callable[[Atom], bool]


def facts(*names: str) -> Stands:
    wanted = {tuple(name.split(".")) for name in names}
    return lambda atom: atom[0] == "fact" and (atom[1], atom[2]) in wanted


def at_least(key: str, value: float) -> Stands:
    """A comparison that only holds at `value` or above (age >= 55 stands for "50 or over")."""
    return lambda atom: (
        atom[0] == "cmp" and atom[1] == key and atom[2] in (">=", ">") and atom[3] >= value
    )


def below(key: str, value: float) -> Stands:
    return lambda atom: (
        atom[0] == "cmp" and atom[1] == key and atom[2] in ("<", "<=") and atom[3] <= value
    )


def never(_atom: Atom) -> bool:
    return False


FEVER = facts("symptoms.fever", "symptoms.chills")
TUMMY = facts(
    "symptoms.abdominal_pain", "symptoms.pain_mainly_in_tummy_or_side", "radiates_to.abdomen"
)
FAINT_OR_CLAMMY = facts("symptoms.fainting_or_dizziness", "symptoms.cold_sweat")
#: pattern -> the answers it stands for. Read case-insensitively, on word boundaries, longest
#: first: a few name two answers with "or", and stand for either (the person said one of them,
#: as the rule needs). A word after "without", "no" or "before" says nothing about the person.
VOCABULARY: dict[str, Stands] = {
    r"(feeling )?(faint, dizzy or clammy|faint or clammy|dizzy, faint or clammy)": FAINT_OR_CLAMMY,
    r"high in the back or (in )?(the )?chest": facts("area.upper", "radiates_to.chest"),
    r"(?<!glandular )fever|shiver|chills": FEVER,
    r"in waves|comes and goes": facts("character.comes_in_waves"),
    r"groin": facts("radiates_to.groin"),
    r"blood in (the|your) urine": facts("symptoms.blood_in_urine"),
    r"(?<!inside the )tummy": lambda a: TUMMY(a) or facts("symptoms.pulsing_in_abdomen")(a),
    r"being sick|feeling sick": facts("symptoms.nausea_or_vomiting"),
    r"vomiting blood|coffee grounds": facts("symptoms.vomiting_blood"),
    r"faint|dizzy": facts("symptoms.fainting_or_dizziness"),
    r"clammy|cold sweat|sweating": facts("symptoms.cold_sweat"),
    r"all the time|constant": facts("pattern.constant"),
    r"at night|wakes you": facts("pattern.night_pain", "pattern.wakes_at_night"),
    r"breathless|short of breath|shortness of breath": facts("symptoms.shortness_of_breath"),
    r"breathe in": facts("pattern.worse_breathing_in"),
    r"coughing up blood|cough up blood": facts("symptoms.coughing_blood"),
    r"cough|sneeze": facts(
        "symptoms.cough", "pattern.worse_coughing_or_sneezing", "symptoms.coughing_blood"
    ),
    r"chest pain|(in|into|to) (the|your) chest|chest, arm": facts(
        "symptoms.chest_pain", "radiates_to.chest"
    ),
    r"\barm\b|jaw": facts("radiates_to.arm_or_jaw"),
    r"tip of the shoulder": facts("radiates_to.shoulder"),
    r"below the knee": facts("radiates_to.below_knee"),
    r"both legs": facts("symptoms.both_legs", "legs.both"),
    r"cannot walk|not being able to walk": facts("symptoms.unable_to_walk"),
    r"sudden": facts("onset.sudden"),
    r"sharp": facts("character.sharp"),
    r"severe|very bad|bad pain": lambda a: (
        at_least("severity", 7)(a) or facts("character.worst_pain_ever")(a)
    ),
    r"over 50|50 or over|from the age of 50|after 50|from 50": at_least("age", 50),
    r"over 60|after the age of 60": at_least("age", 60),
    r"70 or over|from the age of 70": at_least("age", 70),
    r"under 18|children and teenagers|young people": below("age", 18),
    r"young children": below("age", 6),
    r"upper back|between the shoulder|high (up )?in the back": facts("area.upper"),
    r"upper or middle back": facts("area.upper", "area.middle"),
    r"middle back|below the ribs": facts("area.middle"),
    r"lower back": facts("area.lower"),
    r"low down": facts("area.lower", "radiates_to.groin"),
    r"on one side|in one side": facts("side.left", "side.right"),
    r"on the left|the left side": facts("side.left"),
    r"on the right|the right ribs|under the right": facts("side.right"),
    r"on both sides": facts("side.both"),
    r"numbness|numb\b": facts(
        "symptoms.leg_numbness_or_tingling",
        "symptoms.saddle_numbness",
        "symptoms.both_legs",
        "symptoms.new_sexual_problems",
    ),
    r"(?<!immune system is )weak(ness)?\b(?! immune)": facts(
        "symptoms.leg_weakness", "symptoms.both_legs", "symptoms.foot_drop"
    ),
    r"bladder (or bowel )?problems|bowel problems|control of your bowels": facts(
        "symptoms.bladder_retention_or_incontinence", "symptoms.bowel_incontinence"
    ),
    r"gallstones": facts("history.gallstones"),
    r"drink a lot|alcohol": facts("lifestyle.heavy_alcohol"),
    r"inject drugs": facts("history.iv_drug_use"),
    r"diabetes": facts("history.diabetes"),
    r"only one working kidney|single kidney": facts("history.single_kidney"),
    r"glandular fever": facts("history.recent_glandular_fever"),
    r"after a knock|after a fall|a fall or knock": facts("trigger.minor_trauma"),
    r"serious accident": facts("trigger.major_trauma"),
    r"thin bones|steroid tablets": facts("history.osteoporosis", "history.long_term_steroids"),
    r"have had cancer": facts("history.cancer"),
    r"psoriasis": facts("history.psoriasis_or_bowel_inflammation"),
    r"morning": facts("pattern.morning_stiffness_over_30_min"),
    r"periods": facts("pattern.worse_during_periods"),
    r"after eating": facts("pattern.worse_after_eating_or_alcohol"),
    r"leaning forward": facts("pattern.eases_leaning_forward"),
    r"(?<!before )(?<!if )a rash|blisters": facts("symptoms.rash_or_blisters"),
    r"lump": facts("symptoms.lump_or_change_in_shape"),
    r"pulsing": facts("symptoms.pulsing_in_abdomen"),
    r"tearing|ripping": facts("character.tearing"),
    r"black poo|blood in (your|the) poo": facts("symptoms.blood_in_stool_or_black_stool"),
    r"confusion|hard to wake": facts("symptoms.confusion"),
    r"during pregnancy|in pregnancy": facts("pregnant.yes"),
    r"could be pregnant": facts("pregnant.yes", "pregnant.unsure", "symptoms.missed_period"),
    r"calf": facts("symptoms.swollen_painful_calf"),
    r"bleeding from the vagina": facts("symptoms.vaginal_bleeding"),
    r"pass urine|passing urine": facts(
        "symptoms.painful_urination",
        "symptoms.bladder_retention_or_incontinence",
        "symptoms.not_passing_urine",
        "symptoms.frequent_urination",
    ),
    # no question asks these: a reason may not say them
    r"new (back )?pain(?!, tingling)|starts after|without a clear cause": never,
    r"does not ease|without trying": never,
    r"going through to the back": never,
}


def required(node: Node, stands: Stands) -> bool:
    """Can the condition hold only with an answer `stands` stands for? (Rules have no `not`.)"""
    kind = node[0]
    if kind in ("fact", "cmp"):
        return stands(node)
    if kind == "and":
        return any(required(part, stands) for part in node[1])
    if kind == "or":
        return all(required(part, stands) for part in node[1])
    if kind == "atleast":
        count, parts = node[1], node[2]
        return sum(1 for part in parts if not required(part, stands)) < count
    raise AssertionError(f"a rule may not use {kind!r}")


NOT_SAID = re.compile(r"(without|with no|no|before) $", re.IGNORECASE)


def unsaid(kb: Knowledge) -> list[str]:
    """Each rule reason's words for answers its rule can fire without."""
    found = []
    for rule in kb.rules:
        text = rule.reason
        for pattern, stands in VOCABULARY.items():
            for match in re.finditer(rf"\b(?:{pattern})", text, re.IGNORECASE):
                if NOT_SAID.search(text[: match.start()]):
                    continue
                if not required(rule.when.tree, stands):
                    found.append(f"{rule.id}: {match.group(0)!r} ({rule.when.text})")
                # read once: a word inside a longer phrase is not read again
                text = text[: match.start()] + " " * len(match.group(0)) + text[match.end() :]
    return found


def test_every_rule_reason_names_only_what_its_rule_needs(kb: Knowledge) -> None:
    assert unsaid(kb) == []


@pytest.mark.parametrize(
    ("when", "reason", "flagged"),
    [
        ("character.comes_in_waves and radiates_to.groin", "Pain in waves into the groin.", []),
        ("character.comes_in_waves or radiates_to.groin", "Pain in waves.", ["in waves"]),
        ("age >= 55 and onset.sudden", "Sudden pain when you are over 50.", []),
        ("age >= 40", "Pain over 50.", ["over 50"]),
        ("symptoms.abdominal_pain or radiates_to.abdomen", "Tummy pain.", []),
        (
            "atleast(2, pattern.constant, pattern.night_pain, onset.sudden)",
            "Sudden pain.",
            ["Sudden"],
        ),
        ("age >= 50", "New back pain after 50.", ["New back pain"]),
        ("atleast(2, onset.sudden, severity >= 8)", "Sudden pain.", []),
        ("symptoms.fever", "A fever, even with no chest pain.", []),
        (
            "symptoms.fever or symptoms.cold_sweat",
            "A fever or feeling clammy.",
            ["fever", "clammy"],
        ),
    ],
)
def test_the_check_itself(when: str, reason: str, flagged: list[str]) -> None:
    """The check finds a word the rule can fire without, and passes one it cannot."""
    kb = load_knowledge()
    rule = kb.rules[0]._replace(id="test", reason=reason, when=_parse(when))
    got = [line.split("'")[1] for line in unsaid(kb._replace(rules=(rule,)))]
    assert got == flagged


def _parse(text: str) -> Any:
    from backpain_cli.expr import parse

    return parse(text)


def test_a_sign_reason_lists_only_the_answers_given() -> None:
    """A safety-net sign lists every way to have it ("tearing pain, sudden severe pain at 50 or
    over, or you feel faint or dizzy"); a reason resting on it says only the one the person
    gave. (The rules reach every sign's level today, so the sign is made the only reason.)"""
    from backpain_cli import engine
    from backpain_cli.answers import parse_answers
    from backpain_cli.engine.index import index_of
    from backpain_cli.report.document import build

    kb = load_knowledge()
    index = index_of(kb)
    answers = parse_answers(
        {"age": 30, "side": "left", "area": "lower", "symptoms": ["fainting_or_dizziness"]}
    )
    atoms = index.comparisons.atoms(answers.facts, answers.numbers)
    made = engine.decide(atoms, index)
    sign = next(n for n, s in enumerate(index.signs) if s.id == "sign_tearing_or_collapse")
    assert sign in made.matched
    (reason,) = engine._reasons(atoms, answers, index, made._replace(fired=[], drivers=[]))
    assert reason.kind == "sign" and reason.because == ("fainting, feeling faint or dizzy",)
    assert reason.text.startswith("You told us about fainting, feeling faint or dizzy. ")
    assert "tearing" not in reason.text
    report = engine.assess(answers)._replace(reasons=(reason,))
    (why,) = [s for s in build(report).sections if s.id == "why"]
    (item,) = [b for b in why.blocks if b.kind == "item"]
    assert "".join(part for part, role in item.spans if role != "cite").startswith(reason.text)


def test_because_names_only_the_answers_given_for_a_feature_that_is_an_or() -> None:
    """A feature that is an `or` of answers has a label naming them all ("an ache, sharp pain
    or stiffness"); "because you said" gives only the ones the person gave ("a dull ache")."""
    from hypothesis import given, settings
    from test_properties import answers_dicts

    from backpain_cli import engine
    from backpain_cli.answers import parse_answers
    from backpain_cli.engine.index import index_of

    kb = load_knowledge()
    index = index_of(kb)
    ors = [n for n, (_number, words) in enumerate(index.said_as) if words[0][0] is not None]
    assert len(ors) >= 10  # the check below has features to check
    labels = {index.features[n][2] for n in ors}
    words = {words for n in ors for _fact, words in index.said_as[n][1]}

    @settings(max_examples=300, deadline=None)
    @given(answers_dicts())
    def check(document: dict[str, Any]) -> None:
        answers = parse_answers(document)
        given_words = {kb.questions.quoted[fact] for fact in answers.facts}
        report = engine.assess(answers)
        for cause in (*report.conditions, *report.rule_out):
            for said in cause.because:
                assert said not in labels - given_words, (cause.id, said)
                if said in words:
                    assert said in given_words, (cause.id, said)

    check()
    # and the example from the report review: an ache, never "sharp pain", said for a strain
    strain = parse_answers(
        {
            "age": 35, "sex": "female", "side": "both", "area": "lower", "onset": "gradual",
            "trigger": "exercise_or_overuse", "duration_days": 3, "severity": 4,
            "character": ["dull_ache"],
        }
    )  # fmt: skip
    (muscle,) = [c for c in engine.assess(strain).conditions if c.id == "muscle_strain"]
    assert "a dull ache" in muscle.because
    assert not any("sharp" in said for said in muscle.because)

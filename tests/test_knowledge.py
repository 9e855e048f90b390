"""The knowledge base in data/: complete, cited, and guarded by the loader's checks."""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from backpain_cli.engine.index import index_of
from backpain_cli.expr import Expr
from backpain_cli.knowledge import (
    COMPILED,
    GRADES,
    Knowledge,
    KnowledgeError,
    compile_knowledge,
    data_dir,
    load_knowledge,
)

DESIGN_CONDITIONS = [
    "nonspecific_back_pain",
    "muscle_strain",
    "disc_herniation_sciatica",
    "spinal_stenosis",
    "sacroiliac_joint",
    "vertebral_fracture",
    "axial_spondyloarthritis",
    "scoliosis",
    "cauda_equina_syndrome",
    "spinal_infection",
    "spinal_malignancy",
    "kidney_stone",
    "kidney_infection",
    "aortic_aneurysm",
    "aortic_dissection",
    "heart_attack",
    "pulmonary_embolism",
    "pneumonia_pleurisy",
    "pneumothorax",
    "pancreatitis",
    "peptic_ulcer",
    "diverticulitis",
    "gallbladder",
    "spleen_injury",
    "ectopic_pregnancy",
    "ovarian_cyst_or_torsion",
    "endometriosis",
    "pregnancy_back_pain",
    "shingles",
]


def test_every_condition_of_the_design_is_in_the_knowledge_base(kb: Knowledge) -> None:
    assert len(DESIGN_CONDITIONS) == 29
    assert sorted(set(DESIGN_CONDITIONS) - set(kb.conditions)) == []


def test_every_condition_is_complete_and_cited(kb: Knowledge) -> None:
    for condition in kb.conditions.values():
        assert condition.sources, condition.id
        assert condition.doctor_checks, condition.id
        assert any(f.weight > 0 for f in condition.features), condition.id
        for feature in condition.features:
            assert feature.estimate or feature.source, (condition.id, feature.when.text)


def test_every_rule_and_advice_is_cited(kb: Knowledge) -> None:
    assert all(rule.sources and rule.reason for rule in kb.rules)
    assert all(advice.sources and advice.grade in GRADES for advice in kb.advice.values())


def test_every_advice_entry_can_reach_a_report(kb: Knowledge) -> None:
    listed = {aid for condition in kb.conditions.values() for aid in condition.advice}
    unreachable = [
        aid
        for aid, advice in kb.advice.items()
        if aid not in listed and not advice.general and advice.when is None
    ]
    assert unreachable == []


def test_acupuncture_is_graded_honestly(kb: Knowledge) -> None:
    """NICE NG59 advises against it, ACP 2017 lists it as an option: guidelines disagree."""
    assert kb.advice["acupuncture"].grade == "guidelines_disagree"
    assert {"nice_ng59", "acp_2017"} <= set(kb.advice["acupuncture"].sources)


def test_paracetamol_alone_is_not_recommended(kb: Knowledge) -> None:
    """NICE NG59 1.2.11: do not offer paracetamol alone for low back pain."""
    assert kb.advice["paracetamol_alone"].grade == "not_recommended"


def test_hydration_advice_belongs_to_kidney_stones_only(kb: Knowledge) -> None:
    users = [c.id for c in kb.conditions.values() if "hydration_for_stones" in c.advice]
    assert users == ["kidney_stone"]


# -- the loader refuses a broken knowledge base ------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    # An installed copy also holds the knowledge base compiled at build time; leave it out so
    # that the loader reads the TOML this test breaks.
    shutil.copytree(str(data_dir()), target, ignore=shutil.ignore_patterns(COMPILED))
    return target


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


RULE = """
[[rule]]
id = "test_rule"
level = "urgent"
when = "{when}"
reason = "A test."
sources = [{sources}]
"""


@pytest.mark.parametrize(
    ("when", "sources", "words"),
    [
        ("symptoms.fevr", '"nhs_back_pain"', "unknown id in 'symptoms.fevr'"),
        ("symtoms.fever", '"nhs_back_pain"', "unknown key"),
        ("symptoms.fever", "", "missing sources"),
        ("symptoms.fever", '"no_such_source"', "unknown source"),
        ("not symptoms.fever", '"nhs_back_pain"', "may not use 'not'"),
        ("sex >= 3", '"nhs_back_pain"', "is not a number answer"),
        ("symptoms.fever and", '"nhs_back_pain"', "ends too early"),
    ],
)
def test_a_broken_rule_is_a_load_error(
    data_copy: Path, when: str, sources: str, words: str
) -> None:
    append(data_copy / "rules.toml", RULE.format(when=when, sources=sources))
    with pytest.raises(KnowledgeError, match=words):
        load_knowledge(data_copy)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('rule_out = ["no_such_cause"]', "unknown condition 'no_such_cause' in rule_out"),
        (
            'suspects = ["spinal_infection"]\nrule_out = ["spinal_infection"]',
            "in both suspects and rule_out",
        ),
        ('rule_out = ["muscle_strain"]', "a diagnosis of exclusion, never one to rule out"),
    ],
)
def test_a_rule_naming_a_cause_to_rule_out_is_checked(
    data_copy: Path, extra: str, words: str
) -> None:
    rule = RULE.format(when="symptoms.fever", sources='"nhs_back_pain"') + extra + "\n"
    append(data_copy / "rules.toml", rule)
    with pytest.raises(KnowledgeError, match=words):
        load_knowledge(data_copy)


def test_a_condition_without_a_source_is_a_load_error(data_copy: Path) -> None:
    path = data_copy / "conditions" / "muscle_strain.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("sources = [")
    path.write_text(text[:start] + "sources = []" + text[text.index("]", start) + 1 :])
    with pytest.raises(KnowledgeError, match=r"muscle_strain\.toml: missing sources"):
        load_knowledge(data_copy)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("prior = -4.6", "prior = -4.605", r"kidney_stone\.toml: prior -4\.605 has more than two"),
        ("weight = 1.5", "weight = 1.504", r"weight 1\.504 has more than two decimal places"),
    ],
)
def test_a_log_odds_past_two_decimal_places_is_a_load_error(
    data_copy: Path, old: str, new: str, words: str
) -> None:
    """The engine adds priors and weights as exact hundredths, so the data must be given so."""
    path = data_copy / "conditions" / "kidney_stone.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=words):
        load_knowledge(data_copy)


def test_advice_with_an_unknown_grade_is_a_load_error(data_copy: Path) -> None:
    append(
        data_copy / "advice.toml",
        '[[advice]]\nid = "x"\ntopic = "self_care"\ntitle = "X"\ntext = "X"\n'
        'grade = "probably_fine"\nsources = ["nice_ng59"]\n',
    )
    with pytest.raises(KnowledgeError, match="grade must be one of"):
        load_knowledge(data_copy)


def test_a_missing_file_is_a_load_error(data_copy: Path) -> None:
    (data_copy / "levels.toml").unlink()
    with pytest.raises(KnowledgeError, match=r"levels\.toml is missing"):
        load_knowledge(data_copy)


def test_a_rule_id_used_twice_is_a_load_error(data_copy: Path) -> None:
    append(
        data_copy / "rules.toml",
        '[[rule]]\nid = "under_18"\nlevel = "urgent"\nwhen = "age < 18"\n'
        'reason = "Again."\nsources = ["nhs_back_pain"]\n',
    )
    with pytest.raises(KnowledgeError, match="under_18: id used twice"):
        load_knowledge(data_copy)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ('{ text = "A test", when = "sex.mail" }', "doctor_checks 1: unknown id in 'sex.mail'"),
        ('{ text = "A test", wen = "sex.male" }', "unknown key 'wen'; did you mean 'when'"),
        ('{ text = "A test" }', "doctor_checks 1: missing when"),
    ],
)
def test_a_broken_doctor_check_is_a_load_error(data_copy: Path, entry: str, words: str) -> None:
    path = data_copy / "conditions" / "muscle_strain.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("doctor_checks = [", f"doctor_checks = [\n  {entry},", 1))
    with pytest.raises(KnowledgeError, match=words):
        load_knowledge(data_copy)


def test_a_doctor_check_with_when_applies_only_where_it_holds(kb: Knowledge) -> None:
    """A pregnancy test for kidney infection: not for a man, nor for a woman who said she is
    not pregnant; for a woman who is unsure, and when sex was not given."""
    infection = kb.conditions["kidney_infection"]
    test = "A pregnancy test, as infection in pregnancy needs extra care"
    assert test in infection.doctor_checks
    for facts, shown in (
        ({"sex.male"}, False),
        ({"sex.female", "pregnant.no"}, False),
        ({"sex.female", "pregnant.unsure"}, True),
        (set(), True),
    ):
        assert (test in infection.checks_for(frozenset(facts), {"age": 30})) is shown, facts
    assert test not in infection.checks_for(frozenset(), {"age": 70})
    # the checks that always apply stay, in their order
    always = [check for check in infection.doctor_checks if check != test]
    assert list(infection.checks_for(frozenset({"sex.male"}), {"age": 30})) == always


def _plain(value: Any) -> Any:
    """A knowledge base as plain data: every condition by its text and parsed tree."""
    if isinstance(value, Expr):
        return ("expr", value.text, value.tree, value.facts, value.numbers, value.negated)
    if isinstance(value, tuple):
        return (type(value).__name__, *map(_plain, value))
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def test_the_installed_knowledge_base_matches_the_toml_beside_it() -> None:
    """The wheel carries data/ twice: as TOML, and compiled (knowledge.pickle) for a fast
    start. Loaded either way, it is the same knowledge base, and its conditions test alike."""
    root = data_dir()
    if not (root / COMPILED).is_file():
        pytest.skip("a source checkout reads the TOML directly; nothing compiled to compare")
    compiled = load_knowledge()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "data"
        shutil.copytree(str(root), target, ignore=shutil.ignore_patterns(COMPILED))
        from_toml = load_knowledge(target)
    assert _plain(compiled) == _plain(from_toml)
    assert index_of(compiled).kb is compiled
    facts = frozenset(list(compiled.questions.labels)[::3])
    numbers = {"age": 55.0, "severity": 8.0, "duration_days": 3.0}
    for mine, theirs in zip(compiled.rules, from_toml.rules, strict=True):
        assert mine.when(facts, numbers) == theirs.when(facts, numbers), mine.id


def test_the_compiled_knowledge_base_round_trips(tmp_path: Path) -> None:
    target = tmp_path / "data"
    shutil.copytree(str(data_dir()), target, ignore=shutil.ignore_patterns(COMPILED))
    kb = load_knowledge(target)
    again = pickle.loads(compile_knowledge(target))
    assert _plain(again) == _plain(kb)
    facts = frozenset({"symptoms.saddle_numbness", "side.left"})
    for mine, theirs in zip(again.rules, kb.rules, strict=True):
        assert mine.when(facts, {"age": 70}) == theirs.when(facts, {"age": 70}), mine.id


# -- strict data: every table refuses a key it does not know ---------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        (
            "conditions/ectopic_pregnancy.toml",
            "exclude = [",
            "exlude = [",
            r"conditions/ectopic_pregnancy\.toml: unknown key 'exlude'; did you mean 'exclude'\?",
        ),
        ("conditions/kidney_stone.toml", "weight = 1.2", "wieght = 1.2", "unknown key 'wieght'"),
        ("conditions/kidney_stone.toml", 'level = "urgent"', 'levl = "urgent"', "unknown key"),
        ("rules.toml", 'level = "emergency"', 'lvl = "emergency"', r"rules\.toml: rule"),
        ("advice.toml", 'grade = "recommended"', 'grde = "recommended"', r"advice\.toml"),
        ("levels.toml", 'level = "urgent"', 'levle = "urgent"', r"levels\.toml: safety_net"),
        ("levels.toml", 'name = "Urgent"', 'nme = "Urgent"', r"levels\.toml: level urgent"),
        ("questions.toml", 'short = "Age"', 'shrt = "Age"', r"questions\.toml: question age"),
        ("questions.toml", '{ id = "male", label = "male" }', '{ id = "male", lab = "male" }',
         "choice male: unknown key 'lab'"),
        ("regions.toml", 'emergency = "999"', 'emergncy = "999"', r"regions\.toml: region uk"),
        ("sources/core.toml", 'year = "2018"', 'yaer = "2018"', r"sources/core\.toml"),
    ],
)  # fmt: skip
def test_an_unknown_key_is_a_load_error_naming_the_file_and_the_key(
    data_copy: Path, file: str, old: str, new: str, words: str
) -> None:
    path = data_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=words):
        load_knowledge(data_copy)


def test_a_cause_may_not_count_an_alarm_sign_against_itself(data_copy: Path) -> None:
    """Adding an alarm answer must never lower the level, so no feature may weigh one against
    a cause that needs more than self-care."""
    append(
        data_copy / "conditions" / "kidney_stone.toml",
        '[[feature]]\nwhen = "symptoms.chest_pain"\nweight = -1.0\nestimate = true\n',
    )
    with pytest.raises(KnowledgeError, match=r"counts the alarm sign 'symptoms\.chest_pain'"):
        load_knowledge(data_copy)


def test_evidence_for_a_cause_may_not_use_not(data_copy: Path) -> None:
    """Adding an answer must never take away evidence for a cause."""
    append(
        data_copy / "conditions" / "kidney_stone.toml",
        '[[feature]]\nwhen = "not symptoms.fever"\nlabel = "x"\nweight = 0.5\nestimate = true\n',
    )
    with pytest.raises(KnowledgeError, match="may not use 'not'"):
        load_knowledge(data_copy)


def test_every_condition_has_a_threshold_with_a_reason(kb: Knowledge) -> None:
    """Each reason states the threshold it explains, so the two cannot drift apart."""
    for condition in kb.conditions.values():
        assert f"ln odds {condition.threshold:g})" in condition.threshold_note, condition.id
        assert condition.urgent_if, condition.id


def test_rules_safety_net_signs_and_causes_have_distinct_ids(data_copy: Path) -> None:
    text = (data_copy / "levels.toml").read_text(encoding="utf-8")
    (data_copy / "levels.toml").write_text(
        text.replace('id = "sign_fever"', 'id = "fever_with_back_pain"'), encoding="utf-8"
    )
    with pytest.raises(KnowledgeError, match="'fever_with_back_pain' is also a rule id"):
        load_knowledge(data_copy)

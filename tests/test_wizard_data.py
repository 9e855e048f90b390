"""What the wizard asks, checked on the data and the readers without a terminal: every list fits
a screen, every choice starts on a neutral option, "not sure" matches nothing, each new id counts
wherever the id it stands beside counts, wording for someone else, and what people type."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backpain_cli.knowledge import (
    COMPILED,
    Knowledge,
    KnowledgeError,
    data_dir,
    load_knowledge,
    load_questions,
)
from backpain_cli.typed import NotUnderstood, read_duration, read_number, say_days
from backpain_cli.wizard import Wizard

QUESTIONS = [q for q in load_questions().questions if q.wizard]
#: With its question, help, keys line and "None of these", a list of this many options still
#: fits a 24-line screen (tests/test_wizard.py walks every list at 80x24).
MOST_OPTIONS = 15


def _conditions(kb: Knowledge) -> list[tuple[str, str]]:
    """Every condition over answers in the knowledge base, with where it is."""
    found = [(f"rule {r.id}", r.when.text) for r in kb.rules]
    found += [(f"sign {s.id}", s.when.text) for s in kb.safety_net]
    for condition in kb.conditions.values():
        found += [(f"{condition.id} feature", f.when.text) for f in condition.features]
        found += [(f"{condition.id} exclude", e.text) for e in condition.exclude]
    for advice in kb.advice.values():
        found += [(f"advice {advice.id}", t.text) for t in (advice.when, advice.unless) if t]
    return found


def test_every_list_fits_a_screen_and_every_choice_starts_on_a_neutral_option() -> None:
    for question in QUESTIONS:
        offered = [c for c in question.choices if c.wizard]
        if question.type == "multi":
            assert len(offered) <= MOST_OPTIONS, (question.id, len(offered))
        if question.type == "choice":
            assert question.default, f"{question.id}: the cursor needs a neutral start"


def test_not_sure_matches_nothing_so_it_can_never_lower_a_level(kb: Knowledge) -> None:
    """'Not sure' is no answer: no rule, sign, feature, exclusion or advice names it."""
    unsure = [f for f in kb.questions.labels if f.endswith(".not_sure")]
    assert {f.split(".")[0] for f in unsure} >= {"side", "area", "onset", "legs"}
    for where, text in _conditions(kb):
        named = [fact for fact in unsure if fact in text]
        assert not named, f"{where} names {named}"


#: Each new id counts wherever the id it stands beside counts: (the id, what it stands beside).
BESIDE = [
    ("symptoms.foot_drop", r"symptoms\.leg_weakness"),
    ("symptoms.not_passing_urine", r"symptoms\.bladder_retention_or_incontinence"),
    ("symptoms.loss_of_feeling_during_sex", r"symptoms\.new_sexual_problems"),
    ("symptoms.pain_mainly_in_tummy_or_side", r"symptoms\.abdominal_pain"),
    ("radiates_to.behind_knee", r"radiates_to\.buttock_or_thigh"),
    ("radiates_to.hip", r"radiates_to\.buttock_or_thigh"),
    ("character.worst_pain_ever", r"severity >= [0-9]+"),
    ("pattern.wakes_at_night", r"pattern\.night_pain"),
]


@pytest.mark.parametrize(("new", "old"), BESIDE)
def test_a_new_id_counts_wherever_the_id_it_stands_beside_counts(
    kb: Knowledge, new: str, old: str
) -> None:
    for where, text in _conditions(kb):
        if where.startswith("advice"):
            continue  # advice.toml is outside the wizard's data; see the report's issue
        if re.search(old, text):
            assert new in text, f"{where}: {text!r} names {old} without {new}"


def test_every_alarm_question_is_asked_as_new_sudden_or_getting_worse() -> None:
    alarms = [q for q in QUESTIONS if q.alarm]
    assert len(alarms) >= 2
    assert all("new, sudden or getting worse" in q.prompt for q in alarms)
    assert not any("right now" in q.prompt for q in alarms)


def test_options_for_women_only_say_so_in_their_when() -> None:
    for fact in ("symptoms.vaginal_bleeding", "symptoms.missed_period"):
        key, cid = fact.split(".")
        choice = next(c for q in QUESTIONS for c in q.choices if q.key == key and c.id == cid)
        assert choice.when is not None
        assert not choice.when(frozenset({"sex.male"}), {"age": 30})
        assert choice.when(frozenset({"sex.female"}), {"age": 30})


def _offered(answers: dict[str, Any]) -> set[str]:
    wizard = Wizard(initial=answers)
    return {
        f"{q.key}.{c.id}" for q in wizard.questions if wizard.applies(q) for c in wizard.shown(q)
    }


def test_a_man_is_offered_no_option_for_women_only_and_a_woman_none_for_men() -> None:
    man = _offered({"age": 30, "sex": "male"})
    woman = _offered({"age": 30, "sex": "female"})
    only_women = {
        "symptoms.vaginal_bleeding",
        "symptoms.missed_period",
        "pattern.worse_during_periods",
        "history.gave_birth_recently",
        "symptoms.loss_of_feeling_during_sex",
    }
    assert only_women <= woman
    assert not man & only_women
    assert "pregnant.unsure" not in man
    assert "symptoms.new_sexual_problems" in man - woman  # it names an erection
    assert "pattern.night_pain" not in man | woman  # split in two for the wizard


def test_a_child_is_offered_no_option_about_sex_drugs_smoking_drink_or_work() -> None:
    from_12 = {
        "symptoms.new_sexual_problems",
        "symptoms.loss_of_feeling_during_sex",
        "history.hormone_pill_or_hrt",
        "history.iv_drug_use",
        "lifestyle.smoker",
        "lifestyle.ex_smoker",
        "lifestyle.heavy_alcohol",
    }
    from_16 = {"lifestyle.physically_demanding_job"}
    offered = {
        age: _offered({"age": age, "sex": "male"}) | _offered({"age": age, "sex": "female"})
        for age in (9, 11, 12, 15, 16, 30)
    }
    for age, shown in offered.items():
        assert (from_12 <= shown) == (age >= 12), age
        assert not shown & from_12 or age >= 12, age
        assert (from_16 <= shown) == (age >= 16), age
    # the signs a child's pain needs are still asked
    assert {"symptoms.saddle_numbness", "symptoms.fever"} <= offered[9]


def test_someone_else_is_spoken_of_as_they() -> None:
    texts = [(q.prompt_they, q.help_they) for q in QUESTIONS if q.key != "answering_for"]
    texts += [(c.label_they, "") for q in QUESTIONS for c in q.choices if c.wizard]
    for text in (t for pair in texts for t in pair):
        assert not re.search(r"\b[Yy]ou(r|rs|rself)?\b", text), text
    age = next(q for q in QUESTIONS if q.key == "age")
    assert age.prompt == "How old are you?" and age.prompt_they == "How old are they?"
    labels = {c.id: c.label_they for q in QUESTIONS for c in q.choices}
    assert labels["wakes_at_night"] == "it wakes them at night"


def test_you_as_an_object_is_written_with_its_form_for_someone_else() -> None:
    """'wakes you' must become 'wakes them', not 'wakes they': such a 'you' is marked."""
    raw = (Path(data_dir()) / "questions.toml").read_text(encoding="utf-8")
    raw = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    after = r"\b(to|for|with|at|wakes|makes|lets|helps|tells|gives|asks|stops|keeps) you\b"
    unmarked = re.findall(after, re.sub(r"\[[^\]]*\]", "", raw))
    assert not unmarked, unmarked


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(str(data_dir()), target, ignore=shutil.ignore_patterns(COMPILED))
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('default = "not_sure"\nprompt = "Which side', 'default = "nowhere"\nprompt = "Which side',
         "default 'nowhere' is not one of its choices"),
        ('ask = "duration"\ncomes', 'ask = "words"\ncomes', "ask must be one of"),
        ('comes_and_goes = "pattern.keeps_coming_back"', 'comes_and_goes = "pattern.nope"',
         "comes_and_goes names no answer id"),
        ('it wakes [you|them] at night', 'it wakes [you at night', "only for [you|them]"),
    ],
)  # fmt: skip
def test_a_broken_question_is_a_load_error(
    data_copy: Path, old: str, new: str, message: str
) -> None:
    path = data_copy / "questions.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        load_knowledge(data_copy)


@pytest.mark.parametrize(
    ("typed", "days", "recurring"),
    [
        ("6 hours", 0.25, False),
        ("3 weeks", 21, False),
        ("2 months", 60, False),
        ("on and off for years", 730, True),
        ("a year", 365, False),
        ("today", 0, False),
        ("10", 10, False),
        ("for about 3 days now", 3, False),
        ("a couple of weeks", 14, False),
        ("half a day", 0.5, False),
        ("2 years, comes and goes", 730, True),
        ("since yesterday", 1, False),
        ("since last night", 0.5, False),
        ("this morning", 0, False),
        ("2 to 3 weeks", 14, False),  # a range: the least it can mean
        ("2-3 weeks", 14, False),
        ("two or three days", 2, False),
    ],
)
def test_durations_in_peoples_words_are_days(typed: str, days: float, recurring: bool) -> None:
    assert read_duration(typed, 36500) == (days, recurring)
    assert read_duration(say_days(days), 36500)[0] == days  # what is shown back reads back


@pytest.mark.parametrize(
    "typed", ["nan", "inf", "1e309", "9" * 5000, "-1", "soon", "3 apples", "2 to apples", "3-"]
)
def test_what_is_not_a_duration_or_number_is_refused_with_a_message(typed: str) -> None:
    with pytest.raises(NotUnderstood, match="Please"):
        read_duration(typed, 36500)
    with pytest.raises(NotUnderstood, match="Please type a whole number from 0 to 120"):
        read_number(typed, 0, 120, whole=True)


@given(st.text(max_size=60))
def test_anything_typed_is_a_value_or_a_message(typed: str) -> None:
    for read in (
        lambda: read_number(typed, 0, 120, whole=True),
        lambda: read_number(typed, 0, 36500, whole=False),
        lambda: read_duration(typed, 36500),
    ):
        with contextlib.suppress(NotUnderstood):  # a message is fine; anything else fails
            read()


def test_garbage_is_collected_by_the_prompts_only_while_the_menus_run() -> None:
    """While the menus run, automatic collection is off (each prompt collects once it is on
    screen); it is back on afterwards, however the walk ended."""
    import gc

    from backpain_cli import wizard

    assert gc.isenabled()
    try:
        with pytest.raises(KeyboardInterrupt), wizard._collected_while_reading():
            assert not gc.isenabled()
            raise KeyboardInterrupt
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_each_prompt_collects_garbage_once_it_is_on_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import questionary
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from backpain_cli import menus

    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    with create_pipe_input() as typed:
        question = questionary.text("How old are you?", input=typed, output=DummyOutput())
        typed.send_text("40\r")
        assert menus._ask(question, lists=False) == "40"
    assert collections == [1]  # once, however often the prompt was drawn

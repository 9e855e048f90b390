"""The wizard, driven through a real pseudo-terminal (80x24) as a person would use it.

The report is redirected to a file, as in `backpain assess > report.txt`, which also proves the
prompts go to the terminal and the report to standard output. The screen is read through a
terminal emulator (tests/terminal.py): what is checked is what a person sees.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from conftest import run_cli
from terminal import BACK, CLEAR, ENTER, EOT, STOP, Terminal

#: What only a woman is offered; a man must never see any of it.
FOR_WOMEN_ONLY = ("vagina", "period", "gave birth", "pregnant", "genitals during sex")


def start(term: Terminal, age: str = "33", sex: str = "male") -> None:
    term.pick("Are you answering for yourself, or for someone else?", "I am answering for myself")
    term.type("How old are you?", age)
    term.pick("What sex were you assigned at birth?", sex)


def to_the_alarms(term: Terminal, age: str = "33") -> None:
    """A man, right side, lower back."""
    start(term, age)
    term.pick("Which side of your back hurts?", "pain on the right")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")


def shown_for(term: Terminal, prompt: str) -> list[str]:
    return term.options(prompt)[0]


def test_a_walk_as_a_man_offers_nothing_for_women_and_ends_in_a_report(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--save-answers", "answers.json")
    term.see("Question 1 of about")
    start(term)
    side = shown_for(term, "Which side of your back hurts?")
    assert "not sure which side" in side
    assert term.options("Which side of your back hurts?")[1] == side.index("not sure which side")
    term.pick("Which side of your back hurts?", "pain on the right")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    seen: list[str] = []
    for prompt in ("Have you noticed any of these, new, sudden or getting worse?",):
        seen += shown_for(term, prompt)
        assert any("erection" in option for option in seen)
        term.tick(prompt)
    for prompt in (
        "And any of these, new, sudden or getting worse?",
        "Have you had any of these with the pain?",
    ):
        seen += shown_for(term, prompt)
        term.tick(prompt)
    term.see("Question 9 of about 21")  # progress, counting the questions that apply to him
    term.tick("Any problems when you pass urine (pee)?")
    term.pick("How did the pain start?", "the pain came on gradually")
    trigger = term.options("Did anything set it off?")
    assert trigger[0][trigger[1]] == "nothing I know of"  # a neutral start, not an accident
    term.pick("Did anything set it off?", "lifting or twisting")
    term.type("How long have you had this pain?", "3 days")
    term.type("How bad is the pain right now, from 0 to 10?", "4")
    term.tick("What does the pain feel like?", "a dull ache")
    term.tick("Does the pain spread anywhere?")
    term.tick("Do you have numbness or pins and needles in a leg?")
    for prompt in ("When is the pain worse, or better?", "Which of these fit your pain?"):
        seen += shown_for(term, prompt)
        term.tick(prompt, *(["worse when you move"] if "worse" in prompt else []))
    term.tick("Do any of these apply to you?")
    seen += shown_for(term, "And any of these: medicines, or the last few weeks?")
    term.tick("And any of these: medicines, or the last few weeks?")
    term.tick("Which of these describe your daily life?", "you smoke")
    assert not [option for option in seen if any(word in option for word in FOR_WOMEN_ONLY)]
    # the echo says the answer in words: an empty list is "none of these", never "done"
    transcript = term.transcript()
    assert "? Any problems when you pass urine (pee)? none of these" in transcript
    assert "? How long have you had this pain? 3 days" in transcript
    assert "done" not in transcript
    # the review lists every answer in full, wrapped, never cut with "..."
    term.see("Your answers:")
    review = term.transcript()[term.transcript().index("Your answers:") :]
    assert "..." not in review
    assert "Alarm signs: body: none of these" in review
    assert "How long: 3 days" in review
    assert all(len(line) <= 80 for line in term.lines())
    # choosing an answer there asks it again
    term.pick("Is this right?", "Change an answer")
    term.type("Which answer do you want to change?", "5")  # 5. Where
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    term.pick("Is this right?", "Yes: show my report")
    term.said("your answers are saved")
    assert term.finish() == 0
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("* SELF-CARE")
    assert "Muscle strain" in report
    assert "Is this right?" not in report  # the prompts went to the terminal
    saved = tmp_path / "answers.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    data = json.loads(saved.read_text())
    assert data["trigger"] == "lifting_or_twisting"
    assert data["duration_days"] == 3
    assert "asked" not in data  # a finished walk saves the answers alone
    replay = run_cli("assess", "--answers", str(saved), cwd=tmp_path)
    assert replay.returncode == 0
    assert replay.stdout.decode() == report


def test_a_woman_is_asked_about_pregnancy_from_a_neutral_start_and_sees_her_options(
    tmp_path: Path,
) -> None:
    term = Terminal(tmp_path, "--save-answers", "answers.json")
    start(term, "29", "female")
    options, cursor = term.options("Are you pregnant, or could you be?")
    assert options[cursor] == "could be pregnant"
    term.pick("Are you pregnant, or could you be?", "not pregnant")
    term.pick("Which side of your back hurts?", "pain on the left")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    nerves = shown_for(term, "Have you noticed any of these, new, sudden or getting worse?")
    assert "new loss of feeling in the genitals during sex" in nerves
    assert not [option for option in nerves if "erection" in option]
    term.tick("Have you noticed any of these, new, sudden or getting worse?")
    assert "bleeding from the vagina" in shown_for(
        term, "And any of these, new, sudden or getting worse?"
    )
    term.child.send(STOP)
    assert term.finish() == 130
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["pregnant"] == "no"
    assert saved["symptoms"] == []
    assert "alarm_symptoms" in saved["asked"]


def test_every_list_fits_the_screen_with_its_question(tmp_path: Path) -> None:
    """The longest walk: every list and its question on one 24-line screen, nothing cut."""
    term = Terminal(tmp_path)
    start(term, "30", "prefer not to say")
    term.pick("Are you pregnant, or could you be?", "pregnant")
    term.type("How many weeks pregnant are you?", "")
    term.pick("Which side of your back hurts?", "pain on the left")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    for prompt in (
        "Have you noticed any of these, new, sudden or getting worse?",
        "And any of these, new, sudden or getting worse?",
        "Have you had any of these with the pain?",
    ):
        options = shown_for(term, prompt)
        assert options[0] == "None of these"
        assert len(options) >= 10, options  # the whole list is on screen
        term.tick(prompt)
    term.tick("Any problems when you pass urine (pee)?")
    term.pick("How did the pain start?", "not sure how it started")
    term.pick("Did anything set it off?", "nothing I know of")
    term.type("How long have you had this pain?", "")
    term.type("How bad is the pain right now, from 0 to 10?", "")
    term.tick("What does the pain feel like?")
    term.tick("Does the pain spread anywhere?", "pain spreading below the knee")
    term.tick("Do you have numbness or pins and needles in a leg?")
    term.pick("Is the pain, numbness or weakness in one leg or in both legs?", "in one leg")
    for prompt in (
        "When is the pain worse, or better?",
        "Which of these fit your pain?",
        "Do any of these apply to you?",
        "And any of these: medicines, or the last few weeks?",
        "Which of these describe your daily life?",
    ):
        options = shown_for(term, prompt)
        assert options[-1] != "None of these" and len(options) >= 7, options
        term.tick(prompt)
    # a long option wraps under itself; no line is wider than the screen, no word is broken
    words = {word for line in term.transcript().splitlines() for word in line.split()}
    assert "hurrying," in words  # the option about effort, wrapped whole
    term.pick("Is this right?", "Yes: show my report")
    assert term.finish() == 0


def test_enter_on_an_option_with_nothing_ticked_says_how_to_tick(tmp_path: Path) -> None:
    """Enter on an option with nothing ticked is never taken for "no": the list stays, a line
    under it says how to tick, and it stays on screen in the longest list."""
    term = Terminal(tmp_path)
    to_the_alarms(term)
    prompt = "Have you noticed any of these, new, sudden or getting worse?"
    term.move_to(prompt, "unable to walk")
    term.child.send(ENTER)
    term.see("Space ticks an answer, then Enter. Or go to 'None of these'.")
    assert term.options(prompt)[0][-1].startswith("new loss of feeling")  # the list is whole
    term.tick(prompt, "unable to walk")
    term.see("EMERGENCY")


def test_someone_answering_for_another_person_is_asked_about_them(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--line-mode")
    term.answer_line("Are you answering for yourself", "2")
    term.answer_line("How old are they?", "81")
    term.answer_line("What sex were they assigned at birth?", "1")
    term.answer_line("Which side of their back hurts?", "4")
    term.answer_line("Where on their back is the pain worst?", "2")
    term.answer_line("Have they noticed any of these, new, sudden or getting worse?", "0")
    term.answer_line("And any of these, new, sudden or getting worse?", "0")
    term.answer_line("Have they had any of these with the pain?", "0")
    term.answer_line("Any problems when they pass urine", "0")
    term.answer_line("How did the pain start?", "3")
    term.answer_line("Did anything set it off?", "5")
    term.answer_line("How long have they had this pain?", "2 months")
    term.answer_line("How bad is the pain right now", "5")
    term.answer_line("What does the pain feel like?", "1")
    term.answer_line("Does the pain spread anywhere?", "0")
    term.answer_line("When is the pain worse, or better?", "0")
    term.answer_line("it wakes them at night", "1")
    term.answer_line("Do any of these apply to them?", "2")
    term.answer_line("And any of these: medicines", "0")
    term.answer_line("Which of these describe their daily life?", "0")
    term.answer_line("Is this right?", "1")
    assert term.finish() == 0
    said = term.transcript()
    assert "their blood" not in said and "How old are you?" not in said
    assert "Your answer: 2 months" in said
    # each answer is said back as its option said it, about them (here and on the review screen)
    assert "Your answer: it wakes them at night" in said
    assert "wakes you" not in said
    assert (tmp_path / "report.txt").read_text().strip()


@pytest.mark.parametrize("how", [["--line-mode"], ["--plain"], []])
def test_line_mode_numbers_the_options_and_reads_typed_numbers(
    tmp_path: Path, how: list[str]
) -> None:
    env = {} if how else {"TERM": "dumb"}
    term = Terminal(tmp_path, *how, "--save-answers", "a.json", env=env)
    term.answer_line("Type a number from 1 to 2", "1")
    term.answer_line("How old are you?", "nan")
    term.said("Please type a whole number from 0 to 120.")
    term.answer_line("Please type a whole number", "1" * 5000)
    term.answer_line("Please type a whole number", "40")
    term.answer_line("What sex were you assigned at birth?", "9")
    term.said("Please type a whole number from 1 to 4.")
    term.answer_line("Please type a whole number from 1 to 4.", "2")
    said = term.transcript()
    assert "   1. female\n   2. male\n   3. intersex\n   4. prefer not to say" in said.replace(
        "\r", ""
    )
    assert "\x1b[" not in "".join(term.raw)  # nothing drawn: no cursor keys, no colour
    term.answer_line("Which side of your back hurts?", "5")
    term.said("Your answer: not sure which side")
    term.answer_line("Where on your back is the pain worst?", "3")
    term.answer_line("Have you noticed any of these", "0 1")
    term.said("0 (none of these) cannot go with other numbers.")
    term.answer_line("cannot go with other numbers", "0")
    term.said("Your answer: none of these")
    term.child.send(STOP)
    assert term.finish() == 130
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved["age"] == 40 and saved["side"] == "not_sure" and saved["symptoms"] == []


def test_a_bad_number_is_refused_with_a_message_and_the_wizard_goes_on(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--save-answers", "a.json")
    term.pick("Are you answering for yourself, or for someone else?", "I am answering for myself")
    term.prompt("How old are you?")
    for typed in ("nan", "inf", "1e309", "9" * 5000, "-3", "forty", "33.5"):
        term.child.send(typed + "\r")
        term.see("Please type a whole number from 0 to 120.")
        term.child.send(CLEAR)
        term.until(lambda: "whole number" not in "".join(term.lines()), "the message cleared")
    term.child.send("44\r")
    term.prompt("What sex were you assigned at birth?")
    assert "Unhandled exception" not in term.transcript()
    assert "Press ENTER" not in term.transcript()
    term.child.send(STOP)
    assert term.finish() == 130
    assert json.loads((tmp_path / "a.json").read_text())["age"] == 44


def test_durations_are_said_in_words_and_stored_in_days(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--save-answers", "a.json")
    to_the_alarms(term)
    term.tick("Have you noticed any of these, new, sudden or getting worse?")
    term.tick("And any of these, new, sudden or getting worse?")
    term.tick("Have you had any of these with the pain?")
    term.tick("Any problems when you pass urine (pee)?")
    term.pick("How did the pain start?", "the pain came on slowly, over weeks or months")
    term.pick("Did anything set it off?", "nothing I know of")
    term.prompt("How long have you had this pain?")
    term.child.send("since forever\r")
    term.see("Please say how long, such as 6 hours")
    term.child.send(CLEAR + "on and off for years\r")
    term.prompt("How bad is the pain right now, from 0 to 10?")
    term.child.send(STOP)
    assert term.finish() == 130
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved["duration_days"] == 730
    assert saved["pattern"] == ["keeps_coming_back"]
    assert saved["onset"] == "over_weeks_or_months"


def test_ctrl_c_saves_and_resume_says_so_and_asks_only_what_is_missing(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--save-answers", "answers.json")
    to_the_alarms(term, age="52")
    term.tick(
        "Have you noticed any of these, new, sudden or getting worse?"
    )  # none: must not be asked again
    term.prompt("And any of these, new, sudden or getting worse?")
    term.child.send(STOP)
    term.said("saved in answers.json")
    term.said("Carry on later with: backpain assess --resume answers.json")
    assert term.finish() == 130
    assert "Traceback" not in term.transcript()
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["age"] == 52 and saved["side"] == "right"
    assert (tmp_path / "answers.json").stat().st_mode & 0o777 == 0o600

    # Doing exactly what it says, and stopping again: saved again, to the same file.
    term = Terminal(tmp_path, "--resume", "answers.json")
    term.said("Carrying on from answers.json: 6 questions answered")
    term.prompt("And any of these, new, sudden or getting worse?")  # the first question asked
    assert "Have you noticed any of these" not in term.transcript()
    term.tick("And any of these, new, sudden or getting worse?")
    term.prompt("Have you had any of these with the pain?")
    term.child.send(STOP)
    term.said("saved in answers.json")
    assert term.finish() == 130
    again = json.loads((tmp_path / "answers.json").read_text())
    assert "alarm_body_symptoms" in again["asked"]

    term = Terminal(tmp_path, "--resume", "answers.json", "--save-answers", "done.json")
    term.said("Carrying on from answers.json: 7 questions answered")
    term.tick("Have you had any of these with the pain?")
    term.tick("Any problems when you pass urine (pee)?")
    term.pick("How did the pain start?", "the pain came on gradually")
    term.pick("Did anything set it off?", "lifting or twisting")
    term.type("How long have you had this pain?", "6 hours")
    term.type("How bad is the pain right now, from 0 to 10?", "4")
    term.tick("What does the pain feel like?", "a dull ache")
    term.tick("Does the pain spread anywhere?")
    term.tick("Do you have numbness or pins and needles in a leg?")
    term.tick("When is the pain worse, or better?")
    term.tick("Which of these fit your pain?")
    term.tick("Do any of these apply to you?")
    term.tick("And any of these: medicines, or the last few weeks?")
    term.tick("Which of these describe your daily life?")
    term.pick("Is this right?", "Yes: show my report")
    assert term.finish() == 0
    done = json.loads((tmp_path / "done.json").read_text())
    assert done["age"] == 52 and done["duration_days"] == 0.25
    assert json.loads((tmp_path / "answers.json").read_text()) == again  # told otherwise


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("lines", [False, True])
def test_a_signal_saves_the_answers_and_restores_the_terminal(
    tmp_path: Path, signum: signal.Signals, status: int, lines: bool
) -> None:
    term = Terminal(tmp_path, "--save-answers", "a.json", *(["--line-mode"] if lines else []))
    if lines:
        term.answer_line("Are you answering", "1")
        term.answer_line("How old are you?", "61")
        term.answer_line("What sex were you assigned at birth?", "")
    else:
        term.pick("Are you answering for yourself, or for someone else?", "I am answering for")
        term.type("How old are you?", "61")
        term.prompt("What sex were you assigned at birth?")
    term.signal(signum)
    assert term.finish() == status
    saved = tmp_path / "a.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert json.loads(saved.read_text())["age"] == 61
    assert term.terminal_restored()
    assert "Traceback" not in term.transcript()


@pytest.mark.parametrize("at_list", [False, True])
def test_ctrl_d_saves_and_exits_2_with_a_hint(tmp_path: Path, at_list: bool) -> None:
    term = Terminal(tmp_path, "--save-answers", "a.json")
    term.pick("Are you answering for yourself, or for someone else?", "I am answering for")
    if at_list:
        term.type("How old are you?", "33")
        term.prompt("What sex were you assigned at birth?")
    else:
        term.prompt("How old are you?")
    term.child.send(EOT)
    term.said("the input ended before the questions were answered")
    term.said("saved in a.json")
    assert term.finish() == 2
    assert term.terminal_restored()
    assert json.loads((tmp_path / "a.json").read_text())["answering_for"] == "myself"


def test_ctrl_c_without_saving_says_nothing_was_saved(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    term.prompt("Are you answering for yourself, or for someone else?")
    term.child.send(STOP)
    term.said("Nothing was saved")
    assert term.finish() == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "existing.txt"], "existing.txt already exists; add --force"),
        (["--save-answers", "no/such/folder/a.json"], "no folder no/such/folder"),
        (["--save-answers", "."], "is a directory"),
        (["--resume", "a-folder-file.json"], "no such file"),
    ],
)
def test_output_paths_are_refused_before_the_first_question(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "existing.txt").write_text("keep me")
    term = Terminal(tmp_path, *args)
    term.said(message)
    assert term.finish() == 2
    assert "answering for" not in term.transcript()
    assert (tmp_path / "existing.txt").read_text() == "keep me"


def test_ctrl_b_goes_back_and_the_answer_can_be_changed(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--save-answers", "answers.json")
    start(term)
    term.prompt("Which side of your back hurts?")
    term.child.send(BACK)  # back to the sex question, the cursor on "male"
    options, cursor = term.options("What sex were you assigned at birth?")
    assert options[cursor] == "male"
    term.pick("What sex were you assigned at birth?", "female")
    term.pick("Are you pregnant, or could you be?", "not pregnant")
    term.pick("Which side of your back hurts?", "pain on the left")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    term.prompt("Have you noticed any of these, new, sudden or getting worse?")
    term.child.send(STOP)
    assert term.finish() == 130
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["sex"] == "female" and saved["pregnant"] == "no"


def test_an_alarm_answer_shows_the_emergency_message_at_once(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "--region", "uk")
    start(term, "30")
    term.pick("Which side of your back hurts?", "pain in the middle, over the spine")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    term.tick(
        "Have you noticed any of these, new, sudden or getting worse?",
        "numbness around the genitals",
    )
    term.see("EMERGENCY")
    term.see("Call 999 now")
    term.see("Keep answering while you wait for help?")
    term.child.send("\r")  # no: straight to the report
    assert term.finish() == 0
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("!!! EMERGENCY: Call 999 now")
    assert "Cauda equina syndrome" in report


def test_yes_to_keep_answering_waits_for_enter(tmp_path: Path) -> None:
    """'y' alone does not answer: the Enter typed after it must not answer the next list (of
    alarm signs) as none of these."""
    term = Terminal(tmp_path, "--region", "uk", "--save-answers", "answers.json")
    start(term, "30")
    term.pick("Which side of your back hurts?", "pain in the middle, over the spine")
    term.pick("Where on your back is the pain worst?", "pain in the lower back")
    term.tick(
        "Have you noticed any of these, new, sudden or getting worse?",
        "numbness around the genitals",
    )
    term.see("Keep answering while you wait for help?")
    term.child.send("y")
    term.child.send("\r")
    term.prompt("And any of these, new, sudden or getting worse?")
    term.child.send(STOP)
    assert term.finish() == 130
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["symptoms"] == ["saddle_numbness"]
    assert "alarm_symptoms" in saved["asked"] and "alarm_body_symptoms" not in saved["asked"]


@pytest.mark.parametrize("args", [[], ["--resume", "nothing.json"]])
def test_no_terminal_exits_2_with_a_hint(args: list[str]) -> None:
    done = run_cli("assess", *args, timeout=10)
    assert done.returncode == 2
    assert b"--answers" in done.stderr or b"no such file" in done.stderr
    assert done.stdout == b""

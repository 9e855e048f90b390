"""The wizard, driven through a real pseudo-terminal (80x24) as a person would use it.

The report is redirected to a file, as in `backpain assess > report.txt`, which also proves the
prompts go to the terminal and the report to standard output.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pexpect
import pytest
from conftest import backpain_command, run_cli

UP, DOWN, ENTER, SPACE, BACK, STOP = "\x1b[A", "\x1b[B", "\r", " ", "\x02", "\x03"
TIMEOUT = 15


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    command = " ".join(shlex.quote(part) for part in [*backpain_command(), "assess", *args])
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "80"}
    env.pop("BACKPAIN_REGION", None)
    return pexpect.spawn(
        "bash",
        ["-c", f"{command} > report.txt"],
        cwd=str(tmp_path),
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def answer(child: pexpect.spawn, prompt: str, *keys: str) -> None:
    child.expect(prompt)
    for key in keys:
        child.send(key)


def select(child: pexpect.spawn, prompt: str, downs: int) -> None:
    answer(child, prompt, *([DOWN] * downs), ENTER)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -1)


def first_part(child: pexpect.spawn, age: str = "33") -> None:
    """Age, sex (male), side (right), area (lower), no alarm signs."""
    answer(child, "How old are you", age, ENTER)
    select(child, "sex were you assigned", 1)
    select(child, "Which side", 1)
    select(child, "Where on your back", 2)
    answer(child, "any of these right now", ENTER)


def rest_of_walk(child: pexpect.spawn) -> None:
    answer(child, "any of these with the pain", ENTER)
    answer(child, "pass urine", ENTER)
    select(child, "How did the pain start", 1)
    select(child, "anything set it off", 2)  # lifting or twisting
    answer(child, "How many days", "3", ENTER)
    answer(child, "How bad is the pain", "4", ENTER)
    answer(child, "feel like", SPACE, ENTER)  # a dull ache
    answer(child, "spread anywhere", ENTER)
    answer(child, "pins and needles in a leg", ENTER)
    answer(child, "Which of these fit", SPACE, ENTER)  # worse when you move
    answer(child, "apply to you", ENTER)
    answer(child, "daily life", SPACE, ENTER)  # you smoke


def test_a_full_walk_prints_the_report_to_stdout(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--save-answers", "answers.json")
    first_part(child)
    rest_of_walk(child)
    answer(child, "Check your answers", ENTER)
    child.expect("your answers are saved")
    assert finish(child) == 0
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("* SELF-CARE")
    assert "Muscle strain" in report
    assert "Check your answers" not in report  # the prompts went to the terminal
    saved = tmp_path / "answers.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert json.loads(saved.read_text())["trigger"] == "lifting_or_twisting"
    # The saved answers reproduce the same report without any questions.
    replay = run_cli("assess", "--answers", str(saved), cwd=tmp_path)
    assert replay.returncode == 0
    assert replay.stdout.decode() == report


def test_ctrl_b_goes_back_and_the_answer_can_be_changed(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--save-answers", "answers.json")
    answer(child, "How old are you", "33", ENTER)
    select(child, "sex were you assigned", 1)
    answer(child, "Which side", BACK)  # back to the sex question, pointer on "male"
    answer(child, "sex were you assigned", UP, ENTER)  # female now
    select(child, "Are you pregnant", 1)
    select(child, "Which side", 0)
    select(child, "Where on your back", 2)
    answer(child, "any of these right now", STOP)
    assert finish(child) == 130
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["sex"] == "female"
    assert saved["pregnant"] == "no"


def test_the_review_screen_changes_an_answer(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--save-answers", "answers.json")
    first_part(child)
    rest_of_walk(child)
    # The review lists: [show report], age, sex, side ... choose "Side" (third answer).
    select(child, "Check your answers", 3)
    answer(child, "Which side", UP, ENTER)  # pointer starts on "right": left instead
    answer(child, "Check your answers", ENTER)
    assert finish(child) == 0
    assert json.loads((tmp_path / "answers.json").read_text())["side"] == "left"


def test_an_alarm_answer_shows_the_emergency_message_at_once(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--region", "uk")
    answer(child, "How old are you", "30", ENTER)
    select(child, "sex were you assigned", 1)
    select(child, "Which side", 3)
    select(child, "Where on your back", 2)
    answer(child, "any of these right now", SPACE, ENTER)  # saddle numbness
    child.expect("EMERGENCY")
    child.expect("Call 999 now")
    answer(child, "keep answering", ENTER)  # no: straight to the report
    assert finish(child) == 0
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("!!! EMERGENCY: Call 999 now")
    assert "Cauda equina syndrome" in report


def test_ctrl_c_saves_and_resume_finishes_the_run(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--save-answers", "answers.json")
    first_part(child, age="52")
    answer(child, "any of these with the pain", STOP)
    child.expect("saved in answers.json")
    assert finish(child) == 130
    assert "Traceback" not in (child.before or "")
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert saved["age"] == 52 and saved["side"] == "right"

    child = spawn(tmp_path, "--resume", "answers.json", "--save-answers", "done.json")
    answer(child, "any of these right now", ENTER)  # no alarm chosen before: asked again
    rest_of_walk(child)
    answer(child, "Check your answers", ENTER)
    assert finish(child) == 0
    done = json.loads((tmp_path / "done.json").read_text())
    assert done["age"] == 52 and done["trigger"] == "lifting_or_twisting"


def test_ctrl_c_without_saving_says_nothing_was_saved(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    answer(child, "How old are you", STOP)
    child.expect("Nothing was saved")
    assert finish(child) == 130
    assert list(tmp_path.iterdir()) == [tmp_path / "report.txt"]


@pytest.mark.parametrize("at_list", [False, True])
def test_end_of_input_exits_2_with_a_hint(tmp_path: Path, at_list: bool) -> None:
    child = spawn(tmp_path)
    if at_list:
        answer(child, "How old are you", "33", ENTER)
        child.expect("sex were you assigned")
    else:
        child.expect("How old are you")
    child.sendcontrol("d")
    child.expect("the input ended before the questions were answered")
    assert finish(child) == 2


@pytest.mark.parametrize("args", [[], ["--resume", "nothing.json"]])
def test_no_terminal_exits_2_with_a_hint(args: list[str]) -> None:
    done = run_cli("assess", *args, timeout=10)
    assert done.returncode == 2
    assert b"--answers" in done.stderr or b"no such file" in done.stderr
    assert done.stdout == b""

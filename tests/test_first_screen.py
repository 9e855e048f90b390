"""The first screen of the text report, read at 80x24 in colour and plain, as a person at a
terminal sees it: the level, the action with the number to call, the signs that mean calling
now, the most likely cause first and the serious causes to rule out, one line each.

The screen is read as a person reads it: text only, colour stripped, and whitespace between
words not minding where a line was wrapped. Reached through `screen()` and `render()`, and
through the installed command in a pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import backpain_command, load_cases, run_assessment, run_cli

from backpain_cli.answers import parse_answers
from backpain_cli.engine import Assessment, assess
from backpain_cli.knowledge import load_knowledge
from backpain_cli.report.document import build
from backpain_cli.report.text import render, screen

EXAMPLES = Path(__file__).parent / "examples"
#: one presentation per level, and an emergency stop after the alarm question
SCREENS = {
    "self_care": "furniture_strain.json",
    "see_doctor_soon": "sciatica_numb_leg.json",
    "urgent": "kidney_stone_left.json",
    "emergency": "saddle_numbness_stop.json",
}
WIDTH, HEIGHT = 80, 24
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _assess(name: str, region: str = "uk") -> Assessment:
    answers = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return assess(parse_answers(answers), region=region)


def _words(text: str) -> str:
    """The text as a reader takes it in: colour stripped, lines joined, spaces collapsed."""
    return " ".join(ANSI.sub("", text).split())


def _lines(text: str) -> list[str]:
    return [ANSI.sub("", line).rstrip() for line in text.splitlines()]


def check_first_screen(a: Assessment, shown: str) -> None:
    """What a person must find on the first screen (`shown`: its text, at most 24 lines)."""
    lines = _lines(shown)
    assert len(lines) <= HEIGHT, len(lines)
    assert all(len(line) <= WIDTH for line in lines), [line for line in lines if len(line) > WIDTH]
    words = _words(shown)
    document = build(a)
    assert lines[0].startswith(document.banner)  # the level, in words with its symbol
    assert _words(a.action) in words  # what to do now
    assert a.emergency_number in words  # with the number to call
    emergency = [g for g in a.see_a_doctor if g.level == "emergency"]
    for group in emergency:  # the signs that mean calling now (none at the emergency level)
        assert f"{group.action} if you notice:" in words
        for sign in group.signs:
            assert _words(sign) in words, sign
    if a.conditions:
        assert f"1. {a.conditions[0].name}:" in words  # the most likely cause
    elif a.level == "emergency":
        assert "Finding the cause matters less than getting help now." in words
    else:
        assert "Your answers do not point to one cause in particular." in words
        if a.level != "self_care" and not a.rule_out:  # then what the level rests on
            resting = [r for r in a.reasons if r.level == a.level]
            assert _words(resting[0].text.split(". ")[0]) in words, a.reasons
    for cause in a.rule_out[:1]:  # the serious causes to rule out, one line each
        (line,) = [line for line in lines if line.startswith(f"  - {cause.name}:")]
        after = lines[lines.index(line) + 1]
        assert not after.startswith("    "), "a cause to rule out takes one line"


@pytest.mark.parametrize("level", sorted(SCREENS))
@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
def test_the_first_screen_says_what_to_do(level: str, color: bool) -> None:
    a = _assess(SCREENS[level])
    assert a.level == level
    first, rest = screen(a, color=color, width=WIDTH, height=HEIGHT)
    assert len(first.splitlines()) <= HEIGHT - 1  # a line is left for the prompt
    check_first_screen(a, first)
    # ... and its last lines repeat the level, then the rest ends with the level and action
    assert _lines(first)[-1] == build(a).banner or _words(a.action) in _words(
        "\n".join(_lines(first)[-4:])
    )
    tail = _lines(rest)
    assert build(a).banner in tail[-5:]
    assert " ".join(tail[tail.index(build(a).banner) + 1 :]).strip() == _words(a.action)


@pytest.mark.parametrize("level", sorted(SCREENS))
def test_colour_and_plain_screens_hold_the_same_lines(level: str) -> None:
    a = _assess(SCREENS[level])
    plain, _ = screen(a, color=False)
    colour, _ = screen(a, color=True)
    assert "\x1b[" in colour and "\x1b[" not in plain
    assert _lines(colour) == _lines(plain)


@pytest.mark.parametrize("level", sorted(SCREENS))
def test_the_whole_report_opens_with_the_same_screen(level: str) -> None:
    """Piped, --plain and --full: the first 24 lines hold what the first screen holds."""
    a = _assess(SCREENS[level])
    whole = render(a)
    check_first_screen(a, "\n".join(whole.splitlines()[:HEIGHT]))


def test_with_no_region_the_first_screen_says_which_number_and_how_to_change_it() -> None:
    a = _assess(SCREENS["urgent"], region="default")
    first, _ = screen(a)
    words = _words(first)
    assert "uses 112" in words
    assert "--region" in words and "BACKPAIN_REGION" in words
    for code in ("uk", "us", "ca", "eu", "ie", "au", "nz", "in"):
        assert code in words
    check_first_screen(a, first)
    assert "--region" not in _words(screen(_assess(SCREENS["urgent"]))[0])


@pytest.mark.parametrize(("name", "case"), load_cases()[::5])
def test_every_case_fits_its_first_screen(name: str, case: dict[str, Any]) -> None:
    """Whatever the answers, the level, the action, the signs for calling now and the first
    cause stay in the first 24 lines."""
    a = run_assessment(case["answers"], region="uk")
    first, _ = screen(a)
    check_first_screen(a, first)


def test_with_no_cause_to_show_the_first_screen_says_what_the_level_rests_on() -> None:
    # Constant dull flank pain and nothing else: same-day care, and no cause to name.
    a = run_assessment(
        {"age": 45, "sex": "female", "side": "left", "area": "middle", "pattern": ["constant"]},
        region="uk",
    )
    assert (a.level, a.conditions, a.rule_out) == ("urgent", (), ())
    words = _words(screen(a)[0])
    assert "The advice rests on what you told us: - Pain that is there all the time" in words
    assert "should be checked by a doctor today." in words
    check_first_screen(a, screen(a)[0])


def test_answering_for_someone_else_the_first_screen_says_who_you_means() -> None:
    answers = {"age": 9, "sex": "female", "side": "left", "area": "middle"}
    note = '"you" here means the person with the pain.'
    theirs = run_assessment({**answers, "answering_for": "someone_else"}, region="uk")
    assert note in _words(screen(theirs)[0])
    check_first_screen(theirs, screen(theirs)[0])
    mine = run_assessment({**answers, "answering_for": "myself"}, region="uk")
    assert note not in _words(render(mine))


# -- the emergency stop ---------------------------------------------------------------------------


def _stops() -> list[dict[str, Any]]:
    """Every alarm answer given on its own, just after the first questions, as at the wizard's
    early emergency stop."""
    kb = load_knowledge()
    alarms = [choice for q in kb.questions.questions if q.alarm for choice in q.choices]
    stops = []
    for choice in alarms:
        for age, side in ((30, "left"), (55, "centre"), (80, "both")):
            stops.append({"age": age, "side": side, "area": "lower", "symptoms": [choice.id]})
    return stops


def test_after_an_emergency_stop_the_causes_section_is_never_empty() -> None:
    emergencies = 0
    for answers in _stops():
        a = run_assessment(answers, region="uk")
        if a.level != "emergency":
            continue
        emergencies += 1
        (likely,) = [s for s in build(a).sections if s.id == "likely"]
        assert likely.blocks, answers
        text = render(a)
        if not a.conditions:
            assert "Finding the cause matters less than getting help now." in text, answers
            if not a.rule_out:
                assert "What your answers so far point to:" in text, answers
        check_first_screen(a, screen(a)[0])
    assert emergencies > 20


# -- the installed command, in a terminal --------------------------------------------------------


def _spawn(*args: str, path: str | None = None, term: str = "xterm") -> Any:
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "BACKPAIN_REGION")}
    env.update({"LANG": "C.UTF-8", "TERM": term, "COLUMNS": "80", "LINES": "24"})
    if path is not None:
        env["PATH"] = path
    command, *rest = backpain_command()
    return pexpect.spawn(
        command, [*rest, *args], env=env, dimensions=(HEIGHT, WIDTH), timeout=30, encoding="utf-8"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_one_screen_then_asks() -> None:
    child = _spawn("assess", "--answers", str(EXAMPLES / SCREENS["urgent"]), "--region", "uk")
    child.expect("Press Enter for the whole report")
    shown = child.before
    a = _assess(SCREENS["urgent"])
    check_first_screen(a, shown)
    assert "\x1b[" in shown  # in colour
    assert "WHAT MAY HELP" not in shown  # the rest waits
    child.sendline("q")
    child.expect(pytest.importorskip("pexpect").EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("pager", [True, False], ids=["less", "no pager"])
def test_enter_shows_the_rest_and_it_ends_with_what_to_do(pager: bool, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    if pager and shutil.which("less") is None:
        pytest.skip("no less here")
    child = _spawn(
        "assess",
        "--answers",
        str(EXAMPLES / SCREENS["self_care"]),
        "--region",
        "uk",
        path=None if pager else str(tmp_path),  # an empty PATH: no pager to find
    )
    child.expect("Press Enter for the whole report")
    child.sendline("")
    child.expect("WHY")  # the rest
    found = child.expect(["Space for more", pexpect.EOF])
    assert found == (0 if pager else 1)
    if found == 0:  # in less: to the end, as a reader may, then close it
        child.send("G")
        child.expect("See a doctor if it is not getting better")
        child.send("q")
        child.expect(pexpect.EOF)
    else:  # no pager: printed below, ending with the level and the action
        tail = [line for line in _lines(child.before) if line][-3:]
        assert tail[0] == "* SELF-CARE: You can look after this at home for now", tail
        assert tail[-1] == "See a doctor if it is not getting better.", tail
    child.close()
    assert child.exitstatus == 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("flags", "term"), [(["--line-mode"], "xterm"), ([], "dumb")])
def test_line_mode_gives_the_whole_report_with_no_pager(flags: list[str], term: str) -> None:
    """For a screen reader (line mode, or a dumb terminal): the report whole, summary first, in
    plain text, with no question and no pager drawing its prompt over it."""
    pexpect = pytest.importorskip("pexpect")
    args = ["assess", "--answers", str(EXAMPLES / SCREENS["urgent"]), "--region", "uk"]
    child = _spawn(*args, *flags, term=term)
    child.expect(pexpect.EOF)
    shown = child.before
    child.close()
    assert child.exitstatus == 0
    assert "Press Enter" not in shown and "Space for more" not in shown
    assert "\x1b[" not in shown
    assert shown.index("!! URGENT") < shown.index("WHY") < shown.index("SOURCES")


def test_no_terminal_no_question() -> None:
    done = run_cli("assess", "--answers", str(EXAMPLES / SCREENS["urgent"]))
    assert b"Press Enter" not in done.stdout
    assert done.stdout.decode().count("!! URGENT: Get medical help today") == 2

"""How quickly the wizard answers a person: the first question, and each question after an answer.

    python benchmarks/wizard.py            # 10 walks; medians and worst
    python benchmarks/wizard.py --runs 3

Runs the installed `backpain` (of the Python running this script: install the built wheel, not
`-e`) in a pseudo-terminal of 80x24 (pexpect, from the test extra), as a person would:

- first question: from starting `backpain assess` to its first question on screen. Goal: under
  0.25 s. Beside it, in the same run, the baseline: a bare questionary prompt started the same
  way (`python -c "import questionary; questionary.text(...).ask()"`), and the ratio.
- next question: from pressing Enter on an answer to the next question on screen, for each of
  the questions of a walk as a man with back pain after lifting (21 questions and the review).
  Goal: each within 50 ms. Beside it, the baseline: a bare questionary script that asks one
  list of ten options after another, timed the same way.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

import pexpect

UP, DOWN = "\x1b[A", "\x1b[B"
#: The walk: (what the question says, the keys that answer it, ending with Enter).
WALK = [
    ("Are you answering for yourself", "\r"),
    ("How old are you?", "40\r"),
    ("What sex were you assigned", UP * 2 + "\r"),
    ("Which side of your back hurts?", UP * 3 + "\r"),
    ("Where on your back is the pain worst?", UP + "\r"),
    ("Have you noticed any of these, new, sudden or getting worse?", "\r"),
    ("And any of these, new, sudden or getting worse?", "\r"),
    ("Have you had any of these with the pain?", "\r"),
    ("Any problems when you pass urine", "\r"),
    ("How did the pain start?", UP * 2 + "\r"),
    ("Did anything set it off?", UP * 2 + "\r"),
    ("How long have you had this pain?", "3 days\r"),
    ("How bad is the pain right now", "4\r"),
    ("What does the pain feel like?", DOWN + " \r"),
    ("Does the pain spread anywhere?", "\r"),
    ("pins and needles in a leg?", "\r"),
    ("When is the pain worse, or better?", DOWN + " \r"),
    ("Which of these fit your pain?", "\r"),
    ("Do any of these apply to you?", "\r"),
    ("And any of these: medicines", "\r"),
    ("Which of these describe your daily life?", DOWN + " \r"),
    ("Is this right?", "\r"),
]
ENV = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "LANG": "C.UTF-8"}


def spawn(command: str, args: list[str]) -> pexpect.spawn:
    child = pexpect.spawn(
        command, args, env=ENV, dimensions=(24, 80), timeout=10, encoding="utf-8", cwd="/tmp"
    )
    child.delaybeforesend = None
    return child


def first_question(command: str, args: list[str], prompt: str) -> float:
    start = time.perf_counter()
    child = spawn(command, args)
    child.expect(prompt)
    took = time.perf_counter() - start
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    return took


def walk(backpain: str) -> list[float]:
    """One walk; the time from each answer's Enter to the next question on screen."""
    child = spawn(backpain, ["assess"])
    gaps = []
    child.expect(WALK[0][0])
    for (_, keys), (following, _) in itertools.pairwise(WALK):
        child.send(keys[:-1])
        time.sleep(0.05)  # the cursor moves as a person's would, before Enter
        start = time.perf_counter()
        child.send(keys[-1])
        child.expect(following)
        gaps.append(time.perf_counter() - start)
    child.send(WALK[-1][1])
    child.expect("Press Enter for the whole report")  # the report's first screen
    child.send("q\r")
    child.expect(pexpect.EOF)
    child.close()
    return gaps


BARE_LISTS = (
    "import questionary\n"
    "for n in range(12):\n"
    "    questionary.checkbox(f'List {n}?', choices=[f'option {i}' for i in range(10)]).ask()\n"
)


def bare_walk() -> list[float]:
    child = spawn(sys.executable, ["-c", BARE_LISTS])
    gaps = []
    child.expect("List 0")
    for n in range(1, 12):
        time.sleep(0.05)
        start = time.perf_counter()
        child.send("\r")
        child.expect(f"List {n}\\?")
        gaps.append(time.perf_counter() - start)
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    return gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    backpain = str(Path(sys.executable).parent / "backpain")
    bare = ["-c", "import questionary; questionary.text('How old are you?').ask()"]
    ours, baseline = [], []
    for run in range(options.runs + 1):  # the first run warms caches and is dropped
        mine = first_question(backpain, ["assess"], "Are you answering for yourself")
        theirs = first_question(sys.executable, bare, "How old are you")
        if run:
            ours.append(mine)
            baseline.append(theirs)
    ms = 1000
    print(f"first question, {options.runs} runs (goal: under 250 ms):")
    print(f"  backpain assess       median {statistics.median(ours) * ms:4.0f} ms, ", end="")
    print(f"worst {max(ours) * ms:4.0f} ms")
    print(f"  bare questionary      median {statistics.median(baseline) * ms:4.0f} ms, ", end="")
    print(f"worst {max(baseline) * ms:4.0f} ms")
    print(f"  ratio                 {statistics.median(ours) / statistics.median(baseline):.2f}x")
    walks = [walk(backpain) for _ in range(options.runs)]
    bare_gaps = [gap for _ in range(options.runs) for gap in bare_walk()]
    per_question = [statistics.median(gaps) for gaps in zip(*walks, strict=True)]
    every = [gap for gaps in walks for gap in gaps]
    print(f"next question after an answer, {len(WALK) - 1} questions x {options.runs} walks")
    print("(goal: each within 50 ms):")
    print(f"  median {statistics.median(every) * ms:.0f} ms; ", end="")
    print("slowest question (its median) ", end="")
    slowest = max(range(len(per_question)), key=per_question.__getitem__)
    print(f"{per_question[slowest] * ms:.0f} ms, before {WALK[slowest + 1][0]!r}")
    print(f"  worst single answer {max(every) * ms:.0f} ms")
    bare = statistics.median(bare_gaps)
    print(f"  bare questionary lists: median {bare * ms:.0f} ms, ", end="")
    print(f"worst {max(bare_gaps) * ms:.0f} ms")
    print(f"  ratio of the medians    {statistics.median(every) / bare:.2f}x")


if __name__ == "__main__":
    main()

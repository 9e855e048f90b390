"""The interactive questions: one prompt per question in data/questions.toml, in that order.

Imported only when a wizard actually runs. Prompts are drawn on standard error, so
`backpain assess > report.txt` keeps the report clean.

Two screens ask the same questions, through the same `Wizard`:
- menus (`backpain_cli.menus`, questionary): arrow keys, Space to tick, Enter;
- lines (`LineScreen`, here): numbered options, the person types the numbers and Enter; no
  cursor keys and nothing redrawn, so a screen reader reads it in order. Used under TERM=dumb
  and on request; it never imports the prompt library.

What the wizard does on top of asking:
- Only what applies: a question's `when` and each option's `when` (options for women only are
  never shown to a man); ids kept only for answers files (`wizard = false`) are not offered.
- A neutral start: the cursor starts on the question's `default` ("not sure").
- Progress ("Question 5 of about 17"), a "None of these" in every list, the answer echoed in
  words, and a review of every answer, wrapped to the screen, before the report.
- Back: Ctrl-B (menus) or `b` (lines) returns to the question before.
- Nothing lost: `answers` always holds what was given so far, and `asked` which questions were
  answered (a list answered "None of these" included); `saved()` is both as an answers file,
  which `--resume` carries on from, asking only the questions not yet answered.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import shutil
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from .answers import Answers, AnswersError, parse_answers
from .engine import urgency
from .knowledge import Choice, Knowledge, Question, load_knowledge
from .signals import Terminated
from .typed import NotUnderstood, read_duration, read_number

BACK = "__back__"
SKIP = "__skip__"
NONE = "__none__"
DONE = "__done__"
CHANGE = "__change__"
NONE_OF_THESE = "None of these"
#: The widest the wizard draws, whatever the terminal: prompts are wrapped to it.
WIDTH = 80
#: The key of the answer that the person is answering for someone else.
SOMEONE_ELSE = "answering_for.someone_else"

BACK_DRAWING = r"""
      Your back, seen from behind
               left   |   right
             .--------+--------.
    upper    |        |        |   around and between the shoulder blades
             |--------+--------|
    middle   |        |        |   below the ribs: the flank or loin
             |--------+--------|
    lower    |        |        |   the lower back and buttocks
             '--------+--------'
                    spine
"""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While the questions run, SIGTERM and SIGHUP stop them as Ctrl-C does, with the same
    `signals.Terminated` the CLI stops every command with: but a prompt on screen ends through
    the prompt library (which puts the terminal back as it was), never by an exception raised
    inside it, so the caller can save the answers and exit cleanly."""

    def stop(signum: int, _frame: Any) -> None:
        app = _running_prompt()
        if app is not None:
            with contextlib.suppress(Exception):  # already ending: the raise below does it
                app.exit(exception=Terminated(signum))
                return
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _running_prompt() -> Any:
    if "prompt_toolkit" not in sys.modules:  # line mode never loads it
        return None
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()
    return app if app is not None and app.is_running else None


def _read_whole(text: str, most: int) -> float | int:
    return read_number(text, 1, most, whole=True)


def width() -> int:
    return max(40, min(shutil.get_terminal_size((WIDTH, 24)).columns, WIDTH))


def wrap(text: str, indent: str = "", first: str | None = None) -> str:
    """`text` wrapped to the screen, never breaking a word; `first` starts the first line
    (by default the same `indent` as the others)."""
    return textwrap.fill(
        text,
        width() - 1,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


class Screen(Protocol):
    """How the wizard talks to the person. Each method returns BACK when they go back."""

    def say(self, text: str, style: str = "") -> None: ...

    def choose(
        self, ask: Asking, options: list[tuple[str, str]], default: str | None, skip: bool
    ) -> str: ...

    def tick(self, ask: Asking, options: list[tuple[str, str]], ticked: set[str]) -> Any: ...

    def type_in(self, ask: Asking, current: str, read: Callable[[str], Any]) -> Any: ...

    def confirm(self, text: str) -> bool: ...

    def echo(self, ask: Asking, words: str) -> None: ...

    def drawing(self) -> None: ...


class Asking:
    """One question as it is put to the person: its words, for them or for someone else."""

    def __init__(self, question: Question, progress: str, they: bool) -> None:
        self.question = question
        self.progress = progress
        self.prompt = question.prompt_they if they else question.prompt
        self.help = question.help_they if they else question.help
        self.required = question.required


class Wizard:
    """Asks the questions; `answers` always holds what was given so far (an answers-v1 dict)."""

    def __init__(
        self,
        kb: Knowledge | None = None,
        initial: dict[str, Any] | None = None,
        region: str = "default",
        lines: bool = False,
        resuming: str = "",
    ) -> None:
        self.kb = kb or load_knowledge()
        self.questions = [q for q in self.kb.questions.questions if q.wizard]
        self.answers: dict[str, Any] = dict(initial or {})
        self.answers.pop("version", None)
        known = {q.id for q in self.questions}
        before = set(self.answers.pop("asked", None) or ())
        self.asked: set[str] = (before & known) | {q.id for q in self.questions if self._given(q)}
        self.region = self.kb.regions.get(region, self.kb.regions["default"])
        self.lines = lines
        self.resuming = resuming
        self.alerted = False
        self.screen: Screen | None = None
        #: the duration just typed said the pain comes and goes
        self._recurring = False

    # -- state ---------------------------------------------------------------------------------

    def _given(self, question: Question) -> bool:
        """Is this question's answer in the answers (on resume, from a file without `asked`)?"""
        value = self.answers.get(question.key)
        if value is None:
            return False
        if question.type != "multi" or len(self._sharing(question)) == 1:
            return True
        return any(choice.id in value for choice in question.choices)

    def _sharing(self, question: Question) -> list[Question]:
        return [q for q in self.questions if q.key == question.key]

    def _facts(self) -> tuple[frozenset[str], dict[str, float]]:
        facts: set[str] = set()
        numbers: dict[str, float] = {}
        for key, value in self.answers.items():
            if isinstance(value, list):
                facts.update(f"{key}.{item}" for item in value)
            elif isinstance(value, str):
                facts.add(f"{key}.{value}")
            elif isinstance(value, int | float):
                numbers[key] = value
        return frozenset(facts), numbers

    def applies(self, question: Question) -> bool:
        if question.when is None:
            return True
        facts, numbers = self._facts()
        return question.when(facts, numbers)

    def shown(self, question: Question) -> list[Choice]:
        """The options of a question that apply to this person, in order."""
        facts, numbers = self._facts()
        return [
            choice
            for choice in question.choices
            if choice.wizard and (choice.when is None or choice.when(facts, numbers))
        ]

    @property
    def they(self) -> bool:
        return SOMEONE_ELSE in self._facts()[0]

    def _store(self, question: Question, value: Any) -> None:
        if question.type == "multi":
            own = {choice.id for choice in question.choices}
            kept = [item for item in self.answers.get(question.key, []) if item not in own]
            order = self.kb.questions.vocabulary[question.key]
            merged = set(kept) | set(value)
            self.answers[question.key] = [item for item in order if item in merged]
        elif value is None:
            self.answers.pop(question.key, None)
        else:
            self.answers[question.key] = value
        self.asked.add(question.id)

    def _prune(self) -> None:
        """Drop answers that no longer apply after an earlier answer changed: questions whose
        `when` fails, and options whose `when` fails (a man is never left with an answer only
        a woman was offered)."""
        for question in self.questions:
            if question.id in self.asked and not self.applies(question):
                self._store(question, [] if question.type == "multi" else None)
                self.asked.discard(question.id)
            elif question.type == "multi" and question.id in self.asked:
                keep = {c.id for c in self.shown(question)}
                given = self.answers.get(question.key, [])
                dropped = {c.id for c in question.choices if c.id in given} - keep
                if dropped:
                    self.answers[question.key] = [i for i in given if i not in dropped]

    def partial(self) -> Answers | None:
        """The answers so far, validated, once the required questions are answered."""
        try:
            return parse_answers({"version": 1, **self.answers}, self.kb.questions)
        except AnswersError:
            return None

    def saved(self) -> dict[str, Any] | None:
        """The answers so far as an answers file, with `asked` (the questions answered) for
        `--resume`; None when nothing was answered yet. Checked like any answers file, except
        that required answers may still be missing."""
        if not self.answers and not self.asked:
            return None
        order = [q.id for q in self.questions if q.id in self.asked]
        data = {"version": 1, **self.answers, "asked": order}
        lenient = self.kb.questions._replace(required=())
        return parse_answers(data, lenient).to_dict()

    def progress(self) -> tuple[int, int]:
        """(this question's number, about how many questions there are) for these answers."""
        answered = sum(1 for q in self.questions if q.id in self.asked and self.applies(q))
        coming = sum(1 for q in self.questions if q.id not in self.asked and self.applies(q))
        return answered + 1, max(answered + coming, answered + 1)  # a question asked again

    # -- the walk ------------------------------------------------------------------------------

    def run(self, screen: Screen | None = None) -> Answers:
        self.screen = screen or self._screen()
        number, total = self.progress()
        if self.resuming:
            left = total - number + 1
            self.screen.say(
                f"Carrying on from {self.resuming}: {number - 1} questions answered, "
                f"about {left} to go.",
                "bold",
            )
        else:
            self.screen.say(
                f"Back pain self-assessment: about {total} questions, then your report.",
                "bold",
            )
        if self.lines:
            self.screen.say(
                "Type the number of your answer, then Enter. Type b to go back a question. "
                "Ctrl-C stops."
            )
        else:
            self.screen.say("Ctrl-B goes back a question; Ctrl-C stops.")
        if self._walk():
            self._review()
        answers = self.partial()
        if answers is None:  # unreachable: the required questions cannot be skipped
            raise AnswersError("", "the required questions were not answered")
        return answers

    def _screen(self) -> Screen:
        if self.lines:
            return LineScreen()
        from .menus import MenuScreen

        return MenuScreen()

    def _walk(self) -> bool:
        """Ask every question that applies and is not yet answered. False: go straight to report."""
        history: list[int] = []
        index = 0
        while index < len(self.questions):
            question = self.questions[index]
            if question.id in self.asked or not self.applies(question):
                index += 1
                continue
            value = self.ask(question)
            if value == BACK:
                if history:
                    index = history.pop()
                    self.asked.discard(self.questions[index].id)
                continue
            self._store(question, value)
            self._also(question, value)
            self._prune()
            history.append(index)
            index += 1
            if not self._alert_if_emergency():
                return False
        return True

    def _also(self, question: Question, value: Any) -> None:
        """A duration said to come and go also records that the pain keeps coming back."""
        if question.comes_and_goes and self._recurring:
            key, _, cid = question.comes_and_goes.partition(".")
            given = set(self.answers.get(key, [])) | {cid}
            order = self.kb.questions.vocabulary[key]
            self.answers[key] = [item for item in order if item in given]
        self._recurring = False

    def _alert_if_emergency(self) -> bool:
        """Show the emergency message the moment the answers reach that level. False: stop."""
        assert self.screen is not None
        answers = self.partial()
        if answers is None or self.alerted:
            return True
        level, reasons = urgency(answers, self.kb)
        if level != "emergency":
            return True
        self.alerted = True
        lines = [
            f"!!! EMERGENCY: Call {self.region.emergency} now, or go to the nearest "
            "emergency department."
        ]
        lines += [f"- {reason.text}" for reason in reasons if reason.level == "emergency"]
        lines.append("Call now: you do not need to finish these questions first.")
        self.screen.say("\n".join(lines), "emergency")
        return self.screen.confirm("Keep answering while you wait for help? (No: your report now.)")

    def _review(self) -> None:
        assert self.screen is not None
        while True:
            shown = [q for q in self.questions if q.id in self.asked and self.applies(q)]
            lines = ["Your answers:"]
            for number, question in enumerate(shown, 1):
                first = f"{number:>4}. "
                lines.append(wrap(f"{question.short}: {self.describe(question)}", " " * 6, first))
            self.screen.say("\n".join(lines))
            review = Asking(Question("review", "review", "choice", "Is this right?"), "", False)
            picked = self.screen.choose(
                review,
                [(DONE, "Yes: show my report"), (CHANGE, "Change an answer")],
                DONE,
                skip=False,
            )
            if picked != CHANGE:
                return
            which = Asking(
                Question("which", "which", "int", "Which answer do you want to change?"),
                "",
                False,
            )
            count = len(shown)
            which.help = f"Type its number, from 1 to {count}."
            number = self.screen.type_in(which, "", functools.partial(_read_whole, most=count))
            if number in (BACK, None):
                continue
            question = shown[int(number) - 1]
            value = self.ask(question)
            if value != BACK:
                self._store(question, value)
                self._also(question, value)
                self._prune()
                self._walk()

    def describe(self, question: Question) -> str:
        """The answer to a question in the person's words."""
        value = self.answers.get(question.key)
        if value is None:
            return NONE_OF_THESE.lower() if question.type == "multi" else "not answered"
        return self._words(question, value)

    # -- one question ----------------------------------------------------------------------------

    def ask(self, question: Question) -> Any:
        """Ask one question; its answer as stored, None for skipped, or BACK."""
        assert self.screen is not None
        number, total = self.progress()
        ask = Asking(question, f"Question {number} of about {total}", self.they)
        current = self.answers.get(question.key)
        they = self.they
        options = [(c.id, c.label_they if they else c.label) for c in self.shown(question)]
        answer: Any
        if question.type == "choice":
            if question.key == "side":
                self.screen.drawing()
            ids = [value for value, _ in options]
            start = current if current in ids else (question.default or None)
            answer = self.screen.choose(ask, options, start, skip=not question.required)
            answer = None if answer == SKIP else answer
        elif question.type == "multi":
            ticked = set(current or []) if question.id in self.asked else set()
            answer = self.screen.tick(ask, options, ticked)
        else:
            answer = self._type_number(ask, question, current)
        if answer != BACK:
            self.screen.echo(ask, self._words(question, answer))
        return answer

    def _words(self, question: Question, answer: Any) -> str:
        """An answer as the options said it: about "them" when answering for someone else."""
        if answer is None:
            return "skipped"
        if question.type == "multi":
            labels = [
                c.label_they if self.they else c.label for c in question.choices if c.id in answer
            ]
            return "; ".join(labels) if labels else NONE_OF_THESE.lower()
        if question.type == "choice":
            chosen = next(c for c in question.choices if c.id == answer)
            return chosen.label_they if self.they else chosen.label
        return question.words(answer)

    def _type_number(self, ask: Asking, question: Question, current: Any) -> Any:
        low, high = question.min or 0, question.max or 0
        self._recurring = False
        if question.ask == "duration":

            def read(text: str) -> Any:
                days, recurring = read_duration(text, high)
                self._recurring = recurring
                return days

            shown = "" if current is None else question.words(current)
        else:

            def read(text: str) -> Any:
                return read_number(text, low, high, whole=question.type == "int")

            shown = "" if current is None else f"{current:g}"
        assert self.screen is not None
        return self.screen.type_in(ask, shown, read)


class LineScreen:
    """Numbered options on standard error, answers read a line at a time from standard input.

    Nothing is redrawn and no key but Enter is special, so a screen reader reads the questions
    in order, and it works on any terminal (TERM=dumb) or none at all.
    """

    def __init__(self) -> None:
        self.out = sys.stderr

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _read(self, prompt: str = "> ") -> str:
        self._write(prompt)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()

    def say(self, text: str, style: str = "") -> None:
        parts = [wrap(line, "  ", "") if line else "" for line in text.split("\n")]
        self._write("\n".join(parts) + "\n")

    def drawing(self) -> None:
        pass  # the options say where each place is; a picture is noise to a screen reader

    def _head(self, ask: Asking) -> None:
        lines = [""]
        if ask.progress:
            lines.append(ask.progress + ".")
        lines.append(wrap(ask.prompt))
        if ask.help:
            lines.append(wrap(ask.help))
        self._write("\n".join(lines) + "\n")

    def _numbered(self, options: list[tuple[str, str]], start: int = 1) -> None:
        lines = []
        for number, (_value, label) in enumerate(options, start):
            lines.append(wrap(label, " " * 6, f"{number:>4}. "))
        self._write("\n".join(lines) + "\n")

    def choose(
        self, ask: Asking, options: list[tuple[str, str]], default: str | None, skip: bool
    ) -> str:
        self._head(ask)
        self._numbered(options)
        keys = "b: go back" + (", s or Enter: skip" if skip else "")
        while True:
            text = self._read(f"Type a number from 1 to {len(options)} ({keys}): ")
            if text.lower() in ("b", "back"):
                return BACK
            if skip and text.lower() in ("", "s", "skip"):
                return SKIP
            try:
                number = read_number(text, 1, len(options), whole=True)
            except NotUnderstood as error:
                self._write(f"{error}\n")
                continue
            return options[int(number) - 1][0]

    def tick(self, ask: Asking, options: list[tuple[str, str]], ticked: set[str]) -> Any:
        self._head(ask)
        self._write(f"{0:>4}. {NONE_OF_THESE}\n")
        self._numbered(options)
        while True:
            text = self._read(
                "Type the numbers of all that apply (such as 1 3), or 0 for none of these "
                "(b: go back): "
            )
            if text.lower() in ("b", "back"):
                return BACK
            words = text.replace(",", " ").split()
            if not words:
                self._write("Please type the numbers that apply, or 0 for none of these.\n")
                continue
            try:
                numbers = {int(read_number(w, 0, len(options), whole=True)) for w in words}
            except NotUnderstood:
                self._write(f"Please type numbers from 0 to {len(options)}, such as 1 3.\n")
                continue
            if 0 in numbers and len(numbers) > 1:
                self._write("0 (none of these) cannot go with other numbers.\n")
                continue
            return [options[n - 1][0] for n in sorted(numbers) if n]

    def type_in(self, ask: Asking, current: str, read: Callable[[str], Any]) -> Any:
        self._head(ask)
        keys = "b: go back" + (", Enter: skip" if not ask.required else "")
        while True:
            text = self._read(f"({keys}) > ")
            if text.lower() in ("b", "back"):
                return BACK
            if not text and not ask.required:
                return None
            try:
                return read(text)
            except NotUnderstood as error:
                self._write(f"{error}\n")

    def confirm(self, text: str) -> bool:
        while True:
            answer = self._read(wrap(text) + " Type y or n (Enter: no): ").lower()
            if answer in ("", "n", "no", "b", "back"):
                return False
            if answer in ("y", "yes"):
                return True

    def echo(self, ask: Asking, words: str) -> None:
        self._write(wrap(f"Your answer: {words}", "  ", "  ") + "\n")


def run(
    initial: dict[str, Any] | None = None,
    region: str = "default",
    on_start: Callable[[Wizard], None] | None = None,
    lines: bool = False,
    resuming: str = "",
) -> Answers:
    """Run the wizard; `on_start` gets the Wizard, so a caller can save its answers when the
    questions stop part way (Ctrl-C, Ctrl-D, a signal)."""
    wizard = Wizard(initial=initial, region=region, lines=lines, resuming=resuming)
    if on_start is not None:
        on_start(wizard)
    if lines:
        with stop_on_signals():
            return wizard.run()
    # These prompts never need the cursor position; asking for it makes prompt_toolkit wait
    # on terminals that do not answer.
    os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.output import create_output

    with (
        stop_on_signals(),
        create_app_session(output=create_output(stdout=sys.stderr)),
        _collected_while_reading(),
    ):
        return wizard.run()


@contextlib.contextmanager
def _collected_while_reading() -> Iterator[None]:
    """Each prompt leaves tens of thousands of objects in cycles, and a collection of them
    that fell between an answer and the next question would hold it up: so garbage is not
    collected on its own while the menus run, but by each prompt once it is on screen, while
    the person reads (menus._ask). What is loaded by now (the knowledge base, the command
    line) lives as long as the run, and is left out of those collections."""
    gc.freeze()  # for the rest of the run: nothing frozen is garbage before it ends
    was_enabled = gc.isenabled()
    try:
        gc.disable()
        yield
    finally:
        if was_enabled:
            gc.enable()

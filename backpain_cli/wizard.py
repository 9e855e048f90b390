"""The interactive questions: one prompt per question in data/questions.toml, in that order.

Imported only when a wizard actually runs (questionary and prompt_toolkit are slow to import).
Prompts are drawn on standard error, so `backpain assess > report.txt` keeps the report clean.

Navigation questionary does not give us, and how it is done here:
- Back: every prompt gets a Ctrl-B key binding that ends it with a BACK marker, and lists get a
  "Go back" entry; the wizard keeps the stack of questions asked and returns to the last one.
- Review: before the report, every answer is listed; choosing one asks it again.
- Nothing lost: the answers live on the Wizard object, so the caller can save them on Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import questionary
from prompt_toolkit.application import create_app_session
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.output import create_output
from questionary import Choice, Separator
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from .answers import Answers, AnswersError, parse_answers
from .engine import urgency
from .knowledge import Knowledge, Question, load_knowledge

#: Review lines are cut to fit an 80-column terminal beside the pointer.
REVIEW_WIDTH = 74
BACK = "__back__"
SKIP = "__skip__"
DONE = "__done__"

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

STYLE = questionary.Style(
    [
        ("qmark", "fg:ansicyan bold"),
        ("question", "bold"),
        ("answer", "fg:ansicyan bold"),
        ("pointer", "fg:ansicyan bold"),
        ("highlighted", "fg:ansicyan bold"),
        ("selected", "fg:ansicyan"),
        ("instruction", "fg:ansibrightblack"),
    ]
)


def _key_bindings(lists: bool) -> KeyBindings:
    """Ctrl-B: back, on every prompt. Ctrl-D: end of input, on lists (typed answers have it)."""
    bindings = KeyBindings()

    @bindings.add("c-b", eager=True)
    def _go_back(event: Any) -> None:
        event.app.exit(result=BACK)

    if lists:

        @bindings.add("c-d", eager=True)
        def _end_of_input(event: Any) -> None:
            event.app.exit(exception=EOFError())

    return bindings


class Wizard:
    """Asks the questions; `answers` always holds what was given so far (an answers-v1 dict)."""

    def __init__(
        self,
        kb: Knowledge | None = None,
        initial: dict[str, Any] | None = None,
        region: str = "default",
    ) -> None:
        self.kb = kb or load_knowledge()
        self.questions = [q for q in self.kb.questions.questions if q.wizard]
        self.answers: dict[str, Any] = dict(initial or {})
        self.answers.pop("version", None)
        self.asked: set[str] = {q.id for q in self.questions if self._given(q)}
        self.region = self.kb.regions.get(region, self.kb.regions["default"])
        self.console = Console(stderr=True, highlight=False, emoji=False)
        self.alerted = False

    # -- state ---------------------------------------------------------------------------------

    def _given(self, question: Question) -> bool:
        """Was this question answered (on resume: is its answer in the file)?"""
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
        """Drop answers to questions that no longer apply (after an earlier answer changed)."""
        for question in self.questions:
            if question.id in self.asked and not self.applies(question):
                self._store(question, [] if question.type == "multi" else None)
                self.asked.discard(question.id)

    def partial(self) -> Answers | None:
        """The answers so far, validated, once the required questions are answered."""
        try:
            return parse_answers({"version": 1, **self.answers}, self.kb.questions)
        except AnswersError:
            return None

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> Answers:
        # These prompts never need the cursor position; asking for it makes prompt_toolkit wait
        # on terminals that do not answer.
        os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")
        output = create_output(stdout=sys.stderr)
        with create_app_session(output=output):
            self.console.print(
                Text(
                    "Back pain self-assessment. A few questions, then your report.\n"
                    "Ctrl-B goes back a question; Ctrl-C stops.",
                    style="bold",
                )
            )
            if self._walk():
                self._review()
        answers = self.partial()
        if answers is None:  # unreachable: the required questions cannot be skipped
            raise AnswersError("", "the required questions were not answered")
        return answers

    def _walk(self) -> bool:
        """Ask every question that applies and is not yet answered. False: go straight to report."""
        history: list[int] = []
        index = 0
        while index < len(self.questions):
            question = self.questions[index]
            if question.id in self.asked or not self.applies(question):
                index += 1
                continue
            if question.key == "side":
                self.console.print(Text(BACK_DRAWING, style="cyan"))
            value = self.ask(question)
            if value == BACK:
                if history:
                    index = history.pop()
                    self.asked.discard(self.questions[index].id)
                continue
            self._store(question, value)
            self._prune()
            history.append(index)
            index += 1
            if not self._alert_if_emergency():
                return False
        return True

    def _alert_if_emergency(self) -> bool:
        """Show the emergency message the moment the answers reach that level. False: stop."""
        answers = self.partial()
        if answers is None or self.alerted:
            return True
        level, reasons = urgency(answers, self.kb)
        if level != "emergency":
            return True
        self.alerted = True
        number = self.region.emergency
        text = Text()
        text.append(
            f"!!! Call {number} now, or go to the nearest emergency department.\n\n", style="bold"
        )
        for reason in reasons:
            if reason.level == "emergency":
                text.append(f"- {reason.text}\n")
        text.append("\nDo not wait for the rest of this assessment.")
        self.console.print(Panel(text, title="EMERGENCY", border_style="bold red"))
        carry_on = self._prompt(
            questionary.confirm(
                "Do you want to keep answering? (You can stop now and see the report.)",
                default=False,
                style=STYLE,
            )
        )
        return bool(carry_on) and carry_on != BACK

    def _review(self) -> None:
        while True:
            choices: list[Any] = [Choice("Looks right: show my report", value=DONE), Separator()]
            for question in self.questions:
                if question.id in self.asked and self.applies(question):
                    line = f"{question.short}: {self.describe(question)}"
                    if len(line) > REVIEW_WIDTH:
                        line = line[: REVIEW_WIDTH - 3].rstrip() + "..."
                    choices.append(Choice(line, value=question.id))
            picked = self._prompt(
                questionary.select(
                    "Check your answers. Choose one to change it, or show the report.",
                    choices=choices,
                    style=STYLE,
                    instruction="(arrow keys, then Enter)",
                )
            )
            if picked in (DONE, BACK, None):
                return
            question = next(q for q in self.questions if q.id == picked)
            value = self.ask(question)
            if value != BACK:
                self._store(question, value)
                self._prune()
                self._walk()

    def describe(self, question: Question) -> str:
        value = self.answers.get(question.key)
        if question.type == "multi":
            own = [c.label for c in question.choices if c.id in (value or [])]
            return "; ".join(own) if own else "none"
        if value is None:
            return "skipped"
        if question.type == "choice":
            return self.kb.questions.labels[f"{question.key}.{value}"]
        return f"{value:g}" if isinstance(value, float) else str(value)

    # -- one prompt ----------------------------------------------------------------------------

    def ask(self, question: Question) -> Any:
        current = self.answers.get(question.key)
        message = question.prompt
        if question.help:
            self.console.print(Text(f"  {question.help}", style="dim"))
        if question.type == "choice":
            choices: list[Any] = [Choice(c.label, value=c.id) for c in question.choices]
            choices.append(Separator())
            if not question.required:
                choices.append(Choice("Skip this question", value=SKIP))
            choices.append(Choice("Go back", value=BACK))
            answer = self._prompt(
                questionary.select(
                    message,
                    choices=choices,
                    default=current if current in [c.id for c in question.choices] else None,
                    style=STYLE,
                    instruction="(arrow keys, then Enter)",
                )
            )
            return None if answer == SKIP else answer
        if question.type == "multi":
            selected = set(current or [])
            return self._prompt(
                questionary.checkbox(
                    message,
                    choices=[
                        Choice(c.label, value=c.id, checked=c.id in selected)
                        for c in question.choices
                    ],
                    style=STYLE,
                    instruction="(Space ticks, Enter goes on)",
                )
            )
        return self._ask_number(question, current)

    def _ask_number(self, question: Question, current: Any) -> Any:
        low, high = question.min or 0, question.max or 0
        whole = question.type == "int"

        def valid(text: str) -> bool | str:
            if not text.strip():
                return True if not question.required else "Please type a number."
            try:
                number = float(text)
            except ValueError:
                return f"Please type a number from {low:g} to {high:g}."
            if whole and number != int(number):
                return "Please type a whole number."
            if not low <= number <= high:
                return f"Please type a number from {low:g} to {high:g}."
            return True

        hint = "" if question.required else " Enter to skip."
        answer = self._prompt(
            questionary.text(
                message=question.prompt,
                default="" if current is None else f"{current:g}",
                validate=valid,
                style=STYLE,
                instruction=f"(Ctrl-B: back.{hint})",
            ),
            lists=False,
        )
        if answer == BACK:
            return BACK
        if not str(answer).strip():
            return None
        number = float(answer)
        return int(number) if whole or number.is_integer() else number

    @staticmethod
    def _prompt(question: Any, lists: bool = True) -> Any:
        question.application.key_bindings = merge_key_bindings(
            [question.application.key_bindings, _key_bindings(lists)]
        )
        return question.unsafe_ask()


def run(
    initial: dict[str, Any] | None = None,
    region: str = "default",
    on_start: Callable[[Wizard], None] | None = None,
) -> Answers:
    """Run the wizard; `on_start` gets the Wizard, so a caller can save its answers on Ctrl-C."""
    wizard = Wizard(initial=initial, region=region)
    if on_start is not None:
        on_start(wizard)
    return wizard.run()

"""The wizard's arrow-key screen (questionary): imported only when it runs, as questionary and
prompt_toolkit are slow to import.

Each prompt is erased when answered and replaced by one line in words ("? Which side of your
back hurts? pain on the left"), so the screen reads as a transcript. Everything is wrapped to the
screen by the wizard, never by the terminal, so no word is broken; every list fits on a 24-line
screen with its question (a test walks them all at 80x24).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from questionary import Choice, Separator
from questionary.prompts.common import InquirerControl

from .typed import NotUnderstood
from .wizard import BACK, BACK_DRAWING, NONE, NONE_OF_THESE, SKIP, Asking, width, wrap

STYLE = questionary.Style(
    [
        ("qmark", "fg:ansicyan bold"),
        ("question", "bold"),
        ("answer", "fg:ansicyan bold"),
        ("pointer", "fg:ansicyan bold"),
        ("highlighted", "fg:ansicyan bold"),
        ("selected", "fg:ansicyan"),
        ("instruction", "fg:ansibrightblack"),
        ("dim", "fg:ansibrightblack"),
        ("emergency", "fg:ansired bold"),
        ("drawing", "fg:ansicyan"),
    ]
)
#: Columns before an option's text: the pointer (" » "), and for lists the tick box ("○ ").
SELECT_INDENT = 3
TICK_INDENT = 5


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


def _title(label: str, indent: int) -> str:
    """An option wrapped to the screen, its further lines indented under its first (two more
    columns, so they never read as another option)."""
    if len(label) <= width() - indent - 1:
        return label
    return wrap(label, " " * (indent + 2), " " * indent).lstrip()


def _message(ask: Asking) -> str:
    return wrap(ask.prompt, "  ").lstrip()


def _instruction(ask: Asking, keys: str) -> str:
    lines = [wrap(ask.help, "  ")] if ask.help else []
    lines.append(f"  {keys}")
    return "\n" + "\n".join(lines)


class MenuScreen:
    """Printing goes through prompt_toolkit, already loaded for the prompts: rich is slow to
    import and only the report needs it (benchmarks/wizard.py times the first question)."""

    @staticmethod
    def _print(*parts: tuple[str, str]) -> None:
        print_formatted_text(FormattedText(list(parts)), style=STYLE)

    def say(self, text: str, style: str = "") -> None:
        if style == "emergency":
            head, _, rest = text.partition("\n")
            rule = "!" * (width() - 1)
            body = "\n".join(
                wrap(line, "    ", "  ") if line.startswith("- ") else wrap(line, "  ")
                for line in rest.split("\n")
            )
            self._print(
                ("class:emergency", f"{rule}\n{wrap(head)}\n"),
                ("", f"{body}\n"),
                ("class:emergency", rule),
            )
        else:
            lines = "\n".join(wrap(line) if line else "" for line in text.split("\n"))
            self._print((f"class:{style}" if style else "", lines))

    def drawing(self) -> None:
        self._print(("class:drawing", BACK_DRAWING))

    def _progress(self, ask: Asking) -> None:
        if ask.progress:
            self._print(("class:dim", ask.progress))

    def choose(
        self, ask: Asking, options: list[tuple[str, str]], default: str | None, skip: bool
    ) -> str:
        self._progress(ask)
        choices: list[Any] = [Choice(_title(label, SELECT_INDENT), value=v) for v, label in options]
        choices.append(Separator())
        if skip:
            choices.append(Choice("Skip this question", value=SKIP))
        choices.append(Choice("Go back", value=BACK))
        return str(
            _ask(
                questionary.select(
                    _message(ask),
                    choices=choices,
                    default=default if default in [v for v, _ in options] else None,
                    style=STYLE,
                    instruction=_instruction(ask, "Arrow keys, then Enter. Ctrl-B: back."),
                    erase_when_done=True,
                )
            )
        )

    def tick(self, ask: Asking, options: list[tuple[str, str]], ticked: set[str]) -> Any:
        """A list to tick, "None of these" first (the cursor starts there). Enter with nothing
        ticked is "None of these" only when the cursor is on it; elsewhere it says how to tick,
        so a press of Enter on an option is never taken for "no"."""
        self._progress(ask)
        choices = [Choice(NONE_OF_THESE, value=NONE)] + [
            Choice(_title(label, TICK_INDENT), value=v, checked=v in ticked) for v, label in options
        ]
        control: list[InquirerControl] = []

        def valid(selected: list[str]) -> bool | str:
            if NONE in selected and len(selected) > 1:
                return "'None of these' cannot go with other answers: untick one."
            if not selected and control and control[0].pointed_at != 0:
                return "Space ticks an answer, then Enter. Or go to 'None of these'."
            return True

        question = questionary.checkbox(
            _message(ask),
            choices=choices,
            style=STYLE,
            validate=valid,
            instruction=_instruction(ask, "Space ticks, Enter goes on. Ctrl-B: back."),
            erase_when_done=True,
        )
        control += [
            window.content
            for window in question.application.layout.find_all_windows()
            if isinstance(window.content, InquirerControl)
        ]
        if control:
            _show_refusals(question, control[0])
        answer = _ask(question)
        if answer == BACK:
            return BACK
        return [value for value in answer if value != NONE]

    def type_in(self, ask: Asking, current: str, read: Callable[[str], Any]) -> Any:
        self._progress(ask)

        def valid(text: str) -> bool | str:
            if not text.strip():
                return True if not ask.required else "Please type your answer."
            try:
                read(text)
            except NotUnderstood as error:
                return str(error)
            return True

        skip = " Enter to skip." if not ask.required else ""
        answer = _ask(
            questionary.text(
                _message(ask),
                default=current,
                validate=valid,
                style=STYLE,
                instruction=_instruction(ask, f"Ctrl-B: back.{skip}") + "\n >",
                erase_when_done=True,
            ),
            lists=False,
        )
        if answer == BACK:
            return BACK
        if not str(answer).strip():
            return None
        return read(str(answer))

    def confirm(self, text: str) -> bool:
        # y or n, then Enter, as every other answer: a key that answered at once would leave the
        # Enter typed after it to answer the next question (a list of alarm signs, as none)
        answer = _ask(
            questionary.confirm(
                wrap(text, "  ").lstrip(), default=False, auto_enter=False, style=STYLE
            )
        )
        return bool(answer) and answer != BACK

    def echo(self, ask: Asking, words: str) -> None:
        shown = wrap(f"? {ask.prompt} {words}", "  ", "")
        prompt_part = wrap(f"? {ask.prompt}", "  ", "")
        if shown.startswith(prompt_part):  # the prompt in bold, the answer in colour
            self._print(("bold", prompt_part), ("class:answer", shown[len(prompt_part) :]))
        else:
            self._print(("bold", shown))


def _show_refusals(question: Any, control: InquirerControl) -> None:
    """Show why Enter was refused ("Space ticks an answer ...") under the list. questionary
    shows it in a toolbar drawn only where the terminal reports the cursor position, which the
    wizard never asks for; this line is drawn where it does not."""
    from prompt_toolkit.filters import Condition, renderer_height_is_known
    from prompt_toolkit.layout import ConditionalContainer, FormattedTextControl, Window

    refused = Condition(lambda: control.error_message is not None and not control.is_answered)
    question.application.layout.container.children.append(
        ConditionalContainer(
            Window(FormattedTextControl(lambda: _refusal(control)), dont_extend_height=True),
            filter=refused & ~renderer_height_is_known,
        )
    )


def _refusal(control: InquirerControl) -> str:
    """The reason Enter was refused, wrapped to the screen between words."""
    message = control.error_message
    if message is None:
        return ""
    text = "".join(part[1] for part in message) if not isinstance(message, str) else message
    return wrap(text, "  ")


def _ask(question: Any, lists: bool = True) -> Any:
    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, _key_bindings(lists)])

    collected = False

    def collect_once_shown(_app: Any) -> None:  # the garbage of the prompts before this one
        nonlocal collected
        if not collected:
            collected = True
            asyncio.get_running_loop().call_soon(gc.collect)

    app.after_render.add_handler(collect_once_shown)
    return question.unsafe_ask()

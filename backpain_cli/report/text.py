"""The report a person reads in a terminal: what to do first, then why, then what may help.

Colour is an extra, never the message: every level and grade is also written out in words with
a symbol, so the report reads the same piped to a file, with NO_COLOR, or on a screen reader.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..engine import Assessment

LEVEL_STYLE = {
    "emergency": ("!!!", "EMERGENCY", "bold white on red"),
    "urgent": ("!!", "URGENT", "bold black on yellow"),
    "see_doctor_soon": ("!", "SEE A DOCTOR SOON", "bold black on cyan"),
    "self_care": ("*", "SELF-CARE", "bold black on green"),
}
GRADE_STYLE = {
    "recommended": ("+", "Recommended", "green"),
    "may_help": ("~", "May help", "cyan"),
    "guidelines_disagree": ("?", "Guidelines disagree", "yellow"),
    "not_recommended": ("x", "Not recommended", "red"),
}
TOPIC_TITLE = {
    "getting_help": "While you get help",
    "self_care": "Looking after yourself",
    "medicines": "Medicines",
    "treatments": "Treatments",
    "lifestyle": "Your lifestyle",
    "prevention": "Stopping it coming back",
}
LEVEL_WORDS = {
    "emergency": "emergency",
    "urgent": "same-day care",
    "see_doctor_soon": "a doctor's appointment",
    "self_care": "self-care",
}


def render(assessment: Assessment, *, color: bool = False, width: int = 80) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    refs = _Refs(assessment)
    for block in _blocks(assessment, refs, plain=not color):
        console.print(block)
    return "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())


class _Refs:
    """Numbers the sources in the order they are first cited: [1], [2], ..."""

    def __init__(self, assessment: Assessment) -> None:
        self.order: list[str] = []
        self.sources = assessment.sources

    def cite(self, ids: tuple[str, ...]) -> str:
        numbers = []
        for sid in ids:
            if sid not in self.order:
                self.order.append(sid)
            numbers.append(str(self.order.index(sid) + 1))
        numbers.sort(key=int)
        return f"[{', '.join(numbers)}]" if numbers else ""


def _heading(title: str, plain: bool) -> RenderableType:
    if plain:
        return Text(f"\n{title.upper()}\n{'-' * len(title)}")
    return Text(f"\n{title}", style="bold underline")


def _indent(renderable: RenderableType, left: int = 2) -> Padding:
    return Padding(renderable, (0, 0, 0, left))


def _bullet(text: RenderableType, left: int = 2, mark: str = "-") -> Padding:
    """A list item whose wrapped lines hang under its text, not under the mark."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(mark, text)
    return _indent(grid, left)


def _blocks(a: Assessment, refs: _Refs, plain: bool) -> list[RenderableType]:
    symbol, word, style = LEVEL_STYLE[a.level]
    top = Text()
    top.append(f" {symbol} {word}: {a.headline} ", style=style)
    top.append("\n\n")
    top.append(a.action)
    blocks: list[RenderableType] = []
    if plain:
        blocks += [Text(f"{symbol} {word}: {a.headline}"), Text(a.action)]
    else:
        blocks.append(Panel(top, title="What to do now", title_align="left", border_style="bold"))

    if a.reasons:
        blocks.append(_heading("Why", plain))
        for reason in a.reasons:
            line = Text(f"{reason.text} ")
            line.append(refs.cite(reason.sources), style="dim")
            blocks.append(_bullet(line))

    blocks.append(_heading("Possible causes (not a diagnosis)", plain))
    if not a.conditions:
        blocks.append(_indent(Text("Your answers do not point to one cause in particular.")))
    for number, cause in enumerate(a.conditions, start=1):
        title = Text(cause.name, style="bold")
        title.append(f"  (usually needs: {LEVEL_WORDS[cause.urgency]})", style="dim")
        parts: list[RenderableType] = [title, Text(cause.summary)]
        if cause.because:
            because = Text("Because you said: ", style="italic")
            because.append("; ".join(cause.because) + ".")
            parts.append(because)
        if cause.doctor_checks:
            parts.append(Text("What a doctor may check:", style="italic"))
            parts += [_bullet(check, 2) for check in cause.doctor_checks]
        parts.append(Text(f"Sources: {refs.cite(cause.sources)}", style="dim"))
        blocks.append(_bullet(Group(*parts), mark=f"{number}."))
        blocks.append(Text(""))

    if a.advice:
        blocks.append(_heading("What may help", plain))
        legend = "  ".join(f"{sym} {name}" for sym, name, _style in GRADE_STYLE.values())
        blocks.append(_indent(Text(f"How good the evidence is: {legend}", style="dim")))
        for topic, topic_title in TOPIC_TITLE.items():
            items = [item for item in a.advice if item.topic == topic]
            if not items:
                continue
            blocks.append(_indent(Text(f"\n{topic_title}", style="bold")))
            for item in items:
                sym, grade, grade_style = GRADE_STYLE[item.grade]
                line = Text()
                line.append(f"{grade}: ", style=f"bold {grade_style}")
                line.append(item.title, style="bold")
                line.append(f". {item.text} ")
                line.append(refs.cite(item.sources), style="dim")
                blocks.append(_bullet(line, 4, mark=sym))

    blocks.append(_heading("When to get help", plain))
    if not a.see_a_doctor:
        blocks.append(_indent(Text(f"Now: {a.headline}.")))
    for group in a.see_a_doctor:
        blocks.append(_indent(Text(f"{group.action} if you notice:", style="bold")))
        blocks += [_bullet(sign, 4) for sign in group.signs]
    for cause in a.conditions[:3]:
        if cause.see_doctor and a.level in ("self_care", "see_doctor_soon"):
            blocks.append(_indent(Text(f"{cause.name}: {cause.see_doctor}")))

    blocks.append(_heading("Sources", plain))
    for number, sid in enumerate(refs.order, start=1):
        source = refs.sources.get(sid, {})
        line = Text(source.get("citation", sid))
        if source.get("url"):
            line.append(f" {source['url']}", style="dim")
        blocks.append(_bullet(line, mark=f"[{number}]"))

    blocks.append(_heading("Please note", plain))
    blocks.append(_indent(Text(a.disclaimer)))
    if a.region == "default":
        blocks.append(
            _indent(
                Text(
                    f"The emergency number shown is {a.emergency_number}. Set --region "
                    "(uk, us, eu, au, nz, in) or BACKPAIN_REGION for your own.",
                    style="dim",
                )
            )
        )
    return blocks

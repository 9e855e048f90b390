"""The report a person reads in a terminal: what to do first, then why, then what may help.

One layout, two ways to draw it. `layout()` decides what is said and in which order; `_plain()`
draws it with the standard library only (pipes, NO_COLOR, --plain for screen readers and
copy-paste: no boxes, no colour, and no rich import), `_rich()` draws it in colour on a terminal.
Colour is an extra, never the message: every level and grade is also written in words with a
symbol.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, NamedTuple

from ._shared import GRADE_NAMES, LEVEL_NAMES, LEVEL_WORDS, REGION_NOTE, TOPIC_TITLE, Refs

if TYPE_CHECKING:
    from ..engine import Assessment

LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "see_doctor_soon": "bold black on cyan",
    "self_care": "bold black on green",
}
GRADE_STYLE = {
    "recommended": "green",
    "may_help": "cyan",
    "guidelines_disagree": "yellow",
    "not_recommended": "red",
}

Span = tuple[str, str]  # text, rich style ("" for none)


class Block(NamedTuple):
    kind: str  # banner | heading | para | bullet | pre | blank
    spans: tuple[Span, ...] = ()
    indent: int = 0
    mark: str = ""


def _para(*spans: Span, indent: int = 2) -> Block:
    return Block("para", spans, indent)


def _bullet(*spans: Span, indent: int = 2, mark: str = "-") -> Block:
    return Block("bullet", spans, indent, mark)


def render(assessment: Assessment, *, color: bool = False, width: int = 80) -> str:
    blocks = layout(assessment)
    return _rich(blocks, width) if color else _plain(blocks, width)


def back_drawing(side: str | None, area: str | None) -> list[str]:
    """A small back seen from behind, with the painful part filled with '#'."""
    rows = ("upper", "middle", "lower")
    lines = ["          left  |  right", "        .-------+-------."]
    for number, row in enumerate(rows):
        hurt = row == area
        left = "#######" if hurt and side in ("left", "both") else "       "
        right = "#######" if hurt and side in ("right", "both") else "       "
        spine = "#" if hurt and side == "centre" else "|"
        lines.append(f"{row:>6}  |{left}{spine}{right}|")
        if number < len(rows) - 1:
            lines.append("        |-------+-------|")
    lines.append("        '-------+-------'")
    return lines


def layout(a: Assessment) -> list[Block]:
    """What the report says, in order."""
    refs = Refs(a)
    symbol, word = LEVEL_NAMES[a.level]
    blocks = [
        Block("banner", ((f"{symbol} {word}: {a.headline}", LEVEL_STYLE[a.level]),)),
        _para((a.action, ""), indent=0),
    ]
    if a.reasons:
        blocks.append(Block("heading", (("Why", ""),)))
        for reason in a.reasons:
            blocks.append(_bullet((reason.text + " ", ""), (refs.cite(reason.sources), "dim")))

    drawing = back_drawing(a.answers.get("side"), a.answers.get("area"))
    blocks.append(Block("heading", (("Where it hurts (seen from behind)", ""),)))
    blocks += [Block("pre", ((line, "cyan"),), 2) for line in drawing]

    blocks.append(Block("heading", (("Possible causes (not a diagnosis)", ""),)))
    if not a.conditions:
        blocks.append(_para(("Your answers do not point to one cause in particular.", "")))
    for number, cause in enumerate(a.conditions, start=1):
        blocks.append(
            _bullet(
                (cause.name, "bold"),
                (f"  (usually needs: {LEVEL_WORDS[cause.urgency]})", "dim"),
                mark=f"{number}.",
            )
        )
        blocks.append(_para((cause.summary, ""), indent=5))
        if cause.because:
            blocks.append(
                _para(
                    ("Because you said: ", "italic"), ("; ".join(cause.because) + ".", ""), indent=5
                )
            )
        if cause.doctor_checks:
            blocks.append(_para(("What a doctor may check:", "italic"), indent=5))
            blocks += [_bullet((check, ""), indent=5) for check in cause.doctor_checks]
        blocks.append(_para((f"Sources: {refs.cite(cause.sources)}", "dim"), indent=5))
        blocks.append(Block("blank"))

    if a.advice:
        blocks.append(Block("heading", (("What may help", ""),)))
        legend = "  ".join(f"{sym} {name}" for sym, name in GRADE_NAMES.values())
        blocks.append(_para((f"How good the evidence is: {legend}", "dim")))
        for topic, title in TOPIC_TITLE.items():
            items = [item for item in a.advice if item.topic == topic]
            if not items:
                continue
            blocks += [Block("blank"), _para((title, "bold"))]
            for item in items:
                sym, grade = GRADE_NAMES[item.grade]
                blocks.append(
                    _bullet(
                        (f"{grade}: ", f"bold {GRADE_STYLE[item.grade]}"),
                        (item.title, "bold"),
                        (f". {item.text} ", ""),
                        (refs.cite(item.sources), "dim"),
                        indent=4,
                        mark=sym,
                    )
                )

    blocks.append(Block("heading", (("When to get help", ""),)))
    if not a.see_a_doctor:
        blocks.append(_para((f"Now: {a.headline}.", "")))
    for group in a.see_a_doctor:
        blocks.append(_para((f"{group.action} if you notice:", "bold")))
        blocks += [_bullet((sign, ""), indent=4) for sign in group.signs]
    if a.level in ("self_care", "see_doctor_soon"):
        for cause in a.conditions[:3]:
            if cause.see_doctor:
                blocks.append(_para((f"{cause.name}: {cause.see_doctor}", "")))

    blocks.append(Block("heading", (("Sources", ""),)))
    for number, sid in enumerate(refs.order, start=1):
        source = refs.sources.get(sid, {})
        spans: list[Span] = [(source.get("citation", sid), "")]
        if source.get("url"):
            spans.append((" " + source["url"], "dim"))
        blocks.append(_bullet(*spans, mark=f"[{number}]"))

    blocks.append(Block("heading", (("Please note", ""),)))
    blocks.append(_para((a.disclaimer, "")))
    if a.region == "default":
        blocks.append(_para((REGION_NOTE.format(number=a.emergency_number), "dim")))
    return blocks


# -- plain text --------------------------------------------------------------------------------


def _plain(blocks: list[Block], width: int) -> str:
    lines: list[str] = []
    for block in blocks:
        text = "".join(part for part, _style in block.spans)
        if block.kind == "banner":
            lines.append(text)
        elif block.kind == "heading":
            lines += ["", text.upper(), "-" * len(text)]
        elif block.kind == "blank":
            lines.append("")
        elif block.kind == "pre":
            lines.append(" " * block.indent + text)
        else:
            first = " " * block.indent + (f"{block.mark} " if block.kind == "bullet" else "")
            rest = " " * len(first)
            lines += textwrap.wrap(
                text,
                width,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,  # keep web addresses whole, for copy and paste
                break_on_hyphens=False,
            ) or [first.rstrip()]
    return "\n".join(line.rstrip() for line in lines) + "\n"


# -- colour, with rich -------------------------------------------------------------------------


def _rich(blocks: list[Block], width: int) -> str:
    import io

    from rich.console import Console
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=True,
        color_system="standard",
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )

    def styled(spans: tuple[Span, ...]) -> Text:
        text = Text()
        for part, style in spans:
            text.append(part, style=style or None)
        return text

    banner: Any = None
    for block in blocks:
        if block.kind == "banner":
            banner = styled(block.spans)
            continue
        if banner is not None:  # the action paragraph goes into the box with the banner
            banner.append("\n\n")
            banner.append_text(styled(block.spans))
            console.print(Panel(banner, title="What to do now", title_align="left"))
            banner = None
            continue
        if block.kind == "heading":
            console.print(Text("\n" + block.spans[0][0], style="bold underline"))
        elif block.kind == "blank":
            console.print()
        elif block.kind == "pre":
            console.print(Padding(styled(block.spans), (0, 0, 0, block.indent)), no_wrap=True)
        elif block.kind == "bullet":
            grid = Table.grid(padding=(0, 1, 0, 0))
            grid.add_column(no_wrap=True)
            grid.add_column()
            grid.add_row(block.mark, styled(block.spans))
            console.print(Padding(grid, (0, 0, 0, block.indent)))
        else:
            console.print(Padding(styled(block.spans), (0, 0, 0, block.indent)))
    return "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())

"""The report a person reads in a terminal: it draws the document (document.py) as lines.

`render()` gives the whole report, linear and complete: the summary first (within 24 lines, so
the first screen of it says what to do), then the detail, then the level and the action again
(pipes, files, --plain for screen readers, --full). `screen()` gives the first screen on its own
(the summary and the closing lines, fitted to the terminal), and the rest.

Lines are laid out once, with the standard library, and the same lines are drawn plain or in
colour: colour is an extra, never the message (every level and grade is also written in words
with a symbol), and a colour screen holds exactly what a plain one holds. rich is imported only
for colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .document import CLOSING, DETAIL, SUMMARY, Block, Document, Section, Span, build

if TYPE_CHECKING:
    from datetime import datetime

    from ..engine import Assessment

LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "see_doctor_soon": "bold black on cyan",
    "self_care": "bold black on green",
}
ROLE_STYLE = {
    "": "",
    "strong": "bold",
    "em": "italic",
    "dim": "dim",
    "cite": "dim",
    "url": "dim",
    "grade-recommended": "bold green",
    "grade-may_help": "bold cyan",
    "grade-guidelines_disagree": "bold yellow",
    "grade-not_recommended": "bold red",
    "heading": "bold underline",
    "title": "bold",
}

#: A laid-out line: its pieces of text with their rich style ("" for none).
Line = list[tuple[str, str]]

#: How the first screen gives way when the summary does not fit, in turn: the blank lines
#: between its parts go, then the things to do now keep to one line each, then the action
#: under the closing level goes (the level stays), then the one-line lists (causes, causes to
#: rule out, things to do) keep only their first 3, 2, 1 entries, saying how many more there
#: are below. The level, the action and the signs for calling now always stay.
#: Each step: (blank lines, the closing action, entries kept, things to do on one line).
FITTING = (
    (True, True, None, False),
    (False, True, None, False),
    (False, True, None, True),
    (False, False, None, True),
    (False, False, 3, True),
    (False, False, 2, True),
    (False, False, 1, True),
)
#: The summary sections whose entries always take one line each.
ONE_LINE = frozenset({"likely", "rule_out"})


def render(
    assessment: Assessment,
    *,
    color: bool = False,
    width: int = 80,
    made: datetime | None = None,
    height: int = 24,
) -> str:
    """The whole report: the summary (fitted to `height` lines, so that the first screen of it
    holds what to do), the detail, the level and the action again. `made` does not apply."""
    document = build(assessment)
    lines = _fit(document, width, height, closing=False)
    lines += _detail(document, width)
    lines += _closing(document, width)
    return _draw(lines, color, width)


def screen(
    assessment: Assessment, *, color: bool = False, width: int = 80, height: int = 24
) -> tuple[str, str]:
    """(the first screen, the rest). The first screen is the summary and the closing lines,
    within `height` lines when it can be, one line being left for a prompt below it. The rest
    is the detail and the closing lines again."""
    document = build(assessment)
    first = _fit(document, width, height - 1, closing=True)
    rest = _detail(document, width) + _closing(document, width)
    return _draw(first, color, width), _draw(rest, color, width)


def _fit(document: Document, width: int, room: int, *, closing: bool) -> list[Line]:
    """The summary (and the closing lines) in `room` lines, giving way as FITTING says."""
    lines: list[Line] = []
    for gap, whole, keep, squeeze in FITTING:
        lines = _summary(document, width, gap=gap, keep=keep, squeeze=squeeze)
        if closing:
            lines += _closing(document, width, whole=whole)
        if len(lines) <= room:
            break
    return lines


# -- laying out ---------------------------------------------------------------------------------


def _summary(
    document: Document,
    width: int,
    *,
    gap: bool,
    keep: int | None = None,
    squeeze: bool = True,
) -> list[Line]:
    """The summary's lines: entries of ONE_LINE sections take one line each, and the rest too
    when `squeeze` is set."""
    lines: list[Line] = []
    for number, section in enumerate(document.part(SUMMARY)):
        if number and gap:
            lines.append([])
        if section.title:
            lines.append([(f"{section.title}:", ROLE_STYLE["title"])])
        if keep is not None:
            section = _keep(section, keep)
        one_line = squeeze or section.id in ONE_LINE
        lines += _blocks(section, width, indent=2 if section.title else 0, one_line=one_line)
    return lines


def _keep(section: Section, keep: int) -> Section:
    """The section with only its first `keep` one-line entries, and how many more there are."""
    briefs = [block for block in section.blocks if block.kind == "brief"]
    if len(briefs) <= keep:
        return section
    left = set(briefs[keep:])
    blocks = [block for block in section.blocks if block not in left]
    blocks.append(Block("para", ((f"({len(left)} more below)", "dim"),)))
    return Section(section.id, section.title, section.part, tuple(blocks))


def _detail(document: Document, width: int) -> list[Line]:
    lines: list[Line] = []
    for section in document.part(DETAIL):
        title = section.title.upper()
        lines += [[], [(title, ROLE_STYLE["heading"])], [("-" * len(title), "dim")]]
        lines += _blocks(section, width, indent=2)
    return lines


def _closing(document: Document, width: int, *, whole: bool = True) -> list[Line]:
    lines: list[Line] = [[]]
    for section in document.part(CLOSING):
        blocks = section.blocks if whole else section.blocks[:1]
        lines += _blocks(Section(section.id, "", CLOSING, blocks), width, indent=0)
    return lines


def _blocks(section: Section, width: int, *, indent: int, one_line: bool = True) -> list[Line]:
    """A section's blocks as lines. Under a subhead, what follows is indented further; a brief
    entry keeps to one line when `one_line` is set."""
    lines: list[Line] = []
    inner = indent
    for block in section.blocks:
        if block.kind == "banner":
            text = "".join(part for part, _role in block.spans)
            lines.append([(text.ljust(width), LEVEL_STYLE[block.level])])
        elif block.kind == "subhead":
            if lines:
                lines.append([])
            lines += _wrap(block.spans, width, indent, indent + 4)
            inner = indent + 3
        elif block.kind == "para":
            lines += _wrap(block.spans, width, inner, inner)
        elif block.kind in ("item", "brief"):
            start = inner + 2 * block.depth
            mark = [(f"{block.mark} ", "")]
            wrapped = _wrap(block.spans, width, start, start + len(block.mark) + 1, lead=mark)
            lines += _one_line(wrapped, width) if block.kind == "brief" and one_line else wrapped
        elif block.kind == "figure":
            lines += [[(" " * inner + line, "cyan")] for line in block.lines]
        elif block.kind == "table":
            for question, answer in block.rows:
                spans: tuple[Span, ...] = ((f"{question}: ", "strong"), (answer, ""))
                lines += _wrap(spans, width, inner, inner + 4)
    return lines


def _words(spans: tuple[Span, ...] | list[tuple[str, str]]) -> list[Line]:
    """Words, each as pieces of styled text; spans that meet without a space join one word."""
    words: list[Line] = []
    glued = False
    for text, role in spans:
        if role == "cite":
            text = f"[{text}]" if text else ""
        style = ROLE_STYLE.get(role, role)
        for number, part in enumerate(text.split(" ")):
            if not part:
                continue
            if number == 0 and glued and words and role != "url":
                words[-1].append((part, style))
            else:
                words.append([(part, style)])
        glued = bool(text) and not text.endswith(" ")
    return words


def _wrap(
    spans: tuple[Span, ...],
    width: int,
    first: int,
    rest: int,
    *,
    lead: Line | None = None,
) -> list[Line]:
    """Fill lines up to `width`, never breaking a word (web addresses stay whole)."""
    lines: list[Line] = []
    line: Line = [(" " * first, "")] + (lead or [])
    used = first + sum(len(text) for text, _style in lead or [])
    empty = True
    for word in _words(spans):
        size = sum(len(text) for text, _style in word)
        if not empty and used + 1 + size > width:
            lines.append(line)
            line, used, empty = [(" " * rest, "")], rest, True
        if not empty:
            line.append((" ", ""))
            used += 1
        line += word
        used += size
        empty = False
    lines.append(line)
    return lines


def _one_line(lines: list[Line], width: int) -> list[Line]:
    """The first line only, ending in "..." when words were left out."""
    if len(lines) == 1:
        return lines
    line = list(lines[0])
    while line and sum(len(text) for text, _style in line) + 3 > width:
        line.pop()
    while line and line[-1][0] in (" ", ";", ":"):
        line.pop()
    if line:
        text, style = line[-1]
        line[-1] = (text.rstrip(";:,"), style)
    return [[*line, ("...", "")]]


# -- drawing ------------------------------------------------------------------------------------


def _draw(lines: list[Line], color: bool, width: int) -> str:
    if not color:
        return "".join("".join(text for text, _style in line).rstrip() + "\n" for line in lines)
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=True,
        color_system="standard",
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    text = Text()
    for line in lines:
        for number, (part, style) in enumerate(line):
            if number == len(line) - 1 and style not in LEVEL_STYLE.values():
                part = part.rstrip()  # no trailing spaces, but the level's bar is full width
            text.append(part, style=style or None)
        text.append("\n")
    console.print(text, no_wrap=True, overflow="ignore", crop=False, end="")
    return buffer.getvalue()

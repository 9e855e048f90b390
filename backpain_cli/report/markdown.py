"""The report as Markdown (CommonMark with GitHub tables), to print, e-mail or take to a doctor.

It draws the document (document.py): the same sections in the same order as the text report,
under a heading with the date and time and the tool's version. Headings, lists, one table and
one code block (the back diagram) only: no raw HTML, so it renders the same on GitHub and in
common viewers. Every text is escaped, so a `*`, `_`, `<` or `|` is shown as written.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..engine import Assessment
from ._shared import made_at, made_text, safe_url, tool_version
from .document import CLOSING, Block, Section, Span, build

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+])(\s)")
_NUMBER = re.compile(r"^\[?(\d+)[.\]]$")
_MARKERS = {"strong": "**", "em": "*", "dim": "*"}


def escape(text: str) -> str:
    """Text shown as written: Markdown punctuation and entity-like `&...;` are escaped."""
    text = _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))
    text = " ".join(text.split())  # no line breaks: every block is one line
    return _LIST_START.sub(_unlist, text)


def _unlist(match: re.Match[str]) -> str:
    """`1. ` or `- ` at the start of a paragraph would begin a list: escape it."""
    if match.group(2) is not None:
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}{match.group(4)}"
    return f"{match.group(5)}\\{match.group(6)}{match.group(7)}"


def render(
    assessment: Assessment, *, color: bool = False, width: int = 80, made: datetime | None = None
) -> str:
    """The Markdown report; `color` and `width` do not apply (viewers wrap lines themselves)."""
    document = build(assessment)
    when = made_text(made or made_at())
    out: list[str] = [
        f"# {escape(document.title)}",
        "",
        f"Made on {escape(when)} by backpain {escape(tool_version())}. Based only on the "
        "answers below: this is not a diagnosis.",
        "",
    ]
    for section in document.sections:
        out += _section(section)
    return "\n".join(out).rstrip("\n") + "\n"


def _section(section: Section) -> list[str]:
    out: list[str] = []
    if section.part == CLOSING:
        out += ["---", ""]
    if section.title:
        out += [f"## {escape(section.title)}", ""]
    listing = False
    for block in section.blocks:
        if block.kind in ("item", "brief"):
            out.append(_item(block))
            listing = True
            continue
        if listing:
            out.append("")
            listing = False
        if block.kind == "banner":
            text = escape("".join(part for part, _role in block.spans))
            out.append(f"**{text}**" if section.part == CLOSING else f"## {text}")
        elif block.kind == "subhead":
            out.append(f"### {_spans(block.spans, heading=True)}")
        elif block.kind == "para":
            out.append(_spans(block.spans))
        elif block.kind == "figure":
            out += ["```text", *block.lines, "```"]
        elif block.kind == "table":
            out += ["| Question | Answer |", "| --- | --- |"]
            out += [f"| {escape(question)} | {escape(answer)} |" for question, answer in block.rows]
        out.append("")
    if listing:
        out.append("")
    return out


def _item(block: Block) -> str:
    indent = "  " * block.depth
    number = _NUMBER.match(block.mark)
    if number:
        return f"{indent}{number.group(1)}. {_spans(block.spans)}"
    if block.mark == "-":
        mark = ""
    elif block.mark in ("+", "*"):  # would begin a list inside the list
        mark = f"\\{block.mark} "
    else:
        mark = f"{escape(block.mark)} "
    return f"{indent}- {mark}{_spans(block.spans)}"


def _spans(spans: tuple[Span, ...], *, heading: bool = False) -> str:
    """The spans as one line of Markdown; in a heading, without bold (a heading is bold)."""
    out = []
    for text, role in spans:
        lead = " " if text[:1].isspace() else ""
        tail = " " if text[-1:].isspace() else ""
        if role == "cite":
            out.append(f" \\[{text}\\]" if text else "")
        elif role == "url":
            url = safe_url(text)
            out.append(f" <{url}>" if url and not re.search(r"[<>\s]", url) else "")
        else:
            marker = _MARKERS.get(role, "**" if role.startswith("grade-") else "")
            if heading and marker == "**":
                marker = ""
            words = escape(text) if out else escape(text.lstrip())
            out.append(f"{lead}{marker}{words}{marker}{tail}" if words else lead)
    return " ".join("".join(out).split())

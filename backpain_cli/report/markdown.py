"""The report as Markdown (CommonMark with GitHub tables), to print, e-mail or take to a doctor.

The same content and order as the text report, plus the answers given. Headings, lists and one
table only: no raw HTML, so it renders the same on GitHub and in common viewers. Text from the
knowledge base and the answers labels is escaped, so a `*`, `_`, `<` or `|` is shown as written.
"""

from __future__ import annotations

import re

from ..engine import Assessment
from ._shared import (
    GRADE_NAMES,
    LEVEL_NAMES,
    LEVEL_WORDS,
    REGION_NOTE,
    TOPIC_TITLE,
    Refs,
    answer_rows,
    safe_url,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+])(\s)")


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


def render(assessment: Assessment, *, color: bool = False, width: int = 80) -> str:
    """The Markdown report; `color` and `width` do not apply (viewers wrap lines themselves)."""
    a = assessment
    refs = Refs(a)
    out: list[str] = ["# Back pain self-assessment", ""]

    symbol, word = LEVEL_NAMES[a.level]
    out += [
        f"## {escape(f'{symbol} {word}: {a.headline}')}",
        "",
        f"**What to do now:** {escape(a.action)}",
        "",
        f"**Emergency number: {escape(a.emergency_number)}**",
        "",
    ]

    if a.reasons:
        out += ["## Why", ""]
        out += [f"- {escape(r.text)} {refs.cite(r.sources)}".rstrip() for r in a.reasons]
        out.append("")

    out += ["## Possible causes (not a diagnosis)", ""]
    if not a.conditions:
        out += ["Your answers do not point to one cause in particular.", ""]
    for number, cause in enumerate(a.conditions, start=1):
        out += [
            f"### {number}. {escape(cause.name)}",
            "",
            f"*Usually needs: {escape(LEVEL_WORDS[cause.urgency])}*",
            "",
            escape(cause.summary),
            "",
        ]
        if cause.because:
            out += [f"**Because you said:** {escape('; '.join(cause.because))}.", ""]
        if cause.doctor_checks:
            out += ["**What a doctor may check:**", ""]
            out += [f"- {escape(check)}" for check in cause.doctor_checks]
            out.append("")
        if cause.sources:
            out += [f"Sources: {refs.cite(cause.sources)}", ""]

    if a.advice:
        out += ["## What may help", ""]
        legend = ", ".join(f"{escape(sym)} {name}" for sym, name in GRADE_NAMES.values())
        out += [f"How good the evidence is: {legend}.", ""]
        for topic, topic_title in TOPIC_TITLE.items():
            items = [item for item in a.advice if item.topic == topic]
            if not items:
                continue
            out += [f"### {escape(topic_title)}", ""]
            for item in items:
                sym, grade = GRADE_NAMES[item.grade]
                line = (
                    f"- **{escape(sym)} {grade}: {escape(item.title)}.** {escape(item.text)} "
                    f"{refs.cite(item.sources)}"
                )
                out.append(line.rstrip())
            out.append("")

    out += ["## When to get help", ""]
    if not a.see_a_doctor:
        out += [f"Now: {escape(a.headline)}.", ""]
    for group in a.see_a_doctor:
        out += [f"**{escape(group.action)} if you notice:**", ""]
        out += [f"- {escape(sign)}" for sign in group.signs]
        out.append("")
    for cause in a.conditions[:3]:
        if cause.see_doctor and a.level in ("self_care", "see_doctor_soon"):
            out += [f"**{escape(cause.name)}:** {escape(cause.see_doctor)}", ""]

    rows = answer_rows(a)
    out += ["## Your answers", ""]
    if rows:
        out += ["| Question | Answer |", "| --- | --- |"]
        out += [
            f"| {escape(question.short)} | {escape('; '.join(labels))} |"
            for question, labels in rows
        ]
    else:
        out.append("No answers given.")
    out.append("")

    if refs.order:
        out += ["## Sources", ""]
        for number, sid in enumerate(refs.order, start=1):
            source = refs.sources.get(sid, {})
            line = f"{number}. {escape(source.get('citation', sid))}"
            url = safe_url(source.get("url", ""))
            if url and not re.search(r"[<>\s]", url):
                line += f" <{url}>"
            out.append(line)
        out.append("")

    out += ["## Please note", "", escape(a.disclaimer), ""]
    if a.region == "default":
        out += [escape(REGION_NOTE.format(number=a.emergency_number)), ""]
    return "\n".join(out).rstrip("\n") + "\n"

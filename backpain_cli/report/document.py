"""The report as one document: which sections there are, in which order, and what each shows.

This is the one place that decides the layout. The text, Markdown and HTML renderers only draw a
`Document`: they never choose what to show. A new section is one more function in SECTIONS.

A document has three parts, in this order:

- the summary (one screen at 80x24): the level and what to do now, the signs that mean calling
  the emergency number now, the most likely causes and the serious causes to rule out (one line
  each), and the few things to do now;
- the detail: why, where it hurts, each cause in full, what may help, when to get help, the
  answers given, the sources and the disclaimer;
- the closing: the level and the action again, so the last lines a person sees say what to do.

Plain Python only (no rich), so the document renderers import fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..knowledge import LEVEL_RANK
from ..records import Record
from ._shared import GRADE_NAMES, LEVEL_NAMES, LEVEL_WORDS, TOPIC_TITLE, Refs, answer_rows

if TYPE_CHECKING:
    from ..engine import Assessment

SUMMARY = "summary"
DETAIL = "detail"
CLOSING = "closing"

#: The regions a person can choose (the CLI and data/regions.toml hold the same list).
REGION_CODES = ("uk", "us", "ca", "eu", "ie", "au", "nz", "in")
REGION_NOTE = (
    "We do not know your country, so this report uses {number}. For your own number, add "
    "--region and one of {codes} (or set BACKPAIN_REGION)."
)
FOR_SOMEONE_ELSE = 'Answering for someone else: "you" here means the person with the pain.'
NO_CAUSE = "Your answers do not point to one cause in particular."
#: At most this many reasons for the level on the first screen, when no cause is listed.
WHY_BRIEFS = 2
#: At most this many things to do now in the summary.
DO_NOW = 3
#: What to call the level a serious cause usually needs, when the report has no line for it.
NEEDS_HEADLINE = {
    "urgent": "Get medical help today",
    "see_doctor_soon": "See a doctor soon",
    "self_care": "Look after it at home",
}

#: A piece of text and its role: "" | "strong" | "em" | "dim" | "cite" (the text is the source
#: numbers, "1, 3") | "url" (a source's address: a renderer links it only when it is a web
#: address) | "grade-<grade>" (an evidence grade in words).
Span = tuple[str, str]


class Block(Record):
    """One thing a renderer draws.

    kind: "banner" (the level: `level` is set) | "para" | "item" (a list entry with `mark`;
    `depth` 1 is an entry under the one before) | "brief" (a list entry that a text screen keeps
    to one line) | "subhead" | "figure" (preformatted `lines`) | "table" (`rows` of question and
    answer).
    """

    kind: str
    spans: tuple[Span, ...] = ()
    mark: str = ""
    depth: int = 0
    level: str = ""
    lines: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()


class Section(Record):
    id: str
    title: str
    part: str
    blocks: tuple[Block, ...]


class Document(Record):
    title: str
    level: str
    #: the level in words with its symbol, and the action: what the closing lines say
    banner: str
    action: str
    sections: tuple[Section, ...]

    def part(self, name: str) -> tuple[Section, ...]:
        return tuple(section for section in self.sections if section.part == name)


def _para(*spans: Span) -> Block:
    return Block("para", spans)


def _item(*spans: Span, mark: str = "-", depth: int = 0) -> Block:
    return Block("item", spans, mark, depth)


def _brief(*spans: Span, mark: str = "-") -> Block:
    return Block("brief", spans, mark)


def _cite(refs: Refs, ids: tuple[str, ...]) -> Span:
    return (", ".join(map(str, refs.numbers(ids))), "cite")


class _Context:
    """What every section maker reads: the assessment and the source numbering so far."""

    def __init__(self, assessment: Assessment) -> None:
        self.a = assessment
        self.refs = Refs(assessment)
        symbol, word = LEVEL_NAMES[assessment.level]
        self.banner = f"{symbol} {word}: {assessment.headline}"

    def headline(self, level: str) -> str:
        """What to do at `level`, as this report says it."""
        if level == self.a.level:
            return self.a.headline
        for group in self.a.see_a_doctor:
            if group.level == level:
                return group.action
        if level == "emergency":
            return f"Call {self.a.emergency_number} now"
        return NEEDS_HEADLINE[level]


Maker = Callable[[_Context], Section | None]


def build(assessment: Assessment) -> Document:
    """The document of an assessment: every section that has something to say, in order."""
    context = _Context(assessment)
    sections = tuple(s for s in (make(context) for make in SECTIONS) if s is not None)
    return Document(
        "Back pain self-assessment",
        assessment.level,
        context.banner,
        assessment.action,
        sections,
    )


# -- the summary --------------------------------------------------------------------------------


def _level(c: _Context) -> Section:
    a = c.a
    blocks = [Block("banner", ((c.banner, ""),), level=a.level), _para((a.action, ""))]
    if a.region == "default":
        note = REGION_NOTE.format(number=a.emergency_number, codes=", ".join(REGION_CODES))
        blocks.append(_para((note, "dim")))
    if "answering_for.someone_else" in a.answers.facts:
        blocks.append(_para((FOR_SOMEONE_ELSE, "dim")))
    return Section("level", "", SUMMARY, tuple(blocks))


def _call_now(c: _Context) -> Section | None:
    """The signs that mean calling the emergency number now (none at the emergency level)."""
    for group in c.a.see_a_doctor:
        if group.level == "emergency":
            items = tuple(_item((sign, "")) for sign in group.signs)
            return Section("call_now", f"{group.action} if you notice", SUMMARY, items)
    return None


def _likely(c: _Context) -> Section:
    a = c.a
    blocks: list[Block] = []
    for number, cause in enumerate(a.conditions, start=1):
        said = "; ".join(cause.because) or f"usually needs {LEVEL_WORDS[cause.urgency]}"
        blocks.append(_brief((cause.name, "strong"), (f": {said}", ""), mark=f"{number}."))
    if not a.conditions and a.level == "emergency":
        blocks.append(_para(("Finding the cause matters less than getting help now.", "strong")))
        pointing = [r for r in a.reasons if r.level == "emergency" and r.kind == "rule"]
        if pointing and not a.rule_out:
            blocks.append(_para(("What your answers so far point to:", "")))
            blocks += [_brief((_first_sentence(r.text), "")) for r in pointing]
    elif not a.conditions and a.rule_out:
        blocks.append(_para((NO_CAUSE + " But a doctor should rule out the ones below.", "")))
    elif not a.conditions and a.level != "self_care":
        # Without a cause to rest on, the level rests on what was said: say so on the first screen.
        blocks.append(_para((NO_CAUSE + " The advice rests on what you told us:", "")))
        resting = [r for r in a.reasons if r.level == a.level][:WHY_BRIEFS]
        blocks += [_item((_first_sentence(r.text), "")) for r in resting]
    elif not a.conditions:
        blocks.append(_para((NO_CAUSE, "")))
    return Section("likely", "Most likely causes (not a diagnosis)", SUMMARY, tuple(blocks))


def _rule_out_brief(c: _Context) -> Section | None:
    if not c.a.rule_out:
        return None
    blocks = []
    for cause in c.a.rule_out:
        said = "; ".join(cause.because) or f"usually needs {LEVEL_WORDS[cause.urgency]}"
        blocks.append(_brief((cause.name, "strong"), (f": {said}", "")))
    return Section("rule_out", "Serious causes a doctor should rule out", SUMMARY, tuple(blocks))


def _do_now(c: _Context) -> Section | None:
    """A few things to do now: getting help first, then recommended self-care and medicines."""
    a = c.a
    first = [item for item in a.advice if item.topic == "getting_help"]
    first += [
        item
        for item in a.advice
        if item.topic in ("self_care", "medicines") and item.grade == "recommended"
    ]
    if not first:
        return None
    # At the emergency level there is room, and every word of what to do while waiting counts.
    whole = a.level == "emergency"
    blocks = tuple(
        _brief((item.title, "strong"), (f": {_first_sentence(item.text, whole=whole)}", ""))
        for item in first[:DO_NOW]
    )
    # (at the emergency level the first item is what to do while waiting for help)
    title = {"emergency": "Until help comes", "urgent": "While you get help"}.get(
        a.level, "What you can do now"
    )
    return Section("do_now", title, SUMMARY, blocks)


def _first_sentence(text: str, *, whole: bool = False) -> str:
    """The first sentence of a text (all of it when `whole`), on one line."""
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 or whole else text[: end + 1]


# -- the detail ---------------------------------------------------------------------------------


def _why(c: _Context) -> Section:
    a = c.a
    blocks: list[Block] = []
    below = False
    for reason in a.reasons:  # highest level first
        if not below and LEVEL_RANK[reason.level] < LEVEL_RANK[a.level]:
            # what sets the level comes first; the rest would call for less on its own
            below = True
            blocks.append(_para(("Also tell the doctor about these:", "strong")))
        if reason.kind == "sign":  # its text is already what the person said
            blocks.append(_item((reason.text + " ", ""), _cite(c.refs, reason.sources)))
            continue
        blocks.append(_item((reason.text + " ", ""), _cite(c.refs, reason.sources)))
        if reason.because:
            blocks.append(
                _item(("You said: ", "em"), ("; ".join(reason.because) + ".", ""), depth=1)
            )
    if not blocks:
        blocks.append(_para(("None of the answers you gave is a warning sign.", "")))
    return Section("why", "Why", DETAIL, tuple(blocks))


def _where(c: _Context) -> Section:
    drawing = back_drawing(c.a.answers.get("side"), c.a.answers.get("area"))
    return Section(
        "where", "Where it hurts (seen from behind)", DETAIL, (Block("figure", lines=drawing),)
    )


def back_drawing(side: str | None, area: str | None) -> tuple[str, ...]:
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
    return tuple(lines)


def _causes(c: _Context) -> Section | None:
    a = c.a
    if not a.conditions:
        return None  # the summary says so
    blocks: list[Block] = []
    for number, cause in enumerate(a.conditions, start=1):
        blocks.append(
            Block(
                "subhead",
                (
                    (f"{number}. {cause.name}", "strong"),
                    (f"  (usually needs: {LEVEL_WORDS[cause.urgency]})", "dim"),
                ),
            )
        )
        blocks.append(_para((cause.summary, "")))
        if cause.because:
            blocks.append(_para(("Because you said: ", "em"), ("; ".join(cause.because) + ".", "")))
        checks = cause.doctor_checks
        if checks:
            blocks.append(_para(("What a doctor may check:", "em")))
            blocks += [_item((check, "")) for check in checks]
        blocks.append(_para(("Sources: ", "dim"), _cite(c.refs, cause.sources)))
    return Section("causes", "More about the likely causes", DETAIL, tuple(blocks))


def _rule_out(c: _Context) -> Section | None:
    a = c.a
    if not a.rule_out:
        return None
    blocks: list[Block] = [
        _para(("A doctor should make sure it is not one of these.", "")),
    ]
    for cause in a.rule_out:
        blocks.append(
            Block(
                "subhead",
                (
                    (cause.name, "strong"),
                    (f"  (usually needs: {LEVEL_WORDS[cause.urgency]})", "dim"),
                ),
            )
        )
        blocks.append(_para((cause.summary, "")))
        if cause.because:
            blocks.append(_para(("Because you said: ", "em"), ("; ".join(cause.because) + ".", "")))
        if cause.urgent_if:
            blocks.append(_para((f"{c.headline(cause.urgency)} if you notice:", "em")))
            blocks += [_item((sign, "")) for sign in cause.urgent_if]
        checks = cause.doctor_checks
        if checks:
            blocks.append(_para(("What a doctor may check:", "em")))
            blocks += [_item((check, "")) for check in checks]
        blocks.append(_para(("Sources: ", "dim"), _cite(c.refs, cause.sources)))
    return Section("rule_out_detail", "More about the causes to rule out", DETAIL, tuple(blocks))


def _advice(c: _Context) -> Section | None:
    a = c.a
    if not a.advice:
        return None
    legend = "  ".join(f"{symbol} {name}" for symbol, name in GRADE_NAMES.values())
    blocks: list[Block] = [_para((f"How good the evidence is: {legend}", "dim"))]
    for topic, title in TOPIC_TITLE.items():
        items = [item for item in a.advice if item.topic == topic]
        if not items:
            continue
        blocks.append(Block("subhead", ((title, "strong"),)))
        for item in items:
            symbol, grade = GRADE_NAMES[item.grade]
            blocks.append(
                _item(
                    (f"{grade}: ", f"grade-{item.grade}"),
                    (item.title, "strong"),
                    (f". {item.text} ", ""),
                    _cite(c.refs, item.sources),
                    mark=symbol,
                )
            )
    return Section("advice", "What may help", DETAIL, tuple(blocks))


def _when(c: _Context) -> Section:
    """The signs that mean getting help sooner (those for calling now are in the summary), and
    when to see a doctor about the likely causes."""
    a = c.a
    blocks: list[Block] = []
    if not a.see_a_doctor:
        blocks.append(_para((f"Now: {a.headline}.", "")))
    for group in a.see_a_doctor:
        if group.level == "emergency":
            blocks.append(
                _para((f"{group.action} if you notice any of the signs at the top.", "strong"))
            )
            continue
        blocks.append(_para((f"{group.action} if you notice:", "strong")))
        blocks += [_item((sign, "")) for sign in group.signs]
    if a.level in ("self_care", "see_doctor_soon"):
        for cause in a.conditions[:3]:
            if cause.see_doctor:
                blocks.append(_para((f"{cause.name}: ", "strong"), (cause.see_doctor, "")))
    return Section("when", "When to get help", DETAIL, tuple(blocks))


def _answers(c: _Context) -> Section:
    rows = tuple((question.short, "; ".join(labels)) for question, labels in answer_rows(c.a))
    if not rows:
        return Section("answers", "Your answers", DETAIL, (_para(("No answers given.", "")),))
    return Section("answers", "Your answers", DETAIL, (Block("table", rows=rows),))


def _sources(c: _Context) -> Section | None:
    if not c.refs.order:
        return None
    blocks = []
    for number, sid in enumerate(c.refs.order, start=1):
        source = c.refs.sources.get(sid, {})
        spans: list[Span] = [(source.get("citation", sid), "")]
        if source.get("url"):
            spans.append((source["url"], "url"))
        blocks.append(_item(*spans, mark=f"[{number}]"))
    return Section("sources", "Sources", DETAIL, tuple(blocks))


def _note(c: _Context) -> Section:
    return Section("note", "Please note", DETAIL, (_para((c.a.disclaimer, "")),))


def _closing(c: _Context) -> Section:
    blocks = (Block("banner", ((c.banner, ""),), level=c.a.level), _para((c.a.action, "")))
    return Section("closing", "", CLOSING, blocks)


#: Every section, in the order a report gives them.
SECTIONS: tuple[Maker, ...] = (
    _level,
    _call_now,
    _likely,
    _rule_out_brief,
    _do_now,
    _why,
    _where,
    _causes,
    _rule_out,
    _advice,
    _when,
    _answers,
    _sources,
    _note,
    _closing,
)

"""The report as one self-contained HTML page, to save, print or take to a doctor.

It draws the document (document.py): the same sections in the same order as the text report,
under a heading with the date and time and the tool's version. Inline CSS only: no scripts, no
fonts, images or style sheets from elsewhere, so the page opens the same offline and sends
nothing anywhere. Every text is escaped. The urgency is written in words with a symbol; colour
only repeats it, and in print the meaning never rests on a background.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from ..engine import Assessment
from ._shared import LEVEL_NAMES, made_at, made_text, safe_url, tool_version
from .document import CLOSING, SUMMARY, Block, Section, Span, build

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  font-size: 16px; line-height: 1.5; color: #1a1a1a; background: #fff; }
body { margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .2rem;
  border-bottom: 2px solid #d0d0d0; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .35rem; }
p, ul, ol { margin: .4rem 0; }
ul { padding-left: 1.4rem; }
li { margin: .2rem 0; }
a { color: #0b4f8a; overflow-wrap: anywhere; }
.subtitle { margin: 0 0 1rem; color: #444; }
.urgency { border: 3px solid; border-left-width: 12px; border-radius: 6px;
  padding: .9rem 1.1rem; margin: 1rem 0 1.5rem; }
.urgency .level { font-size: 1.35rem; font-weight: 700; margin: 0 0 .4rem; padding: 0;
  border: 0; }
.urgency .tag { display: inline-block; padding: 0 .45rem; margin-right: .4rem;
  border: 2px solid; border-radius: 4px; letter-spacing: .03em; }
.urgency .number { font-weight: 700; }
.level-emergency { border-color: #b00020; background: #fdecee; }
.level-urgent { border-color: #a15c00; background: #fff4e0; }
.level-see_doctor_soon { border-color: #0b5c8a; background: #e8f3fa; }
.level-self_care { border-color: #2e7d32; background: #edf7ee; }
.dim, .url { color: #444; }
.closing { border: 3px solid; border-left-width: 12px; border-radius: 6px;
  padding: .6rem 1.1rem; margin: 2rem 0 0; }
.closing .level { font-weight: 700; font-size: 1.1rem; }
.back { font-family: ui-monospace, Menlo, Consolas, monospace; line-height: 1.2;
  background: #f6f6f6; padding: .6rem .9rem; border-radius: 6px; display: inline-block; }
.note { color: #444; font-size: .92rem; }
.refs a { text-decoration: none; }
.label { font-weight: 700; }
.grade { font-weight: 700; white-space: nowrap; }
.grade-recommended { color: #1b5e20; }
.grade-may_help { color: #0b4f8a; }
.grade-guidelines_disagree { color: #7a4a00; }
.grade-not_recommended { color: #b00020; }
.advice { list-style: none; padding-left: 0; }
.advice li { margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem;
  border-bottom: 1px solid #d0d0d0; }
th[scope="row"] { width: 32%; font-weight: 600; }
thead th { border-bottom: 2px solid #888; }
.sources li { overflow-wrap: anywhere; }
@page { margin: 16mm 15mm 18mm; }
@media print {
  html { font-size: 10pt; line-height: 1.4; }
  main { max-width: none; padding: 0; }
  h2 { margin-top: 1.4rem; }
  a { color: inherit; text-decoration: none; }
  .urgency, .closing, .level-emergency, .level-urgent, .level-see_doctor_soon,
  .level-self_care { background: none; border-color: #000; }
  li, tr, .back { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .urgency { break-inside: avoid; page-break-inside: avoid; }
}
"""

#: span roles -> the element that shows them
_TAGS = {"strong": "strong", "em": "em"}


def render(
    assessment: Assessment, *, color: bool = False, width: int = 80, made: datetime | None = None
) -> str:
    """The HTML page; `color` and `width` do not apply."""
    document = build(assessment)
    _symbol, word = LEVEL_NAMES[document.level]
    when = made_text(made or made_at())
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)}: {escape(word)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{escape(document.title)}</h1>",
        f'<p class="subtitle">Made on {escape(when)} by backpain {escape(tool_version())}. '
        "Based only on the answers below: this is not a diagnosis.</p>",
        "</header>",
    ]
    for section in document.sections:
        out += _section(section, document.level)
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _section(section: Section, level: str) -> list[str]:
    sid = escape(section.id)
    if section.id == "level":
        out = [f'<section class="urgency level-{escape(level)}" aria-labelledby="{sid}">']
    elif section.part == CLOSING:
        out = [f'<section class="closing level-{escape(level)}" aria-label="What to do now">']
    else:
        kind = "summary" if section.part == SUMMARY else "detail"
        out = [f'<section class="{kind}" aria-labelledby="{sid}">']
    if section.title:
        out.append(f'<h2 id="{sid}">{escape(section.title)}</h2>')
    items: list[Block] = []
    for block in section.blocks:
        if block.kind in ("item", "brief"):
            items.append(block)
            continue
        if items:
            out += _list(items, section.id)
            items = []
        out.append(_block(block, section))
    if items:
        out += _list(items, section.id)
    out.append("</section>")
    return out


def _block(block: Block, section: Section) -> str:
    if block.kind == "banner":
        symbol, _, rest = "".join(part for part, _role in block.spans).partition(" ")
        word, _, headline = rest.partition(": ")
        tag = f'<span class="tag">{escape(symbol)} {escape(word)}</span>{escape(headline)}'
        if section.part == CLOSING:
            return f'<p class="level">{tag}</p>'
        return f'<h2 id="{escape(section.id)}" class="level">{tag}</h2>'
    if block.kind == "subhead":
        return f"<h3>{_spans(block.spans)}</h3>"
    if block.kind == "figure":
        drawing = escape("\n".join(block.lines))
        label = "A back seen from behind, with the painful part filled in"
        return f'<pre class="back" role="img" aria-label="{label}">{drawing}</pre>'
    if block.kind == "table":
        rows = "".join(
            f'<tr><th scope="row">{escape(question)}</th><td>{escape(answer)}</td></tr>'
            for question, answer in block.rows
        )
        return (
            '<table><thead><tr><th scope="col">Question</th><th scope="col">Answer</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>"
        )
    return f"<p>{_spans(block.spans)}</p>"


def _list(items: list[Block], section_id: str) -> list[str]:
    """List entries as one list; an entry of depth 1 goes in a list inside the one before it."""
    ordered = items[0].mark[:1].isdigit() or items[0].mark.startswith("[")
    tag = "ol" if ordered else "ul"
    kind = {"sources": ' class="sources"', "advice": ' class="advice"'}.get(section_id, "")
    out = [f"<{tag}{kind}>"]
    for number, item in enumerate(items):
        if item.depth:
            continue
        mark = ""
        if item.mark not in ("-",) and not ordered:
            mark = f'<span class="mark">{escape(item.mark)}</span> '
        anchor = f' id="source-{number + 1}"' if section_id == "sources" else ""
        under = []
        for sub in items[number + 1 :]:
            if not sub.depth:
                break
            under.append(f"<li>{_spans(sub.spans)}</li>")
        nested = f"<ul>{''.join(under)}</ul>" if under else ""
        out.append(f"<li{anchor}>{mark}{_spans(item.spans)}{nested}</li>")
    out.append(f"</{tag}>")
    return out


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    for text, role in spans:
        if role == "cite":
            if text:
                links = ", ".join(
                    f'<a href="#source-{n}">{n}</a>' for n in text.replace(" ", "").split(",")
                )
                out.append(f'<span class="refs">[{links}]</span>')
        elif role == "url":
            url = safe_url(text)
            if url:
                out.append(f' <a class="url" href="{escape(url)}">{escape(url)}</a>')
        elif role.startswith("grade-"):
            out.append(f'<span class="grade {escape(role)}">{escape(text)}</span>')
        elif role == "dim":
            out.append(f'<span class="dim">{escape(text)}</span>')
        elif role in _TAGS:
            tag = _TAGS[role]
            out.append(f"<{tag}>{escape(text)}</{tag}>")
        else:
            out.append(escape(text))
    return "".join(out).strip()

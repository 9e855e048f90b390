"""The report as one self-contained HTML page, to save, print or take to a doctor.

Inline CSS only: no scripts, no fonts, images or style sheets from elsewhere, so the page opens
the same offline and sends nothing anywhere. Every text is escaped. The urgency is written in
words with a symbol; colour only repeats it, and in print the meaning never rests on a
background. The output is deterministic: no date, no random ids.
"""

from __future__ import annotations

from html import escape

from ..engine import Assessment, PossibleCause
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
.cause { border: 1px solid #d0d0d0; border-radius: 6px; padding: .6rem 1rem .7rem;
  margin: .8rem 0; }
.cause h3 { margin-top: .2rem; }
.needs, p.refs, .note { color: #444; font-size: .92rem; }
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
  .cause { padding: .4rem .8rem .5rem; margin: .6rem 0; }
  a { color: inherit; text-decoration: none; }
  .urgency, .level-emergency, .level-urgent, .level-see_doctor_soon, .level-self_care {
    background: none; border-color: #000; }
  .cause { break-inside: avoid; page-break-inside: avoid; }
  .advice li, tr, .signs li, .sources li, footer { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .urgency { break-inside: avoid; page-break-inside: avoid; }
}
"""


def render(assessment: Assessment, *, color: bool = False, width: int = 80) -> str:
    """The HTML page; `color` and `width` do not apply."""
    a = assessment
    refs = Refs(a)
    symbol, word = LEVEL_NAMES[a.level]
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Back pain self-assessment: {escape(word)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        "<h1>Back pain self-assessment</h1>",
        '<p class="subtitle">Based only on the answers below. This is not a diagnosis.</p>',
        "</header>",
        f'<section class="urgency level-{escape(a.level)}" aria-labelledby="urgency">',
        f'<h2 id="urgency" class="level"><span class="tag">{escape(symbol)} {escape(word)}</span>'
        f"{escape(a.headline)}</h2>",
        f'<p><span class="label">What to do now:</span> {escape(a.action)}</p>',
        f'<p class="number">Emergency number: {escape(a.emergency_number)}</p>',
        "</section>",
    ]

    if a.reasons:
        out += ['<section aria-labelledby="why">', '<h2 id="why">Why</h2>', "<ul>"]
        out += [f"<li>{escape(r.text)} {_cite(refs, r.sources)}</li>" for r in a.reasons]
        out += ["</ul>", "</section>"]

    out += [
        '<section aria-labelledby="causes">',
        '<h2 id="causes">Possible causes (not a diagnosis)</h2>',
    ]
    if not a.conditions:
        out.append("<p>Your answers do not point to one cause in particular.</p>")
    out += [_cause(number, cause, refs) for number, cause in enumerate(a.conditions, start=1)]
    out.append("</section>")

    if a.advice:
        legend = ", ".join(f"{escape(sym)} {escape(name)}" for sym, name in GRADE_NAMES.values())
        out += [
            '<section aria-labelledby="help">',
            '<h2 id="help">What may help</h2>',
            f'<p class="note">How good the evidence is: {legend}.</p>',
        ]
        for topic, topic_title in TOPIC_TITLE.items():
            items = [item for item in a.advice if item.topic == topic]
            if not items:
                continue
            out += [f"<h3>{escape(topic_title)}</h3>", '<ul class="advice">']
            for item in items:
                sym, grade = GRADE_NAMES[item.grade]
                out.append(
                    f'<li><span class="grade grade-{escape(item.grade)}">{escape(sym)} '
                    f"{escape(grade)}:</span> <strong>{escape(item.title)}.</strong> "
                    f"{escape(item.text)} {_cite(refs, item.sources)}</li>"
                )
            out.append("</ul>")
        out.append("</section>")

    out += ['<section aria-labelledby="when">', '<h2 id="when">When to get help</h2>']
    if not a.see_a_doctor:
        out.append(f"<p>Now: {escape(a.headline)}.</p>")
    for group in a.see_a_doctor:
        out.append(f'<p class="label">{escape(group.action)} if you notice:</p>')
        out += ['<ul class="signs">', *(f"<li>{escape(sign)}</li>" for sign in group.signs)]
        out.append("</ul>")
    for cause in a.conditions[:3]:
        if cause.see_doctor and a.level in ("self_care", "see_doctor_soon"):
            out.append(
                f'<p><span class="label">{escape(cause.name)}:</span> '
                f"{escape(cause.see_doctor)}</p>"
            )
    out.append("</section>")

    rows = answer_rows(a)
    out += ['<section aria-labelledby="answers">', '<h2 id="answers">Your answers</h2>']
    if rows:
        out += [
            "<table>",
            '<thead><tr><th scope="col">Question</th><th scope="col">Answer</th></tr></thead>',
            "<tbody>",
        ]
        out += [
            f'<tr><th scope="row">{escape(question.short)}</th>'
            f"<td>{escape('; '.join(labels))}</td></tr>"
            for question, labels in rows
        ]
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>No answers given.</p>")
    out.append("</section>")

    if refs.order:
        out += [
            '<section aria-labelledby="sources">',
            '<h2 id="sources">Sources</h2>',
            '<ol class="sources">',
        ]
        for number, sid in enumerate(refs.order, start=1):
            source = refs.sources.get(sid, {})
            line = f'<li id="source-{number}">{escape(source.get("citation", sid))}'
            url = safe_url(source.get("url", ""))
            if url:
                line += f' <a href="{escape(url)}">{escape(url)}</a>'
            out.append(line + "</li>")
        out += ["</ol>", "</section>"]

    out += ["<footer>", '<h2 id="note">Please note</h2>', f"<p>{escape(a.disclaimer)}</p>"]
    if a.region == "default":
        note = REGION_NOTE.format(number=a.emergency_number)
        out.append(f'<p class="note">{escape(note)}</p>')
    out += ["</footer>", "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _cite(refs: Refs, ids: tuple[str, ...]) -> str:
    """[1, 2] with each number a link to its source below."""
    numbers = refs.numbers(ids)
    if not numbers:
        return ""
    links = ", ".join(f'<a href="#source-{n}">{n}</a>' for n in numbers)
    return f'<span class="refs">[{links}]</span>'


def _cause(number: int, cause: PossibleCause, refs: Refs) -> str:
    parts = [
        '<div class="cause">',
        f"<h3>{number}. {escape(cause.name)}</h3>",
        f'<p class="needs">Usually needs: {escape(LEVEL_WORDS[cause.urgency])}</p>',
        f"<p>{escape(cause.summary)}</p>",
    ]
    if cause.because:
        parts.append(
            f'<p><span class="label">Because you said:</span> '
            f"{escape('; '.join(cause.because))}.</p>"
        )
    if cause.doctor_checks:
        parts += ['<p class="label">What a doctor may check:</p>', "<ul>"]
        parts += [f"<li>{escape(check)}</li>" for check in cause.doctor_checks]
        parts.append("</ul>")
    if cause.sources:
        parts.append(f'<p class="refs">Sources: {_cite(refs, cause.sources)}</p>')
    parts.append("</div>")
    return "\n".join(parts)

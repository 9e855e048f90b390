"""Documentation generated from the knowledge base, so that it cannot drift from what runs.

    python -m backpain_cli.docs docs/      # rewrite docs/conditions/*.md, docs/answers-format.md
                                           # and the table of thresholds in data/README.md

A test regenerates every page and fails when the files in docs/ differ.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .answers import json_schema
from .knowledge import LEVEL_RANK, Condition, Knowledge, Question, Questions, load_knowledge

LEVEL_WORDS = {
    "emergency": "Emergency: call the emergency number now",
    "urgent": "Urgent: get medical help today",
    "see_doctor_soon": "See a doctor soon: book an appointment",
    "self_care": "Self-care at home, with a safety net",
}
GRADE_WORDS = {
    "recommended": "recommended",
    "may_help": "may help",
    "guidelines_disagree": "guidelines disagree",
    "not_recommended": "not recommended",
}
GENERATED = "<!-- Generated from data/ by `python -m backpain_cli.docs`; do not edit by hand. -->"


def condition_page(condition: Condition, kb: Knowledge) -> str:
    """One condition as a Markdown page: what it is, how it shows, what to do, sources."""
    lines = [GENERATED, "", f"# {condition.name}", "", f"`{condition.id}` · {condition.group}", ""]
    lines += [condition.summary, "", "## How urgent", "", LEVEL_WORDS[condition.urgency] + "."]
    if condition.see_doctor:
        lines += ["", condition.see_doctor]
    rules = sorted(
        (rule for rule in kb.rules if condition.id in rule.suspects),
        key=lambda rule: -LEVEL_RANK[rule.level],
    )
    if rules:
        lines += ["", "## Warning signs the tool acts on", ""]
        lines += ["| level | when | why | sources |", "|---|---|---|---|"]
        for rule in rules:
            lines.append(
                f"| {rule.level} | `{rule.when.text}` | {rule.reason} | {', '.join(rule.sources)} |"
            )
    lines += ["", "## Why the tool may suspect it", ""]
    lines += [
        f"Starting score (prior, ln odds): {condition.prior:g}. Each answer below adds its "
        "weight (ln likelihood ratio; negative weights argue against).",
        "",
        "| answer | weight | basis |",
        "|---|---|---|",
    ]
    for feature in condition.features:
        basis = "estimate" if feature.estimate else ""
        if feature.source:
            basis = f"{basis}; {feature.source}".strip("; ")
        if feature.note:
            basis = f"{basis} ({feature.note})"
        lines.append(f"| {feature.label} (`{feature.when.text}`) | {feature.weight:+g} | {basis} |")
    if condition.exclude:
        lines += ["", "Not considered when: " + "; ".join(f"`{e.text}`" for e in condition.exclude)]
    lines += ["", "## What a doctor may check", ""]
    lines += [f"- {check}" for check in condition.doctor_checks]
    if condition.advice:
        lines += ["", "## What may help", ""]
        for aid in condition.advice:
            advice = kb.advice[aid]
            lines.append(f"- **{advice.title}** ({GRADE_WORDS[advice.grade]}): {advice.text}")
    lines += ["", "## Sources", ""]
    cited = dict.fromkeys(condition.sources)
    cited.update(dict.fromkeys(sid for rule in rules for sid in rule.sources))
    cited.update(dict.fromkeys(f.source for f in condition.features if f.source))
    for sid in cited:
        if sid is None:
            continue
        source = kb.sources[sid]
        url = f" <{source.url}>" if source.url else ""
        lines.append(f"- `{sid}`: {source.citation}{url}")
    return "\n".join(lines) + "\n"


def conditions_index(kb: Knowledge) -> str:
    lines = [GENERATED, "", "# Possible causes the tool knows", ""]
    lines += ["| condition | group | usual urgency |", "|---|---|---|"]
    for condition in sorted(kb.conditions.values(), key=lambda c: (c.group, c.name)):
        lines.append(
            f"| [{condition.name}]({condition.id}.md) | {condition.group} | {condition.urgency} |"
        )
    return "\n".join(lines) + "\n"


def question_json(question: Question) -> dict[str, Any]:
    """A question as plain data (for `backpain questions --format json`)."""
    out: dict[str, Any] = {
        "id": question.id,
        "key": question.key,
        "type": question.type,
        "short": question.short,
        "prompt": question.prompt,
        "help": question.help,
        "required": question.required,
    }
    if question.type in ("int", "number"):
        out["min"], out["max"] = question.min, question.max
    if question.when is not None:
        out["when"] = question.when.text
    if question.choices:
        out["choices"] = [{"id": c.id, "label": c.label} for c in question.choices]
    return out


def answers_format(questions: Questions) -> str:
    """docs/answers-format.md: the answers format, from the definitions the parser reads."""
    schema = json_schema(questions)
    lines = [GENERATED, "", "# The answers format, version 1", ""]
    lines += [
        "An answers file is one JSON object. `age`, `side` and `area` are required. Any other "
        "key left out, or given as `null`, means *not answered*, which is never read as *no*. "
        "Unknown keys and unknown ids are errors that name the field and suggest the nearest "
        "valid id, so a typo cannot silently drop an alarm symptom. Lists may be empty. "
        "`sex` `male` with `pregnant` `yes` is refused as a contradiction.",
        "",
        "`backpain schema` prints the same rules as a JSON Schema (2020-12); "
        "`backpain validate FILE` checks a file.",
        "",
        "## Keys",
        "",
        "| key | type | required | values |",
        "|---|---|---|---|",
    ]
    for key, question in questions.keys.items():
        if question.type in ("int", "number"):
            values = f"{question.expected()}"
        else:
            values = ", ".join(f"`{i}`" for i in questions.vocabulary[key])
        kind = {"int": "integer", "number": "number", "choice": "string", "multi": "list"}
        required = "yes" if key in questions.required else ""
        lines.append(f"| `{key}` | {kind[question.type]} | {required} | {values} |")
    lines += ["", "## The questions and what each id means", ""]
    for question in questions.questions:
        lines += [f"### {question.short} (`{question.key}`)", "", f"*{question.prompt}*"]
        if question.help:
            lines += ["", question.help]
        if question.when is not None:
            lines += ["", f"Asked only when: `{question.when.text}`"]
        if question.choices:
            lines += [""] + [f"- `{c.id}`: {c.label}" for c in question.choices]
        lines.append("")
    lines += ["## Example", "", "```json"]
    lines.append(
        json.dumps(
            {
                "version": 1,
                "age": 41,
                "sex": "male",
                "side": "left",
                "area": "middle",
                "onset": "sudden",
                "severity": 8,
                "character": ["comes_in_waves"],
                "radiates_to": ["groin"],
                "symptoms": ["blood_in_urine", "nausea_or_vomiting"],
            },
            indent=2,
        )
    )
    lines += ["```", "", f"Schema id: `{schema['$id']}`", ""]
    return "\n".join(lines)


def all_pages(kb: Knowledge | None = None) -> dict[str, str]:
    """Every generated page, by path relative to docs/."""
    kb = kb or load_knowledge()
    pages = {f"conditions/{cid}.md": condition_page(c, kb) for cid, c in kb.conditions.items()}
    pages["conditions/README.md"] = conditions_index(kb)
    pages["answers-format.md"] = answers_format(kb.questions)
    return pages


#: Where data/README.md holds the generated table of thresholds.
THRESHOLDS = ("<!-- thresholds -->", "<!-- /thresholds -->")


def thresholds_table(kb: Knowledge) -> str:
    """The table of every condition's usual urgency, threshold and its reason."""
    lines = ["| condition | urgency | threshold | why |", "|---|---|---|---|"]
    order = sorted(kb.conditions.values(), key=lambda c: (-LEVEL_RANK[c.urgency], c.id))
    lines += [f"| `{c.id}` | {c.urgency} | {c.threshold:g} | {c.threshold_note} |" for c in order]
    return "\n".join(lines)


def with_thresholds(readme: str, kb: Knowledge) -> str:
    """data/README.md with its table of thresholds made afresh."""
    start, end = THRESHOLDS
    head, rest = readme.split(start, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{start}\n{thresholds_table(kb)}\n{end}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate the docs made from data/.")
    parser.add_argument("docs", type=Path, help="the docs/ folder of the repository")
    target = parser.parse_args().docs
    for relative, text in all_pages().items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    readme = target.resolve().parent / "data" / "README.md"
    readme.write_text(with_thresholds(readme.read_text(encoding="utf-8"), load_knowledge()))
    print(f"wrote {len(all_pages())} pages under {target}, and the thresholds in {readme}")


if __name__ == "__main__":
    main()

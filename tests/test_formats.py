"""The reports to take to a doctor: Markdown, one HTML page, and FHIR R4 (QuestionnaireResponse
with the assessment contained, plus the matching Questionnaire)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from conftest import load_cases, run_assessment, run_cli

from backpain_cli import report
from backpain_cli.answers import parse_answers
from backpain_cli.engine import Assessment, assess
from backpain_cli.expr import parse
from backpain_cli.knowledge import load_questions
from backpain_cli.report import fhir

EXAMPLES = Path(__file__).parent / "examples"
#: A fixed time to make reports at, so that they can be compared (SOURCE_DATE_EPOCH for the CLI)
MADE = datetime(2025, 3, 2, 3, 4, 5, tzinfo=UTC)
EPOCH = {"SOURCE_DATE_EPOCH": str(int(MADE.timestamp()))}
VERSION = version("backpain")
STONE = EXAMPLES / "kidney_stone_left.json"
STRAIN = EXAMPLES / "furniture_strain.json"
NEW_FORMATS = ("markdown", "html", "fhir")
LEVEL_WORD = {
    "emergency": "EMERGENCY",
    "urgent": "URGENT",
    "see_doctor_soon": "SEE A DOCTOR SOON",
    "self_care": "SELF-CARE",
}


def _assessment(path: Path, region: str = "default") -> Assessment:
    return assess(parse_answers(json.loads(path.read_text(encoding="utf-8"))), region=region)


def _crafted() -> Assessment:
    """An assessment whose texts hold markup, as if the knowledge base or a label did."""
    base = _assessment(STONE)
    cause = base.conditions[0]._replace(
        name="Stone <script>alert(1)</script> & co",
        because=("pain <b>here</b> & there", "a | pipe * star _under_"),
    )
    library = dict(base.library)
    first = base.conditions[0].sources[0]
    library[first] = library[first]._replace(
        citation='Smith & Jones "<i>Back</i>"', url="javascript:alert(1)"
    )
    return base._replace(
        conditions=(cause, *base.conditions[1:]),
        headline="Get help <now> & today",
        library=library,
    )


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_formats_are_registered_and_deterministic(fmt: str) -> None:
    assert fmt in report.FORMATS
    assessment = _assessment(STONE)
    first = report.render(assessment, fmt, made=MADE)
    assert first == report.render(assessment, fmt, made=MADE)
    assert first.endswith("\n")
    assert "\x1b[" not in first


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_formats_through_the_installed_command(fmt: str, tmp_path: Path) -> None:
    done = run_cli("assess", "--answers", str(STONE), "--format", fmt, cwd=tmp_path, env=EPOCH)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    out = done.stdout.decode("utf-8")
    assert out == report.render(_assessment(STONE), fmt, made=MADE)
    if fmt == "fhir":
        assert json.loads(out)["resourceType"] == "QuestionnaireResponse"


def test_region_reaches_every_format(tmp_path: Path) -> None:
    for fmt in NEW_FORMATS:
        done = run_cli("assess", "--answers", str(STONE), "-f", fmt, "--region", "uk")
        assert done.returncode == 0, done.stderr
        assert "999" in done.stdout.decode(), fmt


@pytest.mark.parametrize(("name", "case"), load_cases()[::7])
def test_every_format_renders_the_cases(name: str, case: dict[str, Any]) -> None:
    assessment = run_assessment(case["answers"])
    for fmt in NEW_FORMATS:
        assert LEVEL_WORD[assessment.level] in report.render(assessment, fmt), (name, fmt)


# -- Markdown -----------------------------------------------------------------------------------


def test_markdown_reads_in_order_with_the_urgency_first() -> None:
    assessment = _assessment(STONE)
    text = report.render(assessment, "markdown", made=MADE)
    lines = text.splitlines()
    assert lines[0] == "# Back pain self-assessment"
    assert lines[2].startswith(f"Made on 2 March 2025 at 03:04 (UTC) by backpain {VERSION}.")
    first_section = next(line for line in lines[1:] if line.startswith("## "))
    assert "URGENT" in first_section and "Get medical help today" in first_section
    order = [
        text.index(heading)
        for heading in (
            "## !! URGENT",
            "## Call 112 now if you notice",
            "## Most likely causes (not a diagnosis)",
            "1. **Kidney stone**: blood in your urine",
            "## Serious causes a doctor should rule out",
            "## While you get help",
            "## Why",
            "*You said:* blood in your urine",
            "## Where it hurts (seen from behind)",
            "```text\n          left  |  right",
            "## More about the likely causes",
            "### 1\\. Kidney stone",
            "*Because you said:*",
            "*What a doctor may check:*",
            "## What may help",
            "## When to get help",
            "## Your answers",
            "## Sources",
            "## Please note",
            "---\n\n**!! URGENT: Get medical help today**",
        )
    ]
    assert order == sorted(order)
    assert lines[-1] == " ".join(assessment.action.split())  # the action is the last line
    assert "- \\+ **Recommended:** **" in text  # the grade symbol does not start a list
    assert "| Pain score | 8 out of 10 |" in text
    assert "| Alarm signs: nerves | none of these |" in text
    assert "| Passing urine | blood in your urine (pink, red or brown) |" in text
    assert re.search(r"^1\. NHS\. .* <https://www\.nhs\.uk/", text, re.M)
    assert "\x1b[" not in text


def test_markdown_and_html_say_when_and_by_which_version() -> None:
    """The date and time the report was made, and the version that made it, head both."""
    assessment = _assessment(STONE)
    for fmt in ("markdown", "html"):
        page = report.render(assessment, fmt, made=MADE)
        assert "Made on 2 March 2025 at 03:04 (UTC)" in page, fmt
        assert f"by backpain {VERSION}" in page, fmt
    local = datetime(2025, 3, 2, 3, 4, tzinfo=timezone(timedelta(hours=-5)))
    assert "at 03:04 (UTC-05:00)" in report.render(assessment, "html", made=local)


def test_markdown_and_html_draw_the_back() -> None:
    """The back diagram, with the painful part filled in, as in the text report."""
    assessment = _assessment(STONE)  # left, middle
    painful = "middle  |#######|       |"
    assert painful in report.render(assessment, "text")
    assert "```text\n          left  |  right" in report.render(assessment, "markdown")
    assert painful in report.render(assessment, "markdown")
    page = report.render(assessment, "html")
    assert '<pre class="back" role="img" aria-label="A back seen from behind' in page
    assert painful in page


def test_markdown_has_no_raw_html_and_escapes_markup() -> None:
    for assessment in (_assessment(STRAIN), _crafted()):
        text = report.render(assessment, "markdown")
        # the only "<" left unescaped open an autolink to a source
        for match in re.finditer(r"(?<!\\)<", text):
            assert text.startswith(("<https://", "<http://"), match.start()), text[match.start() :]
    text = report.render(_crafted(), "markdown")
    assert r"Stone \<script\>alert(1)\</script\> & co" in text
    assert r"a \| pipe \* star \_under\_" in text
    assert r'Smith & Jones "\<i\>Back\</i\>"' in text
    assert "javascript:" not in text  # a source URL that is not a web address is left out


def test_markdown_table_rows_have_two_cells() -> None:
    text = report.render(_assessment(STONE), "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) > 5
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 3, row


# -- HTML ---------------------------------------------------------------------------------------


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, name, value) for name, value in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _check_html(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert not checker.errors, checker.errors
    assert not checker.stack, checker.stack
    return checker


def test_html_is_one_self_contained_printable_page() -> None:
    assessment = _assessment(STONE)
    page = report.render(assessment, "html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in page
    lowered = page.lower()
    assert "<script" not in lowered
    assert "url(" not in lowered and "@import" not in lowered
    assert "<link" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    assert "@page" in page and "@media print" in page and "break-inside: avoid" in page
    checker = _check_html(page)
    source_urls = {s["url"] for s in assessment.sources.values()}
    for tag, name, value in checker.attrs:
        assert name != "src", tag
        assert not name.startswith("on"), (tag, name)
        if name == "href":
            assert tag == "a"
            assert value is not None
            assert value.startswith("#") or value in source_urls, value
        if name == "style":
            raise AssertionError("inline style attributes: keep CSS in the one <style>")
    # the urgency is written in words, not only shown by colour, and comes first
    order = [
        page.index(part)
        for part in (
            "!! URGENT</span>Get medical help today</h2>",
            "Call 112 now if you notice</h2>",
            "Most likely causes (not a diagnosis)</h2>",
            "Why</h2>",
            "Where it hurts (seen from behind)</h2>",
            "More about the likely causes</h2>",
            "What may help</h2>",
            "When to get help</h2>",
            "Your answers</h2>",
            "Sources</h2>",
            "Please note</h2>",
            '<section class="closing level-urgent"',
        )
    ]
    assert order == sorted(order)
    assert '<span class="mark">+</span> <span class="grade grade-recommended">Recommended: ' in page
    assert "<em>Because you said: </em>" in page
    assert "<td>8 out of 10</td>" in page
    assert 'href="https://www.nhs.uk/conditions/back-pain/"' in page


def test_html_escapes_every_text() -> None:
    page = report.render(_crafted(), "html")
    _check_html(page)
    assert "<script>alert" not in page and "<b>here" not in page and "<i>Back" not in page
    assert "Stone &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "pain &lt;b&gt;here&lt;/b&gt; &amp; there" in page
    assert "Get help &lt;now&gt; &amp; today" in page
    assert "Smith &amp; Jones &quot;&lt;i&gt;Back&lt;/i&gt;&quot;" in page
    assert 'href="javascript:' not in page  # a source URL that is not a web address: no link
    # the knowledge base's own "&" (a journal name, of a source of the under-18 rule) too
    from backpain_cli.answers import parse_answers
    from backpain_cli.engine import assess

    teenager = assess(parse_answers({"age": 15, "side": "both", "area": "lower"}))
    assert "Orthopaedic &amp; Sports" in report.render(teenager, "html")


# -- FHIR ---------------------------------------------------------------------------------------


def _models() -> tuple[Any, Any]:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    return Questionnaire, QuestionnaireResponse


def _validate(model: Any, data: dict[str, Any]) -> Any:
    validate = getattr(model, "model_validate", None) or model.parse_obj
    return validate(data)


def _items(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in questionnaire["item"]}


def test_questionnaire_is_valid_fhir_and_matches_the_questions() -> None:
    questionnaire_model, _response = _models()
    data = fhir.questionnaire()
    parsed = _validate(questionnaire_model, data)
    assert parsed.url == fhir.QUESTIONNAIRE_URL
    assert data["status"] in ("draft", "active", "retired", "unknown")
    questions = [q for q in load_questions().questions if q.wizard]
    items = _items(data)
    assert list(items) == [q.id for q in questions]
    order = list(items)
    for question in questions:
        item = items[question.id]
        assert item["text"] == question.prompt
        assert item["required"] == question.required
        assert item["repeats"] == (question.type == "multi")
        expected = {"int": "integer", "number": "decimal", "choice": "choice", "multi": "choice"}
        assert item["type"] == expected[question.type]
        if question.choices:
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            own = [c.id for c in question.choices]
            assert codes == ([*own, "none"] if question.type == "multi" else own)
        for condition in item.get("enableWhen", []):
            assert condition["operator"] in ("exists", "=", "!=", ">", "<", ">=", "<=")
            assert order.index(condition["question"]) < order.index(question.id)
        if len(item.get("enableWhen", [])) > 1:  # que-12
            assert item["enableBehavior"] in ("all", "any")
    assert "enableWhen" not in items["age"]


def test_questionnaire_translates_when_conditions() -> None:
    items = _items(fhir.questionnaire())
    pregnant = items["pregnant"]
    assert pregnant["enableBehavior"] == "all"
    assert [
        (
            c["question"],
            c["operator"],
            c.get("answerCoding", {}).get("code"),
            c.get("answerInteger"),
        )
        for c in pregnant["enableWhen"]
    ] == [("sex", "!=", "male", None), ("age", ">=", None, 10), ("age", "<=", None, 60)]
    legs = items["leg_symptoms"]
    assert legs["enableBehavior"] == "any"
    assert [(c["question"], c["answerCoding"]["code"]) for c in legs["enableWhen"]] == [
        ("radiates_to", "buttock_or_thigh"),
        ("radiates_to", "below_knee"),
        ("area", "lower"),
        ("radiates_to", "behind_knee"),
    ]
    assert {c["operator"] for c in legs["enableWhen"]} == {"="}


@pytest.mark.parametrize(
    ("when", "expected", "behavior"),
    [
        ("sex.female", [("sex", "=", "female")], None),
        ("symptoms.fever", [("general_symptoms", "=", "fever")], None),
        ("not age >= 10", [("age", "<", 10)], None),
        ("not not sex.male", [("sex", "=", "male")], None),
        ("severity == 10", [("severity", "=", 10)], None),
        ("duration_days > 2.5", [("duration_days", ">", 2.5)], None),
        (
            "side.left and (area.upper and age < 50)",
            [("side", "=", "left"), ("area", "=", "upper"), ("age", "<", 50)],
            "all",
        ),
        # a part of an `and` that cannot be expressed is left out: asked at least as often
        ("side.left and (area.upper or area.lower)", [("side", "=", "left")], None),
        ("side.left and atleast(1, area.upper, age > 5)", [("side", "=", "left")], None),
        # an `or` that cannot be expressed whole: always asked
        ("side.left or (area.upper and age < 50)", [], None),
        ("atleast(2, side.left, area.upper, age > 50)", [], None),
        ("not (side.left or side.right)", [], None),
    ],
)
def test_enable_when_rules(
    when: str, expected: list[tuple[str, str, object]], behavior: str | None
) -> None:
    conditions, got_behavior = fhir.enable_when(parse(when), load_questions())
    got = [
        (
            c["question"],
            c["operator"],
            c["answerCoding"]["code"]
            if "answerCoding" in c
            else c.get("answerInteger", c.get("answerDecimal")),
        )
        for c in conditions
    ]
    assert got == expected
    assert got_behavior == behavior


def test_questionnaire_response_is_valid_fhir_and_answers_the_questionnaire() -> None:
    _questionnaire, response_model = _models()
    assessment = _assessment(STONE)
    data = json.loads(report.render(assessment, "fhir"))
    _validate(response_model, data)
    assert data["status"] == "completed"
    assert data["questionnaire"] == fhir.QUESTIONNAIRE_URL
    items = _items(fhir.questionnaire())
    answered = {item["linkId"]: item for item in data["item"]}
    assert list(answered) == [i for i in items if i in answered]  # the questionnaire's order
    for link_id, item in answered.items():
        question = items[link_id]
        assert item["text"] == question["text"]
        for answer in item["answer"]:
            (kind,) = answer
            if question["type"] == "choice":
                assert kind == "valueCoding"
                assert answer[kind] in [o["valueCoding"] for o in question["answerOption"]]
            else:
                assert (
                    kind == {"integer": "valueInteger", "decimal": "valueDecimal"}[question["type"]]
                )
        if not question["repeats"]:
            assert len(item["answer"]) == 1

    def codes(link_id: str) -> list[str]:
        return [a["valueCoding"]["code"] for a in answered[link_id]["answer"]]

    # symptoms are split over three questions: each item carries only its own choices
    assert codes("alarm_symptoms") == ["none"]
    assert codes("general_symptoms") == ["nausea_or_vomiting"]
    assert codes("urine_symptoms") == ["blood_in_urine"]
    assert "leg_symptoms" not in answered  # not asked: the pain is not low and does not spread
    assert codes("character") == ["sharp", "comes_in_waves"]
    assert answered["age"]["answer"] == [{"valueInteger": 41}]
    assert answered["severity"]["answer"] == [{"valueInteger": 8}]
    assert answered["duration_days"]["answer"] == [{"valueDecimal": 0}]
    assert answered["sex"]["answer"][0]["valueCoding"] == {
        "system": "https://backpain.invalid/fhir/CodeSystem/sex",
        "code": "male",
        "display": "male",
    }
    assert "version" not in answered


def test_the_assessment_is_contained_and_referenced() -> None:
    _models()
    from fhir.resources.R4B.riskassessment import RiskAssessment

    assessment = _assessment(STONE)
    data = json.loads(report.render(assessment, "fhir", made=MADE))
    (contained,) = data["contained"]
    _validate(RiskAssessment, contained)
    assert contained["resourceType"] == "RiskAssessment"
    assert contained["status"] in ("registered", "preliminary", "final", "amended")
    assert {"reference": f"#{contained['id']}"} in [
        e["valueReference"] for e in data["extension"] if e["url"] == fhir.ASSESSMENT_EXTENSION
    ]
    assert contained["basis"] == [{"reference": "#"}]  # dom-3: refers to its container
    (urgency,) = [e for e in contained["extension"] if e["url"] == fhir.URGENCY_EXTENSION]
    assert urgency["valueCodeableConcept"]["coding"][0]["code"] == assessment.level
    assert contained["mitigation"] == assessment.action
    assert [p["outcome"]["coding"][0]["code"] for p in contained["prediction"]] == [
        c.id for c in assessment.conditions
    ]
    assert contained["prediction"][0]["rationale"].startswith("Because you said: ")
    assert any("URGENT" in note["text"] for note in contained["note"])
    assert contained["note"][-1]["text"] == assessment.disclaimer
    assert data["authored"] == MADE.isoformat(timespec="seconds")  # as it is set


@pytest.mark.parametrize(("name", "case"), load_cases()[::3])
def test_every_case_gives_valid_fhir(name: str, case: dict[str, Any]) -> None:
    _questionnaire, response_model = _models()
    data = json.loads(report.render(run_assessment(case["answers"]), "fhir"))
    _validate(response_model, data)
    items = _items(fhir.questionnaire())
    for item in data["item"]:
        assert item["answer"], name
        if items[item["linkId"]]["type"] == "choice":
            options = [o["valueCoding"] for o in items[item["linkId"]]["answerOption"]]
            assert all(a["valueCoding"] in options for a in item["answer"]), name


def test_questions_fhir_through_the_command_is_a_valid_questionnaire() -> None:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.questionnaire import Questionnaire

    done = run_cli("questions", "--format", "fhir")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["resourceType"] == "Questionnaire"
    Questionnaire.model_validate(document)

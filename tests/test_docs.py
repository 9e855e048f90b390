"""Docs generated from data/ are current, and the commands that show the knowledge base work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from backpain_cli.docs import all_pages, with_thresholds
from backpain_cli.knowledge import Knowledge

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("relative", sorted(all_pages()))
def test_generated_page_is_current(relative: str) -> None:
    path = DOCS / relative
    assert path.exists(), f"missing {path}; run: python -m backpain_cli.docs docs"
    assert path.read_text(encoding="utf-8") == all_pages()[relative], (
        f"{relative} is stale; run: python -m backpain_cli.docs docs"
    )


def test_the_thresholds_in_the_data_readme_are_current(kb: Knowledge) -> None:
    readme = (DOCS.parent / "data" / "README.md").read_text(encoding="utf-8")
    assert readme == with_thresholds(readme, kb), (
        "data/README.md's thresholds are stale; run: python -m backpain_cli.docs docs"
    )


def test_every_condition_has_a_page(kb: Knowledge) -> None:
    assert {f"conditions/{cid}.md" for cid in kb.conditions} <= set(all_pages())


def test_conditions_json_lists_every_condition(kb: Knowledge) -> None:
    done = run_cli("conditions", "--format", "json")
    assert done.returncode == 0
    assert {c["id"] for c in json.loads(done.stdout)} == set(kb.conditions)


def test_one_condition_in_the_terminal() -> None:
    text = run_cli("conditions", "kidney_stone").stdout.decode()
    assert text.startswith("KIDNEY STONE\n============\n")  # piped: plain text, no Markdown
    assert "WHAT A DOCTOR MAY CHECK" in text and "  - A urine dipstick test" in text
    assert "<!--" not in text and "`" not in text and "|" not in text and "**" not in text
    markdown = run_cli("conditions", "kidney_stone", "-f", "markdown").stdout.decode()
    assert markdown.startswith("# Kidney stone\n") and "## What a doctor may check" in markdown
    detail = json.loads(run_cli("conditions", "kidney_stone", "-f", "json").stdout)
    assert detail["urgency"] == "urgent"


def test_an_unknown_condition_suggests_the_nearest() -> None:
    done = run_cli("conditions", "kidny_stone")
    assert done.returncode == 2
    assert b"did you mean 'kidney_stone'?" in done.stderr


def test_questions_json_agrees_with_the_schema() -> None:
    questions = json.loads(run_cli("questions", "--format", "json").stdout)
    schema = json.loads(run_cli("schema").stdout)
    assert {q["key"] for q in questions} == set(schema["properties"])
    text = run_cli("questions").stdout.decode()
    assert "saddle_numbness" in text and "asked only when" in text

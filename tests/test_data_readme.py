"""data/README.md documents every key each table of the knowledge base may hold, and every
condition's threshold with its reason: a key or threshold missing from it fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backpain_cli.knowledge import KEYS, Knowledge

README = Path(__file__).resolve().parent.parent / "data" / "README.md"
TEXT = README.read_text(encoding="utf-8")


def _section(table: str) -> str:
    """The part of the README that documents a kind of table: from its `<!-- keys: table -->`
    marker to the next marker."""
    marker = f"<!-- keys: {table} -->"
    assert marker in TEXT, f"data/README.md has no section for {table} ({marker})"
    start = TEXT.index(marker)
    end = TEXT.find("<!-- keys:", start + len(marker))
    return TEXT[start : end if end != -1 else len(TEXT)]


@pytest.mark.parametrize("table", sorted(KEYS))
def test_every_key_of_every_table_is_documented(table: str) -> None:
    section = _section(table)
    missing = [key for key in sorted(KEYS[table]) if not re.search(rf"\b{key}\b", section)]
    assert not missing, f"data/README.md does not document {table} keys {missing}"


def test_every_threshold_is_listed_with_its_reason(kb: Knowledge) -> None:
    table = TEXT[TEXT.index("<!-- thresholds -->") :]
    for condition in kb.conditions.values():
        row = next((line for line in table.splitlines() if f"`{condition.id}`" in line), None)
        assert row is not None, f"{condition.id} has no row in the thresholds table"
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] == condition.urgency, (condition.id, cells)
        assert float(cells[2]) == condition.threshold, (condition.id, cells)
        assert cells[3] == condition.threshold_note, condition.id

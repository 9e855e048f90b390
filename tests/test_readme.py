"""What README.md says of the clinical model is what the program does: the case counts it gives
and the Python example's results."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ADVERSARIAL_DIR, BLIND_DIR, CASES_DIR, WIZARD_DIR

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _count(folder: Path) -> int:
    return len(list(folder.glob("*.json")))


def test_the_case_counts_in_the_readme_are_true() -> None:
    flat = " ".join(README.split())
    assert f"({_count(CASES_DIR)} presentations written from guidelines)" in flat
    assert f"{_count(BLIND_DIR)} typical presentations" in flat
    assert f"{_count(ADVERSARIAL_DIR)} partial and atypical ones" in flat
    assert f"{_count(WIZARD_DIR)} published cases" in flat


def test_the_python_example_gives_what_its_comments_say() -> None:
    block = README[README.index("## Python API") :]
    start = block.index("```python") + len("```python")
    code = block[start : block.index("```", start)]
    namespace: dict[str, object] = {}
    lines = code.strip().splitlines()
    checked = 0
    statements = "\n".join(line for line in lines if "  # " not in line)
    exec(statements, namespace)  # the imports and the assessment
    for line in lines:
        if "  # " not in line:
            continue
        expression, comment = line.split("  # ", 1)
        shown = re.match(r'(\[.*?\]|"[^"]*")', comment)
        if shown is None:
            continue
        assert repr(eval(expression, namespace)).replace("'", '"') == shown.group(1), line
        checked += 1
    assert checked == 3, "the example's level and both lists are checked"

"""The hazard log (docs/safety.md) stays true: every test it names exists, and every rule,
safety-net sign or condition it names with a level has that level in data/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ADVERSARIAL_DIR, BLIND_DIR, CASES_DIR, WIZARD_DIR

from backpain_cli.knowledge import Knowledge

ROOT = Path(__file__).resolve().parent.parent
LOG = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
#: `tests/test_x.py::test_y` or `tests/test_x.py::test_y[case_id]`
NAMED_TEST = re.compile(r"`(tests/\w+\.py)::(\w+)(?:\[([\w-]+)\])?`")
#: `id` (`level`)
WITH_LEVEL = re.compile(r"`(\w+)` \(`(self_care|see_doctor_soon|urgent|emergency)`\)")
CASE_TESTS = {
    "test_case": (CASES_DIR,),
    "test_held_out_case": (BLIND_DIR, ADVERSARIAL_DIR, WIZARD_DIR),
}


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_the_log_names_exists() -> None:
    named = NAMED_TEST.findall(LOG)
    assert len(named) >= 40, "the log should name the tests that prove each mitigation"
    missing = []
    for file, function, case in named:
        path = ROOT / file
        if not path.is_file() or function not in _functions(path):
            missing.append(f"{file}::{function}")
        elif case:
            folders = CASE_TESTS.get(function)
            assert folders, f"{file}::{function}[{case}]: only case ids can be checked"
            if not any((folder / f"{case}.json").is_file() for folder in folders):
                missing.append(f"{file}::{function}[{case}]")
    assert not missing, f"docs/safety.md names tests that do not exist: {missing}"


def test_every_hazard_names_its_tests() -> None:
    sections = re.split(r"^## ", LOG, flags=re.M)[1:]
    assert len(sections) >= 16
    for section in sections:
        assert NAMED_TEST.search(section), f"no test named for: {section.splitlines()[0]}"


def _wrong_levels(text: str, kb: Knowledge) -> list[str]:
    levels = {rule.id: rule.level for rule in kb.rules}
    levels |= {sign.id: sign.level for sign in kb.safety_net}
    levels |= {cid: condition.urgency for cid, condition in kb.conditions.items()}
    return [
        f"{name} ({level}): the data says {levels.get(name, 'no such id')}"
        for name, level in WITH_LEVEL.findall(text)
        if levels.get(name) != level
    ]


def test_every_level_the_log_states_matches_the_data(kb: Knowledge) -> None:
    assert len(WITH_LEVEL.findall(LOG)) >= 20
    wrong = _wrong_levels(LOG, kb)
    assert not wrong, f"docs/safety.md disagrees with data/: {wrong}"


def test_the_checks_above_can_fail(kb: Knowledge) -> None:
    """A claim the old log made (a cold sweat alone an emergency) is caught, as is a rule
    that does not exist."""
    assert _wrong_levels("`cold_sweat` (`emergency`)", kb) == [
        "cold_sweat (emergency): the data says urgent"
    ]
    assert _wrong_levels("`pain_after_fall_or_knock` (`urgent`)", kb) == [
        "pain_after_fall_or_knock (urgent): the data says no such id"
    ]

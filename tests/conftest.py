"""Shared helpers for the tests: the knowledge base, case files and the installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backpain_cli.answers import parse_answers
from backpain_cli.engine import assess
from backpain_cli.knowledge import Knowledge, load_knowledge

CASES_DIR = Path(__file__).parent / "cases"
#: Cases written from the guidelines by someone who had not read the rules (see its README).
BLIND_DIR = Path(__file__).parent / "cases_blind"
#: Partial and atypical presentations written the same way, to catch under-triage (its README).
ADVERSARIAL_DIR = Path(__file__).parent / "cases_adversarial"
#: Published cases answered through the wizard, in a terminal, by simulated patients (its README).
WIZARD_DIR = Path(__file__).parent / "cases_wizard"
#: Every folder of cases.
CASE_DIRS = (CASES_DIR, BLIND_DIR, ADVERSARIAL_DIR, WIZARD_DIR)


def load_cases(*folders: Path) -> list[tuple[str, dict[str, Any]]]:
    """The cases in `folders` (default: every folder), by file name."""
    return [
        (path.stem, json.loads(path.read_text(encoding="utf-8")))
        for folder in folders or CASE_DIRS
        for path in sorted(folder.glob("*.json"))
    ]


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


def run_assessment(answers: dict[str, Any], region: str = "default") -> Any:
    return assess(parse_answers(answers), region=region)


def backpain_command() -> list[str]:
    """The installed console script, as a person would run it."""
    script = Path(sys.executable).parent / "backpain"
    if script.exists():
        return [str(script)]
    found = shutil.which("backpain")
    assert found, "the backpain command is not installed; run: pip install '.[test]'"
    return [found]


def run_cli(
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 30,
) -> subprocess.CompletedProcess[bytes]:
    skip = ("BACKPAIN_REGION", "NO_COLOR", "LC_ALL", "LC_MESSAGES", "LANG")
    full_env = {k: v for k, v in os.environ.items() if k not in skip}
    full_env["LANG"] = "C.UTF-8"  # no region from the locale unless a test sets one
    full_env.update(env or {})
    return subprocess.run(
        [*backpain_command(), *args],
        input=input if input is not None else b"",
        capture_output=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )

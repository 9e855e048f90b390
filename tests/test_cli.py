"""The installed `backpain` command, run in a subprocess as a person or a script would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import run_cli

EXAMPLES = Path(__file__).parent / "examples"
STONE = EXAMPLES / "kidney_stone_left.json"
STRAIN = EXAMPLES / "furniture_strain.json"


def test_json_report_has_the_stable_shape(tmp_path: Path) -> None:
    done = run_cli("assess", "--answers", str(STONE), "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {
        "version",
        "urgency",
        "conditions",
        "advice",
        "see_a_doctor",
        "emergency_number",
        "disclaimer",
    }
    assert report["version"] == 1
    assert report["urgency"]["level"] in ("urgent", "emergency")
    assert report["urgency"]["reasons"]
    for cause in report["conditions"]:
        assert set(cause) >= {"id", "name", "score", "urgency", "because", "sources"}
    assert "kidney_stone" in [c["id"] for c in report["conditions"][:3]]
    assert done.stderr == b""


def test_text_report_reads_in_order_and_without_colour_when_piped(tmp_path: Path) -> None:
    """Piped, the text report is whole and linear: the summary first, then the detail, then the
    level and the action again as the last lines."""
    done = run_cli("assess", "--answers", str(STRAIN), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "\x1b[" not in text
    assert "Press Enter" not in text  # nothing is asked when the output is not a terminal
    order = [
        text.index(h)
        for h in (
            "* SELF-CARE: You can look after this at home for now",
            "Call 112 now if you notice:",
            "Most likely causes (not a diagnosis):",
            "What you can do now:",
            "\nWHY\n",
            "\nWHERE IT HURTS (SEEN FROM BEHIND)\n",
            "\nMORE ABOUT THE LIKELY CAUSES\n",
            "\nWHAT MAY HELP\n",
            "\nWHEN TO GET HELP\n",
            "\nYOUR ANSWERS\n",
            "\nSOURCES\n",
            "\nPLEASE NOTE\n",
        )
    ]
    assert order == sorted(order)
    assert "Because you said:" in text
    assert "You said you smoke" in text
    lines = text.splitlines()
    closing = lines.index("* SELF-CARE: You can look after this at home for now", 1)
    assert closing > lines.index("PLEASE NOTE")  # the level again, after everything else
    assert " ".join(lines[closing + 1 :]) == " ".join(_action(STRAIN).split())
    # Lines fit 80 columns, except a web address, which is never broken (copy and paste).
    long_lines = [line for line in lines if len(line) > 80]
    assert all("://" in line and len(line.split()) <= 2 for line in long_lines), long_lines


def _action(path: Path, *region: str) -> str:
    done = run_cli("assess", "-a", str(path), "-f", "json", *region)
    return str(json.loads(done.stdout)["urgency"]["action"])


def test_plain_and_full_give_the_whole_report(tmp_path: Path) -> None:
    piped = run_cli("assess", "-a", str(STONE), cwd=tmp_path).stdout
    assert run_cli("assess", "-a", str(STONE), "--plain").stdout == piped
    assert run_cli("assess", "-a", str(STONE), "--full").stdout == piped


def test_output_to_a_file_still_tells_the_terminal_what_to_do(tmp_path: Path) -> None:
    """--output: the report goes to the file, and stderr says the level and the action in one
    line, then where the report is."""
    target = tmp_path / "report.html"
    done = run_cli("assess", "-a", str(STONE), "-f", "html", "-o", str(target), "--region", "uk")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    level, where = done.stderr.decode().splitlines()
    assert level.startswith("!! URGENT: Get medical help today. Speak to a doctor today.")
    assert level.endswith("call 999.")
    assert " ".join(_action(STONE, "--region", "uk").split()) in level
    assert where == f"backpain: the whole report is in {target}"
    assert "<!DOCTYPE html>" in target.read_text(encoding="utf-8")
    text_file = tmp_path / "report.txt"
    done = run_cli("assess", "-a", str(STRAIN), "-o", str(text_file))
    assert done.stderr.decode().startswith("* SELF-CARE: You can look after this at home for now.")
    assert (
        text_file.read_text(encoding="utf-8")
        == run_cli("assess", "-a", str(STRAIN)).stdout.decode()
    )


def test_answers_from_standard_input() -> None:
    done = run_cli("assess", "--answers", "-", "--format", "json", input=STONE.read_bytes())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["urgency"]["level"] in ("urgent", "emergency")


def test_region_sets_the_emergency_number() -> None:
    done = run_cli("assess", "-a", str(STONE), "-f", "json", "--region", "uk")
    assert json.loads(done.stdout)["emergency_number"] == "999"
    done = run_cli("assess", "-a", str(STONE), "-f", "json", env={"BACKPAIN_REGION": "au"})
    assert json.loads(done.stdout)["emergency_number"] == "000"
    done = run_cli("assess", "-a", str(STONE), "-f", "json")
    assert json.loads(done.stdout)["emergency_number"] == "112"


def assert_bad_input(done: object, *words: str) -> None:
    assert done.returncode == 2, done.stderr  # type: ignore[attr-defined]
    assert done.stdout == b""  # type: ignore[attr-defined]
    err = done.stderr.decode()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err


def test_a_typo_gives_exit_2_and_names_the_field(tmp_path: Path) -> None:
    bad = json.loads(STONE.read_text())
    bad["symptoms"] = ["blood_in_urine", "nausea_or_vomiting", "fevr"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    done = run_cli("assess", "--answers", str(path))
    assert_bad_input(done, "symptoms[2]: unknown symptom 'fevr'; did you mean 'fever'?")


def test_broken_files_give_exit_2(tmp_path: Path) -> None:
    (tmp_path / "truncated.json").write_text('{"age": 40, "side": "le')
    assert_bad_input(run_cli("assess", "-a", str(tmp_path / "truncated.json")), "not valid JSON")
    assert_bad_input(run_cli("assess", "-a", str(tmp_path / "missing.json")), "no such file")
    assert_bad_input(run_cli("assess", "-a", str(tmp_path)), "is a directory")
    (tmp_path / "empty.json").write_text("")
    assert_bad_input(run_cli("assess", "-a", str(tmp_path / "empty.json")), "empty")


def test_bad_options_give_exit_2() -> None:
    assert_bad_input(run_cli("assess", "-a", str(STONE), "--format", "pdf"), "unknown format")
    assert_bad_input(run_cli("assess", "-a", str(STONE), "--region", "mars"), "unknown region")


def test_no_answers_and_no_terminal_exits_2_at_once() -> None:
    done = run_cli("assess", timeout=10)
    assert_bad_input(done, "--answers")


def test_schema_command_prints_a_valid_schema() -> None:
    done = run_cli("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.Draft202012Validator(schema).is_valid(json.loads(STONE.read_text()))


def test_validate_command() -> None:
    good = run_cli("validate", str(STONE))
    assert good.returncode == 0 and good.stdout == b""
    bad = b'{"age": 200, "side": "left", "area": "lower"}'
    assert_bad_input(run_cli("validate", "-", input=bad), "age: 200 is out of range")


def test_validate_lists_every_error_with_the_messages_assess_gives() -> None:
    data = b'{"age": 200, "side": "lfet", "symptoms": ["fevr", "chills", 3], "simptoms": []}'
    done = run_cli("validate", "-", input=data)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "backpain: error: age: 200 is out of range; expected a whole number from 0 to 120",
        "backpain: error: side: unknown side 'lfet'; did you mean 'left'?",
        "backpain: error: symptoms[0]: unknown symptom 'fevr'; did you mean 'fever'?",
        "backpain: error: symptoms[2]: expected an id as a string, got the number 3",
        "backpain: error: simptoms: unknown key; did you mean 'symptoms'?",
        "backpain: error: area: missing; this answer is required: one of 'upper', 'middle', "
        "'lower', 'not_sure'",
        "backpain: standard input has 6 errors",
    ]
    first = run_cli("assess", "-a", "-", input=data).stderr.decode().splitlines()
    assert first == done.stderr.decode().splitlines()[:1]  # assess gives the first, alone


def test_validate_stops_at_a_sane_number_of_errors() -> None:
    data = json.dumps({"age": 40, "side": "left", "area": "lower", "symptoms": ["x"] * 5000})
    done = run_cli("validate", "-", input=data.encode())
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2
    assert len(lines) == 21
    assert lines[-1] == "backpain: standard input has more than 20 errors; the first are shown"


def test_version_and_help() -> None:
    assert run_cli("--version").stdout.decode().startswith("backpain ")
    helptext = run_cli("assess", "--help").stdout.decode()
    assert "Example: backpain assess --answers" in helptext


@pytest.mark.parametrize(
    ("lang", "number", "line"),
    [
        ("en_GB.UTF-8", "999", "NHS 111"),
        ("en_US.UTF-8", "911", "nurse advice line"),
        ("en_CA.UTF-8", "911", "811 (the health advice line in most provinces)"),
        ("fr_CA.UTF-8", "911", "walk-in clinic"),
        ("en_IE.UTF-8", "112", "GP out-of-hours service"),
        ("en_AU.UTF-8", "000", "healthdirect (1800 022 222)"),
        ("en_NZ.UTF-8", "111", "Healthline (0800 611 116)"),
        ("en_IN.UTF-8", "112", "hospital outpatient department"),
        ("de_DE.UTF-8", "112", "out-of-hours medical service"),
        ("C.UTF-8", "112", "nurse advice line"),
    ],
)
def test_the_region_follows_the_locale(lang: str, number: str, line: str) -> None:
    """Without --region, the emergency number and the same-day line come from the locale."""
    done = run_cli("assess", "-a", str(STONE), "-f", "json", env={"LANG": lang})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["emergency_number"] == number
    assert report["urgency"]["level"] == "urgent"
    assert line in report["urgency"]["action"]
    assert f"call {number}" in report["urgency"]["action"]


def test_the_cli_knows_every_region_of_the_data(kb: Any) -> None:
    """The region list is repeated in the CLI (so --help need not load data): keep them equal."""
    from backpain_cli.cli import REGIONS

    assert set(REGIONS) == set(kb.regions) - {"default"}


def test_every_region_the_readme_names_works_by_name(kb: Any) -> None:
    from backpain_cli.cli import _region

    for code in ("uk", "us", "ca", "eu", "ie", "au", "nz", "in"):
        assert _region(code) == code == _region(code.upper())
        assert code in kb.regions
    for code in ("ca", "ie"):  # the two added, through the installed command
        done = run_cli("assess", "-a", str(STONE), "-f", "json", "--region", code)
        assert done.returncode == 0, done.stderr
        place = kb.regions[code]
        report = json.loads(done.stdout)
        assert report["region"] == code
        assert report["emergency_number"] == place.emergency
        assert place.urgent in report["urgency"]["action"]


def test_batch_file_problems_are_named(tmp_path: Path) -> None:
    assert_bad_input(run_cli("batch", str(tmp_path / "none.jsonl")), "no such file")
    assert_bad_input(run_cli("batch", str(tmp_path)), "is a directory, not a JSON Lines file")


def test_only_the_command_run_is_built_and_the_app_is_left_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() builds only the named command's options (a faster start), and puts every command
    back afterwards, so the same process can run another."""
    from backpain_cli import cli

    every = list(cli.app.registered_commands)
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "app", _Recording(cli.app, seen), raising=True)
    for argv in (["backpain", "schema"], ["backpain", "--help"], ["backpain", "nope"]):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit):
            cli.main()
    assert seen[0] == ["schema"]
    assert seen[1] == seen[2] == [c.callback.__name__ for c in every]  # type: ignore[union-attr]
    assert cli.app.registered_commands == every


class _Recording:
    """The app, noting which commands are registered each time it runs."""

    def __init__(self, app: Any, seen: list[list[str]]) -> None:
        self.__dict__["_app"], self.__dict__["_seen"] = app, seen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._app, name, value)

    def __call__(self, **kwargs: Any) -> Any:
        self._seen.append([c.callback.__name__ for c in self._app.registered_commands])
        return self._app(**kwargs)

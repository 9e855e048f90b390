"""Bad input of every kind, faults, privacy, batch mode and the Python API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import backpain_command, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpain_cli import cli

EXAMPLES = Path(__file__).parent / "examples"
STONE = EXAMPLES / "kidney_stone_left.json"
GOOD: dict[str, Any] = json.loads(STONE.read_text())


def assert_clean_failure(done: subprocess.CompletedProcess[bytes], code: int, *words: str) -> None:
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert done.stdout == b""
    assert "Traceback" not in err and "Exception ignored" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


# -- bad answers files -------------------------------------------------------------------------


BAD_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "empty"),
    ("not json", b"age: 40", "not valid JSON"),
    ("truncated", json.dumps(GOOD).encode()[:40], "not valid JSON"),
    ("a list", b"[1, 2]", "must be a JSON object, not a list"),
    ("wrong type", json.dumps({**GOOD, "severity": "bad"}).encode(), "severity"),
    ("out of range", json.dumps({**GOOD, "age": 400}).encode(), "age: 400 is out of range"),
    ("NaN", b'{"age": NaN, "side": "left", "area": "lower"}', "NaN"),
    ("Infinity", b'{"age": Infinity, "side": "left", "area": "lower"}', "Infinity"),
    (
        "duplicate key",
        b'{"age": 40, "age": 41, "side": "left", "area": "lower"}',
        "age: given twice",
    ),
    ("unknown key", json.dumps({**GOOD, "simptoms": []}).encode(), "did you mean 'symptoms'?"),
    ("unknown id", json.dumps({**GOOD, "side": "lfet"}).encode(), "did you mean 'left'?"),
    ("version", json.dumps({**GOOD, "version": 7}).encode(), "version 7 is not supported"),
    ("male and pregnant", json.dumps({**GOOD, "pregnant": "yes"}).encode(), "does not fit sex"),
    ("deeply nested", b'{"age": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested"),
    ("very large", b'{"age": 40, "pad": "' + b"x" * 2_000_000 + b'"}', "larger than"),
    ("binary", bytes(range(256)), "binary"),
    ("latin-1", '{"side": "gauche é"}'.encode("latin-1"), "not UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "words"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_answers_file_gets_one_clear_message(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    assert_clean_failure(run_cli("assess", "--answers", str(path), timeout=10), 2, words)


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(b"\xef\xbb\xbf" + STONE.read_bytes())
    assert run_cli("assess", "--answers", str(path)).returncode == 0


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    assert_clean_failure(run_cli("assess", "-a", str(tmp_path / "nope.json")), 2, "no such file")
    assert_clean_failure(run_cli("assess", "-a", str(tmp_path)), 2, "is a directory")
    locked = tmp_path / "locked.json"
    locked.write_bytes(STONE.read_bytes())
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert_clean_failure(run_cli("assess", "-a", str(locked)), 2, "permission denied")


def test_error_messages_do_not_repeat_the_answers(tmp_path: Path) -> None:
    """Only the field path and the bad value: never the rest of someone's health data."""
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**GOOD, "history": ["cancer", "hiv_secret"]}))
    err = run_cli("assess", "-a", str(path)).stderr.decode()
    assert "history[1]" in err and "hiv_secret" in err
    assert "cancer" not in err and "blood_in_urine" not in err


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutated_good_file() -> st.SearchStrategy[bytes]:
    raw = json.dumps(GOOD).encode()
    return st.one_of(
        st.binary(max_size=200),
        st.builds(lambda cut: raw[:cut], st.integers(0, len(raw))),
        st.builds(
            lambda at, junk: raw[:at] + junk + raw[at:],
            st.integers(0, len(raw)),
            st.binary(min_size=1, max_size=5),
        ),
        st.builds(lambda value: json.dumps(value).encode(), _json),
        st.builds(
            lambda key, value: json.dumps({**GOOD, key: value}).encode(),
            st.sampled_from([*sorted(GOOD), "extra"]),
            _json,
        ),
    )


RUNNER = CliRunner()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_good_file())
def test_fuzz_any_input_exits_0_or_2_without_a_traceback(content: bytes) -> None:
    result = RUNNER.invoke(cli.app, ["assess", "--answers", "-", "--format", "json"], input=content)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_a_sample_of_fuzz_inputs_through_the_real_command() -> None:
    raw = json.dumps(GOOD).encode()
    for content in (raw[:17], raw + b"}", b"\x00" * 10, b'{"age":', b"[" * 64):
        done = run_cli("assess", "--answers", "-", input=content, timeout=10)
        assert_clean_failure(done, 2)


# -- faults ------------------------------------------------------------------------------------


def test_an_internal_error_gives_exit_1_and_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("backpain_cli.engine.assess", broken)
    result = RUNNER.invoke(cli.app, ["assess", "--answers", str(STONE)])
    assert result.exit_code == 1
    assert "internal error: RuntimeError" in result.output
    assert "--debug" in result.output
    assert "Traceback" not in result.output
    debug = RUNNER.invoke(cli.app, ["assess", "--answers", str(STONE), "--debug"])
    assert isinstance(debug.exception, RuntimeError)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_ends_with_one_line_and_exit_1() -> None:
    with Path("/dev/full").open("wb") as full:
        done = subprocess.run(
            [*backpain_command(), "assess", "-a", str(STONE)],
            stdout=full,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=30,
        )
    err = done.stderr.decode()
    assert done.returncode == 1
    assert "No space left on device" in err
    assert "Traceback" not in err and "Exception ignored" not in err


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    lines = tmp_path / "many.jsonl"
    lines.write_text((json.dumps(GOOD) + "\n") * 3000)
    process = subprocess.Popen(
        [*backpain_command(), "batch", str(lines), "--full"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in err and "Exception ignored" not in err


# -- privacy -----------------------------------------------------------------------------------

NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network access attempted by backpain")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def test_a_full_run_makes_no_network_call(tmp_path: Path) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(textwrap.dedent(NO_NETWORK))
    env = {"PYTHONPATH": str(guard)}
    # The guard works: anything that tries the network fails loudly.
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
    )
    assert b"network access attempted" in probe.stderr
    for args in (
        ["assess", "-a", str(STONE)],
        ["assess", "-a", str(STONE), "-f", "json"],
        ["schema"],
        ["validate", str(STONE)],
    ):
        done = run_cli(*args, env=env)
        assert done.returncode == 0, done.stderr
        assert b"network access attempted" not in done.stderr


def test_nothing_is_written_unless_asked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "TMPDIR": str(home)}
    for args in (["assess", "-a", str(STONE)], ["batch", str(STONE)], ["schema"]):
        run_cli(*args, env=env, cwd=work)
    assert list(home.iterdir()) == [] and list(work.iterdir()) == []


def test_the_scripted_path_never_imports_the_wizard_or_rich() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from backpain_cli import cli\n"
        f"sys.argv = ['backpain', 'assess', '-a', {str(STONE)!r}, '-f', 'json']\n"
        "out = io.StringIO()\n"
        "try:\n"
        "    with contextlib.redirect_stdout(out): cli.main()\n"
        "except SystemExit as exit: assert exit.code in (0, None), exit.code\n"
        "assert '\"version\": 1' in out.getvalue()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('questionary', 'prompt_toolkit', 'rich', 'pydantic', 'msgspec', 'pickle'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert done.stdout.decode().strip() == ""


# -- batch -------------------------------------------------------------------------------------


def jsonl(*documents: Any) -> bytes:
    return b"".join(
        (d if isinstance(d, bytes) else json.dumps(d).encode()) + b"\n" for d in documents
    )


def test_batch_keeps_order_and_reports_bad_lines_in_place() -> None:
    young = {**GOOD, "age": 12}
    data = jsonl(GOOD, b"{broken", young, b"", {**GOOD, "side": "up"})
    done = run_cli("batch", "-", input=data)
    assert done.returncode == 2
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(rows) == 4  # the blank line is skipped
    assert rows[0]["urgency"] in ("urgent", "emergency")
    assert rows[1]["line"] == 2 and "not valid JSON" in rows[1]["error"]
    assert "under_18" in rows[2]["reasons"]
    assert rows[3] == {"line": 5, "error": "side: unknown side 'up'"}
    assert done.stderr.decode() == "backpain: 2 assessed, 2 bad (lines 2, 5)\n"


def test_batch_full_matches_assess_json() -> None:
    full = run_cli("batch", "-", "--full", input=jsonl(GOOD))
    single = run_cli("assess", "-a", str(STONE), "-f", "json")
    assert full.returncode == 0
    assert json.loads(full.stdout) == json.loads(single.stdout)


def test_batch_exits_0_when_all_lines_are_good(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_bytes(jsonl(GOOD, GOOD))
    done = run_cli("batch", str(path))
    assert done.returncode == 0
    assert done.stderr.decode() == "backpain: 2 assessed, 0 bad\n"


def _peak_rss_kib(lines: int, tmp_path: Path) -> int:
    path = tmp_path / f"{lines}.jsonl"
    path.write_bytes(jsonl(GOOD) * lines)
    code = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({[*backpain_command(), 'batch', str(path)]!r}, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    return int(done.stdout)


def test_batch_memory_stays_flat(tmp_path: Path) -> None:
    small, large = _peak_rss_kib(200, tmp_path), _peak_rss_kib(20_000, tmp_path)
    assert large < small * 1.25, (small, large)


# -- the Python API ----------------------------------------------------------------------------


def test_the_python_api_returns_the_json_structure() -> None:
    from backpain_cli import assess, parse_answers

    result = assess(parse_answers(GOOD))
    single = run_cli("assess", "-a", str(STONE), "-f", "json")
    assert result.to_dict() == json.loads(single.stdout)


def test_the_package_is_typed() -> None:
    import backpain_cli

    assert (Path(backpain_cli.__file__).parent / "py.typed").exists()

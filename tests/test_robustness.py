"""Bad input of every kind, faults, privacy, batch mode and the Python API."""

from __future__ import annotations

import io
import json
import os
import re
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
from backpain_cli.answers import MAX_ERRORS

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


#: Texts an input can carry to attack a terminal or a message: escapes, line breaks, bidi
#: overrides, lone surrogates, NUL and DEL, a text far too long.
hostile_texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "\x1b[2J\x1b]0;PWNED\x07",
            "a\rbackpain: forged\nbackpain: more",
            "\u202eevil\u2066",
            "\ud800",
            "\udfff\ud800",
            "\x00\x7f\x9b",
            "k" * 5000,
        ]
    ),
)
#: Numbers no field can hold, written as JSON number text.
huge_numbers = st.one_of(
    st.integers(min_value=10**15, max_value=10**400).map(str),
    st.integers(min_value=4000, max_value=6000).map(lambda digits: "9" * digits),
    st.sampled_from(["1e400", "-1e400", "1e300", "-0.0", "1E+16", "123456789012345678.5"]),
)

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | hostile_texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_texts, inner, max_size=4),
    max_leaves=12,
)


def _mutated_good_file() -> st.SearchStrategy[bytes]:
    raw = json.dumps(GOOD).encode()
    keys = st.sampled_from([*sorted(GOOD), "extra", "duration_days", "version"])
    return st.one_of(
        st.binary(max_size=200),
        st.builds(lambda cut: raw[:cut], st.integers(0, len(raw))),
        st.builds(
            lambda at, junk: raw[:at] + junk + raw[at:],
            st.integers(0, len(raw)),
            st.binary(min_size=1, max_size=5),
        ),
        st.builds(lambda value: json.dumps(value).encode(), _json),
        st.builds(lambda key, value: json.dumps({**GOOD, key: value}).encode(), keys, _json),
        st.builds(  # a hostile key, or a hostile id where an id goes
            lambda text, where: json.dumps(
                {**GOOD, text: 1} if where == "key" else {**GOOD, where: text}
            ).encode(),
            hostile_texts,
            st.sampled_from(["key", "side", "sex"]),
        ),
        st.builds(  # a number too big for its field, as the number text itself
            lambda key, number: raw[:-1] + f', "{key}": {number}}}'.encode(),
            st.sampled_from(["age", "severity", "duration_days", "version", "side"]),
            huge_numbers,
        ),
        st.builds(  # a key given twice
            lambda key, value: (
                raw[:-1] + f', "{key}": '.encode() + json.dumps(value).encode() + b"}"
            ),
            keys,
            _json,
        ),
    )


RUNNER = CliRunner()


def _assert_safe_message(err: str) -> None:
    """At most one line, printable: nothing from the input reaches the terminal raw."""
    assert "Traceback" not in err
    assert err.count("\n") <= 1 and err[:-1].isprintable(), repr(err)
    assert len(err) < 500


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_good_file())
def test_fuzz_any_input_exits_0_or_2_without_a_traceback(content: bytes) -> None:
    result = RUNNER.invoke(cli.app, ["assess", "--answers", "-", "--format", "json"], input=content)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    _assert_safe_message(result.stderr)
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.startswith("backpain: error: ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mutated_good_file(), min_size=1, max_size=8))
def test_fuzz_batch_gives_one_result_or_error_per_line(lines: list[bytes]) -> None:
    """Whatever the lines hold, each non-blank one gets exactly one output line, in order, as
    valid JSON with its line number; errors are printable and short."""
    from backpain_cli import batch

    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    counts = batch.BatchCounts()
    out = io.BytesIO()
    batch.write_results(io.BytesIO(b"\n".join(lines) + b"\n"), out, counts)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = [n for n, line in enumerate(lines, start=1) if line and not line.isspace()]
    assert [row["line"] for row in rows] == expected
    for row in rows:
        assert ("result" in row) != ("error" in row)
        if "error" in row:
            assert row["error"].isprintable() and len(row["error"]) < 500
    assert counts.assessed + counts.bad == len(rows) and counts.failed == 0


#: What may be done to the standard streams, as shell redirections.
STREAMS = {
    "open": "",
    "stdin closed": "<&-",
    "stdout closed": ">&-",
    "stderr closed": "2>&-",
    "stdout full": "> /dev/full",
    "reader gone": "| true",
}
#: Commands that always write to stdout.
WRITERS = ["questions", "conditions kidney_stone", "schema"]
COMMANDS = [*WRITERS, "assess -a -", "assess -a - -f json", "assess -a - -f markdown", "batch -"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=_mutated_good_file(),
    command=st.sampled_from([*COMMANDS, "validate -", "--help"]),
    encoding=st.sampled_from(["utf-8", "ascii", "latin-1", "cp1252", "utf-16"]),
    streams=st.sampled_from(sorted(STREAMS)),
)
def test_fuzz_encodings_and_closed_streams_through_the_real_command(
    content: bytes, command: str, encoding: str, streams: str
) -> None:
    """Any input, any output encoding, any state of the standard streams: a clean status (0,
    2, or 141 for a reader gone), no traceback, at most one message (validate: one a line)."""
    if streams == "stdout full" and not Path("/dev/full").exists():
        return
    script = f"{backpain_command()[0]} {command} {STREAMS[streams]}; echo status=${{PIPESTATUS[0]}}"
    done = subprocess.run(
        ["bash", "-c", script],
        input=content,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding, "LANG": "C.UTF-8"},
        check=False,
        timeout=60,
    )
    found = re.search(rb"status=(\d+)\n$", done.stdout)
    assert found, done
    status = int(found.group(1))
    assert status in ((0, 2, 141) if streams == "reader gone" else (0, 2)), done
    if command in WRITERS and streams in ("stdout closed", "stdout full"):
        assert status == 2
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if command.startswith("validate"):  # every error it finds, a line each, then a count
        assert err.count("\n") <= MAX_ERRORS + 1, err
    elif not command.startswith("batch"):
        assert err.count("\n") <= 1, err


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
def test_a_full_disk_ends_with_one_line_and_exit_2() -> None:
    """Not a bug in backpain (exit 1), but something the user can put right (exit 2)."""
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
    assert done.returncode == 2
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
    assert [row["line"] for row in rows] == [1, 2, 3, 5]  # the blank line 4 is skipped
    assert rows[0]["result"]["urgency"] in ("urgent", "emergency")
    assert "not valid JSON" in rows[1]["error"]
    assert "under_18" in rows[2]["result"]["reasons"]
    assert rows[3] == {"line": 5, "error": "side: unknown side 'up'"}
    assert done.stderr.decode() == "backpain: 2 assessed, 2 bad (lines 2, 5)\n"


def test_batch_full_matches_assess_json() -> None:
    full = run_cli("batch", "-", "--full", input=jsonl(GOOD))
    single = run_cli("assess", "-a", str(STONE), "-f", "json")
    assert full.returncode == 0
    assert json.loads(full.stdout) == {"line": 1, "result": json.loads(single.stdout)}


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

"""`backpain batch`: one reader, line numbers and record ids, bounded, streaming, unstoppable.

The reader decodes with msgspec and checks with `parse_answers`, the one validator; the strict
reader of `assess` only words the errors. These tests hold that batch and assess agree on every
line, good or bad, and that nothing in a line can stop the batch, lose a result, or grow memory.
"""

from __future__ import annotations

import errno
import io
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import backpain_command, load_cases, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import answers_dicts

from backpain_cli import batch
from backpain_cli.answers import MAX_FILE_BYTES, AnswersError, loads_answers_json, parse_answers
from backpain_cli.knowledge import load_knowledge

KB = load_knowledge()
QUESTIONS = KB.questions
READER = batch.Reader(KB)
GOOD = {"version": 1, "age": 41, "side": "left", "area": "middle", "symptoms": ["fever"]}

#: Lines where a second reader could most easily disagree with the strict one.
LINES = [
    json.dumps(GOOD).encode(),
    b'{"age": 41, "age": 42, "side": "left", "area": "middle"}',
    b'{"age" : 41, "age":42, "side": "left", "area": "middle"}',
    rb'{"age": 41, "\u0061ge": 42, "side": "left", "area": "middle"}',
    b'{"age": 41, "side": "left", "area": "middle", "sex": null, "sex": "male"}',
    b'{"age":41,"side":"left","area":"middle","symptoms":["x\\":"],"age":3}',
    b'{"age": 123456789012345678901234567890, "side": "left", "area": "lower"}',
    b'{"age": 1' + b"0" * 400 + b', "side": "left", "area": "lower"}',
    b'{"age": ' + b"9" * 5000 + b', "side": "left", "area": "lower"}',
    b'{"duration_days": -' + b"9" * 5000 + b', "age": 4, "side": "left", "area": "lower"}',
    b'{"age": NaN, "side": "left", "area": "lower"}',
    b'{"age": 1e400, "side": "left", "area": "lower"}',
    b'{"age": -1e400, "side": "left", "area": "lower"}',
    b'\xef\xbb\xbf{"age": 41, "side": "left", "area": "lower"}',
    b'{"age": 41, "side": "left", "area": "lower", "symptoms": [{"a": 1, "a": 2}]}',
    b'{"age": 41, "side": "\\ud800", "area": "lower"}',
    b'{"age": 41, "side": "left", "area": "lower", "\\udfff": 1}',
    b'{"age": 41, "side": "left", "area": "lower", "\\u001b[2J\\u001b]0;PWNED\\u0007": 1}',
    b'{"age": 41, "side": "left", "area": "lower", "a\\rbackpain: forged\\n": 1}',
    b'{"age": 41.0, "side": "left", "area": "lower"}',
    b'{"age": 41, "side": "left", "area": "lower", "symptoms": ["fever", "fever"]}',
    b'{"age": 41, "side": "left", "area": "lower", "sex": "male", "pregnant": "yes"}',
    b'{"age": 41, "side": "left", "area": "lower"}\r',
    b'{"age": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b"[1, 2]",
    b'"text"',
    b"{",
    b"\x00\x01",
    b"\xff\xfe{}",
    b'{"age": 41, "side": "left", "area": "lower", "x": "' + b"y" * 200_000 + b'"}',
    b'{"' + b"k" * 200_000 + b'": 1}',
]


def _strict(raw: bytes) -> tuple[str, Any]:
    """What `backpain assess` makes of a line: the answers, or the error message."""
    try:
        return "answers", parse_answers(loads_answers_json(raw), QUESTIONS)
    except AnswersError as error:
        return "error", str(error)


def _batch(raw: bytes, reader: batch.Reader = READER) -> tuple[str, Any]:
    try:
        return "answers", reader.read(raw)[0]
    except batch.BadLine as bad:
        return "error", bad.message


def _agrees(raw: bytes) -> None:
    kind, found = _batch(raw)
    assert (kind, found) == _strict(raw), raw[:200]
    if kind == "answers":
        assert list(found.values) == list(_strict(raw)[1].values)  # in the same order


@pytest.mark.parametrize("raw", LINES, ids=range(len(LINES)))
def test_batch_reads_every_line_as_assess_does(raw: bytes) -> None:
    _agrees(raw)


def test_a_key_given_twice_is_an_error_whatever_the_spelling() -> None:
    for raw in LINES[1:5]:
        kind, message = _batch(raw)
        assert kind == "error" and "given twice" in message, raw


def test_good_lines_are_read_by_msgspec_and_parse_answers_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The strict reader is not a second path for good lines: without it they still read."""

    def refuse(raw: object) -> object:
        raise AssertionError("the strict reader read a good line")

    monkeypatch.setattr(batch, "loads_answers_json", refuse)
    for _name, case in load_cases()[:60]:
        READER.read(json.dumps(case["answers"]).encode())
        READER.read(json.dumps(case["answers"], separators=(",", ":")).encode())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**90)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["left", "fever", "age", ":", "\x1b[2J", "\ud800", "\u202e"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, spaced=st.booleans())
def test_batch_agrees_on_any_json(value: object, spaced: bool) -> None:
    text = json.dumps(value, separators=(", ", " : ") if spaced else (",", ":"))
    _agrees(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 200), junk=st.binary(max_size=4), at=st.integers(0, 200))
def test_batch_agrees_on_broken_lines(cut: int, junk: bytes, at: int) -> None:
    raw = LINES[0][:cut] + junk + LINES[0][cut:][at % 7 :]
    _agrees(raw)


near_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 40000),
    st.integers(min_value=10**15, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "left", "fever", "male", "yes", "Left", "fevr", "\x1b", "\ud800"]),
    st.lists(st.one_of(st.sampled_from(["fever", "chills", "fever", "groin", "x"]), st.integers())),
)


@settings(max_examples=400, deadline=None)
@given(document=answers_dicts(), near=near_values, key=st.sampled_from(sorted(QUESTIONS.keys)))
def test_batch_agrees_on_answers_good_and_nearly_good(
    document: dict[str, Any], near: object, key: str
) -> None:
    """Valid answers in any key order, and the same with one value changed to something near
    (null, 41.0, a typo, a huge number), or with a key written twice."""
    items = list(document.items())
    items.reverse()
    _agrees(json.dumps(dict(items)).encode())
    _agrees(json.dumps({**document, key: near}).encode("utf-8", "surrogatepass"))
    twice = json.dumps(document)[:-1] + f', "{key}": ' + json.dumps(near) + "}"
    _agrees(twice.encode("utf-8", "surrogatepass"))


# -- what batch writes --------------------------------------------------------------------------


def _run(data: bytes, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    done = run_cli("batch", "-", *args, input=data, timeout=120)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, rows, done.stderr.decode()


def test_every_bad_line_gets_the_message_assess_gives() -> None:
    code, rows, err = _run(b"\n".join(LINES) + b"\n")
    assert code == 2, err
    assert [row["line"] for row in rows] == list(range(1, len(LINES) + 1))
    for raw, row in zip(LINES, rows, strict=True):
        single = run_cli("assess", "-a", "-", "-f", "json", input=raw, timeout=30)
        if "result" in row:
            assert single.returncode == 0
            assert set(row) == {"line", "result"}
        else:
            assert set(row) == {"line", "error"}
            assert single.returncode == 2, raw[:100]
            assert single.stderr.decode() == f"backpain: error: {row['error']}\n"
            assert row["error"].isprintable() and len(row["error"]) < 400


def test_no_bad_line_stops_the_batch() -> None:
    """10,000 good lines with every kind of bad line among them: all 10,000 results come."""
    good = [json.dumps(case["answers"]).encode() for _name, case in load_cases()]
    lines: list[bytes] = []
    bad_at = []
    for number in range(10_000):
        if number % 500 == 250:
            lines.append(LINES[(number // 500) % len(LINES[1:]) + 1])
            bad_at.append(len(lines))
        lines.append(good[number % len(good)])
    code, rows, err = _run(b"\n".join(lines) + b"\n")
    assert sum("result" in row for row in rows) >= 10_000
    assert [row["line"] for row in rows] == list(range(1, len(lines) + 1))
    assert all("error" in rows[n - 1] or "result" in rows[n - 1] for n in bad_at)
    assert code == 2 and err.startswith("backpain: ") and "bad (lines " in err


def test_blank_lines_are_skipped_but_counted_and_crlf_is_fine() -> None:
    data = b"\r\n".join([json.dumps(GOOD).encode(), b"", b"   ", json.dumps(GOOD).encode()])
    code, rows, err = _run(data + b"\r\n")
    assert code == 0, err
    assert [row["line"] for row in rows] == [1, 4]
    assert err == "backpain: 2 assessed, 0 bad\n"


def test_full_reports_carry_the_line_number_around_the_report() -> None:
    code, rows, _ = _run(json.dumps(GOOD).encode() + b"\n", "--full")
    assert code == 0
    assert set(rows[0]) == {"line", "result"}
    assert rows[0]["result"]["version"] == 1 and "urgency" in rows[0]["result"]


def test_record_ids_are_taken_out_and_written_back() -> None:
    lines = [
        {"pid": "p-001", **GOOD},
        {**GOOD, "pid": 17},
        {"pid": "a:b", **GOOD},  # more colons than keys: read by the strict reader, alike
        {"pid": "p-004", **GOOD, "side": "up"},
        GOOD,
        {"pid": ["x"], **GOOD},
        {"pid": "x" * 201, **GOOD},
        {"pid": "\x1b[2J", **GOOD},
        {"pid": True, **GOOD},
        {"pid": "", **GOOD},
    ]
    code, rows, err = _run(
        b"".join(json.dumps(line).encode() + b"\n" for line in lines), "--id", "pid"
    )
    assert code == 2
    assert [row.get("id") for row in rows] == ["p-001", 17, "a:b", "p-004"] + [None] * 6
    assert rows[0]["result"] == rows[1]["result"] == rows[2]["result"]
    assert rows[3]["error"] == "side: unknown side 'up'"
    assert rows[4]["error"] == "pid: missing; --id names the record id each line gives"
    for row in rows[5:]:
        assert row["error"].startswith("pid: the record id must be a text of 1 to 200")
    assert err == "backpain: 3 assessed, 7 bad (lines 4, 5, 6, 7, 8, 9, 10)\n"


def test_without_an_id_key_an_id_is_an_unknown_key() -> None:
    code, rows, _ = _run(json.dumps({"pid": "p-1", **GOOD}).encode())
    assert code == 2 and rows == [{"line": 1, "error": "pid: unknown key"}]


def test_a_line_too_long_is_reported_and_the_next_is_read() -> None:
    long = b'{"age": 41, "side": "left", "area": "lower", "x": "' + b"y" * MAX_FILE_BYTES + b'"}'
    code, rows, _ = _run(long + b"\n" + json.dumps(GOOD).encode() + b"\n")
    assert code == 2
    assert rows[0] == {"line": 1, "error": f"the line is longer than {MAX_FILE_BYTES:,} bytes"}
    assert rows[1]["line"] == 2 and "result" in rows[1]


def test_lines_are_split_without_keeping_a_line_too_long() -> None:
    chunks = [b"a\nb", b"c" * (2 * MAX_FILE_BYTES), b"c\nd\n", b"e"]
    stream = io.BytesIO(b"".join(chunks))
    before: list[int] = []
    lines = list(batch._lines(stream.read1, lambda: before.append(stream.tell())))
    assert lines == [b"a", None, b"d", b"e"]
    assert len(before) > 2  # a flush before every read


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_endless_input_without_a_newline_keeps_memory_flat() -> None:
    process = subprocess.Popen(
        [*backpain_command(), "batch", "/dev/zero"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no result for the first line"
        first = json.loads(process.stdout.readline())
        assert first == {"line": 1, "error": f"the line is longer than {MAX_FILE_BYTES:,} bytes"}
        time.sleep(1.5)  # about a gigabyte more of zeros read and dropped
        assert _rss_kib(process.pid) < 200_000
    finally:
        process.send_signal(signal.SIGTERM)
        err = process.stderr.read().decode()
        status = process.wait(timeout=30)
    assert status == 128 + signal.SIGTERM
    assert "Traceback" not in err


def test_results_stream_as_lines_come_in() -> None:
    """Each result is written as soon as its line is read, not when the input ends."""
    process = subprocess.Popen(
        [*backpain_command(), "batch", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for number in (1, 2, 3):
            process.stdin.write(json.dumps(GOOD).encode() + b"\n")
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, f"line {number} gave no result while the input stayed open"
            assert json.loads(process.stdout.readline())["line"] == number
    finally:
        process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_an_engine_failure_on_one_line_does_not_stop_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = batch.summarize

    def failing(answers: Any, kb: Any) -> Any:
        if answers.get("age") == 13:
            raise RuntimeError("simulated bug")
        return real(answers, kb)

    monkeypatch.setattr(batch, "summarize", failing)
    lines = [json.dumps({**GOOD, "age": age}).encode() for age in (40, 13, 41)]
    counts = batch.BatchCounts()
    out = io.BytesIO()
    batch.write_results(io.BytesIO(b"\n".join(lines)), out, counts)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert rows[1] == {
        "line": 2,
        "error": "internal error: RuntimeError; this is a bug in backpain",
    }
    assert counts.assessed == 2 and counts.failed == 1 and counts.bad == 0
    with pytest.raises(RuntimeError):
        list(batch.assess_records(lines, batch.BatchCounts(), debug=True))


def test_an_engine_failure_ends_the_command_with_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from backpain_cli import cli

    def broken(answers: Any, kb: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(batch, "summarize", broken)
    result = CliRunner().invoke(cli.app, ["batch", "-"], input=json.dumps(GOOD) + "\n")
    assert result.exit_code == 1
    assert "0 assessed, 0 bad, 1 failed (a bug in backpain)" in result.output


def test_a_failing_input_device_is_not_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """An input that fails half way (EIO) ends the batch with exit 2, after what it wrote."""
    from typer.testing import CliRunner

    from backpain_cli import answers, cli

    class Failing(io.BytesIO):
        def read1(self, size: int = -1) -> bytes:
            if self.tell():
                raise OSError(errno.EIO, "Input/output error")
            return super().read1(size)

    monkeypatch.setattr(
        answers, "open_input", lambda path, what: Failing(json.dumps(GOOD).encode() + b"\n")
    )
    result = CliRunner().invoke(cli.app, ["batch", "cohort.jsonl"])
    assert result.exit_code == 2
    assert result.output.startswith('{"line":1,"result":')
    assert result.output.endswith("backpain: error: the batch stopped: Input/output error\n")


def test_the_summary_counts_keep_only_the_first_bad_lines() -> None:
    data = b"{\n" * 50
    code, rows, err = _run(data)
    assert code == 2 and len(rows) == 50
    assert err == "backpain: 0 assessed, 50 bad (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...)\n"
    assert _run(b"{\n")[2] == "backpain: 0 assessed, 1 bad (line 1)\n"


def test_closed_standard_input_and_output() -> None:
    script = backpain_command()[0]
    closed_in = subprocess.run(
        ["bash", "-c", f"{script} batch - <&-"], capture_output=True, check=False, timeout=30
    )
    assert closed_in.returncode == 2
    assert (
        closed_in.stderr
        == b"backpain: error: standard input is closed; there are no answers to read\n"
    )
    closed_out = subprocess.run(
        ["bash", "-c", f"{script} batch - >&-"],
        input=json.dumps(GOOD).encode(),
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert closed_out.returncode == 2
    assert (
        b"standard output is closed" in closed_out.stderr and b"Traceback" not in closed_out.stderr
    )


def test_the_batch_stops_cleanly_on_sigterm_with_what_it_wrote() -> None:
    process = subprocess.Popen(
        [*backpain_command(), "batch", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write(json.dumps(GOOD).encode() + b"\n")
    process.stdin.flush()
    select.select([process.stdout], [], [], 30)
    first = process.stdout.readline()
    os.kill(process.pid, signal.SIGTERM)
    rest = process.stdout.read()
    assert process.wait(timeout=30) == 143
    assert json.loads(first)["line"] == 1 and rest == b""
    assert process.stderr.read() == b"backpain: stopped (SIGTERM).\n"
    process.stdin.close()


def test_a_stop_in_the_middle_of_a_chunk_still_writes_what_was_assessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A signal (or Ctrl-C) while the lines of one read are assessed: the results of the lines
    before it are written before the batch stops, not lost with the unwritten buffer."""
    from backpain_cli.signals import Terminated

    real = batch.summarize
    calls = []

    def stopped_at_the_third(answers: Any, kb: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise Terminated(signal.SIGTERM)
        return real(answers, kb)

    monkeypatch.setattr(batch, "summarize", stopped_at_the_third)
    source = io.BytesIO(b"".join(json.dumps(GOOD).encode() + b"\n" for _ in range(5)))
    out = io.BytesIO()
    with pytest.raises(Terminated):
        batch.write_results(source, out, batch.BatchCounts())
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [result["line"] for result in written] == [1, 2]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no signal masks here")
def test_a_stop_that_lands_as_results_are_written_writes_each_once() -> None:
    """SIGTERM arriving just as a piece of output has been written (before the batch forgets
    it) must not write it again on the way out: each result appears once."""
    from backpain_cli.signals import Terminated, stop_on_signals

    class SignalledAfterWriting(io.BytesIO):
        signalled = False

        def write(self, data: Any) -> int:
            written = super().write(data)
            if not self.signalled:  # once: a second SIGTERM would end the process
                self.signalled = True
                os.kill(os.getpid(), signal.SIGTERM)  # lands here, unless signals are held
            return written

    out = SignalledAfterWriting()
    with stop_on_signals(), pytest.raises(Terminated):
        batch.write_results(io.BytesIO(json.dumps(GOOD).encode() + b"\n"), out, batch.BatchCounts())
    assert [json.loads(line)["line"] for line in out.getvalue().splitlines()] == [1]

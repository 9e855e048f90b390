"""Hostile and unlucky input, run through the installed command: escapes, huge numbers, output
encodings, closed streams, usage errors, completion, listings and signals."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pexpect
import pytest
from conftest import backpain_command, run_cli

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "examples"
STONE = EXAMPLES / "kidney_stone_left.json"
GOOD = json.loads(STONE.read_text())
BACKPAIN = shlex.quote(backpain_command()[0])


def sh(
    script: str, data: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`script` run by bash, where `backpain` is the installed command."""
    full = {**os.environ, "LANG": "C.UTF-8", **(env or {})}
    full["PATH"] = f"{Path(backpain_command()[0]).parent}{os.pathsep}{full['PATH']}"
    full.pop("BACKPAIN_REGION", None)
    return subprocess.run(
        ["bash", "-c", script],
        input=data,
        capture_output=True,
        env=full,
        check=False,
        timeout=60,
    )


def assert_one_safe_line(err: bytes, *words: str) -> str:
    """One line on stderr, in the project's style, nothing raw from the input in it."""
    text = err.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text
    line = text[:-1]
    assert line.isprintable(), repr(line)  # no ESC, CR, BEL, bidi override, surrogate
    assert line.startswith("backpain: error: ") and len(line) < 400, line
    assert "Traceback" not in line
    for word in words:
        assert word in line, line
    return line


# -- usage errors ---------------------------------------------------------------------------------

USAGE = [
    (["assess", "--bogus"], "no such option: --bogus; see 'backpain assess --help'"),
    (["asess"], "no such command 'asess'; did you mean 'assess'? See 'backpain --help'."),
    (
        ["assess", "--format"],
        "option '--format' requires an argument; see 'backpain assess --help'",
    ),
    (["batch"], "missing argument 'FILE'; see 'backpain batch --help'"),
    (["validate"], "missing argument 'FILE'; see 'backpain validate --help'"),
    (
        ["conditions", "a", "b"],
        "unexpected extra argument(s) (b); see 'backpain conditions --help'",
    ),
    (["questions", "--format", "pdf"], "unknown format 'pdf'; choose text, json or fhir"),
    (["conditions", "--format", "pdf"], "unknown format 'pdf'; choose text, markdown or json"),
    (["assess", "-a", str(STONE), "--format", "pdf"], "unknown format 'pdf'; choose one of"),
    (["assess", "-a", str(STONE), "--region", "mars"], "unknown region 'mars'; choose one of"),
    (["--show-completion"], "option '--show-completion' requires an argument"),
    (["--show-completion", "tcsh"], "unknown shell 'tcsh'; choose one of bash, zsh, fish"),
    (["--install-completion", "tcsh"], "unknown shell 'tcsh'"),
    (["batch", "-", "--id"], "option '--id' requires an argument"),
    (["\x1b[2J\x1b]0;PWNED\x07"], "no such command '\\x1b[2J\\x1b]0;PWNED\\x07'"),
    (["assess", "--\u202eevil"], "no such option: --\\u202eevil"),
]


@pytest.mark.parametrize(("args", "message"), USAGE, ids=[" ".join(u[0]) for u in USAGE])
def test_every_usage_error_has_one_style_and_exit_2(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2 and done.stdout == b""
    line = assert_one_safe_line(done.stderr)
    assert message in line
    assert "Usage:" not in line and "Error:" not in line


def test_backpain_alone_shows_the_help_and_exits_2() -> None:
    done = run_cli()
    assert done.returncode == 2
    assert done.stderr.startswith(b"Usage: backpain [OPTIONS] COMMAND")


def test_a_missing_output_folder_is_bad_input_not_a_bug(tmp_path: Path) -> None:
    done = run_cli("assess", "-a", str(STONE), "-o", str(tmp_path / "no" / "r.txt"))
    assert done.returncode == 2
    assert_one_safe_line(done.stderr, f"no folder {tmp_path / 'no'}")


# -- escapes --------------------------------------------------------------------------------------

HOSTILE = [
    "\x1b[2J\x1b]0;PWNED\x07",
    "a\rbackpain: forged line\nbackpain: another",
    "\u202eevil\u2066",
    "\ud800",
    "\x00\x7f\x9b",
    "k" * 200_000,
]


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_keys_and_ids_from_the_input_are_escaped_and_cut(hostile: str, command: str) -> None:
    for document in (
        {**GOOD, hostile: 1},
        {**GOOD, "side": hostile},
        {**GOOD, "symptoms": [hostile]},
    ):
        data = json.dumps(document).encode()  # \u escapes: the key really is the hostile text
        args = ["validate", "-"] if command == "validate" else ["assess", "-a", "-"]
        done = run_cli(*args, input=data)
        assert done.returncode == 2
        assert_one_safe_line(done.stderr)


def test_a_key_given_twice_is_named_escaped() -> None:
    data = b'{"\\u001b[2J": 1, "\\u001b[2J": 2}'
    done = run_cli("validate", "-", input=data)
    assert_one_safe_line(done.stderr, "\\x1b[2J: given twice; keep one")


@pytest.mark.parametrize("hostile", HOSTILE[:3], ids=range(3))
def test_file_names_are_escaped(tmp_path: Path, hostile: str) -> None:
    missing = str(tmp_path / hostile)
    for args in (["validate", missing], ["assess", "-a", missing], ["batch", missing]):
        done = run_cli(*args)
        assert done.returncode == 2
        assert_one_safe_line(done.stderr, "no such file")
    existing = tmp_path / ("x" + hostile.replace("\x00", ""))
    existing.write_text("{")
    assert_one_safe_line(run_cli("validate", str(existing)).stderr)
    assert_one_safe_line(run_cli("assess", "-a", str(STONE), "-o", str(existing)).stderr)


def test_a_file_name_that_is_not_utf8_shows_its_bytes(tmp_path: Path) -> None:
    name = os.fsdecode(b"\xff\x1b[2J.json")  # as Python holds a name that is not UTF-8
    done = run_cli("validate", name, cwd=tmp_path)
    assert assert_one_safe_line(done.stderr) == "backpain: error: \\xff\\x1b[2J.json: no such file"


def test_shown_escapes_cuts_and_leaves_plain_text_alone() -> None:
    from backpain_cli.echo import quoted, shown

    assert shown("fevr") == "fevr" and quoted("fevr") == "'fevr'"
    assert shown("\x1b[2J\x1b]0;PWNED\x07") == "\\x1b[2J\\x1b]0;PWNED\\x07"
    assert shown("a\rb\nc\td") == "a\\rb\\nc\\td"
    assert shown("\u202eevil\ud800\U000e0001") == "\\u202eevil\\ud800\\U000e0001"
    assert shown("k" * 200_000) == "k" * 80 + "..."
    assert len(shown("\x1b" * 1000)) <= 80 + 3
    assert shown("café 38°C") == "café 38°C"  # printable text is not escaped, only encoded
    assert quoted("it's") == "'it\\'s'"


def test_a_resume_file_name_is_escaped(tmp_path: Path) -> None:
    """--resume reads its file in the terminal, before the questions."""
    child = pexpect.spawn(
        backpain_command()[0],
        ["assess", "--resume", "\x1b[2J\x1b]0;PWNED\x07.json"],
        cwd=str(tmp_path),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
        dimensions=(24, 80),
        timeout=15,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    seen = child.before or b""
    assert b"\\x1b[2J\\x1b]0;PWNED\\x07.json: no such file" in seen
    assert b"\x1b" not in seen and b"\x07" not in seen


def test_region_format_and_condition_ids_are_escaped() -> None:
    for args in (
        ["assess", "-a", str(STONE), "--region", "\x1b[2J"],
        ["assess", "-a", str(STONE), "--format", "\x1b[2J"],
        ["conditions", "\x1b[2J" * 1000],
        ["questions", "--format", "\x1b]0;x\x07"],
    ):
        done = run_cli(*args)
        assert done.returncode == 2
        assert_one_safe_line(done.stderr, "\\x1b")


# -- huge numbers --------------------------------------------------------------------------------

HUGE = [b"1" + b"0" * 400, b"9" * 5000, b"-" + b"9" * 5000, b"1e400", b"-1e400", b"1e300"]


@pytest.mark.parametrize("key", ["age", "duration_days", "severity", "version", "side", "symptoms"])
def test_a_number_too_big_for_its_field_is_bad_input(key: str) -> None:
    """Everywhere: assess and validate exit 2 naming the field; batch puts the error in place."""
    lines = []
    for number in HUGE:
        document = {**GOOD, key: "NUMBER"}
        value = b"[" + number + b"]" if key == "symptoms" else number
        lines.append(json.dumps(document).encode().replace(b'"NUMBER"', value))
        commands = [["validate", "-"]] + [["assess", "-a", "-"]] * (number == HUGE[0])
        for args in commands:
            done = run_cli(*args, input=lines[-1])
            assert done.returncode == 2, done.stderr
            assert_one_safe_line(done.stderr, f"error: {key}")
    done = run_cli("batch", "-", input=b"\n".join([*lines, json.dumps(GOOD).encode()]))
    assert done.returncode == 2
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["error"].split(":")[0].split("[")[0] for row in rows[:-1]] == [key] * len(HUGE)
    assert "result" in rows[-1]


# -- output encodings ----------------------------------------------------------------------------

TEXT_COMMANDS = [
    ["questions"],
    ["conditions"],
    ["conditions", "pregnancy_back_pain"],
    ["assess", "-a", str(STONE)],
    ["assess", "-a", str(STONE), "-f", "markdown"],
    ["--help"],
    ["assess", "--help"],
]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=[" ".join(a)[:30] for a in TEXT_COMMANDS])
def test_text_falls_back_to_ascii_where_the_output_cannot_encode_it(
    encoding: str, args: list[str]
) -> None:
    done = run_cli(*args, env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    done.stdout.decode(encoding)  # what was written is text in that encoding
    if encoding == "ascii" and args[0] == "questions":
        assert b"38 C or more" in done.stdout  # 38 degrees C, without the degree sign


@pytest.mark.parametrize(
    "args",
    [
        ["schema"],
        ["questions", "-f", "fhir"],
        ["assess", "-a", str(STONE), "-f", "json"],
        ["assess", "-a", str(STONE), "-f", "html"],
    ],
)
def test_json_and_html_are_utf8_whatever_the_locale(args: list[str]) -> None:
    made = {"SOURCE_DATE_EPOCH": "1764547200"}  # one time for every run: a report says when
    plain = run_cli(*args, env=made)
    for encoding in ("ascii", "latin-1"):
        done = run_cli(*args, env={**made, "PYTHONIOENCODING": encoding})
        assert done.returncode == 0 and done.stdout == plain.stdout
    assert "\u00b0".encode() in run_cli("questions", "-f", "fhir").stdout  # really UTF-8


def test_a_latin1_locale_runs() -> None:
    done = run_cli("questions", env={"LANG": "en_GB.ISO-8859-1", "LC_ALL": "en_GB.ISO-8859-1"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_the_colour_report_on_a_terminal_that_is_not_utf8(tmp_path: Path, encoding: str) -> None:
    child = pexpect.spawn(
        backpain_command()[0],
        ["assess", "-a", str(STONE), "--region", "uk"],
        env={**os.environ, "PYTHONIOENCODING": encoding, "TERM": "xterm", "COLUMNS": "80"},
        dimensions=(24, 80),
        timeout=30,
    )
    child.expect(b"Press Enter for the whole report")  # the first screen, in colour
    first = child.before or b""
    child.sendline(b"q")
    child.expect(pexpect.EOF)
    child.close()
    seen = first + (child.before or b"")
    assert child.exitstatus == 0, seen[-500:]
    assert b"\x1b[" in seen  # in colour
    assert b"URGENT" in seen and b"Traceback" not in seen
    seen.decode(encoding)


# -- closed streams ------------------------------------------------------------------------------

CLOSED = [
    ("backpain assess --answers - <&-", 2, "standard input is closed"),
    ("backpain validate - <&-", 2, "standard input is closed"),
    ("backpain batch - <&-", 2, "standard input is closed"),
    ("backpain assess <&-", 2, "no terminal to ask in"),
    ("backpain schema >&-", 2, "standard output is closed"),
    ("backpain questions >&-", 2, "standard output is closed"),
    (f"backpain assess -a {shlex.quote(str(STONE))} >&-", 2, "standard output is closed"),
    ("backpain --version >&-", 2, "standard output is closed"),
    ("backpain questions > /dev/full", 2, "No space left on device"),
    ("backpain schema > /dev/full", 2, "No space left on device"),
    ("backpain --help > /dev/full", 2, "No space left on device"),
]


@pytest.mark.parametrize(("script", "status", "words"), CLOSED, ids=[c[0] for c in CLOSED])
def test_closed_streams_end_cleanly(script: str, status: int, words: str) -> None:
    if "/dev/full" in script and not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    done = sh(script)
    assert done.returncode == status, done.stderr
    assert_one_safe_line(done.stderr, words)


def test_a_closed_stderr_still_gives_the_exit_status() -> None:
    done = sh("backpain validate - 2>&-; echo status=$?", b"{")
    assert done.stdout == b"status=2\n" and done.stderr == b""
    stone = shlex.quote(str(STONE))
    done = sh(f"backpain assess -a {stone} 2>&- | head -c 2; echo; echo status=${{PIPESTATUS[0]}}")
    assert done.stdout.endswith(b"status=0\n")


@pytest.mark.parametrize(
    "args",
    [
        "--help",
        "assess --help",
        "questions",
        "conditions kidney_stone",
        "schema",
        "--show-completion bash",
        "batch - --full",
    ],
)
def test_a_reader_that_goes_away_gives_141_quietly(args: str) -> None:
    lines = (json.dumps(GOOD) + "\n") * 2000
    done = sh(f"backpain {args} | true; echo status=${{PIPESTATUS[0]}}", lines.encode())
    assert done.stdout == b"status=141\n", done
    assert done.stderr == b""


# -- completion ----------------------------------------------------------------------------------


def _complete(shell: str, words: str) -> list[str]:
    env = {"_BACKPAIN_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = words.split(" ")
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    done = run_cli(env=env)
    assert done.returncode == 0, done.stderr
    return re.findall(r"[a-z_]+", done.stdout.decode())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_values_complete_in_every_shell(shell: str) -> None:
    formats = _complete(shell, "backpain assess --format ")
    assert {"text", "json", "markdown", "html", "fhir"} <= set(formats)
    assert {"uk", "us", "eu", "au", "nz", "in"} <= set(
        _complete(shell, "backpain batch x --region ")
    )
    assert "kidney_stone" in _complete(shell, "backpain conditions kid")
    assert "aortic_dissection" not in _complete(shell, "backpain conditions kid")
    assert {"bash", "zsh", "fish"} <= set(_complete(shell, "backpain --show-completion "))
    assert {"markdown", "json"} <= set(_complete(shell, "backpain conditions --format "))


@pytest.mark.parametrize(
    ("shell", "start"),
    [
        ("bash", "_backpain_completion()"),
        ("zsh", "#compdef backpain"),
        ("fish", "complete --command backpain"),
    ],
)
def test_each_shell_gets_its_own_script(shell: str, start: str) -> None:
    done = run_cli("--show-completion", shell)
    assert done.returncode == 0
    assert done.stdout.decode().startswith(start)


def test_completion_in_a_real_bash() -> None:
    done = sh(
        "source <(backpain --show-completion bash); "
        "COMP_WORDS=(backpain conditions kidney_s); COMP_CWORD=2; _backpain_completion backpain; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    assert done.stdout == b"kidney_stone\n", done.stderr


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_completion_in_a_real_fish() -> None:
    env = {**os.environ, "PATH": f"{Path(backpain_command()[0]).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        [
            "fish",
            "-c",
            "source (backpain --show-completion fish | psub); "
            'complete -C "backpain assess --region u"',
        ],
        capture_output=True,
        env=env,
        check=False,
        timeout=30,
    )
    assert done.stdout.split() == [b"uk", b"us"], done.stderr


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_completion_in_a_real_zsh() -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(backpain_command()[0]).parent}:{os.environ['PATH']}",
        "TERM": "dumb",
    }
    z = pexpect.spawn(
        "zsh", ["-f", "-i"], env=env, encoding="utf-8", timeout=15, dimensions=(24, 200)
    )
    z.sendline(
        "PS1='READY> '; autoload -U compinit; compinit -u; source <(backpain --show-completion zsh)"
    )
    z.expect("READY> ")
    z.expect("READY> ")
    z.send("backpain conditions kidney_s\t")
    z.expect("kidney_stone ")
    z.sendcontrol("c")
    z.sendline("exit")
    z.expect(pexpect.EOF)


# -- listings ------------------------------------------------------------------------------------


def test_listings_fit_80_columns_and_are_plain_when_piped() -> None:
    ids = [c["id"] for c in json.loads(run_cli("conditions", "-f", "json").stdout)]
    for args in (["questions"], ["conditions"], *(["conditions", cid] for cid in ids)):
        text = run_cli(*args).stdout.decode()
        assert "\x1b" not in text and "<!--" not in text and "**" not in text
        wide = [line for line in text.splitlines() if len(line) > 80 and "://" not in line]
        assert wide == [], (args, wide)


# -- signals -------------------------------------------------------------------------------------


def _terminal_after(signum: int) -> tuple[int, set[str]]:
    """Stop the questions with `signum`; the exit status, and the terminal's modes after."""
    child = pexpect.spawn(
        "bash",
        ["-c", f"{BACKPAIN} assess; echo status=$?; stty -a"],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "LANG": "C.UTF-8"},
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("answering for yourself")  # the first question
    time.sleep(0.3)
    (pid,) = subprocess.run(
        ["pgrep", "-P", str(child.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    os.kill(int(pid), signum)
    child.expect(r"status=(\d+)")
    status = int(child.match.group(1))
    child.expect(pexpect.EOF)
    modes = set(re.split(r"\s+", child.before or "")) & {
        "echo",
        "-echo",
        "icanon",
        "-icanon",
        "isig",
        "-isig",
        "icrnl",
        "-icrnl",
    }
    return status, modes


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_at_a_question_restores_the_terminal(signum: int) -> None:
    status, modes = _terminal_after(signum)
    assert status == 128 + signum
    assert modes == {"echo", "icanon", "isig", "icrnl"}  # not left raw


# -- metadata ------------------------------------------------------------------------------------


def test_the_license_and_project_urls_are_there() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert {"Homepage", "Documentation", "Issues"} <= set(project["urls"])

"""Files written on request (`--output`, `--save-answers`): only regular files are replaced,
atomically and with mode 0600; devices, FIFOs and standard streams are written through; links
and races are refused without --force; nothing is left behind by an error or a signal."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import backpain_command, run_cli

from backpain_cli import files

EXAMPLES = Path(__file__).parent / "examples"
STONE = EXAMPLES / "kidney_stone_left.json"
REPORT = run_cli("assess", "-a", str(STONE)).stdout


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


def test_a_new_report_is_private(tmp_path: Path) -> None:
    done = run_cli("assess", "-a", str(STONE), "-o", "report.txt", cwd=tmp_path)
    assert done.returncode == 0
    level, where = done.stderr.decode().splitlines()
    assert level.startswith("!! URGENT: Get medical help today.")
    assert where == "backpain: the whole report is in report.txt"
    written = tmp_path / "report.txt"
    assert written.read_bytes() == REPORT
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


def test_a_file_is_replaced_only_with_force_and_then_whole(tmp_path: Path) -> None:
    old = tmp_path / "report.txt"
    old.write_text("old")
    refused = run_cli("assess", "-a", str(STONE), "-o", str(old))
    assert refused.returncode == 2 and refused.stdout == b""
    assert refused.stderr.decode().endswith("already exists; add --force to replace it\n")
    assert old.read_text() == "old"
    inode = old.stat().st_ino
    done = run_cli("assess", "-a", str(STONE), "-o", str(old), "--force")
    assert done.returncode == 0
    assert old.read_bytes() == REPORT
    assert old.stat().st_ino != inode  # renamed into place: a reader saw old or new, never half
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


def _private_null(tmp_path: Path) -> Path:
    """A character device to write to: a private /dev/null node as root (so that a mistake
    could never replace the system's), the real one otherwise (a user cannot replace it)."""
    if os.geteuid() != 0:
        return Path(os.devnull)
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return node


@pytest.mark.parametrize("force", [False, True])
def test_a_device_is_written_through_never_replaced(tmp_path: Path, force: bool) -> None:
    device = _private_null(tmp_path)
    done = run_cli("assess", "-a", str(STONE), "-o", str(device), *(["--force"] * force))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""  # no "the report is in": it went into the device
    assert stat.S_ISCHR(device.stat().st_mode)
    assert _leftovers(device.parent) == []


def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    done = run_cli("assess", "-a", str(STONE), "-o", str(fifo), "--force")
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert got == [REPORT]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_standard_output_by_name(tmp_path: Path, target: str) -> None:
    if target != "-" and not Path(target).exists():
        pytest.skip("no /dev/stdout here")
    piped = run_cli("assess", "-a", str(STONE), "-o", target, "--force")
    assert piped.returncode == 0 and piped.stdout == REPORT and piped.stderr == b""
    out = tmp_path / "out.txt"
    with out.open("wb") as handle:
        inode = os.fstat(handle.fileno()).st_ino
        done = subprocess.run(
            [*backpain_command(), "assess", "-a", str(STONE), "-o", target, "--force"],
            stdout=handle,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == REPORT and out.stat().st_ino == inode  # the shell's file, kept


def test_a_dangling_link_is_refused_without_force(tmp_path: Path) -> None:
    link = tmp_path / "report.txt"
    link.symlink_to(tmp_path / "planted")
    refused = run_cli("assess", "-a", str(STONE), "-o", str(link))
    assert refused.returncode == 2
    assert (
        "is a symbolic link to a file that does not exist; add --force" in refused.stderr.decode()
    )
    assert link.is_symlink() and not (tmp_path / "planted").exists()
    done = run_cli("assess", "-a", str(STONE), "-o", str(link), "--force")
    assert done.returncode == 0
    assert link.is_symlink() and (tmp_path / "planted").read_bytes() == REPORT


def test_a_link_to_a_file_is_followed_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "report.txt"
    link.symlink_to(target)
    assert run_cli("assess", "-a", str(STONE), "-o", str(link)).returncode == 2
    assert run_cli("assess", "-a", str(STONE), "-o", str(link), "--force").returncode == 0
    assert link.is_symlink() and target.read_bytes() == REPORT


def test_a_long_name_fits_its_temporary_file(tmp_path: Path) -> None:
    name = "r" * 250 + ".txt"  # 254 bytes: NAME_MAX is 255
    done = run_cli("assess", "-a", str(STONE), "-o", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / name).read_bytes() == REPORT
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("{tmp}", "cannot write {tmp}: it is a directory"),
        (
            "{tmp}/missing/report.txt",
            "cannot write {tmp}/missing/report.txt: no folder {tmp}/missing",
        ),
        ("{tmp}/file.txt/report.txt", "Not a directory"),
    ],
)
def test_places_a_report_cannot_go_are_bad_input(tmp_path: Path, where: str, words: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    done = run_cli("assess", "-a", str(STONE), "-o", where.format(tmp=tmp_path))
    assert done.returncode == 2 and done.stdout == b""
    assert words.format(tmp=tmp_path) in done.stderr.decode()
    assert len(done.stderr.splitlines()) == 1


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    """The check and the write are apart (the questions come between): the write itself
    refuses a name taken since, even by a dangling link."""
    target = tmp_path / "report.txt"
    files.check_target(target, overwrite=False)
    target.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(files.OutputExistsError):
        files._write_atomically(target, b"report", replace=False)
    assert target.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert _leftovers(tmp_path) == []


def test_without_hard_links_a_new_file_is_still_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(self: Path, target: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(Path, "hardlink_to", no_links)
    target = tmp_path / "report.txt"
    assert files.write_private(target, "new") is True
    assert target.read_text() == "new"
    with pytest.raises(files.OutputExistsError):
        files._write_atomically(target, b"other", replace=False)
    assert target.read_text() == "new" and _leftovers(tmp_path) == []


def test_a_block_device_or_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        done = run_cli("assess", "-a", str(STONE), "-o", str(path), "--force")
    finally:
        server.close()
    assert done.returncode == 2
    assert done.stderr.decode().endswith(": it is a socket\n")


# -- --save-answers ------------------------------------------------------------------------------


def test_answers_and_save_answers_write_the_answers_checked(tmp_path: Path) -> None:
    messy = {"symptoms": ["nausea_or_vomiting", "nausea_or_vomiting"], "age": 41.0}
    given = tmp_path / "given.json"
    given.write_text(json.dumps({**json.loads(STONE.read_text()), **messy}))
    done = run_cli("assess", "-a", str(given), "--save-answers", "saved.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b"backpain: the answers are saved in saved.json\n"
    saved = tmp_path / "saved.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    tidy = json.loads(saved.read_text())
    assert tidy["version"] == 1 and tidy["age"] == 41 and isinstance(tidy["age"], int)
    assert tidy["symptoms"].count("nausea_or_vomiting") == 1
    again = run_cli("assess", "-a", "saved.json", "-f", "json", cwd=tmp_path)
    first = run_cli("assess", "-a", str(given), "-f", "json")
    assert json.loads(again.stdout) == json.loads(first.stdout)


def test_save_answers_follows_the_force_rule_of_output(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text("keep me")
    refused = run_cli("assess", "-a", str(STONE), "--save-answers", str(saved))
    assert refused.returncode == 2 and refused.stdout == b""  # refused before any report
    assert refused.stderr.decode().endswith("already exists; add --force to replace it\n")
    assert saved.read_text() == "keep me"
    done = run_cli("assess", "-a", str(STONE), "--save-answers", str(saved), "--force")
    assert done.returncode == 0 and json.loads(saved.read_text())["age"] == 41


def test_output_and_save_answers_may_not_name_one_file(tmp_path: Path) -> None:
    done = run_cli("assess", "-a", str(STONE), "--save-answers", "x", "-o", "./x", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == b"backpain: error: --output and --save-answers name the same file\n"
    dash = run_cli("assess", "-a", str(STONE), "--save-answers", "-", cwd=tmp_path)
    assert dash.returncode == 2 and dash.stdout == b""
    assert b"--save-answers needs a file name" in dash.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_wizard_refuses_a_file_it_could_not_save_before_asking(tmp_path: Path) -> None:
    import pexpect

    (tmp_path / "saved.json").write_text("keep me")
    child = pexpect.spawn(
        backpain_command()[0],
        ["assess", "--save-answers", "saved.json"],
        cwd=str(tmp_path),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=15,
    )
    child.expect("already exists; add --force to replace it")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "How old are you" not in (child.before or "")


def test_resuming_saves_back_to_the_same_file_without_force(tmp_path: Path) -> None:
    import pexpect

    saved = tmp_path / "answers.json"
    saved.write_text(json.dumps({"age": 52, "side": "right", "area": "lower"}))
    child = pexpect.spawn(
        backpain_command()[0],
        ["assess", "--resume", "answers.json", "--save-answers", "answers.json"],
        cwd=str(tmp_path),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=15,
    )
    child.expect("Go back")  # the first question still to answer
    child.send("\x03")
    child.expect("saved in answers.json")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert json.loads(saved.read_text())["age"] == 52
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


# -- signals -------------------------------------------------------------------------------------

#: `backpain assess -a FILE -o OUT` with a disk that takes its time over fsync: the temporary
#: file exists, full, while the process waits, which is when a signal comes.
SLOW_DISK = """
import os, sys, time
os.fsync = lambda fd: time.sleep(60)
from backpain_cli.cli import main
sys.argv = ["backpain", "assess", "-a", sys.argv[1], "-o", sys.argv[2]]
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_write_leaves_nothing_behind(tmp_path: Path, signum: int) -> None:
    target = tmp_path / "report.txt"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_DISK, str(STONE), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not _leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _leftovers(tmp_path), "the temporary file never appeared"
    process.send_signal(signum)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signum
    assert err.decode() == f"backpain: stopped ({signal.Signals(signum).name}).\n"
    assert list(tmp_path.iterdir()) == []


def test_a_signal_while_waiting_for_a_fifo_reader_ends_cleanly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [*backpain_command(), "assess", "-a", str(STONE), "-o", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1)  # started, and blocked opening the FIFO
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 143
    assert b"Traceback" not in err
    assert stat.S_ISFIFO(fifo.stat().st_mode) and [p.name for p in tmp_path.iterdir()] == ["pipe"]

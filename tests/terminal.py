"""Drive `backpain assess` in a real pseudo-terminal at 80x24, and read the screen a person sees.

pexpect runs the installed command; pyte, a terminal emulator, turns what it draws into the 24
lines of 80 columns on screen. The helpers answer as a person would: by finding the option on
screen and moving the cursor to it (menus), or by typing its number (line mode).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import time
from pathlib import Path

import pexpect
import pyte
from conftest import backpain_command

UP, DOWN, ENTER, SPACE, BACK, STOP, EOT = "\x1b[A", "\x1b[B", "\r", " ", "\x02", "\x03", "\x04"
CLEAR = "\x15"  # Ctrl-U: clear what was typed
TIMEOUT = 15
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")
_OPTION = re.compile(r"^( » |   )(?:[○●] )?(\S.*)$")


class Terminal:
    """One run of `backpain assess ARGS > report.txt` in a terminal of 24 rows and 80 columns.

    After the command ends, the same shell prints `stty -a`, so a test can see whether the
    terminal was left as it was found (echo and line editing on).
    """

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        command = " ".join(shlex.quote(part) for part in [*backpain_command(), "assess", *args])
        full_env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "80"}
        full_env.update({"LINES": "24", "LANG": "C.UTF-8", **(env or {})})
        full_env.pop("BACKPAIN_REGION", None)
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.Stream(self.screen)
        self.raw: list[str] = []
        self.child = pexpect.spawn(
            "bash",
            ["-c", f"{command} > report.txt; echo EXIT=$?; stty -a"],
            cwd=str(folder),
            env=full_env,
            dimensions=(24, 80),
            encoding="utf-8",
            timeout=TIMEOUT,
        )
        self.child.delaybeforesend = None  # the helpers wait for the screen instead
        self.done = False
        self._mark = 0

    # -- reading ---------------------------------------------------------------------------------

    def _pump(self, wait: float = 0.05) -> None:
        """Read what has been written, until the screen is quiet for a moment."""
        while not self.done:
            try:
                data = self.child.read_nonblocking(65536, timeout=wait)
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                self.done = True
                return
            self.raw.append(data)
            self.stream.feed(data)
            wait = 0.01

    def lines(self) -> list[str]:
        """The screen as a person sees it: 24 lines, trailing spaces removed."""
        return [line.rstrip() for line in self.screen.display]

    def transcript(self) -> str:
        """Everything written, without the escape codes (lines in the order written)."""
        return _ESCAPES.sub("", "".join(self.raw))

    def until(self, found: object, what: str, timeout: float = TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while not found():  # type: ignore[operator]
            if time.monotonic() > end or self.done:
                self._pump(0.2)
                if found():  # type: ignore[operator]
                    return
                raise AssertionError(f"{what} not seen; the screen:\n" + "\n".join(self.lines()))
            self._pump()

    def see(self, text: str) -> None:
        """Wait until `text` is on the screen."""
        self.until(lambda: any(text in line for line in self.lines()), repr(text))

    def said(self, text: str) -> None:
        """Wait until `text` has been written (it may have scrolled off the screen since)."""
        self.until(lambda: text in self.transcript(), repr(text))

    # -- menus -----------------------------------------------------------------------------------

    def prompt(self, prompt: str) -> int:
        """Wait for the question `prompt` to be asked (on screen, waiting for an answer), and
        return its row."""

        def asked() -> int | None:
            lines = self.lines()
            for row, line in enumerate(lines):
                if line == f"? {prompt}" and any(
                    rest.startswith((" » ", " >")) for rest in lines[row + 1 :]
                ):
                    return row
            return None

        self.until(lambda: asked() is not None, f"the question {prompt!r}")
        self._pump(0.01)
        row = asked()
        assert row is not None
        return row

    def options(self, prompt: str) -> tuple[list[str], int]:
        """The options on screen below the question, and which one the cursor is on."""
        row = self.prompt(prompt)
        found, pointer = [], -1
        for line in self.lines()[row + 1 :]:
            match = _OPTION.match(line)
            if match is None or set(match.group(2)) == {"-"}:
                continue
            if match.group(1) == " » ":
                pointer = len(found)
            found.append(match.group(2))
        return found, pointer

    def move_to(self, prompt: str, label: str) -> None:
        found, pointer = self.options(prompt)
        target = next((i for i, text in enumerate(found) if text.startswith(label)), None)
        assert target is not None, f"{label!r} is not offered for {prompt!r}: {found}"
        keys = DOWN * (target - pointer) if target > pointer else UP * (pointer - target)
        self.child.send(keys)
        self.until(lambda: self.options(prompt)[1] == target, f"the cursor on {label!r}")

    def pick(self, prompt: str, label: str) -> None:
        """Choose one option of a question by its label."""
        self.move_to(prompt, label)
        self.child.send(ENTER)
        self._answered(prompt)

    def tick(self, prompt: str, *labels: str) -> None:
        """Tick these options of a list and go on; none given: "None of these"."""
        for label in labels or ("None of these",):
            self.move_to(prompt, label)
            if labels:
                self.child.send(SPACE)
        self.child.send(ENTER)
        self._answered(prompt)

    def type(self, prompt: str, text: str) -> None:
        self.prompt(prompt)
        self.child.send(text + ENTER)
        self._answered(prompt)

    def _answered(self, prompt: str) -> None:
        """Wait for the answer's echo: the question with its answer in words after it."""
        self.until(
            lambda: (
                any(
                    line.startswith(f"? {prompt} ") and line != f"? {prompt}"
                    for line in self.lines()
                )
                or not any(line == f"? {prompt}" for line in self.lines())
            ),
            f"the answer to {prompt!r}",
        )

    # -- line mode ------------------------------------------------------------------------------

    def answer_line(self, asked: str, typed: str) -> None:
        """Line mode: wait until `asked` was written and an answer is awaited, then type."""
        since = self._mark

        def waiting() -> bool:
            text = self.transcript()
            return asked in text[since:] and text.rstrip(" ").endswith((":", ">"))

        self.until(waiting, f"the line question {asked!r}")
        self._mark = len(self.transcript())
        self.child.send(typed + ENTER)

    # -- ending ----------------------------------------------------------------------------------

    def signal(self, signum: signal.Signals) -> None:
        """Send a signal to the backpain process itself (the shell's child)."""
        import subprocess

        found = subprocess.run(
            ["pgrep", "-P", str(self.child.pid)], capture_output=True, text=True, check=False
        )
        for pid in found.stdout.split():
            os.kill(int(pid), signum)

    def finish(self) -> int:
        """Wait for the command to end; its exit status."""
        self.until(lambda: "EXIT=" in self.transcript() and self.done, "the end")
        self.child.close()
        status = re.search(r"EXIT=(\d+)", self.transcript())
        assert status is not None
        return int(status.group(1))

    def terminal_restored(self) -> bool:
        """Did backpain leave the terminal as it found it: echo and line editing on, and the
        cursor shown again after it was last hidden?"""
        text = "".join(self.raw)
        stty = text[text.index("EXIT=") :]
        settings = set(stty.replace(";", " ").split())
        hidden = text.rfind("\x1b[?25l")
        shown = text.rfind("\x1b[?25h")
        return {"icanon", "echo"} <= settings and shown >= hidden

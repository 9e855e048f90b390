"""Instruction counts of a whole command under valgrind: unlike times, they repeat exactly."""

from __future__ import annotations

import re
import shutil
import subprocess


def count(command: list[str], env: dict[str, str] | None = None) -> int | None:
    """The instructions `command` runs (callgrind's total), or None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None

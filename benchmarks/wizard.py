"""Time from pressing Enter on `backpain assess` to the first question on screen.

    python benchmarks/wizard.py            # 20 runs, median and worst

Runs the installed command in a pseudo-terminal (pexpect, from the test extra) and waits for the
first prompt. Goal: the first question within 0.25 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import pexpect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    backpain = str(Path(sys.executable).parent / "backpain")
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    samples = []
    for _ in range(options.runs + 1):  # the first run warms caches and is dropped
        start = time.perf_counter()
        child = pexpect.spawn(backpain, ["assess"], env=env, dimensions=(24, 80), timeout=10)
        child.expect("How old are you")
        samples.append(time.perf_counter() - start)
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
    samples = samples[1:]
    print(f"time to the first question over {options.runs} runs:")
    print(
        f"  median {statistics.median(samples) * 1000:.0f} ms, worst {max(samples) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

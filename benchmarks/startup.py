"""Whole-process start-up times of backpain, against `python -c "import typer"`.

Run it with the Python of the environment backpain is installed in (an installed wheel, not a
source checkout, which reads the TOML knowledge base instead of the compiled one):

    python benchmarks/startup.py                  # 40 rounds
    python benchmarks/startup.py --runs 100
    python benchmarks/startup.py --instructions   # also count instructions (valgrind)

The commands are run in turns (one of each, then again), so that a slow spell of the machine
falls on all of them alike; it prints the median wall time, the median CPU time, and their
ratios to the baseline for each. Times vary from machine to machine and from minute to minute
on a shared one; the ratios are what to compare, and instruction counts (with --instructions,
where valgrind is installed) repeat exactly. Goals: json path at most 1.3x, text at most 1.6x,
--help at most 1.3x.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _instructions import count

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "examples" / "kidney_stone_left.json"
BASELINE = 'python -c "import typer"'


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="rounds of every command")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind"
    )
    options = parser.parse_args()
    bindir = Path(sys.executable).parent
    backpain = str(bindir / "backpain")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPAIN")}
    with tempfile.TemporaryDirectory() as tmp:
        answers = Path(tmp) / "answers.json"
        answers.write_bytes(EXAMPLE.read_bytes())
        commands = {
            BASELINE: [sys.executable, "-c", "import typer"],
            "backpain assess --format json": [backpain, "assess", "-a", str(answers), "-f", "json"],
            "backpain assess (text)": [backpain, "assess", "-a", str(answers)],
            "backpain --help": [backpain, "--help"],
        }
        for command in commands.values():  # warm the file cache and .pyc files
            _run(command, env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(options.runs):
            for name, command in commands.items():
                samples[name].append(_run(command, env))
        counts = (
            {name: count(command, env) for name, command in commands.items()}
            if options.instructions
            else {}
        )
    wall = {name: statistics.median(s[0] for s in runs) for name, runs in samples.items()}
    cpu = {name: statistics.median(s[1] for s in runs) for name, runs in samples.items()}
    print(f"{options.runs} rounds, medians; ratios to {BASELINE}")
    header = f"{'command':32} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}"
    if counts:
        header += f" {'instructions':>14} {'ratio':>6}"
    print(header)
    for name in commands:
        line = (
            f"{name:32} {wall[name] * 1000:8.1f} {wall[name] / wall[BASELINE]:6.2f}"
            f" {cpu[name] * 1000:8.1f} {cpu[name] / cpu[BASELINE]:6.2f}"
        )
        if counts and counts[name] and counts[BASELINE]:
            line += f" {counts[name]:14,} {counts[name] / counts[BASELINE]:6.2f}"
        print(line)


if __name__ == "__main__":
    main()

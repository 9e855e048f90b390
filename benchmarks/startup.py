"""Whole-process start-up times of backpain, against `python -c "import typer"`.

Run it with the Python of the environment backpain is installed in:

    python benchmarks/startup.py            # 30 runs of each
    python benchmarks/startup.py --runs 60

It prints the median and the ratio to the baseline for each command. Times vary from machine to
machine; the ratios are what to compare. Goals: json path at most 1.3x, text at most 1.6x,
--help at most 1.3x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "examples" / "kidney_stone_left.json"


def _time(command: list[str], runs: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    bindir = Path(sys.executable).parent
    backpain = str(bindir / "backpain")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPAIN")}
    with tempfile.TemporaryDirectory() as tmp:
        answers = Path(tmp) / "answers.json"
        answers.write_bytes(EXAMPLE.read_bytes())
        commands = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "backpain assess --format json": [backpain, "assess", "-a", str(answers), "-f", "json"],
            "backpain assess (text)": [backpain, "assess", "-a", str(answers)],
            "backpain --help": [backpain, "--help"],
        }
        for command in commands.values():  # warm the file cache and .pyc files
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
            )
        results = {name: _time(command, options.runs, env) for name, command in commands.items()}
    baseline = results['python -c "import typer"']
    print(f"{'command':34} {'median ms':>10} {'ratio':>7}   ({options.runs} runs each)")
    for name, seconds in results.items():
        print(f"{name:34} {seconds * 1000:10.1f} {seconds / baseline:7.2f}")


if __name__ == "__main__":
    main()

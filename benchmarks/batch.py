"""Assessments per second of `backpain batch`, for the whole process on one core.

    python benchmarks/batch.py                 # 50,000 records, compact output
    python benchmarks/batch.py --records 200000 --full

The records cycle through the answers of the clinical case suite (tests/cases), so the mix of
presentations is realistic rather than one answer repeated. Run it with the Python of the
environment backpain is installed in. The process is pinned to one CPU where the system allows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help="whole reports, not summaries")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    answers = [
        json.dumps(json.loads(path.read_text())["answers"]) for path in sorted(CASES.glob("*.json"))
    ]
    backpain = str(Path(sys.executable).parent / "backpain")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "cohort.jsonl"
        with source.open("w") as out:
            for number in range(options.records):
                out.write(answers[number % len(answers)] + "\n")
        command = [backpain, "batch", str(source)] + (["--full"] if options.full else [])
        if hasattr(os, "sched_setaffinity"):
            command = ["taskset", "-c", "0", *command]
        seconds = []
        for _ in range(options.runs):
            start = time.perf_counter()
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
            seconds.append(time.perf_counter() - start)
    best = min(seconds)
    kind = "full reports" if options.full else "summaries"
    print(f"{options.records:,} records ({kind}), best of {options.runs}: {best:.2f} s")
    print(f"{options.records / best:,.0f} assessments per second, whole process, one core")


if __name__ == "__main__":
    main()

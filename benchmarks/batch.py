"""Assessments per second of `backpain batch`, for the whole process on one core.

    python benchmarks/batch.py                 # 50,000 records, compact output
    python benchmarks/batch.py --records 200000 --full
    python benchmarks/batch.py --instructions  # also instructions per record (valgrind)

The records are the answers of the clinical case suite (tests/cases) in turn, each with its
age, severity and duration moved a little at random (seeded), so that the mix of presentations
is realistic and nearly every record differs from every other: no cache of whole records
could flatter the rate. Run it with the Python of the
environment backpain is installed in. The process is pinned to one CPU where the system allows.
Times on a shared machine vary from minute to minute; instructions per record (the difference
between a run of 1,000 and one of 4,000 records under valgrind, so start-up cancels out) repeat
exactly, for comparing one change with another.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _instructions import count

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help="whole reports, not summaries")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind"
    )
    options = parser.parse_args()
    cases = [json.loads(path.read_text())["answers"] for path in sorted(CASES.glob("*.json"))]
    answers = [_varied(cases, number) for number in range(options.records)]
    backpain = str(Path(sys.executable).parent / "backpain")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "cohort.jsonl"
        with source.open("w") as out:
            for line in answers:
                out.write(line + "\n")
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
        per_record = (
            _per_record(cases, backpain, options.full, Path(tmp)) if options.instructions else None
        )
    best = min(seconds)
    kind = "full reports" if options.full else "summaries"
    print(f"{options.records:,} records ({kind}), best of {options.runs}: {best:.2f} s")
    print(f"{options.records / best:,.0f} assessments per second, whole process, one core")
    if per_record is not None:
        print(f"{per_record:,.0f} instructions per record")


def _varied(cases: list[dict[str, object]], number: int) -> str:
    """Case `number` (in turn), with age, severity and duration moved a little."""
    chance = random.Random(number)
    record = dict(cases[number % len(cases)])
    for key, low, high, spread in (("age", 0, 120, 6), ("severity", 0, 10, 1)):
        value = record.get(key)
        if isinstance(value, int):
            record[key] = min(high, max(low, value + chance.randint(-spread, spread)))
    days = record.get("duration_days")
    if isinstance(days, int | float):
        record["duration_days"] = max(0, round(days * chance.uniform(0.7, 1.3)))
    return json.dumps(record)


def _per_record(
    cases: list[dict[str, object]], backpain: str, full: bool, tmp: Path
) -> float | None:
    """Instructions per record: runs of 1,000 and 4,000 records under valgrind, subtracted."""
    counts = []
    for records in (1_000, 4_000):
        source = tmp / f"count-{records}.jsonl"
        source.write_text("".join(_varied(cases, n) + "\n" for n in range(records)))
        found = count([backpain, "batch", str(source)] + (["--full"] if full else []))
        if found is None:
            return None
        counts.append(found)
    return (counts[1] - counts[0]) / 3_000


if __name__ == "__main__":
    main()

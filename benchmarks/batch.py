"""Assessments per second of `backpain batch`, and its time over a bare JSON round trip.

    python benchmarks/batch.py                 # 50,000 records, compact output
    python benchmarks/batch.py --records 200000 --full
    python benchmarks/batch.py --instructions  # also instructions per record (valgrind)

The records are the answers of the clinical case suite (tests/cases) in turn, each with its
age, severity and duration moved a little at random (seeded), so that the mix of presentations
is realistic and nearly every record differs from every other: no cache of whole records
could flatter the rate.

The baseline is the least any reader of JSON Lines does: a Python process that reads the same
file and, for each line, `json.loads` it and writes `json.dumps` of it (the standard library,
nothing else). Both commands run whole (start-up included) in turn, pinned to one CPU where the
system allows, `--runs` times each; the medians and their ratio are printed. Times on a shared
machine vary from minute to minute; their ratio, measured side by side, varies much less.
Instructions per record (the difference between a run of 1,000 and one of 4,000 records under
valgrind, so start-up cancels out) repeat exactly, for comparing one change with another.

Run it with the Python of an environment where the built wheel is installed (`pip install .`,
not `-e`): a source checkout reads and indexes the knowledge base on every start, and runs the
batch path interpreted rather than compiled. The first line says which backpain it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from _instructions import count

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"

#: The baseline: a bare standard-library JSON round trip of every line.
ROUND_TRIP = (
    "import json, sys\n"
    "write = sys.stdout.write\n"
    "with open(sys.argv[1], encoding='utf-8') as lines:\n"
    "    for line in lines:\n"
    "        write(json.dumps(json.loads(line)) + '\\n')\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help="whole reports, not summaries")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind"
    )
    options = parser.parse_args()
    if _editable():
        print("warning: backpain is installed in editable mode; install the wheel for figures")
    cases = [json.loads(path.read_text())["answers"] for path in sorted(CASES.glob("*.json"))]
    answers = [_varied(cases, number) for number in range(options.records)]
    backpain = str(Path(sys.executable).parent / "backpain")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "cohort.jsonl"
        with source.open("w") as out:
            for line in answers:
                out.write(line + "\n")
        command = [backpain, "batch", str(source)] + (["--full"] if options.full else [])
        baseline = [sys.executable, "-c", ROUND_TRIP, str(source)]
        if hasattr(os, "sched_setaffinity"):
            command, baseline = ["taskset", "-c", "0", *command], ["taskset", "-c", "0", *baseline]
        seconds: dict[str, list[float]] = {"batch": [], "baseline": []}
        for _ in range(options.runs):  # in turn, so that both see the same machine
            seconds["batch"].append(_time(command))
            seconds["baseline"].append(_time(baseline))
        per_record = (
            _per_record(cases, backpain, options.full, Path(tmp)) if options.instructions else None
        )
    batch, bare = (statistics.median(seconds[kind]) for kind in ("batch", "baseline"))
    kind = "full reports" if options.full else "summaries"
    # "(compiled)" when the wheel was built with its batch path compiled to C (hatch_build.py)
    built = subprocess.run([backpain, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{built}: {options.records:,} records ({kind}), median of {options.runs} runs each,")
    print("one core:")
    print(f"  backpain batch:          {batch:6.2f} s  {options.records / batch:9,.0f} a second")
    print(f"  json.loads + json.dumps: {bare:6.2f} s  {options.records / bare:9,.0f} a second")
    print(f"  ratio: backpain batch takes {batch / bare:.1f}x the bare JSON round trip")
    if per_record is not None:
        print(f"{per_record:,.0f} instructions per record")


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _editable() -> bool:
    """Whether the backpain this Python runs is an editable install (PEP 660)."""
    try:
        found = metadata.distribution("backpain").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return False
    return bool(found and json.loads(found).get("dir_info", {}).get("editable"))


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

"""docs/scale.md: the Dask recipe, run on a small local cluster of worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_cases, run_cli

from backpain_cli.batch import assess_partition

db = pytest.importorskip("dask.bag")


def test_the_dask_recipe_matches_backpain_batch(tmp_path: Path) -> None:
    lines = [json.dumps(case["answers"]) for _, case in load_cases()[:120]]
    lines.insert(7, "{not json")
    halves = [lines[:60], lines[60:]]
    paths = []
    for number, half in enumerate(halves):
        paths.append(tmp_path / f"cohort-{number}.jsonl")
        paths[-1].write_text("\n".join(half) + "\n")
    source = tmp_path / "cohort.jsonl"
    source.write_text("\n".join(lines) + "\n")

    bag = db.read_text([str(p) for p in paths], blocksize=None).map(str.strip)
    assert bag.npartitions == 2
    results = bag.map_partitions(assess_partition).compute(scheduler="processes", num_workers=2)

    serial = [json.loads(row) for row in run_cli("batch", str(source)).stdout.splitlines()]
    assert results == serial
    assert results[7]["line"] == 8 and "not valid JSON" in results[7]["error"]


def test_assess_partition_accepts_text_and_bytes() -> None:
    good = json.dumps({"age": 40, "side": "left", "area": "lower"})
    rows = list(assess_partition([good, good.encode(), "", "[]"]))
    assert [row.get("urgency") for row in rows[:2]] == ["self_care", "self_care"]
    assert rows[2] == {"line": 4, "error": "the answers must be a JSON object, not a list"}

"""docs/scale.md: the Dask recipe, run on a small local cluster of worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_cases, run_cli

from backpain_cli.batch import assess_partition

db = pytest.importorskip("dask.bag")


def test_the_dask_recipe_matches_backpain_batch(tmp_path: Path) -> None:
    lines = [
        json.dumps({"record": f"r{n}", **case["answers"]})
        for n, (_, case) in enumerate(load_cases()[:120])
    ]
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
    results = bag.map_partitions(assess_partition, id_key="record").compute(
        scheduler="processes", num_workers=2
    )

    done = run_cli("batch", "--id", "record", str(source))
    serial = [json.loads(row) for row in done.stdout.splitlines()]
    # Line numbers count within a partition; the record ids join the two.
    assert [row["line"] for row in results] == [*range(1, 61), *range(1, 62)]
    assert [row["line"] for row in serial] == list(range(1, 122))
    assert [row.get("id") for row in results] == [row.get("id") for row in serial]
    assert [_without_line(row) for row in results] == [_without_line(row) for row in serial]
    assert "id" not in results[7] and "not valid JSON" in results[7]["error"]
    assert results[8]["id"] == "r7" and "result" in results[8]


def _without_line(row: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in row.items() if key != "line"}


def test_assess_partition_accepts_text_and_bytes() -> None:
    good = json.dumps({"age": 40, "side": "left", "area": "lower"})
    rows = list(assess_partition([good, good.encode(), "", "[]"]))
    assert [row["result"]["urgency"] for row in rows[:2]] == ["self_care", "self_care"]
    assert rows[2] == {"line": 4, "error": "the answers must be a JSON object, not a list"}


def test_assess_partition_carries_record_ids() -> None:
    rows = assess_partition(
        ['{"pid": "a-1", "age": 40, "side": "left", "area": "lower"}', '{"pid": 7, "age": 400}'],
        id_key="pid",
    )
    assert rows[0]["id"] == "a-1" and rows[0]["result"]["urgency"] == "self_care"
    assert rows[1]["id"] == 7 and rows[1]["error"].startswith("age: 400 is out of range")

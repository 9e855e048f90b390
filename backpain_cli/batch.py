"""Many assessments from JSON Lines: one answers object per line in, one result per line out.

Streams: each line is read, assessed and written before the next is read, so memory stays flat
whatever the size of the input. A bad line becomes `{"line": N, "error": "..."}` in its place
and the rest go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .answers import MAX_FILE_BYTES, AnswersError, loads_answers_json, parse_answers
from .engine import assess
from .knowledge import load_knowledge


@dataclass
class BatchCounts:
    assessed: int = 0
    bad_lines: list[int] = field(default_factory=list)


def assess_lines(
    lines: Iterable[bytes],
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
) -> Iterator[str]:
    """Yield one JSON line per non-blank input line, in order; tally into `counts`."""
    kb = load_knowledge()
    questions = kb.questions
    compact = (",", ":")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            if len(raw) > MAX_FILE_BYTES:
                raise AnswersError("", f"the line is longer than {MAX_FILE_BYTES:,} bytes")
            answers = parse_answers(loads_answers_json(raw), questions)
        except AnswersError as error:
            counts.bad_lines.append(number)
            yield json.dumps({"line": number, "error": str(error)}, ensure_ascii=False) + "\n"
            continue
        result = assess(answers, kb, region=region)
        out = result.to_dict() if full else result.to_summary()
        counts.assessed += 1
        yield json.dumps(out, ensure_ascii=False, separators=compact) + "\n"


def assess_partition(
    lines: Iterable[str | bytes], *, full: bool = False, region: str = "default"
) -> list[dict[str, Any]]:
    """For data engines: JSON Lines in, one result dict per non-blank line out, in order.

    The function Dask's `Bag.map_partitions` or Spark's `RDD.mapPartitions` calls on each
    partition (docs/scale.md). It returns a list, which process-based schedulers can send
    back. A bad line gives `{"line": N, "error": "..."}`, with N counted within the partition.
    """
    counts = BatchCounts()
    encoded = (line.encode("utf-8") if isinstance(line, str) else line for line in lines)
    return [json.loads(row) for row in assess_lines(encoded, counts, full=full, region=region)]

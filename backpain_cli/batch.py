"""Many assessments from JSON Lines: one answers object per line in, one result per line out.

Streams: each line is read, assessed and written before the next is read, so memory stays flat
whatever the size of the input. A bad line becomes `{"line": N, "error": "..."}` in its place
and the rest go on.

JSON is read and written with orjson where it is installed (about 13 us a line less than the
standard library, a sixth of the time of a whole assessment); a line that cannot be shown to
read exactly as the strict reader would read it goes through `loads_answers_json`, so the
results and the error messages are the same with orjson or without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .answers import MAX_FILE_BYTES, AnswersError, loads_answers_json, parse_answers
from .engine import assess, summarize
from .knowledge import load_knowledge


@dataclass
class BatchCounts:
    assessed: int = 0
    bad_lines: list[int] = field(default_factory=list)


def assess_records(
    lines: Iterable[bytes],
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
) -> Iterator[dict[str, Any]]:
    """Yield one result per non-blank input line, in order; tally into `counts`."""
    kb = load_knowledge()
    questions = kb.questions
    decode = _decoder()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            if len(raw) > MAX_FILE_BYTES:
                raise AnswersError("", f"the line is longer than {MAX_FILE_BYTES:,} bytes")
            answers = parse_answers(decode(raw), questions)
        except AnswersError as error:
            counts.bad_lines.append(number)
            yield {"line": number, "error": str(error)}
            continue
        counts.assessed += 1
        yield assess(answers, kb, region=region).to_dict() if full else summarize(answers, kb)


def assess_lines(
    lines: Iterable[bytes],
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
) -> Iterator[bytes]:
    """As `assess_records`, each result as one line of UTF-8 JSON."""
    encode = _encoder()
    for record in assess_records(lines, counts, full=full, region=region):
        yield encode(record)


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
    return list(assess_records(encoded, counts, full=full, region=region))


# -- JSON, fast where it can be ------------------------------------------------------------------

#: orjson reads integers beyond 64 bits as floats; the standard library keeps them whole.
_WHOLE_LIMIT = 2.0**63


def _decoder() -> Callable[[bytes], object]:
    try:
        import orjson
    except ImportError:  # every platform backpain supports has a wheel; this is a fallback
        return loads_answers_json

    loads, decode_error = orjson.loads, orjson.JSONDecodeError

    def decode(raw: bytes) -> object:
        try:
            data = loads(raw)
        except decode_error:
            return loads_answers_json(raw)  # words the error, or reads what orjson will not
        if type(data) is dict and b"\\" not in raw:
            texts = _plain_texts(data)
            # Without a backslash, every quote in the line opens or closes a text: two quotes
            # for each key and text decoded means that no key was written twice (a repeated key
            # is a text in the line that the decoded object does not hold).
            if texts >= 0 and raw.count(b'"') == 2 * texts:
                return data
        return loads_answers_json(raw)  # a repeated key, or values the strict reader must see

    return decode


def _plain_texts(data: dict[str, Any]) -> int:
    """The number of keys and texts in an object whose values are as the answers format has
    them (texts, numbers orjson reads exactly, true, false, null, lists of texts), or -1 for
    anything else, which the strict reader reads again."""
    texts = len(data)
    for value in data.values():
        kind = type(value)
        if kind is str:
            texts += 1
        elif kind is list:
            for item in value:
                if type(item) is not str:
                    return -1
            texts += len(value)
        elif kind is float:
            if not -_WHOLE_LIMIT < value < _WHOLE_LIMIT:
                return -1
        elif kind is not int and kind is not bool and value is not None:
            return -1
    return texts


def _encoder() -> Callable[[dict[str, Any]], bytes]:
    try:
        import orjson
    except ImportError:
        return lambda record: (
            json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        ).encode("utf-8")
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    return lambda record: dumps(record, option=newline)

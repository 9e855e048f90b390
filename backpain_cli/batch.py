"""Many assessments from JSON Lines: one answers object per line in, one result per line out.

Streams: each line is read and assessed before the next is read, and the results are written
as they come (a few dozen kilobytes at a time), so memory stays flat whatever the size of the
input. A bad line becomes `{"line": N, "error": "..."}` in its place and the rest go on.

Where msgspec is installed, each line is read in C against a schema made from the questions
(`_Schema`): a line that fits it is valid answers, and only its facts and numbers are taken,
without the checks of `parse_answers` in Python (a summary needs nothing else). Every other
line, good or bad, goes through the strict reader (`loads_answers_json`, `parse_answers`): one
the schema is stricter about (41.0 for an age, a null, an escaped character, an id twice) is
read as it always is, and a bad line gets the strict reader's message. So the results and the
messages are the same with msgspec or without it (tests/test_fast_paths.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Annotated, Any, BinaryIO, Literal

from .answers import (
    CONFLICTS,
    MAX_FILE_BYTES,
    Answers,
    AnswersError,
    loads_answers_json,
    parse_answers,
)
from .engine import assess, summarize
from .knowledge import Questions, load_knowledge

#: Results are written in pieces of about this many bytes.
_WRITE_BYTES = 1 << 16


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

    def summary(facts: Iterable[str], numbers: Mapping[str, float]) -> dict[str, Any]:
        return summarize(Answers({}, frozenset(facts), numbers), kb)

    schema = _Schema.made(questions)
    for number, raw in enumerate(lines, start=1):
        read = schema.read(raw) if schema is not None else None
        if read is not None and not full:
            counts.assessed += 1
            yield summary(read[0], read[1])
            continue
        if not raw.strip():
            continue
        try:
            if read is not None:
                answers = schema.answers(read)  # type: ignore[union-attr]
            elif len(raw) > MAX_FILE_BYTES:
                raise AnswersError("", f"the line is longer than {MAX_FILE_BYTES:,} bytes")
            else:
                answers = parse_answers(loads_answers_json(raw), questions)
        except AnswersError as error:
            counts.bad_lines.append(number)
            yield {"line": number, "error": str(error)}
            continue
        counts.assessed += 1
        if full:
            yield assess(answers, kb, region=region).to_dict()
        else:
            yield summary(answers.facts, answers.numbers)


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


def write_results(
    lines: Iterable[bytes],
    out: BinaryIO,
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
) -> None:
    """`assess_lines`, written to `out` a few dozen kilobytes at a time (what the CLI runs)."""
    msgspec = _msgspec()
    if msgspec is None:
        for line in assess_lines(lines, counts, full=full, region=region):
            out.write(line)
        return
    encode_into = msgspec.json.Encoder().encode_into
    pending = bytearray()
    for record in assess_records(lines, counts, full=full, region=region):
        encode_into(record, pending, -1)
        pending += b"\n"
        if len(pending) >= _WRITE_BYTES:
            out.write(pending)
            pending.clear()
    out.write(pending)


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


def _msgspec() -> Any:
    """The msgspec module, or None where it is not installed (every platform backpain supports
    has a wheel; without it, batch reads and writes with the standard library)."""
    try:
        import msgspec
        import msgspec.json
        import msgspec.structs
    except ImportError:
        return None
    return msgspec


def _encoder() -> Callable[[dict[str, Any]], bytes]:
    msgspec = _msgspec()
    if msgspec is None:
        return lambda record: (
            json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        ).encode("utf-8")
    encode = msgspec.json.Encoder().encode
    return lambda record: encode(record) + b"\n"


class _Schema:
    """The answers format as a msgspec type, made from the questions: every key with its type,
    its range or its ids, the required keys required, no other key allowed. A line that
    msgspec reads as this type, written plainly (see `read`), is valid answers."""

    def __init__(self, questions: Questions, msgspec: Any) -> None:
        fields: list[tuple[Any, ...]] = []
        for key, question in questions.keys.items():
            if question.type in ("int", "number"):
                bounds = msgspec.Meta(ge=question.min, le=question.max)
                kind: Any = Annotated[int, bounds]
                if question.type == "number":
                    kind = kind | Annotated[float, bounds]  # an int stays an int, as in JSON
            else:
                kind = Literal.__getitem__(questions.vocabulary[key])
                if question.type == "multi":
                    kind = list[kind]
            fields.append((key, kind) if key in questions.required else (key, kind | None, None))
        answers = msgspec.defstruct(
            "Answers", fields, kw_only=True, forbid_unknown_fields=True, module=__name__
        )
        self.keys = tuple(questions.keys)
        self.decode = msgspec.json.Decoder(answers).decode
        self.error = msgspec.MsgspecError
        self.astuple = msgspec.structs.astuple
        kinds = {key: question.type for key, question in questions.keys.items()}
        self.choice_keys = tuple(key for key, kind in kinds.items() if kind == "choice")
        self.multi_keys = tuple(key for key, kind in kinds.items() if kind == "multi")
        self.number_keys = tuple(key for key, kind in kinds.items() if kind in ("int", "number"))
        self.choices = _getter(self.choice_keys)
        self.multis = _getter(self.multi_keys)
        self.numbers = _getter(self.number_keys)
        names = questions.fact_names
        self.fact_of = {
            (key, i): fact for key in self.choice_keys for i, fact in names[key].items()
        }
        self.multi_names = tuple(names[key] for key in self.multi_keys)

    @classmethod
    def made(cls, questions: Questions) -> _Schema | None:
        msgspec = _msgspec()
        return None if msgspec is None else cls(questions, msgspec)

    def read(self, raw: bytes) -> tuple[list[str], dict[str, Any], Any] | None:
        """The facts and numbers of a line that is valid answers as it stands, and what msgspec
        read; None for any other line, which the strict reader reads."""
        if len(raw) > MAX_FILE_BYTES:
            return None
        try:
            answers = self.decode(raw)
        except self.error:
            return None
        # The getters give one value for each key, so the zips below are even by construction
        # (and strict= would cost a tenth of this function). (key, None) is in no table: the
        # choices not answered drop out.
        pairs = zip(self.choice_keys, self.choices(answers))  # noqa: B905
        facts = list(filter(None, map(self.fact_of.get, pairs)))
        texts = 2 * len(facts)  # the key and the id of each choice
        for names, items in zip(self.multi_names, self.multis(answers)):  # noqa: B905
            if items is not None:
                texts += 1 + len(items)
                facts += map(names.__getitem__, items)
        numbers = {}
        for key, value in zip(self.number_keys, self.numbers(answers)):  # noqa: B905
            if value is not None:
                numbers[key] = value
        texts += len(numbers)
        # Without a backslash, every quote in the line opens or closes a text: two for each key
        # and id read means that no key was written twice, nor given as null.
        if raw.count(b'"') != 2 * texts or b"\\" in raw:
            return None
        for one, other, _path, _message in CONFLICTS:
            if one in facts and other in facts:
                return None
        return facts, numbers, answers

    def answers(self, read: tuple[list[str], dict[str, Any], Any]) -> Answers:
        """The Answers `parse_answers` makes of a line `read` took: the values in the
        questions' order, an id given twice in a list kept once."""
        facts, numbers, answers = read
        values = {
            key: list(dict.fromkeys(value)) if type(value) is list else value
            for key, value in zip(self.keys, self.astuple(answers), strict=True)
            if value is not None
        }
        return Answers(values, frozenset(facts), numbers)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes of an object, as a tuple (also for one name, or none)."""
    if len(names) == 1:
        (name,) = names
        return lambda item: (getattr(item, name),)
    if not names:
        return lambda item: ()
    return attrgetter(*names)

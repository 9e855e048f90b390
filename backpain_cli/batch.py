"""Many assessments from JSON Lines: one answers object per line in, one result per line out.

Each non-blank input line gives one output line, in order, carrying its line number (blank
lines are skipped but counted, so the numbers are those of the input)::

    {"line": 1, "result": {...}}                       the summary, or the report with --full
    {"line": 2, "error": "side: unknown side 'up'"}    a bad line, in its place
    {"line": 3, "id": "p-0017", "result": {...}}       with --id KEY: the record's own id

**Record ids.** With `id_key` (`--id KEY`), every line must give KEY, a text of 1 to 200
printable characters or a whole number. It is taken out before the answers are read (so it
is not an unknown key) and written back as "id", in the result and in an error where it could
be read, so results join back to a cohort by id whatever lines were skipped or split.

**One reader.** Each line is decoded by msgspec and checked by the one validator,
`parse_answers`. A line msgspec cannot decode, or whose answers `parse_answers` refuses, is
read again by the strict reader `backpain assess` uses (`loads_answers_json`): it raises the
error a bad line gets, worded exactly as assess words it; and the rare good line msgspec
refuses (one starting with a byte order mark) is read as assess reads it.

**Keys given twice.** The format says a key given twice is an error; msgspec, like most JSON
decoders, keeps the last value without a word. But every key written in a line is followed by
a colon, so a line with no more colons than the decoded object has keys has each key once (and
no object nested in it). Any other line (a key twice, a colon inside a text, a nested object)
goes to the strict reader, which names the key, or reads the line as assess does.

**Bounded.** A line longer than MAX_LINE_BYTES is reported once that many bytes have come,
and the rest of it is skipped without being kept, so memory stays flat whatever the input
(even /dev/zero). **No line stops the batch:** a bad line gets its error in its place; a line
the engine fails on (a bug) gets an internal error in its place, and `counts.failed` says so.

**Streaming.** Input is taken as it arrives (`read1`), and the results so far are written out
before every read that may wait, so each result appears as soon as its line is assessed,
whether the input is a file, a pipe or someone typing. A stop (a signal, Ctrl-C) writes the
results already made before the batch ends, each once: a stop waits while a piece of output
is written (so a stop while the output pipe is full waits until it drains or closes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import msgspec

from .answers import MAX_FILE_BYTES, Answers, AnswersError, loads_answers_json, parse_answers
from .echo import shown
from .engine import assess, summarize
from .knowledge import Knowledge, load_knowledge
from .signals import held

#: A line longer than this is an error, as an answers file larger than this is.
MAX_LINE_BYTES = MAX_FILE_BYTES
#: Input is read, and pending results written, in pieces of about this many bytes.
_CHUNK_BYTES = 1 << 16
#: A record id is at most this many characters.
MAX_ID_CHARS = 200
#: How many bad line numbers the counts keep, for the closing message.
_BAD_LINES_KEPT = 10


@dataclass
class BatchCounts:
    assessed: int = 0
    #: lines with bad input, and the numbers of the first few
    bad: int = 0
    bad_lines: list[int] = field(default_factory=list)
    #: lines the engine failed on (a bug in backpain)
    failed: int = 0


class BadLine(Exception):
    """A line that is not valid answers: the message, and its record id where it was read."""

    def __init__(self, message: str, record: str | int | None) -> None:
        super().__init__(message)
        self.message = message
        self.record = record


class Reader:
    """Reads one line of JSON Lines as answers (see the module docstring)."""

    def __init__(self, kb: Knowledge, id_key: str | None = None) -> None:
        self.questions = kb.questions
        self.id_key = id_key
        self._decode = msgspec.json.Decoder().decode

    def read(self, raw: bytes) -> tuple[Answers, str | int | None]:
        """The answers of a line and its record id (None without an id key); BadLine if the
        line is not valid answers."""
        if len(raw) > MAX_LINE_BYTES:
            raise BadLine(f"the line is longer than {MAX_LINE_BYTES:,} bytes", None)
        record = None
        decoded = self._decoded(raw)
        if decoded is not None:
            try:
                record = self._take_id(decoded)
                return parse_answers(decoded, self.questions), record
            except AnswersError:
                pass  # the strict reader words it
        try:
            data = loads_answers_json(raw)
            record = self._take_id(data)
            return parse_answers(data, self.questions), record
        except AnswersError as error:
            raise BadLine(str(error), record) from None

    def _decoded(self, raw: bytes) -> dict[str, Any] | None:
        """What msgspec makes of a line, where it is an object with no key given twice."""
        try:
            data = self._decode(raw)
        except (msgspec.DecodeError, RecursionError):
            return None
        if type(data) is not dict or raw.count(b":") != len(data):
            return None
        return data

    def _take_id(self, data: object) -> str | int | None:
        """Take the record id out of decoded answers; AnswersError when it is missing or not
        one. Nothing is taken without an id key, or from what is not an object."""
        key = self.id_key
        if key is None or not isinstance(data, dict):
            return None
        if key not in data:
            raise AnswersError(shown(key), "missing; --id names the record id each line gives")
        record = data.pop(key)
        if isinstance(record, str):
            if 0 < len(record) <= MAX_ID_CHARS and record.isprintable():
                return record
        elif type(record) is int and -(2**63) <= record < 2**63:
            return record
        raise AnswersError(
            shown(key),
            f"the record id must be a text of 1 to {MAX_ID_CHARS} printable characters "
            "or a whole number",
        )


def assess_records(
    lines: Iterable[bytes | None],
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
    id_key: str | None = None,
    debug: bool = False,
) -> Iterator[dict[str, Any]]:
    """One result per non-blank line (None stands for a line too long to keep), in order, each
    with its line number; tallied into `counts`. With `debug`, an engine failure is raised."""
    kb = load_knowledge()
    reader = Reader(kb, id_key)
    for number, raw in enumerate(lines, start=1):
        if raw is not None and (not raw or raw.isspace()):
            continue
        try:
            if raw is None:
                raise BadLine(f"the line is longer than {MAX_LINE_BYTES:,} bytes", None)
            answers, record = reader.read(raw)
        except BadLine as bad:
            counts.bad += 1
            if len(counts.bad_lines) < _BAD_LINES_KEPT:
                counts.bad_lines.append(number)
            yield _record(number, bad.record, "error", bad.message)
            continue
        try:
            result = (
                assess(answers, kb, region=region).to_dict() if full else summarize(answers, kb)
            )
        except Exception as error:
            if debug:
                raise
            counts.failed += 1
            message = f"internal error: {type(error).__name__}; this is a bug in backpain"
            yield _record(number, record, "error", message)
            continue
        counts.assessed += 1
        yield _record(number, record, "result", result)


def _record(number: int, record: str | int | None, kind: str, value: Any) -> dict[str, Any]:
    if record is None:
        return {"line": number, kind: value}
    return {"line": number, "id": record, kind: value}


def write_results(
    source: BinaryIO,
    out: BinaryIO,
    counts: BatchCounts,
    *,
    full: bool = False,
    region: str = "default",
    id_key: str | None = None,
    debug: bool = False,
) -> None:
    """Read JSON Lines from `source` and write one result line to `out` for each (what the CLI
    runs), written out whenever the input may pause and every few dozen kilobytes."""
    encode_into = msgspec.json.Encoder().encode_into
    pending = bytearray()

    def flush() -> None:
        if pending:
            # a stop waits until what is written is also forgotten: written once, never twice
            with held():
                out.write(pending)
                out.flush()
                pending.clear()

    read = getattr(source, "read1", source.read)
    lines = _lines(read, flush)
    try:
        for result in assess_records(
            lines, counts, full=full, region=region, id_key=id_key, debug=debug
        ):
            encode_into(result, pending, -1)
            pending += b"\n"
            if len(pending) >= _CHUNK_BYTES:
                flush()
    except BaseException:  # a signal, Ctrl-C: what was assessed is still written
        with contextlib.suppress(OSError, ValueError):  # unless the output is what failed
            flush()
        raise
    flush()


def _lines(read: Callable[[int], bytes], before_read: Callable[[], None]) -> Iterator[bytes | None]:
    """The lines of a stream without their line ends; None in place of a line longer than
    MAX_LINE_BYTES, whose bytes are skipped rather than kept. `before_read` runs before each
    read, which may wait for input."""
    rest = b""
    skipping = False
    while True:
        before_read()
        chunk = read(_CHUNK_BYTES)
        if not chunk:
            break
        if skipping:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            chunk, skipping = chunk[end + 1 :], False
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
        if len(rest) > MAX_LINE_BYTES:
            yield None
            rest, skipping = b"", True
    if rest and not skipping:
        yield rest


def assess_partition(
    lines: Iterable[str | bytes],
    *,
    full: bool = False,
    region: str = "default",
    id_key: str | None = None,
) -> list[dict[str, Any]]:
    """For data engines: JSON Lines in, one result dict per non-blank line out, in order.

    The function Dask's `Bag.map_partitions` or Spark's `RDD.mapPartitions` calls on each
    partition (docs/scale.md). It returns a list, which process-based schedulers can send
    back. Results are as `backpain batch` writes them, with "line" counted within the
    partition; pass `id_key` to carry each record's id through.
    """
    counts = BatchCounts()
    encoded = (
        line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line for line in lines
    )
    return list(assess_records(encoded, counts, full=full, region=region, id_key=id_key))

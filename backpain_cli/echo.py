"""What may reach the terminal: user-supplied text made safe to echo, and ASCII where the output
cannot encode a character.

`shown` is the one helper for every string the user gave that a message repeats: a key, an id,
a file name, a command-line word. Nothing from the input reaches the terminal raw, so an input
cannot clear the screen, set the window title, forge a second `backpain:` line or fill the
screen with a 200 KB key.
"""

from __future__ import annotations

import codecs
import unicodedata

#: Characters of user text shown in a message, at most; the rest is cut to "...".
LIMIT = 80

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: object, limit: int = LIMIT) -> str:
    """`text` as a message may show it: every character that is not printable written as a
    Python escape (`\\x1b`, `\\n`, `\\u202e`, `\\ud800`: control characters and escapes, line
    breaks, bidirectional overrides, lone surrogates), so the result is plain printable text;
    cut to about `limit` characters, ending in "...".

    A short printable text comes back as it is: `shown("fevr") == "fevr"`.
    """
    text = text if isinstance(text, str) else str(text)
    head = text[: limit + 1]
    if len(head) <= limit and head.isprintable():
        return head
    pieces: list[str] = []
    length = 0
    for char in head:
        piece = char if char.isprintable() else _escape(char)
        if length + len(piece) > limit:
            return "".join(pieces) + "..."
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces) + ("..." if len(text) > limit else "")


def quoted(text: object, limit: int = LIMIT) -> str:
    """`shown(text)` in single quotes, as `repr` quotes a short text: `'fevr'`."""
    return "'" + shown(text, limit).replace("'", "\\'") + "'"


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# -- output encodings ---------------------------------------------------------------------------

#: The name of the codec error handler that writes a character in ASCII (see `to_ascii`).
ASCII_FALLBACK = "backpain.ascii"

_ASCII = {
    "\u00b0": "",  # degree sign: 38°C -> 38C
    "\u00a0": " ",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "*",
    "\u00b7": "-",
    "\u00d7": "x",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2191": "^",
    "\u2193": "v",
    "\u2713": "v",
    "\u2714": "v",
    "\u2717": "x",
    "\u2718": "x",
    "\u00b1": "+/-",
    "\u00bd": "1/2",
}


def to_ascii(char: str) -> str:
    """An ASCII stand-in for a character an output cannot encode: box-drawing lines as `-`, `|`
    and `+`, blocks as `#`, typographic dashes and quotes as ASCII ones, a letter with an
    accent as the letter, anything else as `?`."""
    if char in _ASCII:
        return _ASCII[char]
    code = ord(char)
    if 0x2500 <= code <= 0x257F:  # box drawing
        name = unicodedata.name(char, "")
        if "HORIZONTAL" in name and "VERTICAL" not in name:
            return "-"
        if "VERTICAL" in name and "HORIZONTAL" not in name:
            return "|"
        return "+"
    if 0x2580 <= code <= 0x259F:  # block elements
        return "#"
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be written in any encoding
        return "?"
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
    return plain if plain.isprintable() and plain else "?"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    piece = error.object[error.start : error.end]
    return "".join(map(to_ascii, piece)), error.end


codecs.register_error(ASCII_FALLBACK, _fallback)

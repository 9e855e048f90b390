"""Plain text for `backpain questions` and `backpain conditions`: 80 columns, no markup.

A web address is never broken (so it can be copied), so a line holding a long one may be wider.
"""

from __future__ import annotations

import re
import textwrap

#: Plain-text listings fit this many columns.
WIDTH = 80


def wrapped(text: str, first: str = "", rest: str = "", width: int = WIDTH) -> list[str]:
    """`text` wrapped to `width`, the first line starting with `first`, the others `rest`."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def columns(rows: list[tuple[str, str]], indent: str = "", widest: int = 26) -> list[str]:
    """Two columns: a name, then its text wrapped beside it (below it, for a name wider than
    `widest` characters)."""
    if not rows:
        return []
    width = min(max(len(name) for name, _text in rows), widest)
    beside = indent + " " * (width + 2)
    lines: list[str] = []
    for name, text in rows:
        if len(name) > width:
            lines.append(indent + name)
            lines += wrapped(text, beside, beside)
        else:
            lines += wrapped(text, f"{indent}{name:<{width}}  ", beside)
    return lines


_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def _inline(text: str) -> str:
    """Markdown's inline marks taken off: code, bold, links, <addresses>."""
    text = _LINK.sub(r"\1 (\2)", text)
    return re.sub(r"<(https?://[^>]*)>", r"\1", text.replace("**", "").replace("`", ""))


def markdown_text(page: str, width: int = WIDTH) -> str:
    """The Markdown of a generated page (docs.py: headings, paragraphs, lists, tables) as
    plain text: headings in capitals and underlined, as in the text report; each table row as
    a list item giving every column by its name, so that nothing is cut to fit."""
    out: list[str] = []
    header: list[str] = []
    for line in page.splitlines():
        if line.startswith("<!--"):
            continue
        if line.startswith("#"):
            title = _inline(line.lstrip("#").strip()).upper()
            underline = "=" if line.startswith("# ") else "-"
            out += [title, underline * min(len(title), width)]
        elif line.startswith("|"):
            cells = [_inline(cell.strip()) for cell in line.strip().strip("|").split(" | ")]
            if not header:
                header = cells
            elif set(line) <= set("|- :"):
                continue  # the line under the header
            else:
                for number, (name, cell) in enumerate(zip(header, cells, strict=False)):
                    lead = "  - " if number == 0 else "    "
                    out += wrapped(f"{name}: {cell}", lead, "      ", width)
        elif line.startswith("- "):
            out += wrapped(_inline(line[2:]), "  - ", "    ", width)
        elif line.strip():
            out += wrapped(_inline(line), "", "", width)
        else:
            header = []
            if out and out[-1]:
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

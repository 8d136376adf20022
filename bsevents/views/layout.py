"""A fast grid renderable for the table and the timeline.

rich's Table measures and wraps every cell through its full layout engine: about 4 s for
10,000 rows here. Event rows need none of that: each cell is one line of plain text
(already cleaned and cut), so this grid measures the columns once, fits each cell with
string operations and yields ready-made segments. Rendering goes through rich all the
same, so colour choice, NO_COLOR, recording for SVG and terminal detection stay rich's.

All text given to a grid must already have gone through `sanitize.clean()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

# A cell or a span of a line: text and its style (None for plain).
Span = tuple[str, Style | None]
ELLIPSIS = "…"
_WORD_RE = re.compile(r"[^ ]* *")
# The narrowest a flexible column gets on a screen too narrow for every minimum: a
# character and the ellipsis.
_FLOOR = 2


@dataclass(frozen=True)
class Column:
    """How one column is laid out."""

    header: str
    min_width: int = 1
    max_width: int | None = None
    # Shown in full over as many lines as it needs, instead of cut with an ellipsis.
    wrap: bool = False
    # Never narrowed below its natural width (times, short ids).
    fixed: bool = False
    justify: Literal["left", "right"] = "left"
    header_style: Style | None = None
    # Optional columns are dropped on a narrow screen, the highest number first, rather
    # than narrowing a column below the `want` cells it asks for.
    optional: int = 0
    want: int = 0


class Line:
    """A full-width line between rows (a day or session heading), cut to the width."""

    __slots__ = ("spans",)

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = spans


def fit(text: str, width: int, justify: str = "left") -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` cells."""
    size = len(text) if text.isascii() else cell_len(text)
    if size == width:
        return text
    if size < width:
        pad = " " * (width - size)
        return pad + text if justify == "right" else text + pad
    if width <= 0:
        return ""
    if text.isascii():
        return text[: width - 1] + ELLIPSIS
    return set_cell_size(text, width - 1) + ELLIPSIS


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells: broken at spaces where possible, and words longer
    than a line (URLs, ids) cut wherever they must be."""
    lines: list[str] = []
    current = ""
    for word in _WORD_RE.findall(text):
        candidate = current + word
        if cell_len(candidate.rstrip(" ")) <= width:
            current = candidate
            continue
        if current.strip(" "):
            lines.append(current.rstrip(" "))
        current = word
        if cell_len(word.rstrip(" ")) > width:
            chunks = chop_cells(word, width)
            lines.extend(chunk for chunk in chunks[:-1])
            current = chunks[-1]
    if current.strip(" ") or not lines:
        lines.append(current.rstrip(" "))
    return lines


def allocate(
    naturals: Sequence[int], columns: Sequence[Column], available: int, gap: int
) -> list[int]:
    """Column widths: natural widths within each column's bounds, then the flexible
    columns narrowed evenly from the widest down until the row fits `available`."""
    widths = []
    for natural, column in zip(naturals, columns, strict=True):
        width = max(natural, column.min_width)
        if column.max_width is not None:
            width = min(width, max(column.max_width, column.min_width))
        widths.append(width)
    budget = available - gap * (len(columns) - 1)
    if sum(widths) <= budget:
        return widths
    flexible = [i for i, c in enumerate(columns) if not c.fixed]
    room = budget - sum(w for i, w in enumerate(widths) if i not in flexible)

    def used(level: int) -> int:
        return sum(max(columns[i].min_width, min(widths[i], level)) for i in flexible)

    # The largest level at which the flexible columns fit (binary search: widths can be
    # in the thousands for a value shown in full).
    low, high = 0, max((widths[i] for i in flexible), default=0)
    while low < high:
        middle = (low + high + 1) // 2
        if used(middle) <= room:
            low = middle
        else:
            high = middle - 1
    for i in flexible:
        widths[i] = max(columns[i].min_width, min(widths[i], low))
    # When even the minimum widths overflow, the flexible columns give up more, widest
    # first, so that the fixed ones (times, the Id --show takes) are never cut off at the
    # screen's edge: a summary cut to "/p…" loses less than an id cut to "aaaa…".
    over = sum(widths[i] for i in flexible) - room
    while over > 0:
        widest = max(flexible, key=lambda i: widths[i], default=None)
        if widest is None or widths[widest] <= _FLOOR:
            break
        widths[widest] -= 1
        over -= 1
    # Hand back what rounding left over, left to right, to columns that were narrowed.
    spare = room - used(low)
    for i in flexible:
        if spare <= 0:
            break
        cap = columns[i].max_width
        natural = naturals[i] if cap is None else min(naturals[i], cap)
        extra = min(spare, natural - widths[i])
        if extra > 0:
            widths[i] += extra
            spare -= extra
    return widths


class Grid:
    """Rows of cells under an optional header, with full-width lines between them."""

    def __init__(
        self,
        columns: Sequence[Column],
        items: Sequence[list[Span] | Line],
        *,
        gap: int = 2,
        header: bool = True,
        rule_style: Style | None = None,
    ) -> None:
        self.columns = list(columns)
        self.items = items
        self.gap = gap
        self.header = header
        self.rule_style = rule_style

    def natural_widths(self) -> list[int]:
        naturals = [cell_len(c.header) if self.header else 0 for c in self.columns]
        for item in self.items:
            if isinstance(item, Line):
                continue
            for index, (text, _style) in enumerate(item):
                size = len(text) if text.isascii() else cell_len(text)
                if size > naturals[index]:
                    naturals[index] = size
        return naturals

    def layout(self, available: int) -> tuple[list[int], list[int]]:
        """The columns shown (indices) and their widths. Optional columns are dropped,
        most optional first, while a column that wants room would get less than it wants."""
        naturals = self.natural_widths()
        shown = list(range(len(self.columns)))
        while True:
            columns = [self.columns[i] for i in shown]
            widths = allocate([naturals[i] for i in shown], columns, available, self.gap)
            starved = any(
                c.want and w < min(c.want, naturals[i])
                for i, c, w in zip(shown, columns, widths, strict=True)
            )
            droppable = [i for i in shown if self.columns[i].optional]
            if not starved or not droppable:
                return shown, widths
            shown.remove(max(droppable, key=lambda i: self.columns[i].optional))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        available = options.max_width
        shown, widths = self.layout(available)
        return self._lines(shown, widths, available)

    def _lines(self, shown: list[int], widths: list[int], available: int) -> Iterator[Segment]:
        newline = Segment.line()
        gap = " " * self.gap
        columns = [self.columns[i] for i in shown]
        too_wide = sum(widths) + self.gap * (len(widths) - 1) > available
        if self.header:
            header: list[Span] = [
                (fit(c.header, w, c.justify), c.header_style)
                for c, w in zip(columns, widths, strict=True)
            ]
            yield from self._join(header, gap, too_wide, available)
            yield newline
            rule = [("─" * w, self.rule_style) for w in widths]
            yield from self._join(rule, gap, too_wide, available)
            yield newline
        wraps = any(c.wrap for c in columns)
        for item in self.items:
            if isinstance(item, Line):
                yield from _crop(item.spans, available)
                yield newline
                continue
            row = [item[i] for i in shown]
            if wraps:
                for line in self._wrapped(row, columns, widths):
                    yield from self._join(line, gap, too_wide, available)
                    yield newline
                continue
            cells = [
                (fit(text, width, column.justify), style)
                for (text, style), width, column in zip(row, widths, columns, strict=True)
            ]
            yield from self._join(cells, gap, too_wide, available)
            yield newline

    @staticmethod
    def _wrapped(row: list[Span], columns: list[Column], widths: list[int]) -> Iterable[list[Span]]:
        pieces: list[list[str]] = []
        for (text, _style), column, width in zip(row, columns, widths, strict=True):
            if column.wrap and cell_len(text) > width:
                pieces.append(wrap(text, max(width, 1)))
            else:
                pieces.append([text])
        height = max(len(p) for p in pieces)
        for n in range(height):
            yield [
                (fit(piece[n] if n < len(piece) else "", width, column.justify), style)
                for piece, width, column, (_text, style) in zip(
                    pieces, widths, columns, row, strict=True
                )
            ]

    @staticmethod
    def _join(cells: list[Span], gap: str, too_wide: bool, available: int) -> Iterator[Segment]:
        # Padding at the end of a line is trailing whitespace: drop it, and empty cells.
        while len(cells) > 1 and not cells[-1][0].strip(" "):
            cells.pop()
        text, style = cells[-1]
        cells[-1] = (text.rstrip(" "), style)
        if too_wide:
            spaced: list[Span] = []
            for i, cell in enumerate(cells):
                if i:
                    spaced.append((gap, None))
                spaced.append(cell)
            yield from _crop(spaced, available)
            return
        # One segment per cell (and per gap): each then starts at its column in an SVG
        # export too, where rich places every segment by its own x position.
        for i, (text, style) in enumerate(cells):
            if i:
                yield Segment(gap)
            if text[:1] == " ":  # right-aligned: the padding goes apart for the same reason
                body = text.lstrip(" ")
                yield Segment(text[: len(text) - len(body)])
                text = body
            if text:
                yield Segment(text, style)


def _crop(spans: Sequence[Span], available: int) -> Iterator[Segment]:
    """Spans cut to `available` cells, the cut marked with an ellipsis."""
    room = available
    for text, style in spans:
        size = cell_len(text)
        if size <= room:
            if text:
                yield Segment(text, style)
            room -= size
            continue
        if room > 0:
            yield Segment(fit(text, room), style)
        return

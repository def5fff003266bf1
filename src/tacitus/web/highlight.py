"""Marking spans inside an article: text and character spans in, escaped HTML with nested <mark>s out.

An evidence sentence holds its trigger and the actors, places and times in it, so spans nest; a
span that crosses the end of an enclosing one is cut in two there, so the HTML stays well formed
and the enclosing span (the evidence, say) stays one element whose text is exactly its slice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from markupsafe import Markup, escape

# When two spans cover the same characters, the lower rank encloses the higher.
RANKS: Mapping[str, int] = {"evidence": 0, "event": 1, "trigger": 2, "actor": 3, "place": 4, "time": 5}


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the text, marked as `kind` (a CSS class) with data attributes."""

    start: int
    end: int
    kind: str
    attributes: tuple[tuple[str, str], ...] = ()
    element_id: str | None = None
    title: str | None = None

    @property
    def rank(self) -> int:
        return RANKS.get(self.kind, len(RANKS))


@dataclass
class _Node:
    span: Span
    children: list[_Node] = field(default_factory=list)


def _order(span: Span) -> tuple[int, int, int]:
    return span.start, -span.end, span.rank


def _nest(spans: list[Span]) -> list[_Node]:
    """Siblings in text order, each holding the spans inside it (cut where they cross its end)."""
    pending = sorted(spans, key=_order)
    nodes: list[_Node] = []
    while pending:
        head = pending.pop(0)
        inside: list[Span] = []
        after: list[Span] = []
        for span in pending:
            if span.start >= head.end:
                after.append(span)
            elif span.end <= head.end:
                inside.append(span)
            else:
                inside.append(replace(span, end=head.end))
                after.append(replace(span, start=head.end, element_id=None))
        nodes.append(_Node(head, _nest(inside)))
        pending = sorted(after, key=_order)
    return nodes


def _open_tag(span: Span) -> str:
    parts = [f'<mark class="{escape(span.kind)}"']
    if span.element_id:
        parts.append(f' id="{escape(span.element_id)}"')
    if span.title:
        parts.append(f' title="{escape(span.title)}"')
    parts.extend(f' data-{escape(name)}="{escape(value)}"' for name, value in span.attributes)
    return "".join(parts) + ">"


def _render(text: str, nodes: list[_Node], start: int, end: int, out: list[str]) -> None:
    cursor = start
    for node in nodes:
        out.append(str(escape(text[cursor:node.span.start])))
        out.append(_open_tag(node.span))
        _render(text, node.children, node.span.start, node.span.end, out)
        out.append("</mark>")
        cursor = node.span.end
    out.append(str(escape(text[cursor:end])))


def mark_text(text: str, spans: Iterable[Span], start: int = 0, end: int | None = None) -> Markup:
    """text[start:end] as HTML, each span that falls inside (clipped to it) wrapped in a <mark>.

    Spans with offsets outside the text or empty after clipping are left out: an annotation that
    no longer fits its document must not break the page that shows the document. Whitespace at
    either end of a span stays outside its mark.
    """
    end = len(text) if end is None else min(end, len(text))
    start = max(0, min(start, end))
    kept = []
    for span in spans:
        lo, hi = max(span.start, start), min(span.end, end)
        # a sentence span may end in the newline after it: marking that would light up an empty line
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        if lo < hi:
            kept.append(replace(span, start=lo, end=hi))
    out: list[str] = []
    _render(text, _nest(kept), start, end, out)
    return Markup("".join(out))


def excerpt_bounds(text: str, start: int, end: int, context: int = 400) -> tuple[int, int]:
    """The paragraphs around [start, end), each side cut at a space when it runs past `context` chars."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    while end > start and text[end - 1].isspace():
        end -= 1
    lo = text.rfind("\n", 0, start) + 1
    if start - lo > context:
        space = text.find(" ", start - context, start)
        lo = space + 1 if space >= 0 else start - context
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    if hi - end > context:
        space = text.rfind(" ", end, end + context)
        hi = space if space >= 0 else end + context
    return lo, hi

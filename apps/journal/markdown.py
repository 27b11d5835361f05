"""Journal entries' Markdown as HTML that is safe to put on a page.

markdown-it-py's `js-default` preset leaves raw HTML out (`<script>` comes out as text) and its
link check refuses `javascript:`, `vbscript:`, `file:` and `data:` (but images) addresses, so
nothing a trader writes runs or styles the page. No extra sanitiser is installed; this one
parser, with HTML off, is what stands between an entry and the page.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    return mark_safe(_PARSER.render(text or ""))  # noqa: S308 - raw HTML is disabled above

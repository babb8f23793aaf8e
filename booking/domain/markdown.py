"""Markdown that members write, rendered to HTML that is safe to show to everyone."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {"a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
         "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del"}


def render_markdown(text: str) -> Markup:
    """Markdown to sanitised HTML: no raw HTML, no scripts, links marked nofollow noopener."""
    html = _PARSER.render(text or "")
    clean = nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"},
                      link_rel="nofollow noopener")
    return Markup(clean)

"""Markdown written by members, rendered to HTML that cannot carry a script.

markdown-it-py renders everything it reads (raw HTML and every link included, task lists
on); nh3 then keeps only a short list of tags, attributes and link schemes. So a script,
iframe, event attribute, style or `javascript:`/`data:` link is removed from the page, not
left there as escaped text (a `[x](javascript:...)` link keeps its words, without an address).
Shared by the toolbox and governance.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.tasklists import tasklists_plugin

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "input", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "input": {"type", "checked", "disabled"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Task list items only: any other class a writer might smuggle in is dropped.
ALLOWED_CLASSES = {"li": {"task-list-item"}, "ul": {"contains-task-list"}}

_renderer = (MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
             .enable("table").enable("strikethrough")
             .use(tasklists_plugin, enabled=False))
# Every link becomes a link: nh3 drops the addresses whose scheme is not allowed (a refused
# link would otherwise stay on the page as its Markdown text).
_renderer.validateLink = lambda url: True


def _only_checkboxes(tag: str, attribute: str, value: str) -> str | None:
    if tag == "input" and attribute == "type":
        return "checkbox"  # a task list box, never a text field or a button
    return value


def sanitise_html(html: str) -> str:
    """Keep the allowed tags and attributes; links get rel="nofollow noopener"."""
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener", strip_comments=True,
        allowed_classes=ALLOWED_CLASSES, attribute_filter=_only_checkboxes,
        clean_content_tags={"script", "style"},
    )


def render_markdown(text: str) -> Markup:
    """Markdown -> safe HTML, ready to put in a template as it is."""
    return Markup(sanitise_html(_renderer.render(text or "")))


def task_count(text: str) -> int:
    """How many task list boxes (`- [ ]` / `- [x]`) the Markdown has, in order of appearance."""
    return sum(1 for token in _renderer.parse(text or "")
               if token.type == "inline" and token.content[:3].lower() in ("[ ]", "[x]"))

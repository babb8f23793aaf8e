"""Members' Markdown cannot carry a script: tags, attributes, links and styles are filtered."""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from booking.domain.markdown import render_markdown, sanitise_html


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<iframe src='https://evil.example'></iframe>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<p style="position:fixed">x</p>',
])
def test_raw_html_in_markdown_is_shown_as_text(text):
    html = render_markdown(text)
    tags = re.findall(r"<[^>]+>", html)  # the real tags; escaped text has no "<"
    assert tags == ["<p>", "</p>"] or tags == []
    assert "&lt;" in html


@pytest.mark.parametrize("html, forbidden", [
    ("<script>alert(1)</script><p>ok</p>", ["<script", "alert"]),
    ("<iframe src='https://evil.example'></iframe>", ["<iframe"]),
    ('<p onclick="alert(1)" onmouseover="x()">hi</p>', ["onclick", "onmouseover"]),
    ('<a href="javascript:alert(1)">x</a>', ["javascript:"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "JaVaScRiPt"]),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["data:"]),
    ('<img src="data:image/svg+xml;base64,AAAA">', ["data:"]),
    ('<p style="background:url(x)">x</p><style>p{}</style>', ["style", "p{}"]),
    ('<input type="text" value="x">', ['type="text"']),
])
def test_sanitiser_removes_what_could_run_or_restyle(html, forbidden):
    cleaned = sanitise_html(html)
    for piece in forbidden:
        assert piece not in cleaned


def test_markdown_links_cannot_be_javascript_and_get_nofollow():
    html = render_markdown("[bad](javascript:alert(1)) [data](data:text/html,x) "
                           "[good](https://example.org/guide)")
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert 'href="javascript' not in html and 'href="data' not in html
    assert '<a href="https://example.org/guide" rel="nofollow noopener">good</a>' in html


def test_task_lists_render_as_disabled_checkboxes():
    html = render_markdown("- [ ] Vérifier l’extincteur\n- [x] Ranger les outils")
    assert isinstance(html, Markup)
    assert html.count('type="checkbox"') == 2
    assert 'checked="checked"' in html and 'disabled="disabled"' in html
    assert 'class="task-list-item"' in html


def test_ordinary_markdown_keeps_its_structure():
    html = render_markdown("# Titre\n\n**gras** et *italique*\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>Titre</h1>" in html and "<strong>gras</strong>" in html
    assert "<table>" in html and "<td>1</td>" in html

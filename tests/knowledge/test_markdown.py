"""Members' Markdown cannot carry a script: tags, attributes, links and styles are filtered."""
from __future__ import annotations

import pytest
from markupsafe import Markup

from booking.domain.markdown import render_markdown, sanitise_html


@pytest.mark.parametrize("text, forbidden, kept", [
    ("Avant <script>alert(1)</script> après", ["script", "alert"], "Avant"),
    ("<iframe src='https://evil.example'></iframe>\n\nSuite", ["iframe", "evil"], "Suite"),
    ("<img src=x onerror=alert(1)>", ["onerror", "alert"], "<img"),
    ('<p onclick="alert(1)">clic</p>', ["onclick", "alert"], "clic"),
    ('<a href="javascript:alert(1)">x</a>', ["javascript", "alert"], ">x</a>"),
    ("[x](javascript:alert(1))", ["javascript", "alert", "]("], ">x</a>"),
    ("[x](JaVaScRiPt:alert(1))", ["javascript", "JaVaScRiPt", "alert"], ">x</a>"),
    ("[d](data:text/html,hi)", ["data:", "text/html"], ">d</a>"),
    ("![i](data:image/svg+xml;base64,AAAA)", ["data:", "base64"], 'alt="i"'),
    ("<style>body{display:none}</style>\n\nTexte", ["style", "display"], "Texte"),
    ("<span style='color:red'>rouge</span>", ["style", "color", "span"], "rouge"),
    ('<p style="position:fixed">x</p>', ["style", "position"], "<p>x</p>"),
])
def test_refused_markup_is_dropped_not_shown_as_text(text, forbidden, kept):
    """What could run or restyle is removed from the page, not left there as visible text."""
    html = render_markdown(text)
    for piece in forbidden:
        assert piece not in html
    assert "&lt;" not in html
    assert kept in html


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
                           "[good](https://example.org/guide) [mail](mailto:a@example.org)")
    assert "javascript" not in html and "data:" not in html
    assert '<a rel="nofollow noopener">bad</a>' in html
    assert '<a href="https://example.org/guide" rel="nofollow noopener">good</a>' in html
    assert '<a href="mailto:a@example.org" rel="nofollow noopener">mail</a>' in html
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


def test_code_keeps_what_it_shows_as_text():
    """Inside code, markup is the example being explained: it stays, escaped."""
    html = render_markdown("`<script>`\n\n```\n<img onerror=x>\n```")
    assert "<code>&lt;script&gt;</code>" in html and "&lt;img onerror=x&gt;" in html


def test_images_with_web_addresses_stay():
    html = render_markdown("![Plan](https://example.org/plan.png)")
    assert '<img src="https://example.org/plan.png" alt="Plan">' in html

"""A confirmation step before what cannot be undone, that works without JavaScript.

The first POST shows a page repeating the question with the same values and a button that
posts them again with confirmed=yes. With JavaScript, the button's dialog (data-confirm in
app.js) adds confirmed=yes itself, so the page is skipped."""
from __future__ import annotations

from flask import render_template, request

FIELD = "confirmed"


def confirmed() -> bool:
    return request.form.get(FIELD) == "yes"


def confirmation_page(question: str, consequence: str, button: str, back_url: str):
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", FIELD)]
    return render_template("confirm.html", question=question, consequence=consequence,
                           button=button, back_url=back_url, fields=fields, action=request.path)

"""Toolbox helpers: write_article(author, **fields) through the domain, committed."""
from __future__ import annotations

import pytest

from booking.domain import knowledge
from booking.extensions import db


@pytest.fixture
def write_article(app):
    def write(author, title="Assurer le matériel commun", body="Un guide.", lang="fr",
              kind="guide", tags=("assurance",), comanagers_only=False, **fields):
        article = knowledge.create_article(
            db.session, author, knowledge.ArticleDraft(title, body, list(tags)), lang=lang,
            kind=kind, comanagers_only=comanagers_only, **fields)
        db.session.commit()
        return article

    return write

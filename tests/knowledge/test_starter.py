"""The starter toolbox: `flask toolbox-seed` (and demo-data) load about eight articles per
language once, translations linked, searchable, linking to the app's own ledger."""
from __future__ import annotations

from sqlalchemy import func, select

from booking.domain import knowledge
from booking.extensions import db
from booking.models import Article


def _per_language():
    return dict(db.session.execute(select(Article.lang, func.count(Article.id))
                                   .group_by(Article.lang)).all())


def test_toolbox_seed_loads_eight_articles_per_language_once(runner, comanager):
    result = runner.invoke(args=["toolbox-seed", "--author", comanager.email])
    assert result.exit_code == 0 and "24" in result.output
    assert _per_language() == {"fr": 8, "nl": 8, "en": 8}
    again = runner.invoke(args=["toolbox-seed"])
    assert again.exit_code == 0 and " 0 " in again.output
    assert _per_language() == {"fr": 8, "nl": 8, "en": 8}
    costs = db.session.execute(select(Article).where(
        Article.starter_key == "sharing-costs:fr")).scalar_one()
    assert {a.lang for a in knowledge.translations(db.session, costs)} == {"nl", "en"}
    assert 'href="/ledger/expenses/"' in knowledge.body_html(costs)
    assert costs.author_id == comanager.id


def test_seeded_articles_are_found_in_each_language(runner):
    assert runner.invoke(args=["toolbox-seed"]).exit_code == 0
    for words, lang in (("assurance", "fr"), ("verzekering", "nl"), ("insurance", "en")):
        hits = knowledge.search_articles(db.session, words, lang=lang)
        assert hits and all(h.article.lang == lang for h in hits), words


def test_unknown_author_is_refused_and_changes_nothing(runner):
    result = runner.invoke(args=["toolbox-seed", "--author", "nobody@example.org"])
    assert result.exit_code != 0 and "nobody@example.org" in result.output
    assert _per_language() == {}


def test_demo_data_includes_the_toolbox_with_a_space_guide(runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert _per_language()["fr"] >= 8
    assert db.session.execute(select(func.count(Article.id)).where(
        Article.space_id.is_not(None))).scalar_one() == 1

"""Search on both databases: words without their accents and plural endings, per language,
ranked, filtered by tag, kind and language, with highlighted extracts. PostgreSQL also stems
(répéter ~ répétition); SQLite only drops accents and a plural s/x."""
from __future__ import annotations

import pytest

from booking.domain import knowledge
from booking.extensions import db


@pytest.fixture
def library(write_article, member):
    return {
        "rehearsal": write_article(member, title="Préparer une répétition",
                                   body="Réserver le studio, prévenir les musiciens.",
                                   tags=("studio",)),
        "insurance": write_article(member, title="Assurer le matériel",
                                   body="Une assurance tous risques couvre les répétitions "
                                        "hors les murs.", tags=("assurance", "matériel")),
        "dutch": write_article(member, title="Repetities plannen", lang="nl",
                               body="Boek de studio op tijd.", tags=("studio",)),
        "checklist": write_article(member, title="Checklist atelier", kind="checklist",
                                   lang="en", body="- [ ] Fire extinguisher checked",
                                   tags=("workshop",)),
    }


def _ids(hits):
    return [hit.article.id for hit in hits]


def test_plural_and_accents_find_the_singular(library):
    hits = knowledge.search_articles(db.session, "répétitions")
    assert library["rehearsal"].id in _ids(hits)
    assert library["insurance"].id in _ids(hits)
    hits = knowledge.search_articles(db.session, "REPETITION")
    assert library["rehearsal"].id in _ids(hits)


def test_title_match_ranks_first_and_extract_is_highlighted(library):
    hits = knowledge.search_articles(db.session, "répétition")
    assert _ids(hits)[0] == library["rehearsal"].id
    insurance = next(h for h in hits if h.article.id == library["insurance"].id)
    assert "<mark>répétitions</mark>" in insurance.excerpt


def test_every_word_must_match(library):
    assert _ids(knowledge.search_articles(db.session, "assurance studio")) == []
    assert _ids(knowledge.search_articles(db.session, "assurance risques")) == [
        library["insurance"].id]


def test_filters_by_tag_kind_and_language(library):
    assert set(_ids(knowledge.search_articles(db.session, tag="studio"))) == {
        library["rehearsal"].id, library["dutch"].id}
    assert _ids(knowledge.search_articles(db.session, kind="checklist")) == [
        library["checklist"].id]
    assert _ids(knowledge.search_articles(db.session, "studio", lang="nl")) == [
        library["dutch"].id]
    assert _ids(knowledge.search_articles(db.session, "extinguishers")) == [
        library["checklist"].id]


def test_tags_and_attachment_names_are_searched(library, member, tmp_path):
    assert _ids(knowledge.search_articles(db.session, "tous-risques materiel")) == [
        library["insurance"].id]
    knowledge.add_attachment(db.session, library["dutch"], member, "huurcontract.pdf",
                             b"%PDF-1.4 test", tmp_path)
    db.session.commit()
    assert _ids(knowledge.search_articles(db.session, "huurcontract")) == [
        library["dutch"].id]


def test_search_text_is_kept_up_to_date_on_edit(library, member):
    article = library["dutch"]
    knowledge.edit_article(db.session, article, member, knowledge.ArticleDraft(
        article.title, "Vergeet de sleutel niet.", ["studio"], "sleutel"))
    db.session.commit()
    assert _ids(knowledge.search_articles(db.session, "sleutel")) == [article.id]
    assert _ids(knowledge.search_articles(db.session, "tijd")) == []


def test_words_with_sql_wildcards_are_plain_text(library):
    assert _ids(knowledge.search_articles(db.session, "stu_io")) == []


def test_postgresql_stems_verbs_and_nouns(library, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not stem: documented in booking/domain/knowledge/search.py")
    assert library["rehearsal"].id in _ids(knowledge.search_articles(db.session, "préparé"))


def test_plural_with_accents_finds_the_singular_through_the_stored_index(write_article, member):
    """PostgreSQL stems with the French configuration; SQLite searches the word as a prefix.
    Either way the search reads the index written on save, not the text."""
    singular = write_article(member, title="Planifier la saison",
                             body="Une répétition par semaine.", tags=("planning",))
    write_article(member, title="Autre chose", body="Rien à voir.", tags=("divers",))
    assert _ids(knowledge.search_articles(db.session, "répétitions")) == [singular.id]
    assert _ids(knowledge.search_articles(db.session, "REPETITIONS", lang="fr")) == [
        singular.id]
    assert _ids(knowledge.search_articles(db.session, "répétitions", lang="nl")) == []


def test_title_outranks_tags_outrank_body_outranks_attachment_names(
        write_article, member, tmp_path):
    by_title = write_article(member, title="Costumes de scène", body="Coudre et ranger.",
                             tags=("atelier",))
    by_tag = write_article(member, title="Un atelier", body="Coudre et ranger.",
                           tags=("costumes",))
    by_body = write_article(member, title="Une réserve", body="Ranger les costumes.",
                            tags=("stockage",))
    by_file = write_article(member, title="Un modèle", body="Le fichier joint.",
                            tags=("modèles",))
    knowledge.add_attachment(db.session, by_file, member, "liste_costumes.pdf",
                             b"%PDF-1.4 test", tmp_path)
    db.session.commit()
    hits = knowledge.search_articles(db.session, "costumes")
    assert _ids(hits) == [by_title.id, by_tag.id, by_body.id, by_file.id]
    assert hits[0].rank > hits[1].rank > hits[2].rank > hits[3].rank


def test_extract_marks_the_words_and_escapes_the_text(write_article, member):
    write_article(member, title="Sécurité", tags=("sécurité",),
                  body="Avant tout <script>alert(1)</script> vérifier l'extincteur de "
                       "l'atelier chaque mois.")
    (hit,) = knowledge.search_articles(db.session, "extincteur")
    assert "<mark>extincteur</mark>" in hit.excerpt
    assert "<script" not in hit.excerpt and "alert(1)" in hit.excerpt
    assert not hit.excerpt.startswith("…") and not hit.excerpt.endswith("…")


def test_postgresql_search_uses_the_gin_index(library):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan; SQLite reads its FTS5 table")
    from sqlalchemy import text

    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db.session.execute(text(
        "EXPLAIN SELECT id FROM articles WHERE search_vector @@ "
        "plainto_tsquery('mutualise_fr'::regconfig, 'assurance')")))
    assert "ix_articles_search_vector" in plan
    db.session.rollback()


def test_extract_leaves_out_html_the_page_drops(write_article, member):
    """Raw HTML is removed from the page, so the extract does not show it as text either."""
    write_article(member, title="Sécurité", tags=("sécurité",),
                  body="Chaque mois, vérifier <span style='color:red'>l'extincteur</span> "
                       "de l'atelier.")
    (hit,) = knowledge.search_articles(db.session, "extincteur")
    assert "<mark>extincteur</mark>" in hit.excerpt
    assert "span" not in hit.excerpt and "style" not in hit.excerpt
    (listed,) = knowledge.search_articles(db.session, "")
    assert "span" not in listed.excerpt and "l&#39;extincteur de" in listed.excerpt

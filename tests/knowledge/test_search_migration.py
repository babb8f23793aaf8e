"""The search-index migration fills the index of articles written before it, on SQLite and
(when TEST_DATABASE_URL is PostgreSQL) on a PostgreSQL database of its own."""
from __future__ import annotations

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from booking import create_app
from booking.domain import knowledge
from booking.extensions import db
from tests.conftest import ROOT, TEST_DATABASE_URL, _config

BEFORE = "e6d55579c4ba"  # the revision just before the search index


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database of its own, dropped afterwards (PostgreSQL: beside TEST_DATABASE_URL's)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not (TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql")):
        pytest.skip("PostgreSQL runs when TEST_DATABASE_URL is a PostgreSQL database")
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_search_migration"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_migration_indexes_existing_articles_and_goes_back(old_database):
    migrations = str(ROOT / "migrations")
    app = create_app(_config(old_database))
    with app.app_context():
        upgrade(directory=migrations, revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO articles (id, title, body_markdown, lang, kind, comanagers_only, "
                "revision, hidden, views, search_text, created_at, updated_at) VALUES "
                "(1, 'Préparer une répétition', 'Réserver le studio.', 'fr', 'guide', "
                "false, 1, false, 0, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
            connection.execute(text("INSERT INTO tags (id, name) VALUES (1, 'planning')"))
            connection.execute(text(
                "INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)"))
        upgrade(directory=migrations)
        for words in ("répétitions", "studio", "planning"):
            assert [h.article.id for h in knowledge.search_articles(db.session, words)] == [1]
        db.session.rollback()
        downgrade(directory=migrations, revision=BEFORE)
        columns = {row[1] if db.engine.dialect.name == "sqlite" else row[0] for row in
                   db.session.execute(text(
                       "PRAGMA table_info(articles)" if db.engine.dialect.name == "sqlite" else
                       "SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = 'articles'"))}
        assert "search_text" in columns and "search_vector" not in columns
        db.session.rollback()
        upgrade(directory=migrations)
        db.engine.dispose()

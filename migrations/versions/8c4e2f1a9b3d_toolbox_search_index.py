"""toolbox search index: a weighted tsvector on PostgreSQL, an FTS5 table on SQLite

PostgreSQL: articles.search_vector (title A, tags B, body C, attachment names D, stemmed with
the article's language) under one GIN index, instead of computing to_tsvector on every search.
SQLite: the FTS5 table articles_fts (unicode61, diacritics removed), one row per article.
Both are backfilled here; the app rewrites an article's entry on every save
(booking/domain/knowledge/search_index.py holds the same statements). The folded search_text
column they replace is dropped.

Revision ID: 8c4e2f1a9b3d
Revises: e6d55579c4ba
Create Date: 2026-12-02 00:55:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '8c4e2f1a9b3d'
down_revision = "e6d55579c4ba"
branch_labels = None
depends_on = None

LANGS = ("fr", "nl", "en")
TAGS = ("(SELECT string_agg(tags.name, ' ') FROM article_tags JOIN tags ON tags.id = "
        "article_tags.tag_id WHERE article_tags.article_id = articles.id)")
FILES = ("(SELECT string_agg(regexp_replace(name, '[._-]+', ' ', 'g'), ' ') FROM "
         "article_attachments WHERE article_attachments.article_id = articles.id)")
CONFIG = "('mutualise_' || articles.lang)::regconfig"
VECTOR = (f"setweight(to_tsvector({CONFIG}, articles.title), 'A') || "
          f"setweight(to_tsvector({CONFIG}, coalesce({TAGS}, '')), 'B') || "
          f"setweight(to_tsvector({CONFIG}, articles.body_markdown), 'C') || "
          f"setweight(to_tsvector({CONFIG}, coalesce({FILES}, '')), 'D')")
SQLITE_ROWS = (
    "SELECT articles.id, articles.title, coalesce((SELECT group_concat(tags.name, ' ') FROM "
    "article_tags JOIN tags ON tags.id = article_tags.tag_id WHERE article_tags.article_id = "
    "articles.id), ''), articles.body_markdown, coalesce((SELECT group_concat(name, ' ') FROM "
    "article_attachments WHERE article_attachments.article_id = articles.id), '') FROM articles")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column('articles', sa.Column(
        'search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
        nullable=True))
    if postgres:
        for lang in LANGS:
            op.execute(f"DROP INDEX IF EXISTS ix_articles_search_{lang}")
        op.execute("UPDATE articles SET search_vector = " + VECTOR)
        op.drop_column('articles', 'search_text')
    else:
        op.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, tags, body, files, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        op.execute("INSERT INTO articles_fts (rowid, title, tags, body, files) " + SQLITE_ROWS)
        # SQLite 3.35+ drops a plain column in place (no table copy under foreign keys).
        op.execute("ALTER TABLE articles DROP COLUMN search_text")
    # GIN on PostgreSQL; a plain (empty) index on SQLite, so both match the models.
    op.create_index('ix_articles_search_vector', 'articles', ['search_vector'],
                    unique=False, postgresql_using='gin')


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column('articles', sa.Column('search_text', sa.Text(), nullable=False,
                                        server_default=''))
    # Roughly what the previous revision searched: the text in lower case.
    op.execute("UPDATE articles SET search_text = lower(title || ' ' || body_markdown)")
    op.drop_index('ix_articles_search_vector', table_name='articles', postgresql_using='gin')
    if postgres:
        for lang in LANGS:
            op.execute(f"CREATE INDEX ix_articles_search_{lang} ON articles USING gin "
                       f"(to_tsvector('mutualise_{lang}'::regconfig, search_text)) "
                       f"WHERE lang = '{lang}'")
        op.drop_column('articles', 'search_vector')
    else:
        op.execute("DROP TABLE articles_fts")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")

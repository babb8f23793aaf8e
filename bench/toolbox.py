"""Toolbox search on 5,000 articles (the starter texts repeated, in three languages).

Prints median and p95 (milliseconds) and SQL statements per search: a word, a plural with
accents, two words, a tag, a word in one language, and the newest articles.

    .venv/bin/python bench/toolbox.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/python bench/toolbox.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time as clock
from pathlib import Path

# bench/http.py is named like the standard library's `http`: look in bench/ last, not first.
BENCH = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != BENCH] + [BENCH]

from dataset import db, migrated_app  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402

from booking.domain import knowledge  # noqa: E402
from booking.domain.knowledge.search_index import index_articles  # noqa: E402
from booking.domain.knowledge.starter_content import starter_articles  # noqa: E402
from booking.models import Article, Tag  # noqa: E402
from booking.models.knowledge import article_tags  # noqa: E402

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
SEARCHES = [
    ("one word", {"text": "assurance"}),
    ("plural with accents", {"text": "répétitions"}),
    ("two words", {"text": "matériel tournée"}),
    ("tag", {"tag": "sécurité"}),
    ("word, one language", {"text": "verzekering", "lang": "nl"}),
    ("newest", {}),
]


def build(app, url: str) -> None:
    """Articles by bulk insert, each a starter text with a number, and their tags; then the
    search index over all of them, as the migration's backfill writes it."""
    with app.app_context():
        starters = starter_articles()
        names = sorted({tag for s in starters for tag in s.tags})
        db.session.execute(insert(Tag), [{"name": name} for name in names])
        tag_ids = dict(db.session.execute(select(Tag.name, Tag.id)).all())
        rows, links = [], []
        for number in range(1, ARTICLES + 1):
            s = starters[number % len(starters)]
            title = f"{s.title} ({number})"
            rows.append({"id": number, "title": title, "body_markdown": s.body, "lang": s.lang,
                         "kind": s.kind, "revision": 1, "hidden": False, "views": number % 97,
                         "comanagers_only": False})
            links += [{"article_id": number, "tag_id": tag_ids[t]} for t in s.tags]
        db.session.execute(insert(Article), rows)
        db.session.execute(insert(article_tags), links)
        index_articles(db.session)
        db.session.commit()
    if url.startswith("postgresql"):
        with app.app_context(), db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE articles"))


def measure(app, kwargs: dict) -> tuple[float, float, int, int]:
    timings, statements = [], []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(1))
        for _run in range(RUNS):
            statements.clear()
            start = clock.perf_counter()
            hits = knowledge.search_articles(db.session, **kwargs)
            timings.append((clock.perf_counter() - start) * 1000)
            db.session.rollback()
        count = len(statements)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], count, len(hits)


def main() -> None:
    app, url = migrated_app()
    build(app, url)
    print(f"Data set: {ARTICLES:,} articles in fr, nl and en; database {url.split(':')[0]}.")
    print("\n| search | runs | median ms | p95 ms | SQL statements | results |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, kwargs in SEARCHES:
        median, p95, queries, results = measure(app, kwargs)
        print(f"| {label} | {RUNS} | {median:.1f} | {p95:.1f} | {queries} | {results} |")


if __name__ == "__main__":
    main()

"""`flask backup` / `flask restore` round-trip a populated cooperative, files included, on
SQLite and PostgreSQL; `flask export-json` / `flask import-json` move it between the two."""
from __future__ import annotations

import io
import json
import re
import tarfile

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from booking import create_app
from booking.cli import load_demo_data
from booking.domain import accounts
from booking.domain.knowledge.search import search_articles
from booking.domain.knowledge.starter_content import load_starter_articles
from booking.extensions import db
from booking.models import Article
from tests.conftest import DIALECTS, ROOT, IsolatedClient, _config, needs_pg


def _app(url, instance):
    app = create_app(_config(url))
    app.test_client_class = IsolatedClient
    app.instance_path = str(instance)
    return app


def _populated(url, instance):
    """A migrated database with the demo cooperative, toolbox articles, and uploaded files."""
    app = _app(url, instance)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo_data()
        load_starter_articles(db.session, None)
        db.session.commit()
        db.engine.dispose()
    (instance / "attachments" / "2026").mkdir(parents=True)
    (instance / "attachments" / "2026" / "invoice-42.pdf").write_bytes(b"%PDF-1.4 facture" * 50)
    (instance / "toolbox").mkdir()
    (instance / "toolbox" / "checklist.txt").write_text("Clés rendues ✓")
    return app


def _all_rows(app, search_index=True) -> dict[str, list]:
    """Every row; without the PostgreSQL search vectors (SQLite has none) if not search_index."""
    with app.app_context(), db.engine.connect() as connection:
        rows = {table.name: [tuple(row) for row in connection.execute(
                    select(*(column for column in table.columns
                             if search_index or column.name != "search_vector"))
                    .order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}
        db.engine.dispose()
    return rows


def _toolbox_search_finds_every_article(app) -> None:
    """Each article is found by a search for a word of its title, as in the toolbox."""
    with app.app_context():
        articles = db.session.execute(select(Article)).scalars().all()
        assert len(articles) > 3
        for article in articles:
            word = max(re.findall(r"\w+", article.title), key=len)
            found = [hit.article.id for hit in search_articles(db.session, word,
                                                               lang=article.lang)]
            assert article.id in found, (article.title, word)
        db.session.remove()
        db.engine.dispose()


def _files(instance) -> dict[str, bytes]:
    return {str(p.relative_to(instance)): p.read_bytes()
            for p in sorted(instance.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", DIALECTS)
def test_backup_and_restore_round_trip_every_row_and_file(kind, fresh_database, tmp_path):
    source = _populated(fresh_database(kind), tmp_path / "source")
    archive = tmp_path / "mutualise.tar.gz"
    result = source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert manifest["dialect"] == kind
    assert manifest["tables"]["members"] == 6
    assert "files/attachments/2026/invoice-42.pdf" in manifest["checksums"]

    target = _app(fresh_database(kind), tmp_path / "target")
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    source_rows, target_rows = _all_rows(source), _all_rows(target)
    assert sum(len(rows) for rows in source_rows.values()) > 50
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    assert _files(tmp_path / "target") == _files(tmp_path / "source")
    _toolbox_search_finds_every_article(target)

    again = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code != 0
    assert "not empty" in again.output


def test_restore_refuses_a_newer_schema_and_a_damaged_archive(fresh_database, tmp_path):
    source = _populated(fresh_database("sqlite"), tmp_path / "source")
    archive = tmp_path / "backup.tar.gz"
    assert source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0

    def rewritten(name, change):
        target = tmp_path / name
        with tarfile.open(archive) as old, tarfile.open(target, "w:gz") as new:
            for member in old.getmembers():
                data = old.extractfile(member).read()
                data = change(member.name, data)
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))
        return target

    def newer(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["schema_revision"] = "ffffffffffff"
        return json.dumps(manifest).encode()

    def damaged(name, data):
        return data[:-10] + b"0123456789" if name.endswith("invoice-42.pdf") else data

    for name, change, message in (("newer.tar.gz", newer, "newer"),
                                  ("damaged.tar.gz", damaged, "damaged")):
        target = _app(fresh_database("sqlite"), tmp_path / name.split(".")[0])
        result = target.test_cli_runner().invoke(args=["restore", str(rewritten(name, change))])
        assert result.exit_code != 0
        assert message in result.output
        with target.app_context():
            assert not db.inspect(db.engine).get_table_names()  # nothing half-restored


@pytest.mark.parametrize("source_kind, target_kind", [
    pytest.param("sqlite", "postgresql", marks=needs_pg),
    pytest.param("postgresql", "sqlite", marks=needs_pg),
])
def test_export_and_import_json_move_the_cooperative(source_kind, target_kind, fresh_database,
                                                      tmp_path):
    source = _populated(fresh_database(source_kind), tmp_path / "source")
    export = tmp_path / "coop.json"
    result = source.test_cli_runner().invoke(args=["export-json", str(export)])
    assert result.exit_code == 0, result.output

    target = _app(fresh_database(target_kind), tmp_path / "target")
    with target.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    result = target.test_cli_runner().invoke(args=["import-json", str(export)])
    assert result.exit_code == 0, result.output
    assert _all_rows(target, search_index=False) == _all_rows(source, search_index=False)
    _toolbox_search_finds_every_article(target)

    with target.app_context():  # new rows get new ids (PostgreSQL's sequences were moved on)
        member = accounts.create_member(db.session, email="new@example.org", name="New",
                                        role="member", password="x" * 12,
                                        hash_method="pbkdf2:sha256:1000")
        db.session.commit()
        assert member.id == 7
        db.session.remove()
        db.engine.dispose()
    again = target.test_cli_runner().invoke(args=["import-json", str(export)])
    assert again.exit_code != 0 and "already holds data" in again.output

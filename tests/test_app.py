"""The app's frame: configuration, headers, error pages, migrations."""
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from booking import create_app
from booking.extensions import db
from booking.models.knowledge import include_in_migrations


def test_start_without_secret_key_outside_development_fails_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_session_cookie_is_secure_httponly_and_lax(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_every_page_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_pages_have_no_inline_script(client, login, comanager):
    login(comanager)
    for path in ("/login", "/dashboard", "/members/", "/settings/", "/account/profile"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and "onclick=" not in body, path


def test_not_found_page_is_french_by_default_and_follows_the_browser(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)
    response = client.get("/no-such-page", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in response.get_data(as_text=True)


def test_method_not_allowed_has_a_friendly_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "<html" in response.get_data(as_text=True)


def test_server_error_is_logged_with_the_request_id_shown_to_the_person(app, client, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaput")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom", headers={"X-Request-ID": "req-4242"})
    assert response.status_code == 500
    assert "req-4242" in response.get_data(as_text=True)
    assert any("req-4242" in record.getMessage() for record in caplog.records)


def test_migrations_build_exactly_the_models_schema(app):
    """What `flask db check` verifies: a model change without a migration fails here."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_in_migrations})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_language_switch_in_the_footer_changes_the_page_language(client):
    client.post("/language", data={"lang": "nl", "next": "/login"})
    assert "Aanmelden" in client.get("/login").get_data(as_text=True)

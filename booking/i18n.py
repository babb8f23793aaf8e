"""Language and timezone of the reader: profile first, then a choice kept in the session,
then the browser's Accept-Language; French when nothing matches."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from .extensions import babel, db


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return (request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def cooperative_settings():
    """The settings row for this request, read once."""
    if "coop_settings" not in g:
        from .domain.accounts import get_settings

        g.coop_settings = get_settings(
            db.session, current_app.config["TIMEZONE"], current_app.config["CURRENCY"]
        )
    return g.coop_settings


def select_timezone() -> str:
    return cooperative_settings().timezone


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )

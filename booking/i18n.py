"""Language and timezone of the reader: profile first, then a choice kept in the session,
then the browser's Accept-Language; French when nothing matches."""
from __future__ import annotations

from dataclasses import dataclass
from time import monotonic

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import babel, db
from .models import Settings

# How long a process reuses the settings row it read: a change saved in another worker shows
# after at most this; one saved in this process at once (see _note_settings_write).
SETTINGS_CACHE_SECONDS = 5.0
_generation = 0  # bumped by every write of the settings row in this process


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


@dataclass(frozen=True)
class _CachedSettings:
    settings: Settings  # a copy outside any session: read it, never change it
    generation: int
    read_at: float


def cooperative_settings() -> Settings:
    """The settings for this request: one object for the request, read from the database at
    most every SETTINGS_CACHE_SECONDS per process (most requests run no query for it)."""
    if "coop_settings" not in g:
        cached = current_app.extensions.get("settings_cache")
        max_age = current_app.config.get("SETTINGS_CACHE_SECONDS", SETTINGS_CACHE_SECONDS)
        if (cached is None or cached.generation != _generation
                or monotonic() - cached.read_at >= max_age):
            cached = _CachedSettings(_read_settings(), _generation, monotonic())
            current_app.extensions["settings_cache"] = cached
        g.coop_settings = cached.settings
    return g.coop_settings


def _read_settings() -> Settings:
    from .domain.accounts import get_settings

    row = get_settings(db.session, current_app.config["TIMEZONE"],
                       current_app.config["CURRENCY"])
    return Settings(**{column.key: getattr(row, column.key)
                       for column in Settings.__mapper__.column_attrs})


@event.listens_for(Session, "after_flush")
def _note_settings_write(session: Session, _context) -> None:
    global _generation
    if any(isinstance(o, Settings) for o in (*session.new, *session.dirty, *session.deleted)):
        _generation += 1
        session.info["settings_written"] = True


@event.listens_for(Session, "after_commit")
def _settings_committed(session: Session) -> None:
    """Once more at commit: a request that read the row between the flush and the commit
    (another thread) must not keep what it read."""
    global _generation
    if session.info.pop("settings_written", False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _settings_rolled_back(session: Session) -> None:
    global _generation
    if session.info.pop("settings_written", False):
        _generation += 1


def select_timezone() -> str:
    return cooperative_settings().timezone


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )

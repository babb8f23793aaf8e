"""Configuration read from the environment, with safe defaults for a laptop."""
import os
from typing import ClassVar


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-minded defaults; every value can be overridden by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    # Database trouble must answer 503 quickly rather than hang every worker (booking/outages.py).
    DB_CONNECT_TIMEOUT = float(os.environ.get("DB_CONNECT_TIMEOUT", "5"))  # seconds
    DB_STATEMENT_TIMEOUT = float(os.environ.get("DB_STATEMENT_TIMEOUT", "15"))  # 0: none
    DB_LOCK_TIMEOUT = float(os.environ.get("DB_LOCK_TIMEOUT", "5"))  # 0: none
    DB_POOL_PRE_PING = _bool("DB_POOL_PRE_PING", True)
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "15"))
    # After a failed connection, requests fail fast for this long before one tries again.
    DB_RETRY_INTERVAL = float(os.environ.get("DB_RETRY_INTERVAL", "2"))
    DB_RETRY_AFTER = int(os.environ.get("DB_RETRY_AFTER", "5"))  # the 503's Retry-After header
    READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "1"))
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # "json": one JSON object a line
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Brussels")
    CURRENCY = os.environ.get("CURRENCY", "EUR")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "mutualise@localhost")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "process-memory://")
    RATELIMIT_HEADERS_ENABLED = True
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")  # per token
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # Sign-in attempts for one e-mail address, from any network address.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT",
                                              "10 per minute;50 per hour")
    # How many reverse proxies (nginx...) stand in front of the app and set X-Forwarded-For and
    # X-Forwarded-Proto; 0 trusts none of these headers (the app faces clients directly).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    SURVEY_RATE_LIMIT = os.environ.get("SURVEY_RATE_LIMIT", "30 per minute;300 per hour")
    # Sites allowed to show a survey in an <iframe>, e.g. "https://www.example.be".
    SURVEY_EMBED_ORIGINS = os.environ.get("SURVEY_EMBED_ORIGINS", "")

    INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "14"))
    PASSWORD_RESET_MAX_AGE_HOURS = int(os.environ.get("PASSWORD_RESET_MAX_AGE_HOURS", "2"))
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    REMEMBER_COOKIE_DAYS = int(os.environ.get("REMEMBER_COOKIE_DAYS", "30"))
    # Host names the .ics import by URL may fetch although they are internal (comma-separated).
    CALENDAR_IMPORT_ALLOWED_HOSTS = os.environ.get("CALENDAR_IMPORT_ALLOWED_HOSTS", "")

    BABEL_DEFAULT_LOCALE = "fr"
    LANGUAGES = ("fr", "nl", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # None: decided in create_app, on unless debugging or testing over plain http.
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_SECURE = None
    WTF_CSRF_TIME_LIMIT = None  # a form left open all afternoon must still submit
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # Importing an external calendar (.ics) as closures: size limit, and the download timeout.
    ICS_IMPORT_MAX_BYTES = int(os.environ.get("ICS_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
    ICS_IMPORT_TIMEOUT_SECONDS = float(os.environ.get("ICS_IMPORT_TIMEOUT_SECONDS", "10"))

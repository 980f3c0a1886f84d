"""Configuration from ``SURVEYS_*`` environment variables, then the caller's overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SURVEYS_DATABASE_URL": None,
    "SURVEYS_SECRET_KEY": None,
    "SURVEYS_PLUGINS_PATH": "",
    "SURVEYS_BASE_URL": "http://127.0.0.1:8000",
    "SURVEYS_DEFAULT_LOCALE": "ru",
    "SURVEYS_TIMEZONE": "Europe/Moscow",  # how staff enter and participants see wave dates
    "SURVEYS_PSEUDONYM_KEY": None,  # key for open-link code hashes; default: derived from the secret key
    "SURVEYS_PROXY_HOPS": 0,  # reverse proxies in front of the app that set X-Forwarded-For
    # Their addresses, separated by commas: X-Forwarded-* from any other peer is dropped. Empty: trust any peer.
    "SURVEYS_TRUSTED_PROXY": "",
    # Unknown or revoked link tokens allowed per client address and window (seconds).
    "SURVEYS_BAD_LINK_LIMIT": 20,
    "SURVEYS_BAD_LINK_WINDOW": 600,
    # Past this many refusals in the window, every link from the address waits, valid ones too.
    "SURVEYS_BAD_LINK_LOCK": 200,
    # Codes typed on one open link per client address and window (a school behind one address).
    "SURVEYS_CODE_LIMIT": 300,
    "SURVEYS_CODE_WINDOW": 3600,
    # Staff sign-ins that did not succeed allowed per e-mail and client address, and per client address,
    # in a window (seconds); an e-mail's failures make addresses that failed for it wait 2^n s, at most MAX_DELAY.
    "SURVEYS_LOGIN_LIMIT": 5,
    "SURVEYS_LOGIN_IP_LIMIT": 50,
    "SURVEYS_LOGIN_WINDOW": 900,
    "SURVEYS_LOGIN_MAX_DELAY": 60,
    "SURVEYS_STAFF_INVITATION_DAYS": 7,  # how long a link inviting someone to an organisation's staff works
    # Cookies only over HTTPS; default: on when SURVEYS_BASE_URL is https.
    "SURVEYS_SECURE_COOKIES": None,
    # Where exports run: "thread" (in the app server, the default), "rq" (an RQ worker on Redis) or "inline".
    "SURVEYS_EXPORT_QUEUE": "thread",
    "SURVEYS_REDIS_URL": "redis://127.0.0.1:6379/0",
    # Exports of up to this many responses may also be downloaded at once, without a background job.
    "SURVEYS_QUICK_EXPORT_LIMIT": 3000,
    # SQLite only: how long a request waits for another one's write before it gives up (a clean 503).
    "SURVEYS_SQLITE_BUSY_MS": 10000,
    # The JSON API (docs/api.md): requests per token and window (seconds), refused tokens per client
    # address and window, and the largest request body in bytes.
    "SURVEYS_API_RATE_LIMIT": 600,
    "SURVEYS_API_RATE_WINDOW": 60,
    "SURVEYS_API_BAD_TOKEN_LIMIT": 20,
    "SURVEYS_API_BAD_TOKEN_WINDOW": 600,
    "SURVEYS_API_MAX_BODY": 10 * 1024 * 1024,
    # The largest request of any kind, in bytes (Flask's MAX_CONTENT_LENGTH): larger ones get 413 unread.
    # The largest legitimate ones are an API batch (SURVEYS_API_MAX_BODY) and 5 MB uploads (README).
    "SURVEYS_MAX_REQUEST_BYTES": 16 * 1024 * 1024,
    # Aggregated pages, exports and API answers hide groups of fewer people than this (docs/privacy.md).
    "SURVEYS_MIN_GROUP": 5,
    # Days after a programme is archived before its people's personal data is removed by
    # ``surveys retention run`` (docs/privacy.md); None or empty: never automatically.
    "SURVEYS_RETENTION_DAYS": None,
}
INTEGER_SETTINGS = (
    "SURVEYS_PROXY_HOPS",
    "SURVEYS_BAD_LINK_LIMIT",
    "SURVEYS_BAD_LINK_WINDOW",
    "SURVEYS_BAD_LINK_LOCK",
    "SURVEYS_CODE_LIMIT",
    "SURVEYS_CODE_WINDOW",
    "SURVEYS_LOGIN_LIMIT",
    "SURVEYS_LOGIN_IP_LIMIT",
    "SURVEYS_LOGIN_WINDOW",
    "SURVEYS_LOGIN_MAX_DELAY",
    "SURVEYS_STAFF_INVITATION_DAYS",
    "SURVEYS_QUICK_EXPORT_LIMIT",
    "SURVEYS_SQLITE_BUSY_MS",
    "SURVEYS_API_RATE_LIMIT",
    "SURVEYS_API_RATE_WINDOW",
    "SURVEYS_API_BAD_TOKEN_LIMIT",
    "SURVEYS_API_BAD_TOKEN_WINDOW",
    "SURVEYS_API_MAX_BODY",
    "SURVEYS_MAX_REQUEST_BYTES",
    "SURVEYS_MIN_GROUP",
)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance: Path) -> str:
    """Generated once and kept in the instance folder, so sessions survive restarts; readable by its owner only
    from the moment it exists."""
    path = instance / "secret_key"
    if not path.exists():
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return path.read_text().strip()
        with os.fdopen(handle, "w") as stream:
            stream.write(secrets.token_hex(32))
    return path.read_text().strip()


def private_folder(path: Path) -> None:
    """Make ``path`` (and its parents) and keep it to the server's account: it holds the SQLite database,
    its WAL, the secret key and exports being written."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)


def retention_days(value: object) -> int | None:
    """``SURVEYS_RETENTION_DAYS`` as a number of days, or None (unset or empty: no automatic
    anonymisation). Raises ValueError naming the setting for anything but a whole number of 1 or more."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(
            f"SURVEYS_RETENTION_DAYS must be a whole number of days, 1 or more, or empty for no automatic "
            f"anonymisation; it is {value!r} (docs/privacy.md)"
        )
    return days


def configure_settings(app: Flask, overrides: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.update({k: v for k, v in os.environ.items() if k.startswith("SURVEYS_")})
    app.config.update(overrides or {})
    instance = Path(app.instance_path)
    private_folder(instance)
    url = app.config["SURVEYS_DATABASE_URL"] or f"sqlite:///{instance / 'surveys.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.config["SECRET_KEY"] = app.config["SURVEYS_SECRET_KEY"] or _secret_key(instance)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    secure = app.config["SURVEYS_SECURE_COOKIES"]
    if secure is None:
        secure = str(app.config["SURVEYS_BASE_URL"]).startswith("https://")
    elif isinstance(secure, str):
        secure = secure.strip().lower() in ("1", "true", "yes", "on")
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(secure)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    # A form stays valid as long as its session: a participant who pauses for an hour
    # must not lose a page of answers to an expired token.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # A page of answers with one pasted 100 000-character text (emoji included) is still read, so that
    # the participant gets the page back with the length message on that question; larger posts get 413.
    if "MAX_FORM_MEMORY_SIZE" not in (overrides or {}):
        app.config["MAX_FORM_MEMORY_SIZE"] = 2 * 1024 * 1024
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["SURVEYS_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["SURVEYS_TIMEZONE"]
    for name in INTEGER_SETTINGS:
        app.config[name] = int(app.config[name])
    if app.config["SURVEYS_MIN_GROUP"] < 2:
        raise ValueError("SURVEYS_MIN_GROUP must be 2 or more: a group of one is a person (docs/privacy.md)")
    app.config["MAX_CONTENT_LENGTH"] = app.config["SURVEYS_MAX_REQUEST_BYTES"]
    app.config["SURVEYS_RETENTION_DAYS"] = retention_days(app.config["SURVEYS_RETENTION_DAYS"])
    path = app.config["SURVEYS_PLUGINS_PATH"]
    if isinstance(path, str):
        app.config["SURVEYS_PLUGINS_PATH"] = [p for p in path.split(os.pathsep) if p.strip()]

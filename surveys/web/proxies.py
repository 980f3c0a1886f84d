"""Behind reverse proxies: the client's own address, for rate limits and the audit log.

With ``SURVEYS_PROXY_HOPS`` > 0, werkzeug's ProxyFix in the app reads X-Forwarded-For, -Proto and
-Host as set by that many proxies, under whatever server runs the app (``surveys serve``'s waitress,
gunicorn, ``flask run``). Waitress 3 drops those headers before the app sees them
(``clear_untrusted_proxy_headers``), so ``surveys serve`` tells it to keep them (``waitress_options``).
Waitress is not asked to read them itself (``trusted_proxy``): it would set REMOTE_ADDR, ProxyFix would
then apply the hops a second time, and the setting would mean something else under gunicorn.

``SURVEYS_TRUSTED_PROXY`` names the proxies' addresses (commas between): the headers of any other peer
are dropped before ProxyFix reads them, so a client that reaches an app server directly cannot choose
its own address. With hops at 0 the headers are ignored.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

FORWARDED = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)


def configure_proxies(app: Flask) -> None:
    hops = app.config["SURVEYS_PROXY_HOPS"]
    if not hops:
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    trusted = {address.strip() for address in str(app.config["SURVEYS_TRUSTED_PROXY"] or "").split(",")}
    trusted.discard("")
    if trusted:
        app.wsgi_app = _forwarded_only_from(trusted, app.wsgi_app)


def _forwarded_only_from(trusted: set[str], wsgi_app):
    def drop_untrusted_headers(environ, start_response):
        if environ.get("REMOTE_ADDR") not in trusted:
            for name in FORWARDED:
                environ.pop(name, None)
        return wsgi_app(environ, start_response)

    return drop_untrusted_headers


def waitress_options(config: Any) -> dict[str, Any]:
    """What waitress must be told so that the app sees the proxies' headers exactly when it reads them."""
    return {"clear_untrusted_proxy_headers": not config["SURVEYS_PROXY_HOPS"]}

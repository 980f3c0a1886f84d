"""Does ``SURVEYS_BASE_URL`` (the address printed in participants' links) reach the server started here?

Pure functions, no application: ``surveys serve`` warns at start-up when the links would point at
another port of this computer, and ``surveys demo`` prints the command that serves its links.

Only the clear local case counts as a mismatch: a plain ``http://`` address with no path, on this
computer (``127.0.0.1``, ``localhost``, ``::1``, which ``0.0.0.0`` includes) or on the very address
served, with another port; or a link to this computer while the server listens only on another address.
An ``https://`` address, an address with a path, another host name, or any address when
``SURVEYS_PROXY_HOPS`` says that proxies stand in front, is taken to be a reverse proxy's and is never
questioned.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000  # surveys serve's own defaults


def _local_parts(base_url: str) -> tuple[str, int | None] | None:
    """The host and port of a plain local-looking ``http://host:port`` address (port None when it is not a
    number), or None when the address is https, has a path, or names no host."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "http" or parts.path.strip("/") or not parts.hostname:
        return None
    try:
        port = parts.port or 80
    except ValueError:
        port = None
    return parts.hostname.lower(), port


def base_url_mismatch(base_url: str, host: str, port: int, proxied: bool = False) -> bool:
    """True when links carrying ``base_url`` will not reach a server listening on ``host``:``port``."""
    found = None if proxied else _local_parts(base_url)
    if found is None:
        return False
    base_host, base_port = found
    host = host.strip("[]").lower()
    same_host = base_host == host or (base_host in LOOPBACK and (host in LOOPBACK or host in ANY_ADDRESS))
    if not same_host:
        return base_host in LOOPBACK  # links to this computer, but the server listens elsewhere only
    return base_port != port


def served_url(host: str, port: int) -> str:
    """The address a server on ``host``:``port`` answers at, as a link would carry it (0.0.0.0: this computer)."""
    host = host.strip("[]")
    shown = DEFAULT_HOST if host in ANY_ADDRESS else host
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"


def serve_command(base_url: str) -> str | None:
    """The ``surveys serve`` command whose server the links of ``base_url`` reach, or None when they go
    through a proxy (https, a path, another host name)."""
    found = _local_parts(base_url)
    if found is None or found[1] is None or found[0] not in LOOPBACK:
        return None
    host, port = found
    words = ["surveys", "serve"]
    if host not in (DEFAULT_HOST, "localhost"):
        words += ["--host", host]
    if port != DEFAULT_PORT:
        words += ["--port", str(port)]
    return " ".join(words)

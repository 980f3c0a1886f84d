"""Printable link slips: one paper slip per participant, with a QR code and a short address to type.

Pure helpers, no database and no request: the view issues the tokens and builds the slips.
The printed address shows the token in groups of five separated by hyphens; the hyphens do no
harm when the address is typed, because ``hash_token`` normalises them away (with case, spaces
and the o/i/l misreadings).
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

GROUP_SIZE = 5
QR_SIZE_MM = 30  # prints about 3 cm wide: easy for a phone camera, small enough for 8 slips per A4 sheet


@dataclass(frozen=True)
class Slip:
    """What one slip shows. ``url`` is the real link (encoded in the QR code); ``display_url`` is
    the same link made easy to read and type. ``code``, ``group`` and ``name`` are printed only
    when set (None: the curator did not choose that field)."""

    url: str
    display_url: str
    code: str | None = None
    group: str | None = None
    name: str | None = None

    @property
    def qr(self) -> str:
        """The slip's QR code as inline SVG (see ``qr_svg``)."""
        return qr_svg(self.url)


def group_token(token: str, size: int = GROUP_SIZE) -> str:
    """``token`` in groups of ``size`` symbols separated by hyphens: ``abcdefghjk`` → ``abcde-fghjk``."""
    return "-".join(token[i : i + size] for i in range(0, len(token), size))


def display_url(base_url: str, token: str) -> str:
    """The link as printed for typing: no scheme, the token grouped by five.

    ``base_url`` is the link's address up to the token (``https://example.org/s/``), so the
    printed address keeps whatever path the application is served under:
    ``display_url("https://example.org/s/", token)`` → ``example.org/s/abcde-fghjk-…``.
    """
    without_scheme = base_url.split("://", 1)[-1]
    return without_scheme + group_token(token)


def qr_svg(url: str) -> str:
    """An inline ``<svg>`` QR code of ``url``, about 3 cm wide when printed.

    Error correction is at least level M (segno raises it when that costs no extra size), which
    survives a creased or slightly smudged slip. The SVG carries ``role="img"`` and a ``<title>``
    naming the address, for screen readers. It uses no inline styles, so it passes the site's
    Content-Security-Policy.
    """
    code = segno.make(url, error="m", micro=False)
    modules = code.symbol_size(scale=1)[0]  # including the quiet zone
    svg = code.svg_inline(scale=QR_SIZE_MM / modules, unit="mm", title=url, svgclass="qr")
    return svg.replace("<svg ", '<svg role="img" ', 1)

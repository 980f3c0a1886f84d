"""The printed monitoring report as a PDF, made by WeasyPrint from the same HTML as the print page.

The HTML links its stylesheets under ``/static/``; WeasyPrint reads those from the app's static
folder and the charts from their ``data:`` URIs. Nothing else is fetched: no network, no files
(free text in the report cannot make the renderer reach out anywhere).
"""

from __future__ import annotations

from pathlib import Path

BASE = "https://report.invalid/"  # a base no request can reach: relative links resolve under it
TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def _fetcher(static_folder: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_folder).resolve()

    class StaticOnly(URLFetcher):
        """Serves ``data:`` URIs and the app's own static files; refuses everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = BASE + "static/"
            if url.startswith(prefix):
                path = (root / url[len(prefix) :].split("?")[0]).resolve()
                if path.is_relative_to(root) and path.is_file():
                    content_type = TYPES.get(path.suffix, "application/octet-stream")
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})
            raise ValueError(f"the report does not fetch {url}")

    return StaticOnly()


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are not installed."""


def render_pdf(html: str, static_folder: str) -> bytes:
    """The PDF of a report page's HTML (its ``/static/`` stylesheets and ``data:`` images only)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:  # OSError: the Pango library is missing
        raise PdfUnavailable(str(err)) from err

    return HTML(string=html, base_url=BASE, url_fetcher=_fetcher(static_folder)).write_pdf()

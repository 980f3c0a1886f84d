"""Fixtures of the comparison's pure tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask_babel import Babel, force_locale


@contextmanager
def interface(language: str) -> Iterator[None]:
    """A request in ``language`` with the project's catalogue: the language the report's words (the method
    note, the «not specified» group) are written in. Outside any app context they are English."""
    app = Flask("surveys")  # rooted at the surveys package, so its translations folder
    Babel(app, default_locale="ru")
    with app.test_request_context(), force_locale(language):
        yield


@pytest.fixture
def russian() -> Iterator[None]:
    with interface("ru"):
        yield


@pytest.fixture
def english() -> Iterator[None]:
    with interface("en"):
        yield


@pytest.fixture
def in_language():
    """``interface`` itself, for a test that writes the same report in both languages."""
    return interface

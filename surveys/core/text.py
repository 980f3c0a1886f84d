"""Texts that come in Russian and, optionally, English."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LOCALE = "ru"


@dataclass(frozen=True)
class Text:
    """A user-visible text from a questionnaire file: Russian always, English optional."""

    ru: str
    en: str | None = None

    def get(self, locale: str | None = None) -> str:
        if locale == "en" and self.en:
            return self.en
        return self.ru

    def __str__(self) -> str:
        return self.ru

    @classmethod
    def of(cls, value: object) -> Text | None:
        """Build from a plain string (Russian) or a ``{ru:, en:}`` mapping already validated."""
        if value is None:
            return None
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(value)
        return cls(ru=value["ru"], en=value.get("en"))
